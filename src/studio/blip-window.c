/* blip-window.c — the main window: the header bar's experiment, approach
 * and preset choices and the Settings… popover start runs on a BlipRunner,
 * the window's actions play, pause and step it (and the Compare view's second
 * run with it), and its signals end in the status line or a dialog. The
 * views and the frame clock are in blip-window-views.c, files in
 * blip-window-files.c, the second run in blip-window-compare.c,
 * --measure-stalls in blip-window-measure.c, lessons in blip-window-lesson.c,
 * the games of reinforcement runs in blip-window-games.c. */
#include "blip-window-private.h"

#include "blip-datadir.h"
#include "blip-studio-application.h"

G_DEFINE_FINAL_TYPE (BlipStudioWindow, blip_studio_window, GTK_TYPE_APPLICATION_WINDOW)

static const char * const preset_names[] = { "paper", "quick", "classroom", "forgetting" };

/* ---- Runs ------------------------------------------------------------------------ */

static void
fill_choices (BlipStudioWindow *self)
{
  gsize n;
  const BlipExperimentInfo *experiments = blip_experiment_list (&n);
  GtkStringList *list = gtk_string_list_new (NULL);
  self->experiment_names = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      /* "MNIST-5: five tasks of two digits" shows as "MNIST-5", "MinAtar games
       * (10×10 …), one task …" as "MinAtar games". */
      const char *colon = strpbrk (experiments[i].title, ":(");
      while (colon != NULL && colon > experiments[i].title && colon[-1] == ' ')
        colon--;
      g_autofree char *label = colon ? g_strndup (experiments[i].title, colon - experiments[i].title)
                                     : g_strdup (experiments[i].title);
      gtk_string_list_append (list, label);
      self->experiment_names[i] = g_strdup (experiments[i].name);
    }
  gtk_drop_down_set_model (self->experiment_dropdown, G_LIST_MODEL (list));
  g_object_unref (list);

  const BlipStrategyClass * const *strategies = blip_strategy_list (&n);
  list = gtk_string_list_new (NULL);
  self->approach_names = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      gtk_string_list_append (list, strategies[i]->title);
      self->approach_names[i] = g_strdup (strategies[i]->name);
    }
  gtk_drop_down_set_model (self->approach_dropdown, G_LIST_MODEL (list));
  g_object_unref (list);
}

static guint
name_position (char **names, const char *name)
{
  for (guint i = 0; names && names[i]; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static const char *
selected_name (GtkDropDown *dropdown, char **names, guint n_names)
{
  guint pos = gtk_drop_down_get_selected (dropdown);
  return pos < n_names ? names[pos] : NULL;
}

/* The configuration the header bar describes. */
static void
config_from_controls (BlipStudioWindow *self, BlipConfig *config)
{
  const char *experiment = selected_name (self->experiment_dropdown, self->experiment_names,
                                          g_strv_length (self->experiment_names));
  const char *approach = selected_name (self->approach_dropdown, self->approach_names,
                                        g_strv_length (self->approach_names));
  guint preset = gtk_drop_down_get_selected (self->preset_dropdown);
  blip_config_init_defaults (config);
  blip_config_apply_preset (config, experiment, NULL);
  blip_config_apply_speed_preset (config, preset_names[MIN (preset, G_N_ELEMENTS (preset_names) - 1)], NULL);
  g_free (config->approach);
  config->approach = g_strdup (approach ? approach : "blip");
  config->data_dir = g_strdup (self->data_dir);
}

static const char *
current_preset (BlipStudioWindow *self)
{
  return preset_names[MIN (gtk_drop_down_get_selected (self->preset_dropdown), G_N_ELEMENTS (preset_names) - 1)];
}

/* Starts config as the new run, and the Compare view's second run with it. */
static void
start_run (BlipStudioWindow *self, const BlipConfig *config)
{
  self->parameter_chosen = FALSE;
  self->auto_chosen_tasks = 0;
  blip_runner_configure (self->runner, config);
  blip_studio_window_compare_restart (self);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->settings_popover)))
    blip_settings_popover_set_config (self->settings_popover, config, current_preset (self));
  blip_studio_window_wake (self);
}

