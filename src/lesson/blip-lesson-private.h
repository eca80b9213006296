/* blip-lesson-private.h — what the files of libblip-lesson share: the
 * structures behind BlipLesson and BlipLessonStep, the parser's record of
 * where each group and key stands in the file, and the parsing passes that
 * live in their own files (lines, settings, values). */
#pragma once

#include "blip-lesson.h"

G_BEGIN_DECLS

struct _BlipLessonStep {
  guint           number;
  guint           line;
  char           *title;
  char           *text;
  char           *text_markup;
  char           *question;
  char           *question_markup;
  gboolean        has_settings;
  BlipConfig      settings;
  char           *settings_text;
  char           *preset;
  BlipLessonView  view;
  BlipLessonRun   run;
  guint           run_count;
  char           *param_layer;
  guint64         param_index;
  char           *table;          /* resolved path, or NULL */
};

struct _BlipLesson {
  gatomicrefcount ref_count;
  char           *filename;
  char           *title;
  char           *summary;
  char           *author;
  int             version;
  GPtrArray      *steps;     /* BlipLessonStep*, by number */
};

/* GKeyFile gives no line numbers, so the line scanner keeps its own. */
typedef struct {
  char  *name;
  guint  line;
} KeyLine;

typedef struct {
  char   *name;
  guint   line;
  GArray *keys;     /* KeyLine, in file order */
  guint   step;     /* N of [Step N], 0 for [Lesson] */
} GroupLines;

typedef struct {
  const char *filename;
  GKeyFile   *kf;
  GPtrArray  *groups;   /* GroupLines*, in file order */
} Parser;

/* ---- The model (blip-lesson.c) ---- */

/* An empty lesson (no steps yet) whose step array frees the steps. */
BlipLesson *lesson_new (const char *filename);

/* ---- Lines and errors (blip-lesson-lines.c) ---- */

/* Sets error to "FILE:LINE: message". */
void     lesson_set_error        (GError **error, const Parser *p, guint line, BlipLessonError code,
                                  const char *format, ...) G_GNUC_PRINTF (5, 6);
guint    lesson_line_of_offset   (const char *data, gsize offset);
/* The line at which GKeyFile stops parsing data. */
guint    lesson_keyfile_error_line (const char *data, gsize length, GKeyFileFlags flags);
/* Line number `line` without its end of line or surrounding blanks. */
char    *lesson_line_text        (const char *data, gsize length, guint line);
void     lesson_group_lines_free (gpointer data);
const KeyLine *lesson_find_key_line (const GroupLines *g, const char *key);
/* Records every group and key of text GKeyFile accepted in p->groups, and
 * fails on a group or key given twice (which GKeyFile merges silently). */
gboolean lesson_scan_lines       (Parser *p, const char *data, gsize length, GError **error);

/* ---- Settings (blip-lesson-settings.c) ---- */

/* "key=value;key=value;…" into step->settings, validated. */
gboolean lesson_parse_settings   (const Parser *p, guint line, const char *text, BlipLessonStep *step,
                                  GError **error);

/* ---- View, Run, Parameter, Table (blip-lesson-values.c) ---- */

gboolean lesson_parse_view       (const Parser *p, guint line, const char *value, BlipLessonStep *step,
                                  GError **error);
gboolean lesson_parse_run        (const Parser *p, guint line, const char *value, BlipLessonStep *step,
                                  GError **error);
gboolean lesson_parse_parameter  (const Parser *p, guint line, const char *value, BlipLessonStep *step,
                                  GError **error);
/* Table: resolves the path against the lesson file's folder and loads the
 * table to check it. */
gboolean lesson_parse_table      (const Parser *p, guint line, const char *value, BlipLessonStep *step,
                                  GError **error);

G_END_DECLS
