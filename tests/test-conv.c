/* test-conv.c — the convolutional kernels (blip-conv.h) against references:
 * the geometry; im2col against its definition and col2im as its adjoint
 * (⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩); Conv2d forward against a naive loop over
 * (n, o, oh, ow, c, i, j); Conv2d backward (dW, db, dX, the accumulate flag,
 * NULL outputs) against central finite differences of L = Σ G∘out; the exact
 * per-sample Fisher against a brute-force loop that computes each sample's
 * gradient with the naive reference and squares it; max and average pooling
 * against naive windows and finite differences; BatchNorm2d (affine and not)
 * in training mode against finite differences, its running statistics against
 * PyTorch's update rule and eval mode against the formula; dropout's mask
 * (determinism from the seed, keep rate, scaling, eval identity) and its
 * gradient with the mask held fixed by reseeding. Losses accumulate in double.
 * Each row of a shape table runs every check of its kind. */
#include "blip-conv.h"
#include "blip-parallel.h"
#include "blip-rng.h"

#include <math.h>
#include <string.h>

#define FD_RTOL  1e-2
#define FD_ATOL  1e-3

static void
fill_uniform (BlipRng *rng, float *x, gsize n, float lo, float hi)
{
  for (gsize i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * blip_rng_uniform (rng);
}

static void
fill_const (float *x, gsize n, float v)
{
  for (gsize i = 0; i < n; i++)
    x[i] = v;
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

/* A scalar loss of the parameters, for finite differences. */
typedef double (*LossFunc) (gpointer data);

/* Central difference of loss with respect to x[i]. */
static double
fd (LossFunc loss, gpointer data, float *x, gsize i, float eps)
{
  float saved = x[i];
  x[i] = saved + eps;
  double lp = loss (data);
  x[i] = saved - eps;
  double lm = loss (data);
  x[i] = saved;
  return (lp - lm) / ((double) (saved + eps) - (double) (saved - eps));
}

/* ---- shapes -------------------------------------------------------------- */

typedef struct {
  int B, C_in, H, W, C_out, kh, kw, stride, pad;
} ConvShape;

static const ConvShape conv_shapes[] = {
  /* B Cin H  W Cout kh kw  s  p */
  { 1, 1, 5, 5, 1,   3, 3,  1, 0 },
  { 2, 3, 7, 5, 4,   3, 3,  1, 1 },   /* non-square input, pad 1 */
  { 2, 2, 8, 6, 3,   3, 3,  2, 1 },   /* stride 2, pad 1 */
  { 3, 2, 6, 7, 5,   1, 1,  1, 0 },   /* pointwise: the image is its own col matrix */
  { 2, 4, 5, 4, 2,   1, 1,  2, 0 },   /* 1×1 with stride 2 goes through im2col */
  { 2, 3, 9, 8, 2,   5, 5,  2, 2 },   /* kernel 5, stride 2, pad 2 */
  { 2, 2, 6, 7, 3,   5, 5,  1, 1 },   /* kernel 5, pad 1 */
  { 2, 1, 8, 8, 2,   3, 3,  3, 0 },   /* stride 3: the last rows and columns are never read */
  { 1, 2, 3, 4, 2,   5, 5,  1, 1 },   /* kernel larger than the image: a 1×2 output */
  { 2, 2, 6, 5, 3,   3, 1,  1, 1 },   /* 3×1 kernel */
  { 1, 2, 4, 3, 2,   3, 3,  1, 2 },   /* pad 2: corner windows see only padding */
};

static char *
conv_name (const char *what, const ConvShape *s)
{
  return g_strdup_printf ("/conv/%s/B%d-C%d-%dx%d-O%d-k%dx%d-s%d-p%d", what, s->B, s->C_in,
                          s->H, s->W, s->C_out, s->kh, s->kw, s->stride, s->pad);
}

static void
geom_for (const ConvShape *s, BlipConvGeom *g)
{
  g_assert_true (blip_conv_geom_init (g, s->C_in, s->H, s->W, s->C_out, s->kh, s->kw, s->stride, s->pad));
}

static guint64
conv_seed (const ConvShape *s, guint64 base)
{
  return base + (guint64) s->B * 1000003 + s->C_in * 10007 + s->H * 1009 + s->W * 101
         + s->C_out * 37 + s->kh * 11 + s->kw * 7 + s->stride * 3 + s->pad;
}

/* x[n, c, h, w] of an NCHW tensor, 0 outside the image (zero padding). */
static double
pixel (const BlipConvGeom *g, const float *x, int n, int c, int h, int w)
{
  if (h < 0 || h >= g->H || w < 0 || w >= g->W)
    return 0.0;
  return x[(((gsize) n * g->C_in + c) * g->H + h) * g->W + w];
}

/* ---- geometry ------------------------------------------------------------ */

static void
test_geometry (void)
{
  BlipConvGeom g;
  g_assert_true (blip_conv_geom_init (&g, 64, 16, 16, 128, 3, 3, 1, 1));
  g_assert_cmpint (g.H_out, ==, 16);
  g_assert_cmpint (g.W_out, ==, 16);
  g_assert_cmpint (blip_conv_fan_in (&g), ==, 576);
  g_assert_cmpint (blip_conv_positions (&g), ==, 256);
  g_assert_cmpuint (blip_conv_n_weight (&g), ==, 128 * 576);
  g_assert_cmpuint (blip_conv_col_size (&g), ==, 576 * 256);
  g_assert_false (blip_conv_is_pointwise (&g));

  g_assert_true (blip_conv_geom_init (&g, 3, 32, 28, 8, 5, 5, 2, 2));
  g_assert_cmpint (g.H_out, ==, 16);   /* (32 + 4 − 5)/2 + 1 */
  g_assert_cmpint (g.W_out, ==, 14);   /* (28 + 4 − 5)/2 + 1 */
  g_assert_true (blip_conv_geom_init (&g, 3, 7, 9, 8, 1, 1, 1, 0));
  g_assert_true (blip_conv_is_pointwise (&g));
  g_assert_cmpint (g.H_out, ==, 7);
  g_assert_cmpint (g.W_out, ==, 9);
  g_assert_true (blip_conv_geom_init (&g, 1, 3, 4, 1, 5, 5, 1, 1));
  g_assert_cmpint (g.H_out, ==, 1);
  g_assert_cmpint (g.W_out, ==, 2);

  /* Refused: the kernel does not fit, or nonsense sizes. */
  g_assert_false (blip_conv_geom_init (&g, 1, 3, 3, 1, 5, 5, 1, 0));
  g_assert_cmpint (g.H_out, ==, 0);
  g_assert_false (blip_conv_geom_init (&g, 1, 8, 8, 1, 3, 3, 0, 1));
  g_assert_false (blip_conv_geom_init (&g, 1, 8, 8, 1, 3, 3, 1, -1));
  g_assert_false (blip_conv_geom_init (&g, 0, 8, 8, 1, 3, 3, 1, 1));
  g_assert_false (blip_conv_geom_init (&g, 1, 8, 8, 0, 3, 3, 1, 1));
  g_assert_false (blip_conv_geom_init (&g, 1, 8, 8, 1, 0, 3, 1, 1));

  g_assert_cmpint (blip_conv_out_size (7, 2, 2, 0), ==, 3);
  g_assert_cmpint (blip_conv_out_size (2, 3, 1, 0), ==, 0);
}

/* ---- im2col / col2im ------------------------------------------------------ */

static void
test_im2col (gconstpointer data)
{
  const ConvShape *s = data;
  BlipConvGeom g;
  geom_for (s, &g);
  BlipRng rng;
  blip_rng_seed (&rng, conv_seed (s, 1));
  const int K = blip_conv_fan_in (&g), L = blip_conv_positions (&g);
  const gsize nx = (gsize) s->C_in * s->H * s->W, ncol = blip_conv_col_size (&g);
  float *x = g_new (float, nx), *col = g_new (float, ncol);
  float *y = g_new (float, ncol), *x2 = g_new (float, nx);
  fill_uniform (&rng, x, nx, -1, 1);
  fill_uniform (&rng, y, ncol, -1, 1);

  /* The definition, entry by entry; every entry is written. */
  fill_const (col, ncol, 1e6f);
  blip_im2col (&g, x, col);
  for (int c = 0; c < s->C_in; c++)
    for (int i = 0; i < s->kh; i++)
      for (int j = 0; j < s->kw; j++)
        for (int oh = 0; oh < g.H_out; oh++)
          for (int ow = 0; ow < g.W_out; ow++)
            {
              gsize r = ((gsize) c * s->kh + i) * s->kw + j, l = (gsize) oh * g.W_out + ow;
              double expect = pixel (&g, x, 0, c, oh * s->stride - s->pad + i, ow * s->stride - s->pad + j);
              g_assert_cmpfloat (col[r * L + l], ==, expect);
            }
  g_assert_cmpint ((gsize) K * L, ==, ncol);

  /* Adjointness: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩; col2im overwrites its output. */
  fill_const (x2, nx, 1e6f);
  blip_col2im (&g, y, x2);
  double lhs = dot (col, y, ncol), rhs = dot (x, x2, nx), mag = 0.0;
  for (gsize i = 0; i < ncol; i++)
    mag += fabs ((double) col[i] * y[i]);
  assert_close ("<im2col x, y> vs <x, col2im y>", 0, lhs, rhs, 1e-6, 1e-6 * mag);

  /* col2im(im2col(1)) counts how many windows read each pixel, so it is a
   * whole number, and at least 1 wherever some window reads the pixel. */
  float *ones = g_new (float, nx);
  fill_const (ones, nx, 1.0f);
  blip_im2col (&g, ones, col);
  blip_col2im (&g, col, x2);
  double total = 0.0;
  for (gsize i = 0; i < nx; i++)
    {
      g_assert_cmpfloat (x2[i], ==, floorf (x2[i]));
      g_assert_cmpfloat (x2[i], >=, 0.0f);
      total += x2[i];
    }
  /* Σ counts = the non-padding entries of col. */
  double inside = 0.0;
  for (gsize i = 0; i < ncol; i++)
    inside += col[i];
  g_assert_cmpfloat (total, ==, inside);

  g_free (ones);
  g_free (x); g_free (col); g_free (y); g_free (x2);
}

/* ---- Conv2d forward vs a naive loop --------------------------------------- */

/* out[n, o, oh, ow] = b[o] + Σ_{c, i, j} W[o, c, i, j]·x[n, c, oh·s − p + i, ow·s − p + j] */
static void
naive_conv (const BlipConvGeom *g, const float *x, const float *w, const float *b,
            double *out, int B)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < g->C_out; o++)
      for (int oh = 0; oh < g->H_out; oh++)
        for (int ow = 0; ow < g->W_out; ow++)
          {
            double acc = b ? b[o] : 0.0;
            for (int c = 0; c < g->C_in; c++)
              for (int i = 0; i < g->kh; i++)
                for (int j = 0; j < g->kw; j++)
                  acc += w[(((gsize) o * g->C_in + c) * g->kh + i) * g->kw + j]
                         * pixel (g, x, n, c, oh * g->stride - g->pad + i, ow * g->stride - g->pad + j);
            out[(((gsize) n * g->C_out + o) * g->H_out + oh) * g->W_out + ow] = acc;
          }
}

