/* blip-figures-private.h — helpers shared by the figure files. */
#pragma once

#include "blip-figures.h"

G_BEGIN_DECLS

typedef enum { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT } FigureAlign;

void   figure_background (cairo_t *cr, int width, int height);
void   figure_text       (cairo_t *cr, double x, double y, double size, FigureAlign align,
                          gboolean bold, const char *text);
/* figure_text within max_width: at a smaller size (down to min_size) when it
 * would not fit, and cut with "…" when even that is too wide. */
void   figure_text_fit   (cairo_t *cr, double x, double y, double size, double min_size, double max_width,
                          FigureAlign align, gboolean bold, const char *text);
void   figure_textf      (cairo_t *cr, double x, double y, double size, FigureAlign align,
                          gboolean bold, const char *format, ...) G_GNUC_PRINTF (7, 8);
/* A centred note for a view with nothing to show yet. */
void   figure_message    (cairo_t *cr, int width, int height, const char *text);

/* ---- Layer map (blip-figures-map.c), shared by both of its layouts ---- */

#define MAP_LEGEND_WIDTH 70
#define MAP_TITLE_HEIGHT 28

double      map_raw_value     (const BlipLayerSnapshot *l, BlipMapQuantity q, gsize i);
gboolean    map_has_quantity  (const BlipLayerSnapshot *l, BlipMapQuantity q);
/* The colour range of a layer (or of all layers with global_scale). */
void        map_value_range   (const BlipSnapshot *s, int layer, const BlipMapView *view, double *lo, double *hi);
/* Where the map goes: below the title, left of the legend. */
void        map_area          (int width, int height, const BlipMapView *view, double *x, double *y, double *w,
                               double *h);
const char *map_quantity_name (BlipMapQuantity q);
/* 0xffRRGGBB for 256 steps of the sequential palette. */
void        map_colour_table  (gboolean high_contrast, guint32 lut[256]);
void        map_legend        (cairo_t *cr, int width, double my, double mh, double lo, double hi,
                               const BlipMapView *view, gboolean which_scale);

/* ---- Convolutions as kernel tiles (blip-figures-kernels.c) ---- */

/* Whether l is a convolution drawn as kernel tiles (1×1 kernels are not:
 * their grid is already one cell per input channel). */
gboolean kernel_map_applies  (const BlipLayerSnapshot *l);
void     kernel_map_draw     (cairo_t *cr, int width, int height, const BlipSnapshot *s, int layer,
                              const BlipMapView *view);
gssize   kernel_map_pick     (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view,
                              double x, double y);
gboolean kernel_map_cell_rect (int width, int height, const BlipSnapshot *s, int layer,
                               const BlipMapView *view, gsize index, double rect[4]);
void     kernel_map_zoom_at  (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view,
                              double zoom, double x, double y);
void     kernel_map_pan      (int width, int height, const BlipSnapshot *s, int layer, BlipMapView *view,
                              double dx, double dy);
gssize   kernel_map_step     (int width, int height, const BlipSnapshot *s, int layer, const BlipMapView *view,
                              gsize index, int dx, int dy);

/* ---- Run history (blip-figures-common.c) ---- */

double        run_history_capacity   (const BlipRunHistory *history, int task, int layer);
const float  *run_history_layer_ig   (const BlipRunHistory *history, int task, int layer);
const guint8 *run_history_layer_bits (const BlipRunHistory *history, int task, int layer);

G_END_DECLS
