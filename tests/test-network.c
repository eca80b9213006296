/* test-network.c — the network as a whole: finite-difference gradients of the
 * loss through every feature layer and the head, the batched per-sample Fisher
 * against a brute-force loop over single samples, frozen layers, and the
 * straight-through (quantized) forward; the same for convolutional chains
 * (conv, max pooling, dropout) and the reference's AlexNet shapes. */
#include "blip.h"

#include <math.h>
#include <string.h>

typedef struct {
  BlipNetwork *net;
  float       *x;
  gint32      *y;
  int          B;
  int          in;
} Fixture;

static void
fixture_init (Fixture *f, int B, int in, const int *hidden, int n_hidden, gboolean quantized)
{
  BlipRng rng;
  blip_rng_seed (&rng, 7);
  int classes[2] = { 3, 4 };
  f->net = blip_network_new_mlp (in, hidden, n_hidden, classes, 2, quantized, 20, 1e-15, &rng, 64);
  f->B = B;
  f->in = in;
  f->x = g_new (float, (gsize) B * in);
  f->y = g_new (gint32, B);
  for (int i = 0; i < B * in; i++)
    f->x[i] = (float) blip_rng_normal (&rng);
  for (int b = 0; b < B; b++)
    f->y[b] = blip_rng_below (&rng, 3);
  /* Non-zero biases so their gradients are exercised, and the ReLUs see both signs. */
  for (int i = 0; i < f->net->n_layers; i++)
    for (int o = 0; o < f->net->layers[i].out_dim; o++)
      f->net->layers[i].bias[o] = 0.1f * (float) blip_rng_normal (&rng);
}

static void
fixture_clear (Fixture *f)
{
  blip_network_free (f->net);
  g_free (f->x);
  g_free (f->y);
}

static double
mean_loss (Fixture *f, int head)
{
  blip_network_forward (f->net, f->x, f->B, head);
  return blip_network_loss (f->net, f->y, f->B, head, NULL) / f->B;
}

/* Central differences on every parameter of the feature layers and head 0. */
static void
test_gradients (void)
{
  int hidden[2] = { 7, 5 };
  Fixture f;
  fixture_init (&f, 4, 6, hidden, 2, TRUE);
  BlipNetwork *net = f.net;
  mean_loss (&f, 0);
  blip_network_loss_backward (net, f.y, f.B, 0, 1.0f / f.B);
  blip_network_backward (net, f.x, f.B, 0);
  float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);

  gsize checked = 0;
  gsize end = net->heads[0].offset + net->heads[0].n_weight + net->heads[0].n_bias;
  for (gsize i = 0; i < end; i++)
    {
      float saved = net->params[i];
      const float h = 1e-3f;
      net->params[i] = saved + h;
      double lp = mean_loss (&f, 0);
      net->params[i] = saved - h;
      double lm = mean_loss (&f, 0);
      net->params[i] = saved;
      double fd = (lp - lm) / (2 * h);
      double err = fabs (fd - grads[i]);
      if (err > 2e-3 + 2e-2 * fabs (fd))
        g_error ("param %zu: analytic %.6g, finite difference %.6g", i, grads[i], fd);
      checked++;
    }
  g_assert_cmpuint (checked, ==, (6 * 7 + 7) + (7 * 5 + 5) + (5 * 3 + 3));
  g_free (grads);
  fixture_clear (&f);
}

