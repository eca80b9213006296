/* blip-strategy-halrp.c — HALRP (Li et al., "Hessian Aware Low-Rank
 * Perturbation for Continual Learning"), following the official
 * agents/HALRP.py.
 *
 * The first task trains the network as usual (with an L2 term on its
 * weights); its weights become the base W0. Every later task t first
 * fine-tunes the whole network freely for halrp_est_epochs epochs (from W0
 * and the first task's biases and batchnorm statistics), then fits per layer
 * the scales r, s that best map W0 onto the free weights, and the truncated
 * SVD of what is left; ranks are chosen across all layers by the singular
 * values weighted by each layer's mean squared gradient (its Hessian proxy).
 * The task then trains only r, s, A, B, its biases, its batchnorm statistics
 * and its head, its weights being W_t = diag(r)·W0·diag(s) + B·A
 * (blip-halrp.h), with L2 on r, s, A, B and L1 on A, B. After each task every
 * task's A and B are pruned by percentile so that the parameters added over
 * the base model stay near halrp_max_growth of it.
 *
 * Deviations from the official code: the engine's batchnorm has no affine
 * parameters (so nothing per task there but the running statistics), the
 * importance is computed on the task's validation split in batches of sbatch,
 * and gradients are not multiplied by 10 before Adam (Adam is invariant to
 * that scale but for eps).
 */
#include "blip-strategy.h"
#include "blip-trainer.h"
#include "blip-halrp.h"
#include "blip-linalg.h"
#include "blip-optim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef enum {
  HALRP_BASE,      /* the first task: plain training of the weights */
  HALRP_FREE,      /* a later task's free fine-tuning before its ranks are chosen */
  HALRP_LOWRANK,   /* a later task trains r, s, A, B */
} HalrpPhase;

typedef struct {
  int   *rank;       /* [n_layers]; NULL until the task's factors exist */
  gsize *offset;     /* [n_layers] into factors: r [out], s [in_s], B [out, rank], A [rank, in_s] */
  gsize  n_factors;
  float *factors;
  float *biases;     /* every feature layer's bias, concatenated; NULL until stored */
  float *buffers;    /* batchnorm running statistics; NULL until stored */
} HalrpTask;

typedef struct {
  BlipStrategy parent;
  int        n_layers;
  int       *in_s;       /* inputs of the low-rank part: C_in for a conv, in_dim for a linear layer */
  int       *kk;         /* kernel positions per input (1 for linear) */
  gsize     *w0_offset;  /* of each layer's weights in w0 */
  gsize      n_w0, n_bias, base_size;
  float     *w0;         /* the first task's feature weights */
  HalrpTask *tasks;      /* one per head */
  int        n_stored;   /* tasks finished (their biases and statistics kept) */
  int        task;       /* task in training */
  HalrpPhase phase;
  float     *grads;      /* [n_factors] of the task in training */
  float     *best;       /* its factors at the best validation loss */
  BlipAdam  *adam;
  float     *scratch;    /* [max out·in_s] */
  float     *x;          /* importance batches */
  gint32    *y;
} BlipHalrp;

static gsize
layer_factor_size (const BlipLayer *l, int in_s, int rank)
{
  return (gsize) l->out_dim + in_s + (gsize) rank * (l->out_dim + in_s);
}

static gboolean
halrp_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  BlipHalrp *h = (BlipHalrp *) self;
  h->n_layers = net->n_layers;
  h->in_s = g_new (int, net->n_layers);
  h->kk = g_new (int, net->n_layers);
  h->w0_offset = g_new (gsize, net->n_layers);
  gsize scratch = 1;
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      h->in_s[i] = l->kind == BLIP_LAYER_CONV2D ? l->geom.C_in : l->in_dim;
      h->kk[i] = l->in_dim / h->in_s[i];
      h->w0_offset[i] = h->n_w0;
      h->n_w0 += l->n_weight;
      h->n_bias += l->n_bias;
      scratch = MAX (scratch, (gsize) l->out_dim * h->in_s[i]);
    }
  h->base_size = net->n_feature_params + net->heads[0].n_weight + net->heads[0].n_bias;
  h->w0 = g_new0 (float, h->n_w0);
  h->tasks = g_new0 (HalrpTask, net->n_heads);
  h->scratch = g_new (float, scratch);
  h->x = g_new (float, (gsize) net->max_batch * net->input_dim);
  h->y = g_new (gint32, net->max_batch);
  return TRUE;
}