/* Sample n's weight gradient for L = Σ G∘out, by the definition:
 * dW_n[o, c, i, j] = Σ_{oh, ow} G[n, o, oh, ow]·x[n, c, oh·s − p + i, ow·s − p + j] */
static void
naive_conv_weight_grad (const BlipConvGeom *g, const float *x, const float *G, int n, double *dw)
{
  for (int o = 0; o < g->C_out; o++)
    for (int c = 0; c < g->C_in; c++)
      for (int i = 0; i < g->kh; i++)
        for (int j = 0; j < g->kw; j++)
          {
            double acc = 0.0;
            for (int oh = 0; oh < g->H_out; oh++)
              for (int ow = 0; ow < g->W_out; ow++)
                acc += (double) G[(((gsize) n * g->C_out + o) * g->H_out + oh) * g->W_out + ow]
                       * pixel (g, x, n, c, oh * g->stride - g->pad + i, ow * g->stride - g->pad + j);
            dw[(((gsize) o * g->C_in + c) * g->kh + i) * g->kw + j] = acc;
          }
}

typedef struct {
  BlipConvGeom g;
  int B;
  gsize nx, nw, nout;
  float *x, *w, *b, *G, *out, *col;
} ConvProblem;

static void
conv_problem_init (ConvProblem *p, const ConvShape *s, guint64 seed)
{
  geom_for (s, &p->g);
  p->B = s->B;
  p->nx = (gsize) s->B * s->C_in * s->H * s->W;
  p->nw = blip_conv_n_weight (&p->g);
  p->nout = (gsize) s->B * s->C_out * blip_conv_positions (&p->g);
  BlipRng rng;
  blip_rng_seed (&rng, seed);
  p->x = g_new (float, p->nx);
  p->w = g_new (float, p->nw);
  p->b = g_new (float, s->C_out);
  p->G = g_new (float, p->nout);
  p->out = g_new (float, p->nout);
  /* The pointwise path must not touch col: give it none. */
  p->col = blip_conv_is_pointwise (&p->g) ? NULL : g_new (float, blip_conv_col_size (&p->g));
  fill_uniform (&rng, p->x, p->nx, -1, 1);
  fill_uniform (&rng, p->w, p->nw, -1, 1);
  fill_uniform (&rng, p->b, s->C_out, -1, 1);
  fill_uniform (&rng, p->G, p->nout, -1, 1);   /* dL/dout */
}

