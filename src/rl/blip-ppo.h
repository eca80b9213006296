/* blip-ppo.h — the arithmetic of PPO (Schulman et al. 2017) as the
 * reference's RL code computes it (a2c_ppo_acktr storage.py and ppo.py):
 * generalised advantage estimation over a rollout, advantage normalisation,
 * and the clipped surrogate, clipped value and entropy losses with their
 * exact gradient with respect to the policy network's outputs.
 *
 * The policy network has, per task, one head of n_actions + 1 outputs: the
 * action logits, then the state value. So the existing network's forward
 * and backward serve PPO unchanged; the loss writes dlogits for both parts.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GAE(γ, λ) over a rollout of T steps of N environments, time-major:
 *   rewards[t·N + n], dones[t·N + n] = 1 when the episode ended at step t
 *   (the step's observation after it is a new episode's first), values
 *   [(T + 1)·N]: V(s_t) for t < T and the bootstrap value V(s_T) last.
 *   δ_t = r_t + γ·V_{t+1}·(1 − d_t) − V_t,  A_t = δ_t + γλ·(1 − d_t)·A_{t+1}
 * returns[t·N + n] = A_t + V_t (the value targets), advantages (may be NULL) = A_t. */
void   blip_ppo_gae (const float *rewards, const float *dones, const float *values, int T, int N,
                     double gamma, double lambda, float *returns, float *advantages);

/* adv[i] ← (adv[i] − mean) / (std + 1e-5) over n values, std with Bessel's
 * correction (torch's default), as ppo.py normalises once per rollout. */
void   blip_ppo_normalize (float *adv, gsize n);

typedef struct {
  double clip;           /* ε of the ratio clip and of the value clip */
  double value_coef;
  double entropy_coef;
} BlipPpoParams;

typedef struct {
  double total;          /* value_coef·value + action − entropy_coef·entropy */
  double action;         /* −mean min(r·A, clip(r)·A) */
  double value;          /* 0.5·mean max((V − R)², (V_clip − R)²) */
  double entropy;        /* mean entropy of π */
  double clip_fraction;  /* share of samples whose ratio left [1 − ε, 1 + ε] */
} BlipPpoLoss;

/* Softmax of logits[A] into probs[A]; returns log Σ exp (for log π). */
double blip_ppo_softmax (const float *logits, int A, float *probs);

/* The PPO loss of a minibatch and its gradient. out[B, A + 1] holds each
 * sample's logits then value; actions[B], old_logp[B] (log π_old(a|s)),
 * adv[B], old_values[B], returns[B] come from the rollout. Writes
 * dout[B, A + 1] = ∂total/∂out (mean over B) and fills *loss. probs[B·A] is
 * scratch (π of each sample). */
void   blip_ppo_loss (const float *out, int B, int A, const gint32 *actions, const float *old_logp,
                      const float *adv, const float *old_values, const float *returns,
                      const BlipPpoParams *params, float *probs, float *dout, BlipPpoLoss *loss);

G_END_DECLS
