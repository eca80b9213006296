/* blip-cli.c — `blip`, the headless front-end: run a benchmark, list what the
 * engine offers, measure its speed, or check lesson files. All training logic
 * is in libblip. */
#include "blip.h"
#include "blip-cli-args.h"
#include "blip-progress.h"
#include "blip-bench.h"
#include "blip-lesson-check.h"
#include "blip-table.h"
#include "blip-status.h"
#include "blip-run-lock.h"
#include "blip-figures.h"

#include <cblas.h>
#include <errno.h>
#include <glib/gstdio.h>
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
  /* Only an atomic store: the trainer pauses after the current batch, and the
   * loop below saves a checkpoint before exiting. */
  BlipTrainer *tr = running_trainer;
  if (tr != NULL)
    blip_trainer_request_pause (tr);
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

  if (blip_trainer_is_rl (tr))
    {
      printf ("\nReward matrix R[i][j]: mean return of %d greedy episodes of game j after training game i\n",
              blip_trainer_get_config (tr)->eval_episodes);
      printf ("%-16s", "after \\ on");
      for (int j = 0; j < T; j++)
        printf (" %15s", e->tasks[j].name);
      printf ("\n");
      for (int i = 0; i <= last; i++)
        {
          printf ("%-16s", e->tasks[i].name);
          for (int j = 0; j < T; j++)
            if (isnan (acc[i * T + j]))
              printf (" %15s", "");
            else
              printf (" %15.2f", acc[i * T + j]);
          printf ("\n");
        }
      if (last >= 0)
        {
          printf ("\nReturn kept at the end (R[%d][j] / R[j][j]):", last + 1);
          for (int j = 0; j <= last; j++)
            if (acc[j * T + j] > 0)
              printf ("  %s %.0f%%", e->tasks[j].name, 100 * acc[last * T + j] / acc[j * T + j]);
            else
              printf ("  %s n/a (end-of-task return %.2f)", e->tasks[j].name, acc[j * T + j]);
          printf ("\n");
          if (blip_network_n_quantized (net) > 0)
            printf ("Used capacity                %8.2f%%\n", 100 * blip_trainer_used_capacity (tr));
        }
      printf ("Frames                       %8" G_GINT64_FORMAT "\n", blip_trainer_rl_get_frames (tr));
      printf ("Time                         %8.1f s (training %.1f s)\n", wall_seconds,
              blip_trainer_get_elapsed (tr));
      printf ("Peak memory                  %8.1f MiB\n", peak_rss_mib ());
      return;
    }

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
  /* The method's own state (see blip-strategy.h): one figure when it stays
   * the same from task to task, else its value after each task. */
  gint64 first = blip_trainer_get_memory_bytes (tr, 0), final = blip_trainer_get_memory_bytes (tr, last);
  printf ("Method memory (kept state)   %8.2f MiB", final / 1048576.0);
  if (first == final)
    printf ("   (the same after every task)\n");
  else
    {
      printf ("   after each task:");
      for (int t = 0; t <= last; t++)
        printf (" %.2f", blip_trainer_get_memory_bytes (tr, t) / 1048576.0);
      printf (" MiB\n");
    }
  double fisher_max = 0;
  for (int t = 0; t <= last; t++)
    if (!isnan (blip_trainer_get_fisher_seconds (tr, t)))
      fisher_max = MAX (fisher_max, blip_trainer_get_fisher_seconds (tr, t));
  printf ("Consolidation per task (max) %8.3f s\n", fisher_max);
  printf ("Time                         %8.1f s (training %.1f s)\n", wall_seconds,
          blip_trainer_get_elapsed (tr));
  printf ("Peak memory                  %8.1f MiB\n", peak_rss_mib ());
}

/* What --figures needs from the run: per-task history and the newest
 * snapshot that carries the information gain. */
typedef struct {
  BlipRunHistory *history;
  BlipSnapshot   *fisher;
} FigureRecorder;

