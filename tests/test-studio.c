/* test-studio.c — blip-studio's widgets and runner, on a real display (under
 * xvfb-run in the suite; skipped with a reason when there is none).
 *
 * Views are rendered offscreen from snapshots built by hand (BlipSnapshot is
 * a plain struct) and checked pixel by pixel; the runner is stepped on a
 * small fake MNIST; and the whole window trains one task of a classroom run
 * and must show it in the accuracy matrix, save and reopen the session, and
 * survive a malformed session file and a missing data set with a dialog;
 * Settings… refuses an invalid value and restarts the run with a valid one,
 * and shows each method's own knobs and no other method's;
 * the Compare view trains a second run beside the first and frees it on
 * reset and on close; Export View, Save Session, Open Session and Open
 * Methods Table work through their file choosers, answered by the test; a
 * table.json shows in the Methods view and a foreign file is refused. */
#include <gtk/gtk.h>
#include <math.h>

#include "blip.h"
#include "blip-figures.h"
#include "blip-runner.h"
#include "blip-window.h"
#include "blip-window-private.h"
#include "blip-bits-view.h"
#include "blip-layer-map-view.h"
#include "blip-acc-matrix-view.h"
#include "blip-info-gain-view.h"
#include "blip-curves-view.h"
#include "blip-compare-view.h"
#include "blip-methods-view.h"
#include "blip-settings-popover.h"
#include "blip-studio-application.h"
#include "blip-test-gtk.h"
#include "blip-test-util.h"

/* ---- Helpers -------------------------------------------------------------------- */

/* A snapshot with one quantized layer of rows × cols weights (+ rows biases),
 * every parameter holding `bits` frozen bits. */
static BlipSnapshot *
snapshot_new (int rows, int cols, int max_bit, guint8 bits)
{
  BlipSnapshot *s = g_new0 (BlipSnapshot, 1);
  s->ref_count = 1;
  s->experiment = g_strdup ("test");
  s->approach = g_strdup ("blip");
  s->event.type = (BlipEventType) -1;
  s->task = 0;
  s->n_tasks = 2;
  s->lr = 0.01;
  s->acc = g_new (double, 4);
  for (int i = 0; i < 4; i++)
    s->acc[i] = NAN;
  s->n_layers = 1;
  s->layers = g_new0 (BlipLayerSnapshot, 1);
  BlipLayerSnapshot *l = &s->layers[0];
  l->name = g_strdup ("fc1");
  l->rows = rows;
  l->cols = cols;
  l->n_weight = (gsize) rows * cols;
  l->n = l->n_weight + rows;
  l->quantized = TRUE;
  l->bound_w = 1;
  l->bound_b = 1;
  l->max_bit = max_bit;
  l->capacity = (double) bits / max_bit;
  l->values = g_new0 (float, l->n);
  l->anchor = g_new0 (float, l->n);
  l->bits = g_new (guint8, l->n);
  memset (l->bits, bits, l->n);
  l->fisher_old = g_new (float, l->n);
  for (gsize i = 0; i < l->n; i++)
    {
      l->values[i] = 0.3f * sinf ((float) i);
      l->fisher_old[i] = 1e-3f;
    }
  return s;
}

typedef struct {
  int     width, height, stride;
  guint8 *data;   /* cairo ARGB32, premultiplied, native endian */
} Pixels;

/* The widget as the next frame paints it. */
static GdkTexture *
render_texture (GtkWidget *widget)
{
  GdkTexture *texture = blip_test_render_texture (widget);
  const char *dir = g_getenv ("BLIP_STUDIO_TEST_SHOTS");
  if (dir != NULL)
    {
      static int count;
      g_autofree char *path = g_strdup_printf ("%s/%s-%d.png", dir, G_OBJECT_TYPE_NAME (widget), count++);
      gdk_texture_save_to_png (texture, path);
    }
  return texture;
}

static Pixels
render (GtkWidget *widget)
{
  GdkTexture *texture = render_texture (widget);
  Pixels p = { gdk_texture_get_width (texture), gdk_texture_get_height (texture), 0, NULL };
  p.stride = p.width * 4;
  p.data = g_malloc ((gsize) p.stride * p.height);
  gdk_texture_download (texture, p.data, p.stride);
  g_object_unref (texture);
  return p;
}

static void
pixel (const Pixels *p, int x, int y, int rgb[3])
{
  guint32 v = *(const guint32 *) (p->data + (gsize) y * p->stride + 4 * x);
  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

static gboolean
close_to (const int rgb[3], const double want[3], int tolerance)
{
  for (int c = 0; c < 3; c++)
    if (abs (rgb[c] - (int) lround (want[c] * 255)) > tolerance)
      return FALSE;
  return TRUE;
}

/* Clearly coloured, not white, grey or black text. */
static gboolean
saturated (const int rgb[3])
{
  return MAX (rgb[0], MAX (rgb[1], rgb[2])) - MIN (rgb[0], MIN (rgb[1], rgb[2])) > 60;
}

/* ---- Views from hand-made snapshots ---------------------------------------------- */

/* Runs of the task colour along the row with the most of it: one per frozen bit. */
static void
test_bits_view_frozen_cells (void)
{
  GtkWidget *view = blip_bits_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 900, 420);
  BlipSnapshot *s = snapshot_new (4, 6, 20, 0);
  s->layers[0].bits[9] = 5;
  blip_bits_view_set_parameter (BLIP_BITS_VIEW (view), 0, 9);
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);

  Pixels p = render (view);
  double task_rgb[3], free_rgb[3] = { 0.93, 0.93, 0.93 };
  blip_palette_task (0, task_rgb);
  int best_row = -1, best_count = 0;
  for (int y = 0; y < p.height; y++)
    {
      int count = 0;
      for (int x = 0; x < p.width; x++)
        {
          int rgb[3];
          pixel (&p, x, y, rgb);
          count += close_to (rgb, task_rgb, 3);
        }
      if (count > best_count)
        best_count = count, best_row = y;
    }
  g_assert_cmpint (best_row, >=, 0);
  int task_runs = 0, free_runs = 0;
  gboolean in_task = FALSE, in_free = FALSE;
  for (int x = 0; x < p.width; x++)
    {
      int rgb[3];
      pixel (&p, x, best_row, rgb);
      gboolean t = close_to (rgb, task_rgb, 3), f = close_to (rgb, free_rgb, 3);
      task_runs += t && !in_task;
      free_runs += f && !in_free;
      in_task = t;
      in_free = f;
    }
  g_assert_cmpint (task_runs, ==, 5);
  g_assert_cmpint (free_runs, ==, 15);

  g_free (p.data);
  blip_snapshot_free (s);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Every cell of a fully frozen layer is the top colour of the map. */
