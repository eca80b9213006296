/* test-table.c — `blip table` (src/cli/blip-table*.c) through the built tool:
 *   hand-made  results.json files written by the test: the table's layout,
 *              ACC/BWT/memory/growth/time/paper columns, table.csv line by
 *              line, table.md, table.json and the figure (PNG, SVG, PDF); complete results are reused (nothing
 *              trains: the data folder does not exist); blip-results/1 files
 *              still read; a table of malformed or foreign results.json
 *              files, each refused with exit 1 and a message naming the file;
 *              an unfinished run refused without --resume.
 *   end-to-end three methods on a fake MNIST: every one trained, with ACC
 *              above chance and its memory recorded per task (constant and
 *              non-zero for BLIP and EWC, zero for fine-tuning); a second
 *              call reuses all of them; the same table with --jobs 3 (all
 *              three at once, each run's output in its run.log, not on the
 *              terminal) gives the same numbers; an unfinished run is
 *              continued from its checkpoint with --resume.
 *   report     --report prints complete, unfinished (with its tasks done)
 *              and not-run rows as they stand, starts nothing and writes
 *              nothing.
 *   jobs-failure --jobs 2 with no data: each failed run names its run.log and
 *              its error line is quoted; exit 1.
 *   games      a table of game runs: returns in points, not refused as
 *              accuracies out of range; "Return" columns; "metric": "return".
 *   interrupted-progress  SIGINT after a task: exit 130, and the printed
 *              table and table.json give the stopped run's tasks done, and
 *              those of a method not reached that holds an earlier run.
 *   The hand-made table.json is also read back with blip_table_file_load,
 *   as the app reads it (malformed files: test-table-file.c). */
#include "blip.h"
#include "blip-test-util.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* [program] table ARGS… --output OUT NULL; the strings are borrowed. */
static GPtrArray *
table_argv (const char *program, const char * const *args, const char *out)
{
  GPtrArray *argv = g_ptr_array_new ();
  if (program != NULL)
    g_ptr_array_add (argv, (gpointer) program);
  g_ptr_array_add (argv, (gpointer) "table");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "--output");
  g_ptr_array_add (argv, (gpointer) out);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Runs `blip table ARGS… --output OUT`. */
static BlipTestRun
run_table (const char *out, const char * const *args)
{
  GPtrArray *argv = table_argv (NULL, args, out);
  BlipTestRun r = blip_test_run_blip ((const char * const *) argv->pdata);
  g_ptr_array_free (argv, TRUE);
  return r;
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* A results.json of 3 tasks as blip run writes it (the keys the table reads
 * and a few it ignores); memory_list NULL leaves "memory_bytes_per_task" out. */
static char *
results_json (const char *format, const char *experiment, const char *approach, int seed, gboolean complete,
              const char *acc, const char *bwt_paper, const char *bwt_code, gint64 memory, const char *memory_list)
{
  GString *s = g_string_new ("{\n");
  g_string_append_printf (s, "  \"format\": \"%s\",\n  \"experiment\": \"%s\",\n  \"approach\": \"%s\",\n"
                          "  \"seed\": %d,\n  \"tasks_completed\": %d,\n  \"complete\": %s,\n  \"n_tasks\": 3,\n"
                          "  \"config\": {\"lr\": 0.01},\n  \"acc_matrix\": [[1, null, null], [1, 1, null], [1, 1, 1]],\n",
                          format, experiment, approach, seed, complete ? 3 : 2, complete ? "true" : "false");
  if (acc != NULL)
    g_string_append_printf (s, "  \"ACC\": %s,\n", acc);
  g_string_append_printf (s, "  \"BWT_paper\": %s,\n  \"BWT_code\": %s,\n  \"used_capacity\": 0,\n"
                          "  \"strategy_memory_bytes\": %" G_GINT64_FORMAT ",\n", bwt_paper, bwt_code, memory);
  if (memory_list != NULL)
    g_string_append_printf (s, "  \"memory_bytes_per_task\": %s,\n", memory_list);
  g_string_append (s, "  \"n_params\": 100,\n  \"history\": []\n}\n");
  return g_string_free (s, FALSE);
}

static void
put_run (const char *out, const char *approach, const char *json, const char *timing)
{
  g_autofree char *dir = g_build_filename (out, approach, NULL);
  write_text (dir, "results.json", json);
  if (timing != NULL)
    write_text (dir, "timing.json", timing);
}

/* text with its one occurrence of `from` replaced by `to`. */
static char *
replace (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* The three runs of the hand-made table: BLIP (constant memory), EWC written
 * as if its memory grew (as HAT's or IMM's does), FT-FIX in the first format. */
static void
put_hand_made (const char *out)
{
  g_autofree char *blip = results_json ("blip-results/2", "mnist5", "blip", 0, TRUE, "0.9964", "-0.0001", "-0.00005",
                                        452160, "[452160, 452160, 452160]");
  g_autofree char *ewc_default = results_json ("blip-results/2", "mnist5", "ewc", 0, TRUE, "0.9", "-0.05", "-0.0333",
                                               3000, "[1000, 2000, 3000]");
  /* EWC ran with its own λ and a wider network; FT-FIX's file, of the first
   * format, saved no configuration (no settings to note). */
  g_autofree char *ewc = replace (ewc_default, "\"config\": {\"lr\": 0.01}",
                                  "\"config\": {\"lr\": 0.01, \"ndim\": 400, \"ewc_lambda\": 100}");
  g_autofree char *frozen_with_config = results_json ("blip-results/1", "mnist5", "sgd-frozen", 0, TRUE, "0.8", "0",
                                                      "0", 0, NULL);
  g_autofree char *frozen = replace (frozen_with_config, "  \"config\": {\"lr\": 0.01},\n", "");
  put_run (out, "blip", blip, "{\n  \"train_seconds\": 75.5,\n  \"consolidation_seconds\": [1, 1, 1]\n}\n");
  put_run (out, "ewc", ewc, "{\"train_seconds\": 7200}");
  put_run (out, "sgd-frozen", frozen, NULL);
}

/* The cells of the table's row that starts with `label` (split at runs of
 * two or more blanks), or NULL. */
static GStrv
table_row (const char *out, const char *label)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], label) && strstr (lines[i], "  ") != NULL)
      {
        g_autoptr(GRegex) re = g_regex_new ("\\s{2,}", 0, 0, NULL);
        return g_regex_split (re, lines[i], 0);
      }
  return NULL;
}

