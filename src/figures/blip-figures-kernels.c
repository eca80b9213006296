/* blip-figures-kernels.c — the layer map of a convolution, as kernel tiles.
 *
 * A convolution's weight row r is output channel r's kernel, laid out
 * [kernel_channels, kernel_h, kernel_w]. Drawn as the linear grid, a 3×3
 * kernel would be nine unrelated cells in a long row; here each (output
 * channel, input channel) kernel is a kernel_h × kernel_w tile, so the spatial
 * pattern of what froze is visible. Tiles form a grid, output channels as
 * rows and input channels as columns, one empty cell between tiles, and each
 * output channel's bias sits right of its row.
 *
 * Past a few thousand kernels (e.g. 256 × 512) that grid has cells under a
 * few pixels, which neither a screen nor a projector shows. Then the map has
 * one tile per output channel, wrapped into a near-square block, and each cell
 * is the mean over input channels of the quantity at that kernel position.
 * The mean keeps the map's single colour scale and legend (a cell still reads
 * "this many frozen bits", now on average), shows which kernel positions a
 * channel protects, and works for any number of input channels. An RGB
 * composite for 3-channel first layers was the alternative; it was not
 * chosen because it turns "how frozen" into a hue, which the colour-blind-safe
 * sequential palette avoids, and reads like the kernel's colour preference
 * (as in weight visualisations), which frozen bits are not. A 3-input layer
 * rarely needs the overview anyway: its 3 tile columns fit.
 *
 * Like the linear map, the tiles are painted into a pixel buffer (one pixel
 * per cell, gaps white) and scaled with nearest-neighbour filtering; cells
 * stay square, and at zoom 1 a whole number of pixels when they are at least
 * two, so tiles are crisp. */
#include "blip-figures-private.h"

#include <math.h>
#include <string.h>

/* Room for the channel numbers above and left of the tiles. */
#define LABEL_TOP  26
#define LABEL_LEFT 34
/* The smallest cell, in pixels at zoom 1, for which one tile per kernel is
 * still legible; below it, one tile per output channel. */
#define MIN_FULL_CELL 4.0

typedef struct {
  const BlipLayerSnapshot *l;
  gboolean full;           /* one tile per (output, input channel), else per output channel */
  gboolean bias;           /* full: a bias cell right of each output channel's row */
  int      kc, kh, kw, n_out;
  int      tiles_x;        /* per row of tiles */
  int      gw, gh;         /* the grid in cells, gaps included */
  double   ax, ay, aw, ah; /* the room for the tiles, inside the labels */
  double   base;           /* pixels per cell at zoom 1 */
  double   cell;           /* pixels per cell at the view's zoom */
  double   gx0, gy0;       /* first visible cell */
  double   gvw, gvh;       /* visible cells */
  double   ox, oy;         /* where cell (gx0, gy0) is drawn */
} Tiles;

gboolean
kernel_map_applies (const BlipLayerSnapshot *l)
{
  return l->kernel_channels > 0 && l->kernel_h > 0 && l->kernel_w > 0 && l->kernel_h * l->kernel_w > 1 &&
         l->cols == l->kernel_channels * l->kernel_h * l->kernel_w && l->n_weight == (gsize) l->rows * l->cols;
}

static double
fit (double aw, double ah, int gw, int gh)
{
  return MIN (aw / gw, ah / gh);
}

/* Geometry of the tiles in a width × height figure at the view's zoom and
 * centre. Everything that draws or hit-tests goes through here. */
