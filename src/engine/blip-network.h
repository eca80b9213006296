/* blip-network.h — a feed-forward network: shared feature layers (linear,
 * convolution, pooling, dropout, batch normalisation, residual additions),
 * then one linear head per task.
 *
 * All parameters live in one float arena (features first, then heads), and all
 * gradients in a second arena of the same layout, so optimisers, checkpoints
 * and snapshots see the network as flat ranges. Activation buffers are sized
 * for max_batch once, when the network is made; forward and backward never
 * allocate.
 */
#pragma once

#include <glib.h>
#include "blip-conv.h"
#include "blip-quant.h"
#include "blip-rng.h"

G_BEGIN_DECLS

#define BLIP_NETWORK_ERROR (blip_network_error_quark ())
GQuark blip_network_error_quark (void);

typedef enum {
  BLIP_NETWORK_ERROR_SHAPE,      /* a layer does not fit its input */
} BlipNetworkError;

typedef enum {
  BLIP_LAYER_LINEAR,
  BLIP_LAYER_CONV2D,
} BlipLayerKind;

/* A layer with parameters. Its weights are always viewed as the matrix
 * [out_dim, in_dim]: for a linear layer that is [outputs, inputs]; for a
 * convolution it is [C_out, C_in·kh·kw], one row per output channel's kernel,
 * which is also PyTorch's [C_out, C_in, kh, kw] layout. So optimisers, BLIP's
 * state, checkpoints and snapshots treat both kinds alike. */
typedef struct {
  BlipLayerKind   kind;
  char           *name;
  int             in_dim;        /* fan-in: inputs per unit (C_in·kh·kw for a conv) */
  int             out_dim;       /* units: outputs (C_out for a conv) */
  BlipConvGeom    geom;          /* BLIP_LAYER_CONV2D only */
  gboolean        relu;          /* a ReLU follows, fused into the layer */
  gsize           offset;        /* of the weights in the parameter arena */
  gsize           n_weight;      /* out_dim × in_dim */
  gsize           n_bias;        /* out_dim, or 0 for a layer without bias */
  float          *weight;        /* [out_dim, in_dim], into the arena */
  float          *bias;          /* [out_dim] follows the weights; NULL without bias */
  float          *grad_weight;
  float          *grad_bias;     /* NULL without bias */
  BlipQuantState *quant;         /* NULL when the layer is not quantized */
  gboolean        frozen;        /* no gradient, no update (FT-FIX) */
} BlipLayer;

/* The feature extractor is a list of operations in evaluation order; layers
 * with parameters are referenced by index into BlipNetwork.layers. Each op
 * reads one earlier op's output (usually the previous one), so besides a plain
 * chain the list can describe branches that join again by BLIP_OP_ADD, as a
 * residual block's shortcut does:
 *
 *   j:   …                      block input
 *   j+1: conv 3×3, stride s     reads j
 *   j+2: batchnorm, ReLU
 *   j+3: conv 3×3
 *   j+4: batchnorm
 *   j+5: conv 1×1, stride s     reads j (spec .from = 5): the projection shortcut
 *   j+6: batchnorm
 *   j+7: add, ReLU              j+6 + j+4 (spec .skip = 3)
 *
 * (an identity shortcut is just "j+5: add, ReLU" with .skip = 5). The backward
 * pass visits the ops in reverse; an output read by several ops receives the
 * sum of their gradients. */
typedef enum {
  BLIP_OP_LAYER,                 /* linear or conv layer, with its fused ReLU */
  BLIP_OP_MAXPOOL,               /* k×k max pooling, stride k */
  BLIP_OP_DROPOUT,               /* in place on the previous op's output */
  BLIP_OP_BATCHNORM,             /* BatchNorm2d without affine parameters, fused ReLU */
  BLIP_OP_ADD,                   /* input + the output of op `skip`, fused ReLU */
  BLIP_OP_AVGPOOL,               /* global average pooling: [C, H, W] → [C, 1, 1] */
} BlipOpKind;

