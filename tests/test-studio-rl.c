/* test-studio-rl.c — blip-studio's views of reinforcement-learning runs, on a
 * real display (under xvfb-run in the suite; skipped with a reason when
 * there is none), as test-studio.c does for the supervised views.
 *
 * The network agent rebuilt from a snapshot acts exactly as the network it
 * was copied from; the Game view draws a known game state to known pixels
 * (each cell the colour blip_env_render_rgb gives it) with the episode's
 * return and step; the Game grid fills a row per finished task, its cells
 * of one column play the same episodes; the accuracy matrix shows returns
 * and the layer map the MinAtar network's layers; and a window shows both
 * game views, and survives a small MinAtar run's events in every view.
 *
 * With BLIP_STUDIO_RL_SHOTS=DIR the rendered views are written there as PNG
 * (the README's screenshots come from this).
 */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blip.h"
#include "blip-figures.h"
#include "blip-env.h"
#include "blip-policy.h"
#include "blip-game-player.h"
#include "blip-game-view.h"
#include "blip-game-grid.h"
#include "blip-window.h"
#include "blip-settings-popover.h"
#include "blip-window-private.h"
#include "blip-studio-application.h"
#include "blip-test-gtk.h"

/* ---- Helpers -------------------------------------------------------------------- */

/* Renders the widget as the next frame paints it; saved as NAME.png under
 * $BLIP_STUDIO_RL_SHOTS when set. Returns its size. */
static void
render_widget (GtkWidget *widget, const char *name, int *width, int *height)
{
  GdkTexture *texture = blip_test_render_texture (widget);
  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  const char *dir = g_getenv ("BLIP_STUDIO_RL_SHOTS");
  if (dir != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, name);
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }
  g_object_unref (texture);
}

/* The MinAtar network the engine trains: conv 16 3×3 (valid) on in_c×10×10,
 * ReLU, fc 128, ReLU, one head per game. */
static BlipNetwork *
minatar_network (int in_c, const int *head_classes, int n_heads, guint64 seed)
{
  BlipOpSpec spec[2] = {
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 16, .k = 3, .relu = TRUE },
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 128, .relu = TRUE },
  };
  BlipRng rng;
  blip_rng_seed (&rng, seed);
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (in_c, 10, 10, spec, 2, head_classes, n_heads, FALSE, 20, 1e-15, &rng, 4,
                                       &error);
  g_assert_no_error (error);
  /* Heads start near zero; make them decisive so argmax is not a tie. */
  for (int t = 0; t < n_heads; t++)
    for (gsize k = 0; k < net->heads[t].n_weight; k++)
      net->heads[t].weight[k] *= 8;
  return net;
}

/* The snapshot a trainer's box would hand over at TASK_END, built from net. */
static BlipSnapshot *
snapshot_of (BlipNetwork *net, gboolean with_heads)
{
  BlipSnapshot *s = g_new0 (BlipSnapshot, 1);
  s->ref_count = 1;
  s->experiment = g_strdup ("minatar");
  s->approach = g_strdup ("blip");
  s->event.type = BLIP_EVENT_TASK_END;
  s->n_tasks = net->n_heads;
  s->acc = g_new (double, net->n_heads * net->n_heads);
  for (int k = 0; k < net->n_heads * net->n_heads; k++)
    s->acc[k] = NAN;
  s->in_c = net->in_c;
  s->in_h = net->in_h;
  s->in_w = net->in_w;
  s->n_layers = net->n_layers;
  s->layers = g_new0 (BlipLayerSnapshot, net->n_layers);
  for (int l = 0; l < net->n_layers; l++)
    {
      const BlipLayer *src = &net->layers[l];
      BlipLayerSnapshot *ls = &s->layers[l];
      ls->name = g_strdup (src->name);
      ls->rows = src->out_dim;
      ls->cols = src->in_dim;
      if (src->kind == BLIP_LAYER_CONV2D)
        {
          ls->kernel_channels = src->geom.C_in;
          ls->kernel_h = src->geom.kh;
          ls->kernel_w = src->geom.kw;
          ls->stride = src->geom.stride;
          ls->pad = src->geom.pad;
        }
      ls->n_weight = src->n_weight;
      ls->n = src->n_weight + src->n_bias;
      ls->values = g_memdup2 (src->weight, sizeof (float) * ls->n);
    }
  if (with_heads)
    {
      s->n_heads = net->n_heads;
      s->heads = g_new0 (BlipLayerSnapshot, net->n_heads);
      for (int t = 0; t < net->n_heads; t++)
        {
          BlipLayerSnapshot *hs = &s->heads[t];
          hs->name = g_strdup (net->heads[t].name);
          hs->rows = net->heads[t].out_dim;
          hs->cols = net->heads[t].in_dim;
          hs->n_weight = net->heads[t].n_weight;
          hs->n = hs->n_weight + net->heads[t].n_bias;
          hs->values = g_memdup2 (net->heads[t].weight, sizeof (float) * hs->n);
        }
    }
  return s;
}