static void
start_from_controls (BlipStudioWindow *self)
{
  BlipConfig config;
  config_from_controls (self, &config);
  start_run (self, &config);
  blip_config_clear (&config);
}

static void
on_choice_changed (GtkDropDown *dropdown, GParamSpec *pspec, BlipStudioWindow *self)
{
  if (self->updating || !self->started)
    return;
  const BlipConfig *current = blip_runner_get_config (self->runner);
  const char *approach = selected_name (self->approach_dropdown, self->approach_names,
                                        g_strv_length (self->approach_names));
  if (dropdown == self->approach_dropdown && current != NULL && approach != NULL)
    {
      /* Another approach keeps the settings of the run in place; another
       * experiment or preset starts from its preset values. */
      BlipConfig config;
      blip_config_copy (&config, current);
      g_free (config.approach);
      config.approach = g_strdup (approach);
      start_run (self, &config);
      blip_config_clear (&config);
      return;
    }
  start_from_controls (self);
}

gboolean
blip_studio_window_start (BlipStudioWindow *self, const char *experiment, const char *approach,
                          const char *preset, GError **error)
{
  guint e = experiment ? name_position (self->experiment_names, experiment) : 0;
  guint a = approach ? name_position (self->approach_names, approach) : 0;
  guint p = preset ? name_position ((char **) preset_names, preset) : 2;
  if (experiment && e == GTK_INVALID_LIST_POSITION)
    {
      g_autofree char *names = g_strjoinv (", ", self->experiment_names);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--experiment: unknown experiment “%s” (expected one of: %s)", experiment, names);
      return FALSE;
    }
  if (approach && a == GTK_INVALID_LIST_POSITION)
    {
      g_autofree char *names = g_strjoinv (", ", self->approach_names);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--approach: unknown approach “%s” (expected one of: %s)", approach, names);
      return FALSE;
    }
  if (preset && p >= G_N_ELEMENTS (preset_names))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--preset: unknown preset “%s” (expected paper, quick, classroom or forgetting)", preset);
      return FALSE;
    }
  self->updating++;
  gtk_drop_down_set_selected (self->experiment_dropdown, e);
  gtk_drop_down_set_selected (self->approach_dropdown, a);
  gtk_drop_down_set_selected (self->preset_dropdown, p);
  self->updating--;
  self->started = TRUE;
  start_from_controls (self);
  return TRUE;
}

void
blip_studio_window_start_config (BlipStudioWindow *self, const BlipConfig *config, const char *preset)
{
  BlipConfig copy;
  blip_config_copy (&copy, config);
  g_free (copy.data_dir);
  copy.data_dir = g_strdup (self->data_dir);
  self->updating++;
  guint e = name_position (self->experiment_names, config->experiment);
  guint a = name_position (self->approach_names, config->approach);
  guint p = preset ? name_position ((char **) preset_names, preset) : GTK_INVALID_LIST_POSITION;
  if (e != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->experiment_dropdown, e);
  if (a != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->approach_dropdown, a);
  if (p != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->preset_dropdown, p);
  self->updating--;
  self->started = TRUE;
  start_run (self, &copy);
  blip_config_clear (&copy);
}

void
blip_studio_window_set_data_dir (BlipStudioWindow *self, const char *data_dir)
{
  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);
}

BlipRunner *
blip_studio_window_get_runner (BlipStudioWindow *self)
{
  return self->runner;
}

void
blip_studio_window_play (BlipStudioWindow *self)
{
  blip_runner_play (self->runner);
  blip_studio_window_compare_play (self);
  blip_studio_window_wake (self);
}

GtkWidget *
blip_studio_window_get_settings (BlipStudioWindow *self)
{
  return GTK_WIDGET (self->settings_popover);
}

