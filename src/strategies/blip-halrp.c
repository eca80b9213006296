/* blip-halrp.c — HALRP's per-layer maps, rank selection and pruning. */
#include "blip-halrp.h"

#include "blip-parallel.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* w [out, in_s·kk] ← diag(r)·w0·diag(s) + B·A; scratch [out, in_s] holds B·A. */
void
blip_halrp_compose (int out, int in_s, int kk, int rank, const float *w0, const float *r,
                    const float *s, const float *B, const float *A, float *w, float *scratch)
{
  if (rank > 0)
    blip_sgemm (FALSE, FALSE, out, in_s, rank,
                1.0f, B, rank, A, in_s, 0.0f, scratch, in_s);
  else
    memset (scratch, 0, sizeof (float) * out * in_s);
  gsize row = (gsize) in_s * kk;
  for (int o = 0; o < out; o++)
    {
      const float *restrict w0o = w0 + o * row;
      const float *restrict mo = scratch + (gsize) o * in_s;
      float *restrict wo = w + o * row;
      const float ro = r[o];
      for (int c = 0; c < in_s; c++)
        {
          const float sc = ro * s[c], m = mo[c];
          for (int p = 0; p < kk; p++)
            wo[c * kk + p] = sc * w0o[c * kk + p] + m;
        }
    }
}

/* gw [out, in_s·kk] → dr [out], ds [in_s], dB [out, rank], dA [rank, in_s]. */
void
blip_halrp_backprop (int out, int in_s, int kk, int rank, const float *w0, const float *r,
                     const float *s, const float *B, const float *A, const float *gw,
                     float *dr, float *ds, float *dB, float *dA, float *scratch)
{
  gsize row = (gsize) in_s * kk;
  memset (ds, 0, sizeof (float) * in_s);
  for (int o = 0; o < out; o++)
    {
      const float *restrict w0o = w0 + o * row, *restrict go = gw + o * row;
      float *restrict dmo = scratch + (gsize) o * in_s;
      double acc_r = 0.0;
      for (int c = 0; c < in_s; c++)
        {
          float gw0 = 0.0f, gsum = 0.0f;
          for (int p = 0; p < kk; p++)
            {
              gw0 += go[c * kk + p] * w0o[c * kk + p];
              gsum += go[c * kk + p];
            }
          acc_r += (double) gw0 * s[c];
          ds[c] += gw0 * r[o];
          dmo[c] = gsum;
        }
      dr[o] = (float) acc_r;
    }
  if (rank > 0)
    {
      /* dB [out, rank] = dM [out, in_s] · Aᵀ;  dA [rank, in_s] = Bᵀ · dM. */
      blip_sgemm (FALSE, TRUE, out, rank, in_s,
                  1.0f, scratch, in_s, A, in_s, 0.0f, dB, rank);
      blip_sgemm (TRUE, FALSE, rank, in_s, out,
                  1.0f, B, rank, scratch, in_s, 0.0f, dA, in_s);
    }
}

void
blip_halrp_fit_scales (int out, int in_s, int kk, const float *w0, const float *wf,
                       float *r, float *s, float *d)
{
  gsize row = (gsize) in_s * kk;
  for (int o = 0; o < out; o++)
    {
      double num = 0.0, den = 0.0;
      for (gsize j = 0; j < row; j++)
        {
          num += (double) wf[o * row + j] * w0[o * row + j];
          den += (double) w0[o * row + j] * w0[o * row + j];
        }
      r[o] = (float) (num / MAX (den, 1e-20));
    }
  double *num = g_new0 (double, in_s), *den = g_new0 (double, in_s);
  for (int o = 0; o < out; o++)
    for (int c = 0; c < in_s; c++)
      for (int p = 0; p < kk; p++)
        {
          double rw = (double) r[o] * w0[o * row + c * kk + p];
          num[c] += rw * wf[o * row + c * kk + p];
          den[c] += rw * rw;
        }
  for (int c = 0; c < in_s; c++)
    s[c] = (float) (num[c] / MAX (den[c], 1e-20));
  g_free (num);
  g_free (den);
  for (int o = 0; o < out; o++)
    for (int c = 0; c < in_s; c++)
      {
        double sum = 0.0;
        for (int p = 0; p < kk; p++)
          {
            gsize j = o * row + c * kk + p;
            sum += wf[j] - (double) r[o] * w0[j] * s[c];
          }
        d[(gsize) o * in_s + c] = (float) (sum / kk);
      }
}

typedef struct {
  double score;
  int    layer;
  int    index;      /* position in the concatenation, to break ties stably */
} Score;

static int
score_desc (const void *a, const void *b)
{
  const Score *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->index - y->index;
}

void
blip_halrp_select_ranks (int n_layers, const int *n_sv, const float *sv, const double *importance,
                         const int *kk, double rate, int max_rank, int *ranks)
{
  int total = 0;
  for (int l = 0; l < n_layers; l++)
    total += n_sv[l];
  Score *scores = g_new (Score, MAX (total, 1));
  double sum = 0.0;
  for (int l = 0, i = 0; l < n_layers; l++)
    for (int j = 0; j < n_sv[l]; j++, i++)
      {
        scores[i] = (Score) { kk[l] * (double) sv[i] * sv[i] * importance[l], l, i };
        sum += scores[i].score;
      }
  qsort (scores, total, sizeof (Score), score_desc);
  /* The first index whose cumulative share exceeds rate (0 when none does,
   * as numpy's argmax of an all-false array). */
  int truncate = 0;
  double cum = 0.0;
  for (int i = 0; i < total; i++)
    {
      cum += scores[i].score;
      if (sum > 0 && cum / sum > rate)
        {
          truncate = i;
          break;
        }
    }
  for (int l = 0; l < n_layers; l++)
    ranks[l] = 0;
  for (int i = 0; i <= truncate && i < total; i++)
    ranks[scores[i].layer]++;
  for (int l = 0; l < n_layers; l++)
    ranks[l] = CLAMP (ranks[l], 1, MIN (max_rank, MAX (n_sv[l], 1)));
  g_free (scores);
}

static int
float_asc (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

double
blip_halrp_percentile (float *values, gsize n, double q)
{
  if (n == 0)
    return 0.0;
  qsort (values, n, sizeof (float), float_asc);
  double pos = q / 100.0 * (double) (n - 1);
  gsize lo = (gsize) floor (pos), hi = MIN (lo + 1, n - 1);
  double frac = pos - (double) lo;
  return values[lo] + frac * ((double) values[hi] - values[lo]);
}

double
blip_halrp_prune (float *values, gsize n, double rate, double min_threshold, float *scratch,
                  gsize *zeroed)
{
  for (gsize i = 0; i < n; i++)
    scratch[i] = fabsf (values[i]);
  double threshold = MAX (blip_halrp_percentile (scratch, n, 100.0 * rate), min_threshold);
  gsize z = 0;
  for (gsize i = 0; i < n; i++)
    {
      if (fabsf (values[i]) <= threshold)
        values[i] = 0.0f;
      z += values[i] == 0.0f;
    }
  if (zeroed)
    *zeroed = z;
  return threshold;
}
