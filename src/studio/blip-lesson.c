/* blip-lesson.c — the lesson file parser (GLib only, no GTK).
 *
 * Loading goes in four passes over the text:
 *   1. UTF-8 check (the line of the first bad byte);
 *   2. GKeyFile parses it; on a syntax error the shortest failing prefix of
 *      whole lines, found by bisection, gives the line GKeyFile does not;
 *   3. a line scanner records the line of every group header and key, and
 *      finds what GKeyFile silently merges (a group or key given twice);
 *   4. the groups and keys are checked and turned into steps; each error
 *      names the line the scanner recorded for the offending key.
 */
#include "blip-lesson.h"
#include "blip-strategy.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (blip-lesson-error-quark, blip_lesson_error)

struct _BlipLessonStep {
  guint           number;
  guint           line;
  char           *title;
  char           *text;
  char           *text_markup;
  char           *question;
  char           *question_markup;
  gboolean        has_settings;
  BlipConfig      settings;
  char           *settings_text;
  char           *preset;
  BlipLessonView  view;
  BlipLessonRun   run;
  guint           run_count;
  char           *param_layer;
  guint64         param_index;
};

struct _BlipLesson {
  gatomicrefcount ref_count;
  char           *filename;
  char           *title;
  char           *summary;
  char           *author;
  int             version;
  GPtrArray      *steps;     /* BlipLessonStep*, by number */
};

/* ---------------------------------------------------------------------- */
/* Lines                                                                    */

typedef struct {
  char  *name;
  guint  line;
} KeyLine;

typedef struct {
  char   *name;
  guint   line;
  GArray *keys;     /* KeyLine, in file order */
  guint   step;     /* N of [Step N], 0 for [Lesson] */
} GroupLines;

typedef struct {
  const char *filename;
  GKeyFile   *kf;
  GPtrArray  *groups;   /* GroupLines*, in file order */
} Parser;

static void
key_line_clear (gpointer data)
{
  g_free (((KeyLine *) data)->name);
}

static void
group_lines_free (gpointer data)
{
  GroupLines *g = data;
  g_free (g->name);
  g_array_unref (g->keys);
  g_free (g);
}

static void G_GNUC_PRINTF (5, 6)
set_error (GError **error, const Parser *p, guint line, BlipLessonError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BLIP_LESSON_ERROR, code, "%s:%u: %s", p->filename, line, message);
}

/* Offsets at which lines 1, 2, … start. */
static GArray *
line_starts (const char *data, gsize length)
{
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;
  g_array_append_val (starts, zero);
  for (gsize i = 0; i < length; i++)
    if (data[i] == '\n' && i + 1 < length)
      {
        gsize next = i + 1;
        g_array_append_val (starts, next);
      }
  return starts;
}

static guint
line_of_offset (const char *data, gsize offset)
{
  guint line = 1;
  for (gsize i = 0; i < offset; i++)
    line += data[i] == '\n';
  return line;
}

/* GKeyFile stops at the first line it cannot parse, so a prefix of whole
 * lines fails exactly when it includes that line: bisect for the shortest. */
static guint
keyfile_error_line (const char *data, gsize length, GKeyFileFlags flags)
{
  g_autoptr(GArray) starts = line_starts (data, length);
  guint n = starts->len;
  guint lo = 1, hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gsize end = g_array_index (starts, gsize, mid);   /* start of line mid + 1 */
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_data (kf, data, end, flags, NULL))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Line number `line` without its end of line or surrounding blanks. */
static char *
line_text (const char *data, gsize length, guint line)
{
  const char *p = data, *end = data + length;
  for (guint i = 1; i < line && p < end; i++)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      p = nl ? nl + 1 : end;
    }
  const char *nl = memchr (p, '\n', (gsize) (end - p));
  return g_strstrip (g_strndup (p, (gsize) ((nl ? nl : end) - p)));
}

static GroupLines *
find_group_lines (const Parser *p, const char *name)
{
  for (guint i = 0; i < p->groups->len; i++)
    {
      GroupLines *g = g_ptr_array_index (p->groups, i);
      if (strcmp (g->name, name) == 0)
        return g;
    }
  return NULL;
}

static const KeyLine *
find_key_line (const GroupLines *g, const char *key)
{
  for (guint i = 0; i < g->keys->len; i++)
    {
      const KeyLine *k = &g_array_index (g->keys, KeyLine, i);
      if (strcmp (k->name, key) == 0)
        return k;
    }
  return NULL;
}

/* Runs on text GKeyFile accepted, so every line that is not blank or a
 * comment is a [group] header or a key=value pair inside a group. */
