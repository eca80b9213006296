/* blip-strategy-ewc.c — online EWC (Schwarz et al. 2018): after each task the
 * diagonal Fisher is folded into a running sum, F ← γ·F + F_t, and the
 * weights are anchored; later tasks pay λ/2·Σ F·(w − w*)² on the features. */
#include "blip-strategy.h"
#include "blip-trainer.h"

#include <string.h>

typedef struct {
  BlipStrategy parent;
  float       *fisher;   /* running Fisher over the feature parameters */
  float       *anchor;   /* w* after the last task */
  gboolean     active;   /* a task has been consolidated */
} BlipEwc;

static gboolean
ewc_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  BlipEwc *ewc = (BlipEwc *) self;
  ewc->fisher = g_new0 (float, net->n_feature_params);
  ewc->anchor = g_new0 (float, net->n_feature_params);
  return TRUE;
}

static void
ewc_finalize (BlipStrategy *self)
{
  BlipEwc *ewc = (BlipEwc *) self;
  g_free (ewc->fisher);
  g_free (ewc->anchor);
}

static double
ewc_penalty (BlipStrategy *self, BlipNetwork *net, float *grads)
{
  BlipEwc *ewc = (BlipEwc *) self;
  if (!ewc->active)
    return 0.0;
  const float lambda = (float) self->config.ewc_lambda;
  const float *restrict F = ewc->fisher, *restrict a = ewc->anchor, *restrict w = net->params;
  double sum = 0.0;
  gsize n = net->n_feature_params;
  if (grads != NULL)
    for (gsize i = 0; i < n; i++)
      {
        float d = w[i] - a[i];
        sum += F[i] * d * d;
        grads[i] += lambda * F[i] * d;
      }
  else
    for (gsize i = 0; i < n; i++)
      {
        float d = w[i] - a[i];
        sum += F[i] * d * d;
      }
  return 0.5 * lambda * sum;
}

static gboolean
ewc_after_task (BlipStrategy *self, BlipTrainer *trainer, int task, GError **error)
{
  BlipEwc *ewc = (BlipEwc *) self;
  BlipNetwork *net = self->net;
  float *fisher_task = net->grads;
  gsize n = net->n_feature_params;
  memset (fisher_task, 0, sizeof (float) * n);
  /* The EWC code bases use the data's labels: the empirical Fisher, here with
   * exact per-sample gradients. */
  blip_trainer_estimate_fisher (trainer, task, BLIP_FISHER_EMPIRICAL, FALSE, fisher_task);
  const float gamma = (float) self->config.ewc_gamma;
  for (gsize i = 0; i < n; i++)
    ewc->fisher[i] = gamma * ewc->fisher[i] + fisher_task[i];
  memcpy (ewc->anchor, net->params, sizeof (float) * n);
  ewc->active = TRUE;
  return TRUE;
}

static void
ewc_save (BlipStrategy *self, BlipSafetensorsWriter *w)
{
  BlipEwc *ewc = (BlipEwc *) self;
  gint64 n = (gint64) self->net->n_feature_params;
  blip_safetensors_writer_add (w, "ewc.fisher", BLIP_DTYPE_F32, &n, 1, ewc->fisher);
  blip_safetensors_writer_add (w, "ewc.anchor", BLIP_DTYPE_F32, &n, 1, ewc->anchor);
  blip_safetensors_writer_add_metadata (w, "ewc.active", ewc->active ? "1" : "0");
}

static gboolean
ewc_load (BlipStrategy *self, BlipSafetensors *f, GError **error)
{
  BlipEwc *ewc = (BlipEwc *) self;
  gint64 n = (gint64) self->net->n_feature_params;
  const char *active = blip_safetensors_get_metadata (f, "ewc.active");
  if (active == NULL || (strcmp (active, "0") != 0 && strcmp (active, "1") != 0))
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: metadata “ewc.active” is missing or not 0/1", blip_safetensors_get_path (f));
      return FALSE;
    }
  ewc->active = active[0] == '1';
  return blip_safetensors_read (f, "ewc.fisher", BLIP_DTYPE_F32, &n, 1, ewc->fisher, TRUE, error) &&
         blip_safetensors_read (f, "ewc.anchor", BLIP_DTYPE_F32, &n, 1, ewc->anchor, TRUE, error);
}

static gsize
ewc_memory_bytes (BlipStrategy *self, BlipNetwork *net)
{
  return net->n_feature_params * 2 * sizeof (float);
}

/* λ = 5000: the default of approaches/ewc.py in both the BLIP reference's
 * baselines (miniImageNetClassification) and the HAT code base it builds on;
 * neither decays the Fisher of earlier tasks (γ = 1). */
static void
ewc_paper_settings (BlipConfig *config, const char *experiment)
{
  blip_strategy_baseline_paper_settings (config, experiment);
  config->ewc_lambda = 5000.0;
  config->ewc_gamma = 1.0;
}

static void
ewc_describe_settings (const BlipConfig *config, GString *out)
{
  blip_settings_append_double (out, "lamb", config->ewc_lambda);
  blip_settings_append_double (out, "gamma", config->ewc_gamma);
}

const BlipStrategyClass blip_strategy_ewc_class = {
  .name = "ewc",
  .title = "Online EWC",
  .description = "Elastic weight consolidation with a running Fisher (λ: --lamb, γ: --gamma)",
  .quantized = FALSE,
  .instance_size = sizeof (BlipEwc),
  .init = ewc_init,
  .finalize = ewc_finalize,
  .penalty = ewc_penalty,
  .after_task = ewc_after_task,
  .memory_bytes = ewc_memory_bytes,
  .save = ewc_save,
  .load = ewc_load,
  .paper_settings = ewc_paper_settings,
  .describe_settings = ewc_describe_settings,
};
