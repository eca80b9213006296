/* blip-test-gtk.c — see blip-test-gtk.h. */
#include "blip-test-gtk.h"
#include "blip-window.h"
#include "blip-studio-application.h"

gboolean
blip_test_wait_until (BlipTestCondition cond, gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  return TRUE;
}

gboolean
blip_test_widget_shown (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

GtkWidget *
blip_test_show_in_window (GtkWidget *child, int width, int height)
{
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (blip_test_wait_until (blip_test_widget_shown, child, 20));
  return window;
}

typedef struct {
  GdkTexture *texture;
  gboolean    done;
} Rendered;

static void
on_rendered (GtkWidget *widget, GdkTexture *texture, const GError *error, gpointer data)
{
  Rendered *r = data;
  g_assert_no_error ((GError *) error);
  r->texture = g_object_ref (texture);
  r->done = TRUE;
}

static gboolean
rendered (gpointer data)
{
  return ((Rendered *) data)->done;
}

GdkTexture *
blip_test_render_texture (GtkWidget *widget)
{
  Rendered r = { NULL, FALSE };
  blip_studio_render_widget (widget, on_rendered, &r);
  g_assert_true (blip_test_wait_until (rendered, &r, 30));
  return r.texture;
}

static void
test_no_display (void)
{
  g_test_skip ("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (the suite runs this under xvfb-run)");
}

gboolean
blip_test_gtk_init (int *argc, char ***argv, const char *skip_path)
{
  g_test_init (argc, argv, NULL);
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_add_func (skip_path, test_no_display);
      return FALSE;
    }
  /* The file chooser keeps its settings in GSettings; dconf would need a
   * D-Bus session (none under xvfb-run, and its warning is fatal here) and
   * would write into the user's settings. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* GTK's test accessibility context: no AT-SPI bus is needed, and the tests
   * can check what a screen reader would be told. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_init ();
  blip_studio_register_resources ();
  return TRUE;
}