static gboolean
scan_lines (Parser *p, const char *data, gsize length, GError **error)
{
  GroupLines *current = NULL;
  guint line = 0;
  gsize pos = 0;
  while (pos < length)
    {
      const char *start = data + pos;
      const char *nl = memchr (start, '\n', length - pos);
      const char *end = nl ? nl : data + length;
      pos = (gsize) (end - data) + 1;
      line++;
      if (end > start && end[-1] == '\r')
        end--;
      while (start < end && g_ascii_isspace (*start))
        start++;
      if (start == end || *start == '#')
        continue;
      if (*start == '[')
        {
          const char *close = memchr (start, ']', (gsize) (end - start));
          g_assert (close != NULL);
          g_autofree char *name = g_strndup (start + 1, (gsize) (close - start - 1));
          GroupLines *first = find_group_lines (p, name);
          if (first != NULL)
            {
              set_error (error, p, line, BLIP_LESSON_ERROR_DUPLICATE,
                         "[%s] appears twice (first on line %u)%s", name, first->line,
                         g_str_has_prefix (name, "Step ") ? ": each step number may be used once" : "");
              return FALSE;
            }
          current = g_new0 (GroupLines, 1);
          current->name = g_steal_pointer (&name);
          current->line = line;
          current->keys = g_array_new (FALSE, FALSE, sizeof (KeyLine));
          g_array_set_clear_func (current->keys, key_line_clear);
          g_ptr_array_add (p->groups, current);
          continue;
        }
      const char *eq = memchr (start, '=', (gsize) (end - start));
      g_assert (eq != NULL && current != NULL);
      const char *key_end = eq;
      while (key_end > start && g_ascii_isspace (key_end[-1]))
        key_end--;
      KeyLine k = { g_strndup (start, (gsize) (key_end - start)), line };
      const KeyLine *first = find_key_line (current, k.name);
      if (first != NULL)
        {
          set_error (error, p, line, BLIP_LESSON_ERROR_DUPLICATE,
                     "“%s” appears twice in [%s] (first on line %u)", k.name, current->name, first->line);
          g_free (k.name);
          return FALSE;
        }
      g_array_append_val (current->keys, k);
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                   */

/* Key-file escapes \n \t \s \r resolved, control characters other than
 * newline and tab dropped. For Markdown text every other backslash pair is
 * left for the Markdown pass (which reads \X as a literal X); for plain text
 * \\ becomes one backslash and other pairs stay as written. */
static char *
unescape (const char *raw, gboolean markdown)
{
  GString *s = g_string_sized_new (strlen (raw));
  for (const char *p = raw; *p; p++)
    {
      char c = *p;
      if (c == '\\' && p[1] != '\0')
        {
          char e = *++p;
          switch (e)
            {
            case 'n': g_string_append_c (s, '\n'); break;
            case 't': g_string_append_c (s, '\t'); break;
            case 's': g_string_append_c (s, ' '); break;
            case 'r': break;
            case '\\':
              g_string_append (s, markdown ? "\\\\" : "\\");
              break;
            default:
              g_string_append_c (s, '\\');
              g_string_append_c (s, e);
              break;
            }
          continue;
        }
      if ((guchar) c < 0x20 && c != '\n' && c != '\t')
        continue;
      if (c == 0x7f)
        continue;
      g_string_append_c (s, c);
    }
  return g_strstrip (g_string_free (s, FALSE));
}

/* The value of key in group g, or of its translation for the user's
 * language when there is one (Key[fr], Key[pt_BR], …). NULL when absent. */
static char *
get_translated (const Parser *p, const GroupLines *g, const char *key, guint *line)
{
  const char * const *languages = g_get_language_names ();
  for (guint i = 0; languages[i] != NULL; i++)
    {
      if (strcmp (languages[i], "C") == 0 || strcmp (languages[i], "POSIX") == 0)
        continue;
      g_autofree char *localized = g_strdup_printf ("%s[%s]", key, languages[i]);
      const KeyLine *k = find_key_line (g, localized);
      if (k != NULL)
        {
          *line = k->line;
          return g_key_file_get_value (p->kf, g->name, localized, NULL);
        }
    }
  const KeyLine *k = find_key_line (g, key);
  if (k == NULL)
    return NULL;
  *line = k->line;
  return g_key_file_get_value (p->kf, g->name, key, NULL);
}

static char *
get_plain (const Parser *p, const GroupLines *g, const char *key, guint *line)
{
  const KeyLine *k = find_key_line (g, key);
  if (k == NULL)
    return NULL;
  *line = k->line;
  g_autofree char *raw = g_key_file_get_value (p->kf, g->name, key, NULL);
  return unescape (raw, FALSE);
}

typedef struct {
  const char *name;
  gboolean    translatable;
} KeySpec;

static const KeySpec lesson_keys[] = {
  { "Title", TRUE }, { "Summary", TRUE }, { "Version", FALSE }, { "Author", FALSE },
};

static const KeySpec step_keys[] = {
  { "Title", TRUE }, { "Text", TRUE }, { "Settings", FALSE }, { "View", FALSE },
  { "Run", FALSE }, { "Question", TRUE }, { "Parameter", FALSE },
};

static char *
key_list (const KeySpec *specs, gsize n, gboolean translatable_only)
{
  GString *s = g_string_new (NULL);
  guint count = 0, total = 0;
  for (gsize i = 0; i < n; i++)
    total += !translatable_only || specs[i].translatable;
  for (gsize i = 0; i < n; i++)
    {
      if (translatable_only && !specs[i].translatable)
        continue;
      if (count > 0)
        g_string_append (s, count + 1 == total ? " and " : ", ");
      g_string_append (s, specs[i].name);
      count++;
    }
  return g_string_free (s, FALSE);
}

/* Every key of the group must be one of specs, a translation only of a
 * translatable one. */
static gboolean
check_keys (const Parser *p, const GroupLines *g, const KeySpec *specs, gsize n,
            const char *what, GError **error)
{
  for (guint i = 0; i < g->keys->len; i++)
    {
      const KeyLine *k = &g_array_index (g->keys, KeyLine, i);
      const char *bracket = strchr (k->name, '[');
      g_autofree char *base = bracket ? g_strndup (k->name, (gsize) (bracket - k->name)) : g_strdup (k->name);
      const KeySpec *spec = NULL;
      const KeySpec *near = NULL;
      for (gsize j = 0; j < n; j++)
        {
          if (strcmp (specs[j].name, base) == 0)
            spec = &specs[j];
          else if (g_ascii_strcasecmp (specs[j].name, base) == 0)
            near = &specs[j];
        }
      if (spec == NULL)
        {
          g_autofree char *known = key_list (specs, n, FALSE);
          if (near != NULL)
            set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                       "unknown key “%s” in [%s] (keys are case-sensitive: did you mean “%s”?)",
                       k->name, g->name, near->name);
          else
            set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                       "unknown key “%s” in [%s]; %s has the keys %s", k->name, g->name, what, known);
          return FALSE;
        }
      if (bracket != NULL && (!spec->translatable || bracket[1] == ']'))
        {
          g_autofree char *translatable = key_list (specs, n, TRUE);
          set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                     "unknown key “%s” in [%s]: only %s can be translated, as Key[language]=…",
                     k->name, g->name, translatable);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Settings                                                                 */

typedef enum { S_STRING, S_INT, S_UINT64, S_DOUBLE, S_BOOL } SettingType;

typedef struct {
  const char *key;
  SettingType type;
  gsize       offset;     /* into BlipConfig; NO_FIELD for preset */
  double      min, max;
} Setting;

#define CFG(field) G_STRUCT_OFFSET (BlipConfig, field)
#define NO_FIELD ((gsize) -1)

/* BlipConfig's fields under their own names, with the ranges of the
 * matching `blip run` flags, plus the speed preset. */
static const Setting settings_spec[] = {
  { "experiment", S_STRING, CFG (experiment), 0, 0 },
  { "preset", S_STRING, NO_FIELD, 0, 0 },
  { "approach", S_STRING, CFG (approach), 0, 0 },
  { "seed", S_UINT64, CFG (seed), 0, 4294967295.0 },
  { "lr", S_DOUBLE, CFG (lr), 1e-12, 10 },
  { "sbatch", S_INT, CFG (sbatch), 1, 65536 },
  { "nepochs", S_INT, CFG (nepochs), 1, 100000 },
  { "momentum", S_DOUBLE, CFG (momentum), 0, 0.999999 },
  { "weight_decay", S_DOUBLE, CFG (weight_decay), 0, 0.999999 },
  { "lr_patience", S_INT, CFG (lr_patience), 1, 100000 },
  { "lr_factor", S_DOUBLE, CFG (lr_factor), 1.000001, 1000 },
  { "lr_min", S_DOUBLE, CFG (lr_min), 0, 10 },
  { "ndim", S_INT, CFG (ndim), 1, 65536 },
  { "mul", S_DOUBLE, CFG (mul), 1e-3, 16 },
  { "max_bit", S_INT, CFG (max_bit), 1, 24 },
  { "F_prior", S_DOUBLE, CFG (F_prior), 1e-300, 1e29 },
  { "ste", S_BOOL, CFG (ste), 0, 0 },
  { "fisher_batches", S_INT, CFG (fisher_batches), 1, 100000 },
  { "fisher_sbatch", S_INT, CFG (fisher_sbatch), 1, 65536 },
  { "ewc_lambda", S_DOUBLE, CFG (ewc_lambda), 0, 1e12 },
  { "ewc_gamma", S_DOUBLE, CFG (ewc_gamma), 0, 1 },
  { "train_subset", S_INT, CFG (train_subset), 0, 1 << 30 },
  { "test_subset", S_INT, CFG (test_subset), 0, 1 << 30 },
  { "ntasks", S_INT, CFG (ntasks), 0, 1000 },
  { "valid_fraction", S_DOUBLE, CFG (valid_fraction), 0, 0.99 },
};

/* "F-prior", "--max-bit", "f_prior" → "f_prior", "max_bit": to suggest the right spelling. */
static char *
normalize_setting_key (const char *key)
{
  while (*key == '-')
    key++;
  char *n = g_ascii_strdown (key, -1);
  for (char *c = n; *c; c++)
    if (*c == '-')
      *c = '_';
  return n;
}

static const Setting *
find_setting (const char *key, const Setting **near)
{
  g_autofree char *normal = normalize_setting_key (key);
  *near = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (settings_spec); i++)
    {
      if (strcmp (settings_spec[i].key, key) == 0)
        return &settings_spec[i];
      g_autofree char *other = normalize_setting_key (settings_spec[i].key);
      if (strcmp (other, normal) == 0)
        *near = &settings_spec[i];
    }
  /* The EWC flags are --lamb and --gamma. */
  const char *alias = NULL;
  if (strcmp (normal, "lamb") == 0 || strcmp (normal, "lambda") == 0)
    alias = "ewc_lambda";
  else if (strcmp (normal, "gamma") == 0)
    alias = "ewc_gamma";
  for (gsize i = 0; alias != NULL && i < G_N_ELEMENTS (settings_spec); i++)
    if (strcmp (settings_spec[i].key, alias) == 0)
      *near = &settings_spec[i];
  return NULL;
}

static gboolean
parse_setting_value (const Parser *p, guint line, const Setting *s, const char *value,
                     BlipConfig *config, GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, s->offset);
  char *end = NULL;
  switch (s->type)
    {
    case S_STRING:
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      return TRUE;
    case S_BOOL:
      if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
        *(gboolean *) field = TRUE;
      else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0)
        *(gboolean *) field = FALSE;
      else
        {
          set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                     "Settings: %s expects true or false, got “%s”", s->key, value);
          return FALSE;
        }
      return TRUE;
    case S_DOUBLE:
      {
        errno = 0;
        double v = g_ascii_strtod (value, &end);
        if (end == value || *end != '\0' || errno == ERANGE || !isfinite (v))
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: %s expects a number such as 0.01 or 1e-15, got “%s”", s->key, value);
            return FALSE;
          }
        if (v < s->min || v > s->max)
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: %s must be between %g and %g, got %s", s->key, s->min, s->max, value);
            return FALSE;
          }
        *(double *) field = v;
        return TRUE;
      }
    case S_INT:
    case S_UINT64:
      {
        errno = 0;
        gint64 v = g_ascii_isdigit (*value) || *value == '-' ? g_ascii_strtoll (value, &end, 10) : 0;
        if (end == NULL || end == value || *end != '\0' || errno == ERANGE)
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: %s expects a whole number, got “%s”", s->key, value);
            return FALSE;
          }
        if (v < (gint64) s->min || v > (gint64) s->max)
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: %s must be between %.0f and %.0f, got %s", s->key, s->min, s->max, value);
            return FALSE;
          }
        if (s->type == S_UINT64)
          *(guint64 *) field = (guint64) v;
        else
          *(int *) field = (int) v;
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

