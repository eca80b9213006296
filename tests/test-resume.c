/* test-resume.c — the built `blip` tool interrupted and resumed, on a fake
 * MNIST the test writes (so it always runs):
 *   kill -9      a run with --checkpoint-every 1 killed with SIGKILL at
 *                several moments (fixed delays, after the first and third
 *                checkpoint, after the first task's results) and continued
 *                with `blip run --resume OUT`: results.json and
 *                acc_matrix.csv end byte for byte equal to an uninterrupted
 *                run's. When no checkpoint was written yet, resuming fails
 *                with exit 1 saying there is no valid checkpoint, and the run
 *                is started afresh instead
 *   SIGINT/TERM  the run saves a checkpoint and exits with status 130, tells
 *                how to go on (--resume), leaves results.json marked
 *                "complete": false, and the resumed run ends equal to the
 *                uninterrupted one
 *   full disk    with RLIMIT_FSIZE below a checkpoint's size the run stops
 *                with exit 1 and a message about the checkpoint, leaving no
 *                partial checkpoint file (SIGXFSZ must not kill it)
 *   by the clock --checkpoint-minutes 0 saves only after each task (5
 *                checkpoints); a tiny interval saves after every epoch (15);
 *                neither changes the results
 *   status       `blip status` on a complete run (ACC), on a run with
 *                checkpoints and no results yet (task, epoch, training time,
 *                epochs left, checkpoint age), on a folder of both (one line each, in name
 *                order), on an empty folder and a missing one (exit 1), on
 *                a folder whose run holds its lock but has no checkpoint yet
 *   lock         while a run is alive (held stopped with SIGSTOP), a second
 *                run or a --resume into its folder exits 1 naming its pid,
 *                and `blip status` says it is running, with the epochs left
 *                if no task stops early; after kill -9 the
 *                lock is gone: status says not running, --resume succeeds
 *   usage        --resume with a configuration flag (--lr) exits 2; --resume
 *                of a folder with no checkpoint exits 1. */
#include "blip.h"
#include "blip-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLIP_EXE BLIP_TEST_BUILDDIR "/src/cli/blip"
/* Longest a single run may take before the test gives up on it. */
#define RUN_LIMIT_US (G_USEC_PER_SEC * 120)

static char *work;        /* temporary folder of the whole program */
static char *data_dir;    /* the fake MNIST */
static char *ref_json;    /* results.json of an uninterrupted run */
static char *ref_csv;

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  return text;
}

static char *
out_file (const char *out, const char *name)
{
  g_autofree char *path = g_build_filename (out, name, NULL);
  return read_text (path);
}

#define N_FRESH_ARGS 20

/* argv of a fresh run into `out` (static strings and the two paths). */
static void
fresh_args (const char *out, const char **argv)
{
  const char *args[] = { BLIP_EXE, "run", "--experiment", "mnist5", "--data-dir", data_dir, "--nepochs", "3",
                         "--train-subset", "150", "--test-subset", "100", "--threads", "1", "--quiet",
                         "--checkpoint-every", "1", "--output", out, NULL };
  G_STATIC_ASSERT (G_N_ELEMENTS (args) == N_FRESH_ARGS);
  memcpy (argv, args, sizeof args);
}

/* Runs to the end; returns the exit status (a signal death fails the test). */
static int
run_sync (const char * const *argv, GSpawnChildSetupFunc setup, gpointer setup_data, char **out, char **err)
{
  g_autoptr(GError) error = NULL;
  int status = 0;
  char *o = NULL, *e = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, setup, setup_data, &o, &e, &status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status))
    g_error ("%s %s was killed by signal %d; stderr:\n%s", argv[1], argv[2], WTERMSIG (status), e);
  if (out)
    *out = o;
  else
    g_free (o);
  if (err)
    *err = e;
  else
    g_free (e);
  return WEXITSTATUS (status);
}

static void
ensure_fixture (void)
{
  if (work != NULL)
    return;
  work = blip_test_mkdtemp ();
  data_dir = g_build_filename (work, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0755), ==, 0);
  blip_test_write_fake_mnist (data_dir, "mnist", 400, 200, 23);

  g_autofree char *out = g_build_filename (work, "reference", NULL);
  const char *argv[N_FRESH_ARGS];
  fresh_args (out, argv);
  g_autofree char *err = NULL;
  int rc = run_sync (argv, NULL, NULL, NULL, &err);
  if (rc != 0)
    g_error ("the reference run exited %d:\n%s", rc, err);
  ref_json = out_file (out, "results.json");
  ref_csv = out_file (out, "acc_matrix.csv");
  g_assert_nonnull (strstr (ref_json, "\"complete\": true"));
}

