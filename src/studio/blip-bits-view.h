/* blip-bits-view.h — one parameter bit by bit (the paper's Figure 1): frozen
 * bits coloured by the task that froze them, its allowed interval and its
 * history across tasks. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_BITS_VIEW (blip_bits_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipBitsView, blip_bits_view, BLIP, BITS_VIEW, BlipFigureView)

GtkWidget *blip_bits_view_new           (void);
void       blip_bits_view_set_parameter (BlipBitsView *self, int layer, gsize index);
int        blip_bits_view_get_layer     (BlipBitsView *self);
gsize      blip_bits_view_get_index     (BlipBitsView *self);

G_END_DECLS
