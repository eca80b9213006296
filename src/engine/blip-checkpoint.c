/* blip-checkpoint.c — checkpoints as safetensors files; see blip-checkpoint.h. */
#include "blip-checkpoint.h"
#include "blip-trainer-private.h"
#include "blip-results.h"

#include "blip-parallel.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (blip-checkpoint-error-quark, blip_checkpoint_error)

#define FORMAT_NAME "blip-checkpoint"
#define HISTORY_COLUMNS 8

static void
meta_printf (BlipSafetensorsWriter *w, const char *key, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
meta_printf (BlipSafetensorsWriter *w, const char *key, const char *fmt, ...)
{
  va_list args;
  va_start (args, fmt);
  g_autofree char *value = g_strdup_vprintf (fmt, args);
  va_end (args);
  blip_safetensors_writer_add_metadata (w, key, value);
}

static void
meta_double (BlipSafetensorsWriter *w, const char *key, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* %.17g reads back to the same double; "inf" and "nan" are spelled out. */
  if (isinf (v))
    blip_safetensors_writer_add_metadata (w, key, v > 0 ? "inf" : "-inf");
  else if (isnan (v))
    blip_safetensors_writer_add_metadata (w, key, "nan");
  else
    blip_safetensors_writer_add_metadata (w, key, g_ascii_formatd (buf, sizeof buf, "%.17g", v));
}

/* The weight tensor's shape as PyTorch has it: [out, in] for a linear layer,
 * [C_out, C_in, kh, kw] for a convolution. Returns the rank. */
static int
weight_shape (const BlipLayer *l, gint64 shape[4])
{
  if (l->kind == BLIP_LAYER_CONV2D)
    {
      shape[0] = l->geom.C_out;
      shape[1] = l->geom.C_in;
      shape[2] = l->geom.kh;
      shape[3] = l->geom.kw;
      return 4;
    }
  shape[0] = l->out_dim;
  shape[1] = l->in_dim;
  return 2;
}

static void
add_layer (BlipSafetensorsWriter *w, const BlipLayer *l)
{
  gint64 wshape[4], bshape[1] = { l->out_dim };
  int wrank = weight_shape (l, wshape);
  g_autofree char *wn = g_strdup_printf ("%s.weight", l->name);
  g_autofree char *bn = g_strdup_printf ("%s.bias", l->name);
  blip_safetensors_writer_add (w, wn, BLIP_DTYPE_F32, wshape, wrank, l->weight);
  /* A layer without bias (a conv before batchnorm) has no bias tensors. */
  if (l->n_bias)
    blip_safetensors_writer_add (w, bn, BLIP_DTYPE_F32, bshape, 1, l->bias);
  const BlipQuantState *q = l->quant;
  if (q == NULL)
    return;
  static const char *parts[] = { "bits", "anchor", "fisher" };
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *wk = g_strdup_printf ("%s.%s", wn, parts[k]);
      g_autofree char *bk = g_strdup_printf ("%s.%s", bn, parts[k]);
      BlipDtype dt = k == 0 ? BLIP_DTYPE_U8 : BLIP_DTYPE_F32;
      const guint8 *base = k == 0 ? q->bits : (const guint8 *) (k == 1 ? q->anchor : q->fisher_old);
      gsize elem = k == 0 ? 1 : sizeof (float);
      blip_safetensors_writer_add (w, wk, dt, wshape, wrank, base);
      if (l->n_bias)
        blip_safetensors_writer_add (w, bk, dt, bshape, 1, base + q->n_weight * elem);
    }
}

/* Batchnorm running statistics as bnK.running_mean and bnK.running_var, [C]
 * each, PyTorch's names for them. */
static void
add_batchnorms (BlipSafetensorsWriter *w, const BlipNetwork *net)
{
  for (int i = 0; i < net->n_ops; i++)
    {
      const BlipOp *op = &net->ops[i];
      if (op->kind != BLIP_OP_BATCHNORM)
        continue;
      gint64 shape[1] = { op->C };
      g_autofree char *mn = g_strdup_printf ("%s.running_mean", op->name);
      g_autofree char *vn = g_strdup_printf ("%s.running_var", op->name);
      blip_safetensors_writer_add (w, mn, BLIP_DTYPE_F32, shape, 1, op->running_mean);
      blip_safetensors_writer_add (w, vn, BLIP_DTYPE_F32, shape, 1, op->running_var);
    }
}

