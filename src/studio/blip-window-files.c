/* blip-window-files.c — what the window reads and writes: sessions
 * (checkpoints), methods tables (table.json from blip table), figures of a
 * view (PNG, SVG, PDF) and screenshots of the whole window. File choosers are GtkFileChooserNative (GtkFileDialog needs
 * GTK 4.10); every failure ends in an error dialog naming the file, and the
 * app carries on. */
#include "blip-window-private.h"

#include "blip-studio-application.h"

typedef void (*FileChosenFunc) (BlipStudioWindow *self, GFile *file, GtkFileFilter *filter);

static GtkFileFilter *
filter_new (const char *name, const char *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  return filter;
}

static void
on_file_response (GtkNativeDialog *dialog, int response, BlipStudioWindow *self)
{
  FileChosenFunc func = g_object_get_data (G_OBJECT (dialog), "blip-func");
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        func (self, file, gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog)));
    }
  if (self->file_dialog == dialog)
    g_clear_object (&self->file_dialog);
}

static void
choose_file (BlipStudioWindow *self, GtkFileChooserAction action, const char *title, const char *accept,
             const char *current_name, GtkFileFilter **filters, FileChosenFunc func)
{
  if (self->file_dialog != NULL)
    gtk_native_dialog_destroy (self->file_dialog);
  g_clear_object (&self->file_dialog);
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, "_Cancel");
  GtkFileChooser *fc = GTK_FILE_CHOOSER (chooser);
  for (int i = 0; filters && filters[i]; i++)
    {
      gtk_file_chooser_add_filter (fc, filters[i]);
      g_object_unref (filters[i]);
    }
  if (current_name != NULL)
    gtk_file_chooser_set_current_name (fc, current_name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "blip-func", func);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_response), self);
  self->file_dialog = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->file_dialog);
}

/* ---- Sessions ------------------------------------------------------------------------ */

static void
open_session_chosen (BlipStudioWindow *self, GFile *file, GtkFileFilter *filter)
{
  g_autofree char *path = g_file_get_path (file);
  self->parameter_chosen = FALSE;
  self->auto_chosen_tasks = 0;
  blip_runner_open_session (self->runner, path, self->data_dir);
  blip_studio_window_wake (self);
}

void
blip_studio_window_action_open_session (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkFileFilter *filters[] = { filter_new ("BLIP Studio sessions", "*.safetensors"),
                               filter_new ("All files", "*"), NULL };
  choose_file (data, GTK_FILE_CHOOSER_ACTION_OPEN, "Open Session", "_Open", NULL, filters, open_session_chosen);
}

static void
save_session_chosen (BlipStudioWindow *self, GFile *file, GtkFileFilter *filter)
{
  g_autofree char *path = g_file_get_path (file);
  blip_runner_save_session (self->runner, path);
}

void
blip_studio_window_action_save_session (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  const BlipConfig *config = blip_runner_get_config (self->runner);
  g_autofree char *name = g_strdup_printf ("%s-%s-task%d.safetensors", config ? config->experiment : "run",
                                           config ? config->approach : "blip",
                                           blip_runner_get_tasks_done (self->runner));
  GtkFileFilter *filters[] = { filter_new ("BLIP Studio sessions", "*.safetensors"), NULL };
  choose_file (self, GTK_FILE_CHOOSER_ACTION_SAVE, "Save Session", "_Save", name, filters, save_session_chosen);
}

/* ---- Methods tables -------------------------------------------------------------------- */

gboolean
blip_studio_window_open_table (BlipStudioWindow *self, const char *path)
{
  g_return_val_if_fail (BLIP_IS_STUDIO_WINDOW (self), FALSE);
  /* blip table's --output folder stands for the table.json in it. */
  g_autofree char *file = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_build_filename (path, "table.json", NULL)
                                                                  : g_strdup (path);
  path = file;
  g_autoptr(GError) error = NULL;
  BlipTableFile *table = blip_table_file_load (path, &error);
  if (table == NULL)
    {
      blip_studio_window_show_error (self, "The methods table could not be opened", error->message);
      return FALSE;
    }
  blip_methods_view_set_table (self->methods_view, table);
  gtk_label_set_text (self->methods_label, path);
  blip_studio_window_set_view (self, "methods");
  g_autofree char *text = g_strdup_printf ("Opened the table of %d methods in %s", table->n_rows, path);
  gtk_label_set_text (self->message_label, text);
  return TRUE;
}