static void
record_figures (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  FigureRecorder *r = user_data;
  if (ev->type != BLIP_EVENT_FISHER_READY && ev->type != BLIP_EVENT_BITS_UPDATED)
    return;
  BlipSnapshot *s = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
  s->event = *ev;
  s->event.message = NULL;
  blip_run_history_add (r->history, s);
  if (ev->type == BLIP_EVENT_FISHER_READY)
    {
      blip_snapshot_free (r->fisher);
      r->fisher = s;
    }
  else
    blip_snapshot_free (s);
}

static gboolean
write_figures (BlipTrainer *tr, FigureRecorder *r, const char *dir)
{
  g_autoptr(BlipSnapshot) s = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
  g_autoptr(GError) error = NULL;
  if (!blip_figures_write_all (dir, s, r->fisher, r->history, &error))
    {
      fprintf (stderr, "blip run: could not write figures: %s\n", error->message);
      return FALSE;
    }
  printf ("Figures written to %s\n", dir);
  return TRUE;
}

typedef struct {
  const char *dir;
  guint64     seq;       /* sequence number of the next checkpoint */
  int         epochs;    /* epochs run by this process */
  int         every;
  gint64      interval;  /* µs between time-based checkpoints; 0: none */
  gint64      last;      /* monotonic time of the last save (or of the start) */
} Checkpointer;

/* Checkpoints kept in the output folder; older ones are removed once a newer
 * one is safely on disk. */
#define KEEP_CHECKPOINTS 2

static guint64
next_sequence (const char *dir)
{
  g_autoptr(GPtrArray) list = blip_checkpoint_list (dir);
  if (list->len == 0)
    return 1;
  g_autofree char *base = g_path_get_basename (g_ptr_array_index (list, 0));
  return g_ascii_strtoull (base + strlen ("checkpoint-"), NULL, 10) + 1;
}

static gboolean
save_checkpoint (BlipTrainer *tr, Checkpointer *ck)
{
  g_autofree char *name = blip_checkpoint_name (ck->seq);
  g_autofree char *path = g_build_filename (ck->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  if (!blip_trainer_save_checkpoint (tr, path, &error))
    {
      fprintf (stderr, "blip run: could not save a checkpoint: %s\n"
               "The previous checkpoint in %s is intact; the run stops here.\n", error->message, ck->dir);
      return FALSE;
    }
  ck->seq++;
  ck->last = g_get_monotonic_time ();
  g_autoptr(GPtrArray) list = blip_checkpoint_list (ck->dir);
  for (guint i = KEEP_CHECKPOINTS; i < list->len; i++)
    g_unlink (g_ptr_array_index (list, i));
  /* A process killed while writing leaves its temporary file behind. */
  GDir *d = g_dir_open (ck->dir, 0, NULL);
  const char *entry;
  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (entry, "checkpoint-") && strstr (entry, ".safetensors.") != NULL)
      {
        g_autofree char *stale = g_build_filename (ck->dir, entry, NULL);
        g_unlink (stale);
      }
  if (d != NULL)
    g_dir_close (d);
  return TRUE;
}

