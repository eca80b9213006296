/* blip-env.c — the environment registry and the generic half of every
 * environment: seeding, sticky actions, action mapping, rendering; see
 * blip-env.h. The games themselves live in blip-game-*.c. */
#include "blip-env.h"
#include "blip-env-private.h"
#include "blip-games-private.h"

#include <string.h>

G_DEFINE_QUARK (blip-env-error-quark, blip_env_error)

/* Sorted by name; blip_env_list() returns the names in this order. */
static const BlipEnvClass *const env_classes[] = {
  &blip_asterix_class,
  &blip_breakout_class,
  &blip_freeway_class,
  &blip_seaquest_class,
  &blip_space_invaders_class,
};

static const char *const env_names[] = {
  "asterix",
  "breakout",
  "freeway",
  "seaquest",
  "space_invaders",
  NULL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (env_names) == G_N_ELEMENTS (env_classes) + 1);

const char * const *
blip_env_list (void)
{
  return env_names;
}

BlipEnv *
blip_env_new (const char *name, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  const BlipEnvClass *klass = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (env_classes); i++)
    if (strcmp (env_classes[i]->name, name) == 0)
      klass = env_classes[i];
  if (klass == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) env_names);
      g_set_error (error, BLIP_ENV_ERROR, BLIP_ENV_ERROR_UNKNOWN,
                   "unknown environment “%s” (known: %s)", name, known);
      return NULL;
    }

  return blip_env_new_for_class (klass, NULL, error);
}

BlipEnv *
blip_env_new_for_class (const BlipEnvClass *klass, gconstpointer data, GError **error)
{
  g_return_val_if_fail (klass != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_assert (klass->instance_size >= sizeof (BlipEnv));

  BlipEnv *env = g_malloc0 (klass->instance_size);
  env->klass = klass;
  env->n_channels = klass->n_channels;
  env->height = klass->height;
  env->width = klass->width;
  env->n_actions = klass->n_actions;
  env->actions = klass->actions;
  env->name = klass->name;
  blip_env_set_sticky_prob (env, BLIP_ENV_STICKY_PROB);
  if (klass->init && !klass->init (env, data, error))
    {
      g_free (env);
      return NULL;
    }
  g_assert (env->actions != NULL && env->n_actions > 0);
  blip_env_reset (env, 0);
  return env;
}

void
blip_env_free (BlipEnv *env)
{
  if (env == NULL)
    return;
  if (env->klass->finalize)
    env->klass->finalize (env);
  g_free (env);
}

void
blip_env_reset (BlipEnv *env, guint64 seed)
{
  g_return_if_fail (env != NULL);
  blip_rng_seed_stream (&env->rng, seed, 0);
  blip_rng_seed_stream (&env->sticky_rng, seed, 1);
  env->last_action = BLIP_ACTION_NOOP;
  env->done = FALSE;
  env->frame = 0;
  env->klass->reset (env);
}

void
blip_env_step (BlipEnv *env, int action, float *reward, gboolean *done)
{
  g_return_if_fail (env != NULL);
  g_return_if_fail (action >= 0 && action < env->n_actions);

  float r = 0.0f;
  if (!env->done)
    {
      int full = env->actions[action];
      /* Sticky actions: with probability sticky_prob the previous frame's
       * action is executed again. The draw happens every frame so the
       * stream does not depend on the actions chosen. */
      if ((blip_rng_next (&env->sticky_rng) >> 32) < env->sticky_threshold)
        full = env->last_action;
      env->last_action = full;
      gboolean over = FALSE;
      r = env->klass->step (env, full, &over);
      env->done = over;
      env->frame++;
    }
  if (reward)
    *reward = r;
  if (done)
    *done = env->done;
}

void
blip_env_obs_shape (const BlipEnv *env, int *c, int *h, int *w)
{
  g_return_if_fail (env != NULL);
  if (c)
    *c = env->n_channels;
  if (h)
    *h = env->height;
  if (w)
    *w = env->width;
}

gsize
blip_env_obs_size (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return (gsize) env->n_channels * env->height * env->width;
}

/* out[C, H, W]: zeroed, then the game marks its objects. */
void
blip_env_observation (const BlipEnv *env, float *out)
{
  g_return_if_fail (env != NULL && out != NULL);
  memset (out, 0, blip_env_obs_size (env) * sizeof (float));
  env->klass->observe (env, out);
}

int
blip_env_n_actions (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->n_actions;
}

BlipAction
blip_env_action_meaning (const BlipEnv *env, int action)
{
  g_return_val_if_fail (env != NULL, BLIP_ACTION_NOOP);
  g_return_val_if_fail (action >= 0 && action < env->n_actions, BLIP_ACTION_NOOP);
  return (BlipAction) env->actions[action];
}

const char *
blip_action_name (BlipAction action)
{
  static const char *const names[BLIP_N_FULL_ACTIONS] = {
    "noop", "left", "up", "right", "down", "fire",
    "upright", "upleft", "downright", "downleft",
    "upfire", "rightfire", "leftfire", "downfire",
    "uprightfire", "upleftfire", "downrightfire", "downleftfire",
  };
  g_return_val_if_fail ((int) action >= 0 && action < BLIP_N_FULL_ACTIONS, NULL);
  return names[action];
}

int
blip_env_lives (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, 0);
  if (env->klass->lives)
    return env->klass->lives (env);
  return env->done ? 0 : 1;
}

gboolean
blip_env_is_done (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, TRUE);
  return env->done;
}

const char *
blip_env_name (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->name;
}

const char *
blip_env_channel_name (const BlipEnv *env, int c)
{
  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (c >= 0 && c < env->n_channels, NULL);
  return env->klass->channel_names[c];
}

void
blip_env_set_sticky_prob (BlipEnv *env, float prob)
{
  g_return_if_fail (env != NULL);
  g_return_if_fail (prob >= 0.0f && prob <= 1.0f);
  env->sticky_prob = prob;
  env->sticky_threshold = (guint64) ((double) prob * 4294967296.0);
}

float
blip_env_get_sticky_prob (const BlipEnv *env)
{
  g_return_val_if_fail (env != NULL, 0.0f);
  return env->sticky_prob;
}

/* rgb[H·scale, W·scale, 3]. */
void
blip_env_channel_rgb (const BlipEnv *env, int c, guint8 rgb[3])
{
  g_return_if_fail (env != NULL && c >= 0 && c < env->n_channels);
  memcpy (rgb, env->klass->colours[c], 3);
}

void
blip_env_render_rgb (const BlipEnv *env, guint8 *rgb, int scale)
{
  static const guint8 background[3] = { 24, 24, 32 };
  g_return_if_fail (env != NULL && rgb != NULL);
  g_return_if_fail (scale >= 1);
  if (env->klass->render)
    {
      env->klass->render (env, rgb, scale);
      return;
    }

  int C = env->n_channels, H = env->height, W = env->width;
  gsize plane = (gsize) H * W;
  float *obs = g_new (float, (gsize) C * plane);
  blip_env_observation (env, obs);

  gsize stride = (gsize) W * scale * 3;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        const guint8 *colour = background;
        for (int c = 0; c < C; c++)
          if (obs[c * plane + (gsize) y * W + x] != 0.0f)
            {
              colour = env->klass->colours[c];
              break;
            }
        for (int dy = 0; dy < scale; dy++)
          {
            guint8 *p = rgb + ((gsize) y * scale + dy) * stride + (gsize) x * scale * 3;
            for (int dx = 0; dx < scale; dx++, p += 3)
              memcpy (p, colour, 3);
          }
      }
  g_free (obs);
}
