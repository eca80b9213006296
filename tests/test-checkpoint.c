/* test-checkpoint.c — saving and restoring a run (blip-checkpoint.h), on the
 * in-memory synthetic experiment (and a small fake MNIST for the functions
 * that open an experiment by name), so it always runs:
 *   exact resume  for blip, sgd-frozen, ewc, lwf, imm-mode, hat (with momentum)
 *                 and SGD with momentum and weight
 *                 decay, a trainer is cut (before any step, after single
 *                 batches mid-epoch, after an epoch, after a task, mid-epoch
 *                 of the second task, after the run finished, after a pause
 *                 requested from an observer or before the first step),
 *                 saved, and loaded into a fresh trainer of the same config:
 *                 parameters and matrices are equal at once, saving the
 *                 restored trainer gives the same bytes, and both trainers
 *                 then finish with results JSON identical to each other and
 *                 to an uninterrupted run
 *   file          the checkpoint is a safetensors file with per-layer names
 *                 ("fc1.weight", "fc1.weight.bits" as U8, "head0.bias", ...)
 *                 and a "config" metadata that blip_config_from_json (and
 *                 blip_checkpoint_read_config) read back to the same config
 *   bad files     a table of damaged checkpoints (another format or version,
 *                 no "format", NaN or infinity in a tensor, a config with
 *                 another ndim, bits above max_bit, a train.order that is not
 *                 a permutation, out-of-range metadata, a missing tensor, a
 *                 truncated file, ...): loading fails with the expected error,
 *                 names the file, and does not crash
 *   folders       blip_checkpoint_name and blip_checkpoint_list (newest first,
 *                 other files ignored); blip_trainer_resume skips a corrupt
 *                 newest checkpoint (saying which in `skipped`), loads the
 *                 older one and finishes like an uninterrupted run; with no
 *                 valid checkpoint it fails with BLIP_CHECKPOINT_ERROR_NONE;
 *                 a missing data set is reported as such
 *   resnet18      a ResNet-18 (width 2, on the synthetic data seen as 1×8×8
 *                 images) cut mid-epoch and after a task: batchnorm running
 *                 statistics and the best model's copy of them are restored
 *                 exactly (bnK.running_mean/var, train.best_buffers), its
 *                 bias-free convs have no bias tensors, the run finishes like
 *                 an uninterrupted one, and a negative or NaN running
 *                 statistic is refused. */
#include "blip.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define SYN_TASKS  3
#define SYN_DIM    64
#define SYN_TRAIN  200
#define SYN_TEST   100
#define SYN_SEED   5
#define SBATCH     16
#define NEPOCHS    3
#define NDIM       32

typedef struct {
  const char *name;
  const char *approach;
  double      momentum;
  double      weight_decay;
  int         lr_patience;
} ConfigCase;

static const ConfigCase config_cases[] = {
  { "blip", "blip", 0.0, 0.0, 5 },
  { "sgd-frozen", "sgd-frozen", 0.0, 0.0, 5 },
  { "ewc", "ewc", 0.0, 0.0, 5 },
  { "lwf", "lwf", 0.0, 0.0, 5 },
  { "imm-mode", "imm-mode", 0.0, 0.0, 5 },
  /* HAT's embeddings have their own optimiser: momentum and lr decay too. */
  { "hat", "hat", 0.9, 0.0, 1 },
  /* Velocity to carry over, and patience 1 so the lr schedule moves. */
  { "sgd-momentum-wd", "sgd", 0.9, 1e-3, 1 },
};

static void
make_config (BlipConfig *c, const ConfigCase *cc, int ndim)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup ("synthetic");
  g_free (c->approach);
  c->approach = g_strdup (cc->approach);
  c->seed = 11;
  c->lr = 0.1;
  c->sbatch = SBATCH;
  c->nepochs = NEPOCHS;
  c->ndim = ndim;
  c->fisher_batches = 2;
  c->fisher_sbatch = 50;
  c->momentum = cc->momentum;
  c->weight_decay = cc->weight_decay;
  c->lr_patience = cc->lr_patience;
}

static BlipTrainer *
make_trainer (const BlipConfig *c)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_new_synthetic (SYN_TASKS, 2, SYN_DIM, SYN_TRAIN, SYN_TEST, SYN_SEED);
  BlipStrategy *s = blip_strategy_new (c->approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (c, e, s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tr);
  return tr;
}

static void
run_to_end (BlipTrainer *tr)
{
  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st, ==, BLIP_STATUS_FINISHED);
}

static void
step_expect (BlipTrainer *tr, BlipStepUnit unit, BlipStatus expect)
{
  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, unit, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st, ==, expect);
}

/* Results JSON of an uninterrupted run, once per config case. */
static char *reference[G_N_ELEMENTS (config_cases)];

static const char *
reference_json (const ConfigCase *cc)
{
  gsize i = cc - config_cases;
  if (reference[i] == NULL)
    {
      BlipConfig c;
      make_config (&c, cc, NDIM);
      BlipTrainer *tr = make_trainer (&c);
      run_to_end (tr);
      reference[i] = blip_results_json (tr);
      blip_trainer_free (tr);
      blip_config_clear (&c);
    }
  return reference[i];
}

static void
save (BlipTrainer *tr, const char *path)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = blip_trainer_save_checkpoint (tr, path, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static BlipSafetensors *
open_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  BlipSafetensors *f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f);
  return f;
}

/* ---- exact resume at cut points ---------------------------------------------- */

typedef enum {
  CUT_START,          /* before any step */
  CUT_BATCHES,        /* 5 single-batch steps: mid-epoch of task 0 */
  CUT_EPOCH,          /* one epoch */
  CUT_TASK,           /* one task */
  CUT_TASK_BATCHES,   /* one task, then 7 batches: mid-epoch of task 1 */
  CUT_FINISHED,       /* the whole run */
  CUT_PAUSE,          /* a pause requested from an observer in task 1 */
  CUT_PAUSE_FIRST,    /* a pause requested before the first step */
} CutKind;

typedef struct {
  const char *name;
  CutKind     kind;
} CutCase;