static const char * const games[] = { "breakout", "space_invaders", "freeway", NULL };
static const int game_actions[] = { 3, 4, 3 };

/* ---- The network agent ------------------------------------------------------------ */

static void
test_policy_matches_network (void)
{
  BlipNetwork *net = minatar_network (7, game_actions, 3, 11);
  g_autoptr(BlipSnapshot) s = snapshot_of (net, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipPolicyNet) policy = blip_policy_net_new (s, &error);
  g_assert_no_error (error);
  g_assert_cmpint (blip_policy_net_n_heads (policy), ==, 3);
  g_assert_cmpint (blip_policy_net_in_channels (policy), ==, 7);

  /* Observations of real games (padded to 7 channels): the copy's outputs are
   * the network's, bit for bit, and the action is their argmax. */
  int actions_seen[3][6] = { { 0 } };
  for (int g = 0; g < 3; g++)
    {
      g_autoptr(BlipEnv) env = blip_env_new (games[g], &error);
      g_assert_no_error (error);
      int c, h, w;
      blip_env_obs_shape (env, &c, &h, &w);
      float obs[7 * 100], padded[7 * 100];
      for (int t = 0; t < 60; t++)
        {
          blip_env_observation (env, obs);
          memset (padded, 0, sizeof padded);
          memcpy (padded, obs, sizeof (float) * c * 100);
          int a = blip_policy_net_act (policy, g, obs, c, game_actions[g]);
          int n_out;
          const float *mine = blip_policy_net_last_outputs (policy, &n_out);
          const float *want = blip_network_forward (net, padded, 1, g);
          g_assert_cmpint (n_out, ==, game_actions[g]);
          g_assert_cmpmem (mine, sizeof (float) * n_out, want, sizeof (float) * n_out);
          for (int k = 0; k < n_out; k++)
            g_assert_cmpfloat (want[a], >=, want[k]);
          actions_seen[g][a]++;
          gboolean done;
          blip_env_step (env, a, NULL, &done);
          if (done)
            blip_env_reset (env, t);
        }
    }
  /* Without heads there is nothing to play: a clear error. */
  g_autoptr(BlipSnapshot) headless = snapshot_of (net, FALSE);
  g_assert_null (blip_policy_net_new (headless, &error));
  g_assert_error (error, BLIP_POLICY_ERROR, BLIP_POLICY_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "no heads"));
  blip_network_free (net);
}

/* ---- Game view -------------------------------------------------------------------- */

static int
always_noop (gpointer data, const float *obs)
{
  (*(int *) data)++;
  return 0;
}

