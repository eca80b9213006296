/* blip-conv.h — convolutional layer kernels: forward and backward passes on
 * flat buffers, toward convolutional BLIP (Shi et al., CVPR 2021).
 *
 * Same rules as blip-layers.h: every function states the shapes it reads and
 * writes; tensors are row-major float arrays in NCHW order (B images, C
 * channels, H rows, W columns); conv weights are [C_out, C_in, kh, kw], so a
 * weight tensor is also the matrix W[C_out, K] with K = C_in·kh·kw (the fan-in
 * BLIP's bound uses). All matrix products go through cblas_sgemm. Nothing here
 * allocates: callers pass scratch buffers sized once with the *_size helpers.
 *
 * A convolution is im2col + one GEMM per image:
 *   col[K, L] = im2col(x_n),  L = H_out·W_out output positions
 *   out_n[C_out, L] = W[C_out, K] · col[K, L] (+ bias)
 * Row r = (c·kh + i)·kw + j of col holds, for each output position
 * l = oh·W_out + ow, the input x_n[c, oh·stride − pad + i, ow·stride − pad + j]
 * (0 outside the image: zero padding).
 *
 * Pooling has no padding; the output covers the windows that fit,
 * H_out = (H − k)/stride + 1 (floor), as PyTorch's default ceil_mode=False.
 */
#pragma once

#include <glib.h>

#include "blip-rng.h"

G_BEGIN_DECLS

/* Output length along one axis: (in + 2·pad − k)/stride + 1, or ≤ 0 when the
 * kernel does not fit. */
static inline int
blip_conv_out_size (int in, int k, int stride, int pad)
{
  int span = in + 2 * pad - k;
  return span < 0 ? 0 : span / stride + 1;
}

/* The geometry of one convolution, shared by its kernels. */
typedef struct {
  int C_in, H, W;      /* input image [C_in, H, W] */
  int C_out;           /* output channels */
  int kh, kw;          /* kernel rows, columns */
  int stride, pad;     /* the same along both axes; zero padding */
  int H_out, W_out;    /* set by blip_conv_geom_init */
} BlipConvGeom;

/* Fills *g and computes H_out, W_out. Returns FALSE (leaving H_out = W_out = 0)
 * for a non-positive size, stride < 1, pad < 0, or a kernel that does not fit. */
gboolean blip_conv_geom_init (BlipConvGeom *g, int C_in, int H, int W, int C_out,
                              int kh, int kw, int stride, int pad);

/* K = C_in·kh·kw: the rows of col, the columns of W, the fan-in. */
static inline int   blip_conv_fan_in    (const BlipConvGeom *g) { return g->C_in * g->kh * g->kw; }
/* L = H_out·W_out: output positions per channel. */
static inline int   blip_conv_positions (const BlipConvGeom *g) { return g->H_out * g->W_out; }
/* Floats of one weight tensor, C_out·K; the bias has C_out. */
static inline gsize blip_conv_n_weight  (const BlipConvGeom *g) { return (gsize) g->C_out * blip_conv_fan_in (g); }
/* Floats of the col scratch of forward, backward and Fisher: K·L. */
static inline gsize blip_conv_col_size  (const BlipConvGeom *g) { return (gsize) blip_conv_fan_in (g) * blip_conv_positions (g); }
/* A 1×1 kernel with stride 1 and no padding: im2col is the identity, the image
 * itself is the col matrix, and col scratch is not used (may be NULL). */
static inline gboolean
blip_conv_is_pointwise (const BlipConvGeom *g)
{
  return g->kh == 1 && g->kw == 1 && g->stride == 1 && g->pad == 0;
}

/* ---- im2col / col2im, one image ------------------------------------------ */

/* col[K, L] = im2col(x[C_in, H, W]) (see the header comment). */
void  blip_im2col  (const BlipConvGeom *g, const float *x, float *col);
/* x[C_in, H, W] = col2im(col[K, L]), the adjoint of im2col: x is overwritten
 * with, for each pixel, the sum of the col entries im2col copies it to
 * (padding entries are dropped). ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩. */
void  blip_col2im  (const BlipConvGeom *g, const float *col, float *x);

