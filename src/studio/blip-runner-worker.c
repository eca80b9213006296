/* blip-runner-worker.c — the runner's worker thread: it owns the trainer,
 * carries out the UI's commands in order (playing means stepping batch by
 * batch, with the chosen pause between batches), and reports back through a
 * queue drained on the UI's main context. Its observer feeds the session's
 * snapshot box, queues the FISHER_READY and BITS_UPDATED snapshots the UI's
 * run history needs, and sends each TASK_END snapshot with its report. */
#include "blip-runner-private.h"

Shared *
blip_runner_shared_ref (Shared *sh)
{
  g_atomic_int_inc (&sh->ref_count);
  return sh;
}

void
blip_runner_shared_unref (Shared *sh)
{
  if (!g_atomic_int_dec_and_test (&sh->ref_count))
    return;
  g_async_queue_unref (sh->commands);
  g_queue_clear_full (&sh->reports, NULL);
  g_mutex_clear (&sh->lock);
  g_weak_ref_clear (&sh->runner);
  g_main_context_unref (sh->context);
  g_free (sh);
}

static Session *
session_new (Shared *sh, guint generation)
{
  Session *s = g_new0 (Session, 1);
  s->ref_count = 1;
  s->generation = generation;
  s->shared = blip_runner_shared_ref (sh);
  /* The heads too: the game views play each task with its own head. */
  s->box = blip_snapshot_box_new (BLIP_SNAPSHOT_ALL | BLIP_SNAPSHOT_HEADS);
  g_mutex_init (&s->lock);
  s->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) blip_snapshot_free);
  s->last_event.type = (BlipEventType) -1;
  return s;
}

Session *
blip_run_session_ref (Session *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

void
blip_run_session_unref (Session *s)
{
  if (s == NULL || !g_atomic_int_dec_and_test (&s->ref_count))
    return;
  blip_snapshot_box_free (s->box);
  g_ptr_array_unref (s->pending);
  g_mutex_clear (&s->lock);
  blip_runner_shared_unref (s->shared);
  g_free (s);
}

void
blip_runner_report_free (Report *r)
{
  blip_run_session_unref (r->session);
  blip_snapshot_free (r->snapshot);
  blip_config_clear (&r->config);
  g_free (r->text);
  g_free (r);
}

/* ---- Reports (worker → UI) ---------------------------------------------------- */

static void
post (Shared *sh, Report *r)
{
  g_mutex_lock (&sh->lock);
  g_queue_push_tail (&sh->reports, r);
  gboolean schedule = !sh->report_scheduled;
  sh->report_scheduled = TRUE;
  g_mutex_unlock (&sh->lock);
  if (schedule)
    {
      GSource *source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, blip_runner_dispatch_reports, blip_runner_shared_ref (sh), (GDestroyNotify) blip_runner_shared_unref);
      g_source_set_static_name (source, "[blip-runner reports]");
      g_source_attach (source, sh->context);
      g_source_unref (source);
    }
}

static void
post_state (Shared *sh, guint request, BlipRunnerState state, gboolean playing, int tasks_done)
{
  Report *r = g_new0 (Report, 1);
  r->kind = REPORT_STATE;
  r->request = request;
  r->state = state;
  r->playing = playing;
  r->tasks_done = tasks_done;
  post (sh, r);
}

static void
post_text (Shared *sh, ReportKind kind, BlipRunnerError error, const char *text)
{
  Report *r = g_new0 (Report, 1);
  r->kind = kind;
  r->error = error;
  r->text = g_strdup (text);
  post (sh, r);
}

/* ---- Commands ------------------------------------------------------------------- */

Command *
blip_runner_command_new (CommandKind kind)
{
  Command *c = g_new0 (Command, 1);
  c->kind = kind;
  return c;
}

void
blip_runner_command_free (Command *c)
{
  blip_config_clear (&c->config);
  g_free (c->path);
  g_free (c->data_dir);
  g_free (c);
}

typedef struct {
  Shared      *shared;
  BlipTrainer *trainer;
  Session     *session;
  guint        generation;
  gboolean     playing;
  guint        request;    /* of the last CMD_CONFIGURE or CMD_OPEN handled */
  Command     *held;       /* a command that arrived during the pause between batches */
} Worker;

/* Observer on the worker thread: the box takes its snapshots; those the
 * history needs are queued for the UI, and task ends are reported. */
static void
session_store (Session *s, BlipTrainer *trainer, const BlipEvent *event)
{
  guint64 before = blip_snapshot_box_get_serial (s->box);
  blip_snapshot_box_observe (trainer, event, s->box);
  s->fresh = blip_snapshot_box_get_serial (s->box) != before;
  s->last_event = *event;
  s->last_event.message = NULL;
}