static void
task_clear (HalrpTask *t)
{
  g_clear_pointer (&t->rank, g_free);
  g_clear_pointer (&t->offset, g_free);
  g_clear_pointer (&t->factors, g_free);
  g_clear_pointer (&t->biases, g_free);
  g_clear_pointer (&t->buffers, g_free);
  t->n_factors = 0;
}

static void
halrp_finalize (BlipStrategy *self)
{
  BlipHalrp *h = (BlipHalrp *) self;
  /* Also freed without init (no network, no tasks). */
  for (int t = 0; h->tasks != NULL && t < self->net->n_heads; t++)
    task_clear (&h->tasks[t]);
  g_free (h->tasks);
  g_free (h->in_s);
  g_free (h->kk);
  g_free (h->w0_offset);
  g_free (h->w0);
  g_free (h->grads);
  g_free (h->best);
  blip_adam_free (h->adam);
  g_free (h->scratch);
  g_free (h->x);
  g_free (h->y);
}

/* Sets up task t's factor layout for the given ranks (factors zeroed) and
 * the training buffers that go with it. */
static void
task_alloc_factors (BlipHalrp *h, int t, const int *ranks)
{
  BlipNetwork *net = h->parent.net;
  HalrpTask *task = &h->tasks[t];
  g_free (task->rank);
  g_free (task->offset);
  g_free (task->factors);
  task->rank = g_memdup2 (ranks, sizeof (int) * h->n_layers);
  task->offset = g_new (gsize, h->n_layers);
  task->n_factors = 0;
  for (int i = 0; i < h->n_layers; i++)
    {
      task->offset[i] = task->n_factors;
      task->n_factors += layer_factor_size (&net->layers[i], h->in_s[i], ranks[i]);
    }
  task->factors = g_new0 (float, task->n_factors);
  g_free (h->grads);
  g_free (h->best);
  h->grads = g_new0 (float, task->n_factors);
  h->best = g_new0 (float, task->n_factors);
  blip_adam_free (h->adam);
  const BlipConfig *c = &h->parent.config;
  h->adam = blip_adam_new (task->n_factors, c->lr, 0.9, 0.999, 1e-8, c->weight_decay);
}

/* Pointers to layer i's r, s, B, A inside a task's factors. */
static void
layer_factors (BlipHalrp *h, const HalrpTask *task, float *base, int i,
               float **r, float **s, float **B, float **A)
{
  const BlipLayer *l = &h->parent.net->layers[i];
  float *p = base + task->offset[i];
  *r = p;
  *s = *r + l->out_dim;
  *B = *s + h->in_s[i];
  *A = *B + (gsize) l->out_dim * task->rank[i];
}

/* Writes task t's weights W_t into the network from its factors. */
static void
compose_task (BlipHalrp *h, int t)
{
  BlipNetwork *net = h->parent.net;
  HalrpTask *task = &h->tasks[t];
  for (int i = 0; i < h->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      float *r, *s, *B, *A;
      layer_factors (h, task, task->factors, i, &r, &s, &B, &A);
      blip_halrp_compose (l->out_dim, h->in_s[i], h->kk[i], task->rank[i], h->w0 + h->w0_offset[i],
                          r, s, B, A, l->weight, h->scratch);
    }
}

static void
copy_biases (BlipHalrp *h, float *dest, gboolean to_network)
{
  BlipNetwork *net = h->parent.net;
  gsize k = 0;
  for (int i = 0; i < h->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      if (l->n_bias == 0)
        continue;
      if (to_network)
        memcpy (l->bias, dest + k, sizeof (float) * l->n_bias);
      else
        memcpy (dest + k, l->bias, sizeof (float) * l->n_bias);
      k += l->n_bias;
    }
}

/* Installs finished task u: its weights, biases and batchnorm statistics. */
static void
install_stored (BlipHalrp *h, int u)
{
  BlipNetwork *net = h->parent.net;
  if (u == 0)
    for (int i = 0; i < h->n_layers; i++)
      memcpy (net->layers[i].weight, h->w0 + h->w0_offset[i], sizeof (float) * net->layers[i].n_weight);
  else
    compose_task (h, u);
  copy_biases (h, h->tasks[u].biases, TRUE);
  if (net->n_buffers > 0)
    memcpy (net->buffers, h->tasks[u].buffers, sizeof (float) * net->n_buffers);
}

