/* blip-figures.h — every view of a run, drawn with cairo from snapshots.
 *
 * The app's widgets and `blip run --figures DIR` call these same functions, so
 * a figure in a paper, a lecture slide and the live window are one drawing.
 * Nothing here touches the trainer: figures read BlipSnapshot copies (and a
 * BlipRunHistory of per-task copies) only, so they can draw on any thread.
 * Colours come from colour-blind-safe palettes (Okabe–Ito for tasks, a
 * perceptually uniform sequential map for heatmaps), with a high-contrast
 * variant.
 */
#pragma once

#include <cairo.h>
#include <glib.h>
#include "blip-snapshot.h"

G_BEGIN_DECLS

#define BLIP_FIGURE_ERROR (blip_figure_error_quark ())
GQuark blip_figure_error_quark (void);

typedef enum {
  BLIP_FIGURE_ERROR_FORMAT,   /* unknown file extension */
  BLIP_FIGURE_ERROR_WRITE,    /* cairo could not write the file */
} BlipFigureError;

/* ---- Palettes ---------------------------------------------------------- */

/* Colour of task t (Okabe–Ito, cycling), as sRGB in [0, 1]. */
void  blip_palette_task       (int task, double rgb[3]);
/* Sequential map for v in [0, 1] (dark blue → yellow), readable in grey too. */
void  blip_palette_sequential (double v, gboolean high_contrast, double rgb[3]);

/* ---- Per-task history of a run ----------------------------------------- */

/* What each finished task left behind, per quantized layer: the frozen bits,
 * the information gain and the values after consolidation. Filled by an
 * observer from BITS_UPDATED / FISHER_READY snapshots (blip_run_history_add). */
typedef struct _BlipRunHistory BlipRunHistory;

BlipRunHistory *blip_run_history_new   (void);
void            blip_run_history_free  (BlipRunHistory *history);
/* Records a snapshot: FISHER_READY ones give the task's IG, BITS_UPDATED ones
 * its bits and values. Other snapshots are ignored. */
void            blip_run_history_add   (BlipRunHistory *history, const BlipSnapshot *snapshot);
int             blip_run_history_n_tasks (const BlipRunHistory *history);
/* Bits of parameter index of layer after task t (0 if unknown). */
int             blip_run_history_bits  (const BlipRunHistory *history, int task, int layer, gsize index);
float           blip_run_history_value (const BlipRunHistory *history, int task, int layer, gsize index);
float           blip_run_history_info_gain (const BlipRunHistory *history, int task, int layer, gsize index);
/* A trainer observer that snapshots at FISHER_READY and BITS_UPDATED into the
 * history (user_data). For the CLI; the app feeds it from its snapshot box. */
void            blip_run_history_observe (BlipTrainer *trainer, const BlipEvent *event, gpointer history);

/* ---- Views ------------------------------------------------------------- */

typedef enum {
  BLIP_MAP_BITS,        /* frozen bits, 0..max_bit */
  BLIP_MAP_INFO_GAIN,   /* the last task's IG (needs a FISHER_READY snapshot) */
  BLIP_MAP_FISHER,      /* accumulated Fisher, log scale */
} BlipMapQuantity;

/* Convolutions (kernel_h·kernel_w > 1) ignore the layout and are always drawn
 * as kernel tiles: one kernel_h × kernel_w tile per (output channel, input
 * channel), output channels as rows, input channels as columns, each output
 * channel's bias right of its row; when that many tiles would not be legible
 * in the figure (cells under 4 pixels at zoom 1, e.g. 256 × 512 kernels), one
 * tile per output channel instead, its kernel averaged over input channels. */
typedef enum {
  BLIP_MAP_GRID,          /* one cell per parameter: output units × inputs, biases last */
  BLIP_MAP_INPUT_IMAGE,   /* per input, the mean over output units, as a square image
                           * (e.g. 28 × 28 for MNIST's first layer): which inputs matter */
} BlipMapLayout;

typedef struct {
  BlipMapQuantity quantity;
  BlipMapLayout   layout;
  gboolean        global_scale;   /* one colour range over all layers, else per layer */
  double          zoom;           /* 1: the whole layer fits; 2: half of it, … */
  double          center_x;       /* the cell at the view's centre, in [0, 1] of the layer */
  double          center_y;
  gboolean        legend;
  gboolean        high_contrast;
} BlipMapView;

void   blip_map_view_init (BlipMapView *view);

/* Layer map (the paper's Figure 2): one cell per parameter, weights as a
 * rows×cols grid (output unit × input), biases as a last column; kernel
 * tiles for convolutions (see BlipMapLayout). */
void   blip_figure_layer_map      (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot,
                                   int layer, const BlipMapView *view);
/* The parameter under (x, y) of such a map, or -1 (always -1 in the
 * input-image layout, where a cell stands for a whole column, and in the
 * per-output-channel tiles of a large convolution, where a cell stands for
 * all its input channels). */
gssize blip_figure_layer_map_pick (int width, int height, const BlipSnapshot *snapshot, int layer,
                                   const BlipMapView *view, double x, double y);
