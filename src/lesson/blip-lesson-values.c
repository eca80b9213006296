/* blip-lesson-values.c — a step's View, Run, Parameter and Table values, and
 * the names of views and run units. */
#include "blip-lesson-private.h"
#include "blip-table-file.h"

#include <errno.h>
#include <string.h>

static const char * const view_names[] = {
  [BLIP_LESSON_VIEW_NONE] = NULL,
  [BLIP_LESSON_VIEW_BITS] = "bits",
  [BLIP_LESSON_VIEW_LAYER_MAP] = "layer-map",
  [BLIP_LESSON_VIEW_INFO_GAIN] = "info-gain",
  [BLIP_LESSON_VIEW_ACCURACY] = "accuracy",
  [BLIP_LESSON_VIEW_CURVES] = "curves",
  [BLIP_LESSON_VIEW_GAME] = "game",
  [BLIP_LESSON_VIEW_GAME_GRID] = "game-grid",
  [BLIP_LESSON_VIEW_METHODS] = "methods",
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

gboolean
lesson_parse_view (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
{
  for (guint v = BLIP_LESSON_VIEW_BITS; v < G_N_ELEMENTS (view_names); v++)
    if (strcmp (value, view_names[v]) == 0)
      {
        step->view = (BlipLessonView) v;
        return TRUE;
      }
  lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                    "View: expected bits, layer-map, info-gain, accuracy, curves, game, game-grid or methods, "
                    "got “%s”", value);
  return FALSE;
}

gboolean
lesson_parse_run (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
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
            lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                              "Run: the number of %s must be between 1 and %u, got %s",
                              run_plurals[r], run_max[r], words[1]);
            return FALSE;
          }
        step->run = (BlipLessonRun) r;
        step->run_count = (guint) count;
        return TRUE;
      }
bad:
  lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                    "Run: expected none, batch N, epoch N, task N or run, got “%s”", value);
  return FALSE;
}

gboolean
lesson_parse_parameter (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
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
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                        "Parameter: expected LAYER:INDEX such as fc1:406, got “%s”", value);
      return FALSE;
    }
  step->param_layer = g_strndup (value, (gsize) (colon - value));
  step->param_index = index;
  return TRUE;
}

gboolean
lesson_parse_table (const Parser *p, guint line, const char *value, BlipLessonStep *step, GError **error)
{
  if (*value == '\0')
    {
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE,
                        "Table: expected the path of a table.json written by blip table, got nothing");
      return FALSE;
    }
  /* Relative to the lesson, so that a lesson and its tables move together. */
  g_autofree char *dir = p->filename != NULL ? g_path_get_dirname (p->filename) : g_get_current_dir ();
  g_autofree char *path = g_path_is_absolute (value) ? g_strdup (value) : g_build_filename (dir, value, NULL);
  g_autoptr(GError) local = NULL;
  g_autoptr(BlipTableFile) table = blip_table_file_load (path, &local);
  if (table == NULL)
    {
      lesson_set_error (error, p, line, BLIP_LESSON_ERROR_VALUE, "Table: %s", local->message);
      return FALSE;
    }
  g_free (step->table);
  step->table = g_steal_pointer (&path);
  return TRUE;
}
