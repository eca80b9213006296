/* blip-strategy-lwf.c — Learning without Forgetting (Li & Hoiem 2016) as the
 * HAT code base's approaches/lwf.py: after each task the model is frozen as
 * the "old" one; while a later task trains, the loss is the cross-entropy on
 * its head plus λ·Σ over the earlier heads of the distillation (temperature T)
 * of the current model's outputs toward the old model's on the same inputs.
 * The earlier heads train on that loss too, and every step's gradient norm is
 * clipped at 100, as lwf.py does. */
#include "blip-strategy.h"
#include "blip-trainer.h"

#include <math.h>
#include <string.h>

/* lwf.py's clipgrad. */
#define LWF_CLIP_NORM 100.0
/* utils.cross_entropy's smoothing of the output distribution. */
#define LWF_EPS 1e-5
/* Classes of a head, for the per-sample distributions on the stack. */
#define LWF_MAX_CLASSES 1024

typedef struct {
  BlipStrategy parent;
  BlipNetwork *old;       /* the model after the last task; NULL before one ends */
  float       *z;         /* [max_batch, max_classes] an old head's logits, current model */
  float       *z_old;     /* the same head, old model */
  float       *dz;        /* ∂loss/∂z */
} BlipLwf;

/* p[C] = softmax(z[C]/T), in double for the division by T. */
static void
softmax_t (const float *z, int C, double T, double *p)
{
  double m = z[0];
  for (int c = 1; c < C; c++)
    m = MAX (m, z[c]);
  double sum = 0.0;
  for (int c = 0; c < C; c++)
    sum += p[c] = exp ((z[c] - m) / T);
  for (int c = 0; c < C; c++)
    p[c] /= sum;
}

double
blip_lwf_distill (const float *z, const float *z_old, int B, int C, double T, float scale, float *dz)
{
  g_return_val_if_fail (C >= 1 && C <= LWF_MAX_CLASSES && T > 0, NAN);
  double p[LWF_MAX_CLASSES], q[LWF_MAX_CLASSES];
  double total = 0.0;
  double shift = LWF_EPS / C;
  for (int b = 0; b < B; b++)
    {
      const float *zb = z + (gsize) b * C;
      softmax_t (zb, C, T, p);
      softmax_t (z_old + (gsize) b * C, C, T, q);
      /* o = (p + eps/C)/(1 + eps): −Σ q·log o = −Σ q·log(p + eps/C) + log(1 + eps)·Σ q */
      double loss = log1p (LWF_EPS);
      for (int c = 0; c < C; c++)
        loss -= q[c] * log (p[c] + shift);
      total += loss;
      if (dz == NULL)
        continue;
      /* g_c = ∂loss/∂p_c = −q_c/(p_c + eps/C); through p = softmax(z/T):
       * ∂loss/∂z_j = p_j·(g_j − Σ_c p_c·g_c)/T */
      double pg = 0.0;
      for (int c = 0; c < C; c++)
        pg += p[c] * (-q[c] / (p[c] + shift));
      for (int j = 0; j < C; j++)
        dz[(gsize) b * C + j] = (float) (scale * p[j] * (-q[j] / (p[j] + shift) - pg) / T);
    }
  return total;
}

static gboolean
lwf_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  BlipLwf *lwf = (BlipLwf *) self;
  if (net->max_classes > LWF_MAX_CLASSES)
    {
      g_set_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNSUPPORTED,
                   "lwf distils heads of at most %d classes, this network has one of %d",
                   LWF_MAX_CLASSES, net->max_classes);
      return FALSE;
    }
  gsize n = (gsize) net->max_batch * net->max_classes;
  lwf->z = g_new0 (float, n);
  lwf->z_old = g_new0 (float, n);
  lwf->dz = g_new0 (float, n);
  return TRUE;
}

static void
lwf_finalize (BlipStrategy *self)
{
  BlipLwf *lwf = (BlipLwf *) self;
  blip_network_free (lwf->old);
  g_free (lwf->z);
  g_free (lwf->z_old);
  g_free (lwf->dz);
}

