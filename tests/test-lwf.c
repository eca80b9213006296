/* test-lwf.c — LwF (blip-strategy-lwf.c):
 *   distill/golden    hand-computed values of the distillation loss and its
 *                     gradient (equal outputs at T = 2: ln 2 exactly;
 *                     uniform old outputs at T = 1)
 *   distill/gradient  finite differences of blip_lwf_distill for T ½, 1, 2
 *   network-gradient  on a trainer after two tasks: the gradient the trainer's
 *                     sequence computes (head backward, the strategy's
 *                     batch_loss into the features and the old heads, the
 *                     features' backward) matches finite differences of
 *                     cross-entropy + λ·distillation for every feature
 *                     parameter and the heads 0..2
 *   old-heads         LwF trains the earlier heads on the distillation
 *                     loss, plain SGD leaves them as they were
 *   copy              the old model's network (blip_network_copy) computes the
 *                     same logits as the original, AlexNet and ResNet-18
 *   memory            one copy of every parameter (the old model) */
#include "blip.h"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

static void
test_distill_golden (void)
{
  /* z = (0, 0), z_old = (2 ln 3, 0) at T = 2: p = (½, ½), q = (¾, ¼); with
   * o = (p + eps/2)/(1 + eps) = (½, ½), the loss is ln 2 exactly, and
   * ∂/∂z = p·(g − Σ p·g)/T with g = −q/(p + eps/2): ∓0.125/(1 + eps). */
  const float z[2] = { 0.0f, 0.0f }, z_old[2] = { (float) (2 * log (3.0)), 0.0f };
  float dz[2];
  double loss = blip_lwf_distill (z, z_old, 1, 2, 2.0, 1.0f, dz);
  g_assert_cmpfloat_with_epsilon (loss, log (2.0), 1e-7);
  g_assert_cmpfloat_with_epsilon (dz[0], -0.12499875, 1e-7);
  g_assert_cmpfloat_with_epsilon (dz[1], 0.12499875, 1e-7);

  /* Two samples: the one above, and z = (1, 0, −1) against uniform old
   * outputs at T = 1 (−⅓·Σ ln p + ln(1 + eps), about p − ⅓) — as a 3-class
   * batch of its own, summed with a scale of ½ on the gradient. */
  const float z3[6] = { 1.0f, 0.0f, -1.0f, 1.0f, 0.0f, -1.0f }, u3[6] = { 0 };
  float dz3[6];
  double loss3 = blip_lwf_distill (z3, u3, 2, 3, 1.0, 0.5f, dz3);
  g_assert_cmpfloat_with_epsilon (loss3, 2 * 1.4075974127535904, 1e-6);
  const double expect[3] = { 0.3318969515357832, -0.08860486221137134, -0.2432920893244119 };
  for (int b = 0; b < 2; b++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat_with_epsilon (dz3[b * 3 + c], 0.5 * expect[c], 1e-6);
}

static void
test_distill_gradient (void)
{
  BlipRng rng;
  blip_rng_seed (&rng, 9);
  enum { B = 3, C = 4 };
  float z[B * C], z_old[B * C], dz[B * C];
  for (int i = 0; i < B * C; i++)
    {
      z[i] = 2.0f * (float) blip_rng_normal (&rng);
      z_old[i] = 2.0f * (float) blip_rng_normal (&rng);
    }
  const double temps[] = { 0.5, 1.0, 2.0 };
  for (gsize t = 0; t < G_N_ELEMENTS (temps); t++)
    {
      blip_lwf_distill (z, z_old, B, C, temps[t], 1.0f, dz);
      for (int i = 0; i < B * C; i++)
        {
          float saved = z[i];
          const float h = 1e-2f;
          z[i] = saved + h;
          double lp = blip_lwf_distill (z, z_old, B, C, temps[t], 1.0f, NULL);
          z[i] = saved - h;
          double lm = blip_lwf_distill (z, z_old, B, C, temps[t], 1.0f, NULL);
          z[i] = saved;
          double fd = (lp - lm) / (2 * h);
          if (fabs (fd - dz[i]) > 1e-4 + 1e-2 * fabs (fd))
            g_error ("T = %g, logit %d: analytic %.6g, finite difference %.6g", temps[t], i, dz[i], fd);
        }
    }
}

/* ---- on a trainer ------------------------------------------------------------------ */

#define SYN_DIM   12
#define SYN_TRAIN 160
#define SYN_TEST  60
#define B_FD      6

static void
small_config (BlipConfig *c, const char *approach)
{
  blip_test_synthetic_config (c, approach);
  c->nepochs = 3;
  c->ndim = 8;
}

/* Cross-entropy on head 2 + the strategy's distillation, batch means. */
static double
total_loss (BlipTrainer *tr, const float *x, const gint32 *y)
{
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  BlipBatchInfo eval = { .task = 2, .training = FALSE };
  blip_network_forward (net, x, B_FD, 2);
  double ce = blip_network_loss (net, y, B_FD, 2, NULL) / B_FD;
  return ce + s->klass->batch_loss (s, tr, &eval, x, B_FD);
}

static void
test_network_gradient (void)
{
  BlipConfig c;
  small_config (&c, "lwf");
  c.lwf_lambda = 1.5;
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 3, SYN_DIM, SYN_TRAIN, SYN_TEST);
  blip_test_step (tr, BLIP_STEP_TASK);
  blip_test_step (tr, BLIP_STEP_TASK);
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  const BlipSplit *split = &blip_trainer_get_experiment (tr)->tasks[2].train;
  float x[B_FD * SYN_DIM];
  gint32 y[B_FD];
  blip_split_gather_range (split, 0, B_FD, x, y);

  /* Move the model away from the old one, so the distillation has a gradient. */
  BlipRng rng;
  blip_rng_seed (&rng, 5);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] += 0.3f * (float) blip_rng_normal (&rng);

  /* The trainer's sequence for a training batch. */
  BlipBatchInfo train = { .task = 2, .training = TRUE, .first = 0, .n_samples = SYN_TRAIN };
  blip_network_forward (net, x, B_FD, 2);
  blip_network_loss (net, y, B_FD, 2, NULL);
  blip_network_loss_backward (net, y, B_FD, 2, 1.0f / B_FD);
  blip_network_head_backward (net, 2, net->dlogits, B_FD, FALSE);
  double distill = s->klass->batch_loss (s, tr, &train, x, B_FD);
  blip_network_features_backward (net, x, B_FD);
  g_assert_cmpfloat (distill, >, 0.01);
  g_autofree float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);

  gsize end = net->heads[2].offset + net->heads[2].n_weight + net->heads[2].n_bias;
  int significant = 0;
  for (gsize i = 0; i < end; i++)
    {
      float saved = net->params[i];
      const float h = 1e-3f;
      net->params[i] = saved + h;
      double lp = total_loss (tr, x, y);
      net->params[i] = saved - h;
      double lm = total_loss (tr, x, y);
      net->params[i] = saved;
      double fd = (lp - lm) / (2 * h);
      if (fabs (fd - grads[i]) > 2e-3 + 2e-2 * fabs (fd))
        g_error ("param %zu: analytic %.6g, finite difference %.6g", i, grads[i], fd);
      significant += fabs (fd) > 1e-3;
    }
  g_test_message ("%d of %zu gradients above 1e-3", significant, end);
  g_assert_cmpint (significant, >, (int) end / 3);
  /* The old heads' gradients come from the distillation alone. */
  double head0 = 0.0;
  for (gsize i = 0; i < net->heads[0].n_weight; i++)
    head0 += fabsf (grads[net->heads[0].offset + i]);
  g_assert_cmpfloat (head0, >, 1e-3);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static const char * const head_cases[] = { "lwf", "sgd" };

