/* blip-conv.c — convolutional layer kernels; see blip-conv.h for shapes.
 *
 * Conv2d is im2col + cblas_sgemm, one GEMM per image (out_n = W · col_n), and
 * backward is one GEMM per image for dW (sgemm beta = 1 accumulates over the
 * batch) and one for dX (Wᵀ · dout_n, then col2im). The per-sample Fisher is
 * one GEMM per sample into a one-sample gradient buffer, then squared.
 *
 * Performance note (measured once with a throwaway program, not a test: gcc
 * -O2, OpenBLAS 0.3.21 pthreads with OPENBLAS_NUM_THREADS=1, one core of a
 * 2-core AMD EPYC (AVX-512) VM that was busy with another job, run under
 * nice 19; best of 10 repetitions, the mean was ≈ 1.6× that): conv 64→128,
 * k = 3, stride 1, pad 1, 16×16 input, batch 32 (K = 576, L = 256,
 * ≈ 3.6 GFLOP in the three GEMMs):
 *   forward                      14.5 ms
 *   backward (dW, db, dX)        28.4 ms
 *   forward + backward           43 ms   (≈ 84 GFLOP/s)
 *   per-sample Fisher            16 ms
 * The batched alternative — im2col of the whole batch into col[K, B·L], one
 * GEMM per pass, transposes between [C_out, B·L] and NCHW, col kept from the
 * forward pass for dW — took 51 ms for forward + backward, so the per-image
 * form is the one here: each per-image GEMM (128×256×576) already runs
 * OpenBLAS near its peak, the batched form needs (K + C_out)·B·L floats of
 * scratch (≈ 23 MB here) instead of K·L (0.6 MB, which stays in cache between
 * im2col and the GEMM that reads it), and it pays the transposes.
 */
#include "blip-conv.h"
#include "blip-parallel.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

gboolean
blip_conv_geom_init (BlipConvGeom *g, int C_in, int H, int W, int C_out,
                     int kh, int kw, int stride, int pad)
{
  *g = (BlipConvGeom) { C_in, H, W, C_out, kh, kw, stride, pad, 0, 0 };
  if (C_in < 1 || H < 1 || W < 1 || C_out < 1 || kh < 1 || kw < 1 || stride < 1 || pad < 0)
    return FALSE;
  int ho = blip_conv_out_size (H, kh, stride, pad);
  int wo = blip_conv_out_size (W, kw, stride, pad);
  if (ho < 1 || wo < 1)
    return FALSE;
  g->H_out = ho;
  g->W_out = wo;
  return TRUE;
}

/* The output columns ow in [*lo, *hi) whose input column ow·stride + off lies
 * in [0, W); off = j − pad for kernel column j. */
static void
valid_range (int off, int stride, int W, int W_out, int *lo, int *hi)
{
  int a = off >= 0 ? 0 : (-off + stride - 1) / stride;
  int b = W - 1 - off < 0 ? 0 : (W - 1 - off) / stride + 1;
  a = MIN (a, W_out);
  b = CLAMP (b, a, W_out);
  *lo = a;
  *hi = b;
}

void
blip_im2col (const BlipConvGeom *g, const float *x, float *col)
{
  blip_im2col_ld (g, x, col, blip_conv_positions (g));
}

void
blip_im2col_ld (const BlipConvGeom *g, const float *x, float *col, gsize ld)
{
  const int H = g->H, W = g->W, Ho = g->H_out, Wo = g->W_out, s = g->stride;
  const gsize L = ld;
  float *dst = col;
  for (int c = 0; c < g->C_in; c++)
    {
      const float *plane = x + (gsize) c * H * W;
      for (int ki = 0; ki < g->kh; ki++)
        for (int kj = 0; kj < g->kw; kj++, dst += L)
          {
            int off = kj - g->pad, lo, hi;
            valid_range (off, s, W, Wo, &lo, &hi);
            for (int oh = 0; oh < Ho; oh++)
              {
                float *d = dst + (gsize) oh * Wo;
                int ih = oh * s - g->pad + ki;
                if (ih < 0 || ih >= H || lo == hi)
                  {
                    memset (d, 0, sizeof (float) * Wo);
                    continue;
                  }
                const float *src = plane + (gsize) ih * W + (gsize) (lo * s + off);
                for (int ow = 0; ow < lo; ow++)
                  d[ow] = 0.0f;
                /* A loop, not memcpy: rows are short (10 floats in MinAtar's
                 * network), where a call costs more than the copy. */
                if (s == 1)
                  for (int ow = lo; ow < hi; ow++)
                    d[ow] = src[ow - lo];
                else
                  for (int ow = lo; ow < hi; ow++)
                    d[ow] = src[(gsize) (ow - lo) * s];
                for (int ow = hi; ow < Wo; ow++)
                  d[ow] = 0.0f;
              }
          }
    }
}

