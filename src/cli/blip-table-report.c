/* blip-table-report.c — `blip table`'s reading of each method's
 * results.json and timing.json, and the table made from them: as printed, as
 * table.md, table.csv and table.json, with the paper's figure beside ours,
 * and drawn as table.png, .svg and .pdf. */
#include "blip-table-private.h"
#include "blip-figures.h"
#include "blip-progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ACC (%) in the BLIP paper (Shi et al., CVPR 2021): its MNIST-5 table
 * (Table 1) and P-MNIST table (Table 2), as quoted in this project's brief
 * and README (BLIP's own MNIST-5 and P-MNIST figures also appear in
 * README.md's benchmark table). The reference repository's README gives no
 * numbers ("please check our paper"), so only these are listed. Keys are
 * approach names; IMM is listed under both names its implementations use
 * (the reference's approaches/imm_mode.py is "imm-mode"). The paper's EWC is
 * the original EWC; ours is online EWC. */
static const struct {
  const char *experiment;
  const char *approach;
  double      acc;
} paper_acc[] = {
  { "mnist5", "ewc", 95.78 },
  { "mnist5", "hat", 99.59 },
  { "mnist5", "blip", 99.64 },
  { "pmnist", "lwf", 65.65 },
  { "pmnist", "imm", 90.51 },
  { "pmnist", "imm-mode", 90.51 },
  { "pmnist", "hat", 97.34 },
  { "pmnist", "blip", 97.31 },
};

static double
paper_figure (const char *experiment, const char *approach)
{
  for (gsize i = 0; i < G_N_ELEMENTS (paper_acc); i++)
    if (strcmp (paper_acc[i].experiment, experiment) == 0 && strcmp (paper_acc[i].approach, approach) == 0)
      return paper_acc[i].acc;
  return NAN;
}

static const char *const source_names[] = { "reused", "trained", "resumed", "complete" };

gboolean
blip_table_is_games (const char *experiment)
{
  BlipConfig config = { .experiment = (char *) experiment };
  return blip_config_is_rl (&config);
}

void
blip_table_row_clear (TableRow *row)
{
  g_free (row->dir);
  g_strfreev (row->run_argv);
  g_free (row->memory_per_task);
  g_free (row->settings);
}

/* ---- Reading a run's results ------------------------------------------------------ */

static gboolean
member_bool (const BlipJson *o, const char *key, gboolean *out)
{
  const BlipJson *v = blip_json_get (o, key);
  if (v == NULL || v->type != BLIP_JSON_BOOL)
    return FALSE;
  *out = v->boolean;
  return TRUE;
}

static gboolean
member_uint (const BlipJson *o, const char *key, guint64 *out)
{
  const BlipJson *v = blip_json_get (o, key);
  return v != NULL && blip_json_as_uint64 (v, out);
}

static gboolean
malformed (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s; remove the file (or its folder) to run "
               "this method again", path, what);
  return FALSE;
}

/* Training time (all of blip_trainer_step, across resumes) from timing.json;
 * NaN when the file is absent or lacks it. */
static double
read_seconds (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "timing.json", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return NAN;
  g_autoptr(BlipJson) json = blip_json_parse (text, len, NULL);
  double s = NAN;
  if (json == NULL || !blip_json_get_number (json, "train_seconds", &s) || !(s >= 0))
    return NAN;
  return s;
}

/* Reads DIR/results.json into row when it is complete. A file that is not a
 * results.json of this experiment, approach and seed is refused with an
 * error naming it. */
gboolean
blip_table_read_results (TableRow *row, const char *experiment, guint64 seed, TableResultsState *state, GError **error)
{
  g_autofree char *path = g_build_filename (row->dir, "results.json", NULL);
  *state = RESULTS_ABSENT;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s", local->message);
      return FALSE;
    }
  g_autoptr(BlipJson) json = blip_json_parse (text, len, &local);
  if (json == NULL)
    {
      g_autofree char *what = g_strdup_printf ("not valid JSON (%s)", local->message);
      return malformed (error, path, what);
    }
  if (json->type != BLIP_JSON_OBJECT)
    return malformed (error, path, "expected a JSON object");
  const char *format = NULL, *exp = NULL, *approach = NULL;
  if (!blip_json_get_string (json, "format", &format) ||
      (strcmp (format, "blip-results/1") != 0 && strcmp (format, BLIP_RESULTS_FORMAT) != 0))
    return malformed (error, path, "“format” is missing or not blip-results/1 or " BLIP_RESULTS_FORMAT);
  gboolean v1 = strcmp (format, "blip-results/1") == 0;
  guint64 file_seed = 0, n_tasks = 0, completed = 0;
  gboolean complete = FALSE;
  if (!blip_json_get_string (json, "experiment", &exp) || !blip_json_get_string (json, "approach", &approach) ||
      !member_uint (json, "seed", &file_seed))
    return malformed (error, path, "“experiment”, “approach” or “seed” is missing or of the wrong type");
  if (strcmp (exp, experiment) != 0 || strcmp (approach, row->klass->name) != 0 || file_seed != seed)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: a run of %s with %s, seed %" G_GUINT64_FORMAT "; this table is of %s with %s, seed %"
                   G_GUINT64_FORMAT " (use another --output, or move the folder away)", path, exp, approach,
                   file_seed, experiment, row->klass->name, seed);
      return FALSE;
    }
  /* The settings the run was made with, for the table's notes. Only notes:
   * results saved without a configuration, or with one that an older
   * version wrote and this one no longer accepts, keep their numbers. */
  const BlipJson *config_json = blip_json_get (json, "config");
  BlipConfig config;
  blip_config_init_defaults (&config);
  if (config_json != NULL && blip_config_from_json_object (&config, config_json, NULL))
    {
      /* The run's identity is the file's, whatever the object says. */
      g_free (config.experiment);
      config.experiment = g_strdup (exp);
      g_free (config.approach);
      config.approach = g_strdup (approach);
      g_free (row->settings);
      row->settings = blip_run_settings_text (&config);
    }
  blip_config_clear (&config);
  if (!member_bool (json, "complete", &complete) || !member_uint (json, "n_tasks", &n_tasks) ||
      !member_uint (json, "tasks_completed", &completed) || n_tasks < 1 || n_tasks > 1000 || completed > n_tasks)
    return malformed (error, path, "“complete”, “n_tasks” or “tasks_completed” is missing or out of range");
  if (!complete || completed < n_tasks)
    {
      row->tasks_completed = (int) completed;
      row->tasks_total = (int) n_tasks;
      *state = RESULTS_PARTIAL;
      return TRUE;
    }

  double acc, bwt_paper, bwt_code;
  guint64 memory;
  /* Games report mean returns (any finite number of points), the others a
   * fraction of the test set. */
  gboolean games = blip_table_is_games (experiment);
  if (!blip_json_get_number (json, "ACC", &acc) || !blip_json_get_number (json, "BWT_paper", &bwt_paper) ||
      !blip_json_get_number (json, "BWT_code", &bwt_code) || !(games ? isfinite (acc) : acc >= 0 && acc <= 1) ||
      !isfinite (bwt_paper) || !isfinite (bwt_code))
    return malformed (error, path, games ? "“ACC”, “BWT_paper” or “BWT_code” is missing or not a number"
                                         : "“ACC”, “BWT_paper” or “BWT_code” is missing or not a number in range");
  if (!member_uint (json, "strategy_memory_bytes", &memory) || memory > G_MAXINT64)
    return malformed (error, path, "“strategy_memory_bytes” is missing or not a byte count");
  g_autofree gint64 *per_task = g_new (gint64, n_tasks);
  for (guint64 t = 0; t < n_tasks; t++)
    per_task[t] = -1;
  if (!v1)
    {
      const BlipJson *list = blip_json_get (json, "memory_bytes_per_task");
      if (list == NULL || list->type != BLIP_JSON_ARRAY || list->items->len != n_tasks)
        return malformed (error, path, "“memory_bytes_per_task” is missing or not a list of one byte count per task");
      for (guint64 t = 0; t < n_tasks; t++)
        {
          const BlipJson *item = g_ptr_array_index (list->items, t);
          guint64 bytes;
          if (!blip_json_as_uint64 (item, &bytes) || bytes > G_MAXINT64)
            return malformed (error, path, "“memory_bytes_per_task” holds something other than a byte count");
          per_task[t] = (gint64) bytes;
        }
      memory = (guint64) per_task[n_tasks - 1];
    }
  row->n_tasks = (int) n_tasks;
  row->acc = acc;
  row->bwt_paper = bwt_paper;
  row->bwt_code = bwt_code;
  row->memory = (gint64) memory;
  g_free (row->memory_per_task);
  row->memory_per_task = g_steal_pointer (&per_task);
  row->seconds = read_seconds (row->dir);
  row->done = TRUE;
  *state = RESULTS_COMPLETE;
  return TRUE;
}

