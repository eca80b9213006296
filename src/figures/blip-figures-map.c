/* blip-figures-map.c — the layer map (the paper's Figure 2): one cell per
 * parameter, coloured by frozen bits, information gain or Fisher. Linear
 * layers are drawn here; convolutions as kernel tiles in
 * blip-figures-kernels.c, which shares the colour scale, area and legend.
 *
 * The map is painted into a pixel buffer, one pixel per parameter, through a
 * 256-entry colour table, then scaled onto the target with nearest-neighbour
 * filtering: a 784×1200 layer is one pass over 942,000 bytes plus one cairo
 * paint, well inside a frame. */
#include "blip-figures-private.h"

#include <math.h>
#include <string.h>

#define LEGEND_WIDTH MAP_LEGEND_WIDTH
#define TITLE_HEIGHT MAP_TITLE_HEIGHT

void
blip_map_view_init (BlipMapView *view)
{
  *view = (BlipMapView) {
    .quantity = BLIP_MAP_BITS,
    .layout = BLIP_MAP_GRID,
    .global_scale = FALSE,
    .zoom = 1.0,
    .center_x = 0.5,
    .center_y = 0.5,
    .legend = TRUE,
    .high_contrast = FALSE,
  };
}

/* Whether the layer has biases: ResNet's convolutions have none. */
static inline gboolean
has_bias (const BlipLayerSnapshot *l)
{
  return l->n > l->n_weight;
}

/* The grid: weights [rows × cols] and, when there are biases, one more column. */
static void
grid_size (const BlipLayerSnapshot *l, int *gw, int *gh)
{
  *gw = l->cols + (has_bias (l) ? 1 : 0);
  *gh = l->rows;
}

static gsize
grid_index (const BlipLayerSnapshot *l, int x, int y)
{
  return x < l->cols ? (gsize) y * l->cols + x : l->n_weight + y;
}

double
map_raw_value (const BlipLayerSnapshot *l, BlipMapQuantity q, gsize i)
{
  switch (q)
    {
    case BLIP_MAP_BITS:
      return l->bits ? l->bits[i] : 0;
    case BLIP_MAP_INFO_GAIN:
      return l->info_gain ? l->info_gain[i] : NAN;
    case BLIP_MAP_FISHER:
      return l->fisher_old && l->fisher_old[i] > 0 ? log10 (l->fisher_old[i]) : NAN;
    }
  return NAN;
}

gboolean
map_has_quantity (const BlipLayerSnapshot *l, BlipMapQuantity q)
{
  return q == BLIP_MAP_BITS ? l->bits != NULL : q == BLIP_MAP_INFO_GAIN ? l->info_gain != NULL
                                                                         : l->fisher_old != NULL;
}

/* Colour range of a layer, or of all layers with global_scale. Bits use
 * [0, max_bit] globally, so "fully frozen" is always the top colour. */
void
map_value_range (const BlipSnapshot *s, int layer, const BlipMapView *view, double *lo, double *hi)
{
  if (view->quantity == BLIP_MAP_BITS && view->global_scale)
    {
      *lo = 0;
      *hi = s->layers[layer].max_bit;
      return;
    }
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int l = 0; l < s->n_layers; l++)
    {
      if (!view->global_scale && l != layer)
        continue;
      const BlipLayerSnapshot *ls = &s->layers[l];
      if (!map_has_quantity (ls, view->quantity))
        continue;
      for (gsize i = 0; i < ls->n; i++)
        {
          double v = map_raw_value (ls, view->quantity, i);
          if (isfinite (v))
            {
              *lo = MIN (*lo, v);
              *hi = MAX (*hi, v);
            }
        }
    }
  if (view->quantity == BLIP_MAP_BITS)
    {
      /* Per layer: from 0 to the most bits any parameter of it holds, at least 1. */
      *lo = 0;
      *hi = MAX (*hi, 1);
    }
  if (!isfinite (*lo) || !isfinite (*hi) || *hi <= *lo)
    {
      *lo = isfinite (*lo) ? *lo : 0;
      *hi = *lo + 1;
    }
}

/* Map area inside the figure. */
void
map_area (int width, int height, const BlipMapView *view, double *x, double *y, double *w, double *h)
{
  *x = 4;
  *y = TITLE_HEIGHT;
  *w = MAX (1, width - 8 - (view->legend ? LEGEND_WIDTH : 0));
  *h = MAX (1, height - TITLE_HEIGHT - 4);
}