void
blip_col2im (const BlipConvGeom *g, const float *col, float *x)
{
  blip_col2im_ld (g, col, blip_conv_positions (g), x);
}

void
blip_col2im_ld (const BlipConvGeom *g, const float *col, gsize ld, float *x)
{
  const int H = g->H, W = g->W, Ho = g->H_out, Wo = g->W_out, s = g->stride;
  const gsize L = ld;
  memset (x, 0, sizeof (float) * g->C_in * H * W);
  const float *srow = col;
  for (int c = 0; c < g->C_in; c++)
    {
      float *plane = x + (gsize) c * H * W;
      for (int ki = 0; ki < g->kh; ki++)
        for (int kj = 0; kj < g->kw; kj++, srow += L)
          {
            int off = kj - g->pad, lo, hi;
            valid_range (off, s, W, Wo, &lo, &hi);
            if (lo == hi)
              continue;
            for (int oh = 0; oh < Ho; oh++)
              {
                int ih = oh * s - g->pad + ki;
                if (ih < 0 || ih >= H)
                  continue;
                const float *d = srow + (gsize) oh * Wo;
                float *dst = plane + (gsize) ih * W + (gsize) (lo * s + off);
                for (int ow = lo; ow < hi; ow++)
                  dst[(gsize) (ow - lo) * s] += d[ow];
              }
          }
    }
}

void
blip_conv2d_forward (const BlipConvGeom *g, const float *x, const float *weight,
                     const float *bias, float *out, int B, float *col)
{
  const int K = blip_conv_fan_in (g), L = blip_conv_positions (g), O = g->C_out;
  const gsize x_stride = (gsize) g->C_in * g->H * g->W, out_stride = (gsize) O * L;
  const gboolean pointwise = blip_conv_is_pointwise (g);
  for (int n = 0; n < B; n++)
    {
      const float *xn = x + n * x_stride;
      float *on = out + n * out_stride;
      const float *a = xn;   /* col(x_n)[K, L] */
      if (!pointwise)
        {
          blip_im2col (g, xn, col);
          a = col;
        }
      /* out_n[O, L] = W[O, K] · col[K, L] */
      blip_sgemm (FALSE, FALSE, O, L, K,
                  1.0f, weight, K, a, L, 0.0f, on, L);
      if (bias != NULL)
        for (int o = 0; o < O; o++)
          {
            float *row = on + (gsize) o * L, bo = bias[o];
            for (int l = 0; l < L; l++)
              row[l] += bo;
          }
    }
}

