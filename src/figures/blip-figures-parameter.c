/* blip-figures-parameter.c — one parameter, bit by bit (the paper's Figure 1):
 * its max_bit-bit code with frozen bits coloured by the task that froze them,
 * its value, anchor and allowed interval on a number line, and its history. */
#include "blip-figures-private.h"

#include <math.h>

/* The parameter's code: |w|/bound ∈ [0, 1) written as a binary fraction with
 * max_bit digits, most significant first (the sign is shown apart). Freezing
 * b bits keeps the first b digits: a later task may only move w inside
 * anchor ± bound·2^-b. */
static guint32
magnitude_code (float w, float bound, int max_bit)
{
  double k = floor (fabs ((double) w) / bound * ldexp (1.0, max_bit));
  double top = ldexp (1.0, max_bit) - 1;
  return (guint32) CLAMP (k, 0, top);
}

/* Task that froze bit position p (0 = most significant), from the history of
 * bits after each task; -1 if free. */
static int
frozen_by (const BlipRunHistory *history, int layer, gsize index, int current_bits, int task_now, int p)
{
  if (p >= current_bits)
    return -1;
  int n = blip_run_history_n_tasks (history);
  for (int t = 0; t < n; t++)
    if (p < blip_run_history_bits (history, t, layer, index))
      return t;
  return task_now;
}

void
blip_figure_parameter (cairo_t *cr, int width, int height, const BlipSnapshot *s,
                       const BlipRunHistory *history, int layer, gsize index, gboolean high_contrast)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers || index >= s->layers[layer].n ||
      s->layers[layer].values == NULL)
    {
      figure_message (cr, width, height, "Pick a parameter in the layer map");
      return;
    }
  const BlipLayerSnapshot *l = &s->layers[layer];
  figure_background (cr, width, height);
  gboolean is_weight = index < l->n_weight;
  float bound = is_weight ? l->bound_w : l->bound_b;
  int max_bit = l->max_bit;
  int bits = l->bits ? l->bits[index] : 0;
  float value = l->values[index];
  float anchor = l->anchor ? l->anchor[index] : 0.0f;
  double font = CLAMP (height / 28.0, 11, 22);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  if (is_weight)
    figure_textf (cr, 12, font + 8, font * 1.2, ALIGN_LEFT, TRUE, "%s weight [unit %zu, input %zu]",
                  l->name, index / l->cols, index % l->cols);
  else
    figure_textf (cr, 12, font + 8, font * 1.2, ALIGN_LEFT, TRUE, "%s bias [unit %zu]", l->name,
                  index - l->n_weight);
  figure_textf (cr, 12, 2 * font + 16, font, ALIGN_LEFT, FALSE,
                "value %.6f   anchor %.6f   %d of %d bits frozen", value, anchor, bits, max_bit);

  /* The code, one cell per bit. */
  guint32 code = magnitude_code (value, bound, max_bit);
  double cell = MIN ((width - 24.0) / max_bit, height / 6.0);
  double x0 = (width - cell * max_bit) / 2, y0 = 2 * font + 34;
  for (int p = 0; p < max_bit; p++)
    {
      int task = frozen_by (history, layer, index, bits, s->task, p);
      double rgb[3] = { 0.93, 0.93, 0.93 };
      if (task >= 0)
        blip_palette_task (task, rgb);
      if (high_contrast && task >= 0)
        rgb[0] *= 0.8, rgb[1] *= 0.8, rgb[2] *= 0.8;
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, x0 + p * cell + 1, y0 + 1, cell - 2, cell - 2);
      cairo_fill (cr);
      int bit = (code >> (max_bit - 1 - p)) & 1;
      cairo_set_source_rgb (cr, task >= 0 ? 0.0 : 0.35, task >= 0 ? 0.0 : 0.35, task >= 0 ? 0.0 : 0.35);
      figure_textf (cr, x0 + p * cell + cell / 2, y0 + cell * 0.68, cell * 0.5, ALIGN_CENTER,
                    task >= 0, "%d", bit);
    }
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  figure_textf (cr, x0, y0 + cell + font, font * 0.8, ALIGN_LEFT, FALSE,
                "sign %s · |w|/bound in binary, most significant digit first", value < 0 ? "−" : "+");
  figure_text (cr, x0 + cell * max_bit, y0 + cell + font, font * 0.8, ALIGN_RIGHT, FALSE, "least significant");

  /* Number line over [−bound, bound] with the allowed interval. */
  double ny = y0 + cell + 3 * font, nx0 = 40, nx1 = width - 40;
  double range = ldexp (bound, -bits);
#define X_OF(v) (nx0 + ((v) + bound) / (2 * bound) * (nx1 - nx0))
  double ia = MAX (-bound, anchor - range), ib = MIN (bound, anchor + range);
  double rgb[3];
  blip_palette_task (MAX (s->task, 0), rgb);
  cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], 0.35);
  cairo_rectangle (cr, X_OF (ia), ny - 10, MAX (2, X_OF (ib) - X_OF (ia)), 20);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, nx0, ny);
  cairo_line_to (cr, nx1, ny);
  cairo_stroke (cr);
  figure_textf (cr, nx0, ny + font + 8, font * 0.8, ALIGN_CENTER, FALSE, "%.3f", -bound);
  figure_textf (cr, nx1, ny + font + 8, font * 0.8, ALIGN_CENTER, FALSE, "%.3f", bound);
  figure_textf (cr, (nx0 + nx1) / 2, ny + font + 8, font * 0.8, ALIGN_CENTER, FALSE,
                "allowed: [%.5f, %.5f]", ia, ib);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_move_to (cr, X_OF (anchor), ny - 14);
  cairo_line_to (cr, X_OF (anchor), ny + 14);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.835, 0.369, 0.0);
  cairo_arc (cr, X_OF (value), ny, 6, 0, 2 * G_PI);
  cairo_fill (cr);
#undef X_OF

  /* History across tasks. */
  int n = blip_run_history_n_tasks (history);
  double hy = ny + 2.5 * font + 10;
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  if (n == 0)
    {
      figure_text (cr, 12, hy, font, ALIGN_LEFT, FALSE, "History appears as tasks finish.");
      return;
    }
  figure_text (cr, 12, hy, font, ALIGN_LEFT, TRUE, "after task");
  figure_text (cr, width * 0.35, hy, font, ALIGN_RIGHT, TRUE, "value");
  figure_text (cr, width * 0.6, hy, font, ALIGN_RIGHT, TRUE, "IG (bits)");
  figure_text (cr, width * 0.85, hy, font, ALIGN_RIGHT, TRUE, "bits frozen");
  for (int t = 0; t < n && hy + (t + 2) * font * 1.3 < height; t++)
    {
      double y = hy + (t + 1) * font * 1.3;
      blip_palette_task (t, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, 12, y - font * 0.8, font * 0.8, font * 0.8);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      figure_textf (cr, 12 + font * 1.2, y, font, ALIGN_LEFT, FALSE, "%d", t + 1);
      figure_textf (cr, width * 0.35, y, font, ALIGN_RIGHT, FALSE, "%.6f",
                    blip_run_history_value (history, t, layer, index));
      figure_textf (cr, width * 0.6, y, font, ALIGN_RIGHT, FALSE, "%.2f",
                    blip_run_history_info_gain (history, t, layer, index));
      figure_textf (cr, width * 0.85, y, font, ALIGN_RIGHT, FALSE, "%d",
                    blip_run_history_bits (history, t, layer, index));
    }
}
