/* blip-ppo.c — GAE, advantage normalisation and the PPO loss with its
 * gradient (see blip-ppo.h for the formulas). */
#include "blip-ppo.h"

#include <math.h>

void
blip_ppo_gae (const float *rewards, const float *dones, const float *values, int T, int N,
              double gamma, double lambda, float *returns, float *advantages)
{
  for (int n = 0; n < N; n++)
    {
      double gae = 0.0;
      for (int t = T - 1; t >= 0; t--)
        {
          gsize i = (gsize) t * N + n;
          double mask = 1.0 - dones[i];
          double delta = rewards[i] + gamma * values[i + N] * mask - values[i];
          gae = delta + gamma * lambda * mask * gae;
          returns[i] = (float) (gae + values[i]);
          if (advantages != NULL)
            advantages[i] = (float) gae;
        }
    }
}

void
blip_ppo_normalize (float *adv, gsize n)
{
  if (n == 0)
    return;
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += adv[i];
  double mean = sum / n, ss = 0.0;
  for (gsize i = 0; i < n; i++)
    ss += (adv[i] - mean) * (adv[i] - mean);
  /* torch's std() of one element is NaN; one sample gets std 0 here instead. */
  double std = n > 1 ? sqrt (ss / (n - 1)) : 0.0;
  for (gsize i = 0; i < n; i++)
    adv[i] = (float) ((adv[i] - mean) / (std + 1e-5));
}

/* logits[A] → probs[A]; returns the log-sum-exp. */
double
blip_ppo_softmax (const float *logits, int A, float *probs)
{
  float m = logits[0];
  for (int a = 1; a < A; a++)
    m = MAX (m, logits[a]);
  double z = 0.0;
  for (int a = 0; a < A; a++)
    {
      double e = exp ((double) logits[a] - m);
      probs[a] = (float) e;
      z += e;
    }
  for (int a = 0; a < A; a++)
    probs[a] = (float) (probs[a] / z);
  return m + log (z);
}

/* out[B, A+1], rollout columns [B] → dout[B, A+1], *loss */
void
blip_ppo_loss (const float *out, int B, int A, const gint32 *actions, const float *old_logp,
               const float *adv, const float *old_values, const float *returns,
               const BlipPpoParams *params, float *probs, float *dout, BlipPpoLoss *loss)
{
  const double eps = params->clip, inv_b = 1.0 / B;
  double action_sum = 0.0, value_sum = 0.0, entropy_sum = 0.0;
  int clipped = 0;
  for (int b = 0; b < B; b++)
    {
      const float *o = out + (gsize) b * (A + 1);
      float *d = dout + (gsize) b * (A + 1);
      float *p = probs + (gsize) b * A;
      double lse = blip_ppo_softmax (o, A, p);
      int a = actions[b];

      /* Entropy H = −Σ π log π; ∂H/∂z_j = −π_j (log π_j + H). */
      double H = 0.0;
      for (int j = 0; j < A; j++)
        {
          double logp = o[j] - lse;
          H -= p[j] * logp;
        }
      entropy_sum += H;

      /* Surrogate: −min(r·A, clip(r)·A). Its gradient w.r.t. log π(a) is
       * −r·A where the unclipped term is the minimum (or both agree inside
       * the clip range), and 0 where the clipped, constant term is. */
      double logp_a = o[a] - lse;
      double ratio = exp (logp_a - old_logp[b]);
      double clipped_ratio = CLAMP (ratio, 1.0 - eps, 1.0 + eps);
      double s1 = ratio * adv[b], s2 = clipped_ratio * adv[b];
      action_sum -= MIN (s1, s2);
      if (ratio < 1.0 - eps || ratio > 1.0 + eps)
        clipped++;
      double g_logp = s1 <= s2 ? -ratio * adv[b] : 0.0;

      for (int j = 0; j < A; j++)
        {
          double logp = o[j] - lse;
          /* ∂log π(a)/∂z_j = δ_aj − π_j */
          double g = g_logp * ((j == a) - p[j]);
          g += params->entropy_coef * p[j] * (logp + H);
          d[j] = (float) (g * inv_b);
        }

      /* Clipped value loss: 0.5·max((V − R)², (V_old + clip(V − V_old) − R)²). */
      double v = o[A], v_old = old_values[b], R = returns[b];
      double dv = v - v_old;
      double v_clip = v_old + CLAMP (dv, -eps, eps);
      double l1 = (v - R) * (v - R), l2 = (v_clip - R) * (v_clip - R);
      double g_v;
      if (l1 >= l2)
        g_v = v - R;
      else
        g_v = (dv > -eps && dv < eps) ? v_clip - R : 0.0;
      value_sum += 0.5 * MAX (l1, l2);
      d[A] = (float) (params->value_coef * g_v * inv_b);
    }
  BlipPpoLoss l = {
    .action = action_sum * inv_b,
    .value = value_sum * inv_b,
    .entropy = entropy_sum * inv_b,
    .clip_fraction = (double) clipped * inv_b,
  };
  l.total = params->value_coef * l.value + l.action - params->entropy_coef * l.entropy;
  if (loss != NULL)
    *loss = l;
}
