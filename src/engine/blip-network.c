/* blip-network.c — building a network: the parameter arena, the op chain and
 * its buffers, initialisation, and BLIP bookkeeping over the layers. The
 * passes (forward, backward, Fisher) are in blip-network-pass.c. */
#include "blip-network.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-network-error-quark, blip_network_error)

/* Stream of the initialisation seed that dropout draws from, so masks never
 * shift the weights a seed gives. */
#define DROPOUT_STREAM 17

static gsize
place (BlipNetwork *net, BlipLayer *layer, gsize offset)
{
  layer->offset = offset;
  layer->weight = net->params + offset;
  layer->grad_weight = net->grads + offset;
  layer->bias = layer->n_bias ? layer->weight + layer->n_weight : NULL;
  layer->grad_bias = layer->n_bias ? layer->grad_weight + layer->n_weight : NULL;
  return offset + layer->n_weight + layer->n_bias;
}

/* Python's round(): halves go to the even neighbour. */
static int
py_round (double x)
{
  return (int) nearbyint (x);
}

int
blip_network_alexnet_spec (int C, int H, int W, double mul, int fc_width,
                           BlipOpSpec *spec, GError **error)
{
  if (H != W || H < 16 || C < 1 || mul <= 0.0 || fc_width < 1)
    {
      g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                   "AlexNet needs square inputs of at least 16×16 pixels, a positive --mul and "
                   "FC width; got %d×%d×%d, mul %g, width %d", C, H, W, mul, fc_width);
      return 0;
    }
  int k[3] = { H / 8, H / 10, 2 };
  int ch[3] = { py_round (64 * mul), py_round (128 * mul), py_round (256 * mul) };
  int n = 0;
  for (int i = 0; i < 3; i++)
    {
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D,
                                 .out = MAX (ch[i], 1), .k = k[i], .stride = 1, .relu = TRUE };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_DROPOUT, .p = 0.2f };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_MAXPOOL, .k = 2 };
    }
  for (int i = 0; i < 2; i++)
    {
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR,
                                 .out = fc_width, .relu = TRUE };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_DROPOUT, .p = 0.2f };
    }
  return n;
}

int
blip_network_lenet_spec (int C, int H, int W, BlipOpSpec *spec, GError **error)
{
  if (C < 1 || H < 4 || W < 4 || H % 4 != 0 || W % 4 != 0)
    {
      g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                   "LeNet needs inputs whose height and width are multiples of 4 (two 2×2 "
                   "poolings); got %d×%d×%d", C, H, W);
      return 0;
    }
  int n = 0;
  const int channels[2] = { 20, 50 }, widths[2] = { 800, 500 };
  for (int i = 0; i < 2; i++)
    {
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D,
                                 .out = channels[i], .k = 5, .stride = 1, .pad = 2 };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM, .relu = TRUE };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_MAXPOOL, .k = 2 };
    }
  for (int i = 0; i < 2; i++)
    {
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = widths[i] };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM, .relu = TRUE };
    }
  return n;
}

/* One BasicBlock from the block input (the step before spec[n]): conv 3×3
 * (stride), BN, ReLU, conv 3×3, BN, then the shortcut — conv 1×1 (stride) and
 * BN when the shape changes — added, ReLU. Returns the next free index. */
static int
basic_block (BlipOpSpec *spec, int n, int c_in, int c_out, int stride)
{
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = c_out,
                             .k = 3, .stride = stride, .pad = 1, .no_bias = TRUE };
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM, .relu = TRUE };
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = c_out,
                             .k = 3, .stride = 1, .pad = 1, .no_bias = TRUE };
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM };
  if (stride != 1 || c_in != c_out)
    {
      /* The projection reads the block input, 5 steps back; the add joins
       * its BN with the main path's, 3 steps back. */
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = c_out,
                                 .k = 1, .stride = stride, .pad = 0, .no_bias = TRUE, .from = 5 };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM };
      spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_ADD, .skip = 3, .relu = TRUE };
    }
  else
    /* The identity: the main path plus the block input, 5 steps back. */
    spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_ADD, .skip = 5, .relu = TRUE };
  return n;
}