/* ---- Actions ----------------------------------------------------------------------- */

static void
update_actions (BlipStudioWindow *self)
{
  BlipRunnerState state = blip_runner_get_state (self->runner);
  gboolean playing = blip_runner_get_playing (self->runner);
  gboolean ready = state == BLIP_RUNNER_READY && !playing;
  gboolean have_run = state == BLIP_RUNNER_READY || state == BLIP_RUNNER_RUNNING || state == BLIP_RUNNER_FINISHED;
  struct { const char *name; gboolean enabled; } table[] = {
    { "play", ready }, { "pause", playing || state == BLIP_RUNNER_RUNNING },
    { "play-pause", ready || playing || state == BLIP_RUNNER_RUNNING },
    { "step-batch", ready }, { "step-epoch", ready }, { "step-task", ready },
    { "reset", state != BLIP_RUNNER_LOADING && blip_runner_get_config (self->runner) != NULL },
    { "save-session", have_run }, { "open-session", state != BLIP_RUNNER_LOADING },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), table[i].name);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), table[i].enabled);
    }
  gboolean pause_shown = playing || state == BLIP_RUNNER_RUNNING;
  gtk_image_set_from_icon_name (self->play_icon, pause_shown ? "media-playback-pause-symbolic"
                                                             : "media-playback-start-symbolic");
  gtk_label_set_text (self->play_label, pause_shown ? "Pause" : "Play");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button), pause_shown ? "Pause (Space)" : "Play (Space)");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  pause_shown ? "Pause" : "Play", -1);
  if (state == BLIP_RUNNER_LOADING || state == BLIP_RUNNER_RUNNING)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
}

static void
on_runner_state (BlipRunner *runner, GParamSpec *pspec, BlipStudioWindow *self)
{
  update_actions (self);
  blip_studio_window_wake (self);
  BlipSnapshotBox *box = blip_runner_get_box (runner);
  g_autoptr(BlipSnapshot) s = box ? blip_snapshot_box_get (box) : NULL;
  blip_studio_window_update_status (self, s);
  blip_studio_window_compare_show_left (self, s);
}

static void
action_play (GSimpleAction *action, GVariant *param, gpointer self)
{
  blip_studio_window_play (self);
}

static void
action_pause (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  blip_runner_pause (self->runner);
  blip_studio_window_compare_pause (self);
  blip_studio_window_wake (self);
}

static void
action_play_pause (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  if (blip_runner_get_playing (self->runner) || blip_runner_get_state (self->runner) == BLIP_RUNNER_RUNNING)
    action_pause (action, param, self);
  else
    action_play (action, param, self);
}

static void
step (BlipStudioWindow *self, BlipStepUnit unit)
{
  blip_runner_step (self->runner, unit);
  blip_studio_window_compare_step (self, unit);
  blip_studio_window_wake (self);
}

static void action_step_batch (GSimpleAction *a, GVariant *p, gpointer self) { step (self, BLIP_STEP_BATCH); }
static void action_step_epoch (GSimpleAction *a, GVariant *p, gpointer self) { step (self, BLIP_STEP_EPOCH); }
static void action_step_task (GSimpleAction *a, GVariant *p, gpointer self) { step (self, BLIP_STEP_TASK); }

static void
action_reset (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  self->parameter_chosen = FALSE;
  self->auto_chosen_tasks = 0;
  blip_runner_reset (self->runner);
  /* The second run is stopped, freed and started again from scratch too. */
  blip_studio_window_compare_restart (self);
  blip_studio_window_wake (self);
}

static void
action_high_contrast (GSimpleAction *action, GVariant *value, gpointer data)
{
  BlipStudioWindow *self = data;
  g_simple_action_set_state (action, value);
  for (int i = 0; blip_studio_window_view_at (self, i) != NULL; i++)
    blip_figure_view_set_high_contrast (blip_studio_window_view_at (self, i), g_variant_get_boolean (value));
  blip_compare_view_set_high_contrast (self->compare_view, g_variant_get_boolean (value));
  blip_figure_view_set_high_contrast (BLIP_FIGURE_VIEW (self->methods_view), g_variant_get_boolean (value));
}

