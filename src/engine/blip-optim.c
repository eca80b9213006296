/* blip-optim.c — SGD, Adam, learning-rate schedules and gradient-norm
 * clipping; see blip-optim.h. */
#include "blip-optim.h"
#include "blip-parallel.h"

#include <math.h>
#include <string.h>

BlipSgd *
blip_sgd_new (gsize n, double lr, double momentum, double weight_decay)
{
  BlipSgd *sgd = g_new0 (BlipSgd, 1);
  sgd->n = n;
  sgd->lr = lr;
  sgd->momentum = momentum;
  sgd->weight_decay = weight_decay;
  if (momentum > 0.0)
    sgd->velocity = g_new0 (float, n);
  return sgd;
}

void
blip_sgd_free (BlipSgd *sgd)
{
  if (sgd == NULL)
    return;
  g_free (sgd->velocity);
  g_free (sgd);
}

void
blip_sgd_reset (BlipSgd *sgd, double lr)
{
  sgd->lr = lr;
  if (sgd->velocity != NULL)
    memset (sgd->velocity, 0, sizeof (float) * sgd->n);
}

void
blip_sgd_step_range (BlipSgd *sgd, float *params, const float *grads, gsize lo, gsize hi)
{
  const float lr = (float) sgd->lr;
  const float wd = (float) sgd->weight_decay;
  const float mu = (float) sgd->momentum;
  float *restrict w = params;
  const float *restrict g = grads;

  if (sgd->velocity == NULL && wd == 0.0f)
    {
      for (gsize i = lo; i < hi; i++)
        w[i] -= lr * g[i];
      return;
    }
  if (sgd->velocity == NULL)
    {
      for (gsize i = lo; i < hi; i++)
        w[i] -= lr * (g[i] + wd * w[i]);
      return;
    }
  float *restrict v = sgd->velocity;
  for (gsize i = lo; i < hi; i++)
    {
      float d = g[i] + wd * w[i];
      v[i] = mu * v[i] + d;
      w[i] -= lr * v[i];
    }
}

BlipAdam *
blip_adam_new (gsize n, double lr, double beta1, double beta2, double eps, double weight_decay)
{
  BlipAdam *adam = g_new0 (BlipAdam, 1);
  adam->n = n;
  adam->lr = lr;
  adam->beta1 = beta1;
  adam->beta2 = beta2;
  adam->eps = eps;
  adam->weight_decay = weight_decay;
  adam->m = g_new0 (float, n);
  adam->v = g_new0 (float, n);
  return adam;
}

void
blip_adam_free (BlipAdam *adam)
{
  if (adam == NULL)
    return;
  g_free (adam->m);
  g_free (adam->v);
  g_free (adam);
}

void
blip_adam_reset (BlipAdam *adam, double lr)
{
  adam->lr = lr;
  adam->t = 0;
  memset (adam->m, 0, sizeof (float) * adam->n);
  memset (adam->v, 0, sizeof (float) * adam->n);
}

void
blip_adam_begin_step (BlipAdam *adam)
{
  adam->t++;
  /* The corrections in double: 1 − β2ᵗ is about 1e-3 at t = 1. */
  double c1 = 1.0 - pow (adam->beta1, (double) adam->t);
  double c2 = 1.0 - pow (adam->beta2, (double) adam->t);
  adam->step_size = (float) (adam->lr / c1);
  adam->v_scale = (float) (1.0 / sqrt (c2));
}

void
blip_adam_step_range (BlipAdam *adam, float *params, const float *grads, gsize lo, gsize hi)
{
  const float b1 = (float) adam->beta1, b2 = (float) adam->beta2;
  const float eps = (float) adam->eps, wd = (float) adam->weight_decay;
  const float step = adam->step_size, vs = adam->v_scale;
  float *restrict w = params, *restrict m = adam->m, *restrict v = adam->v;
  const float *restrict g = grads;
  for (gsize i = lo; i < hi; i++)
    {
      float d = g[i] + wd * w[i];
      m[i] = b1 * m[i] + (1.0f - b1) * d;
      v[i] = b2 * v[i] + (1.0f - b2) * d * d;
      w[i] -= step * m[i] / (sqrtf (v[i]) * vs + eps);
    }
}

double
blip_lr_linear (double lr0, gint64 step, gint64 total)
{
  if (total <= 0)
    return lr0;
  return lr0 * (1.0 - (double) step / (double) total);
}

double
blip_lr_exponential (double lr0, double gamma, gint64 step)
{
  return lr0 * pow (gamma, (double) step);
}

double
blip_clip_grad_norm (float *grads, gsize n, double max_norm)
{
  double norm = sqrt (blip_parallel_sum_squares (grads, n));
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0)
    blip_parallel_scale (grads, n, (float) coef);
  return norm;
}
