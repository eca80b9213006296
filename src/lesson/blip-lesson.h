/* blip-lesson.h — lesson files for the classroom app (GLib only, no GTK).
 *
 * A lesson is a UTF-8 key file (lessons/README.md describes the format):
 *
 *   [Lesson]
 *   Title=Bits and quantization
 *   Summary=…
 *   Version=1
 *
 *   [Step 1]
 *   Title=One parameter
 *   Text=**Bold**, *italic*, `code`, 2^{-b}, F_{t}\n\nA new paragraph.
 *   Settings=experiment=mnist5;approach=blip;preset=classroom;max_bit=20
 *   View=bits
 *   Run=task 1
 *   Question=How many bits are frozen now?
 *   Parameter=fc1:406
 *   Table=tables/mnist5-paper-seed0.json
 *
 * Loading checks everything a teacher can get wrong and reports it as
 * "FILE:LINE: message" (GKeyFile itself gives no line numbers), so a lesson
 * that loads is one the app can play from the first step to the last.
 */
#pragma once

#include <glib.h>
#include "blip-config.h"

G_BEGIN_DECLS

#define BLIP_LESSON_ERROR (blip_lesson_error_quark ())
GQuark blip_lesson_error_quark (void);

/* Every error but IO names the file and the line: "lessons/x.lesson:12: …". */
typedef enum {
  BLIP_LESSON_ERROR_IO,             /* the file could not be read, is not a regular file or is
                                     * over 1 MiB ("FILE: …", no line) */
  BLIP_LESSON_ERROR_ENCODING,       /* not UTF-8, a NUL byte, or an Encoding other than UTF-8 */
  BLIP_LESSON_ERROR_SYNTAX,         /* not a key file: a line that is no group, key=value or comment */
  BLIP_LESSON_ERROR_MISSING,        /* no [Lesson], no steps, or a required key absent or empty */
  BLIP_LESSON_ERROR_UNKNOWN_GROUP,  /* a group other than [Lesson] and [Step N] */
  BLIP_LESSON_ERROR_UNKNOWN_KEY,    /* a key the group does not have (often a typo) */
  BLIP_LESSON_ERROR_DUPLICATE,      /* a group (e.g. a step number) or a key given twice */
  BLIP_LESSON_ERROR_STEP_GAP,       /* steps not numbered 1, 2, 3, … without gaps */
  BLIP_LESSON_ERROR_VERSION,        /* written for a newer lesson format than this one */
  BLIP_LESSON_ERROR_VALUE,          /* a bad View, Run, Parameter, Table or Version value */
  BLIP_LESSON_ERROR_SETTINGS,       /* Settings: unknown key, malformed or out-of-range value */
} BlipLessonError;

/* The newest lesson format this parser reads. */
#define BLIP_LESSON_FORMAT_VERSION 1

typedef enum {
  BLIP_LESSON_VIEW_NONE,        /* no View key: the app keeps the view shown */
  BLIP_LESSON_VIEW_BITS,        /* one parameter's fixed-point code, frozen and free bits */
  BLIP_LESSON_VIEW_LAYER_MAP,   /* frozen bits over a whole layer */
  BLIP_LESSON_VIEW_INFO_GAIN,   /* the information gain of the last task */
  BLIP_LESSON_VIEW_ACCURACY,    /* the accuracy matrix, ACC and BWT */
  BLIP_LESSON_VIEW_CURVES,      /* loss and accuracy over batches and epochs */
  BLIP_LESSON_VIEW_GAME,        /* the agent playing a learned game */
  BLIP_LESSON_VIEW_GAME_GRID,   /* which games the agent still plays after each task */
  BLIP_LESSON_VIEW_METHODS,     /* a finished table of methods (Table), side by side */
} BlipLessonView;

typedef enum {
  BLIP_LESSON_RUN_NONE,         /* nothing to train in this step */
  BLIP_LESSON_RUN_BATCH,        /* train N more batches */
  BLIP_LESSON_RUN_EPOCH,        /* train N more epochs */
  BLIP_LESSON_RUN_TASK,         /* train N more tasks */
  BLIP_LESSON_RUN_ALL,          /* "run": train to the end of the run */
} BlipLessonRun;

typedef struct _BlipLesson BlipLesson;
typedef struct _BlipLessonStep BlipLessonStep;

/* Reads and checks a lesson file. NULL with a BLIP_LESSON_ERROR on failure;
 * a file over 1 MiB, or a device or pipe, is refused without reading it. */