void
blip_conv2d_backward (const BlipConvGeom *g, const float *x, const float *weight,
                      const float *dout, float *dweight, float *dbias, float *dx,
                      int B, gboolean accumulate, float *col)
{
  const int K = blip_conv_fan_in (g), L = blip_conv_positions (g), O = g->C_out;
  const gsize x_stride = (gsize) g->C_in * g->H * g->W, out_stride = (gsize) O * L;
  const gboolean pointwise = blip_conv_is_pointwise (g);

  if (!accumulate)
    {
      /* With B = 0 the loop below writes nothing. */
      if (dweight != NULL && B == 0)
        memset (dweight, 0, sizeof (float) * blip_conv_n_weight (g));
      if (dbias != NULL)
        memset (dbias, 0, sizeof (float) * O);
    }
  float beta = accumulate ? 1.0f : 0.0f;
  for (int n = 0; n < B; n++)
    {
      const float *dn = dout + n * out_stride;
      if (dweight != NULL)
        {
          const float *a = x + n * x_stride;
          if (!pointwise)
            {
              blip_im2col (g, a, col);
              a = col;
            }
          /* dW[O, K] (+)= dout_n[O, L] · col[K, L]ᵀ */
          blip_sgemm (FALSE, TRUE, O, K, L,
                      1.0f, dn, L, a, L, beta, dweight, K);
          beta = 1.0f;
        }
      if (dbias != NULL)
        for (int o = 0; o < O; o++)
          {
            const float *row = dn + (gsize) o * L;
            float s = 0.0f;
            for (int l = 0; l < L; l++)
              s += row[l];
            dbias[o] += s;
          }
      if (dx != NULL)
        {
          float *dxn = dx + n * x_stride;
          /* dcol[K, L] = W[O, K]ᵀ · dout_n[O, L]; for a pointwise conv dcol is dx_n. */
          blip_sgemm (TRUE, FALSE, K, L, O,
                      1.0f, weight, K, dn, L, 0.0f, pointwise ? dxn : col, L);
          if (!pointwise)
            blip_col2im (g, col, dxn);
        }
    }
}

/* One sample's share of the Fisher: F_W += scale·grad², and F_b += scale·(Σ_L G_n)²
 * for each output channel (fisher_b NULL to skip). */
static void
add_squares (float *fisher_w, float *fisher_b, const float *grad, gsize nw,
             const float *dn, int O, int L, float scale)
{
  for (gsize i = 0; i < nw; i++)
    fisher_w[i] += scale * grad[i] * grad[i];
  if (fisher_b == NULL)
    return;
  for (int o = 0; o < O; o++)
    {
      const float *row = dn + (gsize) o * L;
      float s = 0.0f;
      for (int l = 0; l < L; l++)
        s += row[l];
      fisher_b[o] += scale * s * s;
    }
}

void
blip_conv2d_fisher (const BlipConvGeom *g, const float *x, const float *dout,
                    float *fisher_w, float *fisher_b, int B, float scale,
                    float *col, float *grad)
{
  const int K = blip_conv_fan_in (g), L = blip_conv_positions (g), O = g->C_out;
  const gsize x_stride = (gsize) g->C_in * g->H * g->W, out_stride = (gsize) O * L;
  const gsize nw = blip_conv_n_weight (g);
  const gboolean pointwise = blip_conv_is_pointwise (g);
  for (int n = 0; n < B; n++)
    {
      const float *dn = dout + n * out_stride;
      const float *a = x + n * x_stride;
      if (!pointwise)
        {
          blip_im2col (g, a, col);
          a = col;
        }
      /* grad[O, K] = G_n[O, L] · col[K, L]ᵀ, sample n's weight gradient */
      blip_sgemm (FALSE, TRUE, O, K, L,
                  1.0f, dn, L, a, L, 0.0f, grad, K);
      add_squares (fisher_w, fisher_b, grad, nw, dn, O, L, scale);
    }
}

/* ---- Conv2d over the whole batch ----------------------------------------- */

/* The jobs below split a batch's im2col, col2im and regrouping over
 * blip_parallel_for: by image where each image owns its output, by channel
 * where a channel's bias gradient sums over images. */
typedef struct
{
  const BlipConvGeom *g;
  const float        *src;
  float              *dst;
  const float        *bias;
  float              *dbias;
  gboolean            relu;
  int                 B;
} ConvJob;

/* x[n] → columns n·L .. of col[K, B·L], for images [lo, hi) */
static void
im2col_images (gpointer data, gsize lo, gsize hi)
{
  const ConvJob *j = data;
  const gsize x_stride = (gsize) j->g->C_in * j->g->H * j->g->W, L = blip_conv_positions (j->g);
  for (gsize n = lo; n < hi; n++)
    blip_im2col_ld (j->g, j->src + n * x_stride, j->dst + n * L, (gsize) j->B * L);
}