/* results.json, acc_matrix.csv and timing.json; wall is NaN while running. */
static gboolean
write_results (BlipTrainer *tr, const char *output, double wall)
{
  g_autofree char *extra = g_strdup_printf ("{\"wall_seconds\": %.3f, \"peak_rss_mib\": %.1f}",
                                            isnan (wall) ? -1.0 : wall, peak_rss_mib ());
  g_autoptr(GError) error = NULL;
  if (!blip_results_write (tr, output, extra, &error))
    {
      fprintf (stderr, "blip run: could not write results to %s: %s\n", output, error->message);
      return FALSE;
    }
  return TRUE;
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
    blip_parallel_set_threads (opts.threads);
  /* A session saved by BLIP Studio is a single checkpoint file, so this is
   * an easy mistake; --resume needs the folder, where the next checkpoints
   * and the results go. */
  if (opts.resume != NULL && g_file_test (opts.resume, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *first = blip_checkpoint_name (1);
      fprintf (stderr, "blip run: --resume takes the folder of a run, and %s is a file; to continue a "
               "session saved by BLIP Studio, copy it into an empty folder as %s and resume that folder\n",
               opts.resume, first);
      blip_run_options_clear (&opts);
      return EXIT_USAGE;
    }

  gint64 t0 = g_get_monotonic_time ();
  BlipConfig *c = &opts.config;
  if (opts.download)
    {
      const BlipExperimentInfo *info = blip_experiment_info (c->experiment);
      g_autofree char *dir = blip_data_dir_resolve (c->data_dir);
      if (blip_dataset_lookup (info->dataset) == NULL)
        {
          /* CIFAR and image folders have no download table. */
          fprintf (stderr, "blip run: --download: there is no download for %s (data set %s); "
                   "put its files in place as the error without --download describes\n",
                   c->experiment, info->dataset);
          blip_run_options_clear (&opts);
          return EXIT_USAGE;
        }
      fprintf (stderr, "Downloading %s into %s\n", info->dataset, dir);
      if (!blip_dataset_download (blip_dataset_lookup (info->dataset), dir, opts.download_url,
                                  print_download_progress, NULL, &error))
        {
          fprintf (stderr, "blip run: %s\n", error->message);
          blip_run_options_clear (&opts);
          return 1;
        }
    }

  BlipTrainer *tr = NULL;
  g_autofree char *output = NULL;
  if (opts.resume != NULL)
    {
      g_autofree char *skipped = NULL;
      output = g_strdup (opts.resume);
      tr = blip_trainer_resume (opts.resume, c->data_dir, &skipped, &error);
      if (skipped != NULL)
        fprintf (stderr, "blip run: skipped checkpoints that do not load:\n%s", skipped);
      if (tr != NULL && opts.threads > 0 && opts.threads != blip_parallel_get_threads ())
        {
          fprintf (stderr, "blip run: note: the run used %d thread%s; with --threads %d the "
                   "results may differ in the last bits from an uninterrupted run\n",
                   blip_parallel_get_threads (), blip_parallel_get_threads () == 1 ? "" : "s", opts.threads);
          blip_parallel_set_threads (opts.threads);
        }
    }
  else
    {
      BlipExperiment *experiment = blip_experiment_open (c, &error);
      BlipStrategy *strategy = experiment ? blip_strategy_new (c->approach, &error) : NULL;
      if (strategy != NULL)
        tr = blip_trainer_new (c, experiment, strategy, &error);
      else
        blip_experiment_free (experiment);
      output = opts.output
        ? g_strdup (opts.output)
        : g_strdup_printf ("results/%s-%s-seed%" G_GUINT64_FORMAT, c->experiment, c->approach, c->seed);
    }
  if (tr == NULL)
    {
      fprintf (stderr, "blip run: %s\n", error->message);
      blip_run_options_clear (&opts);
      return 1;
    }
  const BlipConfig *run = blip_trainer_get_config (tr);
  if (g_mkdir_with_parents (output, 0755) != 0)
    {
      fprintf (stderr, "blip run: cannot create the output directory %s: %s\n", output, g_strerror (errno));
      blip_trainer_free (tr);
      blip_run_options_clear (&opts);
      return 1;
    }
  /* Held until the process ends: a second run into this folder would
   * interleave its checkpoints and results with ours. */
  if (blip_run_lock_acquire (output, &error) < 0)
    {
      fprintf (stderr, "blip run: %s\n", error->message);
      blip_trainer_free (tr);
      blip_run_options_clear (&opts);
      return 1;
    }

  /* Only the settings this run reads (LwF has no F-prior). */
  g_autofree char *settings = blip_run_settings_text (run);
  printf ("blip run: %s with %s%s, seed %" G_GUINT64_FORMAT ", %s", blip_trainer_get_experiment (tr)->title,
          blip_trainer_get_strategy (tr)->klass->title, blip_trainer_is_rl (tr) ? " (PPO)" : "", run->seed,
          settings);
  if (blip_trainer_is_rl (tr))
    printf (", %d env thread%s", run->env_threads, run->env_threads == 1 ? "" : "s");
  printf ("%s\n", opts.resume ? " (resumed)" : "");
  if (opts.resume)
    printf ("Resuming at task %d of %d with %d finished\n", blip_trainer_get_task (tr) + 1,
            blip_trainer_get_n_tasks (tr), blip_trainer_get_tasks_done (tr));
  fflush (stdout);

  BlipProgress *progress = blip_progress_new (stderr, opts.quiet);
  blip_trainer_add_observer (tr, blip_progress_observe, progress, (GDestroyNotify) blip_progress_free);

  FigureRecorder figures = { NULL, NULL };
  if (opts.figures != NULL)
    {
      figures.history = blip_run_history_new ();
      blip_trainer_add_observer (tr, record_figures, &figures, NULL);
    }

  /* A file-size limit must give EFBIG from write(), not kill the process. */
  signal (SIGXFSZ, SIG_IGN);
  running_trainer = tr;
  struct sigaction sa = { 0 };
  sa.sa_handler = on_sigint;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  Checkpointer ck = { output, next_sequence (output), 0, opts.checkpoint_every,
                      (gint64) (opts.checkpoint_minutes * 60e6), g_get_monotonic_time () };
  BlipStatus status;
  int rc = 0;
  for (;;)
    {
      int tasks_before = blip_trainer_get_tasks_done (tr);
      status = blip_trainer_step (tr, BLIP_STEP_EPOCH, &error);
      if (status == BLIP_STATUS_FAILED || status == BLIP_STATUS_CANCELLED)
        break;
      gboolean task_ended = blip_trainer_get_tasks_done (tr) != tasks_before;
      if (status != BLIP_STATUS_PAUSED)
        ck.epochs++;
      gboolean due = status == BLIP_STATUS_PAUSED || task_ended ||
                     (ck.every > 0 && status == BLIP_STATUS_READY && ck.epochs % ck.every == 0) ||
                     (ck.interval > 0 && status == BLIP_STATUS_READY &&
                      g_get_monotonic_time () - ck.last >= ck.interval);
      if (due && !save_checkpoint (tr, &ck))
        {
          rc = 1;
          break;
        }
      if (task_ended && !write_results (tr, output, NAN))
        {
          rc = 1;
          break;
        }
      if (status != BLIP_STATUS_READY)
        break;
    }
  running_trainer = NULL;
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);

  double wall = (g_get_monotonic_time () - t0) / 1e6;
  print_summary (tr, wall);
  if (!write_results (tr, output, wall))
    rc = 1;
  else
    printf ("Results written to %s/results.json and %s\n", output, blip_trainer_is_rl (tr) ? "reward_matrix.csv" : "acc_matrix.csv");

  if (opts.figures != NULL && !write_figures (tr, &figures, opts.figures))
    rc = 1;

  if (rc == 0 && status == BLIP_STATUS_PAUSED)
    {
      fprintf (stderr, "blip run: interrupted; the run is saved in %s.\n"
               "Continue it with: blip run --resume %s\n", output, output);
      rc = EXIT_INTERRUPTED;
    }
  else if (status == BLIP_STATUS_FAILED || status == BLIP_STATUS_CANCELLED)
    {
      fprintf (stderr, "blip run: %s\n", error ? error->message : "failed");
      rc = 1;
    }
  blip_trainer_free (tr);
  blip_run_history_free (figures.history);
  blip_snapshot_free (figures.fisher);
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
           "  table    every method on one experiment, as the paper's tables (blip table --help)\n"
           "  status   where runs in the background stand (blip status DIR…)\n"
           "  bench    measure training speed against bare GEMMs (blip bench --help)\n"
           "  list     list experiments and approaches\n"
           "  lesson   check lesson files for BLIP Studio (blip lesson check FILE…)\n"
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
  if (strcmp (cmd, "table") == 0)
    return blip_table_main (argc - 1, argv + 1);
  if (strcmp (cmd, "bench") == 0)
    return blip_bench_main (argc - 1, argv + 1);
  if (strcmp (cmd, "status") == 0)
    return blip_status_main (argc - 1, argv + 1);
  if (strcmp (cmd, "list") == 0)
    return cmd_list ();
  if (strcmp (cmd, "lesson") == 0)
    return blip_lesson_main (argc - 1, argv + 1);
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
