/* blip-snapshot.h — read-only copies of the trainer's state for viewers.
 *
 * A snapshot is a deep copy: once taken (on the trainer's thread, e.g. from an
 * observer) it can be handed to another thread and read there while training
 * goes on. The app keeps the newest one and draws from it once per frame.
 */
#pragma once

#include <glib.h>
#include "blip-trainer.h"

G_BEGIN_DECLS

typedef enum {
  BLIP_SNAPSHOT_VALUES = 1 << 0,   /* weights and biases */
  BLIP_SNAPSHOT_BLIP   = 1 << 1,   /* bits, anchors, accumulated Fisher */
  BLIP_SNAPSHOT_FISHER = 1 << 2,   /* F_t and IG, when the trainer exposes them */
  BLIP_SNAPSHOT_ALL    = 0x7,
} BlipSnapshotFlags;

typedef struct {
  char    *name;
  int      rows;          /* output units */
  int      cols;          /* inputs per unit; weights are [rows × cols] */
  gsize    n_weight;
  gsize    n;             /* weights then biases */
  gboolean quantized;
  float    bound_w;
  float    bound_b;
  int      max_bit;
  double   capacity;      /* Σ bits / (max_bit · n); 0 if not quantized */
  float   *values;        /* n, or NULL */
  guint8  *bits;          /* n, or NULL */
  float   *anchor;        /* n, or NULL */
  float   *fisher_old;    /* n, or NULL */
  float   *fisher_task;   /* n, or NULL: only during FISHER_READY */
  float   *info_gain;     /* n, or NULL: only during FISHER_READY */
} BlipLayerSnapshot;

typedef struct {
  char              *experiment;
  char              *approach;
  int                task;
  int                n_tasks;
  double             lr;
  int                n_layers;
  BlipLayerSnapshot *layers;
  double            *acc;        /* n_tasks², NaN where not measured */
  guint              n_history;
  BlipEpochRecord   *history;
} BlipSnapshot;

BlipSnapshot *blip_trainer_snapshot (BlipTrainer *trainer, BlipSnapshotFlags flags);
void          blip_snapshot_free    (BlipSnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipSnapshot, blip_snapshot_free)

G_END_DECLS
