/* blip-table-private.h — what blip-table.c (planning and running the
 * methods) and blip-table-report.c (reading their results back and laying
 * out the table) share. */
#pragma once

#include "blip.h"

typedef enum {
  SOURCE_REUSED,     /* a complete results.json was there */
  SOURCE_TRAINED,    /* trained now from the start */
  SOURCE_RESUMED,    /* continued now from a checkpoint */
  SOURCE_COMPLETE,   /* --report: a complete results.json is there */
} TableSource;

typedef enum {
  RESULTS_ABSENT,
  RESULTS_PARTIAL,   /* an interrupted run's results.json */
  RESULTS_COMPLETE,
} TableResultsState;

typedef struct {
  const BlipStrategyClass *klass;
  char     *dir;
  char    **run_argv;         /* the child's arguments after the program, for a fresh run */
  TableSource    source;
  gboolean  done;             /* numbers read from a complete results.json */
  gboolean  failed;
  gboolean  interrupted;      /* stopped by Ctrl-C; --resume continues it */
  gboolean  unfinished;       /* holds a run begun earlier (checkpoints or partial results) */
  gboolean  running;          /* its blip run is training now */
  int       n_tasks;
  int       tasks_completed;  /* an unfinished run's results.json: tasks done of tasks_total */
  int       tasks_total;
  double    acc, bwt_paper, bwt_code;
  gint64    memory;           /* after the last task */
  gint64   *memory_per_task;  /* n_tasks, -1 where unknown (blip-results/1 files) */
  double    seconds;          /* training time from timing.json, NaN if unknown */
  char     *settings;         /* blip_run_settings_text of the run's configuration; NULL if unknown */
} TableRow;

void     blip_table_row_clear    (TableRow *row);

/* Whether the experiment's tasks are games (minatar, atari): then ACC and
 * BWT are mean evaluation returns in points, not fractions of a test set. */
gboolean blip_table_is_games     (const char *experiment);

/* Reads DIR/results.json into row when it is complete. A file that is not a
 * results.json of this experiment, approach and seed is refused with an
 * error naming it. */
gboolean blip_table_read_results (TableRow *row, const char *experiment, guint64 seed, TableResultsState *state,
                                  GError **error);

/* The table as printed, as table.md, as table.csv and as table.json
 * (blip-table/1). */
char    *blip_table_text         (TableRow *rows, int n, const char *experiment);
char    *blip_table_markdown     (TableRow *rows, int n, const char *experiment);
char    *blip_table_csv          (TableRow *rows, int n, const char *experiment);
char    *blip_table_json         (TableRow *rows, int n, const char *experiment, guint64 seed);
/* The table drawn (blip_figure_methods) as DIR/table.png, table.svg and
 * table.pdf, under the given title. */
gboolean blip_table_write_figures (TableRow *rows, int n, const char *experiment, const char *title,
                                   const char *dir, GError **error);