typedef struct {
  const Setting *setting;
  char          *value;
} SettingItem;

static void
setting_item_clear (gpointer data)
{
  g_free (((SettingItem *) data)->value);
}

static char *
strategy_names (void)
{
  gsize n = 0;
  const BlipStrategyClass * const *list = blip_strategy_list (&n);
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == n ? " or " : ", ");
      g_string_append (s, list[i]->name);
    }
  return g_string_free (s, FALSE);
}

/* "key=value;key=value;…" into a validated configuration. The paper
 * settings of the experiment (mnist5 when not given) come first, then the
 * speed preset, then the other keys in the order written, so an explicit
 * nepochs=7 wins over preset=classroom wherever it stands. */
static gboolean
parse_settings (const Parser *p, guint line, const char *text, BlipLessonStep *step, GError **error)
{
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (SettingItem));
  g_array_set_clear_func (items, setting_item_clear);
  g_auto(GStrv) parts = g_strsplit (text, ";", -1);
  const char *experiment = "mnist5";
  const char *preset = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);
      if (*item == '\0')
        continue;
      char *eq = strchr (item, '=');
      if (eq == NULL)
        {
          set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                     "Settings: “%s” is not key=value (items are separated by ;)", item);
          return FALSE;
        }
      *eq = '\0';
      char *key = g_strstrip (item);
      char *value = g_strstrip (eq + 1);
      const Setting *near = NULL;
      const Setting *s = find_setting (key, &near);
      if (s == NULL)
        {
          if (strcmp (key, "data_dir") == 0)
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: data_dir belongs to the machine, not to a lesson; the app finds the data sets itself");
          else if (near != NULL)
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                       "Settings: unknown key “%s” (did you mean %s?)", key, near->key);
          else
            {
              GString *known = g_string_new (NULL);
              for (gsize j = 0; j < G_N_ELEMENTS (settings_spec); j++)
                g_string_append_printf (known, "%s%s", j ? ", " : "", settings_spec[j].key);
              set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                         "Settings: unknown key “%s” (known keys: %s)", key, known->str);
              g_string_free (known, TRUE);
            }
          return FALSE;
        }
      if (*value == '\0')
        {
          set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s has no value", key);
          return FALSE;
        }
      for (guint j = 0; j < items->len; j++)
        if (g_array_index (items, SettingItem, j).setting == s)
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s is given twice", key);
            return FALSE;
          }
      if (strcmp (s->key, "experiment") == 0)
        experiment = value;
      else if (strcmp (s->key, "preset") == 0)
        preset = value;
      SettingItem it = { s, g_strdup (value) };
      g_array_append_val (items, it);
    }
  if (items->len == 0)
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                 "Settings is empty; leave the key out to keep the current run");
      return FALSE;
    }

  BlipConfig *c = &step->settings;
  GError *local = NULL;
  blip_config_init_defaults (c);
  step->has_settings = TRUE;   /* from here on the step owns c */
  if (!blip_config_apply_preset (c, experiment, &local) ||
      (preset != NULL && !blip_config_apply_speed_preset (c, preset, &local)))
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  step->preset = g_strdup (preset);
  for (guint i = 0; i < items->len; i++)
    {
      const SettingItem *it = &g_array_index (items, SettingItem, i);
      const Setting *s = it->setting;
      if (s->offset == NO_FIELD || s->offset == CFG (experiment))
        continue;
      if (s->offset == CFG (approach) && blip_strategy_lookup (it->value) == NULL)
        {
          g_autofree char *names = strategy_names ();
          set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                     "Settings: unknown approach “%s” (expected %s)", it->value, names);
          return FALSE;
        }
      if (!parse_setting_value (p, line, s, it->value, c, error))
        return FALSE;
    }
  if (!blip_config_validate (c, &local))
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* View, Run, Parameter                                                     */