static void
test_game_view_known_pixels (void)
{
  GtkWidget *view = blip_game_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 760, 620);
  BlipGameView *gv = BLIP_GAME_VIEW (view);
  g_assert_cmpint (blip_game_view_get_n_tasks (gv), ==, 0);
  g_assert_null (blip_game_view_get_player (gv));

  int calls = 0;
  blip_game_view_set_task (gv, 0, "breakout", always_noop, &calls, NULL, "scripted agent");
  g_assert_cmpint (blip_game_view_get_task (gv), ==, 0);
  blip_game_view_restart (gv, 7);
  blip_game_view_step (gv, 9);
  g_assert_cmpint (calls, ==, 9);

  /* The same episode outside the view: seed 7, nine NOOPs. */
  g_autoptr(BlipEnv) env = blip_env_new ("breakout", NULL);
  blip_env_reset (env, 7);
  float ret = 0;
  for (int t = 0; t < 9; t++)
    {
      float r;
      blip_env_step (env, 0, &r, NULL);
      ret += r;
    }
  guint8 want[10 * 10 * 3];
  blip_env_render_rgb (env, want, 1);
  BlipGamePlayer *player = blip_game_view_get_player (gv);
  g_assert_cmpuint (blip_game_player_get_steps (player), ==, 9);
  g_assert_cmpfloat (blip_game_player_get_return (player), ==, ret);

  /* Drawn at 640 × 560: every cell is one flat square of its colour. */
  const int W = 640, H = 560;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  cairo_t *cr = cairo_create (surface);
  blip_game_view_draw (gv, cr, W, H);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  double x0, y0, cell;
  blip_game_view_frame_rect (gv, W, H, &x0, &y0, &cell);
  g_assert_cmpfloat (cell, >=, 40);
  g_assert_cmpfloat (y0, >=, 60);   /* the caption is above */
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int distinct = 0;
  guint32 first = 0;
  for (int y = 0; y < 10; y++)
    for (int x = 0; x < 10; x++)
      {
        const guint8 *rgb = want + (y * 10 + x) * 3;
        guint32 expect = (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2];
        /* The cell's corners and centre, one pixel inside its edges. */
        int px[3] = { (int) (x0 + x * cell + 1), (int) (x0 + (x + 0.5) * cell), (int) (x0 + (x + 1) * cell - 2) };
        int py[3] = { (int) (y0 + y * cell + 1), (int) (y0 + (y + 0.5) * cell), (int) (y0 + (y + 1) * cell - 2) };
        for (int i = 0; i < 3; i++)
          {
            guint32 got = ((const guint32 *) (data + (gsize) py[i] * stride))[px[i]] & 0xffffff;
            if (got != expect)
              g_error ("cell (%d, %d) pixel (%d, %d): got %06x, want %06x", y, x, px[i], py[i], got, expect);
          }
        if (x + y == 0)
          first = expect;
        else if (expect != first)
          distinct++;
      }
  g_assert_cmpint (distinct, >, 5);   /* paddle, ball and bricks, not one flat colour */
  /* The caption is light text on the dark screen. */
  int light = 0;
  for (int y = 10; y < 50; y++)
    for (int x = 0; x < W; x++)
      light += (((const guint32 *) (data + (gsize) y * stride))[x] & 0xff) > 200;
  g_assert_cmpint (light, >, 200);
  cairo_surface_destroy (surface);

  /* Play/pause through its action, and the widget renders. */
  g_assert_false (blip_game_view_get_playing (gv));
  gtk_widget_activate_action (view, "game.play", NULL);
  g_assert_true (blip_game_view_get_playing (gv));
  gtk_widget_activate_action (view, "game.play", NULL);
  g_assert_false (blip_game_view_get_playing (gv));
  int w, h;
  render_widget (view, "game-view-widget", &w, &h);
  g_assert_cmpint (w, ==, gtk_widget_get_width (view));

  /* A random agent by default; replacing the shown task starts it over. */
  blip_game_view_set_task (gv, 1, "freeway", NULL, NULL, NULL, "random agent");
  g_assert_cmpint (blip_game_view_get_n_tasks (gv), ==, 2);
  blip_game_view_select_task (gv, 1);
  g_assert_cmpstr (blip_game_player_get_game (blip_game_view_get_player (gv)), ==, "freeway");
  blip_game_view_step (gv, 30);
  g_assert_cmpuint (blip_game_player_get_steps (blip_game_view_get_player (gv)), ==, 30);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Playing follows the frame clock at the chosen speed. */
