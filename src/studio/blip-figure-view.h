/* blip-figure-view.h — base class of the app's views: a widget that draws one
 * of the blip_figure_* figures from the newest snapshot.
 *
 * The window hands every view the same snapshot, FISHER_READY snapshot and
 * run history (all read-only copies, never the trainer's memory) and the view
 * redraws; a subclass only says which figure to draw. The same drawing goes
 * to PNG, SVG or PDF through blip_figure_export.
 */
#pragma once

#include <gtk/gtk.h>

#include "blip.h"
#include "blip-figures.h"

G_BEGIN_DECLS

#define BLIP_TYPE_FIGURE_VIEW (blip_figure_view_get_type ())
G_DECLARE_DERIVABLE_TYPE (BlipFigureView, blip_figure_view, BLIP, FIGURE_VIEW, GtkWidget)

struct _BlipFigureViewClass {
  GtkWidgetClass parent_class;

  /* Draws the figure into a width × height area. */
  void (*draw)         (BlipFigureView *self, cairo_t *cr, int width, int height);
  /* The data changed (optional): update what depends on it. */
  void (*data_changed) (BlipFigureView *self);
};

/* snapshot and fisher are referenced; history is borrowed and must outlive
 * the next call (the window updates every view when the run changes). */
void                  blip_figure_view_set_data           (BlipFigureView *self, BlipSnapshot *snapshot,
                                                           BlipSnapshot *fisher, const BlipRunHistory *history);
BlipSnapshot         *blip_figure_view_get_snapshot       (BlipFigureView *self);
BlipSnapshot         *blip_figure_view_get_fisher_snapshot (BlipFigureView *self);
const BlipRunHistory *blip_figure_view_get_history        (BlipFigureView *self);

void                  blip_figure_view_set_high_contrast  (BlipFigureView *self, gboolean high_contrast);
gboolean              blip_figure_view_get_high_contrast  (BlipFigureView *self);

void                  blip_figure_view_draw               (BlipFigureView *self, cairo_t *cr, int width,
                                                           int height);
/* Writes the view as drawn now into path (.png, .svg or .pdf). */
gboolean              blip_figure_view_export             (BlipFigureView *self, const char *path, int width,
                                                           int height, GError **error);

G_END_DECLS