/* ---- The table ------------------------------------------------------------------------ */

/* Whether the method's memory changed from task to task, and by how much on
 * average: -1 unknown. */
static gint64
memory_growth (const TableRow *row)
{
  if (row->memory_per_task == NULL || row->n_tasks < 2 || row->memory_per_task[0] < 0)
    return -1;
  return (row->memory_per_task[row->n_tasks - 1] - row->memory_per_task[0]) / (row->n_tasks - 1);
}

static char *
growth_text (const TableRow *row)
{
  gint64 growth = memory_growth (row);
  if (!row->done || growth < 0)
    return g_strdup ("—");
  if (growth == 0)
    {
      gboolean same = TRUE;
      for (int t = 1; t < row->n_tasks; t++)
        same = same && row->memory_per_task[t] == row->memory_per_task[0];
      if (same)
        return g_strdup ("constant");
    }
  g_autofree char *bytes = blip_format_bytes (growth);
  return g_strdup_printf ("+%s/task", bytes);
}

/* Pads to `width` characters, counting UTF-8 characters, not bytes. */
static void
append_cell (GString *out, const char *text, int width, gboolean right)
{
  int pad = width - (int) g_utf8_strlen (text, -1);
  if (right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, text);
  if (!right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
}

enum { COL_METHOD, COL_ACC, COL_BWT, COL_MEMORY, COL_GROWTH, COL_TIME, COL_PAPER, COL_SOURCE, N_COLS };

static const char *const column_heads[N_COLS] = { "Method", "ACC (%)", "BWT (%)", "Memory", "Memory growth",
                                                  "Train time", "Paper ACC (%)", "Run" };

/* Games: returns in points where the others have percentages. */
static const char *
column_head (int c, gboolean games)
{
  if (games && c == COL_ACC)
    return "Return";
  if (games && c == COL_BWT)
    return "BWT (return)";
  return column_heads[c];
}

/* ACC or BWT as shown: a percentage, or for games a return in points. */
static double
shown_value (double v, gboolean games)
{
  return games ? v : 100 * v;
}

/* Text columns read left to right; numbers line up on the right. */
static gboolean
column_is_text (int c)
{
  return c == COL_METHOD || c == COL_SOURCE || c == COL_GROWTH;
}

/* The row's state as one word, as table.csv and table.json record it:
 * how the numbers were obtained, or why there are none (yet). */
static const char *
row_status (const TableRow *r)
{
  if (r->done)
    return source_names[r->source];
  if (r->running)
    return "running";
  if (r->failed)
    return "failed";
  if (r->interrupted)
    return "interrupted";
  return r->unfinished ? "unfinished" : "not-run";
}

/* Whether the row is a run begun but not finished whose tasks done are
 * known: the report and table.json then give them. */
static gboolean
row_has_progress (const TableRow *r)
{
  return r->tasks_total > 0 && blip_table_status_has_progress (row_status (r));
}

/* What the Run column says: the row's status for a reader. An unfinished run
 * says how far it got, so that --report shows a long table's progress at a
 * glance. */
static char *
run_text (const TableRow *r)
{
  return blip_table_status_text (row_status (r), r->tasks_completed, r->tasks_total);
}

/* Fills cells[N_COLS] with row r's text, as both layouts show it. */
static void
row_cells (const TableRow *r, const char *experiment, char **cells)
{
  double paper = paper_figure (experiment, r->klass->name);
  gboolean games = blip_table_is_games (experiment);
  cells[COL_METHOD] = blip_strategy_label (r->klass->title, r->klass->name);
  cells[COL_ACC] = r->done ? g_strdup_printf ("%.2f", shown_value (r->acc, games))
                           : g_strdup (r->failed ? "failed" : "—");
  cells[COL_BWT] = r->done ? g_strdup_printf ("%.2f", shown_value (r->bwt_paper, games)) : g_strdup ("—");
  cells[COL_MEMORY] = blip_format_bytes (r->done ? r->memory : -1);
  cells[COL_GROWTH] = growth_text (r);
  cells[COL_TIME] = blip_format_duration (r->done ? r->seconds : NAN, "—", 1);
  cells[COL_PAPER] = isnan (paper) ? g_strdup ("—") : g_strdup_printf ("%.2f", paper);
  cells[COL_SOURCE] = run_text (r);
}

static void
trim_trailing_blanks (GString *out)
{
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
}

char *
blip_table_text (TableRow *rows, int n, const char *experiment)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  gboolean games = blip_table_is_games (experiment);
  int width[N_COLS];
  for (int c = 0; c < N_COLS; c++)
    width[c] = (int) g_utf8_strlen (column_head (c, games), -1);
  for (int i = 0; i < n; i++)
    {
      char *row[N_COLS];
      row_cells (&rows[i], experiment, row);
      for (int c = 0; c < N_COLS; c++)
        {
          width[c] = MAX (width[c], (int) g_utf8_strlen (row[c], -1));
          g_ptr_array_add (cells, row[c]);
        }
    }
  GString *out = g_string_new (NULL);
  for (int c = 0; c < N_COLS; c++)
    {
      g_string_append (out, c ? "  " : "");
      append_cell (out, column_head (c, games), width[c], !column_is_text (c));
    }
  trim_trailing_blanks (out);
  g_string_append_c (out, '\n');
  for (int c = 0; c < N_COLS; c++)
    {
      g_string_append (out, c ? "  " : "");
      for (int k = 0; k < width[c]; k++)
        g_string_append (out, "─");
    }
  g_string_append_c (out, '\n');
  for (int i = 0; i < n; i++)
    {
      for (int c = 0; c < N_COLS; c++)
        {
          g_string_append (out, c ? "  " : "");
          append_cell (out, g_ptr_array_index (cells, i * N_COLS + c), width[c], !column_is_text (c));
        }
      /* Trailing blanks of the last column serve nothing. */
      trim_trailing_blanks (out);
      g_string_append_c (out, '\n');
    }
  g_ptr_array_free (cells, TRUE);
  return g_string_free (out, FALSE);
}