static gboolean
stepped_enough (gpointer data)
{
  BlipGamePlayer *p = blip_game_view_get_player (data);
  return p && blip_game_player_get_steps (p) >= 20;
}

static void
test_game_view_plays_on_frame_clock (void)
{
  GtkWidget *view = blip_game_view_new ();
  GtkWidget *window = blip_test_show_in_window (view, 500, 420);
  BlipGameView *gv = BLIP_GAME_VIEW (view);
  blip_game_view_set_task (gv, 0, "space_invaders", NULL, NULL, NULL, NULL);
  blip_game_view_set_speed (gv, 60);
  blip_game_view_set_playing (gv, TRUE);
  g_assert_true (blip_test_wait_until (stepped_enough, gv, 20));
  blip_game_view_set_playing (gv, FALSE);
  guint64 steps = blip_game_player_get_steps (blip_game_view_get_player (gv));
  for (int i = 0; i < 20; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
  g_assert_cmpuint (blip_game_player_get_steps (blip_game_view_get_player (gv)), ==, steps);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- Game grid -------------------------------------------------------------------- */

static void
test_grid_rows (void)
{
  GtkWidget *widget = blip_game_grid_new ();
  GtkWidget *window = blip_test_show_in_window (widget, 900, 760);
  BlipGameGrid *grid = BLIP_GAME_GRID (widget);
  blip_game_grid_set_games (grid, games);
  g_assert_cmpint (blip_game_grid_get_n_games (grid), ==, 3);
  g_assert_cmpint (blip_game_grid_get_n_rows (grid), ==, 0);

  BlipNetwork *net = minatar_network (7, game_actions, 3, 5);
  g_autoptr(BlipSnapshot) s = snapshot_of (net, TRUE);
  g_autoptr(BlipPolicyNet) policy = blip_policy_net_new (s, NULL);
  g_assert_nonnull (policy);

  /* Task 1 ends: row 0 plays game 0 only. */
  blip_game_grid_set_row (grid, 0, policy, "BLIP");
  g_assert_cmpint (blip_game_grid_get_n_rows (grid), ==, 1);
  g_assert_nonnull (blip_game_grid_get_player (grid, 0, 0));
  g_assert_null (blip_game_grid_get_player (grid, 0, 1));
  g_assert_null (blip_game_grid_get_player (grid, 1, 0));
  /* Task 2 ends: row 1 plays games 0 and 1. */
  blip_game_grid_set_row (grid, 1, policy, "BLIP");
  g_assert_cmpint (blip_game_grid_get_n_rows (grid), ==, 2);
  g_assert_nonnull (blip_game_grid_get_player (grid, 1, 0));
  g_assert_nonnull (blip_game_grid_get_player (grid, 1, 1));
  g_assert_null (blip_game_grid_get_player (grid, 1, 2));

  /* One column plays the same episodes in every row: with the same agent
   * the two cells of column 0 stay in lockstep. */
  blip_game_grid_step (grid, 150);
  BlipGamePlayer *a = blip_game_grid_get_player (grid, 0, 0), *b = blip_game_grid_get_player (grid, 1, 0);
  g_assert_cmpuint (blip_game_player_get_steps (a), ==, blip_game_player_get_steps (b));
  g_assert_cmpfloat (blip_game_player_get_return (a), ==, blip_game_player_get_return (b));
  g_assert_cmpint (blip_game_player_get_episodes (a), ==, blip_game_player_get_episodes (b));

  double R[9] = { 4, NAN, NAN, 3.5, 12, NAN, NAN, NAN, NAN };
  blip_game_grid_set_matrix (grid, R, 3);
  int w, h;
  render_widget (widget, "game-grid-widget", &w, &h);
  g_assert_cmpint (h, ==, gtk_widget_get_height (widget));

  /* New games drop the rows. */
  blip_game_grid_set_games (grid, NULL);
  g_assert_cmpint (blip_game_grid_get_n_rows (grid), ==, 0);
  blip_network_free (net);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- Supervised views on a reinforcement run ------------------------------------- */

/* Gives every layer BLIP state: bits (k mod 7), anchors, Fisher. */
static void
quantize (BlipSnapshot *s)
{
  for (int l = 0; l < s->n_layers; l++)
    {
      BlipLayerSnapshot *ls = &s->layers[l];
      ls->quantized = TRUE;
      ls->max_bit = 20;
      ls->bound_w = ls->bound_b = 1;
      ls->bits = g_new (guint8, ls->n);
      ls->anchor = g_new0 (float, ls->n);
      ls->fisher_old = g_new (float, ls->n);
      for (gsize k = 0; k < ls->n; k++)
        {
          ls->bits[k] = k % 7;
          ls->fisher_old[k] = 1e-3f;
        }
    }
}

static void
test_reward_matrix_and_maps (void)
{
  BlipNetwork *net = minatar_network (7, game_actions, 3, 3);
  g_autoptr(BlipSnapshot) s = snapshot_of (net, TRUE);
  quantize (s);
  g_assert_true (blip_figure_is_reinforcement (s));

  /* Returns are points, not fractions, on each game's own scale: each column
   * is coloured from 0 to its largest return (2 in column 1, 20 in column 2). */
  double R[9] = { 2, NAN, NAN, 1, 20, NAN, NAN, NAN, NAN };
  memcpy (s->acc, R, sizeof R);
  const int W = 600, H = 500, T = 3;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  cairo_t *cr = cairo_create (surface);
  blip_figure_acc_matrix (cr, W, H, s, FALSE);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  double font = CLAMP (H / 30.0, 10, 20), top = 2.5 * font + 10, left = 3.5 * font + 10;
  double size = MIN ((W - left - 20) / T, (H - top - 4 * font - 20) / T);
  struct { int i, j; double t; } cells[] = { { 0, 0, 1.0 }, { 1, 0, 0.5 }, { 1, 1, 1.0 } };
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  for (guint c = 0; c < G_N_ELEMENTS (cells); c++)
    {
      double rgb[3];
      blip_palette_sequential (cells[c].t, FALSE, rgb);
      int x = (int) (left + cells[c].j * size + size * 0.15), y = (int) (top + cells[c].i * size + size * 0.15);
      guint32 got = ((const guint32 *) (data + (gsize) y * stride))[x];
      int g[3] = { (got >> 16) & 0xff, (got >> 8) & 0xff, got & 0xff };
      for (int k = 0; k < 3; k++)
        g_assert_cmpint (abs (g[k] - (int) lround (rgb[k] * 255)), <=, 2);
    }
  cairo_surface_destroy (surface);

  /* fc1 reads 16 × 8 × 8 feature maps: 1024 = 32² inputs that are no image,
   * so the input-image layout does not apply and every cell is a parameter. */
  g_assert_cmpint (s->layers[1].cols, ==, 1024);
  BlipMapView view;
  blip_map_view_init (&view);
  view.layout = BLIP_MAP_INPUT_IMAGE;
  g_assert_cmpint (blip_figure_layer_map_pick (800, 600, s, 1, &view, 400, 300), >=, 0);
  double rect[4];
  g_assert_true (blip_figure_layer_map_cell_rect (800, 600, s, 1, &view, 5000, rect));
  /* conv1: 16 × 7 kernels of 3 × 3, one tile per kernel, every weight pickable. */
  gssize picked = blip_figure_layer_map_pick (800, 600, s, 0, &view, 400, 300);
  g_assert_cmpint (picked, >=, 0);
  g_assert_cmpint (picked, <, (gssize) s->layers[0].n);
  blip_network_free (net);
}

/* Settings… of a run on games: its own fields, the games checked by name. */
static void
test_settings_games (void)
{
  GtkWidget *popover = blip_settings_popover_new ();
  BlipSettingsPopover *sp = BLIP_SETTINGS_POPOVER (popover);
  GtkWidget *button = gtk_menu_button_new ();
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  GtkWidget *window = blip_test_show_in_window (button, 300, 200);
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "minatar", NULL));
  blip_settings_popover_set_config (sp, &c, "classroom");
  GtkEditable *games_entry = blip_settings_popover_get_games (sp);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (games_entry)));
  g_assert_cmpstr (gtk_editable_get_text (games_entry), ==, c.games);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (sp, "frames"))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (sp, "nepochs"))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (sp, "train_subset"))));

  /* A game that does not exist is refused, naming it. */
  gtk_editable_set_text (games_entry, "freeway, pong");
  g_assert_nonnull (strstr (blip_settings_popover_get_message (sp), "unknown game “pong”"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (games_entry), "error"));
  BlipConfig out;
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_settings_popover_get_config (sp, &out, &error));
  g_clear_error (&error);
  /* Spaces after commas are fine; the order is kept. */
  gtk_editable_set_text (games_entry, "freeway, breakout");
  g_assert_null (blip_settings_popover_get_message (sp));
  gtk_spin_button_set_value (blip_settings_popover_get_spin (sp, "frames"), 50000);
  g_assert_true (blip_settings_popover_get_config (sp, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out.games, ==, "freeway,breakout");
  g_assert_cmpint (out.frames, ==, 50000);
  blip_config_clear (&out);

  /* Back on a data set: the games_entry are hidden again. */
  BlipConfig mnist;
  blip_config_init_defaults (&mnist);
  blip_settings_popover_set_config (sp, &mnist, "classroom");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (games_entry)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (blip_settings_popover_get_spin (sp, "nepochs"))));
  blip_config_clear (&mnist);
  blip_config_clear (&c);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The window ------------------------------------------------------------------- */