static void
conv_problem_clear (ConvProblem *p)
{
  g_free (p->x); g_free (p->w); g_free (p->b); g_free (p->G); g_free (p->out); g_free (p->col);
}

static void
test_conv_forward (gconstpointer data)
{
  const ConvShape *s = data;
  ConvProblem p;
  conv_problem_init (&p, s, conv_seed (s, 2));
  double *ref = g_new (double, p.nout);
  for (int with_bias = 0; with_bias < 2; with_bias++)
    {
      const float *bias = with_bias ? p.b : NULL;
      /* Garbage in the output: forward must overwrite, not add. */
      fill_const (p.out, p.nout, 1e6f);
      blip_conv2d_forward (&p.g, p.x, p.w, bias, p.out, p.B, p.col);
      naive_conv (&p.g, p.x, p.w, bias, ref, p.B);
      for (gsize i = 0; i < p.nout; i++)
        assert_close (with_bias ? "out(bias)" : "out", i, p.out[i], ref[i], 1e-5, 1e-5);
    }
  g_free (ref);
  conv_problem_clear (&p);
}

/* ---- Conv2d backward vs finite differences -------------------------------- */

static double
conv_loss (gpointer data)
{
  ConvProblem *p = data;
  blip_conv2d_forward (&p->g, p->x, p->w, p->b, p->out, p->B, p->col);
  return dot (p->G, p->out, p->nout);
}

static void
test_conv_backward (gconstpointer data)
{
  const ConvShape *s = data;
  ConvProblem p;
  conv_problem_init (&p, s, conv_seed (s, 3));
  const int O = s->C_out;
  const float eps = 1e-2f;   /* L is linear in each input: the step only sets the rounding */

  float *dw = g_new (float, p.nw), *db = g_new (float, O), *dx = g_new (float, p.nx);
  /* Garbage first: without accumulate, every output is overwritten. */
  fill_const (dw, p.nw, 1e6f);
  fill_const (db, O, 1e6f);
  fill_const (dx, p.nx, 1e6f);
  blip_conv2d_backward (&p.g, p.x, p.w, p.G, dw, db, dx, p.B, FALSE, p.col);

  for (gsize i = 0; i < p.nw; i++)
    assert_close ("dW", i, dw[i], fd (conv_loss, &p, p.w, i, eps), FD_RTOL, FD_ATOL);
  for (int i = 0; i < O; i++)
    assert_close ("db", i, db[i], fd (conv_loss, &p, p.b, i, eps), FD_RTOL, FD_ATOL);
  for (gsize i = 0; i < p.nx; i++)
    assert_close ("dX", i, dx[i], fd (conv_loss, &p, p.x, i, eps), FD_RTOL, FD_ATOL);

  /* accumulate: the new gradient is added to what is there. */
  float *dw2 = g_new (float, p.nw), *db2 = g_new (float, O);
  for (gsize i = 0; i < p.nw; i++) dw2[i] = 0.5f + i;
  for (int i = 0; i < O; i++) db2[i] = -0.25f * i;
  blip_conv2d_backward (&p.g, p.x, p.w, p.G, dw2, db2, NULL, p.B, TRUE, p.col);
  for (gsize i = 0; i < p.nw; i++)
    assert_close ("dW accumulated", i, dw2[i], (0.5f + i) + dw[i], 1e-5, 1e-5);
  for (int i = 0; i < O; i++)
    assert_close ("db accumulated", i, db2[i], -0.25f * i + db[i], 1e-5, 1e-5);

  /* NULL outputs are skipped; what is computed equals the full call's. */
  float *dw3 = g_new (float, p.nw), *dx3 = g_new (float, p.nx);
  blip_conv2d_backward (&p.g, p.x, p.w, p.G, dw3, NULL, NULL, p.B, FALSE, p.col);
  g_assert_cmpmem (dw3, sizeof (float) * p.nw, dw, sizeof (float) * p.nw);
  blip_conv2d_backward (&p.g, p.x, p.w, p.G, NULL, NULL, dx3, p.B, FALSE, p.col);
  g_assert_cmpmem (dx3, sizeof (float) * p.nx, dx, sizeof (float) * p.nx);

  g_free (dw3); g_free (dx3); g_free (dw2); g_free (db2);
  g_free (dw); g_free (db); g_free (dx);
  conv_problem_clear (&p);
}

/* ---- per-sample Fisher vs brute force ------------------------------------- */

static void
test_conv_fisher (gconstpointer data)
{
  const ConvShape *s = data;
  ConvProblem p;
  conv_problem_init (&p, s, conv_seed (s, 4));
  const int O = s->C_out, L = blip_conv_positions (&p.g);
  const float scale = 0.37f;

  /* Non-zero starting values: the kernel adds to them. */
  float *fw = g_new (float, p.nw), *fb = g_new (float, O), *grad = g_new (float, p.nw);
  for (gsize i = 0; i < p.nw; i++) fw[i] = 0.5f + 0.01f * i;
  for (int o = 0; o < O; o++) fb[o] = 0.125f * o;
  blip_conv2d_fisher (&p.g, p.x, p.G, fw, fb, p.B, scale, p.col, grad);

  /* Brute force: each sample's gradient from the naive reference, squared. */
  double *brute_w = g_new0 (double, p.nw), *brute_b = g_new0 (double, O);
  double *gn = g_new (double, p.nw);
  for (int n = 0; n < p.B; n++)
    {
      naive_conv_weight_grad (&p.g, p.x, p.G, n, gn);
      for (gsize i = 0; i < p.nw; i++)
        brute_w[i] += scale * gn[i] * gn[i];
      for (int o = 0; o < O; o++)
        {
          double sb = 0.0;
          for (int l = 0; l < L; l++)
            sb += p.G[((gsize) n * O + o) * L + l];
          brute_b[o] += scale * sb * sb;
        }
    }
  double max_w = 0.0, max_b = 0.0;
  int nonzero = 0;
  for (gsize i = 0; i < p.nw; i++)
    {
      max_w = MAX (max_w, brute_w[i]);
      nonzero += brute_w[i] > 0;
    }
  for (int o = 0; o < O; o++)
    max_b = MAX (max_b, brute_b[o]);
  /* Float GEMMs against a double loop: the error of a gradient entry is a few
   * ulps of the sum of |terms|, so its square is off by that times 2|g|. */
  for (gsize i = 0; i < p.nw; i++)
    assert_close ("F_W", i, fw[i] - (0.5f + 0.01f * i), brute_w[i], 1e-4, 1e-5 * max_w + 1e-6);
  for (int o = 0; o < O; o++)
    assert_close ("F_b", o, fb[o] - 0.125f * o, brute_b[o], 1e-4, 1e-5 * max_b + 1e-6);
  /* Weights that only ever meet padding have zero Fisher; most do not. */
  g_assert_cmpint (nonzero, >, (int) p.nw / 2);

  /* fisher_b NULL: F_W alone, the same values. */
  float *fw2 = g_new (float, p.nw);
  for (gsize i = 0; i < p.nw; i++) fw2[i] = 0.5f + 0.01f * i;
  blip_conv2d_fisher (&p.g, p.x, p.G, fw2, NULL, p.B, scale, p.col, grad);
  g_assert_cmpmem (fw2, sizeof (float) * p.nw, fw, sizeof (float) * p.nw);

  /* grad holds the last sample's gradient. */
  naive_conv_weight_grad (&p.g, p.x, p.G, p.B - 1, gn);
  for (gsize i = 0; i < p.nw; i++)
    assert_close ("last grad", i, grad[i], gn[i], 1e-4, 1e-5);

  g_free (fw2); g_free (gn); g_free (brute_w); g_free (brute_b);
  g_free (fw); g_free (fb); g_free (grad);
  conv_problem_clear (&p);
}