/* The same table in Markdown (table.md), to paste into a README or a report.
 * Cells hold no "|", so none needs escaping. */
char *
blip_table_markdown (TableRow *rows, int n, const char *experiment)
{
  GString *out = g_string_new ("|");
  gboolean games = blip_table_is_games (experiment);
  for (int c = 0; c < N_COLS; c++)
    g_string_append_printf (out, " %s |", column_head (c, games));
  g_string_append (out, "\n|");
  for (int c = 0; c < N_COLS; c++)
    g_string_append (out, column_is_text (c) ? " --- |" : " ---: |");
  g_string_append_c (out, '\n');
  for (int i = 0; i < n; i++)
    {
      char *row[N_COLS];
      row_cells (&rows[i], experiment, row);
      g_string_append_c (out, '|');
      for (int c = 0; c < N_COLS; c++)
        {
          g_string_append_printf (out, " %s |", row[c]);
          g_free (row[c]);
        }
      g_string_append_c (out, '\n');
    }
  /* What each method ran with, so the table can be read and rerun. */
  gboolean any = FALSE;
  for (int i = 0; i < n; i++)
    any |= rows[i].settings != NULL;
  if (any)
    g_string_append (out, "\nSettings of each run (`blip run` flags; the rest are the experiment's preset):\n\n");
  for (int i = 0; i < n; i++)
    if (rows[i].settings != NULL)
      {
        g_autofree char *label = blip_strategy_label (rows[i].klass->title, rows[i].klass->name);
        g_string_append_printf (out, "- %s: %s\n", label, rows[i].settings);
      }
  return g_string_free (out, FALSE);
}

