/* blip-cli.c — `blip`, the headless front-end: run a benchmark, list what the
 * engine offers, or measure its speed. All training logic is in libblip. */
#include "blip.h"
#include "blip-cli-args.h"
#include "blip-progress.h"
#include "blip-bench.h"

#include <cblas.h>
#include <math.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

static BlipTrainer *volatile running_trainer;

static void
on_sigint (int sig)
{
  /* Only an atomic store: the trainer stops after the current batch. */
  BlipTrainer *tr = running_trainer;
  if (tr != NULL)
    blip_trainer_cancel (tr);
}

static void
print_download_progress (const char *file, gint64 received, gint64 total, gpointer user_data)
{
  /* Redraw at most 10 times a second, and always for the last chunk. */
  static gint64 last_us;
  gint64 now = g_get_monotonic_time ();
  gboolean done = total > 0 && received >= total;
  if (!done && now - last_us < 100000)
    return;
  last_us = now;
  if (total > 0)
    fprintf (stderr, "\r\033[K  %s: %.1f / %.1f MB (%.0f%%)", file, received / 1e6, total / 1e6,
             100.0 * received / total);
  else
    fprintf (stderr, "\r\033[K  %s: %.1f MB", file, received / 1e6);
  if (total > 0 && received >= total)
    fputc ('\n', stderr);
  fflush (stderr);
}

static double
peak_rss_mib (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;   /* kilobytes on Linux */
}

static void
print_summary (BlipTrainer *tr, double wall_seconds)
{
  BlipExperiment *e = blip_trainer_get_experiment (tr);
  BlipNetwork *net = blip_trainer_get_network (tr);
  const double *acc = blip_trainer_get_acc_matrix (tr);
  int T = blip_trainer_get_n_tasks (tr);
  int last = blip_trainer_get_tasks_done (tr) - 1;

  printf ("\nAccuracy matrix A[i][j] (%%): test accuracy on task j after training task i\n");
  printf ("%-12s", "after \\ on");
  for (int j = 0; j < T; j++)
    printf (" %8d", j + 1);
  printf ("\n");
  for (int i = 0; i <= last; i++)
    {
      printf ("%-12s", e->tasks[i].name);
      for (int j = 0; j < T; j++)
        {
          if (isnan (acc[i * T + j]))
            printf (" %8s", "");
          else
            printf (" %8.2f", 100 * acc[i * T + j]);
        }
      printf ("\n");
    }
  if (last < 0)
    {
      printf ("(no task finished)\n");
      return;
    }
  BlipMetrics m;
  blip_metrics_compute (acc, T, last, &m);
  printf ("\nACC                          %8.2f%%\n", 100 * m.acc);
  printf ("BWT (paper, ÷(T−1))          %8.2f%%\n", 100 * m.bwt_paper);
  printf ("BWT (reference code, ÷T)     %8.2f%%\n", 100 * m.bwt_code);
  if (blip_network_n_quantized (net) > 0)
    {
      printf ("Used capacity                %8.2f%%", 100 * blip_trainer_used_capacity (tr));
      for (int l = 0; l < net->n_layers; l++)
        if (net->layers[l].quant)
          printf ("   %s %.2f%%", net->layers[l].name, 100 * blip_trainer_get_capacity (tr, last, l));
      printf ("\n");
    }
  for (int t = 0; t <= last; t++)
    if (blip_trainer_task_hit_nan (tr, t))
      printf ("Task %d stopped early: the loss became NaN (the best model before it was kept)\n", t + 1);
  printf ("Strategy memory              %8.2f MiB\n",
          blip_strategy_memory_bytes (blip_trainer_get_strategy (tr)) / 1048576.0);
  double fisher_max = 0;
  for (int t = 0; t <= last; t++)
    if (!isnan (blip_trainer_get_fisher_seconds (tr, t)))
      fisher_max = MAX (fisher_max, blip_trainer_get_fisher_seconds (tr, t));
  printf ("Consolidation per task (max) %8.3f s\n", fisher_max);
  printf ("Time                         %8.1f s (training %.1f s)\n", wall_seconds,
          blip_trainer_get_elapsed (tr));
  printf ("Peak memory                  %8.1f MiB\n", peak_rss_mib ());
}

