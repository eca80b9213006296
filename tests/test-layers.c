/* test-layers.c — the layer kernels (blip-layers.h) against references:
 * Linear forward against a naive triple loop; Linear backward (dW, db, din,
 * the accumulate flag) against central finite differences of a scalar loss
 * L = Σ G∘out; fused bias+ReLU and ReLU backward, chained with Linear, against
 * finite differences away from the kinks; softmax cross-entropy against
 * hand-computed losses and hit counts, its probabilities, and its gradient
 * against finite differences. Each (B, K, O) case of a table runs every check. */
#include "blip-layers.h"
#include "blip-rng.h"

#include <math.h>
#include <string.h>

typedef struct {
  int B, K, O;
} Shape;

static const Shape shapes[] = {
  { 1, 1, 1 },
  { 1, 5, 3 },
  { 3, 4, 2 },
  { 4, 7, 5 },
  { 8, 3, 9 },
  { 5, 16, 4 },
};

#define FD_EPS   1e-2f
#define FD_RTOL  1e-2
#define FD_ATOL  1e-3

static void
fill_uniform (BlipRng *rng, float *x, gsize n, float lo, float hi)
{
  for (gsize i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * blip_rng_uniform (rng);
}

/* |analytic − numeric| ≤ rtol·max(|a|, |n|) + atol */
static void
assert_close (const char *what, gsize index, double analytic, double numeric, double rtol, double atol)
{
  double tol = rtol * MAX (fabs (analytic), fabs (numeric)) + atol;
  if (!(fabs (analytic - numeric) <= tol))
    g_error ("%s[%" G_GSIZE_FORMAT "]: analytic %.8g, numeric %.8g (tolerance %.3g)",
             what, index, analytic, numeric, tol);
}

/* Σ G∘out in double. */
static double
dot (const float *g, const float *out, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += (double) g[i] * out[i];
  return s;
}

/* ---- Linear forward vs a triple loop ------------------------------------ */

static void
naive_linear (const float *in, const float *w, const float *b, double *out, int B, int K, int O)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      {
        double s = b ? b[o] : 0.0;
        for (int k = 0; k < K; k++)
          s += (double) in[n * K + k] * w[o * K + k];
        out[n * O + o] = s;
      }
}

static void
test_linear_forward (gconstpointer data)
{
  const Shape *s = data;
  BlipRng rng;
  blip_rng_seed (&rng, s->B * 100 + s->K * 10 + s->O);
  float *in = g_new (float, s->B * s->K), *w = g_new (float, s->O * s->K), *b = g_new (float, s->O);
  float *out = g_new (float, s->B * s->O);
  double *ref = g_new (double, s->B * s->O);
  fill_uniform (&rng, in, s->B * s->K, -1, 1);
  fill_uniform (&rng, w, s->O * s->K, -1, 1);
  fill_uniform (&rng, b, s->O, -1, 1);

  for (int with_bias = 0; with_bias < 2; with_bias++)
    {
      const float *bias = with_bias ? b : NULL;
      /* Garbage in the output: forward must overwrite, not add. */
      for (int i = 0; i < s->B * s->O; i++)
        out[i] = 1e6f;
      blip_linear_forward (in, w, bias, out, s->B, s->K, s->O);
      naive_linear (in, w, bias, ref, s->B, s->K, s->O);
      for (int i = 0; i < s->B * s->O; i++)
        assert_close (with_bias ? "out(bias)" : "out", i, out[i], ref[i], 1e-5, 1e-5);
    }
  g_free (in); g_free (w); g_free (b); g_free (out); g_free (ref);
}

/* ---- Linear backward vs finite differences ------------------------------- */

typedef struct {
  int B, K, O;
  float *in, *w, *b, *g, *out;
} LinearProblem;

static double
linear_loss (LinearProblem *p)
{
  blip_linear_forward (p->in, p->w, p->b, p->out, p->B, p->K, p->O);
  return dot (p->g, p->out, (gsize) p->B * p->O);
}

