/* blip-network.h — a feed-forward network: shared feature layers, then one
 * linear head per task.
 *
 * All parameters live in one float arena (features first, then heads), and all
 * gradients in a second arena of the same layout, so optimisers, checkpoints
 * and snapshots see the network as flat ranges. Activation buffers are sized
 * for max_batch once, when the network is made; forward and backward never
 * allocate.
 */
#pragma once

#include <glib.h>
#include "blip-quant.h"
#include "blip-rng.h"

G_BEGIN_DECLS

typedef enum {
  BLIP_LAYER_LINEAR,
} BlipLayerKind;

typedef struct {
  BlipLayerKind   kind;
  char           *name;
  int             in_dim;        /* features per sample in */
  int             out_dim;       /* features per sample out */
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

typedef struct _BlipNetwork BlipNetwork;

struct _BlipNetwork {
  int         input_dim;
  int         n_layers;          /* feature layers */
  BlipLayer  *layers;
  int         n_heads;
  BlipLayer  *heads;
  float      *params;
  float      *grads;
  gsize       n_params;
  gsize       n_feature_params;  /* params[0 .. n_feature_params) belong to the features */
  int         max_batch;
  int         max_classes;

  /* Per-run buffers, [max_batch × width] each. */
  float     **acts;              /* output of feature layer i */
  float     **dacts;             /* gradient w.r.t. that output */
  float      *logits;
  float      *probs;
  float      *dlogits;
  float      *scratch_a;         /* squared inputs for the Fisher */
  float      *scratch_b;         /* squared output gradients */
  float      *forward_params;    /* Q(w, max_bit) copy when training on quantized weights */
};

/* An MLP: input_dim → hidden[0] → … → hidden[n_hidden−1] (each Linear + ReLU),
 * then n_heads linear heads with head_classes[t] outputs.
 * Quantized feature layers get BLIP state and the reference's initialisation:
 * N(0, 1/fan_in) clamped to ±6/sqrt(fan_in), biases 0. Non-quantized feature
 * layers get the same initialisation, so every approach starts from the same
 * network for a given seed. Heads use PyTorch's nn.Linear default,
 * U(±1/sqrt(fan_in)) for weights and biases. */
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
void         blip_network_free    (BlipNetwork *net);

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
