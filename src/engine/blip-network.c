/* blip-network.c — feature layers + task heads over one parameter arena. */
#include "blip-network.h"
#include "blip-layers.h"

#include <math.h>
#include <string.h>

static void
init_linear (BlipLayer *layer, const char *name, int in_dim, int out_dim, gboolean relu)
{
  layer->kind = BLIP_LAYER_LINEAR;
  layer->name = g_strdup (name);
  layer->in_dim = in_dim;
  layer->out_dim = out_dim;
  layer->relu = relu;
  layer->n_weight = (gsize) in_dim * out_dim;
  layer->n_bias = out_dim;
}

static gsize
place (BlipNetwork *net, BlipLayer *layer, gsize offset)
{
  layer->offset = offset;
  layer->weight = net->params + offset;
  layer->bias = layer->weight + layer->n_weight;
  layer->grad_weight = net->grads + offset;
  layer->grad_bias = layer->grad_weight + layer->n_weight;
  return offset + layer->n_weight + layer->n_bias;
}

BlipNetwork *
blip_network_new_mlp (int input_dim, const int *hidden, int n_hidden,
                      const int *head_classes, int n_heads,
                      gboolean quantized, int max_bit, double F_prior,
                      BlipRng *rng, int max_batch)
{
  g_return_val_if_fail (input_dim > 0 && n_hidden > 0 && n_heads > 0 && max_batch > 0, NULL);

  BlipNetwork *net = g_new0 (BlipNetwork, 1);
  net->input_dim = input_dim;
  net->n_layers = n_hidden;
  net->layers = g_new0 (BlipLayer, n_hidden);
  net->n_heads = n_heads;
  net->heads = g_new0 (BlipLayer, n_heads);
  net->max_batch = max_batch;

  int in_dim = input_dim;
  for (int i = 0; i < n_hidden; i++)
    {
      g_autofree char *name = g_strdup_printf ("fc%d", i + 1);
      init_linear (&net->layers[i], name, in_dim, hidden[i], TRUE);
      net->n_params += net->layers[i].n_weight + net->layers[i].n_bias;
      in_dim = hidden[i];
    }
  net->n_feature_params = net->n_params;
  int feat_dim = in_dim;
  for (int t = 0; t < n_heads; t++)
    {
      g_autofree char *name = g_strdup_printf ("head%d", t);
      init_linear (&net->heads[t], name, feat_dim, head_classes[t], FALSE);
      net->n_params += net->heads[t].n_weight + net->heads[t].n_bias;
      net->max_classes = MAX (net->max_classes, head_classes[t]);
    }

  net->params = g_new0 (float, net->n_params);
  net->grads = g_new0 (float, net->n_params);
  gsize offset = 0;
  for (int i = 0; i < n_hidden; i++)
    offset = place (net, &net->layers[i], offset);
  for (int t = 0; t < n_heads; t++)
    offset = place (net, &net->heads[t], offset);

  /* Initialisation, in a fixed order so a seed always gives the same network. */
  for (int i = 0; i < n_hidden; i++)
    {
      BlipLayer *l = &net->layers[i];
      double std = sqrt (1.0 / l->in_dim);
      float bound = blip_quant_bound_for_fan_in (l->in_dim);
      for (gsize k = 0; k < l->n_weight; k++)
        {
          float w = (float) (std * blip_rng_normal (rng));
          l->weight[k] = CLAMP (w, -bound, bound);
        }
      if (quantized)
        l->quant = blip_quant_state_new (l->n_weight, l->n_bias, l->in_dim, max_bit, F_prior);
    }
  for (int t = 0; t < n_heads; t++)
    {
      BlipLayer *h = &net->heads[t];
      float b = (float) (1.0 / sqrt (h->in_dim));
      for (gsize k = 0; k < h->n_weight + h->n_bias; k++)
        h->weight[k] = (2.0f * blip_rng_uniform (rng) - 1.0f) * b;
    }

  net->acts = g_new0 (float *, n_hidden);
  net->dacts = g_new0 (float *, n_hidden);
  int widest = input_dim;
  for (int i = 0; i < n_hidden; i++)
    {
      net->acts[i] = g_new0 (float, (gsize) max_batch * hidden[i]);
      net->dacts[i] = g_new0 (float, (gsize) max_batch * hidden[i]);
      widest = MAX (widest, hidden[i]);
    }
  gsize nlog = (gsize) max_batch * net->max_classes;
  net->logits = g_new0 (float, nlog);
  net->probs = g_new0 (float, nlog);
  net->dlogits = g_new0 (float, nlog);
  net->scratch_a = g_new0 (float, (gsize) max_batch * widest);
  net->scratch_b = g_new0 (float, (gsize) max_batch * widest);
  return net;
}

void
blip_network_free (BlipNetwork *net)
{
  if (net == NULL)
    return;
  for (int i = 0; i < net->n_layers; i++)
    {
      g_free (net->layers[i].name);
      blip_quant_state_free (net->layers[i].quant);
      g_free (net->acts[i]);
      g_free (net->dacts[i]);
    }
  for (int t = 0; t < net->n_heads; t++)
    g_free (net->heads[t].name);
  g_free (net->layers);
  g_free (net->heads);
  g_free (net->acts);
  g_free (net->dacts);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->logits);
  g_free (net->probs);
  g_free (net->dlogits);
  g_free (net->scratch_a);
  g_free (net->scratch_b);
  g_free (net->forward_params);
  g_free (net);
}

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