/* ---- batched forms against the per-image ones ------------------------------ */

/* The one-GEMM-per-batch kernels the network uses give the per-image kernels'
 * results (which are checked above against naive loops and finite
 * differences), with ReLU fused, and keep col for backward and the Fisher. */
static void
test_conv_batched (gconstpointer data)
{
  const ConvShape *s = data;
  ConvProblem p;
  conv_problem_init (&p, s, conv_seed (s, 5));
  const int O = s->C_out, K = blip_conv_fan_in (&p.g), L = blip_conv_positions (&p.g);
  gsize bl = (gsize) p.B * L;
  float *col = g_new (float, (gsize) K * bl), *tmp = g_new (float, (gsize) O * bl);
  float *dcol = g_new (float, (gsize) K * bl), *out = g_new (float, p.nout);

  blip_conv2d_forward (&p.g, p.x, p.w, p.b, p.out, p.B, p.col);
  for (int relu = 0; relu < 2; relu++)
    {
      fill_const (out, p.nout, 1e6f);
      blip_conv2d_forward_batched (&p.g, p.x, p.w, p.b, relu, out, p.B, col, tmp);
      for (gsize i = 0; i < p.nout; i++)
        assert_close (relu ? "batched out (ReLU)" : "batched out", i, out[i],
                      relu ? MAX (p.out[i], 0.0f) : p.out[i], 1e-5, 1e-5);
    }

  float *dw = g_new (float, p.nw), *db = g_new (float, O), *dx = g_new (float, p.nx);
  float *dw2 = g_new (float, p.nw), *db2 = g_new (float, O), *dx2 = g_new (float, p.nx);
  blip_conv2d_backward (&p.g, p.x, p.w, p.G, dw, db, dx, p.B, FALSE, p.col);
  fill_const (dw2, p.nw, 1e6f);
  fill_const (db2, O, 1e6f);
  fill_const (dx2, p.nx, 1e6f);
  blip_conv2d_backward_batched (&p.g, col, p.w, p.G, dw2, db2, dx2, p.B, tmp, dcol);
  for (gsize i = 0; i < p.nw; i++)
    assert_close ("batched dW", i, dw2[i], dw[i], 1e-5, 1e-5);
  for (int o = 0; o < O; o++)
    assert_close ("batched db", o, db2[o], db[o], 1e-5, 1e-5);
  for (gsize i = 0; i < p.nx; i++)
    assert_close ("batched dX", i, dx2[i], dx[i], 1e-5, 1e-5);

  float *fw = g_new0 (float, p.nw), *fb = g_new0 (float, O), *grad = g_new (float, p.nw);
  float *fw2 = g_new0 (float, p.nw), *fb2 = g_new0 (float, O);
  blip_conv2d_fisher (&p.g, p.x, p.G, fw, fb, p.B, 0.5f, p.col, grad);
  blip_conv2d_fisher_batched (&p.g, col, p.G, fw2, fb2, p.B, 0.5f, grad);
  for (gsize i = 0; i < p.nw; i++)
    assert_close ("batched F_W", i, fw2[i], fw[i], 1e-5, 1e-6);
  for (int o = 0; o < O; o++)
    assert_close ("batched F_b", o, fb2[o], fb[o], 1e-5, 1e-6);

  g_free (fw); g_free (fb); g_free (grad); g_free (fw2); g_free (fb2);
  g_free (dw); g_free (db); g_free (dx); g_free (dw2); g_free (db2); g_free (dx2);
  g_free (col); g_free (tmp); g_free (dcol); g_free (out);
  conv_problem_clear (&p);
}

/* The batched kernels split im2col, col2im, regrouping, GEMMs and the
 * per-sample Fisher over the engine's threads once a batch is big enough.
 * On a problem big enough for every split (24 images, 80 channels), three
 * threads must give what one gives. */
typedef struct
{
  float *out, *dw, *db, *dx, *fw, *fb;
} BatchedResult;

static void
run_batched (ConvProblem *p, int threads, BatchedResult *r)
{
  blip_parallel_set_threads (threads);
  const int O = p->g.C_out, K = blip_conv_fan_in (&p->g), L = blip_conv_positions (&p->g);
  gsize bl = (gsize) p->B * L;
  float *col = g_new (float, (gsize) K * bl), *tmp = g_new (float, (gsize) O * bl);
  float *dcol = g_new (float, (gsize) K * bl), *grad = g_new (float, p->nw);
  r->out = g_new (float, p->nout);
  r->dw = g_new (float, p->nw);
  r->db = g_new (float, O);
  r->dx = g_new (float, p->nx);
  r->fw = g_new0 (float, p->nw);
  r->fb = g_new0 (float, O);
  blip_conv2d_forward_batched (&p->g, p->x, p->w, p->b, TRUE, r->out, p->B, col, tmp);
  blip_conv2d_backward_batched (&p->g, col, p->w, p->G, r->dw, r->db, r->dx, p->B, tmp, dcol);
  blip_conv2d_fisher_batched (&p->g, col, p->G, r->fw, r->fb, p->B, 0.5f, grad);
  g_free (col); g_free (tmp); g_free (dcol); g_free (grad);
}

