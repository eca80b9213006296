/* blip-figures-methods.c — a table of methods (`blip table`) as a figure:
 * each method's ACC, with its BWT and the paper's ACC, beside the memory it
 * keeps after each task. The point of the comparison is there at a glance:
 * BLIP's memory is flat, HAT's and HALRP's climb with every task, and the bars
 * say what each one buys. */
#include "blip-figures-private.h"

#include <math.h>
#include <string.h>

/* ---- Memory axis -------------------------------------------------------------- */

/* "16 KiB" (tick labels at powers of two, decimals 0) or "8.09 MiB" (the
 * memory beside a line's name, decimals 2); bytes are always whole. */
static char *
format_bytes (double bytes, int decimals)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int u = 0;
  while (bytes >= 1024 && u < 4)
    {
      bytes /= 1024;
      u++;
    }
  return g_strdup_printf ("%.*f %s", u == 0 ? 0 : decimals, bytes, units[u]);
}

/* Whether the row has a memory figure for every task, and the smallest and
 * largest of them. */
static gboolean
memory_range (const BlipMethodSummary *r, double *lo, double *hi)
{
  if (r->memory_per_task == NULL || r->n_tasks < 1)
    return FALSE;
  *lo = INFINITY;
  *hi = 0;
  for (int t = 0; t < r->n_tasks; t++)
    {
      if (r->memory_per_task[t] < 0)
        return FALSE;
      *lo = MIN (*lo, (double) r->memory_per_task[t]);
      *hi = MAX (*hi, (double) r->memory_per_task[t]);
    }
  return TRUE;
}

static void
set_rgb (cairo_t *cr, const double rgb[3])
{
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
}

/* Method i's colour: the eight Okabe–Ito colours (a table has up to eight
 * methods, so none repeats), or black and greys for a projector. */
static void
method_colour (int i, gboolean high_contrast, double rgb[3])
{
  static const double okabe_ito[8][3] = {
    { 0.902, 0.624, 0.000 }, { 0.337, 0.706, 0.914 }, { 0.000, 0.620, 0.451 }, { 0.941, 0.894, 0.259 },
    { 0.000, 0.447, 0.698 }, { 0.835, 0.369, 0.000 }, { 0.800, 0.475, 0.655 }, { 0.000, 0.000, 0.000 },
  };
  if (high_contrast)
    {
      double g = (i % 3) * 0.3;
      rgb[0] = rgb[1] = rgb[2] = g;
      return;
    }
  memcpy (rgb, okabe_ito[i % 8], sizeof okabe_ito[0]);
}

/* ---- Left: ACC bars ------------------------------------------------------------ */

/* The axis of the bars, in the unit shown (% or points), and its grid step. */
static void
bar_axis (const BlipMethodSummary *rows, int n, gboolean returns, double *lo, double *hi, double *step)
{
  if (returns)
    {
      /* Returns from 0 (or the lowest, if negative) to a round number above
       * the highest, in about five steps. */
      double top = 0, bottom = 0;
      for (int i = 0; i < n; i++)
        if (isfinite (rows[i].acc))
          {
            top = MAX (top, rows[i].acc);
            bottom = MIN (bottom, rows[i].acc);
          }
      double span = MAX (top - bottom, 1e-9);
      double mag = pow (10, floor (log10 (span / 5)));
      *step = span / 5 <= mag ? mag : span / 5 <= 2 * mag ? 2 * mag : span / 5 <= 5 * mag ? 5 * mag : 10 * mag;
      *lo = floor (bottom / *step) * *step;
      *hi = MAX (ceil (top / *step) * *step, *lo + *step);
      return;
    }
  /* Accuracy: the bars start a little below the lowest figure, so that 99.58
   * and 99.90 look different; the axis is labelled, so nothing is hidden. */
  double low = 100;
  for (int i = 0; i < n; i++)
    {
      if (isfinite (rows[i].acc))
        low = MIN (low, 100 * rows[i].acc);
      if (isfinite (rows[i].paper_acc))
        low = MIN (low, rows[i].paper_acc);
    }
  *step = 100 - low > 20 ? 10 : 100 - low > 4 ? 2 : 0.5;
  *lo = CLAMP (floor ((low - *step / 2) / *step) * *step, 0, 100 - *step);
  *hi = 100;
}

