/* blip-table-file.h — reading back table.json, the comparison of methods
 * that `blip table` writes (format blip-table/1): one row per method with its
 * ACC, BWT, the memory it kept after each task, its training time, the
 * paper's ACC and the settings it ran with. The app shows such a file
 * without retraining anything.
 *
 * The file is untrusted input: every field is checked for type and range,
 * and an error names the file and what was expected. Keys this reader does
 * not know are ignored.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_TABLE_FORMAT "blip-table/1"

#define BLIP_TABLE_FILE_ERROR (blip_table_file_error_quark ())
GQuark blip_table_file_error_quark (void);

typedef enum {
  BLIP_TABLE_FILE_ERROR_READ,     /* the file could not be read, is not a regular file or is over 16 MiB */
  BLIP_TABLE_FILE_ERROR_PARSE,    /* not JSON */
  BLIP_TABLE_FILE_ERROR_FORMAT,   /* JSON, but not a blip-table/1 file */
} BlipTableFileError;

typedef struct {
  char   *approach;          /* "ewc" */
  char   *title;             /* "Online EWC" */
  char   *status;            /* "trained", "reused", "resumed", "complete"; or, without numbers yet,
                              * "running", "unfinished", "interrupted", "failed", "not-run" */
  gboolean has_results;      /* FALSE: the method has no numbers (not run, failed, unfinished) */
  int     tasks_completed;   /* without results: tasks an unfinished or interrupted run */
  int     tasks_total;       /* has finished of tasks_total; 0 and 0 when not known */
  int     n_tasks;           /* 0 without results */
  double  acc, bwt_paper, bwt_code;  /* fractions (mean returns when the table's returns is set);
                                      * NaN without results */
  gint64  memory_bytes;      /* after the last task; -1 without results */
  gint64 *memory_per_task;   /* n_tasks entries, or NULL where the run kept no record */
  double  time_seconds;      /* NaN when unknown */
  double  paper_acc;         /* the paper's ACC in %, NaN where it has none */
  char   *settings;          /* the run's settings as `blip run` flags ("lr 0.01, …, lamb 5000, gamma 1"),
                              * NULL where the table does not give them */
} BlipTableFileRow;

typedef struct {
  char             *path;
  char             *experiment;
  guint64           seed;
  gboolean          returns;       /* "metric": "return": the tasks are games, ACC and BWT in points */
  int               n_rows;
  BlipTableFileRow *rows;
} BlipTableFile;

BlipTableFile *blip_table_file_load (const char *path, GError **error);
void           blip_table_file_free (BlipTableFile *table);

/* Whether a row with this status is a run begun and not finished, whose
 * tasks done (tasks_completed of tasks_total) a table may give. */
gboolean       blip_table_status_has_progress (const char *status);

/* A row's status for a reader: "not run" for "not-run", an unfinished or
 * interrupted run with its progress ("interrupted, 4/10 tasks") when
 * tasks_total > 0, "no results" for a word this format does not have.
 * Newly allocated. */
char          *blip_table_status_text (const char *status, int tasks_completed, int tasks_total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipTableFile, blip_table_file_free)

G_END_DECLS