int
blip_network_resnet18_spec (int C, int H, int W, int nf, BlipOpSpec *spec, GError **error)
{
  if (C < 1 || H < 8 || W < 8 || nf < 1)
    {
      g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                   "ResNet-18 needs inputs of at least 8×8 pixels and a positive width; got "
                   "%d×%d×%d, width %d", C, H, W, nf);
      return 0;
    }
  /* 84×84 mini-ImageNet starts at stride 2, as GPM's ResNet-18 does: the
   * first stage then runs on 42×42 instead of 84×84, a quarter of the cost. */
  int stem_stride = H >= 64 && W >= 64 ? 2 : 1;
  int n = 0;
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = nf,
                             .k = 3, .stride = stem_stride, .pad = 1, .no_bias = TRUE };
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_BATCHNORM, .relu = TRUE };
  int c = nf;
  for (int stage = 0; stage < 4; stage++)
    {
      int width = nf << stage;
      n = basic_block (spec, n, c, width, stage == 0 ? 1 : 2);
      n = basic_block (spec, n, width, width, 1);
      c = width;
    }
  spec[n++] = (BlipOpSpec) { .kind = BLIP_OP_AVGPOOL };
  g_assert (n <= BLIP_NETWORK_MAX_SPEC);
  return n;
}

/* The step that step i's `from` (or `skip`) offset names: i − offset, with 0
 * meaning the previous step; −1 is the network input. Returns −2 when the
 * offset reaches before the input. */
static int
spec_source (int i, int offset)
{
  int j = i - (offset > 0 ? offset : 1);
  return j >= -1 ? j : -2;
}

/* Walks spec from [C, H, W], filling ops with inputs, output shapes and
 * batchnorm names, and layers (when not NULL) with kinds, sizes and geometry.
 * Returns FALSE with error when a step does not fit its input. */
static gboolean
walk_spec (int C0, int H0, int W0, const BlipOpSpec *spec, int n_spec,
           BlipOp *ops, BlipLayer *layers, int *n_layers_out, GError **error)
{
  int n_layers = 0, n_conv = 0, n_fc = 0, n_bn = 0;
  for (int i = 0; i < n_spec; i++)
    {
      const BlipOpSpec *s = &spec[i];
      gboolean fused_relu = s->kind == BLIP_OP_BATCHNORM || s->kind == BLIP_OP_ADD;
      BlipOp op = { .kind = s->kind, .layer = -1, .skip = -1, .relu = fused_relu && s->relu };
      /* Dropout works in place on its input's buffers, so it only follows. */
      op.input = spec_source (i, s->kind == BLIP_OP_DROPOUT ? 1 : s->from);
      if (op.input < -1)
        {
          g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                       "step %d reads step %d, before the network input", i, i - s->from);
          return FALSE;
        }
      int C = op.input < 0 ? C0 : ops[op.input].C;
      int H = op.input < 0 ? H0 : ops[op.input].H;
      int W = op.input < 0 ? W0 : ops[op.input].W;
      switch (s->kind)
        {
        case BLIP_OP_LAYER:
          {
            BlipLayer l = { .kind = s->layer_kind, .relu = s->relu };
            if (s->layer_kind == BLIP_LAYER_CONV2D)
              {
                int stride = s->stride > 0 ? s->stride : 1;
                if (!blip_conv_geom_init (&l.geom, C, H, W, s->out, s->k, s->k, stride, s->pad))
                  {
                    g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                                 "conv%d: a %d×%d kernel (stride %d, padding %d) does not fit its "
                                 "%d×%d×%d input", n_conv + 1, s->k, s->k, stride, s->pad, C, H, W);
                    return FALSE;
                  }
                l.in_dim = blip_conv_fan_in (&l.geom);
                l.out_dim = s->out;
                l.name = g_strdup_printf ("conv%d", ++n_conv);
                C = s->out;
                H = l.geom.H_out;
                W = l.geom.W_out;
              }
            else
              {
                l.in_dim = C * H * W;
                l.out_dim = s->out;
                l.name = g_strdup_printf ("fc%d", ++n_fc);
                C = s->out;
                H = W = 1;
              }
            if (s->out < 1)
              {
                g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                             "%s: needs at least one output, got %d", l.name, s->out);
                g_free (l.name);
                return FALSE;
              }
            l.n_weight = (gsize) l.in_dim * l.out_dim;
            l.n_bias = s->no_bias ? 0 : l.out_dim;
            op.layer = n_layers;
            if (layers != NULL)
              layers[n_layers] = l;
            else
              g_free (l.name);
            n_layers++;
            break;
          }
        case BLIP_OP_MAXPOOL:
          if (s->k < 1 || H < s->k || W < s->k)
            {
              g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                           "a %d×%d max pooling does not fit its %d×%d×%d input", s->k, s->k, C, H, W);
              return FALSE;
            }
          op.k = s->k;
          H /= s->k;
          W /= s->k;
          break;
        case BLIP_OP_DROPOUT:
          if (!(s->p >= 0.0f && s->p < 1.0f) || i == 0)
            {
              g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                           "dropout needs a probability in [0, 1) and a layer before it, got p = %g",
                           s->p);
              return FALSE;
            }
          op.p = s->p;
          break;
        case BLIP_OP_BATCHNORM:
          op.name = g_strdup_printf ("bn%d", ++n_bn);
          break;
        case BLIP_OP_ADD:
          op.skip = s->skip >= 1 ? spec_source (i, s->skip) : -2;
          if (op.skip < -1 ||
              (op.skip < 0 ? C0 : ops[op.skip].C) != C ||
              (op.skip < 0 ? H0 : ops[op.skip].H) != H ||
              (op.skip < 0 ? W0 : ops[op.skip].W) != W)
            {
              g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                           "step %d adds step %d (skip %d) to a %d×%d×%d input: it needs an "
                           "earlier step of the same shape", i, i - s->skip, s->skip, C, H, W);
              return FALSE;
            }
          break;
        case BLIP_OP_AVGPOOL:
          H = W = 1;
          break;
        default:
          g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                       "step %d has an unknown kind %d", i, s->kind);
          return FALSE;
        }
      op.C = C;
      op.H = H;
      op.W = W;
      op.width = (gsize) C * H * W;
      ops[i] = op;
    }
  /* Every output but the last is read by a later step: a dead branch would
   * pass a stale gradient down. */
  for (int j = 0; j < n_spec - 1; j++)
    {
      gboolean read = FALSE;
      for (int i = j + 1; i < n_spec && !read; i++)
        read = ops[i].input == j || ops[i].skip == j;
      if (!read)
        {
          g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                       "step %d's output is not read by any later step", j);
          return FALSE;
        }
    }
  /* A dropout overwrites its input's output in place: nothing else may read it. */
  for (int i = 1; i < n_spec; i++)
    {
      if (ops[i].kind != BLIP_OP_DROPOUT)
        continue;
      for (int j = 0; j < n_spec; j++)
        if (j != i && (ops[j].input == i - 1 || ops[j].skip == i - 1))
          {
            g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                         "step %d reads step %d, which the dropout at step %d overwrites in "
                         "place; read step %d instead", j, i - 1, i, i);
            return FALSE;
          }
    }
  *n_layers_out = n_layers;
  return TRUE;
}