const float *
blip_network_forward (BlipNetwork *net, const float *x, int B, int head)
{
  g_return_val_if_fail (B <= net->max_batch && head >= 0 && head < net->n_heads, NULL);
  const float *in = x;
  for (int i = 0; i < net->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      /* in[B,I] → acts[i][B,O]; bias and ReLU fused into one pass */
      blip_linear_forward (in, forward_weight (net, l), l->relu ? NULL : forward_bias (net, l),
                           net->acts[i], B, l->in_dim, l->out_dim);
      if (l->relu)
        blip_bias_relu_forward (net->acts[i], forward_bias (net, l), B, l->out_dim);
      in = net->acts[i];
    }
  BlipLayer *h = &net->heads[head];
  blip_linear_forward (in, h->weight, h->bias, net->logits, B, h->in_dim, h->out_dim);
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

/* Index of the lowest feature layer that needs a gradient; layers below a
 * frozen prefix need no backward pass at all. */
static int
lowest_trainable (const BlipNetwork *net)
{
  for (int i = 0; i < net->n_layers; i++)
    if (!net->layers[i].frozen)
      return i;
  return net->n_layers;
}

void
blip_network_backward (BlipNetwork *net, const float *x, int B, int head)
{
  int L = net->n_layers;
  int lowest = lowest_trainable (net);
  BlipLayer *h = &net->heads[head];
  const float *feat = L > 0 ? net->acts[L - 1] : x;
  /* head: dlogits[B,C] → dW_head, db_head, dacts[L-1][B,F] */
  blip_linear_backward (feat, h->weight, net->dlogits, h->grad_weight, h->grad_bias,
                        lowest < L ? net->dacts[L - 1] : NULL, B, h->in_dim, h->out_dim, FALSE);
  for (int i = L - 1; i >= lowest; i--)
    {
      BlipLayer *l = &net->layers[i];
      gsize n = (gsize) B * l->out_dim;
      if (l->relu)
        blip_relu_backward (net->acts[i], net->dacts[i], n);
      const float *in = i > 0 ? net->acts[i - 1] : x;
      float *din = i > lowest ? net->dacts[i - 1] : NULL;
      blip_linear_backward (in, forward_weight (net, l), net->dacts[i],
                            l->frozen ? NULL : l->grad_weight, l->frozen ? NULL : l->grad_bias,
                            din, B, l->in_dim, l->out_dim, FALSE);
    }
}

void
blip_network_fisher_backward (BlipNetwork *net, const float *x, int B, int head,
                              float scale, float *fisher)
{
  int L = net->n_layers;
  BlipLayer *h = &net->heads[head];
  const float *feat = L > 0 ? net->acts[L - 1] : x;
  blip_linear_backward (feat, h->weight, net->dlogits, NULL, NULL,
                        L > 0 ? net->dacts[L - 1] : NULL, B, h->in_dim, h->out_dim, FALSE);
  for (int i = L - 1; i >= 0; i--)
    {
      BlipLayer *l = &net->layers[i];
      if (l->relu)
        blip_relu_backward (net->acts[i], net->dacts[i], (gsize) B * l->out_dim);
      const float *in = i > 0 ? net->acts[i - 1] : x;
      blip_linear_fisher (in, net->dacts[i], fisher + l->offset, fisher + l->offset + l->n_weight,
                          B, l->in_dim, l->out_dim, scale, net->scratch_a, net->scratch_b);
      if (i > 0)
        blip_linear_backward (in, forward_weight (net, l), net->dacts[i], NULL, NULL,
                              net->dacts[i - 1], B, l->in_dim, l->out_dim, FALSE);
    }
}

void
blip_network_set_quantized_forward (BlipNetwork *net, gboolean enabled)
{
  if (!enabled)
    {
      g_clear_pointer (&net->forward_params, g_free);
      return;
    }
  if (net->forward_params == NULL)
    net->forward_params = g_new0 (float, net->n_feature_params);
  blip_network_sync_quantized_forward (net);
}

void
blip_network_sync_quantized_forward (BlipNetwork *net)
{
  if (net->forward_params == NULL)
    return;
  for (int i = 0; i < net->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      if (l->quant == NULL)
        continue;
      const BlipQuantState *q = l->quant;
      float *dst = net->forward_params + l->offset;
      for (gsize k = 0; k < q->n; k++)
        dst[k] = blip_quant_quantize (l->weight[k], q->max_bit, blip_quant_state_bound (q, k));
    }
}

int
blip_network_n_quantized (const BlipNetwork *net)
{
  int n = 0;
  for (int i = 0; i < net->n_layers; i++)
    n += net->layers[i].quant != NULL;
  return n;
}

void
blip_network_capacity (const BlipNetwork *net, guint64 *used_bits, guint64 *total_bits)
{
  guint64 used = 0, total = 0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipQuantState *q = net->layers[i].quant;
      if (q == NULL)
        continue;
      used += blip_quant_state_used_bits (q);
      total += (guint64) q->max_bit * q->n;
    }
  if (used_bits)
    *used_bits = used;
  if (total_bits)
    *total_bits = total;
}