/* Central difference of linear_loss with respect to x[i]. */
static double
fd_linear (LinearProblem *p, float *x, gsize i)
{
  float saved = x[i];
  x[i] = saved + FD_EPS;
  double lp = linear_loss (p);
  x[i] = saved - FD_EPS;
  double lm = linear_loss (p);
  x[i] = saved;
  return (lp - lm) / ((double) (saved + FD_EPS) - (double) (saved - FD_EPS));
}

static void
test_linear_backward (gconstpointer data)
{
  const Shape *s = data;
  int B = s->B, K = s->K, O = s->O;
  BlipRng rng;
  blip_rng_seed (&rng, 1000 + B * 100 + K * 10 + O);
  LinearProblem p = { B, K, O, g_new (float, B * K), g_new (float, O * K), g_new (float, O),
                      g_new (float, B * O), g_new (float, B * O) };
  fill_uniform (&rng, p.in, B * K, -1, 1);
  fill_uniform (&rng, p.w, O * K, -1, 1);
  fill_uniform (&rng, p.b, O, -1, 1);
  fill_uniform (&rng, p.g, B * O, -1, 1);   /* dL/dout */

  float *dw = g_new (float, O * K), *db = g_new (float, O), *din = g_new (float, B * K);
  /* Garbage first: without accumulate, every output is overwritten. */
  for (int i = 0; i < O * K; i++) dw[i] = 1e6f;
  for (int i = 0; i < O; i++) db[i] = 1e6f;
  for (int i = 0; i < B * K; i++) din[i] = 1e6f;
  blip_linear_backward (p.in, p.w, p.g, dw, db, din, B, K, O, FALSE);

  for (int i = 0; i < O * K; i++)
    assert_close ("dW", i, dw[i], fd_linear (&p, p.w, i), FD_RTOL, FD_ATOL);
  for (int i = 0; i < O; i++)
    assert_close ("db", i, db[i], fd_linear (&p, p.b, i), FD_RTOL, FD_ATOL);
  for (int i = 0; i < B * K; i++)
    assert_close ("din", i, din[i], fd_linear (&p, p.in, i), FD_RTOL, FD_ATOL);

  /* accumulate: the new gradient is added to what is there. */
  float *dw2 = g_new (float, O * K), *db2 = g_new (float, O);
  for (int i = 0; i < O * K; i++) dw2[i] = 0.5f + i;
  for (int i = 0; i < O; i++) db2[i] = -0.25f * i;
  blip_linear_backward (p.in, p.w, p.g, dw2, db2, NULL, B, K, O, TRUE);
  for (int i = 0; i < O * K; i++)
    assert_close ("dW accumulated", i, dw2[i], (0.5f + i) + dw[i], 1e-5, 1e-5);
  for (int i = 0; i < O; i++)
    assert_close ("db accumulated", i, db2[i], -0.25f * i + db[i], 1e-5, 1e-5);

  /* NULL outputs are skipped: dW alone equals the full call's dW. */
  float *dw3 = g_new (float, O * K);
  blip_linear_backward (p.in, p.w, p.g, dw3, NULL, NULL, B, K, O, FALSE);
  g_assert_cmpmem (dw3, sizeof (float) * O * K, dw, sizeof (float) * O * K);

  g_free (dw3); g_free (dw2); g_free (db2);
  g_free (dw); g_free (db); g_free (din);
  g_free (p.in); g_free (p.w); g_free (p.b); g_free (p.g); g_free (p.out);
}

/* ---- bias + ReLU --------------------------------------------------------- */

static void
test_relu_forward (gconstpointer data)
{
  const Shape *s = data;
  int B = s->B, O = s->O;
  BlipRng rng;
  blip_rng_seed (&rng, 2000 + B * 100 + O);
  float *x = g_new (float, B * O), *x0 = g_new (float, B * O), *b = g_new (float, O);
  fill_uniform (&rng, x, B * O, -1, 1);
  fill_uniform (&rng, b, O, -0.5f, 0.5f);
  memcpy (x0, x, sizeof (float) * B * O);

  blip_bias_relu_forward (x, b, B, O);
  int positive = 0, zero = 0;
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      {
        float v = x0[n * O + o] + b[o];
        float expect = v > 0 ? v : 0.0f;
        g_assert_cmpfloat (x[n * O + o], ==, expect);
        positive += expect > 0;
        zero += expect == 0;
      }
  g_assert_cmpint (positive + zero, ==, B * O);

  memcpy (x, x0, sizeof (float) * B * O);
  blip_relu_forward (x, (gsize) B * O);
  for (int i = 0; i < B * O; i++)
    g_assert_cmpfloat (x[i], ==, x0[i] > 0 ? x0[i] : 0.0f);

  g_free (x); g_free (x0); g_free (b);
}