static void
tiles_layout (int width, int height, const BlipLayerSnapshot *l, const BlipMapView *view, Tiles *t)
{
  *t = (Tiles) { .l = l, .kc = l->kernel_channels, .kh = l->kernel_h, .kw = l->kernel_w, .n_out = l->rows };
  double mx, my, mw, mh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  t->ax = mx + LABEL_LEFT;
  t->ay = my + LABEL_TOP;
  t->aw = MAX (1, mw - LABEL_LEFT);
  t->ah = MAX (1, mh - LABEL_TOP);

  t->bias = l->n >= l->n_weight + (gsize) l->rows;
  t->gw = t->kc * (t->kw + 1) - 1 + (t->bias ? 2 : 0);
  t->gh = t->n_out * (t->kh + 1) - 1;
  t->tiles_x = t->kc;
  double f = fit (t->aw, t->ah, t->gw, t->gh);
  t->full = f >= MIN_FULL_CELL;
  if (!t->full)
    {
      /* As many tiles per row as make the cells largest, preferring a round
       * number (a power of two or a multiple of 8: channel counts are powers
       * of two, so rows come out full and their first channels are easy to
       * read) when that costs at most a fifth of the size. */
      t->bias = FALSE;
      double best = 0, best_round = 0;
      int round_x = 1;
      for (int tx = 1; tx <= t->n_out; tx++)
        {
          int ty = (t->n_out + tx - 1) / tx;
          double g = fit (t->aw, t->ah, tx * (t->kw + 1) - 1, ty * (t->kh + 1) - 1);
          if (g > best)
            best = g, t->tiles_x = tx;
          if (((tx & (tx - 1)) == 0 || tx % 8 == 0) && g > best_round)
            best_round = g, round_x = tx;
        }
      if (best_round >= 0.8 * best)
        t->tiles_x = round_x;
      f = fit (t->aw, t->ah, t->tiles_x * (t->kw + 1) - 1,
               (t->n_out + t->tiles_x - 1) / t->tiles_x * (t->kh + 1) - 1);
      t->gw = t->tiles_x * (t->kw + 1) - 1;
      t->gh = (t->n_out + t->tiles_x - 1) / t->tiles_x * (t->kh + 1) - 1;
    }
  t->base = f >= 2 ? floor (f) : f;
  t->cell = t->base * MAX (1.0, view->zoom);
  t->gvw = MIN (t->gw, t->aw / t->cell);
  t->gvh = MIN (t->gh, t->ah / t->cell);
  t->gx0 = CLAMP (view->center_x * t->gw - t->gvw / 2, 0, t->gw - t->gvw);
  t->gy0 = CLAMP (view->center_y * t->gh - t->gvh / 2, 0, t->gh - t->gvh);
  /* Centred where the tiles do not fill the room; on whole pixels so the
   * nearest-neighbour cells come out the same size. */
  t->ox = round (t->ax + (t->aw - t->gvw * t->cell) / 2);
  t->oy = round (t->ay + (t->ah - t->gvh * t->cell) / 2);
}

/* The parameter of the full layout's cell (gx, gy), or -1 for a gap. */
static gssize
full_index (const Tiles *t, gssize gx, gssize gy)
{
  if (gx < 0 || gy < 0 || gx >= t->gw || gy >= t->gh)
    return -1;
  int o = gy / (t->kh + 1), ky = gy % (t->kh + 1);
  if (ky == t->kh)
    return -1;
  if (gx >= t->kc * (t->kw + 1))
    return t->bias && gx == t->gw - 1 && ky == t->kh / 2 ? (gssize) (t->l->n_weight + o) : -1;
  int c = gx / (t->kw + 1), kx = gx % (t->kw + 1);
  if (kx == t->kw)
    return -1;
  return (gssize) o * t->l->cols + ((gssize) c * t->kh + ky) * t->kw + kx;
}

/* The full layout's cell of parameter i; FALSE if it has none. */
static gboolean
full_cell (const Tiles *t, gsize i, gssize *gx, gssize *gy)
{
  if (i >= t->l->n_weight)
    {
      gsize o = i - t->l->n_weight;
      if (!t->bias || o >= (gsize) t->n_out)
        return FALSE;
      *gx = t->gw - 1;
      *gy = (gssize) o * (t->kh + 1) + t->kh / 2;
      return TRUE;
    }
  gsize o = i / t->l->cols, r = i % t->l->cols;
  gsize c = r / (t->kh * t->kw), ky = r / t->kw % t->kh, kx = r % t->kw;
  *gx = (gssize) (c * (t->kw + 1) + kx);
  *gy = (gssize) (o * (t->kh + 1) + ky);
  return TRUE;
}

static inline guint32
colour (const guint32 lut[256], double v, double lo, double scale)
{
  int k = isfinite (v) ? (int) ((v - lo) * scale + 0.5) : 0;
  return lut[CLAMP (k, 0, 255)];
}

/* The overview's cells: per output channel and kernel position, the mean of
 * the quantity over input channels (NaN where none is finite). */
