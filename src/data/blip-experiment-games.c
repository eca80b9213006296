/* blip-experiment-games.c — experiments whose tasks are games: one task per
 * game of --games, each made by a per-task environment factory. The native
 * MinAtar-rule games come from blip_env_new(); an ALE back end plugs in as
 * another factory (blip_experiment_new_rl) without changing the trainer. */
#include "blip-experiment.h"
#include "blip-experiment-private.h"

#include "blip-ale.h"

#include <string.h>

static BlipEnv *
make_native (gpointer data, int task, gboolean training, GError **error)
{
  const char * const *names = data;
  return blip_env_new (names[task], error);
}

BlipExperiment *
blip_experiment_new_rl (const char *name, const char *title, int n_tasks, BlipEnvFactory make_env,
                        gpointer data, GDestroyNotify data_free, GError **error)
{
  BlipExperiment *e = blip_experiment_alloc (name, title, NULL, NULL);
  e->rl = g_new0 (BlipRlExperiment, 1);
  e->rl->make_env = make_env;
  e->rl->data = data;
  e->rl->data_free = data_free;
  e->n_tasks = n_tasks;
  e->tasks = g_new0 (BlipTask, n_tasks);
  for (int t = 0; t < n_tasks; t++)
    {
      BlipEnv *env = make_env (data, t, TRUE, error);
      if (env == NULL)
        {
          blip_experiment_free (e);
          return NULL;
        }
      int c, h, w;
      blip_env_obs_shape (env, &c, &h, &w);
      if (t > 0 && (h != e->height || w != e->width))
        {
          g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
                       "game %s has %d×%d observations, the earlier games %d×%d; the games of "
                       "one experiment must share the observation size", blip_env_name (env),
                       h, w, e->height, e->width);
          blip_env_free (env);
          blip_experiment_free (e);
          return NULL;
        }
      e->height = h;
      e->width = w;
      e->channels = MAX (e->channels, c);
      e->tasks[t].name = g_strdup (blip_env_name (env));
      e->tasks[t].ncla = blip_env_n_actions (env);
      e->tasks[t].valid_is_train = TRUE;
      blip_env_free (env);
    }
  e->input_dim = e->channels * e->height * e->width;
  return e;
}

BlipExperiment *
blip_experiment_new_games (const char *name, const char *title, const char * const *names,
                           GError **error)
{
  int n = names ? (int) g_strv_length ((char **) names) : 0;
  if (n == 0)
    {
      g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
                   "--games: no games given (e.g. --games breakout,freeway)");
      return NULL;
    }
  for (int t = 0; t < n; t++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(BlipEnv) env = blip_env_new (names[t], &local);
      if (env == NULL)
        {
          g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN, "--games: %s",
                       local->message);
          return NULL;
        }
    }
  return blip_experiment_new_rl (name, title, n, make_native, g_strdupv ((char **) names),
                                 (GDestroyNotify) g_strfreev, error);
}

/* Atari through ALE's C library: what the factory needs to make each game's
 * environment, copied from the config. */
typedef struct {
  BlipAleOptions options;
  char          *library;
  char          *rom_dir;
  GStrv          games;
} AtariData;

static void
atari_data_free (gpointer data)
{
  AtariData *d = data;
  g_free (d->library);
  g_free (d->rom_dir);
  g_strfreev (d->games);
  g_free (d);
}

static BlipEnv *
make_atari (gpointer data, int task, gboolean training, GError **error)
{
  AtariData *d = data;
  /* Training: episodic life and clipped rewards; evaluation: whole games
   * and raw scores (blip-ale.h). */
  return blip_ale_env_new (&d->options, d->games[task], training, error);
}

static BlipExperiment *
open_atari (const BlipConfig *config, const char * const *games, int n, GError **error)
{
  for (int t = 0; t < n; t++)
    if (blip_ale_rom_md5 (games[t]) == NULL)
      {
        g_autofree char *known = g_strjoinv (", ", (char **) blip_ale_paper_games ());
        g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
                     "--games: “%s” is not an Atari game with a known ROM (the paper's: %s)",
                     games[t], known);
        return NULL;
      }
  AtariData *d = g_new0 (AtariData, 1);
  d->library = g_strdup (config->ale_library);
  d->rom_dir = g_strdup (config->rom_dir);
  d->options.library = d->library;
  d->options.rom_dir = d->rom_dir;
  d->options.accept_any_md5 = config->rom_any_md5;
  d->games = g_new0 (char *, n + 1);
  for (int t = 0; t < n; t++)
    d->games[t] = g_strdup (games[t]);
  /* Every ROM is checked before anything trains: one message names each
   * missing or mismatching file. */
  if (!blip_ale_check_roms (&d->options, (const char * const *) d->games, error))
    {
      atari_data_free (d);
      return NULL;
    }
  g_autofree char *list = g_strjoinv (",", d->games);
  g_autofree char *title = g_strdup_printf ("Atari: %s", list);
  return blip_experiment_new_rl ("atari", title, n, make_atari, d, atari_data_free, error);
}

BlipExperiment *
blip_experiment_open_games (const BlipConfig *config, GError **error)
{
  g_auto(GStrv) names = g_strsplit (config->games ? config->games : "", ",", -1);
  GPtrArray *clean = g_ptr_array_new ();
  for (int i = 0; names[i] != NULL; i++)
    {
      g_strstrip (names[i]);
      if (*names[i] == '\0')
        {
          g_ptr_array_free (clean, TRUE);
          g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
                       "--games: an empty game name in “%s” (expected names separated by commas)",
                       config->games);
          return NULL;
        }
      g_ptr_array_add (clean, names[i]);
    }
  g_ptr_array_add (clean, NULL);
  int limit = config->ntasks > 0 ? MIN (config->ntasks, (int) clean->len - 1) : (int) clean->len - 1;
  clean->pdata[limit] = NULL;
  if (g_strcmp0 (config->experiment, "atari") == 0)
    {
      BlipExperiment *e = open_atari (config, (const char * const *) clean->pdata, limit, error);
      g_ptr_array_free (clean, TRUE);
      return e;
    }
  g_autofree char *title = g_strdup_printf ("MinAtar: %s", config->games);
  BlipExperiment *e = blip_experiment_new_games ("minatar", title, (const char * const *) clean->pdata,
                                                 error);
  g_ptr_array_free (clean, TRUE);
  return e;
}
