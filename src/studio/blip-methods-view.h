/* blip-methods-view.h — the Methods view: a table of methods that `blip
 * table` wrote (table.json), drawn as blip_figure_methods draws it: each
 * method's ACC with its BWT and the paper's ACC, beside the memory it kept
 * after each task. It shows finished comparisons (P-MNIST's takes a day) in
 * class without training anything; screen readers get the table as text. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_METHODS_VIEW (blip_methods_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipMethodsView, blip_methods_view, BLIP, METHODS_VIEW, BlipFigureView)

GtkWidget           *blip_methods_view_new       (void);
/* Shows table (the view takes it; NULL clears the view). */
void                 blip_methods_view_set_table (BlipMethodsView *self, BlipTableFile *table);
const BlipTableFile *blip_methods_view_get_table (BlipMethodsView *self);

G_END_DECLS
