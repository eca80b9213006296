/* blip-lesson.c — the lesson model: BlipLesson and its steps, their
 * reference counting and accessors, loading from a path and listing a
 * directory's lessons. The parser is blip-lesson-parse.c. */
#include "blip-lesson-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK (blip-lesson-error-quark, blip_lesson_error)

static void
step_free (gpointer data)
{
  BlipLessonStep *step = data;
  g_free (step->title);
  g_free (step->text);
  g_free (step->text_markup);
  g_free (step->question);
  g_free (step->question_markup);
  if (step->has_settings)
    blip_config_clear (&step->settings);
  g_free (step->settings_text);
  g_free (step->preset);
  g_free (step->param_layer);
  g_free (step->table);
  g_free (step);
}

static void
lesson_free (BlipLesson *lesson)
{
  g_free (lesson->filename);
  g_free (lesson->title);
  g_free (lesson->summary);
  g_free (lesson->author);
  g_ptr_array_unref (lesson->steps);
  g_free (lesson);
}

BlipLesson *
blip_lesson_ref (BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  g_atomic_ref_count_inc (&lesson->ref_count);
  return lesson;
}

void
blip_lesson_unref (BlipLesson *lesson)
{
  g_return_if_fail (lesson != NULL);
  if (g_atomic_ref_count_dec (&lesson->ref_count))
    lesson_free (lesson);
}

BlipLesson *
lesson_new (const char *filename)
{
  BlipLesson *lesson = g_new0 (BlipLesson, 1);
  g_atomic_ref_count_init (&lesson->ref_count);
  lesson->filename = g_strdup (filename);
  lesson->steps = g_ptr_array_new_with_free_func (step_free);
  return lesson;
}

/* A lesson is a few kilobytes, some tens with many translations. A much
 * larger file is something else picked by mistake (a data set, a log), and
 * reading a device or a pipe might never end: both are refused before
 * reading. */
#define MAX_LESSON_BYTES (1 << 20)

BlipLesson *
blip_lesson_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  /* A path that cannot be stat'ed, or a folder, gets GLib's message below. */
  GStatBuf st;
  if (g_stat (path, &st) == 0 && !S_ISDIR (st.st_mode))
    {
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO,
                       "%s: not a regular file (a lesson is a text file)", path);
          return NULL;
        }
      if (st.st_size > MAX_LESSON_BYTES)
        {
          g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO,
                       "%s: %.1f MiB is too large for a lesson file (at most %d MiB); is it a lesson?",
                       path, (double) st.st_size / (1 << 20), MAX_LESSON_BYTES >> 20);
          return NULL;
        }
    }
  g_autofree char *data = NULL;
  gsize length = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO, "%s: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  return blip_lesson_new_from_data (data, (gssize) length, path, error);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
blip_lesson_find_files (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  GError *local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO, "%s: %s", dir, local->message);
      g_error_free (local);
      return NULL;
    }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".lesson") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  GPtrArray *paths = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (paths, g_build_filename (dir, g_ptr_array_index (names, i), NULL));
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_free (paths, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                                */

const char *
blip_lesson_get_filename (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->filename;
}

const char *
blip_lesson_get_title (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->title;
}

const char *
blip_lesson_get_summary (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->summary;
}

const char *
blip_lesson_get_author (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  return lesson->author;
}

int
blip_lesson_get_version (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, 0);
  return lesson->version;
}

guint
blip_lesson_get_n_steps (const BlipLesson *lesson)
{
  g_return_val_if_fail (lesson != NULL, 0);
  return lesson->steps->len;
}

const BlipLessonStep *
blip_lesson_get_step (const BlipLesson *lesson, guint index)
{
  g_return_val_if_fail (lesson != NULL, NULL);
  g_return_val_if_fail (index < lesson->steps->len, NULL);
  return g_ptr_array_index (lesson->steps, index);
}

guint
blip_lesson_step_get_number (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, 0);
  return step->number;
}

guint
blip_lesson_step_get_line (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, 0);
  return step->line;
}

const char *
blip_lesson_step_get_title (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->title;
}

const char *
blip_lesson_step_get_text (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->text;
}

const char *
blip_lesson_step_get_text_markup (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->text_markup;
}

const char *
blip_lesson_step_get_question (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->question;
}

const char *
blip_lesson_step_get_question_markup (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->question_markup;
}

const BlipConfig *
blip_lesson_step_get_settings (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->has_settings ? &step->settings : NULL;
}

const char *
blip_lesson_step_get_settings_text (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->settings_text;
}

const char *
blip_lesson_step_get_preset (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->preset;
}

BlipLessonView
blip_lesson_step_get_view (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, BLIP_LESSON_VIEW_NONE);
  return step->view;
}

BlipLessonRun
blip_lesson_step_get_run (const BlipLessonStep *step, guint *count)
{
  g_return_val_if_fail (step != NULL, BLIP_LESSON_RUN_NONE);
  if (count != NULL)
    *count = step->run_count;
  return step->run;
}

gboolean
blip_lesson_step_get_parameter (const BlipLessonStep *step, const char **layer, guint64 *index)
{
  g_return_val_if_fail (step != NULL, FALSE);
  if (layer != NULL)
    *layer = step->param_layer;
  if (index != NULL)
    *index = step->param_index;
  return step->param_layer != NULL;
}

const char *
blip_lesson_step_get_table (const BlipLessonStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);
  return step->table;
}
