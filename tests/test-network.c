/* test-network.c — the network as a whole: finite-difference gradients of the
 * loss through every feature layer and the head, the batched per-sample Fisher
 * against a brute-force loop over single samples, frozen layers, and the
 * straight-through (quantized) forward; the same for convolutional chains
 * (conv, max pooling, dropout) and the reference's AlexNet shapes; and for
 * residual networks with batchnorm: gradients in training and evaluation
 * mode, the evaluation-mode Fisher, running statistics, description errors,
 * ResNet-18's shapes and parameter counts, and (with -m perf) the time of one
 * ResNet-18 training batch. */
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
/* The Fisher of the feature layers on head 1, two ways: *batched from one
 * blip_network_fisher_backward over the B samples, *brute from one backward
 * pass per sample, squared and summed. Each sample's loss is scaled by
 * loss_scale, and both sums by scale. */
static void
fisher_two_ways (BlipNetwork *net, const float *x, const gint32 *y, int B,
                 float loss_scale, float scale, float **batched, double **brute)
{
  gsize nf = net->n_feature_params;
  *batched = g_new0 (float, nf);
  blip_network_forward (net, x, B, 1);
  blip_network_loss (net, y, B, 1, NULL);
  blip_network_loss_backward (net, y, B, 1, loss_scale);
  blip_network_fisher_backward (net, x, B, 1, scale, *batched);

  *brute = g_new0 (double, nf);
  for (int n = 0; n < B; n++)
    {
      const float *xn = x + (gsize) n * net->input_dim;
      blip_network_forward (net, xn, 1, 1);
      blip_network_loss (net, y + n, 1, 1, NULL);
      /* the gradient of sample n's share of the batch loss */
      blip_network_loss_backward (net, y + n, 1, 1, loss_scale);
      blip_network_backward (net, xn, 1, 1);
      for (gsize i = 0; i < nf; i++)
        (*brute)[i] += scale * (double) net->grads[i] * net->grads[i];
    }
}

static void
test_fisher_brute_force (void)
{
  int hidden[2] = { 9, 6 };
  Fixture f;
  fixture_init (&f, 12, 8, hidden, 2, TRUE);
  BlipNetwork *net = f.net;
  gsize nf = net->n_feature_params;
  const float scale = 0.25f, loss_scale = 1.0f / f.B;

  float *batched;
  double *brute;
  fisher_two_ways (net, f.x, f.y, f.B, loss_scale, scale, &batched, &brute);
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
  float *batched;
  double *brute;
  fisher_two_ways (net, x, y, B, 1.0f, scale, &batched, &brute);
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

/* ---- Residual networks with batchnorm ------------------------------------ */

/* 2×6×6 → three residual blocks, every kind of join:
 *   0 conv 2 (k3)  1 BN ReLU  2 add the network input, ReLU
 *   3 conv 3 (k3, stride 2)  4 BN ReLU  5 conv 3 (k3, with bias)  6 BN
 *   7 conv 3 (k1, stride 2) reading 2  8 BN  9 add 6, ReLU    (projection)
 *   10 conv 3 (k3)  11 BN  12 add 9, ReLU                      (identity)
 *   13 global average pooling  14 fc 4 (no bias; a ReLU on 3 pooled
 *   non-negative inputs and no bias is easily dead for every sample)
 * then heads of 3 and 2 classes. */
static const BlipOpSpec residual_spec[] = {
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 2, .k = 3, .pad = 1, .no_bias = TRUE },
  { .kind = BLIP_OP_BATCHNORM, .relu = TRUE },
  { .kind = BLIP_OP_ADD, .skip = 3, .relu = TRUE },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .stride = 2, .pad = 1,
    .no_bias = TRUE },
  { .kind = BLIP_OP_BATCHNORM, .relu = TRUE },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .pad = 1 },
  { .kind = BLIP_OP_BATCHNORM },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 1, .stride = 2,
    .no_bias = TRUE, .from = 5 },
  { .kind = BLIP_OP_BATCHNORM },
  { .kind = BLIP_OP_ADD, .skip = 3, .relu = TRUE },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3, .pad = 1, .no_bias = TRUE },
  { .kind = BLIP_OP_BATCHNORM },
  { .kind = BLIP_OP_ADD, .skip = 3, .relu = TRUE },
  { .kind = BLIP_OP_AVGPOOL },
  { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = 4, .no_bias = TRUE },
};

