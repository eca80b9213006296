/* blip-snapshot.c — deep copies of trainer state; see blip-snapshot.h. */
#include "blip-snapshot.h"

#include <pthread.h>
#include <string.h>

BlipSnapshot *
blip_trainer_snapshot (BlipTrainer *trainer, BlipSnapshotFlags flags)
{
  BlipNetwork *net = blip_trainer_get_network (trainer);
  const BlipConfig *config = blip_trainer_get_config (trainer);
  const float *fisher_task = blip_trainer_get_fisher_task (trainer);
  BlipSnapshot *s = g_new0 (BlipSnapshot, 1);
  s->ref_count = 1;
  s->event.type = (BlipEventType) -1;

  s->experiment = g_strdup (config->experiment);
  s->approach = g_strdup (config->approach);
  s->task = blip_trainer_get_task (trainer);
  s->n_tasks = blip_trainer_get_n_tasks (trainer);
  s->lr = blip_trainer_get_lr (trainer);
  s->acc = g_memdup2 (blip_trainer_get_acc_matrix (trainer), sizeof (double) * s->n_tasks * s->n_tasks);
  s->rl = blip_trainer_is_rl (trainer);
  if (s->rl)
    {
      const double *curve = blip_trainer_rl_get_curve (trainer, &s->rl_curve_points);
      s->rl_curve = g_memdup2 (curve, sizeof (double) * s->rl_curve_points * (2 + s->n_tasks) + 1);
    }
  const BlipEpochRecord *history = blip_trainer_get_history (trainer, &s->n_history);
  s->history = g_memdup2 (history, sizeof (BlipEpochRecord) * s->n_history);
  s->memory_bytes = g_new (gint64, s->n_tasks);
  for (int t = 0; t < s->n_tasks; t++)
    s->memory_bytes[t] = blip_trainer_get_memory_bytes (trainer, t);

  s->in_c = net->in_c;
  s->in_h = net->in_h;
  s->in_w = net->in_w;
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
      if (l->kind == BLIP_LAYER_CONV2D)
        {
          ls->kernel_channels = l->geom.C_in;
          ls->kernel_h = l->geom.kh;
          ls->kernel_w = l->geom.kw;
          ls->stride = l->geom.stride;
          ls->pad = l->geom.pad;
        }
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
  if (flags & BLIP_SNAPSHOT_HEADS)
    {
      s->n_heads = net->n_heads;
      s->heads = g_new0 (BlipLayerSnapshot, net->n_heads);
      for (int t = 0; t < net->n_heads; t++)
        {
          const BlipLayer *h = &net->heads[t];
          BlipLayerSnapshot *hs = &s->heads[t];
          hs->name = g_strdup (h->name);
          hs->rows = h->out_dim;
          hs->cols = h->in_dim;
          hs->n_weight = h->n_weight;
          hs->n = h->n_weight + h->n_bias;
          hs->values = g_memdup2 (h->weight, sizeof (float) * hs->n);
        }
    }
  return s;
}

static void
layer_snapshot_clear (BlipLayerSnapshot *ls)
{
  g_free (ls->name);
  g_free (ls->values);
  g_free (ls->bits);
  g_free (ls->anchor);
  g_free (ls->fisher_old);
  g_free (ls->fisher_task);
  g_free (ls->info_gain);
}

BlipSnapshot *
blip_snapshot_ref (BlipSnapshot *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

void
blip_snapshot_free (BlipSnapshot *s)
{
  if (s == NULL || !g_atomic_int_dec_and_test (&s->ref_count))
    return;
  for (int i = 0; i < s->n_layers; i++)
    layer_snapshot_clear (&s->layers[i]);
  g_free (s->layers);
  for (int t = 0; t < s->n_heads; t++)
    layer_snapshot_clear (&s->heads[t]);
  g_free (s->heads);
  g_free (s->acc);
  g_free (s->rl_curve);
  g_free (s->history);
  g_free (s->memory_bytes);
  g_free (s->experiment);
  g_free (s->approach);
  g_free (s);
}

struct _BlipSnapshotBox {
  /* A pthread mutex rather than GMutex: GLib implements GMutex on raw futexes,
   * which ThreadSanitizer cannot see, so it would report the handoff as a race. */
  pthread_mutex_t   lock;
  BlipSnapshotFlags flags;
  BlipSnapshot     *latest;
  BlipSnapshot     *fisher;
  guint64           serial;
  gint              requested;
};

BlipSnapshotBox *
blip_snapshot_box_new (BlipSnapshotFlags flags)
{
  BlipSnapshotBox *box = g_new0 (BlipSnapshotBox, 1);
  pthread_mutex_init (&box->lock, NULL);
  box->flags = flags;
  return box;
}

void
blip_snapshot_box_free (BlipSnapshotBox *box)
{
  if (box == NULL)
    return;
  blip_snapshot_free (box->latest);
  blip_snapshot_free (box->fisher);
  pthread_mutex_destroy (&box->lock);
  g_free (box);
}

void
blip_snapshot_box_request (BlipSnapshotBox *box)
{
  g_atomic_int_set (&box->requested, 1);
}

void
blip_snapshot_box_observe (BlipTrainer *trainer, const BlipEvent *event, gpointer user_data)
{
  BlipSnapshotBox *box = user_data;
  gboolean always = event->type == BLIP_EVENT_FISHER_READY || event->type == BLIP_EVENT_BITS_UPDATED ||
                    event->type == BLIP_EVENT_TASK_END || event->type == BLIP_EVENT_RUN_END;
  if (!g_atomic_int_compare_and_exchange (&box->requested, 1, 0) && !always)
    return;
  /* The copy is made on the training thread, outside the lock: readers only
   * ever wait for a pointer swap. */
  BlipSnapshot *s = blip_trainer_snapshot (trainer, box->flags);
  s->event = *event;
  s->event.message = NULL;
  gboolean has_fisher = s->n_layers > 0 && s->layers[0].info_gain != NULL;
  pthread_mutex_lock (&box->lock);
  BlipSnapshot *old = box->latest, *old_fisher = NULL;
  box->latest = s;
  if (has_fisher)
    {
      old_fisher = box->fisher;
      box->fisher = blip_snapshot_ref (s);
    }
  box->serial++;
  pthread_mutex_unlock (&box->lock);
  blip_snapshot_free (old);
  blip_snapshot_free (old_fisher);
}

static BlipSnapshot *
get_ref (BlipSnapshotBox *box, gboolean fisher)
{
  pthread_mutex_lock (&box->lock);
  BlipSnapshot *s = fisher ? box->fisher : box->latest;
  if (s != NULL)
    blip_snapshot_ref (s);
  pthread_mutex_unlock (&box->lock);
  return s;
}

BlipSnapshot *
blip_snapshot_box_get (BlipSnapshotBox *box)
{
  return get_ref (box, FALSE);
}

BlipSnapshot *
blip_snapshot_box_get_fisher (BlipSnapshotBox *box)
{
  return get_ref (box, TRUE);
}

guint64
blip_snapshot_box_get_serial (BlipSnapshotBox *box)
{
  pthread_mutex_lock (&box->lock);
  guint64 serial = box->serial;
  pthread_mutex_unlock (&box->lock);
  return serial;
}
