/* blip-compare-view.h — the Compare view: the window's run (left) beside a
 * second run of the same experiment, preset and settings with another
 * approach (right), each titled by its approach, with its accuracy matrix
 * above its curves, so that forgetting shows side by side.
 *
 * The view only shows: the window owns both runners, hands each side its
 * newest snapshot, and listens to ::notify::approach and ::notify::running
 * (the toolbar's dropdown and switch).
 */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

typedef enum {
  BLIP_COMPARE_LEFT,    /* the window's run */
  BLIP_COMPARE_RIGHT,   /* the second run */
} BlipCompareSide;

#define BLIP_TYPE_COMPARE_VIEW (blip_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipCompareView, blip_compare_view, BLIP, COMPARE_VIEW, GtkBox)

GtkWidget      *blip_compare_view_new             (void);
/* The second run's approach, a strategy name (default "sgd"). */
const char     *blip_compare_view_get_approach    (BlipCompareView *self);
gboolean        blip_compare_view_set_approach    (BlipCompareView *self, const char *name);
/* Whether the second run trains (the toolbar's switch). */
gboolean        blip_compare_view_get_running     (BlipCompareView *self);
void            blip_compare_view_set_running     (BlipCompareView *self, gboolean running);
/* A side's data: its approach (titles the side), its newest snapshot
 * (referenced; NULL clears) and a line of status under the title. */
void            blip_compare_view_set_side        (BlipCompareView *self, BlipCompareSide side,
                                                   const char *approach, BlipSnapshot *snapshot,
                                                   const char *status);
/* A side's line of status (as last set). */
const char     *blip_compare_view_get_status      (BlipCompareView *self, BlipCompareSide side);
/* A side's figure: "acc-matrix" or "curves". */
BlipFigureView *blip_compare_view_get_figure      (BlipCompareView *self, BlipCompareSide side,
                                                   const char *name);
void            blip_compare_view_set_high_contrast (BlipCompareView *self, gboolean high_contrast);
/* Both sides as one figure (titles, matrices, curves) into path (.png, .svg, .pdf). */
gboolean        blip_compare_view_export          (BlipCompareView *self, const char *path, int width,
                                                   int height, GError **error);

G_END_DECLS
