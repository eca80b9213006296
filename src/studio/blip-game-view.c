/* blip-game-view.c — the Game view; see blip-game-view.h. One BlipGamePlayer
 * plays the chosen task; a tick callback steps it at the chosen speed while
 * the view plays, and the screen redraws once per frame at most. */
#include "blip-game-view.h"
#include "blip-game-pacer.h"

#include <math.h>

typedef struct {
  char          *game;
  char          *agent;
  BlipPolicyFunc func;
  gpointer       data;
  GDestroyNotify destroy;
} Task;

struct _BlipGameView {
  GtkBox          parent_instance;
  GtkDropDown    *task_dropdown;
  GtkToggleButton *play_button;
  GtkAdjustment  *speed_adjustment;
  GtkLabel       *agent_label;
  GtkDrawingArea *screen;

  GPtrArray      *tasks;        /* of Task */
  GtkStringList  *task_names;
  int             shown;        /* the task the player plays, -1: none */
  BlipGamePlayer *player;
  guint64         seed;
  BlipGamePacer   pacer;
  int             updating;
};

G_DEFINE_FINAL_TYPE (BlipGameView, blip_game_view, GTK_TYPE_BOX)

enum { PROP_0, PROP_PLAYING, PROP_SPEED, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Colours of the screen: dark, as the games are, so the frame stands out on a projector. */
static const double screen_bg[3] = { 0.082, 0.086, 0.110 };

static void
task_free (gpointer data)
{
  Task *t = data;
  if (t->destroy != NULL && t->data != NULL)
    t->destroy (t->data);
  g_free (t->game);
  g_free (t->agent);
  g_free (t);
}

static void
describe (BlipGameView *self)
{
  g_autofree char *text = NULL;
  if (self->player == NULL)
    text = g_strdup ("No game to play yet");
  else
    {
      g_autofree char *title = blip_game_title (blip_game_player_get_game (self->player));
      double last = blip_game_player_get_last_return (self->player);
      text = isfinite (last)
        ? g_strdup_printf ("%s, %d episodes played, last return %.0f", title,
                           blip_game_player_get_episodes (self->player), last)
        : g_strdup_printf ("%s, first episode", title);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->screen), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* (Re)creates the player for task `task` with that task's agent. */
static void
show_task (BlipGameView *self, int task)
{
  g_clear_pointer (&self->player, blip_game_player_free);
  self->shown = task >= 0 && task < (int) self->tasks->len ? task : -1;
  if (self->shown >= 0)
    {
      Task *t = g_ptr_array_index (self->tasks, self->shown);
      self->player = blip_game_player_new (t->game, self->seed, NULL);
      if (self->player != NULL && t->func != NULL)
        blip_game_player_set_policy (self->player, t->func, t->data, NULL);   /* the task keeps the data */
      gtk_label_set_text (self->agent_label, t->agent ? t->agent : "");
    }
  else
    gtk_label_set_text (self->agent_label, "");
  describe (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

static void
on_task_selected (GtkDropDown *dropdown, GParamSpec *pspec, BlipGameView *self)
{
  if (!self->updating)
    show_task (self, (int) gtk_drop_down_get_selected (dropdown));
}

void
blip_game_view_clear_tasks (BlipGameView *self)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  g_clear_pointer (&self->player, blip_game_player_free);
  g_ptr_array_set_size (self->tasks, 0);
  self->updating++;
  gtk_string_list_splice (self->task_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->task_names)), NULL);
  self->updating--;
  show_task (self, -1);
}

void
blip_game_view_set_task (BlipGameView *self, int task, const char *game, BlipPolicyFunc func, gpointer data,
                         GDestroyNotify destroy, const char *agent)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  g_return_if_fail (task >= 0 && task <= (int) self->tasks->len && game != NULL);
  Task *t = g_new0 (Task, 1);
  t->game = g_strdup (game);
  t->agent = g_strdup (agent);
  t->func = func;
  t->data = data;
  t->destroy = destroy;
  g_autofree char *title = blip_game_title (game);
  g_autofree char *label = g_strdup_printf ("%d · %s", task + 1, title);
  const char *labels[] = { label, NULL };
  gboolean replacing = task < (int) self->tasks->len;
  if (replacing && task == self->shown)
    g_clear_pointer (&self->player, blip_game_player_free);   /* it uses the old agent's data */
  self->updating++;
  if (replacing)
    {
      task_free (g_ptr_array_index (self->tasks, task));
      g_ptr_array_index (self->tasks, task) = t;
    }
  else
    g_ptr_array_add (self->tasks, t);
  gtk_string_list_splice (self->task_names, task, replacing ? 1 : 0, labels);
  if (self->shown < 0)
    gtk_drop_down_set_selected (self->task_dropdown, task);
  self->updating--;
  if (self->shown < 0 || self->shown == task)
    show_task (self, (int) gtk_drop_down_get_selected (self->task_dropdown));
}

