/* blip-strategy-imm.c — mode-IMM (Lee et al. 2017, incremental moment
 * matching) as the HAT code base's approaches/imm_mode.py:
 *   during a task  cross-entropy + λ/2·Σ (w − w_prev)² over every parameter,
 *                  the L2-transfer term toward the model after the last task
 *                  (λ: --imm-lambda, 0.01), gradient norm clipped at 1000;
 *   after a task   the empirical diagonal Fisher F_t of the task (the data's
 *                  labels, as utils.fisher_matrix_diag), then the merge
 *                  w ← (F_t·w + F·w_prev)/(F + F_t) with F the sum of the
 *                  earlier tasks' Fishers, and F ← F + F_t.
 * The heads need no merge: a later task never moves an earlier head, and a
 * new head has F = 0, so the merge keeps both as they are; only the features
 * are merged. (imm_mode.py writes the merge into a rebound local variable, so
 * its models are never actually merged; this does what it describes.) */
#include "blip-strategy.h"
#include "blip-trainer.h"

#include <string.h>

/* imm_mode.py's clipgrad. */
#define IMM_CLIP_NORM 1000.0

typedef struct {
  BlipStrategy parent;
  float       *fisher;   /* Σ of the earlier tasks' Fishers, over the feature parameters */
  float       *prev;     /* every parameter after the last merge */
  gboolean     active;   /* a task has been merged */
} BlipImm;

void
blip_imm_merge (float *w, const float *w_old, float *fisher, const float *fisher_task, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      float total = fisher[i] + fisher_task[i];
      if (total > 0.0f)
        w[i] = (fisher_task[i] * w[i] + fisher[i] * w_old[i]) / total;
      fisher[i] = total;
    }
}

static gboolean
imm_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  BlipImm *imm = (BlipImm *) self;
  imm->fisher = g_new0 (float, net->n_feature_params);
  imm->prev = g_new0 (float, net->n_params);
  return TRUE;
}

static void
imm_finalize (BlipStrategy *self)
{
  BlipImm *imm = (BlipImm *) self;
  g_free (imm->fisher);
  g_free (imm->prev);
}

/* λ/2·Σ (w − w_prev)² over every parameter: the heads of earlier and later
 * tasks contribute nothing (they do not move), the current head is drawn
 * toward its initial values, as imm_mode.py's criterion does. */
static double
imm_penalty (BlipStrategy *self, BlipNetwork *net, float *grads)
{
  BlipImm *imm = (BlipImm *) self;
  if (!imm->active)
    return 0.0;
  const float lambda = (float) self->config.imm_lambda;
  const float *restrict w = net->params, *restrict prev = imm->prev;
  double sum = 0.0;
  for (gsize i = 0; i < net->n_params; i++)
    {
      float d = w[i] - prev[i];
      sum += d * d;
      if (grads != NULL)
        grads[i] += lambda * d;
    }
  return 0.5 * lambda * sum;
}

static void
imm_before_update (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch)
{
  blip_strategy_clip_grad_norm (self, batch->task, NULL, 0, IMM_CLIP_NORM);
}

static gboolean
imm_after_task (BlipStrategy *self, BlipTrainer *trainer, int task, GError **error)
{
  BlipImm *imm = (BlipImm *) self;
  BlipNetwork *net = self->net;
  gsize n = net->n_feature_params;
  /* The gradient arena is free between tasks: it holds F_t. */
  float *fisher_task = net->grads;
  memset (fisher_task, 0, sizeof (float) * n);
  /* utils.fisher_matrix_diag uses the data's labels: the empirical Fisher. */
  blip_trainer_estimate_fisher (trainer, task, BLIP_FISHER_EMPIRICAL, FALSE, fisher_task);
  if (imm->active)
    blip_imm_merge (net->params, imm->prev, imm->fisher, fisher_task, n);
  else
    memcpy (imm->fisher, fisher_task, sizeof (float) * n);
  memcpy (imm->prev, net->params, sizeof (float) * net->n_params);
  imm->active = TRUE;
  return TRUE;
}

static gsize
imm_memory_bytes (BlipStrategy *self, BlipNetwork *net)
{
  return (net->n_feature_params + net->n_params) * sizeof (float);
}

static void
imm_save (BlipStrategy *self, BlipSafetensorsWriter *w)
{
  BlipImm *imm = (BlipImm *) self;
  gint64 nf = (gint64) self->net->n_feature_params, np = (gint64) self->net->n_params;
  blip_safetensors_writer_add (w, "imm.fisher", BLIP_DTYPE_F32, &nf, 1, imm->fisher);
  blip_safetensors_writer_add (w, "imm.prev", BLIP_DTYPE_F32, &np, 1, imm->prev);
  blip_safetensors_writer_add_metadata (w, "imm.active", imm->active ? "1" : "0");
}

static gboolean
imm_load (BlipStrategy *self, BlipSafetensors *f, GError **error)
{
  BlipImm *imm = (BlipImm *) self;
  gint64 nf = (gint64) self->net->n_feature_params, np = (gint64) self->net->n_params;
  const char *active = blip_safetensors_get_metadata (f, "imm.active");
  if (active == NULL || (strcmp (active, "0") != 0 && strcmp (active, "1") != 0))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “imm.active” is missing or not 0/1", blip_safetensors_get_path (f));
      return FALSE;
    }
  imm->active = active[0] == '1';
  return blip_safetensors_read (f, "imm.fisher", BLIP_DTYPE_F32, &nf, 1, imm->fisher, TRUE, error) &&
         blip_safetensors_read (f, "imm.prev", BLIP_DTYPE_F32, &np, 1, imm->prev, TRUE, error);
}

static void
imm_describe_settings (const BlipConfig *config, GString *out)
{
  blip_settings_append_double (out, "imm-lambda", config->imm_lambda);
}

const BlipStrategyClass blip_strategy_imm_mode_class = {
  .name = "imm-mode",
  .title = "IMM-mode",
  .description = "Incremental moment matching: after each task, the Fisher-weighted merge with the "
                 "previous model; L2 transfer toward it while training (λ: --imm-lambda)",
  .quantized = FALSE,
  .instance_size = sizeof (BlipImm),
  .init = imm_init,
  .finalize = imm_finalize,
  .penalty = imm_penalty,
  .before_update = imm_before_update,
  .after_task = imm_after_task,
  .memory_bytes = imm_memory_bytes,
  .save = imm_save,
  .load = imm_load,
  .paper_settings = blip_strategy_baseline_paper_settings,
  .describe_settings = imm_describe_settings,
};
