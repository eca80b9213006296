/* blip-optim.h — the engine's optimisers and learning-rate schedules, with
 * PyTorch semantics so that runs compare with the reference code bases.
 *
 * SGD with momentum and weight decay:
 *
 *   g ← g + weight_decay·w
 *   v ← momentum·v + g        (v starts at 0)
 *   w ← w − lr·v              (w ← w − lr·g without momentum)
 *
 * It works on ranges of the parameter arena so that the trainer can fuse the
 * update with a strategy's per-element hook (BLIP's clip) while the range is
 * still in cache.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double  lr;
  double  momentum;
  double  weight_decay;
  gsize   n;
  float  *velocity;     /* n floats, NULL without momentum */
} BlipSgd;

BlipSgd *blip_sgd_new   (gsize n, double lr, double momentum, double weight_decay);
void     blip_sgd_free  (BlipSgd *sgd);
/* The reference makes a new optimiser at each task start and each lr decay,
 * which drops the momentum; this does the same. */
void     blip_sgd_reset (BlipSgd *sgd, double lr);
/* Update params[lo, hi) from grads[lo, hi). */
void     blip_sgd_step_range (BlipSgd *sgd, float *params, const float *grads, gsize lo, gsize hi);

/* Adam (Kingma & Ba), as torch.optim.Adam with L2 weight decay:
 *
 *   g ← g + weight_decay·w
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   w ← w − lr·(m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + eps)
 *
 * PPO (lr 2.5e-4, eps 1e-5, linear decay) and HALRP (exponential decay per
 * iteration) use it. Like BlipSgd it updates ranges, so a strategy's
 * per-element hook can run on a range while it is in cache; the step count t
 * is shared by the whole arena, so each optimiser step begins with
 * blip_adam_begin_step() and then updates every range once. */
typedef struct {
  double  lr;
  double  beta1, beta2;
  double  eps;
  double  weight_decay;
  gint64  t;            /* steps begun */
  gsize   n;
  float  *m;            /* n floats: first moments */
  float  *v;            /* n floats: second moments */
  /* Bias corrections of step t, set by begin_step. */
  float   step_size;    /* lr / (1 − β1ᵗ) */
  float   v_scale;      /* 1 / sqrt(1 − β2ᵗ) */
} BlipAdam;

BlipAdam *blip_adam_new   (gsize n, double lr, double beta1, double beta2, double eps, double weight_decay);
void      blip_adam_free  (BlipAdam *adam);
/* Forgets the moments and the step count, and sets lr. */
void      blip_adam_reset (BlipAdam *adam, double lr);
/* Starts optimiser step t + 1 with the current lr (set adam->lr first to
 * follow a schedule). */
void      blip_adam_begin_step (BlipAdam *adam);
/* Update params[lo, hi) from grads[lo, hi) within the step begun last. */
void      blip_adam_step_range (BlipAdam *adam, float *params, const float *grads, gsize lo, gsize hi);

/* Schedules. Linear decay to 0 over `total` steps, as PPO's
 * update_linear_schedule: lr0·(1 − step/total), step counted from 0. */
double    blip_lr_linear      (double lr0, gint64 step, gint64 total);
/* Exponential decay per iteration, as torch's ExponentialLR: lr0·γ^step. */
double    blip_lr_exponential (double lr0, double gamma, gint64 step);

/* Scales grads[0, n) so that their L2 norm is at most max_norm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient max_norm / (norm + 1e-6) when
 * below 1). Returns the norm before clipping. */
double    blip_clip_grad_norm (float *grads, gsize n, double max_norm);

G_END_DECLS