static void
draw_acc_panel (cairo_t *cr, double x, double y, double w, double h, const BlipMethodSummary *rows, int n,
                double font, gboolean returns, gboolean high_contrast)
{
  double lo, hi, step;
  bar_axis (rows, n, returns, &lo, &hi, &step);
  double scale = returns ? 1 : 100;   /* from the rows' unit to the one shown */

  double label_w = 0;
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, font);
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents_t ext;
      cairo_text_extents (cr, rows[i].label, &ext);
      label_w = MAX (label_w, ext.x_advance);
    }
  label_w = MIN (label_w + 8, w * 0.45);
  double text_w = font * 9;   /* "99.74  BWT −0.01" right of the plot */
  double px = x + label_w, pw = MAX (20, w - label_w - text_w);
  double row_h = h / MAX (n, 1);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_text (cr, x, y - font * 0.6, font, ALIGN_LEFT, TRUE,
               returns ? "Mean return after the last game" : "ACC (%) after the last task");
  gboolean any_paper = FALSE;
  for (int i = 0; i < n; i++)
    any_paper = any_paper || isfinite (rows[i].paper_acc);
  if (any_paper)
    {
      cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
      figure_text (cr, px + pw, y - font * 0.6, font * 0.85, ALIGN_RIGHT, FALSE, "◆ the paper's ACC");
    }
  /* Grid and axis labels. */
  cairo_set_line_width (cr, 1);
  for (double v = lo; v <= hi + step * 1e-6; v += step)
    {
      double gx = px + (v - lo) / (hi - lo) * pw;
      cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      cairo_move_to (cr, gx, y);
      cairo_line_to (cr, gx, y + h);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
      figure_textf (cr, gx, y + h + font * 1.1, font * 0.8, ALIGN_CENTER, FALSE, step < 1 ? "%.1f" : "%.0f",
                    fabs (v) < step * 1e-6 ? 0.0 : v);
    }

  for (int i = 0; i < n; i++)
    {
      const BlipMethodSummary *r = &rows[i];
      double cy = y + row_h * (i + 0.5), bh = MIN (row_h * 0.6, font * 1.6);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      figure_text (cr, px - 8, cy + font / 3, font, ALIGN_RIGHT, FALSE, r->label);
      if (!isfinite (r->acc))
        {
          /* Where the numbers would be, so the paper's diamond stays clear. */
          cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
          figure_text (cr, px + pw + 6, cy + font / 3, font * 0.9, ALIGN_LEFT, FALSE,
                       r->status != NULL ? r->status : "no results");
        }
      else
        {
          double rgb[3];
          method_colour (i, high_contrast, rgb);
          /* Accuracy bars start at the axis; return bars at 0, either way. */
          double base = returns ? 0 : lo;
          double bx0 = px + (base - lo) / (hi - lo) * pw;
          double bx1 = px + CLAMP ((scale * r->acc - lo) / (hi - lo), 0, 1) * pw;
          set_rgb (cr, rgb);
          cairo_rectangle (cr, MIN (bx0, bx1), cy - bh / 2, MAX (1, fabs (bx1 - bx0)), bh);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          g_autofree char *text = isfinite (r->bwt)
                                    ? g_strdup_printf ("%.2f  BWT %+.2f", scale * r->acc, scale * r->bwt)
                                    : g_strdup_printf ("%.2f", scale * r->acc);
          figure_text (cr, px + pw + 6, cy + font / 3, font * 0.9, ALIGN_LEFT, FALSE, text);
        }
      if (isfinite (r->paper_acc))
        {
          /* The paper's figure: a black diamond on the bar's line. */
          double mx = px + CLAMP ((r->paper_acc - lo) / (hi - lo), 0, 1) * pw, d = bh * 0.45;
          cairo_set_source_rgb (cr, 0, 0, 0);
          cairo_move_to (cr, mx, cy - d);
          cairo_line_to (cr, mx + d, cy);
          cairo_line_to (cr, mx, cy + d);
          cairo_line_to (cr, mx - d, cy);
          cairo_close_path (cr);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
        }
    }
}

