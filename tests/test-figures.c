/* test-figures.c — the cairo views, drawn offscreen from hand-built snapshots
 * and checked pixel by pixel: frozen bits show as coloured cells, a fully
 * frozen layer map is uniformly the top colour, convolutions show as kernel
 * tiles (or, when large, per-output-channel means), the accuracy matrix fills
 * in, picking finds the parameter under the pointer, a table of methods draws
 * bars to scale and memory lines only for methods that keep something, and a
 * title too long for the figure stays inside it; plus
 * the run history and file export. */
#include "blip.h"
#include "blip-figures.h"
#include "blip-test-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 6
#define COLS 10

/* A snapshot of one quantized ROWS×COLS layer (plus ROWS biases). */
static BlipSnapshot *
make_snapshot (int n_tasks, int bits_everywhere)
{
  BlipSnapshot *s = g_new0 (BlipSnapshot, 1);
  s->ref_count = 1;
  s->experiment = g_strdup ("test");
  s->approach = g_strdup ("blip");
  s->event.type = (BlipEventType) -1;
  s->n_tasks = n_tasks;
  s->acc = g_new (double, n_tasks * n_tasks);
  for (int i = 0; i < n_tasks * n_tasks; i++)
    s->acc[i] = NAN;
  s->n_layers = 1;
  s->layers = g_new0 (BlipLayerSnapshot, 1);
  BlipLayerSnapshot *l = &s->layers[0];
  l->name = g_strdup ("fc1");
  l->rows = ROWS;
  l->cols = COLS;
  l->n_weight = ROWS * COLS;
  l->n = l->n_weight + ROWS;
  l->quantized = TRUE;
  l->bound_w = 0.5f;
  l->bound_b = 1.0f;
  l->max_bit = 20;
  l->values = g_new0 (float, l->n);
  l->bits = g_new0 (guint8, l->n);
  l->anchor = g_new0 (float, l->n);
  l->fisher_old = g_new (float, l->n);
  for (gsize i = 0; i < l->n; i++)
    {
      l->values[i] = 0.01f * (float) i / l->n;
      l->anchor[i] = l->values[i];
      l->bits[i] = bits_everywhere;
      l->fisher_old[i] = 1e-12f * (1 + i);
    }
  return s;
}

static cairo_surface_t *
render (void (*draw) (cairo_t *, int, int, gpointer), gpointer data, int w, int h)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (surface);
  draw (cr, w, h, data);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  return ((const guint32 *) (data + (gsize) y * cairo_image_surface_get_stride (s)))[x] & 0xffffff;
}

static guint32
rgb24 (const double rgb[3])
{
  return ((guint32) (rgb[0] * 255) << 16) | ((guint32) (rgb[1] * 255) << 8) | (guint32) (rgb[2] * 255);
}

