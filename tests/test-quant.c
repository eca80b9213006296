/* test-quant.c — BLIP's formulas against hand-computed golden values: the
 * bound, the quantizer (including ties), the clip, the information gain, the
 * bit update and the end-of-task sequence; plus property tests of the clip on
 * random values. */
#include "blip.h"

#include <float.h>
#include <math.h>

static void
test_bound (void)
{
  /* 6/sqrt(784) = 6/28 */
  g_assert_cmpfloat_with_epsilon (blip_quant_bound_for_fan_in (784), 6.0 / 28.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (blip_quant_bound_for_fan_in (36), 1.0, 1e-7);
}

typedef struct {
  float w;
  int   bits;
  float bound;
  float expected;
} QuantCase;

static const QuantCase quant_cases[] = {
  /* 0.1/0.2142857 = 0.46667; ×8 = 3.733 → 4; 4/8·bound = 0.10714286 */
  { 0.1f, 3, 6.0f / 28.0f, 0.5f * (6.0f / 28.0f) },
  /* zero bits: the reference sets the parameter to 0 */
  { 0.37f, 0, 1.0f, 0.0f },
  { -0.9f, 0, 1.0f, 0.0f },
  /* ties go to even, as torch.round: 1.25·2 = 2.5 → 2; 0.75·2 = 1.5 → 2 */
  { 1.25f, 1, 1.0f, 1.0f },
  { 0.75f, 1, 1.0f, 1.0f },
  { -0.75f, 1, 1.0f, -1.0f },
  /* 0.3·16 = 4.8 → 5 → 0.3125 */
  { 0.3f, 4, 1.0f, 0.3125f },
  { -0.3f, 4, 1.0f, -0.3125f },
  /* many bits reproduce the value to 2^-20 */
  { 0.123456f, 20, 1.0f, 129453.0f / 1048576.0f },
};

static void
test_quantize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (quant_cases); i++)
    {
      const QuantCase *c = &quant_cases[i];
      float q = blip_quant_quantize (c->w, c->bits, c->bound);
      if (fabsf (q - c->expected) > 1e-7f)
        g_error ("case %zu: Q(%g, %d, %g) = %.9g, expected %.9g", i, c->w, c->bits, c->bound, q, c->expected);
    }
}

typedef struct {
  float  w, anchor;
  guint8 bits;
  float  bound;
  int    max_bit;
  float  expected;
} ClipCase;

static const ClipCase clip_cases[] = {
  /* range 1·2^-2 = 0.25 around 0.5 */
  { 0.9f, 0.5f, 2, 1.0f, 20, 0.75f },
  { 0.1f, 0.5f, 2, 1.0f, 20, 0.25f },
  { 0.6f, 0.5f, 2, 1.0f, 20, 0.6f },
  /* no bits: only the outer bound ±(1 − 2^-20) applies */
  { 1.5f, 0.99f, 0, 1.0f, 20, 1.0f - 1.0f / 1048576.0f },
  { -3.0f, 0.0f, 0, 1.0f, 20, -(1.0f - 1.0f / 1048576.0f) },
  /* the reference's starting anchor is 0, so task 1 can reach the full bound */
  { 0.2f, 0.0f, 0, 6.0f / 28.0f, 20, 0.2f },
  /* max_bit 4: outer bound 1 − 1/16 */
  { 0.99f, 0.9f, 1, 1.0f, 4, 0.9375f },
  /* fully frozen at max_bit: moves of at most bound·2^-20 */
  { 0.5f, 0.25f, 20, 1.0f, 20, 0.25f + 1.0f / 1048576.0f },
};

static void
test_clip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (clip_cases); i++)
    {
      const ClipCase *c = &clip_cases[i];
      float w = c->w;
      blip_quant_clip (&w, &c->anchor, &c->bits, 1, c->bound, c->max_bit);
      if (fabsf (w - c->expected) > 1e-7f)
        g_error ("case %zu: clip(%g | anchor %g, %d bits) = %.9g, expected %.9g", i, c->w, c->anchor,
                 c->bits, w, c->expected);
    }
}

typedef struct {
  float F_t, F_old;
  int   task;
  float ig;       /* 0.5·log2((F_t + F_old(t+1)) / (F_old(t+2))) */
  int   bits_before;
  int   max_bit;
  int   added;
} IgCase;

static const IgCase ig_cases[] = {
  /* (3+1)/2 = 2 → 0.5 bit → ceil 1 */
  { 3.0f, 1.0f, 0, 0.5f, 0, 20, 1 },
  /* (15+1)/2 = 8 → 1.5 → 2 */
  { 15.0f, 1.0f, 0, 1.5f, 0, 20, 2 },
  /* F_t = F_old: (1+1)/2 = 1 → 0 bits */
  { 1.0f, 1.0f, 0, 0.0f, 3, 20, 0 },
  /* a task with no information lowers the mean: negative IG adds nothing */
  { 0.0f, 1.0f, 1, -0.2924813f, 5, 20, 0 },
  /* t = 1: (1022 + 2)/3 = 341.33 → 0.5·log2 = 4.2074 → 5 */
  { 1022.0f, 1.0f, 1, 4.2075187f, 0, 20, 5 },
  /* capped by the room left: 2^40 ratio → 20 bits wanted, 12 free */
  { 1099511627776.0f * 2.0f, 1.0f, 0, 20.0f, 8, 20, 12 },
  /* already full */
  { 1e6f, 1e-3f, 0, 14.448676f, 20, 20, 0 },   /* (1e6 + 1e-3)/2e-3 = 5e8 */
  /* F_prior-scale numbers as in a real run (1e-15 · 784) */
  { 7.84e-10f, 7.84e-13f, 0, 4.483613f, 0, 20, 5 },  /* 1001/2 */
};

