/* blip-figures-charts.c — the information-gain view, the accuracy matrix, the
 * training curves, and writing every figure of a run to files. */
#include "blip-figures-private.h"
#include "blip-results.h"

#include <errno.h>
#include <math.h>

/* ---- Axes ----------------------------------------------------------------- */

typedef struct {
  double x, y, w, h;          /* plot area */
  double x0, x1, y0, y1;      /* data range */
  gboolean log_y;
} Axes;

static double
ax_x (const Axes *a, double v)
{
  return a->x + (v - a->x0) / (a->x1 - a->x0) * a->w;
}

static double
ax_y (const Axes *a, double v)
{
  if (a->log_y)
    v = log10 (MAX (v, 1e-30));
  return a->y + a->h - (v - a->y0) / (a->y1 - a->y0) * a->h;
}

static void
draw_axes (cairo_t *cr, const Axes *a, const char *title, double font)
{
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, a->x, a->y, a->w, a->h);
  cairo_stroke (cr);
  figure_text (cr, a->x, a->y - 5, font, ALIGN_LEFT, TRUE, title);
  for (int i = 0; i <= 2; i++)
    {
      double v = a->y0 + (a->y1 - a->y0) * i / 2;
      double y = a->y + a->h - a->h * i / 2;
      if (a->log_y)
        figure_textf (cr, a->x - 4, y + font / 3, font * 0.8, ALIGN_RIGHT, FALSE, "%.2g", pow (10, v));
      else
        figure_textf (cr, a->x - 4, y + font / 3, font * 0.8, ALIGN_RIGHT, FALSE, "%.3g", v);
    }
}

static void
draw_bars (cairo_t *cr, const Axes *a, const double *counts, int n, const double rgb[3])
{
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  for (int i = 0; i < n; i++)
    {
      if (counts[i] <= 0)
        continue;
      double x = a->x + a->w * i / n, bw = a->w / n;
      double top = ax_y (a, counts[i]);
      cairo_rectangle (cr, x + 1, top, MAX (1, bw - 2), a->y + a->h - top);
      cairo_fill (cr);
    }
}

/* ---- Information gain ------------------------------------------------------ */