/* cairo rounds channels where a truncation would not: allow one step. */
static gboolean
same_colour (guint32 c, const double rgb[3])
{
  for (int k = 0; k < 3; k++)
    {
      int have = (c >> (16 - 8 * k)) & 0xff, want = (int) lround (rgb[k] * 255);
      if (abs (have - want) > 1)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  BlipSnapshot   *s;
  BlipRunHistory *history;
  gsize           index;
  BlipMapView     view;
} DrawData;

static void
draw_parameter (cairo_t *cr, int w, int h, gpointer p)
{
  DrawData *d = p;
  blip_figure_parameter (cr, w, h, d->s, d->history, 0, d->index, FALSE);
}

static void
draw_map (cairo_t *cr, int w, int h, gpointer p)
{
  DrawData *d = p;
  blip_figure_layer_map (cr, w, h, d->s, 0, &d->view);
}

static void
draw_acc (cairo_t *cr, int w, int h, gpointer p)
{
  DrawData *d = p;
  blip_figure_acc_matrix (cr, w, h, d->s, FALSE);
}

/* A parameter with 5 frozen bits shows 5 coloured cells, then free grey ones. */
static void
test_parameter_bits (void)
{
  const int W = 900, H = 600;
  DrawData d = { make_snapshot (1, 0), NULL, 7, { 0 } };
  d.s->layers[0].bits[7] = 5;
  cairo_surface_t *img = render (draw_parameter, &d, W, H);
  /* Geometry as blip-figures-parameter.c lays it out. */
  double font = CLAMP (H / 28.0, 11, 22);
  double cell = MIN ((W - 24.0) / 20, H / 6.0);
  double x0 = (W - cell * 20) / 2, y0 = 2 * font + 34;
  double task0[3];
  blip_palette_task (0, task0);
  int coloured = 0, grey = 0;
  for (int p = 0; p < 20; p++)
    {
      guint32 c = pixel (img, (int) (x0 + p * cell + 4), (int) (y0 + 4));
      if (same_colour (c, task0))
        {
          coloured++;
          g_assert_cmpint (p, <, 5);
        }
      else if (c == 0xededed || c == 0xeeeeee)
        {
          grey++;
          g_assert_cmpint (p, >=, 5);
        }
      else
        g_error ("bit cell %d has colour %06x", p, c);
    }
  g_assert_cmpint (coloured, ==, 5);
  g_assert_cmpint (grey, ==, 15);
  cairo_surface_destroy (img);
  blip_snapshot_free (d.s);
}

/* With a history, each bit takes the colour of the task that froze it. */
static void
test_parameter_history_colours (void)
{
  const int W = 900, H = 600;
  DrawData d = { make_snapshot (3, 0), blip_run_history_new (), 3, { 0 } };
  /* Task 0 froze 2 bits, task 1 one more, task 2 three more. */
  int after[3] = { 2, 3, 6 };
  for (int t = 0; t < 3; t++)
    {
      BlipSnapshot *s = make_snapshot (3, 0);
      s->task = t;
      s->event.type = BLIP_EVENT_BITS_UPDATED;
      s->layers[0].bits[3] = after[t];
      blip_run_history_add (d.history, s);
      blip_snapshot_free (s);
    }
  g_assert_cmpint (blip_run_history_n_tasks (d.history), ==, 3);
  g_assert_cmpint (blip_run_history_bits (d.history, 1, 0, 3), ==, 3);
  d.s->task = 2;
  d.s->layers[0].bits[3] = 6;
  cairo_surface_t *img = render (draw_parameter, &d, W, H);
  double font = CLAMP (H / 28.0, 11, 22);
  double cell = MIN ((W - 24.0) / 20, H / 6.0);
  double x0 = (W - cell * 20) / 2, y0 = 2 * font + 34;
  int expect[7] = { 0, 0, 1, 2, 2, 2, -1 };
  for (int p = 0; p < 7; p++)
    {
      guint32 c = pixel (img, (int) (x0 + p * cell + 4), (int) (y0 + 4));
      if (expect[p] < 0)
        g_assert_true (c == 0xededed || c == 0xeeeeee);
      else
        {
          double rgb[3];
          blip_palette_task (expect[p], rgb);
          if (!same_colour (c, rgb))
            g_error ("bit %d is %06x, expected task %d's colour %06x", p, c, expect[p], rgb24 (rgb));
        }
    }
  cairo_surface_destroy (img);
  blip_run_history_free (d.history);
  blip_snapshot_free (d.s);
}

/* A fully frozen layer is uniformly the top colour of the scale. */
static void
test_layer_map_full (void)
{
  const int W = 500, H = 400;
  DrawData d = { make_snapshot (1, 20), NULL, 0, { 0 } };
  blip_map_view_init (&d.view);
  d.view.global_scale = TRUE;
  d.view.legend = FALSE;
  cairo_surface_t *img = render (draw_map, &d, W, H);
  double top[3];
  blip_palette_sequential (1.0, FALSE, top);
  guint32 want = rgb24 (top);
  int checked = 0;
  /* The map area starts below the 28-pixel title, 4 pixels in. */
  for (int y = 30; y < H - 6; y += 7)
    for (int x = 6; x < W - 6; x += 11)
      {
        guint32 c = pixel (img, x, y);
        if (!same_colour (c, top))
          g_error ("pixel (%d, %d) is %06x, expected the top colour %06x", x, y, c, want);
        checked++;
      }
  g_assert_cmpint (checked, >, 1000);
  cairo_surface_destroy (img);

  /* One parameter with fewer bits shows as a darker cell where the pick says it is. */
  d.s->layers[0].bits[2 * COLS + 4] = 0;
  img = render (draw_map, &d, W, H);
  double cx = 4 + (4 + 0.5) * (W - 8.0) / (COLS + 1), cy = 28 + (2 + 0.5) * (H - 32.0) / ROWS;
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, cx, cy), ==, 2 * COLS + 4);
  double bottom[3];
  blip_palette_sequential (0.0, FALSE, bottom);
  g_assert_true (same_colour (pixel (img, (int) cx, (int) cy), bottom));
  /* The bias column is the last one. */
  double bx = 4 + (COLS + 0.5) * (W - 8.0) / (COLS + 1);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, bx, cy), ==, ROWS * COLS + 2);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, 1, 1), ==, -1);
  /* Zoomed 2× on the top-left quarter, the same cell is further right and down. */
  d.view.zoom = 2;
  d.view.center_x = 0.25;
  d.view.center_y = 0.25;
  gssize picked = blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, 4 + 1, 28 + 1);
  g_assert_cmpint (picked, ==, 0);
  cairo_surface_destroy (img);
  blip_snapshot_free (d.s);
}

