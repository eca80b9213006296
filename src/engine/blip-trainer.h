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
 *
 * Reinforcement learning. When the experiment's tasks are games
 * (experiment->rl != NULL), the same loop trains each game by PPO:
 *   batch  = one PPO update: a rollout of num_envs × num_steps frames, then
 *            ppo_epochs passes of num_mini_batch minibatches (Adam, linear
 *            lr decay over the task, gradient-norm clip, the strategy's
 *            after_update hook on every range Adam updated);
 *   epoch  = log_interval updates, then an evaluation of every game so far
 *            (a point of the reward curve, blip_trainer_rl_get_curve);
 *   task   = one game's frame budget (config->frames).
 * Events carry returns where a supervised run has accuracies:
 *   BATCH_END  loss = the update's mean PPO loss (value_coef·value + action
 *              − entropy_coef·entropy)
 *   EPOCH_END  loss = mean update loss of the epoch; acc = mean return of
 *              the last 10 finished training episodes (NaN before one
 *              ends); valid_acc = evaluation return on the current game
 *   TASK_END   acc = evaluation return on the game just trained.
 * The "accuracy matrix" is then the reward matrix: R[i][j] = mean return of
 * eval_episodes greedy episodes of game j after training game i. The loss
 * matrix holds the mean episode length of those evaluations.
 * Strategies call blip_trainer_estimate_fisher() unchanged; in RL mode it
 * uses the last rollout's observations (see below).
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
/* In RL mode, as ppo_blip.py's estimate_fisher: the samples are the last
 * rollout's observations, shuffled, in 32 minibatches of ⌊T·N/32⌋; the loss
 * is −log π(a|s) with a drawn from the policy (SAMPLED) or the action the
 * rollout took (EMPIRICAL): dlogits = π − onehot(a) on the actor outputs,
 * 0 on the value output. */
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

/* Reinforcement learning (RL mode only; see the top of this file). */
gboolean     blip_trainer_is_rl           (BlipTrainer *trainer);
/* Frames (environment steps) trained so far in the whole run. */
gint64       blip_trainer_rl_get_frames   (BlipTrainer *trainer);
/* PPO updates done in the current task, and the task's total. */
gint64       blip_trainer_rl_get_update   (BlipTrainer *trainer, gint64 *n_updates);
/* Mean return of the last (up to 10) finished training episodes; NaN if none. */
double       blip_trainer_rl_recent_return (BlipTrainer *trainer);
/* The evaluation curve: *n_points rows of 2 + n_tasks doubles each:
 *   task being trained, frames of the run so far, then the evaluation return
 *   of every game (NaN for games not reached yet).
 * One row per epoch end, plus one before training starts (frames 0). */
const double *blip_trainer_rl_get_curve   (BlipTrainer *trainer, guint *n_points);
/* A new environment of task `task`, from the experiment's factory (for the
 * app's live view; the caller owns it). */
BlipEnv     *blip_trainer_rl_new_env      (BlipTrainer *trainer, int task, GError **error);
/* A standalone copy of the current policy network (same layout, no BLIP
 * state) for playing on another thread; refresh it with
 * blip_trainer_rl_copy_policy. Call from the stepping thread or while no
 * step runs. */
BlipNetwork *blip_trainer_rl_new_policy   (BlipTrainer *trainer);
void         blip_trainer_rl_copy_policy  (BlipTrainer *trainer, BlipNetwork *policy);

/* The action `policy` takes on obs[obs_size] with head `task`: the
 * observation goes into input[input_dim], zero-padded (a game with fewer
 * channels than the network's input) or cut to it, the head runs, and the
 * action is the argmax of its first n_actions outputs (greedy) or drawn from
 * their softmax π with rng. Fills probs[n_actions] (may be NULL) and *value,
 * the output after the actions (may be NULL). input may be obs itself when
 * that holds input_dim floats. */
int          blip_rl_act       (BlipNetwork *policy, int task, const float *obs, gsize obs_size,
                                int n_actions, gboolean greedy, BlipRng *rng, float *input,
                                float *probs, float *value);

/* Plays one step of `env` (of task `task`) with `policy` (a copy from
 * blip_trainer_rl_new_policy, or the trainer's own network from the
 * stepping thread): reads the observation (zero-padded to the network's
 * input), runs the task's head, picks the greedy action or samples one from
 * π with rng, and steps. Fills probs[n_actions] (may be NULL) and *value
 * (may be NULL); returns the action taken. obs_scratch holds the network's
 * input_dim floats. */
int          blip_rl_play_step (BlipNetwork *policy, int task, BlipEnv *env, gboolean greedy,
                                BlipRng *rng, float *obs_scratch, float *probs, float *value,
                                float *reward, gboolean *done);

G_END_DECLS
