/* blip-bench.c — `blip bench`: measures, in one run, the engine's time per
 * training batch of the MNIST MLP (784-1200, five 2-class heads, batch 64,
 * BLIP clipping included), the same GEMMs timed alone, their ratio, and the
 * Fisher estimation after a task. It prints each figure with its target. */
#include "blip-bench.h"
#include "blip.h"
#include "blip-cli-args.h"
#include "blip-figures.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TARGET_MS_PER_BATCH 2.5
#define TARGET_GEMM_SHARE 0.60
#define TARGET_FISHER_SECONDS 1.0
#define TARGET_MAP_MS 16.0

void
blip_bench_observe_fisher (BlipTrainer *tr, const BlipEvent *ev, gpointer data)
{
  double *fisher_seconds = data;
  if (ev->type == BLIP_EVENT_FISHER_READY)
    *fisher_seconds = ev->seconds;
}

double
blip_bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* The GEMMs of one batch, alone: features forward and weight gradient, head
 * forward, head weight gradient and the gradient into the features. */
static double
time_gemms (int B, int K, int H, int C, int iters)
{
  float *x = g_new (float, (gsize) B * K), *w = g_new (float, (gsize) H * K);
  float *h = g_new (float, (gsize) B * H), *dw = g_new (float, (gsize) H * K);
  float *wh = g_new (float, (gsize) C * H), *z = g_new (float, (gsize) B * C);
  float *dwh = g_new (float, (gsize) C * H), *dh = g_new (float, (gsize) B * H);
  for (gsize i = 0; i < (gsize) B * K; i++) x[i] = (float) (i % 17) * 0.01f;
  for (gsize i = 0; i < (gsize) H * K; i++) w[i] = (float) (i % 13) * 0.001f;
  for (gsize i = 0; i < (gsize) C * H; i++) wh[i] = 0.01f;
  for (gsize i = 0; i < (gsize) B * C; i++) z[i] = 0.1f;
  double best = INFINITY;
  for (int rep = 0; rep < 3; rep++)
    {
      double t0 = blip_bench_now ();
      for (int it = 0; it < iters; it++)
        {
          blip_sgemm (FALSE, TRUE, B, H, K, 1, x, K, w, K, 0, h, H);
          blip_sgemm (FALSE, TRUE, B, C, H, 1, h, H, wh, H, 0, z, C);
          blip_sgemm (TRUE, FALSE, C, H, B, 1, z, C, h, H, 0, dwh, H);
          blip_sgemm (FALSE, FALSE, B, H, C, 1, z, C, wh, H, 0, dh, H);
          blip_sgemm (TRUE, FALSE, H, K, B, 1, dh, H, x, K, 0, dw, K);
        }
      best = MIN (best, (blip_bench_now () - t0) / iters);
    }
  g_free (x); g_free (w); g_free (h); g_free (dw); g_free (wh); g_free (z); g_free (dwh); g_free (dh);
  return best;
}