static void
test_layer_map_fully_frozen (void)
{
  GtkWidget *view = blip_layer_map_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 700, 500);
  BlipSnapshot *s = snapshot_new (30, 40, 20, 20);
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);

  for (int global = 0; global < 2; global++)
    {
      blip_layer_map_view_set_global_scale (BLIP_LAYER_MAP_VIEW (view), global);
      Pixels p = render (view);
      BlipMapView map;
      blip_map_view_init (&map);
      map.global_scale = global;
      double top[3];
      blip_palette_sequential (1.0, FALSE, top);
      int cells = 0, wrong = 0;
      for (int y = 0; y < p.height; y += 3)
        for (int x = 0; x < p.width; x += 3)
          if (blip_figure_layer_map_pick (p.width, p.height, s, 0, &map, x + 0.5, y + 0.5) >= 0)
            {
              int rgb[3];
              pixel (&p, x, y, rgb);
              cells++;
              wrong += !close_to (rgb, top, 3);
            }
      g_assert_cmpint (cells, >, 10000);
      g_assert_cmpint (wrong, ==, 0);
      g_free (p.data);
    }

  /* The tooltip text names the parameter under the pointer. */
  g_autofree char *text = blip_layer_map_view_describe_at (BLIP_LAYER_MAP_VIEW (view), 20, 60);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "frozen bits 20 of 20"));

  /* Zooming keeps the parameter under the pointer where it is. */
  BlipLayerMapView *map_view = BLIP_LAYER_MAP_VIEW (view);
  double px = 250, py = 300;
  g_autofree char *before = blip_layer_map_view_describe_at (map_view, px, py);
  blip_layer_map_view_zoom_at (map_view, 4, px, py);
  g_autofree char *after = blip_layer_map_view_describe_at (map_view, px, py);
  g_assert_cmpstr (before, ==, after);
  g_autofree char *elsewhere = blip_layer_map_view_describe_at (map_view, px + 60, py);
  g_assert_cmpstr (before, !=, elsewhere);
  blip_layer_map_view_reset_zoom (map_view);

  blip_snapshot_free (s);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A convolution's map: the tooltip under a kernel cell names that weight by
 * output channel, input channel, row and column; the selection ring goes
 * round the selected kernel cell; zooming keeps the weight under the pointer. */
static void
test_layer_map_conv (void)
{
  GtkWidget *view = blip_layer_map_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 700, 500);
  BlipSnapshot *s = snapshot_new (4, 27, 20, 0);
  BlipLayerSnapshot *l = &s->layers[0];
  g_free (l->name);
  l->name = g_strdup ("conv1");
  l->kernel_channels = 3;
  l->kernel_h = l->kernel_w = 3;
  for (gsize i = 0; i < l->n; i++)
    l->bits[i] = i % 21;
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);
  BlipLayerMapView *map_view = BLIP_LAYER_MAP_VIEW (view);
  int w = gtk_widget_get_width (view), h = gtk_widget_get_height (view);
  BlipMapView map;
  blip_map_view_init (&map);

  /* (output 2, input 1, row 0, column 0) and (output 3, input 2, row 2, column 1) */
  const gsize picks[] = { 2 * 27 + 9, 3 * 27 + 18 + 6 + 1 };
  const char *names[] = { "conv1 weight [output channel 2, input channel 1, row 0, column 0]",
                          "conv1 weight [output channel 3, input channel 2, row 2, column 1]" };
  double r[4];
  for (gsize k = 0; k < G_N_ELEMENTS (picks); k++)
    {
      g_assert_true (blip_figure_layer_map_cell_rect (w, h, s, 0, &map, picks[k], r));
      g_autofree char *text = blip_layer_map_view_describe_at (map_view, r[0] + r[2] / 2, r[1] + r[3] / 2);
      g_assert_nonnull (text);
      g_assert_nonnull (strstr (text, names[k]));
      g_autofree char *bits = g_strdup_printf ("frozen bits %d of 20", (int) (picks[k] % 21));
      g_assert_nonnull (strstr (text, bits));
    }
  g_assert_true (blip_figure_layer_map_cell_rect (w, h, s, 0, &map, l->n_weight + 1, r));
  g_autofree char *bias = blip_layer_map_view_describe_at (map_view, r[0] + r[2] / 2, r[1] + r[3] / 2);
  g_assert_nonnull (strstr (bias, "conv1 bias [output channel 1]"));

  /* The ring: in the gap left of the selected cell (its tile's first column),
   * white before, dark after. */
  g_assert_true (blip_figure_layer_map_cell_rect (w, h, s, 0, &map, picks[0], r));
  int rx = (int) floor (r[0] + r[2] / 2 - MAX (5.0, r[2] / 2 + 2)), ry = (int) (r[1] + r[3] / 2);
  int rgb[3];
  Pixels p = render (view);
  pixel (&p, rx, ry, rgb);
  g_assert_cmpint (MIN (rgb[0], MIN (rgb[1], rgb[2])), >, 200);
  g_free (p.data);
  blip_layer_map_view_select (map_view, picks[0]);
  p = render (view);
  pixel (&p, rx, ry, rgb);
  g_assert_cmpint (MAX (rgb[0], MAX (rgb[1], rgb[2])), <, 110);
  g_free (p.data);

  double px = r[0] + r[2] / 2, py = r[1] + r[3] / 2;
  blip_layer_map_view_zoom_at (map_view, 2, px, py);
  g_autofree char *after = blip_layer_map_view_describe_at (map_view, px, py);
  g_assert_nonnull (strstr (after, names[0]));
  blip_layer_map_view_reset_zoom (map_view);

  blip_snapshot_free (s);
  gtk_window_destroy (GTK_WINDOW (window));
}

static int
count_saturated (const Pixels *p)
{
  int n = 0;
  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        int rgb[3];
        pixel (p, x, y, rgb);
        n += saturated (rgb);
      }
  return n;
}

/* Empty cells are grey; a measured one is coloured. */
static void
test_acc_matrix_cells (void)
{
  GtkWidget *view = blip_acc_matrix_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 600, 500);
  BlipSnapshot *s = snapshot_new (2, 2, 20, 0);
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);
  Pixels p = render (view);
  g_assert_cmpint (count_saturated (&p), ==, 0);
  g_free (p.data);
  blip_snapshot_free (s);

  s = snapshot_new (2, 2, 20, 0);
  s->acc[0] = 0.97;
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);
  p = render (view);
  g_assert_cmpint (count_saturated (&p), >, 2000);
  g_free (p.data);
  blip_snapshot_free (s);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The other views draw something for a snapshot with history. */
static void
test_other_views_draw (void)
{
  BlipSnapshot *s = snapshot_new (8, 8, 20, 3);
  s->n_history = 3;
  s->history = g_new0 (BlipEpochRecord, 3);
  for (int e = 0; e < 3; e++)
    s->history[e] = (BlipEpochRecord) { 0, e, 1.0 / (e + 1), 0.5 + 0.1 * e, 1.1 / (e + 1), 0.5 + 0.1 * e, 0.01, 1 };
  GtkWidget *views[] = { blip_curves_view_new (), blip_info_gain_view_new () };
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkWidget *window = blip_test_show_in_window (views[i], 640, 480);
      blip_figure_view_set_data (BLIP_FIGURE_VIEW (views[i]), s, NULL, NULL);
      Pixels p = render (views[i]);
      int non_white = 0;
      for (int y = 0; y < p.height; y++)
        for (int x = 0; x < p.width; x++)
          {
            int rgb[3];
            pixel (&p, x, y, rgb);
            non_white += rgb[0] + rgb[1] + rgb[2] < 600;
          }
      g_assert_cmpint (non_white, >, 500);
      g_free (p.data);
      gtk_window_destroy (GTK_WINDOW (window));
    }
  blip_snapshot_free (s);
}

/* Any view exports as PNG, SVG or PDF; another extension is refused. */
static void
test_views_export (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  BlipSnapshot *s = snapshot_new (6, 6, 20, 4);
  s->acc[0] = 0.9;
  GtkWidget *view = g_object_ref_sink (blip_acc_matrix_view_new ());
  blip_figure_view_set_data (BLIP_FIGURE_VIEW (view), s, NULL, NULL);
  const char *formats[][2] = { { "png", "\x89PNG" }, { "svg", "<?xml" }, { "pdf", "%PDF" } };
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("acc.%s", formats[i][0]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_assert_true (blip_figure_view_export (BLIP_FIGURE_VIEW (view), path, 800, 600, &error));
      g_assert_no_error (error);
      g_autofree char *contents = NULL;
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_true (g_str_has_prefix (contents, formats[i][1]));
    }
  g_autofree char *bad = g_build_filename (dir, "acc.bmp", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_figure_view_export (BLIP_FIGURE_VIEW (view), bad, 800, 600, &error));
  g_assert_error (error, BLIP_FIGURE_ERROR, BLIP_FIGURE_ERROR_FORMAT);
  g_object_unref (view);
  blip_snapshot_free (s);
  blip_test_rmtree (dir);
}

