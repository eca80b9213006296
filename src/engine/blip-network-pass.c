/* blip-network-pass.c — forward, backward and per-sample Fisher passes over a
 * network's op chain (see blip-network.h). Nothing here allocates: every
 * buffer was sized for max_batch when the network was made. */
#include "blip-network.h"
#include "blip-layers.h"

#include <string.h>

/* The weights the forward pass multiplies by: the continuous ones, or their
 * max_bit quantization when training with the straight-through estimator. */
static inline const float *
forward_weight (const BlipNetwork *net, const BlipLayer *l)
{
  if (net->forward_params != NULL && l->quant != NULL)
    return net->forward_params + l->offset;
  return l->weight;
}

static inline const float *
forward_bias (const BlipNetwork *net, const BlipLayer *l)
{
  return forward_weight (net, l) + l->n_weight;
}

/* Input of op i: the previous op's output, or the network input. */
static inline const float *
op_input (const BlipNetwork *net, const float *x, int i)
{
  return i > 0 ? net->ops[i - 1].act : x;
}

/* Shape of op i's input: C, H, W. */
static inline void
op_input_shape (const BlipNetwork *net, int i, int *C, int *H, int *W)
{
  if (i == 0)
    {
      *C = net->in_c;
      *H = net->in_h;
      *W = net->in_w;
      return;
    }
  *C = net->ops[i - 1].C;
  *H = net->ops[i - 1].H;
  *W = net->ops[i - 1].W;
}

/* in[B, fan-in shape] → op->act[B, width] for a layer op, ReLU fused. */
static void
layer_forward (BlipNetwork *net, BlipOp *op, const float *in, int B)
{
  const BlipLayer *l = &net->layers[op->layer];
  if (l->kind == BLIP_LAYER_LINEAR)
    {
      /* in[B,I] → act[B,O]; bias and ReLU fused into one pass */
      blip_linear_forward (in, forward_weight (net, l), l->relu ? NULL : forward_bias (net, l),
                           op->act, B, l->in_dim, l->out_dim);
      if (l->relu)
        blip_bias_relu_forward (op->act, forward_bias (net, l), B, l->out_dim);
      return;
    }
  /* in[B, C_in, H, W] → col[K, B·L] → act[B, C_out, H_out, W_out], ReLU fused */
  blip_conv2d_forward_batched (&l->geom, in, forward_weight (net, l), forward_bias (net, l),
                               l->relu, op->act, B, op->col, net->conv_tmp);
}

const float *
blip_network_forward (BlipNetwork *net, const float *x, int B, int head)
{
  g_return_val_if_fail (B <= net->max_batch && head >= 0 && head < net->n_heads, NULL);
  for (int i = 0; i < net->n_ops; i++)
    {
      BlipOp *op = &net->ops[i];
      const float *in = op_input (net, x, i);
      int C, H, W;
      switch (op->kind)
        {
        case BLIP_OP_LAYER:
          layer_forward (net, op, in, B);
          break;
        case BLIP_OP_MAXPOOL:
          /* in[B, C, H, W] → act[B, C, H/k, W/k] */
          op_input_shape (net, i, &C, &H, &W);
          blip_maxpool2d_forward (in, op->act, op->argmax, B, C, H, W, op->k, op->k);
          break;
        case BLIP_OP_DROPOUT:
          /* act[B, width] ∘= mask in place; the identity when not training */
          if (net->training && op->p > 0.0f)
            blip_dropout_forward (&net->dropout_rng, op->act, op->act, op->mask,
                                  (gsize) B * op->width, op->p, TRUE);
          break;
        }
    }
  const float *feat = net->ops[net->n_ops - 1].act;
  BlipLayer *h = &net->heads[head];
  /* feat[B, F] → logits[B, C_head] */
  blip_linear_forward (feat, h->weight, h->bias, net->logits, B, h->in_dim, h->out_dim);
  return net->logits;
}

double
blip_network_loss (BlipNetwork *net, const gint32 *labels, int B, int head, int *correct)
{
  return blip_softmax_xent_forward (net->logits, labels, net->probs, B,
                                    net->heads[head].out_dim, correct);
}

void
blip_network_loss_backward (BlipNetwork *net, const gint32 *labels, int B, int head, float scale)
{
  blip_softmax_xent_backward (net->probs, labels, net->dlogits, B, net->heads[head].out_dim, scale);
}

/* What a backward pass does at each layer. */
typedef enum {
  PASS_GRADIENT,   /* overwrite the layer's gradients (unless frozen) */
  PASS_FISHER,     /* add per-sample squared gradients into a Fisher buffer */
} PassKind;

/* Backward through op i, from op->dact (the gradient w.r.t. its output) to
 * din (the gradient w.r.t. its input; NULL when nothing below needs it). */
