/* blip-layer-map-view.c — blip_figure_layer_map with zoom, pan, a tooltip per
 * parameter (blip_figure_layer_map_pick) and a selected parameter. All
 * geometry (which cell is where, in the grid of a linear layer or the kernel
 * tiles of a convolution) is the figure's: the widget asks it through
 * blip_figure_layer_map_pick, _cell_rect, _zoom_at, _pan and _step. */
#include "blip-layer-map-view.h"

#include <math.h>

struct _BlipLayerMapView {
  BlipFigureView parent_instance;
  int            layer;
  BlipMapView    map;
  gssize         selected;
  double         pointer_x, pointer_y;
  double         drag_cx, drag_cy;
};

G_DEFINE_FINAL_TYPE (BlipLayerMapView, blip_layer_map_view, BLIP_TYPE_FIGURE_VIEW)

enum { PROP_0, PROP_LAYER, PROP_QUANTITY, PROP_GLOBAL_SCALE, PROP_ZOOM, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_PARAMETER_SELECTED, SIGNAL_PARAMETER_ACTIVATED, SIGNAL_DRAWN, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The snapshot to draw: IG exists only in the FISHER_READY snapshot. */
static const BlipSnapshot *
map_snapshot (BlipLayerMapView *self)
{
  BlipFigureView *view = BLIP_FIGURE_VIEW (self);
  return self->map.quantity == BLIP_MAP_INFO_GAIN ? blip_figure_view_get_fisher_snapshot (view)
                                                  : blip_figure_view_get_snapshot (view);
}

static const BlipLayerSnapshot *
current_layer (BlipLayerMapView *self)
{
  const BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self));
  return s && self->layer < s->n_layers ? &s->layers[self->layer] : NULL;
}

static int width_of (BlipLayerMapView *self) { return gtk_widget_get_width (GTK_WIDGET (self)); }
static int height_of (BlipLayerMapView *self) { return gtk_widget_get_height (GTK_WIDGET (self)); }

static void
draw_selection (BlipLayerMapView *self, cairo_t *cr, int width, int height)
{
  const BlipLayerSnapshot *l = current_layer (self);
  if (l == NULL || self->selected < 0 || (gsize) self->selected >= l->n || !l->quantized)
    return;
  double rect[4];
  if (!blip_figure_layer_map_cell_rect (width, height, blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self)),
                                        self->layer, &self->map, self->selected, rect))
    return;
  double cw = rect[2], ch = rect[3];
  /* A ring at least 10 pixels across, black inside white, visible on any colour. */
  double cx = rect[0] + cw / 2, cy = rect[1] + ch / 2, r = MAX (5.0, MAX (cw, ch) / 2 + 2);
  cairo_set_line_width (cr, 3);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, cx - r, cy - r, 2 * r, 2 * r);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, cx - r, cy - r, 2 * r, 2 * r);
  cairo_stroke (cr);
}

static void
blip_layer_map_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  BlipLayerMapView *self = BLIP_LAYER_MAP_VIEW (view);
  gint64 start = g_get_monotonic_time ();
  self->map.high_contrast = blip_figure_view_get_high_contrast (view);
  blip_figure_layer_map (cr, width, height, map_snapshot (self), self->layer, &self->map);
  draw_selection (self, cr, width, height);
  if (current_layer (self) != NULL)
    g_signal_emit (self, signals[SIGNAL_DRAWN], 0, g_get_monotonic_time () - start);
}

static gssize
pick (BlipLayerMapView *self, double x, double y)
{
  const BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self));
  return blip_figure_layer_map_pick (width_of (self), height_of (self), s, self->layer, &self->map, x, y);
}