gboolean
blip_trainer_save_checkpoint (BlipTrainer *tr, const char *path, GError **error)
{
  g_return_val_if_fail (tr->phase != PHASE_EPOCH_END && tr->phase != PHASE_TASK_END, FALSE);
  BlipNetwork *net = tr->net;
  BlipSafetensorsWriter *w = blip_safetensors_writer_new ();

  blip_safetensors_writer_add_metadata (w, "format", FORMAT_NAME);
  meta_printf (w, "format_version", "%d", BLIP_CHECKPOINT_FORMAT_VERSION);
  GString *config = g_string_new (NULL);
  blip_config_append_json (config, &tr->config, "");
  blip_safetensors_writer_add_metadata (w, "config", config->str);
  g_string_free (config, TRUE);

  meta_printf (w, "rng", "%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
               G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
               tr->rng.s[0], tr->rng.s[1], tr->rng.s[2], tr->rng.s[3]);
  meta_printf (w, "dropout_rng", "%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
               G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
               tr->net->dropout_rng.s[0], tr->net->dropout_rng.s[1], tr->net->dropout_rng.s[2], tr->net->dropout_rng.s[3]);
  /* Results are bit-identical only for the same BLAS thread count (the GEMM
   * partition changes rounding), so the count travels with the checkpoint. */
  meta_printf (w, "blas_threads", "%d", blip_parallel_get_threads ());
  meta_printf (w, "phase", "%d", tr->phase);
  meta_printf (w, "task", "%d", tr->task);
  meta_printf (w, "tasks_done", "%d", tr->tasks_done);
  meta_printf (w, "epoch", "%d", tr->epoch);
  meta_printf (w, "batch", "%d", tr->batch);
  meta_printf (w, "n_batches", "%d", tr->n_batches);
  meta_printf (w, "patience", "%d", tr->patience);
  meta_printf (w, "stop_task", "%d", tr->stop_task ? 1 : 0);
  meta_double (w, "lr", tr->lr);
  meta_double (w, "best_loss", tr->best_loss);
  meta_double (w, "epoch_loss_sum", tr->epoch_loss_sum);
  meta_double (w, "elapsed_seconds", tr->elapsed_before);

  for (int i = 0; i < net->n_layers; i++)
    add_layer (w, &net->layers[i]);
  for (int t = 0; t < net->n_heads; t++)
    add_layer (w, &net->heads[t]);
  add_batchnorms (w, net);

  gint64 np = (gint64) net->n_params;
  blip_safetensors_writer_add (w, "train.best_params", BLIP_DTYPE_F32, &np, 1, tr->best_params);
  if (net->n_buffers > 0)
    {
      gint64 nb = (gint64) net->n_buffers;
      blip_safetensors_writer_add (w, "train.best_buffers", BLIP_DTYPE_F32, &nb, 1, tr->best_buffers);
    }
  if (tr->sgd->velocity != NULL)
    blip_safetensors_writer_add (w, "train.velocity", BLIP_DTYPE_F32, &np, 1, tr->sgd->velocity);
  if (tr->adam != NULL)
    {
      blip_safetensors_writer_add (w, "train.adam_m", BLIP_DTYPE_F32, &np, 1, tr->adam->m);
      blip_safetensors_writer_add (w, "train.adam_v", BLIP_DTYPE_F32, &np, 1, tr->adam->v);
      meta_printf (w, "adam_t", "%" G_GINT64_FORMAT, tr->adam->t);
    }
  meta_printf (w, "opt_steps", "%" G_GINT64_FORMAT, tr->opt_steps);
  g_autofree guint8 *frozen = g_new (guint8, net->n_layers);
  for (int i = 0; i < net->n_layers; i++)
    frozen[i] = net->layers[i].frozen;
  gint64 nl = net->n_layers;
  blip_safetensors_writer_add (w, "train.frozen", BLIP_DTYPE_U8, &nl, 1, frozen);
  if (tr->phase == PHASE_BATCH && tr->rl == NULL)
    {
      gint64 n = tr->experiment->tasks[tr->task].train.n;
      blip_safetensors_writer_add (w, "train.order", BLIP_DTYPE_I32, &n, 1, tr->order);
    }
  if (tr->rl != NULL)
    {
      /* PPO: the update and frame counters and the evaluation curve (Adam,
       * which PPO always uses, is saved above). The environments are not
       * saved: a resumed run restarts its episodes at the update boundary
       * (blip-trainer-rl.c). */
      gint64 update, frames;
      blip_trainer_rl_get_counters (tr, &update, &frames);
      meta_printf (w, "rl_update", "%" G_GINT64_FORMAT, update);
      meta_printf (w, "rl_frames", "%" G_GINT64_FORMAT, frames);
      GArray *curve = blip_trainer_rl_curve_array (tr);
      gint64 cs[2] = { curve->len / (2 + tr->n_tasks), 2 + tr->n_tasks };
      blip_safetensors_writer_add (w, "results.rl_curve", BLIP_DTYPE_F64, cs, 2,
                                   curve->len ? curve->data : (gpointer) tr->acc);
    }

  gint64 tt[2] = { tr->n_tasks, tr->n_tasks }, tl[2] = { tr->n_tasks, net->n_layers };
  blip_safetensors_writer_add (w, "results.acc", BLIP_DTYPE_F64, tt, 2, tr->acc);
  blip_safetensors_writer_add (w, "results.loss", BLIP_DTYPE_F64, tt, 2, tr->loss);
  blip_safetensors_writer_add (w, "results.capacity", BLIP_DTYPE_F64, tl, 2, tr->capacity);
  blip_safetensors_writer_add (w, "results.consolidation_seconds", BLIP_DTYPE_F64, tt, 1, tr->fisher_seconds);
  blip_safetensors_writer_add (w, "results.memory_bytes", BLIP_DTYPE_F64, tt, 1, tr->memory_bytes);
  g_autofree guint8 *nan_stop = g_new (guint8, tr->n_tasks);
  for (int t = 0; t < tr->n_tasks; t++)
    nan_stop[t] = tr->nan_stop[t];
  blip_safetensors_writer_add (w, "results.nan_stop", BLIP_DTYPE_U8, tt, 1, nan_stop);
  gint64 hs[2] = { tr->history->len, HISTORY_COLUMNS };
  g_autofree double *hist = g_new (double, (gsize) tr->history->len * HISTORY_COLUMNS + 1);
  for (guint i = 0; i < tr->history->len; i++)
    {
      const BlipEpochRecord *r = &g_array_index (tr->history, BlipEpochRecord, i);
      double row[HISTORY_COLUMNS] = { r->task, r->epoch, r->train_loss, r->train_acc, r->valid_loss,
                                      r->valid_acc, r->lr, r->seconds };
      memcpy (hist + (gsize) i * HISTORY_COLUMNS, row, sizeof row);
    }
  blip_safetensors_writer_add (w, "results.history", BLIP_DTYPE_F64, hs, 2, hist);

  if (tr->strategy->klass->save)
    tr->strategy->klass->save (tr->strategy, w);

  gboolean ok = blip_safetensors_writer_write (w, path, error);
  blip_safetensors_writer_free (w);
  return ok;
}

