/* blip-window-compare.c — the Compare view's second run: a BlipRunner of its
 * own on the window's experiment, preset and settings with the approach the
 * view names. It starts when the view is first shown (or its switch is
 * turned on), follows Play, Pause, Step and Reset, and starts over whenever
 * the window's run does. Each restart frees the old runner (its step is
 * cancelled and its thread joined) before a new one is made; the window's
 * dispose frees the last one. Both runners train at the same time, one
 * worker thread each. */
#include "blip-window-private.h"

#include "blip-studio-application.h"

#include <math.h>

/* "after 2 of 5 tasks · training" */
static char *
side_status (BlipRunner *runner, const BlipSnapshot *s)
{
  if (runner == NULL)
    return g_strdup ("Not running: turn on “Run it” to train it alongside");
  const char *state = "";
  switch (blip_runner_get_state (runner))
    {
    case BLIP_RUNNER_EMPTY: state = "no run"; break;
    case BLIP_RUNNER_LOADING: state = "loading…"; break;
    case BLIP_RUNNER_READY: state = blip_runner_get_playing (runner) ? "training" : "paused"; break;
    case BLIP_RUNNER_RUNNING: state = "training"; break;
    case BLIP_RUNNER_FINISHED: state = "finished"; break;
    }
  if (s == NULL)
    return g_strdup (state);
  int done = blip_runner_get_tasks_done (runner), T = s->n_tasks;
  /* The newest row of the snapshot's own matrix (it may lag the runner). */
  int last = -1;
  while (last + 1 < T && isfinite (s->acc[(last + 1) * T + last + 1]))
    last++;
  if (last < 0)
    return g_strdup_printf ("after %d of %d tasks · %s", done, T, state);
  /* The numbers the paper's tables put side by side, from the snapshot as
   * the accuracy matrix draws them: ACC, BWT and the memory the method keeps. */
  BlipMetrics m;
  blip_metrics_compute (s->acc, T, last, &m);
  g_autofree char *memory = blip_format_bytes (s->memory_bytes ? s->memory_bytes[last] : -1);
  /* Games: the matrix holds mean returns, in points. */
  if (blip_figure_is_reinforcement (s))
    return g_strdup_printf ("after %d of %d games · mean return %.2f · BWT %.2f · memory %s · %s", done, T,
                            m.acc, m.bwt_paper, memory, state);
  return g_strdup_printf ("after %d of %d tasks · ACC %.2f%% · BWT %.2f%% · memory %s · %s", done, T,
                          100 * m.acc, 100 * m.bwt_paper, memory, state);
}

void
blip_studio_window_compare_show_left (BlipStudioWindow *self, BlipSnapshot *s)
{
  const BlipConfig *config = blip_runner_get_config (self->runner);
  g_autofree char *status = side_status (self->runner, s);
  /* Short, so that the memory still fits beside ACC and BWT; the label's
   * tooltip says which run this is. */
  g_autofree char *line = g_strconcat ("this run · ", status, NULL);
  blip_compare_view_set_side (self->compare_view, BLIP_COMPARE_LEFT, config ? config->approach : NULL, s, line);
}

void
blip_studio_window_compare_refresh (BlipStudioWindow *self)
{
  BlipRunner *runner = self->compare_runner;
  BlipSnapshotBox *box = runner ? blip_runner_get_box (runner) : NULL;
  g_autoptr(BlipSnapshot) s = box ? blip_snapshot_box_get (box) : NULL;
  self->compare_serial = box ? blip_snapshot_box_get_serial (box) : 0;
  self->compare_generation = runner ? blip_runner_get_generation (runner) : 0;
  g_autofree char *status = side_status (runner, s);
  blip_compare_view_set_side (self->compare_view, BLIP_COMPARE_RIGHT, blip_compare_view_get_approach (self->compare_view),
                              s, status);
}

/* ---- The second runner ------------------------------------------------------------- */