/* The same with col[K, ld]: row r of col starts at col + r·ld, so several
 * images can fill side-by-side column blocks of one matrix (ld ≥ L). */
void  blip_im2col_ld (const BlipConvGeom *g, const float *x, float *col, gsize ld);
void  blip_col2im_ld (const BlipConvGeom *g, const float *col, gsize ld, float *x);

/* ---- Conv2d -------------------------------------------------------------- */

/* out[B, C_out, H_out, W_out] = conv(x[B, C_in, H, W], W[C_out, C_in, kh, kw]) + bias[C_out].
 * bias may be NULL. col is scratch of blip_conv_col_size(g) floats (may be NULL
 * when pointwise). One im2col and one sgemm per image. */
void  blip_conv2d_forward  (const BlipConvGeom *g, const float *x, const float *weight,
                            const float *bias, float *out, int B, float *col);

/* Conv2d backward, given dout[B, C_out, H_out, W_out]:
 *   dW[C_out, K] = Σ_n dout_n[C_out, L] · col(x_n)ᵀ   (NULL to skip, e.g. a frozen layer)
 *   db[C_out]    = Σ_n Σ_L dout_n                      (NULL to skip)
 *   dx[B, C_in, H, W] = col2im(Wᵀ · dout_n) per image  (NULL to skip, e.g. the first layer)
 * dW and db are overwritten, or added to when accumulate. col is scratch of
 * blip_conv_col_size(g) floats (may be NULL when pointwise); im2col is redone
 * here rather than kept from the forward pass, which would cost B·K·L floats. */
void  blip_conv2d_backward (const BlipConvGeom *g, const float *x, const float *weight,
                            const float *dout, float *dweight, float *dbias, float *dx,
                            int B, gboolean accumulate, float *col);

/* Exact per-sample squared gradients of a conv layer, summed over the batch.
 * Sample n's weight gradient is G_n[C_out, L] · col(x_n)ᵀ[L, K] with
 * G_n = dout_n; its bias gradient is Σ_L G_n. Then
 *   F_W[C_out, K] += scale · Σ_n (G_n · col(x_n)ᵀ)²   (elementwise square)
 *   F_b[C_out]    += scale · Σ_n (Σ_L G_n)²           (fisher_b NULL to skip)
 * Unlike a linear layer the square does not factor through the sum over
 * positions, so each sample takes one GEMM into grad, scratch of
 * blip_conv_n_weight(g) floats; col as for backward. */
void  blip_conv2d_fisher   (const BlipConvGeom *g, const float *x, const float *dout,
                            float *fisher_w, float *fisher_b, int B, float scale,
                            float *col, float *grad);

/* ---- Conv2d over the whole batch in one GEMM ------------------------------
 * The network's form: col[K, B·L] holds every image's im2col side by side, so
 * each pass is one large GEMM instead of B small ones (layers deep in a CNN
 * have few positions L, where a per-image GEMM runs far below peak), and col
 * is kept from the forward pass for dW and the per-sample Fisher. */

/* out[B, C_out, H_out, W_out] = conv(x[B, C_in, H, W]) + bias (bias may be
 * NULL), ReLU applied when relu. col[K, B·L] receives the columns (keep them
 * for backward); tmp is scratch of C_out·B·L floats. */
void  blip_conv2d_forward_batched  (const BlipConvGeom *g, const float *x, const float *weight,
                                    const float *bias, gboolean relu, float *out, int B,
                                    float *col, float *tmp);
/* Backward from dout[B, C_out, H_out, W_out] and the forward pass's col[K, B·L]:
 *   dW[C_out, K] = Σ_n dout_n · col_nᵀ, db[C_out] = Σ dout   (overwritten; NULL to skip)
 *   dx[B, C_in, H, W] = col2im(Wᵀ · dout)                   (NULL to skip)
 * tmp (C_out·B·L floats) and dcol (K·B·L floats, only with dx) are scratch. */
void  blip_conv2d_backward_batched (const BlipConvGeom *g, const float *col, const float *weight,
                                    const float *dout, float *dweight, float *dbias, float *dx,
                                    int B, float *tmp, float *dcol);
/* blip_conv2d_fisher from the forward pass's col[K, B·L] instead of x. */
void  blip_conv2d_fisher_batched   (const BlipConvGeom *g, const float *col, const float *dout,
                                    float *fisher_w, float *fisher_b, int B, float scale,
                                    float *grad);