/* columns n·L .. of dcol[K, B·L] → dx[n], for images [lo, hi) */
static void
col2im_images (gpointer data, gsize lo, gsize hi)
{
  const ConvJob *j = data;
  const gsize x_stride = (gsize) j->g->C_in * j->g->H * j->g->W, L = blip_conv_positions (j->g);
  for (gsize n = lo; n < hi; n++)
    blip_col2im_ld (j->g, j->src + n * L, (gsize) j->B * L, j->dst + n * x_stride);
}

/* tmp[O, B·L] → out[n, O, L] + bias, ReLU fused, for images [lo, hi) */
static void
ungroup_images (gpointer data, gsize lo, gsize hi)
{
  const ConvJob *j = data;
  const int O = j->g->C_out;
  const gsize L = blip_conv_positions (j->g), ld = (gsize) j->B * L;
  for (gsize n = lo; n < hi; n++)
    for (int o = 0; o < O; o++)
      {
        const float *src = j->src + (gsize) o * ld + n * L;
        float *dst = j->dst + (n * O + o) * L;
        float bo = j->bias ? j->bias[o] : 0.0f;
        if (j->relu)
          for (gsize l = 0; l < L; l++)
            {
              float v = src[l] + bo;
              dst[l] = v > 0.0f ? v : 0.0f;
            }
        else
          for (gsize l = 0; l < L; l++)
            dst[l] = src[l] + bo;
      }
}

/* dout[B, O, L] → tmp[O, B·L] and db[o], for channels [lo, hi) */
static void
regroup_channels (gpointer data, gsize lo, gsize hi)
{
  const ConvJob *j = data;
  const int O = j->g->C_out;
  const gsize L = blip_conv_positions (j->g), ld = (gsize) j->B * L;
  for (gsize o = lo; o < hi; o++)
    {
      float s = 0.0f;
      for (int n = 0; n < j->B; n++)
        {
          const float *src = j->src + ((gsize) n * O + o) * L;
          float *dst = j->dst + o * ld + (gsize) n * L;
          for (gsize l = 0; l < L; l++)
            {
              dst[l] = src[l];
              s += src[l];
            }
        }
      if (j->dbias != NULL)
        j->dbias[o] = s;
    }
}

/* Images per range of the per-image jobs: about 64k floats of work each, so
 * that the worker hand-off (microseconds) stays small beside it. */
static gsize
image_grain (gsize floats_per_image)
{
  return MAX ((gsize) 1, 65536 / MAX (floats_per_image, (gsize) 1));
}

void
blip_conv2d_forward_batched (const BlipConvGeom *g, const float *x, const float *weight,
                             const float *bias, gboolean relu, float *out, int B,
                             float *col, float *tmp)
{
  const int K = blip_conv_fan_in (g), L = blip_conv_positions (g), O = g->C_out;
  const gsize ld = (gsize) B * L;
  ConvJob im = { .g = g, .src = x, .dst = col, .B = B };
  blip_parallel_for (B, image_grain ((gsize) K * L), im2col_images, &im);
  /* tmp[O, B·L] = W[O, K] · col[K, B·L] */
  blip_sgemm (FALSE, FALSE, O, (int) ld, K,
              1.0f, weight, K, col, (int) ld, 0.0f, tmp, (int) ld);
  /* out[n, o, :] = tmp[o, n·L ..] + bias[o], ReLU fused into the same pass */
  ConvJob un = { .g = g, .src = tmp, .dst = out, .bias = bias, .relu = relu, .B = B };
  blip_parallel_for (B, image_grain ((gsize) O * L), ungroup_images, &un);
}

