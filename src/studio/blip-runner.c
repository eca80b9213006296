/* blip-runner.c — BlipRunner, the UI side of a run whose trainer lives on a
 * worker thread (blip-runner-worker.c); see blip-runner.h.
 *
 * Three kinds of data cross threads, each one way:
 *   UI → worker   commands in a GAsyncQueue, plus two thread-safe trainer
 *                 calls (request_pause, cancel) made under `lock`, which only
 *                 guards the trainer *pointer*;
 *   worker → UI   reports (state, errors, task ends) in a queue drained by one
 *                 idle source on the runner's main context, in order;
 *   snapshots     the session's BlipSnapshotBox, and the FISHER_READY and
 *                 BITS_UPDATED snapshots queued for the history.
 */
#include "blip-runner-private.h"

G_DEFINE_ENUM_TYPE (BlipRunnerState, blip_runner_state,
                    G_DEFINE_ENUM_VALUE (BLIP_RUNNER_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (BLIP_RUNNER_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (BLIP_RUNNER_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (BLIP_RUNNER_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (BLIP_RUNNER_FINISHED, "finished"))

struct _BlipRunner {
  GObject          parent_instance;
  Shared          *shared;
  GThread         *thread;
  Session         *session;      /* the UI's view of the current run */
  BlipRunHistory  *history;
  GPtrArray       *task_snapshots;   /* [task] the TASK_END snapshot, NULL where none came */
  BlipConfig       config;
  gboolean         has_config;
  BlipRunnerState  state;
  gboolean         playing;
  int              tasks_done;
  double           speed;
  guint            requested;    /* configure and open commands sent */
};

G_DEFINE_FINAL_TYPE (BlipRunner, blip_runner, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, PROP_PLAYING, PROP_SPEED, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SESSION_CHANGED, SIGNAL_ERROR, SIGNAL_TASK_ENDED, SIGNAL_SESSION_SAVED, SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_state (BlipRunner *self, BlipRunnerState state, gboolean playing)
{
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (self->playing != playing)
    {
      self->playing = playing;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
    }
}

static void
apply_report (BlipRunner *self, Report *r)
{
  switch (r->kind)
    {
    case REPORT_STATE:
      /* A run asked for later is still loading: the state of this one is past. */
      if (r->request < self->requested)
        break;
      set_state (self, r->state, r->playing);
      if (r->tasks_done >= 0)
        self->tasks_done = r->tasks_done;
      break;
    case REPORT_SESSION:
      if (r->request < self->requested)
        break;
      g_clear_pointer (&self->session, blip_run_session_unref);
      self->session = r->session ? blip_run_session_ref (r->session) : NULL;
      blip_run_history_free (self->history);
      self->history = blip_run_history_new ();
      g_ptr_array_set_size (self->task_snapshots, 0);
      self->tasks_done = r->tasks_done;
      if (r->session != NULL)
        {
          /* A session file does not say where the data is: keep the folder in use. */
          char *data_dir = r->config.data_dir ? NULL : g_steal_pointer (&self->config.data_dir);
          blip_config_clear (&self->config);
          blip_config_copy (&self->config, &r->config);
          if (data_dir != NULL)
            self->config.data_dir = data_dir;
          self->has_config = TRUE;
        }
      g_signal_emit (self, signals[SIGNAL_SESSION_CHANGED], 0);
      break;
    case REPORT_ERROR:
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, r->error, r->text);
      break;
    case REPORT_TASK_END:
      self->tasks_done = MAX (self->tasks_done, r->tasks_done);
      if (r->snapshot != NULL && r->tasks_done >= 1)
        {
          if ((int) self->task_snapshots->len < r->tasks_done)
            g_ptr_array_set_size (self->task_snapshots, r->tasks_done);
          BlipSnapshot **slot = (BlipSnapshot **) &g_ptr_array_index (self->task_snapshots, r->tasks_done - 1);
          blip_snapshot_free (*slot);
          *slot = g_steal_pointer (&r->snapshot);
        }
      /* The history first, so handlers draw the finished task. */
      blip_runner_sync_history (self);
      g_signal_emit (self, signals[SIGNAL_TASK_ENDED], 0, r->tasks_done);
      break;
    case REPORT_SAVED:
      g_signal_emit (self, signals[SIGNAL_SESSION_SAVED], 0, r->text);
      break;
    case REPORT_MESSAGE:
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, r->text);
      break;
    }
}

gboolean
blip_runner_dispatch_reports (gpointer data)
{
  Shared *sh = data;
  GQueue reports = G_QUEUE_INIT;
  g_mutex_lock (&sh->lock);
  reports = sh->reports;
  g_queue_init (&sh->reports);
  sh->report_scheduled = FALSE;
  g_mutex_unlock (&sh->lock);

  BlipRunner *self = g_weak_ref_get (&sh->runner);
  Report *r;
  while ((r = g_queue_pop_head (&reports)) != NULL)
    {
      /* A session whose generation is older than the UI's current one was
       * replaced while this report was queued: never step back to it. */
      if (self != NULL && !(r->kind == REPORT_SESSION && r->session && self->session &&
                            r->session->generation < self->session->generation))
        apply_report (self, r);
      blip_runner_report_free (r);
    }
  g_clear_object (&self);
  return G_SOURCE_REMOVE;
}

/* ---- The UI side --------------------------------------------------------------- */

static void
send (BlipRunner *self, Command *c)
{
  g_async_queue_push (self->shared->commands, c);
}

/* Stops a step in progress quickly: the current run is about to be replaced. */
static void
cancel_current (BlipRunner *self)
{
  g_mutex_lock (&self->shared->lock);
  if (self->shared->trainer != NULL)
    blip_trainer_cancel (self->shared->trainer);
  g_mutex_unlock (&self->shared->lock);
}

void
blip_runner_configure (BlipRunner *self, const BlipConfig *config)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  blip_config_clear (&self->config);
  blip_config_copy (&self->config, config);
  self->has_config = TRUE;
  cancel_current (self);
  Command *c = blip_runner_command_new (CMD_CONFIGURE);
  blip_config_copy (&c->config, config);
  c->request = ++self->requested;
  set_state (self, BLIP_RUNNER_LOADING, FALSE);
  send (self, c);
}

void
blip_runner_reset (BlipRunner *self)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  if (self->has_config)
    {
      BlipConfig config;
      blip_config_copy (&config, &self->config);
      blip_runner_configure (self, &config);
      blip_config_clear (&config);
    }
}

void
blip_runner_open_session (BlipRunner *self, const char *path, const char *data_dir)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  blip_runner_pause (self);
  Command *c = blip_runner_command_new (CMD_OPEN);
  c->path = g_strdup (path);
  c->data_dir = g_strdup (data_dir);
  c->request = ++self->requested;
  set_state (self, BLIP_RUNNER_LOADING, FALSE);
  send (self, c);
}

