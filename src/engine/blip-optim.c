/* blip-optim.c — SGD; see blip-optim.h. */
#include "blip-optim.h"

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
