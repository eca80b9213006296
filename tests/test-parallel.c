/* test-parallel.c — the engine's thread pool: every item of a parallel for
 * runs exactly once for any thread count and grain, nested and concurrent
 * callers neither deadlock nor lose work, blip_sgemm matches a naive triple
 * loop for every transpose, split side, alpha, beta and leading dimension,
 * and the sum of squares is bitwise the same for every thread count. */
#include "blip-parallel.h"

#include <math.h>

static void
count_items (gpointer data, gsize lo, gsize hi)
{
  gint *counts = data;
  for (gsize i = lo; i < hi; i++)
    g_atomic_int_inc (&counts[i]);
}

static void
test_for_covers_once (void)
{
  static const struct { gsize n, grain; } cases[] = {
    { 0, 1 }, { 1, 1 }, { 2, 1 }, { 7, 3 }, { 1000, 1 }, { 1000, 7 }, { 1000, 999 }, { 1000, 1000 },
    { 1000, 5000 }, { 65537, 64 },
  };
  int saved = blip_parallel_get_threads ();
  for (int threads = 1; threads <= 4; threads++)
    {
      blip_parallel_set_threads (threads);
      g_assert_cmpint (blip_parallel_get_threads (), ==, threads);
      for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          gint *counts = g_new0 (gint, MAX (cases[c].n, 1));
          blip_parallel_for (cases[c].n, cases[c].grain, count_items, counts);
          for (gsize i = 0; i < cases[c].n; i++)
            if (counts[i] != 1)
              g_error ("threads %d, n %zu, grain %zu: item %zu ran %d times", threads,
                       cases[c].n, cases[c].grain, i, counts[i]);
          g_free (counts);
        }
    }
  blip_parallel_set_threads (saved);
}

/* A parallel for inside a parallel for: the inner one runs on its caller. */
typedef struct
{
  gint *counts;
  gsize inner;
} Nested;

static void
nested_outer (gpointer data, gsize lo, gsize hi)
{
  Nested *nest = data;
  for (gsize i = lo; i < hi; i++)
    blip_parallel_for (nest->inner, 3, count_items, nest->counts + i * nest->inner);
}

static void
test_for_nested (void)
{
  int saved = blip_parallel_get_threads ();
  blip_parallel_set_threads (3);
  Nested nest = { g_new0 (gint, 40 * 50), 50 };
  blip_parallel_for (40, 1, nested_outer, &nest);
  for (gsize i = 0; i < 40 * 50; i++)
    g_assert_cmpint (nest.counts[i], ==, 1);
  g_free (nest.counts);
  blip_parallel_set_threads (saved);
}

/* Two threads calling at once (two trainers): one gets the workers, the
 * other runs on its own thread; both finish every item. */
static gpointer
concurrent_caller (gpointer data)
{
  gint *counts = data;
  for (int rep = 0; rep < 200; rep++)
    blip_parallel_for (512, 8, count_items, counts);
  return NULL;
}

static void
test_for_concurrent (void)
{
  int saved = blip_parallel_get_threads ();
  blip_parallel_set_threads (2);
  gint *a = g_new0 (gint, 512), *b = g_new0 (gint, 512);
  GThread *ta = g_thread_new ("caller-a", concurrent_caller, a);
  GThread *tb = g_thread_new ("caller-b", concurrent_caller, b);
  g_thread_join (ta);
  g_thread_join (tb);
  for (int i = 0; i < 512; i++)
    {
      g_assert_cmpint (a[i], ==, 200);
      g_assert_cmpint (b[i], ==, 200);
    }
  g_free (a);
  g_free (b);
  blip_parallel_set_threads (saved);
}

/* C[M, N] = alpha·op(A)·op(B) + beta·C by the definition, in double. */
static void
naive_sgemm (gboolean ta, gboolean tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, double *C, int ldc)
{
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++)
      {
        double s = 0.0;
        for (int k = 0; k < K; k++)
          s += (double) (ta ? A[(gsize) k * lda + i] : A[(gsize) i * lda + k]) *
               (tb ? B[(gsize) j * ldb + k] : B[(gsize) k * ldb + j]);
        C[(gsize) i * ldc + j] = alpha * s + beta * C[(gsize) i * ldc + j];
      }
}

