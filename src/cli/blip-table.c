/* blip-table.c — `blip table`: see blip-table.h. Each method runs as a child
 * `blip run --paper-settings … --output DIR/<approach>`, so training,
 * progress, checkpoints, Ctrl-C and results are exactly those of `blip run`;
 * this file plans the runs and runs them (blip-table-report.c reads their
 * results back and lays out the table). */
#include "blip-table.h"
#include "blip-table-private.h"

#include "blip.h"
#include "blip-cli-args.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define MAX_JOBS 64

/* ---- Running one method ------------------------------------------------------------- */

/* The running children's pids, 0 in free slots (one slot per --jobs). */
static volatile sig_atomic_t child_pids[MAX_JOBS];
static volatile sig_atomic_t stop_requested;

/* Each child traps these itself (it checkpoints and exits 130); a signal
 * sent to this process alone is passed on to every child. Ctrl-C reaches
 * them all. No further method starts afterwards. */
static void
forward_signal (int sig)
{
  stop_requested = 1;
  for (int k = 0; k < MAX_JOBS; k++)
    {
      pid_t pid = child_pids[k];
      if (pid > 0)
        kill (pid, sig);
    }
}

static char *
blip_program (void)
{
  char *self = g_file_read_link ("/proc/self/exe", NULL);
  return self != NULL ? self : g_find_program_in_path ("blip");
}

/* Starts `blip ARGS…`: on this terminal when log is NULL, otherwise with
 * its output appended to the file log and its input from /dev/null (several
 * runs at once must not interleave on the terminal). Returns its pid, or 0
 * with error set. */
static GPid
start_child (const char *program, char **args, const char *log, GError **error)
{
  int fd = -1;
  if (log != NULL)
    {
      fd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot open the log file %s: %s",
                       log, g_strerror (saved));
          return 0;
        }
    }
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) program);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, NULL);
  fflush (stdout);
  fflush (stderr);
  GPid pid = 0;
  gboolean started;
  if (fd < 0)
    started = g_spawn_async (NULL, (char **) argv->pdata, NULL,
                             G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, &pid, error);
  else
    {
      started = g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                        &pid, -1, fd, fd, error);
      close (fd);
    }
  g_ptr_array_free (argv, TRUE);
  return started ? pid : 0;
}

/* The last line of a run's log that starts with "blip run:" (its error
 * message, by blip run's convention), or NULL. */
static char *
log_error_line (const char *log)
{
  g_autofree char *text = NULL;
  if (log == NULL || !g_file_get_contents (log, &text, NULL, NULL))
    return NULL;
  char *found = NULL;
  for (char *line = text; line != NULL && *line != '\0';)
    {
      char *end = strchr (line, '\n');
      if (end != NULL)
        *end = '\0';
      if (g_str_has_prefix (line, "blip run:"))
        found = line;
      line = end != NULL ? end + 1 : NULL;
    }
  return found != NULL ? g_strdup (found) : NULL;
}

/* Waits for any child; returns its pid and sets *code to its exit status
 * (128 + signal when one killed it), or returns -1 when none is left. */
static pid_t
wait_child (int *code)
{
  int status = 0;
  pid_t pid;
  while ((pid = waitpid (-1, &status, 0)) < 0 && errno == EINTR)
    ;
  if (pid < 0)
    return -1;
  if (WIFEXITED (status))
    *code = WEXITSTATUS (status);
  else
    *code = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : 1;
  return pid;
}

/* ---- Options ------------------------------------------------------------------------- */

