/* blip-strategy-hat.c — hard attention to the task (Serra et al. 2018) as the
 * HAT code base's approaches/hat.py with networks/mlp_hat.py and alexnet_hat.py.
 *
 * Every unit of every feature layer (a convolution's output channel) has one
 * embedding e per task; its output is multiplied by the gate g = σ(s·e)
 * (blip_network_set_gate). While task t trains:
 *   - s rises linearly over each epoch from 1/s_max to s_max, by the batch's
 *     first sample: s = (s_max − 1/s_max)·i/N + 1/s_max; tests use s_max;
 *   - the loss adds c·Σ g·(1 − m)/Σ (1 − m), m being the cumulative mask of
 *     the earlier tasks (the element-wise maximum of their σ(s_max·e));
 *   - a weight's gradient is scaled by 1 − min(m of its output unit, m of its
 *     input unit) (only the output unit for the first layer, and for biases),
 *     so what earlier tasks use does not move;
 *   - the embeddings' gradient is compensated for the annealing,
 *     ·s_max/s·(cosh(clamp(s·e, ±50)) + 1)/(cosh(e) + 1), the whole
 *     gradient's norm is clipped at 10000, and after the step the embeddings
 *     are clamped to ±6.
 * The embeddings train with the network's optimiser settings (lr, momentum,
 * weight decay) in an optimiser of their own, restarted when the trainer's
 * is (a new task, a lower lr), and the best model of a task includes them. */
#include "blip-strategy.h"
#include "blip-trainer.h"
#include "blip-optim.h"

#include <math.h>
#include <string.h>

/* hat.py's clipgrad, thres_cosh and thres_emb. */
#define HAT_CLIP_NORM 10000.0
#define HAT_THRES_COSH 50.0
#define HAT_THRES_EMB 6.0f
/* The embeddings' own stream of the seed (torch.nn.Embedding's N(0, 1)). */
#define HAT_EMBEDDING_STREAM 29

typedef struct {
  BlipStrategy parent;
  int          n_tasks;
  gsize        n_units;     /* Σ over feature layers of out_dim */
  gsize       *unit_off;    /* [n_layers + 1] first unit of each layer */
  float       *emb;         /* [n_tasks, n_units] e */
  float       *best;        /* [n_units] the embedding of the current task's best model */
  float       *mask_pre;    /* [n_units] cumulative mask of the consolidated tasks */
  gboolean     has_pre;     /* a task has been consolidated */
  int          tasks_seen;  /* tasks begun: the embeddings kept so far */
  float       *gate;        /* [n_units] σ(s·e) of the last forward, read by the network */
  float       *dgate;       /* [n_units] ∂L/∂g, written by the network's backward */
  float       *demb;        /* [n_units] ∂L/∂e of the current task's embedding */
  float        s;           /* the last forward's s */
  BlipSgd     *sgd;         /* for the current task's embedding */
  int          sgd_task;    /* the task and lr the optimiser was last reset for */
  double       sgd_lr;
} BlipHat;

double
blip_hat_mask_reg (const float *g, const float *mask_pre, gsize n, double c, float *dg)
{
  double reg = 0.0, count = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double unused = mask_pre != NULL ? 1.0 - mask_pre[i] : 1.0;
      reg += g[i] * unused;
      count += unused;
    }
  /* Every unit taken by earlier tasks: nothing left to regularise. */
  if (!(count > 0.0))
    return 0.0;
  if (dg != NULL)
    for (gsize i = 0; i < n; i++)
      dg[i] += (float) (c * (mask_pre != NULL ? 1.0 - mask_pre[i] : 1.0) / count);
  return c * reg / count;
}

void
blip_hat_gate_backward (const float *g, const float *dg, float s, gsize n, float *de)
{
  for (gsize i = 0; i < n; i++)
    de[i] = dg[i] * s * g[i] * (1.0f - g[i]);
}

/* g[n] = σ(s·e[n]) */
static void
gates (const float *e, float s, gsize n, float *g)
{
  for (gsize i = 0; i < n; i++)
    g[i] = (float) (1.0 / (1.0 + exp (-(double) s * e[i])));
}