static void
test_info_gain (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ig_cases); i++)
    {
      const IgCase *c = &ig_cases[i];
      float ig = blip_quant_info_gain (c->F_t, c->F_old, c->task);
      if (fabsf (ig - c->ig) > 1e-3f * MAX (1.0f, fabsf (c->ig)))
        g_error ("case %zu: IG = %.7g, expected %.7g", i, ig, c->ig);
      int added = blip_quant_bits_to_add (ig, c->bits_before, c->max_bit);
      if (added != c->added)
        g_error ("case %zu: %d bits added, expected %d", i, added, c->added);
    }
  g_assert_cmpint (blip_quant_bits_to_add (NAN, 0, 20), ==, 0);
}

/* One layer with two weights and one bias through a whole end of task:
 * bits, quantized values, anchors and the folded Fisher, by hand. */
static void
test_end_task (void)
{
  BlipQuantState *s = blip_quant_state_new (2, 1, 36, 20, 1.0);  /* bound_w = 1, prior 36 */
  g_assert_cmpfloat_with_epsilon (s->bound_w, 1.0, 1e-7);
  g_assert_cmpfloat (s->fisher_old[0], ==, 36.0f);
  float params[3] = { 0.3f, -0.6f, 0.4f };
  /* F_t: 36·3 → IG 0.5 → 1 bit; 36·15 → 1.5 → 2 bits; 0 → no bit */
  float fisher[3] = { 108.0f, 540.0f, 0.0f };
  guint8 added[3];
  guint64 total = blip_quant_state_end_task (s, params, fisher, 0, added);
  g_assert_cmpuint (total, ==, 3);
  g_assert_cmpuint (added[0], ==, 1);
  g_assert_cmpuint (added[1], ==, 2);
  g_assert_cmpuint (added[2], ==, 0);
  g_assert_cmpuint (s->bits[0], ==, 1);
  g_assert_cmpuint (s->bits[1], ==, 2);
  g_assert_cmpuint (s->bits[2], ==, 0);
  /* Q(0.3, 1) = round(0.6)/2 = 0.5; Q(-0.6, 2) = round(-2.4)/4 = -0.5; bias with 0 bits → 0 */
  g_assert_cmpfloat (params[0], ==, 0.5f);
  g_assert_cmpfloat (params[1], ==, -0.5f);
  g_assert_cmpfloat (params[2], ==, 0.0f);
  g_assert_cmpfloat (s->anchor[0], ==, 0.5f);
  g_assert_cmpfloat (s->anchor[1], ==, -0.5f);
  /* F_old ← (F_old·1 + F_t)/2 */
  g_assert_cmpfloat_with_epsilon (s->fisher_old[0], (36.0 + 108.0) / 2, 1e-4);
  g_assert_cmpfloat_with_epsilon (s->fisher_old[1], (36.0 + 540.0) / 2, 1e-4);
  g_assert_cmpfloat_with_epsilon (s->fisher_old[2], 18.0, 1e-4);
  g_assert_cmpuint (blip_quant_state_used_bits (s), ==, 3);

  /* Task 1 with F_t = 3·F_old·... : (F + 72·2)/(72·3) for param 0 */
  float fisher2[3] = { 72.0f * 3 * 4 - 144.0f, 0.0f, 0.0f };   /* ratio 4 → 1 bit */
  params[0] = 0.61f;
  blip_quant_state_end_task (s, params, fisher2, 1, added);
  g_assert_cmpuint (added[0], ==, 1);
  g_assert_cmpuint (s->bits[0], ==, 2);
  /* Q(0.61, 2) = round(2.44)/4 = 0.5 */
  g_assert_cmpfloat (params[0], ==, 0.5f);
  blip_quant_state_free (s);
}

/* Property: the clip keeps every parameter inside its frozen interval. In bit
 * terms, the max_bit code of the clipped value differs from the anchor's by at
 * most one unit of the last frozen bit, 2^(max_bit − bits); and whenever the
 * value is within half an interval of the anchor, quantizing it to `bits`
 * bits gives back exactly the anchor, i.e. the first `bits` bits of its
 * rounded code equal the anchor's. (The reference's interval is symmetric,
 * ±bound·2^-bits, so a value near its edge can round to the neighbouring
 * `bits`-bit code: the property is stated for the values it holds for, and
 * test_clip_edge shows the edge case.) */
