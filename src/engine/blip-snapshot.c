/* blip-snapshot.c — deep copies of trainer state; see blip-snapshot.h. */
#include "blip-snapshot.h"

#include <string.h>

BlipSnapshot *
blip_trainer_snapshot (BlipTrainer *trainer, BlipSnapshotFlags flags)
{
  BlipNetwork *net = blip_trainer_get_network (trainer);
  const BlipConfig *config = blip_trainer_get_config (trainer);
  const float *fisher_task = blip_trainer_get_fisher_task (trainer);
  BlipSnapshot *s = g_new0 (BlipSnapshot, 1);

  s->experiment = g_strdup (config->experiment);
  s->approach = g_strdup (config->approach);
  s->task = blip_trainer_get_task (trainer);
  s->n_tasks = blip_trainer_get_n_tasks (trainer);
  s->lr = blip_trainer_get_lr (trainer);
  s->acc = g_memdup2 (blip_trainer_get_acc_matrix (trainer), sizeof (double) * s->n_tasks * s->n_tasks);
  const BlipEpochRecord *history = blip_trainer_get_history (trainer, &s->n_history);
  s->history = g_memdup2 (history, sizeof (BlipEpochRecord) * s->n_history);

  s->n_layers = net->n_layers;
  s->layers = g_new0 (BlipLayerSnapshot, net->n_layers);
  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipLayer *l = &net->layers[i];
      const BlipQuantState *q = l->quant;
      BlipLayerSnapshot *ls = &s->layers[i];
      ls->name = g_strdup (l->name);
      ls->rows = l->out_dim;
      ls->cols = l->in_dim;
      ls->n_weight = l->n_weight;
      ls->n = l->n_weight + l->n_bias;
      ls->quantized = q != NULL;
      ls->bound_w = q ? q->bound_w : blip_quant_bound_for_fan_in (l->in_dim);
      ls->bound_b = q ? q->bound_b : 1.0f;
      ls->max_bit = q ? q->max_bit : config->max_bit;
      if (flags & BLIP_SNAPSHOT_VALUES)
        ls->values = g_memdup2 (l->weight, sizeof (float) * ls->n);
      if (q != NULL)
        {
          ls->capacity = (double) blip_quant_state_used_bits (q) / ((double) q->max_bit * q->n);
          if (flags & BLIP_SNAPSHOT_BLIP)
            {
              ls->bits = g_memdup2 (q->bits, ls->n);
              ls->anchor = g_memdup2 (q->anchor, sizeof (float) * ls->n);
              ls->fisher_old = g_memdup2 (q->fisher_old, sizeof (float) * ls->n);
            }
          if ((flags & BLIP_SNAPSHOT_FISHER) && fisher_task != NULL)
            {
              const float *ft = fisher_task + l->offset;
              ls->fisher_task = g_memdup2 (ft, sizeof (float) * ls->n);
              ls->info_gain = g_new (float, ls->n);
              for (gsize k = 0; k < ls->n; k++)
                ls->info_gain[k] = blip_quant_info_gain (ft[k], q->fisher_old[k], s->task);
            }
        }
    }
  return s;
}

void
blip_snapshot_free (BlipSnapshot *s)
{
  if (s == NULL)
    return;
  for (int i = 0; i < s->n_layers; i++)
    {
      BlipLayerSnapshot *ls = &s->layers[i];
      g_free (ls->name);
      g_free (ls->values);
      g_free (ls->bits);
      g_free (ls->anchor);
      g_free (ls->fisher_old);
      g_free (ls->fisher_task);
      g_free (ls->info_gain);
    }
  g_free (s->layers);
  g_free (s->acc);
  g_free (s->history);
  g_free (s->experiment);
  g_free (s->approach);
  g_free (s);
}
