/* bench-ppo.c — ms per PPO minibatch update of the Atari policy network
 * (the reference's CNNBase: conv 32 8×8/4, 64 4×4/2, 128 3×3/1, FC 1024, an
 * 18-action head plus the value output), batch 250 of 4×84×84, next to the
 * same update in PyTorch (bench/bench-ppo.py, run by this program in the
 * same invocation with OMP_NUM_THREADS set to our BLAS thread count).
 *
 * One update is what the trainer's RL mode does per minibatch
 * (blip-trainer-rl.c): forward, the PPO loss and its gradient (blip-ppo.c),
 * backward, gradient-norm clip to 0.5, Adam (lr 2.5e-4, eps 1e-5) fused
 * chunk by chunk with BLIP's clip on the quantized feature layers. --threads
 * sets BLAS's threads and with them the engine's (blip-parallel.h).
 * Target: no slower than PyTorch (ratio torch / ours ≥ 1).
 *
 *   bench-ppo [--batch B] [--iters N] [--threads T] [--no-torch]
 */
#include "blip.h"
#include "blip-ppo.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 8192

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

typedef struct
{
  BlipAdam    *adam;
  BlipNetwork *net;
  BlipLayer   *layer;
} AdamJob;

/* Chunks [lo, hi) of one layer: Adam, then BLIP's clip while they are in cache. */
static void
adam_chunks (gpointer data, gsize lo, gsize hi)
{
  AdamJob *job = data;
  BlipLayer *l = job->layer;
  gsize n = l->n_weight + l->n_bias;
  for (gsize c = lo; c < hi; c++)
    {
      gsize a = c * CHUNK, e = MIN (n, a + CHUNK);
      blip_adam_step_range (job->adam, job->net->params, job->net->grads, l->offset + a, l->offset + e);
      if (l->quant)
        blip_quant_state_clip_range (l->quant, l->weight, a, e);
    }
}

/* As blip_trainer_update_layer: chunks spread over the engine's threads. */
static void
adam_layer (BlipAdam *adam, BlipNetwork *net, BlipLayer *l)
{
  AdamJob job = { adam, net, l };
  gsize n = l->n_weight + l->n_bias;
  blip_parallel_for ((n + CHUNK - 1) / CHUNK, 8, adam_chunks, &job);
}