static void
batched_result_clear (BatchedResult *r)
{
  g_free (r->out); g_free (r->dw); g_free (r->db); g_free (r->dx); g_free (r->fw); g_free (r->fb);
}

static void
test_conv_batched_threads (void)
{
  static const ConvShape big = { 24, 8, 12, 12, 80, 3, 3, 1, 1 };
  int saved = blip_parallel_get_threads ();
  ConvProblem p;
  conv_problem_init (&p, &big, conv_seed (&big, 11));
  BatchedResult one, three;
  run_batched (&p, 1, &one);
  run_batched (&p, 3, &three);
  blip_parallel_set_threads (saved);
  const int O = big.C_out;
  for (gsize i = 0; i < p.nout; i++)
    assert_close ("out, 3 threads", i, three.out[i], one.out[i], 1e-6, 1e-6);
  for (gsize i = 0; i < p.nw; i++)
    {
      assert_close ("dW, 3 threads", i, three.dw[i], one.dw[i], 1e-6, 1e-6);
      assert_close ("F_W, 3 threads", i, three.fw[i], one.fw[i], 1e-6, 1e-6);
    }
  for (int o = 0; o < O; o++)
    {
      assert_close ("db, 3 threads", o, three.db[o], one.db[o], 1e-6, 1e-6);
      assert_close ("F_b, 3 threads", o, three.fb[o], one.fb[o], 1e-6, 1e-6);
    }
  for (gsize i = 0; i < p.nx; i++)
    assert_close ("dX, 3 threads", i, three.dx[i], one.dx[i], 1e-6, 1e-6);
  batched_result_clear (&one);
  batched_result_clear (&three);
  conv_problem_clear (&p);
}

/* ---- pooling --------------------------------------------------------------- */

typedef struct {
  int B, C, H, W, k, stride;
} PoolShape;

static const PoolShape pool_shapes[] = {
  { 2, 3, 6, 6, 2, 2 },   /* the usual 2×2/2 */
  { 1, 2, 7, 5, 3, 2 },   /* overlapping windows, non-square */
  { 2, 1, 5, 8, 3, 1 },   /* stride 1 */
  { 1, 2, 4, 4, 1, 1 },   /* identity */
  { 2, 2, 9, 7, 3, 3 },   /* 3×3/3 */
  { 1, 1, 7, 7, 2, 2 },   /* the last row and column fit no window */
};

typedef struct {
  const PoolShape *s;
  int Ho, Wo;
  gsize nx, nout;
  float *x, *G, *out;
  gint32 *argmax;
} PoolProblem;

static void
pool_problem_init (PoolProblem *p, const PoolShape *s, guint64 seed)
{
  p->s = s;
  p->Ho = blip_conv_out_size (s->H, s->k, s->stride, 0);
  p->Wo = blip_conv_out_size (s->W, s->k, s->stride, 0);
  p->nx = (gsize) s->B * s->C * s->H * s->W;
  p->nout = (gsize) s->B * s->C * p->Ho * p->Wo;
  BlipRng rng;
  blip_rng_seed (&rng, seed);
  /* Distinct values 0.01 apart, so a finite-difference step of 1e-3 never
   * changes which pixel is a window's maximum. */
  int *perm = g_new (int, p->nx);
  for (gsize i = 0; i < p->nx; i++)
    perm[i] = (int) i;
  blip_rng_shuffle (&rng, perm, p->nx);
  p->x = g_new (float, p->nx);
  for (gsize i = 0; i < p->nx; i++)
    p->x[i] = 0.01f * (perm[i] - (int) p->nx / 2);
  g_free (perm);
  p->G = g_new (float, p->nout);
  p->out = g_new (float, p->nout);
  p->argmax = g_new (gint32, p->nout);
  fill_uniform (&rng, p->G, p->nout, -1, 1);
}

static void
pool_problem_clear (PoolProblem *p)
{
  g_free (p->x); g_free (p->G); g_free (p->out); g_free (p->argmax);
}

static double
maxpool_loss (gpointer data)
{
  PoolProblem *p = data;
  const PoolShape *s = p->s;
  blip_maxpool2d_forward (p->x, p->out, p->argmax, s->B, s->C, s->H, s->W, s->k, s->stride);
  return dot (p->G, p->out, p->nout);
}

static double
avgpool_loss (gpointer data)
{
  PoolProblem *p = data;
  const PoolShape *s = p->s;
  blip_avgpool2d_forward (p->x, p->out, s->B, s->C, s->H, s->W, s->k, s->stride);
  return dot (p->G, p->out, p->nout);
}

static void
test_pool (gconstpointer data)
{
  const PoolShape *s = data;
  PoolProblem p;
  pool_problem_init (&p, s, 5000 + s->B * 1000 + s->C * 100 + s->H * 10 + s->W + s->k * 7 + s->stride);
  const int H = s->H, W = s->W;

  /* Forward against naive windows. */
  fill_const (p.out, p.nout, 1e6f);
  blip_maxpool2d_forward (p.x, p.out, p.argmax, s->B, s->C, H, W, s->k, s->stride);
  float *avg = g_new (float, p.nout);
  fill_const (avg, p.nout, 1e6f);
  blip_avgpool2d_forward (p.x, avg, s->B, s->C, H, W, s->k, s->stride);
  for (int pl = 0; pl < s->B * s->C; pl++)
    for (int oh = 0; oh < p.Ho; oh++)
      for (int ow = 0; ow < p.Wo; ow++)
        {
          const float *xp = p.x + (gsize) pl * H * W;
          gsize o = ((gsize) pl * p.Ho + oh) * p.Wo + ow;
          float m = -INFINITY;
          int best = -1;
          double sum = 0.0;
          for (int i = 0; i < s->k; i++)
            for (int j = 0; j < s->k; j++)
              {
                int idx = (oh * s->stride + i) * W + (ow * s->stride + j);
                sum += xp[idx];
                if (xp[idx] > m)
                  {
                    m = xp[idx];
                    best = idx;
                  }
              }
          g_assert_cmpfloat (p.out[o], ==, m);
          g_assert_cmpint (p.argmax[o], ==, best);
          assert_close ("avgpool", o, avg[o], sum / (s->k * s->k), 1e-6, 1e-6);
        }

  /* Backward against finite differences (both overwrite dx). */
  float *dx = g_new (float, p.nx);
  fill_const (dx, p.nx, 1e6f);
  maxpool_loss (&p);
  blip_maxpool2d_backward (p.G, p.argmax, dx, s->B, s->C, H, W, s->k, s->stride);
  for (gsize i = 0; i < p.nx; i++)
    assert_close ("maxpool dx", i, dx[i], fd (maxpool_loss, &p, p.x, i, 1e-3f), FD_RTOL, FD_ATOL);
  fill_const (dx, p.nx, 1e6f);
  blip_avgpool2d_backward (p.G, dx, s->B, s->C, H, W, s->k, s->stride);
  for (gsize i = 0; i < p.nx; i++)
    assert_close ("avgpool dx", i, dx[i], fd (avgpool_loss, &p, p.x, i, 1e-2f), FD_RTOL, FD_ATOL);

  g_free (dx); g_free (avg);
  pool_problem_clear (&p);
}