int
blip_game_view_get_n_tasks (BlipGameView *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_VIEW (self), 0);
  return (int) self->tasks->len;
}

int
blip_game_view_get_task (BlipGameView *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_VIEW (self), -1);
  return self->shown;
}

void
blip_game_view_select_task (BlipGameView *self, int task)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  if (task >= 0 && task < (int) self->tasks->len)
    gtk_drop_down_set_selected (self->task_dropdown, task);
}

BlipGamePlayer *
blip_game_view_get_player (BlipGameView *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_VIEW (self), NULL);
  return self->player;
}

void
blip_game_view_restart (BlipGameView *self, guint64 seed)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  self->seed = seed;
  if (self->player != NULL)
    blip_game_player_restart (self->player, seed);
  describe (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

void
blip_game_view_step (BlipGameView *self, int n)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  if (self->player == NULL)
    return;
  int episodes = blip_game_player_get_episodes (self->player);
  for (int i = 0; i < n; i++)
    blip_game_player_step (self->player);
  if (blip_game_player_get_episodes (self->player) != episodes)
    describe (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->screen));
}

/* ---- Playing -------------------------------------------------------------------- */

static void
pacer_step (GtkWidget *widget, int n)
{
  blip_game_view_step (BLIP_GAME_VIEW (widget), n);
}

gboolean
blip_game_view_get_playing (BlipGameView *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_VIEW (self), FALSE);
  return self->pacer.playing;
}

void
blip_game_view_set_playing (BlipGameView *self, gboolean playing)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  if (blip_game_pacer_set_playing (&self->pacer, playing))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

double
blip_game_view_get_speed (BlipGameView *self)
{
  g_return_val_if_fail (BLIP_IS_GAME_VIEW (self), 0);
  return gtk_adjustment_get_value (self->speed_adjustment);
}

void
blip_game_view_set_speed (BlipGameView *self, double steps_per_second)
{
  g_return_if_fail (BLIP_IS_GAME_VIEW (self));
  gtk_adjustment_set_value (self->speed_adjustment, steps_per_second);
}

/* ---- Drawing -------------------------------------------------------------------- */

#define CAPTION_H 64.0

void
blip_game_view_frame_rect (BlipGameView *self, int width, int height, double *x, double *y, double *cell)
{
  *x = *y = *cell = 0;
  if (self->player == NULL)
    return;
  double margin = 16;
  blip_game_player_frame_rect (self->player, width - 2 * margin, height - CAPTION_H - margin, x, y, cell);
  *x += margin;
  *y += CAPTION_H;
}

void
blip_game_view_draw (BlipGameView *self, cairo_t *cr, int width, int height)
{
  cairo_set_source_rgb (cr, screen_bg[0], screen_bg[1], screen_bg[2]);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  if (self->player == NULL)
    {
      const char *text = "No game yet: the games appear here as the agent learns them";
      cairo_text_extents_t e;
      cairo_set_font_size (cr, 18);
      cairo_text_extents (cr, text, &e);
      cairo_set_source_rgb (cr, 0.75, 0.75, 0.8);
      cairo_move_to (cr, (width - e.width) / 2, height / 2.0);
      cairo_show_text (cr, text);
      return;
    }
  double x, y, cell;
  blip_game_view_frame_rect (self, width, height, &x, &y, &cell);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  blip_game_player_draw_frame (self->player, cr, cell * 10, cell * 10);
  cairo_restore (cr);

  /* Caption, centred over the frame: game · return · step. */
  g_autofree char *title = blip_game_title (blip_game_player_get_game (self->player));
  g_autofree char *stats = g_strdup_printf ("return %.0f   ·   step %" G_GUINT64_FORMAT,
                                            blip_game_player_get_return (self->player),
                                            blip_game_player_get_steps (self->player));
  double mean = blip_game_player_get_mean_return (self->player);
  g_autofree char *episodes = isfinite (mean)
    ? g_strdup_printf ("episode %d   ·   mean return so far %.1f", blip_game_player_get_episodes (self->player) + 1, mean)
    : g_strdup ("episode 1");
  cairo_text_extents_t e;
  double cx = x + cell * 5;
  cairo_set_font_size (cr, 26);
  cairo_text_extents (cr, title, &e);
  double title_w = e.x_advance;
  cairo_set_font_size (cr, 20);
  cairo_text_extents (cr, stats, &e);
  double left = cx - (title_w + 24 + e.x_advance) / 2;
  cairo_set_font_size (cr, 26);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, left, 34);
  cairo_show_text (cr, title);
  cairo_set_font_size (cr, 20);
  cairo_set_source_rgb (cr, 1.0, 0.80, 0.35);
  cairo_move_to (cr, left + title_w + 24, 34);
  cairo_show_text (cr, stats);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 14);
  cairo_text_extents (cr, episodes, &e);
  cairo_set_source_rgb (cr, 0.70, 0.72, 0.78);
  cairo_move_to (cr, cx - e.x_advance / 2, 56);
  cairo_show_text (cr, episodes);

  /* Legend right of the frame: what each colour is, where there is room. */
  BlipEnv *env = blip_game_player_get_env (self->player);
  int C, H, W;
  blip_env_obs_shape (env, &C, &H, &W);
  double lx = x + cell * W + 24;
  if (lx + 150 > width)
    return;
  cairo_set_font_size (cr, 16);
  for (int c = 0; c < C; c++)
    {
      guint8 rgb[3];
      blip_env_channel_rgb (env, c, rgb);
      double ly = y + 8 + c * 30;
      cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
      cairo_rectangle (cr, lx, ly, 20, 20);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.85, 0.86, 0.90);
      cairo_move_to (cr, lx + 30, ly + 16);
      g_autofree char *name = g_strdup (blip_env_channel_name (env, c));
      g_strdelimit (name, "_", ' ');   /* "friendly bullet" */
      cairo_show_text (cr, name);
    }
}