static void
assert_row (const char *out, const char *label, const char *const *want)
{
  g_auto(GStrv) cells = table_row (out, label);
  if (cells == NULL)
    g_error ("no table row for %s in:\n%s", label, out);
  for (int c = 0; want[c] != NULL; c++)
    if (g_strv_length (cells) <= (guint) c || strcmp (cells[c], want[c]) != 0)
      g_error ("row %s, column %d: “%s”, expected “%s”\n%s", label, c + 1,
               g_strv_length (cells) > (guint) c ? cells[c] : "(none)", want[c], out);
}

/* --report: the hand-made runs, an unfinished one and one never started, as
 * they stand; nothing runs (no data) and nothing is written. */
static void
test_report (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  put_hand_made (out);
  g_autofree char *partial = results_json ("blip-results/2", "mnist5", "sgd", 0, FALSE, NULL, "0", "0", 0, "[0, 0, 0]");
  put_run (out, "sgd", partial, NULL);
  const char *args[] = { "--experiment", "mnist5", "--approaches", "blip,sgd,hat", "--data-dir", "/nonexistent/data",
                         "--report", NULL };
  BlipTestRun r = run_table (out, args);
  if (r.status != 0)
    g_error ("blip table --report exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
  const char *blip[] = { "BLIP", "99.64", "-0.01", "441.56 KiB", "constant", "1 min 15 s", "99.64", "complete", NULL };
  assert_row (r.out, "BLIP", blip);
  /* The partial results.json says 2 of its 3 tasks are done. */
  const char *sgd[] = { "Fine-tuning (sgd)", "—", "—", "—", "—", "—", "—", "unfinished, 2/3 tasks", NULL };
  assert_row (r.out, "Fine-tuning (sgd)", sgd);
  const char *hat[] = { "HAT", "—", "—", "—", "—", "—", "99.59", "not run", NULL };
  assert_row (r.out, "HAT", hat);
  g_autofree char *csv = g_build_filename (out, "table.csv", NULL);
  g_autofree char *hat_dir = g_build_filename (out, "hat", NULL);
  g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (hat_dir, G_FILE_TEST_EXISTS));
  blip_test_run_clear (&r);

  g_autofree char *missing = g_build_filename (out, "missing", NULL);
  r = run_table (missing, args);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "is not a folder"));
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

/* Games (minatar): ACC and BWT are mean returns in points, not fractions, so
 * a return of 8.63 is read, not refused; the table says "Return", the CSV
 * names its columns in points, and table.json says "metric": "return", which
 * the app's reader follows. */
