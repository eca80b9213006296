/* blip-figures-common.c — palettes, text helpers, the per-task run history
 * and file export shared by every figure. */
#include "blip-figures-private.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-figure-error-quark, blip_figure_error)

/* Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies. */
static const double okabe_ito[8][3] = {
  { 0.902, 0.624, 0.000 },   /* orange */
  { 0.337, 0.706, 0.914 },   /* sky blue */
  { 0.000, 0.620, 0.451 },   /* bluish green */
  { 0.941, 0.894, 0.259 },   /* yellow */
  { 0.000, 0.447, 0.698 },   /* blue */
  { 0.835, 0.369, 0.000 },   /* vermillion */
  { 0.800, 0.475, 0.655 },   /* reddish purple */
  { 0.600, 0.600, 0.600 },   /* grey */
};

void
blip_palette_task (int task, double rgb[3])
{
  int i = ((task % 7) + 7) % 7;   /* grey is kept for free bits */
  memcpy (rgb, okabe_ito[i], sizeof okabe_ito[i]);
}

/* Control points of a viridis-like map: monotone in lightness, so it reads in
 * grey and for colour-blind viewers. */
static const double sequential[9][3] = {
  { 0.267, 0.005, 0.329 }, { 0.283, 0.141, 0.458 }, { 0.254, 0.265, 0.530 },
  { 0.207, 0.372, 0.553 }, { 0.164, 0.471, 0.558 }, { 0.128, 0.567, 0.551 },
  { 0.135, 0.659, 0.518 }, { 0.478, 0.821, 0.318 }, { 0.993, 0.906, 0.144 },
};

void
blip_palette_sequential (double v, gboolean high_contrast, double rgb[3])
{
  if (!(v >= 0))
    v = 0;
  if (v > 1)
    v = 1;
  if (high_contrast)
    {
      /* Black → white through a strong blue, for projectors with washed-out colour. */
      rgb[0] = v < 0.5 ? 0 : (v - 0.5) * 2;
      rgb[1] = v < 0.5 ? 0 : (v - 0.5) * 2;
      rgb[2] = v < 0.5 ? v * 2 : 1;
      return;
    }
  double x = v * 8;
  int i = (int) x;
  if (i >= 8)
    i = 7;
  double f = x - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = sequential[i][c] * (1 - f) + sequential[i + 1][c] * f;
}

void
figure_background (cairo_t *cr, int width, int height)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

void
figure_text (cairo_t *cr, double x, double y, double size, FigureAlign align, gboolean bold, const char *text)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents (cr, text, &ext);
  double dx = align == ALIGN_LEFT ? 0 : align == ALIGN_CENTER ? -ext.x_advance / 2 : -ext.x_advance;
  cairo_move_to (cr, x + dx, y);
  cairo_show_text (cr, text);
}

void
figure_text_fit (cairo_t *cr, double x, double y, double size, double min_size, double max_width,
                 FigureAlign align, gboolean bold, const char *text)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents (cr, text, &ext);
  /* Smaller first: a title read whole at a smaller size beats a cut one. */
  if (max_width > 0 && ext.x_advance > max_width)
    {
      size = MAX (min_size, size * max_width / ext.x_advance);
      cairo_set_font_size (cr, size);
      cairo_text_extents (cr, text, &ext);
    }
  if (max_width <= 0 || ext.x_advance <= max_width)
    {
      figure_text (cr, x, y, size, align, bold, text);
      return;
    }
  /* Still too wide at the smallest size: cut whole characters off the end. */
  g_autoptr(GString) cut = g_string_new (text);
  while (cut->len > 0)
    {
      const char *prev = g_utf8_find_prev_char (cut->str, cut->str + cut->len);
      g_string_truncate (cut, prev ? (gsize) (prev - cut->str) : 0);
      g_autofree char *candidate = g_strconcat (cut->str, "…", NULL);
      cairo_text_extents (cr, candidate, &ext);
      if (ext.x_advance <= max_width)
        break;
    }
  g_string_append (cut, "…");
  figure_text (cr, x, y, size, align, bold, cut->str);
}