/* A convolution with cout output channels, cin input channels and k × k
 * kernels, its weights' bits from bits_of (o, c, y, x), each bias 0. */
static BlipSnapshot *
make_conv_snapshot (int cout, int cin, int k, int (*bits_of) (int o, int c, int y, int x))
{
  BlipSnapshot *s = make_snapshot (1, 0);
  BlipLayerSnapshot *l = &s->layers[0];
  g_free (l->name);
  g_free (l->values);
  g_free (l->bits);
  g_free (l->anchor);
  g_free (l->fisher_old);
  l->name = g_strdup ("conv1");
  l->rows = cout;
  l->kernel_channels = cin;
  l->kernel_h = l->kernel_w = k;
  l->cols = cin * k * k;
  l->n_weight = (gsize) l->rows * l->cols;
  l->n = l->n_weight + cout;
  l->values = g_new0 (float, l->n);
  l->anchor = g_new0 (float, l->n);
  l->fisher_old = g_new0 (float, l->n);
  l->bits = g_new0 (guint8, l->n);
  for (int o = 0; o < cout; o++)
    for (int c = 0; c < cin; c++)
      for (int y = 0; y < k; y++)
        for (int x = 0; x < k; x++)
          l->bits[(gsize) o * l->cols + ((gsize) c * k + y) * k + x] = bits_of (o, c, y, x);
  return s;
}

/* Five levels over (output, input, row, column), different for neighbours in
 * every direction and for a kernel and its transpose. */
static int
pattern_bits (int o, int c, int y, int x)
{
  return (o * 7 + c * 3 + y * 2 + x) % 5 * 5;
}

/* Whether rgb24 colour c is the palette's colour at v. */
static gboolean
is_palette (guint32 c, double v)
{
  double rgb[3];
  blip_palette_sequential (v, FALSE, rgb);
  return same_colour (c, rgb);
}

/* 4 × 3 kernels of 3×3 in a small figure: one tile per kernel, output
 * channels down, input channels across, each cell the colour of its bits
 * and picked back as its own parameter. */