void
blip_figure_info_gain (cairo_t *cr, int width, int height, const BlipSnapshot *s,
                       const BlipSnapshot *fisher, const BlipRunHistory *history, int layer,
                       gboolean high_contrast)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers || !s->layers[layer].quantized)
    {
      figure_message (cr, width, height, "Information gain appears when a BLIP task ends");
      return;
    }
  figure_background (cr, width, height);
  const BlipLayerSnapshot *l = &s->layers[layer];
  double font = CLAMP (height / 40.0, 10, 18);
  double rgb[3];
  int n_tasks = blip_run_history_n_tasks (history);
  int last = n_tasks - 1;

  /* Top left: histogram of the last task's IG, in bins of half a bit from −2 to max_bit. */
  Axes a = { 80, 40, width / 2.0 - 110, height / 2.0 - 80, 0, 1, 0, 1, TRUE };
  const float *ig = fisher && layer < fisher->n_layers ? fisher->layers[layer].info_gain : NULL;
  int ig_task = fisher ? fisher->task : -1;
  if (ig == NULL && last >= 0)
    {
      ig = run_history_layer_ig (history, last, layer);
      ig_task = last;
    }
  enum { NBINS = 48 };
  double counts[NBINS] = { 0 };
  double lo = -2, hi = l->max_bit;
  if (ig != NULL)
    for (gsize i = 0; i < l->n; i++)
      {
        if (!isfinite (ig[i]))
          continue;
        int b = (int) ((ig[i] - lo) / (hi - lo) * NBINS);
        counts[CLAMP (b, 0, NBINS - 1)]++;
      }
  double cmax = 1;
  for (int i = 0; i < NBINS; i++)
    cmax = MAX (cmax, counts[i]);
  a.y0 = 0;
  a.y1 = log10 (cmax) + 0.2;
  for (int i = 0; i < NBINS; i++)
    counts[i] = counts[i] > 0 ? counts[i] + 1e-9 : 0;
  g_autofree char *title = ig ? g_strdup_printf ("%s: IG of task %d (bits, −2 … %d)", l->name, ig_task + 1, l->max_bit)
                              : g_strdup_printf ("%s: IG appears when a task ends", l->name);
  draw_axes (cr, &a, title, font);
  blip_palette_task (MAX (ig_task, 0), rgb);
  if (ig != NULL)
    {
      /* log-scaled heights: counts span many orders of magnitude */
      for (int i = 0; i < NBINS; i++)
        if (counts[i] > 0)
          {
            double x = a.x + a.w * i / NBINS, bw = a.w / NBINS;
            double top = a.y + a.h - (log10 (counts[i] + 1) / a.y1) * a.h;
            cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle (cr, x + 1, top, MAX (1, bw - 2), a.y + a.h - top);
            cairo_fill (cr);
          }
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      double zx = a.x + a.w * (0 - lo) / (hi - lo);
      cairo_move_to (cr, zx, a.y);
      cairo_line_to (cr, zx, a.y + a.h);
      cairo_stroke (cr);
      figure_text (cr, zx + 3, a.y + a.h - 4, font * 0.8, ALIGN_LEFT, FALSE, "0");
    }

  /* Top right: bits added by the last task. */
  Axes b = { width / 2.0 + 70, 40, width / 2.0 - 100, height / 2.0 - 80, 0, 1, 0, 1, FALSE };
  double added[64] = { 0 };
  int nb = MIN (l->max_bit + 1, 64);
  const guint8 *now = last >= 0 ? run_history_layer_bits (history, last, layer) : NULL;
  const guint8 *before = last >= 1 ? run_history_layer_bits (history, last - 1, layer) : NULL;
  if (now != NULL)
    for (gsize i = 0; i < l->n; i++)
      {
        int d = now[i] - (before ? before[i] : 0);
        added[CLAMP (d, 0, nb - 1)]++;
      }
  double amax = 1;
  for (int i = 0; i < nb; i++)
    amax = MAX (amax, added[i]);
  b.y1 = log10 (amax + 1) + 0.2;
  g_autofree char *btitle = g_strdup_printf ("bits added by task %d (0 … %d)", MAX (last, 0) + 1, nb - 1);
  draw_axes (cr, &b, btitle, font);
  blip_palette_sequential (0.7, high_contrast, rgb);
  for (int i = 0; i < nb; i++)
    added[i] = added[i] > 0 ? log10 (added[i] + 1) : 0;
  Axes blin = b;
  blin.log_y = FALSE;
  draw_bars (cr, &blin, added, nb, rgb);

  /* Bottom: used capacity per layer across tasks. */
  Axes c = { 80, height / 2.0 + 30, width - 120, height / 2.0 - 70, 0, MAX (1, n_tasks), 0, 1, FALSE };
  draw_axes (cr, &c, "used capacity per layer after each task", font);
  for (int ly = 0; ly < s->n_layers; ly++)
    {
      if (!s->layers[ly].quantized)
        continue;
      blip_palette_task (ly + 4, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_set_line_width (cr, 2.5);
      for (int t = 0; t < n_tasks; t++)
        {
          double cap = run_history_capacity (history, t, ly);
          double x = c.x + c.w * (t + 0.5) / MAX (1, n_tasks), y = ax_y (&c, isfinite (cap) ? cap : 0);
          if (t == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      for (int t = 0; t < n_tasks; t++)
        {
          double cap = run_history_capacity (history, t, ly);
          double x = c.x + c.w * (t + 0.5) / MAX (1, n_tasks), y = ax_y (&c, isfinite (cap) ? cap : 0);
          cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
          cairo_fill (cr);
          figure_textf (cr, x, y - 8, font * 0.8, ALIGN_CENTER, FALSE, "%.1f%%", 100 * (isfinite (cap) ? cap : 0));
        }
      figure_text (cr, c.x + c.w - 4, c.y + 16 + 16 * ly, font * 0.9, ALIGN_RIGHT, TRUE, s->layers[ly].name);
    }
}

/* ---- Accuracy matrix -------------------------------------------------------- */

gboolean
blip_figure_is_reinforcement (const BlipSnapshot *s)
{
  /* The experiments blip_config_is_rl names: their tasks are games. */
  return s != NULL && (s->rl || g_strcmp0 (s->experiment, "minatar") == 0 ||
                        g_strcmp0 (s->experiment, "atari") == 0);
}

/* Game experiments: mean evaluation returns. Games score on different
 * scales, so each column is coloured relative to its own largest return. */
static void
reward_matrix (cairo_t *cr, const BlipSnapshot *s, double font, double top, double left, double size,
               gboolean high_contrast)
{
  int T = s->n_tasks, last = -1;
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_text (cr, left, font + 4, font, ALIGN_LEFT, TRUE, "Mean return on game j (columns) after training game i (rows)");
  for (int i = 0; i < T; i++)
    {
      figure_textf (cr, left + (i + 0.5) * size, top - 6, font * 0.8, ALIGN_CENTER, FALSE, "%d", i + 1);
      figure_textf (cr, left - 8, top + (i + 0.6) * size, font * 0.8, ALIGN_RIGHT, FALSE, "%d", i + 1);
    }
  for (int j = 0; j < T; j++)
    {
      double hi = 0.0;
      for (int i = 0; i < T; i++)
        if (isfinite (s->acc[i * T + j]))
          hi = MAX (hi, s->acc[i * T + j]);
      for (int i = 0; i < T; i++)
        {
          double x = left + j * size, y = top + i * size, v = s->acc[i * T + j];
          if (!isfinite (v))
            {
              cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
              cairo_rectangle (cr, x + 1, y + 1, size - 2, size - 2);
              cairo_fill (cr);
              continue;
            }
          last = MAX (last, i);
          double rgb[3];
          blip_palette_sequential (hi > 0 ? CLAMP (v / hi, 0.0, 1.0) : 0.0, high_contrast, rgb);
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_rectangle (cr, x + 1, y + 1, size - 2, size - 2);
          cairo_fill (cr);
          double light = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2];
          cairo_set_source_rgb (cr, light > 0.5 ? 0 : 1, light > 0.5 ? 0 : 1, light > 0.5 ? 0 : 1);
          figure_textf (cr, x + size / 2, y + size * 0.58, MIN (font, size / 3.2), ALIGN_CENTER, FALSE, "%.2f", v);
        }
    }
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  double ty = top + T * size + 1.6 * font;
  if (last < 0)
    {
      figure_text (cr, left, ty, font, ALIGN_LEFT, FALSE, "No game finished yet");
      return;
    }
  GString *kept = g_string_new ("return kept at the end:");
  for (int j = 0; j <= last; j++)
    if (s->acc[j * T + j] > 0)
      g_string_append_printf (kept, "  %d: %.0f%%", j + 1, 100 * s->acc[last * T + j] / s->acc[j * T + j]);
    else
      g_string_append_printf (kept, "  %d: n/a", j + 1);
  figure_text (cr, left, ty, font, ALIGN_LEFT, TRUE, kept->str);
  g_string_free (kept, TRUE);
  figure_textf (cr, left, ty + 1.4 * font, font * 0.85, ALIGN_LEFT, FALSE,
                "after %d of %d games; each column coloured from 0 to its largest return", last + 1, T);
}

void
blip_figure_acc_matrix (cairo_t *cr, int width, int height, const BlipSnapshot *s, gboolean high_contrast)
{
  if (s == NULL || s->n_tasks <= 0)
    {
      figure_message (cr, width, height, "The accuracy matrix fills in as tasks finish");
      return;
    }
  figure_background (cr, width, height);
  gboolean rl = blip_figure_is_reinforcement (s);
  int T = s->n_tasks;
  double font = CLAMP (height / 30.0, 10, 20);
  double top = 2.5 * font + 10, left = 3.5 * font + 10;
  double size = MIN ((width - left - 20) / T, (height - top - 4 * font - 20) / T);
  if (rl)
    {
      reward_matrix (cr, s, font, top, left, size, high_contrast);
      return;
    }
  double lo = 1.0;
  int last = -1;
  for (int i = 0; i < T; i++)
    for (int j = 0; j <= i; j++)
      if (isfinite (s->acc[i * T + j]))
        {
          lo = MIN (lo, s->acc[i * T + j]);
          last = MAX (last, i);
        }
  lo = MIN (lo, 0.9);
  const double hi = 1.0, scale = 100;
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_text (cr, left, font + 4, font, ALIGN_LEFT, TRUE,
               "Accuracy on task j (columns) after training task i (rows)");
  for (int i = 0; i < T; i++)
    {
      figure_textf (cr, left + (i + 0.5) * size, top - 6, font * 0.8, ALIGN_CENTER, FALSE, "%d", i + 1);
      figure_textf (cr, left - 8, top + (i + 0.6) * size, font * 0.8, ALIGN_RIGHT, FALSE, "%d", i + 1);
    }
  for (int i = 0; i < T; i++)
    for (int j = 0; j < T; j++)
      {
        double x = left + j * size, y = top + i * size;
        double v = s->acc[i * T + j];
        if (!isfinite (v))
          {
            cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
            cairo_rectangle (cr, x + 1, y + 1, size - 2, size - 2);
            cairo_fill (cr);
            continue;
          }
        double rgb[3];
        double t = (v - lo) / MAX (1e-9, hi - lo);
        blip_palette_sequential (t, high_contrast, rgb);
        cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle (cr, x + 1, y + 1, size - 2, size - 2);
        cairo_fill (cr);
        /* Text colour by the cell's lightness. */
        double light = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2];
        cairo_set_source_rgb (cr, light > 0.5 ? 0 : 1, light > 0.5 ? 0 : 1, light > 0.5 ? 0 : 1);
        figure_textf (cr, x + size / 2, y + size * 0.58, MIN (font, size / 3.2), ALIGN_CENTER, FALSE, "%.1f", scale * v);
      }
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  double ty = top + T * size + 1.6 * font;
  if (last >= 0)
    {
      BlipMetrics m;
      blip_metrics_compute (s->acc, T, last, &m);
      figure_textf (cr, left, ty, font, ALIGN_LEFT, TRUE, "ACC %.2f%%   BWT %.2f%% (paper, ÷(T−1))   %.2f%% (code, ÷T)",
                    100 * m.acc, 100 * m.bwt_paper, 100 * m.bwt_code);
      /* The method's kept state beside its accuracy, as the paper's tables
       * compare them; hand-made snapshots may lack it. */
      g_autofree char *memory = s->memory_bytes != NULL && s->memory_bytes[last] >= 0
        ? blip_format_bytes (s->memory_bytes[last]) : NULL;
      figure_textf (cr, left, ty + 1.4 * font, font * 0.85, ALIGN_LEFT, FALSE, "after %d of %d tasks; "
                    "%s%s%scolour from %.1f%% to 100%%", last + 1, T, memory ? "memory " : "",
                    memory ? memory : "", memory ? "; " : "", 100 * lo);
    }
  else
    figure_text (cr, left, ty, font, ALIGN_LEFT, FALSE, "No task finished yet");
}