void
blip_conv2d_backward_batched (const BlipConvGeom *g, const float *col, const float *weight,
                              const float *dout, float *dweight, float *dbias, float *dx,
                              int B, float *tmp, float *dcol)
{
  const int K = blip_conv_fan_in (g), L = blip_conv_positions (g), O = g->C_out;
  const gsize ld = (gsize) B * L;
  /* tmp[O, B·L] = dout[B, O, L] regrouped by channel; db from the same pass */
  ConvJob re = { .g = g, .src = dout, .dst = tmp, .dbias = dbias, .B = B };
  blip_parallel_for (O, MAX ((gsize) 1, 65536 / MAX (ld, (gsize) 1)), regroup_channels, &re);
  /* dW[O, K] = tmp[O, B·L] · col[K, B·L]ᵀ */
  if (dweight != NULL)
    blip_sgemm (FALSE, TRUE, O, K, (int) ld,
                1.0f, tmp, (int) ld, col, (int) ld, 0.0f, dweight, K);
  if (dx != NULL)
    {
      /* dcol[K, B·L] = W[O, K]ᵀ · tmp[O, B·L], then col2im image by image */
      blip_sgemm (TRUE, FALSE, K, (int) ld, O,
                  1.0f, weight, K, tmp, (int) ld, 0.0f, dcol, (int) ld);
      ConvJob c2i = { .g = g, .src = dcol, .dst = dx, .B = B };
      blip_parallel_for (B, image_grain ((gsize) K * L), col2im_images, &c2i);
    }
}

typedef struct
{
  const BlipConvGeom *g;
  const float        *col, *dout;
  float              *fisher_w, *fisher_b, *grad;
  int                 B;
  float               scale;
} FisherJob;

/* Output channels [lo, hi) over every sample: their rows of each sample's
 * gradient, squared into their rows of the Fisher. Channels own disjoint
 * rows of grad and F, and each row sums its samples in order, so the result
 * does not depend on how channels fall to threads. */
static void
fisher_channels (gpointer data, gsize lo, gsize hi)
{
  const FisherJob *j = data;
  const int K = blip_conv_fan_in (j->g), L = blip_conv_positions (j->g), O = j->g->C_out;
  const gsize out_stride = (gsize) O * L, ld = (gsize) j->B * L, rows = hi - lo;
  float *grad = j->grad + lo * K;
  float *fw = j->fisher_w + lo * K;
  for (int n = 0; n < j->B; n++)
    {
      const float *dn = j->dout + n * out_stride + lo * L;
      /* grad[rows, K] = G_n[rows, L] · col_n[K, L]ᵀ, col_n being columns n·L.. of col;
       * one thread's share, so OpenBLAS is called directly. */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, K, L,
                   1.0f, dn, L, j->col + (gsize) n * L, (int) ld, 0.0f, grad, K);
      add_squares (fw, j->fisher_b ? j->fisher_b + lo : NULL, grad, rows * K, dn, (int) rows, L, j->scale);
    }
}

void
blip_conv2d_fisher_batched (const BlipConvGeom *g, const float *col, const float *dout,
                            float *fisher_w, float *fisher_b, int B, float scale, float *grad)
{
  FisherJob job = { g, col, dout, fisher_w, fisher_b, grad, B, scale };
  /* Blocks of channels: one per thread, at least 32 rows each so that the
   * per-sample GEMMs stay efficient. */
  int threads = blip_parallel_get_threads ();
  gsize O = g->C_out, grain = MAX ((gsize) 32, (O + threads - 1) / threads);
  blip_parallel_for (O, grain, fisher_channels, &job);
}

/* ---- pooling ------------------------------------------------------------- */

void
blip_maxpool2d_forward (const float *x, float *out, gint32 *argmax,
                        int B, int C, int H, int W, int k, int stride)
{
  const int Ho = blip_conv_out_size (H, k, stride, 0), Wo = blip_conv_out_size (W, k, stride, 0);
  const gsize planes = (gsize) B * C;
  for (gsize p = 0; p < planes; p++)
    {
      const float *xp = x + p * H * W;
      float *op = out + p * Ho * Wo;
      gint32 *ap = argmax + p * Ho * Wo;
      for (int oh = 0; oh < Ho; oh++)
        for (int ow = 0; ow < Wo; ow++)
          {
            int h0 = oh * stride, w0 = ow * stride;
            gint32 best = h0 * W + w0;
            float m = xp[best];
            for (int i = 0; i < k; i++)
              for (int j = 0; j < k; j++)
                {
                  gint32 idx = (h0 + i) * W + (w0 + j);
                  if (xp[idx] > m)
                    {
                      m = xp[idx];
                      best = idx;
                    }
                }
            op[oh * Wo + ow] = m;
            ap[oh * Wo + ow] = best;
          }
    }
}