/* ---- The figure ------------------------------------------------------------------ */

typedef struct {
  const char        *title;
  BlipMethodSummary *rows;
  int                n;
  gboolean           returns;
} MethodsFigure;

static void
draw_methods (cairo_t *cr, int width, int height, gpointer data)
{
  const MethodsFigure *f = data;
  blip_figure_methods (cr, width, height, f->title, f->rows, f->n, f->returns, FALSE);
}

gboolean
blip_table_write_figures (TableRow *rows, int n, const char *experiment, const char *title, const char *dir,
                          GError **error)
{
  BlipMethodSummary *summary = g_new0 (BlipMethodSummary, n);
  char **labels = g_new0 (char *, n + 1);
  char **states = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    {
      const TableRow *r = &rows[i];
      labels[i] = blip_strategy_label (r->klass->title, r->klass->name);
      states[i] = run_text (r);
      summary[i] = (BlipMethodSummary) {
        .label = labels[i],
        .status = states[i],
        .acc = r->done ? r->acc : NAN,
        .bwt = r->done ? r->bwt_paper : NAN,
        .paper_acc = paper_figure (experiment, r->klass->name),
        .memory_per_task = r->done ? r->memory_per_task : NULL,
        .n_tasks = r->done ? r->n_tasks : 0,
      };
    }
  MethodsFigure figure = { title, summary, n, blip_table_is_games (experiment) };
  /* Tall enough for every method's bar at a legible size. */
  int width = 1200, height = 160 + 46 * n;
  gboolean ok = TRUE;
  static const char *const names[] = { "table.png", "table.svg", "table.pdf" };
  for (gsize k = 0; k < G_N_ELEMENTS (names) && ok; k++)
    {
      g_autofree char *path = g_build_filename (dir, names[k], NULL);
      ok = blip_figure_export (path, width, height, draw_methods, &figure, error);
    }
  g_strfreev (labels);
  g_strfreev (states);
  g_free (summary);
  return ok;
}

