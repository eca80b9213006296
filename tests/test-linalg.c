/* test-linalg.c — the SVD wrapper (blip-linalg.h) on matrices of known rank
 * and singular values: square, wide, tall, rank-deficient, a hand-computed
 * 2×2 and a single row, checking the singular values, the reconstruction
 * U·diag(s)·Vᵀ = A and the orthonormality of the singular vectors; and its
 * errors for empty and non-finite input. */
#include "blip-linalg.h"

#include <math.h>
#include <string.h>

/* Householder reflection I − 2vvᵀ/|v|² [n, n] from a seeded vector: an
 * orthonormal matrix whose columns build matrices of chosen singular values. */
static void
householder (int n, int seed, double *q)
{
  double *v = g_new (double, n), norm = 0.0;
  for (int i = 0; i < n; i++)
    {
      v[i] = sin (1.3 * (i + 1) * (seed + 1)) + 0.1 * seed;
      norm += v[i] * v[i];
    }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      q[i * n + j] = (i == j) - 2.0 * v[i] * v[j] / norm;
  g_free (v);
}

typedef struct {
  const char *name;
  int m, n;
  double sigma[6];      /* min(m, n) values, descending; zeros make it rank-deficient */
} Case;

static const Case cases[] = {
  { "square-4",        4, 4, { 5.0, 3.0, 1.0, 0.5 } },
  { "wide-3x6",        3, 6, { 4.0, 2.0, 0.25 } },
  { "tall-6x2",        6, 2, { 7.0, 1.5 } },
  { "rank-2-of-5x4",   5, 4, { 3.0, 2.0, 0.0, 0.0 } },
  { "rank-1-of-3x5",   3, 5, { 2.5, 0.0, 0.0 } },
};

static void
test_known_spectrum (gconstpointer data)
{
  const Case *c = data;
  int m = c->m, n = c->n, k = MIN (m, n);
  double *qm = g_new (double, m * m), *qn = g_new (double, n * n);
  householder (m, 1, qm);
  householder (n, 2, qn);
  float *a = g_new (float, m * n);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double sum = 0.0;
        for (int r = 0; r < k; r++)
          sum += qm[i * m + r] * c->sigma[r] * qn[j * n + r];
        a[i * n + j] = (float) sum;
      }
  float *u = g_new (float, m * k), *s = g_new (float, k), *vt = g_new (float, k * n);
  float *a_copy = g_memdup2 (a, sizeof (float) * m * n);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_svd (a, m, n, u, s, vt, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (a, sizeof (float) * m * n, a_copy, sizeof (float) * m * n);

  for (int r = 0; r < k; r++)
    {
      g_assert_cmpfloat_with_epsilon (s[r], c->sigma[r], 1e-5 * (1.0 + c->sigma[0]));
      if (r > 0)
        g_assert_cmpfloat (s[r], <=, s[r - 1]);
    }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double sum = 0.0;
        for (int r = 0; r < k; r++)
          sum += (double) u[i * k + r] * s[r] * vt[r * n + j];
        g_assert_cmpfloat_with_epsilon (sum, a[i * n + j], 1e-5);
      }
  /* The singular vectors of nonzero singular values are orthonormal. */
  for (int p = 0; p < k; p++)
    for (int q = 0; q < k; q++)
      {
        if (c->sigma[p] == 0.0 || c->sigma[q] == 0.0)
          continue;
        double uu = 0.0, vv = 0.0;
        for (int i = 0; i < m; i++)
          uu += (double) u[i * k + p] * u[i * k + q];
        for (int j = 0; j < n; j++)
          vv += (double) vt[p * n + j] * vt[q * n + j];
        g_assert_cmpfloat_with_epsilon (uu, p == q, 1e-5);
        g_assert_cmpfloat_with_epsilon (vv, p == q, 1e-5);
      }
  g_free (a);
  g_free (a_copy);
  g_free (u);
  g_free (s);
  g_free (vt);
  g_free (qm);
  g_free (qn);
}

/* [[0, 2], [3, 0]] by hand: σ = 3 with u = e2, v = e1, then σ = 2 with u = e1, v = e2. */
static void
test_hand_2x2 (void)
{
  const float a[4] = { 0, 2, 3, 0 };
  float u[4], s[2], vt[4];
  g_assert_true (blip_svd (a, 2, 2, u, s, vt, NULL));
  g_assert_cmpfloat_with_epsilon (s[0], 3.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1], 2.0, 1e-6);
  /* Signs are LAPACK's choice; u₁·v₁ᵀ is not. */
  g_assert_cmpfloat_with_epsilon (fabsf (u[2]), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (fabsf (vt[0]), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (u[2] * vt[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (u[1] * vt[3], 1.0, 1e-6);
}

/* One row: σ = its norm, v = the row over its norm. */
static void
test_single_row (void)
{
  const float a[4] = { 1, 2, 2, 4 };
  float u[1], s[1], vt[4];
  g_assert_true (blip_svd (a, 1, 4, u, s, vt, NULL));
  g_assert_cmpfloat_with_epsilon (s[0], 5.0, 1e-6);
  for (int j = 0; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (u[0] * vt[j], a[j] / 5.0f, 1e-6);
}

static void
test_errors (void)
{
  float a[4] = { 1, NAN, 0, 1 }, u[4], s[2], vt[4];
  GError *error = NULL;
  g_assert_false (blip_svd (a, 2, 2, u, s, vt, &error));
  g_assert_error (error, BLIP_LINALG_ERROR, BLIP_LINALG_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "(0, 1)"));
  g_clear_error (&error);
  g_assert_false (blip_svd (a, 0, 2, u, s, vt, &error));
  g_assert_error (error, BLIP_LINALG_ERROR, BLIP_LINALG_ERROR_INPUT);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/linalg/svd/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_known_spectrum);
    }
  g_test_add_func ("/linalg/svd/hand-2x2", test_hand_2x2);
  g_test_add_func ("/linalg/svd/single-row", test_single_row);
  g_test_add_func ("/linalg/svd/errors", test_errors);
  return g_test_run ();
}