/* Σ_n (∂ℓ_n/∂θ)² computed by one GEMM per layer equals the loop over samples. */
static void
test_fisher_brute_force (void)
{
  int hidden[2] = { 9, 6 };
  Fixture f;
  fixture_init (&f, 12, 8, hidden, 2, TRUE);
  BlipNetwork *net = f.net;
  gsize nf = net->n_feature_params;
  const float scale = 0.25f, loss_scale = 1.0f / f.B;

  float *batched = g_new0 (float, nf);
  blip_network_forward (net, f.x, f.B, 1);
  blip_network_loss (net, f.y, f.B, 1, NULL);
  blip_network_loss_backward (net, f.y, f.B, 1, loss_scale);
  blip_network_fisher_backward (net, f.x, f.B, 1, scale, batched);

  double *brute = g_new0 (double, nf);
  for (int n = 0; n < f.B; n++)
    {
      blip_network_forward (net, f.x + (gsize) n * f.in, 1, 1);
      blip_network_loss (net, f.y + n, 1, 1, NULL);
      /* the gradient of sample n's share of the batch-mean loss */
      blip_network_loss_backward (net, f.y + n, 1, 1, loss_scale);
      blip_network_backward (net, f.x + (gsize) n * f.in, 1, 1);
      for (gsize i = 0; i < nf; i++)
        brute[i] += scale * (double) net->grads[i] * net->grads[i];
    }
  double max_rel = 0;
  int nonzero = 0;
  for (gsize i = 0; i < nf; i++)
    {
      double d = fabs (batched[i] - brute[i]);
      max_rel = MAX (max_rel, d / (fabs (brute[i]) + 1e-12));
      nonzero += brute[i] > 0;
    }
  g_assert_cmpfloat (max_rel, <, 1e-4);
  g_assert_cmpint (nonzero, >, (int) nf / 2);
  g_free (batched);
  g_free (brute);
  fixture_clear (&f);
}

static void
test_frozen (void)
{
  int hidden[2] = { 5, 4 };
  Fixture f;
  fixture_init (&f, 3, 6, hidden, 2, FALSE);
  BlipNetwork *net = f.net;
  net->layers[0].frozen = TRUE;
  memset (net->grads, 0x7f, sizeof (float) * net->n_params);   /* poison */
  mean_loss (&f, 0);
  blip_network_loss_backward (net, f.y, f.B, 0, 1.0f / f.B);
  blip_network_backward (net, f.x, f.B, 0);
  /* The frozen layer's gradient is not written; the one above it is. */
  g_assert_cmpfloat (net->layers[0].grad_weight[0], >, 1e30f);
  g_assert_cmpfloat (fabsf (net->layers[1].grad_weight[0]), <, 1e3f);
  fixture_clear (&f);
}

static void
test_quantized_forward (void)
{
  int hidden[1] = { 5 };
  Fixture f;
  fixture_init (&f, 2, 4, hidden, 1, TRUE);
  BlipNetwork *net = f.net;
  const float *z = blip_network_forward (net, f.x, f.B, 0);
  float before[6];
  memcpy (before, z, sizeof before);
  blip_network_set_quantized_forward (net, TRUE);
  const BlipQuantState *q = net->layers[0].quant;
  for (gsize k = 0; k < q->n; k++)
    g_assert_cmpfloat (net->forward_params[k], ==,
                       blip_quant_quantize (net->layers[0].weight[k], 20, blip_quant_state_bound (q, k)));
  z = blip_network_forward (net, f.x, f.B, 0);
  /* 20-bit weights change the logits by a tiny but non-zero amount. */
  double diff = 0;
  for (int i = 0; i < 6; i++)
    diff = MAX (diff, fabs (z[i] - before[i]));
  g_assert_cmpfloat (diff, <, 1e-4);
  /* With a coarse grid the difference must show. */
  for (gsize k = 0; k < q->n; k++)
    net->forward_params[k] = blip_quant_quantize (net->layers[0].weight[k], 2, blip_quant_state_bound (q, k));
  z = blip_network_forward (net, f.x, f.B, 0);
  diff = 0;
  for (int i = 0; i < 6; i++)
    diff = MAX (diff, fabs (z[i] - before[i]));
  g_assert_cmpfloat (diff, >, 1e-3);
  blip_network_set_quantized_forward (net, FALSE);
  g_assert_null (net->forward_params);
  fixture_clear (&f);
}