/* ---- The runner -------------------------------------------------------------------- */

typedef struct {
  BlipRunner *runner;
  int         rests;       /* times the runner came to rest after working */
  int         rests_before;
  int         errors;
  guint       last_error_kind;
  char       *last_error;
  char       *saved;
} RunnerWatch;

static void
on_error (BlipRunner *runner, guint kind, const char *message, RunnerWatch *w)
{
  w->errors++;
  w->last_error_kind = kind;
  g_free (w->last_error);
  w->last_error = g_strdup (message);
}

static void
on_saved (BlipRunner *runner, const char *path, RunnerWatch *w)
{
  g_free (w->saved);
  w->saved = g_strdup (path);
}

static void
on_state (BlipRunner *runner, GParamSpec *pspec, RunnerWatch *w)
{
  w->rests += blip_runner_get_state (runner) == BLIP_RUNNER_READY;
}

static BlipEventType want_event;

/* The runner came to rest after the command (states arrive in order through
 * the main loop; the box may be ahead of them) at a snapshot of want_event. */
static gboolean
runner_rests_after (gpointer data)
{
  RunnerWatch *w = data;
  if (w->rests <= w->rests_before || blip_runner_get_state (w->runner) != BLIP_RUNNER_READY ||
      blip_runner_get_playing (w->runner))
    return FALSE;
  BlipSnapshotBox *box = blip_runner_get_box (w->runner);
  g_autoptr(BlipSnapshot) s = box ? blip_snapshot_box_get (box) : NULL;
  return s != NULL && s->event.type == want_event;
}

static gboolean
runner_ready (gpointer data)
{
  RunnerWatch *w = data;
  return blip_runner_get_state (w->runner) == BLIP_RUNNER_READY && blip_runner_get_box (w->runner) != NULL &&
         !blip_runner_get_playing (w->runner);
}

static gboolean
runner_has_error (gpointer data)
{
  return ((RunnerWatch *) data)->errors > 0;
}

static gboolean
runner_saved (gpointer data)
{
  return ((RunnerWatch *) data)->saved != NULL;
}

static gboolean
runner_playing (gpointer data)
{
  return blip_runner_get_playing (((RunnerWatch *) data)->runner);
}

static void
small_config (BlipConfig *c, const char *data_dir)
{
  blip_config_init_defaults (c);
  blip_config_apply_preset (c, "mnist5", NULL);
  blip_config_apply_speed_preset (c, "classroom", NULL);
  c->ndim = 32;
  c->nepochs = 2;
  c->sbatch = 32;
  c->fisher_batches = 2;
  c->fisher_sbatch = 50;
  c->data_dir = g_strdup (data_dir);
}

static void
test_runner_steps_and_sessions (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 600, 200, 5);
  BlipConfig c;
  small_config (&c, dir);
  RunnerWatch w = { .runner = blip_runner_new () };
  g_signal_connect (w.runner, "error", G_CALLBACK (on_error), &w);
  g_signal_connect (w.runner, "session-saved", G_CALLBACK (on_saved), &w);
  g_signal_connect (w.runner, "notify::state", G_CALLBACK (on_state), &w);
  blip_runner_configure (w.runner, &c);
  g_assert_true (blip_test_wait_until (runner_ready, &w, 60));
  g_assert_cmpint (w.errors, ==, 0);

  want_event = BLIP_EVENT_BATCH_END;
  w.rests_before = w.rests;
  blip_runner_step (w.runner, BLIP_STEP_BATCH);
  g_assert_true (blip_test_wait_until (runner_rests_after, &w, 60));
  want_event = BLIP_EVENT_EPOCH_END;
  w.rests_before = w.rests;
  blip_runner_step (w.runner, BLIP_STEP_EPOCH);
  g_assert_true (blip_test_wait_until (runner_rests_after, &w, 60));

  /* Play, then pause: the runner rests again, in the same run. */
  guint generation = blip_runner_get_generation (w.runner);
  blip_runner_set_speed (w.runner, 0.2);
  blip_runner_play (w.runner);
  g_assert_true (blip_test_wait_until (runner_playing, &w, 30));
  blip_runner_pause (w.runner);
  g_assert_true (blip_test_wait_until (runner_ready, &w, 30));
  blip_runner_set_speed (w.runner, 1);

  /* A task, with its snapshots handed to the history. */
  want_event = BLIP_EVENT_TASK_END;
  w.rests_before = w.rests;
  blip_runner_step (w.runner, BLIP_STEP_TASK);
  g_assert_true (blip_test_wait_until (runner_rests_after, &w, 120));
  blip_runner_sync_history (w.runner);
  g_assert_cmpint (blip_run_history_n_tasks (blip_runner_get_history (w.runner)), ==, 1);
  g_assert_cmpint (blip_runner_get_tasks_done (w.runner), ==, 1);
  g_assert_cmpuint (blip_runner_get_generation (w.runner), ==, generation);

  /* Save, then open a malformed file: an error naming it, and the run stays. */
  g_autofree char *session = g_build_filename (dir, "s.safetensors", NULL);
  blip_runner_save_session (w.runner, session);
  g_assert_true (blip_test_wait_until (runner_saved, &w, 60));
  g_assert_cmpstr (w.saved, ==, session);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  g_assert_true (g_file_set_contents (bad, "this is not a session", -1, NULL));
  blip_runner_open_session (w.runner, bad, dir);
  g_assert_true (blip_test_wait_until (runner_has_error, &w, 60));
  g_assert_cmpuint (w.last_error_kind, ==, BLIP_RUNNER_ERROR_SESSION_OPEN);
  g_assert_nonnull (strstr (w.last_error, bad));
  g_assert_true (blip_test_wait_until (runner_ready, &w, 30));
  g_assert_cmpuint (blip_runner_get_generation (w.runner), ==, generation);

  /* The saved session opens as a new run at the same place. */
  blip_runner_open_session (w.runner, session, dir);
  g_assert_true (blip_test_wait_until (runner_ready, &w, 60));
  while (blip_runner_get_generation (w.runner) == generation)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (blip_runner_get_tasks_done (w.runner), ==, 1);

  /* Reset: a fresh run. */
  generation = blip_runner_get_generation (w.runner);
  blip_runner_reset (w.runner);
  g_assert_true (blip_test_wait_until (runner_ready, &w, 60));
  while (blip_runner_get_generation (w.runner) == generation)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (blip_runner_get_tasks_done (w.runner), ==, 0);

  g_object_unref (w.runner);
  g_free (w.last_error);
  g_free (w.saved);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- The window, end to end ----------------------------------------------------------- */

static GtkMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  GtkMessageDialog *dialog = find_dialog ();
  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog));
}

static char *
dialog_text (GtkMessageDialog *dialog)
{
  g_autofree char *primary = NULL, *secondary = NULL;
  g_object_get (dialog, "text", &primary, "secondary-text", &secondary, NULL);
  return g_strdup_printf ("%s\n%s", primary, secondary);
}

static gboolean
first_task_done (gpointer data)
{
  BlipRunner *runner = blip_studio_window_get_runner (data);
  return blip_runner_get_tasks_done (runner) >= 1 && blip_runner_get_state (runner) == BLIP_RUNNER_READY &&
         !blip_runner_get_playing (runner);
}