/* Frees what walk_spec allocated in ops (batchnorm names). */
static void
clear_op_names (BlipOp *ops, int n)
{
  for (int i = 0; i < n; i++)
    g_clear_pointer (&ops[i].name, g_free);
}

gsize
blip_network_activation_bytes (int C, int H, int W, const BlipOpSpec *spec, int n_spec)
{
  g_autofree BlipOp *ops = g_new0 (BlipOp, MAX (n_spec, 1));
  int n_layers;
  if (!walk_spec (C, H, W, spec, n_spec, ops, NULL, &n_layers, NULL))
    {
      clear_op_names (ops, n_spec);
      return 0;
    }
  clear_op_names (ops, n_spec);
  gsize bytes = 0;
  for (int i = 0; i < n_spec; i++)
    {
      /* act + dact; pooling adds its argmax, dropout its mask and shares act. */
      if (ops[i].kind == BLIP_OP_DROPOUT)
        bytes += ops[i].width * sizeof (float);
      else if (ops[i].kind == BLIP_OP_LAYER && spec[i].layer_kind == BLIP_LAYER_CONV2D)
        {
          /* act, dact and the kept im2col columns, K·L = C_in·k²·L */
          int Ci = ops[i].input >= 0 ? ops[ops[i].input].C : C;
          bytes += ops[i].width * 2 * sizeof (float)
                   + (gsize) Ci * spec[i].k * spec[i].k * ops[i].H * ops[i].W * sizeof (float);
        }
      else
        bytes += ops[i].width * (2 * sizeof (float) + (ops[i].kind == BLIP_OP_MAXPOOL ? sizeof (gint32) : 0));
    }
  return bytes;
}