static char *
fresh_out (const char *name)
{
  char *out = g_build_filename (work, name, NULL);
  blip_test_rmtree (out);
  return out;
}

static void
assert_results_equal_reference (const char *out)
{
  g_autofree char *json = out_file (out, "results.json");
  g_autofree char *csv = out_file (out, "acc_matrix.csv");
  g_assert_cmpstr (json, ==, ref_json);
  g_assert_cmpstr (csv, ==, ref_csv);
}

/* Sequence number of the newest checkpoint in out, 0 if none. */
static guint64
newest_checkpoint (const char *out)
{
  g_autoptr(GPtrArray) list = blip_checkpoint_list (out);
  if (list->len == 0)
    return 0;
  g_autofree char *base = g_path_get_basename (g_ptr_array_index (list, 0));
  return g_ascii_strtoull (base + strlen ("checkpoint-"), NULL, 10);
}

/* `blip run --resume out`; returns its exit status. */
static int
resume (const char *out, char **err)
{
  const char *argv[] = { BLIP_EXE, "run", "--resume", out, "--data-dir", data_dir, "--quiet", NULL };
  return run_sync (argv, NULL, NULL, NULL, err);
}

/* ---- SIGKILL at various moments ------------------------------------------------- */

typedef enum {
  AFTER_DELAY,        /* `delay` seconds after the start */
  AFTER_CHECKPOINT,   /* once checkpoint number `seq` exists */
  AFTER_RESULTS,      /* once results.json exists (the first task ended) */
} KillWhen;

typedef struct {
  const char *name;
  KillWhen    when;
  double      delay;
  guint64     seq;
} KillCase;

static const KillCase kill_cases[] = {
  { "0.05s", AFTER_DELAY, 0.05, 0 },
  { "0.15s", AFTER_DELAY, 0.15, 0 },
  { "0.3s", AFTER_DELAY, 0.3, 0 },
  { "0.5s", AFTER_DELAY, 0.5, 0 },
  { "first-checkpoint", AFTER_CHECKPOINT, 0, 1 },
  { "third-checkpoint", AFTER_CHECKPOINT, 0, 3 },
  { "first-results", AFTER_RESULTS, 0, 0 },
};

static GPid
spawn_fresh (const char *out, int *stdout_fd, int *stderr_fd)
{
  const char *argv[N_FRESH_ARGS];
  fresh_args (out, argv);
  g_autoptr(GError) error = NULL;
  GPid pid = 0;
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD;
  if (stdout_fd == NULL)
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
  if (stderr_fd == NULL)
    flags |= G_SPAWN_STDERR_TO_DEV_NULL;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, flags, NULL, NULL, &pid, NULL, stdout_fd, stderr_fd,
                            &error);
  g_assert_no_error (error);
  return pid;
}

static gboolean
condition_met (const KillCase *kc, const char *out, gint64 start)
{
  switch (kc->when)
    {
    case AFTER_DELAY:
      return g_get_monotonic_time () - start >= (gint64) (kc->delay * G_USEC_PER_SEC);
    case AFTER_CHECKPOINT:
      return newest_checkpoint (out) >= kc->seq;
    case AFTER_RESULTS:
      {
        g_autofree char *path = g_build_filename (out, "results.json", NULL);
        return g_file_test (path, G_FILE_TEST_EXISTS);
      }
    }
  return TRUE;
}

/* Waits for the child to exit on its own; returns its wait status. */
static int
reap (GPid pid)
{
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_spawn_close_pid (pid);
  return status;
}