static void
on_compare_state (BlipRunner *runner, GParamSpec *pspec, BlipStudioWindow *self)
{
  blip_studio_window_compare_refresh (self);
  blip_studio_window_wake (self);
}

static void
on_compare_task_ended (BlipRunner *runner, int tasks_done, BlipStudioWindow *self)
{
  blip_studio_window_compare_refresh (self);
  blip_studio_window_check_screenshot (self, blip_runner_get_tasks_done (self->runner));
  blip_studio_window_measure_check (self);
}

static void
on_compare_text (BlipRunner *runner, const char *message, BlipStudioWindow *self)
{
  g_autofree char *text = g_strdup_printf ("Comparison run (%s): %s",
                                           blip_compare_view_get_approach (self->compare_view), message);
  gtk_label_set_text (self->message_label, text);
}

static void
on_compare_error (BlipRunner *runner, guint kind, const char *message, BlipStudioWindow *self)
{
  on_compare_text (runner, message, self);
  g_message ("Comparison run: %s", message);
  if (self->screenshot_path != NULL)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      g_printerr ("blip-studio: comparison run: %s\n", message);
      if (BLIP_IS_STUDIO_APPLICATION (app))
        blip_studio_application_set_failed (BLIP_STUDIO_APPLICATION (app));
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

/* Stops and frees the second runner (the views keep nothing of it). */
static void
compare_stop (BlipStudioWindow *self)
{
  if (self->compare_runner == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->compare_runner, self);
  /* Its worker cancels the step in progress; dispose joins the thread. */
  blip_compare_view_set_side (self->compare_view, BLIP_COMPARE_RIGHT,
                              blip_compare_view_get_approach (self->compare_view), NULL, NULL);
  g_clear_object (&self->compare_runner);
}

void
blip_studio_window_compare_restart (BlipStudioWindow *self)
{
  compare_stop (self);
  const BlipConfig *main_config = blip_runner_get_config (self->runner);
  if (!blip_compare_view_get_running (self->compare_view) || main_config == NULL)
    {
      blip_studio_window_compare_refresh (self);
      return;
    }
  BlipConfig config;
  blip_config_copy (&config, main_config);
  g_free (config.approach);
  config.approach = g_strdup (blip_compare_view_get_approach (self->compare_view));

  BlipRunner *runner = self->compare_runner = blip_runner_new ();
  g_signal_connect (runner, "notify::state", G_CALLBACK (on_compare_state), self);
  g_signal_connect (runner, "notify::playing", G_CALLBACK (on_compare_state), self);
  g_signal_connect (runner, "session-changed", G_CALLBACK (on_compare_state), self);
  g_signal_connect (runner, "task-ended", G_CALLBACK (on_compare_task_ended), self);
  g_signal_connect (runner, "error", G_CALLBACK (on_compare_error), self);
  g_signal_connect (runner, "message", G_CALLBACK (on_compare_text), self);
  blip_runner_set_speed (runner, blip_runner_get_speed (self->runner));
  blip_runner_set_pause_after_task (runner, blip_runner_get_pause_after_task (self->runner));
  blip_runner_configure (runner, &config);
  blip_config_clear (&config);
  /* Joining a run that is playing: play along (from the beginning). */
  if (blip_runner_get_playing (self->runner) || blip_runner_get_state (self->runner) == BLIP_RUNNER_RUNNING)
    blip_runner_play (runner);
  blip_studio_window_compare_refresh (self);
  blip_studio_window_wake (self);
}

/* The window's run changed under the second one (a session was opened):
 * start the second one over on its configuration. */
void
blip_studio_window_compare_follow (BlipStudioWindow *self)
{
  const BlipConfig *main_config = blip_runner_get_config (self->runner);
  const BlipConfig *config = self->compare_runner ? blip_runner_get_config (self->compare_runner) : NULL;
  if (main_config == NULL || config == NULL)
    return;
  BlipConfig same;
  blip_config_copy (&same, config);
  g_free (same.approach);
  same.approach = g_strdup (main_config->approach);
  GString *a = g_string_new (NULL), *b = g_string_new (NULL);
  blip_config_append_json (a, &same, "");
  blip_config_append_json (b, main_config, "");
  if (!g_str_equal (a->str, b->str))
    blip_studio_window_compare_restart (self);
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
  blip_config_clear (&same);
}

void
blip_studio_window_compare_play (BlipStudioWindow *self)
{
  if (self->compare_runner != NULL)
    blip_runner_play (self->compare_runner);
}

void
blip_studio_window_compare_pause (BlipStudioWindow *self)
{
  if (self->compare_runner != NULL)
    blip_runner_pause (self->compare_runner);
}

void
blip_studio_window_compare_step (BlipStudioWindow *self, BlipStepUnit unit)
{
  if (self->compare_runner != NULL)
    blip_runner_step (self->compare_runner, unit);
}

int
blip_studio_window_compare_tasks_done (BlipStudioWindow *self)
{
  return self->compare_runner ? blip_runner_get_tasks_done (self->compare_runner) : -1;
}

BlipRunner *
blip_studio_window_get_compare_runner (BlipStudioWindow *self)
{
  return self->compare_runner;
}

/* Per frame: snapshots of the second run while the view is shown. TRUE while
 * that run is busy (the frame clock must keep going). */
gboolean
blip_studio_window_compare_tick (BlipStudioWindow *self, gint64 frame_time)
{
  BlipRunner *runner = self->compare_runner;
  if (runner == NULL)
    return FALSE;
  BlipSnapshotBox *box = blip_runner_get_box (runner);
  if (box != NULL && gtk_widget_get_mapped (GTK_WIDGET (self->compare_view)) &&
      frame_time - self->compare_last_request_us >= G_USEC_PER_SEC / 20)
    {
      blip_snapshot_box_request (box);
      self->compare_last_request_us = frame_time;
    }
  if (blip_runner_get_generation (runner) != self->compare_generation ||
      (box != NULL && blip_snapshot_box_get_serial (box) != self->compare_serial))
    blip_studio_window_compare_refresh (self);
  BlipRunnerState state = blip_runner_get_state (runner);
  return blip_runner_get_playing (runner) || state == BLIP_RUNNER_RUNNING || state == BLIP_RUNNER_LOADING;
}

/* ---- The view ------------------------------------------------------------------------ */

static void
on_compare_settings_changed (BlipCompareView *view, GParamSpec *pspec, BlipStudioWindow *self)
{
  gboolean was_running = self->compare_runner != NULL;
  blip_studio_window_compare_restart (self);
  if (self->compare_runner != NULL && !was_running && blip_runner_get_tasks_done (self->runner) > 0)
    gtk_label_set_text (self->message_label, "The comparison run starts from the beginning; "
                                             "Reset (Ctrl+R) starts both runs together");
}

static void
on_visible_view_changed (GtkStack *stack, GParamSpec *pspec, BlipStudioWindow *self)
{
  /* Showing the view for the first time starts the comparison. */
  if (!self->compare_shown && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "compare") == 0)
    {
      self->compare_shown = TRUE;
      blip_compare_view_set_running (self->compare_view, TRUE);
    }
}

void
blip_studio_window_compare_init (BlipStudioWindow *self)
{
  g_signal_connect (self->compare_view, "notify::approach", G_CALLBACK (on_compare_settings_changed), self);
  g_signal_connect (self->compare_view, "notify::running", G_CALLBACK (on_compare_settings_changed), self);
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (on_visible_view_changed), self);
  blip_studio_window_compare_refresh (self);
}

void
blip_studio_window_compare_dispose (BlipStudioWindow *self)
{
  if (self->compare_view != NULL)
    g_signal_handlers_disconnect_by_data (self->compare_view, self);
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_data (self->stack, self);
  if (self->compare_runner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->compare_runner, self);
      g_clear_object (&self->compare_runner);
    }
}
