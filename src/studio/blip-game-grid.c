/* blip-game-grid.c — the Game grid view; see blip-game-grid.h. Cells are
 * BlipGamePlayers in a row-major array of n_games²; a tick callback steps
 * every filled cell at the chosen speed while the grid plays. */
#include "blip-game-grid.h"
#include "blip-game-pacer.h"

#include <math.h>

struct _BlipGameGrid {
  GtkBox           parent_instance;
  GtkToggleButton *play_button;
  GtkAdjustment   *speed_adjustment;
  GtkLabel        *hint_label;
  GtkDrawingArea  *screen;

  char           **games;        /* columns */
  int              n_games;
  BlipGamePlayer **cells;        /* [n_games × n_games], NULL where empty */
  char           **row_labels;   /* [n_games] */
  double          *matrix;       /* [n_games × n_games] or NULL */
  BlipGamePacer   pacer;
};

G_DEFINE_FINAL_TYPE (BlipGameGrid, blip_game_grid, GTK_TYPE_BOX)

enum { PROP_0, PROP_PLAYING, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Seeds of column j's episodes: the same in every row, apart between columns. */
#define COLUMN_SEED(j) (1000u * (guint64) ((j) + 1))

static void
clear_cells (BlipGameGrid *self)
{
  for (int k = 0; self->cells && k < self->n_games * self->n_games; k++)
    g_clear_pointer (&self->cells[k], blip_game_player_free);
  g_clear_pointer (&self->cells, g_free);
  for (int i = 0; self->row_labels && i < self->n_games; i++)
    g_free (self->row_labels[i]);
  g_clear_pointer (&self->row_labels, g_free);
  g_clear_pointer (&self->matrix, g_free);
}

static void
describe (BlipGameGrid *self)
{
  g_autofree char *text = g_strdup_printf ("%d of %d rows: one per game learned so far",
                                           blip_game_grid_get_n_rows (self), self->n_games);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->screen), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

void
blip_game_grid_set_games (BlipGameGrid *self, const char * const *games)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  clear_cells (self);
  g_strfreev (self->games);
  self->games = g_strdupv ((char **) games);
  self->n_games = games ? (int) g_strv_length (self->games) : 0;
  self->cells = g_new0 (BlipGamePlayer *, (gsize) self->n_games * self->n_games + 1);
  self->row_labels = g_new0 (char *, self->n_games + 1);
  describe (self);
}

int
blip_game_grid_get_n_games (BlipGameGrid *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_GRID (self), 0);
  return self->n_games;
}

void
blip_game_grid_set_cell (BlipGameGrid *self, int row, int col, BlipPolicyFunc func, gpointer data,
                         GDestroyNotify destroy)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  g_return_if_fail (row >= 0 && row < self->n_games && col >= 0 && col < self->n_games);
  BlipGamePlayer **cell = &self->cells[row * self->n_games + col];
  g_clear_pointer (cell, blip_game_player_free);
  *cell = blip_game_player_new (self->games[col], COLUMN_SEED (col), NULL);
  if (*cell == NULL)
    {
      if (destroy != NULL && data != NULL)
        destroy (data);
      return;
    }
  blip_game_player_set_policy (*cell, func, data, destroy);
  describe (self);
}

void
blip_game_grid_set_row (BlipGameGrid *self, int row, BlipPolicyNet *net, const char *label)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  g_return_if_fail (row >= 0 && row < self->n_games && net != NULL);
  g_free (self->row_labels[row]);
  self->row_labels[row] = g_strdup (label);
  for (int j = 0; j <= row && j < blip_policy_net_n_heads (net); j++)
    {
      BlipEnv *env = blip_env_new (self->games[j], NULL);
      if (env == NULL)
        continue;
      int c, h, w;
      blip_env_obs_shape (env, &c, &h, &w);
      BlipPolicyHead *head = blip_policy_head_new (net, j, c, blip_env_n_actions (env));
      blip_env_free (env);
      blip_game_grid_set_cell (self, row, j, blip_policy_head_act, head, (GDestroyNotify) blip_policy_head_free);
    }
}

int
blip_game_grid_get_n_rows (BlipGameGrid *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_GRID (self), 0);
  int rows = 0;
  for (int k = 0; k < self->n_games * self->n_games; k++)
    if (self->cells[k] != NULL)
      rows = k / self->n_games + 1;
  return rows;
}

BlipGamePlayer *
blip_game_grid_get_player (BlipGameGrid *self, int row, int col)
{
  g_return_val_if_fail (BLIP_IS_GAME_GRID (self), NULL);
  if (row < 0 || row >= self->n_games || col < 0 || col >= self->n_games)
    return NULL;
  return self->cells[row * self->n_games + col];
}