static double *
channel_means (const Tiles *t, BlipMapQuantity q)
{
  const BlipLayerSnapshot *l = t->l;
  int ksize = t->kh * t->kw;
  double *mean = g_new (double, (gsize) t->n_out * ksize);
  for (int o = 0; o < t->n_out; o++)
    for (int k = 0; k < ksize; k++)
      {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < t->kc; c++)
          {
            double v = map_raw_value (l, q, (gsize) o * l->cols + (gsize) c * ksize + k);
            if (isfinite (v))
              sum += v, n++;
          }
        mean[(gsize) o * ksize + k] = n > 0 ? sum / n : NAN;
      }
  return mean;
}

/* The grid as an image, one pixel per cell, gaps white. mean: the overview's
 * cells (channel_means), NULL for the full layout. */
static cairo_surface_t *
paint_cells (const Tiles *t, BlipMapQuantity q, const double *mean, double lo, double hi, gboolean high_contrast)
{
  const BlipLayerSnapshot *l = t->l;
  guint32 lut[256];
  map_colour_table (high_contrast, lut);
  double scale = 255.0 / (hi - lo);
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, t->gw, t->gh);
  cairo_surface_flush (img);
  guint8 *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  memset (data, 0xff, (gsize) stride * t->gh);
#define CELL(gx, gy) (((guint32 *) (data + (gsize) (gy) * stride))[gx])
  int ksize = t->kh * t->kw;
  for (int o = 0; o < t->n_out; o++)
    {
      if (!t->full)
        {
          int x0 = o % t->tiles_x * (t->kw + 1), y0 = o / t->tiles_x * (t->kh + 1);
          for (int k = 0; k < ksize; k++)
            CELL (x0 + k % t->kw, y0 + k / t->kw) = colour (lut, mean[(gsize) o * ksize + k], lo, scale);
          continue;
        }
      gsize row = (gsize) o * l->cols;
      for (int c = 0; c < t->kc; c++)
        for (int ky = 0; ky < t->kh; ky++)
          for (int kx = 0; kx < t->kw; kx++)
            {
              gsize i = row + (gsize) c * ksize + ky * t->kw + kx;
              CELL (c * (t->kw + 1) + kx, o * (t->kh + 1) + ky) = colour (lut, map_raw_value (l, q, i), lo, scale);
            }
      if (t->bias)
        CELL (t->gw - 1, o * (t->kh + 1) + t->kh / 2) = colour (lut, map_raw_value (l, q, l->n_weight + o), lo, scale);
    }
#undef CELL
  cairo_surface_mark_dirty (img);
  return img;
}

/* The overview's colour range. Means over input channels span less than the
 * single parameters do (a layer's mean frozen bits rarely reach its most), so
 * with the layer's own range the tiles would all be dark: the range of the
 * means instead, as the input-image layout does, with bits still from 0 so
 * that "nothing frozen" is the bottom colour. One range over all layers
 * (global_scale) is kept as it is, so layers stay comparable. */
static void
overview_range (const Tiles *t, const double *mean, const BlipMapView *view, double *lo, double *hi)
{
  if (view->global_scale)
    return;
  double a = INFINITY, b = -INFINITY;
  for (gsize i = 0; i < (gsize) t->n_out * t->kh * t->kw; i++)
    if (isfinite (mean[i]))
      a = MIN (a, mean[i]), b = MAX (b, mean[i]);
  if (view->quantity == BLIP_MAP_BITS)
    a = 0;
  if (isfinite (a) && isfinite (b) && b > a)
    *lo = a, *hi = b;
}

/* A thin grey frame round each visible tile and bias cell: in the
 * high-contrast palette the top colour is white, which the white gaps would
 * otherwise swallow. */
