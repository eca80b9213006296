/* blip-figure-view.c — a widget that draws a blip_figure_* from snapshots;
 * see blip-figure-view.h. */
#include "blip-figure-view.h"

typedef struct {
  BlipSnapshot         *snapshot;
  BlipSnapshot         *fisher;
  const BlipRunHistory *history;
  gboolean              high_contrast;
} BlipFigureViewPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (BlipFigureView, blip_figure_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_HIGH_CONTRAST, N_PROPS };
static GParamSpec *properties[N_PROPS];

void
blip_figure_view_set_data (BlipFigureView *self, BlipSnapshot *snapshot, BlipSnapshot *fisher,
                           const BlipRunHistory *history)
{
  g_return_if_fail (BLIP_IS_FIGURE_VIEW (self));
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  if (snapshot != NULL)
    blip_snapshot_ref (snapshot);
  if (fisher != NULL)
    blip_snapshot_ref (fisher);
  g_clear_pointer (&priv->snapshot, blip_snapshot_free);
  g_clear_pointer (&priv->fisher, blip_snapshot_free);
  priv->snapshot = snapshot;
  priv->fisher = fisher;
  priv->history = history;
  if (BLIP_FIGURE_VIEW_GET_CLASS (self)->data_changed)
    BLIP_FIGURE_VIEW_GET_CLASS (self)->data_changed (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

BlipSnapshot *
blip_figure_view_get_snapshot (BlipFigureView *self)
{
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  return priv->snapshot;
}

BlipSnapshot *
blip_figure_view_get_fisher_snapshot (BlipFigureView *self)
{
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  return priv->fisher;
}

const BlipRunHistory *
blip_figure_view_get_history (BlipFigureView *self)
{
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  return priv->history;
}

void
blip_figure_view_set_high_contrast (BlipFigureView *self, gboolean high_contrast)
{
  g_return_if_fail (BLIP_IS_FIGURE_VIEW (self));
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  high_contrast = !!high_contrast;
  if (priv->high_contrast == high_contrast)
    return;
  priv->high_contrast = high_contrast;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGH_CONTRAST]);
}

gboolean
blip_figure_view_get_high_contrast (BlipFigureView *self)
{
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (self);
  return priv->high_contrast;
}

void
blip_figure_view_draw (BlipFigureView *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (BLIP_IS_FIGURE_VIEW (self));
  BLIP_FIGURE_VIEW_GET_CLASS (self)->draw (self, cr, width, height);
}

static void
export_draw (cairo_t *cr, int width, int height, gpointer self)
{
  blip_figure_view_draw (self, cr, width, height);
}

gboolean
blip_figure_view_export (BlipFigureView *self, const char *path, int width, int height, GError **error)
{
  g_return_val_if_fail (BLIP_IS_FIGURE_VIEW (self), FALSE);
  return blip_figure_export (path, MAX (width, 16), MAX (height, 16), export_draw, self, error);
}

static void
blip_figure_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  if (width <= 0 || height <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  blip_figure_view_draw (BLIP_FIGURE_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
blip_figure_view_default_draw (BlipFigureView *self, cairo_t *cr, int width, int height)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
}

static void
blip_figure_view_finalize (GObject *object)
{
  BlipFigureViewPrivate *priv = blip_figure_view_get_instance_private (BLIP_FIGURE_VIEW (object));
  g_clear_pointer (&priv->snapshot, blip_snapshot_free);
  g_clear_pointer (&priv->fisher, blip_snapshot_free);
  G_OBJECT_CLASS (blip_figure_view_parent_class)->finalize (object);
}

static void
blip_figure_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_HIGH_CONTRAST:
      g_value_set_boolean (value, blip_figure_view_get_high_contrast (BLIP_FIGURE_VIEW (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_figure_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_HIGH_CONTRAST:
      blip_figure_view_set_high_contrast (BLIP_FIGURE_VIEW (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_figure_view_class_init (BlipFigureViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = blip_figure_view_finalize;
  object_class->get_property = blip_figure_view_get_property;
  object_class->set_property = blip_figure_view_set_property;
  widget_class->snapshot = blip_figure_view_snapshot;
  klass->draw = blip_figure_view_default_draw;

  /* Figures with a black → white map, for washed-out projectors. */
  properties[PROP_HIGH_CONTRAST] = g_param_spec_boolean ("high-contrast", NULL, NULL, FALSE,
                                                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                         G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "figureview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
blip_figure_view_init (BlipFigureView *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 180);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}