static const char * const view_names[] = {
  [BLIP_LESSON_VIEW_NONE] = NULL,
  [BLIP_LESSON_VIEW_BITS] = "bits",
  [BLIP_LESSON_VIEW_LAYER_MAP] = "layer-map",
  [BLIP_LESSON_VIEW_INFO_GAIN] = "info-gain",
  [BLIP_LESSON_VIEW_ACCURACY] = "accuracy",
  [BLIP_LESSON_VIEW_CURVES] = "curves",
};

static const char * const run_names[] = {
  [BLIP_LESSON_RUN_NONE] = "none",
  [BLIP_LESSON_RUN_BATCH] = "batch",
  [BLIP_LESSON_RUN_EPOCH] = "epoch",
  [BLIP_LESSON_RUN_TASK] = "task",
  [BLIP_LESSON_RUN_ALL] = "run",
};

static const char * const run_plurals[] = {
  [BLIP_LESSON_RUN_BATCH] = "batches",
  [BLIP_LESSON_RUN_EPOCH] = "epochs",
  [BLIP_LESSON_RUN_TASK] = "tasks",
};

/* The most a step may train at once, per unit. */
static const guint run_max[] = {
  [BLIP_LESSON_RUN_NONE] = 0,
  [BLIP_LESSON_RUN_BATCH] = 1000000,
  [BLIP_LESSON_RUN_EPOCH] = 100000,
  [BLIP_LESSON_RUN_TASK] = 1000,
  [BLIP_LESSON_RUN_ALL] = 1,
};