static gboolean
window_started (gpointer data)
{
  return blip_runner_get_state (blip_studio_window_get_runner (data)) == BLIP_RUNNER_READY;
}

static void
test_window_trains_a_task (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 600, 200, 9);
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  blip_studio_window_set_data_dir (window, dir);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_studio_window_start (window, "mnist5", "blip", "classroom", &error));
  g_assert_no_error (error);
  blip_studio_window_set_view (window, "acc-matrix");
  gtk_window_present (GTK_WINDOW (window));
  GtkWidget *acc = blip_studio_window_get_view (window, "acc-matrix");
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, acc, 20));
  g_assert_true (blip_test_wait_until (window_started, window, 120));

  blip_studio_window_refresh (window);
  Pixels before = render (acc);
  g_assert_cmpint (count_saturated (&before), ==, 0);
  g_free (before.data);

  BlipRunner *runner = blip_studio_window_get_runner (window);
  blip_runner_set_pause_after_task (runner, 1);
  blip_studio_window_play (window);
  g_assert_true (blip_test_wait_until (first_task_done, window, 300));
  blip_studio_window_refresh (window);
  Pixels after = render (acc);
  /* One cell of the matrix is coloured now: A[0][0]. */
  g_assert_cmpint (count_saturated (&after), >, 2000);
  g_free (after.data);

  /* The whole window renders, as --screenshot writes it. */
  g_autofree char *shot = g_build_filename (dir, "window.png", NULL);
  GdkTexture *texture = render_texture (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, shot));
  g_object_unref (texture);

  /* A malformed session file: a dialog naming it, and the run carries on. */
  guint generation = blip_runner_get_generation (runner);
  g_autofree char *bad = g_build_filename (dir, "broken.safetensors", NULL);
  g_assert_true (g_file_set_contents (bad, "\x10\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  blip_runner_open_session (runner, bad, dir);
  g_assert_true (blip_test_wait_until (dialog_shown, NULL, 60));
  GtkMessageDialog *dialog = find_dialog ();
  g_autofree char *text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, bad));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (blip_test_wait_until (first_task_done, window, 30));
  g_assert_cmpuint (blip_runner_get_generation (runner), ==, generation);
  g_assert_cmpint (blip_runner_get_tasks_done (runner), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  blip_test_rmtree (dir);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

typedef struct {
  BlipStudioWindow *window;
  guint             generation;
} Restart;

static gboolean
window_restarted (gpointer data)
{
  Restart *r = data;
  BlipRunner *runner = blip_studio_window_get_runner (r->window);
  return blip_runner_get_generation (runner) != r->generation && blip_runner_get_state (runner) == BLIP_RUNNER_READY;
}

/* Settings…: an invalid learning rate is refused with blip_config_validate's
 * message and the run stays; valid values start the run again with them. */
static void
test_window_settings (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 300, 100, 12);
  BlipConfig c;
  small_config (&c, dir);
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  blip_studio_window_set_data_dir (window, dir);
  blip_studio_window_start_config (window, &c, "classroom");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (window_started, window, 120));
  BlipRunner *runner = blip_studio_window_get_runner (window);
  Restart restart = { window, blip_runner_get_generation (runner) };

  /* Ctrl+comma's action opens the popover on the run in place. */
  BlipSettingsPopover *settings = BLIP_SETTINGS_POPOVER (blip_studio_window_get_settings (window));
  g_action_group_activate_action (G_ACTION_GROUP (window), "settings", NULL);
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, settings, 20));
  GtkSpinButton *lr = blip_settings_popover_get_spin (settings, "lr");
  GtkSpinButton *nepochs = blip_settings_popover_get_spin (settings, "nepochs");
  g_assert_nonnull (lr);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (lr), c.lr, 1e-12);
  g_assert_cmpfloat (gtk_spin_button_get_value (nepochs), ==, 2);
  g_assert_null (blip_settings_popover_get_message (settings));

  /* lr = 0: the validation message inline, nothing applied. */
  gtk_spin_button_set_value (lr, 0);
  const char *message = blip_settings_popover_get_message (settings);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "--lr must be in (0, 10], got 0"));
  g_assert_false (blip_settings_popover_apply (settings));
  g_assert_nonnull (blip_settings_popover_get_message (settings));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (settings)));
  if (g_getenv ("BLIP_STUDIO_TEST_SHOTS") != NULL)
    g_object_unref (render_texture (GTK_WIDGET (settings)));
  blip_test_wait_until (never, NULL, 0.5);
  g_assert_cmpuint (blip_runner_get_generation (runner), ==, restart.generation);
  g_assert_cmpfloat (blip_runner_get_config (runner)->lr, ==, c.lr);

  /* lr = 0.05 and 3 epochs: the run starts again with them; what the
   * popover does not show (the 32 hidden units) and F_prior stay exact. */
  gtk_spin_button_set_value (lr, 0.05);
  gtk_spin_button_set_value (nepochs, 3);
  g_assert_null (blip_settings_popover_get_message (settings));
  g_assert_true (blip_settings_popover_apply (settings));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (settings)));
  g_assert_true (blip_test_wait_until (window_restarted, &restart, 120));
  const BlipConfig *applied = blip_runner_get_config (runner);
  g_assert_cmpfloat (applied->lr, ==, 0.05);
  g_assert_cmpint (applied->nepochs, ==, 3);
  g_assert_cmpint (applied->ndim, ==, 32);
  g_assert_cmpfloat (applied->F_prior, ==, c.F_prior);
  g_assert_cmpint (blip_runner_get_tasks_done (runner), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* Which method knobs Settings… shows for each method (every other one of
 * method_fields is hidden), and one of them that must reach the config. */
static const char * const method_fields[] = {
  "F_prior", "max_bit", "ewc_lambda", "ewc_gamma", "lwf_lambda", "lwf_temperature", "imm_lambda",
  "hat_smax", "hat_c", "halrp_rate", "halrp_l1", "halrp_max_growth",
};

static const struct {
  const char *approach;
  const char *shown[4];
  gboolean    ste;
  const char *edit;          /* set to 0.5, read back from the config */
  gsize       offset;
} settings_method_cases[] = {
  { "blip", { "F_prior", "max_bit" }, TRUE, NULL, 0 },
  { "sgd", { NULL }, FALSE, NULL, 0 },
  { "sgd-frozen", { NULL }, FALSE, NULL, 0 },
  { "ewc", { "ewc_lambda", "ewc_gamma" }, FALSE, "ewc_gamma", G_STRUCT_OFFSET (BlipConfig, ewc_gamma) },
  { "lwf", { "lwf_lambda", "lwf_temperature" }, FALSE, "lwf_temperature",
    G_STRUCT_OFFSET (BlipConfig, lwf_temperature) },
  { "imm-mode", { "imm_lambda" }, FALSE, "imm_lambda", G_STRUCT_OFFSET (BlipConfig, imm_lambda) },
  { "hat", { "hat_smax", "hat_c" }, FALSE, "hat_c", G_STRUCT_OFFSET (BlipConfig, hat_c) },
  { "halrp", { "halrp_rate", "halrp_l1", "halrp_max_growth" }, FALSE, "halrp_rate",
    G_STRUCT_OFFSET (BlipConfig, halrp_rate) },
};

static void
test_settings_per_method (void)
{
  gsize n_methods = 0;
  blip_strategy_list (&n_methods);
  g_assert_cmpuint (n_methods, ==, G_N_ELEMENTS (settings_method_cases));
  BlipSettingsPopover *settings = BLIP_SETTINGS_POPOVER (g_object_ref_sink (blip_settings_popover_new ()));
  /* Shown from a window, so that BLIP_STUDIO_TEST_SHOTS can take each layout. */
  GtkWidget *window = gtk_window_new ();
  GtkWidget *anchor = gtk_label_new ("Settings");
  gtk_window_set_child (GTK_WINDOW (window), anchor);
  gtk_widget_set_parent (GTK_WIDGET (settings), anchor);
  gtk_window_present (GTK_WINDOW (window));
  for (gsize i = 0; i < G_N_ELEMENTS (settings_method_cases); i++)
    {
      const char *approach = settings_method_cases[i].approach;
      BlipConfig c;
      small_config (&c, "/nonexistent");
      g_free (c.approach);
      c.approach = g_strdup (approach);
      blip_settings_popover_set_config (settings, &c, "classroom");
      for (gsize k = 0; k < G_N_ELEMENTS (method_fields); k++)
        {
          GtkSpinButton *spin = blip_settings_popover_get_spin (settings, method_fields[k]);
          g_assert_nonnull (spin);
          gboolean expected = FALSE;
          for (gsize j = 0; j < G_N_ELEMENTS (settings_method_cases[i].shown); j++)
            expected |= g_strcmp0 (settings_method_cases[i].shown[j], method_fields[k]) == 0;
          if (gtk_widget_get_visible (GTK_WIDGET (spin)) != expected)
            g_error ("%s: %s is %s", approach, method_fields[k], expected ? "hidden" : "shown");
        }
      GtkWidget *ste_row = gtk_widget_get_parent (GTK_WIDGET (blip_settings_popover_get_ste (settings)));
      g_assert_true (gtk_widget_get_visible (ste_row) == settings_method_cases[i].ste);
      /* The fields every supervised run has stay. */
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (settings, "lr"))));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (settings, "sbatch"))));
      if (g_getenv ("BLIP_STUDIO_TEST_SHOTS") != NULL)
        {
          gtk_popover_popup (GTK_POPOVER (settings));
          g_assert_true (blip_test_wait_until (blip_test_widget_shown, settings, 20));
          g_object_unref (render_texture (GTK_WIDGET (settings)));
          gtk_popover_popdown (GTK_POPOVER (settings));
        }

      if (settings_method_cases[i].edit != NULL)
        {
          gtk_spin_button_set_value (blip_settings_popover_get_spin (settings, settings_method_cases[i].edit), 0.5);
          g_assert_null (blip_settings_popover_get_message (settings));
          BlipConfig edited;
          g_autoptr(GError) error = NULL;
          g_assert_true (blip_settings_popover_get_config (settings, &edited, &error));
          g_assert_no_error (error);
          g_assert_cmpfloat (G_STRUCT_MEMBER (double, &edited, settings_method_cases[i].offset), ==, 0.5);
          g_assert_cmpstr (edited.approach, ==, approach);
          g_assert_cmpfloat (edited.F_prior, ==, c.F_prior);
          blip_config_clear (&edited);
        }
      blip_config_clear (&c);
    }
  gtk_widget_unparent (GTK_WIDGET (settings));
  g_object_unref (settings);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