static void
print_help (FILE *f)
{
  fprintf (f,
           "Usage: blip table [--experiment NAME] [--approaches A,B,…] [--output DIR] [--resume] [--jobs N]\n"
           "                  [--report]\n"
           "                  [blip run OPTION…]\n\n"
           "Run every registered continual-learning method on one experiment with its paper\n"
           "settings (the experiment's preset, then the method's own, e.g. EWC's λ; as\n"
           "blip run --paper-settings) and print one table as the BLIP paper lays them out:\n"
           "ACC, BWT (the paper's, over the T−1 earlier tasks), the memory each method keeps\n"
           "beyond the network's parameters (after the last task, and its growth per task\n"
           "where it grows), training time, and the paper's ACC where the paper has one.\n\n"
           "  --experiment NAME   the experiment (default mnist5; blip list names them)\n"
           "  --approaches LIST   methods to run, comma-separated (default: every registered one)\n"
           "  --output DIR        where each method's run goes, as DIR/<approach>/, and where\n"
           "                      table.md, .csv, .json and the figure table.png, .svg, .pdf\n"
           "                      are written, as each run starts and ends, so that a long\n"
           "                      table can be looked at while it fills in\n"
           "                      (default results/table-<experiment>-seed<N>)\n"
           "  --resume            continue unfinished runs in DIR from their checkpoints\n"
           "  --report            print the table of the runs in DIR as they stand (complete,\n"
           "                      unfinished or not run) and start nothing\n"
           "  --jobs N            run up to N methods at a time (default 1); each run's output\n"
           "                      then goes to DIR/<approach>/run.log, and unless --threads is\n"
           "                      given each run gets an equal share of the cores\n"
           "  --help              this text\n\n"
           "Every other option is passed to each blip run (blip run --help lists them), e.g.\n"
           "--seed N, --preset quick, --train-subset N, --nepochs N, --threads N, --quiet,\n"
           "--data-dir DIR. Flags given here override the paper settings for every method.\n\n"
           "A complete results.json already in DIR/<approach>/ (of this experiment and seed)\n"
           "is reused, so a table can be put together from runs made earlier or alongside.\n"
           "A folder holding an unfinished run is left alone unless --resume is given.\n"
           "Ctrl-C stops the method in training after its current batch, saving a checkpoint;\n"
           "the same command with --resume goes on from there.\n\n"
           "Exit status: 0 when every method has its numbers, 1 when a run failed or a\n"
           "results.json could not be used, 2 for bad options, 130 when interrupted.\n");
}

/* Flags of `blip run` that the table sets itself. */
static const char *const reserved[] = { "--approach", "--paper-settings", "--figures" };

typedef struct {
  char      *experiment;
  char      *output;
  gboolean   resume;
  GStrv      approaches;
  GPtrArray *pass;        /* flags for every blip run */
  GPtrArray *pass_resume; /* the subset a resumed run accepts */
  int        jobs;        /* runs at a time */
  gboolean   report;      /* --report: print the table of DIR as it is; run nothing */
  gboolean   threads_given;
} TableOptions;

static void
table_options_clear (TableOptions *o)
{
  g_free (o->experiment);
  g_free (o->output);
  g_strfreev (o->approaches);
  if (o->pass)
    g_ptr_array_free (o->pass, TRUE);
  if (o->pass_resume)
    g_ptr_array_free (o->pass_resume, TRUE);
}

static gboolean
usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, msg);
  return FALSE;
}

static gboolean
parse_options (TableOptions *o, int argc, char **argv, GError **error)
{
  memset (o, 0, sizeof *o);
  o->experiment = g_strdup ("mnist5");
  o->jobs = 1;
  o->pass = g_ptr_array_new_with_free_func (g_free);
  o->pass_resume = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *name = NULL;
      const char *value = NULL;
      const char *eq = strchr (arg, '=');
      name = eq ? g_strndup (arg, eq - arg) : g_strdup (arg);
      if (eq)
        value = eq + 1;
      if (!g_str_has_prefix (name, "--"))
        return usage_error (error, "unexpected argument “%s” (options start with --)", arg);
      if (strcmp (name, "--report") == 0)
        {
          if (value != NULL)
            return usage_error (error, "--report takes no value");
          o->report = TRUE;
          continue;
        }
      if (strcmp (name, "--resume") == 0)
        {
          /* blip run's --resume takes a folder; the table's resumes its own. */
          if (value != NULL)
            return usage_error (error, "--resume takes no value: it continues the unfinished runs in --output");
          o->resume = TRUE;
          continue;
        }
      for (gsize k = 0; k < G_N_ELEMENTS (reserved); k++)
        if (strcmp (name, reserved[k]) == 0)
          return usage_error (error, "%s is set by blip table for each method (use --approaches to choose them)",
                              name);
      gboolean own = strcmp (name, "--approaches") == 0 || strcmp (name, "--jobs") == 0;
      int arity = own ? 1 : blip_run_flag_arity (name);
      if (arity < 0)
        return usage_error (error, "unknown option %s", name);
      if (arity == 0 && value != NULL)
        return usage_error (error, "%s takes no value", name);
      if (arity == 1 && value == NULL)
        {
          if (i + 1 >= argc)
            return usage_error (error, "%s expects a value", name);
          value = argv[++i];
        }
      if (strcmp (name, "--experiment") == 0)
        {
          g_free (o->experiment);
          o->experiment = g_strdup (value);
        }
      else if (strcmp (name, "--output") == 0)
        {
          if (*value == '\0')
            return usage_error (error, "--output expects a folder");
          g_free (o->output);
          o->output = g_strdup (value);
        }
      else if (strcmp (name, "--approaches") == 0)
        {
          g_strfreev (o->approaches);
          o->approaches = g_strsplit (value, ",", -1);
        }
      else if (strcmp (name, "--jobs") == 0)
        {
          char *end = NULL;
          errno = 0;
          long jobs = strtol (value, &end, 10);
          if (end == value || *end != '\0' || errno != 0 || jobs < 1 || jobs > MAX_JOBS)
            return usage_error (error, "--jobs expects a whole number from 1 to %d, got “%s”", MAX_JOBS, value);
          o->jobs = (int) jobs;
        }
      else
        {
          if (strcmp (name, "--threads") == 0)
            o->threads_given = TRUE;
          g_ptr_array_add (o->pass, g_strdup (name));
          if (arity == 1)
            g_ptr_array_add (o->pass, g_strdup (value));
          /* What a resumed run still takes: where the data is, and how to run. */
          if (strcmp (name, "--data-dir") == 0 || strcmp (name, "--threads") == 0 ||
              strcmp (name, "--quiet") == 0 || strcmp (name, "--checkpoint-every") == 0 ||
              strcmp (name, "--checkpoint-minutes") == 0)
            {
              g_ptr_array_add (o->pass_resume, g_strdup (name));
              if (arity == 1)
                g_ptr_array_add (o->pass_resume, g_strdup (value));
            }
        }
    }
  return TRUE;
}

