/* blip-env.h — one interface for every reinforcement-learning environment.
 *
 * An environment is an opaque BlipEnv behind a small vtable (see
 * blip-env-private.h), so the trainer and the app drive the native MinAtar-style
 * games of blip-games-*.c today and an ALE back end later through the same
 * calls:
 *
 *   BlipEnv *env = blip_env_new ("breakout", &error);
 *   blip_env_reset (env, seed);
 *   while (!done)
 *     {
 *       blip_env_observation (env, obs);          // obs[C×H×W], 0/1
 *       blip_env_step (env, action, &reward, &done);
 *     }
 *
 * Actions index the game's minimal action set (0 .. n_actions-1);
 * blip_env_action_meaning() maps one to the full set BlipAction. With
 * probability BLIP_ENV_STICKY_PROB (0.1, as in MinAtar) a step repeats the
 * action actually executed at the previous step instead of the one asked for.
 *
 * Everything is deterministic from the seed given to blip_env_reset(): the
 * game's draws and the sticky-action draws come from two BlipRng streams of
 * that seed, never from a global generator. Stepping allocates nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_ENV_ERROR (blip_env_error_quark ())
GQuark blip_env_error_quark (void);

typedef enum {
  BLIP_ENV_ERROR_UNKNOWN,   /* no environment of that name */
} BlipEnvError;

/* The full action set shared by all games: MinAtar's six actions, then the
 * twelve joystick-and-button combinations the Atari 2600 adds (ALE's 18
 * actions, blip-ale.h; native games use only the first six). */
typedef enum {
  BLIP_ACTION_NOOP,
  BLIP_ACTION_LEFT,
  BLIP_ACTION_UP,
  BLIP_ACTION_RIGHT,
  BLIP_ACTION_DOWN,
  BLIP_ACTION_FIRE,
  BLIP_ACTION_UPRIGHT,
  BLIP_ACTION_UPLEFT,
  BLIP_ACTION_DOWNRIGHT,
  BLIP_ACTION_DOWNLEFT,
  BLIP_ACTION_UPFIRE,
  BLIP_ACTION_RIGHTFIRE,
  BLIP_ACTION_LEFTFIRE,
  BLIP_ACTION_DOWNFIRE,
  BLIP_ACTION_UPRIGHTFIRE,
  BLIP_ACTION_UPLEFTFIRE,
  BLIP_ACTION_DOWNRIGHTFIRE,
  BLIP_ACTION_DOWNLEFTFIRE,
  BLIP_N_FULL_ACTIONS,
} BlipAction;

/* The MinAtar games' actions are the first six of BlipAction. */
#define BLIP_N_MINATAR_ACTIONS 6

/* Probability that a step repeats the previously executed action. */
#define BLIP_ENV_STICKY_PROB 0.1f

typedef struct _BlipEnv BlipEnv;

/* The environment names blip_env_new() accepts, NULL-terminated, sorted. */
const char * const *blip_env_list (void);

/* A new environment, already reset with seed 0; NULL with BLIP_ENV_ERROR_UNKNOWN
 * (the message lists the known names) when `name` is not one of blip_env_list(). */
BlipEnv    *blip_env_new          (const char *name, GError **error);
void        blip_env_free         (BlipEnv *env);

/* Starts a new episode. The whole episode is a function of `seed` and the
 * actions passed to blip_env_step(). */
void        blip_env_reset        (BlipEnv *env, guint64 seed);

/* Advances one frame with action `action` in [0, n_actions) of the minimal
 * set. *reward gets the frame's reward, *done TRUE once the episode is over
 * (either may be NULL). Stepping a finished episode does nothing and reports
 * reward 0, done TRUE. */
void        blip_env_step         (BlipEnv *env, int action, float *reward, gboolean *done);

/* Observation shape: c channels of h×w cells (MinAtar games: c×10×10). */
void        blip_env_obs_shape    (const BlipEnv *env, int *c, int *h, int *w);
/* c × h × w, the number of floats blip_env_observation() writes. */
gsize       blip_env_obs_size     (const BlipEnv *env);

/* Writes the current observation into out[c, h, w] (channel-major, then row,
 * then column; exactly blip_env_obs_size() floats: each 0.0 or 1.0 for the
 * native games, in [0, 1] for Atari frames, blip-ale.h). */
void        blip_env_observation  (const BlipEnv *env, float *out);

/* Size of the minimal action set, and what each of its actions does. */
int         blip_env_n_actions    (const BlipEnv *env);
BlipAction  blip_env_action_meaning (const BlipEnv *env, int action);
/* "noop", "left", "up", "right", "down", "fire", "upright", …,
 * "downleftfire" (ALE's names, lower case). */
const char *blip_action_name      (BlipAction action);

/* Lives left: the MinAtar games have one, so 1 while playing and 0 once done;
 * Atari games report the game's own count (blip-ale.h). */
int         blip_env_lives        (const BlipEnv *env);
gboolean    blip_env_is_done      (const BlipEnv *env);

const char *blip_env_name         (const BlipEnv *env);
/* Name of observation channel c, e.g. "paddle", "ball", "trail", "brick". */
const char *blip_env_channel_name (const BlipEnv *env, int c);

/* The colour blip_env_render_rgb() gives channel c's cells (for legends). */
void        blip_env_channel_rgb  (const BlipEnv *env, int c, guint8 rgb[3]);

/* Sticky-action probability (default BLIP_ENV_STICKY_PROB for the native
 * games, 0 for Atari); 0 turns it off, e.g. for scripted play. Takes effect
 * at the next step. */
void        blip_env_set_sticky_prob (BlipEnv *env, float prob);
float       blip_env_get_sticky_prob (const BlipEnv *env);

/* Draws the current frame for the app into rgb[h·scale, w·scale, 3]
 * (row-major RGB bytes). Native games: each cell takes the colour of its
 * lowest-numbered active channel (each channel has its own colour), else a
 * dark background. Atari: the last screen in colour, shrunk to h×w. */
void        blip_env_render_rgb   (const BlipEnv *env, guint8 *rgb, int scale);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipEnv, blip_env_free)

G_END_DECLS