/* The cell of parameter index on such a map as { x, y, width, height }; FALSE
 * when the parameter has no cell of its own (the cases where pick gives -1)
 * or its cell lies outside the visible part. */
gboolean blip_figure_layer_map_cell_rect (int width, int height, const BlipSnapshot *snapshot, int layer,
                                          const BlipMapView *view, gsize index, double rect[4]);
/* Sets view->zoom to zoom, clamped to what the layer allows (1: all of it),
 * and moves the centre so that the point (x, y) of the figure stays over the
 * same cell. */
void   blip_figure_layer_map_zoom_at (int width, int height, const BlipSnapshot *snapshot, int layer,
                                      BlipMapView *view, double zoom, double x, double y);
/* Moves the visible part of a zoomed map so its content follows a drag of
 * (dx, dy) pixels. */
void   blip_figure_layer_map_pan  (int width, int height, const BlipSnapshot *snapshot, int layer,
                                   BlipMapView *view, double dx, double dy);
/* The parameter next to index on the map, dx cells right and dy down
 * (skipping the gaps between kernel tiles); index itself at an edge, -1 where
 * the layout has no per-parameter cells. For arrow keys. */
gssize blip_figure_layer_map_step (int width, int height, const BlipSnapshot *snapshot, int layer,
                                   const BlipMapView *view, gsize index, int dx, int dy);

/* One parameter (the paper's Figure 1): its max_bit-bit code, frozen bits
 * coloured by the task that froze them, free bits grey; its value, anchor and
 * allowed interval on a number line; its history across tasks. history may be
 * NULL (then frozen bits take the current task's colour). */
void   blip_figure_parameter      (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot,
                                   const BlipRunHistory *history, int layer, gsize index,
                                   gboolean high_contrast);

/* Information gain: a histogram of the last task's IG and bits added for a
 * layer (from a FISHER_READY snapshot, may be NULL), and used capacity per
 * layer across tasks. */
void   blip_figure_info_gain      (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot,
                                   const BlipSnapshot *fisher_snapshot, const BlipRunHistory *history,
                                   int layer, gboolean high_contrast);

/* Whether the snapshot is of a reinforcement-learning run (experiment
 * "minatar" or "atari", as blip_config_is_rl says), whose accuracy matrix holds mean returns: R[i][j] is the mean
 * return on game j after learning game i, in points, not a fraction. */
gboolean blip_figure_is_reinforcement (const BlipSnapshot *snapshot);

/* Accuracy matrix A[i][j] as a heatmap that fills in as tasks finish, with
 * ACC and both BWTs; in a reinforcement run the reward matrix R[i][j], its
 * colours spanning the returns seen, with the mean return and BWT in
 * points. */
void   blip_figure_acc_matrix     (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot,
                                   gboolean high_contrast);

/* Loss, accuracy and learning rate per epoch, with task boundaries. */
/* Game runs: the normalised accumulated reward over frames (the paper's
 * Figure 4; see blip_results_normalized_reward), task boundaries marked. */
void   blip_figure_reward_curve   (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot);
void   blip_figure_curves         (cairo_t *cr, int width, int height, const BlipSnapshot *snapshot,
                                   gboolean high_contrast);

/* ---- Methods side by side ----------------------------------------------- */

/* One method of a comparison table (`blip table`), as the figure needs it. */
typedef struct {
  const char   *label;            /* "Online EWC (ewc)" */
  const char   *status;           /* shown instead of a bar when acc is NaN, e.g. "unfinished, 6/10 tasks" */
  double        acc;              /* ACC after the last task, a fraction (or a mean return, see
                                   * blip_figure_methods); NaN: no results */
  double        bwt;              /* the paper's BWT, in the same unit; NaN: not shown */
  double        paper_acc;        /* the paper's ACC in %, NaN where it has none */
  const gint64 *memory_per_task;  /* bytes kept after each task, -1 unknown; NULL: no record */
  int           n_tasks;
} BlipMethodSummary;

/* A comparison of methods: ACC bars (with BWT and the paper's ACC as a
 * diamond) beside the memory each method keeps after each task on a log
 * scale, methods that keep nothing named below it. returns: the tasks are
 * games, and acc and bwt mean evaluation returns in points (bars from 0). */
void   blip_figure_methods        (cairo_t *cr, int width, int height, const char *title,
                                   const BlipMethodSummary *rows, int n_rows, gboolean returns,
                                   gboolean high_contrast);

/* ---- Files ------------------------------------------------------------- */

typedef void (*BlipFigureDrawFunc) (cairo_t *cr, int width, int height, gpointer user_data);

/* Draws into a PNG, SVG or PDF file chosen by path's extension. */
gboolean blip_figure_export (const char *path, int width, int height, BlipFigureDrawFunc draw,
                             gpointer user_data, GError **error);

/* Every figure of a finished (or interrupted) run into dir: layer maps of
 * bits, IG and Fisher, the first parameter with frozen bits, the IG view, the
 * accuracy matrix and the curves, each as PNG, SVG and PDF. */
gboolean blip_figures_write_all (const char *dir, const BlipSnapshot *snapshot,
                                 const BlipSnapshot *fisher_snapshot, const BlipRunHistory *history,
                                 GError **error);

G_END_DECLS
