/* test-e2e.c — short continual runs on real MNIST-5 (a subset, few epochs):
 * every method learns every task, and BLIP forgets clearly less than plain
 * fine-tuning on the same tasks, data and seed. Skips when the real data set
 * is absent. The comparison methods (LwF, IMM-mode, HAT) run on the same
 * set-up: each learns every task, HAT keeps them (BWT ≥ −0.5%) and LwF
 * forgets more than HAT; without the real data they run on a small
 * generated MNIST look-alike, where only the first two are asserted.
 * /e2e/threads: the same run through the blip tool on 1 and on 3 threads,
 * at a width where the GEMMs are split between threads, writes the same
 * results.json byte for byte (always runs, on a generated look-alike).
 * /e2e/run-header: blip run's first line names the settings the run reads:
 * what differs from the experiment's preset, and the method's own knobs but
 * no other method's (always runs). */
#include "blip.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct {
  BlipMetrics metrics;
  double      min_diag;      /* worst accuracy on a task right after learning it */
  double      capacity;
} RunResult;

static gboolean
run_mnist5 (const char *data_dir, const char *approach, RunResult *out)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_free (c.approach);
  c.approach = g_strdup (approach);
  c.data_dir = g_strdup (data_dir);
  /* Small and fast, but with enough steps at a high rate that fine-tuning
   * visibly overwrites earlier tasks. */
  c.train_subset = 500;
  c.test_subset = 1000;
  c.nepochs = 15;
  c.lr = 0.1;
  c.ndim = 200;

  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_open (&c, &error);
  g_assert_no_error (error);
  BlipStrategy *s = blip_strategy_new (approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_no_error (error);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  g_assert_no_error (error);

  const double *acc = blip_trainer_get_acc_matrix (tr);
  int T = blip_trainer_get_n_tasks (tr);
  blip_metrics_compute (acc, T, T - 1, &out->metrics);
  out->min_diag = 1.0;
  for (int t = 0; t < T; t++)
    out->min_diag = MIN (out->min_diag, acc[t * T + t]);
  out->capacity = blip_trainer_used_capacity (tr);
  g_test_message ("%s: ACC %.2f%%, BWT %.2f%% (paper) %.2f%% (code), capacity %.2f%%", approach,
                  100 * out->metrics.acc, 100 * out->metrics.bwt_paper, 100 * out->metrics.bwt_code,
                  100 * out->capacity);
  blip_trainer_free (tr);
  blip_config_clear (&c);
  return TRUE;
}

static void
test_blip_forgets_less_than_sgd (void)
{
  g_autofree char *dir = blip_test_real_data_dir ("mnist/train-images-idx3-ubyte.gz");
  if (dir == NULL)
    return;
  RunResult blip, sgd;
  run_mnist5 (dir, "blip", &blip);
  run_mnist5 (dir, "sgd", &sgd);

  /* Both learn each two-digit task far above chance (50%). */
  g_assert_cmpfloat (blip.min_diag, >, 0.9);
  g_assert_cmpfloat (sgd.min_diag, >, 0.9);
  /* BLIP keeps what it learned; fine-tuning loses some of it. */
  g_assert_cmpfloat (blip.metrics.bwt_paper, >, -0.003);
  g_assert_cmpfloat (sgd.metrics.bwt_paper, <, -0.006);
  g_assert_cmpfloat (blip.metrics.bwt_paper - sgd.metrics.bwt_paper, >, 0.007);
  /* BLIP froze some bits, and far from all of them. */
  g_assert_cmpfloat (blip.capacity, >, 0.01);
  g_assert_cmpfloat (blip.capacity, <, 0.9);
  g_assert_cmpfloat (sgd.capacity, ==, 0.0);
}

static void
test_comparison_methods (void)
{
  const char *real = g_getenv ("BLIP_DATA_DIR");
  g_autofree char *images = real ? g_build_filename (real, "mnist", "train-images-idx3-ubyte.gz", NULL) : NULL;
  gboolean have_real = images != NULL && g_file_test (images, G_FILE_TEST_EXISTS);
  g_autofree char *tmp = NULL;
  if (!have_real)
    {
      tmp = blip_test_mkdtemp ();
      blip_test_write_fake_mnist (tmp, "mnist", 600, 300, 7);
      g_test_message ("no real MNIST under $BLIP_DATA_DIR: a generated look-alike");
    }
  const char *dir = have_real ? real : tmp;
  RunResult hat, lwf, imm;
  run_mnist5 (dir, "hat", &hat);
  run_mnist5 (dir, "lwf", &lwf);
  run_mnist5 (dir, "imm-mode", &imm);

  /* Each learns each two-digit task far above chance (50%). */
  g_assert_cmpfloat (hat.min_diag, >, 0.9);
  g_assert_cmpfloat (lwf.min_diag, >, 0.9);
  g_assert_cmpfloat (imm.min_diag, >, 0.9);
  /* HAT's masks keep the earlier tasks. */
  g_assert_cmpfloat (hat.metrics.bwt_paper, >=, -0.005);
  if (have_real)
    {
      g_assert_cmpfloat (imm.metrics.acc, >, 0.9);
      /* Distillation slows forgetting, the masks stop it. */
      g_assert_cmpfloat (lwf.metrics.bwt_paper, <, hat.metrics.bwt_paper - 0.002);
    }
  else
    blip_test_rmtree (tmp);
}