static BlipNetwork *
residual_net (float **x, gint32 **y, int B)
{
  BlipRng rng;
  blip_rng_seed (&rng, 23);
  int classes[2] = { 3, 2 };
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (2, 6, 6, residual_spec, G_N_ELEMENTS (residual_spec),
                                       classes, 2, TRUE, 20, 1e-15, &rng, 16, &error);
  g_assert_no_error (error);
  *x = g_new (float, (gsize) B * net->input_dim);
  *y = g_new (gint32, B);
  for (int i = 0; i < B * net->input_dim; i++)
    (*x)[i] = (float) blip_rng_normal (&rng);
  for (int b = 0; b < B; b++)
    (*y)[b] = blip_rng_below (&rng, 2);
  /* The one conv with a bias gets a non-zero one. */
  BlipLayer *biased = &net->layers[2];
  g_assert_nonnull (biased->bias);
  for (int o = 0; o < biased->out_dim; o++)
    biased->bias[o] = 0.1f * (float) blip_rng_normal (&rng);
  return net;
}

/* Running statistics away from their start (mean 0, variance 1), so
 * evaluation mode is not nearly the identity. */
static void
scramble_running_stats (BlipNetwork *net, guint64 seed)
{
  BlipRng rng;
  blip_rng_seed (&rng, seed);
  for (int i = 0; i < net->n_ops; i++)
    {
      BlipOp *op = &net->ops[i];
      if (op->kind != BLIP_OP_BATCHNORM)
        continue;
      for (int c = 0; c < op->C; c++)
        {
          op->running_mean[c] = 0.3f * (float) blip_rng_normal (&rng);
          op->running_var[c] = 0.5f + blip_rng_uniform (&rng);
        }
    }
}

static double
residual_loss (BlipNetwork *net, const float *x, const gint32 *y, int B)
{
  blip_network_forward (net, x, B, 0);
  return blip_network_loss (net, y, B, 0, NULL) / B;
}

/* Central differences on every feature parameter and head 0. In training mode
 * the loss is normalised by the batch's own statistics, a function of the
 * parameters like any other, so each finite difference sees the same
 * computation as the gradient. Tolerance as in the conv test. A step can
 * carry a ReLU input across 0 (hundreds of them feed each batchnorm), where
 * the central difference averages two slopes: there the gradient must match
 * the one-sided difference on the side without the kink, and such kinks must
 * stay rare. */
static void
check_residual_gradients (BlipNetwork *net, const float *x, const gint32 *y, int B)
{
  residual_loss (net, x, y, B);
  blip_network_loss_backward (net, y, B, 0, 1.0f / B);
  blip_network_backward (net, x, B, 0);
  float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);
  gsize end = net->heads[0].offset + net->heads[0].n_weight + net->heads[0].n_bias;
  int large = 0, kinks = 0;
  for (gsize i = 0; i < end; i++)
    {
      float saved = net->params[i];
      const float h = 2e-3f;
      net->params[i] = saved + h;
      double lp = residual_loss (net, x, y, B);
      net->params[i] = saved - h;
      double lm = residual_loss (net, x, y, B);
      net->params[i] = saved;
      double l0 = residual_loss (net, x, y, B);
      double fd = (lp - lm) / (2 * h);
      double tol = 3e-3 + 3e-2 * fabs (fd);
      if (fabs (fd - grads[i]) > tol)
        {
          double fwd = (lp - l0) / h, bwd = (l0 - lm) / h;
          if (MIN (fabs (fwd - grads[i]), fabs (bwd - grads[i])) > tol)
            g_error ("%s mode, param %zu: analytic %.6g, finite differences %.6g (central), "
                     "%.6g (forward), %.6g (backward)", net->training ? "training" : "evaluation",
                     i, grads[i], fd, fwd, bwd);
          kinks++;
        }
      large += fabs (fd) > 1e-3;
    }
  g_assert_cmpint (kinks, <=, (int) end / 50);
  /* Not a vacuous pass: most gradients are far from zero. */
  g_assert_cmpint (large, >, (int) end / 2);
  g_free (grads);
}