static gboolean
invalid (GError **error, BlipSafetensors *f, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError **error, BlipSafetensors *f, const char *fmt, ...)
{
  va_list args;
  va_start (args, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_INVALID, "%s: %s",
               blip_safetensors_get_path (f), msg);
  return FALSE;
}

static gboolean
meta_int (BlipSafetensors *f, const char *key, int min, int max, int *out, GError **error)
{
  const char *v = blip_safetensors_get_metadata (f, key);
  char *end = NULL;
  gint64 n = v ? g_ascii_strtoll (v, &end, 10) : 0;
  if (v == NULL || *v == '\0' || *end != '\0' || n < min || n > max)
    return invalid (error, f, "metadata “%s” is %s%s%s, expected a whole number in [%d, %d]", key,
                    v ? "“" : "", v ? v : "missing", v ? "”" : "", min, max);
  *out = (int) n;
  return TRUE;
}

static gboolean
meta_double_get (BlipSafetensors *f, const char *key, gboolean allow_inf, double *out, GError **error)
{
  const char *v = blip_safetensors_get_metadata (f, key);
  char *end = NULL;
  double d = v ? g_ascii_strtod (v, &end) : NAN;
  if (v == NULL || *v == '\0' || *end != '\0' || isnan (d) || (!allow_inf && isinf (d)))
    return invalid (error, f, "metadata “%s” is %s, expected a number", key, v ? v : "missing");
  *out = d;
  return TRUE;
}

