/* blip-rng.c — xoshiro256** with splitmix64 seeding; see blip-rng.h. */
#include "blip-rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
blip_rng_seed (BlipRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

void
blip_rng_seed_stream (BlipRng *rng, guint64 seed, guint64 stream)
{
  /* Mixing the tag through splitmix keeps nearby (seed, stream) pairs unrelated. */
  guint64 x = stream * G_GUINT64_CONSTANT (0xd1342543de82ef95) + 1;
  blip_rng_seed (rng, seed ^ splitmix64 (&x));
}

guint64
blip_rng_next (BlipRng *rng)
{
  return blip_rng_next_inline (rng);
}

float
blip_rng_uniform (BlipRng *rng)
{
  return (float) (blip_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

guint32
blip_rng_below (BlipRng *rng, guint32 n)
{
  /* Lemire's multiply-and-reject: unbiased without a division in the common case. */
  guint64 m = (guint64) (guint32) (blip_rng_next (rng) >> 32) * n;
  guint32 low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;
      while (low < threshold)
        {
          m = (guint64) (guint32) (blip_rng_next (rng) >> 32) * n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

double
blip_rng_normal (BlipRng *rng)
{
  /* u1 in (0, 1] so the log is finite. */
  double u1 = ((blip_rng_next (rng) >> 11) + 1) * (1.0 / 9007199254740992.0);
  double u2 = (blip_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
blip_rng_shuffle (BlipRng *rng, int *values, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = blip_rng_below (rng, (guint32) i);
      int tmp = values[i - 1];
      values[i - 1] = values[j];
      values[j] = tmp;
    }
}