static void
emit_message (BlipTrainer *trainer, int task, const char *text)
{
  BlipEvent ev = { .type = BLIP_EVENT_MESSAGE, .task = task, .n_tasks = blip_trainer_get_n_tasks (trainer),
                   .loss = NAN, .acc = NAN, .valid_loss = NAN, .valid_acc = NAN, .seconds = NAN,
                   .lr = blip_trainer_get_lr (trainer), .message = text };
  blip_trainer_emit (trainer, &ev);
}

static void
halrp_before_task (BlipStrategy *self, BlipTrainer *trainer, int task)
{
  BlipHalrp *h = (BlipHalrp *) self;
  h->task = task;
  if (task == 0)
    {
      h->phase = HALRP_BASE;
      return;
    }
  /* The official new_task: a fresh head, features loaded from the first model. */
  install_stored (h, 0);
  h->phase = HALRP_FREE;
}

/* Layer-wise mean squared gradient of the batch-mean loss on the task's
 * validation split, summed over batches with weight B / n_batches
 * (calculate_importance with empirical labels, in evaluation mode). */
static void
compute_importance (BlipHalrp *h, BlipTrainer *trainer, int t, double *importance)
{
  BlipNetwork *net = h->parent.net;
  const BlipSplit *split = &blip_trainer_get_experiment (trainer)->tasks[t].valid;
  int bs = MIN (h->parent.config.sbatch, net->max_batch);
  int n_batches = (split->n + bs - 1) / bs;
  for (int i = 0; i < h->n_layers; i++)
    importance[i] = 0.0;
  for (int start = 0; start < split->n; start += bs)
    {
      int B = MIN (bs, split->n - start);
      blip_split_gather_range (split, start, B, h->x, h->y);
      blip_network_forward (net, h->x, B, t);
      blip_network_loss (net, h->y, B, t, NULL);
      blip_network_loss_backward (net, h->y, B, t, 1.0f / B);
      blip_network_backward (net, h->x, B, t);
      for (int i = 0; i < h->n_layers; i++)
        {
          const BlipLayer *l = &net->layers[i];
          double sq = 0.0;
          for (gsize j = 0; j < l->n_weight; j++)
            sq += (double) l->grad_weight[j] * l->grad_weight[j];
          importance[i] += sq / l->n_weight * B / n_batches;
        }
    }
}

/* The end of the free fine-tuning of task t: scales, SVD of the discrepancy,
 * ranks, and factors initialised from the truncated SVD. */
