/* blip-info-gain-view.h — the information gain of the last task: histogram of
 * IG and bits added for one layer, and used capacity per layer across tasks. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_INFO_GAIN_VIEW (blip_info_gain_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipInfoGainView, blip_info_gain_view, BLIP, INFO_GAIN_VIEW, BlipFigureView)

GtkWidget *blip_info_gain_view_new       (void);
void       blip_info_gain_view_set_layer (BlipInfoGainView *self, int layer);
int        blip_info_gain_view_get_layer (BlipInfoGainView *self);

G_END_DECLS
