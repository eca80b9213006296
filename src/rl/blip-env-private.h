/* blip-env-private.h — what an environment implementation provides: the
 * BlipEnvClass vtable and the BlipEnv header every instance starts with.
 *
 * An implementation defines `struct { BlipEnv parent; ...its state... }`, sets
 * instance_size to its size and fills the vtable. blip-env.c allocates the
 * instance zeroed, copies the name, shape, action table and default
 * sticky probability from the class, then calls init(), which may change them per
 * instance (the Atari back end learns its shape and minimal action set from
 * the ROM). It seeds env->rng before each reset(), applies sticky actions and
 * translates the minimal action index to the full set before step() sees it,
 * and tracks env->done. Native games keep
 * their state in small integers inside the instance, so stepping neither
 * allocates nor touches the heap.
 */
#pragma once

#include "blip-env.h"
#include "blip-rng.h"

G_BEGIN_DECLS

typedef struct _BlipEnvClass BlipEnvClass;

struct _BlipEnvClass {
  const char *name;
  gsize       instance_size;
  int         n_channels, height, width;
  int         n_actions;
  const guint8 *actions;                 /* [n_actions]: minimal → BlipAction */
  const char * const *channel_names;     /* [n_channels] */
  const guint8 (*colours)[3];            /* [n_channels] RGB for rendering */

  /* Optional: open resources (e.g. an ALE ROM); `data` is what the
   * constructor was given (blip_env_new_for_class). FALSE with error on
   * failure, after releasing what it opened (finalize is not called). */
  gboolean (*init)     (BlipEnv *env, gconstpointer data, GError **error);
  /* Start an episode; env->rng has just been seeded. */
  void     (*reset)    (BlipEnv *env);
  /* One frame with `action` from the full set; returns the reward and sets
   * *done (which the caller initialised to FALSE) when the episode ends. */
  float    (*step)     (BlipEnv *env, int action, gboolean *done);
  /* Writes out[n_channels, height, width]; the caller zeroed it. */
  void     (*observe)  (const BlipEnv *env, float *out);
  /* Optional: lives left; NULL means one life (1 while playing, 0 when done). */
  int      (*lives)    (const BlipEnv *env);
  /* Optional: release what init() opened. */
  void     (*finalize) (BlipEnv *env);
  /* Optional: draws rgb[height·scale, width·scale, 3]; NULL paints the
   * observation's channels in `colours`. */
  void     (*render)   (const BlipEnv *env, guint8 *rgb, int scale);
};

struct _BlipEnv {
  const BlipEnvClass *klass;
  int      n_channels, height, width, n_actions;
  const guint8 *actions;      /* [n_actions]: minimal → BlipAction (the class's, or init's own) */
  const char *name;           /* the class's name, or init's own (lives as long as the env) */
  BlipRng  rng;               /* the game's own draws (stream 0 of the seed) */
  BlipRng  sticky_rng;        /* sticky-action draws only (stream 1) */
  guint64  sticky_threshold;  /* repeat when a 32-bit draw is below this */
  float    sticky_prob;
  int      last_action;       /* full-set action executed at the previous step */
  gboolean done;
  guint64  frame;             /* frames stepped in this episode */
};

/* A new environment of class `klass`, its init() given `data`, reset with
 * seed 0; NULL with init()'s error. blip_env_new() is this for the native
 * games (data NULL); blip_ale_env_new() for Atari. */
BlipEnv *blip_env_new_for_class (const BlipEnvClass *klass, gconstpointer data, GError **error);

/* The MinAtar grid. */
#define BLIP_GRID 10

/* Marks cell (y, x) of channel c in a C×10×10 observation. */
#define BLIP_OBS_SET(out, c, y, x) ((out)[((c) * BLIP_GRID + (y)) * BLIP_GRID + (x)] = 1.0f)

/* Marks every cell (y, x) whose bit x is set in `mask`, in channel c. */
static inline void
blip_obs_set_row (float *out, int c, int y, guint32 mask)
{
  float *row = out + (c * BLIP_GRID + y) * BLIP_GRID;
  for (int x = 0; x < BLIP_GRID; x++)
    if (mask & (1u << x))
      row[x] = 1.0f;
}

G_END_DECLS
