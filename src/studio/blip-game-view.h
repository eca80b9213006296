/* blip-game-view.h — the Game view: the current agent playing one learned
 * game live.
 *
 * A toolbar picks the task (the games learned so far), plays or pauses and
 * sets the speed in steps per second; the game is drawn with cairo from
 * blip_env_render_rgb, nearest-neighbour scaled, under a caption with the
 * game, the episode's return and its step. The frame clock drives play on
 * the UI thread: each task's agent is a BlipPolicyFunc on a private copy of
 * the parameters (blip-policy.h), never the trainer's memory.
 *
 * Actions (on the widget): game.play (stateful, P), game.restart (R).
 */
#pragma once

#include <gtk/gtk.h>

#include "blip-game-player.h"

G_BEGIN_DECLS

#define BLIP_TYPE_GAME_VIEW (blip_game_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipGameView, blip_game_view, BLIP, GAME_VIEW, GtkBox)

GtkWidget      *blip_game_view_new            (void);

/* Forgets every task (the view shows nothing to play). */
void            blip_game_view_clear_tasks    (BlipGameView *self);
/* Adds or replaces task `task` (0-based; tasks are listed in order): its
 * game, its agent (func NULL: a random agent) with its data and destroy
 * notify, and a line saying who plays ("after task 2 · BLIP"). Replacing
 * the shown task's agent starts its game over. */
void            blip_game_view_set_task       (BlipGameView *self, int task, const char *game,
                                               BlipPolicyFunc func, gpointer data, GDestroyNotify destroy,
                                               const char *agent);
int             blip_game_view_get_n_tasks    (BlipGameView *self);
/* The task shown (-1 when there is none), and choosing one. */
int             blip_game_view_get_task       (BlipGameView *self);
void            blip_game_view_select_task    (BlipGameView *self, int task);

gboolean        blip_game_view_get_playing    (BlipGameView *self);
void            blip_game_view_set_playing    (BlipGameView *self, gboolean playing);
/* Steps per second while playing (1 … 60). */
double          blip_game_view_get_speed      (BlipGameView *self);
void            blip_game_view_set_speed      (BlipGameView *self, double steps_per_second);
/* Starts the shown game over from episode seed `seed`. */
void            blip_game_view_restart        (BlipGameView *self, guint64 seed);
/* Plays n steps now (what the frame clock does while playing). */
void            blip_game_view_step           (BlipGameView *self, int n);
/* The shown task's player (borrowed; NULL when there is no task). */
BlipGamePlayer *blip_game_view_get_player     (BlipGameView *self);

/* The screen as drawn: caption and game, into a width × height area; and
 * where the game's frame lies in it. */
void            blip_game_view_draw           (BlipGameView *self, cairo_t *cr, int width, int height);
void            blip_game_view_frame_rect     (BlipGameView *self, int width, int height,
                                               double *x, double *y, double *cell);

G_END_DECLS