static gboolean
hat_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  BlipHat *hat = (BlipHat *) self;
  for (int i = 0; i < net->n_ops; i++)
    if (net->ops[i].kind == BLIP_OP_BATCHNORM || net->ops[i].kind == BLIP_OP_ADD)
      {
        /* A per-channel gate before batchnorm is normalised away again. */
        g_set_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNSUPPORTED,
                     "hat gates the units of plain layer chains (--arch mlp or alexnet); %s has "
                     "batch normalisation or residual additions", config->arch);
        return FALSE;
      }
  /* A layer's inputs are the previous layer's units, each repeated over
   * positions (a kernel's window, or a flattened feature map). */
  for (int l = 1; l < net->n_layers; l++)
    if (net->layers[l].in_dim % net->layers[l - 1].out_dim != 0)
      {
        g_set_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNSUPPORTED,
                     "hat: %s's %d inputs are not whole multiples of %s's %d units",
                     net->layers[l].name, net->layers[l].in_dim, net->layers[l - 1].name,
                     net->layers[l - 1].out_dim);
        return FALSE;
      }
  hat->n_tasks = net->n_heads;
  hat->unit_off = g_new0 (gsize, net->n_layers + 1);
  for (int l = 0; l < net->n_layers; l++)
    hat->unit_off[l + 1] = hat->unit_off[l] + net->layers[l].out_dim;
  hat->n_units = hat->unit_off[net->n_layers];
  gsize n = hat->n_units;
  hat->emb = g_new (float, (gsize) hat->n_tasks * n);
  hat->best = g_new0 (float, n);
  hat->mask_pre = g_new0 (float, n);
  hat->gate = g_new0 (float, n);
  hat->dgate = g_new0 (float, n);
  hat->demb = g_new0 (float, n);
  hat->sgd = blip_sgd_new (n, config->lr, config->momentum, config->weight_decay);
  hat->sgd_task = -1;
  BlipRng rng;
  blip_rng_seed_stream (&rng, config->seed, HAT_EMBEDDING_STREAM);
  for (gsize i = 0; i < (gsize) hat->n_tasks * n; i++)
    hat->emb[i] = (float) blip_rng_normal (&rng);
  for (int l = 0; l < net->n_layers; l++)
    blip_network_set_gate (net, l, hat->gate + hat->unit_off[l], hat->dgate + hat->unit_off[l]);
  return TRUE;
}

static void
hat_finalize (BlipStrategy *self)
{
  BlipHat *hat = (BlipHat *) self;
  /* The network outlives the strategy in tests: take the gates away. */
  if (self->net != NULL && hat->gate != NULL)
    for (int l = 0; l < self->net->n_layers; l++)
      blip_network_set_gate (self->net, l, NULL, NULL);
  g_free (hat->unit_off);
  g_free (hat->emb);
  g_free (hat->best);
  g_free (hat->mask_pre);
  g_free (hat->gate);
  g_free (hat->dgate);
  g_free (hat->demb);
  blip_sgd_free (hat->sgd);
}

static void
hat_before_task (BlipStrategy *self, BlipTrainer *trainer, int task)
{
  BlipHat *hat = (BlipHat *) self;
  hat->tasks_seen = MAX (hat->tasks_seen, task + 1);
}

static void
hat_before_forward (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch)
{
  BlipHat *hat = (BlipHat *) self;
  double smax = self->config.hat_smax;
  hat->s = batch->training
    ? (float) ((smax - 1.0 / smax) * batch->first / MAX (batch->n_samples, 1) + 1.0 / smax)
    : (float) smax;
  gates (hat->emb + (gsize) batch->task * hat->n_units, hat->s, hat->n_units, hat->gate);
}

static double
hat_batch_loss (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch,
                const float *x, int B)
{
  BlipHat *hat = (BlipHat *) self;
  /* The gradient joins the network's in before_update, after the backward
   * has written dgate. */
  return blip_hat_mask_reg (hat->gate, hat->has_pre ? hat->mask_pre : NULL, hat->n_units,
                            self->config.hat_c, NULL);
}

/* Scales each weight's gradient by 1 − min(m_out, m_in) and each bias's by
 * 1 − m_out: the units the earlier tasks use keep their weights. */
static void
restrict_gradients (BlipHat *hat, BlipNetwork *net)
{
  for (int l = 0; l < net->n_layers; l++)
    {
      BlipLayer *layer = &net->layers[l];
      if (layer->frozen)
        continue;
      const float *m_out = hat->mask_pre + hat->unit_off[l];
      const float *m_in = l > 0 ? hat->mask_pre + hat->unit_off[l - 1] : NULL;
      int K = layer->in_dim;
      int per_in = l > 0 ? K / net->layers[l - 1].out_dim : K;
      for (int o = 0; o < layer->out_dim; o++)
        {
          float *gw = layer->grad_weight + (gsize) o * K;
          if (m_in == NULL)
            for (int k = 0; k < K; k++)
              gw[k] *= 1.0f - m_out[o];
          else
            for (int k = 0; k < K; k++)
              gw[k] *= 1.0f - MIN (m_out[o], m_in[k / per_in]);
          if (layer->grad_bias != NULL)
            layer->grad_bias[o] *= 1.0f - m_out[o];
        }
    }
}

