/* blip-results.c — metrics, results.json and acc_matrix.csv. */
#include "blip-results.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>
#include <string.h>

void
blip_metrics_compute (const double *acc, int T, int last, BlipMetrics *m)
{
  double sum = 0.0, bwt = 0.0;
  for (int j = 0; j <= last; j++)
    {
      sum += acc[last * T + j];
      bwt += acc[last * T + j] - acc[j * T + j];
    }
  m->acc = sum / (last + 1);
  m->bwt_paper = last > 0 ? bwt / last : 0.0;
  m->bwt_code = bwt / (last + 1);
}

double
blip_trainer_used_capacity (BlipTrainer *trainer)
{
  guint64 used, total;
  blip_network_capacity (blip_trainer_get_network (trainer), &used, &total);
  return total ? (double) used / total : 0.0;
}

char *
blip_format_bytes (gint64 bytes)
{
  if (bytes < 0)
    return g_strdup ("—");
  if (bytes < 1024)
    return g_strdup_printf ("%" G_GINT64_FORMAT " B", bytes);
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
  double v = bytes / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u + 1 < (int) G_N_ELEMENTS (units))
    v /= 1024.0, u++;
  return g_strdup_printf ("%.2f %s", v, units[u]);
}

void
blip_json_append_double (GString *out, double v)
{
  if (!isfinite (v))
    {
      g_string_append (out, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* Shortest representation that reads back to the same double. */
  for (int prec = 15; prec <= 17; prec++)
    {
      g_ascii_formatd (buf, sizeof buf, prec == 17 ? "%.17g" : (prec == 16 ? "%.16g" : "%.15g"), v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (out, buf);
}

void
blip_json_append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s ? s : ""; *p; p++)
    {
      unsigned char c = *p;
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

static void
kv_double (GString *out, const char *indent, const char *key, double v, gboolean comma)
{
  g_string_append_printf (out, "%s\"%s\": ", indent, key);
  blip_json_append_double (out, v);
  g_string_append (out, comma ? ",\n" : "\n");
}

static void
kv_int (GString *out, const char *indent, const char *key, gint64 v, gboolean comma)
{
  g_string_append_printf (out, "%s\"%s\": %" G_GINT64_FORMAT "%s\n", indent, key, v, comma ? "," : "");
}

static void
kv_string (GString *out, const char *indent, const char *key, const char *v, gboolean comma)
{
  g_string_append_printf (out, "%s\"%s\": ", indent, key);
  blip_json_append_string (out, v);
  g_string_append (out, comma ? ",\n" : "\n");
}

static void
append_matrix (GString *out, const double *m, int T)
{
  g_string_append (out, "[\n");
  for (int i = 0; i < T; i++)
    {
      g_string_append (out, "    [");
      for (int j = 0; j < T; j++)
        {
          if (j)
            g_string_append (out, ", ");
          blip_json_append_double (out, m[i * T + j]);
        }
      g_string_append (out, i + 1 < T ? "],\n" : "]\n");
    }
  g_string_append (out, "  ]");
}

/* Game experiments: the evaluation curve and the normalised accumulated
 * reward of the paper's Figure 4. The reference repository has no plotting
 * code; following the paper (and UCL's Atari figure it reproduces), each
 * game's evaluation return is divided by the largest evaluation return seen
 * on that game during the run, and the curve sums the normalised returns of
 * the games trained so far (the current one included) at every point. */
void
blip_results_normalized_reward (const double *curve, guint n, int T, double *best, double *out)
{
  int W = 2 + T;
  for (int j = 0; j < T; j++)
    {
      best[j] = NAN;
      for (guint k = 0; k < n; k++)
        {
          double r = curve[k * W + 2 + j];
          if (!isnan (r) && (isnan (best[j]) || r > best[j]))
            best[j] = r;
        }
    }
  for (guint k = 0; k < n; k++)
    {
      double sum = 0.0;
      for (int j = 0; j <= (int) curve[k * W] && j < T; j++)
        {
          double r = curve[k * W + 2 + j];
          if (!isnan (r) && best[j] > 0)
            sum += r / best[j];
        }
      out[k] = sum;
    }
}

/* Game experiments: the evaluation curve and the normalised accumulated
 * reward of the paper's Figure 4. The reference repository has no plotting
 * code; following the paper (and UCL's Atari figure it reproduces), each
 * game's evaluation return is divided by the largest evaluation return seen
 * on that game during the run, and the curve sums the normalised returns of
 * the games trained so far (the current one included) at every point. */
static void
append_rl_curve (GString *o, BlipTrainer *tr)
{
  int T = blip_trainer_get_n_tasks (tr);
  guint n;
  const double *curve = blip_trainer_rl_get_curve (tr, &n);
  int W = 2 + T;
  g_autofree double *best = g_new (double, T);
  g_autofree double *nar = g_new (double, n + 1);
  blip_results_normalized_reward (curve, n, T, best, nar);
  g_string_append (o, "  \"curve\": {\n    \"task\": [");
  for (guint k = 0; k < n; k++)
    g_string_append_printf (o, "%s%d", k ? ", " : "", (int) curve[k * W]);
  g_string_append (o, "],\n    \"frames\": [");
  for (guint k = 0; k < n; k++)
    g_string_append_printf (o, "%s%.0f", k ? ", " : "", curve[k * W + 1]);
  g_string_append (o, "],\n    \"returns\": [");
  for (guint k = 0; k < n; k++)
    {
      g_string_append (o, k ? ", [" : "[");
      for (int j = 0; j < T; j++)
        {
          g_string_append (o, j ? ", " : "");
          blip_json_append_double (o, curve[k * W + 2 + j]);
        }
      g_string_append (o, "]");
    }
  g_string_append (o, "],\n    \"normalizer\": [");
  for (int j = 0; j < T; j++)
    {
      g_string_append (o, j ? ", " : "");
      blip_json_append_double (o, best[j]);
    }
  g_string_append (o, "],\n    \"normalized_accumulated_reward\": [");
  for (guint k = 0; k < n; k++)
    {
      g_string_append (o, k ? ", " : "");
      blip_json_append_double (o, nar[k]);
    }
  g_string_append (o, "]\n  },\n");
}

char *
blip_results_json (BlipTrainer *tr)
{
  const BlipConfig *c = blip_trainer_get_config (tr);
  BlipExperiment *e = blip_trainer_get_experiment (tr);
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *strategy = blip_trainer_get_strategy (tr);
  int T = blip_trainer_get_n_tasks (tr);
  int last = blip_trainer_get_tasks_done (tr) - 1;
  const double *acc = blip_trainer_get_acc_matrix (tr);
  GString *o = g_string_new ("{\n");

  kv_string (o, "  ", "format", BLIP_RESULTS_FORMAT, TRUE);
  kv_string (o, "  ", "experiment", c->experiment, TRUE);
  kv_string (o, "  ", "approach", c->approach, TRUE);
  kv_int (o, "  ", "seed", (gint64) c->seed, TRUE);
  kv_int (o, "  ", "tasks_completed", last + 1, TRUE);
  /* An interrupted run's results say so, so they are never taken for a whole run. */
  g_string_append_printf (o, "  \"complete\": %s,\n", last + 1 == T ? "true" : "false");
  kv_int (o, "  ", "n_tasks", T, TRUE);

  g_string_append (o, "  \"config\": ");
  blip_config_append_json (o, c, "  ");
  g_string_append (o, ",\n");

  g_string_append (o, "  \"tasks\": [");
  for (int t = 0; t < T; t++)
    {
      g_string_append (o, t ? ", " : "");
      g_string_append_printf (o, "{\"name\": \"%s\", \"classes\": %d, \"train\": %d, \"valid\": %d, "
                              "\"test\": %d, \"nan_stop\": %s}",
                              e->tasks[t].name, e->tasks[t].ncla, e->tasks[t].train.n,
                              e->tasks[t].valid.n, e->tasks[t].test.n,
                              blip_trainer_task_hit_nan (tr, t) ? "true" : "false");
    }
  g_string_append (o, "],\n");

  gboolean rl = blip_trainer_is_rl (tr);
  /* Game experiments: R[i][j] is the mean evaluation return on game j after
   * training game i, and the "loss" the mean evaluation episode length. */
  g_string_append (o, rl ? "  \"reward_matrix\": " : "  \"acc_matrix\": ");
  append_matrix (o, acc, T);
  g_string_append (o, rl ? ",\n  \"episode_length_matrix\": " : ",\n  \"loss_matrix\": ");
  append_matrix (o, blip_trainer_get_loss_matrix (tr), T);
  g_string_append (o, ",\n");
  if (rl)
    {
      /* R[last][j] / R[j][j]: the share of each game's end-of-task return kept
       * (meaningful for games whose returns are not negative, as MinAtar's). */
      g_string_append (o, "  \"return_kept\": [");
      for (int j = 0; j < T; j++)
        {
          g_string_append (o, j ? ", " : "");
          /* null where the game ended its task with no positive return */
          blip_json_append_double (o, last >= j && acc[j * T + j] > 0 ? acc[last * T + j] / acc[j * T + j] : NAN);
        }
      g_string_append (o, "],\n");
      kv_int (o, "  ", "frames", blip_trainer_rl_get_frames (tr), TRUE);
      append_rl_curve (o, tr);
    }

  BlipMetrics m = { NAN, NAN, NAN };
  if (last >= 0)
    blip_metrics_compute (acc, T, last, &m);
  kv_double (o, "  ", "ACC", m.acc, TRUE);
  kv_double (o, "  ", "BWT_paper", m.bwt_paper, TRUE);
  kv_double (o, "  ", "BWT_code", m.bwt_code, TRUE);
  kv_double (o, "  ", "used_capacity", blip_trainer_used_capacity (tr), TRUE);
  kv_int (o, "  ", "strategy_memory_bytes", (gint64) blip_strategy_memory_bytes (strategy), TRUE);
  g_string_append (o, "  \"memory_bytes_per_task\": [");
  for (int t = 0; t < T; t++)
    {
      gint64 bytes = blip_trainer_get_memory_bytes (tr, t);
      g_string_append (o, t ? ", " : "");
      if (bytes < 0)
        g_string_append (o, "null");
      else
        g_string_append_printf (o, "%" G_GINT64_FORMAT, bytes);
    }
  g_string_append (o, "],\n");
  kv_int (o, "  ", "n_params", (gint64) net->n_params, TRUE);

  g_string_append (o, "  \"capacity\": {");
  gboolean first = TRUE;
  for (int l = 0; l < net->n_layers; l++)
    {
      if (net->layers[l].quant == NULL)
        continue;
      g_string_append_printf (o, "%s\"%s\": [", first ? "" : ", ", net->layers[l].name);
      first = FALSE;
      for (int t = 0; t < T; t++)
        {
          g_string_append (o, t ? ", " : "");
          blip_json_append_double (o, blip_trainer_get_capacity (tr, t, l));
        }
      g_string_append (o, "]");
    }
  g_string_append (o, "},\n");

  guint n_hist;
  const BlipEpochRecord *h = blip_trainer_get_history (tr, &n_hist);
  g_string_append (o, "  \"history\": [\n");
  for (guint i = 0; i < n_hist; i++)
    {
      g_string_append_printf (o, "    {\"task\": %d, \"epoch\": %d, \"train_loss\": ", h[i].task, h[i].epoch + 1);
      blip_json_append_double (o, h[i].train_loss);
      g_string_append (o, rl ? ", \"train_return\": " : ", \"train_acc\": ");
      blip_json_append_double (o, h[i].train_acc);
      if (!rl)
        {
          g_string_append (o, ", \"valid_loss\": ");
          blip_json_append_double (o, h[i].valid_loss);
        }
      g_string_append (o, rl ? ", \"eval_return\": " : ", \"valid_acc\": ");
      blip_json_append_double (o, h[i].valid_acc);
      g_string_append (o, ", \"lr\": ");
      blip_json_append_double (o, h[i].lr);
      g_string_append (o, i + 1 < n_hist ? "},\n" : "}\n");
    }
  g_string_append (o, "  ]\n}\n");
  return g_string_free (o, FALSE);
}

char *
blip_results_csv (BlipTrainer *tr)
{
  BlipExperiment *e = blip_trainer_get_experiment (tr);
  int T = blip_trainer_get_n_tasks (tr);
  const double *acc = blip_trainer_get_acc_matrix (tr);
  /* Game experiments: the cells are mean evaluation returns. */
  GString *o = g_string_new (blip_trainer_is_rl (tr) ? "after_task\\return_on" : "after_task");
  for (int j = 0; j < T; j++)
    g_string_append_printf (o, ",%s", e->tasks[j].name);
  g_string_append_c (o, '\n');
  for (int i = 0; i < T; i++)
    {
      g_string_append (o, e->tasks[i].name);
      for (int j = 0; j < T; j++)
        {
          g_string_append_c (o, ',');
          if (!isnan (acc[i * T + j]))
            g_string_append_printf (o, "%.6f", acc[i * T + j]);
        }
      g_string_append_c (o, '\n');
    }
  return g_string_free (o, FALSE);
}

static gboolean
write_atomic (const char *dir, const char *name, const char *contents, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  /* CONSISTENT: a temporary file, fsync, then rename over the old one. */
  return g_file_set_contents_full (path, contents, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0644, error);
}

gboolean
blip_results_write (BlipTrainer *tr, const char *dir, const char *timing_extra, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create output directory %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  g_autofree char *json = blip_results_json (tr);
  g_autofree char *csv = blip_results_csv (tr);
  int T = blip_trainer_get_n_tasks (tr);
  GString *timing = g_string_new ("{\n");
  kv_double (timing, "  ", "train_seconds", blip_trainer_get_elapsed (tr), TRUE);
  g_string_append (timing, "  \"consolidation_seconds\": [");
  for (int t = 0; t < T; t++)
    {
      g_string_append (timing, t ? ", " : "");
      blip_json_append_double (timing, blip_trainer_get_fisher_seconds (tr, t));
    }
  g_string_append (timing, "]");
  if (timing_extra != NULL && *timing_extra)
    g_string_append_printf (timing, ",\n  \"run\": %s", timing_extra);
  g_string_append (timing, "\n}\n");
  g_autofree char *timing_str = g_string_free (timing, FALSE);

  return write_atomic (dir, "results.json", json, error) &&
         write_atomic (dir, blip_trainer_is_rl (tr) ? "reward_matrix.csv" : "acc_matrix.csv", csv, error) &&
         write_atomic (dir, "timing.json", timing_str, error);
}