/* ---- Curves ------------------------------------------------------------------ */

void
blip_figure_curves (cairo_t *cr, int width, int height, const BlipSnapshot *s, gboolean high_contrast)
{
  if (s == NULL || s->n_history == 0)
    {
      figure_message (cr, width, height, "Curves appear after the first epoch");
      return;
    }
  figure_background (cr, width, height);
  double font = CLAMP (height / 40.0, 10, 16);
  guint n = s->n_history;
  const char *titles[3] = { "loss (train —, validation - -)", "accuracy (train —, validation - -)", "learning rate" };
  if (blip_figure_is_reinforcement (s))
    {
      titles[0] = "PPO loss (train)";
      titles[1] = "return (train episodes —, evaluation - -)";
    }
  double panel_h = (height - 30.0) / 3;
  for (int p = 0; p < 3; p++)
    {
      Axes a = { 70, 20 + p * panel_h + font + 4, width - 90, panel_h - font - 24, 0, MAX (1, n - 1), 0, 1, p == 2 };
      double lo = INFINITY, hi = -INFINITY;
      for (guint i = 0; i < n; i++)
        {
          const BlipEpochRecord *r = &s->history[i];
          double v[2] = { p == 0 ? r->train_loss : p == 1 ? r->train_acc : r->lr,
                          p == 0 ? r->valid_loss : p == 1 ? r->valid_acc : r->lr };
          for (int k = 0; k < 2; k++)
            if (isfinite (v[k]) && (p != 2 || v[k] > 0))
              {
                double x = p == 2 ? log10 (v[k]) : v[k];
                lo = MIN (lo, x);
                hi = MAX (hi, x);
              }
        }
      if (!isfinite (lo))
        lo = 0, hi = 1;
      if (hi - lo < 1e-9)
        {
          double pad = p == 2 ? 0.5 : 1e-3;
          hi += pad;
          lo -= pad;
        }
      a.y0 = lo;
      a.y1 = hi;
      draw_axes (cr, &a, titles[p], font);
      /* task boundaries */
      for (guint i = 1; i < n; i++)
        if (s->history[i].task != s->history[i - 1].task)
          {
            double x = ax_x (&a, i - 0.5);
            cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
            cairo_set_line_width (cr, 1);
            cairo_move_to (cr, x, a.y);
            cairo_line_to (cr, x, a.y + a.h);
            cairo_stroke (cr);
            if (p == 0)
              figure_textf (cr, x + 3, a.y + font, font * 0.8, ALIGN_LEFT, FALSE, "task %d", s->history[i].task + 1);
          }
      for (int k = 0; k < (p == 2 ? 1 : 2); k++)
        {
          cairo_set_line_width (cr, 2);
          if (k == 1)
            {
              double dash[2] = { 5, 4 };
              cairo_set_dash (cr, dash, 2, 0);
            }
          for (guint i = 0; i < n; i++)
            {
              const BlipEpochRecord *r = &s->history[i];
              double v = p == 0 ? (k ? r->valid_loss : r->train_loss) : p == 1 ? (k ? r->valid_acc : r->train_acc) : r->lr;
              if (!isfinite (v))
                continue;
              double rgb[3];
              blip_palette_task (r->task, rgb);
              cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
              double x = ax_x (&a, i), y = ax_y (&a, v);
              if (i == 0 || s->history[i - 1].task != r->task)
                cairo_move_to (cr, x, y);
              else
                cairo_line_to (cr, x, y);
              if (i + 1 == n || s->history[i + 1].task != r->task)
                cairo_stroke (cr);
            }
          cairo_set_dash (cr, NULL, 0, 0);
        }
    }
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  figure_textf (cr, width - 20, height - 6, font * 0.85, ALIGN_RIGHT, FALSE, "epochs (all tasks): %u", n);
}