void
blip_game_grid_set_matrix (BlipGameGrid *self, const double *R, int T)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  g_clear_pointer (&self->matrix, g_free);
  if (R != NULL && self->n_games > 0)
    {
      int n = self->n_games;
      self->matrix = g_new (double, (gsize) n * n);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
          self->matrix[i * n + j] = i < T && j < T ? R[i * T + j] : NAN;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

void
blip_game_grid_restart (BlipGameGrid *self)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  for (int k = 0; k < self->n_games * self->n_games; k++)
    if (self->cells[k] != NULL)
      blip_game_player_restart (self->cells[k], COLUMN_SEED (k % self->n_games));
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

void
blip_game_grid_step (BlipGameGrid *self, int n)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  for (int k = 0; k < self->n_games * self->n_games; k++)
    for (int s = 0; self->cells[k] != NULL && s < n; s++)
      blip_game_player_step (self->cells[k]);
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

/* ---- Playing -------------------------------------------------------------------- */

static void
pacer_step (GtkWidget *widget, int n)
{
  blip_game_grid_step (BLIP_GAME_GRID (widget), n);
}

gboolean
blip_game_grid_get_playing (BlipGameGrid *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_GRID (self), FALSE);
  return self->pacer.playing;
}

void
blip_game_grid_set_playing (BlipGameGrid *self, gboolean playing)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  if (blip_game_pacer_set_playing (&self->pacer, playing))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

void
blip_game_grid_set_speed (BlipGameGrid *self, double steps_per_second)
{
  g_return_if_fail (BLIP_IS_GAME_GRID (self));
  gtk_adjustment_set_value (self->speed_adjustment, steps_per_second);
}

/* ---- Drawing -------------------------------------------------------------------- */

static void
text_at (cairo_t *cr, double x, double y, double size, gboolean bold, double align, const char *text)
{
  cairo_text_extents_t e;
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, text, &e);
  cairo_move_to (cr, x - align * e.x_advance, y);
  cairo_show_text (cr, text);
}

void
blip_game_grid_draw (BlipGameGrid *self, cairo_t *cr, int width, int height)
{
  cairo_set_source_rgb (cr, 0.082, 0.086, 0.110);
  cairo_paint (cr);
  int n = self->n_games;
  if (n == 0)
    {
      cairo_set_source_rgb (cr, 0.75, 0.75, 0.8);
      text_at (cr, width / 2.0, height / 2.0, 18, TRUE, 0.5,
               "The grid fills in during a MinAtar run: one row per game learned");
      return;
    }
  /* Layout: a header row of game titles, a column of row labels, square cells
   * with two caption lines under each frame. */
  const double label_w = 170, header_h = 40, caption_h = 60, gap = 14;
  double cell_w = MAX (40, (width - label_w - gap * (n + 1)) / n);
  double cell_h = MAX (40, (height - header_h - gap * (n + 1)) / n);
  double frame = MIN (cell_w, cell_h - caption_h);
  double left = label_w + (width - label_w - n * frame - (n + 1) * gap) / 2;
  int rows = blip_game_grid_get_n_rows (self);
  for (int j = 0; j < n; j++)
    {
      g_autofree char *title = blip_game_title (self->games[j]);
      cairo_set_source_rgb (cr, 1, 1, 1);
      text_at (cr, left + gap + j * (frame + gap) + frame / 2, 28, 20, TRUE, 0.5, title);
    }
  for (int i = 0; i < n; i++)
    {
      double y = header_h + gap / 2 + i * (frame + caption_h + gap);
      g_autofree char *title = blip_game_title (self->games[i]);
      g_autofree char *row = g_strdup_printf ("after game %d", i + 1);
      cairo_set_source_rgb (cr, i < rows ? 1 : 0.45, i < rows ? 1 : 0.45, i < rows ? 1 : 0.5);
      text_at (cr, left - 12, y + frame / 2 - 6, 17, TRUE, 1, row);
      cairo_set_source_rgb (cr, 0.70, 0.72, 0.78);
      text_at (cr, left - 12, y + frame / 2 + 16, 14, FALSE, 1, title);
      if (self->row_labels[i] != NULL)
        text_at (cr, left - 12, y + frame / 2 + 36, 13, FALSE, 1, self->row_labels[i]);
      for (int j = 0; j < n; j++)
        {
          double x = left + gap + j * (frame + gap);
          BlipGamePlayer *p = self->cells[i * n + j];
          if (p == NULL)
            {
              cairo_rectangle (cr, x + 0.5, y + 0.5, frame - 1, frame - 1);
              cairo_set_source_rgb (cr, 0.16, 0.17, 0.21);
              cairo_fill_preserve (cr);
              cairo_set_source_rgb (cr, 0.28, 0.29, 0.34);
              cairo_set_line_width (cr, 1);
              cairo_stroke (cr);
              cairo_set_source_rgb (cr, 0.50, 0.52, 0.58);
              text_at (cr, x + frame / 2, y + frame / 2 + 5, 13, FALSE, 0.5,
                       j > i ? "not learned yet" : i >= rows ? "learning…" : "—");
              continue;
            }
          cairo_save (cr);
          cairo_translate (cr, x, y);
          blip_game_player_draw_frame (p, cr, frame, frame);
          cairo_restore (cr);
          g_autofree char *live = g_strdup_printf ("return %.0f", blip_game_player_get_return (p));
          double mean = blip_game_player_get_mean_return (p);
          double r = self->matrix ? self->matrix[i * n + j] : NAN;
          /* Below the diagonal, the evaluation against the one right after learning. */
          double learned = self->matrix ? self->matrix[j * n + j] : NAN;
          gboolean below = i > j && isfinite (r) && isfinite (learned);
          g_autofree char *stats = isfinite (r) ? g_strdup_printf ("evaluated %.1f", r)
            : isfinite (mean) ? g_strdup_printf ("mean %.1f (%d episodes)", mean, blip_game_player_get_episodes (p))
                              : g_strdup ("first episode");
          cairo_set_source_rgb (cr, 1.0, 0.80, 0.35);
          text_at (cr, x + frame / 2, y + frame + 18, 16, TRUE, 0.5, live);
          /* Forgotten (a fifth or more of the return lost, and at least a
           * point): vermillion; kept: bluish green (colour-blind safe). */
          if (below && learned - r >= MAX (1.0, 0.2 * fabs (learned)))
            cairo_set_source_rgb (cr, 0.94, 0.45, 0.32);
          else if (below)
            cairo_set_source_rgb (cr, 0.35, 0.80, 0.62);
          else
            cairo_set_source_rgb (cr, 0.70, 0.72, 0.78);
          text_at (cr, x + frame / 2, y + frame + 36, 13, below, 0.5, stats);
          if (below)
            {
              g_autofree char *was = g_strdup_printf ("%.1f when learned", learned);
              cairo_set_source_rgb (cr, 0.62, 0.64, 0.70);
              text_at (cr, x + frame / 2, y + frame + 52, 12, FALSE, 0.5, was);
            }
        }
    }
}