static void
hat_before_update (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch)
{
  BlipHat *hat = (BlipHat *) self;
  BlipNetwork *net = self->net;
  gsize n = hat->n_units;
  float *e = hat->emb + (gsize) batch->task * n;
  const float s = hat->s;
  const double smax = self->config.hat_smax;

  /* ∂L/∂g: the network's (dgate) plus the mask regulariser's; then through σ(s·e). */
  blip_hat_mask_reg (hat->gate, hat->has_pre ? hat->mask_pre : NULL, n, self->config.hat_c, hat->dgate);
  blip_hat_gate_backward (hat->gate, hat->dgate, s, n, hat->demb);

  if (hat->has_pre)
    restrict_gradients (hat, net);

  /* Annealing compensation: the gradient the embedding would get at s_max. */
  for (gsize i = 0; i < n; i++)
    {
      double num = cosh (CLAMP ((double) s * e[i], -HAT_THRES_COSH, HAT_THRES_COSH)) + 1.0;
      double den = cosh ((double) e[i]) + 1.0;
      hat->demb[i] = (float) (hat->demb[i] * (smax / s) * num / den);
    }

  blip_strategy_clip_grad_norm (self, batch->task, hat->demb, n, HAT_CLIP_NORM);

  /* The trainer restarts its optimiser at each task and each lr decay: so does this one. */
  double lr = blip_trainer_get_lr (trainer);
  if (hat->sgd_task != batch->task || hat->sgd_lr != lr)
    {
      blip_sgd_reset (hat->sgd, lr);
      hat->sgd_task = batch->task;
      hat->sgd_lr = lr;
    }
  blip_sgd_step_range (hat->sgd, e, hat->demb, 0, n);
  for (gsize i = 0; i < n; i++)
    e[i] = CLAMP (e[i], -HAT_THRES_EMB, HAT_THRES_EMB);
}

static void
hat_best_model (BlipStrategy *self, BlipTrainer *trainer, int task, gboolean restore)
{
  BlipHat *hat = (BlipHat *) self;
  float *e = hat->emb + (gsize) task * hat->n_units;
  if (restore)
    memcpy (e, hat->best, sizeof (float) * hat->n_units);
  else
    memcpy (hat->best, e, sizeof (float) * hat->n_units);
}

static gboolean
hat_after_task (BlipStrategy *self, BlipTrainer *trainer, int task, GError **error)
{
  BlipHat *hat = (BlipHat *) self;
  gsize n = hat->n_units;
  /* The task's mask at s_max joins the cumulative one. */
  gates (hat->emb + (gsize) task * n, (float) self->config.hat_smax, n, hat->gate);
  for (gsize i = 0; i < n; i++)
    hat->mask_pre[i] = hat->has_pre ? MAX (hat->mask_pre[i], hat->gate[i]) : hat->gate[i];
  hat->has_pre = TRUE;
  return TRUE;
}

static gsize
hat_memory_bytes (BlipStrategy *self, BlipNetwork *net)
{
  BlipHat *hat = (BlipHat *) self;
  /* One embedding per task begun, and the cumulative mask: the growth per
   * task is one float per unit. */
  return ((gsize) hat->tasks_seen + 1) * hat->n_units * sizeof (float);
}

