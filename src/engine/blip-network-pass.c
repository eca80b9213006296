/* blip-network-pass.c — forward, backward and per-sample Fisher passes over a
 * network's ops: a chain, with residual branches that read an earlier op and
 * join at an add (see blip-network.h). Nothing here allocates: every buffer
 * was sized for max_batch when the network was made. */
#include "blip-network.h"
#include "blip-layers.h"

#include "blip-parallel.h"
#include <math.h>
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

/* NULL for a layer without bias. */
static inline const float *
forward_bias (const BlipNetwork *net, const BlipLayer *l)
{
  return l->n_bias ? forward_weight (net, l) + l->n_weight : NULL;
}

/* Output of op j, or the network input for j = −1. */
static inline const float *
output_of (const BlipNetwork *net, const float *x, int j)
{
  return j >= 0 ? net->ops[j].act : x;
}

/* Input of op i: usually the previous op's output. */
static inline const float *
op_input (const BlipNetwork *net, const float *x, int i)
{
  return output_of (net, x, net->ops[i].input);
}

/* Shape of op i's input: C, H, W. */
static inline void
op_input_shape (const BlipNetwork *net, int i, int *C, int *H, int *W)
{
  int j = net->ops[i].input;
  if (j < 0)
    {
      *C = net->in_c;
      *H = net->in_h;
      *W = net->in_w;
      return;
    }
  *C = net->ops[j].C;
  *H = net->ops[j].H;
  *W = net->ops[j].W;
}

/* act[B, C, HW] = gate_in[B, C, HW]·gate[C], keeping gate_in: a gated layer's
 * output (HW = 1 for a linear layer). */
static void
gate_forward (BlipOp *op, int B)
{
  int C = op->C;
  gsize HW = op->width / C;
  memcpy (op->gate_in, op->act, sizeof (float) * B * op->width);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      {
        float g = op->gate[c];
        float *a = op->act + ((gsize) b * C + c) * HW;
        for (gsize k = 0; k < HW; k++)
          a[k] *= g;
      }
}

/* Backward through the gate, given dact[B, C, HW] w.r.t. the gated output:
 * dgate[C] = Σ_{b,k} dact·gate_in (when wanted), then dact ∘= gate, the
 * gradient w.r.t. gate_in. */
static void
gate_backward (BlipOp *op, int B, gboolean want_dgate)
{
  int C = op->C;
  gsize HW = op->width / C;
  if (want_dgate && op->dgate != NULL)
    for (int c = 0; c < C; c++)
      {
        double s = 0.0;
        for (int b = 0; b < B; b++)
          {
            gsize base = ((gsize) b * C + c) * HW;
            for (gsize k = 0; k < HW; k++)
              s += op->dact[base + k] * op->gate_in[base + k];
          }
        op->dgate[c] = (float) s;
      }
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      {
        float g = op->gate[c];
        float *d = op->dact + ((gsize) b * C + c) * HW;
        for (gsize k = 0; k < HW; k++)
          d[k] *= g;
      }
}

/* in[B, fan-in shape] → op->act[B, width] for a layer op, ReLU fused, then
 * the unit gate when there is one. */
static void
layer_forward (BlipNetwork *net, BlipOp *op, const float *in, int B)
{
  const BlipLayer *l = &net->layers[op->layer];
  if (l->kind == BLIP_LAYER_LINEAR)
    {
      /* in[B,I] → act[B,O]; bias and ReLU fused into one pass */
      const float *bias = forward_bias (net, l);
      blip_linear_forward (in, forward_weight (net, l), l->relu ? NULL : bias,
                           op->act, B, l->in_dim, l->out_dim);
      if (l->relu && bias != NULL)
        blip_bias_relu_forward (op->act, bias, B, l->out_dim);
      else if (l->relu)
        blip_relu_forward (op->act, (gsize) B * l->out_dim);
    }
  else
    /* in[B, C_in, H, W] → col[K, B·L] → act[B, C_out, H_out, W_out], ReLU fused */
    blip_conv2d_forward_batched (&l->geom, in, forward_weight (net, l), forward_bias (net, l),
                                 l->relu, op->act, B, op->col, net->conv_tmp);
  if (op->gate != NULL)
    gate_forward (op, B);
}

