/* blip-layer-map-view.h — a layer's parameters as a map (the paper's Figure
 * 2, convolutions as kernel tiles) coloured by frozen bits, information gain
 * or Fisher; zoom with the scroll wheel or + and −, pan by dragging, hover for
 * a parameter's numbers, click (or arrows) to choose the parameter the bits
 * view shows. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_LAYER_MAP_VIEW (blip_layer_map_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipLayerMapView, blip_layer_map_view, BLIP, LAYER_MAP_VIEW, BlipFigureView)

GtkWidget      *blip_layer_map_view_new              (void);
void            blip_layer_map_view_set_layer        (BlipLayerMapView *self, int layer);
int             blip_layer_map_view_get_layer        (BlipLayerMapView *self);
void            blip_layer_map_view_set_quantity     (BlipLayerMapView *self, BlipMapQuantity quantity);
BlipMapQuantity blip_layer_map_view_get_quantity     (BlipLayerMapView *self);
void            blip_layer_map_view_set_global_scale (BlipLayerMapView *self, gboolean global_scale);
gboolean        blip_layer_map_view_get_global_scale (BlipLayerMapView *self);
void            blip_layer_map_view_reset_zoom       (BlipLayerMapView *self);
/* Zooms to `zoom` (1: the whole layer) keeping the cell under (x, y) still. */
void            blip_layer_map_view_zoom_at          (BlipLayerMapView *self, double zoom, double x, double y);
/* The parameter marked on the map (-1: none). */
void            blip_layer_map_view_select           (BlipLayerMapView *self, gssize index);
/* Describes the parameter under (x, y) in the view, or NULL; for tooltips. */
char           *blip_layer_map_view_describe_at      (BlipLayerMapView *self, double x, double y);

G_END_DECLS