static const CutCase cut_cases[] = {
  { "start", CUT_START },
  { "batches", CUT_BATCHES },
  { "epoch", CUT_EPOCH },
  { "task", CUT_TASK },
  { "task-batches", CUT_TASK_BATCHES },
  { "finished", CUT_FINISHED },
  { "pause-observer", CUT_PAUSE },
  { "pause-first", CUT_PAUSE_FIRST },
};

typedef struct {
  const ConfigCase *config;
  const CutCase    *cut;
} ResumeCase;

static ResumeCase resume_cases[G_N_ELEMENTS (config_cases) * G_N_ELEMENTS (cut_cases)];

typedef struct {
  int      task, epoch, batch;
  gboolean fired;
} PauseAt;

static void
pause_observer (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  PauseAt *p = user_data;
  if (!p->fired && ev->type == BLIP_EVENT_BATCH_END && ev->task == p->task && ev->epoch == p->epoch &&
      ev->batch == p->batch)
    {
      p->fired = TRUE;
      blip_trainer_request_pause (tr);
    }
}

static void
apply_cut (BlipTrainer *tr, CutKind kind)
{
  switch (kind)
    {
    case CUT_START:
      break;
    case CUT_BATCHES:
      for (int i = 0; i < 5; i++)
        step_expect (tr, BLIP_STEP_BATCH, BLIP_STATUS_READY);
      break;
    case CUT_EPOCH:
      step_expect (tr, BLIP_STEP_EPOCH, BLIP_STATUS_READY);
      break;
    case CUT_TASK:
      step_expect (tr, BLIP_STEP_TASK, BLIP_STATUS_READY);
      g_assert_cmpint (blip_trainer_get_tasks_done (tr), ==, 1);
      break;
    case CUT_TASK_BATCHES:
      step_expect (tr, BLIP_STEP_TASK, BLIP_STATUS_READY);
      for (int i = 0; i < 7; i++)
        step_expect (tr, BLIP_STEP_BATCH, BLIP_STATUS_READY);
      break;
    case CUT_FINISHED:
      run_to_end (tr);
      break;
    case CUT_PAUSE:
      {
        PauseAt p = { 1, 1, 4, FALSE };
        guint id = blip_trainer_add_observer (tr, pause_observer, &p, NULL);
        step_expect (tr, BLIP_STEP_RUN, BLIP_STATUS_PAUSED);
        blip_trainer_remove_observer (tr, id);
        g_assert_true (p.fired);
        g_assert_cmpint (blip_trainer_get_task (tr), ==, 1);
        g_assert_cmpint (blip_trainer_get_tasks_done (tr), ==, 1);
        break;
      }
    case CUT_PAUSE_FIRST:
      blip_trainer_request_pause (tr);
      step_expect (tr, BLIP_STEP_RUN, BLIP_STATUS_PAUSED);
      break;
    }
}

static void
assert_same_state (BlipTrainer *a, BlipTrainer *b)
{
  BlipNetwork *na = blip_trainer_get_network (a), *nb = blip_trainer_get_network (b);
  g_assert_cmpuint (na->n_params, ==, nb->n_params);
  g_assert_cmpmem (na->params, sizeof (float) * na->n_params, nb->params, sizeof (float) * nb->n_params);
  for (int i = 0; i < na->n_layers; i++)
    {
      const BlipQuantState *qa = na->layers[i].quant, *qb = nb->layers[i].quant;
      g_assert_true ((qa == NULL) == (qb == NULL));
      if (qa != NULL)
        {
          g_assert_cmpmem (qa->bits, qa->n, qb->bits, qb->n);
          g_assert_cmpmem (qa->anchor, sizeof (float) * qa->n, qb->anchor, sizeof (float) * qb->n);
          g_assert_cmpmem (qa->fisher_old, sizeof (float) * qa->n, qb->fisher_old, sizeof (float) * qb->n);
        }
      g_assert_cmpint (na->layers[i].frozen, ==, nb->layers[i].frozen);
    }
  gsize nn = sizeof (double) * SYN_TASKS * SYN_TASKS;
  g_assert_cmpmem (blip_trainer_get_acc_matrix (a), nn, blip_trainer_get_acc_matrix (b), nn);
  g_assert_cmpmem (blip_trainer_get_loss_matrix (a), nn, blip_trainer_get_loss_matrix (b), nn);
  g_assert_cmpint (blip_trainer_get_task (a), ==, blip_trainer_get_task (b));
  g_assert_cmpint (blip_trainer_get_tasks_done (a), ==, blip_trainer_get_tasks_done (b));
  g_assert_cmpfloat (blip_trainer_get_lr (a), ==, blip_trainer_get_lr (b));
  guint ha, hb;
  const BlipEpochRecord *ra = blip_trainer_get_history (a, &ha);
  const BlipEpochRecord *rb = blip_trainer_get_history (b, &hb);
  g_assert_cmpuint (ha, ==, hb);
  /* Everything but the epochs' wall times, which differ between runs. */
  for (guint i = 0; i < ha; i++)
    {
      BlipEpochRecord x = ra[i], y = rb[i];
      x.seconds = y.seconds = 0;
      g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
    }
}

/* blip_trainer_new() leaves tr->lr at 0 until the first task begins, and
 * blip_trainer_load_checkpoint() refuses any checkpoint whose "lr" is not
 * positive, whatever its phase: a checkpoint saved before the first step
 * (phase PHASE_RUN_BEGIN) cannot be loaded. */
static void
test_resume (gconstpointer data)
{
  const ResumeCase *rc = data;
  const char *expect = reference_json (rc->config);
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "cut.safetensors", NULL);
  g_autofree char *path2 = g_build_filename (dir, "again.safetensors", NULL);

  BlipConfig c;
  make_config (&c, rc->config, NDIM);
  BlipTrainer *a = make_trainer (&c);
  apply_cut (a, rc->cut->kind);
  save (a, path);

  BlipTrainer *b = make_trainer (&c);
  {
    g_autoptr(BlipSafetensors) f = open_file (path);
    g_autoptr(GError) error = NULL;
    gboolean ok = blip_trainer_load_checkpoint (b, f, &error);
    g_assert_no_error (error);
    g_assert_true (ok);
  }
  assert_same_state (a, b);

  /* Everything saved was restored: the restored trainer saves the same bytes. */
  save (b, path2);
  g_autoptr(GBytes) bytes1 = blip_test_read_file (path);
  g_autoptr(GBytes) bytes2 = blip_test_read_file (path2);
  g_assert_true (g_bytes_equal (bytes1, bytes2));

  run_to_end (a);
  run_to_end (b);
  g_autofree char *ja = blip_results_json (a);
  g_autofree char *jb = blip_results_json (b);
  g_assert_cmpstr (ja, ==, expect);
  g_assert_cmpstr (jb, ==, expect);
  assert_same_state (a, b);

  blip_trainer_free (a);
  blip_trainer_free (b);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* A restored trainer can itself be cut and restored again: two hops. */
