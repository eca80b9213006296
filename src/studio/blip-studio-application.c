/* blip-studio-application.c — BlipStudioApplication: parses the command line
 * (--data-dir, --experiment, --approach, --preset, --autoplay, --view,
 * --lesson, --large-text, --high-contrast, --screenshot,
 * --screenshot-after-task, --measure-stalls, --measure-seconds), opens the
 * window, and
 * owns the app actions (quit, about, shortcuts) and the accelerators. */
#include "blip-studio-application.h"

#include "blip.h"
#include "blip-window.h"
#include "blip-studio-resources.h"

struct _BlipStudioApplication {
  GtkApplication parent_instance;
  char          *data_dir;
  char          *experiment;
  char          *approach;
  char          *preset;
  char          *view;
  char          *lesson;
  char          *table;
  char          *screenshot;
  int            screenshot_after;
  double         measure_seconds;
  gboolean       measure_stalls;
  gboolean       autoplay;
  gboolean       large_text;
  gboolean       high_contrast;
  gboolean       failed;
};

G_DEFINE_FINAL_TYPE (BlipStudioApplication, blip_studio_application, GTK_TYPE_APPLICATION)

void
blip_studio_register_resources (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      blip_studio_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

static const GOptionEntry options[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
    "Folder holding the data sets (default: $BLIP_DATA_DIR, else ~/.local/share/blip-studio/data)", "DIR" },
  { "experiment", 'e', 0, G_OPTION_ARG_STRING, NULL, NULL /* listed from the registry */, "NAME" },
  { "approach", 'a', 0, G_OPTION_ARG_STRING, NULL, NULL /* listed from the registry */, "NAME" },
  { "preset", 'p', 0, G_OPTION_ARG_STRING, NULL, "Speed preset: paper, quick, classroom (default) or forgetting", "NAME" },
  { "autoplay", 0, 0, G_OPTION_ARG_NONE, NULL, "Start training at once", NULL },
  { "view", 0, 0, G_OPTION_ARG_STRING, NULL,
    "View to show: bits, layer-map (default), info-gain, acc-matrix, curves, compare, game, game-grid, methods",
    "NAME" },
  { "lesson", 'l', 0, G_OPTION_ARG_FILENAME, NULL, "Open a lesson file", "FILE" },
  { "table", 't', 0, G_OPTION_ARG_FILENAME, NULL,
    "Open a methods table (the table.json that blip table writes, or its folder) in the Methods view", "FILE" },
  { "large-text", 0, 0, G_OPTION_ARG_NONE, NULL, "Larger text everywhere, for projectors", NULL },
  { "high-contrast", 0, 0, G_OPTION_ARG_NONE, NULL, "Figures in high contrast, for washed-out projectors", NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Write the window to FILE (PNG) when --screenshot-after-task tasks are done, then quit", "FILE" },
  { "screenshot-after-task", 0, 0, G_OPTION_ARG_INT, NULL,
    "Tasks to train before --screenshot or the end of --measure-stalls (default 1)", "N" },
  { "measure-stalls", 0, 0, G_OPTION_ARG_NONE, NULL,
    "Measure main-loop stalls and layer-map draw times while training, print them and quit", NULL },
  { "measure-seconds", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    "End --measure-stalls after S seconds (else after --screenshot-after-task tasks)", "S" },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, "Print the version and exit", NULL },
  { NULL }
};

/* The options, with the experiments and approaches this build knows. */
static const GOptionEntry *
option_entries (void)
{
  static GOptionEntry *entries = NULL;
  if (g_once_init_enter (&entries))
    {
      GOptionEntry *e = g_memdup2 (options, sizeof options);
      gsize n;
      GString *text = g_string_new ("Experiment: ");
      const BlipExperimentInfo *experiments = blip_experiment_list (&n);
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (text, "%s%s", i ? ", " : "", experiments[i].name);
      e[1].description = g_string_free (text, FALSE);
      text = g_string_new ("Approach: ");
      const BlipStrategyClass * const *strategies = blip_strategy_list (&n);
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (text, "%s%s", i ? ", " : "", strategies[i]->name);
      e[2].description = g_string_free (text, FALSE);
      g_once_init_leave (&entries, e);
    }
  return entries;
}