char *
blip_layer_map_view_describe_at (BlipLayerMapView *self, double x, double y)
{
  gssize index = pick (self, x, y);
  const BlipLayerSnapshot *l = current_layer (self);
  if (index < 0 || l == NULL || (gsize) index >= l->n)
    return NULL;
  gsize i = index;
  GString *text = g_string_new (NULL);
  if (i < l->n_weight && l->kernel_channels > 0 && l->kernel_h > 0 && l->kernel_w > 0)
    {
      /* Row r of a convolution is output channel r's [channels, h, w] kernel. */
      gsize r = i % l->cols, k = (gsize) l->kernel_h * l->kernel_w;
      g_string_append_printf (text, "<b>%s weight [output channel %" G_GSIZE_FORMAT ", input channel %"
                              G_GSIZE_FORMAT ", row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT "]</b>",
                              l->name, i / l->cols, r / k, r % k / l->kernel_w, r % l->kernel_w);
    }
  else if (i < l->n_weight)
    g_string_append_printf (text, "<b>%s weight [unit %" G_GSIZE_FORMAT ", input %" G_GSIZE_FORMAT "]</b>",
                            l->name, i / l->cols, i % l->cols);
  else
    g_string_append_printf (text, "<b>%s bias [%s %" G_GSIZE_FORMAT "]</b>", l->name,
                            l->kernel_channels > 0 ? "output channel" : "unit", i - l->n_weight);
  if (l->values)
    g_string_append_printf (text, "\nvalue %.6f", l->values[i]);
  if (l->bits)
    g_string_append_printf (text, "\nfrozen bits %d of %d", l->bits[i], l->max_bit);
  const BlipSnapshot *f = blip_figure_view_get_fisher_snapshot (BLIP_FIGURE_VIEW (self));
  if (f && self->layer < f->n_layers && f->layers[self->layer].info_gain && f->layers[self->layer].n == l->n)
    g_string_append_printf (text, "\ninformation gain %.3f bits (task %d)", f->layers[self->layer].info_gain[i],
                            f->task + 1);
  if (l->fisher_old)
    g_string_append_printf (text, "\naccumulated Fisher %.3g", l->fisher_old[i]);
  return g_string_free (text, FALSE);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  g_autofree char *markup = blip_layer_map_view_describe_at (BLIP_LAYER_MAP_VIEW (widget), x, y);
  if (markup == NULL)
    return FALSE;
  gtk_tooltip_set_markup (tooltip, markup);
  return TRUE;
}

void
blip_layer_map_view_zoom_at (BlipLayerMapView *self, double zoom, double x, double y)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  if (current_layer (self) == NULL)
    return;
  blip_figure_layer_map_zoom_at (width_of (self), height_of (self),
                                 blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self)), self->layer, &self->map,
                                 zoom, x, y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, gpointer data)
{
  BlipLayerMapView *self = data;
  blip_layer_map_view_zoom_at (self, self->map.zoom * pow (1.25, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, gpointer data)
{
  BlipLayerMapView *self = data;
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, gpointer data)
{
  BlipLayerMapView *self = data;
  self->drag_cx = self->map.center_x;
  self->drag_cy = self->map.center_y;
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, gpointer data)
{
  BlipLayerMapView *self = data;
  if (current_layer (self) == NULL || self->map.zoom <= 1.0)
    return;
  /* (dx, dy) is the whole drag so far: from where it began. */
  self->map.center_x = self->drag_cx;
  self->map.center_y = self->drag_cy;
  blip_figure_layer_map_pan (width_of (self), height_of (self), blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self)),
                             self->layer, &self->map, dx, dy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
select_index (BlipLayerMapView *self, gssize index, gboolean activate)
{
  blip_layer_map_view_select (self, index);
  if (index >= 0)
    g_signal_emit (self, signals[activate ? SIGNAL_PARAMETER_ACTIVATED : SIGNAL_PARAMETER_SELECTED], 0,
                   self->layer, (guint64) index);
}

static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
  BlipLayerMapView *self = data;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  gssize index = pick (self, x, y);
  if (index >= 0)
    select_index (self, index, n_press >= 2);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
                gpointer data)
{
  BlipLayerMapView *self = data;
  const BlipLayerSnapshot *l = current_layer (self);
  double cx = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0, cy = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
  switch (keyval)
    {
    case GDK_KEY_plus: case GDK_KEY_equal: case GDK_KEY_KP_Add:
      blip_layer_map_view_zoom_at (self, self->map.zoom * 1.5, cx, cy);
      return TRUE;
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      blip_layer_map_view_zoom_at (self, self->map.zoom / 1.5, cx, cy);
      return TRUE;
    case GDK_KEY_0: case GDK_KEY_KP_0:
      blip_layer_map_view_reset_zoom (self);
      return TRUE;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter:
      select_index (self, self->selected, TRUE);
      return TRUE;
    case GDK_KEY_Left: case GDK_KEY_Right: case GDK_KEY_Up: case GDK_KEY_Down:
      {
        if (l == NULL || l->cols <= 0)
          return FALSE;
        gssize i = MAX (self->selected, 0);
        int dx = keyval == GDK_KEY_Left ? -1 : keyval == GDK_KEY_Right ? 1 : 0;
        int dy = keyval == GDK_KEY_Up ? -1 : keyval == GDK_KEY_Down ? 1 : 0;
        /* Across the map as drawn (over the gaps between kernel tiles)... */
        gssize next = blip_figure_layer_map_step (width_of (self), height_of (self),
                                                  blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (self)),
                                                  self->layer, &self->map, i, dx, dy);
        if (next >= 0)
          {
            select_index (self, next, FALSE);
            return TRUE;
          }
        /* ...or, where no cell is a single parameter, through the grid's order. */
        gssize gx = (gsize) i < l->n_weight ? i % l->cols : l->cols;
        gssize gy = (gsize) i < l->n_weight ? i / l->cols : i - (gssize) l->n_weight;
        gx += dx;
        gy += dy;
        /* Biases, where the layer has them, are the last column. */
        gx = CLAMP (gx, 0, l->n > l->n_weight ? l->cols : l->cols - 1);
        gy = CLAMP (gy, 0, l->rows - 1);
        select_index (self, gx < l->cols ? gy * l->cols + gx : (gssize) l->n_weight + gy, FALSE);
        return TRUE;
      }
    default:
      return FALSE;
    }
}