/* The visible part of the grid: [gx0, gx0+gvw) × [gy0, gy0+gvh) in cells. */
static void
visible_cells (const BlipLayerSnapshot *l, const BlipMapView *view, double *gx0, double *gy0,
               double *gvw, double *gvh)
{
  int gw, gh;
  grid_size (l, &gw, &gh);
  double zoom = MAX (1.0, view->zoom);
  *gvw = gw / zoom;
  *gvh = gh / zoom;
  *gx0 = CLAMP (view->center_x * gw - *gvw / 2, 0, gw - *gvw);
  *gy0 = CLAMP (view->center_y * gh - *gvh / 2, 0, gh - *gvh);
}

void
map_colour_table (gboolean high_contrast, guint32 lut[256])
{
  for (int i = 0; i < 256; i++)
    {
      double rgb[3];
      blip_palette_sequential (i / 255.0, high_contrast, rgb);
      lut[i] = 0xff000000u | ((guint32) (rgb[0] * 255) << 16) | ((guint32) (rgb[1] * 255) << 8) |
               (guint32) (rgb[2] * 255);
    }
}

/* The colour bar right of the map, from lo (bottom) to hi; which_scale adds
 * whether the range is the layer's or all layers'. */
void
map_legend (cairo_t *cr, int width, double my, double mh, double lo, double hi, const BlipMapView *view,
            gboolean which_scale)
{
  if (!view->legend)
    return;
  double lx = width - LEGEND_WIDTH + 10, ly = my + 14, lh = mh - 28;
  for (int i = 0; i < 64; i++)
    {
      double rgb[3];
      blip_palette_sequential (1.0 - i / 63.0, view->high_contrast, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, lx, ly + lh * i / 64.0, 16, lh / 64.0 + 1);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_textf (cr, lx + 20, ly + 10, 11, ALIGN_LEFT, FALSE, "%.3g", hi);
  figure_textf (cr, lx + 20, ly + lh, 11, ALIGN_LEFT, FALSE, "%.3g", lo);
  if (which_scale)
    figure_text (cr, lx, ly - 4, 10, ALIGN_LEFT, FALSE, view->global_scale ? "global" : "layer");
}

const char *
map_quantity_name (BlipMapQuantity q)
{
  return q == BLIP_MAP_BITS ? "frozen bits" : q == BLIP_MAP_INFO_GAIN ? "information gain (bits)"
                                                                        : "log10 accumulated Fisher";
}

/* Side of the input image, or 0 when the layer's inputs do not form a
 * square or are not the network's input: a later layer's inputs are units or
 * feature maps (the MinAtar network's fc1 reads 16 × 8 × 8 = 32² values that
 * are no 32 × 32 image). */
static int
input_side (const BlipSnapshot *s, int layer)
{
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (layer != 0)
    return 0;
  int side = (int) lround (sqrt (l->cols));
  return side * side == l->cols ? side : 0;
}

/* The input-image layout: per input, the mean of the quantity over the output
 * units, drawn side × side. */
static void
draw_input_image (cairo_t *cr, int width, int height, const BlipSnapshot *s, int layer,
                  const BlipMapView *view)
{
  const BlipLayerSnapshot *l = &s->layers[layer];
  int side = input_side (s, layer);
  g_autofree double *mean = g_new0 (double, l->cols);
  for (int r = 0; r < l->rows; r++)
    for (int c = 0; c < l->cols; c++)
      {
        double v = map_raw_value (l, view->quantity, (gsize) r * l->cols + c);
        mean[c] += isfinite (v) ? v / l->rows : 0;
      }
  double lo = INFINITY, hi = -INFINITY;
  for (int c = 0; c < l->cols; c++)
    lo = MIN (lo, mean[c]), hi = MAX (hi, mean[c]);
  if (view->quantity == BLIP_MAP_BITS && view->global_scale)
    lo = 0, hi = l->max_bit;
  if (!(hi > lo))
    hi = lo + 1;
  figure_background (cr, width, height);
  double mx, my, mw, mh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  double cell = MIN (mw, mh) / side;
  double ox = mx + (mw - cell * side) / 2, oy = my + (mh - cell * side) / 2;
  for (int c = 0; c < l->cols; c++)
    {
      double rgb[3];
      blip_palette_sequential ((mean[c] - lo) / (hi - lo), view->high_contrast, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, ox + (c % side) * cell, oy + (c / side) * cell, cell + 0.5, cell + 0.5);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  figure_textf (cr, mx, 19, 15, ALIGN_LEFT, TRUE, "%s — mean %s per input (%d × %d)", l->name,
                map_quantity_name (view->quantity), side, side);
  map_legend (cr, width, my, mh, lo, hi, view, FALSE);
}

void
blip_figure_layer_map (cairo_t *cr, int width, int height, const BlipSnapshot *s, int layer,
                       const BlipMapView *view)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers)
    {
      figure_message (cr, width, height, "No layer to show yet");
      return;
    }
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (!l->quantized || !map_has_quantity (l, view->quantity))
    {
      figure_message (cr, width, height, view->quantity == BLIP_MAP_INFO_GAIN
                      ? "Information gain appears when a task ends"
                      : "This layer carries no BLIP state");
      return;
    }
  if (kernel_map_applies (l))
    {
      kernel_map_draw (cr, width, height, s, layer, view);
      return;
    }
  if (view->layout == BLIP_MAP_INPUT_IMAGE && input_side (s, layer) > 0)
    {
      draw_input_image (cr, width, height, s, layer, view);
      return;
    }
  figure_background (cr, width, height);

  double lo, hi;
  map_value_range (s, layer, view, &lo, &hi);
  guint32 lut[256];
  map_colour_table (view->high_contrast, lut);

  int gw, gh;
  grid_size (l, &gw, &gh);
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, gw, gh);
  cairo_surface_flush (img);
  guint8 *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  double scale = 255.0 / (hi - lo);
  for (int y = 0; y < gh; y++)
    {
      guint32 *row = (guint32 *) (data + (gsize) y * stride);
      if (view->quantity == BLIP_MAP_BITS)
        {
          /* The hot case, kept branch-free: bits are small integers. */
          const guint8 *b = l->bits + (gsize) y * l->cols;
          for (int x = 0; x < l->cols; x++)
            {
              int k = (int) ((b[x] - lo) * scale + 0.5);
              row[x] = lut[CLAMP (k, 0, 255)];
            }
          if (has_bias (l))
            {
              int k = (int) ((l->bits[l->n_weight + y] - lo) * scale + 0.5);
              row[l->cols] = lut[CLAMP (k, 0, 255)];
            }
          continue;
        }
      for (int x = 0; x < gw; x++)
        {
          double v = map_raw_value (l, view->quantity, grid_index (l, x, y));
          int k = isfinite (v) ? (int) ((v - lo) * scale + 0.5) : 0;
          row[x] = lut[CLAMP (k, 0, 255)];
        }
    }
  cairo_surface_mark_dirty (img);

  double mx, my, mw, mh, gx0, gy0, gvw, gvh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  visible_cells (l, view, &gx0, &gy0, &gvw, &gvh);
  cairo_save (cr);
  cairo_rectangle (cr, mx, my, mw, mh);
  cairo_clip (cr);
  cairo_translate (cr, mx, my);
  cairo_scale (cr, mw / gvw, mh / gvh);
  cairo_translate (cr, -gx0, -gy0);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  char zoom[32] = "";
  if (view->zoom > 1)
    g_snprintf (zoom, sizeof zoom, ", zoom %.1f×", view->zoom);
  figure_textf (cr, mx, 19, 15, ALIGN_LEFT, TRUE, "%s — %s (%d × %d%s)%s", l->name,
                map_quantity_name (view->quantity), l->rows, l->cols,
                has_bias (l) ? " + bias" : "", zoom);

  map_legend (cr, width, my, mh, lo, hi, view, TRUE);
}