static void
draw_frames (cairo_t *cr, const Tiles *t)
{
  int n_rows = (t->gh + 1) / (t->kh + 1), n_cols = t->full ? t->kc : t->tiles_x;
  int r0 = (int) (t->gy0 / (t->kh + 1)), r1 = MIN (n_rows - 1, (int) ((t->gy0 + t->gvh) / (t->kh + 1)));
  int c0 = (int) (t->gx0 / (t->kw + 1)), c1 = MIN (n_cols - 1, (int) ((t->gx0 + t->gvw) / (t->kw + 1)));
  cairo_save (cr);
  cairo_rectangle (cr, t->ox - 1, t->oy - 1, t->gvw * t->cell + 2, t->gvh * t->cell + 2);
  cairo_clip (cr);
  for (int r = r0; r <= r1; r++)
    {
      double y = round (t->oy + (r * (t->kh + 1) - t->gy0) * t->cell);
      for (int c = c0; c <= c1 && (t->full || r * t->tiles_x + c < t->n_out); c++)
        {
          double x = round (t->ox + (c * (t->kw + 1) - t->gx0) * t->cell);
          cairo_rectangle (cr, x - 0.5, y - 0.5, round (t->kw * t->cell) + 1, round (t->kh * t->cell) + 1);
        }
      if (t->bias)
        {
          double x = round (t->ox + (t->gw - 1 - t->gx0) * t->cell);
          cairo_rectangle (cr, x - 0.5, y + round (t->kh / 2 * t->cell) - 0.5, round (t->cell) + 1,
                           round (t->cell) + 1);
        }
    }
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Labels every step-th of them, step a power of two, at least min_px apart. */
static int
label_step (double pitch_px, double min_px)
{
  int step = 1;
  while (step * pitch_px < min_px && step < (1 << 24))
    step *= 2;
  return step;
}

/* Channel numbers: output channels left of their row of tiles, input
 * channels (full) or the position within a row (overview) above the columns. */
static void
draw_labels (cairo_t *cr, const Tiles *t)
{
  double px = (t->kw + 1) * t->cell, py = (t->kh + 1) * t->cell;
  double right = t->ox + t->gvw * t->cell, bottom = t->oy + t->gvh * t->cell;
  int n_rows = (t->gh + 1) / (t->kh + 1), n_cols = t->full ? t->kc : t->tiles_x;
  cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
  int step = label_step (py, 13);
  for (int r = 0; r < n_rows; r += step)
    {
      double y = t->oy + (r * (t->kh + 1) + t->kh / 2.0 - t->gy0) * t->cell;
      if (y >= t->oy && y <= bottom)
        figure_textf (cr, t->ox - 5, y + 4, 10, ALIGN_RIGHT, FALSE, "%d", t->full ? r : r * t->tiles_x);
    }
  int digits = (int) log10 (MAX (1, n_cols - 1)) + 1 + !t->full;
  step = label_step (px, 7.0 * digits + 8);
  for (int c = 0; c < n_cols; c += step)
    {
      double x = t->ox + (c * (t->kw + 1) + t->kw / 2.0 - t->gx0) * t->cell;
      if (x >= t->ox && x <= right)
        figure_textf (cr, x, t->oy - 5, 10, ALIGN_CENTER, FALSE, t->full ? "%d" : "+%d", c);
    }
  double bx = t->ox + (t->gw - 0.5 - t->gx0) * t->cell;
  if (t->bias && bx >= t->ox && bx <= right)
    figure_text (cr, bx, t->oy - 5, 10, ALIGN_CENTER, FALSE, "b");
  /* What the numbers count, in the corner and on the line above. */
  figure_text (cr, t->ox - 5, t->oy - 5, 10, ALIGN_RIGHT, FALSE, "out");
  figure_text (cr, t->ox, t->oy - 17, 10, ALIGN_LEFT, FALSE,
               t->full ? "input channel →" : "one tile per output channel: row start + position →");
}

void
kernel_map_draw (cairo_t *cr, int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view)
{
  const BlipLayerSnapshot *l = &s->layers[layer];
  Tiles t;
  tiles_layout (width, height, l, view, &t);
  figure_background (cr, width, height);
  double lo, hi;
  map_value_range (s, layer, view, &lo, &hi);
  g_autofree double *mean = t.full ? NULL : channel_means (&t, view->quantity);
  if (mean != NULL)
    overview_range (&t, mean, view, &lo, &hi);

  cairo_surface_t *img = paint_cells (&t, view->quantity, mean, lo, hi, view->high_contrast);
  cairo_save (cr);
  cairo_rectangle (cr, t.ox, t.oy, t.gvw * t.cell, t.gvh * t.cell);
  cairo_clip (cr);
  cairo_translate (cr, t.ox, t.oy);
  cairo_scale (cr, t.cell, t.cell);
  cairo_translate (cr, -t.gx0, -t.gy0);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);

  if (t.cell * MIN (t.kh, t.kw) >= 6)
    draw_frames (cr, &t);
  draw_labels (cr, &t);
  char zoom[32] = "";
  if (view->zoom > 1)
    g_snprintf (zoom, sizeof zoom, ", zoom %.1f×", view->zoom);
  g_autofree char *title = t.full
    ? g_strdup_printf ("%s — %s: %d × %d kernels of %d×%d (output × input channels)%s%s", l->name,
                       map_quantity_name (view->quantity), t.n_out, t.kc, t.kh, t.kw, t.bias ? " + bias" : "", zoom)
    : g_strdup_printf ("%s — %s: %d kernels of %d×%d×%d, mean over input channels%s", l->name,
                       map_quantity_name (view->quantity), t.n_out, t.kc, t.kh, t.kw, zoom);
  double mx, my, mw, mh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_text_fit (cr, mx, 19, 15, 9, width - 2 * mx, ALIGN_LEFT, TRUE, title);
  map_legend (cr, width, my, mh, lo, hi, view, TRUE);
  if (mean != NULL && view->legend)
    figure_text (cr, width - MAP_LEGEND_WIDTH + 10, my + mh - 2, 10, ALIGN_LEFT, FALSE, "(means)");
}

