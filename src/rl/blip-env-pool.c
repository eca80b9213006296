/* blip-env-pool.c — environments stepped in parallel by a small pool of
 * persistent workers that meet the caller at a barrier once per step. */
#include "blip-env-pool.h"

#include <math.h>
#include <string.h>

typedef struct {
  BlipEnvPool *pool;
  GThread     *thread;
  int          lo, hi;       /* environments [lo, hi) */
} Worker;

struct _BlipEnvPool {
  BlipEnv    **envs;
  int          n;
  int          obs_dim;
  gboolean     auto_reset;
  guint64      base;
  guint64     *episode;      /* [n] episodes started */
  double      *ret;          /* [n] running return of the current episode */
  gboolean    *done;         /* [n] current episode over (no auto_reset) */
  double      *finished;     /* [n] returns of episodes ended by the last step, compacted */
  double      *ended;        /* [n] return of env i's episode if it ended at the last step, else NAN */
  int          n_finished;

  /* The job of the current step, read by the workers. */
  const gint32 *actions;
  float        *obs;
  float        *rewards;
  float        *dones;

  int          n_workers;    /* threads besides the caller */
  Worker      *workers;
  int          caller_lo, caller_hi;
  GMutex       lock;
  GCond        start;
  GCond        finish;
  guint64      generation;
  int          pending;
  gboolean     quit;
};

guint64
blip_env_pool_episode_seed (guint64 base, int env, guint64 episode)
{
  /* splitmix64 finalisers over the three words */
  guint64 z = base ^ (0x9E3779B97F4A7C15ull * ((guint64) env + 1)) ^ (0xBF58476D1CE4E5B9ull * (episode + 1));
  for (int i = 0; i < 2; i++)
    {
      z += 0x9E3779B97F4A7C15ull;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
    }
  return z;
}

/* env i's observation, padded: out[obs_dim] */
static void
observe (BlipEnvPool *p, int i, float *out)
{
  gsize own = blip_env_obs_size (p->envs[i]);
  blip_env_observation (p->envs[i], out);
  if (own < (gsize) p->obs_dim)
    memset (out + own, 0, sizeof (float) * (p->obs_dim - own));
}