static void
test_clip_property (void)
{
  GRand *rand = g_rand_new_with_seed (42);
  const int max_bit = 20;
  for (int iter = 0; iter < 200000; iter++)
    {
      float bound = (float) g_rand_double_range (rand, 0.01, 2.0);
      int bits = g_rand_int_range (rand, 0, max_bit + 1);
      /* Anchors are what the quantizer produces. */
      float anchor = blip_quant_quantize ((float) g_rand_double_range (rand, -bound, bound), bits, bound);
      anchor = CLAMP (anchor, -bound * (1 - ldexpf (1, -max_bit)), bound * (1 - ldexpf (1, -max_bit)));
      float w = anchor + (float) g_rand_double_range (rand, -4, 4) * ldexpf (bound, -bits);
      guint8 b = bits;
      blip_quant_clip (&w, &anchor, &b, 1, bound, max_bit);
      float range = ldexpf (bound, -bits);
      /* anchor + diff is rounded to float: allow one ulp of the anchor. */
      float slack = 2 * FLT_EPSILON * fabsf (anchor);
      if (fabsf (w - anchor) > range + slack || fabsf (w) > bound)
        g_error ("clip left %g outside %g ± %g (bound %g)", w, anchor, range, bound);
      gint64 cw = blip_quant_code (w, bound, max_bit);
      gint64 ca = blip_quant_code (anchor, bound, max_bit);
      if (llabs (cw - ca) > (1LL << (max_bit - bits)) + 1)
        g_error ("codes %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " differ by more than 2^%d",
                 cw, ca, max_bit - bits);
      if (bits > 0 && fabsf (w - anchor) + slack < 0.49f * range)
        {
          /* The first `bits` bits: the value's code at `bits` bits of precision. */
          gint64 prefix_w = blip_quant_code (w, bound, bits);
          gint64 prefix_a = blip_quant_code (anchor, bound, bits);
          if (prefix_w != prefix_a)
            g_error ("first %d bits changed: %" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT, bits, prefix_w, prefix_a);
        }
    }
  g_rand_free (rand);
}

static void
test_clip_edge (void)
{
  /* anchor 0.5 with 1 bit allows [0, 1): 0.2 stays, and Q(0.2, 1) = 0, one
   * step below the anchor. That is the reference's rule. */
  float w = 0.2f, anchor = 0.5f;
  guint8 bits = 1;
  blip_quant_clip (&w, &anchor, &bits, 1, 1.0f, 20);
  g_assert_cmpfloat_with_epsilon (w, 0.2f, 1e-7);
  g_assert_cmpfloat (blip_quant_quantize (w, 1, 1.0f), ==, 0.0f);
}

static void
test_state_clip_ranges (void)
{
  /* Weights use bound_w, biases bound_b = 1, also when a range straddles them. */
  BlipQuantState *s = blip_quant_state_new (3, 2, 144, 20, 1e-15);  /* bound_w = 0.5 */
  float p[5] = { 0.9f, -0.9f, 0.1f, 0.9f, -2.0f };
  blip_quant_state_clip_range (s, p, 1, 4);
  g_assert_cmpfloat (p[0], ==, 0.9f);   /* outside the range: untouched */
  g_assert_cmpfloat_with_epsilon (p[1], -0.5 * (1 - ldexp (1, -20)), 1e-7);
  g_assert_cmpfloat (p[2], ==, 0.1f);
  g_assert_cmpfloat (p[3], ==, 0.9f);   /* bias bound is 1 */
  g_assert_cmpfloat (p[4], ==, -2.0f);
  blip_quant_state_clip (s, p);
  g_assert_cmpfloat_with_epsilon (p[0], 0.5 * (1 - ldexp (1, -20)), 1e-7);
  g_assert_cmpfloat_with_epsilon (p[4], -(1 - ldexp (1, -20)), 1e-7);
  blip_quant_state_free (s);
}

static void
test_memory_budget (void)
{
  /* bits + anchor + Fisher: 9 bytes per parameter beyond the weight. */
  BlipQuantState *s = blip_quant_state_new (1000, 10, 100, 20, 1e-15);
  gsize per_param = sizeof s->bits[0] + sizeof s->anchor[0] + sizeof s->fisher_old[0];
  g_assert_cmpuint (per_param, <=, 9);
  g_assert_cmpfloat_with_epsilon (s->fisher_old[0], 1e-15 * 100, 1e-20);
  blip_quant_state_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quant/bound", test_bound);
  g_test_add_func ("/quant/quantize", test_quantize);
  g_test_add_func ("/quant/clip", test_clip);
  g_test_add_func ("/quant/clip-property", test_clip_property);
  g_test_add_func ("/quant/clip-edge", test_clip_edge);
  g_test_add_func ("/quant/clip-ranges", test_state_clip_ranges);
  g_test_add_func ("/quant/info-gain", test_info_gain);
  g_test_add_func ("/quant/end-task", test_end_task);
  g_test_add_func ("/quant/memory-budget", test_memory_budget);
  return g_test_run ();
}