void
blip_runner_save_session (BlipRunner *self, const char *path)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  Command *c = blip_runner_command_new (CMD_SAVE);
  c->path = g_strdup (path);
  send (self, c);
}

void
blip_runner_play (BlipRunner *self)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  send (self, blip_runner_command_new (CMD_PLAY));
}

void
blip_runner_pause (BlipRunner *self)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  g_atomic_int_set (&self->shared->pause_wanted, 1);
  g_mutex_lock (&self->shared->lock);
  if (self->shared->trainer != NULL)
    blip_trainer_request_pause (self->shared->trainer);
  g_mutex_unlock (&self->shared->lock);
  send (self, blip_runner_command_new (CMD_PAUSE));
}

void
blip_runner_step (BlipRunner *self, BlipStepUnit unit)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  Command *c = blip_runner_command_new (CMD_STEP);
  c->unit = unit;
  send (self, c);
}

void
blip_runner_set_speed (BlipRunner *self, double speed)
{
  g_return_if_fail (BLIP_IS_RUNNER (self));
  speed = CLAMP (speed, 0.0, 1.0);
  if (speed == self->speed)
    return;
  self->speed = speed;
  /* Quadratic, so the slow end of the scale has room: 0 → 0.5 s per batch. */
  int delay = speed >= 0.999 ? 0 : (int) (500000 * (1 - speed) * (1 - speed));
  g_atomic_int_set (&self->shared->delay_us, delay);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

double blip_runner_get_speed (BlipRunner *self) { return self->speed; }

void
blip_runner_set_pause_after_task (BlipRunner *self, int tasks)
{
  g_atomic_int_set (&self->shared->pause_after, MAX (tasks, 0));
}

int
blip_runner_get_pause_after_task (BlipRunner *self)
{
  return g_atomic_int_get (&self->shared->pause_after);
}

BlipRunnerState blip_runner_get_state (BlipRunner *self) { return self->state; }
gboolean blip_runner_get_playing (BlipRunner *self) { return self->playing; }
int blip_runner_get_tasks_done (BlipRunner *self) { return self->tasks_done; }

const BlipConfig *
blip_runner_get_config (BlipRunner *self)
{
  return self->has_config ? &self->config : NULL;
}

BlipSnapshotBox *
blip_runner_get_box (BlipRunner *self)
{
  return self->session ? self->session->box : NULL;
}

guint
blip_runner_get_generation (BlipRunner *self)
{
  return self->session ? self->session->generation : 0;
}

gboolean
blip_runner_sync_history (BlipRunner *self)
{
  if (self->session == NULL)
    return FALSE;
  g_mutex_lock (&self->session->lock);
  GPtrArray *pending = self->session->pending;
  if (pending->len == 0)
    {
      g_mutex_unlock (&self->session->lock);
      return FALSE;
    }
  self->session->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) blip_snapshot_free);
  g_mutex_unlock (&self->session->lock);
  for (guint i = 0; i < pending->len; i++)
    blip_run_history_add (self->history, g_ptr_array_index (pending, i));
  gboolean changed = pending->len > 0;
  g_ptr_array_unref (pending);
  return changed;
}