static void
test_conv_kernel_tiles (void)
{
  const int W = 500, H = 400;
  DrawData d = { make_conv_snapshot (4, 3, 3, pattern_bits), NULL, 0, { 0 } };
  BlipLayerSnapshot *l = &d.s->layers[0];
  for (int o = 0; o < 4; o++)
    l->bits[l->n_weight + o] = o % 2 ? 20 : 0;
  blip_map_view_init (&d.view);
  d.view.global_scale = TRUE;   /* bits on [0, max_bit]: 20 is the top colour */
  cairo_surface_t *img = render (draw_map, &d, W, H);

  double r[4], first[4];
  g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, 0, first));
  double cell = first[2];
  g_assert_cmpfloat (cell, >=, 10);   /* this small layer gets large cells */
  g_assert_cmpfloat (first[3], ==, cell);
  for (gsize i = 0; i < l->n; i++)
    {
      g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, i, r));
      double cx = r[0] + r[2] / 2, cy = r[1] + r[3] / 2;
      guint32 c = pixel (img, (int) cx, (int) cy);
      if (!is_palette (c, l->bits[i] / 20.0))
        g_error ("parameter %zu (%d bits) at (%.0f, %.0f) is %06x", i, l->bits[i], cx, cy, c);
      g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, cx, cy), ==, (gssize) i);
      /* The pick covers the whole cell, not just its centre. */
      g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, r[0] + 1, r[1] + 1), ==, (gssize) i);
      g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, r[0] + r[2] - 1, r[1] + r[3] - 1), ==,
                       (gssize) i);
    }

  /* The layout: weight (o, c, y, x) is at column c·4 + x, row o·4 + y, in
   * cells from the first one; the bias of o right of its row, after a gap,
   * level with the kernels' middle row. */
  for (int o = 0; o < 4; o++)
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
          {
            gsize i = (gsize) o * l->cols + (c * 3 + y) * 3 + x;
            g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, i, r));
            g_assert_cmpfloat (fabs (r[0] - (first[0] + (c * 4 + x) * cell)), <, 0.01);
            g_assert_cmpfloat (fabs (r[1] - (first[1] + (o * 4 + y) * cell)), <, 0.01);
          }
  for (int o = 0; o < 4; o++)
    {
      g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, l->n_weight + o, r));
      g_assert_cmpfloat (fabs (r[0] - (first[0] + 12 * cell)), <, 0.01);
      g_assert_cmpfloat (fabs (r[1] - (first[1] + (o * 4 + 1) * cell)), <, 0.01);
    }

  /* Gaps between tiles are white and pick nothing. */
  double gx = first[0] + 3.5 * cell, gy = first[1] + 1.5 * cell;
  g_assert_cmphex (pixel (img, (int) gx, (int) gy), ==, 0xffffff);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, gx, gy), ==, -1);
  gx = first[0] + 1.5 * cell, gy = first[1] + 3.5 * cell;
  g_assert_cmphex (pixel (img, (int) gx, (int) gy), ==, 0xffffff);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, gx, gy), ==, -1);
  /* Beside a bias, in its column, is empty too. */
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, first[0] + 12.5 * cell,
                                               first[1] + 0.5 * cell), ==, -1);
  cairo_surface_destroy (img);

  /* Arrow keys step across the gaps: right from a tile's last column to the
   * next input channel's first, down from the last row to the next output
   * channel, right from the last tile's middle row to the bias, up between
   * biases; at an edge they stay. */
  gsize w0 = 2;   /* (o 0, c 0, y 0, x 2) */
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, w0, 1, 0), ==, 9);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 6, 0, 1), ==, l->cols);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, l->cols + 2 * 9 + 5, 1, 0), ==,
                   l->n_weight + 1);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, l->n_weight + 1, 0, -1), ==, l->n_weight);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 0, -1, 0), ==, 0);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 0, 0, -1), ==, 0);

  /* Zooming keeps the parameter under the point still; panning moves it with the drag. */
  gsize target = (gsize) 2 * l->cols + (1 * 3 + 1) * 3 + 2;
  g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, target, r));
  double px = r[0] + r[2] / 2, py = r[1] + r[3] / 2;
  blip_figure_layer_map_zoom_at (W, H, d.s, 0, &d.view, 2, px, py);
  g_assert_cmpfloat (d.view.zoom, ==, 2);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, px, py), ==, (gssize) target);
  g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, target, r));
  g_assert_cmpfloat (r[2], ==, 2 * cell);
  blip_figure_layer_map_pan (W, H, d.s, 0, &d.view, -15, -10);
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, px - 15, py - 10), ==, (gssize) target);
  img = render (draw_map, &d, W, H);
  g_assert_true (is_palette (pixel (img, (int) px - 15, (int) py - 10), l->bits[target] / 20.0));
  cairo_surface_destroy (img);
  /* Zoom stops where a few cells still fill the view. */
  blip_figure_layer_map_zoom_at (W, H, d.s, 0, &d.view, 1000, px, py);
  g_assert_cmpfloat (d.view.zoom, <, 1000);
  g_assert_cmpfloat (d.view.zoom, >=, 2);
  blip_snapshot_free (d.s);
}

/* Output channel 3 has 20 bits at kernel position (0, 0) in half its input
 * channels; every channel but 5 has all of them at the centre. */
static int
overview_bits (int o, int c, int y, int x)
{
  if (o == 5)
    return 0;
  if (y == 1 && x == 1)
    return 20;
  return o == 3 && y == 0 && x == 0 && c % 2 == 0 ? 20 : 0;
}

static gboolean
is_top (cairo_surface_t *img, int x, int y)
{
  return x >= 0 && y >= 0 && x < cairo_image_surface_get_width (img) && y < cairo_image_surface_get_height (img) &&
         is_palette (pixel (img, x, y), 1.0);
}

/* 64 × 32 kernels of 3×3 do not fit 1000 × 800 legibly: one tile per output
 * channel, each cell the mean over input channels, and no single parameter
 * to pick. In a larger figure the same layer has one tile per kernel. */