static void
test_relu_backward_table (void)
{
  /* y is a ReLU output; the gradient passes where y > 0 only. */
  const float y[]  = { 0.0f, 1.5f, 0.0f, 1e-30f, 3.0f, 0.0f };
  const float dx[] = { 2.0f, -1.0f, 7.0f, 4.0f, 0.5f, -3.0f };
  const float expect[] = { 0.0f, -1.0f, 0.0f, 4.0f, 0.5f, 0.0f };
  float d[G_N_ELEMENTS (dx)];
  memcpy (d, dx, sizeof d);
  blip_relu_backward (y, d, G_N_ELEMENTS (d));
  for (gsize i = 0; i < G_N_ELEMENTS (d); i++)
    g_assert_cmpfloat (d[i], ==, expect[i]);
}

/* L = Σ G∘relu(in·Wᵀ + b), through blip_linear_forward(bias NULL) and
 * blip_bias_relu_forward, as the network computes a hidden layer. */
static double
relu_layer_loss (LinearProblem *p)
{
  blip_linear_forward (p->in, p->w, NULL, p->out, p->B, p->K, p->O);
  blip_bias_relu_forward (p->out, p->b, p->B, p->O);
  return dot (p->g, p->out, (gsize) p->B * p->O);
}

static double
fd_relu (LinearProblem *p, float *x, gsize i)
{
  float saved = x[i];
  x[i] = saved + FD_EPS;
  double lp = relu_layer_loss (p);
  x[i] = saved - FD_EPS;
  double lm = relu_layer_loss (p);
  x[i] = saved;
  return (lp - lm) / ((double) (saved + FD_EPS) - (double) (saved - FD_EPS));
}

