/* test-halrp.c — HALRP (blip-halrp.h, blip-strategy-halrp.c):
 *   compose      W_t = diag(r)·W0·diag(s) + B·A by hand for a conv view
 *   gradients    dr, ds, dB, dA from the network's dL/dW match central
 *                differences of the loss through a conv and a linear layer
 *   fit          the least-squares scales and discrepancy on hand cases
 *   ranks        the global, importance-weighted selection on a hand case
 *   prune        numpy's percentile and the threshold with its floor
 *   config       --optimizer and --lr-gamma range checks
 *   checkpoint   a run saved in the low-rank phase of task 2 and resumed
 *                ends with the same accuracy matrix as the uninterrupted run
 *   end to end   MNIST-5 (a subset; synthetic tasks when MNIST is absent):
 *                every task well above chance, BWT ≥ −1%, memory growing. */
#include "blip.h"
#include "blip-halrp.h"
#include "blip-test-util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void
test_compose_hand (void)
{
  /* out 2, in_s 2, kk 2, rank 1. */
  const float w0[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  const float r[2] = { 2, -1 }, s[2] = { 0.5f, 3 }, B[2] = { 1, 2 }, A[2] = { 10, 100 };
  float w[8], scratch[4];
  blip_halrp_compose (2, 2, 2, 1, w0, r, s, B, A, w, scratch);
  /* w[o, c·2 + p] = r[o]·w0·s[c] + B[o]·A[c] */
  const float expected[8] = { 2 * 1 * 0.5f + 10, 2 * 2 * 0.5f + 10, 2 * 3 * 3 + 100, 2 * 4 * 3 + 100,
                              -5 * 0.5f + 20, -6 * 0.5f + 20, -7 * 3 + 200, -8 * 3 + 200 };
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (w[i], expected[i], 1e-5);
}

static float
frand (BlipRng *rng, float scale)
{
  return scale * (2.0f * blip_rng_uniform (rng) - 1.0f);
}

/* Loss of the network on a fixed batch with layer `li`'s weights composed from theta. */
static double
loss_with (BlipNetwork *net, int li, int in_s, int kk, int rank, const float *w0, const float *theta,
           const float *x, const gint32 *y, int B, float *scratch)
{
  BlipLayer *l = &net->layers[li];
  const float *r = theta, *s = r + l->out_dim, *Bm = s + in_s, *A = Bm + l->out_dim * rank;
  blip_halrp_compose (l->out_dim, in_s, kk, rank, w0, r, s, Bm, A, l->weight, scratch);
  blip_network_forward (net, x, B, 0);
  return blip_network_loss (net, y, B, 0, NULL);
}

static void
test_gradients (void)
{
  /* conv 3×3 (2 → 3 channels, padding 1) on 2×5×5, then linear → 6, head of 3. */
  const BlipOpSpec spec[] = {
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .stride = 1, .pad = 1, .relu = TRUE },
    { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 6, .relu = TRUE },
  };
  const int classes[1] = { 3 };
  BlipRng rng;
  blip_rng_seed (&rng, 5);
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (2, 5, 5, spec, 2, classes, 1, FALSE, 20, 1e-15, &rng, 4, &error);
  g_assert_no_error (error);
  const int B = 4;
  float *x = g_new (float, B * net->input_dim);
  for (int i = 0; i < B * net->input_dim; i++)
    x[i] = frand (&rng, 1.0f);
  const gint32 y[4] = { 0, 2, 1, 2 };
  for (int li = 0; li < 2; li++)
    {
      BlipLayer *l = &net->layers[li];
      int in_s = l->kind == BLIP_LAYER_CONV2D ? l->geom.C_in : l->in_dim, kk = l->in_dim / in_s;
      int rank = 2, out = l->out_dim;
      gsize n_theta = out + in_s + (gsize) rank * (out + in_s);
      float *w0 = g_new (float, l->n_weight), *theta = g_new (float, n_theta);
      float *grad = g_new (float, n_theta), *scratch = g_new (float, out * in_s);
      for (gsize j = 0; j < l->n_weight; j++)
        w0[j] = frand (&rng, 0.5f);
      for (gsize j = 0; j < n_theta; j++)
        theta[j] = (j < (gsize) out + in_s ? 1.0f : 0.0f) + frand (&rng, 0.3f);
      loss_with (net, li, in_s, kk, rank, w0, theta, x, y, B, scratch);
      blip_network_loss_backward (net, y, B, 0, 1.0f);
      blip_network_backward (net, x, B, 0);
      float *r = theta, *s = r + out, *Bm = s + in_s, *A = Bm + out * rank;
      float *dr = grad, *ds = dr + out, *dB = ds + in_s, *dA = dB + out * rank;
      blip_halrp_backprop (out, in_s, kk, rank, w0, r, s, Bm, A, l->grad_weight, dr, ds, dB, dA, scratch);
      double max_err = 0.0, max_grad = 0.0;
      for (gsize j = 0; j < n_theta; j++)
        {
          const float eps = 1e-2f, keep = theta[j];
          theta[j] = keep + eps;
          double lp = loss_with (net, li, in_s, kk, rank, w0, theta, x, y, B, scratch);
          theta[j] = keep - eps;
          double lm = loss_with (net, li, in_s, kk, rank, w0, theta, x, y, B, scratch);
          theta[j] = keep;
          double fd = (lp - lm) / (2 * eps);
          max_err = MAX (max_err, fabs (fd - grad[j]));
          max_grad = MAX (max_grad, fabs (grad[j]));
        }
      g_test_message ("layer %s: max |fd - analytic| %.2e of max gradient %.2e", l->name, max_err, max_grad);
      g_assert_cmpfloat (max_grad, >, 1e-3);
      g_assert_cmpfloat (max_err, <, 2e-2 * max_grad);
      g_free (w0);
      g_free (theta);
      g_free (grad);
      g_free (scratch);
    }
  g_free (x);
  blip_network_free (net);
}

