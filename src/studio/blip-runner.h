/* blip-runner.h — one training run on a worker thread, steered from the UI.
 *
 * The runner owns a BlipTrainer on its own GThread: every call into the
 * trainer happens there. The UI sends commands (play, pause, step, reset,
 * open, save) and receives state, errors and task ends back on its main
 * context. What the views draw comes through a BlipSnapshotBox (the newest
 * copy of the trainer's state) and a BlipRunHistory that the runner fills on
 * the UI thread from snapshots the worker hands over, so no widget ever reads
 * memory the trainer writes.
 */
#pragma once

#include <glib-object.h>

#include "blip.h"
#include "blip-figures.h"

G_BEGIN_DECLS

typedef enum {
  BLIP_RUNNER_EMPTY,      /* no run: not configured yet, or loading failed */
  BLIP_RUNNER_LOADING,    /* opening a data set or a session */
  BLIP_RUNNER_READY,      /* a run rests between steps */
  BLIP_RUNNER_RUNNING,    /* playing, or carrying out a step */
  BLIP_RUNNER_FINISHED,   /* every task trained and tested */
} BlipRunnerState;

typedef enum {
  BLIP_RUNNER_ERROR_DATA,           /* the experiment or approach could not be opened */
  BLIP_RUNNER_ERROR_SESSION_OPEN,   /* a session file did not load */
  BLIP_RUNNER_ERROR_SESSION_SAVE,   /* a session file could not be written */
  BLIP_RUNNER_ERROR_TRAINING,       /* the trainer reported a failure */
} BlipRunnerError;

#define BLIP_TYPE_RUNNER_STATE (blip_runner_state_get_type ())
GType blip_runner_state_get_type (void);

#define BLIP_TYPE_RUNNER (blip_runner_get_type ())
G_DECLARE_FINAL_TYPE (BlipRunner, blip_runner, BLIP, RUNNER, GObject)

BlipRunner       *blip_runner_new                (void);

/* Starts a new run from config (replacing the current one). */
void              blip_runner_configure          (BlipRunner *self, const BlipConfig *config);
/* Starts the current configuration again from scratch. */
void              blip_runner_reset              (BlipRunner *self);
/* Replaces the run by the one saved at path, or reports an error and keeps it. */
void              blip_runner_open_session       (BlipRunner *self, const char *path, const char *data_dir);
void              blip_runner_save_session       (BlipRunner *self, const char *path);

void              blip_runner_play               (BlipRunner *self);
void              blip_runner_pause              (BlipRunner *self);
void              blip_runner_step               (BlipRunner *self, BlipStepUnit unit);

/* 0 (slowest: a pause after every batch) to 1 (no pause). */
void              blip_runner_set_speed          (BlipRunner *self, double speed);
double            blip_runner_get_speed          (BlipRunner *self);
/* Stop playing when this many tasks are finished (0: never). */
void              blip_runner_set_pause_after_task (BlipRunner *self, int tasks);
int               blip_runner_get_pause_after_task (BlipRunner *self);

BlipRunnerState   blip_runner_get_state          (BlipRunner *self);
gboolean          blip_runner_get_playing        (BlipRunner *self);
/* The configuration of the current run (NULL before the first one). */
const BlipConfig *blip_runner_get_config         (BlipRunner *self);
/* Rows of the accuracy matrix filled, as last reported. */
int               blip_runner_get_tasks_done     (BlipRunner *self);

/* The current run's snapshot box (borrowed; NULL when there is no run). Its
 * serial restarts with every run: compare blip_runner_get_generation too. */
BlipSnapshotBox  *blip_runner_get_box            (BlipRunner *self);
guint             blip_runner_get_generation     (BlipRunner *self);
/* Moves the snapshots the worker handed over into the history; TRUE when the
 * history changed. UI thread. */
gboolean          blip_runner_sync_history       (BlipRunner *self);
const BlipRunHistory *blip_runner_get_history    (BlipRunner *self);
/* The snapshot taken when task `task` ended (values, BLIP state and heads:
 * the network as it was after that task), borrowed; NULL when that task has
 * not ended in this run (or ended before a session was opened). Kept until
 * the run is replaced. UI thread. */
BlipSnapshot     *blip_runner_get_task_snapshot  (BlipRunner *self, int task);

G_END_DECLS
