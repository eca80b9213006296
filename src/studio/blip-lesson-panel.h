/* blip-lesson-panel.h — a lesson beside the views: one step at a time, its
 * text and question, Previous/Next, and a button that runs what the step
 * asks. The window applies a step (settings, view, parameter, run). */
#pragma once

#include <gtk/gtk.h>

#include "blip-lesson.h"

G_BEGIN_DECLS

#define BLIP_TYPE_LESSON_PANEL (blip_lesson_panel_get_type ())
G_DECLARE_FINAL_TYPE (BlipLessonPanel, blip_lesson_panel, BLIP, LESSON_PANEL, GtkBox)

GtkWidget  *blip_lesson_panel_new          (BlipLesson *lesson);
BlipLesson *blip_lesson_panel_get_lesson   (BlipLessonPanel *self);
guint       blip_lesson_panel_get_position (BlipLessonPanel *self);
/* Shows step `position` (0-based) and emits ::step-changed. */
void        blip_lesson_panel_set_position (BlipLessonPanel *self, guint position);

G_END_DECLS