static void
test_kill (gconstpointer data)
{
  const KillCase *kc = data;
  ensure_fixture ();
  g_autofree char *name = g_strdup_printf ("kill-%s", kc->name);
  g_autofree char *out = fresh_out (name);

  gint64 start = g_get_monotonic_time ();
  GPid pid = spawn_fresh (out, NULL, NULL);
  gboolean exited = FALSE;
  int status = 0;
  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        {
          exited = TRUE;
          break;
        }
      if (condition_met (kc, out, start))
        break;
      if (g_get_monotonic_time () - start > RUN_LIMIT_US)
        {
          kill (pid, SIGKILL);
          g_error ("the run did not reach the kill point in time");
        }
      g_usleep (1000);
    }
  if (exited)
    {
      /* The run was faster than the kill point: it must have finished cleanly. */
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      g_spawn_close_pid (pid);
      g_test_message ("the run finished before the kill point");
    }
  else
    {
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      status = reap (pid);
      g_assert_true (WIFSIGNALED (status) || WIFEXITED (status));
    }

  guint64 newest = newest_checkpoint (out);
  g_test_message ("killed with newest checkpoint %" G_GUINT64_FORMAT, newest);
  if (kc->when == AFTER_CHECKPOINT)
    g_assert_cmpuint (newest, >=, kc->seq);
  g_autofree char *err = NULL;
  int rc = resume (out, &err);
  if (newest == 0)
    {
      /* Nothing to resume from: said so, then the run starts afresh. */
      g_assert_cmpint (rc, ==, 1);
      if (strstr (err, "no valid checkpoint") == NULL)
        g_error ("resuming without a checkpoint printed:\n%s", err);
      const char *argv[N_FRESH_ARGS];
      fresh_args (out, argv);
      g_clear_pointer (&err, g_free);
      rc = run_sync (argv, NULL, NULL, NULL, &err);
    }
  if (rc != 0)
    g_error ("the continued run exited %d:\n%s", rc, err);
  assert_results_equal_reference (out);
}

/* ---- SIGINT and SIGTERM --------------------------------------------------------- */

