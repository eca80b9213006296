/* blip-lesson-parse.c — the lesson file parser (GLib only, no GTK).
 *
 * Loading goes in four passes over the text:
 *   1. UTF-8 check (the line of the first bad byte);
 *   2. GKeyFile parses it; on a syntax error the shortest failing prefix of
 *      whole lines, found by bisection, gives the line GKeyFile does not;
 *   3. a line scanner records the line of every group header and key, and
 *      finds what GKeyFile silently merges (a group or key given twice)
 *      (passes 2 and 3 are helped by blip-lesson-lines.c);
 *   4. the groups and keys are checked and turned into steps; each error
 *      names the line the scanner recorded for the offending key. The
 *      Settings value is checked by blip-lesson-settings.c, View, Run and
 *      Parameter by blip-lesson-values.c.
 */
#include "blip-lesson-private.h"

#include <errno.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Values and keys                                                          */

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
      const KeyLine *k = lesson_find_key_line (g, localized);
      if (k != NULL)
        {
          *line = k->line;
          return g_key_file_get_value (p->kf, g->name, localized, NULL);
        }
    }
  const KeyLine *k = lesson_find_key_line (g, key);
  if (k == NULL)
    return NULL;
  *line = k->line;
  return g_key_file_get_value (p->kf, g->name, key, NULL);
}

