/* blip-quant.h — BLIP's per-parameter state and formulas.
 *
 * A quantized layer keeps, for each of its parameters (weights, then biases):
 *   bits       uint8  frozen most-significant bits, 0..max_bit      1 byte
 *   anchor     float  the value the frozen bits encode              4 bytes
 *   fisher_old float  Fisher accumulated over the tasks so far      4 bytes
 * 9 bytes beyond the weight itself. The Fisher of the task being finished lives
 * in the optimiser's gradient buffer while it is needed, so it costs nothing here.
 *
 * The formulas follow the reference code (Yujun-Shi/BLIP, quant_layer.py):
 *   clip:      w ← anchor + clamp(w − anchor, ±bound·2^−bits), then w ← clamp(w, ±bound·(1 − 2^−max_bit))
 *   IG:        0.5/ln2 · ln((F_t + F_old·(t+1)) / (F_old·(t+2)))
 *   bits:      bits += clamp(ceil(IG), 0, max_bit − bits)
 *   quantize:  w ← round(w/bound · 2^bits) / 2^bits · bound   (0 bits → 0), anchor ← w
 *   fisher:    F_old ← (F_old·(t+1) + F_t) / (t+2)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gsize   n;           /* parameters covered: n_weight weights, then biases */
  gsize   n_weight;
  float   bound_w;     /* 6/sqrt(fan_in) */
  float   bound_b;     /* 1.0 */
  int     max_bit;
  guint8 *bits;
  float  *anchor;
  float  *fisher_old;
} BlipQuantState;

/* Allocates the state for n parameters; the prior Fisher is F_prior·fan_in. */
BlipQuantState *blip_quant_state_new  (gsize n_weight, gsize n_bias, int fan_in,
                                       int max_bit, double F_prior);
void            blip_quant_state_free (BlipQuantState *state);
/* Bound of parameter i: bound_w for weights, bound_b for biases. */
static inline float
blip_quant_state_bound (const BlipQuantState *state, gsize i)
{
  return i < state->n_weight ? state->bound_w : state->bound_b;
}

/* The ±bound·6/sqrt(fan_in) weight bound of a quantized layer. */
float   blip_quant_bound_for_fan_in (int fan_in);

/* Clip w[n] in place against its anchor and bits (see the header comment). */
void    blip_quant_clip        (float *w, const float *anchor, const guint8 *bits, gsize n,
                                float bound, int max_bit);
/* Clip a whole layer's parameters, weights and biases with their bounds. */
void    blip_quant_state_clip  (const BlipQuantState *state, float *params);
/* Clip only parameters [lo, hi) of the layer (for loops fused with the optimiser). */
void    blip_quant_state_clip_range (const BlipQuantState *state, float *params, gsize lo, gsize hi);

/* Q(w, bits) = round(w/bound·2^bits)/2^bits·bound, with 0 bits giving 0.
 * Rounding is to nearest, ties to even, as torch.round does. */
float   blip_quant_quantize    (float w, int bits, float bound);
/* Information gain of one parameter after task t (0-based). */
float   blip_quant_info_gain   (float fisher_task, float fisher_old, int task);
/* Bits to add for an information gain, given bits already frozen. */
int     blip_quant_bits_to_add (float info_gain, int bits, int max_bit);

/* After task t, with F_t in fisher_task[n]: update bits, quantize params and set
 * anchors, then fold F_t into fisher_old. bits_added (may be NULL) receives the
 * per-parameter increment. Returns the number of bits added to the layer. */
guint64 blip_quant_state_end_task (BlipQuantState *state, float *params, const float *fisher_task,
                                   int task, guint8 *bits_added);

/* First max_bit bits of the fixed-point code of w: the integer
 * round(w/bound·2^max_bit) in two's complement (what the app draws). */
gint32  blip_quant_code        (float w, float bound, int max_bit);

/* Σ bits over the layer. */
guint64 blip_quant_state_used_bits (const BlipQuantState *state);

G_END_DECLS