static void
test_maxpool_ties (void)
{
  /* On ties the first maximum in row-major order takes the gradient. */
  const float x[] = { 1, 3, 3, 0,
                      3, 2, 1, 3,
                      0, 0, 5, 5,
                      0, 0, 5, 5 };
  float out[4], dx[16];
  gint32 argmax[4];
  const float dout[4] = { 1, 2, 3, 4 };
  blip_maxpool2d_forward (x, out, argmax, 1, 1, 4, 4, 2, 2);
  const gint32 expect[4] = { 1, 2, 8, 10 };
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (argmax[i], ==, expect[i]);
  blip_maxpool2d_backward (dout, argmax, dx, 1, 1, 4, 4, 2, 2);
  double sum = 0;
  for (int i = 0; i < 16; i++)
    sum += dx[i];
  g_assert_cmpfloat (sum, ==, 10.0);
  g_assert_cmpfloat (dx[1], ==, 1.0f);
  g_assert_cmpfloat (dx[2], ==, 2.0f);
  g_assert_cmpfloat (dx[8], ==, 3.0f);
  g_assert_cmpfloat (dx[10], ==, 4.0f);
}

/* ---- BatchNorm2d ------------------------------------------------------------ */

typedef struct {
  int B, C, H, W;
  gboolean affine;
} BnShape;

static const BnShape bn_shapes[] = {
  { 2, 3, 3, 3, FALSE }, { 2, 3, 3, 3, TRUE },
  { 6, 2, 1, 1, FALSE }, { 6, 2, 1, 1, TRUE },   /* N = B: one value per image */
  { 1, 2, 4, 5, FALSE }, { 1, 2, 4, 5, TRUE },   /* N = HW: a single image */
  { 3, 4, 2, 5, FALSE }, { 3, 4, 2, 5, TRUE },
};

typedef struct {
  int B, C, HW;
  gsize n;
  float *x, *gamma, *beta, *G, *y, *mean, *invstd;
} BnProblem;

static double
bn_loss (gpointer data)
{
  BnProblem *p = data;
  /* Training mode; running statistics not tracked (NULL). */
  blip_batchnorm2d_forward (p->x, p->y, p->gamma, p->beta, NULL, NULL, p->mean, p->invstd,
                            p->B, p->C, p->HW, BLIP_BN_MOMENTUM, BLIP_BN_EPS, TRUE);
  return dot (p->G, p->y, p->n);
}

static void
test_batchnorm_backward (gconstpointer data)
{
  const BnShape *s = data;
  BnProblem p = { .B = s->B, .C = s->C, .HW = s->H * s->W };
  p.n = (gsize) p.B * p.C * p.HW;
  BlipRng rng;
  blip_rng_seed (&rng, 6000 + s->B * 1000 + s->C * 100 + s->H * 10 + s->W + s->affine);
  p.x = g_new (float, p.n);
  p.G = g_new (float, p.n);
  p.y = g_new (float, p.n);
  p.mean = g_new (float, p.C);
  p.invstd = g_new (float, p.C);
  fill_uniform (&rng, p.x, p.n, -1, 1);
  /* Channel c centred at c − 1 with spread growing with c. */
  for (int b = 0; b < p.B; b++)
    for (int c = 0; c < p.C; c++)
      for (int i = 0; i < p.HW; i++)
        {
          float *v = &p.x[((gsize) b * p.C + c) * p.HW + i];
          *v = (c - 1.0f) + (0.5f + 0.5f * c) * *v;
        }
  fill_uniform (&rng, p.G, p.n, -1, 1);
  if (s->affine)
    {
      p.gamma = g_new (float, p.C);
      p.beta = g_new (float, p.C);
      fill_uniform (&rng, p.gamma, p.C, 0.5f, 1.5f);
      fill_uniform (&rng, p.beta, p.C, -1, 1);
    }

  bn_loss (&p);
  /* Forward: per channel, y = γ·(x − μ)/sqrt(σ² + eps) + β with batch statistics. */
  const int N = p.B * p.HW;
  for (int c = 0; c < p.C; c++)
    {
      double mu = 0, var = 0;
      for (int b = 0; b < p.B; b++)
        for (int i = 0; i < p.HW; i++)
          mu += p.x[((gsize) b * p.C + c) * p.HW + i];
      mu /= N;
      for (int b = 0; b < p.B; b++)
        for (int i = 0; i < p.HW; i++)
          {
            double d = p.x[((gsize) b * p.C + c) * p.HW + i] - mu;
            var += d * d;
          }
      var /= N;
      assert_close ("save_mean", c, p.mean[c], mu, 1e-6, 1e-6);
      assert_close ("save_invstd", c, p.invstd[c], 1.0 / sqrt (var + BLIP_BN_EPS), 1e-6, 1e-6);
      for (int b = 0; b < p.B; b++)
        for (int i = 0; i < p.HW; i++)
          {
            gsize k = ((gsize) b * p.C + c) * p.HW + i;
            double xhat = (p.x[k] - mu) / sqrt (var + BLIP_BN_EPS);
            double expect = s->affine ? p.gamma[c] * xhat + p.beta[c] : xhat;
            assert_close ("y", k, p.y[k], expect, 1e-5, 1e-5);
          }
    }

  float *dx = g_new (float, p.n), *dgamma = g_new (float, p.C), *dbeta = g_new (float, p.C);
  fill_const (dx, p.n, 1e6f);
  fill_const (dgamma, p.C, 1e6f);
  fill_const (dbeta, p.C, 1e6f);
  blip_batchnorm2d_backward (p.x, p.G, p.gamma, p.mean, p.invstd, dx,
                             s->affine ? dgamma : NULL, s->affine ? dbeta : NULL,
                             p.B, p.C, p.HW, FALSE);
  const float eps = 5e-3f;
  for (gsize i = 0; i < p.n; i++)
    assert_close ("bn dx", i, dx[i], fd (bn_loss, &p, p.x, i, eps), FD_RTOL, FD_ATOL);
  if (s->affine)
    {
      for (int c = 0; c < p.C; c++)
        assert_close ("bn dgamma", c, dgamma[c], fd (bn_loss, &p, p.gamma, c, eps), FD_RTOL, FD_ATOL);
      for (int c = 0; c < p.C; c++)
        assert_close ("bn dbeta", c, dbeta[c], fd (bn_loss, &p, p.beta, c, eps), FD_RTOL, FD_ATOL);

      /* accumulate adds; dx NULL skips it. */
      float *dg2 = g_new (float, p.C), *db2 = g_new (float, p.C);
      for (int c = 0; c < p.C; c++)
        {
          dg2[c] = 1.0f + c;
          db2[c] = -2.0f * c;
        }
      bn_loss (&p);
      blip_batchnorm2d_backward (p.x, p.G, p.gamma, p.mean, p.invstd, NULL, dg2, db2,
                                 p.B, p.C, p.HW, TRUE);
      for (int c = 0; c < p.C; c++)
        {
          assert_close ("dgamma accumulated", c, dg2[c], 1.0f + c + dgamma[c], 1e-5, 1e-5);
          assert_close ("dbeta accumulated", c, db2[c], -2.0f * c + dbeta[c], 1e-5, 1e-5);
        }
      g_free (dg2); g_free (db2);
    }
  else
    {
      g_assert_cmpfloat (dgamma[0], ==, 1e6f);   /* not touched */
    }

  /* In place: dx may be dy. */
  bn_loss (&p);
  float *inplace = g_memdup2 (p.G, sizeof (float) * p.n);
  blip_batchnorm2d_backward (p.x, inplace, p.gamma, p.mean, p.invstd, inplace, NULL, NULL,
                             p.B, p.C, p.HW, FALSE);
  g_assert_cmpmem (inplace, sizeof (float) * p.n, dx, sizeof (float) * p.n);

  g_free (inplace);
  g_free (dx); g_free (dgamma); g_free (dbeta);
  g_free (p.x); g_free (p.G); g_free (p.y); g_free (p.mean); g_free (p.invstd);
  g_free (p.gamma); g_free (p.beta);
}

