/* blip-stall-meter.h — how long the main loop and the layer map keep the UI
 * waiting (blip-studio --measure-stalls, bench/studio-stalls).
 *
 * A G_PRIORITY_HIGH timeout every `period` ms on the thread-default main
 * context notes when it runs; a stall is the time between two runs beyond
 * the period, i.e. how late the loop got back to it. Draws of a layer map
 * view are timed through its ::drawn signal; the report keeps those of the
 * largest layer drawn (784 × 1200 for MNIST's first layer).
 */
#pragma once

#include "blip-layer-map-view.h"

G_BEGIN_DECLS

#define BLIP_STALL_TARGET_MS 50.0     /* the most a click may wait */
#define BLIP_REDRAW_TARGET_MS 16.0    /* one frame at 60 Hz */

typedef struct {
  guint  ticks;              /* timeout runs */
  double max_stall_ms;
  double p99_stall_ms;
  double mean_stall_ms;
  guint  draws;              /* draws of the largest layer */
  double draw_mean_ms;
  double draw_max_ms;
  int    draw_rows, draw_cols;
  char   layer_name[64];
} BlipStallReport;

#define BLIP_TYPE_STALL_METER (blip_stall_meter_get_type ())
G_DECLARE_FINAL_TYPE (BlipStallMeter, blip_stall_meter, BLIP, STALL_METER, GObject)

BlipStallMeter *blip_stall_meter_new             (guint period_ms);
void            blip_stall_meter_start           (BlipStallMeter *self);
void            blip_stall_meter_stop            (BlipStallMeter *self);
gboolean        blip_stall_meter_is_running      (BlipStallMeter *self);
/* Times every draw of view (until the meter is finalized or the view goes). */
void            blip_stall_meter_watch_layer_map (BlipStallMeter *self, BlipLayerMapView *view);
/* Adds one draw of a rows × cols layer that took duration_us. */
void            blip_stall_meter_add_draw        (BlipStallMeter *self, const char *layer, int rows, int cols,
                                                  gint64 duration_us);
void            blip_stall_meter_get_report      (BlipStallMeter *self, BlipStallReport *report);
/* "main loop: max stall 12.3 ms, p99 4.1 ms over 4321 ticks (target ≤ 50 ms,
 * ratio 4.06x)\nlayer map redraw: mean 3.2 ms, max 5.0 ms (…)\n"; the ratio
 * is the target over the worst value (above 1: within the target). */
char           *blip_stall_meter_format          (BlipStallMeter *self);

G_END_DECLS
