/* blip-window-views.c — the window's views: the frame-clock tick that hands
 * them the newest snapshot (the Compare view's second run included), the
 * layer and parameter choices they share, the layer map's toolbar, and the
 * status line. */
#include "blip-window-private.h"

#define SNAPSHOT_INTERVAL_US (G_USEC_PER_SEC / 20)   /* at most 20 snapshots a second */
#define IDLE_TICKS_BEFORE_STOP 30                     /* frames without news before the tick rests */

/* ---- Views and the frame clock ------------------------------------------------ */

BlipFigureView *
blip_studio_window_view_at (BlipStudioWindow *self, int i)
{
  BlipFigureView *views[] = {
    BLIP_FIGURE_VIEW (self->bits_view), BLIP_FIGURE_VIEW (self->map_view), BLIP_FIGURE_VIEW (self->ig_view),
    BLIP_FIGURE_VIEW (self->acc_view), BLIP_FIGURE_VIEW (self->curves_view),
  };
  return i >= 0 && i < (int) G_N_ELEMENTS (views) ? views[i] : NULL;
}

static const char * const view_names[] = { "bits", "layer-map", "info-gain", "acc-matrix", "curves" };

GtkWidget *
blip_studio_window_get_view (BlipStudioWindow *self, const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (view_names); i++)
    if (g_strcmp0 (view_names[i], name) == 0)
      return GTK_WIDGET (blip_studio_window_view_at (self, i));
  /* Not a figure of its own: two runs' figures side by side. */
  if (g_strcmp0 (name, "compare") == 0)
    return GTK_WIDGET (self->compare_view);
  /* A finished table of methods, read from disk, not from the run. */
  if (g_strcmp0 (name, "methods") == 0)
    return GTK_WIDGET (self->methods_view);
  /* Games played live, not figures of a snapshot. */
  if (g_strcmp0 (name, "game") == 0)
    return GTK_WIDGET (self->game_view);
  if (g_strcmp0 (name, "game-grid") == 0)
    return GTK_WIDGET (self->game_grid);
  return NULL;
}

BlipFigureView *
blip_studio_window_get_visible_view (BlipStudioWindow *self)
{
  GtkWidget *view = blip_studio_window_get_view (self, gtk_stack_get_visible_child_name (self->stack));
  return BLIP_IS_FIGURE_VIEW (view) ? BLIP_FIGURE_VIEW (view) : NULL;
}

gboolean
blip_studio_window_set_view (BlipStudioWindow *self, const char *name)
{
  if (blip_studio_window_get_view (self, name) == NULL)
    return FALSE;
  gtk_stack_set_visible_child_name (self->stack, name);
  return TRUE;
}

