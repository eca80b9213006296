/* blip-game-player.h — one agent playing one game, episode after episode, for
 * the game view and each cell of the game grid.
 *
 * A player owns a BlipEnv and a policy (a BlipPolicyFunc and its data; a
 * seeded random agent when none is given). Each step asks the policy for an
 * action on the current observation and steps the game; when an episode ends
 * the last frame stays for a moment, its return is recorded, and the next
 * episode starts from the next seed. Everything runs on the UI thread and
 * allocates nothing per step.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "blip-env.h"
#include "blip-policy.h"

G_BEGIN_DECLS

typedef struct _BlipGamePlayer BlipGamePlayer;

/* Steps an ended episode's last frame stays before the next episode. */
#define BLIP_GAME_PLAYER_HOLD_STEPS 12

/* A player of `game` (one of blip_env_list()), its first episode seeded by
 * `seed`, the next ones by seed + 1, seed + 2, …; NULL with BLIP_ENV_ERROR. */
BlipGamePlayer *blip_game_player_new         (const char *game, guint64 seed, GError **error);
void            blip_game_player_free        (BlipGamePlayer *player);

/* The agent: func (NULL: a random agent of the player's seed), its data, and
 * what frees it. Starts a new episode from the player's seed. */
void            blip_game_player_set_policy  (BlipGamePlayer *player, BlipPolicyFunc func, gpointer data,
                                              GDestroyNotify destroy);
/* Starts over from episode 0 with `seed`, forgetting past returns. */
void            blip_game_player_restart     (BlipGamePlayer *player, guint64 seed);
/* One frame of play (or of the pause after an episode). */
void            blip_game_player_step        (BlipGamePlayer *player);

BlipEnv        *blip_game_player_get_env     (BlipGamePlayer *player);
const char     *blip_game_player_get_game    (BlipGamePlayer *player);
/* The current episode: its return so far and its steps. */
double          blip_game_player_get_return  (BlipGamePlayer *player);
guint64         blip_game_player_get_steps   (BlipGamePlayer *player);
/* Finished episodes, the last one's return and the mean (NaN before any). */
int             blip_game_player_get_episodes    (BlipGamePlayer *player);
double          blip_game_player_get_last_return (BlipGamePlayer *player);
double          blip_game_player_get_mean_return (BlipGamePlayer *player);

/* Where draw_frame puts the game in a width × height area: the largest
 * square of whole pixels per cell, centred. */
void            blip_game_player_frame_rect  (BlipGamePlayer *player, double width, double height,
                                              double *x, double *y, double *cell);
/* The current frame (blip_env_render_rgb), nearest-neighbour scaled into
 * frame_rect; an ended episode is dimmed. */
void            blip_game_player_draw_frame  (BlipGamePlayer *player, cairo_t *cr, double width, double height);

/* "Breakout" for "breakout", "Space Invaders" for "space_invaders". */
char           *blip_game_title              (const char *game);

G_END_DECLS