static void
test_residual_gradients (void)
{
  const int B = 4;
  float *x;
  gint32 *y;
  BlipNetwork *net = residual_net (&x, &y, B);
  g_assert_cmpint (net->n_layers, ==, 6);
  /* conv1 3×3 from 2 to 2, conv2 2→3, conv3 3→3 + bias, conv4 1×1 2→3,
   * conv5 3→3, fc1 3→4: no bias but conv3's */
  g_assert_cmpuint (net->n_feature_params, ==, 36 + 54 + 81 + 3 + 6 + 81 + 12);
  g_assert_null (net->layers[0].bias);
  g_assert_cmpuint (net->layers[0].quant->n, ==, net->layers[0].n_weight);

  blip_network_set_training (net, TRUE);
  check_residual_gradients (net, x, y, B);
  /* The bias before a training-mode batchnorm has no effect: its gradient is 0. */
  for (int o = 0; o < 3; o++)
    g_assert_cmpfloat (fabsf (net->layers[2].grad_bias[o]), <, 1e-6f);

  blip_network_set_training (net, FALSE);
  scramble_running_stats (net, 3);
  check_residual_gradients (net, x, y, B);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

/* Evaluation mode: batchnorm is a fixed per-channel affine map, the samples
 * are independent, and the batched per-sample Fisher is exact for every conv
 * (through the shortcuts too) against a loop over single samples. */
static void
test_residual_fisher_brute_force (void)
{
  const int B = 6;
  float *x;
  gint32 *y;
  BlipNetwork *net = residual_net (&x, &y, B);
  scramble_running_stats (net, 5);
  gsize nf = net->n_feature_params;
  const float scale = 0.5f;
  float *batched;
  double *brute;
  fisher_two_ways (net, x, y, B, 1.0f, scale, &batched, &brute);
  double max_err = 0, max_val = 0;
  int nonzero = 0;
  for (gsize i = 0; i < nf; i++)
    {
      max_err = MAX (max_err, fabs (batched[i] - brute[i]));
      max_val = MAX (max_val, fabs (brute[i]));
      nonzero += brute[i] > 0;
    }
  g_assert_cmpfloat (max_val, >, 0);
  g_assert_cmpfloat (max_err, <, 1e-5 * max_val);
  g_assert_cmpint (nonzero, >, (int) nf / 2);
  /* Every layer has Fisher mass, the projection shortcut included. */
  for (int l = 0; l < net->n_layers; l++)
    {
      double s = 0;
      for (gsize k = 0; k < net->layers[l].n_weight; k++)
        s += batched[net->layers[l].offset + k];
      g_assert_cmpfloat (s, >, 0);
    }
  g_free (batched);
  g_free (brute);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

/* Training forwards move the running statistics toward the batch's (PyTorch's
 * momentum 0.1, unbiased variance); evaluation uses them, leaves them alone,
 * and treats each sample on its own; a frozen prefix keeps them. */
static void
test_batchnorm_running_stats (void)
{
  const int B = 5;
  float *x;
  gint32 *y;
  BlipNetwork *net = residual_net (&x, &y, B);
  g_assert_cmpuint (net->n_buffers, ==, 2 * (2 + 3 + 3 + 3 + 3));
  BlipOp *conv = &net->ops[0], *bn = &net->ops[1];
  g_assert_cmpint (bn->kind, ==, BLIP_OP_BATCHNORM);
  g_assert_cmpstr (bn->name, ==, "bn1");
  g_assert_cmpstr (net->ops[11].name, ==, "bn5");
  for (int c = 0; c < bn->C; c++)
    {
      g_assert_cmpfloat (bn->running_mean[c], ==, 0.0f);
      g_assert_cmpfloat (bn->running_var[c], ==, 1.0f);
    }

  /* An evaluation forward does not move them. */
  blip_network_forward (net, x, B, 0);
  g_assert_cmpfloat (bn->running_mean[0], ==, 0.0f);
  g_assert_cmpfloat (bn->running_var[1], ==, 1.0f);

  blip_network_set_training (net, TRUE);
  blip_network_forward (net, x, B, 0);
  int HW = bn->H * bn->W;
  gsize N = (gsize) B * HW;
  for (int c = 0; c < bn->C; c++)
    {
      double s = 0, ss = 0;
      for (int b = 0; b < B; b++)
        for (int k = 0; k < HW; k++)
          s += conv->act[((gsize) b * bn->C + c) * HW + k];
      double mu = s / N;
      for (int b = 0; b < B; b++)
        for (int k = 0; k < HW; k++)
          {
            double d = conv->act[((gsize) b * bn->C + c) * HW + k] - mu;
            ss += d * d;
          }
      g_assert_cmpfloat_with_epsilon (bn->running_mean[c], 0.1 * mu, 1e-6);
      g_assert_cmpfloat_with_epsilon (bn->running_var[c], 0.9 + 0.1 * ss / (N - 1), 1e-6);
      /* The training output is normalised over the batch: mean 0 before the ReLU. */
      g_assert_cmpfloat_with_epsilon (bn->save_mean[c], mu, 1e-5);
    }
  g_assert_true (bn->batch_stats);
  for (int i = 0; i < 4; i++)
    blip_network_forward (net, x, B, 0);
  g_autofree float *stats = g_memdup2 (net->buffers, sizeof (float) * net->n_buffers);

  /* Evaluation: (x − running mean)/sqrt(running var + eps), ReLU. */
  blip_network_set_training (net, FALSE);
  blip_network_forward (net, x, B, 0);
  g_assert_false (bn->batch_stats);
  g_assert_cmpmem (stats, sizeof (float) * net->n_buffers, net->buffers, sizeof (float) * net->n_buffers);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < bn->C; c++)
      for (int k = 0; k < HW; k++)
        {
          gsize at = ((gsize) b * bn->C + c) * HW + k;
          double v = (conv->act[at] - bn->running_mean[c]) / sqrt (bn->running_var[c] + 1e-5);
          g_assert_cmpfloat_with_epsilon (bn->act[at], MAX (v, 0.0), 1e-5);
        }
  /* Each sample alone gives its row of the batch's logits. */
  gsize nc = net->heads[0].out_dim;
  g_autofree float *batch = g_memdup2 (net->logits, sizeof (float) * B * nc);
  for (int b = 0; b < B; b++)
    {
      blip_network_forward (net, x + (gsize) b * net->input_dim, 1, 0);
      for (gsize k = 0; k < nc; k++)
        g_assert_cmpfloat_with_epsilon (net->logits[k], batch[b * nc + k], 1e-5);
    }
  /* In training mode the batch changes each sample's output. */
  blip_network_set_training (net, TRUE);
  blip_network_forward (net, x, 2, 0);
  double diff = 0;
  blip_network_forward (net, x, B, 0);
  g_autofree float *full = g_memdup2 (net->logits, sizeof (float) * B * nc);
  blip_network_forward (net, x, 2, 0);
  for (gsize k = 0; k < 2 * nc; k++)
    diff = MAX (diff, fabs (net->logits[k] - full[k]));
  g_assert_cmpfloat (diff, >, 1e-4);

  /* Below the lowest trainable layer batchnorm stays as in evaluation: with
   * conv1 frozen bn1 keeps its statistics while the others move; with every
   * layer frozen (FT-FIX) none moves. */
  gsize bn1 = 2 * (gsize) bn->C;
  memcpy (stats, net->buffers, sizeof (float) * net->n_buffers);
  net->layers[0].frozen = TRUE;
  blip_network_forward (net, x, B, 0);
  g_assert_false (bn->batch_stats);
  g_assert_true (net->ops[4].batch_stats);
  g_assert_cmpmem (stats, sizeof (float) * bn1, net->buffers, sizeof (float) * bn1);
  g_assert_true (memcmp (stats + bn1, net->buffers + bn1, sizeof (float) * (net->n_buffers - bn1)) != 0);
  memcpy (stats, net->buffers, sizeof (float) * net->n_buffers);
  for (int l = 0; l < net->n_layers; l++)
    net->layers[l].frozen = TRUE;
  blip_network_forward (net, x, B, 0);
  g_assert_cmpmem (stats, sizeof (float) * net->n_buffers, net->buffers, sizeof (float) * net->n_buffers);
  blip_network_free (net);
  g_free (x);
  g_free (y);
}

/* Descriptions that cannot work are errors naming the step. */
static void
test_residual_errors (void)
{
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  int classes[1] = { 2 };
  const BlipOpSpec conv = { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 3, .k = 3,
                            .pad = 1 };
  struct {
    BlipOpSpec  spec[4];
    int         n;
    const char *mention;
  } cases[] = {
    /* 2 input channels + 3 conv channels */
    { { conv, { .kind = BLIP_OP_ADD, .skip = 2 } }, 2, "adds step -1" },
    { { conv, { .kind = BLIP_OP_ADD } }, 2, "adds" },
    { { conv, { .kind = BLIP_OP_BATCHNORM, .from = 3 } }, 2, "before the network input" },
    { { conv, conv, { .kind = BLIP_OP_BATCHNORM, .from = 2 } }, 3, "step 1's output is not read" },
    { { conv, { .kind = BLIP_OP_DROPOUT, .p = 0.5f }, conv, { .kind = BLIP_OP_ADD, .skip = 3 } }, 4,
      "overwrites in place" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      BlipNetwork *net = blip_network_new (2, 5, 5, cases[i].spec, cases[i].n, classes, 1, TRUE, 20,
                                           1e-15, &rng, 2, &error);
      g_assert_null (net);
      g_assert_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE);
      if (strstr (error->message, cases[i].mention) == NULL)
        g_error ("case %zu: “%s” does not mention “%s”", i, error->message, cases[i].mention);
    }
  /* The same shape joins: conv 2→2 plus the network input. */
  BlipOpSpec ok[2] = { conv, { .kind = BLIP_OP_ADD, .skip = 2 } };
  ok[0].out = 2;
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (2, 5, 5, ok, 2, classes, 1, TRUE, 20, 1e-15, &rng, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (net->ops[1].input, ==, 0);
  g_assert_cmpint (net->ops[1].skip, ==, -1);
  blip_network_free (net);
}

/* Stage outputs of a ResNet-18 description: the ops after each stage's last add. */
static void
expect_resnet18 (int C, int H, int nf, int stem, const int stage_hw[4], gsize n_params)
{
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
  g_autoptr(GError) error = NULL;
  int n = blip_network_resnet18_spec (C, H, H, nf, spec, &error);
  g_assert_no_error (error);
  /* stem 2, blocks 5 (identity) or 7 (projection): 5·5 + 3·7, pooling 1 */
  g_assert_cmpint (n, ==, 49);
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  int classes[2] = { 5, 5 };
  BlipNetwork *net = blip_network_new (C, H, H, spec, n, classes, 2, TRUE, 20, 1e-15, &rng, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (net->n_layers, ==, 20);
  g_assert_cmpint (net->ops[0].H, ==, stem);
  int bn = 0, adds = 0;
  for (int i = 0; i < net->n_ops; i++)
    {
      const BlipOp *op = &net->ops[i];
      bn += op->kind == BLIP_OP_BATCHNORM;
      if (op->kind != BLIP_OP_ADD)
        continue;
      /* Two adds per stage; the second closes it. */
      if (adds % 2 == 1)
        {
          g_assert_cmpint (op->C, ==, nf << (adds / 2));
          g_assert_cmpint (op->H, ==, stage_hw[adds / 2]);
          g_assert_cmpint (op->W, ==, stage_hw[adds / 2]);
        }
      adds++;
    }
  g_assert_cmpint (bn, ==, 20);
  g_assert_cmpint (adds, ==, 8);
  g_assert_cmpstr (net->ops[46].name, ==, "bn20");
  g_assert_cmpint (net->feat_dim, ==, 8 * nf);
  g_assert_cmpint (net->ops[n - 1].kind, ==, BLIP_OP_AVGPOOL);
  g_assert_cmpuint (net->n_feature_params, ==, n_params);
  g_assert_cmpuint (net->n_buffers, ==, 2 * (gsize) nf * (1 + 4 * 1 + 5 * 2 + 5 * 4 + 5 * 8));
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      g_assert_cmpint (l->kind, ==, BLIP_LAYER_CONV2D);
      g_assert_cmpuint (l->n_bias, ==, 0);
      /* BLIP covers the weights, with the conv fan-in C_in·k·k. */
      g_assert_cmpuint (l->quant->n, ==, l->n_weight);
      g_assert_cmpint (l->in_dim, ==, l->geom.C_in * l->geom.kh * l->geom.kw);
      g_assert_cmpfloat (l->quant->bound_w, ==, blip_quant_bound_for_fan_in (l->in_dim));
    }
  /* The shortcuts: 1×1, stride 2, reading each stage's input. */
  g_assert_cmpint (net->layers[7].geom.kh, ==, 1);
  g_assert_cmpint (net->layers[7].geom.stride, ==, 2);
  g_assert_cmpint (net->layers[7].geom.C_in, ==, nf);
  blip_network_free (net);
}

static void
test_resnet18_shapes (void)
{
  /* mini-ImageNet, reduced width 20: stem stride 2, 84 → 42 → 42, 21, 11, 6.
   * Weights: stem 3·9·20 = 540; stage 1: 4 × 20·9·20 = 14,400; stage 2:
   * 20·9·40 + 3 × 40·9·40 + 20·40 = 51,200; stage 3: 204,800; stage 4:
   * 819,200 — 1,090,140, the reduced ResNet-18's 1.09M. */
  const int mini[4] = { 42, 21, 11, 6 };
  expect_resnet18 (3, 84, 20, 42, mini, 1090140);
  /* CIFAR, standard width 64: stem stride 1, 32, 16, 8, 4; 11,159,232
   * weights, torchvision's ResNet-18 on CIFAR (11,173,962) less its BN affine
   * parameters (9,600) and classifier (5,130). */
  const int cifar[4] = { 32, 16, 8, 4 };
  expect_resnet18 (3, 32, 64, 32, cifar, 11159232);
  /* Too small an input. */
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (blip_network_resnet18_spec (3, 6, 6, 20, spec, &error), ==, 0);
  g_assert_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE);
}

/* One training batch of ResNet-18 (reduced width 20, and 64) at batch 32 on
 * 3×84×84: forward, loss, backward. Printed, not asserted. */
static void
test_resnet18_timing (void)
{
  if (!g_test_perf ())
    {
      g_test_skip ("timing runs with -m perf");
      return;
    }
  const int B = 32, widths[2] = { 20, 64 };
  for (int w = 0; w < 2; w++)
    {
      BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
      g_autoptr(GError) error = NULL;
      int n = blip_network_resnet18_spec (3, 84, 84, widths[w], spec, &error);
      BlipRng rng;
      blip_rng_seed (&rng, 2);
      int classes[1] = { 5 };
      BlipNetwork *net = blip_network_new (3, 84, 84, spec, n, classes, 1, TRUE, 20, 1e-15, &rng, B, &error);
      g_assert_no_error (error);
      float *x = g_new (float, (gsize) B * net->input_dim);
      gint32 *y = g_new (gint32, B);
      for (gsize i = 0; i < (gsize) B * net->input_dim; i++)
        x[i] = (float) blip_rng_normal (&rng);
      for (int b = 0; b < B; b++)
        y[b] = blip_rng_below (&rng, 5);
      blip_network_set_training (net, TRUE);
      double best = INFINITY, fwd = 0;
      for (int rep = 0; rep < 3; rep++)
        {
          gint64 t0 = g_get_monotonic_time ();
          blip_network_forward (net, x, B, 0);
          blip_network_loss (net, y, B, 0, NULL);
          gint64 t1 = g_get_monotonic_time ();
          blip_network_loss_backward (net, y, B, 0, 1.0f / B);
          blip_network_backward (net, x, B, 0);
          double total = (g_get_monotonic_time () - t0) / 1e3;
          if (total < best)
            {
              best = total;
              fwd = (t1 - t0) / 1e3;
            }
        }
      /* ASCII only: the TAP log escapes the rest */
      g_test_minimized_result (best, "ResNet-18 width %d, 3x84x84, batch %d: one training batch "
                               "%.1f ms (forward %.1f ms, backward %.1f ms), %zu weights, "
                               "best of 3", widths[w], B, best, fwd, best - fwd,
                               net->n_feature_params);
      blip_network_free (net);
      g_free (x);
      g_free (y);
    }
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
  g_test_add_func ("/network/residual-gradients", test_residual_gradients);
  g_test_add_func ("/network/residual-fisher-brute-force", test_residual_fisher_brute_force);
  g_test_add_func ("/network/batchnorm-running-stats", test_batchnorm_running_stats);
  g_test_add_func ("/network/residual-errors", test_residual_errors);
  g_test_add_func ("/network/resnet18-shapes", test_resnet18_shapes);
  g_test_add_func ("/network/resnet18-timing", test_resnet18_timing);
  return g_test_run ();
}