/* ---- Normalised accumulated reward (game runs) ---------------------------------- */

void
blip_figure_reward_curve (cairo_t *cr, int width, int height, const BlipSnapshot *s)
{
  if (s == NULL || !s->rl || s->rl_curve_points == 0)
    {
      figure_message (cr, width, height, "The reward curve fills in as games are evaluated");
      return;
    }
  figure_background (cr, width, height);
  int T = s->n_tasks, W = 2 + T;
  guint n = s->rl_curve_points;
  g_autofree double *best = g_new (double, T);
  g_autofree double *nar = g_new (double, n);
  blip_results_normalized_reward (s->rl_curve, n, T, best, nar);
  double font = CLAMP (height / 32.0, 10, 18);
  double x1 = MAX (1.0, s->rl_curve[(n - 1) * W + 1]);
  Axes a = { 70, 2 * font + 20, width - 100, height - 4 * font - 50, 0, x1, 0, MAX (1.0, (double) T), FALSE };
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  draw_axes (cr, &a, "Normalised accumulated reward (Σ over games so far of return / best return)", font);
  /* task boundaries */
  for (guint k = 1; k < n; k++)
    if (s->rl_curve[k * W] != s->rl_curve[(k - 1) * W])
      {
        double x = ax_x (&a, s->rl_curve[(k - 1) * W + 1]);
        cairo_set_source_rgb (cr, 0.7, 0.7, 0.7);
        cairo_move_to (cr, x, a.y);
        cairo_line_to (cr, x, a.y + a.h);
        cairo_stroke (cr);
        figure_textf (cr, x + 4, a.y + font, font * 0.8, ALIGN_LEFT, FALSE, "game %d", (int) s->rl_curve[k * W] + 1);
      }
  double rgb[3];
  blip_palette_task (0, rgb);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width (cr, 2);
  for (guint k = 0; k < n; k++)
    {
      double x = ax_x (&a, s->rl_curve[k * W + 1]), y = ax_y (&a, nar[k]);
      if (k == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_textf (cr, a.x + a.w, a.y + a.h + 1.4 * font, font * 0.85, ALIGN_RIGHT, FALSE, "frames (0 to %.0f)", x1);
}

/* ---- All figures of a run ------------------------------------------------------ */

typedef struct {
  const BlipSnapshot   *snapshot;
  const BlipSnapshot   *fisher;
  const BlipRunHistory *history;
  int                   layer;
  gsize                 index;
  BlipMapView           view;
  int                   kind;
} Job;

enum { JOB_MAP, JOB_PARAMETER, JOB_IG, JOB_ACC, JOB_CURVES, JOB_REWARD };

static void
draw_job (cairo_t *cr, int width, int height, gpointer data)
{
  const Job *j = data;
  switch (j->kind)
    {
    case JOB_MAP:
      blip_figure_layer_map (cr, width, height, j->view.quantity == BLIP_MAP_INFO_GAIN && j->fisher ? j->fisher
                             : j->snapshot, j->layer, &j->view);
      break;
    case JOB_PARAMETER:
      blip_figure_parameter (cr, width, height, j->snapshot, j->history, j->layer, j->index, FALSE);
      break;
    case JOB_IG:
      blip_figure_info_gain (cr, width, height, j->snapshot, j->fisher, j->history, j->layer, FALSE);
      break;
    case JOB_ACC:
      blip_figure_acc_matrix (cr, width, height, j->snapshot, FALSE);
      break;
    case JOB_CURVES:
      blip_figure_curves (cr, width, height, j->snapshot, FALSE);
      break;
    case JOB_REWARD:
      blip_figure_reward_curve (cr, width, height, j->snapshot);
      break;
    }
}

static gboolean
write_three (const char *dir, const char *stem, int width, int height, Job *job, GError **error)
{
  static const char *ext[] = { "png", "svg", "pdf" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", stem, ext[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (!blip_figure_export (path, width, height, draw_job, job, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
blip_figures_write_all (const char *dir, const BlipSnapshot *s, const BlipSnapshot *fisher,
                        const BlipRunHistory *history, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, BLIP_FIGURE_ERROR, BLIP_FIGURE_ERROR_WRITE, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  Job job = { s, fisher, history, 0, 0, { 0 }, JOB_MAP };
  blip_map_view_init (&job.view);
  static const struct { BlipMapQuantity q; const char *name; } maps[] = {
    { BLIP_MAP_BITS, "bits" }, { BLIP_MAP_INFO_GAIN, "info-gain" }, { BLIP_MAP_FISHER, "fisher" },
  };
  for (int l = 0; l < s->n_layers; l++)
    {
      if (!s->layers[l].quantized)
        continue;
      job.layer = l;
      for (gsize m = 0; m < G_N_ELEMENTS (maps); m++)
        {
          job.view.quantity = maps[m].q;
          g_autofree char *stem = g_strdup_printf ("layer-map-%s-%s", s->layers[l].name, maps[m].name);
          if (!write_three (dir, stem, 1000, 800, &job, error))
            return FALSE;
        }
      job.view.quantity = BLIP_MAP_BITS;
      job.view.layout = BLIP_MAP_INPUT_IMAGE;
      g_autofree char *istem_map = g_strdup_printf ("layer-map-%s-bits-per-input", s->layers[l].name);
      if (!write_three (dir, istem_map, 800, 700, &job, error))
        return FALSE;
      job.view.layout = BLIP_MAP_GRID;
      /* The parameter that froze the most bits: the one with the most to show. */
      const BlipLayerSnapshot *ls = &s->layers[l];
      gsize best = 0;
      for (gsize i = 0; ls->bits && i < ls->n; i++)
        if (ls->bits[i] > ls->bits[best])
          best = i;
      job.kind = JOB_PARAMETER;
      job.index = best;
      g_autofree char *pstem = g_strdup_printf ("parameter-%s-%zu", ls->name, best);
      if (!write_three (dir, pstem, 900, 600, &job, error))
        return FALSE;
      job.kind = JOB_IG;
      g_autofree char *istem = g_strdup_printf ("info-gain-%s", ls->name);
      if (!write_three (dir, istem, 1000, 700, &job, error))
        return FALSE;
      job.kind = JOB_MAP;
    }
  job.kind = JOB_ACC;
  if (!write_three (dir, "accuracy-matrix", 800, 700, &job, error))
    return FALSE;
  job.kind = JOB_CURVES;
  if (!write_three (dir, "curves", 1000, 800, &job, error))
    return FALSE;
  if (!s->rl)
    return TRUE;
  job.kind = JOB_REWARD;
  return write_three (dir, "reward-curve", 1000, 600, &job, error);
}