static double
lwf_batch_loss (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch,
                const float *x, int B)
{
  BlipLwf *lwf = (BlipLwf *) self;
  BlipNetwork *net = self->net;
  if (lwf->old == NULL || batch->task == 0)
    return 0.0;
  const double lambda = self->config.lwf_lambda, T = self->config.lwf_temperature;
  /* The old model in evaluation mode (lwf.py's model_old.eval()): its
   * features once, then each earlier head on them. */
  blip_network_forward (lwf->old, x, B, 0);
  double loss = 0.0;
  for (int t = 0; t < batch->task; t++)
    {
      int C = net->heads[t].out_dim;
      blip_network_head_forward (lwf->old, t, B, lwf->z_old);
      blip_network_head_forward (net, t, B, lwf->z);
      /* The batch-mean distillation, weighted by λ. */
      float scale = (float) (lambda / B);
      loss += lambda * blip_lwf_distill (lwf->z, lwf->z_old, B, C, T, scale,
                                         batch->training ? lwf->dz : NULL) / B;
      if (batch->training)
        blip_network_head_backward (net, t, lwf->dz, B, TRUE);
    }
  return loss;
}

static void
lwf_before_update (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch)
{
  blip_strategy_clip_grad_norm (self, batch->task, NULL, 0, LWF_CLIP_NORM);
}

static gboolean
lwf_after_task (BlipStrategy *self, BlipTrainer *trainer, int task, GError **error)
{
  BlipLwf *lwf = (BlipLwf *) self;
  if (lwf->old == NULL)
    lwf->old = blip_network_copy (self->net);
  else
    blip_network_copy_params (lwf->old, self->net);
  return TRUE;
}

static gsize
lwf_memory_bytes (BlipStrategy *self, BlipNetwork *net)
{
  /* The old model: every parameter, heads included, and batchnorm statistics. */
  return (net->n_params + net->n_buffers) * sizeof (float);
}

static void
lwf_save (BlipStrategy *self, BlipSafetensorsWriter *w)
{
  BlipLwf *lwf = (BlipLwf *) self;
  blip_safetensors_writer_add_metadata (w, "lwf.active", lwf->old != NULL ? "1" : "0");
  if (lwf->old == NULL)
    return;
  gint64 np = (gint64) lwf->old->n_params, nb = (gint64) lwf->old->n_buffers;
  blip_safetensors_writer_add (w, "lwf.old_params", BLIP_DTYPE_F32, &np, 1, lwf->old->params);
  if (nb > 0)
    blip_safetensors_writer_add (w, "lwf.old_buffers", BLIP_DTYPE_F32, &nb, 1, lwf->old->buffers);
}

static gboolean
lwf_load (BlipStrategy *self, BlipSafetensors *f, GError **error)
{
  BlipLwf *lwf = (BlipLwf *) self;
  const char *active = blip_safetensors_get_metadata (f, "lwf.active");
  if (active == NULL || (strcmp (active, "0") != 0 && strcmp (active, "1") != 0))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “lwf.active” is missing or not 0/1", blip_safetensors_get_path (f));
      return FALSE;
    }
  if (active[0] == '0')
    {
      g_clear_pointer (&lwf->old, blip_network_free);
      return TRUE;
    }
  if (lwf->old == NULL)
    lwf->old = blip_network_copy (self->net);
  gint64 np = (gint64) lwf->old->n_params, nb = (gint64) lwf->old->n_buffers;
  return blip_safetensors_read (f, "lwf.old_params", BLIP_DTYPE_F32, &np, 1, lwf->old->params, TRUE, error) &&
         (nb == 0 ||
          blip_safetensors_read (f, "lwf.old_buffers", BLIP_DTYPE_F32, &nb, 1, lwf->old->buffers, TRUE, error));
}

static void
lwf_describe_settings (const BlipConfig *config, GString *out)
{
  blip_settings_append_double (out, "lwf-lambda", config->lwf_lambda);
  blip_settings_append_double (out, "lwf-temperature", config->lwf_temperature);
}

const BlipStrategyClass blip_strategy_lwf_class = {
  .name = "lwf",
  .title = "LwF",
  .description = "Learning without forgetting: distil the earlier heads' outputs of the model as it "
                 "was before the task (λ: --lwf-lambda, T: --lwf-temperature)",
  .quantized = FALSE,
  .instance_size = sizeof (BlipLwf),
  .init = lwf_init,
  .finalize = lwf_finalize,
  .batch_loss = lwf_batch_loss,
  .before_update = lwf_before_update,
  .updates_old_heads = TRUE,
  .after_task = lwf_after_task,
  .memory_bytes = lwf_memory_bytes,
  .save = lwf_save,
  .load = lwf_load,
  .paper_settings = blip_strategy_baseline_paper_settings,
  .describe_settings = lwf_describe_settings,
};