static int
cmd_run (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      {
        g_autofree char *help = blip_run_options_help ();
        fputs (help, stdout);
        return 0;
      }

  g_autoptr(GError) error = NULL;
  BlipRunOptions opts;
  if (!blip_run_options_parse (&opts, argc, argv, &error))
    {
      fprintf (stderr, "blip run: %s\nTry “blip run --help” for the list of options.\n", error->message);
      blip_run_options_clear (&opts);
      return EXIT_USAGE;
    }
  if (opts.threads > 0)
    openblas_set_num_threads (opts.threads);

  gint64 t0 = g_get_monotonic_time ();
  BlipConfig *c = &opts.config;
  if (opts.download)
    {
      const BlipExperimentInfo *info = blip_experiment_info (c->experiment);
      g_autofree char *dir = blip_data_dir_resolve (c->data_dir);
      fprintf (stderr, "Downloading %s into %s\n", info->dataset, dir);
      if (!blip_dataset_download (blip_dataset_lookup (info->dataset), dir, opts.download_url,
                                  print_download_progress, NULL, &error))
        {
          fprintf (stderr, "blip run: %s\n", error->message);
          blip_run_options_clear (&opts);
          return 1;
        }
    }

  BlipExperiment *experiment = blip_experiment_open (c, &error);
  if (experiment == NULL)
    {
      fprintf (stderr, "blip run: %s\n", error->message);
      blip_run_options_clear (&opts);
      return 1;
    }
  BlipStrategy *strategy = blip_strategy_new (c->approach, &error);
  BlipTrainer *tr = strategy ? blip_trainer_new (c, experiment, strategy, &error) : NULL;
  if (tr == NULL)
    {
      if (strategy == NULL)
        blip_experiment_free (experiment);
      fprintf (stderr, "blip run: %s\n", error->message);
      blip_run_options_clear (&opts);
      return 1;
    }

  g_autofree char *output = opts.output
    ? g_strdup (opts.output)
    : g_strdup_printf ("results/%s-%s-seed%" G_GUINT64_FORMAT, c->experiment, c->approach, c->seed);
  printf ("blip run: %s with %s, seed %" G_GUINT64_FORMAT ", lr %g, sbatch %d, nepochs %d, F-prior %g, "
          "max-bit %d%s\n", experiment->title, blip_trainer_get_strategy (tr)->klass->title, c->seed, c->lr,
          c->sbatch, c->nepochs, c->F_prior, c->max_bit, c->ste ? ", STE" : "");
  fflush (stdout);

  BlipProgress *progress = blip_progress_new (stderr, opts.quiet);
  blip_trainer_add_observer (tr, blip_progress_observe, progress, (GDestroyNotify) blip_progress_free);

  running_trainer = tr;
  struct sigaction sa = { 0 };
  sa.sa_handler = on_sigint;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  BlipStatus status = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  running_trainer = NULL;
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);

  double wall = (g_get_monotonic_time () - t0) / 1e6;
  print_summary (tr, wall);

  int rc = 0;
  g_autofree char *extra = g_strdup_printf ("{\"wall_seconds\": %.3f, \"peak_rss_mib\": %.1f}", wall, peak_rss_mib ());
  g_autoptr(GError) write_error = NULL;
  if (!blip_results_write (tr, output, extra, &write_error))
    {
      fprintf (stderr, "blip run: could not write results to %s: %s\n", output, write_error->message);
      rc = 1;
    }
  else
    printf ("Results written to %s/results.json and acc_matrix.csv\n", output);

  if (status == BLIP_STATUS_CANCELLED)
    {
      fprintf (stderr, "blip run: interrupted; results.json holds the %s tasks that finished "
               "(\"tasks_completed\")\n", "completed");
      rc = EXIT_INTERRUPTED;
    }
  else if (status == BLIP_STATUS_FAILED)
    {
      fprintf (stderr, "blip run: %s\n", error ? error->message : "failed");
      rc = 1;
    }
  blip_trainer_free (tr);
  blip_run_options_clear (&opts);
  return rc;
}

static int
cmd_list (void)
{
  gsize n;
  const BlipExperimentInfo *experiments = blip_experiment_list (&n);
  printf ("Experiments:\n");
  for (gsize i = 0; i < n; i++)
    printf ("  %-12s %s (data set: %s)\n", experiments[i].name, experiments[i].title, experiments[i].dataset);
  const BlipStrategyClass * const *strategies = blip_strategy_list (&n);
  printf ("Approaches:\n");
  for (gsize i = 0; i < n; i++)
    printf ("  %-12s %s\n", strategies[i]->name, strategies[i]->description);
  return 0;
}

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: blip COMMAND [OPTION…]\n\n"
           "Commands:\n"
           "  run      train a continual-learning benchmark (blip run --help)\n"
           "  bench    measure training speed against bare GEMMs (blip bench --help)\n"
           "  list     list experiments and approaches\n"
           "  version  print the version\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      usage (stderr);
      return EXIT_USAGE;
    }
  const char *cmd = argv[1];
  if (strcmp (cmd, "run") == 0)
    return cmd_run (argc - 1, argv + 1);
  if (strcmp (cmd, "bench") == 0)
    return blip_bench_main (argc - 1, argv + 1);
  if (strcmp (cmd, "list") == 0)
    return cmd_list ();
  if (strcmp (cmd, "version") == 0 || strcmp (cmd, "--version") == 0)
    {
      printf ("blip %s\n", BLIP_VERSION);
      return 0;
    }
  if (strcmp (cmd, "help") == 0 || strcmp (cmd, "--help") == 0 || strcmp (cmd, "-h") == 0)
    {
      usage (stdout);
      return 0;
    }
  fprintf (stderr, "blip: unknown command “%s”\n", cmd);
  usage (stderr);
  return EXIT_USAGE;
}