static void
test_relu_layer_backward (gconstpointer data)
{
  const Shape *s = data;
  int B = s->B, K = s->K, O = s->O;
  BlipRng rng;
  blip_rng_seed (&rng, 3000 + B * 100 + K * 10 + O);
  LinearProblem p = { B, K, O, g_new (float, B * K), g_new (float, O * K), g_new (float, O),
                      g_new (float, B * O), g_new (float, B * O) };
  fill_uniform (&rng, p.in, B * K, -1, 1);
  fill_uniform (&rng, p.w, O * K, -1, 1);
  fill_uniform (&rng, p.b, O, -0.3f, 0.3f);
  p.b[0] = 1.5f;   /* keeps unit 0 active for most samples, even with K = 1 */
  fill_uniform (&rng, p.g, B * O, -1, 1);

  /* Pre-activations, to know which perturbations could cross the kink at 0. */
  double *z = g_new (double, B * O);
  naive_linear (p.in, p.w, p.b, z, B, K, O);

  relu_layer_loss (&p);
  float *y = g_memdup2 (p.out, sizeof (float) * B * O);
  float *dz = g_memdup2 (p.g, sizeof (float) * B * O);
  blip_relu_backward (y, dz, (gsize) B * O);
  /* Some units must be active, or every gradient would be a trivial 0. */
  int active = 0;
  for (int i = 0; i < B * O; i++)
    active += y[i] > 0 && dz[i] == p.g[i];
  g_assert_cmpint (active, >, 0);
  float *dw = g_new (float, O * K), *db = g_new (float, O), *din = g_new (float, B * K);
  blip_linear_backward (p.in, p.w, dz, dw, db, din, B, K, O, FALSE);

  int checked = 0, skipped = 0;
  /* W[o,k] moves z[n,o] by ±eps·in[n,k] for every n. */
  for (int o = 0; o < O; o++)
    for (int k = 0; k < K; k++)
      {
        gboolean near_kink = FALSE;
        for (int n = 0; n < B; n++)
          near_kink |= fabs (z[n * O + o]) <= 2.0 * FD_EPS * fabs (p.in[n * K + k]) + 1e-4;
        if (near_kink) { skipped++; continue; }
        assert_close ("relu dW", o * K + k, dw[o * K + k], fd_relu (&p, p.w, o * K + k), FD_RTOL, FD_ATOL);
        checked++;
      }
  /* b[o] moves z[n,o] by ±eps. */
  for (int o = 0; o < O; o++)
    {
      gboolean near_kink = FALSE;
      for (int n = 0; n < B; n++)
        near_kink |= fabs (z[n * O + o]) <= 2.0 * FD_EPS + 1e-4;
      if (near_kink) { skipped++; continue; }
      assert_close ("relu db", o, db[o], fd_relu (&p, p.b, o), FD_RTOL, FD_ATOL);
      checked++;
    }
  /* in[n,k] moves z[n,o] by ±eps·W[o,k] for every o. */
  for (int n = 0; n < B; n++)
    for (int k = 0; k < K; k++)
      {
        gboolean near_kink = FALSE;
        for (int o = 0; o < O; o++)
          near_kink |= fabs (z[n * O + o]) <= 2.0 * FD_EPS * fabs (p.w[o * K + k]) + 1e-4;
        if (near_kink) { skipped++; continue; }
        assert_close ("relu din", n * K + k, din[n * K + k], fd_relu (&p, p.in, n * K + k), FD_RTOL, FD_ATOL);
        checked++;
      }
  g_test_message ("B=%d K=%d O=%d: %d gradients checked, %d skipped near a kink", B, K, O, checked, skipped);
  /* Most points are far from a kink; the check must not be vacuous. */
  g_assert_cmpint (checked, >, skipped);

  g_free (z); g_free (y); g_free (dz); g_free (dw); g_free (db); g_free (din);
  g_free (p.in); g_free (p.w); g_free (p.b); g_free (p.g); g_free (p.out);
}

/* ---- softmax cross-entropy ----------------------------------------------- */

static void
test_xent_known (void)
{
  /* Hand-computed: loss_n = log Σ_c exp(z_c) − z_y. */
  const float logits[] = {
    1.0f, 2.0f, 3.0f,        /* y=2: log(1+e^-1+e^-2)            = 0.40760596444 */
    0.0f, 0.0f, 0.0f,        /* y=1: log 3                        = 1.09861228867 (argmax 0: miss) */
    5.0f, -1.0f, 2.0f,       /* y=1: 6 + log(1+e^-6+e^-3)         = 6.05094576352 (miss) */
    1000.0f, 0.0f, -1000.0f, /* y=0: ≈ e^-1000 ≈ 0, no overflow   (hit) */
    -2.0f, 4.0f, 4.5f,       /* y=2: log(e^-6.5+e^-0.5+1)         = 0.47501237632 (hit) */
  };
  const gint32 labels[] = { 2, 1, 1, 0, 2 };
  const double expect[] = { 0.40760596444, 1.09861228867, 6.05094576352, 0.0, 0.47501237632 };
  const int B = 5, C = 3;
  float probs[15];
  double total_expect = 0.0;
  for (int n = 0; n < B; n++)
    {
      int correct = -1;
      float p1[3];
      double l = blip_softmax_xent_forward (logits + n * C, labels + n, p1, 1, C, &correct);
      assert_close ("loss", n, l, expect[n], 1e-6, 1e-6);
      total_expect += expect[n];
      g_assert_cmpint (correct, ==, n == 0 || n == 3 || n == 4);
    }
  int correct = -1;
  double total = blip_softmax_xent_forward (logits, labels, probs, B, C, &correct);
  assert_close ("total loss", 0, total, total_expect, 1e-6, 1e-6);
  g_assert_cmpint (correct, ==, 3);
  /* correct may be NULL */
  double again = blip_softmax_xent_forward (logits, labels, probs, B, C, NULL);
  g_assert_cmpfloat (again, ==, total);

  /* Probabilities: softmax of each row, summing to 1. */
  for (int n = 0; n < B; n++)
    {
      double m = MAX (MAX (logits[n * C], logits[n * C + 1]), logits[n * C + 2]);
      double z = 0.0;
      for (int c = 0; c < C; c++)
        z += exp (logits[n * C + c] - m);
      double sum = 0.0;
      for (int c = 0; c < C; c++)
        {
          g_assert_true (isfinite (probs[n * C + c]));
          assert_close ("probs", n * C + c, probs[n * C + c], exp (logits[n * C + c] - m) / z, 1e-5, 1e-7);
          sum += probs[n * C + c];
        }
      assert_close ("Σ probs", n, sum, 1.0, 1e-6, 1e-6);
    }
}

