/* blip-status.c — `blip status`: see blip-status.h. A long run (P-MNIST's
 * ten tasks, a paper table) goes on for hours in the background; this says
 * for each run folder which task and epoch it reached, how much training
 * that took, how much may be left, and how old its newest checkpoint is, or
 * its ACC and BWT once complete. */
#include "blip-status.h"

#include "blip.h"
#include "blip-run-lock.h"
#include "blip-progress.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

static BlipJson *
read_json (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  BlipJson *json = blip_json_parse (text, len, NULL);
  if (json != NULL && json->type != BLIP_JSON_OBJECT)
    g_clear_pointer (&json, blip_json_free);
  return json;
}

/* "Fine-tuning on pmnist, seed 0" from the names a run stores. */
static char *
run_title (const char *approach, const char *experiment, double seed)
{
  const BlipStrategyClass *klass = approach ? blip_strategy_lookup (approach) : NULL;
  return g_strdup_printf ("%s on %s, seed %.0f", klass ? klass->title : approach ? approach : "?",
                          experiment ? experiment : "?", seed);
}

/* Epochs trained in the tasks before `task`, from the history of a partial
 * results.json (written as each task ends); 0 without one. */
static int
epochs_before (const BlipJson *results, int task)
{
  const BlipJson *history = results ? blip_json_get (results, "history") : NULL;
  if (history == NULL || history->type != BLIP_JSON_ARRAY)
    return 0;
  int n = 0;
  for (guint i = 0; i < history->items->len; i++)
    {
      double t;
      if (blip_json_get_number (g_ptr_array_index (history->items, i), "task", &t) && t < task)
        n++;
    }
  return n;
}