static void
draw_screen (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  blip_game_grid_draw (BLIP_GAME_GRID (data), cr, width, height);
}

/* ---- GObject -------------------------------------------------------------------- */

static void
action_restart (GtkWidget *widget, const char *name, GVariant *param)
{
  blip_game_grid_restart (BLIP_GAME_GRID (widget));
}

static void
blip_game_grid_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_PLAYING: g_value_set_boolean (value, BLIP_GAME_GRID (object)->pacer.playing); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_game_grid_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_PLAYING: blip_game_grid_set_playing (BLIP_GAME_GRID (object), g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_game_grid_dispose (GObject *object)
{
  BlipGameGrid *self = BLIP_GAME_GRID (object);
  blip_game_grid_set_playing (self, FALSE);
  clear_cells (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), BLIP_TYPE_GAME_GRID);
  G_OBJECT_CLASS (blip_game_grid_parent_class)->dispose (object);
}

static void
blip_game_grid_finalize (GObject *object)
{
  g_strfreev (BLIP_GAME_GRID (object)->games);
  G_OBJECT_CLASS (blip_game_grid_parent_class)->finalize (object);
}

static void
blip_game_grid_class_init (BlipGameGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = blip_game_grid_dispose;
  object_class->finalize = blip_game_grid_finalize;
  object_class->get_property = blip_game_grid_get_property;
  object_class->set_property = blip_game_grid_set_property;

  properties[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-game-grid.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BlipGameGrid, name)
  BIND (play_button); BIND (speed_adjustment); BIND (hint_label); BIND (screen);
#undef BIND
  gtk_widget_class_install_property_action (widget_class, "grid.play", "playing");
  gtk_widget_class_install_action (widget_class, "grid.restart", NULL, action_restart);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "grid.play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "grid.restart", NULL);
  gtk_widget_class_set_css_name (widget_class, "gamegrid");
}

static void
blip_game_grid_init (BlipGameGrid *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pacer = (BlipGamePacer) {
    .widget = GTK_WIDGET (self), .speed = self->speed_adjustment, .play_button = GTK_WIDGET (self->play_button),
    .what = "games", .step = pacer_step,
  };
  gtk_drawing_area_set_draw_func (self->screen, draw_screen, self, NULL);
  blip_game_grid_set_games (self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Which games the agent still plays after each task", -1);
}

GtkWidget *
blip_game_grid_new (void)
{
  return g_object_new (BLIP_TYPE_GAME_GRID, NULL);
}