static void
draw_screen (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  blip_game_view_draw (BLIP_GAME_VIEW (data), cr, width, height);
}

/* ---- GObject -------------------------------------------------------------------- */

static void
action_restart (GtkWidget *widget, const char *name, GVariant *param)
{
  BlipGameView *self = BLIP_GAME_VIEW (widget);
  blip_game_view_restart (self, self->seed);
}

static void
on_speed_changed (GtkAdjustment *adjustment, BlipGameView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

static void
blip_game_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BlipGameView *self = BLIP_GAME_VIEW (object);
  switch (id)
    {
    case PROP_PLAYING: g_value_set_boolean (value, self->pacer.playing); break;
    case PROP_SPEED: g_value_set_double (value, blip_game_view_get_speed (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_game_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BlipGameView *self = BLIP_GAME_VIEW (object);
  switch (id)
    {
    case PROP_PLAYING: blip_game_view_set_playing (self, g_value_get_boolean (value)); break;
    case PROP_SPEED: blip_game_view_set_speed (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_game_view_dispose (GObject *object)
{
  BlipGameView *self = BLIP_GAME_VIEW (object);
  blip_game_view_set_playing (self, FALSE);
  g_clear_pointer (&self->player, blip_game_player_free);
  if (self->tasks != NULL)
    g_ptr_array_set_size (self->tasks, 0);
  gtk_widget_dispose_template (GTK_WIDGET (object), BLIP_TYPE_GAME_VIEW);
  G_OBJECT_CLASS (blip_game_view_parent_class)->dispose (object);
}

static void
blip_game_view_finalize (GObject *object)
{
  BlipGameView *self = BLIP_GAME_VIEW (object);
  g_ptr_array_unref (self->tasks);
  g_object_unref (self->task_names);
  G_OBJECT_CLASS (blip_game_view_parent_class)->finalize (object);
}

static void
blip_game_view_class_init (BlipGameViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = blip_game_view_dispose;
  object_class->finalize = blip_game_view_finalize;
  object_class->get_property = blip_game_view_get_property;
  object_class->set_property = blip_game_view_set_property;

  properties[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 1, 60, 12,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-game-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BlipGameView, name)
  BIND (task_dropdown); BIND (play_button); BIND (speed_adjustment); BIND (agent_label); BIND (screen);
#undef BIND
  gtk_widget_class_install_property_action (widget_class, "game.play", "playing");
  gtk_widget_class_install_action (widget_class, "game.restart", NULL, action_restart);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "game.play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "game.restart", NULL);
  gtk_widget_class_set_css_name (widget_class, "gameview");
}

static void
blip_game_view_init (BlipGameView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pacer = (BlipGamePacer) {
    .widget = GTK_WIDGET (self), .speed = self->speed_adjustment, .play_button = GTK_WIDGET (self->play_button),
    .what = "game", .step = pacer_step,
  };
  self->tasks = g_ptr_array_new_with_free_func (task_free);
  self->task_names = gtk_string_list_new (NULL);
  self->shown = -1;
  gtk_drop_down_set_model (self->task_dropdown, G_LIST_MODEL (self->task_names));
  gtk_drawing_area_set_draw_func (self->screen, draw_screen, self, NULL);
  g_signal_connect (self->task_dropdown, "notify::selected", G_CALLBACK (on_task_selected), self);
  g_signal_connect (self->speed_adjustment, "value-changed", G_CALLBACK (on_speed_changed), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "The agent playing a learned game", -1);
  describe (self);
}

GtkWidget *
blip_game_view_new (void)
{
  return g_object_new (BLIP_TYPE_GAME_VIEW, NULL);
}