const char *
blip_lesson_view_to_string (BlipLessonView view)
{
  g_return_val_if_fail ((guint) view < G_N_ELEMENTS (view_names), NULL);
  return view_names[view];
}

const char *
blip_lesson_run_to_string (BlipLessonRun run)
{
  g_return_val_if_fail ((guint) run < G_N_ELEMENTS (run_names), NULL);
  return run_names[run];
}

static gboolean
parse_view (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
{
  for (guint v = BLIP_LESSON_VIEW_BITS; v < G_N_ELEMENTS (view_names); v++)
    if (strcmp (value, view_names[v]) == 0)
      {
        step->view = (BlipLessonView) v;
        return TRUE;
      }
  set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
             "View: expected bits, layer-map, info-gain, accuracy or curves, got “%s”", value);
  return FALSE;
}

static gboolean
parse_run (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
{
  g_auto(GStrv) raw = g_strsplit_set (value, " \t", -1);
  const char *words[3] = { NULL, NULL, NULL };
  guint n = 0;
  for (guint i = 0; raw[i] != NULL; i++)
    if (raw[i][0] != '\0')
      {
        if (n == G_N_ELEMENTS (words))
          goto bad;
        words[n++] = raw[i];
      }
  if (n == 1 && strcmp (words[0], "none") == 0)
    {
      step->run = BLIP_LESSON_RUN_NONE;
      step->run_count = 0;
      return TRUE;
    }
  if (n == 1 && strcmp (words[0], "run") == 0)
    {
      step->run = BLIP_LESSON_RUN_ALL;
      step->run_count = 1;
      return TRUE;
    }
  if (n == 2)
    for (guint r = BLIP_LESSON_RUN_BATCH; r <= BLIP_LESSON_RUN_TASK; r++)
      {
        if (strcmp (words[0], run_names[r]) != 0)
          continue;
        char *end = NULL;
        errno = 0;
        guint64 count = g_ascii_isdigit (words[1][0]) ? g_ascii_strtoull (words[1], &end, 10) : 0;
        if (end == NULL || *end != '\0' || errno == ERANGE)
          goto bad;
        if (count < 1 || count > run_max[r])
          {
            set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                       "Run: the number of %s must be between 1 and %u, got %s",
                       run_plurals[r], run_max[r], words[1]);
            return FALSE;
          }
        step->run = (BlipLessonRun) r;
        step->run_count = (guint) count;
        return TRUE;
      }
bad:
  set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
             "Run: expected none, batch N, epoch N, task N or run, got “%s”", value);
  return FALSE;
}

static gboolean
parse_parameter (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
{
  const char *colon = strrchr (value, ':');
  gboolean ok = colon != NULL && colon > value && (g_ascii_isalpha (value[0]) || value[0] == '_');
  for (const char *c = value; ok && c < colon; c++)
    ok = g_ascii_isalnum (*c) || *c == '_' || *c == '-' || *c == '.';
  guint64 index = 0;
  if (ok)
    {
      char *end = NULL;
      errno = 0;
      index = g_ascii_isdigit (colon[1]) ? g_ascii_strtoull (colon + 1, &end, 10) : 0;
      ok = end != NULL && *end == '\0' && errno != ERANGE;
    }
  if (!ok)
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                 "Parameter: expected LAYER:INDEX such as fc1:406, got “%s”", value);
      return FALSE;
    }
  step->param_layer = g_strndup (value, (gsize) (colon - value));
  step->param_index = index;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Markdown subset → Pango markup                                           */

static void
append_escaped (GString *out, const char *s, gsize length)
{
  g_autofree char *e = g_markup_escape_text (s, (gssize) length);
  g_string_append (out, e);
}

static gboolean
is_mark (char c)
{
  return c == '\\' || c == '`' || c == '*' || c == '^' || c == '_';
}

/* A code span `…` starting at p (non-empty), or NULL. */
static const char *
code_close (const char *p, const char *end)
{
  if (p + 1 >= end)
    return NULL;
  const char *close = memchr (p + 1, '`', (gsize) (end - p - 1));
  return close != NULL && close > p + 1 ? close : NULL;
}

/* Past an escape or a code span at q, or past one character. */
static const char *
skip_atom (const char *q, const char *end)
{
  if (*q == '\\' && q + 1 < end)
    return q + 2;
  if (*q == '`')
    {
      const char *close = code_close (q, end);
      if (close != NULL)
        return close + 1;
    }
  return q + 1;
}

/* The closing ** of a strong span whose text starts at start. */
static const char *
strong_close (const char *start, const char *end)
{
  if (start >= end || g_ascii_isspace (*start))
    return NULL;
  for (const char *q = start; q < end;)
    {
      if (*q == '\\' || *q == '`')
        {
          q = skip_atom (q, end);
          continue;
        }
      if (q[0] == '*' && q + 1 < end && q[1] == '*' && q > start && !g_ascii_isspace (q[-1]))
        return q;
      q++;
    }
  return NULL;
}

/* The closing * of an emphasis span whose text starts at start (** inside
 * belongs to a strong span and is skipped). */
static const char *
em_close (const char *start, const char *end)
{
  if (start >= end || g_ascii_isspace (*start))
    return NULL;
  for (const char *q = start; q < end;)
    {
      if (*q == '\\' || *q == '`')
        {
          q = skip_atom (q, end);
          continue;
        }
      if (*q == '*')
        {
          if (q + 1 < end && q[1] == '*')
            {
              q += 2;
              continue;
            }
          if (q > start && !g_ascii_isspace (q[-1]))
            return q;
        }
      q++;
    }
  return NULL;
}

