/* blip-acc-matrix-view.c — the accuracy matrix view: blip_figure_acc_matrix
 * on the newest snapshot (the reward matrix in a reinforcement run); screen
 * readers get the filled rows as text. */
#include "blip-acc-matrix-view.h"

#include <math.h>

struct _BlipAccMatrixView {
  BlipFigureView parent_instance;
};

G_DEFINE_FINAL_TYPE (BlipAccMatrixView, blip_acc_matrix_view, BLIP_TYPE_FIGURE_VIEW)

static void
blip_acc_matrix_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  blip_figure_acc_matrix (cr, width, height, blip_figure_view_get_snapshot (view),
                          blip_figure_view_get_high_contrast (view));
}

static void
blip_acc_matrix_view_data_changed (BlipFigureView *view)
{
  const BlipSnapshot *s = blip_figure_view_get_snapshot (view);
  GString *text = g_string_new (NULL);
  int T = s ? s->n_tasks : 0;
  gboolean rl = blip_figure_is_reinforcement (s);
  for (int i = 0; i < T; i++)
    {
      if (!isfinite (s->acc[i * T]))
        break;
      g_string_append_printf (text, rl ? "Mean returns after game %d:" : "After task %d:", i + 1);
      for (int j = 0; j <= i; j++)
        g_string_append_printf (text, rl ? " %.1f" : " %.1f%%", (rl ? 1 : 100) * s->acc[i * T + j]);
      g_string_append (text, ". ");
    }
  if (text->len == 0)
    g_string_append (text, "No task finished yet.");
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
  g_string_free (text, TRUE);
}

static void
blip_acc_matrix_view_class_init (BlipAccMatrixViewClass *klass)
{
  BlipFigureViewClass *view_class = BLIP_FIGURE_VIEW_CLASS (klass);
  view_class->draw = blip_acc_matrix_view_draw;
  view_class->data_changed = blip_acc_matrix_view_data_changed;
}

static void
blip_acc_matrix_view_init (BlipAccMatrixView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Accuracy matrix",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "No task finished yet.",
                                  -1);
}

GtkWidget *
blip_acc_matrix_view_new (void)
{
  return g_object_new (BLIP_TYPE_ACC_MATRIX_VIEW, NULL);
}
