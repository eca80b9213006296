/* blip-policy.c — random and network agents for the game views; see
 * blip-policy.h. The network agent rebuilds the snapshot's network with
 * blip_network_new (batch of one) and copies the snapshot's values into it. */
#include "blip-policy.h"

#include <string.h>

G_DEFINE_QUARK (blip-policy-error-quark, blip_policy_error)

/* ---- Random agent ---------------------------------------------------------------- */

struct _BlipRandomPolicy {
  int     n_actions;
  BlipRng rng;
};

BlipRandomPolicy *
blip_random_policy_new (int n_actions, guint64 seed)
{
  g_return_val_if_fail (n_actions >= 1, NULL);
  BlipRandomPolicy *p = g_new0 (BlipRandomPolicy, 1);
  p->n_actions = n_actions;
  blip_rng_seed (&p->rng, seed);
  return p;
}

void
blip_random_policy_free (BlipRandomPolicy *policy)
{
  g_free (policy);
}

int
blip_random_policy_act (gpointer data, const float *obs)
{
  BlipRandomPolicy *p = data;
  return (int) blip_rng_below (&p->rng, (guint32) p->n_actions);
}

/* ---- Network agent --------------------------------------------------------------- */

struct _BlipPolicyNet {
  gint         ref_count;
  BlipNetwork *net;
  float       *input;      /* [in_c, in_h, in_w]: the observation, padded with zero channels */
  const float *outputs;    /* of the last act */
  int          n_outputs;
};

BlipPolicyNet *
blip_policy_net_new (const BlipSnapshot *s, GError **error)
{
  g_return_val_if_fail (s != NULL, NULL);
  if (s->n_layers < 1 || s->n_layers > BLIP_NETWORK_MAX_SPEC || s->n_heads < 1 || s->layers[0].values == NULL ||
      s->heads[0].values == NULL || s->in_c < 1)
    {
      g_set_error (error, BLIP_POLICY_ERROR, BLIP_POLICY_ERROR_NETWORK,
                   "the snapshot of %s has no parameter values or no heads to play with",
                   s->experiment ? s->experiment : "this run");
      return NULL;
    }
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC] = { 0 };
  for (int l = 0; l < s->n_layers; l++)
    {
      const BlipLayerSnapshot *ls = &s->layers[l];
      spec[l].kind = BLIP_OP_LAYER;
      spec[l].layer_kind = ls->kernel_h > 0 ? BLIP_LAYER_CONV2D : BLIP_LAYER_LINEAR;
      spec[l].out = ls->rows;
      spec[l].k = ls->kernel_h;
      spec[l].stride = ls->stride;
      spec[l].pad = ls->pad;
      spec[l].relu = TRUE;
      spec[l].no_bias = ls->n == ls->n_weight;
    }
  int *classes = g_new (int, s->n_heads);
  for (int t = 0; t < s->n_heads; t++)
    classes[t] = s->heads[t].rows;
  BlipRng rng;
  blip_rng_seed (&rng, 0);
  g_autoptr(GError) local = NULL;
  BlipNetwork *net = blip_network_new (s->in_c, s->in_h, s->in_w, spec, s->n_layers, classes, s->n_heads,
                                       FALSE, 20, 1e-15, &rng, 1, &local);
  g_free (classes);
  /* The rebuilt layers must have exactly the snapshot's sizes, or the run's
   * network was not a plain chain (pooling, residual blocks, …). */
  for (int l = 0; net != NULL && l < s->n_layers; l++)
    if (net->layers[l].n_weight + net->layers[l].n_bias != s->layers[l].n)
      g_clear_pointer (&net, blip_network_free);
  for (int t = 0; net != NULL && t < s->n_heads; t++)
    if (net->heads[t].n_weight + net->heads[t].n_bias != s->heads[t].n)
      g_clear_pointer (&net, blip_network_free);
  if (net == NULL)
    {
      g_set_error (error, BLIP_POLICY_ERROR, BLIP_POLICY_ERROR_NETWORK,
                   "the network of %s is not a chain of convolutions and linear layers the game view can rebuild%s%s",
                   s->experiment ? s->experiment : "this run", local ? ": " : "", local ? local->message : "");
      return NULL;
    }
  for (int l = 0; l < s->n_layers; l++)
    memcpy (net->layers[l].weight, s->layers[l].values, sizeof (float) * s->layers[l].n);
  for (int t = 0; t < s->n_heads; t++)
    memcpy (net->heads[t].weight, s->heads[t].values, sizeof (float) * s->heads[t].n);

  BlipPolicyNet *p = g_new0 (BlipPolicyNet, 1);
  p->ref_count = 1;
  p->net = net;
  p->input = g_new0 (float, net->input_dim);
  return p;
}

BlipPolicyNet *
blip_policy_net_ref (BlipPolicyNet *net)
{
  g_atomic_int_inc (&net->ref_count);
  return net;
}

void
blip_policy_net_unref (BlipPolicyNet *net)
{
  if (net == NULL || !g_atomic_int_dec_and_test (&net->ref_count))
    return;
  blip_network_free (net->net);
  g_free (net->input);
  g_free (net);
}

int
blip_policy_net_n_heads (const BlipPolicyNet *net)
{
  return net->net->n_heads;
}

int
blip_policy_net_in_channels (const BlipPolicyNet *net)
{
  return net->net->in_c;
}

/* obs[obs_channels, H, W] → input[in_c, H, W] → logits [1, head_classes] → argmax */
int
blip_policy_net_act (BlipPolicyNet *p, int head, const float *obs, int obs_channels, int n_actions)
{
  g_return_val_if_fail (head >= 0 && head < p->net->n_heads, 0);
  BlipNetwork *net = p->net;
  gsize plane = (gsize) net->in_h * net->in_w;
  int best = blip_rl_act (net, head, obs, plane * MIN (obs_channels, net->in_c), n_actions, TRUE, NULL,
                          p->input, NULL, NULL);
  p->outputs = net->logits;
  p->n_outputs = net->heads[head].out_dim;
  return best;
}

const float *
blip_policy_net_last_outputs (BlipPolicyNet *net, int *n_outputs)
{
  if (n_outputs != NULL)
    *n_outputs = net->outputs ? net->n_outputs : 0;
  return net->outputs;
}

struct _BlipPolicyHead {
  BlipPolicyNet *net;
  int            head;
  int            obs_channels;
  int            n_actions;
};

BlipPolicyHead *
blip_policy_head_new (BlipPolicyNet *net, int head, int obs_channels, int n_actions)
{
  g_return_val_if_fail (net != NULL && head >= 0 && head < net->net->n_heads, NULL);
  BlipPolicyHead *h = g_new0 (BlipPolicyHead, 1);
  h->net = blip_policy_net_ref (net);
  h->head = head;
  h->obs_channels = obs_channels;
  h->n_actions = n_actions;
  return h;
}

void
blip_policy_head_free (BlipPolicyHead *head)
{
  if (head == NULL)
    return;
  blip_policy_net_unref (head->net);
  g_free (head);
}

int
blip_policy_head_act (gpointer data, const float *obs)
{
  BlipPolicyHead *h = data;
  return blip_policy_net_act (h->net, h->head, obs, h->obs_channels, h->n_actions);
}