static gboolean
fit_task (BlipHalrp *h, BlipTrainer *trainer, int t, GError **error)
{
  BlipNetwork *net = h->parent.net;
  const BlipConfig *c = &h->parent.config;
  int L = h->n_layers;
  double *importance = g_new (double, L);
  compute_importance (h, trainer, t, importance);

  int *n_sv = g_new (int, L), *ranks = g_new (int, L);
  gsize total_sv = 0;
  for (int i = 0; i < L; i++)
    {
      n_sv[i] = MIN (net->layers[i].out_dim, h->in_s[i]);
      total_sv += n_sv[i];
    }
  float *sv = g_new (float, total_sv);
  float **u = g_new0 (float *, L), **vt = g_new0 (float *, L), **rs = g_new0 (float *, L);
  gboolean ok = TRUE;
  for (int i = 0, k = 0; i < L && ok; k += n_sv[i], i++)
    {
      BlipLayer *l = &net->layers[i];
      int out = l->out_dim, in_s = h->in_s[i];
      rs[i] = g_new (float, out + in_s);
      u[i] = g_new (float, (gsize) out * n_sv[i]);
      vt[i] = g_new (float, (gsize) n_sv[i] * in_s);
      float *d = g_new (float, (gsize) out * in_s);
      blip_halrp_fit_scales (out, in_s, h->kk[i], h->w0 + h->w0_offset[i], l->weight,
                             rs[i], rs[i] + out, d);
      ok = blip_svd (d, out, in_s, u[i], sv + k, vt[i], error);
      if (!ok)
        g_prefix_error (error, "HALRP, task %d, layer %s: ", t + 1, l->name);
      g_free (d);
    }
  if (ok)
    {
      blip_halrp_select_ranks (L, n_sv, sv, importance, h->kk, c->halrp_rate, c->halrp_max_rank, ranks);
      task_alloc_factors (h, t, ranks);
      HalrpTask *task = &h->tasks[t];
      GString *msg = g_string_new (NULL);
      g_string_printf (msg, "HALRP task %d: ranks", t + 1);
      for (int i = 0, k = 0; i < L; k += n_sv[i], i++)
        {
          const BlipLayer *l = &net->layers[i];
          float *r, *s, *B, *A;
          layer_factors (h, task, task->factors, i, &r, &s, &B, &A);
          memcpy (r, rs[i], sizeof (float) * (l->out_dim + h->in_s[i]));
          for (int j = 0; j < ranks[i]; j++)
            {
              float root = sqrtf (sv[k + j]);
              for (int o = 0; o < l->out_dim; o++)
                B[(gsize) o * ranks[i] + j] = u[i][(gsize) o * n_sv[i] + j] * root;
              for (int cc = 0; cc < h->in_s[i]; cc++)
                A[(gsize) j * h->in_s[i] + cc] = vt[i][(gsize) j * h->in_s[i] + cc] * root;
            }
          g_string_append_printf (msg, "%s %s %d/%d (importance %.3g)", i ? "," : "", l->name,
                                  ranks[i], n_sv[i], importance[i]);
        }
      compose_task (h, t);
      h->phase = HALRP_LOWRANK;
      emit_message (trainer, t, msg->str);
      g_string_free (msg, TRUE);
    }
  for (int i = 0; i < L; i++)
    {
      g_free (u[i]);
      g_free (vt[i]);
      g_free (rs[i]);
    }
  g_free (u);
  g_free (vt);
  g_free (rs);
  g_free (sv);
  g_free (n_sv);
  g_free (ranks);
  g_free (importance);
  return ok;
}

static gboolean
halrp_after_epoch (BlipStrategy *self, BlipTrainer *trainer, int task, int epoch,
                   gboolean *restart, GError **error)
{
  BlipHalrp *h = (BlipHalrp *) self;
  if (h->phase != HALRP_FREE || epoch + 1 != self->config.halrp_est_epochs)
    return TRUE;
  /* Choose the ranks on the model that ends the free phase, not the best one seen. */
  if (!fit_task (h, trainer, task, error))
    return FALSE;
  *restart = TRUE;
  return TRUE;
}

/* Training batches only: before an evaluation, before_eval has installed the
 * task's weights already. */
static void
halrp_before_forward (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch)
{
  BlipHalrp *h = (BlipHalrp *) self;
  if (batch->training && h->phase == HALRP_LOWRANK)
    compose_task (h, batch->task);
}

static void
halrp_before_eval (BlipStrategy *self, BlipTrainer *trainer, int task)
{
  BlipHalrp *h = (BlipHalrp *) self;
  if (task < h->n_stored)
    install_stored (h, task);
  else if (task == h->task && h->phase == HALRP_LOWRANK)
    compose_task (h, task);
}

/* dL/dW → dr, ds, dB, dA; plus the gradients of wd/2·‖·‖² on all factors
 * and l1·|·| on A and B; then one Adam step of the factors. */
static void
halrp_after_backward (BlipStrategy *self, BlipTrainer *trainer, int t)
{
  BlipHalrp *h = (BlipHalrp *) self;
  if (h->phase != HALRP_LOWRANK)
    return;
  BlipNetwork *net = self->net;
  HalrpTask *task = &h->tasks[t];
  const float wd = (float) self->config.halrp_wd, l1 = (float) self->config.halrp_l1;
  for (int i = 0; i < h->n_layers; i++)
    {
      BlipLayer *l = &net->layers[i];
      float *r, *s, *B, *A, *dr, *ds, *dB, *dA;
      layer_factors (h, task, task->factors, i, &r, &s, &B, &A);
      layer_factors (h, task, h->grads, i, &dr, &ds, &dB, &dA);
      blip_halrp_backprop (l->out_dim, h->in_s[i], h->kk[i], task->rank[i], h->w0 + h->w0_offset[i],
                           r, s, B, A, l->grad_weight, dr, ds, dB, dA, h->scratch);
      gsize n_scale = l->out_dim + h->in_s[i];
      gsize end = layer_factor_size (l, h->in_s[i], task->rank[i]);
      float *p = task->factors + task->offset[i], *g = h->grads + task->offset[i];
      for (gsize j = 0; j < end; j++)
        {
          g[j] += wd * p[j];
          if (j >= n_scale)
            g[j] += l1 * (float) ((p[j] > 0) - (p[j] < 0));
        }
    }
  h->adam->lr = blip_trainer_get_step_lr (trainer);
  blip_adam_begin_step (h->adam);
  blip_adam_step_range (h->adam, task->factors, h->grads, 0, task->n_factors);
}

