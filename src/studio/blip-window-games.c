/* blip-window-games.c — the window's Game and Game grid views.
 *
 * In a reinforcement-learning run (experiment "minatar", config->games in
 * task order) each task is a game.
 * When task i ends, the runner hands over that task's TASK_END snapshot (a
 * copy taken on the worker thread); from it the window rebuilds a private
 * BlipPolicyNet, so the grid gets row i (the agent after game i on every
 * game learned so far) and the game view lets the newest agent play any of
 * them. Neither ever reads the trainer's memory, and both play on the UI
 * thread (one forward is ~0.1 ms). Before the first task ends, and in runs
 * that are not reinforcement runs, the game view shows a random agent, so a
 * class can see the games before anything is learned.
 */
#include "blip-window-private.h"

#include <string.h>

char **
blip_studio_rl_games (const BlipConfig *config)
{
  if (config == NULL || !blip_config_is_rl (config) || config->games == NULL || *config->games == '\0')
    return NULL;
  char **games = g_strsplit (config->games, ",", -1);
  for (int k = 0; games[k] != NULL; k++)
    g_strstrip (games[k]);
  return games;
}

static char *
approach_title (const char *name)
{
  gsize n;
  const BlipStrategyClass * const *strategies = blip_strategy_list (&n);
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (strategies[i]->name, name) == 0)
      return g_strdup (strategies[i]->title);
  return g_strdup (name ? name : "");
}

/* Every game the app knows, each with a random agent: before any learning. */
static void
show_random_agents (BlipStudioWindow *self, const char * const *games)
{
  blip_game_view_clear_tasks (self->game_view);
  for (int i = 0; games && games[i]; i++)
    blip_game_view_set_task (self->game_view, i, games[i], NULL, NULL, NULL,
                             "random agent: nothing learned yet");
}

void
blip_studio_window_games_session_changed (BlipStudioWindow *self)
{
  g_strfreev (self->rl_games);
  self->rl_games = blip_studio_rl_games (blip_runner_get_config (self->runner));
  self->game_rows = 0;
  blip_game_grid_set_games (self->game_grid, (const char * const *) self->rl_games);
  show_random_agents (self, self->rl_games ? (const char * const *) self->rl_games : blip_env_list ());
  /* A session opened mid-run may already have finished tasks. */
  blip_studio_window_games_task_ended (self);
}

void
blip_studio_window_games_task_ended (BlipStudioWindow *self)
{
  if (self->rl_games == NULL)
    return;
  int n_games = (int) g_strv_length (self->rl_games);
  int done = MIN (blip_runner_get_tasks_done (self->runner), n_games);
  BlipPolicyNet *newest = NULL;
  int newest_row = -1;
  for (int row = self->game_rows; row < done; row++)
    {
      BlipSnapshot *s = blip_runner_get_task_snapshot (self->runner, row);
      if (s == NULL)
        continue;
      g_autoptr(GError) error = NULL;
      BlipPolicyNet *net = blip_policy_net_new (s, &error);
      if (net == NULL)
        {
          gtk_label_set_text (self->message_label, error->message);
          continue;
        }
      g_autofree char *label = approach_title (s->approach);
      blip_game_grid_set_row (self->game_grid, row, net, label);
      blip_game_grid_set_matrix (self->game_grid, s->acc, s->n_tasks);
      g_clear_pointer (&newest, blip_policy_net_unref);
      newest = net;
      newest_row = row;
    }
  self->game_rows = MAX (self->game_rows, done);
  if (newest == NULL)
    return;

  /* The game view: the newest agent on every game learned so far. */
  int shown = blip_game_view_get_task (self->game_view);
  g_autofree char *approach = approach_title (blip_runner_get_config (self->runner)->approach);
  g_autofree char *agent = g_strdup_printf ("%s agent after learning game %d", approach, newest_row + 1);
  blip_game_view_clear_tasks (self->game_view);
  for (int j = 0; j <= newest_row && j < blip_policy_net_n_heads (newest); j++)
    {
      g_autoptr(BlipEnv) env = blip_env_new (self->rl_games[j], NULL);
      if (env == NULL)
        continue;
      int c, h, w;
      blip_env_obs_shape (env, &c, &h, &w);
      BlipPolicyHead *head = blip_policy_head_new (newest, j, c, blip_env_n_actions (env));
      blip_game_view_set_task (self->game_view, j, self->rl_games[j], blip_policy_head_act, head,
                               (GDestroyNotify) blip_policy_head_free, agent);
    }
  blip_game_view_select_task (self->game_view, shown >= 0 ? shown : newest_row);
  blip_policy_net_unref (newest);
}

static void
draw_game_view (cairo_t *cr, int width, int height, gpointer data)
{
  blip_game_view_draw (data, cr, width, height);
}

static void
draw_game_grid (cairo_t *cr, int width, int height, gpointer data)
{
  blip_game_grid_draw (data, cr, width, height);
}

gboolean
blip_studio_window_games_export (BlipStudioWindow *self, const char *view, const char *path, int width,
                                 int height, GError **error)
{
  gboolean grid = g_strcmp0 (view, "game-grid") == 0;
  return blip_figure_export (path, MAX (width, 64), MAX (height, 64), grid ? draw_game_grid : draw_game_view,
                             grid ? (gpointer) self->game_grid : (gpointer) self->game_view, error);
}

/* The games play while their view is shown, and rest otherwise. */
static void
on_view_shown (GtkStack *stack, GParamSpec *pspec, BlipStudioWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (stack);
  blip_game_view_set_playing (self->game_view, g_strcmp0 (name, "game") == 0);
  blip_game_grid_set_playing (self->game_grid, g_strcmp0 (name, "game-grid") == 0);
}

void
blip_studio_window_games_init (BlipStudioWindow *self)
{
  show_random_agents (self, blip_env_list ());
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (on_view_shown), self);
}

void
blip_studio_window_games_dispose (BlipStudioWindow *self)
{
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_func (self->stack, on_view_shown, self);
  g_clear_pointer (&self->rl_games, g_strfreev);
}