static void
test_interrupt (gconstpointer data)
{
  int sig = GPOINTER_TO_INT (data);
  ensure_fixture ();
  g_autofree char *name = g_strdup_printf ("signal-%d", sig);
  g_autofree char *out = NULL;
  int status = 0;
  g_autofree char *err = NULL;
  /* The signal goes in once the first checkpoint is on disk (the handler is
   * installed by then) and long before the end; should the run still finish
   * first on a very loaded machine, try again. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      out = fresh_out (name);
      int out_fd = -1, err_fd = -1;
      gint64 start = g_get_monotonic_time ();
      GPid pid = spawn_fresh (out, &out_fd, &err_fd);
      gboolean exited = FALSE;
      while (newest_checkpoint (out) < 1)
        {
          if (waitpid (pid, &status, WNOHANG) == pid)
            {
              exited = TRUE;
              break;
            }
          if (g_get_monotonic_time () - start > RUN_LIMIT_US)
            {
              kill (pid, SIGKILL);
              g_error ("no checkpoint appeared in time");
            }
          g_usleep (500);
        }
      if (!exited)
        {
          g_assert_cmpint (kill (pid, sig), ==, 0);
          status = reap (pid);
        }
      else
        g_spawn_close_pid (pid);
      g_autofree char *so = blip_test_read_fd (out_fd);
      err = blip_test_read_fd (err_fd);
      g_assert_true (WIFEXITED (status));
      if (WEXITSTATUS (status) == 0)
        {
          g_test_message ("attempt %d: the run finished before the signal took effect", attempt + 1);
          continue;
        }
      break;
    }
  g_assert_true (WIFEXITED (status));
  if (WEXITSTATUS (status) != 130)
    g_error ("after signal %d the run exited %d:\n%s", sig, WEXITSTATUS (status), err);
  if (strstr (err, "--resume") == NULL)
    g_error ("the interrupted run does not say how to go on:\n%s", err);
  g_autofree char *partial = out_file (out, "results.json");
  g_assert_nonnull (strstr (partial, "\"complete\": false"));
  g_assert_cmpuint (newest_checkpoint (out), >=, 2);

  g_autofree char *err2 = NULL;
  int rc = resume (out, &err2);
  if (rc != 0)
    g_error ("the resumed run exited %d:\n%s", rc, err2);
  assert_results_equal_reference (out);
}

/* ---- a checkpoint that cannot be written ------------------------------------------ */

static void
limit_file_size (gpointer data)
{
  struct rlimit rl = { (rlim_t) GPOINTER_TO_SIZE (data), (rlim_t) GPOINTER_TO_SIZE (data) };
  setrlimit (RLIMIT_FSIZE, &rl);
}

static void
test_write_fails (void)
{
  ensure_fixture ();
  g_autofree char *out = fresh_out ("fsize");
  const char *argv[N_FRESH_ARGS];
  fresh_args (out, argv);
  g_autofree char *err = NULL;
  /* Results files are a few KiB; a checkpoint of this network is ~16 MB. */
  int rc = run_sync (argv, limit_file_size, GSIZE_TO_POINTER (256 * 1024), NULL, &err);
  if (rc != 1)
    g_error ("with a 256 KiB file size limit the run exited %d:\n%s", rc, err);
  if (strstr (err, "checkpoint") == NULL)
    g_error ("the failure message does not mention the checkpoint:\n%s", err);
  /* No checkpoint, complete or partial, is left behind. */
  GDir *d = g_dir_open (out, 0, NULL);
  g_assert_nonnull (d);
  const char *entry;
  while ((entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (entry, "checkpoint-"))
      g_error ("%s was left in %s", entry, out);
  g_dir_close (d);
}

/* ---- time-based checkpoints ------------------------------------------------------ */

static void
test_checkpoint_minutes (void)
{
  ensure_fixture ();
  /* 5 tasks of 3 epochs: one checkpoint per task, or one per epoch once the
   * interval (here 6 µs) has always passed by an epoch's end. */
  static const struct { const char *minutes; guint64 newest; } cases[] = { { "0", 5 }, { "1e-7", 15 } };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("minutes-%zu", i);
      g_autofree char *out = fresh_out (name);
      const char *argv[] = { BLIP_EXE, "run", "--experiment", "mnist5", "--data-dir", data_dir, "--nepochs", "3",
                             "--train-subset", "150", "--test-subset", "100", "--threads", "1", "--quiet",
                             "--checkpoint-minutes", cases[i].minutes, "--output", out, NULL };
      g_autofree char *err = NULL;
      int rc = run_sync (argv, NULL, NULL, NULL, &err);
      if (rc != 0)
        g_error ("--checkpoint-minutes %s: exit %d\n%s", cases[i].minutes, rc, err);
      g_assert_cmpuint (newest_checkpoint (out), ==, cases[i].newest);
      assert_results_equal_reference (out);
    }
  g_autofree char *out = fresh_out ("minutes-bad");
  const char *bad[] = { BLIP_EXE, "run", "--checkpoint-minutes", "-1", "--output", out, NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (bad, NULL, NULL, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--checkpoint-minutes"));
}

/* ---- blip status ---------------------------------------------------------------- */

static BlipTestRun
status_of (const char *a, const char *b)
{
  const char *args[] = { "status", a, b, NULL };
  return blip_test_run_blip (args);
}

static void
test_status (void)
{
  ensure_fixture ();
  g_autofree char *parent = fresh_out ("status");
  g_autofree char *done = g_build_filename (parent, "a-done", NULL);
  g_autofree char *going = g_build_filename (parent, "b-going", NULL);
  for (int i = 0; i < 2; i++)
    {
      const char *argv[N_FRESH_ARGS];
      fresh_args (i == 0 ? done : going, argv);
      g_autofree char *err = NULL;
      g_assert_cmpint (run_sync (argv, NULL, NULL, NULL, &err), ==, 0);
    }
  /* As a run looks before its first task ends: checkpoints, no results. */
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = g_build_filename (going, k == 0 ? "results.json" : "timing.json", NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }

  BlipTestRun r = status_of (done, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *want = g_strdup_printf ("%s: BLIP on mnist5, seed 0: complete, ACC ", done);
  if (!g_str_has_prefix (r.out, want))
    g_error ("expected “%s…”, got:\n%s", want, r.out);
  blip_test_run_clear (&r);

  r = status_of (going, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "BLIP on mnist5, seed 0: task 5 of 5, epoch 3 of at most 3 (lr "));
  g_assert_nonnull (strstr (r.out, "of training; 0 more epochs if no task stops early; newest checkpoint written "));
  blip_test_run_clear (&r);

  /* The folder of both: a table's layout. */
  r = status_of (parent, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_auto(GStrv) lines = g_strsplit (r.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], done));
  g_assert_true (g_str_has_prefix (lines[1], going));
  blip_test_run_clear (&r);

  g_autofree char *empty = g_build_filename (parent, "empty", NULL);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_autofree char *missing = g_build_filename (parent, "missing", NULL);
  r = status_of (empty, missing);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "holds no run"));
  g_assert_nonnull (strstr (r.err, "is not a folder"));
  blip_test_run_clear (&r);

  r = status_of ("--bogus", NULL);
  g_assert_cmpint (r.status, ==, 2);
  blip_test_run_clear (&r);

  /* A run before its first checkpoint: only its lock (held here, as blip run
   * holds it) says it is there. */
  g_autofree char *starting = g_build_filename (parent, "starting", NULL);
  g_assert_cmpint (g_mkdir (starting, 0755), ==, 0);
  g_autofree char *lock = g_build_filename (starting, ".blip-run.lock", NULL);
  int fd = open (lock, O_RDWR | O_CREAT, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_cmpint (write (fd, "4242\n", 5), ==, 5);
  r = status_of (starting, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *want_starting = g_strdup_printf ("%s: running (process 4242), no checkpoint yet\n", starting);
  g_assert_cmpstr (r.out, ==, want_starting);
  blip_test_run_clear (&r);
  close (fd);
  /* Released: an empty folder again. */
  r = status_of (starting, NULL);
  g_assert_cmpint (r.status, ==, 1);
  blip_test_run_clear (&r);
}

/* ---- one run per folder --------------------------------------------------------- */

static void
test_lock (void)
{
  ensure_fixture ();
  g_autofree char *out = fresh_out ("lock");
  GPid pid = spawn_fresh (out, NULL, NULL);
  gint64 start = g_get_monotonic_time ();
  while (newest_checkpoint (out) < 1)
    {
      int status;
      if (waitpid (pid, &status, WNOHANG) == pid)
        g_error ("the run ended before its first checkpoint");
      if (g_get_monotonic_time () - start > RUN_LIMIT_US)
        {
          kill (pid, SIGKILL);
          g_error ("no checkpoint in time");
        }
      g_usleep (1000);
    }
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  g_autofree char *who = g_strdup_printf ("is in use by another blip run (process %d)", (int) pid);

  const char *argv[N_FRESH_ARGS];
  fresh_args (out, argv);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (argv, NULL, NULL, NULL, &err), ==, 1);
  if (strstr (err, who) == NULL)
    g_error ("a second run into a busy folder printed:\n%s", err);
  g_autofree char *err2 = NULL;
  g_assert_cmpint (resume (out, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, who));
  BlipTestRun r = status_of (out, NULL);
  g_autofree char *running = g_strdup_printf ("; running (process %d)\n", (int) pid);
  if (r.status != 0 || strstr (r.out, running) == NULL)
    g_error ("status of a live run: exit %d\n%s%s", r.status, r.out, r.err);
  /* Mid-run: the epochs left if no task stops early (3 per task, 5 tasks),
   * and how long they would take at the pace so far. */
  g_autoptr(GRegex) where = g_regex_new ("task (\\d) of 5, epoch (\\d) of at most 3 .*; (\\d+) more epochs? if no "
                                         "task stops early( \\(about [^)]+ at its pace so far\\))?;", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  if (!g_regex_match (where, r.out, 0, &match))
    g_error ("status of a run in progress:\n%s", r.out);
  g_autofree char *task = g_match_info_fetch (match, 1), *epoch = g_match_info_fetch (match, 2);
  g_autofree char *left = g_match_info_fetch (match, 3);
  g_assert_cmpint (atoi (left), ==, (3 - atoi (epoch)) + (5 - atoi (task)) * 3);
  blip_test_run_clear (&r);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  int status = reap (pid);
  g_assert_true (WIFSIGNALED (status));
  r = status_of (out, NULL);
  g_assert_nonnull (strstr (r.out, "; not running (blip run --resume continues it)\n"));
  blip_test_run_clear (&r);
  g_autofree char *err3 = NULL;
  int rc = resume (out, &err3);
  if (rc != 0)
    g_error ("resuming after kill -9 exited %d:\n%s", rc, err3);
  assert_results_equal_reference (out);
}

/* ---- usage ---------------------------------------------------------------------- */

static void
test_usage (void)
{
  ensure_fixture ();
  g_autofree char *out = fresh_out ("usage");
  g_assert_cmpint (g_mkdir_with_parents (out, 0755), ==, 0);
  const char *with_lr[] = { BLIP_EXE, "run", "--resume", out, "--lr", "0.1", NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (with_lr, NULL, NULL, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--lr"));
  g_assert_nonnull (strstr (err, "--resume"));

  g_autofree char *err2 = NULL;
  g_assert_cmpint (resume (out, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "no valid checkpoint"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (kill_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/resume/kill/%s", kill_cases[i].name);
      g_test_add_data_func (name, &kill_cases[i], test_kill);
    }
  g_test_add_data_func ("/resume/signal/SIGINT", GINT_TO_POINTER (SIGINT), test_interrupt);
  g_test_add_data_func ("/resume/signal/SIGTERM", GINT_TO_POINTER (SIGTERM), test_interrupt);
  g_test_add_func ("/resume/write-fails", test_write_fails);
  g_test_add_func ("/resume/checkpoint-minutes", test_checkpoint_minutes);
  g_test_add_func ("/resume/status", test_status);
  g_test_add_func ("/resume/lock", test_lock);
  g_test_add_func ("/resume/usage", test_usage);
  int rc = g_test_run ();
  if (work != NULL)
    blip_test_rmtree (work);
  g_free (work);
  g_free (data_dir);
  g_free (ref_json);
  g_free (ref_csv);
  return rc;
}