static double
halrp_penalty (BlipStrategy *self, BlipNetwork *net, float *grads)
{
  BlipHalrp *h = (BlipHalrp *) self;
  const double wd = self->config.halrp_wd, l1 = self->config.halrp_l1;
  double sq = 0.0, abs_sum = 0.0;
  if (h->phase == HALRP_BASE)
    {
      /* The first task: wd/2·‖W‖² on the feature weights (not biases). */
      for (int i = 0; i < h->n_layers; i++)
        {
          BlipLayer *l = &net->layers[i];
          for (gsize j = 0; j < l->n_weight; j++)
            sq += (double) l->weight[j] * l->weight[j];
          if (grads != NULL)
            for (gsize j = 0; j < l->n_weight; j++)
              grads[l->offset + j] += (float) wd * l->weight[j];
        }
      return 0.5 * wd * sq;
    }
  if (h->phase != HALRP_LOWRANK)
    return 0.0;
  /* Its gradient is added by after_backward, on the factors. */
  const HalrpTask *task = &h->tasks[h->task];
  for (int i = 0; i < h->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      gsize n_scale = l->out_dim + h->in_s[i];
      gsize end = layer_factor_size (l, h->in_s[i], task->rank[i]);
      const float *p = task->factors + task->offset[i];
      for (gsize j = 0; j < end; j++)
        {
          sq += (double) p[j] * p[j];
          if (j >= n_scale)
            abs_sum += fabsf (p[j]);
        }
    }
  return 0.5 * wd * sq + l1 * abs_sum;
}

static void
halrp_best_model (BlipStrategy *self, BlipTrainer *trainer, int task_index, gboolean restore)
{
  BlipHalrp *h = (BlipHalrp *) self;
  if (h->phase != HALRP_LOWRANK)
    return;
  HalrpTask *task = &h->tasks[h->task];
  if (restore)
    memcpy (task->factors, h->best, sizeof (float) * task->n_factors);
  else
    memcpy (h->best, task->factors, sizeof (float) * task->n_factors);
}

/* Dense parameters added over the base model by tasks 1..n_stored−1, as the
 * official count_parameter(sparse=False): r, s, A, B and each head. */
static double
dense_growth (BlipHalrp *h)
{
  BlipNetwork *net = h->parent.net;
  gsize added = 0;
  for (int u = 1; u < h->n_stored; u++)
    added += h->tasks[u].n_factors + net->heads[u].n_weight + net->heads[u].n_bias;
  return (double) added / h->base_size;
}

