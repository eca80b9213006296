/* test-rng.c — the engine's random numbers (blip-rng.h): a seed always gives
 * the same sequence, different seeds and streams give unrelated ones,
 * blip_rng_below() stays in range and is uniform (chi-square, including a
 * large n where modulo bias would show), uniform() lies in [0, 1) with the
 * right moments, normal() has mean 0 and variance 1, and shuffle() is a
 * deterministic, uniformly distributed permutation. */
#include "blip-rng.h"

#include <math.h>
#include <string.h>

#define SEQ_LEN 1000

/* Chi-square statistic of observed counts against a uniform expectation. */
static double
chi_square (const guint64 *counts, int bins, guint64 total)
{
  double expected = (double) total / bins;
  double chi = 0.0;
  for (int i = 0; i < bins; i++)
    {
      double d = (double) counts[i] - expected;
      chi += d * d / expected;
    }
  return chi;
}

/* A loose upper bound for a chi-square with df degrees of freedom: the mean
 * plus seven standard deviations. A fair generator passes essentially always;
 * a biased one (e.g. half the bins empty) exceeds it by orders of magnitude. */
static double
chi_bound (int df)
{
  return df + 7.0 * sqrt (2.0 * df) + 10.0;
}

/* ---- determinism ------------------------------------------------------- */

static const guint64 seeds[] = { 0, 1, 2, 42, G_GUINT64_CONSTANT (0xffffffffffffffff) };

static void
test_same_seed (gconstpointer data)
{
  guint64 seed = *(const guint64 *) data;
  BlipRng a, b;
  blip_rng_seed (&a, seed);
  blip_rng_seed (&b, seed);
  for (int i = 0; i < SEQ_LEN; i++)
    g_assert_cmpuint (blip_rng_next (&a), ==, blip_rng_next (&b));
  /* The state must not be all zero (xoshiro would then emit only zeros). */
  BlipRng c;
  blip_rng_seed (&c, seed);
  g_assert_true (c.s[0] | c.s[1] | c.s[2] | c.s[3]);

  /* Same (seed, stream) gives the same sequence too. */
  blip_rng_seed_stream (&a, seed, 7);
  blip_rng_seed_stream (&b, seed, 7);
  for (int i = 0; i < SEQ_LEN; i++)
    g_assert_cmpuint (blip_rng_next (&a), ==, blip_rng_next (&b));
}

/* Number of positions where two generators give the same 64-bit output. */
static int
count_equal (BlipRng *a, BlipRng *b, int n)
{
  int same = 0;
  for (int i = 0; i < n; i++)
    same += blip_rng_next (a) == blip_rng_next (b);
  return same;
}

static void
test_different_seeds (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++)
    for (gsize j = i + 1; j < G_N_ELEMENTS (seeds); j++)
      {
        BlipRng a, b;
        blip_rng_seed (&a, seeds[i]);
        blip_rng_seed (&b, seeds[j]);
        g_assert_cmpint (count_equal (&a, &b, SEQ_LEN), ==, 0);
      }
}

static void
test_different_streams (void)
{
  /* Nearby (seed, stream) pairs, and a stream against the plain seed. */
  const guint64 pairs[][2] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 0 }, { 1, 1 }, { 5, 101000 }, { 5, 101001 } };
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      BlipRng plain, streamed;
      blip_rng_seed (&plain, pairs[i][0]);
      blip_rng_seed_stream (&streamed, pairs[i][0], pairs[i][1]);
      g_assert_cmpint (count_equal (&plain, &streamed, SEQ_LEN), ==, 0);
      for (gsize j = i + 1; j < G_N_ELEMENTS (pairs); j++)
        {
          BlipRng a, b;
          blip_rng_seed_stream (&a, pairs[i][0], pairs[i][1]);
          blip_rng_seed_stream (&b, pairs[j][0], pairs[j][1]);
          g_assert_cmpint (count_equal (&a, &b, SEQ_LEN), ==, 0);
        }
    }
}

static void
test_bits_balanced (void)
{
  /* Every output bit is set about half the time. */
  const int n = 20000;
  int ones[64] = { 0 };
  BlipRng rng;
  blip_rng_seed (&rng, 3);
  for (int i = 0; i < n; i++)
    {
      guint64 v = blip_rng_next (&rng);
      for (int b = 0; b < 64; b++)
        ones[b] += (v >> b) & 1;
    }
  /* sd of the count is sqrt(n)/2 ≈ 71; allow 7 sd. */
  for (int b = 0; b < 64; b++)
    g_assert_cmpint (ABS (ones[b] - n / 2), <, 500);
}

/* ---- below ------------------------------------------------------------- */

