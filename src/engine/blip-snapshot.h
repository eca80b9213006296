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
  /* The task heads' weights and biases too (not in ALL): what a player of a
   * learned task needs besides the features, e.g. the app's game views. */
  BLIP_SNAPSHOT_HEADS  = 1 << 3,
} BlipSnapshotFlags;

typedef struct {
  char    *name;
  int      rows;          /* output units */
  int      cols;          /* inputs per unit; weights are [rows × cols] */
  /* Convolutions: cols = kernel_channels·kernel_h·kernel_w, and row r is the
   * kernel of output channel r, [kernel_channels, kernel_h, kernel_w]. All
   * three are 0 for a linear layer. */
  int      kernel_channels;
  int      kernel_h;
  int      kernel_w;
  int      stride, pad;   /* convolutions; 0 for a linear layer */
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
  BlipEvent          event;      /* the event it was taken at (message NULL), or type -1 */
  int                task;
  int                n_tasks;
  double             lr;
  int                in_c, in_h, in_w;   /* the network's input [C, H, W] */
  int                n_layers;
  BlipLayerSnapshot *layers;
  /* With BLIP_SNAPSHOT_HEADS: head t's weights [rows × cols] then biases in
   * values; the other arrays NULL. Otherwise n_heads is 0. */
  int                n_heads;
  BlipLayerSnapshot *heads;
  double            *acc;        /* n_tasks², NaN where not measured */
  /* Game experiments: acc holds mean evaluation returns (the reward matrix)
   * and the history's accuracies are returns. */
  gboolean           rl;
  /* Game experiments: the evaluation curve, rl_curve_points rows of
   * 2 + n_tasks doubles (blip_trainer_rl_get_curve); NULL otherwise. */
  double            *rl_curve;
  guint              rl_curve_points;
  guint              n_history;
  BlipEpochRecord   *history;
  /* n_tasks: the strategy's memory after each task in bytes
   * (blip_trainer_get_memory_bytes), -1 where not measured; NULL in
   * snapshots made by hand. */
  gint64            *memory_bytes;
  /* private */
  gint               ref_count;
} BlipSnapshot;

BlipSnapshot *blip_trainer_snapshot (BlipTrainer *trainer, BlipSnapshotFlags flags);
/* Snapshots are reference counted so a UI can share one between widgets;
 * blip_snapshot_free drops a reference. Both are thread-safe. */
BlipSnapshot *blip_snapshot_ref     (BlipSnapshot *snapshot);
void          blip_snapshot_free    (BlipSnapshot *snapshot);

/* The handoff from a training thread to a UI thread. The box is a trainer
 * observer: at each event it takes a snapshot if a reader asked for one since
 * the last (at most one per request, so a UI asking once per frame costs one
 * copy per frame), and always at FISHER_READY (the only moment the task's
 * Fisher and information gain exist), BITS_UPDATED and TASK_END. Readers on
 * any thread get the newest snapshot with a reference; nobody ever reads
 * memory the trainer is writing. */
typedef struct _BlipSnapshotBox BlipSnapshotBox;

BlipSnapshotBox *blip_snapshot_box_new      (BlipSnapshotFlags flags);
void             blip_snapshot_box_free     (BlipSnapshotBox *box);
/* A BlipObserverFunc; user_data is the box. */
void             blip_snapshot_box_observe  (BlipTrainer *trainer, const BlipEvent *event, gpointer box);
/* Ask for a fresh snapshot at the next event. Any thread. */
void             blip_snapshot_box_request  (BlipSnapshotBox *box);
/* The newest snapshot (a new reference, or NULL), and the newest taken at
 * FISHER_READY, which carries F_t and the IG. Any thread. */
BlipSnapshot    *blip_snapshot_box_get      (BlipSnapshotBox *box);
BlipSnapshot    *blip_snapshot_box_get_fisher (BlipSnapshotBox *box);
/* Increases each time a snapshot is stored. */
guint64          blip_snapshot_box_get_serial (BlipSnapshotBox *box);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipSnapshot, blip_snapshot_free)

G_END_DECLS
