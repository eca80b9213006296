/* blip-curves-view.c — training curves: blip_figure_curves on the newest
 * snapshot's per-epoch history. */
#include "blip-curves-view.h"

struct _BlipCurvesView {
  BlipFigureView parent_instance;
};

G_DEFINE_FINAL_TYPE (BlipCurvesView, blip_curves_view, BLIP_TYPE_FIGURE_VIEW)

static void
blip_curves_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  blip_figure_curves (cr, width, height, blip_figure_view_get_snapshot (view),
                      blip_figure_view_get_high_contrast (view));
}

static void
blip_curves_view_data_changed (BlipFigureView *view)
{
  const BlipSnapshot *s = blip_figure_view_get_snapshot (view);
  g_autofree char *text = NULL;
  if (s != NULL && s->n_history > 0)
    {
      const BlipEpochRecord *r = &s->history[s->n_history - 1];
      text = g_strdup_printf ("%u epochs. Last: task %d, epoch %d, training loss %.4f, accuracy %.1f%%.",
                              s->n_history, r->task + 1, r->epoch + 1, r->train_loss, 100 * r->train_acc);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text ? text : "No epoch finished yet.", -1);
}

static void
blip_curves_view_class_init (BlipCurvesViewClass *klass)
{
  BlipFigureViewClass *view_class = BLIP_FIGURE_VIEW_CLASS (klass);
  view_class->draw = blip_curves_view_draw;
  view_class->data_changed = blip_curves_view_data_changed;
}

static void
blip_curves_view_init (BlipCurvesView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Training curves: loss, accuracy and learning rate per epoch", -1);
}

GtkWidget *
blip_curves_view_new (void)
{
  return g_object_new (BLIP_TYPE_CURVES_VIEW, NULL);
}