typedef struct {
  BlipOpKind  kind;
  int         layer;             /* BLIP_OP_LAYER: index into layers */
  int         input;             /* the op whose output this op reads; −1: the network input */
  int         skip;              /* BLIP_OP_ADD: the op whose output is added; −1: the network input */
  int         C, H, W;           /* output shape of one sample (linear: C = width, H = W = 1) */
  gsize       width;             /* C·H·W */
  int         k;                 /* pooling window and stride */
  float       p;                 /* dropout probability */
  gboolean    relu;              /* batchnorm, add: a ReLU follows, fused into the op */
  /* Backward adds this op's gradient w.r.t. its input (its skip) into that
   * op's dact instead of overwriting it: a consumer later in the list, whose
   * backward runs first, has already written it. */
  gboolean    input_grad_adds;
  gboolean    skip_grad_adds;
  char       *name;              /* batchnorm: bn1, bn2, … (checkpoint tensors bnK.running_mean, …) */
  float      *act;               /* [max_batch, width] output */
  float      *dact;              /* [max_batch, width] gradient w.r.t. that output */
  gint32     *argmax;            /* max pooling: [max_batch, width] */
  float      *mask;              /* dropout: [max_batch, width] */
  float      *col;               /* conv: im2col of the last forward, [K, max_batch·L] */
  float      *running_mean;      /* batchnorm: [C], into BlipNetwork.buffers */
  float      *running_var;       /* batchnorm: [C], follows running_mean */
  float      *save_mean;         /* batchnorm: [C], the last training forward's batch statistics */
  float      *save_invstd;       /* batchnorm: [C] */
  gboolean    batch_stats;       /* batchnorm: the last forward normalised by batch statistics */
  /* Layer op with a unit gate (HAT, blip_network_set_gate): the output is
   * act[b, c, …] = gate_in[b, c, …]·gate[c], gate_in being the layer's output
   * after its fused ReLU. */
  const float *gate;             /* [C]; NULL: not gated */
  float      *gate_in;           /* [max_batch, width] the output before the gate */
  float      *dgate;             /* [C] ∂L/∂gate of the last backward (overwritten); may be NULL */
} BlipOp;

/* One step of a network description for blip_network_new. */
typedef struct {
  BlipOpKind  kind;
  BlipLayerKind layer_kind;      /* for BLIP_OP_LAYER */
  int         out;               /* units (linear) or output channels (conv) */
  int         k;                 /* conv kernel size, or pooling window */
  int         stride, pad;       /* conv only; stride 0 means 1 */
  gboolean    relu;              /* layer, batchnorm, add */
  gboolean    no_bias;           /* layer: weights only (a conv followed by batchnorm) */
  float       p;                 /* dropout probability */
  /* Step i reads the output of step i − from (0 means 1: the previous step;
   * i − from = −1: the network input); dropout always reads the previous step.
   * BLIP_OP_ADD adds the output of step i − skip (skip ≥ 1), which must have
   * the same shape. */
  int         from;
  int         skip;
} BlipOpSpec;

/* Room for any network description made by the *_spec functions below. */
#define BLIP_NETWORK_MAX_SPEC 64

typedef struct _BlipNetwork BlipNetwork;

struct _BlipNetwork {
  int         input_dim;         /* C·H·W of one input sample */
  int         in_c, in_h, in_w;
  int         n_layers;          /* feature layers with parameters */
  BlipLayer  *layers;
  int         n_ops;
  BlipOp     *ops;
  int         feat_dim;          /* width of the last op's output */
  int         n_heads;
  BlipLayer  *heads;
  float      *params;
  float      *grads;
  gsize       n_params;
  gsize       n_feature_params;  /* params[0 .. n_feature_params) belong to the features */
  int         max_batch;
  int         max_classes;
  gboolean    training;          /* dropout active, batchnorm on batch statistics */
  BlipRng     dropout_rng;       /* its own stream, saved in checkpoints */
  /* State that is not trained by gradients: every batchnorm's running mean
   * and variance, in op order, kept apart from the parameter arena so
   * optimisers, weight decay and BLIP never touch them. */
  float      *buffers;
  gsize       n_buffers;

  /* Per-run buffers. */
  float      *logits;            /* [max_batch, max_classes] */
  float      *probs;
  float      *dlogits;
  float      *scratch_a;         /* linear Fisher: squared inputs */
  float      *scratch_b;         /* linear Fisher: squared output gradients; conv: one sample's gradient */
  float      *conv_tmp;          /* conv: [C_out, max_batch·L], outputs or gradients grouped by channel */
  float      *conv_dcol;         /* conv: [K, max_batch·L], the gradient w.r.t. col */
  float      *grad_tmp;          /* an input gradient to be added to one already written */
  float      *forward_params;    /* Q(w, max_bit) copy when training on quantized weights */
};