static void
test_conv_overview (void)
{
  const int W = 1000, H = 800;
  DrawData d = { make_conv_snapshot (64, 32, 3, overview_bits), NULL, 0, { 0 } };
  BlipLayerSnapshot *l = &d.s->layers[0];
  blip_map_view_init (&d.view);
  d.view.legend = FALSE;   /* the legend's top colour would count as a cell */
  cairo_surface_t *img = render (draw_map, &d, W, H);

  double r[4];
  for (gsize i = 0; i < l->n; i += 97)
    g_assert_false (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, i, r));
  for (int y = 0; y < H; y += 5)
    for (int x = 0; x < W; x += 5)
      g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, x, y), ==, -1);

  /* Top-coloured cells: the centres of the 63 channels with frozen kernels,
   * in channel order along the rows of tiles. */
  GArray *corners = g_array_new (FALSE, FALSE, sizeof (int) * 2);
  int top_pixels = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      if (is_top (img, x, y))
        {
          top_pixels++;
          if (!is_top (img, x - 1, y) && !is_top (img, x, y - 1))
            {
              int xy[2] = { x, y };
              g_array_append_val (corners, xy);
            }
        }
  g_assert_cmpint (corners->len, ==, 63);
  int cell = (int) lround (sqrt (top_pixels / 63.0));
  g_assert_cmpint (cell * cell * 63, ==, top_pixels);   /* square cells, whole pixels */
  g_assert_cmpint (cell, >=, 8);
  const int *xy = (const int *) corners->data;
  /* Channel 3's (0, 0): half its input channels frozen, so half the range of the means. */
  guint32 half = pixel (img, xy[2 * 3] - cell / 2, xy[2 * 3 + 1] - cell / 2);
  if (!is_palette (half, 0.5))
    g_error ("channel 3's mean cell is %06x", half);
  /* Its (0, 1) has nothing frozen: the bottom colour. */
  g_assert_true (is_palette (pixel (img, xy[2 * 3] + cell / 2, xy[2 * 3 + 1] - cell / 2), 0.0));
  /* Channel 5 is missing: channel 6's tile is two tiles right of channel 4's. */
  g_assert_cmpint (xy[2 * 5 + 1], ==, xy[2 * 4 + 1]);
  g_assert_cmpint (xy[2 * 5] - xy[2 * 4], ==, 2 * 4 * cell);
  g_array_unref (corners);
  cairo_surface_destroy (img);

  /* Tall enough for 256 rows of cells, the map has a tile per kernel again. */
  const int BW = 1000, BH = 1400;
  for (gsize i = 0; i < l->n; i += 211)
    {
      g_assert_true (blip_figure_layer_map_cell_rect (BW, BH, d.s, 0, &d.view, i, r));
      g_assert_cmpint (blip_figure_layer_map_pick (BW, BH, d.s, 0, &d.view, r[0] + r[2] / 2, r[1] + r[3] / 2), ==,
                       (gssize) i);
    }
  img = render (draw_map, &d, BW, BH);
  gsize centre = (gsize) 7 * l->cols + (5 * 3 + 1) * 3 + 1, corner = centre - 4;
  g_assert_true (blip_figure_layer_map_cell_rect (BW, BH, d.s, 0, &d.view, centre, r));
  g_assert_true (is_top (img, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2)));
  g_assert_true (blip_figure_layer_map_cell_rect (BW, BH, d.s, 0, &d.view, corner, r));
  g_assert_true (is_palette (pixel (img, (int) (r[0] + r[2] / 2), (int) (r[1] + r[3] / 2)), 0.0));
  cairo_surface_destroy (img);
  blip_snapshot_free (d.s);
}

/* 1×1 kernels are a plain matrix of output × input channels: the linear
 * grid, biases last. */
static void
test_conv_pointwise_is_grid (void)
{
  const int W = 500, H = 400;
  DrawData d = { make_conv_snapshot (ROWS, COLS, 1, pattern_bits), NULL, 0, { 0 } };
  blip_map_view_init (&d.view);
  double cx = 4 + (4 + 0.5) * (W - 8.0 - 70) / (COLS + 1), cy = 28 + (2 + 0.5) * (H - 32.0) / ROWS;
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, cx, cy), ==, 2 * COLS + 4);
  double r[4];
  g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, 2 * COLS + 4, r));
  g_assert_cmpfloat (fabs (r[0] + r[2] / 2 - cx), <, 0.01);
  blip_snapshot_free (d.s);
}

/* A layer without biases (ResNet's 1×1 shortcut convolutions) has no bias
 * column: the grid is rows × cols, every cell a weight, and nothing reads
 * past the weights (AddressSanitizer builds check that). */
