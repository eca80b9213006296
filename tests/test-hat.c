/* test-hat.c — HAT (blip-strategy-hat.c) and the network's unit gates:
 *   gate/forward    a gated layer's output is the ungated one times its
 *                   unit's gate (an MLP, and a conv net per output channel)
 *   gate/gradients  finite differences of the loss of a gated network, MLP
 *                   and conv: every weight, and the embeddings through the
 *                   gates σ(s·e) with the mask regulariser added
 *   mask-reg        hand-computed values of c·Σ g(1 − m)/Σ (1 − m) and its
 *                   gradient, with and without earlier masks
 *   anneal          the gates seen by a training forward at the epoch's
 *                   first batch are σ(e/s_max) ≈ ½, by evaluation ≈ 0 or 1
 *   protect         after a task, the weights both of whose units the task
 *                   took (mask 1) are bit-identical after the next task,
 *                   while others move; the task's test accuracy is kept
 *   memory          one float per unit per task begun, plus the cumulative mask
 *   unsupported     ResNet-18 (batch normalisation) is refused by name */
#include "blip.h"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

/* ---- gated networks ------------------------------------------------------------- */

#define B_FD 4

typedef struct {
  BlipNetwork *net;
  float       *x;
  gint32      *y;
  float       *e;        /* [n_units] embeddings */
  float       *g;        /* [n_units] gates */
  float       *dg;       /* [n_units] ∂L/∂g from the backward */
  float       *mask_pre; /* [n_units] */
  gsize        n_units;
  gsize       *off;      /* [n_layers] */
  float        s;
} Gated;

static void
gated_set_gates (Gated *f)
{
  for (gsize i = 0; i < f->n_units; i++)
    f->g[i] = (float) (1.0 / (1.0 + exp (-(double) f->s * f->e[i])));
}

static void
gated_init (Gated *f, gboolean conv)
{
  BlipRng rng;
  blip_rng_seed (&rng, 3);
  int classes[2] = { 3, 2 };
  g_autoptr(GError) error = NULL;
  if (conv)
    {
      /* [2, 6, 6] → conv 3×3 (3 channels) → max pool 2 → fc 5 */
      BlipOpSpec spec[] = {
        { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .stride = 1, .relu = TRUE },
        { .kind = BLIP_OP_MAXPOOL, .k = 2 },
        { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 5, .relu = TRUE },
      };
      f->net = blip_network_new (2, 6, 6, spec, 3, classes, 2, FALSE, 20, 1.0, &rng, 16, &error);
    }
  else
    {
      int hidden[2] = { 6, 5 };
      f->net = blip_network_new_mlp (7, hidden, 2, classes, 2, FALSE, 20, 1.0, &rng, 16);
    }
  g_assert_no_error (error);
  BlipNetwork *net = f->net;
  f->off = g_new0 (gsize, net->n_layers);
  for (int l = 0; l < net->n_layers; l++)
    {
      f->off[l] = f->n_units;
      f->n_units += net->layers[l].out_dim;
      for (int o = 0; o < net->layers[l].out_dim; o++)
        net->layers[l].bias[o] = 0.2f * (float) blip_rng_normal (&rng);
    }
  f->x = g_new (float, (gsize) B_FD * net->input_dim);
  f->y = g_new (gint32, B_FD);
  for (int i = 0; i < B_FD * net->input_dim; i++)
    f->x[i] = (float) blip_rng_normal (&rng);
  for (int b = 0; b < B_FD; b++)
    f->y[b] = blip_rng_below (&rng, 3);
  f->e = g_new (float, f->n_units);
  f->g = g_new (float, f->n_units);
  f->dg = g_new0 (float, f->n_units);
  f->mask_pre = g_new (float, f->n_units);
  for (gsize i = 0; i < f->n_units; i++)
    {
      f->e[i] = (float) blip_rng_normal (&rng);
      f->mask_pre[i] = blip_rng_uniform (&rng);
    }
  f->s = 1.5f;
  gated_set_gates (f);
  for (int l = 0; l < net->n_layers; l++)
    blip_network_set_gate (net, l, f->g + f->off[l], f->dg + f->off[l]);
}

