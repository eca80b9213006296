/* blip-stall-meter.c — main-loop stalls and layer-map draw times; see
 * blip-stall-meter.h. */
#include "blip-stall-meter.h"

#include <math.h>

struct _BlipStallMeter {
  GObject   parent_instance;
  guint     period_ms;
  GSource  *source;
  gint64    last_us;
  GArray   *stalls_ms;          /* double, one per tick after the first */
  /* Draws of the largest layer seen so far */
  gsize     draw_size;
  char     *draw_layer;
  int       draw_rows, draw_cols;
  guint     draws;
  double    draw_sum_ms, draw_max_ms;
};

G_DEFINE_FINAL_TYPE (BlipStallMeter, blip_stall_meter, G_TYPE_OBJECT)

static gboolean
on_tick (gpointer data)
{
  BlipStallMeter *self = data;
  gint64 now = g_get_monotonic_time ();
  if (self->last_us != 0)
    {
      double stall = MAX (0.0, (now - self->last_us) / 1000.0 - self->period_ms);
      g_array_append_val (self->stalls_ms, stall);
    }
  self->last_us = now;
  return G_SOURCE_CONTINUE;
}

void
blip_stall_meter_start (BlipStallMeter *self)
{
  g_return_if_fail (BLIP_IS_STALL_METER (self));
  if (self->source != NULL)
    return;
  self->last_us = 0;
  self->source = g_timeout_source_new (self->period_ms);
  g_source_set_priority (self->source, G_PRIORITY_HIGH);
  g_source_set_callback (self->source, on_tick, self, NULL);
  g_source_set_static_name (self->source, "[blip-studio stall meter]");
  g_source_attach (self->source, g_main_context_get_thread_default ());
}

void
blip_stall_meter_stop (BlipStallMeter *self)
{
  g_return_if_fail (BLIP_IS_STALL_METER (self));
  if (self->source == NULL)
    return;
  g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
}

gboolean
blip_stall_meter_is_running (BlipStallMeter *self)
{
  return self->source != NULL;
}

void
blip_stall_meter_add_draw (BlipStallMeter *self, const char *layer, int rows, int cols, gint64 duration_us)
{
  g_return_if_fail (BLIP_IS_STALL_METER (self));
  gsize size = (gsize) MAX (rows, 0) * MAX (cols, 0);
  if (size < self->draw_size)
    return;
  if (size > self->draw_size)
    {
      /* A larger layer: the report is about that one from now on. */
      self->draw_size = size;
      g_free (self->draw_layer);
      self->draw_layer = g_strdup (layer);
      self->draw_rows = rows;
      self->draw_cols = cols;
      self->draws = 0;
      self->draw_sum_ms = self->draw_max_ms = 0;
    }
  double ms = duration_us / 1000.0;
  self->draws++;
  self->draw_sum_ms += ms;
  self->draw_max_ms = MAX (self->draw_max_ms, ms);
}

static void
on_drawn (BlipLayerMapView *view, gint64 duration_us, BlipStallMeter *self)
{
  if (self->source == NULL)
    return;
  const BlipSnapshot *s = blip_figure_view_get_snapshot (BLIP_FIGURE_VIEW (view));
  int layer = blip_layer_map_view_get_layer (view);
  if (s != NULL && layer < s->n_layers)
    blip_stall_meter_add_draw (self, s->layers[layer].name, s->layers[layer].rows, s->layers[layer].cols,
                               duration_us);
}

void
blip_stall_meter_watch_layer_map (BlipStallMeter *self, BlipLayerMapView *view)
{
  g_return_if_fail (BLIP_IS_STALL_METER (self));
  g_signal_connect_object (view, "drawn", G_CALLBACK (on_drawn), self, 0);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

void
blip_stall_meter_get_report (BlipStallMeter *self, BlipStallReport *r)
{
  g_return_if_fail (BLIP_IS_STALL_METER (self));
  memset (r, 0, sizeof *r);
  guint n = self->stalls_ms->len;
  r->ticks = n;
  if (n > 0)
    {
      double *sorted = g_memdup2 (self->stalls_ms->data, n * sizeof (double));
      qsort (sorted, n, sizeof (double), compare_doubles);
      double sum = 0;
      for (guint i = 0; i < n; i++)
        sum += sorted[i];
      r->max_stall_ms = sorted[n - 1];
      r->p99_stall_ms = sorted[(guint) MIN (n - 1, ceil (0.99 * n) - 1)];
      r->mean_stall_ms = sum / n;
      g_free (sorted);
    }
  r->draws = self->draws;
  r->draw_mean_ms = self->draws ? self->draw_sum_ms / self->draws : 0;
  r->draw_max_ms = self->draw_max_ms;
  r->draw_rows = self->draw_rows;
  r->draw_cols = self->draw_cols;
  g_strlcpy (r->layer_name, self->draw_layer ? self->draw_layer : "", sizeof r->layer_name);
}

static double
ratio (double target, double value)
{
  return target / MAX (value, 0.01);
}

char *
blip_stall_meter_format (BlipStallMeter *self)
{
  BlipStallReport r;
  blip_stall_meter_get_report (self, &r);
  GString *text = g_string_new (NULL);
  g_string_append_printf (text, "main loop: max stall %.1f ms, p99 %.1f ms over %u ticks (target ≤ %.0f ms, "
                          "ratio %.2fx)\n", r.max_stall_ms, r.p99_stall_ms, r.ticks, BLIP_STALL_TARGET_MS,
                          ratio (BLIP_STALL_TARGET_MS, r.max_stall_ms));
  if (r.draws == 0)
    g_string_append (text, "layer map redraw: no draws measured (is the layer map view shown?)\n");
  else
    g_string_append_printf (text, "layer map redraw: mean %.1f ms, max %.1f ms (target ≤ %.0f ms, ratio %.2fx) "
                            "over %u draws of %s (%d×%d)\n", r.draw_mean_ms, r.draw_max_ms, BLIP_REDRAW_TARGET_MS,
                            ratio (BLIP_REDRAW_TARGET_MS, r.draw_max_ms), r.draws, r.layer_name, r.draw_cols,
                            r.draw_rows);
  return g_string_free (text, FALSE);
}

static void
blip_stall_meter_finalize (GObject *object)
{
  BlipStallMeter *self = BLIP_STALL_METER (object);
  blip_stall_meter_stop (self);
  g_array_unref (self->stalls_ms);
  g_free (self->draw_layer);
  G_OBJECT_CLASS (blip_stall_meter_parent_class)->finalize (object);
}

static void
blip_stall_meter_class_init (BlipStallMeterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blip_stall_meter_finalize;
}

static void
blip_stall_meter_init (BlipStallMeter *self)
{
  self->stalls_ms = g_array_new (FALSE, FALSE, sizeof (double));
}

BlipStallMeter *
blip_stall_meter_new (guint period_ms)
{
  BlipStallMeter *self = g_object_new (BLIP_TYPE_STALL_METER, NULL);
  self->period_ms = MAX (period_ms, 1);
  return self;
}