gssize
kernel_map_pick (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view, double x,
                 double y)
{
  Tiles t;
  tiles_layout (width, height, &s->layers[layer], view, &t);
  if (!t.full || x < t.ox || y < t.oy || x >= t.ox + t.gvw * t.cell || y >= t.oy + t.gvh * t.cell)
    return -1;
  return full_index (&t, (gssize) floor (t.gx0 + (x - t.ox) / t.cell), (gssize) floor (t.gy0 + (y - t.oy) / t.cell));
}

gboolean
kernel_map_cell_rect (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view,
                      gsize index, double rect[4])
{
  Tiles t;
  tiles_layout (width, height, &s->layers[layer], view, &t);
  gssize gx, gy;
  if (!t.full || !full_cell (&t, index, &gx, &gy))
    return FALSE;
  rect[0] = t.ox + (gx - t.gx0) * t.cell;
  rect[1] = t.oy + (gy - t.gy0) * t.cell;
  rect[2] = rect[3] = t.cell;
  return rect[0] + t.cell > t.ox && rect[1] + t.cell > t.oy && rect[0] < t.ox + t.gvw * t.cell &&
         rect[1] < t.oy + t.gvh * t.cell;
}

void
kernel_map_zoom_at (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view, double zoom,
                    double x, double y)
{
  const BlipLayerSnapshot *l = &s->layers[layer];
  Tiles t;
  tiles_layout (width, height, l, view, &t);
  /* At most 6 cells across the shorter side, as on the grid. */
  double max_zoom = MAX (1.0, MIN (t.aw, t.ah) / 6 / t.base);
  zoom = CLAMP (zoom, 1.0, max_zoom);
  /* The point of the grid under (x, y), or under the nearest edge of the tiles. */
  double sx = CLAMP (x, t.ox, t.ox + t.gvw * t.cell), sy = CLAMP (y, t.oy, t.oy + t.gvh * t.cell);
  double gx = t.gx0 + (sx - t.ox) / t.cell, gy = t.gy0 + (sy - t.oy) / t.cell;
  /* Where the tiles start at the new zoom does not depend on the centre. */
  view->zoom = zoom;
  Tiles n;
  tiles_layout (width, height, l, view, &n);
  double gx0 = gx - (sx - n.ox) / n.cell, gy0 = gy - (sy - n.oy) / n.cell;
  view->center_x = CLAMP ((gx0 + n.gvw / 2) / n.gw, 0, 1);
  view->center_y = CLAMP ((gy0 + n.gvh / 2) / n.gh, 0, 1);
}

void
kernel_map_pan (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view, double dx, double dy)
{
  Tiles t;
  tiles_layout (width, height, &s->layers[layer], view, &t);
  double hx = t.gvw / t.gw / 2, hy = t.gvh / t.gh / 2;
  view->center_x = CLAMP (view->center_x - dx / (t.gw * t.cell), hx, 1 - hx);
  view->center_y = CLAMP (view->center_y - dy / (t.gh * t.cell), hy, 1 - hy);
}

gssize
kernel_map_step (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view, gsize index,
                 int dx, int dy)
{
  Tiles t;
  tiles_layout (width, height, &s->layers[layer], view, &t);
  gssize gx, gy;
  if (!t.full || !full_cell (&t, index, &gx, &gy))
    return -1;
  if (dx == 0 && dy == 0)
    return index;
  /* Over the gaps to the next cell that is a parameter. */
  for (;;)
    {
      gx += dx;
      gy += dy;
      if (gx < 0 || gy < 0 || gx >= t.gw || gy >= t.gh)
        return index;
      gssize i = full_index (&t, gx, gy);
      if (i >= 0)
        return i;
    }
}