/* The official l1_pruning with mixAR_AllLayer and prune_boundAlltask. */
static void
prune_tasks (BlipHalrp *h, BlipTrainer *trainer)
{
  BlipNetwork *net = h->parent.net;
  const BlipConfig *c = &h->parent.config;
  double growth = dense_growth (h);
  g_autoptr(GString) msg = g_string_new (NULL);
  if (growth < c->halrp_max_growth)
    {
      g_string_printf (msg, "HALRP: dense growth %.3f of the base model is under %.3f: no pruning",
                       growth, c->halrp_max_growth);
      emit_message (trainer, h->n_stored - 1, msg->str);
      return;
    }
  double rate = 1.0 - c->halrp_max_growth / growth;
  g_string_printf (msg, "HALRP: dense growth %.3f; pruning the %.3f-quantile of each task's A, B:",
                   growth, rate);
  for (int u = 1; u < h->n_stored; u++)
    {
      HalrpTask *task = &h->tasks[u];
      /* Gather A and B of every layer, prune them together, scatter back. */
      gsize n = 0;
      for (int i = 0; i < h->n_layers; i++)
        n += (gsize) task->rank[i] * (net->layers[i].out_dim + h->in_s[i]);
      float *values = g_new (float, MAX (n, 1)), *scratch = g_new (float, MAX (n, 1));
      for (int pass = 0, k = 0; pass < 2; pass++, k = 0)
        for (int i = 0; i < h->n_layers; i++)
          {
            gsize len = (gsize) task->rank[i] * (net->layers[i].out_dim + h->in_s[i]);
            float *ab = task->factors + task->offset[i] + net->layers[i].out_dim + h->in_s[i];
            if (pass == 0)
              memcpy (values + k, ab, sizeof (float) * len);
            else
              memcpy (ab, values + k, sizeof (float) * len);
            k += len;
            if (pass == 0 && i == h->n_layers - 1)
              {
                gsize zeroed;
                double thr = blip_halrp_prune (values, n, rate, c->halrp_prune_min, scratch, &zeroed);
                g_string_append_printf (msg, " task %d at %.3g (%.0f%% zero)", u + 1, thr,
                                        100.0 * zeroed / MAX (n, 1));
              }
          }
      g_free (values);
      g_free (scratch);
    }
  emit_message (trainer, h->n_stored - 1, msg->str);
}

static gboolean
halrp_after_task (BlipStrategy *self, BlipTrainer *trainer, int t, GError **error)
{
  BlipHalrp *h = (BlipHalrp *) self;
  BlipNetwork *net = self->net;
  if (t == 0)
    for (int i = 0; i < h->n_layers; i++)
      memcpy (h->w0 + h->w0_offset[i], net->layers[i].weight, sizeof (float) * net->layers[i].n_weight);
  else if (h->phase == HALRP_FREE && !fit_task (h, trainer, t, error))
    /* A task shorter than its free phase still gets its low-rank form. */
    return FALSE;
  HalrpTask *task = &h->tasks[t];
  g_free (task->biases);
  g_free (task->buffers);
  task->biases = g_new (float, MAX (h->n_bias, 1));
  copy_biases (h, task->biases, FALSE);
  task->buffers = g_new0 (float, MAX (net->n_buffers, 1));
  if (net->n_buffers > 0)
    memcpy (task->buffers, net->buffers, sizeof (float) * net->n_buffers);
  h->n_stored = t + 1;
  h->phase = HALRP_BASE;
  if (t > 0)
    prune_tasks (h, trainer);
  return TRUE;
}

/* What HALRP keeps per task: r, s, the nonzero entries of A and B and the
 * head of every task after the first, and every task's biases and batchnorm
 * statistics. The base weights W0 are the network's own. */
static gsize
halrp_memory_bytes (BlipStrategy *self, BlipNetwork *net)
{
  BlipHalrp *h = (BlipHalrp *) self;
  gsize floats = 0;
  for (int u = 0; u < h->n_stored; u++)
    {
      const HalrpTask *task = &h->tasks[u];
      floats += h->n_bias + net->n_buffers;
      if (u == 0)
        continue;
      floats += net->heads[u].n_weight + net->heads[u].n_bias;
      for (int i = 0; i < h->n_layers; i++)
        {
          gsize n_scale = net->layers[i].out_dim + h->in_s[i];
          gsize end = layer_factor_size (&net->layers[i], h->in_s[i], task->rank[i]);
          const float *p = task->factors + task->offset[i];
          floats += n_scale;
          for (gsize j = n_scale; j < end; j++)
            floats += p[j] != 0.0f;
        }
    }
  return floats * sizeof (float);
}