static void
test_resume_twice (void)
{
  const ConfigCase *cc = &config_cases[0];
  const char *expect = reference_json (cc);
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *p1 = g_build_filename (dir, "one.safetensors", NULL);
  g_autofree char *p2 = g_build_filename (dir, "two.safetensors", NULL);
  BlipConfig c;
  make_config (&c, cc, NDIM);
  BlipTrainer *a = make_trainer (&c);
  for (int i = 0; i < 3; i++)
    step_expect (a, BLIP_STEP_BATCH, BLIP_STATUS_READY);
  save (a, p1);
  blip_trainer_free (a);

  BlipTrainer *b = make_trainer (&c);
  {
    g_autoptr(BlipSafetensors) f = open_file (p1);
    g_assert_true (blip_trainer_load_checkpoint (b, f, NULL));
  }
  step_expect (b, BLIP_STEP_TASK, BLIP_STATUS_READY);
  step_expect (b, BLIP_STEP_BATCH, BLIP_STATUS_READY);
  save (b, p2);
  blip_trainer_free (b);

  BlipTrainer *d = make_trainer (&c);
  {
    g_autoptr(BlipSafetensors) f = open_file (p2);
    g_assert_true (blip_trainer_load_checkpoint (d, f, NULL));
  }
  run_to_end (d);
  g_autofree char *got = blip_results_json (d);
  g_assert_cmpstr (got, ==, expect);
  blip_trainer_free (d);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- the file --------------------------------------------------------------------- */

static guint64
header_length (GBytes *bytes)
{
  const guint8 *p = g_bytes_get_data (bytes, NULL);
  guint64 v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* The header of a safetensors image, parsed by hand. */
static BlipJson *
header_json (GBytes *bytes)
{
  const char *p = g_bytes_get_data (bytes, NULL);
  g_autoptr(GError) error = NULL;
  BlipJson *h = blip_json_parse (p + 8, header_length (bytes), &error);
  g_assert_no_error (error);
  return h;
}

static void
expect_tensor (const BlipJson *h, const char *name, const char *dtype, int ndim, const gint64 *shape)
{
  BlipJson *t = blip_json_get (h, name);
  if (t == NULL)
    g_error ("tensor %s is not in the checkpoint", name);
  const char *dt = NULL;
  g_assert_true (blip_json_get_string (t, "dtype", &dt));
  g_assert_cmpstr (dt, ==, dtype);
  BlipJson *s = blip_json_get (t, "shape");
  g_assert_nonnull (s);
  g_assert_cmpuint (s->items->len, ==, (guint) ndim);
  for (int d = 0; d < ndim; d++)
    g_assert_cmpfloat (((BlipJson *) g_ptr_array_index (s->items, d))->number, ==, (double) shape[d]);
}

static char *
config_text (const BlipConfig *c)
{
  GString *s = g_string_new (NULL);
  blip_config_append_json (s, c, "");
  return g_string_free (s, FALSE);
}

static void
test_file_layout (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "ck.safetensors", NULL);
  BlipConfig c;
  make_config (&c, &config_cases[0], NDIM);
  BlipTrainer *tr = make_trainer (&c);
  step_expect (tr, BLIP_STEP_TASK, BLIP_STATUS_READY);
  step_expect (tr, BLIP_STEP_BATCH, BLIP_STATUS_READY);
  save (tr, path);

  g_autoptr(GBytes) bytes = blip_test_read_file (path);
  g_assert_cmpuint ((8 + header_length (bytes)) % 8, ==, 0);
  g_autoptr(BlipJson) h = header_json (bytes);
  const gint64 w[2] = { NDIM, SYN_DIM }, b[1] = { NDIM }, hw[2] = { 2, NDIM }, hb[1] = { 2 };
  expect_tensor (h, "fc1.weight", "F32", 2, w);
  expect_tensor (h, "fc1.bias", "F32", 1, b);
  expect_tensor (h, "fc1.weight.bits", "U8", 2, w);
  expect_tensor (h, "fc1.bias.bits", "U8", 1, b);
  expect_tensor (h, "fc1.weight.anchor", "F32", 2, w);
  expect_tensor (h, "fc1.weight.fisher", "F32", 2, w);
  for (int t = 0; t < SYN_TASKS; t++)
    {
      g_autofree char *hwn = g_strdup_printf ("head%d.weight", t);
      g_autofree char *hbn = g_strdup_printf ("head%d.bias", t);
      expect_tensor (h, hwn, "F32", 2, hw);
      expect_tensor (h, hbn, "F32", 1, hb);
    }
  const gint64 order[1] = { SYN_TRAIN }, tt[2] = { SYN_TASKS, SYN_TASKS };
  expect_tensor (h, "train.order", "I32", 1, order);
  expect_tensor (h, "results.acc", "F64", 2, tt);

  BlipJson *meta = blip_json_get (h, "__metadata__");
  g_assert_nonnull (meta);
  const char *format = NULL, *version = NULL, *config = NULL;
  g_assert_true (blip_json_get_string (meta, "format", &format));
  g_assert_cmpstr (format, ==, "blip-checkpoint");
  g_assert_true (blip_json_get_string (meta, "format_version", &version));
  g_autofree char *expect_version = g_strdup_printf ("%d", BLIP_CHECKPOINT_FORMAT_VERSION);
  g_assert_cmpstr (version, ==, expect_version);
  g_assert_true (blip_json_get_string (meta, "config", &config));

  /* The stored config reads back to the same config. */
  BlipConfig back;
  blip_config_init_defaults (&back);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_from_json (&back, config, strlen (config), &error));
  g_assert_no_error (error);
  g_autofree char *t1 = config_text (&c);
  g_autofree char *t2 = config_text (&back);
  g_assert_cmpstr (t1, ==, t2);
  g_assert_cmpstr (back.approach, ==, "blip");
  g_assert_cmpstr (back.experiment, ==, "synthetic");
  g_assert_cmpint (back.ndim, ==, NDIM);
  g_assert_cmpfloat (back.lr, ==, c.lr);
  g_assert_cmpuint (back.seed, ==, c.seed);
  blip_config_clear (&back);

  /* And through the library's reader, with data_dir left NULL. */
  g_autoptr(BlipSafetensors) f = open_file (path);
  BlipConfig read;
  g_assert_true (blip_checkpoint_read_config (f, &read, &error));
  g_assert_no_error (error);
  g_autofree char *t3 = config_text (&read);
  g_assert_cmpstr (t1, ==, t3);
  g_assert_null (read.data_dir);
  blip_config_clear (&read);

  /* The library reads the per-layer tensors under those names. */
  g_autofree guint8 *bits = g_new (guint8, NDIM * SYN_DIM);
  g_assert_true (blip_safetensors_read (f, "fc1.weight.bits", BLIP_DTYPE_U8, w, 2, bits, FALSE, &error));
  g_assert_no_error (error);
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpmem (bits, NDIM * SYN_DIM, net->layers[0].quant->bits, NDIM * SYN_DIM);
  float hbias[2];
  g_assert_true (blip_safetensors_read (f, "head0.bias", BLIP_DTYPE_F32, hb, 1, hbias, TRUE, &error));
  g_assert_cmpmem (hbias, sizeof hbias, net->heads[0].bias, sizeof hbias);

  blip_trainer_free (tr);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- damaged checkpoints --------------------------------------------------------- */

/* A copy of a safetensors image with its header text edited (the header
 * length is rewritten; offsets are relative to the data, so they hold). */
static GBytes *
edit_header (GBytes *bytes, const char *old, const char *new)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  guint64 hlen = header_length (bytes);
  g_autofree char *header = g_strndup ((const char *) p + 8, hlen);
  char *at = strstr (header, old);
  if (at == NULL)
    g_error ("“%s” is not in the checkpoint's header", old);
  GString *h = g_string_new_len (header, at - header);
  g_string_append (h, new);
  g_string_append (h, at + strlen (old));
  GByteArray *out = g_byte_array_new ();
  guint8 len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) h->len >> (8 * i));
  g_byte_array_append (out, len, 8);
  g_byte_array_append (out, (const guint8 *) h->str, h->len);
  g_byte_array_append (out, p + 8 + hlen, size - 8 - hlen);
  g_string_free (h, TRUE);
  return g_byte_array_free_to_bytes (out);
}