static void
test_grid_without_bias (void)
{
  const int W = 500, H = 400;
  DrawData d = { make_conv_snapshot (ROWS, COLS, 1, pattern_bits), NULL, 0, { 0 } };
  BlipLayerSnapshot *l = &d.s->layers[0];
  /* Shrink to the weights alone, in fresh allocations of exactly that size. */
  l->n = l->n_weight;
  guint8 *bits = g_memdup2 (l->bits, l->n);
  g_free (l->bits);
  l->bits = bits;
  blip_map_view_init (&d.view);
  cairo_surface_t *img = render (draw_map, &d, W, H);
  cairo_surface_destroy (img);
  /* The last column holds weights, and a step right stays on it. */
  double cx = 4 + (COLS - 0.5) * (W - 8.0 - 70) / COLS, cy = 28 + (2 + 0.5) * (H - 32.0) / ROWS;
  g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, cx, cy), ==, 3 * COLS - 1);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 3 * COLS - 1, 1, 0), ==, 3 * COLS - 1);
  blip_snapshot_free (d.s);
}

/* The linear grid's geometry is what it always was: cell_rect, pick, step
 * and zoom agree with the rows × (cols + 1) grid stretched over the map. */
static void
test_linear_geometry (void)
{
  const int W = 500, H = 400;
  DrawData d = { make_snapshot (1, 3), NULL, 0, { 0 } };
  blip_map_view_init (&d.view);
  double cw = (W - 8.0 - 70) / (COLS + 1), ch = (H - 32.0) / ROWS;
  for (gsize i = 0; i < d.s->layers[0].n; i++)
    {
      double r[4];
      int gx = i < ROWS * COLS ? (int) (i % COLS) : COLS, gy = i < ROWS * COLS ? (int) (i / COLS) : (int) i - ROWS * COLS;
      g_assert_true (blip_figure_layer_map_cell_rect (W, H, d.s, 0, &d.view, i, r));
      g_assert_cmpfloat (fabs (r[0] - (4 + gx * cw)), <, 1e-9);
      g_assert_cmpfloat (fabs (r[1] - (28 + gy * ch)), <, 1e-9);
      g_assert_cmpfloat (fabs (r[2] - cw), <, 1e-9);
      g_assert_cmpint (blip_figure_layer_map_pick (W, H, d.s, 0, &d.view, r[0] + cw / 2, r[1] + ch / 2), ==,
                       (gssize) i);
    }
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, COLS - 1, 1, 0), ==, ROWS * COLS);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 3, 0, 1), ==, COLS + 3);
  g_assert_cmpint (blip_figure_layer_map_step (W, H, d.s, 0, &d.view, 3, 0, -1), ==, 3);
  /* Zoom is capped at 6 cells across the shorter side: 6 rows here, so none. */
  blip_figure_layer_map_zoom_at (W, H, d.s, 0, &d.view, 4, 100, 100);
  g_assert_cmpfloat (d.view.zoom, ==, 1);
  blip_snapshot_free (d.s);
}

static void
test_acc_matrix_fills (void)
{
  const int W = 600, H = 500;
  DrawData d = { make_snapshot (3, 0), NULL, 0, { 0 } };
  cairo_surface_t *img = render (draw_acc, &d, W, H);
  double font = CLAMP (H / 30.0, 10, 20);
  double top = 2.5 * font + 10, left = 3.5 * font + 10;
  double size = MIN ((W - left - 20) / 3, (H - top - 4 * font - 20) / 3);
  int x = (int) (left + 3), y = (int) (top + 3);
  g_assert_cmphex (pixel (img, x, y), ==, 0xf5f5f5);   /* empty before task 1 ends */
  cairo_surface_destroy (img);
  d.s->acc[0] = 0.99;
  img = render (draw_acc, &d, W, H);
  guint32 filled = pixel (img, x, y);
  g_assert_cmphex (filled, !=, 0xf5f5f5);
  g_assert_cmphex (filled, !=, 0xffffff);
  /* the cell of task 2 is still empty */
  g_assert_cmphex (pixel (img, (int) (left + size + 3), (int) (top + size + 3)), ==, 0xf5f5f5);
  cairo_surface_destroy (img);
  blip_snapshot_free (d.s);
}

static void
test_palettes (void)
{
  /* Task colours differ from each other and from the free-bit grey. */
  for (int a = 0; a < 7; a++)
    for (int b = a + 1; b < 7; b++)
      {
        double x[3], y[3];
        blip_palette_task (a, x);
        blip_palette_task (b, y);
        g_assert_cmphex (rgb24 (x), !=, rgb24 (y));
      }
  /* The sequential map gets lighter monotonically, in both variants. */
  for (int hc = 0; hc < 2; hc++)
    {
      double prev = -1;
      for (int i = 0; i <= 20; i++)
        {
          double c[3];
          blip_palette_sequential (i / 20.0, hc, c);
          double light = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
          g_assert_cmpfloat (light, >=, prev - 1e-9);
          prev = light;
        }
    }
}

/* ---- Methods side by side ---- */