void
blip_maxpool2d_backward (const float *dout, const gint32 *argmax, float *dx,
                         int B, int C, int H, int W, int k, int stride)
{
  const gsize lo = (gsize) blip_conv_out_size (H, k, stride, 0) * blip_conv_out_size (W, k, stride, 0);
  const gsize planes = (gsize) B * C;
  memset (dx, 0, sizeof (float) * planes * H * W);
  for (gsize p = 0; p < planes; p++)
    {
      float *dp = dx + p * H * W;
      const float *gp = dout + p * lo;
      const gint32 *ap = argmax + p * lo;
      for (gsize l = 0; l < lo; l++)
        dp[ap[l]] += gp[l];
    }
}

void
blip_avgpool2d_forward (const float *x, float *out,
                        int B, int C, int H, int W, int k, int stride)
{
  const int Ho = blip_conv_out_size (H, k, stride, 0), Wo = blip_conv_out_size (W, k, stride, 0);
  const gsize planes = (gsize) B * C;
  const float inv = 1.0f / (float) (k * k);
  for (gsize p = 0; p < planes; p++)
    {
      const float *xp = x + p * H * W;
      float *op = out + p * Ho * Wo;
      for (int oh = 0; oh < Ho; oh++)
        for (int ow = 0; ow < Wo; ow++)
          {
            const float *win = xp + (gsize) oh * stride * W + (gsize) ow * stride;
            float s = 0.0f;
            for (int i = 0; i < k; i++)
              for (int j = 0; j < k; j++)
                s += win[i * W + j];
            op[oh * Wo + ow] = s * inv;
          }
    }
}

void
blip_avgpool2d_backward (const float *dout, float *dx,
                         int B, int C, int H, int W, int k, int stride)
{
  const int Ho = blip_conv_out_size (H, k, stride, 0), Wo = blip_conv_out_size (W, k, stride, 0);
  const gsize planes = (gsize) B * C;
  const float inv = 1.0f / (float) (k * k);
  memset (dx, 0, sizeof (float) * planes * H * W);
  for (gsize p = 0; p < planes; p++)
    {
      float *dp = dx + p * H * W;
      const float *gp = dout + p * Ho * Wo;
      for (int oh = 0; oh < Ho; oh++)
        for (int ow = 0; ow < Wo; ow++)
          {
            float *win = dp + (gsize) oh * stride * W + (gsize) ow * stride;
            float v = gp[oh * Wo + ow] * inv;
            for (int i = 0; i < k; i++)
              for (int j = 0; j < k; j++)
                win[i * W + j] += v;
          }
    }
}

/* ---- dropout ------------------------------------------------------------- */