/* Every thread computes whole blocks of C with the same sum order, and the
 * reductions use fixed blocks, so the thread count must not change a bit. */
static void
test_threads (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *tmp = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (tmp, "mnist", 400, 100, 11);
  char *json[2] = { NULL, NULL };
  const char *threads[2] = { "1", "3" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *out = g_build_filename (tmp, threads[i], NULL);
      /* 64×784×1200: over blip_sgemm's split threshold */
      const char *args[] = { "run", "--experiment", "mnist5", "--approach", "blip", "--data-dir", tmp,
                             "--ndim", "1200", "--nepochs", "2", "--lr", "0.05", "--fisher-batches", "2",
                             "--threads", threads[i], "--quiet", "--output", out, NULL };
      BlipTestRun r = blip_test_run_blip (args);
      if (r.status != 0)
        g_error ("--threads %s: exit %d\n%s", threads[i], r.status, r.err);
      blip_test_run_clear (&r);
      g_autofree char *path = g_build_filename (out, "results.json", NULL);
      g_autoptr(GError) error = NULL;
      g_file_get_contents (path, &json[i], NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpstr (json[0], ==, json[1]);
  g_free (json[0]);
  g_free (json[1]);
  blip_test_rmtree (tmp);
}

static const struct { const char *approach, *flag, *value, *header; } header_cases[] = {
  { "blip", NULL, NULL,
    "with BLIP, seed 0, lr 0.01, sbatch 64, nepochs 1, ndim 16, ntasks 1, F-prior 1e-15, max-bit 20\n" },
  { "lwf", NULL, NULL,
    "with LwF, seed 0, lr 0.01, sbatch 64, nepochs 1, ndim 16, ntasks 1, lwf-lambda 2, lwf-temperature 2\n" },
  { "sgd", "--momentum", "0.5",
    "with Fine-tuning, seed 0, lr 0.01, sbatch 64, nepochs 1, ndim 16, momentum 0.5, ntasks 1\n" },
  { "ewc", "--optimizer", "adam",
    "with Online EWC, seed 0, lr 0.01, sbatch 64, nepochs 1, ndim 16, optimizer adam, ntasks 1, lamb 5000, "
    "gamma 1\n" },
  /* The HALRP preset's network shows, its fixed widths do not. */
  { "halrp", "--arch", "lenet",
    "with HALRP, seed 0, lr 0.01, sbatch 64, nepochs 1, arch lenet, ntasks 1, halrp-rate 0.9, halrp-l1 1e-06, "
    "halrp-wd 0.001, halrp-max-rank 100, halrp-est-epochs 1, halrp-prune-min 1e-05, halrp-max-growth 0.6\n" },
};

static void
test_run_header (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *tmp = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (tmp, "mnist", 100, 50, 3);
  for (gsize i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      g_autofree char *out = g_build_filename (tmp, header_cases[i].approach, NULL);
      /* The optional flag goes last: NULL there ends the list early. */
      const char *args[] = { "run", "--approach", header_cases[i].approach, "--data-dir", tmp, "--ntasks", "1",
                             "--nepochs", "1", "--ndim", "16", "--fisher-batches", "1", "--quiet",
                             "--output", out, header_cases[i].flag, header_cases[i].value, NULL };
      BlipTestRun r = blip_test_run_blip (args);
      if (r.status != 0)
        g_error ("%s: exit %d\n%s", header_cases[i].approach, r.status, r.err);
      g_test_message ("%s", r.out);
      g_assert_true (g_str_has_prefix (r.out, "blip run: MNIST-5"));
      const char *eol = strchr (r.out, '\n');
      g_assert_nonnull (eol);
      g_autofree char *line = g_strndup (r.out, eol + 1 - r.out);
      if (!g_str_has_suffix (line, header_cases[i].header))
        g_error ("%s: first line\n  %s  does not end in\n  %s", header_cases[i].approach, line,
                 header_cases[i].header);
      blip_test_run_clear (&r);
    }
  blip_test_rmtree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/e2e/mnist5/blip-forgets-less-than-sgd", test_blip_forgets_less_than_sgd);
  g_test_add_func ("/e2e/mnist5/comparison-methods", test_comparison_methods);
  g_test_add_func ("/e2e/threads", test_threads);
  g_test_add_func ("/e2e/run-header", test_run_header);
  return g_test_run ();
}