typedef struct {
  const BlipMethodSummary *rows;
  int                      n;
  gboolean                 high_contrast;
  gboolean                 returns;
  const char              *title;   /* NULL: "test table" */
} MethodsData;

static void
draw_methods (cairo_t *cr, int w, int h, gpointer data)
{
  const MethodsData *d = data;
  blip_figure_methods (cr, w, h, d->title ? d->title : "test table", d->rows, d->n, d->returns, d->high_contrast);
}

/* Pixels of the colour rgb in columns [x0, x1). */
static int
count_colour (cairo_surface_t *img, const double rgb[3], int x0, int x1)
{
  int n = 0, h = cairo_image_surface_get_height (img);
  for (int y = 0; y < h; y++)
    for (int x = x0; x < x1; x++)
      n += same_colour (pixel (img, x, y), rgb);
  return n;
}

/* The first colours of the methods' palette (Okabe–Ito): orange, sky blue,
 * bluish green, yellow. */
static const double method_rgb[4][3] = {
  { 0.902, 0.624, 0.000 }, { 0.337, 0.706, 0.914 }, { 0.000, 0.620, 0.451 }, { 0.941, 0.894, 0.259 },
};

static void
test_methods (void)
{
  static const gint64 constant[3] = { 1 << 20, 1 << 20, 1 << 20 };
  static const gint64 growing[3] = { 1000, 2000, 3000 };
  static const gint64 nothing[3] = { 0, 0, 0 };
  BlipMethodSummary rows[4] = {
    { "A", NULL, 0.99, 0.0, NAN, constant, 3 },
    { "B", "unfinished, 1/3 tasks", NAN, NAN, NAN, NULL, 0 },   /* no results yet */
    { "C", NULL, 0.95, -0.01, NAN, growing, 3 },
    { "D", NULL, 0.97, 0.0, NAN, nothing, 3 },                  /* keeps nothing */
  };
  const int W = 1200, H = 400, split = W / 2;
  MethodsData d = { rows, 4, FALSE, FALSE, NULL };
  cairo_surface_t *img = render (draw_methods, &d, W, H);

  /* Bars: none for the run without results; the axis starts at 94 %, so
   * A's bar (99 %) is five times as long as C's (95 %). */
  int bar_a = count_colour (img, method_rgb[0], 0, split), bar_c = count_colour (img, method_rgb[2], 0, split);
  g_assert_cmpint (count_colour (img, method_rgb[1], 0, W), ==, 0);
  g_assert_cmpint (bar_c, >, 100);
  g_assert_cmpfloat ((double) bar_a / bar_c, >, 4.0);
  g_assert_cmpfloat ((double) bar_a / bar_c, <, 6.0);
  /* Memory lines: A's and C's on the right; D, which keeps nothing, has none. */
  g_assert_cmpint (count_colour (img, method_rgb[0], split, W), >, 200);
  g_assert_cmpint (count_colour (img, method_rgb[2], split, W), >, 200);
  int d_right = count_colour (img, method_rgb[3], split, W);
  rows[3].memory_per_task = NULL;
  cairo_surface_t *no_record = render (draw_methods, &d, W, H);
  g_assert_cmpint (count_colour (no_record, method_rgb[3], split, W), ==, d_right);
  cairo_surface_destroy (no_record);
  rows[3].memory_per_task = nothing;

  /* The paper's figure is a black diamond; nothing else is pure black. */
  static const double black[3] = { 0, 0, 0 };
  g_assert_cmpint (count_colour (img, black, 0, W), ==, 0);
  rows[2].paper_acc = 97.0;
  cairo_surface_t *paper = render (draw_methods, &d, W, H);
  g_assert_cmpint (count_colour (paper, black, 0, split), >, 20);
  cairo_surface_destroy (paper);

  /* High contrast: greys only. */
  d.high_contrast = TRUE;
  cairo_surface_t *grey = render (draw_methods, &d, W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 c = pixel (grey, x, y);
        int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
        if (abs (r - g) > 1 || abs (g - b) > 1)
          g_error ("pixel (%d, %d) is %06x, not grey", x, y, c);
      }
  cairo_surface_destroy (grey);
  cairo_surface_destroy (img);

  /* Nothing to draw: a message, no crash. */
  MethodsData empty = { NULL, 0, FALSE, FALSE, NULL };
  cairo_surface_destroy (render (draw_methods, &empty, 300, 200));
}

/* Games: bars are mean returns in points and start at 0, so a return of 8
 * draws four times the bar of a return of 2. */
/* A title wider than the figure is drawn smaller, then cut, but never runs
 * past the right margin; it still reaches across most of the width. */
