/* blip-table-file.c — reads table.json (blip-table/1); see blip-table-file.h.
 * The writer is `blip table` (src/cli/blip-table-report.c). */
#include "blip-table-file.h"
#include "blip-json.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-table-file-error-quark, blip_table_file_error)

/* A table of more methods than this is not one `blip table` wrote. */
#define MAX_ROWS  1000
#define MAX_TASKS 100000
/* blip table's table.json is a few KiB; this leaves room for any table of
 * MAX_ROWS methods and keeps a wrong file (a device, a data set) from being
 * read whole. */
#define MAX_BYTES (16 << 20)

static void
row_clear (BlipTableFileRow *row)
{
  g_free (row->approach);
  g_free (row->title);
  g_free (row->status);
  g_free (row->memory_per_task);
  g_free (row->settings);
}

void
blip_table_file_free (BlipTableFile *table)
{
  if (table == NULL)
    return;
  for (int i = 0; i < table->n_rows; i++)
    row_clear (&table->rows[i]);
  g_free (table->rows);
  g_free (table->path);
  g_free (table->experiment);
  g_free (table);
}

static gboolean
bad (GError **error, const char *path, int row, const char *what)
{
  if (row < 0)
    g_set_error (error, BLIP_TABLE_FILE_ERROR, BLIP_TABLE_FILE_ERROR_FORMAT, "%s: %s", path, what);
  else
    g_set_error (error, BLIP_TABLE_FILE_ERROR, BLIP_TABLE_FILE_ERROR_FORMAT, "%s: row %d: %s", path, row + 1,
                 what);
  return FALSE;
}

/* A number or null (NaN); FALSE for anything else, or a missing key. */
static gboolean
number_or_null (const BlipJson *o, const char *key, double *out)
{
  const BlipJson *v = blip_json_get (o, key);
  if (v == NULL)
    return FALSE;
  if (v->type == BLIP_JSON_NULL)
    {
      *out = NAN;
      return TRUE;
    }
  if (v->type != BLIP_JSON_NUMBER || !isfinite (v->number))
    return FALSE;
  *out = v->number;
  return TRUE;
}

/* An unfinished or interrupted row may say how far it got: both counts or
 * neither. */
static gboolean
read_progress (const BlipJson *o, BlipTableFileRow *row, const char *path, int i, GError **error)
{
  const BlipJson *done = blip_json_get (o, "tasks_completed"), *total = blip_json_get (o, "tasks_total");
  if (done == NULL && total == NULL)
    return TRUE;
  guint64 k, t;
  if (done == NULL || total == NULL || !blip_json_as_uint64 (done, &k) || !blip_json_as_uint64 (total, &t) ||
      t < 1 || t > MAX_TASKS || k > t)
    return bad (error, path, i, "“tasks_completed” and “tasks_total” are not a count of tasks done of a total");
  row->tasks_completed = (int) k;
  row->tasks_total = (int) t;
  return TRUE;
}

static gboolean
read_row (const BlipJson *o, BlipTableFileRow *row, gboolean returns, const char *path, int i, GError **error)
{
  row->acc = row->bwt_paper = row->bwt_code = row->time_seconds = row->paper_acc = NAN;
  row->memory_bytes = -1;
  if (o->type != BLIP_JSON_OBJECT)
    return bad (error, path, i, "expected an object");
  const char *approach, *title, *status;
  if (!blip_json_get_string (o, "approach", &approach) || !blip_json_get_string (o, "title", &title) ||
      !blip_json_get_string (o, "status", &status))
    return bad (error, path, i, "“approach”, “title” or “status” is missing or not a string");
  row->approach = g_strdup (approach);
  row->title = g_strdup (title);
  row->status = g_strdup (status);
  const BlipJson *settings = blip_json_get (o, "settings");
  if (settings != NULL && settings->type != BLIP_JSON_STRING)
    return bad (error, path, i, "“settings” is not a string");
  row->settings = settings != NULL ? g_strdup (settings->string) : NULL;
  if (!number_or_null (o, "paper_ACC_percent", &row->paper_acc) ||
      !(isnan (row->paper_acc) || (row->paper_acc >= 0 && row->paper_acc <= 100)))
    return bad (error, path, i, "“paper_ACC_percent” is missing or not a percentage or null");

  /* Rows with numbers have n_tasks; the others (not run, failed,
   * unfinished) have none of the figures below. */
  const BlipJson *n = blip_json_get (o, "n_tasks");
  if (n == NULL)
    return read_progress (o, row, path, i, error);
  guint64 n_tasks;
  if (!blip_json_as_uint64 (n, &n_tasks) || n_tasks < 1 || n_tasks > MAX_TASKS)
    return bad (error, path, i, "“n_tasks” is not a task count");
  row->n_tasks = (int) n_tasks;
  if (!blip_json_get_number (o, "ACC", &row->acc) ||
      !(returns ? isfinite (row->acc) : row->acc >= 0 && row->acc <= 1))
    return bad (error, path, i, returns ? "“ACC” is missing or not a mean return"
                                        : "“ACC” is missing or not a fraction between 0 and 1");
  if (!blip_json_get_number (o, "BWT_paper", &row->bwt_paper) || !isfinite (row->bwt_paper) ||
      !blip_json_get_number (o, "BWT_code", &row->bwt_code) || !isfinite (row->bwt_code))
    return bad (error, path, i, "“BWT_paper” or “BWT_code” is missing or not a number");
  guint64 memory;
  const BlipJson *m = blip_json_get (o, "memory_bytes");
  if (m == NULL || !blip_json_as_uint64 (m, &memory) || memory > G_MAXINT64)
    return bad (error, path, i, "“memory_bytes” is missing or not a byte count");
  row->memory_bytes = (gint64) memory;
  const BlipJson *list = blip_json_get (o, "memory_bytes_per_task");
  if (list == NULL || (list->type != BLIP_JSON_NULL && list->type != BLIP_JSON_ARRAY))
    return bad (error, path, i, "“memory_bytes_per_task” is missing or neither a list nor null");
  if (list->type == BLIP_JSON_ARRAY)
    {
      if (list->items->len != n_tasks)
        return bad (error, path, i, "“memory_bytes_per_task” does not hold one byte count per task");
      row->memory_per_task = g_new (gint64, n_tasks);
      for (guint t = 0; t < n_tasks; t++)
        {
          guint64 bytes;
          if (!blip_json_as_uint64 (g_ptr_array_index (list->items, t), &bytes) || bytes > G_MAXINT64)
            return bad (error, path, i, "“memory_bytes_per_task” holds something other than a byte count");
          row->memory_per_task[t] = (gint64) bytes;
        }
    }
  if (!number_or_null (o, "time_seconds", &row->time_seconds) ||
      !(isnan (row->time_seconds) || row->time_seconds >= 0))
    return bad (error, path, i, "“time_seconds” is missing or not a duration or null");
  row->has_results = TRUE;
  return TRUE;
}