static const char *
brace_close (const char *start, const char *end)
{
  for (const char *q = start; q < end;)
    {
      if (*q == '}')
        return q;
      q = *q == '\\' ? skip_atom (q, end) : q + 1;
    }
  return NULL;
}

/* Spans only ever wrap a recursively converted substring, so tags always
 * nest properly; an opening mark without its closing one is literal text. */
static void
inline_markup (GString *out, const char *s, const char *end)
{
  const char *p = s;
  while (p < end)
    {
      const char *q = p;
      while (q < end && !is_mark (*q))
        q++;
      if (q > p)
        {
          append_escaped (out, p, (gsize) (q - p));
          p = q;
          continue;
        }
      const char *close;
      switch (*p)
        {
        case '\\':
          if (p + 1 < end && g_ascii_ispunct (p[1]))
            {
              append_escaped (out, p + 1, 1);
              p += 2;
              continue;
            }
          break;
        case '`':
          if ((close = code_close (p, end)) != NULL)
            {
              g_string_append (out, "<tt>");
              append_escaped (out, p + 1, (gsize) (close - p - 1));
              g_string_append (out, "</tt>");
              p = close + 1;
              continue;
            }
          break;
        case '*':
          if (p + 1 < end && p[1] == '*')
            {
              if ((close = strong_close (p + 2, end)) != NULL)
                {
                  g_string_append (out, "<b>");
                  inline_markup (out, p + 2, close);
                  g_string_append (out, "</b>");
                  p = close + 2;
                }
              else
                {
                  g_string_append (out, "**");
                  p += 2;
                }
              continue;
            }
          if ((close = em_close (p + 1, end)) != NULL)
            {
              g_string_append (out, "<i>");
              inline_markup (out, p + 1, close);
              g_string_append (out, "</i>");
              p = close + 1;
              continue;
            }
          break;
        case '^':
        case '_':
          if (p + 1 < end && p[1] == '{' && (close = brace_close (p + 2, end)) != NULL && close > p + 2)
            {
              const char *tag = *p == '^' ? "sup" : "sub";
              g_string_append_printf (out, "<%s>", tag);
              inline_markup (out, p + 2, close);
              g_string_append_printf (out, "</%s>", tag);
              p = close + 1;
              continue;
            }
          break;
        default:
          break;
        }
      append_escaped (out, p, 1);
      p++;
    }
}

static void
flush_paragraph (GString *out, GString *para)
{
  if (para->len == 0)
    return;
  if (out->len > 0)
    g_string_append (out, "\n\n");
  inline_markup (out, para->str, para->str + para->len);
  g_string_truncate (para, 0);
}

char *
blip_lesson_markdown_to_markup (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);
  GString *out = g_string_new (NULL);
  g_autoptr(GString) para = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);
      const char *s = line;
      while (*s == ' ' || *s == '\t')
        s++;
      if (*s == '\0')
        {
          flush_paragraph (out, para);
          continue;
        }
      if (para->len > 0)
        g_string_append_c (para, '\n');
      if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t'))
        {
          /* a bullet keeps its indentation, so nested lists stay readable */
          g_string_append_len (para, line, s - line);
          g_string_append (para, "• ");
          s += 2;
          while (*s == ' ' || *s == '\t')
            s++;
        }
      g_string_append (para, s);
    }
  flush_paragraph (out, para);
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Lesson                                                                   */

static void
step_free (gpointer data)
{
  BlipLessonStep *step = data;
  g_free (step->title);
  g_free (step->text);
  g_free (step->text_markup);
  g_free (step->question);
  g_free (step->question_markup);
  if (step->has_settings)
    blip_config_clear (&step->settings);
  g_free (step->settings_text);
  g_free (step->preset);
  g_free (step->param_layer);
  g_free (step);
}

static void
lesson_free (BlipLesson *lesson)
{
  g_free (lesson->filename);
  g_free (lesson->title);
  g_free (lesson->summary);
  g_free (lesson->author);
  g_ptr_array_unref (lesson->steps);
  g_free (lesson);
}

BlipLesson *
blip_lesson_ref (BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  g_atomic_ref_count_inc (&lesson->ref_count);
  return lesson;
}

void
blip_lesson_unref (BlipLesson *lesson)
{
  g_return_if_fail (lesson != NULL);
  if (g_atomic_ref_count_dec (&lesson->ref_count))
    lesson_free (lesson);
}

/* "Step N" with N = 1 … 9999 written without leading zeros; 0 otherwise. */
static guint
step_number (const char *group)
{
  if (!g_str_has_prefix (group, "Step "))
    return 0;
  const char *d = group + 5;
  gsize n = strlen (d);
  if (n == 0 || n > 4 || d[0] == '0')
    return 0;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (d[i]))
      return 0;
  return (guint) g_ascii_strtoull (d, NULL, 10);
}