int
main (int argc, char **argv)
{
  int B = 250, iters = 10, threads = 2, A = 18;
  gboolean torch = TRUE;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--batch") == 0 && i + 1 < argc)
        B = atoi (argv[++i]);
      else if (strcmp (argv[i], "--iters") == 0 && i + 1 < argc)
        iters = atoi (argv[++i]);
      else if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc)
        threads = atoi (argv[++i]);
      else if (strcmp (argv[i], "--no-torch") == 0)
        torch = FALSE;
      else
        {
          printf ("usage: bench-ppo [--batch B] [--iters N] [--threads T] [--no-torch]\n");
          return strcmp (argv[i], "--help") == 0 ? 0 : 2;
        }
    }
  if (B < 1 || iters < 1 || threads < 1)
    {
      fprintf (stderr, "bench-ppo: --batch, --iters and --threads must be positive\n");
      return 2;
    }
  blip_parallel_set_threads (threads);

  BlipOpSpec spec[4] = {
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 32, .k = 8, .stride = 4, .relu = TRUE },
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 64, .k = 4, .stride = 2, .relu = TRUE },
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 128, .k = 3, .stride = 1, .relu = TRUE },
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 1024, .relu = TRUE },
  };
  int classes[1] = { A + 1 };
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (4, 84, 84, spec, 4, classes, 1, TRUE, 20, 5e-18, &rng, B, &error);
  if (net == NULL)
    {
      fprintf (stderr, "bench-ppo: %s\n", error->message);
      return 1;
    }
  BlipAdam *adam = blip_adam_new (net->n_params, 2.5e-4, 0.9, 0.999, 1e-5, 0.0);
  gsize D = net->input_dim;
  float *x = g_new (float, (gsize) B * D);
  for (gsize i = 0; i < (gsize) B * D; i++)
    x[i] = blip_rng_uniform (&rng);
  gint32 *actions = g_new (gint32, B);
  float *old_logp = g_new (float, B), *adv = g_new (float, B), *old_v = g_new (float, B), *ret = g_new (float, B);
  float *probs = g_new (float, (gsize) B * A);
  for (int b = 0; b < B; b++)
    {
      actions[b] = (gint32) blip_rng_below (&rng, A);
      old_logp[b] = -2.9f;
      adv[b] = (float) blip_rng_normal (&rng);
      old_v[b] = (float) blip_rng_normal (&rng);
      ret[b] = (float) blip_rng_normal (&rng);
    }
  BlipPpoParams params = { 0.1, 0.5, 0.01 };

  double *ms = g_new (double, iters);
  for (int it = -1; it < iters; it++)   /* one warm-up */
    {
      gint64 t0 = g_get_monotonic_time ();
      blip_network_set_training (net, TRUE);
      const float *out = blip_network_forward (net, x, B, 0);
      BlipPpoLoss loss;
      blip_ppo_loss (out, B, A, actions, old_logp, adv, old_v, ret, &params, probs, net->dlogits, &loss);
      blip_network_backward (net, x, B, 0);
      blip_clip_grad_norm (net->grads, net->n_params, 0.5);
      blip_adam_begin_step (adam);
      for (int l = 0; l < net->n_layers; l++)
        adam_layer (adam, net, &net->layers[l]);
      adam_layer (adam, net, &net->heads[0]);
      if (it >= 0)
        ms[it] = (g_get_monotonic_time () - t0) / 1e3;
    }
  qsort (ms, iters, sizeof (double), cmp_double);
  double ours = ms[iters / 2];
  printf ("PPO minibatch update, Atari network, batch %d of 4x84x84, %d threads, median of %d\n",
          B, threads, iters);
  printf ("  blip (C)    %10.1f ms per minibatch\n", ours);
  fflush (stdout);

  int rc = 0;
  if (torch)
    {
      g_autofree char *script = g_build_filename (BLIP_BENCH_SOURCE_DIR, "bench-ppo.py", NULL);
      g_autofree char *b_arg = g_strdup_printf ("%d", B), *i_arg = g_strdup_printf ("%d", iters);
      g_autofree char *t_arg = g_strdup_printf ("%d", threads);
      const char *cmd[] = { "/usr/bin/python3", script, "--batch", b_arg, "--iters", i_arg, NULL };
      g_auto(GStrv) env = g_get_environ ();
      env = g_environ_setenv (env, "OMP_NUM_THREADS", t_arg, TRUE);
      g_autofree char *out = NULL, *err = NULL;
      int status = 0;
      if (!g_spawn_sync (NULL, (char **) cmd, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error) ||
          status != 0)
        {
          fprintf (stderr, "bench-ppo: PyTorch comparison failed: %s%s\n", error ? error->message : "", err ? err : "");
          rc = 1;
        }
      else
        {
          const char *line = strstr (out, "torch_ms_per_minibatch ");
          double theirs = line ? g_ascii_strtod (line + strlen ("torch_ms_per_minibatch "), NULL) : 0;
          printf ("  PyTorch     %10.1f ms per minibatch (OMP_NUM_THREADS=%d, %s)\n", theirs, threads, script);
          printf ("  ratio PyTorch / blip: %.2fx (target >= 1: no slower than PyTorch) — %s\n", theirs / ours,
                  theirs >= ours ? "met" : "NOT met");
        }
    }
  g_free (ms);
  g_free (x);
  g_free (actions);
  g_free (old_logp);
  g_free (adv);
  g_free (old_v);
  g_free (ret);
  g_free (probs);
  blip_adam_free (adam);
  blip_network_free (net);
  return rc;
}