/* The methods to run, from --approaches or the registry, each once. */
static gboolean
select_methods (TableOptions *o, GPtrArray *klasses, GError **error)
{
  gsize n;
  const BlipStrategyClass * const *all = blip_strategy_list (&n);
  if (o->approaches == NULL)
    {
      for (gsize i = 0; i < n; i++)
        g_ptr_array_add (klasses, (gpointer) all[i]);
      return TRUE;
    }
  for (int i = 0; o->approaches[i] != NULL; i++)
    {
      g_autofree char *name = g_strstrip (g_strdup (o->approaches[i]));
      const BlipStrategyClass *klass = blip_strategy_lookup (name);
      if (klass == NULL)
        {
          GString *names = g_string_new (NULL);
          for (gsize k = 0; k < n; k++)
            g_string_append_printf (names, "%s%s", k ? ", " : "", all[k]->name);
          usage_error (error, "--approaches: unknown approach “%s” (expected a comma-separated list of: %s)",
                       name, names->str);
          g_string_free (names, TRUE);
          return FALSE;
        }
      for (guint k = 0; k < klasses->len; k++)
        if (g_ptr_array_index (klasses, k) == klass)
          return usage_error (error, "--approaches names %s twice", name);
      g_ptr_array_add (klasses, (gpointer) klass);
    }
  if (klasses->len == 0)
    return usage_error (error, "--approaches names no approach");
  return TRUE;
}

/* ---- main ------------------------------------------------------------------------- */

static gboolean
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    {
      fprintf (stderr, "blip table: could not write %s: %s\n", path, error->message);
      return FALSE;
    }
  return TRUE;
}

/* table.md, .csv, .json and the figure in dir, the rows as they stand;
 * what could not be written is reported. */