static void
test_window_game_views (void)
{
  BlipStudioWindow *window = blip_studio_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, window, 20));
  /* Reachable as views; before any run the game view offers every game with a random agent. */
  g_assert_true (blip_studio_window_set_view (window, "game"));
  g_assert_true (blip_game_view_get_playing (window->game_view));
  g_assert_cmpint (blip_game_view_get_n_tasks (window->game_view), ==, (int) g_strv_length ((char **) blip_env_list ()));
  g_assert_true (blip_studio_window_set_view (window, "game-grid"));
  g_assert_false (blip_game_view_get_playing (window->game_view));
  g_assert_true (blip_game_grid_get_playing (window->game_grid));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-view"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "layer-map");
  g_assert_false (blip_game_grid_get_playing (window->game_grid));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A small MinAtar run in the window: the grid gets a row as each game is
 * learned, the game view the newest agent on every game so far, and every
 * other view draws the run. $BLIP_STUDIO_RL_FRAMES sets the frames per game
 * (default 2000: one PPO update) and $BLIP_STUDIO_RL_LR the learning rate,
 * for the README's screenshots (tools/studio-rl-screenshots). */
typedef struct {
  BlipRunner *runner;
  int         tasks;
} RunWait;

static gboolean
run_rests_after (gpointer data)
{
  RunWait *w = data;
  BlipRunnerState state = blip_runner_get_state (w->runner);
  return blip_runner_get_tasks_done (w->runner) >= w->tasks && !blip_runner_get_playing (w->runner) &&
         (state == BLIP_RUNNER_READY || state == BLIP_RUNNER_FINISHED);
}