/* A network from a description: input [C, H, W], then spec[0..n_spec) in order
 * (layers get names conv1, conv2, … and fc1, fc2, …; batchnorms bn1, bn2, …),
 * then n_heads linear heads with head_classes[t] outputs on the flattened last
 * output.
 * Quantized feature layers get BLIP state and the reference's initialisation:
 * N(0, 1/fan_in) clamped to ±6/sqrt(fan_in), biases 0 (fan_in = C_in·k·k for a
 * conv). Non-quantized feature layers get the same initialisation, so every
 * approach starts from the same network for a given seed. Heads use PyTorch's
 * nn.Linear default, U(±1/sqrt(fan_in)) for weights and biases. Batchnorm
 * running statistics start at mean 0, variance 1 (PyTorch's). Dropout draws
 * from a stream of init_rng's seed made at construction. Returns NULL with
 * error set when a shape does not fit (e.g. a kernel larger than its input),
 * a step reads one that does not exist, an add joins different shapes, or an
 * output that a dropout overwrites in place is also read by another step. */
BlipNetwork *blip_network_new     (int C, int H, int W,
                                   const BlipOpSpec *spec, int n_spec,
                                   const int   *head_classes,
                                   int          n_heads,
                                   gboolean     quantized,
                                   int          max_bit,
                                   double       F_prior,
                                   BlipRng     *rng,
                                   int          max_batch,
                                   GError     **error);

/* An MLP: input_dim → hidden[0] → … → hidden[n_hidden−1] (each Linear + ReLU),
 * then the heads; initialised as blip_network_new says. */
BlipNetwork *blip_network_new_mlp (int          input_dim,
                                   const int   *hidden,
                                   int          n_hidden,
                                   const int   *head_classes,
                                   int          n_heads,
                                   gboolean     quantized,
                                   int          max_bit,
                                   double       F_prior,
                                   BlipRng     *rng,
                                   int          max_batch);

/* The reference's AlexNet-like network (q_alexnet.py) on [C, S, S] inputs:
 * conv C→64·mul (kernel S/8), conv →128·mul (S/10), conv →256·mul (2), each
 * ReLU, dropout 0.2 and 2×2 max pooling; then fc → fc_width → fc_width, each
 * ReLU and dropout 0.2. Channel counts are rounded as Python's round() does.
 * Fills spec (at most 16 entries) and returns the number used, or 0 with error
 * set when the input is too small for the kernels. */
int          blip_network_alexnet_spec (int C, int H, int W, double mul, int fc_width,
                                        BlipOpSpec *spec, GError **error);

/* HALRP's LeNet (models/lenet.py) on [C, H, W] inputs, H and W multiples of 4:
 *   conv 5×5 C→20 (padding 2), BN, ReLU, 2×2 max pooling;
 *   conv 5×5 →50 (padding 2), BN, ReLU, 2×2 max pooling;
 *   fc → 800, BN, ReLU; fc → 500, BN, ReLU.
 * The engine's batchnorm has no affine parameters (the official one does).
 * Fills spec (10 entries) and returns the number used, or 0 with error set. */
int          blip_network_lenet_spec (int C, int H, int W, BlipOpSpec *spec, GError **error);

/* ResNet-18 as continual-learning papers use it for mini-ImageNet and CIFAR
 * (the "reduced ResNet-18" of GEM, GPM, ACL with nf = 20; nf = 64 is the
 * standard width) on [C, H, W] inputs:
 *   conv 3×3 C→nf (stride 2 when H and W are at least 64, as for 84×84
 *   mini-ImageNet, to keep the cost down; else stride 1), BN, ReLU;
 *   four stages of two BasicBlocks with nf, 2nf, 4nf, 8nf channels, the first
 *   block of stages 2–4 downsampling with stride 2; a BasicBlock is
 *   conv 3×3, BN, ReLU, conv 3×3, BN, + shortcut, ReLU, the shortcut being
 *   the identity or, where the shape changes, conv 1×1 (stride 2) and BN;
 *   global average pooling to 8nf features.
 * Convolutions have no bias (BN follows each), 3×3 ones padding 1; BN has no
 * affine parameters and tracks running statistics (momentum 0.1, eps 1e-5).
 * Fills spec (at most BLIP_NETWORK_MAX_SPEC entries; 49 are used) and returns
 * the number used, or 0 with error set for inputs under 8×8 or nf < 1. */
int          blip_network_resnet18_spec (int C, int H, int W, int nf,
                                         BlipOpSpec *spec, GError **error);
void         blip_network_free    (BlipNetwork *net);