static void
csv_field (GString *out, const char *text)
{
  if (strpbrk (text, ",\"\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_number (GString *out, const char *format, double v)
{
  g_string_append_c (out, ',');
  if (isfinite (v))
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, v));
    }
}

char *
blip_table_csv (TableRow *rows, int n, const char *experiment)
{
  /* Games: the same columns, in points of return. */
  gboolean games = blip_table_is_games (experiment);
  GString *o = g_string_new (games ? "approach,title,status,tasks,mean_return,bwt_paper_return,bwt_code_return,"
                                   : "approach,title,status,tasks,acc_percent,bwt_paper_percent,bwt_code_percent,");
  g_string_append (o, "memory_bytes,memory_bytes_per_task,memory_growth_bytes_per_task,time_seconds,"
                      "paper_acc_percent,results,settings\n");
  for (int i = 0; i < n; i++)
    {
      const TableRow *r = &rows[i];
      csv_field (o, r->klass->name);
      g_string_append_c (o, ',');
      csv_field (o, r->klass->title);
      g_string_append_printf (o, ",%s,", row_status (r));
      if (r->done)
        g_string_append_printf (o, "%d", r->n_tasks);
      csv_number (o, "%.4f", r->done ? shown_value (r->acc, games) : NAN);
      csv_number (o, "%.4f", r->done ? shown_value (r->bwt_paper, games) : NAN);
      csv_number (o, "%.4f", r->done ? shown_value (r->bwt_code, games) : NAN);
      g_string_append_c (o, ',');
      if (r->done)
        g_string_append_printf (o, "%" G_GINT64_FORMAT, r->memory);
      /* One figure per task, space-separated, so the field needs no quotes. */
      g_string_append_c (o, ',');
      for (int t = 0; r->done && t < r->n_tasks && r->memory_per_task[t] >= 0; t++)
        g_string_append_printf (o, "%s%" G_GINT64_FORMAT, t ? " " : "", r->memory_per_task[t]);
      g_string_append_c (o, ',');
      if (r->done && memory_growth (r) >= 0)
        g_string_append_printf (o, "%" G_GINT64_FORMAT, memory_growth (r));
      csv_number (o, "%.3f", r->done ? r->seconds : NAN);
      csv_number (o, "%.2f", paper_figure (experiment, r->klass->name));
      g_string_append_c (o, ',');
      g_autofree char *results = g_build_filename (r->dir, "results.json", NULL);
      csv_field (o, results);
      g_string_append_c (o, ',');
      if (r->settings != NULL)
        csv_field (o, r->settings);
      g_string_append_c (o, '\n');
    }
  return g_string_free (o, FALSE);
}

