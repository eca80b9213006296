/* blip-quant.c — BLIP's clip, information gain, bit update and quantizer. */
#include "blip-quant.h"

#include <math.h>
#include <string.h>

BlipQuantState *
blip_quant_state_new (gsize n_weight, gsize n_bias, int fan_in, int max_bit, double F_prior)
{
  BlipQuantState *s = g_new0 (BlipQuantState, 1);
  s->n_weight = n_weight;
  s->n = n_weight + n_bias;
  s->bound_w = blip_quant_bound_for_fan_in (fan_in);
  s->bound_b = 1.0f;
  s->max_bit = max_bit;
  s->bits = g_new0 (guint8, s->n);
  s->anchor = g_new0 (float, s->n);   /* the reference starts anchors at 0, not at the init */
  s->fisher_old = g_new (float, s->n);
  /* Each layer's prior scales with its fan-in, as the reference does. */
  float prior = (float) (F_prior * fan_in);
  for (gsize i = 0; i < s->n; i++)
    s->fisher_old[i] = prior;
  return s;
}

void
blip_quant_state_free (BlipQuantState *state)
{
  if (state == NULL)
    return;
  g_free (state->bits);
  g_free (state->anchor);
  g_free (state->fisher_old);
  g_free (state);
}

float
blip_quant_bound_for_fan_in (int fan_in)
{
  return (float) (6.0 * sqrt (1.0 / fan_in));
}

/* bound·2^-bits, exactly, by lowering the exponent field: a shift and a
 * subtraction the compiler can vectorise, unlike ldexpf(). Valid while the
 * result stays a normal float, which bound ≥ 2^-100 and bits ≤ 24 guarantee. */
static inline float
scale_down_pow2 (float bound, guint32 bits)
{
  union { float f; guint32 u; } v = { bound };
  v.u -= bits << 23;
  return v.f;
}

void
blip_quant_clip (float *restrict w, const float *restrict anchor, const guint8 *restrict bits, gsize n,
                 float bound, int max_bit)
{
  const float outer = bound * (1.0f - ldexpf (1.0f, -max_bit));
  g_assert (bound >= 0x1p-100f);
  for (gsize i = 0; i < n; i++)
    {
      float range = scale_down_pow2 (bound, bits[i]);
      float diff = w[i] - anchor[i];
      diff = diff > range ? range : diff;
      diff = diff < -range ? -range : diff;
      float v = anchor[i] + diff;
      v = v > outer ? outer : v;
      v = v < -outer ? -outer : v;
      w[i] = v;
    }
}

void
blip_quant_state_clip_range (const BlipQuantState *s, float *params, gsize lo, gsize hi)
{
  gsize mid = MIN (MAX (lo, s->n_weight), hi);
  if (mid > lo)
    blip_quant_clip (params + lo, s->anchor + lo, s->bits + lo, mid - lo, s->bound_w, s->max_bit);
  if (hi > mid)
    blip_quant_clip (params + mid, s->anchor + mid, s->bits + mid, hi - mid, s->bound_b, s->max_bit);
}

void
blip_quant_state_clip (const BlipQuantState *s, float *params)
{
  blip_quant_state_clip_range (s, params, 0, s->n);
}

float
blip_quant_quantize (float w, int bits, float bound)
{
  if (bits == 0)
    return 0.0f;
  float scale = ldexpf (1.0f, bits);
  return nearbyintf (w / bound * scale) / scale * bound;
}

float
blip_quant_info_gain (float fisher_task, float fisher_old, int task)
{
  /* Computed in float, as the reference's float32 tensors do, so that ceil()
   * lands on the same side of an integer. */
  const float C = (float) (0.5 / G_LN2);
  float num = fisher_task + fisher_old * (float) (task + 1);
  float den = fisher_old * (float) (task + 2);
  return C * logf (num / den);
}

int
blip_quant_bits_to_add (float info_gain, int bits, int max_bit)
{
  if (!(info_gain > 0.0f))     /* also catches NaN */
    return 0;
  float grow = ceilf (info_gain);
  int room = max_bit - bits;
  if (room <= 0)
    return 0;
  return grow >= (float) room ? room : (int) grow;
}

guint64
blip_quant_state_end_task (BlipQuantState *s, float *params, const float *fisher_task,
                           int task, guint8 *bits_added)
{
  guint64 added = 0;
  for (gsize i = 0; i < s->n; i++)
    {
      float ig = blip_quant_info_gain (fisher_task[i], s->fisher_old[i], task);
      int grow = blip_quant_bits_to_add (ig, s->bits[i], s->max_bit);
      s->bits[i] += grow;
      added += grow;
      if (bits_added != NULL)
        bits_added[i] = grow;
      float q = blip_quant_quantize (params[i], s->bits[i], blip_quant_state_bound (s, i));
      params[i] = q;
      s->anchor[i] = q;
      s->fisher_old[i] = (s->fisher_old[i] * (float) (task + 1) + fisher_task[i]) / (float) (task + 2);
    }
  return added;
}

gint32
blip_quant_code (float w, float bound, int max_bit)
{
  return (gint32) nearbyintf (w / bound * ldexpf (1.0f, max_bit));
}

guint64
blip_quant_state_used_bits (const BlipQuantState *s)
{
  guint64 total = 0;
  for (gsize i = 0; i < s->n; i++)
    total += s->bits[i];
  return total;
}
