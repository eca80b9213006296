/* test-figures.c — the cairo views, drawn offscreen from hand-built snapshots
 * and checked pixel by pixel: frozen bits show as coloured cells, a fully
 * frozen layer map is uniformly the top colour, the accuracy matrix fills in,
 * picking finds the parameter under the pointer; plus the run history and
 * file export. */
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
  g_test_add_func ("/figures/parameter/five-frozen-bits", test_parameter_bits);
  g_test_add_func ("/figures/parameter/task-colours", test_parameter_history_colours);
  g_test_add_func ("/figures/layer-map/fully-frozen", test_layer_map_full);
  g_test_add_func ("/figures/acc-matrix/fills-in", test_acc_matrix_fills);
  g_test_add_func ("/figures/export", test_export);
  return g_test_run ();
}