/* The layers the dropdowns offer: those with BLIP state, else all. */
static void
update_layers (BlipStudioWindow *self, const BlipSnapshot *s)
{
  GString *signature = g_string_new (NULL);
  GArray *index = g_array_new (FALSE, FALSE, sizeof (int));
  for (int pass = 0; s && pass < 2 && index->len == 0; pass++)
    for (int l = 0; l < s->n_layers; l++)
      if (pass == 1 || s->layers[l].quantized)
        {
          g_array_append_val (index, l);
          g_string_append_printf (signature, "%s/%" G_GSIZE_FORMAT ";", s->layers[l].name, s->layers[l].n);
        }
  if (g_strcmp0 (signature->str, self->layer_signature) == 0)
    {
      g_string_free (signature, TRUE);
      g_array_unref (index);
      return;
    }
  g_free (self->layer_signature);
  self->layer_signature = g_string_free (signature, FALSE);
  g_clear_pointer (&self->layer_index, g_array_unref);
  self->layer_index = index;

  self->updating++;
  GtkStringList *model = gtk_string_list_new (NULL);
  for (guint i = 0; i < index->len; i++)
    gtk_string_list_append (model, s->layers[g_array_index (index, int, i)].name);
  gtk_drop_down_set_model (self->map_layer_dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_model (self->bits_layer_dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_model (self->ig_layer_dropdown, G_LIST_MODEL (model));
  g_object_unref (model);
  gtk_drop_down_set_selected (self->map_layer_dropdown, 0);
  self->updating--;
  blip_studio_window_layer_changed (self);
  blip_studio_window_lesson_layers_ready (self);
}

int
blip_studio_window_current_layer (BlipStudioWindow *self)
{
  guint pos = gtk_drop_down_get_selected (self->map_layer_dropdown);
  if (self->layer_index == NULL || pos >= self->layer_index->len)
    return 0;
  return g_array_index (self->layer_index, int, pos);
}

static gssize
most_frozen (const BlipSnapshot *s, int layer)
{
  if (s == NULL || layer >= s->n_layers || s->layers[layer].bits == NULL)
    return -1;
  const BlipLayerSnapshot *l = &s->layers[layer];
  gssize best = -1;
  int best_bits = 0;
  for (gsize i = 0; i < l->n; i++)
    if (l->bits[i] > best_bits)
      {
        best_bits = l->bits[i];
        best = i;
      }
  return best;
}

void
blip_studio_window_update_status (BlipStudioWindow *self, const BlipSnapshot *s)
{
  BlipRunnerState state = blip_runner_get_state (self->runner);
  const BlipConfig *config = blip_runner_get_config (self->runner);
  GString *text = g_string_new (NULL);
  switch (state)
    {
    case BLIP_RUNNER_EMPTY: g_string_append (text, "No run"); break;
    case BLIP_RUNNER_LOADING: g_string_append (text, "Loading…"); break;
    case BLIP_RUNNER_READY: g_string_append (text, s && s->event.type != (BlipEventType) -1 ? "Paused" : "Ready"); break;
    case BLIP_RUNNER_RUNNING: g_string_append (text, "Training"); break;
    case BLIP_RUNNER_FINISHED: g_string_append (text, "Finished"); break;
    }
  if (s != NULL && state != BLIP_RUNNER_LOADING)
    {
      const BlipEvent *e = &s->event;
      int task = CLAMP (e->type == (BlipEventType) -1 ? s->task : e->task, 0, MAX (s->n_tasks - 1, 0));
      g_string_append_printf (text, "  ·  task %d of %d", task + 1, s->n_tasks);
      switch ((int) e->type)
        {
        case BLIP_EVENT_BATCH_END:
          g_string_append_printf (text, "  ·  epoch %d of %d  ·  batch %d of %d  ·  loss %.4f", e->epoch + 1,
                                  config ? config->nepochs : 0, e->batch + 1, e->n_batches, e->loss);
          break;
        case BLIP_EVENT_EPOCH_END:
          g_string_append_printf (text, "  ·  epoch %d of %d done  ·  loss %.4f  ·  training accuracy %.1f%%",
                                  e->epoch + 1, config ? config->nepochs : 0, e->loss, 100 * e->acc);
          break;
        case BLIP_EVENT_FISHER_READY:
          g_string_append (text, "  ·  Fisher information estimated");
          break;
        case BLIP_EVENT_BITS_UPDATED:
          g_string_append_printf (text, "  ·  %" G_GUINT64_FORMAT " bits frozen", e->bits_added);
          break;
        case BLIP_EVENT_TASK_END:
        case BLIP_EVENT_RUN_END:
          if (blip_figure_is_reinforcement (s))
            g_string_append_printf (text, "  ·  game learned, mean return %.1f",
                                    s->acc[e->task * s->n_tasks + e->task]);
          else
            g_string_append_printf (text, "  ·  task finished, test accuracy %.1f%%",
                                    100 * s->acc[e->task * s->n_tasks + e->task]);
          break;
        default:
          break;
        }
      g_string_append_printf (text, "  ·  lr %.3g", s->lr);
      double capacity = 0;
      int quantized = 0;
      for (int l = 0; l < s->n_layers; l++)
        if (s->layers[l].quantized)
          capacity += s->layers[l].capacity, quantized++;
      if (quantized > 0)
        g_string_append_printf (text, "  ·  capacity used %.1f%%", 100 * capacity / quantized);
    }
  gtk_label_set_text (self->status_label, text->str);
  g_string_free (text, TRUE);
}

void
blip_studio_window_refresh (BlipStudioWindow *self)
{
  BlipSnapshotBox *box = blip_runner_get_box (self->runner);
  BlipSnapshot *s = box ? blip_snapshot_box_get (box) : NULL;
  BlipSnapshot *f = box ? blip_snapshot_box_get_fisher (box) : NULL;
  self->serial = box ? blip_snapshot_box_get_serial (box) : 0;
  self->generation = blip_runner_get_generation (self->runner);
  const BlipRunHistory *history = blip_runner_get_history (self->runner);
  for (int i = 0; blip_studio_window_view_at (self, i) != NULL; i++)
    blip_figure_view_set_data (blip_studio_window_view_at (self, i), s, f, history);
  blip_studio_window_compare_show_left (self, s);
  blip_studio_window_compare_refresh (self);
  update_layers (self, s);

  int layer = blip_studio_window_current_layer (self);
  if (s != NULL && layer < s->n_layers)
    gtk_adjustment_set_upper (self->index_adjustment, MAX (0, (double) s->layers[layer].n - 1));
  /* Until someone picks a parameter, show one that the last task froze bits of. */
  if (!self->parameter_chosen && blip_run_history_n_tasks (history) > self->auto_chosen_tasks)
    {
      gssize best = most_frozen (s, layer);
      if (best >= 0)
        {
          blip_studio_window_show_parameter (self, layer, best);
          self->auto_chosen_tasks = blip_run_history_n_tasks (history);
        }
    }
  blip_studio_window_update_status (self, s);
  blip_snapshot_free (s);
  blip_snapshot_free (f);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  BlipStudioWindow *self = BLIP_STUDIO_WINDOW (widget);
  BlipSnapshotBox *box = blip_runner_get_box (self->runner);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  if (box != NULL && now - self->last_request_us >= SNAPSHOT_INTERVAL_US)
    {
      blip_snapshot_box_request (box);
      self->last_request_us = now;
    }
  gboolean history_changed = blip_runner_sync_history (self->runner);
  gboolean compare_busy = blip_studio_window_compare_tick (self, now);
  if (history_changed || blip_runner_get_generation (self->runner) != self->generation ||
      (box != NULL && blip_snapshot_box_get_serial (box) != self->serial))
    {
      blip_studio_window_refresh (self);
      self->idle_ticks = 0;
    }
  else if (++self->idle_ticks > IDLE_TICKS_BEFORE_STOP && !compare_busy && !blip_runner_get_playing (self->runner) &&
           blip_runner_get_state (self->runner) != BLIP_RUNNER_RUNNING &&
           blip_runner_get_state (self->runner) != BLIP_RUNNER_LOADING)
    {
      /* Nothing is going on: let the frame clock rest until the runner moves. */
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
blip_studio_window_wake (BlipStudioWindow *self)
{
  self->idle_ticks = 0;
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

/* ---- Parameter selection ------------------------------------------------------- */

void
blip_studio_window_show_parameter (BlipStudioWindow *self, int layer, gsize index)
{
  self->updating++;
  gtk_adjustment_set_value (self->index_adjustment, index);
  self->updating--;
  blip_bits_view_set_parameter (self->bits_view, layer, index);
  blip_layer_map_view_select (self->map_view, index);
}

gboolean
blip_studio_window_select_parameter (BlipStudioWindow *self, const char *layer_name, guint64 index)
{
  g_autoptr(BlipSnapshot) s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self->bits_view))
    ? blip_snapshot_ref (blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self->bits_view))) : NULL;
  for (guint i = 0; s && self->layer_index && i < self->layer_index->len; i++)
    {
      int l = g_array_index (self->layer_index, int, i);
      if (g_strcmp0 (s->layers[l].name, layer_name) == 0 && index < s->layers[l].n)
        {
          gtk_drop_down_set_selected (self->map_layer_dropdown, i);
          self->parameter_chosen = TRUE;
          blip_studio_window_show_parameter (self, l, index);
          return TRUE;
        }
    }
  return FALSE;
}

static void
on_parameter_selected (BlipLayerMapView *map, int layer, guint64 index, BlipStudioWindow *self)
{
  self->parameter_chosen = TRUE;
  blip_studio_window_show_parameter (self, layer, index);
  BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (map));
  if (s != NULL && layer < s->n_layers && s->layers[layer].bits)
    {
      g_autofree char *text = g_strdup_printf ("Chose %s parameter %" G_GUINT64_FORMAT " (%d bits frozen); "
                                               "double-click or Enter shows its bits",
                                               s->layers[layer].name, index, s->layers[layer].bits[index]);
      gtk_label_set_text (self->message_label, text);
    }
}

