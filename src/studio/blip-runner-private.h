/* blip-runner-private.h — what the runner's two halves share: blip-runner.c
 * (the GObject, on the UI thread) and blip-runner-worker.c (the thread that
 * owns the trainer). See blip-runner.c for who touches what. */
#pragma once

#include "blip-runner.h"

G_BEGIN_DECLS

typedef struct {
  gint          ref_count;
  GAsyncQueue  *commands;
  GMutex        lock;            /* guards `trainer` (the pointer) and the report queue */
  BlipTrainer  *trainer;         /* owned and used by the worker */
  GQueue        reports;
  gboolean      report_scheduled;
  GMainContext *context;
  GWeakRef      runner;
  gint          pause_wanted;    /* the UI asked for a pause not yet handled */
  gint          delay_us;        /* sleep between batches while playing */
  gint          pause_after;     /* stop playing at this many finished tasks; 0: never */
} Shared;

/* One run: the snapshots of one trainer. */
typedef struct {
  gint             ref_count;
  guint            generation;
  Shared          *shared;
  BlipSnapshotBox *box;
  GMutex           lock;         /* guards `pending` */
  GPtrArray       *pending;      /* snapshots for the history, oldest first */
  BlipEvent        last_event;   /* worker only */
  gboolean         fresh;        /* worker only: the last event was stored in the box */
} Session;

typedef enum {
  REPORT_STATE,
  REPORT_SESSION,
  REPORT_ERROR,
  REPORT_TASK_END,
  REPORT_SAVED,
  REPORT_MESSAGE,
} ReportKind;

typedef struct {
  ReportKind       kind;
  guint            request;      /* REPORT_STATE, REPORT_SESSION: the newest run asked for when sent */
  BlipRunnerState  state;
  gboolean         playing;
  Session         *session;      /* REPORT_SESSION; NULL: no run */
  BlipConfig       config;       /* REPORT_SESSION */
  int              tasks_done;
  BlipSnapshot    *snapshot;     /* REPORT_TASK_END: the box's TASK_END snapshot */
  BlipRunnerError  error;
  char            *text;         /* error or message text, or the saved path */
} Report;

typedef enum { CMD_CONFIGURE, CMD_OPEN, CMD_SAVE, CMD_PLAY, CMD_PAUSE, CMD_STEP, CMD_QUIT } CommandKind;

typedef struct {
  CommandKind  kind;
  guint        request;    /* CMD_CONFIGURE, CMD_OPEN: sequence number */
  BlipConfig   config;     /* CMD_CONFIGURE */
  char        *path;       /* CMD_OPEN, CMD_SAVE */
  char        *data_dir;   /* CMD_OPEN */
  BlipStepUnit unit;       /* CMD_STEP */
} Command;

Shared  *blip_runner_shared_ref    (Shared *sh);
void     blip_runner_shared_unref  (Shared *sh);
Session *blip_run_session_ref      (Session *s);
void     blip_run_session_unref    (Session *s);
void     blip_runner_report_free   (Report *r);
Command *blip_runner_command_new   (CommandKind kind);
void     blip_runner_command_free  (Command *c);
/* The worker thread's function; data is a Shared reference it drops. */
gpointer blip_runner_worker_main   (gpointer data);
/* Idle callback on the runner's context: applies the queued reports in order. */
gboolean blip_runner_dispatch_reports (gpointer data);

G_END_DECLS
