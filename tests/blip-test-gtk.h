/* blip-test-gtk.h — helpers shared by the app's test programs (test-studio,
 * test-studio-rl): running the main loop until a condition holds, showing a
 * widget in a window, and rendering a widget as its next frame paints it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*BlipTestCondition) (gpointer data);

/* g_test_init, then, with a display, GTK and the app's resources (settings
 * in memory) and TRUE; without one, a single test `skip_path` that skips
 * with the reason, and FALSE: the caller then returns g_test_run (). */
gboolean    blip_test_gtk_init        (int *argc, char ***argv, const char *skip_path);

/* Runs the main loop until cond (data) holds or `seconds` pass; FALSE on time-out. */
gboolean    blip_test_wait_until      (BlipTestCondition cond, gpointer data, double seconds);
/* Whether `widget` is mapped with a width: a BlipTestCondition. */
gboolean    blip_test_widget_shown    (gpointer widget);
/* A window of width × height holding `child`, presented and shown (or the test fails). */
GtkWidget  *blip_test_show_in_window  (GtkWidget *child, int width, int height);
/* The widget as its next frame paints it (a new reference), or the test fails. */
GdkTexture *blip_test_render_texture  (GtkWidget *widget);

G_END_DECLS