static void
test_sgemm_matches_definition (void)
{
  /* Shapes below the split threshold (4M multiply-adds), too narrow to
   * split, split by rows (M > N) and by columns, with a last block shorter
   * than the others. */
  static const struct { int M, N, K; } shapes[] = {
    { 3, 5, 7 }, { 64, 200, 1000 }, { 600, 70, 129 }, { 70, 600, 129 }, { 1025, 130, 40 },
    { 130, 1025, 40 }, { 2, 4000, 600 },
  };
  static const struct { float alpha, beta; } scales[] = { { 1.0f, 0.0f }, { 0.5f, 1.0f }, { -2.0f, 0.25f } };
  int saved = blip_parallel_get_threads ();
  GRand *rand = g_rand_new_with_seed (7);
  for (int threads = 1; threads <= 3; threads++)
    {
      blip_parallel_set_threads (threads);
      for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
        for (int t = 0; t < 4; t++)
          {
            gboolean ta = t & 1, tb = (t >> 1) & 1;
            int M = shapes[s].M, N = shapes[s].N, K = shapes[s].K;
            /* Leading dimensions wider than the matrices, as sub-blocks have. */
            int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
            gsize na = (gsize) (ta ? K : M) * lda, nb = (gsize) (tb ? N : K) * ldb, nc = (gsize) M * ldc;
            float *A = g_new (float, na), *B = g_new (float, nb), *C = g_new (float, nc);
            double *want = g_new (double, nc);
            for (gsize i = 0; i < na; i++)
              A[i] = (float) g_rand_double_range (rand, -1, 1);
            for (gsize i = 0; i < nb; i++)
              B[i] = (float) g_rand_double_range (rand, -1, 1);
            gsize k = (gsize) (s * 4 + t) % G_N_ELEMENTS (scales);
            for (gsize i = 0; i < nc; i++)
              want[i] = C[i] = (float) g_rand_double_range (rand, -1, 1);
            blip_sgemm (ta, tb, M, N, K, scales[k].alpha, A, lda, B, ldb, scales[k].beta, C, ldc);
            naive_sgemm (ta, tb, M, N, K, scales[k].alpha, A, lda, B, ldb, scales[k].beta, want, ldc);
            for (int i = 0; i < M; i++)
              for (int j = 0; j < ldc; j++)
                {
                  gsize at = (gsize) i * ldc + j;
                  /* Padding columns past N must be left alone. */
                  double tol = j < N ? 1e-4 * sqrt (K) * (1 + fabs (want[at])) : 0.0;
                  if (fabs (C[at] - want[at]) > tol)
                    g_error ("threads %d, %dx%dx%d, trans %d%d: C[%d][%d] = %g, want %g", threads, M, N, K,
                             ta, tb, i, j, C[at], want[at]);
                }
            g_free (A);
            g_free (B);
            g_free (C);
            g_free (want);
          }
    }
  g_rand_free (rand);
  blip_parallel_set_threads (saved);
}

static void
test_sum_squares (void)
{
  int saved = blip_parallel_get_threads ();
  gsize n = 1000003;   /* many blocks, the last one short */
  float *x = g_new (float, n);
  double naive = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      x[i] = (float) sin ((double) i) * 3.0f;
      naive += (double) x[i] * x[i];
    }
  blip_parallel_set_threads (1);
  double one = blip_parallel_sum_squares (x, n);
  g_assert_cmpfloat_with_epsilon (one, naive, 1e-9 * naive);
  for (int threads = 2; threads <= 4; threads++)
    {
      blip_parallel_set_threads (threads);
      double many = blip_parallel_sum_squares (x, n);
      g_assert_true (many == one);   /* bitwise: the blocks do not depend on the threads */
    }
  g_assert_cmpfloat (blip_parallel_sum_squares (x, 0), ==, 0.0);
  g_free (x);
  blip_parallel_set_threads (saved);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/parallel/for/covers-once", test_for_covers_once);
  g_test_add_func ("/parallel/for/nested", test_for_nested);
  g_test_add_func ("/parallel/for/concurrent", test_for_concurrent);
  g_test_add_func ("/parallel/sgemm/definition", test_sgemm_matches_definition);
  g_test_add_func ("/parallel/sum-squares", test_sum_squares);
  return g_test_run ();
}