static void
op_backward (BlipNetwork *net, int i, const float *x, int B, float *din,
             PassKind pass, float scale, float *fisher)
{
  BlipOp *op = &net->ops[i];
  const float *in = op_input (net, x, i);
  int C, H, W;
  switch (op->kind)
    {
    case BLIP_OP_DROPOUT:
      /* dact[B, width] ∘= mask, in place: din is the same buffer */
      if (net->training && op->p > 0.0f)
        blip_dropout_backward (op->mask, op->dact, op->dact, (gsize) B * op->width);
      return;
    case BLIP_OP_MAXPOOL:
      /* dact[B, C, H/k, W/k] → din[B, C, H, W] */
      if (din != NULL)
        {
          op_input_shape (net, i, &C, &H, &W);
          blip_maxpool2d_backward (op->dact, op->argmax, din, B, C, H, W, op->k, op->k);
        }
      return;
    case BLIP_OP_LAYER:
      break;
    }

  BlipLayer *l = &net->layers[op->layer];
  if (l->relu)
    blip_relu_backward (op->act, op->dact, (gsize) B * op->width);
  const float *w = forward_weight (net, l);
  if (l->kind == BLIP_LAYER_LINEAR)
    {
      /* dact[B,O] → dW[O,I], db[O] (or their per-sample squares), din[B,I] */
      if (pass == PASS_FISHER)
        {
          blip_linear_fisher (in, op->dact, fisher + l->offset, fisher + l->offset + l->n_weight,
                              B, l->in_dim, l->out_dim, scale, net->scratch_a, net->scratch_b);
          if (din != NULL)
            blip_linear_backward (in, w, op->dact, NULL, NULL, din, B, l->in_dim, l->out_dim, FALSE);
        }
      else
        blip_linear_backward (in, w, op->dact, l->frozen ? NULL : l->grad_weight,
                              l->frozen ? NULL : l->grad_bias, din, B, l->in_dim, l->out_dim, FALSE);
      return;
    }
  /* dact[B, C_out, H_out, W_out] → dW[C_out, K], db[C_out] (or their
   * per-sample squares), din[B, C_in, H, W] */
  if (pass == PASS_FISHER)
    {
      blip_conv2d_fisher_batched (&l->geom, op->col, op->dact, fisher + l->offset,
                                  fisher + l->offset + l->n_weight, B, scale, net->scratch_b);
      if (din != NULL)
        blip_conv2d_backward_batched (&l->geom, op->col, w, op->dact, NULL, NULL, din, B,
                                      net->conv_tmp, net->conv_dcol);
    }
  else
    blip_conv2d_backward_batched (&l->geom, op->col, w, op->dact, l->frozen ? NULL : l->grad_weight,
                                  l->frozen ? NULL : l->grad_bias, din, B, net->conv_tmp, net->conv_dcol);
}

/* Index of the lowest op that needs a backward pass: the first layer op that
 * is not frozen. Everything below a frozen prefix is skipped. */
static int
lowest_trainable_op (const BlipNetwork *net)
{
  for (int i = 0; i < net->n_ops; i++)
    if (net->ops[i].kind == BLIP_OP_LAYER && !net->layers[net->ops[i].layer].frozen)
      return i;
  return net->n_ops;
}

static void
backward_pass (BlipNetwork *net, const float *x, int B, int head, int lowest,
               PassKind pass, float scale, float *fisher)
{
  int n = net->n_ops;
  BlipLayer *h = &net->heads[head];
  const float *feat = net->ops[n - 1].act;
  /* head: dlogits[B,C] → dW_head, db_head (training only), dfeat[B,F] */
  gboolean head_grads = pass == PASS_GRADIENT;
  blip_linear_backward (feat, h->weight, net->dlogits, head_grads ? h->grad_weight : NULL,
                        head_grads ? h->grad_bias : NULL,
                        lowest < n ? net->ops[n - 1].dact : NULL, B, h->in_dim, h->out_dim, FALSE);
  for (int i = n - 1; i >= lowest; i--)
    {
      /* Dropout's din is its own (shared) buffer; others write the op below. */
      float *din = i > lowest ? net->ops[i - 1].dact : NULL;
      op_backward (net, i, x, B, din, pass, scale, fisher);
    }
}

void
blip_network_backward (BlipNetwork *net, const float *x, int B, int head)
{
  backward_pass (net, x, B, head, lowest_trainable_op (net), PASS_GRADIENT, 0.0f, NULL);
}

void
blip_network_fisher_backward (BlipNetwork *net, const float *x, int B, int head,
                              float scale, float *fisher)
{
  backward_pass (net, x, B, head, 0, PASS_FISHER, scale, fisher);
}
