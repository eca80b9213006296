/* blip-figures-private.h — helpers shared by the figure files. */
#pragma once

#include "blip-figures.h"

G_BEGIN_DECLS

typedef enum { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT } FigureAlign;

void   figure_background (cairo_t *cr, int width, int height);
void   figure_text       (cairo_t *cr, double x, double y, double size, FigureAlign align,
                          gboolean bold, const char *text);
void   figure_textf      (cairo_t *cr, double x, double y, double size, FigureAlign align,
                          gboolean bold, const char *format, ...) G_GNUC_PRINTF (7, 8);
/* A centred note for a view with nothing to show yet. */
void   figure_message    (cairo_t *cr, int width, int height, const char *text);

double        run_history_capacity   (const BlipRunHistory *history, int task, int layer);
const float  *run_history_layer_ig   (const BlipRunHistory *history, int task, int layer);
const guint8 *run_history_layer_bits (const BlipRunHistory *history, int task, int layer);

G_END_DECLS
