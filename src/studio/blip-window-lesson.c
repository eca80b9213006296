/* blip-window-lesson.c — playing a lesson in the window: each step may load
 * settings (a new run, unless it is the run already in place), show a view,
 * point at a parameter, and run batches, epochs, tasks or the whole run.
 * The lesson files themselves are read by libblip-lesson (src/lesson). */
#include "blip-window-private.h"
#include "blip-lesson-panel.h"

/* Two configurations describe the same run (the data directory aside). */
static gboolean
same_run (const BlipConfig *a, const BlipConfig *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  GString *ja = g_string_new (NULL), *jb = g_string_new (NULL);
  blip_config_append_json (ja, a, "");
  blip_config_append_json (jb, b, "");
  gboolean same = g_str_equal (ja->str, jb->str);
  g_string_free (ja, TRUE);
  g_string_free (jb, TRUE);
  return same;
}

static const char *
view_name (BlipLessonView view)
{
  switch (view)
    {
    case BLIP_LESSON_VIEW_BITS: return "bits";
    case BLIP_LESSON_VIEW_LAYER_MAP: return "layer-map";
    case BLIP_LESSON_VIEW_INFO_GAIN: return "info-gain";
    case BLIP_LESSON_VIEW_ACCURACY: return "acc-matrix";
    case BLIP_LESSON_VIEW_CURVES: return "curves";
    case BLIP_LESSON_VIEW_GAME: return "game";
    case BLIP_LESSON_VIEW_GAME_GRID: return "game-grid";
    case BLIP_LESSON_VIEW_METHODS: return "methods";
    case BLIP_LESSON_VIEW_NONE:
    default: return NULL;
    }
}

void
blip_studio_window_lesson_layers_ready (BlipStudioWindow *self)
{
  if (self->lesson_parameter_layer != NULL &&
      blip_studio_window_select_parameter (self, self->lesson_parameter_layer, self->lesson_parameter_index))
    g_clear_pointer (&self->lesson_parameter_layer, g_free);
}

static void
on_step_changed (BlipLessonPanel *panel, guint position, BlipStudioWindow *self)
{
  const BlipLessonStep *step = blip_lesson_get_step (blip_lesson_panel_get_lesson (panel), position);
  const BlipConfig *settings = blip_lesson_step_get_settings (step);
  if (settings != NULL && !same_run (settings, blip_runner_get_config (self->runner)))
    blip_studio_window_start_config (self, settings, blip_lesson_step_get_preset (step));
  /* The table was checked when the lesson loaded; opening it shows the
   * Methods view, unless the step names another. */
  const char *table = blip_lesson_step_get_table (step);
  if (table != NULL)
    blip_studio_window_open_table (self, table);
  const char *view = view_name (blip_lesson_step_get_view (step));
  if (view != NULL)
    blip_studio_window_set_view (self, view);
  const char *layer;
  guint64 index;
  g_clear_pointer (&self->lesson_parameter_layer, g_free);
  if (blip_lesson_step_get_parameter (step, &layer, &index))
    {
      self->lesson_parameter_layer = g_strdup (layer);
      self->lesson_parameter_index = index;
      /* A new run has no layers yet: then this waits for its first snapshot. */
      if (settings == NULL || same_run (settings, blip_runner_get_config (self->runner)))
        blip_studio_window_lesson_layers_ready (self);
    }
}

static void
on_run_requested (BlipLessonPanel *panel, guint position, BlipStudioWindow *self)
{
  const BlipLessonStep *step = blip_lesson_get_step (blip_lesson_panel_get_lesson (panel), position);
  guint count = 0;
  BlipLessonRun run = blip_lesson_step_get_run (step, &count);
  BlipStepUnit unit = run == BLIP_LESSON_RUN_BATCH ? BLIP_STEP_BATCH
                    : run == BLIP_LESSON_RUN_EPOCH ? BLIP_STEP_EPOCH : BLIP_STEP_TASK;
  if (run == BLIP_LESSON_RUN_ALL)
    blip_studio_window_play (self);
  else if (run != BLIP_LESSON_RUN_NONE)
    {
      /* The runner carries commands out in order, one after the other. */
      for (guint i = 0; i < count; i++)
        blip_runner_step (self->runner, unit);
      blip_studio_window_wake (self);
    }
}