void
figure_textf (cairo_t *cr, double x, double y, double size, FigureAlign align, gboolean bold,
              const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  figure_text (cr, x, y, size, align, bold, text);
}

void
figure_message (cairo_t *cr, int width, int height, const char *text)
{
  figure_background (cr, width, height);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  figure_text (cr, width / 2.0, height / 2.0, MAX (12, height / 30.0), ALIGN_CENTER, FALSE, text);
}

/* ---- Run history -------------------------------------------------------- */

typedef struct {
  int     n_layers;
  gsize  *n;          /* per layer */
  guint8 **bits;      /* per layer, NULL until the task's BITS_UPDATED */
  float  **values;
  float  **ig;        /* NULL until FISHER_READY */
  double *capacity;   /* per layer */
} TaskRecord;

struct _BlipRunHistory {
  GPtrArray *tasks;   /* TaskRecord* by task index */
};

static void
task_record_free (gpointer p)
{
  TaskRecord *r = p;
  if (r == NULL)
    return;
  for (int l = 0; l < r->n_layers; l++)
    {
      g_free (r->bits[l]);
      g_free (r->values[l]);
      g_free (r->ig[l]);
    }
  g_free (r->bits);
  g_free (r->values);
  g_free (r->ig);
  g_free (r->n);
  g_free (r->capacity);
  g_free (r);
}

BlipRunHistory *
blip_run_history_new (void)
{
  BlipRunHistory *h = g_new0 (BlipRunHistory, 1);
  h->tasks = g_ptr_array_new_with_free_func (task_record_free);
  return h;
}

void
blip_run_history_free (BlipRunHistory *h)
{
  if (h == NULL)
    return;
  g_ptr_array_free (h->tasks, TRUE);
  g_free (h);
}

static TaskRecord *
record_for (BlipRunHistory *h, const BlipSnapshot *s)
{
  if (s->task < 0 || s->task > 4096)
    return NULL;
  while ((int) h->tasks->len <= s->task)
    g_ptr_array_add (h->tasks, NULL);
  TaskRecord *r = g_ptr_array_index (h->tasks, s->task);
  if (r == NULL)
    {
      r = g_new0 (TaskRecord, 1);
      r->n_layers = s->n_layers;
      r->n = g_new0 (gsize, s->n_layers);
      r->bits = g_new0 (guint8 *, s->n_layers);
      r->values = g_new0 (float *, s->n_layers);
      r->ig = g_new0 (float *, s->n_layers);
      r->capacity = g_new0 (double, s->n_layers);
      for (int l = 0; l < s->n_layers; l++)
        r->n[l] = s->layers[l].n;
      g_ptr_array_index (h->tasks, s->task) = r;
    }
  return r->n_layers == s->n_layers ? r : NULL;
}

void
blip_run_history_add (BlipRunHistory *h, const BlipSnapshot *s)
{
  gboolean fisher = s->event.type == BLIP_EVENT_FISHER_READY;
  gboolean bits = s->event.type == BLIP_EVENT_BITS_UPDATED;
  if (!fisher && !bits)
    return;
  TaskRecord *r = record_for (h, s);
  if (r == NULL)
    return;
  for (int l = 0; l < s->n_layers; l++)
    {
      const BlipLayerSnapshot *ls = &s->layers[l];
      if (ls->n != r->n[l])
        continue;
      if (fisher && ls->info_gain != NULL)
        {
          g_free (r->ig[l]);
          r->ig[l] = g_memdup2 (ls->info_gain, sizeof (float) * ls->n);
        }
      if (bits && ls->bits != NULL)
        {
          g_free (r->bits[l]);
          r->bits[l] = g_memdup2 (ls->bits, ls->n);
          r->capacity[l] = ls->capacity;
        }
      if (bits && ls->values != NULL)
        {
          g_free (r->values[l]);
          r->values[l] = g_memdup2 (ls->values, sizeof (float) * ls->n);
        }
    }
}

