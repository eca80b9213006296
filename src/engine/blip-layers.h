/* blip-layers.h — layer kernels: forward and backward passes on flat buffers.
 *
 * Every function states the shapes it reads and writes. Matrices are row-major
 * float arrays; B is the batch size. All matrix products go through
 * cblas_sgemm. Nothing here allocates: callers pass buffers sized once per run.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Linear: out[B,O] = in[B,K] · W[O,K]ᵀ + b[O]. bias may be NULL. */
void  blip_linear_forward   (const float *in, const float *weight, const float *bias,
                             float *out, int B, int K, int O);

/* Linear backward, given dout[B,O]:
 *   dW[O,K] = doutᵀ · in  (overwritten, or added to when accumulate)
 *   db[O]   = Σ_b dout    (overwritten, or added to when accumulate; NULL to skip)
 *   din[B,K] = dout · W   (NULL to skip, e.g. for the first layer) */
void  blip_linear_backward  (const float *in, const float *weight, const float *dout,
                             float *dweight, float *dbias, float *din,
                             int B, int K, int O, gboolean accumulate);

/* Exact per-sample squared gradients of a linear layer, summed over the batch:
 *   F_W[O,K] += scale · Σ_n (dout_n ⊗ in_n)² = scale · (dout∘dout)ᵀ · (in∘in)
 *   F_b[O]   += scale · Σ_n dout_n²
 * One GEMM instead of a per-sample loop. sq_in[B,K] and sq_dout[B,O] are scratch. */
void  blip_linear_fisher    (const float *in, const float *dout, float *fisher_w, float *fisher_b,
                             int B, int K, int O, float scale, float *sq_in, float *sq_dout);

/* ReLU in place on x[n]. */
void  blip_relu_forward     (float *x, gsize n);
/* Fused bias + ReLU: x[B,O] = max(x + b, 0). */
void  blip_bias_relu_forward (float *x, const float *bias, int B, int O);
/* ReLU backward in place: dx[n] *= (y[n] > 0), where y is the ReLU output. */
void  blip_relu_backward    (const float *y, float *dx, gsize n);

/* Softmax cross-entropy over logits[B,C] with integer labels[B].
 * Returns the summed loss (divide by B for the mean) and writes probs[B,C].
 * correct (may be NULL) receives the number of argmax hits. */
double blip_softmax_xent_forward (const float *logits, const gint32 *labels, float *probs,
                                  int B, int C, int *correct);
/* dlogits[B,C] = scale · (probs − onehot(labels)); scale = 1/B for the mean loss. */
void   blip_softmax_xent_backward (const float *probs, const gint32 *labels, float *dlogits,
                                   int B, int C, float scale);

G_END_DECLS