const BlipRunHistory *
blip_runner_get_history (BlipRunner *self)
{
  return self->history;
}

BlipSnapshot *
blip_runner_get_task_snapshot (BlipRunner *self, int task)
{
  g_return_val_if_fail (BLIP_IS_RUNNER (self), NULL);
  return task >= 0 && task < (int) self->task_snapshots->len ? g_ptr_array_index (self->task_snapshots, task) : NULL;
}

/* ---- GObject ------------------------------------------------------------------- */

BlipRunner *
blip_runner_new (void)
{
  return g_object_new (BLIP_TYPE_RUNNER, NULL);
}

static void
blip_runner_dispose (GObject *object)
{
  BlipRunner *self = BLIP_RUNNER (object);
  if (self->thread != NULL)
    {
      cancel_current (self);
      g_async_queue_push_front (self->shared->commands, blip_runner_command_new (CMD_QUIT));
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_clear_pointer (&self->session, blip_run_session_unref);
  G_OBJECT_CLASS (blip_runner_parent_class)->dispose (object);
}

static void
blip_runner_finalize (GObject *object)
{
  BlipRunner *self = BLIP_RUNNER (object);
  blip_run_history_free (self->history);
  g_ptr_array_unref (self->task_snapshots);
  blip_config_clear (&self->config);
  g_weak_ref_set (&self->shared->runner, NULL);
  blip_runner_shared_unref (self->shared);
  G_OBJECT_CLASS (blip_runner_parent_class)->finalize (object);
}

static void
blip_runner_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BlipRunner *self = BLIP_RUNNER (object);
  switch (id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PLAYING: g_value_set_boolean (value, self->playing); break;
    case PROP_SPEED: g_value_set_double (value, self->speed); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_runner_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_SPEED: blip_runner_set_speed (BLIP_RUNNER (object), g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_runner_class_init (BlipRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = blip_runner_dispose;
  object_class->finalize = blip_runner_finalize;
  object_class->get_property = blip_runner_get_property;
  object_class->set_property = blip_runner_set_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BLIP_TYPE_RUNNER_STATE, BLIP_RUNNER_EMPTY,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, 1, 1,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new run is in place (or none: after a failed load); views start over. */
  signals[SIGNAL_SESSION_CHANGED] = g_signal_new ("session-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (BlipRunnerError kind, const char *message) */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* (int tasks_done) after a task is trained, consolidated and tested */
  signals[SIGNAL_TASK_ENDED] = g_signal_new ("task-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_SESSION_SAVED] = g_signal_new ("session-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A note from the trainer: learning-rate decay, a NaN stop, … */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
blip_runner_init (BlipRunner *self)
{
  Shared *sh = g_new0 (Shared, 1);
  sh->ref_count = 1;
  sh->commands = g_async_queue_new ();
  g_mutex_init (&sh->lock);
  g_queue_init (&sh->reports);
  sh->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&sh->runner, self);
  self->shared = sh;
  self->speed = 1.0;
  self->history = blip_run_history_new ();
  self->task_snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) blip_snapshot_free);
  self->thread = g_thread_new ("blip-trainer", blip_runner_worker_main, blip_runner_shared_ref (sh));
}