gboolean
blip_checkpoint_read_config (BlipSafetensors *f, BlipConfig *config, GError **error)
{
  const char *format = blip_safetensors_get_metadata (f, "format");
  const char *version = blip_safetensors_get_metadata (f, "format_version");
  if (g_strcmp0 (format, FORMAT_NAME) != 0)
    {
      g_set_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_VERSION,
                   "%s: not a BLIP Studio checkpoint (metadata “format” is %s)",
                   blip_safetensors_get_path (f), format ? format : "missing");
      return FALSE;
    }
  g_autofree char *expected = g_strdup_printf ("%d", BLIP_CHECKPOINT_FORMAT_VERSION);
  if (g_strcmp0 (version, expected) != 0)
    {
      g_set_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_VERSION,
                   "%s: checkpoint format version %s, this build reads version %s",
                   blip_safetensors_get_path (f), version ? version : "(missing)", expected);
      return FALSE;
    }
  const char *json = blip_safetensors_get_metadata (f, "config");
  if (json == NULL)
    return invalid (error, f, "metadata “config” is missing");
  blip_config_init_defaults (config);
  GError *local = NULL;
  if (!blip_config_from_json (config, json, strlen (json), &local))
    {
      invalid (error, f, "stored configuration: %s", local->message);
      g_error_free (local);
      blip_config_clear (config);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_layer (BlipSafetensors *f, BlipLayer *l, GError **error)
{
  gint64 wshape[4], bshape[1] = { l->out_dim };
  int wrank = weight_shape (l, wshape);
  g_autofree char *wn = g_strdup_printf ("%s.weight", l->name);
  g_autofree char *bn = g_strdup_printf ("%s.bias", l->name);
  if (!blip_safetensors_read (f, wn, BLIP_DTYPE_F32, wshape, wrank, l->weight, TRUE, error) ||
      (l->n_bias && !blip_safetensors_read (f, bn, BLIP_DTYPE_F32, bshape, 1, l->bias, TRUE, error)))
    return FALSE;
  BlipQuantState *q = l->quant;
  if (q == NULL)
    return TRUE;
  static const char *parts[] = { "bits", "anchor", "fisher" };
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *wk = g_strdup_printf ("%s.%s", wn, parts[k]);
      g_autofree char *bk = g_strdup_printf ("%s.%s", bn, parts[k]);
      BlipDtype dt = k == 0 ? BLIP_DTYPE_U8 : BLIP_DTYPE_F32;
      guint8 *base = k == 0 ? q->bits : (guint8 *) (k == 1 ? q->anchor : q->fisher_old);
      gsize elem = k == 0 ? 1 : sizeof (float);
      if (!blip_safetensors_read (f, wk, dt, wshape, wrank, base, TRUE, error) ||
          (l->n_bias && !blip_safetensors_read (f, bk, dt, bshape, 1, base + q->n_weight * elem,
                                                TRUE, error)))
        return FALSE;
    }
  for (gsize i = 0; i < q->n; i++)
    {
      if (q->bits[i] > q->max_bit)
        return invalid (error, f, "%s has %d frozen bits at parameter %" G_GSIZE_FORMAT
                        ", more than max_bit %d", l->name, q->bits[i], i, q->max_bit);
      if (!(q->fisher_old[i] > 0.0f))
        return invalid (error, f, "%s has a non-positive accumulated Fisher at parameter %"
                        G_GSIZE_FORMAT, l->name, i);
    }
  return TRUE;
}

/* The running statistics add_batchnorms wrote; a negative variance would make
 * evaluation take the square root of a negative number. Networks without batchnorm
 * (every MLP and AlexNet checkpoint) read nothing here. */
static gboolean
read_batchnorms (BlipSafetensors *f, BlipNetwork *net, GError **error)
{
  for (int i = 0; i < net->n_ops; i++)
    {
      BlipOp *op = &net->ops[i];
      if (op->kind != BLIP_OP_BATCHNORM)
        continue;
      gint64 shape[1] = { op->C };
      g_autofree char *mn = g_strdup_printf ("%s.running_mean", op->name);
      g_autofree char *vn = g_strdup_printf ("%s.running_var", op->name);
      if (!blip_safetensors_read (f, mn, BLIP_DTYPE_F32, shape, 1, op->running_mean, TRUE, error) ||
          !blip_safetensors_read (f, vn, BLIP_DTYPE_F32, shape, 1, op->running_var, TRUE, error))
        return FALSE;
      for (int c = 0; c < op->C; c++)
        if (!(op->running_var[c] >= 0.0f))
          return invalid (error, f, "%s has a negative running variance in channel %d", vn, c);
    }
  return TRUE;
}