static void
open_table_chosen (BlipStudioWindow *self, GFile *file, GtkFileFilter *filter)
{
  g_autofree char *path = g_file_get_path (file);
  blip_studio_window_open_table (self, path);
}

void
blip_studio_window_action_open_table (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkFileFilter *filters[] = { filter_new ("Methods tables (table.json)", "table*.json"),
                               filter_new ("JSON files", "*.json"), filter_new ("All files", "*"), NULL };
  choose_file (data, GTK_FILE_CHOOSER_ACTION_OPEN, "Open Methods Table", "_Open", NULL, filters, open_table_chosen);
}

/* ---- Figures ------------------------------------------------------------------------- */

static void
export_chosen (BlipStudioWindow *self, GFile *file, GtkFileFilter *filter)
{
  g_autofree char *path = g_file_get_path (file);
  if (!g_str_has_suffix (path, ".png") && !g_str_has_suffix (path, ".svg") && !g_str_has_suffix (path, ".pdf"))
    {
      /* No extension typed: take the chosen filter's format. */
      const char *name = filter ? gtk_file_filter_get_name (filter) : NULL;
      const char *ext = name && g_str_has_prefix (name, "SVG") ? ".svg"
                      : name && g_str_has_prefix (name, "PDF") ? ".pdf" : ".png";
      char *with_ext = g_strconcat (path, ext, NULL);
      g_free (path);
      path = with_ext;
    }
  BlipFigureView *view = blip_studio_window_get_visible_view (self);
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean games = g_strcmp0 (page, "game") == 0 || g_strcmp0 (page, "game-grid") == 0;
  GtkWidget *shown = view ? GTK_WIDGET (view) : games ? blip_studio_window_get_view (self, page)
                                                      : GTK_WIDGET (self->compare_view);
  int width = gtk_widget_get_width (shown), height = gtk_widget_get_height (shown);
  if (width < 100 || height < 100)
    width = 1200, height = 800;
  g_autoptr(GError) error = NULL;
  gboolean written = view ? blip_figure_view_export (view, path, width, height, &error)
                   : games ? blip_studio_window_games_export (self, page, path, width, height, &error)
                   : blip_compare_view_export (self->compare_view, path, width, height, &error);
  if (!written)
    blip_studio_window_show_error (self, "The figure could not be exported", error->message);
  else
    {
      g_autofree char *text = g_strdup_printf ("Figure exported to %s", path);
      gtk_label_set_text (self->message_label, text);
    }
}

void
blip_studio_window_action_export_view (GSimpleAction *action, GVariant *param, gpointer data)
{
  BlipStudioWindow *self = data;
  const BlipConfig *config = blip_runner_get_config (self->runner);
  g_autofree char *name = g_strdup_printf ("%s-%s-%s.png", gtk_stack_get_visible_child_name (self->stack),
                                           config ? config->experiment : "run", config ? config->approach : "blip");
  GtkFileFilter *filters[] = { filter_new ("PNG image", "*.png"), filter_new ("SVG drawing", "*.svg"),
                               filter_new ("PDF document", "*.pdf"), NULL };
  choose_file (self, GTK_FILE_CHOOSER_ACTION_SAVE, "Export View", "_Export", name, filters, export_chosen);
}

/* ---- Screenshots ----------------------------------------------------------------------- */

/* Draws the widget (and its children) into a fresh snapshot and renders that
 * with the window's renderer. Only valid while the layout is clean, i.e.
 * right after a frame was painted. */
static GdkTexture *
render_now (GtkWidget *widget, GError **error)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || width <= 0 || height <= 0)
    {
      g_clear_pointer (&node, gsk_render_node_unref);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return NULL;
    }
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  return texture;
}