gssize
blip_figure_layer_map_pick (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view,
                            double x, double y)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers)
    return -1;
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (kernel_map_applies (l))
    return kernel_map_pick (width, height, s, layer, view, x, y);
  if (view->layout == BLIP_MAP_INPUT_IMAGE && input_side (s, layer) > 0)
    return -1;
  double mx, my, mw, mh, gx0, gy0, gvw, gvh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  if (x < mx || y < my || x >= mx + mw || y >= my + mh)
    return -1;
  visible_cells (l, view, &gx0, &gy0, &gvw, &gvh);
  int gx = (int) floor (gx0 + (x - mx) / mw * gvw);
  int gy = (int) floor (gy0 + (y - my) / mh * gvh);
  int gw, gh;
  grid_size (l, &gw, &gh);
  if (gx < 0 || gy < 0 || gx >= gw || gy >= gh)
    return -1;
  return (gssize) grid_index (l, gx, gy);
}

/* The grid's cell of parameter i: weights by (input, unit), biases in the last column. */
static void
grid_cell (const BlipLayerSnapshot *l, gsize i, gssize *gx, gssize *gy)
{
  *gx = i < l->n_weight ? (gssize) (i % l->cols) : l->cols;
  *gy = i < l->n_weight ? (gssize) (i / l->cols) : (gssize) (i - l->n_weight);
}