static void
action_large_text (GSimpleAction *action, GVariant *value, gpointer data)
{
  g_simple_action_set_state (action, value);
  if (g_variant_get_boolean (value))
    gtk_widget_add_css_class (GTK_WIDGET (data), "large-text");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (data), "large-text");
}

static void
action_show_view (GSimpleAction *action, GVariant *param, gpointer self)
{
  blip_studio_window_set_view (self, g_variant_get_string (param, NULL));
}

static void
action_settings (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  gtk_menu_button_popup (self->settings_button);
}

static const GActionEntry win_actions[] = {
  { .name = "play", .activate = action_play },
  { .name = "pause", .activate = action_pause },
  { .name = "play-pause", .activate = action_play_pause },
  { .name = "step-batch", .activate = action_step_batch },
  { .name = "step-epoch", .activate = action_step_epoch },
  { .name = "step-task", .activate = action_step_task },
  { .name = "reset", .activate = action_reset },
  { .name = "show-view", .activate = action_show_view, .parameter_type = "s" },
  { .name = "settings", .activate = action_settings },
  { .name = "open-session", .activate = blip_studio_window_action_open_session },
  { .name = "save-session", .activate = blip_studio_window_action_save_session },
  { .name = "export-view", .activate = blip_studio_window_action_export_view },
  { .name = "open-lesson", .activate = blip_studio_window_action_open_lesson },
  { .name = "open-table", .activate = blip_studio_window_action_open_table },
  { .name = "high-contrast", .state = "false", .change_state = action_high_contrast },
  { .name = "large-text", .state = "false", .change_state = action_large_text },
};

/* ---- Runner signals ---------------------------------------------------------------- */

static void
on_runner_session_changed (BlipRunner *runner, BlipStudioWindow *self)
{
  /* Keep the header bar true to the run in place (a session may have brought another). */
  const BlipConfig *config = blip_runner_get_config (runner);
  if (config != NULL)
    {
      self->updating++;
      guint e = name_position (self->experiment_names, config->experiment);
      guint a = name_position (self->approach_names, config->approach);
      if (e != GTK_INVALID_LIST_POSITION)
        gtk_drop_down_set_selected (self->experiment_dropdown, e);
      if (a != GTK_INVALID_LIST_POSITION)
        gtk_drop_down_set_selected (self->approach_dropdown, a);
      self->updating--;
      if (!gtk_widget_get_visible (GTK_WIDGET (self->settings_popover)))
        blip_settings_popover_set_config (self->settings_popover, config, current_preset (self));
    }
  g_clear_pointer (&self->layer_signature, g_free);
  blip_studio_window_games_session_changed (self);
  blip_studio_window_compare_follow (self);
  blip_studio_window_refresh (self);
  blip_studio_window_wake (self);
}

