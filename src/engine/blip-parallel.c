/* blip-parallel.c — the engine's threads: a parallel for on persistent
 * workers, started on first use, that take ranges from a shared counter
 * until none is left; blip_sgemm and the sum of squares built on it.
 *
 * Ranges are handed out dynamically rather than split evenly in advance, so
 * a core that is busy with something else (another run, the app's drawing)
 * takes fewer ranges instead of holding up the rest. Which thread runs a
 * range never changes what is computed (see blip-parallel.h).
 */
#include "blip-parallel.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>

#define MAX_WORKERS 63
/* Items per block of blip_parallel_sum_squares: big enough that a block is
 * worth a thread, small enough to split a layer's gradient. */
#define SUM_BLOCK 32768

typedef struct
{
  pthread_mutex_t  lock;
  pthread_cond_t   start;
  pthread_cond_t   finish;
  GThread         *threads[MAX_WORKERS];
  guint64          created_at[MAX_WORKERS]; /* generation when each started */
  int              n_workers;    /* started so far */
  guint64          generation;   /* bumped for each job */
  /* The current job, read by workers after they see a new generation. */
  BlipParallelFunc func;
  gpointer         data;
  gsize            n, grain;
  int              n_ranges;
  int              helpers;      /* workers asked to join this job */
  int              pending;      /* of those, still running */
  gint             next_range;   /* atomic: the next range to take */
} Pool;

/* POSIX locks rather than GMutex: GLib's are bare futexes that
 * ThreadSanitizer cannot see, and tools/run-tsan checks this pool. */
static Pool pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .start = PTHREAD_COND_INITIALIZER,
                     .finish = PTHREAD_COND_INITIALIZER };
/* Held by the one caller using the workers; others run inline. */
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;

/* Set once from OpenBLAS's own choice, or by blip_parallel_set_threads. */
static gint engine_threads;

static void
take_threads_from_blas (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      if (g_atomic_int_get (&engine_threads) == 0)
        g_atomic_int_set (&engine_threads, MAX (1, openblas_get_num_threads ()));
      openblas_set_num_threads (1);
      g_once_init_leave (&once, 1);
    }
}

int
blip_parallel_get_threads (void)
{
  take_threads_from_blas ();
  return g_atomic_int_get (&engine_threads);
}

void
blip_parallel_set_threads (int threads)
{
  g_return_if_fail (threads >= 1);
  g_atomic_int_set (&engine_threads, threads);
  take_threads_from_blas ();
}

/* Takes ranges until none is left. */
static void
run_ranges (Pool *p)
{
  for (;;)
    {
      int r = g_atomic_int_add (&p->next_range, 1);
      if (r >= p->n_ranges)
        return;
      gsize lo = (gsize) r * p->grain;
      p->func (p->data, lo, MIN (p->n, lo + p->grain));
    }
}

static gpointer
worker_main (gpointer data)
{
  Pool *p = &pool;
  int index = GPOINTER_TO_INT (data);
  pthread_mutex_lock (&p->lock);
  guint64 seen = p->created_at[index];
  for (;;)
    {
      while (p->generation == seen)
        pthread_cond_wait (&p->start, &p->lock);
      seen = p->generation;
      if (index >= p->helpers)
        continue;   /* not needed for this job */
      pthread_mutex_unlock (&p->lock);
      run_ranges (p);
      pthread_mutex_lock (&p->lock);
      if (--p->pending == 0)
        pthread_cond_signal (&p->finish);
    }
  return NULL;
}

void
blip_parallel_for (gsize n, gsize grain, BlipParallelFunc func, gpointer data)
{
  g_return_if_fail (grain >= 1 && func != NULL);
  if (n == 0)
    return;
  gsize n_ranges = (n + grain - 1) / grain;
  int threads = MIN (blip_parallel_get_threads (), MAX_WORKERS + 1);
  if (threads <= 1 || n_ranges < 2 || n_ranges > G_MAXINT || pthread_mutex_trylock (&pool_busy) != 0)
    {
      func (data, 0, n);
      return;
    }
  Pool *p = &pool;
  int helpers = (int) MIN ((gsize) threads - 1, n_ranges - 1);

  pthread_mutex_lock (&p->lock);
  while (p->n_workers < helpers)
    {
      /* A new worker counts from the generation before this job's, so it
       * joins this job as soon as it takes the lock. */
      int index = p->n_workers++;
      p->created_at[index] = p->generation;
      p->threads[index] = g_thread_new ("blip-parallel", worker_main, GINT_TO_POINTER (index));
    }
  p->func = func;
  p->data = data;
  p->n = n;
  p->grain = grain;
  p->n_ranges = (int) n_ranges;
  p->helpers = helpers;
  p->pending = helpers;
  g_atomic_int_set (&p->next_range, 0);
  p->generation++;
  pthread_cond_broadcast (&p->start);
  pthread_mutex_unlock (&p->lock);

  run_ranges (p);

  pthread_mutex_lock (&p->lock);
  while (p->pending > 0)
    pthread_cond_wait (&p->finish, &p->lock);
  pthread_mutex_unlock (&p->lock);
  pthread_mutex_unlock (&pool_busy);
}