/* The stack's crossfade is over: the page shown is the one chosen. */
static gboolean
stack_settled (gpointer stack)
{
  return !gtk_stack_get_transition_running (stack);
}

static gboolean
run_ready (gpointer data)
{
  return blip_runner_get_state (data) == BLIP_RUNNER_READY;
}

static void
test_window_rl_run (void)
{
  BlipStudioWindow *window = blip_studio_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, window, 20));
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "minatar", NULL));
  const char *frames = g_getenv ("BLIP_STUDIO_RL_FRAMES");
  const char *lr = g_getenv ("BLIP_STUDIO_RL_LR");
  c.frames = frames ? atoi (frames) : 2000;
  c.eval_episodes = frames ? 10 : 1;
  if (lr != NULL)
    c.lr = g_ascii_strtod (lr, NULL);
  blip_studio_window_start_config (window, &c, NULL);
  blip_config_clear (&c);
  BlipRunner *runner = blip_studio_window_get_runner (window);
  g_assert_true (blip_test_wait_until (run_ready, runner, 30));
  /* Before any game is learned: the run's games, each with a random agent, and an empty grid. */
  g_assert_cmpint (blip_game_view_get_n_tasks (window->game_view), ==, 3);
  g_assert_cmpint (blip_game_grid_get_n_games (window->game_grid), ==, 3);
  g_assert_cmpint (blip_game_grid_get_n_rows (window->game_grid), ==, 0);

  /* Learn game 1, pause: one row. */
  g_assert_true (blip_studio_window_set_view (window, "game-grid"));
  blip_runner_set_pause_after_task (runner, 1);
  blip_studio_window_play (window);
  RunWait w = { runner, 1 };
  g_assert_true (blip_test_wait_until (run_rests_after, &w, 600));
  g_assert_cmpint (blip_game_grid_get_n_rows (window->game_grid), ==, 1);
  g_assert_nonnull (blip_game_grid_get_player (window->game_grid, 0, 0));
  g_assert_null (blip_game_grid_get_player (window->game_grid, 0, 1));
  g_assert_cmpint (blip_game_view_get_n_tasks (window->game_view), ==, 1);
  BlipSnapshot *first = blip_runner_get_task_snapshot (runner, 0);
  g_assert_nonnull (first);
  g_assert_cmpint (first->n_heads, ==, 3);
  g_assert_cmpint (first->event.type, ==, BLIP_EVENT_TASK_END);

  /* The rest of the run: three rows, the lower triangle filled. */
  blip_runner_set_pause_after_task (runner, 0);
  blip_studio_window_play (window);
  w.tasks = 3;
  g_assert_true (blip_test_wait_until (run_rests_after, &w, 1200));
  g_assert_cmpint (blip_runner_get_state (runner), ==, BLIP_RUNNER_FINISHED);
  g_assert_cmpint (blip_game_grid_get_n_rows (window->game_grid), ==, 3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      g_assert_true ((blip_game_grid_get_player (window->game_grid, i, j) != NULL) == (j <= i));
  g_assert_cmpint (blip_game_view_get_n_tasks (window->game_view), ==, 3);
  /* The agent acts: after enough steps every cell has played. */
  blip_game_grid_step (window->game_grid, 80);
  g_assert_cmpuint (blip_game_player_get_steps (blip_game_grid_get_player (window->game_grid, 2, 2)) +
                    blip_game_player_get_episodes (blip_game_grid_get_player (window->game_grid, 2, 2)), >, 0);

  /* Every view draws the run. */
  const char *views[] = { "game-grid", "game", "layer-map", "bits", "info-gain", "acc-matrix", "curves", "compare" };
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_assert_true (blip_studio_window_set_view (window, views[v]));
      blip_studio_window_refresh (window);
      /* Games in the middle of an episode, as a class would see them. */
      if (g_str_equal (views[v], "game"))
        {
          blip_game_view_select_task (window->game_view, 1);
          g_assert_cmpint (blip_game_view_get_task (window->game_view), ==, 1);
          BlipGamePlayer *player = blip_game_view_get_player (window->game_view);
          blip_game_view_step (window->game_view, 80);
          for (int k = 0; k < 400 && (blip_env_is_done (blip_game_player_get_env (player)) ||
                                      blip_game_player_get_steps (player) < 40); k++)
            blip_game_view_step (window->game_view, 1);
        }
      g_assert_true (blip_test_wait_until (stack_settled, window->stack, 10));
      g_autofree char *name = g_strdup_printf ("window-rl-%s", views[v]);
      int width, height;
      render_widget (GTK_WIDGET (window), name, &width, &height);
      g_assert_cmpint (width, >, 0);
    }
  /* The Compare view speaks of returns in points, not of percentages. */
  const char *left = blip_compare_view_get_status (window->compare_view, BLIP_COMPARE_LEFT);
  if (strstr (left, "mean return") == NULL || strchr (left, '%') != NULL)
    g_error ("the Compare view's status for a game run reads “%s”", left);

  /* Export View writes the game views as figures. */
  g_autofree char *dir = g_dir_make_tmp ("blip-studio-rl-XXXXXX", NULL);
  const char *files[] = { "grid.png", "game.svg" };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_build_filename (dir, files[f], NULL);
      g_autoptr(GError) error = NULL;
      g_assert_true (blip_studio_window_games_export (window, f == 0 ? "game-grid" : "game", path, 900, 600, &error));
      g_assert_no_error (error);
      gsize length = 0;
      g_autofree char *bytes = NULL;
      g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
      g_assert_cmpuint (length, >, 1000);
      g_assert_true (f == 0 ? memcmp (bytes, "\x89PNG", 4) == 0 : strstr (bytes, "<svg") != NULL);
      g_unlink (path);
    }
  g_rmdir (dir);

  /* Reset starts the games over: no rows. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  g_assert_true (blip_test_wait_until (run_ready, runner, 30));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (blip_game_grid_get_n_rows (window->game_grid), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Lesson 6 opens on the Game view with its run of two games set up. */
