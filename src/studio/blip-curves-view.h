/* blip-curves-view.h — loss, accuracy and learning rate per epoch, with task boundaries. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_CURVES_VIEW (blip_curves_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipCurvesView, blip_curves_view, BLIP, CURVES_VIEW, BlipFigureView)

GtkWidget *blip_curves_view_new (void);

G_END_DECLS