static gboolean
write_table (TableRow *rows, int n, const char *experiment, guint64 seed, const char *title, const char *dir)
{
  g_autofree char *markdown = blip_table_markdown (rows, n, experiment);
  g_autofree char *csv = blip_table_csv (rows, n, experiment);
  g_autofree char *json = blip_table_json (rows, n, experiment, seed);
  if (!write_file (dir, "table.md", markdown) || !write_file (dir, "table.csv", csv) ||
      !write_file (dir, "table.json", json))
    return FALSE;
  g_autoptr(GError) error = NULL;
  if (!blip_table_write_figures (rows, n, experiment, title, dir, &error))
    {
      fprintf (stderr, "blip table: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
blip_table_main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      {
        print_help (stdout);
        return 0;
      }

  g_autoptr(GError) error = NULL;
  TableOptions opts;
  g_autoptr(GPtrArray) klasses = g_ptr_array_new ();
  if (!parse_options (&opts, argc, argv, &error) || !select_methods (&opts, klasses, &error))
    {
      fprintf (stderr, "blip table: %s\nTry “blip table --help” for the options.\n", error->message);
      table_options_clear (&opts);
      return EXIT_USAGE;
    }

  /* Every method's blip run line, checked by blip run's own parser before
   * anything runs. */
  int n = (int) klasses->len;
  TableRow *rows = g_new0 (TableRow, n);
  guint64 seed = 0;
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++)
    {
      TableRow *r = &rows[i];
      r->klass = g_ptr_array_index (klasses, i);
      r->seconds = NAN;
      GPtrArray *args = g_ptr_array_new ();
      g_ptr_array_add (args, g_strdup ("run"));
      g_ptr_array_add (args, g_strdup ("--experiment"));
      g_ptr_array_add (args, g_strdup (opts.experiment));
      g_ptr_array_add (args, g_strdup ("--approach"));
      g_ptr_array_add (args, g_strdup (r->klass->name));
      g_ptr_array_add (args, g_strdup ("--paper-settings"));
      for (guint k = 0; k < opts.pass->len; k++)
        g_ptr_array_add (args, g_strdup (g_ptr_array_index (opts.pass, k)));
      g_ptr_array_add (args, NULL);
      r->run_argv = (char **) g_ptr_array_free (args, FALSE);
      BlipRunOptions run;
      if (!blip_run_options_parse (&run, (int) g_strv_length (r->run_argv), r->run_argv, &error))
        {
          fprintf (stderr, "blip table: %s\nTry “blip table --help” for the options.\n", error->message);
          rc = EXIT_USAGE;
        }
      seed = run.config.seed;
      blip_run_options_clear (&run);
    }
  if (rc == 0 && opts.output == NULL)
    opts.output = g_strdup_printf ("results/table-%s-seed%" G_GUINT64_FORMAT, opts.experiment, seed);

  if (rc == 0 && opts.report && !g_file_test (opts.output, G_FILE_TEST_IS_DIR))
    {
      fprintf (stderr, "blip table: --report: %s is not a folder (give the --output of the table)\n", opts.output);
      rc = 1;
    }

  /* Plan: reuse complete results, refuse what cannot be used, and leave
   * unfinished runs alone unless --resume, all before any training. */
  gboolean *resume_row = g_new0 (gboolean, n);
  for (int i = 0; i < n && rc == 0; i++)
    {
      TableRow *r = &rows[i];
      r->dir = g_build_filename (opts.output, r->klass->name, NULL);
      TableResultsState state;
      if (!blip_table_read_results (r, opts.experiment, seed, &state, &error))
        {
          fprintf (stderr, "blip table: %s\n", error->message);
          rc = 1;
          break;
        }
      g_autoptr(GPtrArray) checkpoints = blip_checkpoint_list (r->dir);
      if (state == RESULTS_COMPLETE)
        r->source = opts.report ? SOURCE_COMPLETE : SOURCE_REUSED;
      else if (opts.report)
        r->unfinished = state == RESULTS_PARTIAL || checkpoints->len > 0;
      else if (state == RESULTS_PARTIAL || checkpoints->len > 0)
        {
          if (!opts.resume)
            {
              fprintf (stderr, "blip table: %s holds an unfinished run of %s; continue it with --resume "
                       "(the same command line and --resume), or remove the folder to start it over\n",
                       r->dir, r->klass->name);
              rc = 1;
              break;
            }
          resume_row[i] = checkpoints->len > 0;
          r->source = resume_row[i] ? SOURCE_RESUMED : SOURCE_TRAINED;
          r->unfinished = TRUE;
        }
      else
        r->source = SOURCE_TRAINED;
    }

  const BlipExperimentInfo *info = blip_experiment_info (opts.experiment);
  if (rc == 0 && opts.report)
    {
      /* Only what is on disk: no folder is made, no run starts, no file is written. */
      g_autofree char *text = blip_table_text (rows, n, opts.experiment);
      printf ("%s (%s), seed %" G_GUINT64_FORMAT ", as it stands in %s/\n\n%s", info->title, opts.experiment,
              seed, opts.output, text);
      for (int i = 0; i < n; i++)
        blip_table_row_clear (&rows[i]);
      g_free (rows);
      g_free (resume_row);
      table_options_clear (&opts);
      return 0;
    }
  if (rc == 0)
    {
      if (g_mkdir_with_parents (opts.output, 0755) != 0)
        {
          fprintf (stderr, "blip table: cannot create the output folder %s: %s\n", opts.output, g_strerror (errno));
          rc = 1;
        }
      else
        printf ("blip table: %s (%s), seed %" G_GUINT64_FORMAT ", %d method%s, runs in %s/\n", info->title,
                opts.experiment, seed, n, n == 1 ? "" : "s", opts.output);
    }

  g_autofree char *program = rc == 0 ? blip_program () : NULL;
  if (rc == 0 && program == NULL)
    {
      fprintf (stderr, "blip table: cannot find the blip program to run each method with\n");
      rc = 1;
    }
  /* Several runs at once share the cores: unless --threads says otherwise,
   * each gets its share (results do not depend on the thread count). */
  int jobs = opts.jobs;
  g_autofree char *share = NULL;  /* --threads for each run, when the table chooses it */
  if (rc == 0 && jobs > 1)
    {
      int threads = MAX (1, (int) g_get_num_processors () / jobs);
      if (!opts.threads_given)
        share = g_strdup_printf ("%d", threads);
      if (opts.threads_given)
        printf ("blip table: up to %d runs at a time; each run's output goes to its run.log\n", jobs);
      else
        printf ("blip table: up to %d runs at a time, %d thread%s each; each run's output goes to its run.log\n",
                jobs, threads, threads == 1 ? "" : "s");
    }

  struct sigaction forward = { 0 }, old_int, old_term;
  forward.sa_handler = forward_signal;
  sigaction (SIGINT, &forward, &old_int);
  sigaction (SIGTERM, &forward, &old_term);
  gboolean interrupted = FALSE, changed = FALSE;
  g_autofree char *title = g_strdup_printf ("%s (%s), seed %" G_GUINT64_FORMAT, info->title, opts.experiment, seed);
  int slot_row[MAX_JOBS];
  int next = 0, running = 0;
  while (rc == 0)
    {
      /* Start runs until every slot is taken. */
      while (running < jobs && next < n && !stop_requested)
        {
          int i = next++;
          TableRow *r = &rows[i];
          g_autofree char *label = blip_strategy_label (r->klass->title, r->klass->name);
          if (r->source == SOURCE_REUSED)
            {
              printf ("[%d/%d] %s: reusing %s/results.json\n", i + 1, n, label, r->dir);
              continue;
            }
          GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
          if (resume_row[i])
            {
              g_ptr_array_add (args, g_strdup ("run"));
              g_ptr_array_add (args, g_strdup ("--resume"));
              g_ptr_array_add (args, g_strdup (r->dir));
              for (guint k = 0; k < opts.pass_resume->len; k++)
                g_ptr_array_add (args, g_strdup (g_ptr_array_index (opts.pass_resume, k)));
            }
          else
            {
              for (int k = 0; r->run_argv[k] != NULL; k++)
                g_ptr_array_add (args, g_strdup (r->run_argv[k]));
              g_ptr_array_add (args, g_strdup ("--output"));
              g_ptr_array_add (args, g_strdup (r->dir));
            }
          if (share != NULL)
            {
              g_ptr_array_add (args, g_strdup ("--threads"));
              g_ptr_array_add (args, g_strdup (share));
            }
          g_ptr_array_add (args, NULL);
          g_autofree char *log = NULL;
          if (jobs > 1)
            {
              if (g_mkdir_with_parents (r->dir, 0755) != 0)
                {
                  fprintf (stderr, "blip table: %s: cannot create %s: %s\n", label, r->dir, g_strerror (errno));
                  r->failed = TRUE;
                  g_ptr_array_free (args, TRUE);
                  continue;
                }
              log = g_build_filename (r->dir, "run.log", NULL);
            }
          printf ("[%d/%d] %s: %s in %s/\n", i + 1, n, label, resume_row[i] ? "resuming" : "training", r->dir);
          GPid pid = start_child (program, (char **) args->pdata, log, &error);
          g_ptr_array_free (args, TRUE);
          if (pid == 0)
            {
              fprintf (stderr, "blip table: %s: %s\n", label, error->message);
              g_clear_error (&error);
              r->failed = TRUE;
              continue;
            }
          for (int k = 0; k < jobs; k++)
            if (child_pids[k] == 0)
              {
                slot_row[k] = i;
                child_pids[k] = pid;
                break;
              }
          running++;
          r->running = TRUE;
          changed = TRUE;
        }
      if (running == 0)
        break;
      /* The table so far, for a look while a long one fills in (the app's
       * Methods view opens table.json). A failed write is reported and the
       * runs go on; the last write decides the exit status. */
      if (changed)
        {
          write_table (rows, n, opts.experiment, seed, title, opts.output);
          changed = FALSE;
        }

      int status = 1;
      pid_t pid = wait_child (&status);
      if (pid < 0)
        break;
      int i = -1;
      for (int k = 0; k < jobs; k++)
        if (child_pids[k] == pid)
          {
            i = slot_row[k];
            child_pids[k] = 0;
            break;
          }
      if (i < 0)
        continue;
      running--;
      TableRow *r = &rows[i];
      r->running = FALSE;
      changed = TRUE;
      g_autofree char *label = blip_strategy_label (r->klass->title, r->klass->name);
      g_autofree char *where = jobs > 1 ? g_strdup_printf (" (its output is in %s/run.log)", r->dir)
                                        : g_strdup (" (see its message above)");
      TableResultsState state = RESULTS_ABSENT;
      if (status == EXIT_INTERRUPTED || (stop_requested && status != 0))
        {
          interrupted = r->interrupted = TRUE;
          /* How far it got, for the report and table.json: its partial
           * results.json, when it finished a task. */
          if (!blip_table_read_results (r, opts.experiment, seed, &state, &error))
            g_clear_error (&error);
        }
      else if (status != 0)
        {
          fprintf (stderr, "blip table: %s: blip run failed with exit status %d%s\n", label, status, where);
          g_autofree char *log = jobs > 1 ? g_build_filename (r->dir, "run.log", NULL) : NULL;
          g_autofree char *why = log_error_line (log);
          if (why != NULL)
            fprintf (stderr, "  %s\n", why);
          r->failed = TRUE;
        }
      else if (!blip_table_read_results (r, opts.experiment, seed, &state, &error) || state != RESULTS_COMPLETE)
        {
          fprintf (stderr, "blip table: %s: %s\n", label,
                   error ? error->message : "the run finished without complete results");
          g_clear_error (&error);
          r->failed = TRUE;
        }
      else if (jobs > 1 && blip_table_is_games (opts.experiment))
        printf ("[%d/%d] %s: finished, mean return %.2f, BWT %.2f\n", i + 1, n, label, r->acc, r->bwt_paper);
      else if (jobs > 1)
        printf ("[%d/%d] %s: finished, ACC %.2f%%, BWT %.2f%%\n", i + 1, n, label, 100.0 * r->acc,
                100.0 * r->bwt_paper);
    }
  /* Stopped before every method had its turn: --resume goes on. */
  for (int i = next; i < n && stop_requested; i++)
    if (rows[i].source != SOURCE_REUSED)
      interrupted = TRUE;
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  if (rc == 0)
    {
      g_autofree char *text = blip_table_text (rows, n, opts.experiment);
      printf ("\n%s (%s), seed %" G_GUINT64_FORMAT "\n\n%s\n", info->title, opts.experiment, seed, text);
      if (blip_table_is_games (opts.experiment))
        printf ("Return: mean greedy evaluation return over all games after the last, in points.\n"
                "BWT (return): the paper's, over the T−1 earlier games, in points.\n");
      else
        printf ("ACC: mean accuracy over all tasks after the last. BWT: the paper's, over the T−1 earlier\n"
                "tasks.\n");
      printf ("Memory: what the method keeps beyond the network's parameters after the last\n"
              "task; growth: its mean increase per task. Train time: training, consolidation and\n"
              "testing, summed over resumed parts (timing.json).\n"
              "Paper: ACC from the BLIP paper's tables, where it has the method on this experiment.\n");
      if (!write_table (rows, n, opts.experiment, seed, title, opts.output))
        rc = 1;
      else
        printf ("Table written to %s/table.md, table.csv and table.json, drawn as table.png, .svg and .pdf\n",
                opts.output);
      for (int i = 0; i < n; i++)
        if (rows[i].failed)
          rc = 1;
    }
  if (interrupted)
    {
      fprintf (stderr, "blip table: interrupted; finished runs and checkpoints are in %s.\n"
               "Continue with the same command line and --resume.\n", opts.output);
      rc = EXIT_INTERRUPTED;
    }

  for (int i = 0; i < n; i++)
    blip_table_row_clear (&rows[i]);
  g_free (rows);
  g_free (resume_row);
  table_options_clear (&opts);
  return rc;
}
