/* blip-methods-view.c — the Methods view; see blip-methods-view.h. */
#include "blip-methods-view.h"

#include <math.h>

struct _BlipMethodsView {
  BlipFigureView     parent_instance;
  BlipTableFile     *table;
  BlipMethodSummary *rows;     /* the table's rows as the figure takes them */
  char             **labels;   /* "Online EWC (ewc)", per row */
  char             **states;   /* what a row without numbers shows */
  char              *title;
};

G_DEFINE_FINAL_TYPE (BlipMethodsView, blip_methods_view, BLIP_TYPE_FIGURE_VIEW)

static void
clear_rows (BlipMethodsView *self)
{
  g_clear_pointer (&self->rows, g_free);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->states, g_strfreev);
  g_clear_pointer (&self->title, g_free);
}

static void
update_accessible (BlipMethodsView *self)
{
  GString *text = g_string_new (NULL);
  if (self->table == NULL)
    g_string_append (text, "No table open.");
  for (int i = 0; self->table != NULL && i < self->table->n_rows; i++)
    {
      const BlipTableFileRow *r = &self->table->rows[i];
      g_string_append_printf (text, "%s: ", self->labels[i]);
      if (!r->has_results)
        g_string_append_printf (text, "%s. ", self->states[i]);
      else if (self->table->returns)
        g_string_append_printf (text, "mean return %.2f, BWT %.2f, memory %" G_GINT64_FORMAT " bytes. ", r->acc,
                                r->bwt_paper, r->memory_bytes);
      else
        g_string_append_printf (text, "ACC %.2f%%, BWT %.2f%%, memory %" G_GINT64_FORMAT " bytes. ", 100 * r->acc,
                                100 * r->bwt_paper, r->memory_bytes);
      if (r->settings != NULL)
        g_string_append_printf (text, "Settings: %s. ", r->settings);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
  g_string_free (text, TRUE);
}

/* Each method's settings, where the table gives them, as the tooltip: the
 * figure has no room for them, and a class comparing methods asks. */
static void
update_tooltip (BlipMethodsView *self)
{
  GString *text = g_string_new (NULL);
  for (int i = 0; self->table != NULL && i < self->table->n_rows; i++)
    if (self->table->rows[i].settings != NULL)
      g_string_append_printf (text, "%s%s: %s", text->len ? "\n" : "Settings of each run:\n", self->labels[i],
                              self->table->rows[i].settings);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), text->len ? text->str : NULL);
  g_string_free (text, TRUE);
}

void
blip_methods_view_set_table (BlipMethodsView *self, BlipTableFile *table)
{
  g_return_if_fail (BLIP_IS_METHODS_VIEW (self));
  clear_rows (self);
  g_clear_pointer (&self->table, blip_table_file_free);
  self->table = table;
  if (table != NULL)
    {
      int n = table->n_rows;
      self->rows = g_new0 (BlipMethodSummary, n);
      self->labels = g_new0 (char *, n + 1);
      self->states = g_new0 (char *, n + 1);
      for (int i = 0; i < n; i++)
        {
          const BlipTableFileRow *r = &table->rows[i];
          self->labels[i] = blip_strategy_label (r->title, r->approach);
          self->states[i] = blip_table_status_text (r->status, r->tasks_completed, r->tasks_total);
          self->rows[i] = (BlipMethodSummary) {
            .label = self->labels[i],
            .status = self->states[i],
            .acc = r->has_results ? r->acc : NAN,
            .bwt = r->has_results ? r->bwt_paper : NAN,
            .paper_acc = r->paper_acc,
            .memory_per_task = r->memory_per_task,
            .n_tasks = r->n_tasks,
          };
        }
      const BlipExperimentInfo *info = blip_experiment_info (table->experiment);
      g_autofree char *base = g_path_get_basename (table->path);
      g_autofree char *dir = g_path_get_dirname (table->path);
      g_autofree char *folder = g_path_get_basename (dir);
      self->title = g_strdup_printf ("%s (%s), seed %" G_GUINT64_FORMAT "  ·  %s/%s",
                                     info != NULL ? info->title : table->experiment, table->experiment,
                                     table->seed, folder, base);
    }
  /* In this order: GTK makes a tooltip the accessible description too. */
  update_tooltip (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const BlipTableFile *
blip_methods_view_get_table (BlipMethodsView *self)
{
  g_return_val_if_fail (BLIP_IS_METHODS_VIEW (self), NULL);
  return self->table;
}

static void
blip_methods_view_draw (BlipFigureView *view, cairo_t *cr, int width, int height)
{
  BlipMethodsView *self = BLIP_METHODS_VIEW (view);
  blip_figure_methods (cr, width, height, self->title, self->rows, self->table ? self->table->n_rows : 0,
                       self->table != NULL && self->table->returns, blip_figure_view_get_high_contrast (view));
}

static void
blip_methods_view_finalize (GObject *object)
{
  BlipMethodsView *self = BLIP_METHODS_VIEW (object);
  clear_rows (self);
  g_clear_pointer (&self->table, blip_table_file_free);
  G_OBJECT_CLASS (blip_methods_view_parent_class)->finalize (object);
}

static void
blip_methods_view_class_init (BlipMethodsViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blip_methods_view_finalize;
  BLIP_FIGURE_VIEW_CLASS (klass)->draw = blip_methods_view_draw;
}

static void
blip_methods_view_init (BlipMethodsView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Methods table", -1);
  update_accessible (self);
}

GtkWidget *
blip_methods_view_new (void)
{
  return g_object_new (BLIP_TYPE_METHODS_VIEW, NULL);
}