both_started (gpointer data)
{
  BlipRunner *second = blip_studio_window_get_compare_runner (data);
  return window_started (data) && second != NULL && blip_runner_get_state (second) == BLIP_RUNNER_READY;
}

static gboolean
both_first_task_done (gpointer data)
{
  BlipRunner *second = blip_studio_window_get_compare_runner (data);
  return first_task_done (data) && second != NULL && blip_runner_get_tasks_done (second) >= 1 &&
         blip_runner_get_state (second) == BLIP_RUNNER_READY && !blip_runner_get_playing (second);
}

/* Saturated pixels in the top left cell of a side's accuracy matrix area. */
static int
side_filled (BlipCompareView *view, BlipCompareSide side)
{
  Pixels p = render (GTK_WIDGET (blip_compare_view_get_figure (view, side, "acc-matrix")));
  int n = count_saturated (&p);
  g_free (p.data);
  return n;
}

/* The Compare view: a second run (fine-tuning) on the same settings, driven
 * by Play; after one task both matrices have A[0][0]. Reset frees the second
 * runner and starts a new one; closing the window frees that one. */
static void
test_window_compare (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 300, 100, 13);
  BlipConfig c;
  small_config (&c, dir);
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1300, 860);
  blip_studio_window_set_data_dir (window, dir);
  g_assert_true (blip_studio_window_set_view (window, "compare"));
  blip_runner_set_pause_after_task (blip_studio_window_get_runner (window), 1);
  blip_studio_window_start_config (window, &c, "classroom");
  gtk_window_present (GTK_WINDOW (window));
  BlipCompareView *view = BLIP_COMPARE_VIEW (blip_studio_window_get_view (window, "compare"));
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, view, 20));
  g_assert_true (blip_test_wait_until (both_started, window, 120));
  BlipRunner *second = blip_studio_window_get_compare_runner (window);
  g_assert_cmpstr (blip_compare_view_get_approach (view), ==, "sgd");
  g_assert_cmpstr (blip_runner_get_config (second)->approach, ==, "sgd");
  g_assert_cmpstr (blip_runner_get_config (blip_studio_window_get_runner (window))->approach, ==, "blip");
  g_assert_cmpint (blip_runner_get_config (second)->ndim, ==, 32);
  blip_studio_window_refresh (window);
  g_assert_cmpint (side_filled (view, BLIP_COMPARE_LEFT), ==, 0);
  g_assert_cmpint (side_filled (view, BLIP_COMPARE_RIGHT), ==, 0);

  blip_studio_window_play (window);
  g_assert_true (blip_test_wait_until (both_first_task_done, window, 300));
  blip_studio_window_refresh (window);
  g_assert_cmpint (side_filled (view, BLIP_COMPARE_LEFT), >, 800);
  g_assert_cmpint (side_filled (view, BLIP_COMPARE_RIGHT), >, 800);
  /* Each side states ACC, BWT and the memory its method keeps: BLIP's bits,
   * anchors and Fisher; nothing for fine-tuning. */
  const char *left_status = blip_compare_view_get_status (view, BLIP_COMPARE_LEFT);
  const char *right_status = blip_compare_view_get_status (view, BLIP_COMPARE_RIGHT);
  g_test_message ("compare: “%s” | “%s”", left_status, right_status);
  g_assert_nonnull (strstr (left_status, "ACC "));
  g_assert_nonnull (strstr (left_status, "BWT "));
  g_assert_nonnull (strstr (left_status, "memory "));
  g_assert_null (strstr (left_status, "memory 0 B"));
  g_assert_null (strstr (left_status, "memory —"));
  g_assert_nonnull (strstr (right_status, "memory 0 B"));
  if (g_getenv ("BLIP_STUDIO_TEST_SHOTS") != NULL)
    g_object_unref (render_texture (GTK_WIDGET (window)));

  /* Reset: the second runner is freed and a fresh one starts. */
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);
  g_action_group_activate_action (G_ACTION_GROUP (window), "reset", NULL);
  g_assert_null (second);
  second = blip_studio_window_get_compare_runner (window);
  g_assert_nonnull (second);
  g_assert_cmpint (blip_runner_get_tasks_done (second), ==, 0);
  g_assert_true (blip_test_wait_until (both_started, window, 120));

  /* Closing the window stops and frees it. */
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_null (second);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- File choosers ---------------------------------------------------------------- */

