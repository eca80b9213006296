/* blip-window.h — the main window of blip-studio: run controls, the nine
 * views, the lesson panel and the status line, fed from a BlipRunner (the
 * Methods view from a table.json instead). */
#pragma once

#include <gtk/gtk.h>

#include "blip-runner.h"

G_BEGIN_DECLS

#define BLIP_TYPE_STUDIO_WINDOW (blip_studio_window_get_type ())
G_DECLARE_FINAL_TYPE (BlipStudioWindow, blip_studio_window, BLIP, STUDIO_WINDOW, GtkApplicationWindow)

BlipStudioWindow *blip_studio_window_new          (GtkApplication *application);

/* Where data sets are looked for (NULL: $BLIP_DATA_DIR, then the XDG folder). */
void        blip_studio_window_set_data_dir       (BlipStudioWindow *self, const char *data_dir);
/* Selects experiment, approach and preset (NULL keeps the current choice)
 * and starts that run. FALSE with an error for an unknown name. */
gboolean    blip_studio_window_start              (BlipStudioWindow *self, const char *experiment,
                                                   const char *approach, const char *preset, GError **error);
/* Starts a run from a full configuration (its data_dir is ignored). */
void        blip_studio_window_start_config       (BlipStudioWindow *self, const BlipConfig *config,
                                                   const char *preset);
void        blip_studio_window_play               (BlipStudioWindow *self);
/* "bits", "layer-map", "info-gain", "acc-matrix", "curves", "compare",
 * "game", "game-grid" or "methods". */
gboolean    blip_studio_window_set_view           (BlipStudioWindow *self, const char *name);
GtkWidget  *blip_studio_window_get_view           (BlipStudioWindow *self, const char *name);
BlipRunner *blip_studio_window_get_runner         (BlipStudioWindow *self);
/* The Compare view's second run (NULL until that view was shown, or when
 * its switch is off). */
BlipRunner *blip_studio_window_get_compare_runner (BlipStudioWindow *self);
/* The Settings… popover (Ctrl+comma). */
GtkWidget  *blip_studio_window_get_settings       (BlipStudioWindow *self);
/* Shows parameter index of the layer named layer_name in the bits view. */
gboolean    blip_studio_window_select_parameter   (BlipStudioWindow *self, const char *layer_name, guint64 index);

/* Renders widget at the end of the next frame (layout and paint done) with
 * its window's renderer, as that frame showed it, and calls func with the
 * texture (NULL, with error set, when the widget is not shown). */
typedef void (*BlipStudioRenderedFunc) (GtkWidget *widget, GdkTexture *texture, const GError *error,
                                        gpointer data);
void        blip_studio_render_widget             (GtkWidget *widget, BlipStudioRenderedFunc func, gpointer data);
/* When the run has finished `tasks` tasks: pause, write the window to path
 * as PNG, and close the window. */
void        blip_studio_window_screenshot_after_task (BlipStudioWindow *self, int tasks, const char *path);

/* --measure-stalls: while the run trains, measure the main loop's stalls
 * (BlipStallMeter) and the layer map's drawing; after `tasks` tasks (0:
 * never) or `seconds` (0: never), print the two report lines and close the
 * window. */
void        blip_studio_window_measure_stalls     (BlipStudioWindow *self, int tasks, double seconds);

/* Opens a table.json written by blip table (or the table.json in the folder
 * path names, blip table's --output) in the Methods view and shows that
 * view; errors are shown in a dialog naming the file. */
gboolean    blip_studio_window_open_table         (BlipStudioWindow *self, const char *path);

/* Opens a lesson in the side panel; errors are shown in a dialog. */
gboolean    blip_studio_window_open_lesson        (BlipStudioWindow *self, const char *path);

/* Copies the newest snapshot into the views now rather than at the next
 * frame (for tests and screenshots). */
void        blip_studio_window_refresh            (BlipStudioWindow *self);

G_END_DECLS
