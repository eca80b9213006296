/* test-e2e.c — short continual runs on real MNIST-5 (a subset, few epochs):
 * every method learns every task, and BLIP forgets clearly less than plain
 * fine-tuning on the same tasks, data and seed. Skips when the real data set
 * is absent. The comparison methods (LwF, IMM-mode, HAT) run on the same
 * set-up: each learns every task, HAT keeps them (BWT ≥ −0.5%) and LwF
 * forgets more than HAT; without the real data they run on a small
 * generated MNIST look-alike, where only the first two are asserted. */
#include "blip.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/e2e/mnist5/blip-forgets-less-than-sgd", test_blip_forgets_less_than_sgd);
  g_test_add_func ("/e2e/mnist5/comparison-methods", test_comparison_methods);
  return g_test_run ();
}