static char *
get_plain (const Parser *p, const GroupLines *g, const char *key, guint *line)
{
  const KeyLine *k = lesson_find_key_line (g, key);
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
  { "Run", FALSE }, { "Question", TRUE }, { "Parameter", FALSE }, { "Table", FALSE },
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
            lesson_set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                              "unknown key “%s” in [%s] (keys are case-sensitive: did you mean “%s”?)",
                              k->name, g->name, near->name);
          else
            lesson_set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                              "unknown key “%s” in [%s]; %s has the keys %s", k->name, g->name, what, known);
          return FALSE;
        }
      if (bracket != NULL && (!spec->translatable || bracket[1] == ']'))
        {
          g_autofree char *translatable = key_list (specs, n, TRUE);
          lesson_set_error (error, p, k->line, BLIP_LESSON_ERROR_UNKNOWN_KEY,
                            "unknown key “%s” in [%s]: only %s can be translated, as Key[language]=…",
                            k->name, g->name, translatable);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Groups                                                                   */

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
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
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
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
                        "[Lesson] has no Version (write Version=%d)", BLIP_LESSON_FORMAT_VERSION);
      return FALSE;
    }
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_isdigit (version[0]) ? g_ascii_strtoll (version, &end, 10) : 0;
  if (end == NULL || *end != '\0' || errno == ERANGE || v < 1)
    {
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                        "Version: expected a whole number such as %d, got “%s”", BLIP_LESSON_FORMAT_VERSION,
                        version);
      return FALSE;
    }
  if (v > BLIP_LESSON_FORMAT_VERSION)
    {
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VERSION,
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
        lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "the step's Title is empty");
      else
        lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "[%s] has no Title", g->name);
      return FALSE;
    }

  line = g->line;
  g_autofree char *text = get_translated (p, g, "Text", &line);
  step->text = text ? unescape (text, TRUE) : NULL;
  if (step->text == NULL || *step->text == '\0')
    {
      if (step->text != NULL)
        lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "the step's Text is empty");
      else
        lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING, "[%s] has no Text", g->name);
      return FALSE;
    }
  step->text_markup = blip_lesson_markdown_to_markup (step->text);

  g_autofree char *question = get_translated (p, g, "Question", &line);
  if (question != NULL)
    {
      step->question = unescape (question, TRUE);
      if (*step->question == '\0')
        {
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_MISSING,
                            "the step's Question is empty; leave the key out when there is no question");
          return FALSE;
        }
      step->question_markup = blip_lesson_markdown_to_markup (step->question);
    }

  g_autofree char *settings = get_plain (p, g, "Settings", &line);
  if (settings != NULL)
    {
      step->settings_text = g_strdup (settings);
      if (!lesson_parse_settings (p, line, settings, step, error))
        return FALSE;
    }

  g_autofree char *view = get_plain (p, g, "View", &line);
  if (view != NULL && !lesson_parse_view (p, line, view, step, error))
    return FALSE;

  g_autofree char *run = get_plain (p, g, "Run", &line);
  if (run != NULL && !lesson_parse_run (p, line, run, step, error))
    return FALSE;

  g_autofree char *parameter = get_plain (p, g, "Parameter", &line);
  if (parameter != NULL && !lesson_parse_parameter (p, line, parameter, step, error))
    return FALSE;

  g_autofree char *table = get_plain (p, g, "Table", &line);
  if (table != NULL && !lesson_parse_table (p, line, table, step, error))
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
        lesson_set_error (error, p, g->line, BLIP_LESSON_ERROR_UNKNOWN_GROUP,
                          "unknown group [%s]: steps are written [Step 1], [Step 2], … "
                          "(numbers from 1, no leading zeros)",
                          g->name);
      else
        lesson_set_error (error, p, g->line, BLIP_LESSON_ERROR_UNKNOWN_GROUP,
                          "unknown group [%s]: a lesson has one [Lesson] group and [Step N] groups", g->name);
      return FALSE;
    }
  if (lesson_group == NULL)
    {
      lesson_set_error (error, p, 1, BLIP_LESSON_ERROR_MISSING,
                        "no [Lesson] group: a lesson file starts with [Lesson] and its Title, Summary and Version");
      return FALSE;
    }
  if (!parse_lesson_group (p, lesson_group, lesson, error))
    return FALSE;
  if (steps->len == 0)
    {
      lesson_set_error (error, p, lesson_group->line, BLIP_LESSON_ERROR_MISSING,
                        "the lesson has no steps: add [Step 1]");
      return FALSE;
    }

  g_ptr_array_sort (steps, compare_groups_by_step);
  for (guint i = 0; i < steps->len; i++)
    {
      const GroupLines *g = g_ptr_array_index (steps, i);
      if (g->step == i + 1)
        continue;
      if (i == 0)
        lesson_set_error (error, p, g->line, BLIP_LESSON_ERROR_STEP_GAP,
                          "[%s] is the first step, but steps are numbered from 1: step 1 is missing", g->name);
      else
        lesson_set_error (error, p, g->line, BLIP_LESSON_ERROR_STEP_GAP,
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
      guint line = lesson_line_of_offset (data, (gsize) (bad - data));
      if (*bad == '\0')
        lesson_set_error (error, &p, line, BLIP_LESSON_ERROR_ENCODING, "the file contains a NUL byte");
      else
        lesson_set_error (error, &p, line, BLIP_LESSON_ERROR_ENCODING,
                          "not valid UTF-8 (byte 0x%02x); save the lesson as UTF-8", (guchar) *bad);
      return NULL;
    }

  const GKeyFileFlags flags = G_KEY_FILE_KEEP_TRANSLATIONS;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GError *local = NULL;
  if (!g_key_file_load_from_data (kf, data, len, flags, &local))
    {
      guint line = lesson_keyfile_error_line (data, len, flags);
      g_autofree char *text = lesson_line_text (data, len, line);
      if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE) &&
          text[0] != '[' && strchr (text, '=') == NULL)
        /* Most often a long Text broken over several lines. */
        lesson_set_error (error, &p, line, BLIP_LESSON_ERROR_SYNTAX,
                          "“%s” is not a [Group] header, a Key=value line or a # comment "
                          "(a value must stay on one line: write \\n for a line break)", text);
      else
        lesson_set_error (error, &p, line,
                          g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_UNKNOWN_ENCODING)
                          ? BLIP_LESSON_ERROR_ENCODING : BLIP_LESSON_ERROR_SYNTAX,
                          "%s", local->message);
      g_error_free (local);
      return NULL;
    }

  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (lesson_group_lines_free);
  p.kf = kf;
  p.groups = groups;
  if (!lesson_scan_lines (&p, data, len, error))
    return NULL;

  BlipLesson *lesson = lesson_new (p.filename);
  if (!parse_groups (&p, lesson, error))
    {
      blip_lesson_unref (lesson);
      return NULL;
    }
  return lesson;
}
