/* blip-env-pool.h — N environments stepped together, split over worker
 * threads, writing observations straight into a caller's buffer.
 *
 * Every environment's episodes are seeded by blip_env_pool_episode_seed
 * (base seed, environment index, episode number), so what each environment
 * does depends only on the seed and the actions, never on the number of
 * threads or on scheduling. Finished episodes' returns are collected in
 * environment order after each step.
 */
#pragma once

#include <glib.h>
#include "blip-env.h"

G_BEGIN_DECLS

typedef struct _BlipEnvPool BlipEnvPool;

/* Takes ownership of envs[0 .. n) (the array itself stays the caller's).
 * Observations are written as obs_dim floats per environment: the
 * environment's own c·h·w values, then zeros (games with fewer channels than
 * the network's input are padded, as the reference pads observations).
 * auto_reset: a finished episode is replaced by the environment's next one
 * (training); otherwise a finished environment stays done (evaluation).
 * threads ≥ 1; 1 steps on the calling thread. */
BlipEnvPool *blip_env_pool_new   (BlipEnv **envs, int n, int obs_dim, gboolean auto_reset, int threads);
void         blip_env_pool_free  (BlipEnvPool *pool);

int          blip_env_pool_size  (const BlipEnvPool *pool);
BlipEnv     *blip_env_pool_get   (BlipEnvPool *pool, int i);

/* Seed of episode k of environment i under base seed s: a hash, so that
 * nearby (s, i, k) give unrelated episodes. */
guint64      blip_env_pool_episode_seed (guint64 base, int env, guint64 episode);

/* Starts episode 0 of every environment under base seed `base` and writes
 * the first observations into obs[n, obs_dim]. */
void         blip_env_pool_reset (BlipEnvPool *pool, guint64 base, float *obs);

/* One step of every environment with actions[n]: rewards[n], dones[n] (1.0
 * when the episode ended at this step) and the next observations obs[n,
 * obs_dim] (with auto_reset, a new episode's first after an ending). Done
 * environments of a pool without auto_reset report reward 0, done 1. */
void         blip_env_pool_step  (BlipEnvPool *pool, const gint32 *actions, float *obs,
                                  float *rewards, float *dones);

/* Returns of the episodes finished by the last step, in environment order;
 * *n gets their count. Valid until the next step. */
const double *blip_env_pool_finished (BlipEnvPool *pool, int *n);
/* Number of environments whose current episode is over (no auto_reset). */
int          blip_env_pool_n_done (const BlipEnvPool *pool);
/* Return of environment i's current (or, when done, finished) episode. */
double       blip_env_pool_episode_return (const BlipEnvPool *pool, int i);

/* The per-environment episode counters and running returns, for checkpoints. */
guint64      blip_env_pool_get_base (const BlipEnvPool *pool);

G_END_DECLS