/* Sets a metadata value, whatever it was. */
static GBytes *
set_metadata (GBytes *bytes, const char *key, const char *value)
{
  g_autoptr(BlipJson) h = header_json (bytes);
  const char *old = NULL;
  if (!blip_json_get_string (blip_json_get (h, "__metadata__"), key, &old))
    g_error ("metadata %s is not in the checkpoint", key);
  g_autoptr(GString) from = g_string_new (NULL);
  g_autoptr(GString) to = g_string_new (NULL);
  blip_json_append_string (from, key);
  g_string_append_c (from, ':');
  blip_json_append_string (from, old);
  blip_json_append_string (to, key);
  g_string_append_c (to, ':');
  blip_json_append_string (to, value);
  return edit_header (bytes, from->str, to->str);
}

/* Byte offset of element `index` of a tensor in the file. */
static gsize
element_offset (GBytes *bytes, const char *name, gsize index, gsize elem)
{
  g_autoptr(BlipJson) h = header_json (bytes);
  BlipJson *t = blip_json_get (h, name);
  if (t == NULL)
    g_error ("tensor %s is not in the checkpoint", name);
  BlipJson *off = blip_json_get (t, "data_offsets");
  gsize begin = (gsize) ((BlipJson *) g_ptr_array_index (off->items, 0))->number;
  gsize end = (gsize) ((BlipJson *) g_ptr_array_index (off->items, 1))->number;
  g_assert_cmpuint (begin + (index + 1) * elem, <=, end);
  return 8 + header_length (bytes) + begin + index * elem;
}

typedef enum {
  BAD_META,           /* metadata key := text */
  BAD_HEADER_EDIT,    /* replace text in the header */
  BAD_CONFIG_EDIT,    /* replace text in the "config" metadata */
  BAD_F32,            /* tensor[index] := value */
  BAD_U8,
  BAD_I32,
  BAD_ORDER_DUP,      /* train.order[1] := train.order[0] */
  BAD_TRUNCATE,       /* keep index bytes; 0: half the file */
  BAD_OTHER_NDIM,     /* load into a trainer with ndim 16 */
} BadKind;

typedef enum { D_SAFETENSORS, D_CHECKPOINT } Domain;

typedef struct {
  const char *name;
  const char *config;    /* a config_cases name */
  BadKind     kind;
  const char *key;       /* metadata key, tensor name, or text to replace */
  const char *text;      /* new metadata value or replacement */
  gsize       index;
  double      value;
  Domain      domain;
  int         code;
  const char *mention;   /* the message must contain this too (NULL: only the path) */
} BadCase;