typedef struct {
  int B, C;
} XentShape;

static const XentShape xent_shapes[] = { { 1, 2 }, { 3, 2 }, { 4, 5 }, { 7, 10 } };

static void
test_xent_gradient (gconstpointer data)
{
  const XentShape *s = data;
  int B = s->B, C = s->C;
  BlipRng rng;
  blip_rng_seed (&rng, 4000 + B * 10 + C);
  float *z = g_new (float, B * C), *probs = g_new (float, B * C), *d = g_new (float, B * C);
  gint32 *y = g_new (gint32, B);
  fill_uniform (&rng, z, B * C, -3, 3);
  for (int n = 0; n < B; n++)
    y[n] = (gint32) blip_rng_below (&rng, C);

  /* Mean loss: scale = 1/B. */
  const float scale = 1.0f / B;
  blip_softmax_xent_forward (z, y, probs, B, C, NULL);
  for (int i = 0; i < B * C; i++)
    d[i] = 1e6f;
  blip_softmax_xent_backward (probs, y, d, B, C, scale);
  for (int i = 0; i < B * C; i++)
    {
      float saved = z[i];
      z[i] = saved + FD_EPS;
      double lp = blip_softmax_xent_forward (z, y, probs, B, C, NULL) * scale;
      z[i] = saved - FD_EPS;
      double lm = blip_softmax_xent_forward (z, y, probs, B, C, NULL) * scale;
      z[i] = saved;
      double fd = (lp - lm) / ((double) (saved + FD_EPS) - (double) (saved - FD_EPS));
      assert_close ("dlogits", i, d[i], fd, FD_RTOL, FD_ATOL);
    }
  /* Each row of (p − onehot) sums to 0. */
  for (int n = 0; n < B; n++)
    {
      double sum = 0.0;
      for (int c = 0; c < C; c++)
        sum += d[n * C + c];
      g_assert_cmpfloat (fabs (sum), <, 1e-6);
    }
  g_free (z); g_free (probs); g_free (d); g_free (y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      const Shape *s = &shapes[i];
      char *name;
      name = g_strdup_printf ("/layers/linear/forward/B%d-K%d-O%d", s->B, s->K, s->O);
      g_test_add_data_func (name, s, test_linear_forward);
      g_free (name);
      name = g_strdup_printf ("/layers/linear/backward/B%d-K%d-O%d", s->B, s->K, s->O);
      g_test_add_data_func (name, s, test_linear_backward);
      g_free (name);
      name = g_strdup_printf ("/layers/relu/forward/B%d-O%d-%d", s->B, s->O, (int) i);
      g_test_add_data_func (name, s, test_relu_forward);
      g_free (name);
      name = g_strdup_printf ("/layers/relu/linear-backward/B%d-K%d-O%d", s->B, s->K, s->O);
      g_test_add_data_func (name, s, test_relu_layer_backward);
      g_free (name);
    }
  g_test_add_func ("/layers/relu/backward-table", test_relu_backward_table);
  g_test_add_func ("/layers/xent/known-values", test_xent_known);
  for (gsize i = 0; i < G_N_ELEMENTS (xent_shapes); i++)
    {
      g_autofree char *name = g_strdup_printf ("/layers/xent/gradient/B%d-C%d", xent_shapes[i].B, xent_shapes[i].C);
      g_test_add_data_func (name, &xent_shapes[i], test_xent_gradient);
    }
  return g_test_run ();
}