static void
on_runner_error (BlipRunner *runner, guint kind, const char *message, BlipStudioWindow *self)
{
  if (self->screenshot_path != NULL)
    {
      /* Unattended (--screenshot): say why on stderr and give up. */
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      g_printerr ("blip-studio: %s\n", message);
      if (BLIP_IS_STUDIO_APPLICATION (app))
        blip_studio_application_set_failed (BLIP_STUDIO_APPLICATION (app));
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (kind == BLIP_RUNNER_ERROR_DATA)
    {
      g_autofree char *dir = blip_data_dir_resolve (self->data_dir);
      g_autofree char *hint = g_strdup_printf (
        "%s\n\nBLIP Studio looked in the data directory %s (set by --data-dir, else $BLIP_DATA_DIR, "
        "else ~/.local/share/blip-studio/data).\n\n"
        "To download MNIST there: blip run --experiment mnist5 --download --data-dir %s\n"
        "Fashion-MNIST: sudo apt install dataset-fashion-mnist\n\n"
        "Then choose the experiment again, or start blip-studio with --data-dir DIR.", message, dir, dir);
      blip_studio_window_show_error (self, "The data set could not be opened", hint);
    }
  else if (kind == BLIP_RUNNER_ERROR_SESSION_OPEN)
    blip_studio_window_show_error (self, "The session could not be opened", message);
  else if (kind == BLIP_RUNNER_ERROR_SESSION_SAVE)
    blip_studio_window_show_error (self, "The session could not be saved", message);
  else
    blip_studio_window_show_error (self, "Training stopped", message);
}

static void
on_runner_message (BlipRunner *runner, const char *message, BlipStudioWindow *self)
{
  gtk_label_set_text (self->message_label, message);
}

static void
on_runner_saved (BlipRunner *runner, const char *path, BlipStudioWindow *self)
{
  g_autofree char *text = g_strdup_printf ("Session saved to %s", path);
  gtk_label_set_text (self->message_label, text);
}

static void
on_runner_task_ended (BlipRunner *runner, int tasks_done, BlipStudioWindow *self)
{
  blip_studio_window_refresh (self);
  blip_studio_window_games_task_ended (self);
  blip_studio_window_check_screenshot (self, tasks_done);
  blip_studio_window_measure_check (self);
}

void
blip_studio_window_show_error (BlipStudioWindow *self, const char *title, const char *message)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  g_message ("%s: %s", title, message);
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
on_speed_changed (GtkAdjustment *adjustment, BlipStudioWindow *self)
{
  blip_runner_set_speed (self->runner, gtk_adjustment_get_value (adjustment));
  if (self->compare_runner != NULL)
    blip_runner_set_speed (self->compare_runner, gtk_adjustment_get_value (adjustment));
}

static void
on_settings_shown (GtkWidget *popover, BlipStudioWindow *self)
{
  /* Always the settings of the run in place (or of the header bar's choice). */
  BlipConfig config;
  const BlipConfig *current = blip_runner_get_config (self->runner);
  if (current != NULL)
    blip_config_copy (&config, current);
  else
    config_from_controls (self, &config);
  blip_settings_popover_set_config (self->settings_popover, &config, current_preset (self));
  blip_config_clear (&config);
}

static void
on_settings_applied (BlipSettingsPopover *popover, const BlipConfig *config, BlipStudioWindow *self)
{
  self->started = TRUE;
  start_run (self, config);
  gtk_label_set_text (self->message_label, "New settings applied: the run started again");
}

static void
blip_studio_window_dispose (GObject *object)
{
  BlipStudioWindow *self = BLIP_STUDIO_WINDOW (object);
  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  /* Views drop their snapshots and the borrowed history before the runner goes. */
  for (int i = 0; self->bits_view && blip_studio_window_view_at (self, i) != NULL; i++)
    blip_figure_view_set_data (blip_studio_window_view_at (self, i), NULL, NULL, NULL);
  blip_studio_window_measure_dispose (self);
  blip_studio_window_games_dispose (self);
  /* The second run stops (its thread joined) before the widgets go. */
  blip_studio_window_compare_dispose (self);
  if (self->settings_popover != NULL)
    g_signal_handlers_disconnect_by_data (self->settings_popover, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), BLIP_TYPE_STUDIO_WINDOW);
  g_clear_object (&self->runner);
  blip_studio_window_files_dispose (self);
  G_OBJECT_CLASS (blip_studio_window_parent_class)->dispose (object);
}

static void
blip_studio_window_finalize (GObject *object)
{
  BlipStudioWindow *self = BLIP_STUDIO_WINDOW (object);
  g_strfreev (self->experiment_names);
  g_strfreev (self->approach_names);
  g_free (self->data_dir);
  g_free (self->layer_signature);
  g_free (self->lesson_parameter_layer);
  g_clear_pointer (&self->layer_index, g_array_unref);
  G_OBJECT_CLASS (blip_studio_window_parent_class)->finalize (object);
}