static void
on_parameter_activated (BlipLayerMapView *map, int layer, guint64 index, BlipStudioWindow *self)
{
  on_parameter_selected (map, layer, index, self);
  blip_studio_window_set_view (self, "bits");
}

static void
on_index_changed (GtkAdjustment *adjustment, BlipStudioWindow *self)
{
  if (self->updating)
    return;
  self->parameter_chosen = TRUE;
  blip_studio_window_show_parameter (self, blip_studio_window_current_layer (self),
                                     (gsize) gtk_adjustment_get_value (adjustment));
}

static void
on_most_frozen_clicked (GtkButton *button, BlipStudioWindow *self)
{
  int layer = blip_studio_window_current_layer (self);
  gssize best = most_frozen (blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self->bits_view)), layer);
  if (best < 0)
    {
      gtk_label_set_text (self->message_label, "No bits are frozen yet: train a whole task first");
      return;
    }
  self->parameter_chosen = TRUE;
  blip_studio_window_show_parameter (self, layer, best);
}

void
blip_studio_window_layer_changed (BlipStudioWindow *self)
{
  int layer = blip_studio_window_current_layer (self);
  blip_layer_map_view_set_layer (self->map_view, layer);
  blip_info_gain_view_set_layer (self->ig_view, layer);
  BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self->bits_view));
  gsize n = s && layer < s->n_layers ? s->layers[layer].n : 1;
  gtk_adjustment_set_upper (self->index_adjustment, MAX (0, (double) n - 1));
  blip_studio_window_show_parameter (self, layer, MIN ((gsize) gtk_adjustment_get_value (self->index_adjustment),
                                                       n - 1));
}

