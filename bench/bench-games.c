/* bench-games.c — environment steps per second per core for every game of
 * blip_env_list(): one thread, a uniformly random policy (BlipRng), sticky
 * actions on, resetting whenever an episode ends, for a few seconds each.
 *
 * Two figures per game: steps alone (what a vectorised collector pays per
 * frame besides its network), and step + blip_env_observation() (what a
 * collector that reads every frame pays). Each is printed next to the target
 * of 1,000,000 steps/s per core, with the ratio. "Per core" is steps per
 * second of this thread's CPU time, so the figure holds on a busy machine;
 * the wall-clock rate is printed beside it.
 *
 *   bench-games [--seconds S] [GAME...]
 */
#include "blip-env.h"
#include "blip-rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TARGET_STEPS_PER_SEC 1e6
#define CHUNK 65536

typedef struct {
  double steps_per_sec;        /* per CPU second of this thread */
  double wall_steps_per_sec;
  double episodes;
  double mean_return;
} Result;

static double
thread_cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Runs `game` for about `seconds`; with_obs also writes each observation. */
static Result
bench_one (const char *name, double seconds, gboolean with_obs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlipEnv) env = blip_env_new (name, &error);
  if (env == NULL)
    {
      fprintf (stderr, "bench-games: %s\n", error->message);
      exit (2);
    }
  int n_actions = blip_env_n_actions (env);
  float *obs = g_new (float, blip_env_obs_size (env));
  BlipRng policy;
  blip_rng_seed (&policy, 12345);
  guint64 episode = 0;
  blip_env_reset (env, episode);

  double total_return = 0.0;
  float checksum = 0.0f;
  guint64 steps = 0;
  double cpu_start = thread_cpu_seconds ();
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  do
    {
      for (int i = 0; i < CHUNK; i++)
        {
          float reward;
          gboolean done;
          blip_env_step (env, (int) blip_rng_below (&policy, (guint32) n_actions), &reward, &done);
          total_return += reward;
          if (with_obs)
            {
              blip_env_observation (env, obs);
              checksum += obs[i & 63];
            }
          if (done)
            blip_env_reset (env, ++episode);
        }
      steps += CHUNK;
      now = g_get_monotonic_time ();
    }
  while (now < deadline);
  double cpu = thread_cpu_seconds () - cpu_start;
  g_free (obs);

  if (checksum < 0.0f)   /* keeps the observations from being optimised away */
    printf ("?");
  double elapsed = (double) (now - start) / G_USEC_PER_SEC;
  return (Result) {
    .steps_per_sec = (double) steps / cpu,
    .wall_steps_per_sec = (double) steps / elapsed,
    .episodes = (double) episode,
    .mean_return = episode ? total_return / (double) episode : 0.0,
  };
}

int
main (int argc, char **argv)
{
  double seconds = 3.0;
  GPtrArray *games = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--seconds") == 0 && i + 1 < argc)
        seconds = g_ascii_strtod (argv[++i], NULL);
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          printf ("usage: bench-games [--seconds S] [GAME...]\n");
          return 0;
        }
      else
        g_ptr_array_add (games, argv[i]);
    }
  if (games->len == 0)
    for (const char * const *n = blip_env_list (); *n; n++)
      g_ptr_array_add (games, (gpointer) *n);
  if (!(seconds > 0.0))
    seconds = 3.0;

  printf ("environment steps per second, one core, random policy, %.1f s per figure\n", seconds);
  printf ("target: >= %.0f steps/s per core\n\n", TARGET_STEPS_PER_SEC);
  printf ("%-15s %-9s %14s %12s %7s %14s %9s %9s\n", "game", "measure", "steps/s/core",
          "target", "ratio", "wall steps/s", "episodes", "return/ep");
  gboolean all_met = TRUE;
  for (guint i = 0; i < games->len; i++)
    {
      const char *name = g_ptr_array_index (games, i);
      for (int with_obs = 0; with_obs <= 1; with_obs++)
        {
          Result r = bench_one (name, seconds, with_obs);
          double ratio = r.steps_per_sec / TARGET_STEPS_PER_SEC;
          if (!with_obs)
            all_met = all_met && ratio >= 1.0;
          printf ("%-15s %-9s %14.0f %12.0f %6.2fx %14.0f %9.0f %9.3f\n", name,
                  with_obs ? "step+obs" : "step", r.steps_per_sec, TARGET_STEPS_PER_SEC, ratio,
                  r.wall_steps_per_sec, r.episodes, r.mean_return);
          fflush (stdout);
        }
    }
  printf ("\nstep target %s\n", all_met ? "met for every game" : "NOT met for every game");
  g_ptr_array_free (games, TRUE);
  return 0;
}