static gboolean
parse_lesson_group (const Parser *p, const GroupLines *g, BlipLesson *lesson, GError **error)
{
  if (!check_keys (p, g, lesson_keys, G_N_ELEMENTS (lesson_keys), "[Lesson]", error))
    return FALSE;
  guint line = g->line;
  g_autofree char *raw_title = get_translated (p, g, "Title", &line);
  lesson->title = raw_title ? unescape (raw_title, FALSE) : NULL;
  if (lesson->title == NULL || *lesson->title == '\0')
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
                 lesson->title ? "the lesson's Title is empty" : "[Lesson] has no Title");
      return FALSE;
    }
  g_autofree char *raw_summary = get_translated (p, g, "Summary", &line);
  lesson->summary = raw_summary ? unescape (raw_summary, FALSE) : g_strdup ("");
  lesson->author = get_plain (p, g, "Author", &line);

  line = g->line;
  g_autofree char *version = get_plain (p, g, "Version", &line);
  if (version == NULL)
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
                 "[Lesson] has no Version (write Version=%d)", BLIP_LESSON_FORMAT_VERSION);
      return FALSE;
    }
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_isdigit (version[0]) ? g_ascii_strtoll (version, &end, 10) : 0;
  if (end == NULL || *end != '\0' || errno == ERANGE || v < 1)
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                 "Version: expected a whole number such as %d, got “%s”", BLIP_LESSON_FORMAT_VERSION, version);
      return FALSE;
    }
  if (v > BLIP_LESSON_FORMAT_VERSION)
    {
      set_error (error, p, line, BLIP_LESSON_ERROR_VERSION,
                 "the lesson is written for lesson format version %s; this BLIP Studio reads version %d "
                 "(a newer BLIP Studio is needed)", version, BLIP_LESSON_FORMAT_VERSION);
      return FALSE;
    }
  lesson->version = (int) v;
  return TRUE;
}

static gboolean
parse_step_group (const Parser *p, const GroupLines *g, BlipLessonStep *step, GError **error)
{
  step->number = g->step;
  step->line = g->line;
  if (!check_keys (p, g, step_keys, G_N_ELEMENTS (step_keys), "a step", error))
    return FALSE;

  guint line = g->line;
  g_autofree char *title = get_translated (p, g, "Title", &line);
  step->title = title ? unescape (title, FALSE) : NULL;
  if (step->title == NULL || *step->title == '\0')
    {
      if (step->title != NULL)
        set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "the step's Title is empty");
      else
        set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "[%s] has no Title", g->name);
      return FALSE;
    }

  line = g->line;
  g_autofree char *text = get_translated (p, g, "Text", &line);
  step->text = text ? unescape (text, TRUE) : NULL;
  if (step->text == NULL || *step->text == '\0')
    {
      if (step->text != NULL)
        set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "the step's Text is empty");
      else
        set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "[%s] has no Text", g->name);
      return FALSE;
    }
  step->text_markup = blip_lesson_markdown_to_markup (step->text);

  g_autofree char *question = get_translated (p, g, "Question", &line);
  if (question != NULL)
    {
      step->question = unescape (question, TRUE);
      if (*step->question == '\0')
        {
          set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
                     "the step's Question is empty; leave the key out when there is no question");
          return FALSE;
        }
      step->question_markup = blip_lesson_markdown_to_markup (step->question);
    }

  g_autofree char *settings = get_plain (p, g, "Settings", &line);
  if (settings != NULL)
    {
      step->settings_text = g_strdup (settings);
      if (!parse_settings (p, line, settings, step, error))
        return FALSE;
    }

  g_autofree char *view = get_plain (p, g, "View", &line);
  if (view != NULL && !parse_view (p, line, view, step, error))
    return FALSE;

  g_autofree char *run = get_plain (p, g, "Run", &line);
  if (run != NULL && !parse_run (p, line, run, step, error))
    return FALSE;

  g_autofree char *parameter = get_plain (p, g, "Parameter", &line);
  if (parameter != NULL && !parse_parameter (p, line, parameter, step, error))
    return FALSE;
  return TRUE;
}

static gint
compare_groups_by_step (gconstpointer a, gconstpointer b)
{
  const GroupLines *ga = *(GroupLines * const *) a;
  const GroupLines *gb = *(GroupLines * const *) b;
  return ga->step < gb->step ? -1 : ga->step > gb->step;
}

static gboolean
parse_groups (Parser *p, BlipLesson *lesson, GError **error)
{
  const GroupLines *lesson_group = NULL;
  g_autoptr(GPtrArray) steps = g_ptr_array_new ();
  for (guint i = 0; i < p->groups->len; i++)
    {
      GroupLines *g = g_ptr_array_index (p->groups, i);
      if (strcmp (g->name, "Lesson") == 0)
        {
          lesson_group = g;
          continue;
        }
      g->step = step_number (g->name);
      if (g->step > 0)
        {
          g_ptr_array_add (steps, g);
          continue;
        }
      if (g_ascii_strncasecmp (g->name, "step", 4) == 0)
        set_error (error, p, g->line, BLIP_LESSON_ERROR_UNKNOWN_GROUP,
                   "unknown group [%s]: steps are written [Step 1], [Step 2], … (numbers from 1, no leading zeros)",
                   g->name);
      else
        set_error (error, p, g->line, BLIP_LESSON_ERROR_UNKNOWN_GROUP,
                   "unknown group [%s]: a lesson has one [Lesson] group and [Step N] groups", g->name);
      return FALSE;
    }
  if (lesson_group == NULL)
    {
      set_error (error, p, 1, BLIP_LESSON_ERROR_MISSING,
                 "no [Lesson] group: a lesson file starts with [Lesson] and its Title, Summary and Version");
      return FALSE;
    }
  if (!parse_lesson_group (p, lesson_group, lesson, error))
    return FALSE;
  if (steps->len == 0)
    {
      set_error (error, p, lesson_group->line, BLIP_LESSON_ERROR_MISSING, "the lesson has no steps: add [Step 1]");
      return FALSE;
    }

  g_ptr_array_sort (steps, compare_groups_by_step);
  for (guint i = 0; i < steps->len; i++)
    {
      const GroupLines *g = g_ptr_array_index (steps, i);
      if (g->step == i + 1)
        continue;
      if (i == 0)
        set_error (error, p, g->line, BLIP_LESSON_ERROR_STEP_GAP,
                   "[%s] is the first step, but steps are numbered from 1: step 1 is missing", g->name);
      else
        set_error (error, p, g->line, BLIP_LESSON_ERROR_STEP_GAP,
                   "[%s] follows step %u: step %u is missing (steps are numbered 1, 2, 3, … without gaps)",
                   g->name, i, i + 1);
      return FALSE;
    }
  for (guint i = 0; i < steps->len; i++)
    {
      BlipLessonStep *step = g_new0 (BlipLessonStep, 1);
      g_ptr_array_add (lesson->steps, step);
      if (!parse_step_group (p, g_ptr_array_index (steps, i), step, error))
        return FALSE;
    }
  return TRUE;
}

