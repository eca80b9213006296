/* blip-rng.h — the engine's deterministic random numbers.
 *
 * Every random draw (splits, permutations, initialisation, shuffles, sampled
 * Fisher labels) comes from a BlipRng seeded from --seed, so a run is
 * bit-identical across machines and reruns. xoshiro256** seeded by splitmix64;
 * the state is four words so checkpoints can store it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} BlipRng;

void     blip_rng_seed        (BlipRng *rng, guint64 seed);
/* Derive an independent stream, e.g. one per purpose, from a seed and a tag. */
void     blip_rng_seed_stream (BlipRng *rng, guint64 seed, guint64 stream);
guint64  blip_rng_next        (BlipRng *rng);
/* The same step, inlined, for loops that draw once per element (dropout). */
static inline guint64
blip_rng_next_inline (BlipRng *rng)
{
  guint64 *s = rng->s;
  guint64 r = s[1] * 5;
  guint64 result = ((r << 7) | (r >> 57)) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}
/* Uniform in [0, 1) with 24 random bits. */
float    blip_rng_uniform     (BlipRng *rng);
/* Uniform integer in [0, n), unbiased. */
guint32  blip_rng_below       (BlipRng *rng, guint32 n);
/* Standard normal (Box–Muller, one draw per call). */
double   blip_rng_normal      (BlipRng *rng);
/* Fisher–Yates shuffle of n ints. */
void     blip_rng_shuffle     (BlipRng *rng, int *values, gsize n);

G_END_DECLS