static const BadCase bad_cases[] = {
  { "format-version", "blip", BAD_META, "format_version", "2", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_VERSION, "version 2" },
  { "format-version-empty", "blip", BAD_META, "format_version", "", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_VERSION, "version" },
  { "format-missing", "blip", BAD_HEADER_EDIT, "\"format\":\"blip-checkpoint\",", "", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_VERSION, "format" },
  { "format-other", "blip", BAD_META, "format", "pytorch", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_VERSION, "pytorch" },
  { "config-missing", "blip", BAD_HEADER_EDIT, "\"config\":", "\"konfig\":", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "config" },
  { "config-invalid", "blip", BAD_CONFIG_EDIT, "\"lr\": 0.1", "\"lr\": -1", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "lr" },
  { "nan-anchor", "blip", BAD_F32, "fc1.weight.anchor", NULL, 0, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "fc1.weight.anchor" },
  { "nan-weight", "blip", BAD_F32, "fc1.weight", NULL, 100, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "fc1.weight" },
  { "inf-head-bias", "blip", BAD_F32, "head1.bias", NULL, 1, INFINITY, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "head1.bias" },
  { "inf-fisher", "blip", BAD_F32, "fc1.bias.fisher", NULL, 3, -INFINITY, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "fc1.bias.fisher" },
  { "nan-best-params", "blip", BAD_F32, "train.best_params", NULL, 7, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "train.best_params" },
  { "nan-velocity", "sgd-momentum-wd", BAD_F32, "train.velocity", NULL, 2, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "train.velocity" },
  { "nan-ewc-fisher", "ewc", BAD_F32, "ewc.fisher", NULL, 0, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "ewc.fisher" },
  { "ewc-active-bad", "ewc", BAD_META, "ewc.active", "yes", 0, 0, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_MISSING, "ewc.active" },
  { "lwf-active-bad", "lwf", BAD_META, "lwf.active", "2", 0, 0, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_MISSING, "lwf.active" },
  { "nan-imm-prev", "imm-mode", BAD_F32, "imm.prev", NULL, 4, NAN, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "imm.prev" },
  { "inf-hat-embeddings", "hat", BAD_F32, "hat.embeddings", NULL, 9, INFINITY, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_NOT_FINITE, "hat.embeddings" },
  { "hat-tasks-seen-bad", "hat", BAD_META, "hat.tasks_seen", "4", 0, 0, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_MISSING, "hat.tasks_seen" },
  { "fisher-zero", "blip", BAD_F32, "fc1.weight.fisher", NULL, 5, 0.0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "Fisher" },
  { "other-ndim", "blip", BAD_OTHER_NDIM, NULL, NULL, 0, 0, D_SAFETENSORS,
    BLIP_SAFETENSORS_ERROR_MISMATCH, "fc1.weight" },
  { "bits-above-max", "blip", BAD_U8, "fc1.weight.bits", NULL, 3, 21, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "max_bit" },
  { "bits-255", "blip", BAD_U8, "fc1.bias.bits", NULL, 0, 255, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "max_bit" },
  { "order-duplicate", "blip", BAD_ORDER_DUP, "train.order", NULL, 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "permutation" },
  { "order-out-of-range", "blip", BAD_I32, "train.order", NULL, 17, SYN_TRAIN, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "permutation" },
  { "order-negative", "blip", BAD_I32, "train.order", NULL, 0, -1, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "permutation" },
  { "missing-tensor", "blip", BAD_HEADER_EDIT, "\"train.best_params\"", "\"train.best_paramz\"", 0, 0,
    D_SAFETENSORS, BLIP_SAFETENSORS_ERROR_MISSING, "train.best_params" },
  { "missing-order", "blip", BAD_HEADER_EDIT, "\"train.order\"", "\"train.ordex\"", 0, 0,
    D_SAFETENSORS, BLIP_SAFETENSORS_ERROR_MISSING, "train.order" },
  { "phase-out-of-range", "blip", BAD_META, "phase", "9", 0, 0, D_CHECKPOINT,
    BLIP_CHECKPOINT_ERROR_INVALID, "phase" },
  { "phase-epoch-end", "blip", BAD_META, "phase", "4", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, NULL },
  { "task-out-of-range", "blip", BAD_META, "task", "3", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "task" },
  { "batch-not-a-number", "blip", BAD_META, "batch", "7x", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "batch" },
  { "batch-past-end", "blip", BAD_META, "batch", "14", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, NULL },
  { "n-batches-other-data", "blip", BAD_META, "n_batches", "12", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID,
    "batches" },
  { "lr-zero", "blip", BAD_META, "lr", "0", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "learning rate" },
  { "lr-nan", "blip", BAD_META, "lr", "nan", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "lr" },
  { "rng-zero", "blip", BAD_META, "rng", "0000000000000000 0000000000000000 0000000000000000 0000000000000000",
    0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "rng" },
  { "rng-short", "blip", BAD_META, "rng", "0123 4567", 0, 0, D_CHECKPOINT, BLIP_CHECKPOINT_ERROR_INVALID, "rng" },
  { "truncated-half", "blip", BAD_TRUNCATE, NULL, NULL, 0, 0, D_SAFETENSORS, BLIP_SAFETENSORS_ERROR_FORMAT, NULL },
  { "truncated-last-byte", "blip", BAD_TRUNCATE, NULL, NULL, 1, 0, D_SAFETENSORS, BLIP_SAFETENSORS_ERROR_FORMAT, NULL },
  { "truncated-header", "blip", BAD_TRUNCATE, NULL, NULL, 100, 0, D_SAFETENSORS, BLIP_SAFETENSORS_ERROR_FORMAT, NULL },
};

static const ConfigCase *
config_named (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (config_cases); i++)
    if (strcmp (config_cases[i].name, name) == 0)
      return &config_cases[i];
  g_error ("no config case %s", name);
}

/* What loading does in blip_trainer_new_from_checkpoint: the format and
 * config first, then the state into a trainer of that config. */
static gboolean
load_path (const char *path, const BlipConfig *c, GError **error)
{
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, error);
  if (f == NULL)
    return FALSE;
  BlipConfig stored;
  if (!blip_checkpoint_read_config (f, &stored, error))
    return FALSE;
  blip_config_clear (&stored);
  BlipTrainer *tr = make_trainer (c);
  gboolean ok = blip_trainer_load_checkpoint (tr, f, error);
  /* A trainer that failed to load is still safe to free. */
  blip_trainer_free (tr);
  return ok;
}

