/* blip-linalg.h — dense linear algebra beyond BLAS: the singular value
 * decomposition HALRP needs to pick ranks and initialise its low-rank factors.
 *
 * It wraps LAPACK's sgesdd_ from OpenBLAS (Debian's build exports the Fortran
 * symbols, not LAPACKE). Matrices here are row-major like the rest of the
 * engine; the column-major translation stays inside blip-linalg.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_LINALG_ERROR (blip_linalg_error_quark ())
GQuark blip_linalg_error_quark (void);

typedef enum {
  BLIP_LINALG_ERROR_INPUT,       /* empty shape or a non-finite entry */
  BLIP_LINALG_ERROR_FAILED,      /* LAPACK returned info ≠ 0 */
} BlipLinalgError;

/* Thin SVD a = U·diag(s)·Vᵀ of a [m, n] (row-major, not modified), k = min(m, n):
 *   u [m, k] row-major, s [k] in descending order, vt [k, n] row-major.
 * Returns FALSE with error set for an empty or non-finite matrix or when
 * LAPACK reports failure (info ≠ 0: a bad argument, or no convergence). */
gboolean blip_svd (const float *a, int m, int n, float *u, float *s, float *vt, GError **error);

G_END_DECLS