typedef struct {
  GtkWidget              *widget;
  GdkFrameClock          *clock;
  gulong                  handler;
  BlipStudioRenderedFunc  func;
  gpointer                data;
} RenderRequest;

static void
on_after_paint (GdkFrameClock *clock, RenderRequest *r)
{
  g_signal_handler_disconnect (clock, r->handler);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = render_now (r->widget, &error);
  r->func (r->widget, texture, error, r->data);
  g_clear_object (&texture);
  g_object_unref (r->widget);
  g_object_unref (r->clock);
  g_free (r);
}

void
blip_studio_render_widget (GtkWidget *widget, BlipStudioRenderedFunc func, gpointer data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL || !gtk_widget_get_mapped (widget))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
      func (widget, NULL, error, data);
      return;
    }
  RenderRequest *r = g_new0 (RenderRequest, 1);
  r->widget = g_object_ref (widget);
  r->clock = g_object_ref (clock);
  r->func = func;
  r->data = data;
  r->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), r);
  gtk_widget_queue_draw (widget);
}

static void
screenshot_rendered (GtkWidget *widget, GdkTexture *texture, const GError *error, gpointer data)
{
  BlipStudioWindow *self = BLIP_STUDIO_WINDOW (widget);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  if (texture != NULL && gdk_texture_save_to_png (texture, self->screenshot_path))
    g_print ("blip-studio: wrote %s after %d tasks\n", self->screenshot_path,
             blip_runner_get_tasks_done (self->runner));
  else
    {
      g_printerr ("blip-studio: %s: %s\n", self->screenshot_path,
                  error ? error->message : "could not write the PNG file");
      if (BLIP_IS_STUDIO_APPLICATION (app))
        blip_studio_application_set_failed (BLIP_STUDIO_APPLICATION (app));
    }
  g_clear_pointer (&self->screenshot_path, g_free);
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
take_screenshot (gpointer data)
{
  BlipStudioWindow *self = data;
  self->screenshot_timeout = 0;
  blip_studio_window_refresh (self);
  blip_studio_render_widget (GTK_WIDGET (self), screenshot_rendered, NULL);
  return G_SOURCE_REMOVE;
}

void
blip_studio_window_check_screenshot (BlipStudioWindow *self, int tasks_done)
{
  if (self->screenshot_path == NULL || self->screenshot_timeout != 0)
    return;
  BlipSnapshotBox *box = blip_runner_get_box (self->runner);
  g_autoptr(BlipSnapshot) s = box ? blip_snapshot_box_get (box) : NULL;
  int n_tasks = s ? s->n_tasks : self->screenshot_after;
  /* With the Compare view running, both runs must be there. */
  int compare_done = blip_studio_window_compare_tasks_done (self);
  if (compare_done >= 0)
    tasks_done = MIN (tasks_done, compare_done);
  if (tasks_done < MIN (self->screenshot_after, n_tasks))
    return;
  /* Let the pause reach the status line and one frame be drawn first. */
  self->screenshot_timeout = g_timeout_add (500, take_screenshot, self);
}

void
blip_studio_window_screenshot_after_task (BlipStudioWindow *self, int tasks, const char *path)
{
  g_free (self->screenshot_path);
  self->screenshot_path = g_strdup (path);
  self->screenshot_after = MAX (tasks, 1);
  blip_runner_set_pause_after_task (self->runner, self->screenshot_after);
  if (self->compare_runner != NULL)
    blip_runner_set_pause_after_task (self->compare_runner, self->screenshot_after);
}

void
blip_studio_window_files_dispose (BlipStudioWindow *self)
{
  if (self->file_dialog != NULL)
    gtk_native_dialog_destroy (self->file_dialog);
  g_clear_object (&self->file_dialog);
  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);
  g_clear_pointer (&self->screenshot_path, g_free);
}

GtkNativeDialog *
blip_studio_window_get_file_dialog (BlipStudioWindow *self)
{
  g_return_val_if_fail (BLIP_IS_STUDIO_WINDOW (self), NULL);
  return self->file_dialog;
}