static void
init_feature_layer (BlipLayer *l, BlipRng *rng)
{
  double std = sqrt (1.0 / l->in_dim);
  float bound = blip_quant_bound_for_fan_in (l->in_dim);
  for (gsize k = 0; k < l->n_weight; k++)
    {
      float w = (float) (std * blip_rng_normal (rng));
      l->weight[k] = CLAMP (w, -bound, bound);
    }
}

BlipNetwork *
blip_network_new (int C, int H, int W, const BlipOpSpec *spec, int n_spec,
                  const int *head_classes, int n_heads,
                  gboolean quantized, int max_bit, double F_prior,
                  BlipRng *rng, int max_batch, GError **error)
{
  g_return_val_if_fail (C > 0 && H > 0 && W > 0 && n_spec > 0 && n_heads > 0 && max_batch > 0, NULL);

  BlipNetwork *net = g_new0 (BlipNetwork, 1);
  net->in_c = C;
  net->in_h = H;
  net->in_w = W;
  net->input_dim = C * H * W;
  net->n_ops = n_spec;
  net->ops = g_new0 (BlipOp, n_spec);
  net->layers = g_new0 (BlipLayer, n_spec);
  net->n_heads = n_heads;
  net->heads = g_new0 (BlipLayer, n_heads);
  net->max_batch = max_batch;
  if (!walk_spec (C, H, W, spec, n_spec, net->ops, net->layers, &net->n_layers, error))
    {
      blip_network_free (net);
      return NULL;
    }
  if (net->n_layers == 0 || spec[0].kind != BLIP_OP_LAYER)
    {
      g_set_error (error, BLIP_NETWORK_ERROR, BLIP_NETWORK_ERROR_SHAPE,
                   "a network starts with a layer that has parameters");
      blip_network_free (net);
      return NULL;
    }
  net->feat_dim = (int) net->ops[n_spec - 1].width;

  for (int i = 0; i < net->n_layers; i++)
    net->n_params += net->layers[i].n_weight + net->layers[i].n_bias;
  net->n_feature_params = net->n_params;
  for (int t = 0; t < n_heads; t++)
    {
      BlipLayer *h = &net->heads[t];
      h->kind = BLIP_LAYER_LINEAR;
      h->name = g_strdup_printf ("head%d", t);
      h->in_dim = net->feat_dim;
      h->out_dim = head_classes[t];
      h->n_weight = (gsize) h->in_dim * h->out_dim;
      h->n_bias = h->out_dim;
      net->n_params += h->n_weight + h->n_bias;
      net->max_classes = MAX (net->max_classes, head_classes[t]);
    }

  net->params = g_new0 (float, net->n_params);
  net->grads = g_new0 (float, net->n_params);
  gsize offset = 0;
  for (int i = 0; i < net->n_layers; i++)
    offset = place (net, &net->layers[i], offset);
  for (int t = 0; t < n_heads; t++)
    offset = place (net, &net->heads[t], offset);

  /* Initialisation, in a fixed order so a seed always gives the same network. */
  for (int i = 0; i < net->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      init_feature_layer (l, rng);
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
  blip_rng_seed_stream (&net->dropout_rng, blip_rng_next (rng), DROPOUT_STREAM);

  /* Which input gradients add to one already written. Backward runs from the
   * last op down, so of the ops reading an output the last one (and the head,
   * for the last op) writes first; every other reader adds. */
  g_autofree gboolean *written = g_new0 (gboolean, n_spec);
  written[n_spec - 1] = TRUE;
  for (int i = n_spec - 1; i >= 0; i--)
    {
      BlipOp *op = &net->ops[i];
      if (op->input >= 0)
        {
          op->input_grad_adds = written[op->input];
          written[op->input] = TRUE;
        }
      if (op->kind == BLIP_OP_ADD && op->skip >= 0)
        {
          op->skip_grad_adds = written[op->skip];
          written[op->skip] = TRUE;
        }
    }

  /* Batchnorm running statistics: mean 0, variance 1, each op's pair in one
   * arena. */
  for (int i = 0; i < n_spec; i++)
    if (net->ops[i].kind == BLIP_OP_BATCHNORM)
      net->n_buffers += 2 * (gsize) net->ops[i].C;
  net->buffers = net->n_buffers ? g_new0 (float, net->n_buffers) : NULL;
  gsize boff = 0;
  for (int i = 0; i < n_spec; i++)
    {
      BlipOp *op = &net->ops[i];
      if (op->kind != BLIP_OP_BATCHNORM)
        continue;
      op->running_mean = net->buffers + boff;
      op->running_var = op->running_mean + op->C;
      for (int c = 0; c < op->C; c++)
        op->running_var[c] = 1.0f;
      boff += 2 * (gsize) op->C;
    }

  /* Buffers. Dropout works in place on its input's buffers. */
  gsize widest_in = net->input_dim, conv_grad = 0, conv_tmp = 0, conv_dcol = 0, grad_tmp = 0;
  for (int i = 0; i < n_spec; i++)
    {
      BlipOp *op = &net->ops[i];
      gsize n = (gsize) max_batch * op->width;
      if (op->kind == BLIP_OP_DROPOUT)
        {
          op->act = net->ops[i - 1].act;
          op->dact = net->ops[i - 1].dact;
          op->mask = g_new0 (float, n);
          continue;
        }
      op->act = g_new0 (float, n);
      op->dact = g_new0 (float, n);
      /* An add sums into its inputs' gradients directly; other ops' kernels
       * overwrite, so a gradient to be added goes through grad_tmp. */
      if (op->input_grad_adds && op->kind != BLIP_OP_ADD)
        grad_tmp = MAX (grad_tmp, (gsize) max_batch * net->ops[op->input].width);
      if (op->kind == BLIP_OP_MAXPOOL)
        op->argmax = g_new0 (gint32, n);
      if (op->kind == BLIP_OP_BATCHNORM)
        {
          op->save_mean = g_new0 (float, op->C);
          op->save_invstd = g_new0 (float, op->C);
        }
      if (op->kind == BLIP_OP_LAYER)
        {
          const BlipLayer *l = &net->layers[op->layer];
          if (l->kind == BLIP_LAYER_CONV2D)
            {
              gsize bl = (gsize) max_batch * blip_conv_positions (&l->geom);
              op->col = g_new0 (float, (gsize) l->in_dim * bl);
              conv_tmp = MAX (conv_tmp, (gsize) l->out_dim * bl);
              /* A layer on the network input never needs the gradient w.r.t. it. */
              if (op->input >= 0)
                conv_dcol = MAX (conv_dcol, (gsize) l->in_dim * bl);
              conv_grad = MAX (conv_grad, l->n_weight);
            }
          else
            widest_in = MAX (widest_in, (gsize) l->in_dim);
        }
    }
  gsize widest_out = net->max_classes;
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].kind == BLIP_LAYER_LINEAR)
      widest_out = MAX (widest_out, (gsize) net->layers[i].out_dim);
  gsize nlog = (gsize) max_batch * net->max_classes;
  net->logits = g_new0 (float, nlog);
  net->probs = g_new0 (float, nlog);
  net->dlogits = g_new0 (float, nlog);
  net->scratch_a = g_new0 (float, (gsize) max_batch * widest_in);
  net->scratch_b = g_new0 (float, MAX ((gsize) max_batch * widest_out, conv_grad));
  net->conv_tmp = conv_tmp ? g_new0 (float, conv_tmp) : NULL;
  net->conv_dcol = conv_dcol ? g_new0 (float, conv_dcol) : NULL;
  net->grad_tmp = grad_tmp ? g_new0 (float, grad_tmp) : NULL;
  return net;
}

