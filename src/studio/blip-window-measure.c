/* blip-window-measure.c — blip-studio --measure-stalls: a BlipStallMeter on
 * the window's main loop and its layer map while the run trains; when the
 * run has finished the tasks asked for (both runs, with the Compare view
 * running) or the seconds are up, the report goes to stdout and the window
 * closes. A window closed earlier (a --screenshot, an error) reports what
 * was measured so far. */
#include "blip-window-private.h"

static void
measure_finish (BlipStudioWindow *self, gboolean close)
{
  if (self->stall_meter == NULL || !blip_stall_meter_is_running (self->stall_meter))
    return;
  blip_stall_meter_stop (self->stall_meter);
  g_clear_handle_id (&self->measure_timeout, g_source_remove);
  g_autofree char *report = blip_stall_meter_format (self->stall_meter);
  g_print ("%s", report);
  if (!close)
    return;
  blip_runner_pause (self->runner);
  blip_studio_window_compare_pause (self);
  /* A screenshot asked for as well closes the window itself. */
  if (self->screenshot_path == NULL)
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_measure_timeout (gpointer data)
{
  BlipStudioWindow *self = data;
  self->measure_timeout = 0;
  measure_finish (self, TRUE);
  return G_SOURCE_REMOVE;
}

void
blip_studio_window_measure_check (BlipStudioWindow *self)
{
  if (self->stall_meter == NULL || self->measure_tasks <= 0)
    return;
  int done = blip_runner_get_tasks_done (self->runner);
  int compare = blip_studio_window_compare_tasks_done (self);
  if (compare >= 0)
    done = MIN (done, compare);
  BlipSnapshotBox *box = blip_runner_get_box (self->runner);
  g_autoptr(BlipSnapshot) s = box ? blip_snapshot_box_get (box) : NULL;
  if (done >= MIN (self->measure_tasks, s ? s->n_tasks : self->measure_tasks))
    measure_finish (self, TRUE);
}

void
blip_studio_window_measure_stalls (BlipStudioWindow *self, int tasks, double seconds)
{
  g_return_if_fail (BLIP_IS_STUDIO_WINDOW (self));
  g_clear_object (&self->stall_meter);
  self->stall_meter = blip_stall_meter_new (2);
  blip_stall_meter_watch_layer_map (self->stall_meter, self->map_view);
  self->measure_tasks = MAX (tasks, 0);
  /* Stop playing at the end, so the last task's draws are the last ones measured. */
  if (self->measure_tasks > 0 && self->screenshot_path == NULL)
    {
      blip_runner_set_pause_after_task (self->runner, self->measure_tasks);
      if (self->compare_runner != NULL)
        blip_runner_set_pause_after_task (self->compare_runner, self->measure_tasks);
    }
  if (seconds > 0)
    self->measure_timeout = g_timeout_add_full (G_PRIORITY_HIGH, (guint) (seconds * 1000), on_measure_timeout,
                                                self, NULL);
  blip_stall_meter_start (self->stall_meter);
}

void
blip_studio_window_measure_dispose (BlipStudioWindow *self)
{
  measure_finish (self, FALSE);
  g_clear_handle_id (&self->measure_timeout, g_source_remove);
  g_clear_object (&self->stall_meter);
}