/* Four hexadecimal words, not all zero (xoshiro's one forbidden state). */
static gboolean
parse_rng (const char *text, guint64 s[4])
{
  g_auto(GStrv) words = text ? g_strsplit (text, " ", -1) : NULL;
  gboolean ok = words != NULL && g_strv_length (words) == 4;
  for (int i = 0; ok && i < 4; i++)
    {
      char *end = NULL;
      errno = 0;
      s[i] = g_ascii_strtoull (words[i], &end, 16);
      ok = errno == 0 && end != words[i] && *end == '\0' && g_ascii_isxdigit (words[i][0]);
    }
  return ok && (s[0] | s[1] | s[2] | s[3]) != 0;
}

gboolean
blip_trainer_load_checkpoint (BlipTrainer *tr, BlipSafetensors *f, GError **error)
{
  BlipNetwork *net = tr->net;
  BlipConfig stored;
  if (!blip_checkpoint_read_config (f, &stored, error))
    return FALSE;
  blip_config_clear (&stored);
  int phase = 0, task = 0, tasks_done = 0, epoch = 0, batch = 0, n_batches = 0, patience = 0, stop_task = 0;
  double lr = 0, best_loss = 0, epoch_loss_sum = 0, elapsed = 0;
  if (!meta_int (f, "phase", PHASE_RUN_BEGIN, PHASE_DONE, &phase, error) ||
      !meta_int (f, "task", 0, tr->n_tasks - 1, &task, error) ||
      !meta_int (f, "tasks_done", 0, tr->n_tasks, &tasks_done, error) ||
      !meta_int (f, "epoch", 0, tr->rl ? G_MAXINT : tr->config.nepochs, &epoch, error) ||
      !meta_int (f, "batch", 0, G_MAXINT, &batch, error) ||
      !meta_int (f, "n_batches", 0, G_MAXINT, &n_batches, error) ||
      !meta_int (f, "patience", -1, tr->config.lr_patience, &patience, error) ||
      !meta_int (f, "stop_task", 0, 1, &stop_task, error) ||
      !meta_double_get (f, "lr", FALSE, &lr, error) ||
      !meta_double_get (f, "best_loss", TRUE, &best_loss, error) ||
      !meta_double_get (f, "epoch_loss_sum", FALSE, &epoch_loss_sum, error) ||
      !meta_double_get (f, "elapsed_seconds", FALSE, &elapsed, error))
    return FALSE;
  if (phase == PHASE_EPOCH_END || phase == PHASE_TASK_END)
    return invalid (error, f, "saved in the middle of an epoch's or task's end (phase %d)", phase);
  int expected_batches = (tr->experiment->tasks[task].train.n + tr->config.sbatch - 1) / tr->config.sbatch;
  if (tr->rl != NULL)
    expected_batches = n_batches;   /* PPO: checked against the update counter below */
  if (phase >= PHASE_EPOCH_BEGIN && phase <= PHASE_BATCH &&
      (n_batches != expected_batches || batch > n_batches))
    return invalid (error, f, "batch %d of %d does not fit task %d's %d batches (another data set or subset?)",
                    batch, n_batches, task + 1, expected_batches);
  if (!(lr > 0))
    return invalid (error, f, "learning rate %g is not positive", lr);

  guint64 s[4], ds[4];
  if (!parse_rng (blip_safetensors_get_metadata (f, "rng"), s))
    return invalid (error, f, "metadata “rng” is missing or malformed (expected four hexadecimal words)");
  /* Checkpoints of networks without dropout may lack the dropout stream. */
  const char *dropout_rng = blip_safetensors_get_metadata (f, "dropout_rng");
  gboolean has_dropout = FALSE;
  for (int i = 0; i < net->n_ops; i++)
    has_dropout |= net->ops[i].kind == BLIP_OP_DROPOUT;
  if (dropout_rng == NULL && !has_dropout)
    memcpy (ds, net->dropout_rng.s, sizeof ds);
  else if (!parse_rng (dropout_rng, ds))
    return invalid (error, f, "metadata “dropout_rng” is missing or malformed (expected four hexadecimal words)");

  for (int i = 0; i < net->n_layers; i++)
    if (!read_layer (f, &net->layers[i], error))
      return FALSE;
  for (int t = 0; t < net->n_heads; t++)
    if (!read_layer (f, &net->heads[t], error))
      return FALSE;
  if (!read_batchnorms (f, net, error))
    return FALSE;

  gint64 np = (gint64) net->n_params, nb = (gint64) net->n_buffers;
  if (!blip_safetensors_read (f, "train.best_params", BLIP_DTYPE_F32, &np, 1, tr->best_params, TRUE, error))
    return FALSE;
  if (nb > 0 &&
      !blip_safetensors_read (f, "train.best_buffers", BLIP_DTYPE_F32, &nb, 1, tr->best_buffers, TRUE, error))
    return FALSE;
  if (tr->sgd->velocity != NULL &&
      !blip_safetensors_read (f, "train.velocity", BLIP_DTYPE_F32, &np, 1, tr->sgd->velocity, TRUE, error))
    return FALSE;
  /* Optimiser steps since the last reset (lr_gamma's schedule) and Adam's
   * moments; older checkpoints, made by SGD runs, have neither. */
  gint64 opt_steps = 0, adam_t = 0;
  const char *steps_text = blip_safetensors_get_metadata (f, "opt_steps");
  if (steps_text != NULL && !g_ascii_string_to_signed (steps_text, 10, 0, G_MAXINT64, &opt_steps, NULL))
    return invalid (error, f, "metadata “opt_steps” is not a non-negative integer");
  if (tr->adam != NULL)
    {
      const char *t_text = blip_safetensors_get_metadata (f, "adam_t");
      if (t_text == NULL || !g_ascii_string_to_signed (t_text, 10, 0, G_MAXINT64, &adam_t, NULL))
        return invalid (error, f, "metadata “adam_t” is missing or not a non-negative integer");
      if (!blip_safetensors_read (f, "train.adam_m", BLIP_DTYPE_F32, &np, 1, tr->adam->m, TRUE, error) ||
          !blip_safetensors_read (f, "train.adam_v", BLIP_DTYPE_F32, &np, 1, tr->adam->v, TRUE, error))
        return FALSE;
    }
  g_autofree guint8 *frozen = g_new (guint8, net->n_layers);
  gint64 nl = net->n_layers;
  if (!blip_safetensors_read (f, "train.frozen", BLIP_DTYPE_U8, &nl, 1, frozen, FALSE, error))
    return FALSE;
  for (int i = 0; i < net->n_layers; i++)
    net->layers[i].frozen = frozen[i] != 0;
  gint64 rl_update = 0, rl_frames = 0;
  if (tr->rl != NULL)
    {
      const char *keys[] = { "rl_update", "rl_frames" };
      gint64 *vals[] = { &rl_update, &rl_frames };
      for (int k = 0; k < 2; k++)
        {
          const char *v = blip_safetensors_get_metadata (f, keys[k]);
          char *end = NULL;
          gint64 x = v ? g_ascii_strtoll (v, &end, 10) : -1;
          if (v == NULL || end == v || *end != '\0' || x < 0)
            return invalid (error, f, "metadata “%s” is missing or not a count", keys[k]);
          *vals[k] = x;
        }
      gint64 n_updates = MAX (1, (gint64) tr->config.frames / ((gint64) tr->config.num_envs * tr->config.num_steps));
      if (rl_update > n_updates)
        return invalid (error, f, "update %" G_GINT64_FORMAT " is beyond the task's %" G_GINT64_FORMAT,
                        rl_update, n_updates);
      gint64 W = 2 + tr->n_tasks, rows = blip_safetensors_n_elements (f, "results.rl_curve") / W;
      if (rows < 0)
        return invalid (error, f, "results.rl_curve is missing");
      GArray *curve = blip_trainer_rl_curve_array (tr);
      g_array_set_size (curve, rows * W);
      gint64 cs[2] = { rows, W };
      double scratch;
      if (!blip_safetensors_read (f, "results.rl_curve", BLIP_DTYPE_F64, cs, 2,
                                  rows ? (double *) curve->data : &scratch, FALSE, error))
        return FALSE;
    }
  if (phase == PHASE_BATCH && tr->rl == NULL)
    {
      gint64 n = tr->experiment->tasks[task].train.n;
      if (!blip_safetensors_read (f, "train.order", BLIP_DTYPE_I32, &n, 1, tr->order, FALSE, error))
        return FALSE;
      g_autofree guint8 *seen = g_new0 (guint8, n);
      for (gint64 i = 0; i < n; i++)
        {
          if (tr->order[i] < 0 || tr->order[i] >= n || seen[tr->order[i]])
            return invalid (error, f, "train.order is not a permutation of the task's samples");
          seen[tr->order[i]] = 1;
        }
    }

  gint64 tt[2] = { tr->n_tasks, tr->n_tasks }, tl[2] = { tr->n_tasks, net->n_layers };
  g_autofree guint8 *nan_stop = g_new (guint8, tr->n_tasks);
  if (!blip_safetensors_read (f, "results.acc", BLIP_DTYPE_F64, tt, 2, tr->acc, FALSE, error) ||
      !blip_safetensors_read (f, "results.loss", BLIP_DTYPE_F64, tt, 2, tr->loss, FALSE, error) ||
      !blip_safetensors_read (f, "results.capacity", BLIP_DTYPE_F64, tl, 2, tr->capacity, FALSE, error) ||
      !blip_safetensors_read (f, "results.consolidation_seconds", BLIP_DTYPE_F64, tt, 1,
                              tr->fisher_seconds, FALSE, error) ||
      !blip_safetensors_read (f, "results.nan_stop", BLIP_DTYPE_U8, tt, 1, nan_stop, FALSE, error))
    return FALSE;
  for (int t = 0; t < tr->n_tasks; t++)
    tr->nan_stop[t] = nan_stop[t] != 0;
  gint64 rows = blip_safetensors_n_elements (f, "results.history") / HISTORY_COLUMNS;
  gint64 hs[2] = { rows, HISTORY_COLUMNS };
  g_autofree double *hist = g_new (double, (gsize) MAX (rows, 1) * HISTORY_COLUMNS);
  if (rows < 0 || !blip_safetensors_read (f, "results.history", BLIP_DTYPE_F64, hs, 2, hist, FALSE, error))
    return rows < 0 ? invalid (error, f, "results.history is missing") : FALSE;
  g_array_set_size (tr->history, 0);
  for (gint64 i = 0; i < rows; i++)
    {
      const double *r = hist + i * HISTORY_COLUMNS;
      /* Range-check before converting: a double outside int is undefined behaviour. */
      if (!(r[0] >= 0 && r[0] < tr->n_tasks && r[0] == (int) r[0]) ||
          !(r[1] >= 0 && (tr->rl || r[1] <= tr->config.nepochs) && r[1] < G_MAXINT && r[1] == (int) r[1]))
        return invalid (error, f, "results.history row %" G_GINT64_FORMAT " names task %g, epoch %g",
                        i, r[0], r[1]);
      BlipEpochRecord rec = { (int) r[0], (int) r[1], r[2], r[3], r[4], r[5], r[6], r[7] };
      g_array_append_val (tr->history, rec);
    }

  if (tr->strategy->klass->load && !tr->strategy->klass->load (tr->strategy, f, error))
    return FALSE;
  /* Checkpoints written before the strategy's memory was recorded per task
   * lack it: the strategy's memory now stands in for the finished tasks. */
  if (blip_safetensors_has (f, "results.memory_bytes"))
    {
      if (!blip_safetensors_read (f, "results.memory_bytes", BLIP_DTYPE_F64, tt, 1, tr->memory_bytes,
                                  FALSE, error))
        return FALSE;
      for (int t = 0; t < tr->n_tasks; t++)
        if (!isnan (tr->memory_bytes[t]) && !(tr->memory_bytes[t] >= 0 && tr->memory_bytes[t] <= 0x1p62))
          return invalid (error, f, "results.memory_bytes holds %g for task %d, expected a byte count",
                          tr->memory_bytes[t], t + 1);
    }
  else
    for (int t = 0; t < tr->n_tasks; t++)
      tr->memory_bytes[t] = t < tasks_done ? (double) blip_strategy_memory_bytes (tr->strategy) : NAN;

  int threads = 0;
  if (meta_int (f, "blas_threads", 1, 4096, &threads, NULL) && threads != blip_parallel_get_threads ())
    blip_parallel_set_threads (threads);
  memcpy (tr->rng.s, s, sizeof s);
  memcpy (net->dropout_rng.s, ds, sizeof ds);
  tr->phase = phase;
  tr->task = task;
  tr->tasks_done = tasks_done;
  tr->epoch = epoch;
  tr->batch = batch;
  tr->n_batches = n_batches;
  tr->patience = patience;
  tr->stop_task = stop_task;
  tr->lr = lr;
  tr->sgd->lr = lr;
  tr->opt_steps = opt_steps;
  if (tr->adam != NULL)
    {
      tr->adam->t = adam_t;
      tr->adam->lr = lr;
    }
  if (tr->rl != NULL)
    {
      blip_trainer_rl_set_counters (tr, rl_update, rl_frames);
    }
  tr->best_loss = best_loss;
  tr->epoch_loss_sum = epoch_loss_sum;
  tr->elapsed_before = elapsed;
  tr->epoch_start_us = g_get_monotonic_time ();
  tr->idle_since_us = 0;
  if (net->forward_params != NULL)
    blip_network_sync_quantized_forward (net);
  return TRUE;
}