static void
session_observe (BlipTrainer *trainer, const BlipEvent *event, gpointer data)
{
  Session *s = data;
  session_store (s, trainer, event);
  if (event->type == BLIP_EVENT_FISHER_READY || event->type == BLIP_EVENT_BITS_UPDATED)
    {
      /* The box always stores at these events: its newest is this one. */
      BlipSnapshot *snapshot = blip_snapshot_box_get (s->box);
      g_mutex_lock (&s->lock);
      g_ptr_array_add (s->pending, snapshot);
      g_mutex_unlock (&s->lock);
    }
  if (event->type == BLIP_EVENT_TASK_END)
    {
      Report *r = g_new0 (Report, 1);
      r->kind = REPORT_TASK_END;
      r->tasks_done = event->task + 1;
      /* The box always stores at TASK_END: its newest is this task's end. */
      r->snapshot = blip_snapshot_box_get (s->box);
      post (s->shared, r);
    }
  if (event->type == BLIP_EVENT_MESSAGE && event->message != NULL)
    post_text (s->shared, REPORT_MESSAGE, 0, event->message);
}

/* Makes sure the box holds the trainer's state as it rests now. */
static void
worker_refresh (Worker *w)
{
  if (w->trainer == NULL || w->session->fresh)
    return;
  BlipEvent event = w->session->last_event;
  blip_snapshot_box_request (w->session->box);
  session_store (w->session, w->trainer, &event);
}

static BlipRunnerState
worker_rest_state (Worker *w)
{
  if (w->trainer == NULL)
    return BLIP_RUNNER_EMPTY;
  return blip_trainer_get_tasks_done (w->trainer) >= blip_trainer_get_n_tasks (w->trainer)
    ? BLIP_RUNNER_FINISHED : BLIP_RUNNER_READY;
}

static void
worker_report_state (Worker *w)
{
  post_state (w->shared, w->request, w->playing ? BLIP_RUNNER_RUNNING : worker_rest_state (w), w->playing,
              w->trainer ? blip_trainer_get_tasks_done (w->trainer) : 0);
}

static void
worker_drop_trainer (Worker *w)
{
  g_mutex_lock (&w->shared->lock);
  BlipTrainer *old = w->shared->trainer;
  w->shared->trainer = NULL;
  g_mutex_unlock (&w->shared->lock);
  w->trainer = NULL;
  blip_trainer_free (old);   /* drops the observer's session reference */
  g_clear_pointer (&w->session, blip_run_session_unref);
  w->playing = FALSE;
}

static void
worker_install (Worker *w, BlipTrainer *trainer)
{
  worker_drop_trainer (w);
  w->session = session_new (w->shared, ++w->generation);
  blip_trainer_add_observer (trainer, session_observe, blip_run_session_ref (w->session), (GDestroyNotify) blip_run_session_unref);
  w->trainer = trainer;
  g_mutex_lock (&w->shared->lock);
  w->shared->trainer = trainer;
  g_mutex_unlock (&w->shared->lock);
  g_atomic_int_set (&w->shared->pause_wanted, 0);

  /* The first snapshot: the state before any step (or as a session left it). */
  w->session->last_event.task = blip_trainer_get_task (trainer);
  w->session->last_event.n_tasks = blip_trainer_get_n_tasks (trainer);
  w->session->last_event.lr = blip_trainer_get_lr (trainer);
  worker_refresh (w);

  Report *r = g_new0 (Report, 1);
  r->kind = REPORT_SESSION;
  r->request = w->request;
  r->session = blip_run_session_ref (w->session);
  blip_config_copy (&r->config, blip_trainer_get_config (trainer));
  r->tasks_done = blip_trainer_get_tasks_done (trainer);
  post (w->shared, r);
}

/* Handles a step's outcome; FALSE when the worker should stop stepping. */
static gboolean
worker_after_step (Worker *w, BlipStatus status, GError *error)
{
  switch (status)
    {
    case BLIP_STATUS_READY:
      {
        int after = g_atomic_int_get (&w->shared->pause_after);
        return !(after > 0 && blip_trainer_get_tasks_done (w->trainer) >= after &&
                 w->session->last_event.type == BLIP_EVENT_TASK_END);
      }
    case BLIP_STATUS_PAUSED:
      return !g_atomic_int_get (&w->shared->pause_wanted);   /* else a stale request: go on */
    case BLIP_STATUS_FINISHED:
    case BLIP_STATUS_CANCELLED:   /* a reset or a new run follows */
      return FALSE;
    case BLIP_STATUS_FAILED:
    default:
      post_text (w->shared, REPORT_ERROR, BLIP_RUNNER_ERROR_TRAINING, error ? error->message : "training failed");
      return FALSE;
    }
}