static void
test_bad (gconstpointer data)
{
  const BadCase *bc = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *good = g_build_filename (dir, "good.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  BlipConfig c;
  make_config (&c, config_named (bc->config), NDIM);
  /* Mid-epoch of the second task: bits, Fisher and strategy state are set and train.order is saved. */
  BlipTrainer *tr = make_trainer (&c);
  apply_cut (tr, CUT_TASK_BATCHES);
  save (tr, good);
  blip_trainer_free (tr);
  g_autoptr(GError) error = NULL;
  g_assert_true (load_path (good, &c, &error));
  g_assert_no_error (error);

  g_autoptr(GBytes) orig = blip_test_read_file (good);
  GBytes *edited = NULL;
  gsize size = g_bytes_get_size (orig);
  g_autofree guint8 *buf = g_memdup2 (g_bytes_get_data (orig, NULL), size);
  gsize len = size;
  BlipConfig load_config;
  blip_config_copy (&load_config, &c);
  switch (bc->kind)
    {
    case BAD_META:
      edited = set_metadata (orig, bc->key, bc->text);
      break;
    case BAD_HEADER_EDIT:
      edited = edit_header (orig, bc->key, bc->text);
      break;
    case BAD_CONFIG_EDIT:
      {
        g_autoptr(BlipJson) h = header_json (orig);
        const char *config = NULL;
        g_assert_true (blip_json_get_string (blip_json_get (h, "__metadata__"), "config", &config));
        const char *at = strstr (config, bc->key);
        if (at == NULL)
          g_error ("“%s” is not in the stored config:\n%s", bc->key, config);
        g_autofree char *head = g_strndup (config, at - config);
        g_autofree char *changed = g_strconcat (head, bc->text, at + strlen (bc->key), NULL);
        edited = set_metadata (orig, "config", changed);
        break;
      }
    case BAD_F32:
      {
        float v = (float) bc->value;
        memcpy (buf + element_offset (orig, bc->key, bc->index, 4), &v, 4);
        break;
      }
    case BAD_U8:
      buf[element_offset (orig, bc->key, bc->index, 1)] = (guint8) bc->value;
      break;
    case BAD_I32:
      {
        gint32 v = (gint32) bc->value;
        memcpy (buf + element_offset (orig, bc->key, bc->index, 4), &v, 4);
        break;
      }
    case BAD_ORDER_DUP:
      memcpy (buf + element_offset (orig, "train.order", 1, 4), buf + element_offset (orig, "train.order", 0, 4), 4);
      break;
    case BAD_TRUNCATE:
      len = bc->index == 0 ? size / 2 : bc->index == 1 ? size - 1 : bc->index;
      break;
    case BAD_OTHER_NDIM:
      load_config.ndim = 16;
      break;
    }
  if (edited != NULL)
    {
      g_file_set_contents (bad, g_bytes_get_data (edited, NULL), g_bytes_get_size (edited), &error);
      g_bytes_unref (edited);
    }
  else
    g_file_set_contents (bad, (const char *) buf, len, &error);
  g_assert_no_error (error);

  gboolean ok = load_path (bad, &load_config, &error);
  if (ok)
    g_error ("%s: the damaged checkpoint loaded", bc->name);
  g_assert_nonnull (error);
  GQuark domain = bc->domain == D_SAFETENSORS ? BLIP_SAFETENSORS_ERROR : BLIP_CHECKPOINT_ERROR;
  if (!g_error_matches (error, domain, bc->code))
    g_error ("%s: expected error %s/%d, got %s/%d: %s", bc->name, g_quark_to_string (domain), bc->code,
             g_quark_to_string (error->domain), error->code, error->message);
  if (strstr (error->message, bad) == NULL)
    g_error ("%s: the message “%s” does not name the file %s", bc->name, error->message, bad);
  if (bc->mention != NULL && strstr (error->message, bc->mention) == NULL)
    g_error ("%s: the message “%s” does not mention “%s”", bc->name, error->message, bc->mention);

  blip_config_clear (&load_config);
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- folders: names, listing, resume ------------------------------------------- */

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, "x", 1, &error);
  g_assert_no_error (error);
}

static void
test_list (void)
{
  g_autofree char *n1 = blip_checkpoint_name (1);
  g_autofree char *n42 = blip_checkpoint_name (42);
  g_autofree char *n0 = blip_checkpoint_name (0);
  g_assert_cmpstr (n1, ==, "checkpoint-00000001.safetensors");
  g_assert_cmpstr (n42, ==, "checkpoint-00000042.safetensors");
  g_assert_cmpstr (n0, ==, "checkpoint-00000000.safetensors");

  g_autofree char *dir = blip_test_mkdtemp ();
  g_autoptr(GPtrArray) empty = blip_checkpoint_list (dir);
  g_assert_cmpuint (empty->len, ==, 0);
  g_autofree char *absent = g_build_filename (dir, "absent", NULL);
  g_autoptr(GPtrArray) none = blip_checkpoint_list (absent);
  g_assert_cmpuint (none->len, ==, 0);

  static const guint64 seqs[] = { 2, 10, 1, 9, 100 };
  for (gsize i = 0; i < G_N_ELEMENTS (seqs); i++)
    {
      g_autofree char *name = blip_checkpoint_name (seqs[i]);
      touch (dir, name);
    }
  /* Not checkpoints: a temporary file, other names. */
  touch (dir, "checkpoint-00000011.safetensors.Q1W2E3");
  touch (dir, "checkpoint-00000012.txt");
  touch (dir, "model.safetensors");
  touch (dir, "results.json");
  g_autoptr(GPtrArray) list = blip_checkpoint_list (dir);
  static const guint64 expect[] = { 100, 10, 9, 2, 1 };
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (expect));
  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      g_autofree char *name = blip_checkpoint_name (expect[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_cmpstr (g_ptr_array_index (list, i), ==, path);
    }
  blip_test_rmtree (dir);
}

/* A run on a fake MNIST: the folder functions open experiments by name. */
static void
mnist_config (BlipConfig *c, const char *data_dir)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup ("mnist5");
  g_free (c->approach);
  c->approach = g_strdup ("blip");
  g_free (c->data_dir);
  c->data_dir = g_strdup (data_dir);
  c->seed = 3;
  c->lr = 0.05;
  c->sbatch = 16;
  c->nepochs = 2;
  c->ndim = 16;
  c->ntasks = 2;
  c->train_subset = 60;
  c->test_subset = 40;
  c->fisher_batches = 2;
  c->fisher_sbatch = 20;
}

static BlipTrainer *
mnist_trainer (const BlipConfig *c)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_open (c, &error);
  g_assert_no_error (error);
  BlipStrategy *s = blip_strategy_new (c->approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (c, e, s, &error);
  g_assert_no_error (error);
  return tr;
}

static char *
ck_path (const char *dir, guint64 seq)
{
  g_autofree char *name = blip_checkpoint_name (seq);
  return g_build_filename (dir, name, NULL);
}

