/* blip-optim.h — SGD with momentum and weight decay, PyTorch semantics.
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

G_END_DECLS
