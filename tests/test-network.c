/* test-network.c — the network as a whole: finite-difference gradients of the
 * loss through every feature layer and the head, the batched per-sample Fisher
 * against a brute-force loop over single samples, frozen layers, and the
 * straight-through (quantized) forward. */
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/network/init", test_init);
  g_test_add_func ("/network/gradients", test_gradients);
  g_test_add_func ("/network/fisher-brute-force", test_fisher_brute_force);
  g_test_add_func ("/network/frozen", test_frozen);
  g_test_add_func ("/network/quantized-forward", test_quantized_forward);
  return g_test_run ();
}