void
blip_layer_map_view_set_layer (BlipLayerMapView *self, int layer)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  if (self->layer == layer)
    return;
  self->layer = layer;
  self->selected = -1;
  blip_layer_map_view_reset_zoom (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}

int blip_layer_map_view_get_layer (BlipLayerMapView *self) { return self->layer; }

void
blip_layer_map_view_set_quantity (BlipLayerMapView *self, BlipMapQuantity quantity)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  if (self->map.quantity == quantity)
    return;
  self->map.quantity = quantity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUANTITY]);
}

BlipMapQuantity blip_layer_map_view_get_quantity (BlipLayerMapView *self) { return self->map.quantity; }

void
blip_layer_map_view_set_global_scale (BlipLayerMapView *self, gboolean global_scale)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  if (self->map.global_scale == !!global_scale)
    return;
  self->map.global_scale = !!global_scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GLOBAL_SCALE]);
}

gboolean blip_layer_map_view_get_global_scale (BlipLayerMapView *self) { return self->map.global_scale; }

void
blip_layer_map_view_reset_zoom (BlipLayerMapView *self)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  self->map.zoom = 1.0;
  self->map.center_x = self->map.center_y = 0.5;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
blip_layer_map_view_select (BlipLayerMapView *self, gssize index)
{
  g_return_if_fail (BLIP_IS_LAYER_MAP_VIEW (self));
  self->selected = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
blip_layer_map_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BlipLayerMapView *self = BLIP_LAYER_MAP_VIEW (object);
  switch (id)
    {
    case PROP_LAYER: g_value_set_int (value, self->layer); break;
    case PROP_QUANTITY: g_value_set_int (value, self->map.quantity); break;
    case PROP_GLOBAL_SCALE: g_value_set_boolean (value, self->map.global_scale); break;
    case PROP_ZOOM: g_value_set_double (value, self->map.zoom); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_layer_map_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BlipLayerMapView *self = BLIP_LAYER_MAP_VIEW (object);
  switch (id)
    {
    case PROP_LAYER: blip_layer_map_view_set_layer (self, g_value_get_int (value)); break;
    case PROP_QUANTITY: blip_layer_map_view_set_quantity (self, g_value_get_int (value)); break;
    case PROP_GLOBAL_SCALE: blip_layer_map_view_set_global_scale (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_layer_map_view_class_init (BlipLayerMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->get_property = blip_layer_map_view_get_property;
  object_class->set_property = blip_layer_map_view_set_property;
  BLIP_FIGURE_VIEW_CLASS (klass)->draw = blip_layer_map_view_draw;

  properties[PROP_LAYER] = g_param_spec_int ("layer", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* A BlipMapQuantity: 0 bits, 1 information gain, 2 Fisher. */
  properties[PROP_QUANTITY] = g_param_spec_int ("quantity", NULL, NULL, BLIP_MAP_BITS, BLIP_MAP_FISHER,
                                                BLIP_MAP_BITS,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_GLOBAL_SCALE] = g_param_spec_boolean ("global-scale", NULL, NULL, FALSE,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                        G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 1, G_MAXDOUBLE, 1,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (int layer, guint64 index): a click or an arrow key chose a parameter. */
  signals[SIGNAL_PARAMETER_SELECTED] = g_signal_new ("parameter-selected", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                     G_TYPE_INT, G_TYPE_UINT64);
  /* The same on a double click or Enter: show it in the bits view. */
  signals[SIGNAL_PARAMETER_ACTIVATED] = g_signal_new ("parameter-activated", G_TYPE_FROM_CLASS (klass),
                                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                      G_TYPE_INT, G_TYPE_UINT64);
  /* (gint64 duration_us): the map of a layer was drawn, in that time (for
   * --measure-stalls). */
  signals[SIGNAL_DRAWN] = g_signal_new ("drawn", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
blip_layer_map_view_init (BlipLayerMapView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  blip_map_view_init (&self->map);
  self->selected = -1;

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, scroll);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (widget, motion);

  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (widget, key);

  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Layer map",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  "One cell per parameter. Arrow keys choose a parameter, Enter shows its bits, "
                                  "plus and minus zoom, 0 shows the whole layer.",
                                  -1);
}

GtkWidget *
blip_layer_map_view_new (void)
{
  return g_object_new (BLIP_TYPE_LAYER_MAP_VIEW, NULL);
}