static gint
blip_studio_application_handle_local_options (GApplication *app, GVariantDict *dict)
{
  BlipStudioApplication *self = BLIP_STUDIO_APPLICATION (app);
  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("blip-studio %s\n", BLIP_VERSION);
      return 0;
    }
  g_variant_dict_lookup (dict, "data-dir", "^ay", &self->data_dir);
  g_variant_dict_lookup (dict, "experiment", "s", &self->experiment);
  g_variant_dict_lookup (dict, "approach", "s", &self->approach);
  g_variant_dict_lookup (dict, "preset", "s", &self->preset);
  g_variant_dict_lookup (dict, "view", "s", &self->view);
  g_variant_dict_lookup (dict, "lesson", "^ay", &self->lesson);
  g_variant_dict_lookup (dict, "table", "^ay", &self->table);
  g_variant_dict_lookup (dict, "screenshot", "^ay", &self->screenshot);
  g_variant_dict_lookup (dict, "screenshot-after-task", "i", &self->screenshot_after);
  g_variant_dict_lookup (dict, "measure-seconds", "d", &self->measure_seconds);
  self->measure_stalls = g_variant_dict_contains (dict, "measure-stalls");
  self->autoplay = g_variant_dict_contains (dict, "autoplay");
  self->large_text = g_variant_dict_contains (dict, "large-text");
  self->high_contrast = g_variant_dict_contains (dict, "high-contrast");
  if (self->screenshot_after < 0)
    {
      g_printerr ("blip-studio: --screenshot-after-task must be at least 1, got %d\n", self->screenshot_after);
      return 2;
    }
  if (self->screenshot_after > 0 && self->screenshot == NULL && !self->measure_stalls)
    {
      g_printerr ("blip-studio: --screenshot-after-task needs --screenshot FILE or --measure-stalls\n");
      return 2;
    }
  if (self->measure_seconds < 0 || (self->measure_seconds > 0 && !self->measure_stalls))
    {
      g_printerr ("blip-studio: --measure-seconds needs --measure-stalls and a positive number of seconds\n");
      return 2;
    }
  return -1;
}

static void
blip_studio_application_activate (GApplication *app)
{
  BlipStudioApplication *self = BLIP_STUDIO_APPLICATION (app);
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (active != NULL)
    {
      gtk_window_present (active);
      return;
    }
  BlipStudioWindow *window = blip_studio_window_new (GTK_APPLICATION (app));
  blip_studio_window_set_data_dir (window, self->data_dir);
  g_autoptr(GError) error = NULL;
  if (self->view != NULL && !blip_studio_window_set_view (window, self->view))
    g_printerr ("blip-studio: --view: unknown view “%s” (expected bits, layer-map, info-gain, acc-matrix, "
                "curves, compare, game, game-grid or methods)\n", self->view);
  if (self->screenshot != NULL)
    {
      blip_studio_window_screenshot_after_task (window, MAX (self->screenshot_after, 1), self->screenshot);
      self->autoplay = TRUE;
    }
  if (!blip_studio_window_start (window, self->experiment, self->approach, self->preset, &error))
    {
      g_printerr ("blip-studio: %s\n", error->message);
      self->failed = TRUE;
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  if (self->large_text)
    g_action_group_change_action_state (G_ACTION_GROUP (window), "large-text", g_variant_new_boolean (TRUE));
  if (self->high_contrast)
    g_action_group_change_action_state (G_ACTION_GROUP (window), "high-contrast", g_variant_new_boolean (TRUE));
  if (self->lesson != NULL)
    blip_studio_window_open_lesson (window, self->lesson);
  if (self->table != NULL)
    blip_studio_window_open_table (window, self->table);
  if (self->measure_stalls)
    {
      /* Tasks, else seconds, else one task. */
      int tasks = self->screenshot_after > 0 || self->measure_seconds <= 0 ? MAX (self->screenshot_after, 1) : 0;
      blip_studio_window_measure_stalls (window, tasks, self->measure_seconds);
      self->autoplay = TRUE;
    }
  if (self->autoplay)
    blip_studio_window_play (window);
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- App actions ---------------------------------------------------------------- */

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_destroy (windows->data);
      windows = next;
    }
  g_application_quit (G_APPLICATION (app));
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer app)
{
  static const char *authors[] = { "The BLIP Studio contributors", NULL };
  static const char *method[] = {
    "Yujun Shi, Li Yuan, Yunpeng Chen and Jiashi Feng, “Continual Learning via Bit-Level Information "
    "Preserving”, CVPR 2021 https://github.com/Yujun-Shi/BLIP",
    NULL,
  };
  GtkWidget *about = g_object_new (GTK_TYPE_ABOUT_DIALOG,
    "transient-for", gtk_application_get_active_window (GTK_APPLICATION (app)),
    "modal", TRUE,
    "program-name", "BLIP Studio",
    "logo-icon-name", BLIP_STUDIO_APP_ID,
    "version", BLIP_VERSION,
    "comments", "Watch a neural network learn one task after another without forgetting the earlier ones.\n\n"
                "Based on Shi, Yuan, Chen, Feng, “Continual Learning via Bit-Level Information Preserving”, "
                "CVPR 2021: after each task, BLIP freezes as many of each parameter’s most significant bits "
                "as the information the task gave it.",
    "website", "https://github.com/Yujun-Shi/BLIP",
    "website-label", "The paper’s reference code",
    "license-type", GTK_LICENSE_MIT_X11,
    "authors", authors,
    NULL);
  gtk_about_dialog_add_credit_section (GTK_ABOUT_DIALOG (about), "Method", method);
  gtk_window_present (GTK_WINDOW (about));
}

