/* test-imm.c — IMM-mode (blip-strategy-imm.c):
 *   merge/golden   blip_imm_merge on hand-made weights and Fishers: the
 *                  Fisher-weighted mean, a parameter no task informs keeps
 *                  its value, the Fishers add up
 *   merge/trainer  after a second task, every feature parameter lies between
 *                  the previous merged model and the one the task trained
 *                  (strictly inside for most), the heads are as trained
 *   penalty        0 before the first merge, λ/2·Σ (w − w_prev)² after, and
 *                  its gradient matches finite differences
 *   memory         the summed Fisher of the features and a copy of every
 *                  parameter */
#include "blip.h"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

static void
test_merge_golden (void)
{
  float w[5] = { 1, 2, 3, 4, -1 };
  const float w_old[5] = { 3, 2, 1, 0, 5 };
  float F[5] = { 1, 0, 2, 0, 3 };
  const float F_t[5] = { 1, 2, 0, 0, 1 };
  blip_imm_merge (w, w_old, F, F_t, 5);
  /* (1·1 + 1·3)/2, (2·2 + 0·2)/2, (0·3 + 2·1)/2, unknown: stays, (1·(−1) + 3·5)/4 */
  const float expect_w[5] = { 2, 2, 1, 4, 3.5f }, expect_F[5] = { 2, 2, 2, 0, 4 };
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpfloat_with_epsilon (w[i], expect_w[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (F[i], expect_F[i], 1e-6);
    }
}

#define SYN_DIM   16
#define SYN_TRAIN 160
#define SYN_TEST  60

static void
small_config (BlipConfig *c)
{
  blip_test_synthetic_config (c, "imm-mode");
  c->nepochs = 3;
  c->ndim = 12;
  c->fisher_batches = 2;
  c->fisher_sbatch = 40;
}

/* The merge itself, run by hand on a model "trained" for task 1 (the merged
 * model of task 0 moved at random), so the test knows both ends. */
static void
test_merge_trainer (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  blip_test_step (tr, BLIP_STEP_TASK);
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  g_autofree float *prev = g_memdup2 (net->params, sizeof (float) * net->n_params);
  BlipRng rng;
  blip_rng_seed (&rng, 2);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] += 0.2f * (float) blip_rng_normal (&rng);
  g_autofree float *trained = g_memdup2 (net->params, sizeof (float) * net->n_params);
  g_autoptr(GError) error = NULL;
  g_assert_true (s->klass->after_task (s, tr, 1, &error));
  g_assert_no_error (error);

  int inside = 0;
  for (gsize i = 0; i < net->n_feature_params; i++)
    {
      float lo = MIN (prev[i], trained[i]), hi = MAX (prev[i], trained[i]);
      if (!(net->params[i] >= lo - 1e-6f && net->params[i] <= hi + 1e-6f))
        g_error ("param %zu: %g is outside [%g, %g]", i, net->params[i], lo, hi);
      inside += net->params[i] > lo + 1e-4f && net->params[i] < hi - 1e-4f;
    }
  g_test_message ("%d of %zu feature parameters strictly between", inside, net->n_feature_params);
  g_assert_cmpint (inside, >, (int) net->n_feature_params / 2);
  g_assert_cmpmem (net->params + net->n_feature_params,
                   (net->n_params - net->n_feature_params) * sizeof (float),
                   trained + net->n_feature_params,
                   (net->n_params - net->n_feature_params) * sizeof (float));
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_penalty (void)
{
  BlipConfig c;
  small_config (&c);
  c.imm_lambda = 0.5;
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  BlipRng rng;
  blip_rng_seed (&rng, 8);
  g_autofree float *delta = g_new (float, net->n_params);
  for (gsize i = 0; i < net->n_params; i++)
    delta[i] = 0.1f * (float) blip_rng_normal (&rng);

  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] += delta[i];
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), ==, 0.0);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] -= delta[i];

  blip_test_step (tr, BLIP_STEP_TASK);
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), ==, 0.0);
  double expect = 0.0;
  for (gsize i = 0; i < net->n_params; i++)
    {
      net->params[i] += delta[i];
      expect += 0.25 * (double) delta[i] * delta[i];
    }
  double p = s->klass->penalty (s, net, NULL);
  g_assert_cmpfloat (fabs (p - expect), <, 1e-4 * expect);

  g_autofree float *grads = g_new0 (float, net->n_params);
  s->klass->penalty (s, net, grads);
  for (gsize i = 0; i < net->n_params; i += 7)
    {
      float saved = net->params[i];
      const float h = 1e-2f;
      net->params[i] = saved + h;
      double lp = s->klass->penalty (s, net, NULL);
      net->params[i] = saved - h;
      double lm = s->klass->penalty (s, net, NULL);
      net->params[i] = saved;
      double fd = (lp - lm) / (2 * h);
      if (fabs (fd - grads[i]) > 1e-3 + 1e-2 * fabs (fd))
        g_error ("param %zu: analytic %.6g, finite difference %.6g", i, grads[i], fd);
    }
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_memory (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpuint (blip_strategy_memory_bytes (blip_trainer_get_strategy (tr)), ==,
                    (net->n_feature_params + net->n_params) * sizeof (float));
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imm/merge/golden", test_merge_golden);
  g_test_add_func ("/imm/merge/trainer", test_merge_trainer);
  g_test_add_func ("/imm/penalty", test_penalty);
  g_test_add_func ("/imm/memory", test_memory);
  return g_test_run ();
}