/* The chooser an action just showed: its title and filter names. */
static GtkFileChooser *
chooser_shown (BlipStudioWindow *window, const char *action, const char *title, const char *const *filters)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), action, NULL);
  GtkNativeDialog *dialog = blip_studio_window_get_file_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (gtk_native_dialog_get_title (dialog), ==, title);
  g_autoptr(GListModel) got = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (dialog));
  guint n = 0;
  for (; filters[n] != NULL; n++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (got, n);
      g_assert_nonnull (filter);
      g_assert_cmpstr (gtk_file_filter_get_name (filter), ==, filters[n]);
    }
  g_assert_cmpuint (g_list_model_get_n_items (got), ==, n);
  return GTK_FILE_CHOOSER (dialog);
}

typedef struct {
  GtkFileChooser *chooser;
  GFile          *file;
} Chosen;

/* Puts c->file in the chooser, again while the chooser reads back another:
 * the fallback GtkFileChooserDialog sets its folders asynchronously. Save
 * choosers take folder and name (GTK 4.8's set_file does not fill in the
 * name of a file that does not exist yet), Open choosers select the file. */
static gboolean
file_chosen (gpointer data)
{
  Chosen *c = data;
  g_autoptr(GFile) file = gtk_file_chooser_get_file (c->chooser);
  if (file != NULL && g_file_equal (file, c->file))
    return TRUE;
  g_autoptr(GError) error = NULL;
  if (gtk_file_chooser_get_action (c->chooser) == GTK_FILE_CHOOSER_ACTION_SAVE)
    {
      g_autoptr(GFile) folder = g_file_get_parent (c->file);
      g_autofree char *basename = g_file_get_basename (c->file);
      g_assert_true (gtk_file_chooser_set_current_folder (c->chooser, folder, &error));
      gtk_file_chooser_set_current_name (c->chooser, basename);
    }
  else
    g_assert_true (gtk_file_chooser_set_file (c->chooser, c->file, &error));
  g_assert_no_error (error);
  return FALSE;
}

/* Answers the chooser as a user would: path chosen (NULL: none), then the
 * button. The chooser goes to its start folder once shown, which can undo
 * an early choice: hence the second look after a pause. It is hidden
 * before the answer because nobody is there to close it. */
static void
chooser_answer (BlipStudioWindow *window, GtkFileChooser *chooser, const char *path, int response)
{
  if (path != NULL)
    {
      Chosen c = { chooser, g_file_new_for_path (path) };
      g_assert_true (blip_test_wait_until (file_chosen, &c, 20));
      blip_test_wait_until (never, NULL, 0.3);
      g_assert_true (blip_test_wait_until (file_chosen, &c, 20));
      g_object_unref (c.file);
    }
  gtk_native_dialog_hide (GTK_NATIVE_DIALOG (chooser));
  g_signal_emit_by_name (chooser, "response", response);
  /* The window lets go of an answered chooser. */
  g_assert_null (blip_studio_window_get_file_dialog (window));
}

static gboolean
file_starts_with (const char *path, const char *prefix, gsize len)
{
  g_autofree char *contents = NULL;
  gsize size = 0;
  return g_file_get_contents (path, &contents, &size, NULL) && size >= len && memcmp (contents, prefix, len) == 0;
}

typedef struct {
  BlipStudioWindow *window;
  guint             generation;
  int               tasks;
} Reopened;

static gboolean
window_reopened (gpointer data)
{
  Reopened *r = data;
  BlipRunner *runner = blip_studio_window_get_runner (r->window);
  return blip_runner_get_generation (runner) != r->generation && blip_runner_get_state (runner) == BLIP_RUNNER_READY &&
         blip_runner_get_tasks_done (runner) == r->tasks;
}

/* Export View, Save Session and Open Session through their choosers: each
 * names the file it suggests and offers its filters; Cancel writes nothing;
 * an export without an extension takes the chosen filter's; a saved session
 * opens again at the same task; a malformed one ends in a dialog naming it
 * while the run carries on. */