/* Index of the lowest op that needs a backward pass: the first layer op that
 * is not frozen. Everything below a frozen prefix is skipped: no trainable
 * layer lies there, so no gradient below it is needed, even along a branch
 * that starts below and joins above. */
static int
lowest_trainable_op (const BlipNetwork *net)
{
  for (int i = 0; i < net->n_ops; i++)
    if (net->ops[i].kind == BLIP_OP_LAYER && !net->layers[net->ops[i].layer].frozen)
      return i;
  return net->n_ops;
}

/* in[B, C, H, W] → act[B, C, H, W] = (in − μ_c)/sqrt(σ²_c + eps), ReLU fused:
 * batch statistics when batch_stats (moving the running ones), else the
 * running ones. Backward follows what this forward did (op->batch_stats). */
static void
batchnorm_forward (BlipOp *op, const float *in, int B, gboolean batch_stats)
{
  int HW = op->H * op->W;
  blip_batchnorm2d_forward (in, op->act, NULL, NULL, op->running_mean, op->running_var,
                            op->save_mean, op->save_invstd, B, op->C, HW,
                            BLIP_BN_MOMENTUM, BLIP_BN_EPS, batch_stats);
  op->batch_stats = batch_stats;
  if (op->relu)
    blip_relu_forward (op->act, (gsize) B * op->width);
}

/* in[B, C, H, W] → act[B, C] = the mean of each channel's H·W values */
static void
avgpool_forward (const float *in, float *act, int B, int C, int HW)
{
  for (gsize r = 0; r < (gsize) B * C; r++)
    {
      const float *p = in + r * HW;
      double s = 0.0;
      for (int i = 0; i < HW; i++)
        s += p[i];
      act[r] = (float) (s / HW);
    }
}