/* Below this many multiply-adds a GEMM runs on the calling thread: waking a
 * worker costs microseconds and each block packs the other operand again.
 * (With 1M instead of 4M, a MinAtar PPO run, whose GEMMs are small, took 9%
 * longer on 2 threads.) */
#define SGEMM_SPLIT_MIN_MACS (1 << 22)
/* Blocks of C are multiples of this many rows or columns, whole micro-kernel
 * tiles of the packed GEMM. */
#define SGEMM_ALIGN 64
/* Each block packs the whole of the other operand again, so a block narrower
 * than this costs more in packing than it saves (a convolution's weight
 * gradient with few output channels and a long sum over positions). */
#define SGEMM_MIN_BLOCK 128

typedef struct
{
  gboolean     trans_a, trans_b, split_rows;
  int          M, N, K, lda, ldb, ldc;
  float        alpha, beta;
  const float *A, *B;
  float       *C;
  int          block;
} SgemmJob;

/* Blocks [lo, hi) of C's rows (split_rows) or columns. */
static void
sgemm_blocks (gpointer data, gsize lo, gsize hi)
{
  const SgemmJob *j = data;
  const CBLAS_TRANSPOSE ta = j->trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = j->trans_b ? CblasTrans : CblasNoTrans;
  int extent = j->split_rows ? j->M : j->N;
  int first = (int) lo * j->block, last = MIN (extent, (int) hi * j->block);
  if (j->split_rows)
    {
      /* rows first.. of C and op(A): A[M, K] rows, or Aᵀ's columns */
      const float *a = j->trans_a ? j->A + first : j->A + (gsize) first * j->lda;
      cblas_sgemm (CblasRowMajor, ta, tb, last - first, j->N, j->K, j->alpha, a, j->lda,
                   j->B, j->ldb, j->beta, j->C + (gsize) first * j->ldc, j->ldc);
    }
  else
    {
      /* columns first.. of C and op(B): B[K, N] columns, or Bᵀ's rows */
      const float *b = j->trans_b ? j->B + (gsize) first * j->ldb : j->B + first;
      cblas_sgemm (CblasRowMajor, ta, tb, j->M, last - first, j->K, j->alpha, j->A, j->lda,
                   b, j->ldb, j->beta, j->C + first, j->ldc);
    }
}

void
blip_sgemm (gboolean trans_a, gboolean trans_b, int M, int N, int K,
            float alpha, const float *A, int lda, const float *B, int ldb,
            float beta, float *C, int ldc)
{
  int threads = blip_parallel_get_threads ();
  /* Split the longer side of C, into one block per thread. */
  gboolean split_rows = M > N;
  int extent = split_rows ? M : N;
  int block = (extent + threads - 1) / threads;
  block = (block + SGEMM_ALIGN - 1) / SGEMM_ALIGN * SGEMM_ALIGN;
  if (threads <= 1 || block >= extent || extent / threads < SGEMM_MIN_BLOCK ||
      (double) M * N * K < SGEMM_SPLIT_MIN_MACS)
    {
      cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                   M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      return;
    }
  SgemmJob job = { trans_a, trans_b, split_rows, M, N, K, lda, ldb, ldc, alpha, beta, A, B, C, block };
  blip_parallel_for ((gsize) ((extent + block - 1) / block), 1, sgemm_blocks, &job);
}

typedef struct
{
  const float *x;
  gsize        n;
  double      *block_sums;
} SumJob;

/* Blocks [lo, hi) of SUM_BLOCK items: one double sum each. */
static void
sum_blocks (gpointer data, gsize lo, gsize hi)
{
  SumJob *job = data;
  for (gsize b = lo; b < hi; b++)
    {
      gsize a = b * SUM_BLOCK, e = MIN (job->n, a + SUM_BLOCK);
      double s = 0.0;
      for (gsize i = a; i < e; i++)
        s += (double) job->x[i] * job->x[i];
      job->block_sums[b] = s;
    }
}

double
blip_parallel_sum_squares (const float *x, gsize n)
{
  gsize n_blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
  double stack_sums[1024];
  double *sums = n_blocks <= G_N_ELEMENTS (stack_sums) ? stack_sums : g_new (double, n_blocks);
  SumJob job = { x, n, sums };
  blip_parallel_for (n_blocks, 1, sum_blocks, &job);
  double total = 0.0;
  for (gsize b = 0; b < n_blocks; b++)
    total += sums[b];
  if (sums != stack_sums)
    g_free (sums);
  return total;
}

typedef struct
{
  float *x;
  float  k;
} ScaleJob;

static void
scale_range (gpointer data, gsize lo, gsize hi)
{
  ScaleJob *job = data;
  for (gsize i = lo; i < hi; i++)
    job->x[i] *= job->k;
}

void
blip_parallel_scale (float *x, gsize n, float k)
{
  ScaleJob job = { x, k };
  blip_parallel_for (n, 65536, scale_range, &job);
}