static void
on_close_requested (BlipLessonPanel *panel, BlipStudioWindow *self)
{
  gtk_revealer_set_reveal_child (self->lesson_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->lesson_revealer), FALSE);
  gtk_revealer_set_child (self->lesson_revealer, NULL);
  self->lesson_panel = NULL;
}

gboolean
blip_studio_window_open_lesson (BlipStudioWindow *self, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
  if (lesson == NULL)
    {
      blip_studio_window_show_error (self, "The lesson could not be opened", error->message);
      return FALSE;
    }
  GtkWidget *panel = blip_lesson_panel_new (lesson);
  g_signal_connect (panel, "step-changed", G_CALLBACK (on_step_changed), self);
  g_signal_connect (panel, "run-requested", G_CALLBACK (on_run_requested), self);
  g_signal_connect (panel, "close-requested", G_CALLBACK (on_close_requested), self);
  gtk_revealer_set_child (self->lesson_revealer, panel);
  self->lesson_panel = panel;
  gtk_widget_set_visible (GTK_WIDGET (self->lesson_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->lesson_revealer, TRUE);
  blip_lesson_panel_set_position (BLIP_LESSON_PANEL (panel), 0);
  return TRUE;
}

static void
on_lesson_chosen (GtkNativeDialog *dialog, int response, BlipStudioWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        blip_studio_window_open_lesson (self, path);
    }
  g_object_unref (dialog);
}

/* The installed lessons, else those of the source tree (running uninstalled). */
static const char *
lessons_dir (void)
{
  return g_file_test (BLIP_LESSONS_DIR, G_FILE_TEST_IS_DIR) ? BLIP_LESSONS_DIR : BLIP_SOURCE_LESSONS_DIR;
}

void
blip_studio_window_action_open_lesson (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new ("Open Lesson", GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, "Lessons");
  gtk_file_filter_add_pattern (filter, "*.lesson");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  /* Start in the installed lessons, when there are some. */
  g_autoptr(GFile) dir = g_file_new_for_path (lessons_dir ());
  if (g_file_query_exists (dir, NULL))
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), dir, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_lesson_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_open_lesson_file (GSimpleAction *action, GVariant *param, gpointer self)
{
  blip_studio_window_open_lesson (self, g_variant_get_string (param, NULL));
}

/* A Lessons submenu in the main menu: every lesson file, by title. */
void
blip_studio_window_lesson_init (BlipStudioWindow *self)
{
  static const GActionEntry entries[] = {
    { .name = "open-lesson-file", .activate = action_open_lesson_file, .parameter_type = "s" },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_auto(GStrv) files = blip_lesson_find_files (lessons_dir (), NULL);
  GMenuModel *model = gtk_menu_button_get_menu_model (self->menu_button);
  if (files == NULL || files[0] == NULL || !G_IS_MENU (model))
    return;
  GMenu *lessons = g_menu_new ();
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(BlipLesson) lesson = blip_lesson_load (files[i], NULL);
      g_autofree char *label = lesson ? g_strdup (blip_lesson_get_title (lesson)) : g_path_get_basename (files[i]);
      GMenuItem *item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-lesson-file", g_variant_new_string (files[i]));
      g_menu_append_item (lessons, item);
      g_object_unref (item);
    }
  GMenu *section = g_menu_new ();
  g_menu_append_submenu (section, "_Lessons", G_MENU_MODEL (lessons));
  g_menu_insert_section (G_MENU (model), 1, NULL, G_MENU_MODEL (section));
  g_object_unref (section);
  g_object_unref (lessons);
}