static void
hat_save (BlipStrategy *self, BlipSafetensorsWriter *w)
{
  BlipHat *hat = (BlipHat *) self;
  gint64 shape[2] = { hat->n_tasks, (gint64) hat->n_units };
  blip_safetensors_writer_add (w, "hat.embeddings", BLIP_DTYPE_F32, shape, 2, hat->emb);
  blip_safetensors_writer_add (w, "hat.best", BLIP_DTYPE_F32, shape + 1, 1, hat->best);
  blip_safetensors_writer_add (w, "hat.mask_pre", BLIP_DTYPE_F32, shape + 1, 1, hat->mask_pre);
  if (hat->sgd->velocity != NULL)
    blip_safetensors_writer_add (w, "hat.velocity", BLIP_DTYPE_F32, shape + 1, 1, hat->sgd->velocity);
  g_autofree char *seen = g_strdup_printf ("%d", hat->tasks_seen);
  g_autofree char *sgd_task = g_strdup_printf ("%d", hat->sgd_task);
  char lr[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (lr, sizeof lr, hat->sgd_lr);
  blip_safetensors_writer_add_metadata (w, "hat.has_pre", hat->has_pre ? "1" : "0");
  blip_safetensors_writer_add_metadata (w, "hat.tasks_seen", seen);
  blip_safetensors_writer_add_metadata (w, "hat.sgd_task", sgd_task);
  blip_safetensors_writer_add_metadata (w, "hat.sgd_lr", lr);
}

/* An integer metadata value in [lo, hi], or FALSE with an error naming it. */
static gboolean
meta_int (BlipSafetensors *f, const char *key, gint64 lo, gint64 hi, int *out, GError **error)
{
  const char *text = blip_safetensors_get_metadata (f, key);
  gint64 v;
  if (text == NULL || !g_ascii_string_to_signed (text, 10, lo, hi, &v, NULL))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “%s” is missing or not an integer in [%" G_GINT64_FORMAT ", %"
                   G_GINT64_FORMAT "]", blip_safetensors_get_path (f), key, lo, hi);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static gboolean
hat_load (BlipStrategy *self, BlipSafetensors *f, GError **error)
{
  BlipHat *hat = (BlipHat *) self;
  const char *has_pre = blip_safetensors_get_metadata (f, "hat.has_pre");
  const char *lr = blip_safetensors_get_metadata (f, "hat.sgd_lr");
  char *end = NULL;
  double sgd_lr = lr != NULL ? g_ascii_strtod (lr, &end) : NAN;
  if (has_pre == NULL || (strcmp (has_pre, "0") != 0 && strcmp (has_pre, "1") != 0) ||
      lr == NULL || end == lr || *end != '\0' || !isfinite (sgd_lr))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “hat.has_pre” (0/1) or “hat.sgd_lr” (a number) is missing or invalid",
                   blip_safetensors_get_path (f));
      return FALSE;
    }
  int seen, sgd_task;
  if (!meta_int (f, "hat.tasks_seen", 0, hat->n_tasks, &seen, error) ||
      !meta_int (f, "hat.sgd_task", -1, hat->n_tasks - 1, &sgd_task, error))
    return FALSE;
  gint64 shape[2] = { hat->n_tasks, (gint64) hat->n_units };
  if (!blip_safetensors_read (f, "hat.embeddings", BLIP_DTYPE_F32, shape, 2, hat->emb, TRUE, error) ||
      !blip_safetensors_read (f, "hat.best", BLIP_DTYPE_F32, shape + 1, 1, hat->best, TRUE, error) ||
      !blip_safetensors_read (f, "hat.mask_pre", BLIP_DTYPE_F32, shape + 1, 1, hat->mask_pre, TRUE, error))
    return FALSE;
  if (hat->sgd->velocity != NULL &&
      !blip_safetensors_read (f, "hat.velocity", BLIP_DTYPE_F32, shape + 1, 1, hat->sgd->velocity, TRUE, error))
    return FALSE;
  hat->has_pre = has_pre[0] == '1';
  hat->tasks_seen = seen;
  hat->sgd_task = sgd_task;
  hat->sgd_lr = sgd_lr;
  hat->sgd->lr = sgd_lr;
  return TRUE;
}

static void
hat_describe_settings (const BlipConfig *config, GString *out)
{
  blip_settings_append_double (out, "hat-smax", config->hat_smax);
  blip_settings_append_double (out, "hat-c", config->hat_c);
}

const BlipStrategyClass blip_strategy_hat_class = {
  .name = "hat",
  .title = "HAT",
  .description = "Hard attention to the task: a learned gate per unit and task, and the units "
                 "earlier tasks use keep their weights (s_max: --hat-smax, c: --hat-c)",
  .quantized = FALSE,
  .instance_size = sizeof (BlipHat),
  .init = hat_init,
  .finalize = hat_finalize,
  .before_task = hat_before_task,
  .before_forward = hat_before_forward,
  .batch_loss = hat_batch_loss,
  .before_update = hat_before_update,
  .best_model = hat_best_model,
  .after_task = hat_after_task,
  .memory_bytes = hat_memory_bytes,
  .save = hat_save,
  .load = hat_load,
  .paper_settings = blip_strategy_baseline_paper_settings,
  .describe_settings = hat_describe_settings,
};
