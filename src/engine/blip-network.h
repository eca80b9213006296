/* blip-network.h — a feed-forward network: shared feature layers (linear,
 * convolution, pooling, dropout), then one linear head per task.
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
  gsize           n_bias;        /* out_dim */
  float          *weight;        /* [out_dim, in_dim], into the arena */
  float          *bias;          /* [out_dim] follows the weights */
  float          *grad_weight;
  float          *grad_bias;
  BlipQuantState *quant;         /* NULL when the layer is not quantized */
  gboolean        frozen;        /* no gradient, no update (FT-FIX) */
} BlipLayer;

/* The feature extractor is a chain of operations; layers with parameters are
 * referenced by index into BlipNetwork.layers. */
typedef enum {
  BLIP_OP_LAYER,                 /* linear or conv layer, with its fused ReLU */
  BLIP_OP_MAXPOOL,               /* k×k max pooling, stride k */
  BLIP_OP_DROPOUT,               /* in place on the previous op's output */
} BlipOpKind;

typedef struct {
  BlipOpKind  kind;
  int         layer;             /* BLIP_OP_LAYER: index into layers */
  int         C, H, W;           /* output shape of one sample (linear: C = width, H = W = 1) */
  gsize       width;             /* C·H·W */
  int         k;                 /* pooling window and stride */
  float       p;                 /* dropout probability */
  float      *act;               /* [max_batch, width] output */
  float      *dact;              /* [max_batch, width] gradient w.r.t. that output */
  gint32     *argmax;            /* max pooling: [max_batch, width] */
  float      *mask;              /* dropout: [max_batch, width] */
  float      *col;               /* conv: im2col of the last forward, [K, max_batch·L] */
} BlipOp;

/* One step of a network description for blip_network_new. */
typedef struct {
  BlipOpKind  kind;
  BlipLayerKind layer_kind;      /* for BLIP_OP_LAYER */
  int         out;               /* units (linear) or output channels (conv) */
  int         k;                 /* conv kernel size, or pooling window */
  int         stride, pad;       /* conv only; stride 0 means 1 */
  gboolean    relu;
  float       p;                 /* dropout probability */
} BlipOpSpec;

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
  gboolean    training;          /* dropout active (see blip_network_set_training) */
  BlipRng     dropout_rng;       /* its own stream, saved in checkpoints */

  /* Per-run buffers. */
  float      *logits;            /* [max_batch, max_classes] */
  float      *probs;
  float      *dlogits;
  float      *scratch_a;         /* linear Fisher: squared inputs */
  float      *scratch_b;         /* linear Fisher: squared output gradients; conv: one sample's gradient */
  float      *conv_tmp;          /* conv: [C_out, max_batch·L], outputs or gradients grouped by channel */
  float      *conv_dcol;         /* conv: [K, max_batch·L], the gradient w.r.t. col */
  float      *forward_params;    /* Q(w, max_bit) copy when training on quantized weights */
};

/* A network from a description: input [C, H, W], then spec[0..n_spec) in order
 * (layers get names conv1, conv2, … and fc1, fc2, …), then n_heads linear heads
 * with head_classes[t] outputs on the flattened last output.
 * Quantized feature layers get BLIP state and the reference's initialisation:
 * N(0, 1/fan_in) clamped to ±6/sqrt(fan_in), biases 0 (fan_in = C_in·k·k for a
 * conv). Non-quantized feature layers get the same initialisation, so every
 * approach starts from the same network for a given seed. Heads use PyTorch's
 * nn.Linear default, U(±1/sqrt(fan_in)) for weights and biases. Dropout draws
 * from a stream of init_rng's seed made at construction. Returns NULL with
 * error set when a shape does not fit (e.g. a kernel larger than its input). */
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
void         blip_network_free    (BlipNetwork *net);

/* Training mode turns dropout on: each forward draws new masks from
 * dropout_rng. Off (the default) for evaluation and Fisher estimation, as the
 * reference's model.eval() does. */
void         blip_network_set_training (BlipNetwork *net, gboolean training);

/* Bytes of activation buffers per sample of max_batch (to size batches). */
gsize        blip_network_activation_bytes (int C, int H, int W, const BlipOpSpec *spec, int n_spec);

/* Forward x[B, input_dim] through the features and head `head`. Returns the
 * logits [B, head_classes[head]] (network-owned). */
const float *blip_network_forward (BlipNetwork *net, const float *x, int B, int head);

/* Backward from dlogits (net->dlogits, filled by the caller or by
 * blip_network_loss_backward) into net->grads for the feature layers that are
 * not frozen and for head `head`. Gradients are overwritten, not accumulated. */
void         blip_network_backward (BlipNetwork *net, const float *x, int B, int head);

/* Softmax cross-entropy on the last forward's logits: summed loss, hits in *correct. */
double       blip_network_loss     (BlipNetwork *net, const gint32 *labels, int B, int head, int *correct);
/* Writes net->dlogits = scale·(probs − onehot) for the last forward. */
void         blip_network_loss_backward (BlipNetwork *net, const gint32 *labels, int B, int head, float scale);

/* Backward from net->dlogits that adds, for every feature layer, the exact
 * per-sample squared gradients times scale into fisher (laid out like the
 * parameter arena's feature range). Does not touch net->grads. */
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