static void
on_layer_selected (GtkDropDown *dropdown, GParamSpec *pspec, BlipStudioWindow *self)
{
  if (!self->updating)
    blip_studio_window_layer_changed (self);
}

static void
on_map_quantity_toggled (GtkToggleButton *button, BlipStudioWindow *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  BlipMapQuantity q = button == self->show_ig_toggle ? BLIP_MAP_INFO_GAIN
                    : button == self->show_fisher_toggle ? BLIP_MAP_FISHER : BLIP_MAP_BITS;
  blip_layer_map_view_set_quantity (self->map_view, q);
}

static void
on_map_scale_toggled (GtkToggleButton *button, BlipStudioWindow *self)
{
  blip_layer_map_view_set_global_scale (self->map_view, gtk_toggle_button_get_active (self->scale_global_toggle));
}

static void
on_zoom_reset_clicked (GtkButton *button, BlipStudioWindow *self)
{
  blip_layer_map_view_reset_zoom (self->map_view);
}

void
blip_studio_window_views_init (BlipStudioWindow *self)
{
  /* One layer choice for the three views that show a layer. */
  g_object_bind_property (self->map_layer_dropdown, "selected", self->bits_layer_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->map_layer_dropdown, "selected", self->ig_layer_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->map_layer_dropdown, "notify::selected", G_CALLBACK (on_layer_selected), self);

  g_signal_connect (self->index_adjustment, "value-changed", G_CALLBACK (on_index_changed), self);
  g_signal_connect (self->most_frozen_button, "clicked", G_CALLBACK (on_most_frozen_clicked), self);
  g_signal_connect (self->show_bits_toggle, "toggled", G_CALLBACK (on_map_quantity_toggled), self);
  g_signal_connect (self->show_ig_toggle, "toggled", G_CALLBACK (on_map_quantity_toggled), self);
  g_signal_connect (self->show_fisher_toggle, "toggled", G_CALLBACK (on_map_quantity_toggled), self);
  g_signal_connect (self->scale_global_toggle, "toggled", G_CALLBACK (on_map_scale_toggled), self);
  g_signal_connect (self->zoom_reset_button, "clicked", G_CALLBACK (on_zoom_reset_clicked), self);
  g_signal_connect (self->map_view, "parameter-selected", G_CALLBACK (on_parameter_selected), self);
  g_signal_connect (self->map_view, "parameter-activated", G_CALLBACK (on_parameter_activated), self);
}
