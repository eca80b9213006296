/* test-table-file.c — reading table.json back (src/engine/blip-table-file.c,
 * as the app's Methods view and lessons read it): a minimal file with a row
 * that has no numbers and keys the reader does not know, and a table of
 * files that are not what blip table writes (missing, a folder, not JSON,
 * another format, missing or out-of-range fields), each refused with the
 * right error code and a message naming the file and the row. That blip
 * table's own output reads back with the same numbers is in test-table.c. */
#include "blip.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* table.json files that are not what blip table writes: each refused with
 * an error naming the file (and the row), never half read. */
typedef struct {
  const char *name;
  const char *json;        /* NULL: the file does not exist */
  int         code;
  const char *err_has;
} BadTableCase;

#define TABLE_HEAD "{\"format\": \"blip-table/1\", \"experiment\": \"mnist5\", \"seed\": 0, \"rows\": "
#define GOOD_ROW "{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"trained\", \"n_tasks\": 2, " \
                 "\"ACC\": 0.9, \"BWT_paper\": 0, \"BWT_code\": 0, \"memory_bytes\": 20, "

static const BadTableCase bad_tables[] = {
  { "missing", NULL, BLIP_TABLE_FILE_ERROR_READ, "table.json" },
  { "a-folder", "", BLIP_TABLE_FILE_ERROR_READ, "not a regular file" },
  { "not-json", "{\"format\": ", BLIP_TABLE_FILE_ERROR_PARSE, "not valid JSON" },
  { "results-file", "{\"format\": \"blip-results/2\"}", BLIP_TABLE_FILE_ERROR_FORMAT, "blip-table/1" },
  { "no-rows", TABLE_HEAD "[]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“rows”" },
  { "no-seed", "{\"format\": \"blip-table/1\", \"experiment\": \"mnist5\", \"rows\": []}",
    BLIP_TABLE_FILE_ERROR_FORMAT, "“seed”" },
  { "row-not-object", TABLE_HEAD "[3]}", BLIP_TABLE_FILE_ERROR_FORMAT, "row 1: expected an object" },
  { "no-title", TABLE_HEAD "[{\"approach\": \"hat\", \"status\": \"trained\", \"paper_ACC_percent\": null}]}",
    BLIP_TABLE_FILE_ERROR_FORMAT, "“title”" },
  { "paper-over-100", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"not-run\", "
    "\"paper_ACC_percent\": 997}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“paper_ACC_percent”" },
  { "acc-over-1", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"trained\", "
    "\"paper_ACC_percent\": null, \"n_tasks\": 2, \"ACC\": 99.1}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“ACC”" },
  { "memory-list-short", TABLE_HEAD "[" GOOD_ROW "\"memory_bytes_per_task\": [20], \"time_seconds\": 1, "
    "\"paper_ACC_percent\": null}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "one byte count per task" },
  { "memory-negative", TABLE_HEAD "[" GOOD_ROW "\"memory_bytes_per_task\": [10, -20], \"time_seconds\": 1, "
    "\"paper_ACC_percent\": null}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "byte count" },
  { "time-negative", TABLE_HEAD "[" GOOD_ROW "\"memory_bytes_per_task\": null, \"time_seconds\": -1, "
    "\"paper_ACC_percent\": null}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“time_seconds”" },
  { "metric-unknown", "{\"format\": \"blip-table/1\", \"experiment\": \"mnist5\", \"seed\": 0, "
    "\"metric\": \"loss\", \"rows\": [" GOOD_ROW "\"memory_bytes_per_task\": null, \"time_seconds\": 1, "
    "\"paper_ACC_percent\": null}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“metric”" },
  { "return-in-accuracy-table", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"trained\", "
    "\"paper_ACC_percent\": null, \"n_tasks\": 2, \"ACC\": 8.5}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "fraction" },
  { "progress-done-over-total", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": "
    "\"interrupted\", \"tasks_completed\": 6, \"tasks_total\": 5, \"paper_ACC_percent\": null}]}",
    BLIP_TABLE_FILE_ERROR_FORMAT, "“tasks_completed”" },
  { "progress-total-alone", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": "
    "\"unfinished\", \"tasks_total\": 5, \"paper_ACC_percent\": null}]}", BLIP_TABLE_FILE_ERROR_FORMAT,
    "“tasks_total”" },
  { "progress-not-a-count", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": "
    "\"unfinished\", \"tasks_completed\": 1.5, \"tasks_total\": 5, \"paper_ACC_percent\": null}]}",
    BLIP_TABLE_FILE_ERROR_FORMAT, "“tasks_completed”" },
  { "settings-not-text", TABLE_HEAD "[{\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"not-run\", "
    "\"paper_ACC_percent\": null, \"settings\": 400}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "“settings”" },
  { "second-row-bad", TABLE_HEAD "[{\"approach\": \"sgd\", \"title\": \"Fine-tuning\", \"status\": \"not-run\", "
    "\"paper_ACC_percent\": null}, {\"approach\": 1}]}", BLIP_TABLE_FILE_ERROR_FORMAT, "row 2" },
};

static void
test_table_file_bad (gconstpointer data)
{
  const BadTableCase *c = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "table.json", NULL);
  if (c->json != NULL && *c->json == '\0')
    g_assert_cmpint (g_mkdir (path, 0755), ==, 0);   /* a folder where the file should be */
  else if (c->json != NULL)
    write_text (dir, "table.json", c->json);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipTableFile) table = blip_table_file_load (path, &error);
  g_assert_null (table);
  g_assert_error (error, BLIP_TABLE_FILE_ERROR, c->code);
  if (strstr (error->message, c->err_has) == NULL || (c->json != NULL && strstr (error->message, path) == NULL))
    g_error ("case %s: “%s” should name %s and say “%s”", c->name, error->message, path, c->err_has);
  blip_test_rmtree (dir);
}

/* The smallest valid file: rows without numbers are read as such, with how
 * far an interrupted run got where the row says. */
static void
test_table_file_minimal (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  write_text (dir, "table.json", TABLE_HEAD "[{\"approach\": \"lwf\", \"title\": \"LwF\", \"status\": "
              "\"not-run\", \"paper_ACC_percent\": 65.65, \"unknown_key\": [1, 2]}, " GOOD_ROW
              "\"memory_bytes_per_task\": [10, 20], \"time_seconds\": null, \"paper_ACC_percent\": null}, "
              "{\"approach\": \"ewc\", \"title\": \"Online EWC\", \"status\": \"interrupted\", "
              "\"tasks_completed\": 4, \"tasks_total\": 10, \"paper_ACC_percent\": 95.78, "
              "\"settings\": \"lr 0.01, lamb 5000, gamma 1\"}]}");
  g_autofree char *path = g_build_filename (dir, "table.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipTableFile) table = blip_table_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (table->n_rows, ==, 3);
  g_assert_false (table->returns);   /* no "metric": a table of accuracies */
  g_assert_false (table->rows[0].has_results);
  g_assert_true (isnan (table->rows[0].acc));
  g_assert_cmpint (table->rows[0].memory_bytes, ==, -1);
  g_assert_cmpfloat (table->rows[0].paper_acc, ==, 65.65);
  g_assert_true (table->rows[1].has_results);
  g_assert_cmpint (table->rows[1].memory_per_task[1], ==, 20);
  g_assert_true (isnan (table->rows[1].time_seconds));
  g_assert_cmpint (table->rows[0].tasks_total, ==, 0);
  g_assert_false (table->rows[2].has_results);
  g_assert_cmpint (table->rows[2].tasks_completed, ==, 4);
  g_assert_cmpint (table->rows[2].tasks_total, ==, 10);
  /* Settings are optional: absent, NULL. */
  g_assert_null (table->rows[0].settings);
  g_assert_cmpstr (table->rows[2].settings, ==, "lr 0.01, lamb 5000, gamma 1");
  blip_test_rmtree (dir);
}

/* What a reader is told of each status, with and without known progress. */
static void
test_table_file_status_text (void)
{
  static const struct { const char *status; int done, total; const char *text; } cases[] = {
    { "complete",    0, 0,  "complete" },
    { "reused",      0, 0,  "reused" },
    { "running",     3, 10, "running" },
    { "failed",      2, 10, "failed" },
    { "not-run",     0, 0,  "not run" },
    { "interrupted", 4, 10, "interrupted, 4/10 tasks" },
    { "interrupted", 0, 0,  "interrupted" },
    { "unfinished",  0, 5,  "unfinished, 0/5 tasks" },
    { "someday",     1, 2,  "no results" },
    { NULL,          0, 0,  "no results" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = blip_table_status_text (cases[i].status, cases[i].done, cases[i].total);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_tables); i++)
    {
      g_autofree char *path = g_strdup_printf ("/table-file/bad/%s", bad_tables[i].name);
      g_test_add_data_func (path, &bad_tables[i], test_table_file_bad);
    }
  g_test_add_func ("/table-file/minimal", test_table_file_minimal);
  g_test_add_func ("/table-file/status-text", test_table_file_status_text);
  return g_test_run ();
}
