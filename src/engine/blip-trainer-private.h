/* blip-trainer-private.h — the trainer's state, shared by the loop
 * (blip-trainer.c) and checkpointing (blip-checkpoint.c) only. */
#pragma once

#include "blip-trainer.h"
#include "blip-optim.h"

G_BEGIN_DECLS

typedef enum {
  PHASE_RUN_BEGIN,
  PHASE_TASK_BEGIN,
  PHASE_EPOCH_BEGIN,
  PHASE_BATCH,
  PHASE_EPOCH_END,
  PHASE_TASK_END,
  PHASE_DONE,
} Phase;

typedef struct _BlipRlState BlipRlState;

typedef struct {
  guint            id;
  BlipObserverFunc func;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Observer;

struct _BlipTrainer {
  BlipConfig       config;
  BlipExperiment  *experiment;
  BlipStrategy    *strategy;
  BlipNetwork     *net;
  BlipSgd         *sgd;
  BlipAdam        *adam;           /* config optimizer "adam": used instead of sgd */
  gint64           opt_steps;      /* optimiser steps since the last reset (lr_gamma's schedule) */
  BlipRng          rng;
  GArray          *observers;
  guint            next_observer_id;
  int              emitting;       /* depth of blip_trainer_emit calls in progress */

  int              n_tasks;
  int              tasks_done;
  int              max_batch;
  float           *x;              /* [max_batch × input_dim] */
  gint32          *y;              /* [max_batch] */
  int             *order;          /* shuffled sample order of the current epoch */
  float           *best_params;    /* the best model of the current task */
  float           *best_buffers;   /* its batchnorm running statistics (NULL without batchnorm) */

  /* Loop state */
  Phase            phase;
  int              task;
  int              epoch;
  int              batch;
  int              n_batches;
  double           lr;
  int              patience;
  double           best_loss;
  gboolean         stop_task;
  double           epoch_loss_sum; /* running training loss of the epoch, for events */
  gint64           epoch_start_us;
  gint64           idle_since_us;  /* end of the last step() call: time between calls is not training */
  double           elapsed_before; /* seconds spent in earlier step() calls */

  double          *acc;            /* n_tasks² */
  double          *loss;
  double          *capacity;       /* n_tasks × n_layers */
  double          *fisher_seconds; /* n_tasks */
  double          *memory_bytes;   /* n_tasks: the strategy's memory after each task, NaN before */
  gboolean        *nan_stop;       /* n_tasks */
  GArray          *history;        /* BlipEpochRecord */
  const float     *fisher_task;

  gint             pause_requested;
  gint             cancelled;

  BlipRlState     *rl;             /* RL mode (experiment->rl), else NULL */
};

/* RL mode (blip-trainer-rl.c), called by the loop in blip-trainer.c. */
int      blip_trainer_rl_max_batch  (const BlipConfig *config);
int      blip_trainer_rl_network_spec (const BlipConfig *config, const BlipExperiment *e,
                                       BlipOpSpec *spec, GError **error);
gboolean blip_trainer_rl_init       (BlipTrainer *tr, GError **error);
void     blip_trainer_rl_free       (BlipTrainer *tr);
void     blip_trainer_rl_task_begin (BlipTrainer *tr);
void     blip_trainer_rl_epoch_begin (BlipTrainer *tr);
void     blip_trainer_rl_train_batch (BlipTrainer *tr);
void     blip_trainer_rl_epoch_end  (BlipTrainer *tr);
/* Fills row tr->task of the reward matrix. */
void     blip_trainer_rl_test       (BlipTrainer *tr);
void     blip_trainer_rl_estimate_fisher (BlipTrainer *tr, int task, BlipFisherLabels labels,
                                          gboolean batch_mean_scale, float *fisher);
/* Checkpoint support: Adam's state and the RL counters. */
void     blip_trainer_rl_get_counters (BlipTrainer *tr, gint64 *update, gint64 *frames);
void     blip_trainer_rl_set_counters (BlipTrainer *tr, gint64 update, gint64 frames);
GArray  *blip_trainer_rl_curve_array (BlipTrainer *tr);
/* The last rollout: obs[(T + 1)·N, input_dim] (slot t holds step t's N
 * observations) and actions[T·N]; *n = T·N. For tests. */
void     blip_trainer_rl_get_rollout (BlipTrainer *tr, const float **obs, const gint32 **actions, int *n);

/* One optimiser step (SGD, or Adam when the trainer has one) on a layer that
 * is not frozen, chunk by chunk, each chunk followed by the strategy's
 * per-element hook while it is in cache. */
void      blip_trainer_update_layer (BlipTrainer *tr, BlipLayer *layer);
/* The trainer's Adam (PPO's, or --optimizer adam), NULL under SGD; for tests. */
BlipAdam *blip_trainer_get_adam     (BlipTrainer *tr);

G_END_DECLS