/* ---- Pooling (no padding; H_out = (H − k)/stride + 1) -------------------- */

/* out[B, C, H_out, W_out] = max over each k×k window of x[B, C, H, W].
 * argmax[B, C, H_out, W_out] receives the index h·W + w of the maximum within
 * its H×W plane (the first one, in row-major order, on ties). */
void  blip_maxpool2d_forward  (const float *x, float *out, gint32 *argmax,
                               int B, int C, int H, int W, int k, int stride);
/* dx[B, C, H, W] = the scatter-add of dout[B, C, H_out, W_out] to the argmax
 * positions (overwritten; 0 where no window took its maximum). */
void  blip_maxpool2d_backward (const float *dout, const gint32 *argmax, float *dx,
                               int B, int C, int H, int W, int k, int stride);

/* out[B, C, H_out, W_out] = mean over each k×k window of x[B, C, H, W]. */
void  blip_avgpool2d_forward  (const float *x, float *out,
                               int B, int C, int H, int W, int k, int stride);
/* dx[B, C, H, W] = Σ over the windows containing a pixel of dout/(k·k) (overwritten). */
void  blip_avgpool2d_backward (const float *dout, float *dx,
                               int B, int C, int H, int W, int k, int stride);

/* ---- Dropout (any shape, n elements) ------------------------------------- */

/* Training: mask[n] is drawn from rng, one blip_rng_uniform per element in
 * order, keeping an element when u ≥ p: mask = 1/(1 − p) where kept, else 0
 * (p = 1 drops all); y[n] = x ∘ mask. The same rng state gives the same mask.
 * Eval: y = x; rng is not advanced and mask is not touched (may be NULL).
 * y may be x (in place). */
void  blip_dropout_forward  (BlipRng *rng, const float *x, float *y, float *mask,
                             gsize n, float p, gboolean training);
/* dx[n] = dy ∘ mask (training mode; the same product applies a fixed mask in a
 * forward pass). dx may be dy. */
void  blip_dropout_backward (const float *mask, const float *dy, float *dx, gsize n);

/* ---- BatchNorm2d (per channel over B·H·W values; HW = H·W) ---------------- */

#define BLIP_BN_MOMENTUM 0.1f   /* PyTorch's defaults */
#define BLIP_BN_EPS      1e-5f

/* y[B, C, HW] = γ[c]·x̂ + β[c], x̂ = (x − μ_c)/sqrt(σ²_c + eps); without affine
 * (gamma and beta NULL) y = x̂. y may be x (in place).
 * Training: μ, σ² are the batch mean and biased variance of channel c over
 * N = B·HW values, saved as save_mean[C] = μ and save_invstd[C] = 1/sqrt(σ² + eps)
 * for backward (both required); running_mean[C] and running_var[C] (NULL to skip both) move by
 *   r ← (1 − momentum)·r + momentum·stat
 * with the unbiased variance σ²·N/(N − 1) (σ² when N = 1), as PyTorch does.
 * Eval: μ, σ² are running_mean, running_var; save_* are not touched (may be NULL). */
void  blip_batchnorm2d_forward  (const float *x, float *y, const float *gamma, const float *beta,
                                 float *running_mean, float *running_var,
                                 float *save_mean, float *save_invstd,
                                 int B, int C, int HW, float momentum, float eps,
                                 gboolean training);
/* Training-mode backward through the batch statistics, given dy[B, C, HW], the
 * forward input x and the saved statistics:
 *   dγ[C] = Σ dy·x̂,  dβ[C] = Σ dy   (NULL to skip; overwritten, or added to when accumulate)
 *   dx = γ·invstd·(dy − mean(dy) − x̂·mean(dy·x̂))   (γ = 1 when gamma is NULL; dx NULL to skip)
 * with the means over each channel's N = B·HW values. dx may be dy. */
void  blip_batchnorm2d_backward (const float *x, const float *dy, const float *gamma,
                                 const float *save_mean, const float *save_invstd,
                                 float *dx, float *dgamma, float *dbeta,
                                 int B, int C, int HW, gboolean accumulate);

G_END_DECLS
