/* blip-trainer.h — the one training loop, steppable by batch, epoch, task or run.
 *
 * The loop is the reference's (approaches/blip.py): per task, SGD over shuffled
 * batches; after each epoch the validation loss decides patience (lr /= factor
 * after `lr_patience` epochs without improvement, stop when lr < lr_min or
 * after nepochs), the best model is restored at the end of the task; then the
 * strategy consolidates and every task so far is tested, filling the accuracy
 * matrix.
 *
 * Front-ends drive it through blip_trainer_step() and watch it through
 * observers. Observers run on the thread that calls step(); they may take
 * snapshots (blip-snapshot.h), which are copies the UI can keep. pause and
 * cancel requests may come from any thread and take effect between batches.
 */
#pragma once

#include <glib.h>
#include "blip-config.h"
#include "blip-network.h"
#include "blip-experiment.h"
#include "blip-strategy.h"
#include "blip-rng.h"

G_BEGIN_DECLS

#define BLIP_TRAINER_ERROR (blip_trainer_error_quark ())
GQuark blip_trainer_error_quark (void);

typedef enum {
  BLIP_TRAINER_ERROR_CANCELLED,
  BLIP_TRAINER_ERROR_FAILED,
} BlipTrainerError;

typedef enum {
  BLIP_STEP_BATCH,
  BLIP_STEP_EPOCH,
  BLIP_STEP_TASK,
  BLIP_STEP_RUN,
} BlipStepUnit;

typedef enum {
  BLIP_STATUS_READY,       /* more to do */
  BLIP_STATUS_PAUSED,      /* a pause request stopped the step early; step again to go on */
  BLIP_STATUS_FINISHED,    /* every task trained and tested */
  BLIP_STATUS_CANCELLED,   /* cancelled; the trainer will not go on */
  BLIP_STATUS_FAILED,      /* an error was returned */
} BlipStatus;

typedef enum {
  BLIP_EVENT_RUN_START,
  BLIP_EVENT_TASK_START,
  BLIP_EVENT_BATCH_END,
  BLIP_EVENT_EPOCH_END,
  BLIP_EVENT_FISHER_READY,   /* F_t estimated; snapshots now include it and the IG */
  BLIP_EVENT_BITS_UPDATED,   /* bits frozen, weights quantized, anchors set */
  BLIP_EVENT_TASK_END,       /* accuracy matrix row `task` filled */
  BLIP_EVENT_RUN_END,
  BLIP_EVENT_MESSAGE,        /* a note for the log: lr decay, NaN stop, ... */
} BlipEventType;

typedef struct {
  BlipEventType type;
  int           task;         /* 0-based */
  int           n_tasks;
  int           epoch;        /* 0-based, within the task */
  int           batch;        /* 0-based, within the epoch */
  int           n_batches;    /* per epoch */
  double        loss;         /* BATCH_END: batch mean; EPOCH_END: training loss */
  double        acc;          /* EPOCH_END: training accuracy */
  double        valid_loss;
  double        valid_acc;
  double        lr;
  gboolean      improved;     /* EPOCH_END: a new best validation loss */
  double        seconds;      /* EPOCH_END: epoch time; FISHER_READY: estimation time */
  guint64       bits_added;   /* BITS_UPDATED */
  const char   *message;      /* MESSAGE */
} BlipEvent;

typedef void (*BlipObserverFunc) (BlipTrainer *trainer, const BlipEvent *event, gpointer user_data);

/* One epoch of one task, as the history keeps it. */
typedef struct {
  int    task;
  int    epoch;
  double train_loss;
  double train_acc;
  double valid_loss;
  double valid_acc;
  double lr;
  double seconds;
} BlipEpochRecord;

/* Takes ownership of experiment and strategy. The network is built here from
 * the experiment's shape and the config, with the strategy's needs. */
BlipTrainer *blip_trainer_new  (const BlipConfig *config,
                                BlipExperiment   *experiment,
                                BlipStrategy     *strategy,
                                GError          **error);
void         blip_trainer_free (BlipTrainer *trainer);

guint        blip_trainer_add_observer    (BlipTrainer *trainer, BlipObserverFunc func,
                                           gpointer user_data, GDestroyNotify destroy);
void         blip_trainer_remove_observer (BlipTrainer *trainer, guint id);