BlipTrainer *
blip_trainer_new_from_checkpoint (const char *path, const char *data_dir, GError **error)
{
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, error);
  if (f == NULL)
    return NULL;
  BlipConfig config;
  if (!blip_checkpoint_read_config (f, &config, error))
    return NULL;
  g_free (config.data_dir);
  config.data_dir = g_strdup (data_dir);
  BlipTrainer *tr = NULL;
  BlipExperiment *e = blip_experiment_open (&config, error);
  BlipStrategy *s = e ? blip_strategy_new (config.approach, error) : NULL;
  if (s != NULL)
    tr = blip_trainer_new (&config, e, s, error);
  else
    blip_experiment_free (e);
  blip_config_clear (&config);
  if (tr != NULL && !blip_trainer_load_checkpoint (tr, f, error))
    g_clear_pointer (&tr, blip_trainer_free);
  return tr;
}

char *
blip_checkpoint_name (guint64 seq)
{
  return g_strdup_printf ("checkpoint-%08" G_GUINT64_FORMAT ".safetensors", seq);
}

static guint64
sequence_of (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  return g_ascii_strtoull (base + strlen ("checkpoint-"), NULL, 10);
}

static gint
compare_desc (gconstpointer a, gconstpointer b)
{
  guint64 x = sequence_of (*(const char * const *) a), y = sequence_of (*(const char * const *) b);
  return x < y ? 1 : x > y ? -1 : 0;
}