/* Prints one run folder's line; FALSE when dir holds no run. */
static gboolean
print_run (const char *dir)
{
  g_autoptr(BlipJson) results = read_json (dir, "results.json");
  g_autoptr(GPtrArray) checkpoints = blip_checkpoint_list (dir);
  long pid = 0;
  BlipRunLockState lock = blip_run_lock_state (dir, &pid);
  if (results == NULL && checkpoints->len == 0)
    {
      /* A run loading its data or in its first epoch has written nothing yet. */
      if (lock != BLIP_RUN_LOCK_HELD)
        return FALSE;
      printf ("%s: running (process %ld), no checkpoint yet\n", dir, pid);
      return TRUE;
    }

  const char *approach = NULL, *experiment = NULL;
  double seed = 0, n_tasks = 0, done = 0;
  gboolean complete = FALSE;
  if (results != NULL)
    {
      blip_json_get_string (results, "approach", &approach);
      blip_json_get_string (results, "experiment", &experiment);
      blip_json_get_number (results, "seed", &seed);
      blip_json_get_number (results, "n_tasks", &n_tasks);
      blip_json_get_number (results, "tasks_completed", &done);
      const BlipJson *c = blip_json_get (results, "complete");
      complete = c != NULL && c->type == BLIP_JSON_BOOL && c->boolean;
    }

  g_autoptr(BlipJson) timing = read_json (dir, "timing.json");
  double train = NAN;
  if (timing != NULL)
    blip_json_get_number (timing, "train_seconds", &train);

  if (complete)
    {
      double acc = NAN, bwt = NAN;
      blip_json_get_number (results, "ACC", &acc);
      blip_json_get_number (results, "BWT_paper", &bwt);
      g_autofree char *title = run_title (approach, experiment, seed);
      g_autofree char *t = blip_format_duration (train, "?", 0);
      /* Games: the metrics are in returns, not accuracies. */
      if (blip_json_get (results, "reward_matrix") != NULL)
        printf ("%s: %s: complete, mean return %.2f, BWT %.2f (return), %s of training\n", dir, title, acc, bwt, t);
      else
        printf ("%s: %s: complete, ACC %.2f%%, BWT %.2f%%, %s of training\n", dir, title, 100 * acc, 100 * bwt, t);
      return TRUE;
    }

  /* In progress or stopped: the newest checkpoint that opens says where. */
  for (guint i = 0; i < checkpoints->len; i++)
    {
      const char *path = g_ptr_array_index (checkpoints, i);
      g_autoptr(BlipSafetensors) file = blip_safetensors_open (path, NULL);
      if (file == NULL)
        continue;
      BlipConfig config;  /* filled by the reader, left clear when it fails */
      if (!blip_checkpoint_read_config (file, &config, NULL))
        continue;
      const char *task = blip_safetensors_get_metadata (file, "task");
      const char *epoch = blip_safetensors_get_metadata (file, "epoch");
      const char *lr = blip_safetensors_get_metadata (file, "lr");
      const char *elapsed = blip_safetensors_get_metadata (file, "elapsed_seconds");
      /* Before its first task ends a run has no results.json: the task count
       * is the configuration's, or all of the experiment's. */
      const BlipExperimentInfo *info = blip_experiment_info (config.experiment);
      int n = n_tasks > 0 ? (int) n_tasks : config.ntasks > 0 ? config.ntasks : info ? info->n_tasks : 0;
      g_autofree char *title = run_title (config.approach, config.experiment, (double) config.seed);
      g_autofree char *t = blip_format_duration (elapsed ? g_ascii_strtod (elapsed, NULL) : NAN, "?", 0);
      GStatBuf st;
      double age = g_stat (path, &st) == 0 ? (double) (g_get_real_time () / G_USEC_PER_SEC - st.st_mtime) : NAN;
      g_autofree char *a = blip_format_duration (age, "?", 0);
      GString *line = g_string_new (NULL);
      g_string_append_printf (line, "%s: %s: task %d", dir, title, task ? atoi (task) + 1 : 0);
      if (n > 0)
        g_string_append_printf (line, " of %d", n);
      if (epoch != NULL && !blip_config_is_rl (&config))
        g_string_append_printf (line, ", epoch %d of at most %d", atoi (epoch), config.nepochs);
      if (lr != NULL)
        g_string_append_printf (line, " (lr %.3g)", g_ascii_strtod (lr, NULL));
      g_string_append_printf (line, ", %s of training", t);
      /* What is left if every remaining task runs all its epochs (early
       * stopping only shortens that), at the pace of the epochs so far. */
      if (epoch != NULL && task != NULL && n > 0 && !blip_config_is_rl (&config))
        {
          int k = atoi (task), e = atoi (epoch);
          int left = MAX (config.nepochs - e, 0) + MAX (n - k - 1, 0) * config.nepochs;
          int done_epochs = epochs_before (results, k) + e;
          double elapsed_s = elapsed ? g_ascii_strtod (elapsed, NULL) : NAN;
          g_string_append_printf (line, "; %d more epoch%s if no task stops early", left, left == 1 ? "" : "s");
          if (left > 0 && done_epochs > 0 && elapsed_s > 0)
            {
              g_autofree char *rest = blip_format_duration (elapsed_s / done_epochs * left, "?", 0);
              g_string_append_printf (line, " (about %s at its pace so far)", rest);
            }
        }
      g_string_append_printf (line, "; newest checkpoint written %s ago", a);
      switch (lock)
        {
        case BLIP_RUN_LOCK_HELD:
          g_string_append_printf (line, "; running (process %ld)", pid);
          break;
        case BLIP_RUN_LOCK_FREE:
          g_string_append (line, "; not running (blip run --resume continues it)");
          break;
        case BLIP_RUN_LOCK_ABSENT:
          break;  /* a run from before the lock: no way to tell */
        }
      g_string_append_c (line, '\n');
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
      blip_config_clear (&config);
      return TRUE;
    }
  g_autofree char *title = run_title (approach, experiment, seed);
  printf ("%s: %s: %.0f of %.0f tasks done; no checkpoint could be read\n", dir, title, done, n_tasks);
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
print_help (FILE *f)
{
  fprintf (f,
           "Usage: blip status DIR…\n\n"
           "Say where each run stands: for a run's output folder, the task and epoch its\n"
           "newest checkpoint holds, its training time so far, the epochs left if no task\n"
           "stops early (and how long they would take at its pace so far), how long ago\n"
           "that checkpoint was written, or ACC and BWT once it is complete. For a folder of\n"
           "blip table, the same for every method's run in it. Nothing is changed.\n\n"
           "Exit status: 0 when every DIR held a run or runs, 1 otherwise, 2 for bad options.\n");
}

int
blip_status_main (int argc, char **argv)
{
  if (argc < 2)
    {
      print_help (stderr);
      return EXIT_USAGE;
    }
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          print_help (stdout);
          return 0;
        }
      if (argv[i][0] == '-')
        {
          fprintf (stderr, "blip status: unknown option %s\nTry “blip status --help”.\n", argv[i]);
          return EXIT_USAGE;
        }
    }
  int rc = 0;
  for (int i = 1; i < argc; i++)
    {
      const char *dir = argv[i];
      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          fprintf (stderr, "blip status: %s is not a folder (expected a run's --output or a blip table folder)\n",
                   dir);
          rc = 1;
          continue;
        }
      if (print_run (dir))
        continue;
      /* A table's folder: one run per sub-folder, in name order. */
      GDir *d = g_dir_open (dir, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *entry;
      while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (names, g_strdup (entry));
      if (d != NULL)
        g_dir_close (d);
      g_ptr_array_sort (names, compare_names);
      int found = 0;
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *sub = g_build_filename (dir, g_ptr_array_index (names, k), NULL);
          if (g_file_test (sub, G_FILE_TEST_IS_DIR) && print_run (sub))
            found++;
        }
      if (found == 0)
        {
          fprintf (stderr, "blip status: %s holds no run (no results.json or checkpoint in it or in its "
                   "sub-folders)\n", dir);
          rc = 1;
        }
    }
  return rc;
}