BlipNetwork *
blip_network_new_mlp (int input_dim, const int *hidden, int n_hidden,
                      const int *head_classes, int n_heads,
                      gboolean quantized, int max_bit, double F_prior,
                      BlipRng *rng, int max_batch)
{
  g_return_val_if_fail (input_dim > 0 && n_hidden > 0, NULL);
  g_autofree BlipOpSpec *spec = g_new0 (BlipOpSpec, n_hidden);
  for (int i = 0; i < n_hidden; i++)
    spec[i] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR,
                             .out = hidden[i], .relu = TRUE };
  g_autoptr(GError) error = NULL;
  BlipNetwork *net = blip_network_new (input_dim, 1, 1, spec, n_hidden, head_classes, n_heads,
                                       quantized, max_bit, F_prior, rng, max_batch, &error);
  if (net == NULL)
    g_critical ("blip_network_new_mlp: %s", error->message);
  return net;
}

void
blip_network_free (BlipNetwork *net)
{
  if (net == NULL)
    return;
  /* Over all n_ops slots: a description that failed half-way has named
   * layers without counting them. */
  for (int i = 0; i < net->n_ops; i++)
    {
      g_free (net->layers[i].name);
      blip_quant_state_free (net->layers[i].quant);
    }
  for (int i = 0; i < net->n_ops; i++)
    {
      BlipOp *op = &net->ops[i];
      g_free (op->name);
      g_free (op->save_mean);
      g_free (op->save_invstd);
      if (op->kind != BLIP_OP_DROPOUT)
        {
          g_free (op->act);
          g_free (op->dact);
        }
      g_free (op->argmax);
      g_free (op->mask);
      g_free (op->col);
      g_free (op->gate_in);
    }
  for (int t = 0; t < net->n_heads; t++)
    g_free (net->heads[t].name);
  g_free (net->layers);
  g_free (net->ops);
  g_free (net->heads);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->logits);
  g_free (net->probs);
  g_free (net->dlogits);
  g_free (net->scratch_a);
  g_free (net->scratch_b);
  g_free (net->conv_tmp);
  g_free (net->conv_dcol);
  g_free (net->grad_tmp);
  g_free (net->buffers);
  g_free (net->forward_params);
  g_free (net);
}