static void
action_shortcuts (GSimpleAction *action, GVariant *param, gpointer app)
{
  GtkBuilder *builder = gtk_builder_new_from_resource ("/org/blipstudio/Studio/ui/blip-shortcuts.ui");
  GtkWindow *window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  gtk_window_set_transient_for (window, gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_application (window, GTK_APPLICATION (app));
  gtk_window_present (window);
  g_object_unref (builder);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = action_quit },
  { .name = "about", .activate = action_about },
  { .name = "shortcuts", .activate = action_shortcuts },
};

static void
blip_studio_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (blip_studio_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.shortcuts", { "<Control>question", NULL } },
    { "win.play-pause", { "space", NULL } },
    { "win.step-batch", { "F6", NULL } },
    { "win.step-epoch", { "F7", NULL } },
    { "win.step-task", { "F8", NULL } },
    { "win.reset", { "<Control>r", NULL } },
    { "win.open-session", { "<Control>o", NULL } },
    { "win.save-session", { "<Control>s", NULL } },
    { "win.export-view", { "<Control>e", NULL } },
    { "win.open-lesson", { "<Control>l", NULL } },
    { "win.open-table", { "<Control>t", NULL } },
    { "win.show-view::bits", { "<Alt>1", NULL } },
    { "win.show-view::layer-map", { "<Alt>2", NULL } },
    { "win.show-view::info-gain", { "<Alt>3", NULL } },
    { "win.show-view::acc-matrix", { "<Alt>4", NULL } },
    { "win.show-view::curves", { "<Alt>5", NULL } },
    { "win.show-view::compare", { "<Alt>6", NULL } },
    { "win.show-view::game", { "<Alt>7", NULL } },
    { "win.show-view::game-grid", { "<Alt>8", NULL } },
    { "win.show-view::methods", { "<Alt>9", NULL } },
    { "win.settings", { "<Control>comma", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);

  GtkCssProvider *css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/blipstudio/Studio/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (css);
  gtk_window_set_default_icon_name (BLIP_STUDIO_APP_ID);
}

void
blip_studio_application_set_failed (BlipStudioApplication *self)
{
  self->failed = TRUE;
}

gboolean
blip_studio_application_get_failed (BlipStudioApplication *self)
{
  return self->failed;
}

static void
blip_studio_application_finalize (GObject *object)
{
  BlipStudioApplication *self = BLIP_STUDIO_APPLICATION (object);
  g_free (self->data_dir);
  g_free (self->experiment);
  g_free (self->approach);
  g_free (self->preset);
  g_free (self->view);
  g_free (self->lesson);
  g_free (self->table);
  g_free (self->screenshot);
  G_OBJECT_CLASS (blip_studio_application_parent_class)->finalize (object);
}

static void
blip_studio_application_class_init (BlipStudioApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = blip_studio_application_finalize;
  app_class->handle_local_options = blip_studio_application_handle_local_options;
  app_class->activate = blip_studio_application_activate;
  app_class->startup = blip_studio_application_startup;
}

static void
blip_studio_application_init (BlipStudioApplication *self)
{
  blip_studio_register_resources ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries ());
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            "Watch BLIP (bit-level information preserving) learn one task after "
                                            "another without forgetting.");
}

BlipStudioApplication *
blip_studio_application_new (void)
{
  /* Each start is its own classroom session: no single-instance handover,
   * so the command line always applies to the window it opens. */
  return g_object_new (BLIP_TYPE_STUDIO_APPLICATION,
                       "application-id", BLIP_STUDIO_APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/blipstudio/Studio",
                       NULL);
}