/* The layouts other than the grid that these functions know nothing about:
 * the input image, where no cell is a single parameter. */
static gboolean
is_input_image (const BlipSnapshot *s, int layer, const BlipMapView *view)
{
  return view->layout == BLIP_MAP_INPUT_IMAGE && input_side (s, layer) > 0;
}

gboolean
blip_figure_layer_map_cell_rect (int width, int height, const BlipSnapshot *s, int layer,
                                 const BlipMapView *view, gsize index, double rect[4])
{
  if (s == NULL || layer < 0 || layer >= s->n_layers || index >= s->layers[layer].n)
    return FALSE;
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (kernel_map_applies (l))
    return kernel_map_cell_rect (width, height, s, layer, view, index, rect);
  if (is_input_image (s, layer, view) || l->cols <= 0)
    return FALSE;
  double mx, my, mw, mh, gx0, gy0, gvw, gvh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  visible_cells (l, view, &gx0, &gy0, &gvw, &gvh);
  gssize gx, gy;
  grid_cell (l, index, &gx, &gy);
  double cw = mw / gvw, ch = mh / gvh;
  rect[0] = mx + (gx - gx0) * cw;
  rect[1] = my + (gy - gy0) * ch;
  rect[2] = cw;
  rect[3] = ch;
  return rect[0] + cw >= mx && rect[1] + ch >= my && rect[0] <= mx + mw && rect[1] <= my + mh;
}

void
blip_figure_layer_map_zoom_at (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view,
                               double zoom, double x, double y)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers)
    return;
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (kernel_map_applies (l))
    {
      kernel_map_zoom_at (width, height, s, layer, view, zoom, x, y);
      return;
    }
  /* At most 6 cells across the shorter side: closer than that shows nothing more. */
  double max_zoom = MAX (1.0, MIN (l->cols + 1, l->rows) / 6.0);
  zoom = CLAMP (zoom, 1.0, max_zoom);
  double mx, my, mw, mh, gx0, gy0, gvw, gvh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  visible_cells (l, view, &gx0, &gy0, &gvw, &gvh);
  /* Keep the cell under (x, y) where it is. */
  double fx = CLAMP ((x - mx) / mw, 0, 1), fy = CLAMP ((y - my) / mh, 0, 1);
  double gx = gx0 + fx * gvw, gy = gy0 + fy * gvh;
  int gw, gh;
  grid_size (l, &gw, &gh);
  double nvw = gw / zoom, nvh = gh / zoom;
  view->zoom = zoom;
  view->center_x = CLAMP ((gx - fx * nvw + nvw / 2) / gw, 0, 1);
  view->center_y = CLAMP ((gy - fy * nvh + nvh / 2) / gh, 0, 1);
}

void
blip_figure_layer_map_pan (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view,
                           double dx, double dy)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers)
    return;
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (kernel_map_applies (l))
    {
      kernel_map_pan (width, height, s, layer, view, dx, dy);
      return;
    }
  double mx, my, mw, mh;
  map_area (width, height, view, &mx, &my, &mw, &mh);
  /* The visible part spans 1/zoom of the layer; keep the centre where the
   * figure can actually put it. */
  double zoom = MAX (1.0, view->zoom), half = 0.5 / zoom;
  view->center_x = CLAMP (view->center_x - dx / mw / zoom, half, 1 - half);
  view->center_y = CLAMP (view->center_y - dy / mh / zoom, half, 1 - half);
}

gssize
blip_figure_layer_map_step (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view,
                            gsize index, int dx, int dy)
{
  if (s == NULL || layer < 0 || layer >= s->n_layers || index >= s->layers[layer].n)
    return -1;
  const BlipLayerSnapshot *l = &s->layers[layer];
  if (kernel_map_applies (l))
    return kernel_map_step (width, height, s, layer, view, index, dx, dy);
  if (is_input_image (s, layer, view) || l->cols <= 0)
    return -1;
  gssize gx, gy;
  grid_cell (l, index, &gx, &gy);
  gx = CLAMP (gx + dx, 0, has_bias (l) ? l->cols : l->cols - 1);
  gy = CLAMP (gy + dy, 0, l->rows - 1);
  return gx < l->cols ? gy * l->cols + gx : (gssize) l->n_weight + gy;
}