BlipTableFile *
blip_table_file_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  GStatBuf st;
  if (g_stat (path, &st) == 0 && (!S_ISREG (st.st_mode) || st.st_size > MAX_BYTES))
    {
      g_set_error (error, BLIP_TABLE_FILE_ERROR, BLIP_TABLE_FILE_ERROR_READ,
                   "%s: %s; expected a table.json written by blip table", path,
                   S_ISREG (st.st_mode) ? "over 16 MiB" : "not a regular file");
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, BLIP_TABLE_FILE_ERROR, BLIP_TABLE_FILE_ERROR_READ,
                   "%s (expected a table.json written by blip table)", local->message);
      return NULL;
    }
  g_autoptr(BlipJson) json = blip_json_parse (text, len, &local);
  if (json == NULL)
    {
      g_set_error (error, BLIP_TABLE_FILE_ERROR, BLIP_TABLE_FILE_ERROR_PARSE,
                   "%s: not valid JSON (%s); expected a table.json written by blip table", path, local->message);
      return NULL;
    }
  const char *format = NULL, *experiment = NULL;
  if (json->type != BLIP_JSON_OBJECT || !blip_json_get_string (json, "format", &format) ||
      strcmp (format, BLIP_TABLE_FORMAT) != 0)
    {
      bad (error, path, -1, "not a table of methods (expected “format”: “" BLIP_TABLE_FORMAT
                            "”, as in the table.json that blip table writes)");
      return NULL;
    }
  guint64 seed;
  const BlipJson *seed_value = blip_json_get (json, "seed");
  const BlipJson *rows = blip_json_get (json, "rows");
  if (!blip_json_get_string (json, "experiment", &experiment) || seed_value == NULL ||
      !blip_json_as_uint64 (seed_value, &seed))
    {
      bad (error, path, -1, "“experiment” or “seed” is missing or of the wrong type");
      return NULL;
    }
  if (rows == NULL || rows->type != BLIP_JSON_ARRAY || rows->items->len < 1 || rows->items->len > MAX_ROWS)
    {
      bad (error, path, -1, "“rows” is missing or not a list of methods");
      return NULL;
    }

  /* Tables written before "metric" existed are all of accuracies. */
  const char *metric = "accuracy";
  if (blip_json_get (json, "metric") != NULL &&
      (!blip_json_get_string (json, "metric", &metric) ||
       (strcmp (metric, "accuracy") != 0 && strcmp (metric, "return") != 0)))
    {
      bad (error, path, -1, "“metric” is neither “accuracy” nor “return”");
      return NULL;
    }

  BlipTableFile *table = g_new0 (BlipTableFile, 1);
  table->path = g_strdup (path);
  table->returns = strcmp (metric, "return") == 0;
  table->experiment = g_strdup (experiment);
  table->seed = seed;
  table->rows = g_new0 (BlipTableFileRow, rows->items->len);
  for (guint i = 0; i < rows->items->len; i++)
    {
      table->n_rows = (int) i + 1;   /* so that free clears the row being read */
      if (!read_row (g_ptr_array_index (rows->items, i), &table->rows[i], table->returns, path, (int) i, error))
        {
          blip_table_file_free (table);
          return NULL;
        }
    }
  return table;
}

gboolean
blip_table_status_has_progress (const char *status)
{
  return g_strcmp0 (status, "unfinished") == 0 || g_strcmp0 (status, "interrupted") == 0;
}

char *
blip_table_status_text (const char *status, int tasks_completed, int tasks_total)
{
  static const char *const known[] = { "reused", "trained", "resumed", "complete", "running", "unfinished",
                                       "interrupted", "failed", NULL };
  if (g_strcmp0 (status, "not-run") == 0)
    return g_strdup ("not run");
  if (tasks_total > 0 && blip_table_status_has_progress (status))
    return g_strdup_printf ("%s, %d/%d tasks", status, tasks_completed, tasks_total);
  if (status != NULL && g_strv_contains (known, status))
    return g_strdup (status);
  return g_strdup ("no results");
}