static void
gated_clear (Gated *f)
{
  blip_network_free (f->net);
  g_free (f->x);
  g_free (f->y);
  g_free (f->e);
  g_free (f->g);
  g_free (f->dg);
  g_free (f->mask_pre);
  g_free (f->off);
}

/* Mean cross-entropy on head 0 plus HAT's regulariser, at the current e. */
static double
gated_loss (Gated *f)
{
  gated_set_gates (f);
  blip_network_forward (f->net, f->x, B_FD, 0);
  return blip_network_loss (f->net, f->y, B_FD, 0, NULL) / B_FD +
         blip_hat_mask_reg (f->g, f->mask_pre, f->n_units, 0.75, NULL);
}

static void
test_gate_forward (gconstpointer data)
{
  gboolean conv = GPOINTER_TO_INT (data);
  Gated f = { 0 };
  gated_init (&f, conv);
  BlipNetwork *net = f.net;
  /* The first layer's output with and without its gate. */
  blip_network_forward (net, f.x, B_FD, 0);
  const BlipOp *op = &net->ops[0];
  g_autofree float *gated = g_memdup2 (op->act, sizeof (float) * B_FD * op->width);
  blip_network_set_gate (net, 0, NULL, NULL);
  blip_network_forward (net, f.x, B_FD, 0);
  gsize HW = op->width / op->C;
  int positive = 0;
  for (int b = 0; b < B_FD; b++)
    for (int c = 0; c < op->C; c++)
      for (gsize k = 0; k < HW; k++)
        {
          gsize i = ((gsize) b * op->C + c) * HW + k;
          g_assert_cmpfloat_with_epsilon (gated[i], op->act[i] * f.g[c], 1e-6);
          positive += op->act[i] > 0;
        }
  g_assert_cmpint (positive, >, 0);
  gated_clear (&f);
}

static void
test_gate_gradients (gconstpointer data)
{
  gboolean conv = GPOINTER_TO_INT (data);
  Gated f = { 0 };
  gated_init (&f, conv);
  BlipNetwork *net = f.net;

  /* Analytic: the network's backward gives the weights' gradients and ∂CE/∂g;
   * the regulariser adds to ∂/∂g; then through σ(s·e). */
  gated_loss (&f);
  blip_network_loss_backward (net, f.y, B_FD, 0, 1.0f / B_FD);
  blip_network_backward (net, f.x, B_FD, 0);
  g_autofree float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);
  blip_hat_mask_reg (f.g, f.mask_pre, f.n_units, 0.75, f.dg);
  g_autofree float *de = g_new (float, f.n_units);
  blip_hat_gate_backward (f.g, f.dg, f.s, f.n_units, de);

  gsize end = net->heads[0].offset + net->heads[0].n_weight + net->heads[0].n_bias;
  int significant = 0;
  for (gsize i = 0; i < end; i++)
    {
      if (i >= net->n_feature_params && i < net->heads[0].offset)
        continue;
      float saved = net->params[i];
      const float h = 1e-3f;
      net->params[i] = saved + h;
      double lp = gated_loss (&f);
      net->params[i] = saved - h;
      double lm = gated_loss (&f);
      net->params[i] = saved;
      double fd = (lp - lm) / (2 * h);
      if (fabs (fd - grads[i]) > 2e-3 + 2e-2 * fabs (fd))
        g_error ("param %zu: analytic %.6g, finite difference %.6g", i, grads[i], fd);
      significant += fabs (fd) > 1e-3;
    }
  g_assert_cmpint (significant, >, (int) end / 4);

  int moving = 0;
  for (gsize i = 0; i < f.n_units; i++)
    {
      float saved = f.e[i];
      const float h = 1e-3f;
      f.e[i] = saved + h;
      double lp = gated_loss (&f);
      f.e[i] = saved - h;
      double lm = gated_loss (&f);
      f.e[i] = saved;
      double fd = (lp - lm) / (2 * h);
      if (fabs (fd - de[i]) > 1e-3 + 2e-2 * fabs (fd))
        g_error ("embedding %zu: analytic %.6g, finite difference %.6g", i, de[i], fd);
      moving += fabs (fd) > 1e-3;
    }
  g_assert_cmpint (moving, ==, (int) f.n_units);
  gated_clear (&f);
}