static void
json_kv_number (GString *o, const char *key, double v, gboolean comma)
{
  g_string_append_printf (o, "\"%s\": ", key);
  blip_json_append_double (o, v);
  g_string_append (o, comma ? ", " : "");
}

char *
blip_table_json (TableRow *rows, int n, const char *experiment, guint64 seed)
{
  /* Read back by blip_table_file_load (the app's Methods view). */
  GString *o = g_string_new ("{\n  \"format\": \"" BLIP_TABLE_FORMAT "\",\n  \"experiment\": ");
  blip_json_append_string (o, experiment);
  g_string_append_printf (o, ",\n  \"seed\": %" G_GUINT64_FORMAT ",\n", seed);
  /* What ACC and BWT measure: a fraction of the test set, or (games) mean
   * evaluation returns in points. */
  g_string_append_printf (o, "  \"metric\": \"%s\",\n", blip_table_is_games (experiment) ? "return" : "accuracy");
  g_string_append (o, "  \"memory\": \"bytes of state each method keeps beyond the network's parameters, "
                      "after each task (see src/strategies/blip-strategy.h)\",\n");
  g_string_append (o, "  \"paper\": \"ACC (%) from the BLIP paper's MNIST-5 and P-MNIST tables\",\n");
  g_string_append (o, "  \"rows\": [\n");
  for (int i = 0; i < n; i++)
    {
      const TableRow *r = &rows[i];
      g_string_append (o, "    {\"approach\": ");
      blip_json_append_string (o, r->klass->name);
      g_string_append (o, ", \"title\": ");
      blip_json_append_string (o, r->klass->title);
      g_string_append (o, ", \"status\": ");
      blip_json_append_string (o, row_status (r));
      g_string_append (o, ", ");
      if (r->done)
        {
          g_string_append_printf (o, "\"n_tasks\": %d, ", r->n_tasks);
          json_kv_number (o, "ACC", r->acc, TRUE);
          json_kv_number (o, "BWT_paper", r->bwt_paper, TRUE);
          json_kv_number (o, "BWT_code", r->bwt_code, TRUE);
          g_string_append_printf (o, "\"memory_bytes\": %" G_GINT64_FORMAT ", \"memory_bytes_per_task\": ",
                                  r->memory);
          if (r->memory_per_task[0] < 0)
            g_string_append (o, "null");
          else
            {
              g_string_append_c (o, '[');
              for (int t = 0; t < r->n_tasks; t++)
                g_string_append_printf (o, "%s%" G_GINT64_FORMAT, t ? ", " : "", r->memory_per_task[t]);
              g_string_append_c (o, ']');
            }
          g_string_append (o, ", ");
          json_kv_number (o, "time_seconds", r->seconds, TRUE);
        }
      else if (row_has_progress (r))
        g_string_append_printf (o, "\"tasks_completed\": %d, \"tasks_total\": %d, ", r->tasks_completed,
                                r->tasks_total);
      json_kv_number (o, "paper_ACC_percent", paper_figure (experiment, r->klass->name), TRUE);
      g_autofree char *results = g_build_filename (r->dir, "results.json", NULL);
      if (r->settings != NULL)
        {
          g_string_append (o, "\"settings\": ");
          blip_json_append_string (o, r->settings);
          g_string_append (o, ", ");
        }
      g_string_append (o, "\"results\": ");
      blip_json_append_string (o, results);
      g_string_append (o, i + 1 < n ? "},\n" : "}\n");
    }
  g_string_append (o, "  ]\n}\n");
  return g_string_free (o, FALSE);
}