/* ---- Right: memory after each task ---------------------------------------------- */

typedef struct {
  int    row;
  double y;       /* where its line ends */
} EndLabel;

static int
compare_end_labels (gconstpointer a, gconstpointer b)
{
  double d = ((const EndLabel *) a)->y - ((const EndLabel *) b)->y;
  return d < 0 ? -1 : d > 0;
}

static void
draw_memory_panel (cairo_t *cr, double x, double y, double w, double h, const BlipMethodSummary *rows, int n,
                   double font, gboolean high_contrast)
{
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_text (cr, x, y - font * 0.6, font, ALIGN_LEFT, TRUE, "Memory kept after each task (log scale)");

  int T = 0;
  double lo = INFINITY, hi = 0;
  GString *keep_nothing = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    {
      double a, b;
      if (!memory_range (&rows[i], &a, &b))
        continue;
      if (b == 0)
        {
          g_string_append_printf (keep_nothing, "%s%s", keep_nothing->len ? ", " : "", rows[i].label);
          continue;
        }
      T = MAX (T, rows[i].n_tasks);
      lo = MIN (lo, a > 0 ? a : b);
      hi = MAX (hi, b);
    }

  double label_w = font * 16;   /* "Online EWC (ewc)  7.19 MiB" right of the lines */
  double ax = x + font * 4.5, aw = MAX (20, w - font * 4.5 - label_w);
  /* Below the plot: the task numbers, "task", then the note if any. */
  double note_h = keep_nothing->len ? font * 1.4 : 0;
  double ah = MAX (20, h - font * 2.6 - note_h);
  if (T == 0)
    {
      /* Nothing to plot: either every method keeps nothing (the note below
       * names them) or no run recorded its memory per task. */
      cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
      figure_text (cr, x, y + font * 1.5, font * 0.9, ALIGN_LEFT, FALSE,
                   keep_nothing->len ? "No method here keeps memory of its own"
                                     : "No method has a per-task memory record");
    }
  else
    {
      /* Powers of two of bytes, spaced so that at most about 7 ticks show. */
      double l0 = floor (log2 (lo)), l1 = ceil (log2 (hi));
      if (l1 - l0 < 2)
        {
          l0 -= 1;
          l1 += 1;
        }
      int tick = l1 - l0 <= 7 ? 1 : l1 - l0 <= 14 ? 2 : l1 - l0 <= 35 ? 5 : 10;
      l0 = floor (l0 / tick) * tick;
      l1 = ceil (l1 / tick) * tick;
      cairo_set_line_width (cr, 1);
      for (double e = l0; e <= l1 + 1e-9; e += tick)
        {
          double gy = y + ah - (e - l0) / (l1 - l0) * ah;
          cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
          cairo_move_to (cr, ax, gy);
          cairo_line_to (cr, ax + aw, gy);
          cairo_stroke (cr);
          g_autofree char *label = format_bytes (exp2 (e), 0);
          cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
          figure_text (cr, ax - 4, gy + font / 3, font * 0.8, ALIGN_RIGHT, FALSE, label);
        }
      int every = T <= 12 ? 1 : (T + 9) / 10;
      for (int t = 0; t < T; t++)
        if (t % every == 0 || t == T - 1)
          {
            double tx = T > 1 ? ax + aw * t / (T - 1) : ax + aw / 2;
            figure_textf (cr, tx, y + ah + font * 1.1, font * 0.8, ALIGN_CENTER, FALSE, "%d", t + 1);
          }
      cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
      figure_text (cr, ax + aw / 2, y + ah + font * 2.2, font * 0.8, ALIGN_CENTER, FALSE, "task");
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_rectangle (cr, ax, y, aw, ah);
      cairo_stroke (cr);

      EndLabel *ends = g_new0 (EndLabel, n);
      int n_ends = 0;
      for (int i = 0; i < n; i++)
        {
          const BlipMethodSummary *r = &rows[i];
          double a, b;
          if (!memory_range (r, &a, &b) || b == 0)
            continue;
          double rgb[3];
          method_colour (i, high_contrast, rgb);
          set_rgb (cr, rgb);
          cairo_set_line_width (cr, 2.5);
          double last_y = 0;
          gboolean pen_down = FALSE;
          for (int t = 0; t < r->n_tasks; t++)
            {
              double bytes = (double) r->memory_per_task[t];
              if (bytes <= 0)
                {
                  /* Nothing kept yet: no point on a log scale. */
                  pen_down = FALSE;
                  continue;
                }
              double px = T > 1 ? ax + aw * t / (T - 1) : ax + aw / 2;
              double py = y + ah - (log2 (bytes) - l0) / (l1 - l0) * ah;
              if (pen_down)
                cairo_line_to (cr, px, py);
              else
                cairo_move_to (cr, px, py);
              pen_down = TRUE;
              last_y = py;
            }
          cairo_stroke (cr);
          for (int t = 0; t < r->n_tasks; t++)
            if (r->memory_per_task[t] > 0)
              {
                double px = T > 1 ? ax + aw * t / (T - 1) : ax + aw / 2;
                double py = y + ah - (log2 ((double) r->memory_per_task[t]) - l0) / (l1 - l0) * ah;
                cairo_arc (cr, px, py, 3, 0, 2 * G_PI);
                cairo_fill (cr);
              }
          ends[n_ends++] = (EndLabel) { i, last_y };
        }
      /* Names at the lines' ends, pushed apart where lines end close together
       * (BLIP's and EWC's memories differ by a tenth). */
      qsort (ends, n_ends, sizeof *ends, compare_end_labels);
      double gap = font * 1.15;
      for (int k = 1; k < n_ends; k++)
        ends[k].y = MAX (ends[k].y, ends[k - 1].y + gap);
      for (int k = n_ends - 1; k >= 0; k--)
        {
          double limit = k + 1 < n_ends ? ends[k + 1].y - gap : y + ah;
          ends[k].y = MIN (ends[k].y, limit);
        }
      for (int k = 0; k < n_ends; k++)
        {
          /* A swatch of the line's colour, then the name in dark text: light
           * colours (yellow) do not read as text on white. */
          double rgb[3];
          method_colour (ends[k].row, high_contrast, rgb);
          set_rgb (cr, rgb);
          cairo_rectangle (cr, ax + aw + 6, ends[k].y - 2, font * 1.2, 4);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          const BlipMethodSummary *r = &rows[ends[k].row];
          g_autofree char *value = format_bytes ((double) r->memory_per_task[r->n_tasks - 1], 2);
          g_autofree char *text = g_strdup_printf ("%s  %s", r->label, value);
          figure_text (cr, ax + aw + 10 + font * 1.2, ends[k].y + font / 3, font * 0.9, ALIGN_LEFT, FALSE, text);
        }
      g_free (ends);
    }
  if (keep_nothing->len)
    {
      g_autofree char *note = g_strdup_printf ("Keep nothing beyond the network: %s", keep_nothing->str);
      cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
      figure_text (cr, x, y + h - font * 0.2, font * 0.85, ALIGN_LEFT, FALSE, note);
    }
  g_string_free (keep_nothing, TRUE);
}

void
blip_figure_methods (cairo_t *cr, int width, int height, const char *title, const BlipMethodSummary *rows,
                     int n_rows, gboolean returns, gboolean high_contrast)
{
  if (rows == NULL || n_rows < 1)
    {
      figure_message (cr, width, height, "No table: open the table.json that blip table writes");
      return;
    }
  figure_background (cr, width, height);
  double font = CLAMP (height / (4.0 * n_rows + 12), 10, 16);
  double top = font * 4;
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  if (title != NULL)
    figure_text_fit (cr, font, font * 1.6, font * 1.2, 9, width - 2 * font, ALIGN_LEFT, TRUE, title);
  /* The bars leave room below for their axis labels; the memory panel
   * lays out its own. */
  double h = MAX (20, height - top - font * 0.8);
  double split = width * 0.52;
  draw_acc_panel (cr, font, top, split - 2 * font, h - font * 1.8, rows, n_rows, font, returns, high_contrast);
  draw_memory_panel (cr, split + font, top, width - split - 2 * font, h, rows, n_rows, font, high_contrast);
}
