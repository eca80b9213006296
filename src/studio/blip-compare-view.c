/* blip-compare-view.c — two runs side by side; see blip-compare-view.h. */
#include "blip-compare-view.h"

#include "blip-acc-matrix-view.h"
#include "blip-curves-view.h"

struct _BlipCompareView {
  GtkBox             parent_instance;
  GtkDropDown       *approach_dropdown;
  GtkSwitch         *running_switch;
  GtkLabel          *left_title, *right_title;
  GtkLabel          *left_status, *right_status;
  BlipAccMatrixView *left_acc, *right_acc;
  BlipCurvesView    *left_curves, *right_curves;
  char             **approach_names;   /* dropdown position → strategy name */
  char              *side_approach[2];
  int                updating;
};

G_DEFINE_FINAL_TYPE (BlipCompareView, blip_compare_view, GTK_TYPE_BOX)

enum { PROP_0, PROP_APPROACH, PROP_RUNNING, N_PROPS };
static GParamSpec *properties[N_PROPS];

const char *
blip_compare_view_get_approach (BlipCompareView *self)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), NULL);
  guint pos = gtk_drop_down_get_selected (self->approach_dropdown);
  return pos < g_strv_length (self->approach_names) ? self->approach_names[pos] : NULL;
}

gboolean
blip_compare_view_set_approach (BlipCompareView *self, const char *name)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), FALSE);
  for (guint i = 0; self->approach_names[i]; i++)
    if (g_strcmp0 (self->approach_names[i], name) == 0)
      {
        gtk_drop_down_set_selected (self->approach_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

gboolean
blip_compare_view_get_running (BlipCompareView *self)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), FALSE);
  return gtk_switch_get_active (self->running_switch);
}

void
blip_compare_view_set_running (BlipCompareView *self, gboolean running)
{
  g_return_if_fail (BLIP_IS_COMPARE_VIEW (self));
  gtk_switch_set_active (self->running_switch, running);
}

const char *
blip_compare_view_get_status (BlipCompareView *self, BlipCompareSide side)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), NULL);
  return gtk_label_get_text (side == BLIP_COMPARE_LEFT ? self->left_status : self->right_status);
}

BlipFigureView *
blip_compare_view_get_figure (BlipCompareView *self, BlipCompareSide side, const char *name)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), NULL);
  gboolean left = side == BLIP_COMPARE_LEFT;
  if (g_strcmp0 (name, "acc-matrix") == 0)
    return BLIP_FIGURE_VIEW (left ? self->left_acc : self->right_acc);
  if (g_strcmp0 (name, "curves") == 0)
    return BLIP_FIGURE_VIEW (left ? self->left_curves : self->right_curves);
  return NULL;
}

void
blip_compare_view_set_side (BlipCompareView *self, BlipCompareSide side, const char *approach,
                            BlipSnapshot *snapshot, const char *status)
{
  g_return_if_fail (BLIP_IS_COMPARE_VIEW (self));
  gboolean left = side == BLIP_COMPARE_LEFT;
  if (g_strcmp0 (self->side_approach[side], approach) != 0)
    {
      g_free (self->side_approach[side]);
      self->side_approach[side] = g_strdup (approach);
      g_autofree char *title = blip_strategy_label_for (approach);
      gtk_label_set_text (left ? self->left_title : self->right_title, title);
      g_autofree char *acc = g_strdup_printf ("Accuracy matrix of %s", title);
      g_autofree char *curves = g_strdup_printf ("Training curves of %s", title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (left ? self->left_acc : self->right_acc),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, acc, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (left ? self->left_curves : self->right_curves),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, curves, -1);
    }
  gtk_label_set_text (left ? self->left_status : self->right_status, status ? status : "");
  blip_figure_view_set_data (blip_compare_view_get_figure (self, side, "acc-matrix"), snapshot, NULL, NULL);
  blip_figure_view_set_data (blip_compare_view_get_figure (self, side, "curves"), snapshot, NULL, NULL);
}

void
blip_compare_view_set_high_contrast (BlipCompareView *self, gboolean high_contrast)
{
  g_return_if_fail (BLIP_IS_COMPARE_VIEW (self));
  for (int side = 0; side < 2; side++)
    {
      blip_figure_view_set_high_contrast (blip_compare_view_get_figure (self, side, "acc-matrix"), high_contrast);
      blip_figure_view_set_high_contrast (blip_compare_view_get_figure (self, side, "curves"), high_contrast);
    }
}

/* ---- Export: both sides as one figure ------------------------------------------ */