/* ---- the regulariser on hand-made numbers --------------------------------------- */

static void
test_mask_reg (void)
{
  const float g[3] = { 0.5f, 1.0f, 0.25f }, m[3] = { 0.0f, 1.0f, 0.5f };
  float dg[3] = { 1.0f, 1.0f, 1.0f };
  /* Unused shares 1, 0, 0.5 (Σ 1.5): 0.75·(0.5 + 0.125)/1.5 = 0.3125 */
  g_assert_cmpfloat_with_epsilon (blip_hat_mask_reg (g, m, 3, 0.75, dg), 0.3125, 1e-7);
  /* Gradient 0.75·(1 − m)/1.5, added to what was there. */
  g_assert_cmpfloat_with_epsilon (dg[0], 1.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (dg[1], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (dg[2], 1.25f, 1e-6);
  /* The first task: 0.75·1.75/3 */
  g_assert_cmpfloat_with_epsilon (blip_hat_mask_reg (g, NULL, 3, 0.75, NULL), 0.4375, 1e-7);
  /* Every unit taken: nothing to regularise, no NaN. */
  const float full[3] = { 1.0f, 1.0f, 1.0f };
  g_assert_cmpfloat (blip_hat_mask_reg (g, full, 3, 0.75, NULL), ==, 0.0);
  /* σ'(s·e)·s at g = ½, s = 4: dg·4·¼ */
  float half[1] = { 0.5f }, one[1] = { 2.0f }, de[1];
  blip_hat_gate_backward (half, one, 4.0f, 1, de);
  g_assert_cmpfloat_with_epsilon (de[0], 2.0f, 1e-7);
}

/* ---- the strategy on a trainer ---------------------------------------------------- */

#define SYN_DIM   24
#define SYN_TRAIN 200
#define SYN_TEST  100

static void
small_config (BlipConfig *c)
{
  blip_test_synthetic_config (c, "hat");
  c->nepochs = 4;
  c->ndim = 32;
}

/* The gates a forward of the first layer used, read back through its output. */
static void
test_anneal (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  const float *gate = net->ops[0].gate;
  g_assert_nonnull (gate);
  int n = net->layers[0].out_dim;

  BlipBatchInfo first = { .task = 0, .training = TRUE, .first = 0, .n_samples = SYN_TRAIN };
  s->klass->before_forward (s, tr, &first);
  for (int u = 0; u < n; u++)
    /* s = 1/400 and |e| ≤ 6: σ within 0.015/4 of ½ */
    g_assert_cmpfloat (fabsf (gate[u] - 0.5f), <, 0.004f);

  BlipBatchInfo eval = { .task = 0, .training = FALSE };
  s->klass->before_forward (s, tr, &eval);
  int binary = 0;
  for (int u = 0; u < n; u++)
    binary += gate[u] < 1e-3f || gate[u] > 1.0f - 1e-3f;
  g_assert_cmpint (binary, >=, n * 9 / 10);

  /* Half-way through the epoch: s ≈ 200, still mostly saturated. */
  BlipBatchInfo mid = { .task = 0, .training = TRUE, .first = SYN_TRAIN / 2, .n_samples = SYN_TRAIN };
  s->klass->before_forward (s, tr, &mid);
  binary = 0;
  for (int u = 0; u < n; u++)
    binary += gate[u] < 1e-2f || gate[u] > 1.0f - 1e-2f;
  g_assert_cmpint (binary, >=, n * 8 / 10);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* The cumulative mask after task 0, recomputed from the gates of an
 * evaluation forward (s = s_max) of task 0. */
static void
task_mask (BlipTrainer *tr, int task, float **masks)
{
  BlipNetwork *net = blip_trainer_get_network (tr);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  BlipBatchInfo eval = { .task = task, .training = FALSE };
  s->klass->before_forward (s, tr, &eval);
  for (int l = 0; l < net->n_layers; l++)
    masks[l] = g_memdup2 (net->ops[l].gate, sizeof (float) * net->layers[l].out_dim);
}

static void
test_protect (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  blip_test_step (tr, BLIP_STEP_TASK);
  g_assert_cmpint (net->n_layers, ==, 1);
  float *mask[1];
  task_mask (tr, 0, mask);
  g_autofree float *before = g_memdup2 (net->params, sizeof (float) * net->n_feature_params);
  double acc0 = blip_trainer_get_acc_matrix (tr)[0];
  blip_test_step (tr, BLIP_STEP_TASK);

  const BlipLayer *l = &net->layers[0];
  int kept = 0, moved = 0, taken = 0;
  for (int o = 0; o < l->out_dim; o++)
    {
      taken += mask[0][o] == 1.0f;
      for (int k = 0; k < l->in_dim; k++)
        {
          gsize i = (gsize) o * l->in_dim + k;
          if (mask[0][o] == 1.0f)
            {
              if (net->params[i] != before[i])
                g_error ("unit %d (mask 1), weight %d moved: %g → %g", o, k, before[i], net->params[i]);
              kept++;
            }
          else
            moved += net->params[i] != before[i];
        }
    }
  g_test_message ("%d of %d units taken by task 0; %d weights kept, %d moved", taken, l->out_dim,
                  kept, moved);
  g_assert_cmpint (taken, >, 0);
  g_assert_cmpint (taken, <, l->out_dim);
  g_assert_cmpint (moved, >, 0);
  /* Task 0 learnt, and is tested as well after task 1. */
  const double *acc = blip_trainer_get_acc_matrix (tr);
  g_assert_cmpfloat (acc0, >, 0.8);
  g_assert_cmpfloat (fabs (acc[2] - acc0), <=, 0.02);
  g_free (mask[0]);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_memory (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 3, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  gsize units = c.ndim * sizeof (float);
  g_assert_cmpuint (blip_strategy_memory_bytes (s), ==, units);
  blip_test_step (tr, BLIP_STEP_TASK);
  g_assert_cmpuint (blip_strategy_memory_bytes (s), ==, 2 * units);
  blip_test_step (tr, BLIP_STEP_TASK);
  g_assert_cmpuint (blip_strategy_memory_bytes (s), ==, 3 * units);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_unsupported (void)
{
  BlipConfig c;
  small_config (&c);
  g_free (c.arch);
  c.arch = g_strdup ("resnet18");
  g_autoptr(GError) error = NULL;
  /* The synthetic 64-dimensional samples seen as 1×8×8 images. */
  BlipExperiment *e = blip_experiment_new_synthetic (2, 2, 64, 40, 20, 21);
  e->channels = 1;
  e->height = e->width = 8;
  BlipStrategy *s = blip_strategy_new ("hat", &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_null (tr);
  g_assert_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "resnet18"));
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/hat/gate/forward/mlp", GINT_TO_POINTER (FALSE), test_gate_forward);
  g_test_add_data_func ("/hat/gate/forward/conv", GINT_TO_POINTER (TRUE), test_gate_forward);
  g_test_add_data_func ("/hat/gate/gradients/mlp", GINT_TO_POINTER (FALSE), test_gate_gradients);
  g_test_add_data_func ("/hat/gate/gradients/conv", GINT_TO_POINTER (TRUE), test_gate_gradients);
  g_test_add_func ("/hat/mask-reg", test_mask_reg);
  g_test_add_func ("/hat/anneal", test_anneal);
  g_test_add_func ("/hat/protect", test_protect);
  g_test_add_func ("/hat/memory", test_memory);
  g_test_add_func ("/hat/unsupported", test_unsupported);
  return g_test_run ();
}
