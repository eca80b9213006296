/* blip-layers.c — layer kernels; see blip-layers.h for shapes. */
#include "blip-layers.h"

#include "blip-parallel.h"
#include <math.h>
#include <string.h>

void
blip_linear_forward (const float *in, const float *weight, const float *bias,
                     float *out, int B, int K, int O)
{
  /* out[B,O] = in[B,K] · W[O,K]ᵀ */
  blip_sgemm (FALSE, TRUE, B, O, K,
              1.0f, in, K, weight, K, 0.0f, out, O);
  if (bias != NULL)
    for (int b = 0; b < B; b++)
      {
        float *row = out + (gsize) b * O;
        for (int o = 0; o < O; o++)
          row[o] += bias[o];
      }
}

void
blip_linear_backward (const float *in, const float *weight, const float *dout,
                      float *dweight, float *dbias, float *din,
                      int B, int K, int O, gboolean accumulate)
{
  float beta = accumulate ? 1.0f : 0.0f;
  if (dweight != NULL)
    /* dW[O,K] = dout[B,O]ᵀ · in[B,K] */
    blip_sgemm (TRUE, FALSE, O, K, B,
                1.0f, dout, O, in, K, beta, dweight, K);
  if (dbias != NULL)
    {
      if (!accumulate)
        memset (dbias, 0, sizeof (float) * O);
      for (int b = 0; b < B; b++)
        {
          const float *row = dout + (gsize) b * O;
          for (int o = 0; o < O; o++)
            dbias[o] += row[o];
        }
    }
  if (din != NULL)
    /* din[B,K] = dout[B,O] · W[O,K] */
    blip_sgemm (FALSE, FALSE, B, K, O,
                1.0f, dout, O, weight, K, 0.0f, din, K);
}

void
blip_linear_fisher (const float *in, const float *dout, float *fisher_w, float *fisher_b,
                    int B, int K, int O, float scale, float *sq_in, float *sq_dout)
{
  gsize nin = (gsize) B * K, nout = (gsize) B * O;
  for (gsize i = 0; i < nin; i++)
    sq_in[i] = in[i] * in[i];
  for (gsize i = 0; i < nout; i++)
    sq_dout[i] = dout[i] * dout[i];
  /* The gradient of sample n is the outer product dout_n ⊗ in_n, so its square is
   * dout_n² ⊗ in_n²; summing over n is one product of the squared matrices. */
  blip_sgemm (TRUE, FALSE, O, K, B,
              scale, sq_dout, O, sq_in, K, 1.0f, fisher_w, K);
  if (fisher_b != NULL)
    for (int b = 0; b < B; b++)
      {
        const float *row = sq_dout + (gsize) b * O;
        for (int o = 0; o < O; o++)
          fisher_b[o] += scale * row[o];
      }
}

void
blip_relu_forward (float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
blip_bias_relu_forward (float *x, const float *bias, int B, int O)
{
  for (int b = 0; b < B; b++)
    {
      float *row = x + (gsize) b * O;
      for (int o = 0; o < O; o++)
        {
          float v = row[o] + bias[o];
          row[o] = v > 0.0f ? v : 0.0f;
        }
    }
}

void
blip_relu_backward (const float *y, float *dx, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] = y[i] > 0.0f ? dx[i] : 0.0f;
}

double
blip_softmax_xent_forward (const float *logits, const gint32 *labels, float *probs,
                           int B, int C, int *correct)
{
  double total = 0.0;
  int hits = 0;
  for (int b = 0; b < B; b++)
    {
      const float *z = logits + (gsize) b * C;
      float *p = probs + (gsize) b * C;
      float max = z[0];
      int argmax = 0;
      for (int c = 1; c < C; c++)
        if (z[c] > max)
          {
            max = z[c];
            argmax = c;
          }
      /* Subtracting the max keeps exp() finite; log-sum-exp in double for the loss. */
      double sum = 0.0;
      for (int c = 0; c < C; c++)
        {
          p[c] = expf (z[c] - max);
          sum += p[c];
        }
      float inv = (float) (1.0 / sum);
      for (int c = 0; c < C; c++)
        p[c] *= inv;
      int y = labels[b];
      total += log (sum) - (double) (z[y] - max);
      hits += (argmax == y);
    }
  if (correct != NULL)
    *correct = hits;
  return total;
}

void
blip_softmax_xent_backward (const float *probs, const gint32 *labels, float *dlogits,
                            int B, int C, float scale)
{
  for (int b = 0; b < B; b++)
    {
      const float *p = probs + (gsize) b * C;
      float *d = dlogits + (gsize) b * C;
      for (int c = 0; c < C; c++)
        d[c] = scale * p[c];
      d[labels[b]] -= scale;
    }
}