static void
test_resume_folder (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *run = g_build_filename (dir, "run", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (run, 0755), ==, 0);
  blip_test_write_fake_mnist (data, "mnist", 400, 200, 17);
  BlipConfig c;
  mnist_config (&c, data);

  BlipTrainer *ref = mnist_trainer (&c);
  run_to_end (ref);
  g_autofree char *expect = blip_results_json (ref);
  blip_trainer_free (ref);

  /* Three checkpoints: after epoch 1, mid-epoch, after task 1. */
  g_autofree char *p1 = ck_path (run, 1), *p2 = ck_path (run, 2), *p3 = ck_path (run, 3);
  BlipTrainer *tr = mnist_trainer (&c);
  step_expect (tr, BLIP_STEP_EPOCH, BLIP_STATUS_READY);
  save (tr, p1);
  step_expect (tr, BLIP_STEP_BATCH, BLIP_STATUS_READY);
  save (tr, p2);
  step_expect (tr, BLIP_STEP_TASK, BLIP_STATUS_READY);
  save (tr, p3);
  run_to_end (tr);
  g_autofree char *original = blip_results_json (tr);
  g_assert_cmpstr (original, ==, expect);
  blip_trainer_free (tr);

  g_autoptr(GPtrArray) list = blip_checkpoint_list (run);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (list, 0), ==, p3);
  g_assert_cmpstr (g_ptr_array_index (list, 1), ==, p2);
  g_assert_cmpstr (g_ptr_array_index (list, 2), ==, p1);

  /* All valid: the newest is taken, nothing skipped. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *skipped = NULL;
    BlipTrainer *r = blip_trainer_resume (run, data, &skipped, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
    g_assert_null (skipped);
    g_assert_cmpint (blip_trainer_get_tasks_done (r), ==, 1);
    g_assert_cmpstr (blip_trainer_get_config (r)->data_dir, ==, data);
    run_to_end (r);
    g_autofree char *got = blip_results_json (r);
    g_assert_cmpstr (got, ==, expect);
    blip_trainer_free (r);
  }

  /* The newest truncated: skipped, naming it; the mid-epoch one loads. */
  {
    g_autoptr(GBytes) b3 = blip_test_read_file (p3);
    g_autoptr(GError) error = NULL;
    g_file_set_contents (p3, g_bytes_get_data (b3, NULL), g_bytes_get_size (b3) / 2, &error);
    g_assert_no_error (error);
    g_autofree char *skipped = NULL;
    BlipTrainer *r = blip_trainer_resume (run, data, &skipped, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
    g_assert_nonnull (skipped);
    if (strstr (skipped, p3) == NULL)
      g_error ("skipped “%s” does not name %s", skipped, p3);
    g_assert_null (strstr (skipped, p2));
    g_assert_cmpint (blip_trainer_get_tasks_done (r), ==, 0);
    run_to_end (r);
    g_autofree char *got = blip_results_json (r);
    g_assert_cmpstr (got, ==, expect);
    blip_trainer_free (r);
  }

  /* The next one of another format version: the oldest loads. */
  {
    g_autoptr(GBytes) b2 = blip_test_read_file (p2);
    g_autoptr(GBytes) v2 = set_metadata (b2, "format_version", "99");
    g_autoptr(GError) error = NULL;
    g_file_set_contents (p2, g_bytes_get_data (v2, NULL), g_bytes_get_size (v2), &error);
    g_assert_no_error (error);
    g_autofree char *skipped = NULL;
    BlipTrainer *r = blip_trainer_resume (run, data, &skipped, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
    g_assert_nonnull (strstr (skipped, p3));
    g_assert_nonnull (strstr (skipped, p2));
    g_assert_nonnull (strstr (skipped, "version 99"));
    run_to_end (r);
    g_autofree char *got = blip_results_json (r);
    g_assert_cmpstr (got, ==, expect);
    blip_trainer_free (r);

    /* blip_trainer_new_from_checkpoint on that file alone names it too. */
    BlipTrainer *n = blip_trainer_new_from_checkpoint (p2, data, &error);
    g_assert_null (n);
    g_assert_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_VERSION);
    g_assert_nonnull (strstr (error->message, p2));
  }

  /* A missing data set is not the checkpoints' fault: reported as such, at once. */
  {
    g_autofree char *nodata = g_build_filename (dir, "no-data", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *skipped = NULL;
    BlipTrainer *r = blip_trainer_resume (run, nodata, &skipped, &error);
    g_assert_null (r);
    g_assert_nonnull (error);
    g_assert_true (error->domain != BLIP_CHECKPOINT_ERROR);
    g_assert_true (error->domain != BLIP_SAFETENSORS_ERROR);
  }

  /* No valid checkpoint left. */
  {
    g_autoptr(GError) error = NULL;
    g_file_set_contents (p1, "garbage", 7, &error);
    g_assert_no_error (error);
    g_autofree char *skipped = NULL;
    BlipTrainer *r = blip_trainer_resume (run, data, &skipped, &error);
    g_assert_null (r);
    g_assert_null (skipped);
    g_assert_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_NONE);
    g_assert_nonnull (strstr (error->message, run));
    g_assert_nonnull (strstr (error->message, p1));
    g_assert_nonnull (strstr (error->message, p2));
    g_assert_nonnull (strstr (error->message, p3));
  }

  /* An empty folder, and no folder at all. */
  {
    g_autofree char *empty = g_build_filename (dir, "empty", NULL);
    g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
    g_autoptr(GError) error = NULL;
    BlipTrainer *r = blip_trainer_resume (empty, data, NULL, &error);
    g_assert_null (r);
    g_assert_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_NONE);
    g_assert_nonnull (strstr (error->message, empty));
    g_clear_error (&error);
    g_autofree char *absent = g_build_filename (dir, "absent", NULL);
    r = blip_trainer_resume (absent, data, NULL, &error);
    g_assert_null (r);
    g_assert_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_NONE);
  }

  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

/* ---- ResNet-18: batchnorm running statistics ------------------------------------ */

/* The synthetic experiment's 64 inputs as 1×8×8 images, ResNet-18 of width
 * round(20 · 0.1) = 2. */
static void
make_resnet_config (BlipConfig *c)
{
  make_config (c, &config_cases[0], NDIM);
  g_free (c->arch);
  c->arch = g_strdup ("resnet18");
  c->mul = 0.1;
}