const float *
blip_network_forward (BlipNetwork *net, const float *x, int B, int head)
{
  g_return_val_if_fail (B <= net->max_batch && head >= 0 && head < net->n_heads, NULL);
  /* Batchnorm below the lowest trainable layer runs as in evaluation even in
   * training mode: a frozen prefix (FT-FIX freezes every layer) stays the same
   * function, its running statistics included. */
  int fixed_below = net->training && net->buffers != NULL ? lowest_trainable_op (net) : net->n_ops;
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
        case BLIP_OP_BATCHNORM:
          /* in[B, C, H, W] → act[B, C, H, W] */
          batchnorm_forward (op, in, B, net->training && i > fixed_below);
          break;
        case BLIP_OP_ADD:
          {
            /* act[B, width] = in + skip, ReLU fused */
            const float *other = output_of (net, x, op->skip);
            gsize n = (gsize) B * op->width;
            for (gsize k = 0; k < n; k++)
              op->act[k] = in[k] + other[k];
            if (op->relu)
              blip_relu_forward (op->act, n);
            break;
          }
        case BLIP_OP_AVGPOOL:
          /* in[B, C, H, W] → act[B, C] */
          op_input_shape (net, i, &C, &H, &W);
          avgpool_forward (in, op->act, B, C, H * W);
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

/* Where op i's gradient w.r.t. its input op j goes: NULL when no op at or
 * above `lowest` needs it (j < lowest, the network input included); j's dact
 * when op i writes it first; grad_tmp when it is to be added (see
 * add_input_grad). */
static float *
input_grad (BlipNetwork *net, int i, int lowest)
{
  const BlipOp *op = &net->ops[i];
  if (op->input < lowest)
    return NULL;
  return op->input_grad_adds ? net->grad_tmp : net->ops[op->input].dact;
}

/* Adds grad_tmp into the input op's dact when input_grad put it there. */
static void
add_input_grad (BlipNetwork *net, int i, int lowest, int B)
{
  const BlipOp *op = &net->ops[i];
  if (op->input < lowest || !op->input_grad_adds)
    return;
  BlipOp *in = &net->ops[op->input];
  gsize n = (gsize) B * in->width;
  for (gsize k = 0; k < n; k++)
    in->dact[k] += net->grad_tmp[k];
}

/* dact[B, C, HW] → din: through the batch statistics when the forward used
 * them; else through the running ones, a fixed scale per channel,
 * din = dact/sqrt(running_var + eps), which keeps every sample's gradient
 * its own (the per-sample Fisher). */
static void
batchnorm_backward (const BlipOp *op, const float *in, float *din, int B)
{
  int C = op->C, HW = op->H * op->W;
  if (op->batch_stats)
    {
      blip_batchnorm2d_backward (in, op->dact, NULL, op->save_mean, op->save_invstd, din,
                                 NULL, NULL, B, C, HW, FALSE);
      return;
    }
  for (int c = 0; c < C; c++)
    {
      /* the forward kernel's invstd, computed the same way */
      float invstd = (float) (1.0 / sqrt ((double) op->running_var[c] + BLIP_BN_EPS));
      for (int b = 0; b < B; b++)
        {
          gsize base = ((gsize) b * C + c) * HW;
          for (int k = 0; k < HW; k++)
            din[base + k] = op->dact[base + k] * invstd;
        }
    }
}

/* dst[n] = src, or += src when adds (an add's gradient to one input). */
static void
pass_grad (float *dst, const float *src, gsize n, gboolean adds)
{
  if (!adds)
    memcpy (dst, src, n * sizeof (float));
  else
    for (gsize k = 0; k < n; k++)
      dst[k] += src[k];
}

/* Backward through op i, from op->dact (the gradient w.r.t. its output) to the
 * dact of its input op (see input_grad; ops below `lowest` get nothing). */
static void
op_backward (BlipNetwork *net, int i, const float *x, int B, int lowest,
             PassKind pass, float scale, float *fisher)
{
  BlipOp *op = &net->ops[i];
  const float *in = op_input (net, x, i);
  gsize n = (gsize) B * op->width;
  float *din;
  int C, H, W;
  switch (op->kind)
    {
    case BLIP_OP_DROPOUT:
      /* dact[B, width] ∘= mask, in place: its input's dact is the same buffer */
      if (net->training && op->p > 0.0f)
        blip_dropout_backward (op->mask, op->dact, op->dact, n);
      return;
    case BLIP_OP_MAXPOOL:
      /* dact[B, C, H/k, W/k] → din[B, C, H, W] */
      if ((din = input_grad (net, i, lowest)) != NULL)
        {
          op_input_shape (net, i, &C, &H, &W);
          blip_maxpool2d_backward (op->dact, op->argmax, din, B, C, H, W, op->k, op->k);
          add_input_grad (net, i, lowest, B);
        }
      return;
    case BLIP_OP_BATCHNORM:
      /* dact[B, C, H, W] → din[B, C, H, W], through the fused ReLU first */
      if (op->relu)
        blip_relu_backward (op->act, op->dact, n);
      if ((din = input_grad (net, i, lowest)) != NULL)
        {
          batchnorm_backward (op, in, din, B);
          add_input_grad (net, i, lowest, B);
        }
      return;
    case BLIP_OP_ADD:
      /* dact[B, width] → both summands' dact, through the fused ReLU first */
      if (op->relu)
        blip_relu_backward (op->act, op->dact, n);
      if (op->input >= lowest)
        pass_grad (net->ops[op->input].dact, op->dact, n, op->input_grad_adds);
      if (op->skip >= lowest)
        pass_grad (net->ops[op->skip].dact, op->dact, n, op->skip_grad_adds);
      return;
    case BLIP_OP_AVGPOOL:
      /* dact[B, C] → din[B, C, H, W] = dact/(H·W) at every position */
      if ((din = input_grad (net, i, lowest)) != NULL)
        {
          op_input_shape (net, i, &C, &H, &W);
          int HW = H * W;
          for (gsize r = 0; r < (gsize) B * C; r++)
            {
              float g = op->dact[r] / HW;
              for (int k = 0; k < HW; k++)
                din[r * HW + k] = g;
            }
          add_input_grad (net, i, lowest, B);
        }
      return;
    case BLIP_OP_LAYER:
      break;
    }

  BlipLayer *l = &net->layers[op->layer];
  /* dact[B, width] w.r.t. the gated output → w.r.t. the ReLU's output, whose
   * zeros gate_in keeps even where a gate is exactly 0. */
  if (op->gate != NULL)
    gate_backward (op, B, pass == PASS_GRADIENT);
  if (l->relu)
    blip_relu_backward (op->gate != NULL ? op->gate_in : op->act, op->dact, n);
  const float *w = forward_weight (net, l);
  din = input_grad (net, i, lowest);
  /* Bias gradients (and Fisher) only where the layer has a bias. */
  float *fw = pass == PASS_FISHER ? fisher + l->offset : NULL;
  float *fb = pass == PASS_FISHER && l->n_bias ? fw + l->n_weight : NULL;
  float *gw = l->frozen ? NULL : l->grad_weight;
  float *gb = l->frozen ? NULL : l->grad_bias;
  if (l->kind == BLIP_LAYER_LINEAR)
    {
      /* dact[B,O] → dW[O,I], db[O] (or their per-sample squares), din[B,I] */
      if (pass == PASS_FISHER)
        {
          blip_linear_fisher (in, op->dact, fw, fb, B, l->in_dim, l->out_dim, scale,
                              net->scratch_a, net->scratch_b);
          if (din != NULL)
            blip_linear_backward (in, w, op->dact, NULL, NULL, din, B, l->in_dim, l->out_dim, FALSE);
        }
      else
        blip_linear_backward (in, w, op->dact, gw, gb, din, B, l->in_dim, l->out_dim, FALSE);
    }
  else
    {
      /* dact[B, C_out, H_out, W_out] → dW[C_out, K], db[C_out] (or their
       * per-sample squares), din[B, C_in, H, W] */
      if (pass == PASS_FISHER)
        {
          blip_conv2d_fisher_batched (&l->geom, op->col, op->dact, fw, fb, B, scale, net->scratch_b);
          if (din != NULL)
            blip_conv2d_backward_batched (&l->geom, op->col, w, op->dact, NULL, NULL, din, B,
                                          net->conv_tmp, net->conv_dcol);
        }
      else
        blip_conv2d_backward_batched (&l->geom, op->col, w, op->dact, gw, gb, din, B,
                                      net->conv_tmp, net->conv_dcol);
    }
  if (din != NULL)
    add_input_grad (net, i, lowest, B);
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
    op_backward (net, i, x, B, lowest, pass, scale, fisher);
}

void
blip_network_backward (BlipNetwork *net, const float *x, int B, int head)
{
  backward_pass (net, x, B, head, lowest_trainable_op (net), PASS_GRADIENT, 0.0f, NULL);
}

void
blip_network_head_forward (BlipNetwork *net, int head, int B, float *out)
{
  g_return_if_fail (head >= 0 && head < net->n_heads && B <= net->max_batch);
  const BlipLayer *h = &net->heads[head];
  /* feat[B, F] → out[B, C_head] */
  blip_linear_forward (net->ops[net->n_ops - 1].act, h->weight, h->bias, out, B, h->in_dim, h->out_dim);
}

void
blip_network_head_backward (BlipNetwork *net, int head, const float *dlogits, int B, gboolean accumulate)
{
  g_return_if_fail (head >= 0 && head < net->n_heads && B <= net->max_batch);
  BlipLayer *h = &net->heads[head];
  BlipOp *last = &net->ops[net->n_ops - 1];
  /* dlogits[B, C] → dW_head[C, F], db_head[C] (overwritten) */
  blip_linear_backward (last->act, h->weight, dlogits, h->grad_weight, h->grad_bias, NULL,
                        B, h->in_dim, h->out_dim, FALSE);
  /* dfeat[B, F] (+)= dlogits[B, C] · W_head[C, F] */
  blip_sgemm (FALSE, FALSE, B, h->in_dim, h->out_dim,
              1.0f, dlogits, h->out_dim, h->weight, h->in_dim, accumulate ? 1.0f : 0.0f,
              last->dact, h->in_dim);
}

void
blip_network_features_backward (BlipNetwork *net, const float *x, int B)
{
  int lowest = lowest_trainable_op (net);
  for (int i = net->n_ops - 1; i >= lowest; i--)
    op_backward (net, i, x, B, lowest, PASS_GRADIENT, 0.0f, NULL);
}

void
blip_network_fisher_backward (BlipNetwork *net, const float *x, int B, int head,
                              float scale, float *fisher)
{
  backward_pass (net, x, B, head, 0, PASS_FISHER, scale, fisher);
}