static void
blip_studio_window_class_init (BlipStudioWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = blip_studio_window_dispose;
  object_class->finalize = blip_studio_window_finalize;

  g_type_ensure (BLIP_TYPE_BITS_VIEW);
  g_type_ensure (BLIP_TYPE_LAYER_MAP_VIEW);
  g_type_ensure (BLIP_TYPE_INFO_GAIN_VIEW);
  g_type_ensure (BLIP_TYPE_ACC_MATRIX_VIEW);
  g_type_ensure (BLIP_TYPE_CURVES_VIEW);
  g_type_ensure (BLIP_TYPE_COMPARE_VIEW);
  g_type_ensure (BLIP_TYPE_METHODS_VIEW);
  g_type_ensure (BLIP_TYPE_SETTINGS_POPOVER);
  g_type_ensure (BLIP_TYPE_GAME_VIEW);
  g_type_ensure (BLIP_TYPE_GAME_GRID);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BlipStudioWindow, name)
  BIND (experiment_dropdown); BIND (approach_dropdown); BIND (preset_dropdown);
  BIND (speed_adjustment); BIND (play_button); BIND (play_icon); BIND (play_label);
  BIND (stack); BIND (bits_layer_dropdown); BIND (map_layer_dropdown); BIND (ig_layer_dropdown);
  BIND (index_adjustment); BIND (most_frozen_button); BIND (show_bits_toggle); BIND (show_ig_toggle);
  BIND (show_fisher_toggle); BIND (scale_layer_toggle); BIND (scale_global_toggle); BIND (zoom_reset_button);
  BIND (bits_view); BIND (map_view); BIND (ig_view); BIND (acc_view); BIND (curves_view);
  BIND (lesson_revealer); BIND (spinner); BIND (status_label); BIND (message_label); BIND (menu_button);
  BIND (settings_button); BIND (settings_popover); BIND (compare_view); BIND (game_view); BIND (game_grid);
  BIND (methods_view); BIND (methods_label);
#undef BIND
}

static void
blip_studio_window_init (BlipStudioWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);

  self->runner = blip_runner_new ();
  g_signal_connect (self->runner, "notify::state", G_CALLBACK (on_runner_state), self);
  g_signal_connect (self->runner, "notify::playing", G_CALLBACK (on_runner_state), self);
  g_signal_connect (self->runner, "session-changed", G_CALLBACK (on_runner_session_changed), self);
  g_signal_connect (self->runner, "error", G_CALLBACK (on_runner_error), self);
  g_signal_connect (self->runner, "message", G_CALLBACK (on_runner_message), self);
  g_signal_connect (self->runner, "session-saved", G_CALLBACK (on_runner_saved), self);
  g_signal_connect (self->runner, "task-ended", G_CALLBACK (on_runner_task_ended), self);

  fill_choices (self);
  g_signal_connect (self->experiment_dropdown, "notify::selected", G_CALLBACK (on_choice_changed), self);
  g_signal_connect (self->approach_dropdown, "notify::selected", G_CALLBACK (on_choice_changed), self);
  g_signal_connect (self->preset_dropdown, "notify::selected", G_CALLBACK (on_choice_changed), self);

  blip_studio_window_views_init (self);
  g_signal_connect (self->speed_adjustment, "value-changed", G_CALLBACK (on_speed_changed), self);

  g_signal_connect (self->settings_popover, "show", G_CALLBACK (on_settings_shown), self);
  g_signal_connect (self->settings_popover, "apply", G_CALLBACK (on_settings_applied), self);

  gtk_stack_set_visible_child_name (self->stack, "layer-map");
  blip_studio_window_compare_init (self);
  blip_studio_window_games_init (self);
  update_actions (self);
  blip_studio_window_lesson_init (self);
}

BlipStudioWindow *
blip_studio_window_new (GtkApplication *application)
{
  return g_object_new (BLIP_TYPE_STUDIO_WINDOW, "application", application, NULL);
}
