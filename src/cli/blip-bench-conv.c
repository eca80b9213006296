/* blip-bench-conv.c — `blip bench conv`: the reference's AlexNet with --mul 2
 * on 3×32×32 inputs (CIFAR), batch 32, BLIP clipping included. Prints ms per
 * training batch, the share of it spent in sgemm (the same GEMMs timed alone),
 * and the per-sample Fisher estimation over 8,000 samples, each with its
 * target. The reference's own figures come from bench/reference-timing.py. */
#include "blip-bench.h"
#include "blip.h"
#include "blip-cli-args.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TARGET_FISHER_SECONDS 60.0
#define TARGET_SPEEDUP 1.5

/* Scratch big enough for any operand of the GEMMs below. */
typedef struct {
  float *a, *b, *c;
} Scratch;

/* Every GEMM of one training batch of net on head `head`, with the shapes and
 * transposes the layers use (blip-conv.c, blip-layers.c), but no other work:
 * per image, conv forward W·col and, in backward, dW += dout·colᵀ and, above
 * the first layer, Wᵀ·dout; per batch, the linear layers' three products. */
static void
batch_gemms (const BlipNetwork *net, int B, int head, Scratch *s)
{
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      int O = l->out_dim, K = l->in_dim;
      if (l->kind == BLIP_LAYER_CONV2D)
        {
          int L = blip_conv_positions (&l->geom);
          for (int n = 0; n < B; n++)
            {
              blip_sgemm (FALSE, FALSE, O, L, K, 1, s->a, K, s->b, L, 0, s->c, L);
              blip_sgemm (FALSE, TRUE, O, K, L, 1, s->c, L, s->b, L, 1, s->a, K);
              if (i > 0)
                blip_sgemm (TRUE, FALSE, K, L, O, 1, s->a, K, s->c, L, 0, s->b, L);
            }
        }
      else
        {
          blip_sgemm (FALSE, TRUE, B, O, K, 1, s->b, K, s->a, K, 0, s->c, O);
          blip_sgemm (TRUE, FALSE, O, K, B, 1, s->c, O, s->b, K, 0, s->a, K);
          blip_sgemm (FALSE, FALSE, B, K, O, 1, s->c, O, s->a, K, 0, s->b, K);
        }
    }
  const BlipLayer *h = &net->heads[head];
  int O = h->out_dim, K = h->in_dim;
  blip_sgemm (FALSE, TRUE, B, O, K, 1, s->b, K, s->a, K, 0, s->c, O);
  blip_sgemm (TRUE, FALSE, O, K, B, 1, s->c, O, s->b, K, 0, s->a, K);
  blip_sgemm (FALSE, FALSE, B, K, O, 1, s->c, O, s->a, K, 0, s->b, K);
}

static double
time_gemms (const BlipNetwork *net, int B, int head, int iters)
{
  gsize big = 0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      gsize L = l->kind == BLIP_LAYER_CONV2D ? (gsize) blip_conv_positions (&l->geom) : (gsize) B;
      big = MAX (big, MAX (l->n_weight, MAX ((gsize) l->in_dim * L, (gsize) l->out_dim * L)));
    }
  big = MAX (big, net->heads[head].n_weight + (gsize) B * net->heads[head].in_dim);
  Scratch s = { g_new (float, big), g_new (float, big), g_new (float, big) };
  for (gsize i = 0; i < big; i++)
    {
      s.a[i] = (float) (i % 13) * 1e-3f;
      s.b[i] = (float) (i % 17) * 1e-3f;
      s.c[i] = 0.0f;
    }
  double best = INFINITY;
  for (int rep = 0; rep < 3; rep++)
    {
      double t0 = blip_bench_now ();
      for (int it = 0; it < iters; it++)
        batch_gemms (net, B, head, &s);
      best = MIN (best, (blip_bench_now () - t0) / iters);
    }
  g_free (s.a);
  g_free (s.b);
  g_free (s.c);
  return best;
}

