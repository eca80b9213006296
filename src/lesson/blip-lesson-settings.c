/* blip-lesson-settings.c — a step's Settings value, "key=value;key=value;…",
 * checked key by key (names, types and the ranges of the matching `blip run`
 * flags) and turned into a validated BlipConfig. */
#include "blip-lesson-private.h"
#include "blip-strategy.h"
#include "blip-env.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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
  /* Runs on games (experiment=minatar): the games in task order, PPO's frame
   * budget per game and the evaluation episodes of the reward matrix. */
  { "games", S_STRING, CFG (games), 0, 0 },
  { "frames", S_INT, CFG (frames), 1, 2000000000 },
  { "eval_episodes", S_INT, CFG (eval_episodes), 1, 10000 },
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
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
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
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                              "Settings: %s expects a number such as 0.01 or 1e-15, got “%s”", s->key, value);
            return FALSE;
          }
        if (v < s->min || v > s->max)
          {
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
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
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                              "Settings: %s expects a whole number, got “%s”", s->key, value);
            return FALSE;
          }
        if (v < (gint64) s->min || v > (gint64) s->max)
          {
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
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
gboolean
lesson_parse_settings (const Parser *p, guint line, const char *text, BlipLessonStep *step, GError **error)
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
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
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
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                              "Settings: data_dir belongs to the machine, not to a lesson; "
                              "the app finds the data sets itself");
          else if (near != NULL)
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                              "Settings: unknown key “%s” (did you mean %s?)", key, near->key);
          else
            {
              GString *known = g_string_new (NULL);
              for (gsize j = 0; j < G_N_ELEMENTS (settings_spec); j++)
                g_string_append_printf (known, "%s%s", j ? ", " : "", settings_spec[j].key);
              lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                                "Settings: unknown key “%s” (known keys: %s)", key, known->str);
              g_string_free (known, TRUE);
            }
          return FALSE;
        }
      if (*value == '\0')
        {
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s has no value", key);
          return FALSE;
        }
      for (guint j = 0; j < items->len; j++)
        if (g_array_index (items, SettingItem, j).setting == s)
          {
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s is given twice", key);
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
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
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
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s", local->message);
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
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                            "Settings: unknown approach “%s” (expected %s)", it->value, names);
          return FALSE;
        }
      if (!parse_setting_value (p, line, s, it->value, c, error))
        return FALSE;
    }
  if (!blip_config_validate (c, &local))
    {
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS, "Settings: %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  /* The native games are known now; a typo would only show when the run opens. */
  if (g_strcmp0 (c->experiment, "minatar") == 0)
    {
      g_auto(GStrv) games = g_strsplit (c->games, ",", -1);
      for (guint i = 0; games[i] != NULL; i++)
        if (!g_strv_contains (blip_env_list (), g_strstrip (games[i])))
          {
            g_autofree char *known = g_strjoinv (", ", (char **) blip_env_list ());
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_SETTINGS,
                              "Settings: games: unknown game “%s” (expected names from: %s)", games[i], known);
            return FALSE;
          }
    }
  return TRUE;
}