static void
test_fit_scales (void)
{
  /* wf = 2·w0: r = 2, s = 1, nothing left. */
  const float w0[4] = { 1, 2, 3, 4 }, wf[4] = { 2, 4, 6, 8 };
  float r[2], s[2], d[4];
  blip_halrp_fit_scales (2, 2, 1, w0, wf, r, s, d);
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpfloat_with_epsilon (r[i], 2.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (s[i], 1.0, 1e-6);
    }
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (d[i], 0.0, 1e-6);
  /* w0 = I, wf = [[1, 1], [0, 3]]: r = (1, 3); s[c] = Σ r·w0·wf / Σ (r·w0)²:
   * s0 = 1·1·1 / 1 = 1, s1 = 3·1·3 / 9 = 1; d = wf − diag(r)·w0 = [[0, 1], [0, 0]]. */
  const float eye[4] = { 1, 0, 0, 1 }, wf2[4] = { 1, 1, 0, 3 };
  blip_halrp_fit_scales (2, 2, 1, eye, wf2, r, s, d);
  g_assert_cmpfloat_with_epsilon (r[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (r[1], 3.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1], 1.0, 1e-6);
  const float dexp[4] = { 0, 1, 0, 0 };
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (d[i], dexp[i], 1e-6);
  /* A conv view (kk = 2): the discrepancy is averaged over kernel positions. */
  const float c0[4] = { 1, 1, 0, 0 }, cf[4] = { 1, 3, 0, 0 };  /* out 1, in_s 2 */
  blip_halrp_fit_scales (1, 2, 2, c0, cf, r, s, d);
  g_assert_cmpfloat_with_epsilon (r[0], 2.0, 1e-6);        /* (1 + 3) / 2 */
  g_assert_cmpfloat_with_epsilon (s[0], 1.0, 1e-6);        /* 2·1 + 2·3 over 4 + 4 */
  g_assert_cmpfloat_with_epsilon (s[1], 0.0, 1e-6);        /* no base weight: 0 / 1e-20 */
  g_assert_cmpfloat_with_epsilon (d[0], 0.0, 1e-6);        /* mean (1 − 2, 3 − 2) */
}

typedef struct {
  double rate;
  int    max_rank;
  int    ranks[2];
} RankCase;

static void
test_select_ranks (void)
{
  /* Layer 0: σ = (3, 1), importance 1, kk 1 → scores 9, 1.
   * Layer 1: σ = (2, 2, 1), importance 0.5, kk 2 → scores 4, 4, 1.
   * Sorted: 9, 4, 4, 1 (layer 0), 1 (layer 1); cumulative shares of 19:
   * .474, .684, .895, .947, 1. */
  const int n_sv[2] = { 2, 3 }, kk[2] = { 1, 2 };
  const float sv[5] = { 3, 1, 2, 2, 1 };
  const double importance[2] = { 1.0, 0.5 };
  const RankCase cases[] = {
    { 0.01, 100, { 1, 1 } },   /* only the first score; layer 1's 0 is raised to 1 */
    { 0.6,  100, { 1, 1 } },   /* .684 > .6 at the second */
    { 0.8,  100, { 1, 2 } },   /* .895 at the third */
    { 0.9,  100, { 2, 2 } },   /* .947 at the fourth: layer 0's 1 wins the tie */
    { 0.95, 100, { 2, 3 } },
    { 0.95, 2,   { 2, 2 } },   /* capped */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int ranks[2];
      blip_halrp_select_ranks (2, n_sv, sv, importance, kk, cases[i].rate, cases[i].max_rank, ranks);
      g_assert_cmpint (ranks[0], ==, cases[i].ranks[0]);
      g_assert_cmpint (ranks[1], ==, cases[i].ranks[1]);
    }
}

static void
test_prune (void)
{
  float v[5] = { 0.5f, -0.1f, 0.3f, -0.2f, 0.05f }, scratch[5], sorted[5];
  memcpy (sorted, (float[5]) { 0.5f, 0.1f, 0.3f, 0.2f, 0.05f }, sizeof sorted);
  g_assert_cmpfloat_with_epsilon (blip_halrp_percentile (sorted, 5, 50), 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (blip_halrp_percentile (sorted, 5, 40), 0.16, 1e-6);  /* 0.1 + 0.6·0.1 */
  g_assert_cmpfloat_with_epsilon (blip_halrp_percentile (sorted, 5, 100), 0.5, 1e-6);
  gsize zeroed;
  double thr = blip_halrp_prune (v, 5, 0.4, 1e-5, scratch, &zeroed);
  g_assert_cmpfloat_with_epsilon (thr, 0.16, 1e-6);
  g_assert_cmpuint (zeroed, ==, 2);
  const float after[5] = { 0.5f, 0, 0.3f, -0.2f, 0 };
  g_assert_cmpmem (v, sizeof v, after, sizeof after);
  /* The floor wins over a lower percentile. */
  thr = blip_halrp_prune (v, 5, 0.0, 0.25, scratch, &zeroed);
  g_assert_cmpfloat_with_epsilon (thr, 0.25, 1e-6);
  g_assert_cmpuint (zeroed, ==, 3);
}

static void
test_config (void)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_validate (&c, NULL));
  GError *error = NULL;
  g_free (c.optimizer);
  c.optimizer = g_strdup ("rmsprop");
  g_assert_false (blip_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "--optimizer"));
  g_clear_error (&error);
  g_free (c.optimizer);
  c.optimizer = g_strdup ("adam");
  c.lr_gamma = 0.0;
  g_assert_false (blip_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "--lr-gamma"));
  g_clear_error (&error);
  c.lr_gamma = 0.999;
  c.halrp_rate = 1.0;
  g_assert_false (blip_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "--halrp-rate"));
  g_clear_error (&error);
  blip_config_clear (&c);
}