static void
test_batchnorm_running (void)
{
  /* PyTorch's update: r ← 0.9·r + 0.1·stat, with the unbiased variance. */
  const int B = 3, C = 2, HW = 5, N = B * HW;
  const gsize n = (gsize) B * C * HW;
  BlipRng rng;
  blip_rng_seed (&rng, 77);
  float *x = g_new (float, n), *y = g_new (float, n);
  fill_uniform (&rng, x, n, -2, 3);
  float rm[2] = { 0.2f, -0.1f }, rv[2] = { 1.5f, 0.5f }, mean[2], invstd[2];
  const float gamma[2] = { 1.5f, -0.5f }, beta[2] = { 0.25f, 1.0f };
  double mu[2], var[2];
  for (int c = 0; c < C; c++)
    {
      double s = 0, ss = 0;
      for (int b = 0; b < B; b++)
        for (int i = 0; i < HW; i++)
          s += x[((gsize) b * C + c) * HW + i];
      mu[c] = s / N;
      for (int b = 0; b < B; b++)
        for (int i = 0; i < HW; i++)
          {
            double d = x[((gsize) b * C + c) * HW + i] - mu[c];
            ss += d * d;
          }
      var[c] = ss / (N - 1);
    }
  double erm[2] = { rm[0], rm[1] }, erv[2] = { rv[0], rv[1] };
  for (int step = 0; step < 3; step++)
    {
      blip_batchnorm2d_forward (x, y, gamma, beta, rm, rv, mean, invstd, B, C, HW,
                                BLIP_BN_MOMENTUM, BLIP_BN_EPS, TRUE);
      for (int c = 0; c < C; c++)
        {
          erm[c] = 0.9 * erm[c] + 0.1 * mu[c];
          erv[c] = 0.9 * erv[c] + 0.1 * var[c];
          assert_close ("running_mean", c, rm[c], erm[c], 1e-5, 1e-6);
          assert_close ("running_var", c, rv[c], erv[c], 1e-5, 1e-6);
        }
    }

  /* Eval: the running statistics normalise; save_* are not needed. In place. */
  float *z = g_memdup2 (x, sizeof (float) * n);
  blip_batchnorm2d_forward (z, z, gamma, beta, rm, rv, NULL, NULL, B, C, HW,
                            BLIP_BN_MOMENTUM, BLIP_BN_EPS, FALSE);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      for (int i = 0; i < HW; i++)
        {
          gsize k = ((gsize) b * C + c) * HW + i;
          double expect = gamma[c] * (x[k] - (double) rm[c]) / sqrt ((double) rv[c] + BLIP_BN_EPS) + beta[c];
          assert_close ("eval y", k, z[k], expect, 1e-5, 1e-5);
        }
  /* Eval leaves the running statistics alone. */
  assert_close ("running_mean after eval", 0, rm[0], erm[0], 1e-5, 1e-6);

  /* Without affine, training output has mean 0 and variance σ²/(σ² + eps) per channel. */
  blip_batchnorm2d_forward (x, y, NULL, NULL, NULL, NULL, mean, invstd, B, C, HW,
                            BLIP_BN_MOMENTUM, BLIP_BN_EPS, TRUE);
  for (int c = 0; c < C; c++)
    {
      double s = 0, ss = 0;
      for (int b = 0; b < B; b++)
        for (int i = 0; i < HW; i++)
          {
            double v = y[((gsize) b * C + c) * HW + i];
            s += v;
            ss += v * v;
          }
      g_assert_cmpfloat (fabs (s / N), <, 1e-6);
      assert_close ("normalised variance", c, ss / N, 1.0, 1e-4, 0);
    }
  g_free (x); g_free (y); g_free (z);
}

/* ---- dropout --------------------------------------------------------------- */

typedef struct {
  guint64 seed;
  float p;
  gsize n;
  float *x, *y, *mask, *G;
} DropoutProblem;

static double
dropout_loss (gpointer data)
{
  DropoutProblem *d = data;
  /* Reseeding holds the mask fixed across the finite-difference evaluations. */
  BlipRng rng;
  blip_rng_seed (&rng, d->seed);
  blip_dropout_forward (&rng, d->x, d->y, d->mask, d->n, d->p, TRUE);
  return dot (d->G, d->y, d->n);
}