static void
test_games (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *blip = results_json ("blip-results/2", "minatar", "blip", 0, TRUE, "8.63", "0.3", "0.2",
                                        1000, "[1000, 1000, 1000]");
  g_autofree char *sgd = results_json ("blip-results/2", "minatar", "sgd", 0, TRUE, "2.5", "-4.25", "-2.8",
                                       0, "[0, 0, 0]");
  put_run (out, "blip", blip, "{\"train_seconds\": 490}");
  put_run (out, "sgd", sgd, "{\"train_seconds\": 400}");
  const char *args[] = { "--experiment", "minatar", "--approaches", "blip,sgd", "--quiet", NULL };
  BlipTestRun r = run_table (out, args);
  if (r.status != 0)
    g_error ("blip table exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
  const char *heads[] = { "Method", "Return", "BWT (return)", "Memory", NULL };
  assert_row (r.out, "Method", heads);
  const char *blip_row[] = { "BLIP", "8.63", "0.30", "1000 B", "constant", NULL };
  const char *sgd_row[] = { "Fine-tuning (sgd)", "2.50", "-4.25", "0 B", NULL };
  assert_row (r.out, "BLIP", blip_row);
  assert_row (r.out, "Fine-tuning (sgd)", sgd_row);
  g_assert_nonnull (strstr (r.out, "Return: mean greedy evaluation return"));

  g_autofree char *csv_path = g_build_filename (out, "table.csv", NULL);
  g_autofree char *csv = read_text (csv_path);
  g_assert_true (g_str_has_prefix (csv, "approach,title,status,tasks,mean_return,bwt_paper_return,bwt_code_return,"));
  g_assert_nonnull (strstr (csv, "\nblip,BLIP,reused,3,8.6300,0.3000,0.2000,"));

  g_autofree char *json_path = g_build_filename (out, "table.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipTableFile) file = blip_table_file_load (json_path, &error);
  g_assert_no_error (error);
  g_assert_true (file->returns);
  g_assert_cmpfloat (file->rows[0].acc, ==, 8.63);
  g_assert_cmpfloat (file->rows[1].bwt_paper, ==, -4.25);
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

static void
test_hand_made (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  put_hand_made (out);
  const char *args[] = { "--experiment", "mnist5", "--approaches", "blip,ewc,sgd-frozen", "--data-dir",
                         "/nonexistent/data", "--quiet", NULL };
  BlipTestRun r = run_table (out, args);
  if (r.status != 0)
    g_error ("blip table exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);

  /* Layout: a header row, a rule, one row per method in the order asked. */
  g_assert_nonnull (strstr (r.out, "MNIST-5"));
  const char *heads[] = { "Method", "ACC (%)", "BWT (%)", "Memory", "Memory growth", "Train time", "Paper ACC (%)",
                          "Run", NULL };
  assert_row (r.out, "Method", heads);
  const char *blip[] = { "BLIP", "99.64", "-0.01", "441.56 KiB", "constant", "1 min 15 s", "99.64", "reused", NULL };
  const char *ewc[] = { "Online EWC (ewc)", "90.00", "-5.00", "2.93 KiB", "+1000 B/task", "2 h 00 min", "95.78",
                        "reused", NULL };
  const char *frozen[] = { "FT-FIX (sgd-frozen)", "80.00", "0.00", "0 B", "—", "—", "—", "reused", NULL };
  assert_row (r.out, "BLIP", blip);
  assert_row (r.out, "Online EWC", ewc);
  assert_row (r.out, "FT-FIX", frozen);
  const char *table = strstr (r.out, "Method ");
  const char *order[] = { "BLIP  ", "Online EWC", "FT-FIX" };
  for (int i = 0; i < 2; i++)
    g_assert_true (strstr (table, order[i]) < strstr (table, order[i + 1]));
  /* Only what was asked for. */
  g_assert_null (strstr (r.out, "Fine-tuning (sgd)"));

  /* table.csv: one line per method, numbers unrounded for the display. */
  g_autofree char *csv_path = g_build_filename (out, "table.csv", NULL);
  g_autofree char *csv = read_text (csv_path);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* header, 3 rows, the empty string after the last \n */
  g_assert_cmpstr (lines[0], ==, "approach,title,status,tasks,acc_percent,bwt_paper_percent,bwt_code_percent,"
                                 "memory_bytes,memory_bytes_per_task,memory_growth_bytes_per_task,time_seconds,"
                                 "paper_acc_percent,results,settings");
  g_autofree char *blip_line = g_strdup_printf ("blip,BLIP,reused,3,99.6400,-0.0100,-0.0050,452160,"
                                                "452160 452160 452160,0,75.500,99.64,%s/blip/results.json,"
                                                "\"lr 0.01, sbatch 64, nepochs 200, F-prior 1e-15, max-bit 20\"", out);
  g_autofree char *ewc_line = g_strdup_printf ("ewc,Online EWC,reused,3,90.0000,-5.0000,-3.3300,3000,"
                                               "1000 2000 3000,1000,7200.000,95.78,%s/ewc/results.json,"
                                               "\"lr 0.01, sbatch 64, nepochs 200, ndim 400, lamb 100, gamma 1\"", out);
  g_autofree char *frozen_line = g_strdup_printf ("sgd-frozen,FT-FIX,reused,3,80.0000,0.0000,0.0000,0,,,,,"
                                                  "%s/sgd-frozen/results.json,", out);
  g_assert_cmpstr (lines[1], ==, blip_line);
  g_assert_cmpstr (lines[2], ==, ewc_line);
  g_assert_cmpstr (lines[3], ==, frozen_line);
  g_assert_cmpstr (lines[4], ==, "");

  /* table.md: the printed table's cells in Markdown, numbers right-aligned. */
  g_autofree char *md_path = g_build_filename (out, "table.md", NULL);
  g_autofree char *md = read_text (md_path);
  g_auto(GStrv) md_lines = g_strsplit (md, "\n", -1);
  /* header, alignment, 3 rows, a blank line, the settings' heading, a blank
   * line, BLIP's and EWC's settings (FT-FIX's file has none), "" */
  g_assert_cmpuint (g_strv_length (md_lines), ==, 11);
  g_assert_cmpstr (md_lines[0], ==, "| Method | ACC (%) | BWT (%) | Memory | Memory growth | Train time "
                                    "| Paper ACC (%) | Run |");
  g_assert_cmpstr (md_lines[1], ==, "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |");
  g_assert_cmpstr (md_lines[2], ==, "| BLIP | 99.64 | -0.01 | 441.56 KiB | constant | 1 min 15 s | 99.64 | reused |");
  g_assert_cmpstr (md_lines[3], ==, "| Online EWC (ewc) | 90.00 | -5.00 | 2.93 KiB | +1000 B/task | 2 h 00 min "
                                    "| 95.78 | reused |");
  g_assert_cmpstr (md_lines[4], ==, "| FT-FIX (sgd-frozen) | 80.00 | 0.00 | 0 B | — | — | — | reused |");
  g_assert_cmpstr (md_lines[5], ==, "");
  g_assert_cmpstr (md_lines[6], ==, "Settings of each run (`blip run` flags; the rest are the experiment's preset):");
  g_assert_cmpstr (md_lines[7], ==, "");
  g_assert_cmpstr (md_lines[8], ==, "- BLIP: lr 0.01, sbatch 64, nepochs 200, F-prior 1e-15, max-bit 20");
  g_assert_cmpstr (md_lines[9], ==, "- Online EWC (ewc): lr 0.01, sbatch 64, nepochs 200, ndim 400, lamb 100, gamma 1");
  g_assert_cmpstr (md_lines[10], ==, "");

  /* The figure, in three formats; the PNG sized for three methods. */
  static const char *const figures[] = { "table.png", "table.svg", "table.pdf" };
  static const char *const magic[] = { "\x89PNG", "<?xml", "%PDF" };
  for (gsize k = 0; k < G_N_ELEMENTS (figures); k++)
    {
      g_autofree char *path = g_build_filename (out, figures[k], NULL);
      g_autofree char *head = read_text (path);
      g_assert_true (memcmp (head, magic[k], strlen (magic[k])) == 0);
    }
  /* The PNG's IHDR chunk: width and height, big-endian, at bytes 16 and 20. */
  g_autofree char *png_path = g_build_filename (out, "table.png", NULL);
  g_autofree guint8 *png = NULL;
  gsize png_len = 0;
  g_assert_true (g_file_get_contents (png_path, (char **) &png, &png_len, NULL));
  g_assert_cmpuint (png_len, >, 24);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (png + 16)), ==, 1200);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (png + 20)), ==, 160 + 46 * 3);

  /* table.json: valid, one row per method with the same numbers. */
  g_autofree char *json_path = g_build_filename (out, "table.json", NULL);
  g_autofree char *text = read_text (json_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipJson) json = blip_json_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  const char *format = NULL;
  g_assert_true (blip_json_get_string (json, "format", &format));
  g_assert_cmpstr (format, ==, "blip-table/1");
  BlipJson *rows = blip_json_get (json, "rows");
  g_assert_nonnull (rows);
  g_assert_cmpuint (rows->items->len, ==, 3);
  BlipJson *row = g_ptr_array_index (rows->items, 1);
  double v;
  g_assert_true (blip_json_get_number (row, "ACC", &v));
  g_assert_cmpfloat (v, ==, 0.9);
  g_assert_true (blip_json_get_number (row, "memory_bytes", &v));
  g_assert_cmpfloat (v, ==, 3000);
  g_assert_true (blip_json_get_number (row, "paper_ACC_percent", &v));
  g_assert_cmpfloat (v, ==, 95.78);
  BlipJson *per_task = blip_json_get (row, "memory_bytes_per_task");
  g_assert_nonnull (per_task);
  g_assert_cmpuint (per_task->items->len, ==, 3);
  /* FT-FIX's first-format file has no paper figure and no per-task memory. */
  row = g_ptr_array_index (rows->items, 2);
  g_assert_cmpint (blip_json_get (row, "paper_ACC_percent")->type, ==, BLIP_JSON_NULL);
  g_assert_cmpint (blip_json_get (row, "memory_bytes_per_task")->type, ==, BLIP_JSON_NULL);
  g_assert_null (blip_json_get (row, "settings"));

  /* Read back as the app reads it (blip-table-file.c): the same numbers. */
  g_autoptr(BlipTableFile) file = blip_table_file_load (json_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (file->experiment, ==, "mnist5");
  g_assert_cmpuint (file->seed, ==, 0);
  g_assert_cmpint (file->n_rows, ==, 3);
  const BlipTableFileRow *ewc_row = &file->rows[1];
  g_assert_cmpstr (ewc_row->approach, ==, "ewc");
  g_assert_cmpstr (ewc_row->title, ==, "Online EWC");
  g_assert_cmpstr (ewc_row->status, ==, "reused");
  g_assert_true (ewc_row->has_results);
  g_assert_cmpint (ewc_row->n_tasks, ==, 3);
  g_assert_cmpfloat (ewc_row->acc, ==, 0.9);
  g_assert_cmpfloat (ewc_row->bwt_paper, ==, -0.05);
  g_assert_cmpint (ewc_row->memory_bytes, ==, 3000);
  g_assert_nonnull (ewc_row->memory_per_task);
  g_assert_cmpint (ewc_row->memory_per_task[0], ==, 1000);
  g_assert_cmpint (ewc_row->memory_per_task[2], ==, 3000);
  g_assert_cmpfloat (ewc_row->time_seconds, ==, 7200);
  g_assert_cmpfloat (ewc_row->paper_acc, ==, 95.78);
  g_assert_cmpstr (ewc_row->settings, ==, "lr 0.01, sbatch 64, nepochs 200, ndim 400, lamb 100, gamma 1");
  g_assert_null (file->rows[2].settings);
  g_assert_null (file->rows[2].memory_per_task);
  g_assert_true (isnan (file->rows[2].paper_acc));
  g_assert_true (isnan (file->rows[2].time_seconds));
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

typedef struct {
  const char *name;
  const char *approach;    /* folder and --approaches */
  const char *json;        /* NULL: built from the fields below */
  const char *format, *experiment;
  int         seed;
  const char *acc, *memory_list;
  const char *err_has;
} BadCase;

static const BadCase bad_cases[] = {
  { "not-json", "blip", "{\"format\": \"blip-results/2\", ", NULL, NULL, 0, NULL, NULL, "not valid JSON" },
  { "not-an-object", "blip", "[1, 2, 3]", NULL, NULL, 0, NULL, NULL, "expected a JSON object" },
  { "other-format", "blip", NULL, "blip-results/9", "mnist5", 0, "0.9", "[1, 1, 1]", "“format”" },
  { "no-acc", "blip", NULL, "blip-results/2", "mnist5", 0, NULL, "[1, 1, 1]", "“ACC”" },
  { "acc-out-of-range", "blip", NULL, "blip-results/2", "mnist5", 0, "1.5", "[1, 1, 1]", "“ACC”" },
  { "memory-too-short", "blip", NULL, "blip-results/2", "mnist5", 0, "0.9", "[1, 1]", "“memory_bytes_per_task”" },
  { "memory-negative", "blip", NULL, "blip-results/2", "mnist5", 0, "0.9", "[1, -1, 1]", "“memory_bytes_per_task”" },
  { "memory-missing", "blip", NULL, "blip-results/2", "mnist5", 0, "0.9", NULL, "“memory_bytes_per_task”" },
  { "other-experiment", "blip", NULL, "blip-results/2", "pmnist", 0, "0.9", "[1, 1, 1]", "a run of pmnist" },
  { "other-seed", "sgd", NULL, "blip-results/2", "mnist5", 5, "0.9", "[0, 0, 0]", "seed 5" },
};

static void
test_malformed (gconstpointer data)
{
  const BadCase *bc = data;
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *json = bc->json ? g_strdup (bc->json)
    : results_json (bc->format, bc->experiment, bc->approach, bc->seed, TRUE, bc->acc, "0", "0", 1, bc->memory_list);
  put_run (out, bc->approach, json, NULL);
  const char *args[] = { "--approaches", bc->approach, "--data-dir", "/nonexistent/data", "--quiet", NULL };
  BlipTestRun r = run_table (out, args);
  g_autofree char *path = g_build_filename (out, bc->approach, "results.json", NULL);
  if (r.status != 1 || strstr (r.err, path) == NULL || strstr (r.err, bc->err_has) == NULL)
    g_error ("%s: exit %d, expected 1 with a message naming %s and “%s”\nstdout: %s\nstderr: %s", bc->name,
             r.status, path, bc->err_has, r.out, r.err);
  /* Refused before anything ran or was written. */
  g_autofree char *csv = g_build_filename (out, "table.csv", NULL);
  g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

/* An interrupted run's results.json (complete: false) is not reused, and
 * not overwritten either without --resume. */
static void
test_unfinished_refused (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *json = results_json ("blip-results/2", "mnist5", "blip", 0, FALSE, "0.9", "0", "0", 1,
                                        "[1, 1, null]");
  put_run (out, "blip", json, NULL);
  const char *args[] = { "--approaches", "blip", "--data-dir", "/nonexistent/data", NULL };
  BlipTestRun r = run_table (out, args);
  g_autofree char *dir = g_build_filename (out, "blip", NULL);
  if (r.status != 1 || strstr (r.err, dir) == NULL || strstr (r.err, "--resume") == NULL)
    g_error ("exit %d, expected 1 naming %s and --resume\nstderr: %s", r.status, dir, r.err);
  g_autofree char *path = g_build_filename (dir, "results.json", NULL);
  g_autofree char *kept = read_text (path);
  g_assert_cmpstr (kept, ==, json);
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

/* The tasks DIR/<approach>/results.json says are done; 0 without one. */
static guint64
tasks_done (const char *out, const char *approach)
{
  g_autofree char *path = g_build_filename (out, approach, "results.json", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_autoptr(BlipJson) json = blip_json_parse (text, strlen (text), NULL);
  guint64 done = 0;
  if (json == NULL || !blip_json_as_uint64 (blip_json_get (json, "tasks_completed"), &done))
    return 0;
  return done;
}

/* Runs `blip table ARGS… --output OUT` and sends it SIGINT once the run of
 * `watch` has finished a task more than it had; returns the exit status
 * (0 when the table finished first), with what it printed in *text. With
 * while_running, OUT/table.json as it was just before the signal is kept as
 * OUT/while_running. */
static int
interrupt_table (const char * const *args, const char *out, const char *watch, const char *while_running,
                 char **text)
{
  GPtrArray *argv = table_argv (BLIP_TEST_BLIP_EXE, args, out);
  guint64 before = tasks_done (out, watch);
  g_autoptr(GError) error = NULL;
  GPid pid;
  int out_fd, err_fd, status = 0;
  g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                            &out_fd, &err_fd, &error);
  g_assert_no_error (error);
  g_ptr_array_free (argv, TRUE);
  gboolean exited = FALSE;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (tasks_done (out, watch) <= before)
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        {
          exited = TRUE;
          break;
        }
      if (g_get_monotonic_time () > deadline)
        {
          kill (pid, SIGKILL);
          g_error ("the run of %s finished no task in time", watch);
        }
      g_usleep (1000);
    }
  if (!exited)
    {
      if (while_running != NULL)
        {
          g_autofree char *path = g_build_filename (out, "table.json", NULL);
          g_autofree char *json = read_text (path);
          write_text (out, while_running, json);
        }
      g_assert_cmpint (kill (pid, SIGINT), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
    }
  g_spawn_close_pid (pid);
  *text = blip_test_read_fd (out_fd);
  g_autofree char *err = blip_test_read_fd (err_fd);
  if (!WIFEXITED (status) || (WEXITSTATUS (status) != 0 && WEXITSTATUS (status) != 130))
    g_error ("blip table ended with status %d\nstdout: %s\nstderr: %s", status, *text, err);
  return WEXITSTATUS (status);
}

/* The Run cell of `label` in the printed table, and the row of `approach`
 * in table.json, say `status` with `done` of 5 tasks. */
static void
assert_progress (const char *text, const char *out, const char *label, const char *approach, const char *status,
                 guint64 done)
{
  g_autofree char *run = g_strdup_printf ("%s, %" G_GUINT64_FORMAT "/5 tasks", status, done);
  g_auto(GStrv) cells = table_row (text, label);
  if (cells == NULL || g_strv_length (cells) < 8 || strcmp (cells[7], run) != 0)
    g_error ("expected the row of %s to end “%s”:\n%s", label, run, text);
  g_autofree char *table_path = g_build_filename (out, "table.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipTableFile) table = blip_table_file_load (table_path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < table->n_rows; i++)
    if (strcmp (table->rows[i].approach, approach) == 0)
      {
        g_assert_cmpstr (table->rows[i].status, ==, status);
        g_assert_false (table->rows[i].has_results);
        g_assert_cmpint (table->rows[i].tasks_completed, ==, (int) done);
        g_assert_cmpint (table->rows[i].tasks_total, ==, 5);
        return;
      }
  g_error ("%s has no row in %s", approach, table_path);
}

/* Ctrl-C in the middle of a run: the table exits 130, and its report and
 * table.json say how far the interrupted run got (tasks done of the total,
 * from its partial results.json), which the app's reader takes up. A method
 * not reached this time that holds a run begun earlier is "unfinished", with
 * that run's progress. The table files are written as runs start and end,
 * so table.json shows a table that is still filling in. */
static void
test_interrupted_progress (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *data = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (data, "mnist", 600, 200, 3);
  /* Long tasks (no learning-rate decay to end them early) so that the signal
   * lands inside the run, after a task. */
  const char *first[] = { "--experiment", "mnist5", "--approaches", "sgd-frozen", "--data-dir", data,
                          "--nepochs", "2000", "--lr-patience", "5000", "--ndim", "32", "--quiet", NULL };
  g_autofree char *out = NULL, *text = NULL;
  for (int attempt = 0; attempt < 3; attempt++)
    {
      if (out != NULL)
        blip_test_rmtree (out);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&text, g_free);
      out = blip_test_mkdtemp ();
      if (interrupt_table (first, out, "sgd-frozen", NULL, &text) == 130)
        break;
      g_test_message ("attempt %d: the run finished before the signal", attempt + 1);
    }
  guint64 frozen_done = tasks_done (out, "sgd-frozen");
  g_assert_cmpuint (frozen_done, >=, 1);
  g_assert_cmpuint (frozen_done, <, 5);
  assert_progress (text, out, "FT-FIX (sgd-frozen)", "sgd-frozen", "interrupted", frozen_done);

  /* Again with fine-tuning first, stopped during it: FT-FIX's run waits. */
  const char *second[] = { "--experiment", "mnist5", "--approaches", "sgd,sgd-frozen", "--resume", "--data-dir",
                           data, "--nepochs", "2000", "--lr-patience", "5000", "--ndim", "32", "--quiet", NULL };
  g_clear_pointer (&text, g_free);
  g_assert_cmpint (interrupt_table (second, out, "sgd", "while-running.json", &text), ==, 130);
  guint64 sgd_done = tasks_done (out, "sgd");
  g_assert_cmpuint (sgd_done, >=, 1);
  g_assert_cmpuint (sgd_done, <, 5);
  assert_progress (text, out, "Fine-tuning (sgd)", "sgd", "interrupted", sgd_done);
  assert_progress (text, out, "FT-FIX (sgd-frozen)", "sgd-frozen", "unfinished", frozen_done);
  /* While it ran, table.json already listed both: fine-tuning running,
   * FT-FIX waiting with its earlier run's progress. */
  g_autofree char *during = g_build_filename (out, "while-running.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipTableFile) table = blip_table_file_load (during, &error);
  g_assert_no_error (error);
  g_assert_cmpint (table->n_rows, ==, 2);
  g_assert_cmpstr (table->rows[0].status, ==, "running");
  g_assert_cmpint (table->rows[0].tasks_total, ==, 0);
  g_assert_cmpstr (table->rows[1].status, ==, "unfinished");
  g_assert_cmpint (table->rows[1].tasks_completed, ==, (int) frozen_done);
  blip_test_rmtree (out);
  blip_test_rmtree (data);
}

typedef struct {
  const char *label;
  const char *approach;
} Method;

static const Method e2e_methods[] = {
  { "BLIP", "blip" }, { "Fine-tuning (sgd)", "sgd" }, { "Online EWC (ewc)", "ewc" },
};

/* The per-task memory of DIR/<approach>/results.json, checked against
 * strategy_memory_bytes. */
static void
check_memory_per_task (const char *out, const char *approach, int T)
{
  g_autofree char *path = g_build_filename (out, approach, "results.json", NULL);
  g_autofree char *text = read_text (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipJson) json = blip_json_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  const char *format = NULL;
  g_assert_true (blip_json_get_string (json, "format", &format));
  g_assert_cmpstr (format, ==, BLIP_RESULTS_FORMAT);
  guint64 total = 0, first = 0;
  g_assert_true (blip_json_as_uint64 (blip_json_get (json, "strategy_memory_bytes"), &total));
  BlipJson *list = blip_json_get (json, "memory_bytes_per_task");
  g_assert_nonnull (list);
  g_assert_cmpuint (list->items->len, ==, (guint) T);
  g_assert_true (blip_json_as_uint64 (g_ptr_array_index (list->items, 0), &first));
  for (int t = 0; t < T; t++)
    {
      guint64 bytes = 0;
      g_assert_true (blip_json_as_uint64 (g_ptr_array_index (list->items, t), &bytes));
      /* BLIP's bits, anchors and Fisher and EWC's Fisher and anchors are
       * sized by the network, not by the number of tasks. */
      g_assert_cmpuint (bytes, ==, first);
    }
  g_assert_cmpuint (total, ==, first);
  if (strcmp (approach, "sgd") == 0)
    g_assert_cmpuint (first, ==, 0);
  else
    g_assert_cmpuint (first, >, 0);
}

static void
test_end_to_end (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *out = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (data, "mnist", 600, 200, 3);
  const char *args[] = { "--experiment", "mnist5", "--approaches", "blip,sgd,ewc", "--data-dir", data,
                         "--nepochs", "2", "--ndim", "64", "--lr", "0.05", "--fisher-batches", "2", "--quiet", NULL };
  BlipTestRun r = run_table (out, args);
  if (r.status != 0)
    g_error ("blip table exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
  g_test_message ("%s", r.out);
  for (gsize i = 0; i < G_N_ELEMENTS (e2e_methods); i++)
    {
      g_auto(GStrv) cells = table_row (r.out, e2e_methods[i].label);
      if (cells == NULL || g_strv_length (cells) < 8)
        g_error ("no complete row for %s:\n%s", e2e_methods[i].label, r.out);
      /* Two-class tasks: chance is 50%. */
      double acc = g_ascii_strtod (cells[1], NULL);
      g_assert_cmpfloat (acc, >, 70.0);
      g_assert_cmpfloat (acc, <=, 100.0);
      g_assert_cmpstr (cells[4], ==, "constant");
      g_assert_cmpstr (cells[7], ==, "trained");
      check_memory_per_task (out, e2e_methods[i].approach, 5);
    }
  g_autofree char *csv_path = g_build_filename (out, "table.csv", NULL);
  g_autofree char *first_csv = read_text (csv_path);
  /* one at a time, each run's progress (stderr) and summary (stdout) are on the terminal */
  g_assert_nonnull (strstr (r.err, "Task 5/5 done"));
  g_assert_nonnull (strstr (r.out, "Results written to"));
  blip_test_run_clear (&r);

  /* The three at once: the runs' output goes to their run.log files, and
   * the numbers are those of one at a time (all but the time and the path). */
  g_autofree char *par = blip_test_mkdtemp ();
  const char *jobs_args[] = { "--experiment", "mnist5", "--approaches", "blip,sgd,ewc", "--data-dir", data,
                              "--nepochs", "2", "--ndim", "64", "--lr", "0.05", "--fisher-batches", "2",
                              "--quiet", "--jobs", "3", NULL };
  r = run_table (par, jobs_args);
  if (r.status != 0)
    g_error ("blip table --jobs 3 exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
  g_assert_nonnull (strstr (r.out, "up to 3 runs at a time"));
  g_assert_null (strstr (r.err, "Task 5/5 done"));
  g_assert_null (strstr (r.out, "Results written to"));
  for (gsize i = 0; i < G_N_ELEMENTS (e2e_methods); i++)
    {
      g_autofree char *line = g_strdup_printf ("%s: finished, ACC", e2e_methods[i].label);
      g_assert_nonnull (strstr (r.out, line));
      g_autofree char *log_path = g_build_filename (par, e2e_methods[i].approach, "run.log", NULL);
      g_autofree char *log = read_text (log_path);
      g_assert_nonnull (strstr (log, "Task 5/5 done"));
      g_assert_nonnull (strstr (log, "Results written to"));
    }
  g_autofree char *par_csv_path = g_build_filename (par, "table.csv", NULL);
  g_autofree char *par_csv = read_text (par_csv_path);
  g_auto(GStrv) seq_lines = g_strsplit (first_csv, "\n", -1), par_lines = g_strsplit (par_csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (seq_lines), ==, g_strv_length (par_lines));
  for (int i = 0; seq_lines[i] != NULL; i++)
    {
      g_auto(GStrv) a = g_strsplit (seq_lines[i], ",", -1), b = g_strsplit (par_lines[i], ",", -1);
      g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
      for (guint c = 0; a[c] != NULL; c++)
        if (i == 0 || (c != 10 && c != 12))  /* time_seconds, results */
          g_assert_cmpstr (a[c], ==, b[c]);
    }
  blip_test_run_clear (&r);
  blip_test_rmtree (par);

  /* Again: every run is reused, with the same numbers. */
  r = run_table (out, args);
  g_assert_cmpint (r.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (e2e_methods); i++)
    {
      g_autofree char *line = g_strdup_printf ("%s: reusing", e2e_methods[i].label);
      g_assert_nonnull (strstr (r.out, line));
    }
  g_autofree char *again_csv = read_text (csv_path);
  g_auto(GStrv) want = g_strsplit (first_csv, "\n", -1), got = g_strsplit (again_csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (want), ==, g_strv_length (got));
  for (int i = 1; got[i] != NULL && got[i][0]; i++)
    {
      /* Same row but for the status word. */
      g_auto(GStrv) a = g_strsplit (want[i], ",", -1), b = g_strsplit (got[i], ",", -1);
      g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
      for (guint c = 0; a[c] != NULL; c++)
        if (c != 2)
          g_assert_cmpstr (a[c], ==, b[c]);
      g_assert_cmpstr (a[2], ==, "trained");
      g_assert_cmpstr (b[2], ==, "reused");
    }
  blip_test_run_clear (&r);

  /* An unfinished BLIP run (its results marked incomplete; its checkpoints
   * stay): refused, then continued with --resume from the newest checkpoint. */
  g_autofree char *blip_json = g_build_filename (out, "blip", "results.json", NULL);
  g_autofree char *text = read_text (blip_json);
  g_autoptr(GRegex) complete = g_regex_new ("\"complete\": true", 0, 0, NULL);
  g_autofree char *edited = g_regex_replace_literal (complete, text, -1, 0, "\"complete\": false", 0, NULL);
  g_assert_cmpstr (edited, !=, text);
  g_autofree char *blip_dir = g_build_filename (out, "blip", NULL);
  write_text (blip_dir, "results.json", edited);
  r = run_table (out, args);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--resume"));
  blip_test_run_clear (&r);
  const char *resume_args[] = { "--experiment", "mnist5", "--approaches", "blip,sgd,ewc", "--data-dir", data,
                                "--nepochs", "2", "--ndim", "64", "--lr", "0.05", "--fisher-batches", "2",
                                "--quiet", "--resume", NULL };
  r = run_table (out, resume_args);
  if (r.status != 0)
    g_error ("blip table --resume exited with %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
  g_assert_nonnull (strstr (r.out, "BLIP: resuming"));
  g_auto(GStrv) cells = table_row (r.out, "BLIP");
  g_assert_nonnull (cells);
  g_assert_cmpstr (cells[7], ==, "resumed");
  g_autofree char *resumed = read_text (blip_json);
  g_assert_nonnull (strstr (resumed, "\"complete\": true"));
  check_memory_per_task (out, "blip", 5);
  blip_test_run_clear (&r);
  blip_test_rmtree (data);
  blip_test_rmtree (out);
}

/* With --jobs, a run that fails says where its log is and quotes its error. */
static void
test_jobs_failure (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *missing = g_build_filename (out, "no-such-data", NULL);
  const char *args[] = { "--approaches", "blip,sgd", "--data-dir", missing, "--jobs", "2", "--quiet", NULL };
  BlipTestRun r = run_table (out, args);
  g_assert_cmpint (r.status, ==, 1);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *log = g_build_filename (out, i == 0 ? "blip" : "sgd", "run.log", NULL);
      g_autofree char *names = g_strdup_printf ("its output is in %s", log);
      if (strstr (r.err, names) == NULL)
        g_error ("“%s” not in:\n%s", names, r.err);
    }
  g_assert_nonnull (strstr (r.err, "\n  blip run: MNIST file"));
  g_auto(GStrv) cells = table_row (r.out, "BLIP");
  g_assert_nonnull (cells);
  g_assert_cmpstr (cells[1], ==, "failed");
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

static void
test_usage (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  static const struct { const char *args[4]; const char *err_has; } cases[] = {
    { { "--approaches", "blip,nosuch", NULL }, "“nosuch”" },
    { { "--approaches", "blip,blip", NULL }, "twice" },
    { { "--approach", "blip", NULL }, "--approaches" },
    { { "--lr", "abc", NULL }, "--lr" },
    { { "--frobnicate", NULL }, "--frobnicate" },
    { { "--resume=dir", NULL }, "--resume" },
    { { "--jobs", "0", NULL }, "--jobs expects a whole number from 1 to 64" },
    { { "--jobs", "2x", NULL }, "“2x”" },
    { { "--jobs", "65", NULL }, "--jobs" },
    { { "--jobs=", NULL }, "got “”" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BlipTestRun r = run_table (out, cases[i].args);
      if (r.status != 2 || strstr (r.err, cases[i].err_has) == NULL)
        g_error ("case %zu: exit %d, expected 2 with “%s”\nstderr: %s", i, r.status, cases[i].err_has, r.err);
      blip_test_run_clear (&r);
    }
  const char *help[] = { "--help", NULL };
  BlipTestRun r = run_table (out, help);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Usage: blip table"));
  g_assert_nonnull (strstr (r.out, "--resume"));
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/table/hand-made", test_hand_made);
  g_test_add_func ("/table/games", test_games);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/table/malformed/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_malformed);
    }
  g_test_add_func ("/table/unfinished-refused", test_unfinished_refused);
  g_test_add_func ("/table/report", test_report);
  g_test_add_func ("/table/usage", test_usage);
  g_test_add_func ("/table/jobs-failure", test_jobs_failure);
  g_test_add_func ("/table/interrupted-progress", test_interrupted_progress);
  g_test_add_func ("/table/end-to-end", test_end_to_end);
  return g_test_run ();
}