BlipStatus   blip_trainer_step   (BlipTrainer *trainer, BlipStepUnit unit, GError **error);

/* Thread-safe requests, honoured between batches. */
void         blip_trainer_request_pause (BlipTrainer *trainer);
void         blip_trainer_cancel        (BlipTrainer *trainer);

/* Read access. Call from the stepping thread (an observer) or while no step runs. */
const BlipConfig     *blip_trainer_get_config     (BlipTrainer *trainer);
BlipNetwork          *blip_trainer_get_network    (BlipTrainer *trainer);
BlipExperiment       *blip_trainer_get_experiment (BlipTrainer *trainer);
BlipStrategy         *blip_trainer_get_strategy   (BlipTrainer *trainer);
int                   blip_trainer_get_n_tasks    (BlipTrainer *trainer);
int                   blip_trainer_get_task       (BlipTrainer *trainer);
/* Tasks trained, consolidated and tested so far: rows of the accuracy matrix filled. */
int                   blip_trainer_get_tasks_done (BlipTrainer *trainer);
double                blip_trainer_get_lr         (BlipTrainer *trainer);
/* The learning rate of the optimiser step in progress (or the next one):
 * get_lr's times lr_gamma^(steps since the last optimiser reset). */
double                blip_trainer_get_step_lr    (BlipTrainer *trainer);
/* Row-major n_tasks × n_tasks; A[i][j] is the test accuracy on task j after
 * training task i, NaN where not measured yet. Likewise the test losses. */
const double         *blip_trainer_get_acc_matrix  (BlipTrainer *trainer);
const double         *blip_trainer_get_loss_matrix (BlipTrainer *trainer);
const BlipEpochRecord *blip_trainer_get_history    (BlipTrainer *trainer, guint *n);
/* Used capacity of quantized layer `layer` after task `task` (NaN if not yet). */
double                blip_trainer_get_capacity    (BlipTrainer *trainer, int task, int layer);
/* Whether task `task` was stopped by a NaN loss. */
gboolean              blip_trainer_task_hit_nan    (BlipTrainer *trainer, int task);
double                blip_trainer_get_elapsed     (BlipTrainer *trainer);
/* Seconds spent estimating the Fisher after each task (NaN when not done). */
double                blip_trainer_get_fisher_seconds (BlipTrainer *trainer, int task);
/* Bytes of state the strategy keeps (blip_strategy_memory_bytes, see
 * blip-strategy.h for what counts), recorded after task `task` was
 * consolidated; -1 before. Constant across tasks for BLIP and EWC, growing
 * for methods that keep something per task. */
gint64                blip_trainer_get_memory_bytes (BlipTrainer *trainer, int task);
/* The task's Fisher while FISHER_READY is being delivered, else NULL (BLIP
 * folds it into the accumulated Fisher before BITS_UPDATED). */
const float          *blip_trainer_get_fisher_task (BlipTrainer *trainer);

/* Services for strategies. */
typedef enum {
  BLIP_FISHER_SAMPLED,     /* labels drawn from the model's own prediction: the true Fisher */
  BLIP_FISHER_EMPIRICAL,   /* the data's labels */
} BlipFisherLabels;

/* Adds to fisher[0 .. n_feature_params) the mean over samples of each
 * sample's squared gradient, over fisher_batches × fisher_sbatch training
 * samples of `task` (fewer if the task has fewer). When batch_mean_scale, each
 * sample's gradient is that of the batch-mean loss, i.e. divided by the batch
 * size, as the reference's backward hooks see it. */
void         blip_trainer_estimate_fisher (BlipTrainer *trainer, int task, BlipFisherLabels labels,
                                           gboolean batch_mean_scale, float *fisher);
/* Makes F_t visible to snapshots (and blip_trainer_get_fisher_task) until
 * set back to NULL; strategies set it around their FISHER_READY event. */
void         blip_trainer_set_fisher_task (BlipTrainer *trainer, const float *fisher);
/* Delivers an event to every observer. */
void         blip_trainer_emit            (BlipTrainer *trainer, const BlipEvent *event);
/* Mean test loss and accuracy of the network on a split with head `task`. */
void         blip_trainer_evaluate        (BlipTrainer *trainer, int task, const BlipSplit *split,
                                           double *loss, double *acc);

G_END_DECLS