typedef struct {
  guint32 n;
  int     bins;     /* values are grouped into this many equal bins for chi-square */
  int     draws;
} BelowCase;

static const BelowCase below_cases[] = {
  { 1, 1, 1000 },
  { 2, 2, 100000 },
  { 3, 3, 100000 },
  { 7, 7, 100000 },
  { 10, 10, 100000 },
  { 100, 100, 100000 },
  /* 3·2^30: a plain 32-bit modulo would make the lowest third 25% more likely. */
  { 3u << 30, 3, 100000 },
  /* 2^31 + 1: the worst case for rejection sampling. */
  { 0x80000001u, 2, 100000 },
  { 0xffffffffu, 4, 100000 },
};

static void
test_below (gconstpointer data)
{
  const BelowCase *c = data;
  BlipRng rng;
  blip_rng_seed (&rng, c->n);
  guint64 *counts = g_new0 (guint64, c->bins);
  for (int i = 0; i < c->draws; i++)
    {
      guint32 v = blip_rng_below (&rng, c->n);
      g_assert_cmpuint (v, <, c->n);
      int bin = (int) ((guint64) v * c->bins / c->n);
      counts[bin]++;
    }
  if (c->bins == 1)
    g_assert_cmpuint (counts[0], ==, (guint64) c->draws);
  else
    {
      double chi = chi_square (counts, c->bins, c->draws);
      g_test_message ("n=%u: chi-square %.2f over %d bins (bound %.1f)", c->n, chi, c->bins,
                      chi_bound (c->bins - 1));
      g_assert_cmpfloat (chi, <, chi_bound (c->bins - 1));
    }
  g_free (counts);
}

static void
test_below_deterministic (void)
{
  BlipRng a, b;
  blip_rng_seed (&a, 11);
  blip_rng_seed (&b, 11);
  for (int i = 0; i < SEQ_LEN; i++)
    g_assert_cmpuint (blip_rng_below (&a, 1000 + i), ==, blip_rng_below (&b, 1000 + i));
}

/* ---- uniform ----------------------------------------------------------- */

static void
test_uniform (void)
{
  const int n = 100000, bins = 20;
  guint64 counts[20] = { 0 };
  BlipRng rng;
  blip_rng_seed (&rng, 99);
  double sum = 0.0, sum2 = 0.0;
  float lo = 1.0f, hi = 0.0f;
  for (int i = 0; i < n; i++)
    {
      float u = blip_rng_uniform (&rng);
      g_assert_cmpfloat (u, >=, 0.0f);
      g_assert_cmpfloat (u, <, 1.0f);
      lo = MIN (lo, u);
      hi = MAX (hi, u);
      sum += u;
      sum2 += (double) u * u;
      counts[(int) (u * bins)]++;
    }
  double mean = sum / n, var = sum2 / n - mean * mean;
  /* sd of the mean is 0.289/sqrt(n) ≈ 0.0009 */
  g_assert_cmpfloat (fabs (mean - 0.5), <, 0.005);
  g_assert_cmpfloat (fabs (var - 1.0 / 12.0), <, 0.003);
  g_assert_cmpfloat (lo, <, 0.001f);
  g_assert_cmpfloat (hi, >, 0.999f);
  g_assert_cmpfloat (chi_square (counts, bins, n), <, chi_bound (bins - 1));
}

static void
test_uniform_24_bits (void)
{
  /* Values are multiples of 2^-24: u·2^24 is an integer. */
  BlipRng rng;
  blip_rng_seed (&rng, 5);
  int fractional = 0;
  for (int i = 0; i < 10000; i++)
    {
      double scaled = (double) blip_rng_uniform (&rng) * 16777216.0;
      g_assert_cmpfloat (scaled, ==, floor (scaled));
      /* Low bits are used: some values are not multiples of 2^-16. */
      fractional += fmod (scaled, 256.0) != 0.0;
    }
  g_assert_cmpint (fractional, >, 9000);
}

/* ---- normal ------------------------------------------------------------ */

static void
test_normal (void)
{
  const int n = 100000;
  BlipRng rng;
  blip_rng_seed (&rng, 1234);
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  int within1 = 0;
  for (int i = 0; i < n; i++)
    {
      double x = blip_rng_normal (&rng);
      g_assert_true (isfinite (x));
      s1 += x;
      s2 += x * x;
      s3 += x * x * x;
      s4 += x * x * x * x;
      within1 += fabs (x) < 1.0;
    }
  double mean = s1 / n;
  double var = s2 / n - mean * mean;
  double skew = s3 / n;
  double kurt = s4 / n;
  g_test_message ("normal: mean %.5f var %.5f skew %.4f kurtosis %.4f P(|x|<1) %.4f", mean, var,
                  skew, kurt, (double) within1 / n);
  /* sd: mean 0.0032, var 0.0045, skew 0.0077, kurtosis 0.031, P 0.0015 */
  g_assert_cmpfloat (fabs (mean), <, 0.02);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.03);
  g_assert_cmpfloat (fabs (skew), <, 0.05);
  g_assert_cmpfloat (fabs (kurt - 3.0), <, 0.2);
  g_assert_cmpfloat (fabs ((double) within1 / n - 0.682689), <, 0.01);
}