static void
small_config (BlipConfig *c)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup ("synthetic");
  g_free (c->approach);
  c->approach = g_strdup ("halrp");
  g_free (c->optimizer);
  c->optimizer = g_strdup ("adam");
  c->lr = 0.003;
  c->lr_gamma = 0.999;
  c->lr_patience = 1000;
  c->seed = 3;
  c->sbatch = 16;
  c->nepochs = 3;
  c->ndim = 16;
}

static void
test_checkpoint_resume (void)
{
  BlipConfig c;
  small_config (&c);
  BlipTrainer *a = blip_test_synthetic_trainer (&c, 3, 24, 160, 60);
  /* Task 1, then the free epoch of task 2 and two batches of its low-rank phase. */
  g_autoptr(GError) error = NULL;
  blip_trainer_step (a, BLIP_STEP_TASK, &error);
  blip_trainer_step (a, BLIP_STEP_EPOCH, &error);
  blip_trainer_step (a, BLIP_STEP_BATCH, &error);
  blip_trainer_step (a, BLIP_STEP_BATCH, &error);
  g_assert_no_error (error);
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "halrp.safetensors", NULL);
  g_assert_true (blip_trainer_save_checkpoint (a, path, &error));
  g_assert_no_error (error);

  BlipTrainer *b = blip_test_synthetic_trainer (&c, 3, 24, 160, 60);
  BlipSafetensors *f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (blip_trainer_load_checkpoint (b, f, &error));
  g_assert_no_error (error);
  blip_safetensors_free (f);
  g_assert_cmpuint (blip_strategy_memory_bytes (blip_trainer_get_strategy (a)), ==,
                    blip_strategy_memory_bytes (blip_trainer_get_strategy (b)));

  g_assert_cmpint (blip_trainer_step (a, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  g_assert_cmpint (blip_trainer_step (b, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  g_assert_no_error (error);
  const double *ma = blip_trainer_get_acc_matrix (a), *mb = blip_trainer_get_acc_matrix (b);
  for (int i = 0; i < 9; i++)
    if (!isnan (ma[i]) || !isnan (mb[i]))
      g_assert_cmpfloat (ma[i], ==, mb[i]);
  const BlipNetwork *na = blip_trainer_get_network (a), *nb = blip_trainer_get_network (b);
  g_assert_cmpmem (na->params, sizeof (float) * na->n_params, nb->params, sizeof (float) * nb->n_params);
  blip_trainer_free (a);
  blip_trainer_free (b);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* Counts the rank messages and checks that each names its task as the
 * progress lines do, 1-based, matching the event's 0-based task. */
static void
on_rank_message (BlipTrainer *trainer, const BlipEvent *event, gpointer user_data)
{
  int *n_rank_messages = user_data;
  int named;
  (void) trainer;
  if (event->type != BLIP_EVENT_MESSAGE || sscanf (event->message, "HALRP task %d: ranks", &named) != 1)
    return;
  g_assert_cmpint (named, ==, event->task + 1);
  g_assert_cmpint (named, >=, 2);   /* the first task trains W0 itself, with no ranks */
  (*n_rank_messages)++;
}

static void
test_end_to_end (void)
{
  const char *root = g_getenv ("BLIP_DATA_DIR");
  g_autofree char *probe = root ? g_build_filename (root, "mnist", "train-images-idx3-ubyte.gz", NULL) : NULL;
  gboolean real = probe != NULL && g_file_test (probe, G_FILE_TEST_EXISTS);
  BlipConfig c;
  small_config (&c);
  g_autoptr(GError) error = NULL;
  BlipExperiment *e;
  if (real)
    {
      g_free (c.experiment);
      c.experiment = g_strdup ("mnist5");
      c.data_dir = g_strdup (root);
      c.train_subset = 1000;
      c.test_subset = 500;
      c.ndim = 100;
      c.sbatch = 32;
      c.lr = 0.001;
      c.lr_gamma = 1.0;
      e = blip_experiment_open (&c, &error);
      g_assert_no_error (error);
    }
  else
    {
      g_test_message ("BLIP_DATA_DIR has no MNIST: synthetic tasks instead");
      e = blip_experiment_new_synthetic (5, 2, 24, 160, 60, 21);
    }
  BlipStrategy *s = blip_strategy_new ("halrp", &error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_no_error (error);
  int n_rank_messages = 0;
  blip_trainer_add_observer (tr, on_rank_message, &n_rank_messages, NULL);
  gsize memory[5];
  for (int t = 0; t < 5; t++)
    {
      g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_TASK, &error), !=, BLIP_STATUS_FAILED);
      g_assert_no_error (error);
      memory[t] = blip_strategy_memory_bytes (blip_trainer_get_strategy (tr));
      if (t > 0)
        g_assert_cmpuint (memory[t], >, memory[t - 1]);
    }
  const double *A = blip_trainer_get_acc_matrix (tr);
  double bwt = 0.0;
  for (int j = 0; j < 5; j++)
    {
      g_test_message ("task %d: %.2f%% after training it, %.2f%% at the end", j, 100 * A[j * 5 + j],
                      100 * A[4 * 5 + j]);
      g_assert_cmpfloat (A[4 * 5 + j], >, 0.8);   /* chance is 0.5 */
      if (j < 4)
        bwt += (A[4 * 5 + j] - A[j * 5 + j]) / 4;
    }
  g_test_message ("BWT %.3f%%, memory %zu bytes after task 1, %zu after task 5", 100 * bwt, memory[0], memory[4]);
  g_assert_cmpfloat (bwt, >=, -0.01);
  g_assert_cmpint (n_rank_messages, ==, 4);   /* tasks 2 to 5 */
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/halrp/compose/hand", test_compose_hand);
  g_test_add_func ("/halrp/gradients/conv-and-linear", test_gradients);
  g_test_add_func ("/halrp/fit-scales", test_fit_scales);
  g_test_add_func ("/halrp/select-ranks", test_select_ranks);
  g_test_add_func ("/halrp/prune", test_prune);
  g_test_add_func ("/halrp/config", test_config);
  g_test_add_func ("/halrp/checkpoint-resume", test_checkpoint_resume);
  g_test_add_func ("/halrp/end-to-end", test_end_to_end);
  return g_test_run ();
}