GPtrArray *
blip_checkpoint_list (const char *dir)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return list;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "checkpoint-") && g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (list, g_build_filename (dir, name, NULL));
  g_dir_close (d);
  g_ptr_array_sort (list, compare_desc);
  return list;
}

BlipTrainer *
blip_trainer_resume (const char *dir, const char *data_dir, char **skipped, GError **error)
{
  g_autoptr(GPtrArray) list = blip_checkpoint_list (dir);
  GString *problems = g_string_new (NULL);
  BlipTrainer *tr = NULL;
  for (guint i = 0; i < list->len && tr == NULL; i++)
    {
      GError *local = NULL;
      tr = blip_trainer_new_from_checkpoint (g_ptr_array_index (list, i), data_dir, &local);
      if (tr == NULL)
        {
          g_string_append_printf (problems, "%s\n", local->message);
          /* A missing data set is not the checkpoint's fault: older ones would fail alike. */
          if (local->domain != BLIP_SAFETENSORS_ERROR && local->domain != BLIP_CHECKPOINT_ERROR &&
              local->domain != BLIP_CONFIG_ERROR)
            {
              g_propagate_error (error, local);
              g_string_free (problems, TRUE);
              return NULL;
            }
          g_error_free (local);
        }
    }
  if (tr == NULL)
    g_set_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_NONE,
                 "no valid checkpoint in %s%s%s", dir, problems->len ? ":\n" : " (no checkpoint-*.safetensors files)",
                 problems->str);
  if (skipped != NULL)
    *skipped = problems->len && tr ? g_strdup (problems->str) : NULL;
  g_string_free (problems, TRUE);
  return tr;
}