/* ---- shuffle ----------------------------------------------------------- */

static const gsize shuffle_sizes[] = { 0, 1, 2, 3, 10, 1000 };

static void
test_shuffle_permutation (gconstpointer data)
{
  gsize n = *(const gsize *) data;
  int *a = g_new (int, n + 1), *b = g_new (int, n + 1), *c = g_new (int, n + 1);
  for (gsize i = 0; i < n; i++)
    a[i] = b[i] = c[i] = (int) i;
  BlipRng ra, rb, rc;
  blip_rng_seed (&ra, 77);
  blip_rng_seed (&rb, 77);
  blip_rng_seed (&rc, 78);
  blip_rng_shuffle (&ra, a, n);
  blip_rng_shuffle (&rb, b, n);
  blip_rng_shuffle (&rc, c, n);

  /* Deterministic for a seed. */
  if (n > 0)
    g_assert_cmpmem (a, n * sizeof (int), b, n * sizeof (int));

  /* A permutation: every value exactly once. */
  gboolean *seen = g_new0 (gboolean, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpint (a[i], >=, 0);
      g_assert_cmpint (a[i], <, (int) n);
      g_assert_false (seen[a[i]]);
      seen[a[i]] = TRUE;
    }

  if (n >= 10)
    {
      /* Not the identity, and another seed gives another order. */
      int fixed = 0, same = 0;
      for (gsize i = 0; i < n; i++)
        {
          fixed += a[i] == (int) i;
          same += a[i] == c[i];
        }
      g_assert_cmpint (fixed, <, (int) n / 2);
      g_assert_cmpint (same, <, (int) n / 2);
    }
  g_free (seen);
  g_free (a);
  g_free (b);
  g_free (c);
}

static void
test_shuffle_uniform (void)
{
  /* All 24 orders of 4 items are equally likely (a Fisher–Yates off-by-one
   * or a naive swap-with-any shuffle fails this). */
  const int draws = 48000;
  guint64 counts[24] = { 0 };
  BlipRng rng;
  blip_rng_seed (&rng, 2024);
  for (int d = 0; d < draws; d++)
    {
      int v[4] = { 0, 1, 2, 3 };
      blip_rng_shuffle (&rng, v, 4);
      /* Lehmer code → index 0..23 */
      int idx = 0;
      for (int i = 0; i < 4; i++)
        {
          int smaller = 0;
          for (int j = i + 1; j < 4; j++)
            smaller += v[j] < v[i];
          idx = idx * (4 - i) + smaller;
        }
      g_assert_cmpint (idx, <, 24);
      counts[idx]++;
    }
  for (int i = 0; i < 24; i++)
    g_assert_cmpuint (counts[i], >, 0);
  g_assert_cmpfloat (chi_square (counts, 24, draws), <, chi_bound (23));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *name = g_strdup_printf ("/rng/same-seed/%" G_GUINT64_FORMAT, seeds[i]);
      g_test_add_data_func (name, &seeds[i], test_same_seed);
    }
  g_test_add_func ("/rng/different-seeds", test_different_seeds);
  g_test_add_func ("/rng/different-streams", test_different_streams);
  g_test_add_func ("/rng/bits-balanced", test_bits_balanced);
  for (gsize i = 0; i < G_N_ELEMENTS (below_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/rng/below/%u", below_cases[i].n);
      g_test_add_data_func (name, &below_cases[i], test_below);
    }
  g_test_add_func ("/rng/below/deterministic", test_below_deterministic);
  g_test_add_func ("/rng/uniform/range-moments", test_uniform);
  g_test_add_func ("/rng/uniform/24-bits", test_uniform_24_bits);
  g_test_add_func ("/rng/normal/moments", test_normal);
  for (gsize i = 0; i < G_N_ELEMENTS (shuffle_sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("/rng/shuffle/permutation/%" G_GSIZE_FORMAT, shuffle_sizes[i]);
      g_test_add_data_func (name, &shuffle_sizes[i], test_shuffle_permutation);
    }
  g_test_add_func ("/rng/shuffle/uniform", test_shuffle_uniform);
  return g_test_run ();
}
