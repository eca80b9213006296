/* blip-game-grid.h — the Game grid view: which games the agent still plays.
 *
 * Row i is the agent as it was after learning task i, column j is game j;
 * cell (i, j), for every game learned by then (j ≤ i), plays game j live
 * with head j of row i's parameters, showing the episode's return and the
 * mean over its finished episodes, and the trainer's evaluated mean return
 * R[i][j] when given. Every cell of a column plays the same episode seeds,
 * so a row that still plays game j plays the same episodes as the row that
 * learned it. Rows appear as tasks finish (the window hands each one a
 * private copy of the parameters from that task's TASK_END snapshot).
 *
 * Actions (on the widget): grid.play (stateful, P), grid.restart (R).
 */
#pragma once

#include <gtk/gtk.h>

#include "blip-game-player.h"

G_BEGIN_DECLS

#define BLIP_TYPE_GAME_GRID (blip_game_grid_get_type ())
G_DECLARE_FINAL_TYPE (BlipGameGrid, blip_game_grid, BLIP, GAME_GRID, GtkBox)

GtkWidget      *blip_game_grid_new          (void);

/* The games, in task order (NULL-terminated; NULL clears): the columns.
 * Drops every row. */
void            blip_game_grid_set_games    (BlipGameGrid *self, const char * const *games);
int             blip_game_grid_get_n_games  (BlipGameGrid *self);
/* Row `row` plays game j ≤ row with head j of net (referenced), under the
 * label `label` ("BLIP", "fine-tuning"; may be NULL). Replaces the row if
 * it exists. */
void            blip_game_grid_set_row      (BlipGameGrid *self, int row, BlipPolicyNet *net, const char *label);
/* Any agent for one cell (func NULL: random), for rows without a network. */
void            blip_game_grid_set_cell     (BlipGameGrid *self, int row, int col, BlipPolicyFunc func,
                                             gpointer data, GDestroyNotify destroy);
/* Rows filled so far (the highest filled row + 1). */
int             blip_game_grid_get_n_rows   (BlipGameGrid *self);
/* The player of cell (row, col), borrowed; NULL for an empty cell. */
BlipGamePlayer *blip_game_grid_get_player   (BlipGameGrid *self, int row, int col);
/* The trainer's reward matrix R[T × T] (mean return on game j after task i,
 * NaN where not measured), copied; NULL clears. */
void            blip_game_grid_set_matrix   (BlipGameGrid *self, const double *R, int T);

gboolean        blip_game_grid_get_playing  (BlipGameGrid *self);
void            blip_game_grid_set_playing  (BlipGameGrid *self, gboolean playing);
void            blip_game_grid_set_speed    (BlipGameGrid *self, double steps_per_second);
/* Every cell starts over from its column's first seed. */
void            blip_game_grid_restart      (BlipGameGrid *self);
/* Plays n steps in every cell now. */
void            blip_game_grid_step         (BlipGameGrid *self, int n);

void            blip_game_grid_draw         (BlipGameGrid *self, cairo_t *cr, int width, int height);

G_END_DECLS