int
blip_run_history_n_tasks (const BlipRunHistory *h)
{
  int n = 0;
  for (guint t = 0; h && t < h->tasks->len; t++)
    {
      TaskRecord *r = g_ptr_array_index (h->tasks, t);
      if (r != NULL && r->n_layers > 0 && r->bits[0] != NULL)
        n = t + 1;
    }
  return n;
}

static const TaskRecord *
record_at (const BlipRunHistory *h, int task, int layer, gsize index)
{
  if (h == NULL || task < 0 || task >= (int) h->tasks->len)
    return NULL;
  const TaskRecord *r = g_ptr_array_index (h->tasks, task);
  if (r == NULL || layer < 0 || layer >= r->n_layers || index >= r->n[layer])
    return NULL;
  return r;
}

int
blip_run_history_bits (const BlipRunHistory *h, int task, int layer, gsize index)
{
  const TaskRecord *r = record_at (h, task, layer, index);
  return r && r->bits[layer] ? r->bits[layer][index] : 0;
}

float
blip_run_history_value (const BlipRunHistory *h, int task, int layer, gsize index)
{
  const TaskRecord *r = record_at (h, task, layer, index);
  return r && r->values[layer] ? r->values[layer][index] : NAN;
}

float
blip_run_history_info_gain (const BlipRunHistory *h, int task, int layer, gsize index)
{
  const TaskRecord *r = record_at (h, task, layer, index);
  return r && r->ig[layer] ? r->ig[layer][index] : NAN;
}

double
run_history_capacity (const BlipRunHistory *h, int task, int layer)
{
  const TaskRecord *r = record_at (h, task, layer, 0);
  return r && r->bits[layer] ? r->capacity[layer] : NAN;
}

const float *
run_history_layer_ig (const BlipRunHistory *h, int task, int layer)
{
  const TaskRecord *r = record_at (h, task, layer, 0);
  return r ? r->ig[layer] : NULL;
}

const guint8 *
run_history_layer_bits (const BlipRunHistory *h, int task, int layer)
{
  const TaskRecord *r = record_at (h, task, layer, 0);
  return r ? r->bits[layer] : NULL;
}

void
blip_run_history_observe (BlipTrainer *trainer, const BlipEvent *event, gpointer user_data)
{
  if (event->type != BLIP_EVENT_FISHER_READY && event->type != BLIP_EVENT_BITS_UPDATED)
    return;
  BlipSnapshot *s = blip_trainer_snapshot (trainer, BLIP_SNAPSHOT_ALL);
  s->event = *event;
  s->event.message = NULL;
  blip_run_history_add (user_data, s);
  blip_snapshot_free (s);
}

/* ---- Export ------------------------------------------------------------- */

gboolean
blip_figure_export (const char *path, int width, int height, BlipFigureDrawFunc draw, gpointer user_data,
                    GError **error)
{
  cairo_surface_t *surface;
  gboolean png = g_str_has_suffix (path, ".png");
  if (png)
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  else if (g_str_has_suffix (path, ".svg"))
    surface = cairo_svg_surface_create (path, width, height);
  else if (g_str_has_suffix (path, ".pdf"))
    surface = cairo_pdf_surface_create (path, width, height);
  else
    {
      g_set_error (error, BLIP_FIGURE_ERROR, BLIP_FIGURE_ERROR_FORMAT,
                   "%s: unknown figure format (expected a name ending in .png, .svg or .pdf)", path);
      return FALSE;
    }
  cairo_t *cr = cairo_create (surface);
  draw (cr, width, height, user_data);
  cairo_destroy (cr);
  cairo_status_t status = png ? cairo_surface_write_to_png (surface, path) : CAIRO_STATUS_SUCCESS;
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, BLIP_FIGURE_ERROR, BLIP_FIGURE_ERROR_WRITE, "%s: could not write the figure: %s",
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