static gboolean
lesson_run_ready (gpointer data)
{
  BlipStudioWindow *window = data;
  const BlipConfig *config = blip_runner_get_config (blip_studio_window_get_runner (window));
  return config != NULL && g_strcmp0 (config->experiment, "minatar") == 0 &&
         blip_runner_get_state (blip_studio_window_get_runner (window)) == BLIP_RUNNER_READY &&
         blip_game_view_get_n_tasks (window->game_view) == 2;
}

static void
test_window_lesson (void)
{
  g_autofree char *lesson = g_test_build_filename (G_TEST_DIST, "..", "lessons",
                                                   "06-continual-reinforcement-learning.lesson", NULL);
  BlipStudioWindow *window = blip_studio_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_studio_window_open_lesson (window, lesson));
  g_assert_true (blip_test_wait_until (lesson_run_ready, window, 60));
  const BlipConfig *config = blip_runner_get_config (blip_studio_window_get_runner (window));
  g_assert_cmpstr (config->games, ==, "breakout,space_invaders");
  g_assert_cmpstr (config->approach, ==, "sgd");
  g_assert_cmpint (config->frames, ==, 100000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "game");
  g_assert_true (blip_game_view_get_playing (window->game_view));
  g_assert_cmpstr (blip_game_player_get_game (blip_game_view_get_player (window->game_view)), ==, "breakout");
  g_assert_cmpint (blip_game_grid_get_n_games (window->game_grid), ==, 2);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  if (!blip_test_gtk_init (&argc, &argv, "/studio-rl/display"))
    return g_test_run ();
  g_test_add_func ("/studio-rl/policy/matches-network", test_policy_matches_network);
  g_test_add_func ("/studio-rl/game-view/known-pixels", test_game_view_known_pixels);
  g_test_add_func ("/studio-rl/game-view/frame-clock", test_game_view_plays_on_frame_clock);
  g_test_add_func ("/studio-rl/game-grid/rows", test_grid_rows);
  g_test_add_func ("/studio-rl/figures/reward-matrix-and-maps", test_reward_matrix_and_maps);
  g_test_add_func ("/studio-rl/settings/games", test_settings_games);
  g_test_add_func ("/studio-rl/window/game-views", test_window_game_views);
  g_test_add_func ("/studio-rl/window/lesson", test_window_lesson);
  g_test_add_func ("/studio-rl/window/rl-run", test_window_rl_run);
  return g_test_run ();
}