static void
test_old_heads (gconstpointer data)
{
  const char *approach = data;
  BlipConfig c;
  small_config (&c, approach);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  blip_test_step (tr, BLIP_STEP_TASK);
  BlipNetwork *net = blip_trainer_get_network (tr);
  const BlipLayer *h = &net->heads[0];
  gsize n = h->n_weight + h->n_bias;
  g_autofree float *before = g_memdup2 (h->weight, sizeof (float) * n);
  blip_test_step (tr, BLIP_STEP_TASK);
  int moved = 0;
  for (gsize i = 0; i < n; i++)
    moved += h->weight[i] != before[i];
  if (g_str_equal (approach, "lwf"))
    g_assert_cmpint (moved, ==, (int) n);
  else
    g_assert_cmpint (moved, ==, 0);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* blip_network_copy rebuilds a network from its ops: the same logits on
 * every head, for a plain chain with dropout and pooling (AlexNet) and for
 * residual branches with batchnorm (ResNet-18). */
static void
test_copy (gconstpointer data)
{
  gboolean resnet = GPOINTER_TO_INT (data);
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
  g_autoptr(GError) error = NULL;
  int n = resnet ? blip_network_resnet18_spec (3, 16, 16, 2, spec, &error)
                 : blip_network_alexnet_spec (3, 16, 16, 0.1, 12, spec, &error);
  g_assert_no_error (error);
  BlipRng rng;
  blip_rng_seed (&rng, 6);
  const int classes[3] = { 2, 5, 3 };
  BlipNetwork *net = blip_network_new (3, 16, 16, spec, n, classes, 3, FALSE, 20, 1.0, &rng, 4, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < net->n_buffers; i++)
    net->buffers[i] = 0.5f + blip_rng_uniform (&rng);
  BlipNetwork *copy = blip_network_copy (net);
  g_assert_cmpuint (copy->n_params, ==, net->n_params);
  g_assert_cmpint (copy->n_ops, ==, net->n_ops);
  float x[4 * 3 * 16 * 16];
  for (gsize i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (float) blip_rng_normal (&rng);
  for (int t = 0; t < 3; t++)
    {
      const float *a = blip_network_forward (net, x, 4, t);
      g_autofree float *la = g_memdup2 (a, sizeof (float) * 4 * classes[t]);
      const float *b = blip_network_forward (copy, x, 4, t);
      g_assert_cmpmem (la, sizeof (float) * 4 * classes[t], b, sizeof (float) * 4 * classes[t]);
    }
  blip_network_free (copy);
  blip_network_free (net);
}

static void
test_memory (void)
{
  BlipConfig c;
  small_config (&c, "lwf");
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpuint (blip_strategy_memory_bytes (blip_trainer_get_strategy (tr)), ==,
                    net->n_params * sizeof (float));
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwf/distill/golden", test_distill_golden);
  g_test_add_func ("/lwf/distill/gradient", test_distill_gradient);
  g_test_add_func ("/lwf/network-gradient", test_network_gradient);
  for (gsize i = 0; i < G_N_ELEMENTS (head_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/lwf/old-heads/%s", head_cases[i]);
      g_test_add_data_func (name, head_cases[i], test_old_heads);
    }
  g_test_add_data_func ("/lwf/copy/alexnet", GINT_TO_POINTER (FALSE), test_copy);
  g_test_add_data_func ("/lwf/copy/resnet18", GINT_TO_POINTER (TRUE), test_copy);
  g_test_add_func ("/lwf/memory", test_memory);
  return g_test_run ();
}