static void
test_init (void)
{
  /* N(0, 1/fan_in) clamped to ±6/sqrt(fan_in), biases 0, BLIP prior F_prior·fan_in. */
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  int hidden[1] = { 300 }, classes[1] = { 2 };
  BlipNetwork *net = blip_network_new_mlp (400, hidden, 1, classes, 1, TRUE, 20, 1e-15, &rng, 8);
  BlipLayer *l = &net->layers[0];
  double sum = 0, sq = 0;
  float bound = blip_quant_bound_for_fan_in (400);
  for (gsize k = 0; k < l->n_weight; k++)
    {
      g_assert_cmpfloat (fabsf (l->weight[k]), <=, bound);
      sum += l->weight[k];
      sq += (double) l->weight[k] * l->weight[k];
    }
  double mean = sum / l->n_weight, var = sq / l->n_weight - mean * mean;
  g_assert_cmpfloat (fabs (mean), <, 1e-3);
  g_assert_cmpfloat (fabs (var - 1.0 / 400), <, 0.05 / 400);
  for (gsize k = 0; k < l->n_bias; k++)
    g_assert_cmpfloat (l->bias[k], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (l->quant->fisher_old[0], 400e-15, 1e-20);
  g_assert_cmpfloat (l->quant->anchor[0], ==, 0.0f);
  blip_network_free (net);
}

/* ---- Convolutional networks ---------------------------------------------- */

/* 2×9×9 → conv 3 (k3, ReLU) → dropout → maxpool 2 → conv 4 (k2, ReLU) → fc 5
 * (ReLU) → dropout → heads of 3 and 2 classes: every op kind in a small chain. */
static const BlipOpSpec small_conv_spec[] = {
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .relu = TRUE },
  { .kind = BLIP_OP_DROPOUT, .p = 0.3f },
  { .kind = BLIP_OP_MAXPOOL, .k = 2 },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 4, .k = 2, .pad = 1, .relu = TRUE },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 5, .relu = TRUE },
  { .kind = BLIP_OP_DROPOUT, .p = 0.25f },
};

static BlipNetwork *
small_conv_net (float **x, gint32 **y, int B)
{
  BlipRng rng;
  blip_rng_seed (&rng, 11);
  int classes[2] = { 3, 2 };
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (2, 9, 9, small_conv_spec, G_N_ELEMENTS (small_conv_spec),
                                       classes, 2, TRUE, 20, 1e-15, &rng, 16, &error);
  g_assert_no_error (error);
  *x = g_new (float, (gsize) B * net->input_dim);
  *y = g_new (gint32, B);
  for (int i = 0; i < B * net->input_dim; i++)
    (*x)[i] = (float) blip_rng_normal (&rng);
  for (int b = 0; b < B; b++)
    (*y)[b] = blip_rng_below (&rng, 3);
  for (int i = 0; i < net->n_layers; i++)
    for (int o = 0; o < net->layers[i].out_dim; o++)
      net->layers[i].bias[o] = 0.1f * (float) blip_rng_normal (&rng);
  return net;
}

/* The loss with the dropout stream reset to *state, so every evaluation of a
 * finite difference sees the same masks. */
static double
conv_loss (BlipNetwork *net, const BlipRng *state, const float *x, const gint32 *y, int B)
{
  net->dropout_rng = *state;
  blip_network_forward (net, x, B, 0);
  return blip_network_loss (net, y, B, 0, NULL) / B;
}