BlipLesson  *blip_lesson_load          (const char *path, GError **error);
/* The same from memory; filename (may be NULL) is what error messages call
 * the text. length −1: data is NUL-terminated. */
BlipLesson  *blip_lesson_new_from_data (const char *data, gssize length, const char *filename,
                                        GError **error);
BlipLesson  *blip_lesson_ref           (BlipLesson *lesson);
void         blip_lesson_unref         (BlipLesson *lesson);

/* The path or name given when loading. */
const char  *blip_lesson_get_filename  (const BlipLesson *lesson);
/* Title and Summary are plain text (escape them for markup); Summary is "" when absent. */
const char  *blip_lesson_get_title     (const BlipLesson *lesson);
const char  *blip_lesson_get_summary   (const BlipLesson *lesson);
/* NULL when the file has no Author. */
const char  *blip_lesson_get_author    (const BlipLesson *lesson);
int          blip_lesson_get_version   (const BlipLesson *lesson);
guint        blip_lesson_get_n_steps   (const BlipLesson *lesson);
/* Step index (0-based) of the lesson, in step-number order: index i is [Step i+1]. */
const BlipLessonStep *blip_lesson_get_step (const BlipLesson *lesson, guint index);

/* The N of [Step N], and the line of that header in the file. */
guint        blip_lesson_step_get_number          (const BlipLessonStep *step);
guint        blip_lesson_step_get_line            (const BlipLessonStep *step);
/* Plain text. */
const char  *blip_lesson_step_get_title           (const BlipLessonStep *step);
/* Text as written (escapes such as \n resolved, Markdown marks kept), and as
 * Pango markup ready for gtk_label_set_markup(). */
const char  *blip_lesson_step_get_text            (const BlipLessonStep *step);
const char  *blip_lesson_step_get_text_markup     (const BlipLessonStep *step);
/* NULL when the step asks no question. */
const char  *blip_lesson_step_get_question        (const BlipLessonStep *step);
const char  *blip_lesson_step_get_question_markup (const BlipLessonStep *step);
/* The configuration the step loads, validated, or NULL when the step has no
 * Settings (the app keeps its current run). */
const BlipConfig *blip_lesson_step_get_settings   (const BlipLessonStep *step);
/* The Settings value as written, or NULL. */
const char  *blip_lesson_step_get_settings_text   (const BlipLessonStep *step);
/* The speed preset named in Settings ("paper", "quick", "classroom", "forgetting"), or NULL. */
const char  *blip_lesson_step_get_preset          (const BlipLessonStep *step);
BlipLessonView blip_lesson_step_get_view          (const BlipLessonStep *step);
/* What to train; count receives N (1 for RUN_ALL, 0 for RUN_NONE). */
BlipLessonRun blip_lesson_step_get_run            (const BlipLessonStep *step, guint *count);
/* TRUE when the step names a parameter: layer ("fc1") and index within the
 * layer (weights row-major [out][in], then biases). The lesson cannot know
 * the network, so the app checks the index against the layer it has. */
gboolean     blip_lesson_step_get_parameter       (const BlipLessonStep *step, const char **layer,
                                                   guint64 *index);

/* The methods table (a table.json written by blip table) the step shows,
 * as a path: Table's value, taken relative to the lesson file's folder
 * unless absolute. Checked when the lesson loads (it must be a readable
 * blip-table/1 file). NULL when the step has no Table. */
const char  *blip_lesson_step_get_table           (const BlipLessonStep *step);

/* "bits", "layer-map", …; NULL for BLIP_LESSON_VIEW_NONE. */
const char  *blip_lesson_view_to_string (BlipLessonView view);
/* "none", "batch", "epoch", "task", "run". */
const char  *blip_lesson_run_to_string  (BlipLessonRun run);

/* The Markdown subset of Text and Question as Pango markup: **bold**,
 * *italic*, `code`, ^{superscript}, _{subscript}, "- " bullets, blank-line
 * paragraphs, \X for a literal punctuation character X. Everything else is
 * escaped, so the result is always valid markup; unmatched marks stay as
 * written. */
char        *blip_lesson_markdown_to_markup (const char *text);

/* The *.lesson files of a directory, sorted by name (so "01-…" comes first),
 * as paths; an empty array when there are none. NULL if dir cannot be read. */
char       **blip_lesson_find_files (const char *dir, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipLesson, blip_lesson_unref)

G_END_DECLS
