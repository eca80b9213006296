/* blip-lesson-panel.c — shows a BlipLesson one step at a time; see
 * blip-lesson-panel.h. */
#include "blip-lesson-panel.h"

struct _BlipLessonPanel {
  GtkBox          parent_instance;
  GtkLabel       *lesson_title;
  GtkLabel       *summary_label;
  GtkProgressBar *progress;
  GtkLabel       *step_title;
  GtkLabel       *text_label;
  GtkFrame       *question_frame;
  GtkLabel       *question_label;
  GtkButton      *run_button;
  GtkButton      *previous_button;
  GtkButton      *next_button;
  GtkButton      *close_button;
  BlipLesson     *lesson;
  guint           position;
};

G_DEFINE_FINAL_TYPE (BlipLessonPanel, blip_lesson_panel, GTK_TYPE_BOX)

enum { SIGNAL_STEP_CHANGED, SIGNAL_RUN_REQUESTED, SIGNAL_CLOSE_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
run_label (const BlipLessonStep *step)
{
  guint count = 0;
  BlipLessonRun run = blip_lesson_step_get_run (step, &count);
  const char *unit = run == BLIP_LESSON_RUN_BATCH ? "batch" : run == BLIP_LESSON_RUN_EPOCH ? "epoch" : "task";
  const char *units = run == BLIP_LESSON_RUN_BATCH ? "batches" : run == BLIP_LESSON_RUN_EPOCH ? "epochs" : "tasks";
  switch (run)
    {
    case BLIP_LESSON_RUN_NONE: return NULL;
    case BLIP_LESSON_RUN_ALL: return g_strdup ("Run to the end");
    default: return count == 1 ? g_strdup_printf ("Run one %s", unit) : g_strdup_printf ("Run %u %s", count, units);
    }
}

static void
show_step (BlipLessonPanel *self)
{
  guint n = blip_lesson_get_n_steps (self->lesson);
  const BlipLessonStep *step = blip_lesson_get_step (self->lesson, self->position);
  g_autofree char *progress = g_strdup_printf ("Step %u of %u", self->position + 1, n);
  gtk_progress_bar_set_text (self->progress, progress);
  gtk_progress_bar_set_fraction (self->progress, (self->position + 1.0) / MAX (n, 1));
  gtk_label_set_text (self->step_title, blip_lesson_step_get_title (step));
  gtk_label_set_markup (self->text_label, blip_lesson_step_get_text_markup (step));
  const char *question = blip_lesson_step_get_question_markup (step);
  gtk_widget_set_visible (GTK_WIDGET (self->question_frame), question != NULL);
  if (question != NULL)
    gtk_label_set_markup (self->question_label, question);
  g_autofree char *run = run_label (step);
  gtk_widget_set_visible (GTK_WIDGET (self->run_button), run != NULL);
  if (run != NULL)
    gtk_button_set_label (self->run_button, run);
  gtk_widget_set_sensitive (GTK_WIDGET (self->previous_button), self->position > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), self->position + 1 < n);
}

void
blip_lesson_panel_set_position (BlipLessonPanel *self, guint position)
{
  g_return_if_fail (BLIP_IS_LESSON_PANEL (self));
  guint n = blip_lesson_get_n_steps (self->lesson);
  if (n == 0)
    return;
  self->position = MIN (position, n - 1);
  show_step (self);
  g_signal_emit (self, signals[SIGNAL_STEP_CHANGED], 0, self->position);
}

guint blip_lesson_panel_get_position (BlipLessonPanel *self) { return self->position; }
BlipLesson *blip_lesson_panel_get_lesson (BlipLessonPanel *self) { return self->lesson; }

static void
on_previous (GtkButton *button, BlipLessonPanel *self)
{
  if (self->position > 0)
    blip_lesson_panel_set_position (self, self->position - 1);
}

static void
on_next (GtkButton *button, BlipLessonPanel *self)
{
  blip_lesson_panel_set_position (self, self->position + 1);
}

static void
on_run (GtkButton *button, BlipLessonPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_RUN_REQUESTED], 0, self->position);
}

static void
on_close (GtkButton *button, BlipLessonPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_CLOSE_REQUESTED], 0);
}

static void
blip_lesson_panel_dispose (GObject *object)
{
  BlipLessonPanel *self = BLIP_LESSON_PANEL (object);
  gtk_widget_dispose_template (GTK_WIDGET (self), BLIP_TYPE_LESSON_PANEL);
  g_clear_pointer (&self->lesson, blip_lesson_unref);
  G_OBJECT_CLASS (blip_lesson_panel_parent_class)->dispose (object);
}

static void
blip_lesson_panel_class_init (BlipLessonPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = blip_lesson_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-lesson-panel.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BlipLessonPanel, name)
  BIND (lesson_title); BIND (summary_label); BIND (progress); BIND (step_title); BIND (text_label);
  BIND (question_frame); BIND (question_label); BIND (run_button); BIND (previous_button); BIND (next_button);
  BIND (close_button);
#undef BIND

  /* (guint position) a step is shown: apply its settings, view and parameter */
  signals[SIGNAL_STEP_CHANGED] = g_signal_new ("step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* (guint position) the Run button of that step */
  signals[SIGNAL_RUN_REQUESTED] = g_signal_new ("run-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_CLOSE_REQUESTED] = g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
blip_lesson_panel_init (BlipLessonPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->previous_button, "clicked", G_CALLBACK (on_previous), self);
  g_signal_connect (self->next_button, "clicked", G_CALLBACK (on_next), self);
  g_signal_connect (self->run_button, "clicked", G_CALLBACK (on_run), self);
  g_signal_connect (self->close_button, "clicked", G_CALLBACK (on_close), self);
}

GtkWidget *
blip_lesson_panel_new (BlipLesson *lesson)
{
  BlipLessonPanel *self = g_object_new (BLIP_TYPE_LESSON_PANEL, NULL);
  self->lesson = blip_lesson_ref (lesson);
  gtk_label_set_text (self->lesson_title, blip_lesson_get_title (lesson));
  const char *summary = blip_lesson_get_summary (lesson);
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), summary != NULL && *summary != '\0');
  if (blip_lesson_get_n_steps (lesson) > 0)
    show_step (self);
  return GTK_WIDGET (self);
}