static void
test_conv_shapes (void)
{
  float *x;
  gint32 *y;
  BlipNetwork *net = small_conv_net (&x, &y, 1);
  g_assert_cmpint (net->n_layers, ==, 3);
  g_assert_cmpint (net->n_ops, ==, 6);
  /* 9 → 7 (k3) → 3 (pool 2, floor) → 4 (k2, pad 1) */
  g_assert_cmpint (net->ops[0].H, ==, 7);
  g_assert_cmpint (net->ops[2].H, ==, 3);
  g_assert_cmpint (net->ops[3].H, ==, 4);
  g_assert_cmpint (net->layers[0].in_dim, ==, 2 * 3 * 3);
  g_assert_cmpint (net->layers[1].in_dim, ==, 3 * 2 * 2);
  g_assert_cmpint (net->layers[2].in_dim, ==, 4 * 4 * 4);
  g_assert_cmpstr (net->layers[0].name, ==, "conv1");
  g_assert_cmpstr (net->layers[2].name, ==, "fc1");
  /* The conv bound uses fan_in = C_in·k·k. */
  g_assert_cmpfloat (net->layers[1].quant->bound_w, ==, blip_quant_bound_for_fan_in (12));
  g_assert_cmpint (net->feat_dim, ==, 5);
  blip_network_free (net);
  g_free (x);
  g_free (y);

  /* The reference's AlexNet on CIFAR with --mul 2: 3×32×32 → conv 128 (k4) 29
   * → 14 → conv 256 (k3) 12 → 6 → conv 512 (k2) 5 → 2, fc 2048·… */
  BlipOpSpec spec[16];
  g_autoptr(GError) error = NULL;
  int n = blip_network_alexnet_spec (3, 32, 32, 2.0, 2048, spec, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 13);
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  int classes[1] = { 2 };
  net = blip_network_new (3, 32, 32, spec, n, classes, 1, TRUE, 20, 5e-16, &rng, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (net->layers[0].out_dim, ==, 128);
  g_assert_cmpint (net->layers[0].in_dim, ==, 3 * 4 * 4);
  g_assert_cmpint (net->layers[1].in_dim, ==, 128 * 3 * 3);
  g_assert_cmpint (net->layers[2].in_dim, ==, 256 * 2 * 2);
  g_assert_cmpint (net->layers[3].in_dim, ==, 512 * 2 * 2);
  g_assert_cmpint (net->feat_dim, ==, 2048);
  /* conv 6,272 + 295,168 + 524,800; fc 4,196,352 + 4,196,352 */
  g_assert_cmpuint (net->n_feature_params, ==, 6272 + 295168 + 524800 + 4196352 + 4196352);
  blip_network_free (net);

  /* mixture5's --mul 0.8: round(51.2) = 51, round(102.4) = 102, round(204.8) = 205 */
  n = blip_network_alexnet_spec (3, 32, 32, 0.8, 1638, spec, &error);
  g_assert_cmpint (spec[0].out, ==, 51);
  g_assert_cmpint (spec[3].out, ==, 102);
  g_assert_cmpint (spec[6].out, ==, 205);

  /* Too small an input is an error, not a crash. */
  g_assert_cmpint (blip_network_alexnet_spec (3, 8, 8, 1.0, 64, spec, &error), ==, 0);
  g_assert_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE);
  g_clear_error (&error);
  BlipOpSpec bad[1] = { { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 2, .k = 5 } };
  g_assert_null (blip_network_new (1, 4, 4, bad, 1, classes, 1, TRUE, 20, 1e-15, &rng, 2, &error));
  g_assert_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "conv1"));
}

/* Central differences through conv, ReLU, dropout (fixed masks), max pooling,
 * a linear layer and the head, in training mode. */
static void
test_conv_gradients (void)
{
  const int B = 3;
  float *x;
  gint32 *y;
  BlipNetwork *net = small_conv_net (&x, &y, B);
  blip_network_set_training (net, TRUE);
  BlipRng state = net->dropout_rng;
  conv_loss (net, &state, x, y, B);
  blip_network_loss_backward (net, y, B, 0, 1.0f / B);
  blip_network_backward (net, x, B, 0);
  float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);

  gsize end = net->heads[0].offset + net->heads[0].n_weight + net->heads[0].n_bias;
  int dropped = 0;
  for (gsize i = 0; i < (gsize) B * net->ops[0].width; i++)
    dropped += net->ops[1].mask[i] == 0.0f;
  g_assert_cmpint (dropped, >, 0);
  for (gsize i = 0; i < end; i++)
    {
      float saved = net->params[i];
      /* float32 activations: a step large enough for the loss to register,
       * small enough that few ReLUs or pooling winners switch */
      const float h = 2e-3f;
      net->params[i] = saved + h;
      double lp = conv_loss (net, &state, x, y, B);
      net->params[i] = saved - h;
      double lm = conv_loss (net, &state, x, y, B);
      net->params[i] = saved;
      double fd = (lp - lm) / (2 * h);
      if (fabs (fd - grads[i]) > 3e-3 + 3e-2 * fabs (fd))
        g_error ("param %zu: analytic %.6g, finite difference %.6g", i, grads[i], fd);
    }
  g_free (grads);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