static BlipTrainer *
make_resnet_trainer (const BlipConfig *c)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_new_synthetic (SYN_TASKS, 2, SYN_DIM, SYN_TRAIN, SYN_TEST, SYN_SEED);
  e->channels = 1;
  e->height = e->width = 8;
  BlipStrategy *s = blip_strategy_new (c->approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (c, e, s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tr);
  return tr;
}

static BlipTrainer *
load_resnet (const BlipConfig *c, const char *path, GError **error)
{
  BlipTrainer *tr = make_resnet_trainer (c);
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, error);
  if (f == NULL || !blip_trainer_load_checkpoint (tr, f, error))
    g_clear_pointer (&tr, blip_trainer_free);
  return tr;
}

static void
test_resnet18 (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "cut.safetensors", NULL);
  g_autofree char *path2 = g_build_filename (dir, "again.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  BlipConfig c;
  make_resnet_config (&c);

  BlipTrainer *ref = make_resnet_trainer (&c);
  run_to_end (ref);
  g_autofree char *expect = blip_results_json (ref);
  blip_trainer_free (ref);

  for (int cut = 0; cut < 2; cut++)
    {
      BlipTrainer *a = make_resnet_trainer (&c);
      BlipNetwork *na = blip_trainer_get_network (a);
      g_assert_cmpint (na->n_layers, ==, 20);
      g_assert_cmpuint (na->n_buffers, >, 0);
      if (cut == 0)
        apply_cut (a, CUT_BATCHES);
      else
        apply_cut (a, CUT_TASK_BATCHES);
      /* Training moved the running statistics off their start (0 and 1). */
      int moved = 0;
      for (gsize i = 0; i < na->n_buffers; i++)
        moved += na->buffers[i] != 0.0f && na->buffers[i] != 1.0f;
      g_assert_cmpint (moved, >, (int) na->n_buffers / 2);
      save (a, path);

      g_autoptr(GError) error = NULL;
      BlipTrainer *b = load_resnet (&c, path, &error);
      g_assert_no_error (error);
      BlipNetwork *nb = blip_trainer_get_network (b);
      g_assert_cmpmem (na->buffers, sizeof (float) * na->n_buffers, nb->buffers, sizeof (float) * nb->n_buffers);
      assert_same_state (a, b);
      /* train.best_buffers too: the restored trainer saves the same bytes. */
      save (b, path2);
      g_autoptr(GBytes) bytes1 = blip_test_read_file (path);
      g_autoptr(GBytes) bytes2 = blip_test_read_file (path2);
      g_assert_true (g_bytes_equal (bytes1, bytes2));

      if (cut == 0)
        {
          /* The names: bnK.running_mean/var [C]; convs without bias tensors. */
          g_autoptr(BlipJson) h = header_json (bytes1);
          const gint64 c2[1] = { 2 }, c16[1] = { 16 }, w1[4] = { 2, 1, 3, 3 };
          const gint64 nbuf[1] = { (gint64) na->n_buffers };
          expect_tensor (h, "bn1.running_mean", "F32", 1, c2);
          expect_tensor (h, "bn1.running_var", "F32", 1, c2);
          expect_tensor (h, "bn20.running_var", "F32", 1, c16);
          expect_tensor (h, "conv1.weight", "F32", 4, w1);
          expect_tensor (h, "conv1.weight.bits", "U8", 4, w1);
          expect_tensor (h, "train.best_buffers", "F32", 1, nbuf);
          g_assert_null (blip_json_get (h, "conv1.bias"));
          g_assert_null (blip_json_get (h, "conv1.bias.bits"));

          /* A negative variance, or a NaN mean, is refused. */
          gsize size = g_bytes_get_size (bytes1);
          g_autofree guint8 *buf = g_memdup2 (g_bytes_get_data (bytes1, NULL), size);
          float v = -0.5f;
          memcpy (buf + element_offset (bytes1, "bn3.running_var", 1, 4), &v, 4);
          g_file_set_contents (bad, (const char *) buf, size, &error);
          g_assert_no_error (error);
          g_assert_null (load_resnet (&c, bad, &error));
          g_assert_error (error, BLIP_CHECKPOINT_ERROR, BLIP_CHECKPOINT_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "bn3.running_var"));
          g_clear_error (&error);
          memcpy (buf, g_bytes_get_data (bytes1, NULL), size);
          v = NAN;
          memcpy (buf + element_offset (bytes1, "bn7.running_mean", 0, 4), &v, 4);
          g_file_set_contents (bad, (const char *) buf, size, &error);
          g_assert_no_error (error);
          g_assert_null (load_resnet (&c, bad, &error));
          g_assert_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_NOT_FINITE);
          g_clear_error (&error);
        }

      run_to_end (a);
      run_to_end (b);
      g_autofree char *ja = blip_results_json (a);
      g_autofree char *jb = blip_results_json (b);
      g_assert_cmpstr (ja, ==, expect);
      g_assert_cmpstr (jb, ==, expect);
      assert_same_state (a, b);
      g_assert_cmpmem (na->buffers, sizeof (float) * na->n_buffers, nb->buffers, sizeof (float) * nb->n_buffers);
      blip_trainer_free (a);
      blip_trainer_free (b);
    }
  blip_config_clear (&c);
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gsize k = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (config_cases); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (cut_cases); j++, k++)
      {
        resume_cases[k].config = &config_cases[i];
        resume_cases[k].cut = &cut_cases[j];
        g_autofree char *name = g_strdup_printf ("/checkpoint/resume/%s/%s", config_cases[i].name,
                                                 cut_cases[j].name);
        g_test_add_data_func (name, &resume_cases[k], test_resume);
      }
  g_test_add_func ("/checkpoint/resume/twice", test_resume_twice);
  g_test_add_func ("/checkpoint/file", test_file_layout);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/checkpoint/bad/%s", bad_cases[i].name);
      g_test_add_data_func (name, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/checkpoint/list", test_list);
  g_test_add_func ("/checkpoint/resume-folder", test_resume_folder);
  g_test_add_func ("/checkpoint/resnet18", test_resnet18);
  int rc = g_test_run ();
  for (gsize i = 0; i < G_N_ELEMENTS (reference); i++)
    g_free (reference[i]);
  return rc;
}