int
blip_bench_main (int argc, char **argv)
{
  int batches = -1, threads = 0;
  double reference_ms = 0.0;
  gboolean conv = FALSE;
  int first = 1;
  if (argc > 1 && (strcmp (argv[1], "conv") == 0 || strcmp (argv[1], "mlp") == 0))
    {
      conv = strcmp (argv[1], "conv") == 0;
      first = 2;
    }
  for (int i = first; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v;
      if (strcmp (argv[i], "--help") == 0)
        {
          printf ("Usage: blip bench [mlp|conv] [--batches N] [--threads N] [--reference-ms X]\n\n"
                  "mlp (default): times the training step of the MNIST MLP (784-1200, 5 heads,\n"
                  "batch 64, BLIP) against the same GEMMs alone, and the Fisher estimation.\n"
                  "conv: the same for the reference's AlexNet with --mul 2 on 3x32x32 inputs,\n"
                  "batch 32, and the per-sample Fisher over 8,000 samples. --reference-ms is the\n"
                  "reference PyTorch code's time per batch (bench/reference-timing.py); the\n"
                  "target is 1.5x faster.\n");
          return 0;
        }
      else if (strcmp (argv[i], "--batches") == 0 && i + 1 < argc)
        {
          if (!blip_parse_int ("--batches", argv[++i], 10, 1000000, &v, &error))
            goto bad;
          batches = (int) v;
        }
      else if (strcmp (argv[i], "--reference-ms") == 0 && i + 1 < argc)
        {
          if (!blip_parse_double ("--reference-ms", argv[++i], 1e-3, 1e7, &reference_ms, &error))
            goto bad;
        }
      else if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc)
        {
          if (!blip_parse_int ("--threads", argv[++i], 1, 256, &v, &error))
            goto bad;
          threads = (int) v;
        }
      else
        {
          fprintf (stderr, "blip bench: unknown option %s\n", argv[i]);
          return 2;
        }
      continue;
bad:
      fprintf (stderr, "blip bench: %s\n", error->message);
      return 2;
    }
  if (threads > 0)
    blip_parallel_set_threads (threads);
  if (conv)
    return blip_bench_conv_main (batches > 0 ? batches : 30, reference_ms);
  if (batches < 0)
    batches = 600;

  const int B = 64, K = 784, H = 1200, C = 2, T = 5, warmup = 50;
  BlipConfig config;
  blip_config_init_defaults (&config);
  config.nepochs = 1;
  /* One epoch holds the warm-up and timed batches plus one more. */
  int n_train = B * (warmup + batches + 1);
  BlipExperiment *e = blip_experiment_new_synthetic (T, C, K, n_train, 200, 0);
  g_autoptr(GError) error = NULL;
  BlipStrategy *s = blip_strategy_new ("blip", &error);
  BlipTrainer *tr = blip_trainer_new (&config, e, s, &error);
  if (tr == NULL)
    {
      fprintf (stderr, "blip bench: %s\n", error->message);
      return 1;
    }
  double fisher_seconds = NAN;
  blip_trainer_add_observer (tr, blip_bench_observe_fisher, &fisher_seconds, NULL);

  printf ("blip bench: MLP %d-%d, %d heads of %d, batch %d, BLIP clipping, %d thread(s)\n",
          K, H, T, C, B, blip_parallel_get_threads ());
  for (int i = 0; i < warmup; i++)
    blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  double t0 = blip_bench_now ();
  for (int i = 0; i < batches; i++)
    blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  double batch_s = (blip_bench_now () - t0) / batches;
  /* Finish the epoch: evaluation, then the Fisher on 80 × 100 samples. */
  blip_trainer_step (tr, BLIP_STEP_TASK, NULL);

  /* Redraw of the 784×1200 layer map, as the app draws it each frame. */
  BlipSnapshot *snap = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
  BlipMapView view;
  blip_map_view_init (&view);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1200, 800);
  cairo_t *cr = cairo_create (surface);
  double map_best = INFINITY;
  for (int rep = 0; rep < 30; rep++)
    {
      double m0 = blip_bench_now ();
      blip_figure_layer_map (cr, 1200, 800, snap, 0, &view);
      cairo_surface_flush (surface);
      map_best = MIN (map_best, blip_bench_now () - m0);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  blip_snapshot_free (snap);

  double gemm_s = time_gemms (B, K, H, C, batches);
  double flops = 2.0 * B * K * H * 2 + 2.0 * B * H * C * 3;
  double share = gemm_s / batch_s;

  printf ("\n%-44s %10s %10s %8s\n", "measure", "measured", "target", "ratio");
  printf ("%-44s %7.3f ms %7.3f ms %7.2fx  %s\n", "training batch (forward+backward+SGD+clip)",
          batch_s * 1e3, TARGET_MS_PER_BATCH, TARGET_MS_PER_BATCH / (batch_s * 1e3),
          batch_s * 1e3 <= TARGET_MS_PER_BATCH ? "ok" : "MISSED");
  printf ("%-44s %7.3f ms %10s %8s  (%.1f GFLOP/s)\n", "the same GEMMs alone", gemm_s * 1e3, "", "",
          flops / gemm_s / 1e9);
  printf ("%-44s %8.1f %% %8.0f %% %7.2fx  %s\n", "GEMM time / batch time", 100 * share,
          100 * TARGET_GEMM_SHARE, share / TARGET_GEMM_SHARE, share >= TARGET_GEMM_SHARE ? "ok" : "MISSED");
  printf ("%-44s %8.3f s %8.3f s %7.2fx  %s\n", "Fisher estimation (80 batches of 100)",
          fisher_seconds, TARGET_FISHER_SECONDS, TARGET_FISHER_SECONDS / fisher_seconds,
          fisher_seconds <= TARGET_FISHER_SECONDS ? "ok" : "MISSED");
  printf ("%-44s %7.3f ms %7.3f ms %7.2fx  %s\n", "layer map redraw, 1200x784 into 1200x800 px",
          map_best * 1e3, TARGET_MAP_MS, TARGET_MAP_MS / (map_best * 1e3),
          map_best * 1e3 <= TARGET_MAP_MS ? "ok" : "MISSED");
  printf ("(ratio > 1 means better than the target)\n");
  blip_trainer_free (tr);
  return 0;
}