int
blip_bench_conv_main (int batches, double reference_ms)
{
  const int B = 32, warmup = 5;
  BlipConfig config;
  blip_config_init_defaults (&config);
  g_autoptr(GError) error = NULL;
  if (!blip_config_apply_preset (&config, "cifar", &error))
    {
      fprintf (stderr, "blip bench: %s\n", error->message);
      return 1;
    }
  config.nepochs = 1;
  config.sbatch = B;
  /* The Fisher takes 80 batches of 100: 8,000 samples of the first task. */
  int n_train = MAX (B * (warmup + batches + 1), config.fisher_batches * config.fisher_sbatch);
  BlipExperiment *e = blip_experiment_new_synthetic (1, 2, 3 * 32 * 32, n_train, 100, 0);
  e->channels = 3;
  e->height = e->width = 32;
  BlipStrategy *s = blip_strategy_new ("blip", &error);
  BlipTrainer *tr = s ? blip_trainer_new (&config, e, s, &error) : NULL;
  if (tr == NULL)
    {
      fprintf (stderr, "blip bench: %s\n", error->message);
      blip_config_clear (&config);
      return 1;
    }
  double fisher_seconds = NAN;
  blip_trainer_add_observer (tr, blip_bench_observe_fisher, &fisher_seconds, NULL);
  BlipNetwork *net = blip_trainer_get_network (tr);

  printf ("blip bench conv: AlexNet --mul %g on 3x32x32 (conv %d-%d-%d, fc %d-%d), batch %d, "
          "BLIP clipping, %d thread(s)\n", config.mul, net->layers[0].out_dim,
          net->layers[1].out_dim, net->layers[2].out_dim, net->layers[3].out_dim,
          net->layers[4].out_dim, B, blip_parallel_get_threads ());
  for (int i = 0; i < warmup; i++)
    blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  double t0 = blip_bench_now ();
  for (int i = 0; i < batches; i++)
    blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  double batch_s = (blip_bench_now () - t0) / batches;
  double gemm_s = time_gemms (net, B, 0, MAX (batches / 3, 5));
  /* The rest of the epoch, its evaluation, then the Fisher on 8,000 samples. */
  blip_trainer_step (tr, BLIP_STEP_TASK, NULL);
  double share = gemm_s / batch_s;

  printf ("\n%-44s %10s %10s %8s\n", "measure", "measured", "target", "ratio");
  if (reference_ms > 0)
    printf ("%-44s %7.1f ms %7.1f ms %7.2fx  %s  (reference %.1f ms / %.1f)\n",
            "training batch (forward+backward+SGD+clip)", batch_s * 1e3,
            reference_ms / TARGET_SPEEDUP, reference_ms / TARGET_SPEEDUP / (batch_s * 1e3),
            batch_s * 1e3 <= reference_ms / TARGET_SPEEDUP ? "ok" : "MISSED", reference_ms, TARGET_SPEEDUP);
  else
    printf ("%-44s %7.1f ms %10s %8s  (give --reference-ms for the 1.5x target)\n",
            "training batch (forward+backward+SGD+clip)", batch_s * 1e3, "", "");
  printf ("%-44s %7.1f ms %10s %8s\n", "the same GEMMs alone", gemm_s * 1e3, "", "");
  printf ("%-44s %8.1f %% %10s %8s\n", "GEMM time / batch time", 100 * share, "", "");
  printf ("%-44s %8.2f s %8.1f s %7.2fx  %s\n", "per-sample Fisher, 8,000 samples",
          fisher_seconds, TARGET_FISHER_SECONDS, TARGET_FISHER_SECONDS / fisher_seconds,
          fisher_seconds <= TARGET_FISHER_SECONDS ? "ok" : "MISSED");
  printf ("(ratio > 1 means better than the target)\n");
  blip_trainer_free (tr);
  blip_config_clear (&config);
  return 0;
}