void
blip_dropout_forward (BlipRng *rng, const float *x, float *y, float *mask,
                      gsize n, float p, gboolean training)
{
  if (!training)
    {
      if (y != x)
        memcpy (y, x, sizeof (float) * n);
      return;
    }
  g_return_if_fail (p >= 0.0f && p <= 1.0f);
  const float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  /* u = k/2^24 with k the top 24 bits of a draw, so u ≥ p exactly when
   * k ≥ ⌈p·2^24⌉ (p·2^24 is exact in float): blip_rng_uniform's masks,
   * without a call and a float conversion per element. */
  const guint64 threshold = (guint64) ceilf (p * 16777216.0f);
  BlipRng local = *rng;
  for (gsize i = 0; i < n; i++)
    {
      float m = (blip_rng_next_inline (&local) >> 40) >= threshold ? keep : 0.0f;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  *rng = local;
}

void
blip_dropout_backward (const float *mask, const float *dy, float *dx, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

/* ---- batch normalisation ------------------------------------------------- */

void
blip_batchnorm2d_forward (const float *x, float *y, const float *gamma, const float *beta,
                          float *running_mean, float *running_var,
                          float *save_mean, float *save_invstd,
                          int B, int C, int HW, float momentum, float eps,
                          gboolean training)
{
  const gsize chw = (gsize) C * HW;
  const gsize N = (gsize) B * HW;
  for (int c = 0; c < C; c++)
    {
      float mean, invstd;
      if (training)
        {
          /* Two passes in double: mean, then the biased variance about it. */
          double s = 0.0;
          for (int b = 0; b < B; b++)
            {
              const float *xc = x + b * chw + (gsize) c * HW;
              for (int i = 0; i < HW; i++)
                s += xc[i];
            }
          double mu = N > 0 ? s / N : 0.0;
          double ss = 0.0;
          for (int b = 0; b < B; b++)
            {
              const float *xc = x + b * chw + (gsize) c * HW;
              for (int i = 0; i < HW; i++)
                {
                  double d = xc[i] - mu;
                  ss += d * d;
                }
            }
          double var = N > 0 ? ss / N : 0.0;
          mean = (float) mu;
          invstd = (float) (1.0 / sqrt (var + eps));
          save_mean[c] = mean;
          save_invstd[c] = invstd;
          if (running_mean != NULL && running_var != NULL)
            {
              double unbiased = N > 1 ? ss / (N - 1) : var;
              running_mean[c] = (float) ((1.0 - momentum) * running_mean[c] + momentum * mu);
              running_var[c] = (float) ((1.0 - momentum) * running_var[c] + momentum * unbiased);
            }
        }
      else
        {
          mean = running_mean[c];
          invstd = (float) (1.0 / sqrt ((double) running_var[c] + eps));
        }
      /* y = a·x + d with a = γ·invstd, d = β − a·μ */
      float a = gamma != NULL ? gamma[c] * invstd : invstd;
      float d = (beta != NULL ? beta[c] : 0.0f) - a * mean;
      for (int b = 0; b < B; b++)
        {
          const float *xc = x + b * chw + (gsize) c * HW;
          float *yc = y + b * chw + (gsize) c * HW;
          for (int i = 0; i < HW; i++)
            yc[i] = a * xc[i] + d;
        }
    }
}

void
blip_batchnorm2d_backward (const float *x, const float *dy, const float *gamma,
                           const float *save_mean, const float *save_invstd,
                           float *dx, float *dgamma, float *dbeta,
                           int B, int C, int HW, gboolean accumulate)
{
  const gsize chw = (gsize) C * HW;
  const gsize N = (gsize) B * HW;
  for (int c = 0; c < C; c++)
    {
      const float mean = save_mean[c], invstd = save_invstd[c];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      for (int b = 0; b < B; b++)
        {
          const float *xc = x + b * chw + (gsize) c * HW;
          const float *gc = dy + b * chw + (gsize) c * HW;
          for (int i = 0; i < HW; i++)
            {
              sum_dy += gc[i];
              sum_dy_xhat += (double) gc[i] * ((xc[i] - mean) * invstd);
            }
        }
      if (dgamma != NULL)
        dgamma[c] = (accumulate ? dgamma[c] : 0.0f) + (float) sum_dy_xhat;
      if (dbeta != NULL)
        dbeta[c] = (accumulate ? dbeta[c] : 0.0f) + (float) sum_dy;
      if (dx == NULL || N == 0)
        continue;
      /* dx = k·(dy − m1 − x̂·m2), k = γ·invstd; x̂ = (x − μ)·invstd */
      const float k = (gamma != NULL ? gamma[c] : 1.0f) * invstd;
      const float m1 = (float) (sum_dy / N), m2 = (float) (sum_dy_xhat / N);
      for (int b = 0; b < B; b++)
        {
          const float *xc = x + b * chw + (gsize) c * HW;
          const float *gc = dy + b * chw + (gsize) c * HW;
          float *dc = dx + b * chw + (gsize) c * HW;
          for (int i = 0; i < HW; i++)
            dc[i] = k * (gc[i] - m1 - (xc[i] - mean) * invstd * m2);
        }
    }
}
