/* blip-parallel.h — the engine's threads: one pool that runs both the GEMMs
 * (blip_sgemm, split into blocks of rows or columns, each a one-thread
 * cblas_sgemm) and the element-wise and memory-bound loops between them
 * (im2col, col2im, regrouping, optimiser updates, gradient-norm sums).
 *
 * Why not OpenBLAS's own threads: they only cover the GEMMs, so everything
 * between two GEMMs ran on one core (about a third of a PPO update on the
 * Atari network), and after each GEMM they spin on sched_yield for a while,
 * taking the other core from any thread that wants it. With one pool the
 * loops get every core and nothing spins. OpenBLAS is set to one thread.
 *
 * Results never depend on the thread count or on scheduling: func must write
 * only what items [lo, hi) own, and reductions go through fixed-size blocks
 * (blip_parallel_sum_squares) summed in block order.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Processes items [lo, hi); called for consecutive ranges of `grain` items
 * (the last one shorter), possibly on several threads at once. */
typedef void (*BlipParallelFunc) (gpointer data, gsize lo, gsize hi);

/* Runs func over items [0, n) in ranges of grain items (grain ≥ 1) and
 * returns when all are done. Runs on the calling thread alone when BLAS has
 * one thread, when there is a single range, or when another thread is using
 * the workers (two trainers at once), so it never waits for another caller. */
void   blip_parallel_for (gsize n, gsize grain, BlipParallelFunc func, gpointer data);

/* Σ x[i]² over [0, n) in double, summed in blocks whose size does not depend
 * on the thread count, so the result is the same for any thread count. */
double blip_parallel_sum_squares (const float *x, gsize n);

/* x[i] *= k over [0, n). */
void   blip_parallel_scale (float *x, gsize n, float k);

/* The engine's thread count (--threads). Until set, the count OpenBLAS
 * chose from the environment (OPENBLAS_NUM_THREADS, else every core). */
int    blip_parallel_get_threads (void);
void   blip_parallel_set_threads (int threads);

/* cblas_sgemm in row-major order, C[M, N] = alpha·op(A)·op(B) + beta·C, over
 * the engine's threads: C is cut into blocks of whole rows or columns (the
 * sums over K are never split), one one-thread cblas_sgemm per block. */
void   blip_sgemm (gboolean trans_a, gboolean trans_b, int M, int N, int K,
                   float alpha, const float *A, int lda, const float *B, int ldb,
                   float beta, float *C, int ldc);

G_END_DECLS