static void
test_window_file_choosers (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 300, 100, 14);
  BlipConfig c;
  small_config (&c, dir);
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  blip_studio_window_set_data_dir (window, dir);
  g_assert_true (blip_studio_window_set_view (window, "layer-map"));
  blip_studio_window_start_config (window, &c, "classroom");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (window_started, window, 120));
  blip_studio_window_refresh (window);
  BlipRunner *runner = blip_studio_window_get_runner (window);
  RunnerWatch w = { .runner = runner };
  g_signal_connect (runner, "session-saved", G_CALLBACK (on_saved), &w);

  /* Export View: Cancel, a .png, then a bare name with the SVG filter. */
  const char *figures[] = { "PNG image", "SVG drawing", "PDF document", NULL };
  GtkFileChooser *chooser = chooser_shown (window, "export-view", "Export View", figures);
  g_autofree char *name = gtk_file_chooser_get_current_name (chooser);
  g_assert_cmpstr (name, ==, "layer-map-mnist5-blip.png");
  g_autofree char *cancelled_png = g_build_filename (dir, "cancelled.png", NULL);
  chooser_answer (window, chooser, cancelled_png, GTK_RESPONSE_CANCEL);
  g_assert_false (g_file_test (cancelled_png, G_FILE_TEST_EXISTS));

  g_autofree char *png = g_build_filename (dir, "map.png", NULL);
  chooser = chooser_shown (window, "export-view", "Export View", figures);
  chooser_answer (window, chooser, png, GTK_RESPONSE_ACCEPT);
  g_assert_true (file_starts_with (png, "\x89PNG\r\n\x1a\n", 8));

  g_autofree char *bare = g_build_filename (dir, "map", NULL);
  g_autofree char *svg = g_build_filename (dir, "map.svg", NULL);
  chooser = chooser_shown (window, "export-view", "Export View", figures);
  g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (chooser);
  g_autoptr(GtkFileFilter) svg_filter = g_list_model_get_item (filters, 1);
  gtk_file_chooser_set_filter (chooser, svg_filter);
  chooser_answer (window, chooser, bare, GTK_RESPONSE_ACCEPT);
  g_assert_false (g_file_test (bare, G_FILE_TEST_EXISTS));
  g_assert_true (file_starts_with (svg, "<?xml", 5));

  /* One task, so the session has something to keep. */
  blip_runner_set_pause_after_task (runner, 1);
  blip_studio_window_play (window);
  g_assert_true (blip_test_wait_until (first_task_done, window, 300));

  /* Save Session: Cancel, then a file. The runner writes in order, so once
   * the second is saved the cancelled one would have been too. */
  const char *sessions[] = { "BLIP Studio sessions", NULL };
  chooser = chooser_shown (window, "save-session", "Save Session", sessions);
  g_autofree char *session_name = gtk_file_chooser_get_current_name (chooser);
  g_assert_cmpstr (session_name, ==, "mnist5-blip-task1.safetensors");
  g_autofree char *cancelled_session = g_build_filename (dir, "cancelled.safetensors", NULL);
  chooser_answer (window, chooser, cancelled_session, GTK_RESPONSE_CANCEL);
  g_autofree char *session = g_build_filename (dir, "run.safetensors", NULL);
  chooser = chooser_shown (window, "save-session", "Save Session", sessions);
  chooser_answer (window, chooser, session, GTK_RESPONSE_ACCEPT);
  g_assert_true (blip_test_wait_until (runner_saved, &w, 60));
  g_assert_cmpstr (w.saved, ==, session);
  g_assert_true (g_file_test (session, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (cancelled_session, G_FILE_TEST_EXISTS));

  /* Open Session, from a fresh run: back at one task, as a new run. */
  Reopened reopened = { window, blip_runner_get_generation (runner), 0 };
  g_action_group_activate_action (G_ACTION_GROUP (window), "reset", NULL);
  g_assert_true (blip_test_wait_until (window_reopened, &reopened, 120));
  const char *open_filters[] = { "BLIP Studio sessions", "All files", NULL };
  reopened = (Reopened) { window, blip_runner_get_generation (runner), 1 };
  chooser = chooser_shown (window, "open-session", "Open Session", open_filters);
  chooser_answer (window, chooser, session, GTK_RESPONSE_ACCEPT);
  g_assert_true (blip_test_wait_until (window_reopened, &reopened, 120));

  /* A malformed session: a dialog naming it; the run stays as it was. */
  guint generation = blip_runner_get_generation (runner);
  g_autofree char *bad = g_build_filename (dir, "broken.safetensors", NULL);
  g_assert_true (g_file_set_contents (bad, "\x10\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  chooser = chooser_shown (window, "open-session", "Open Session", open_filters);
  chooser_answer (window, chooser, bad, GTK_RESPONSE_ACCEPT);
  g_assert_true (blip_test_wait_until (dialog_shown, NULL, 60));
  GtkMessageDialog *dialog = find_dialog ();
  g_autofree char *text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, bad));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (blip_test_wait_until (first_task_done, window, 30));
  g_assert_cmpuint (blip_runner_get_generation (runner), ==, generation);
  g_assert_cmpint (blip_runner_get_tasks_done (runner), ==, 1);

  g_signal_handlers_disconnect_by_data (runner, &w);
  gtk_window_destroy (GTK_WINDOW (window));
  g_free (w.saved);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* The Methods view: Open Methods Table… reads a table.json that blip table
 * wrote and shows it (each method's bar, the file named above it, and what a
 * screen reader is told: the numbers and settings, or how far an interrupted
 * run got; the settings as its tooltip); a file
 * that is not such a table ends in a dialog naming it and leaves the view as
 * it was; a lesson step's Table opens in it; high contrast reaches this view
 * too. */
static void
test_window_methods_table (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  blip_studio_window_set_data_dir (window, dir);
  gtk_window_present (GTK_WINDOW (window));
  BlipMethodsView *view = BLIP_METHODS_VIEW (blip_studio_window_get_view (window, "methods"));
  g_assert_nonnull (view);
  g_assert_null (blip_methods_view_get_table (view));

  g_autofree char *table = g_build_filename (dir, "table.json", NULL);
  g_assert_true (g_file_set_contents (table,
    "{\"format\": \"blip-table/1\", \"experiment\": \"pmnist\", \"seed\": 0, \"rows\": [\n"
    " {\"approach\": \"blip\", \"title\": \"BLIP\", \"status\": \"trained\", \"n_tasks\": 2, \"ACC\": 0.97, "
    "\"BWT_paper\": -0.001, \"BWT_code\": -0.0005, \"memory_bytes\": 8000, \"memory_bytes_per_task\": [8000, 8000], "
    "\"time_seconds\": 60, \"paper_ACC_percent\": 97.31},\n"
    " {\"approach\": \"hat\", \"title\": \"HAT\", \"status\": \"trained\", \"n_tasks\": 2, \"ACC\": 0.96, "
    "\"BWT_paper\": 0, \"BWT_code\": 0, \"memory_bytes\": 200, \"memory_bytes_per_task\": [100, 200], "
    "\"time_seconds\": null, \"paper_ACC_percent\": 97.34, \"settings\": \"lr 0.01, hat-smax 400, hat-c 0.75\"},\n"
    " {\"approach\": \"lwf\", \"title\": \"LwF\", \"status\": \"interrupted\", \"tasks_completed\": 4, "
    "\"tasks_total\": 10, \"paper_ACC_percent\": 65.65}]}\n",
    -1, NULL));
  const char *filters[] = { "Methods tables (table.json)", "JSON files", "All files", NULL };
  GtkFileChooser *chooser = chooser_shown (window, "open-table", "Open Methods Table", filters);
  chooser_answer (window, chooser, table, GTK_RESPONSE_ACCEPT);
  const BlipTableFile *shown = blip_methods_view_get_table (view);
  g_assert_nonnull (shown);
  g_assert_cmpint (shown->n_rows, ==, 3);
  g_assert_cmpstr (shown->experiment, ==, "pmnist");
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_STACK));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "methods");
  g_assert_cmpstr (gtk_label_get_text (window->methods_label), ==, table);
  /* Read out: each method's numbers, or how far an interrupted run got. */
  const char *read_out = "BLIP: ACC 97.00%, BWT -0.10%, memory 8000 bytes. "
                         "HAT: ACC 96.00%, BWT 0.00%, memory 200 bytes. Settings: lr 0.01, hat-smax 400, hat-c 0.75. "
                         "LwF: interrupted, 4/10 tasks. ";
  g_autofree char *mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view),
                                                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, read_out);
  if (mismatch != NULL)
    g_error ("the Methods view reads out “%s”, expected “%s”", mismatch, read_out);
  /* The settings a row gives, as the view's tooltip. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (view)), ==,
                   "Settings of each run:\nHAT: lr 0.01, hat-smax 400, hat-c 0.75");

  /* As drawn: BLIP's bar in the first method colour (Okabe–Ito orange). */
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1000, 500);
  cairo_t *cr = cairo_create (img);
  blip_figure_view_draw (BLIP_FIGURE_VIEW (view), cr, 1000, 500);
  cairo_destroy (cr);
  cairo_surface_flush (img);
  int orange = 0;
  const guint8 *data = cairo_image_surface_get_data (img);
  for (int y = 0; y < 500; y++)
    for (int x = 0; x < 500; x++)
      {
        guint32 c = ((const guint32 *) (data + (gsize) y * cairo_image_surface_get_stride (img)))[x] & 0xffffff;
        orange += c == 0xe69f00;
      }
  cairo_surface_destroy (img);
  g_assert_cmpint (orange, >, 500);
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, view, 20));
  g_object_unref (render_texture (GTK_WIDGET (view)));

  /* Not a table: a dialog naming the file; the table stays. */
  g_autofree char *results = g_build_filename (dir, "results.json", NULL);
  g_assert_true (g_file_set_contents (results, "{\"format\": \"blip-results/2\"}", -1, NULL));
  g_assert_false (blip_studio_window_open_table (window, results));
  g_assert_true (blip_test_wait_until (dialog_shown, NULL, 60));
  GtkMessageDialog *dialog = find_dialog ();
  g_autofree char *text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, results));
  g_assert_nonnull (strstr (text, "blip-table/1"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (blip_methods_view_get_table (view) == shown);

  /* A lesson step with a Table opens it in this view. */
  g_autofree char *other = g_build_filename (dir, "other.json", NULL);
  g_assert_true (g_file_set_contents (other,
    "{\"format\": \"blip-table/1\", \"experiment\": \"mnist5\", \"seed\": 3, \"rows\": [{\"approach\": "
    "\"sgd\", \"title\": \"Fine-tuning\", \"status\": \"not-run\", \"paper_ACC_percent\": null}]}", -1, NULL));
  g_autofree char *lesson = g_build_filename (dir, "table.lesson", NULL);
  g_assert_true (g_file_set_contents (lesson, "[Lesson]\nTitle=Tables\nVersion=1\n\n[Step 1]\nTitle=The table\n"
                                      "Text=Read it.\nView=methods\nTable=other.json\n", -1, NULL));
  blip_studio_window_set_view (window, "curves");
  g_assert_true (blip_studio_window_open_lesson (window, lesson));
  g_assert_cmpstr (blip_methods_view_get_table (view)->experiment, ==, "mnist5");
  g_assert_cmpuint (blip_methods_view_get_table (view)->seed, ==, 3);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "methods");

  /* blip table's folder stands for its table.json. */
  g_assert_true (blip_studio_window_open_table (window, dir));
  g_assert_cmpuint (blip_methods_view_get_table (view)->seed, ==, 0);
  g_assert_cmpstr (gtk_label_get_text (window->methods_label), ==, table);

  g_action_group_change_action_state (G_ACTION_GROUP (window), "high-contrast", g_variant_new_boolean (TRUE));
  g_assert_true (blip_figure_view_get_high_contrast (BLIP_FIGURE_VIEW (view)));

  gtk_window_destroy (GTK_WINDOW (window));
  blip_test_rmtree (dir);
}