/* Steps environments [lo, hi) of the current job. */
static void
step_range (BlipEnvPool *p, int lo, int hi)
{
  for (int i = lo; i < hi; i++)
    {
      float r = 0.0f;
      gboolean d = TRUE;
      p->ended[i] = NAN;
      if (!p->done[i])
        {
          blip_env_step (p->envs[i], p->actions[i], &r, &d);
          p->ret[i] += r;
          if (d)
            {
              p->ended[i] = p->ret[i];
              if (p->auto_reset)
                {
                  p->ret[i] = 0.0;
                  blip_env_reset (p->envs[i], blip_env_pool_episode_seed (p->base, i, ++p->episode[i]));
                }
              else
                p->done[i] = TRUE;
            }
        }
      else
        r = 0.0f;
      p->rewards[i] = r;
      p->dones[i] = d ? 1.0f : 0.0f;
      observe (p, i, p->obs + (gsize) i * p->obs_dim);
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  BlipEnvPool *p = w->pool;
  guint64 seen = 0;
  for (;;)
    {
      g_mutex_lock (&p->lock);
      while (p->generation == seen && !p->quit)
        g_cond_wait (&p->start, &p->lock);
      if (p->quit)
        {
          g_mutex_unlock (&p->lock);
          return NULL;
        }
      seen = p->generation;
      g_mutex_unlock (&p->lock);

      step_range (p, w->lo, w->hi);

      g_mutex_lock (&p->lock);
      if (--p->pending == 0)
        g_cond_signal (&p->finish);
      g_mutex_unlock (&p->lock);
    }
}

BlipEnvPool *
blip_env_pool_new (BlipEnv **envs, int n, int obs_dim, gboolean auto_reset, int threads)
{
  g_return_val_if_fail (n >= 1 && threads >= 1, NULL);
  BlipEnvPool *p = g_new0 (BlipEnvPool, 1);
  p->envs = g_memdup2 (envs, sizeof (BlipEnv *) * n);
  p->n = n;
  p->obs_dim = obs_dim;
  p->auto_reset = auto_reset;
  p->episode = g_new0 (guint64, n);
  p->ret = g_new0 (double, n);
  p->done = g_new0 (gboolean, n);
  p->finished = g_new0 (double, n);
  p->ended = g_new0 (double, n);
  g_mutex_init (&p->lock);
  g_cond_init (&p->start);
  g_cond_init (&p->finish);

  /* Contiguous shares; the caller takes the first one. */
  threads = MIN (threads, n);
  p->n_workers = threads - 1;
  p->caller_lo = 0;
  p->caller_hi = n / threads + (0 < n % threads);
  p->workers = g_new0 (Worker, MAX (p->n_workers, 1));
  int lo = p->caller_hi;
  for (int k = 1; k < threads; k++)
    {
      int len = n / threads + (k < n % threads);
      Worker *w = &p->workers[k - 1];
      w->pool = p;
      w->lo = lo;
      w->hi = lo + len;
      lo += len;
      w->thread = g_thread_new ("blip-env", worker_main, w);
    }
  return p;
}

void
blip_env_pool_free (BlipEnvPool *p)
{
  if (p == NULL)
    return;
  g_mutex_lock (&p->lock);
  p->quit = TRUE;
  g_cond_broadcast (&p->start);
  g_mutex_unlock (&p->lock);
  for (int k = 0; k < p->n_workers; k++)
    g_thread_join (p->workers[k].thread);
  for (int i = 0; i < p->n; i++)
    blip_env_free (p->envs[i]);
  g_free (p->envs);
  g_free (p->workers);
  g_free (p->episode);
  g_free (p->ret);
  g_free (p->done);
  g_free (p->finished);
  g_free (p->ended);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->start);
  g_cond_clear (&p->finish);
  g_free (p);
}

int blip_env_pool_size (const BlipEnvPool *p) { return p->n; }
BlipEnv *blip_env_pool_get (BlipEnvPool *p, int i) { return p->envs[i]; }
guint64 blip_env_pool_get_base (const BlipEnvPool *p) { return p->base; }

void
blip_env_pool_reset (BlipEnvPool *p, guint64 base, float *obs)
{
  p->base = base;
  p->n_finished = 0;
  for (int i = 0; i < p->n; i++)
    {
      p->episode[i] = 0;
      p->ret[i] = 0.0;
      p->done[i] = FALSE;
      blip_env_reset (p->envs[i], blip_env_pool_episode_seed (base, i, 0));
      observe (p, i, obs + (gsize) i * p->obs_dim);
    }
}

void
blip_env_pool_step (BlipEnvPool *p, const gint32 *actions, float *obs, float *rewards, float *dones)
{
  p->actions = actions;
  p->obs = obs;
  p->rewards = rewards;
  p->dones = dones;
  if (p->n_workers > 0)
    {
      g_mutex_lock (&p->lock);
      p->pending = p->n_workers;
      p->generation++;
      g_cond_broadcast (&p->start);
      g_mutex_unlock (&p->lock);
    }
  step_range (p, p->caller_lo, p->caller_hi);
  if (p->n_workers > 0)
    {
      g_mutex_lock (&p->lock);
      while (p->pending > 0)
        g_cond_wait (&p->finish, &p->lock);
      g_mutex_unlock (&p->lock);
    }
  p->n_finished = 0;
  for (int i = 0; i < p->n; i++)
    if (!isnan (p->ended[i]))
      p->finished[p->n_finished++] = p->ended[i];
}

const double *
blip_env_pool_finished (BlipEnvPool *p, int *n)
{
  *n = p->n_finished;
  return p->finished;
}

int
blip_env_pool_n_done (const BlipEnvPool *p)
{
  int k = 0;
  for (int i = 0; i < p->n; i++)
    k += p->done[i];
  return k;
}

double
blip_env_pool_episode_return (const BlipEnvPool *p, int i)
{
  return p->ret[i];
}
