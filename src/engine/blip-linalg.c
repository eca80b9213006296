/* blip-linalg.c — the SVD through LAPACK's divide-and-conquer sgesdd_. */
#include "blip-linalg.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-linalg-error-quark, blip_linalg_error)

/* LAPACK's Fortran entry point (column-major; the trailing length is the
 * hidden length of the jobz string, as gfortran passes it). */
extern void sgesdd_ (const char *jobz, const int *m, const int *n, float *a, const int *lda,
                     float *s, float *u, const int *ldu, float *vt, const int *ldvt,
                     float *work, const int *lwork, int *iwork, int *info, size_t jobz_len);

/* a [m, n] → u [m, k], s [k], vt [k, n], all row-major. A row-major [m, n] is
 * the column-major [n, m] matrix aᵀ = V·S·Uᵀ, so LAPACK run on aᵀ returns in
 * its "U" (column-major [n, k]) exactly our row-major vt [k, n], and in its
 * "VT" (column-major [k, m]) our row-major u [m, k]: no transposes needed. */
gboolean
blip_svd (const float *a, int m, int n, float *u, float *s, float *vt, GError **error)
{
  if (m < 1 || n < 1)
    {
      g_set_error (error, BLIP_LINALG_ERROR, BLIP_LINALG_ERROR_INPUT,
                   "SVD of a %d×%d matrix: both dimensions must be at least 1", m, n);
      return FALSE;
    }
  gsize total = (gsize) m * n;
  for (gsize i = 0; i < total; i++)
    if (!isfinite (a[i]))
      {
        g_set_error (error, BLIP_LINALG_ERROR, BLIP_LINALG_ERROR_INPUT,
                     "SVD of a %d×%d matrix: entry (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                     ") is %g, expected a finite number", m, n, i / n, i % n, a[i]);
        return FALSE;
      }
  int lm = n, ln = m, k = MIN (m, n);
  int lda = lm, ldu = lm, ldvt = k, lwork = -1, info = 0;
  float *copy = g_memdup2 (a, sizeof (float) * total);
  int *iwork = g_new (int, 8 * (gsize) k);
  float query = 0.0f;
  sgesdd_ ("S", &lm, &ln, copy, &lda, s, vt, &ldu, u, &ldvt, &query, &lwork, iwork, &info, 1);
  if (info == 0)
    {
      lwork = (int) query + 1;
      float *work = g_new (float, lwork);
      sgesdd_ ("S", &lm, &ln, copy, &lda, s, vt, &ldu, u, &ldvt, work, &lwork, iwork, &info, 1);
      g_free (work);
    }
  g_free (iwork);
  g_free (copy);
  if (info != 0)
    {
      g_set_error (error, BLIP_LINALG_ERROR, BLIP_LINALG_ERROR_FAILED,
                   info < 0 ? "SVD of a %d×%d matrix: LAPACK sgesdd rejected argument %d"
                            : "SVD of a %d×%d matrix: LAPACK sgesdd did not converge (info %d)",
                   m, n, info < 0 ? -info : info);
      return FALSE;
    }
  return TRUE;
}
