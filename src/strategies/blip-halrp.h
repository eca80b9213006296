/* blip-halrp.h — the arithmetic of HALRP (Li et al., "Hessian Aware Low-Rank
 * Perturbation for Continual Learning"), apart from the strategy's bookkeeping
 * so that tests can check each piece by hand and by finite differences.
 *
 * A layer's weights, viewed as [out, in_s·kk] (kk = kh·kw for a convolution,
 * whose s and low-rank part are per input channel as the official
 * rankPerturb4_Conv2d has them; kk = 1 for a linear layer), are for task t
 *
 *   W_t[o, c·kk + p] = r[o] · W0[o, c·kk + p] · s[c] + (B·A)[o, c]
 *
 * with r [out], s [in_s], B [out, rank], A [rank, in_s]: the low-rank part is
 * the same at every kernel position (the official 1×1 conv, k×k sum pooling,
 * 1×1 conv).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* w [out, in_s·kk] = diag(r)·w0·diag(s ⊗ 1_kk) + B·A (replicated over kk);
 * scratch [out, in_s]. */
void   blip_halrp_compose  (int out, int in_s, int kk, int rank, const float *w0,
                            const float *r, const float *s, const float *B, const float *A,
                            float *w, float *scratch);

/* The chain rule back from gw = dL/dW [out, in_s·kk]:
 *   dr[o] = Σ_{c,p} gw·w0·s[c]      ds[c] = Σ_{o,p} gw·r[o]·w0
 *   dM[o, c] = Σ_p gw[o, c·kk + p]  dB = dM·Aᵀ  dA = Bᵀ·dM
 * (overwriting dr, ds, dB, dA); scratch [out, in_s]. */
void   blip_halrp_backprop (int out, int in_s, int kk, int rank, const float *w0,
                            const float *r, const float *s, const float *B, const float *A,
                            const float *gw, float *dr, float *ds, float *dB, float *dA,
                            float *scratch);

/* From the freely fine-tuned weights wf and the base w0 (both [out, in_s·kk]):
 * the least-squares scales (official estimate_ranks)
 *   r[o] = Σ wf·w0 / Σ w0²            (over row o)
 *   s[c] = Σ r·w0·wf / Σ (r·w0)²      (over input channel c, all rows)
 * (denominators at least 1e-20), and the discrepancy averaged over kernel
 * positions, d [out, in_s] = mean_p (wf − r·w0·s). */
void   blip_halrp_fit_scales (int out, int in_s, int kk, const float *w0, const float *wf,
                              float *r, float *s, float *d);

/* Global rank selection. Layer l has n_sv[l] singular values sv (concatenated,
 * descending within a layer), a Hessian importance importance[l] and kk[l].
 * Each value scores kk·σ²·importance; sorted over all layers, the first
 * scores whose cumulative share first exceeds rate (the official argmax of
 * cumsum/total > rate, inclusive) are kept, and a layer's rank is how many of
 * its own were kept, clamped to [1, max_rank]. */
void   blip_halrp_select_ranks (int n_layers, const int *n_sv, const float *sv,
                                const double *importance, const int *kk,
                                double rate, int max_rank, int *ranks);

/* numpy.percentile(values, q) with linear interpolation, q in [0, 100];
 * sorts values in place. */
double blip_halrp_percentile (float *values, gsize n, double q);

/* Zeroes every entry of the n values (one task's factors) whose magnitude is
 * at most max(percentile(|values|, 100·rate), min_threshold). Returns the
 * threshold used; *zeroed (may be NULL) counts the entries now 0. scratch [n]. */
double blip_halrp_prune (float *values, gsize n, double rate, double min_threshold,
                         float *scratch, gsize *zeroed);

G_END_DECLS