/* A missing data set: a dialog that names where the app looked and how to get it. */
static void
test_window_missing_data (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  blip_studio_window_set_data_dir (window, dir);
  g_assert_true (blip_studio_window_start (window, "mnist5", NULL, NULL, NULL));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (dialog_shown, NULL, 60));
  GtkMessageDialog *dialog = find_dialog ();
  if (g_getenv ("BLIP_STUDIO_TEST_SHOTS") != NULL)
    g_free (render (GTK_WIDGET (dialog)).data);
  g_autofree char *text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, dir));
  g_assert_nonnull (strstr (text, "--download"));
  g_assert_cmpint (blip_runner_get_state (blip_studio_window_get_runner (window)), ==, BLIP_RUNNER_EMPTY);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
  blip_test_rmtree (dir);
}

/* The main menu's button under root: the menu button with a menu model
 * (Settings… is a menu button too, with a popover of its own). */
static GtkWidget *
find_main_menu_button (GtkWidget *root)
{
  if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (root)) != NULL)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_main_menu_button (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Items for action in a menu, its sections and submenus. */
static int
menu_count_action (GMenuModel *model, const char *action)
{
  int n = 0;
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *name = NULL;
      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_strcmp0 (name, action) == 0)
        n++;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (model, i);
      GMenuModel *child;
      while (g_menu_link_iter_get_next (links, NULL, &child))
        {
          n += menu_count_action (child, action);
          g_object_unref (child);
        }
    }
  return n;
}

static gboolean
lesson_parameter_shown (gpointer data)
{
  BlipBitsView *bits = BLIP_BITS_VIEW (blip_studio_window_get_view (data, "bits"));
  return window_started (data) && blip_bits_view_get_index (bits) == 406 &&
         blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (bits)) != NULL;
}

/* A shipped lesson opens beside the views: its first step loads its
 * settings, shows the bits view and points at the parameter it names. */
static void
test_window_lesson (void)
{
  g_autofree char *lesson = g_test_build_filename (G_TEST_DIST, "..", "lessons", "01-bits-and-quantization.lesson",
                                                   NULL);
  if (!g_file_test (lesson, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("lessons/01-bits-and-quantization.lesson is not there");
      return;
    }
  g_autofree char *dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (dir, "mnist", 300, 100, 4);
  BlipStudioWindow *window = g_object_new (BLIP_TYPE_STUDIO_WINDOW, NULL);
  blip_studio_window_set_data_dir (window, dir);
  g_assert_true (blip_studio_window_start (window, "mnist5", "sgd", "quick", NULL));
  g_assert_true (blip_studio_window_open_lesson (window, lesson));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (lesson_parameter_shown, window, 120));
  const BlipConfig *config = blip_runner_get_config (blip_studio_window_get_runner (window));
  g_assert_cmpstr (config->approach, ==, "blip");
  g_assert_cmpint (config->nepochs, ==, 3);
  g_assert_true (blip_studio_window_get_view (window, "bits") ==
                 blip_studio_window_get_view (window, gtk_stack_get_visible_child_name (
                   GTK_STACK (gtk_widget_get_ancestor (blip_studio_window_get_view (window, "curves"),
                                                       GTK_TYPE_STACK)))));
  /* The main menu lists the shipped lessons. */
  GtkWidget *button = find_main_menu_button (gtk_window_get_titlebar (GTK_WINDOW (window)));
  g_assert_nonnull (button);
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_assert_nonnull (menu);
  g_assert_cmpint (menu_count_action (menu, "win.open-lesson-file"), >=, 5);

  gtk_window_destroy (GTK_WINDOW (window));
  blip_test_rmtree (dir);
}

/* The application: accelerators, the shortcuts window and the About dialog. */
static gboolean
ignore_no_session_bus (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  /* Under xvfb-run there is no D-Bus session; GTK says so and carries on. */
  return strstr (message, "session bus") == NULL;
}

static void
test_application_actions (void)
{
  g_test_log_set_fatal_handler (ignore_no_session_bus, NULL);
  BlipStudioApplication *app = blip_studio_application_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  struct { const char *action, *accel; } accels[] = {
    { "app.quit", "<Control>q" }, { "app.shortcuts", "<Control>question" }, { "win.play-pause", "space" },
    { "win.open-session", "<Control>o" }, { "win.save-session", "<Control>s" }, { "win.export-view", "<Control>e" },
    { "win.settings", "<Control>comma" }, { "win.show-view::compare", "<Alt>6" },
    { "win.open-table", "<Control>t" }, { "win.show-view::methods", "<Alt>9" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      g_auto(GStrv) got = gtk_application_get_accels_for_action (GTK_APPLICATION (app), accels[i].action);
      g_assert_nonnull (got[0]);
      g_assert_cmpstr (got[0], ==, accels[i].accel);
    }
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  GtkWindow *shortcuts = NULL, *about = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_SHORTCUTS_WINDOW (w))
        shortcuts = GTK_WINDOW (w);
      if (GTK_IS_ABOUT_DIALOG (w))
        about = GTK_WINDOW (w);
    }
  g_assert_nonnull (shortcuts);
  g_assert_nonnull (about);
  g_assert_nonnull (strstr (gtk_about_dialog_get_comments (GTK_ABOUT_DIALOG (about)),
                            "Continual Learning via Bit-Level Information Preserving"));
  /* Both lay out and draw without warnings (which are fatal here). */
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, shortcuts, 20));
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, about, 20));
  g_object_unref (render_texture (GTK_WIDGET (shortcuts)));
  g_object_unref (render_texture (GTK_WIDGET (about)));
  gtk_window_destroy (shortcuts);
  gtk_window_destroy (about);
  g_object_unref (app);
}

int
main (int argc, char **argv)
{
  if (!blip_test_gtk_init (&argc, &argv, "/studio/display"))
    return g_test_run ();
  g_test_add_func ("/studio/bits-view/frozen-cells", test_bits_view_frozen_cells);
  g_test_add_func ("/studio/layer-map/fully-frozen", test_layer_map_fully_frozen);
  g_test_add_func ("/studio/layer-map/conv", test_layer_map_conv);
  g_test_add_func ("/studio/acc-matrix/cells", test_acc_matrix_cells);
  g_test_add_func ("/studio/views/draw", test_other_views_draw);
  g_test_add_func ("/studio/views/export", test_views_export);
  g_test_add_func ("/studio/runner/steps-and-sessions", test_runner_steps_and_sessions);
  g_test_add_func ("/studio/window/trains-a-task", test_window_trains_a_task);
  g_test_add_func ("/studio/window/missing-data", test_window_missing_data);
  g_test_add_func ("/studio/window/settings", test_window_settings);
  g_test_add_func ("/studio/settings/per-method", test_settings_per_method);
  g_test_add_func ("/studio/window/compare", test_window_compare);
  g_test_add_func ("/studio/window/file-choosers", test_window_file_choosers);
  g_test_add_func ("/studio/window/lesson", test_window_lesson);
  g_test_add_func ("/studio/window/methods-table", test_window_methods_table);
  g_test_add_func ("/studio/application/actions", test_application_actions);
  return g_test_run ();
}