static void
halrp_save (BlipStrategy *self, BlipSafetensorsWriter *w)
{
  BlipHalrp *h = (BlipHalrp *) self;
  BlipNetwork *net = self->net;
  char text[64];
  g_snprintf (text, sizeof text, "%d %d %d", h->phase, h->task, h->n_stored);
  blip_safetensors_writer_add_metadata (w, "halrp.state", text);
  gint64 n_w0 = h->n_w0, n_bias = MAX (h->n_bias, 1), n_buf = MAX (net->n_buffers, 1), L = h->n_layers;
  if (h->n_stored > 0)
    blip_safetensors_writer_add (w, "halrp.w0", BLIP_DTYPE_F32, &n_w0, 1, h->w0);
  for (int u = 0; u < net->n_heads; u++)
    {
      HalrpTask *task = &h->tasks[u];
      if (task->rank != NULL)
        {
          g_autofree char *rn = g_strdup_printf ("halrp.task%d.ranks", u);
          g_autofree char *fn = g_strdup_printf ("halrp.task%d.factors", u);
          gint64 nf = task->n_factors;
          blip_safetensors_writer_add (w, rn, BLIP_DTYPE_I32, &L, 1, task->rank);
          blip_safetensors_writer_add (w, fn, BLIP_DTYPE_F32, &nf, 1, task->factors);
        }
      if (task->biases != NULL)
        {
          g_autofree char *bn = g_strdup_printf ("halrp.task%d.biases", u);
          g_autofree char *sn = g_strdup_printf ("halrp.task%d.buffers", u);
          blip_safetensors_writer_add (w, bn, BLIP_DTYPE_F32, &n_bias, 1, task->biases);
          blip_safetensors_writer_add (w, sn, BLIP_DTYPE_F32, &n_buf, 1, task->buffers);
        }
    }
  if (h->phase == HALRP_LOWRANK)
    {
      gint64 nf = h->tasks[h->task].n_factors;
      blip_safetensors_writer_add (w, "halrp.best", BLIP_DTYPE_F32, &nf, 1, h->best);
      blip_safetensors_writer_add (w, "halrp.adam_m", BLIP_DTYPE_F32, &nf, 1, h->adam->m);
      blip_safetensors_writer_add (w, "halrp.adam_v", BLIP_DTYPE_F32, &nf, 1, h->adam->v);
      g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, h->adam->t);
      blip_safetensors_writer_add_metadata (w, "halrp.adam_t", text);
    }
}

/* Reads task u's ranks and factors (and makes the training buffers for them). */
static gboolean
read_task_factors (BlipHalrp *h, BlipSafetensors *f, int u, GError **error)
{
  BlipNetwork *net = h->parent.net;
  gint64 L = h->n_layers;
  g_autofree char *rn = g_strdup_printf ("halrp.task%d.ranks", u);
  g_autofree int *ranks = g_new (int, L);
  if (!blip_safetensors_read (f, rn, BLIP_DTYPE_I32, &L, 1, ranks, FALSE, error))
    return FALSE;
  for (int i = 0; i < L; i++)
    if (ranks[i] < 1 || ranks[i] > MIN (net->layers[i].out_dim, h->in_s[i]))
      {
        g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                     "%s: %s[%d] = %d is not a rank of layer %s", blip_safetensors_get_path (f),
                     rn, i, ranks[i], net->layers[i].name);
        return FALSE;
      }
  task_alloc_factors (h, u, ranks);
  g_autofree char *fn = g_strdup_printf ("halrp.task%d.factors", u);
  gint64 nf = h->tasks[u].n_factors;
  return blip_safetensors_read (f, fn, BLIP_DTYPE_F32, &nf, 1, h->tasks[u].factors, TRUE, error);
}