void
blip_network_set_training (BlipNetwork *net, gboolean training)
{
  net->training = training;
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

void
blip_network_set_gate (BlipNetwork *net, int layer, const float *gate, float *dgate)
{
  g_return_if_fail (layer >= 0 && layer < net->n_layers);
  for (int i = 0; i < net->n_ops; i++)
    {
      BlipOp *op = &net->ops[i];
      if (op->kind != BLIP_OP_LAYER || op->layer != layer)
        continue;
      op->gate = gate;
      op->dgate = gate != NULL ? dgate : NULL;
      if (gate != NULL && op->gate_in == NULL)
        op->gate_in = g_new0 (float, (gsize) net->max_batch * op->width);
      return;
    }
}

/* The description net was made from, read back from its ops and layers. */
static void
network_spec (const BlipNetwork *net, BlipOpSpec *spec)
{
  for (int i = 0; i < net->n_ops; i++)
    {
      const BlipOp *op = &net->ops[i];
      BlipOpSpec s = { .kind = op->kind, .k = op->k, .p = op->p, .relu = op->relu,
                       .from = i - op->input };
      if (op->kind == BLIP_OP_ADD)
        s.skip = i - op->skip;
      if (op->kind == BLIP_OP_LAYER)
        {
          const BlipLayer *l = &net->layers[op->layer];
          s.layer_kind = l->kind;
          s.out = l->out_dim;
          s.relu = l->relu;
          s.no_bias = l->n_bias == 0;
          if (l->kind == BLIP_LAYER_CONV2D)
            {
              s.k = l->geom.kh;
              s.stride = l->geom.stride;
              s.pad = l->geom.pad;
            }
        }
      spec[i] = s;
    }
}

BlipNetwork *
blip_network_copy (const BlipNetwork *net)
{
  g_autofree BlipOpSpec *spec = g_new0 (BlipOpSpec, net->n_ops);
  g_autofree int *classes = g_new (int, net->n_heads);
  network_spec (net, spec);
  for (int t = 0; t < net->n_heads; t++)
    classes[t] = net->heads[t].out_dim;
  /* The initialisation is overwritten by the copy. */
  BlipRng rng;
  blip_rng_seed (&rng, 0);
  g_autoptr(GError) error = NULL;
  BlipNetwork *copy = blip_network_new (net->in_c, net->in_h, net->in_w, spec, net->n_ops, classes,
                                        net->n_heads, FALSE, 20, 1.0, &rng, net->max_batch, &error);
  /* The description came from a network that was built, so it builds again. */
  g_assert_no_error (error);
  g_assert (copy->n_params == net->n_params && copy->n_buffers == net->n_buffers);
  blip_network_copy_params (copy, net);
  copy->dropout_rng = net->dropout_rng;
  return copy;
}

void
blip_network_copy_params (BlipNetwork *dst, const BlipNetwork *src)
{
  g_return_if_fail (dst->n_params == src->n_params && dst->n_buffers == src->n_buffers);
  memcpy (dst->params, src->params, sizeof (float) * src->n_params);
  if (src->n_buffers > 0)
    memcpy (dst->buffers, src->buffers, sizeof (float) * src->n_buffers);
}
