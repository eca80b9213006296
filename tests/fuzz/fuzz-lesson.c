/* fuzz-lesson.c — libFuzzer target: the lesson-file parser (GKeyFile, the
 * Settings mini-language, the Markdown subset) on arbitrary bytes. */
#include "blip.h"
#include "blip-lesson.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  GError *error = NULL;
  BlipLesson *lesson = blip_lesson_new_from_data ((const char *) data, (gssize) size, "fuzz.lesson", &error);
  if (lesson == NULL)
    {
      g_clear_error (&error);
      return 0;
    }
  for (guint i = 0; i < blip_lesson_get_n_steps (lesson); i++)
    {
      const BlipLessonStep *step = blip_lesson_get_step (lesson, i);
      blip_lesson_step_get_text_markup (step);
      blip_lesson_step_get_question_markup (step);
      blip_lesson_step_get_settings (step);
    }
  blip_lesson_unref (lesson);
  return 0;
}
