/* blip-info-gain-view.c — blip_figure_info_gain for the chosen layer, from the
 * newest snapshot and the newest FISHER_READY one. */
#include "blip-info-gain-view.h"

struct _BlipInfoGainView {
  BlipFigureView parent_instance;
  int            layer;
};

G_DEFINE_FINAL_TYPE (BlipInfoGainView, blip_info_gain_view, BLIP_TYPE_FIGURE_VIEW)

enum { PROP_0, PROP_LAYER, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
blip_info_gain_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  BlipInfoGainView *self = BLIP_INFO_GAIN_VIEW (view);
  blip_figure_info_gain (cr, width, height, blip_figure_view_get_snapshot (view),
                         blip_figure_view_get_fisher_snapshot (view), blip_figure_view_get_history (view),
                         self->layer, blip_figure_view_get_high_contrast (view));
}

void
blip_info_gain_view_set_layer (BlipInfoGainView *self, int layer)
{
  g_return_if_fail (BLIP_IS_INFO_GAIN_VIEW (self));
  if (self->layer == layer)
    return;
  self->layer = layer;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}

int
blip_info_gain_view_get_layer (BlipInfoGainView *self)
{
  return self->layer;
}

static void
blip_info_gain_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_LAYER: g_value_set_int (value, BLIP_INFO_GAIN_VIEW (object)->layer); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_info_gain_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_LAYER: blip_info_gain_view_set_layer (BLIP_INFO_GAIN_VIEW (object), g_value_get_int (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_info_gain_view_class_init (BlipInfoGainViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->get_property = blip_info_gain_view_get_property;
  object_class->set_property = blip_info_gain_view_set_property;
  BLIP_FIGURE_VIEW_CLASS (klass)->draw = blip_info_gain_view_draw;

  properties[PROP_LAYER] = g_param_spec_int ("layer", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blip_info_gain_view_init (BlipInfoGainView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Information gain of the last task and used capacity per layer", -1);
}

GtkWidget *
blip_info_gain_view_new (void)
{
  return g_object_new (BLIP_TYPE_INFO_GAIN_VIEW, NULL);
}