/* The conv per-sample Fisher of the whole network (evaluation mode, as the
 * reference estimates it) against a loop over single samples. */
static void
test_conv_fisher_brute_force (void)
{
  const int B = 6;
  float *x;
  gint32 *y;
  BlipNetwork *net = small_conv_net (&x, &y, B);
  gsize nf = net->n_feature_params;
  const float scale = 0.5f;
  float *batched = g_new0 (float, nf);
  blip_network_forward (net, x, B, 1);
  blip_network_loss (net, y, B, 1, NULL);
  blip_network_loss_backward (net, y, B, 1, 1.0f);
  blip_network_fisher_backward (net, x, B, 1, scale, batched);

  double *brute = g_new0 (double, nf);
  for (int n = 0; n < B; n++)
    {
      const float *xn = x + (gsize) n * net->input_dim;
      blip_network_forward (net, xn, 1, 1);
      blip_network_loss (net, y + n, 1, 1, NULL);
      blip_network_loss_backward (net, y + n, 1, 1, 1.0f);
      blip_network_backward (net, xn, 1, 1);
      for (gsize i = 0; i < nf; i++)
        brute[i] += scale * (double) net->grads[i] * net->grads[i];
    }
  double max_err = 0, max_val = 0;
  for (gsize i = 0; i < nf; i++)
    {
      max_err = MAX (max_err, fabs (batched[i] - brute[i]));
      max_val = MAX (max_val, fabs (brute[i]));
    }
  g_assert_cmpfloat (max_val, >, 0);
  g_assert_cmpfloat (max_err, <, 1e-5 * max_val);
  g_free (batched);
  g_free (brute);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

/* Dropout is the identity in evaluation mode and keeps the expected scale in
 * training mode; masks come from the network's own stream, deterministically. */
static void
test_dropout_modes (void)
{
  const int B = 16;
  float *x;
  gint32 *y;
  BlipNetwork *net = small_conv_net (&x, &y, B);
  gsize nl = (gsize) B * net->heads[0].out_dim;
  blip_network_forward (net, x, B, 0);
  float *eval1 = g_memdup2 (net->logits, sizeof (float) * nl);
  blip_network_forward (net, x, B, 0);
  g_assert_cmpmem (eval1, sizeof (float) * nl, net->logits, sizeof (float) * nl);

  blip_network_set_training (net, TRUE);
  BlipRng state = net->dropout_rng;
  blip_network_forward (net, x, B, 0);
  float *train1 = g_memdup2 (net->logits, sizeof (float) * nl);
  g_assert_true (memcmp (train1, eval1, sizeof (float) * nl) != 0);
  net->dropout_rng = state;
  blip_network_forward (net, x, B, 0);
  g_assert_cmpmem (train1, sizeof (float) * nl, net->logits, sizeof (float) * nl);
  gsize kept = 0, n = (gsize) B * net->ops[0].width;
  for (gsize i = 0; i < n; i++)
    kept += net->ops[1].mask[i] != 0.0f;
  g_assert_cmpfloat (fabs ((double) kept / n - 0.7), <, 0.05);
  g_free (eval1);
  g_free (train1);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/network/init", test_init);
  g_test_add_func ("/network/gradients", test_gradients);
  g_test_add_func ("/network/fisher-brute-force", test_fisher_brute_force);
  g_test_add_func ("/network/frozen", test_frozen);
  g_test_add_func ("/network/quantized-forward", test_quantized_forward);
  g_test_add_func ("/network/conv-shapes", test_conv_shapes);
  g_test_add_func ("/network/conv-gradients", test_conv_gradients);
  g_test_add_func ("/network/conv-fisher-brute-force", test_conv_fisher_brute_force);
  g_test_add_func ("/network/dropout-modes", test_dropout_modes);
  return g_test_run ();
}