static void
worker_configure (Worker *w, const BlipConfig *config)
{
  worker_drop_trainer (w);
  post_state (w->shared, w->request, BLIP_RUNNER_LOADING, FALSE, 0);
  g_autoptr(GError) error = NULL;
  BlipExperiment *experiment = blip_experiment_open (config, &error);
  BlipStrategy *strategy = experiment ? blip_strategy_new (config->approach, &error) : NULL;
  BlipTrainer *trainer = strategy ? blip_trainer_new (config, experiment, strategy, &error) : NULL;
  if (strategy == NULL)
    blip_experiment_free (experiment);
  if (trainer == NULL)
    {
      Report *r = g_new0 (Report, 1);
      r->kind = REPORT_SESSION;
      r->request = w->request;
      post (w->shared, r);
      post_text (w->shared, REPORT_ERROR, BLIP_RUNNER_ERROR_DATA, error->message);
    }
  else
    worker_install (w, trainer);
  worker_report_state (w);
}

static void
worker_open (Worker *w, const char *path, const char *data_dir)
{
  w->playing = FALSE;
  post_state (w->shared, w->request, BLIP_RUNNER_LOADING, FALSE, -1);
  g_autoptr(GError) error = NULL;
  BlipTrainer *trainer = blip_trainer_new_from_checkpoint (path, data_dir, &error);
  if (trainer == NULL)
    post_text (w->shared, REPORT_ERROR, BLIP_RUNNER_ERROR_SESSION_OPEN, error->message);
  else
    worker_install (w, trainer);
  worker_report_state (w);
}

/* Runs one command; FALSE to quit. */
static gboolean
worker_handle (Worker *w, Command *c)
{
  g_autoptr(GError) error = NULL;
  switch (c->kind)
    {
    case CMD_QUIT:
      return FALSE;
    case CMD_CONFIGURE:
      w->request = c->request;
      worker_configure (w, &c->config);
      break;
    case CMD_OPEN:
      w->request = c->request;
      worker_open (w, c->path, c->data_dir);
      break;
    case CMD_SAVE:
      if (w->trainer == NULL)
        post_text (w->shared, REPORT_ERROR, BLIP_RUNNER_ERROR_SESSION_SAVE, "There is no run to save yet.");
      else if (blip_trainer_save_checkpoint (w->trainer, c->path, &error))
        post_text (w->shared, REPORT_SAVED, 0, c->path);
      else
        post_text (w->shared, REPORT_ERROR, BLIP_RUNNER_ERROR_SESSION_SAVE, error->message);
      break;
    case CMD_PLAY:
      g_atomic_int_set (&w->shared->pause_wanted, 0);
      w->playing = w->trainer != NULL && worker_rest_state (w) == BLIP_RUNNER_READY;
      worker_report_state (w);
      break;
    case CMD_PAUSE:
      g_atomic_int_set (&w->shared->pause_wanted, 0);
      w->playing = FALSE;
      worker_refresh (w);
      worker_report_state (w);
      break;
    case CMD_STEP:
      if (w->trainer == NULL || worker_rest_state (w) != BLIP_RUNNER_READY)
        break;
      w->playing = FALSE;
      post_state (w->shared, w->request, BLIP_RUNNER_RUNNING, FALSE, -1);
      BlipStatus status;
      do
        {
          g_clear_error (&error);
          status = blip_trainer_step (w->trainer, c->unit, &error);
        }
      while (status == BLIP_STATUS_PAUSED && !g_atomic_int_get (&w->shared->pause_wanted));
      worker_after_step (w, status, error);
      worker_refresh (w);
      worker_report_state (w);
      break;
    }
  return TRUE;
}

static void
worker_play_batch (Worker *w)
{
  g_autoptr(GError) error = NULL;
  BlipStatus status = blip_trainer_step (w->trainer, BLIP_STEP_BATCH, &error);
  if (!worker_after_step (w, status, error))
    {
      if (status == BLIP_STATUS_PAUSED || status == BLIP_STATUS_CANCELLED)
        return;   /* the PAUSE or CONFIGURE command that caused it follows */
      w->playing = FALSE;
      worker_refresh (w);
      worker_report_state (w);
      return;
    }
  gint delay = g_atomic_int_get (&w->shared->delay_us);
  if (delay > 0)
    w->held = g_async_queue_timeout_pop (w->shared->commands, delay);
}

gpointer
blip_runner_worker_main (gpointer data)
{
  Worker w = { .shared = data };
  for (;;)
    {
      Command *c = w.held;
      w.held = NULL;
      if (c == NULL)
        c = w.playing ? g_async_queue_try_pop (w.shared->commands) : g_async_queue_pop (w.shared->commands);
      if (c != NULL)
        {
          gboolean go_on = worker_handle (&w, c);
          blip_runner_command_free (c);
          if (!go_on)
            break;
          continue;
        }
      worker_play_batch (&w);
    }
  worker_drop_trainer (&w);
  blip_runner_shared_unref (w.shared);
  return NULL;
}