static void
test_dropout_gradient (void)
{
  const float ps[] = { 0.0f, 0.25f, 0.5f, 0.9f };
  for (gsize t = 0; t < G_N_ELEMENTS (ps); t++)
    {
      DropoutProblem d = { .seed = 99 + t, .p = ps[t], .n = 64 };
      BlipRng rng;
      blip_rng_seed (&rng, 3 + t);
      d.x = g_new (float, d.n);
      d.y = g_new (float, d.n);
      d.mask = g_new (float, d.n);
      d.G = g_new (float, d.n);
      fill_uniform (&rng, d.x, d.n, -1, 1);
      fill_uniform (&rng, d.G, d.n, -1, 1);
      dropout_loss (&d);
      float *dx = g_new (float, d.n);
      blip_dropout_backward (d.mask, d.G, dx, d.n);
      for (gsize i = 0; i < d.n; i++)
        assert_close ("dropout dx", i, dx[i], fd (dropout_loss, &d, d.x, i, 1e-2f), FD_RTOL, FD_ATOL);
      /* dx may be dy. */
      float *inplace = g_memdup2 (d.G, sizeof (float) * d.n);
      blip_dropout_backward (d.mask, inplace, inplace, d.n);
      g_assert_cmpmem (inplace, sizeof (float) * d.n, dx, sizeof (float) * d.n);
      g_free (inplace);
      g_free (dx); g_free (d.x); g_free (d.y); g_free (d.mask); g_free (d.G);
    }
}

static void
test_dropout_mask (void)
{
  const gsize n = 200000;
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  float *x = g_new (float, n), *y1 = g_new (float, n), *y2 = g_new (float, n);
  float *m1 = g_new (float, n), *m2 = g_new (float, n);
  BlipRng rng;
  blip_rng_seed (&rng, 5);
  fill_uniform (&rng, x, n, -1, 1);

  /* Same seed, same mask; the rule is u ≥ p on one uniform per element, in order. */
  BlipRng a, b, ref;
  blip_rng_seed (&a, 42);
  blip_rng_seed (&b, 42);
  blip_rng_seed (&ref, 42);
  blip_dropout_forward (&a, x, y1, m1, n, p, TRUE);
  blip_dropout_forward (&b, x, y2, m2, n, p, TRUE);
  g_assert_cmpmem (m1, sizeof (float) * n, m2, sizeof (float) * n);
  g_assert_cmpmem (y1, sizeof (float) * n, y2, sizeof (float) * n);
  gsize kept = 0;
  for (gsize i = 0; i < n; i++)
    {
      float u = blip_rng_uniform (&ref);
      g_assert_cmpfloat (m1[i], ==, u >= p ? keep : 0.0f);
      g_assert_cmpfloat (y1[i], ==, x[i] * m1[i]);
      kept += m1[i] != 0.0f;
    }
  /* Exactly n draws: the stream continues where the reference is. */
  g_assert_cmpuint (blip_rng_next (&a), ==, blip_rng_next (&ref));
  /* Keep rate 1 − p within 5 standard deviations (≈ 0.001). */
  g_assert_cmpfloat (fabs ((double) kept / n - (1.0 - p)), <, 0.005);

  /* Another seed, another mask; the next call of the same stream differs too. */
  blip_rng_seed (&b, 43);
  blip_dropout_forward (&b, x, y2, m2, n, p, TRUE);
  g_assert_true (memcmp (m1, m2, sizeof (float) * n) != 0);
  blip_dropout_forward (&a, x, y2, m2, n, p, TRUE);
  g_assert_true (memcmp (m1, m2, sizeof (float) * n) != 0);

  /* In place gives the same values. */
  blip_rng_seed (&a, 42);
  float *z = g_memdup2 (x, sizeof (float) * n);
  blip_dropout_forward (&a, z, z, m2, n, p, TRUE);
  g_assert_cmpmem (z, sizeof (float) * n, y1, sizeof (float) * n);

  /* Eval: identity, the rng untouched, the mask untouched (may be NULL). */
  blip_rng_seed (&a, 42);
  BlipRng before = a;
  fill_const (y2, n, 1e6f);
  blip_dropout_forward (&a, x, y2, NULL, n, p, FALSE);
  g_assert_cmpmem (y2, sizeof (float) * n, x, sizeof (float) * n);
  g_assert_cmpmem (&a, sizeof a, &before, sizeof before);

  /* p = 0 keeps everything unscaled; p = 1 drops everything. */
  blip_dropout_forward (&a, x, y2, m2, 1000, 0.0f, TRUE);
  for (gsize i = 0; i < 1000; i++)
    {
      g_assert_cmpfloat (m2[i], ==, 1.0f);
      g_assert_cmpfloat (y2[i], ==, x[i]);
    }
  blip_dropout_forward (&a, x, y2, m2, 1000, 1.0f, TRUE);
  for (gsize i = 0; i < 1000; i++)
    {
      g_assert_cmpfloat (m2[i], ==, 0.0f);
      g_assert_cmpfloat (y2[i], ==, 0.0f);
    }
  g_free (z);
  g_free (x); g_free (y1); g_free (y2); g_free (m1); g_free (m2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/geometry", test_geometry);
  for (gsize i = 0; i < G_N_ELEMENTS (conv_shapes); i++)
    {
      const ConvShape *s = &conv_shapes[i];
      g_autofree char *n1 = conv_name ("im2col", s);
      g_autofree char *n2 = conv_name ("forward", s);
      g_autofree char *n3 = conv_name ("backward", s);
      g_autofree char *n4 = conv_name ("fisher", s);
      g_autofree char *n5 = conv_name ("batched", s);
      g_test_add_data_func (n1, s, test_im2col);
      g_test_add_data_func (n2, s, test_conv_forward);
      g_test_add_data_func (n3, s, test_conv_backward);
      g_test_add_data_func (n4, s, test_conv_fisher);
      g_test_add_data_func (n5, s, test_conv_batched);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (pool_shapes); i++)
    {
      const PoolShape *s = &pool_shapes[i];
      g_autofree char *name = g_strdup_printf ("/conv/pool/B%d-C%d-%dx%d-k%d-s%d",
                                               s->B, s->C, s->H, s->W, s->k, s->stride);
      g_test_add_data_func (name, s, test_pool);
    }
  g_test_add_func ("/conv/batched/threads", test_conv_batched_threads);
  g_test_add_func ("/conv/pool/max-ties", test_maxpool_ties);
  for (gsize i = 0; i < G_N_ELEMENTS (bn_shapes); i++)
    {
      const BnShape *s = &bn_shapes[i];
      g_autofree char *name = g_strdup_printf ("/conv/batchnorm/backward/%s/B%d-C%d-%dx%d",
                                               s->affine ? "affine" : "plain", s->B, s->C, s->H, s->W);
      g_test_add_data_func (name, s, test_batchnorm_backward);
    }
  g_test_add_func ("/conv/batchnorm/running-and-eval", test_batchnorm_running);
  g_test_add_func ("/conv/dropout/gradient", test_dropout_gradient);
  g_test_add_func ("/conv/dropout/mask", test_dropout_mask);
  return g_test_run ();
}