/* Training mode turns dropout on: each forward draws new masks from
 * dropout_rng; and batchnorm normalises by the batch's statistics, moving its
 * running statistics toward them — except batchnorm below the lowest layer
 * that is not frozen, which stays as in evaluation so that a frozen prefix
 * (all of it under FT-FIX) is a fixed function. Off (the default) for evaluation and Fisher
 * estimation, as the reference's model.eval() does: batchnorm then normalises
 * by its running statistics, a fixed per-channel affine map, so every sample's
 * gradient is its own and the per-sample Fisher stays exact. */
void         blip_network_set_training (BlipNetwork *net, gboolean training);

/* Bytes of activation buffers per sample of max_batch (to size batches). */
gsize        blip_network_activation_bytes (int C, int H, int W, const BlipOpSpec *spec, int n_spec);

/* Forward x[B, input_dim] through the features and head `head`. Returns the
 * logits [B, head_classes[head]] (network-owned). */
const float *blip_network_forward (BlipNetwork *net, const float *x, int B, int head);

/* Backward from dlogits (net->dlogits, filled by the caller or by
 * blip_network_loss_backward) into net->grads for the feature layers that are
 * not frozen and for head `head`. Gradients are overwritten, not accumulated.
 * It differentiates what the last forward computed: through the batch
 * statistics where batchnorm used them. */
void         blip_network_backward (BlipNetwork *net, const float *x, int B, int head);

/* The backward above in its two halves, so a method can add the gradient of
 * other heads (LwF's distillation) into the features' gradient in between:
 * dlogits[B, C_head] → head `head`'s weight and bias gradients (overwritten)
 * and dfeat[B, feat_dim], the gradient w.r.t. the last forward's features,
 * overwritten or, when accumulate, added to. Then the features' backward from
 * dfeat, as blip_network_backward does after its head. */
void         blip_network_head_backward     (BlipNetwork *net, int head, const float *dlogits, int B,
                                             gboolean accumulate);
void         blip_network_features_backward (BlipNetwork *net, const float *x, int B);

/* Head `head` on the last forward's features: feat[B, feat_dim] → out[B, C_head]. */
void         blip_network_head_forward (BlipNetwork *net, int head, int B, float *out);

/* A per-unit gate on feature layer `layer`'s output, after its activation
 * (HAT's attention mask): act[b, c, …] = relu(z)[b, c, …]·gate[c] for c over
 * the layer's out_dim units (a convolution's output channels). gate is read at
 * every forward, so the caller may change its values between batches; NULL
 * removes the gate. When dgate is not NULL, each gradient backward overwrites
 * it with ∂L/∂gate[c] = Σ_{b, positions} ∂L/∂act·relu(z). Allocates the
 * layer's pre-gate buffer once, on the first call for the layer. */
void         blip_network_set_gate (BlipNetwork *net, int layer, const float *gate, float *dgate);

/* A network of the same description, heads and batch size, with a copy of
 * net's parameters and batchnorm statistics, not quantized and ungated (LwF's
 * frozen previous model). */
BlipNetwork *blip_network_copy (const BlipNetwork *net);
/* dst's parameters and batchnorm statistics ← src's (same description). */
void         blip_network_copy_params (BlipNetwork *dst, const BlipNetwork *src);

/* Softmax cross-entropy on the last forward's logits: summed loss, hits in *correct. */
double       blip_network_loss     (BlipNetwork *net, const gint32 *labels, int B, int head, int *correct);
/* Writes net->dlogits = scale·(probs − onehot) for the last forward. */
void         blip_network_loss_backward (BlipNetwork *net, const gint32 *labels, int B, int head, float scale);

/* Backward from net->dlogits that adds, for every feature layer, the exact
 * per-sample squared gradients times scale into fisher (laid out like the
 * parameter arena's feature range). Does not touch net->grads. Exact when the
 * forward ran in evaluation mode; a training-mode forward through batchnorm
 * couples the samples, and then each sample's "gradient" is its share of the
 * batch gradient. */
void         blip_network_fisher_backward (BlipNetwork *net, const float *x, int B, int head,
                                           float scale, float *fisher);

/* Use Q(w, max_bit) of the quantized layers in forward and backward
 * (straight-through: gradients still update the continuous weights). */
void         blip_network_set_quantized_forward (BlipNetwork *net, gboolean enabled);
/* Recompute the quantized copy after the weights changed (each step, with STE). */
void         blip_network_sync_quantized_forward (BlipNetwork *net);

int          blip_network_n_quantized (const BlipNetwork *net);
/* Σ bits, and max_bit × parameters, over the quantized layers. */
void         blip_network_capacity    (const BlipNetwork *net, guint64 *used_bits, guint64 *total_bits);

G_END_DECLS