static void
export_draw (cairo_t *cr, int width, int height, gpointer data)
{
  BlipCompareView *self = data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  const double title_h = 36;
  int half = width / 2, figure_h = MAX (1, (int) ((height - title_h) / 2));
  for (int side = 0; side < 2; side++)
    {
      BlipFigureView *acc = blip_compare_view_get_figure (self, side, "acc-matrix");
      BlipFigureView *curves = blip_compare_view_get_figure (self, side, "curves");
      GtkLabel *title = side == BLIP_COMPARE_LEFT ? self->left_title : self->right_title;
      cairo_save (cr);
      cairo_translate (cr, side * half, 0);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
      cairo_set_font_size (cr, 20);
      cairo_move_to (cr, 12, 26);
      cairo_show_text (cr, gtk_label_get_text (title));
      cairo_translate (cr, 0, title_h);
      cairo_rectangle (cr, 0, 0, half, 2 * figure_h);
      cairo_clip (cr);
      blip_figure_view_draw (acc, cr, half, figure_h);
      cairo_translate (cr, 0, figure_h);
      blip_figure_view_draw (curves, cr, half, figure_h);
      cairo_restore (cr);
    }
}

gboolean
blip_compare_view_export (BlipCompareView *self, const char *path, int width, int height, GError **error)
{
  g_return_val_if_fail (BLIP_IS_COMPARE_VIEW (self), FALSE);
  return blip_figure_export (path, MAX (width, 64), MAX (height, 64), export_draw, self, error);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
on_approach_selected (GtkDropDown *dropdown, GParamSpec *pspec, BlipCompareView *self)
{
  if (!self->updating)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPROACH]);
}

static void
on_running_changed (GtkSwitch *sw, GParamSpec *pspec, BlipCompareView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
blip_compare_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BlipCompareView *self = BLIP_COMPARE_VIEW (object);
  switch (id)
    {
    case PROP_APPROACH: g_value_set_string (value, blip_compare_view_get_approach (self)); break;
    case PROP_RUNNING: g_value_set_boolean (value, blip_compare_view_get_running (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_compare_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BlipCompareView *self = BLIP_COMPARE_VIEW (object);
  switch (id)
    {
    case PROP_APPROACH: blip_compare_view_set_approach (self, g_value_get_string (value)); break;
    case PROP_RUNNING: blip_compare_view_set_running (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
blip_compare_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BLIP_TYPE_COMPARE_VIEW);
  G_OBJECT_CLASS (blip_compare_view_parent_class)->dispose (object);
}

static void
blip_compare_view_finalize (GObject *object)
{
  BlipCompareView *self = BLIP_COMPARE_VIEW (object);
  g_strfreev (self->approach_names);
  g_free (self->side_approach[0]);
  g_free (self->side_approach[1]);
  G_OBJECT_CLASS (blip_compare_view_parent_class)->finalize (object);
}

static void
blip_compare_view_class_init (BlipCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = blip_compare_view_dispose;
  object_class->finalize = blip_compare_view_finalize;
  object_class->get_property = blip_compare_view_get_property;
  object_class->set_property = blip_compare_view_set_property;

  properties[PROP_APPROACH] = g_param_spec_string ("approach", NULL, NULL, "sgd",
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BLIP_TYPE_ACC_MATRIX_VIEW);
  g_type_ensure (BLIP_TYPE_CURVES_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-compare-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BlipCompareView, name)
  BIND (approach_dropdown); BIND (running_switch); BIND (left_title); BIND (right_title);
  BIND (left_status); BIND (right_status); BIND (left_acc); BIND (right_acc); BIND (left_curves);
  BIND (right_curves);
#undef BIND
  gtk_widget_class_set_css_name (widget_class, "compareview");
}

static void
blip_compare_view_init (BlipCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gsize n;
  const BlipStrategyClass * const *strategies = blip_strategy_list (&n);
  GtkStringList *list = gtk_string_list_new (NULL);
  self->approach_names = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      gtk_string_list_append (list, strategies[i]->title);
      self->approach_names[i] = g_strdup (strategies[i]->name);
    }
  self->updating++;
  gtk_drop_down_set_model (self->approach_dropdown, G_LIST_MODEL (list));
  g_object_unref (list);
  blip_compare_view_set_approach (self, "sgd");
  self->updating--;
  g_signal_connect (self->approach_dropdown, "notify::selected", G_CALLBACK (on_approach_selected), self);
  g_signal_connect (self->running_switch, "notify::active", G_CALLBACK (on_running_changed), self);
  blip_compare_view_set_side (self, BLIP_COMPARE_LEFT, NULL, NULL, "No run yet");
  blip_compare_view_set_side (self, BLIP_COMPARE_RIGHT, "sgd", NULL, "Starts when this view is first shown");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Comparison of two approaches", -1);
}

GtkWidget *
blip_compare_view_new (void)
{
  return g_object_new (BLIP_TYPE_COMPARE_VIEW, NULL);
}