static gboolean
halrp_load (BlipStrategy *self, BlipSafetensors *f, GError **error)
{
  BlipHalrp *h = (BlipHalrp *) self;
  BlipNetwork *net = self->net;
  const char *state = blip_safetensors_get_metadata (f, "halrp.state");
  int phase, task, stored;
  if (state == NULL || sscanf (state, "%d %d %d", &phase, &task, &stored) != 3 ||
      phase < HALRP_BASE || phase > HALRP_LOWRANK || task < 0 || task >= net->n_heads ||
      stored < 0 || stored > net->n_heads || (phase != HALRP_BASE && task == 0))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “halrp.state” is missing or not “phase task stored” in range",
                   blip_safetensors_get_path (f));
      return FALSE;
    }
  gint64 n_w0 = h->n_w0, n_bias = MAX (h->n_bias, 1), n_buf = MAX (net->n_buffers, 1);
  if (stored > 0 && !blip_safetensors_read (f, "halrp.w0", BLIP_DTYPE_F32, &n_w0, 1, h->w0, TRUE, error))
    return FALSE;
  for (int u = 0; u < net->n_heads; u++)
    task_clear (&h->tasks[u]);
  h->task = task;
  /* The task in training last, so that the optimiser buffers made with its
   * factors are its own. */
  for (int u = 1; u < net->n_heads; u++)
    if (u < stored && !(phase == HALRP_LOWRANK && u == task) && !read_task_factors (h, f, u, error))
      return FALSE;
  if (phase == HALRP_LOWRANK && !read_task_factors (h, f, task, error))
    return FALSE;
  for (int u = 0; u < stored; u++)
    {
      g_autofree char *bn = g_strdup_printf ("halrp.task%d.biases", u);
      g_autofree char *sn = g_strdup_printf ("halrp.task%d.buffers", u);
      h->tasks[u].biases = g_new (float, n_bias);
      h->tasks[u].buffers = g_new (float, n_buf);
      if (!blip_safetensors_read (f, bn, BLIP_DTYPE_F32, &n_bias, 1, h->tasks[u].biases, TRUE, error) ||
          !blip_safetensors_read (f, sn, BLIP_DTYPE_F32, &n_buf, 1, h->tasks[u].buffers, TRUE, error))
        return FALSE;
    }
  if (phase == HALRP_LOWRANK)
    {
      gint64 nf = h->tasks[task].n_factors;
      const char *t_text = blip_safetensors_get_metadata (f, "halrp.adam_t");
      gint64 t_steps = 0;
      if (t_text == NULL || !g_ascii_string_to_signed (t_text, 10, 0, G_MAXINT64, &t_steps, NULL))
        {
          g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                       "%s: metadata “halrp.adam_t” is missing or not a non-negative integer",
                       blip_safetensors_get_path (f));
          return FALSE;
        }
      h->adam->t = t_steps;
      if (!blip_safetensors_read (f, "halrp.best", BLIP_DTYPE_F32, &nf, 1, h->best, TRUE, error) ||
          !blip_safetensors_read (f, "halrp.adam_m", BLIP_DTYPE_F32, &nf, 1, h->adam->m, TRUE, error) ||
          !blip_safetensors_read (f, "halrp.adam_v", BLIP_DTYPE_F32, &nf, 1, h->adam->v, TRUE, error))
        return FALSE;
    }
  h->phase = phase;
  h->n_stored = stored;
  return TRUE;
}

/* The official scripts' settings (scripts/pmnist_LeNet_HALRP.sh), which
 * --preset halrp also sets: LeNet, Adam at lr 0.001, batch 128, 12 epochs,
 * 20% validation, no patience decay. */
static void
halrp_paper_settings (BlipConfig *config, const char *experiment)
{
  blip_config_apply_speed_preset (config, "halrp", NULL);
}

static void
halrp_describe_settings (const BlipConfig *config, GString *out)
{
  blip_settings_append_double (out, "halrp-rate", config->halrp_rate);
  blip_settings_append_double (out, "halrp-l1", config->halrp_l1);
  blip_settings_append_double (out, "halrp-wd", config->halrp_wd);
  blip_settings_append_int (out, "halrp-max-rank", config->halrp_max_rank);
  blip_settings_append_int (out, "halrp-est-epochs", config->halrp_est_epochs);
  blip_settings_append_double (out, "halrp-prune-min", config->halrp_prune_min);
  blip_settings_append_double (out, "halrp-max-growth", config->halrp_max_growth);
}

const BlipStrategyClass blip_strategy_halrp_class = {
  .name = "halrp",
  .title = "HALRP",
  .description = "Hessian-aware low-rank perturbation: per task diag(r)·W0·diag(s) + B·A "
                 "(--halrp-rate, --halrp-l1, --halrp-max-growth)",
  .quantized = FALSE,
  .instance_size = sizeof (BlipHalrp),
  .init = halrp_init,
  .finalize = halrp_finalize,
  .before_task = halrp_before_task,
  .penalty = halrp_penalty,
  .after_task = halrp_after_task,
  .memory_bytes = halrp_memory_bytes,
  .save = halrp_save,
  .load = halrp_load,
  .before_forward = halrp_before_forward,
  .after_backward = halrp_after_backward,
  .before_eval = halrp_before_eval,
  .after_epoch = halrp_after_epoch,
  .best_model = halrp_best_model,
  .paper_settings = halrp_paper_settings,
  .describe_settings = halrp_describe_settings,
};