BlipLesson *
blip_lesson_new_from_data (const char *data, gssize length, const char *filename, GError **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  gsize len = length < 0 ? strlen (data) : (gsize) length;
  if (data == NULL)
    data = "";
  Parser p = { filename ? filename : "(lesson)", NULL, NULL };

  /* A byte-order mark, as some editors write, is not part of the first line. */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    data += 3, len -= 3;

  const char *bad = NULL;
  if (!g_utf8_validate_len (data, len, &bad))
    {
      guint line = line_of_offset (data, (gsize) (bad - data));
      if (*bad == '\0')
        set_error (error, &p, line, BLIP_LESSON_ERROR_ENCODING, "the file contains a NUL byte");
      else
        set_error (error, &p, line, BLIP_LESSON_ERROR_ENCODING,
                   "not valid UTF-8 (byte 0x%02x); save the lesson as UTF-8", (guchar) *bad);
      return NULL;
    }

  const GKeyFileFlags flags = G_KEY_FILE_KEEP_TRANSLATIONS;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GError *local = NULL;
  if (!g_key_file_load_from_data (kf, data, len, flags, &local))
    {
      guint line = keyfile_error_line (data, len, flags);
      g_autofree char *text = line_text (data, len, line);
      if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE) &&
          text[0] != '[' && strchr (text, '=') == NULL)
        /* Most often a long Text broken over several lines. */
        set_error (error, &p, line, BLIP_LESSON_ERROR_SYNTAX,
                   "“%s” is not a [Group] header, a Key=value line or a # comment "
                   "(a value must stay on one line: write \\n for a line break)", text);
      else
        set_error (error, &p, line,
                   g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_UNKNOWN_ENCODING)
                   ? BLIP_LESSON_ERROR_ENCODING : BLIP_LESSON_ERROR_SYNTAX,
                   "%s", local->message);
      g_error_free (local);
      return NULL;
    }

  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (group_lines_free);
  p.kf = kf;
  p.groups = groups;
  if (!scan_lines (&p, data, len, error))
    return NULL;

  BlipLesson *lesson = g_new0 (BlipLesson, 1);
  g_atomic_ref_count_init (&lesson->ref_count);
  lesson->filename = g_strdup (p.filename);
  lesson->steps = g_ptr_array_new_with_free_func (step_free);
  if (!parse_groups (&p, lesson, error))
    {
      blip_lesson_unref (lesson);
      return NULL;
    }
  return lesson;
}

BlipLesson *
blip_lesson_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO, "%s: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  return blip_lesson_new_from_data (data, (gssize) length, path, error);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
blip_lesson_find_files (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  GError *local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO, "%s: %s", dir, local->message);
      g_error_free (local);
      return NULL;
    }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".lesson") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  GPtrArray *paths = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (paths, g_build_filename (dir, g_ptr_array_index (names, i), NULL));
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_free (paths, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                                */

const char *
blip_lesson_get_filename (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->filename;
}

const char *
blip_lesson_get_title (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->title;
}

const char *
blip_lesson_get_summary (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->summary;
}

const char *
blip_lesson_get_author (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->author;
}

int
blip_lesson_get_version (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, 0);
  return lesson->version;
}

guint
blip_lesson_get_n_steps (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, 0);
  return lesson->steps->len;
}

const BlipLessonStep *
blip_lesson_get_step (const BlipLesson *lesson, guint index)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  g_return_val_if_fail (index < lesson->steps->len, NULL);
  return g_ptr_array_index (lesson->steps, index);
}

guint
blip_lesson_step_get_number (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, 0);
  return step->number;
}

guint
blip_lesson_step_get_line (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, 0);
  return step->line;
}

const char *
blip_lesson_step_get_title (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->title;
}

const char *
blip_lesson_step_get_text (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->text;
}

const char *
blip_lesson_step_get_text_markup (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->text_markup;
}

const char *
blip_lesson_step_get_question (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->question;
}

const char *
blip_lesson_step_get_question_markup (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->question_markup;
}

const BlipConfig *
blip_lesson_step_get_settings (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->has_settings ? &step->settings : NULL;
}

const char *
blip_lesson_step_get_settings_text (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->settings_text;
}

const char *
blip_lesson_step_get_preset (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->preset;
}

BlipLessonView
blip_lesson_step_get_view (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, BLIP_LESSON_VIEW_NONE);
  return step->view;
}

BlipLessonRun
blip_lesson_step_get_run (const BlipLessonStep *step, guint *count)
{
  g_return_val_if_fail (step != NULL, BLIP_LESSON_RUN_NONE);
  if (count != NULL)
    *count = step->run_count;
  return step->run;
}

gboolean
blip_lesson_step_get_parameter (const BlipLessonStep *step, const char **layer, guint64 *index)
{
  g_return_val_if_fail (step != NULL, FALSE);
  if (layer != NULL)
    *layer = step->param_layer;
  if (index != NULL)
    *index = step->param_index;
  return step->param_layer != NULL;
}
