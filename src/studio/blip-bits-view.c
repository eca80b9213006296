/* blip-bits-view.c — blip_figure_parameter for the chosen parameter; screen
 * readers get its bits and interval as text. */
#include "blip-bits-view.h"

struct _BlipBitsView {
  BlipFigureView parent_instance;
  int            layer;
  gsize          index;
};

G_DEFINE_FINAL_TYPE (BlipBitsView, blip_bits_view, BLIP_TYPE_FIGURE_VIEW)

enum { PROP_0, PROP_LAYER, PROP_INDEX, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
blip_bits_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  BlipBitsView *self = BLIP_BITS_VIEW (view);
  blip_figure_parameter (cr, width, height, blip_figure_view_get_snapshot (view),
                         blip_figure_view_get_history (view), self->layer, self->index,
                         blip_figure_view_get_high_contrast (view));
}

static void
update_description (BlipBitsView *self)
{
  const BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self));
  g_autofree char *text = NULL;
  if (s != NULL && self->layer < s->n_layers && self->index < s->layers[self->layer].n)
    {
      const BlipLayerSnapshot *l = &s->layers[self->layer];
      text = g_strdup_printf ("%s parameter %" G_GSIZE_FORMAT ": value %.6f, %d of %d bits frozen", l->name,
                              self->index, l->values ? l->values[self->index] : 0.0f,
                              l->bits ? l->bits[self->index] : 0, l->max_bit);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text ? text : "No parameter to show yet.", -1);
}

static void
blip_bits_view_data_changed (BlipFigureView *view)
{
  update_description (BLIP_BITS_VIEW (view));
}

void
blip_bits_view_set_parameter (BlipBitsView *self, int layer, gsize index)
{
  g_return_if_fail (BLIP_IS_BITS_VIEW (self));
  g_object_freeze_notify (G_OBJECT (self));
  if (self->layer != layer)
    {
      self->layer = layer;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
    }
  if (self->index != index)
    {
      self->index = index;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEX]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int blip_bits_view_get_layer (BlipBitsView *self) { return self->layer; }
gsize blip_bits_view_get_index (BlipBitsView *self) { return self->index; }

static void
blip_bits_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BlipBitsView *self = BLIP_BITS_VIEW (object);
  switch (id)
    {
    case PROP_LAYER: g_value_set_int (value, self->layer); break;
    case PROP_INDEX: g_value_set_uint64 (value, self->index); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_bits_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BlipBitsView *self = BLIP_BITS_VIEW (object);
  switch (id)
    {
    case PROP_LAYER: blip_bits_view_set_parameter (self, g_value_get_int (value), self->index); break;
    case PROP_INDEX: blip_bits_view_set_parameter (self, self->layer, g_value_get_uint64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_bits_view_class_init (BlipBitsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  BlipFigureViewClass *view_class = BLIP_FIGURE_VIEW_CLASS (klass);
  object_class->get_property = blip_bits_view_get_property;
  object_class->set_property = blip_bits_view_set_property;
  view_class->draw = blip_bits_view_draw;
  view_class->data_changed = blip_bits_view_data_changed;

  properties[PROP_LAYER] = g_param_spec_int ("layer", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_INDEX] = g_param_spec_uint64 ("index", NULL, NULL, 0, G_MAXUINT64, 0,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blip_bits_view_init (BlipBitsView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Parameter bits: frozen bits coloured by the task that froze them", -1);
}

GtkWidget *
blip_bits_view_new (void)
{
  return g_object_new (BLIP_TYPE_BITS_VIEW, NULL);
}