static void
test_methods_long_title (void)
{
  BlipMethodSummary rows[2] = {
    { "A", NULL, 0.97, 0.0, NAN, NULL, 0 },
    { "B", NULL, 0.95, 0.0, NAN, NULL, 0 },
  };
  const int W = 400, H = 300;
  const double font = 15;   /* blip_figure_methods: CLAMP (H / (4 n + 12), 10, 16) */
  MethodsData d = { rows, 2, FALSE, FALSE,
                    "Permuted MNIST: ten tasks of ten digits under fixed pixel permutations (pmnist), "
                    "seed 0  ·  table-pmnist/table.json" };
  cairo_surface_t *img = render (draw_methods, &d, W, H);
  guint32 background = pixel (img, W - 1, 0);
  int ink_right = 0, ink_near_edge = 0;
  for (int y = 0; y < (int) (font * 2.2); y++)
    for (int x = 0; x < W; x++)
      if (pixel (img, x, y) != background)
        {
          ink_right += x >= W - font + 1;
          ink_near_edge += x >= W - 4 * font && x < W - font;
        }
  g_assert_cmpint (ink_right, ==, 0);
  g_assert_cmpint (ink_near_edge, >, 0);
  cairo_surface_destroy (img);
}

static void
test_methods_returns (void)
{
  BlipMethodSummary rows[2] = {
    { "A", NULL, 8.0, 0.5, NAN, NULL, 0 },
    { "B", NULL, 2.0, -3.0, NAN, NULL, 0 },
  };
  MethodsData d = { rows, 2, FALSE, TRUE, NULL };
  const int W = 1200, H = 300;
  cairo_surface_t *img = render (draw_methods, &d, W, H);
  int a = count_colour (img, method_rgb[0], 0, W / 2), b = count_colour (img, method_rgb[1], 0, W / 2);
  g_assert_cmpint (b, >, 100);
  g_assert_cmpfloat ((double) a / b, >, 3.6);
  g_assert_cmpfloat ((double) a / b, <, 4.4);
  cairo_surface_destroy (img);
}

static void
test_export (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  DrawData d = { make_snapshot (2, 3), NULL, 0, { 0 } };
  d.s->acc[0] = 0.9;
  static const char *names[] = { "a.png", "a.svg", "a.pdf" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autoptr(GError) error = NULL;
      g_assert_true (blip_figure_export (path, 300, 200, draw_acc, &d, &error));
      g_assert_no_error (error);
      g_autofree char *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpuint (len, >, 100);
      const char *magic = i == 0 ? "\x89PNG" : i == 1 ? "<?xml" : "%PDF";
      g_assert_true (memcmp (contents, magic, strlen (magic)) == 0);
    }
  g_autofree char *bad = g_build_filename (dir, "a.bmp", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_figure_export (bad, 10, 10, draw_acc, &d, &error));
  g_assert_error (error, BLIP_FIGURE_ERROR, BLIP_FIGURE_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "a.bmp"));
  g_autofree char *all = g_build_filename (dir, "all", NULL);
  g_clear_error (&error);
  g_assert_true (blip_figures_write_all (all, d.s, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *acc = g_build_filename (all, "accuracy-matrix.svg", NULL);
  g_assert_true (g_file_test (acc, G_FILE_TEST_EXISTS));
  blip_snapshot_free (d.s);
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/figures/palettes", test_palettes);
  g_test_add_func ("/figures/layer-map/grid-without-bias", test_grid_without_bias);
  g_test_add_func ("/figures/parameter/five-frozen-bits", test_parameter_bits);
  g_test_add_func ("/figures/parameter/task-colours", test_parameter_history_colours);
  g_test_add_func ("/figures/layer-map/fully-frozen", test_layer_map_full);
  g_test_add_func ("/figures/layer-map/linear-geometry", test_linear_geometry);
  g_test_add_func ("/figures/layer-map/conv-kernel-tiles", test_conv_kernel_tiles);
  g_test_add_func ("/figures/layer-map/conv-overview", test_conv_overview);
  g_test_add_func ("/figures/layer-map/conv-pointwise-is-grid", test_conv_pointwise_is_grid);
  g_test_add_func ("/figures/acc-matrix/fills-in", test_acc_matrix_fills);
  g_test_add_func ("/figures/methods", test_methods);
  g_test_add_func ("/figures/methods/returns", test_methods_returns);
  g_test_add_func ("/figures/methods/long-title", test_methods_long_title);
  g_test_add_func ("/figures/export", test_export);
  return g_test_run ();
}
