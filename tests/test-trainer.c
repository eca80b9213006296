/* test-trainer.c — the steppable training loop (blip-trainer.h) on the
 * in-memory synthetic experiment, so it always runs:
 *   determinism   same config and seed → bit-identical accuracy matrices and
 *                 results JSON; another seed → other numbers
 *   stepping      BATCH steps, and mixes of BATCH/EPOCH/TASK steps, end in
 *                 exactly the results of one RUN step, in the expected number
 *                 of steps
 *   observers     events arrive in a valid order with the right counts, for
 *                 every approach; snapshots carry F_t and IG only during
 *                 FISHER_READY, their bits are the network's, and the IG they
 *                 show predicts the bits BITS_UPDATED adds
 *   pause/cancel  a pause from an observer (or before a step) stops with
 *                 PAUSED and the run goes on to the uninterrupted result;
 *                 cancel gives CANCELLED and BLIP_TRAINER_ERROR_CANCELLED
 *   learning      every approach learns the synthetic tasks far above chance
 *   lr schedule   the history's lr values replayed against the documented
 *                 patience rule, on runs built to decay and to stop early
 *   NaN           a legitimate config (lr 10, weight decay 0.5) that makes the
 *                 weights overflow: the task stops, is flagged, and the best
 *                 model is kept
 *   metrics       results JSON carries ACC, BWT_paper and BWT_code as
 *                 blip_metrics_compute gives them; that function against a
 *                 hand-computed 3×3 matrix. */
#include "blip.h"

#include <math.h>
#include <string.h>

/* The synthetic data: T tasks of 2 classes over 64 inputs. */
#define SYN_TASKS  3
#define SYN_DIM    64
#define SYN_TRAIN  200
#define SYN_TEST   100
#define SYN_SEED   5
#define SBATCH     16
#define N_BATCHES  ((SYN_TRAIN + SBATCH - 1) / SBATCH)   /* 13, the last one short */
#define NEPOCHS    3

static void
small_config (BlipConfig *c, const char *approach, guint64 seed)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup ("synthetic");
  g_free (c->approach);
  c->approach = g_strdup (approach);
  c->seed = seed;
  c->lr = 0.1;
  c->sbatch = SBATCH;
  c->nepochs = NEPOCHS;
  c->ndim = 32;
  c->fisher_batches = 2;
  c->fisher_sbatch = 50;
}

static BlipTrainer *
make_trainer_full (const BlipConfig *c, int n_tasks, int ncla)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_new_synthetic (n_tasks, ncla, SYN_DIM, SYN_TRAIN, SYN_TEST, SYN_SEED);
  BlipStrategy *s = blip_strategy_new (c->approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (c, e, s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tr);
  return tr;
}

static BlipTrainer *
make_trainer (const BlipConfig *c)
{
  return make_trainer_full (c, SYN_TASKS, 2);
}

static void
run_to_end (BlipTrainer *tr)
{
  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st, ==, BLIP_STATUS_FINISHED);
}

/* Results JSON of a complete run of config c. */
static char *
reference_json (const BlipConfig *c)
{
  BlipTrainer *tr = make_trainer (c);
  run_to_end (tr);
  char *json = blip_results_json (tr);
  blip_trainer_free (tr);
  return json;
}

/* The number after "key": in a results JSON. */
static double
json_number (const char *json, const char *key)
{
  g_autofree char *pattern = g_strdup_printf ("\"%s\": ", key);
  const char *p = strstr (json, pattern);
  if (p == NULL)
    g_error ("key %s missing from the results JSON", key);
  p += strlen (pattern);
  if (g_str_has_prefix (p, "null"))
    return NAN;
  char *end = NULL;
  double v = g_ascii_strtod (p, &end);
  g_assert_true (end != p);
  return v;
}

/* ---- (a) determinism ------------------------------------------------------ */

static const char * const approaches[] = { "blip", "sgd", "sgd-frozen", "ewc" };

static void
test_determinism (gconstpointer data)
{
  const char *approach = data;
  BlipConfig c;
  small_config (&c, approach, 3);
  BlipTrainer *a = make_trainer (&c);
  BlipTrainer *b = make_trainer (&c);
  run_to_end (a);
  run_to_end (b);
  gsize nn = sizeof (double) * SYN_TASKS * SYN_TASKS;
  g_assert_cmpmem (blip_trainer_get_acc_matrix (a), nn, blip_trainer_get_acc_matrix (b), nn);
  g_assert_cmpmem (blip_trainer_get_loss_matrix (a), nn, blip_trainer_get_loss_matrix (b), nn);
  BlipNetwork *na = blip_trainer_get_network (a), *nb = blip_trainer_get_network (b);
  g_assert_cmpmem (na->params, sizeof (float) * na->n_params, nb->params, sizeof (float) * nb->n_params);
  g_autofree char *ja = blip_results_json (a);
  g_autofree char *jb = blip_results_json (b);
  g_assert_cmpstr (ja, ==, jb);

  /* Another seed: other initial weights and batch orders, so other losses. */
  BlipConfig c2;
  small_config (&c2, approach, 4);
  BlipTrainer *d = make_trainer (&c2);
  run_to_end (d);
  guint nh_a, nh_d;
  const BlipEpochRecord *ha = blip_trainer_get_history (a, &nh_a);
  const BlipEpochRecord *hd = blip_trainer_get_history (d, &nh_d);
  g_assert_cmpuint (nh_a, ==, nh_d);
  int differ = 0;
  for (guint i = 0; i < nh_a; i++)
    differ += ha[i].train_loss != hd[i].train_loss;
  g_assert_cmpint (differ, ==, (int) nh_a);
  BlipNetwork *nd = blip_trainer_get_network (d);
  g_assert_true (memcmp (na->params, nd->params, sizeof (float) * na->n_params) != 0);

  blip_trainer_free (a);
  blip_trainer_free (b);
  blip_trainer_free (d);
  blip_config_clear (&c);
  blip_config_clear (&c2);
}

/* ---- (b) stepping ------------------------------------------------------------ */

typedef struct {
  const char   *name;
  const char   *approach;
  BlipStepUnit  pattern[6];
  int           n_pattern;
} StepCase;

static const StepCase step_cases[] = {
  { "batch/blip", "blip", { BLIP_STEP_BATCH }, 1 },
  { "batch/ewc", "ewc", { BLIP_STEP_BATCH }, 1 },
  { "epoch/blip", "blip", { BLIP_STEP_EPOCH }, 1 },
  { "task/blip", "blip", { BLIP_STEP_TASK }, 1 },
  { "mixed/blip", "blip", { BLIP_STEP_BATCH, BLIP_STEP_EPOCH, BLIP_STEP_BATCH, BLIP_STEP_BATCH, BLIP_STEP_TASK }, 5 },
  { "mixed/sgd-frozen", "sgd-frozen", { BLIP_STEP_EPOCH, BLIP_STEP_BATCH, BLIP_STEP_TASK, BLIP_STEP_BATCH }, 4 },
};

static void
test_stepping (gconstpointer data)
{
  const StepCase *sc = data;
  BlipConfig c;
  small_config (&c, sc->approach, 9);
  g_autofree char *expect = reference_json (&c);

  BlipTrainer *tr = make_trainer (&c);
  int steps = 0, ready = 0;
  BlipStatus st;
  do
    {
      g_autoptr(GError) error = NULL;
      st = blip_trainer_step (tr, sc->pattern[steps % sc->n_pattern], &error);
      g_assert_no_error (error);
      g_assert_true (st == BLIP_STATUS_READY || st == BLIP_STATUS_FINISHED);
      ready += st == BLIP_STATUS_READY;
      steps++;
      g_assert_cmpint (steps, <, 10000);
    }
  while (st != BLIP_STATUS_FINISHED);
  g_assert_cmpint (ready, ==, steps - 1);

  /* A step after the end changes nothing. */
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_BATCH, NULL), ==, BLIP_STATUS_FINISHED);

  g_autofree char *got = blip_results_json (tr);
  g_assert_cmpstr (got, ==, expect);

  /* Uniform patterns take exactly one step per unit. */
  if (sc->n_pattern == 1)
    {
      int expect_steps = sc->pattern[0] == BLIP_STEP_BATCH ? SYN_TASKS * NEPOCHS * N_BATCHES
                       : sc->pattern[0] == BLIP_STEP_EPOCH ? SYN_TASKS * NEPOCHS
                       : SYN_TASKS;
      g_assert_cmpint (steps, ==, expect_steps);
    }
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- (c) observers and snapshots -------------------------------------------- */

typedef struct {
  BlipEventType type;
  int           task, epoch, batch, n_batches;
  guint64       bits_added;
} Seen;

typedef struct {
  GArray       *events;          /* Seen */
  int           n_messages;
  gboolean      quantized;
  BlipSnapshot *before_bits;     /* snapshot taken in FISHER_READY */
  int           fisher_snapshots;
  int           batch_snapshots;
  int           bits_checked;
  guint64       bits_added_total;
  double        capacity[SYN_TASKS];   /* of layer 0, seen at each TASK_END */
} Recorder;

static void
assert_bits_match_network (BlipTrainer *tr, const BlipSnapshot *s)
{
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpint (s->n_layers, ==, net->n_layers);
  for (int i = 0; i < s->n_layers; i++)
    {
      const BlipQuantState *q = net->layers[i].quant;
      g_assert_nonnull (q);
      g_assert_nonnull (s->layers[i].bits);
      g_assert_cmpuint (s->layers[i].n, ==, q->n);
      g_assert_cmpmem (s->layers[i].bits, q->n, q->bits, q->n);
      g_assert_cmpmem (s->layers[i].values, q->n * sizeof (float), net->layers[i].weight, q->n * sizeof (float));
    }
}

static void
record_event (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  Recorder *r = user_data;
  if (ev->type == BLIP_EVENT_MESSAGE)
    {
      r->n_messages++;
      return;
    }
  Seen s = { ev->type, ev->task, ev->epoch, ev->batch, ev->n_batches, ev->bits_added };
  g_array_append_val (r->events, s);

  switch (ev->type)
    {
    case BLIP_EVENT_BATCH_END:
      /* One snapshot per epoch: no Fisher outside FISHER_READY. */
      if (ev->batch == 0)
        {
          g_autoptr(BlipSnapshot) snap = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
          g_assert_cmpint (snap->task, ==, ev->task);
          for (int i = 0; i < snap->n_layers; i++)
            {
              g_assert_null (snap->layers[i].fisher_task);
              g_assert_null (snap->layers[i].info_gain);
              g_assert_nonnull (snap->layers[i].values);
              g_assert_true (snap->layers[i].quantized == r->quantized);
            }
          g_assert_null (blip_trainer_get_fisher_task (tr));
          if (r->quantized)
            assert_bits_match_network (tr, snap);
          r->batch_snapshots++;
        }
      break;
    case BLIP_EVENT_FISHER_READY:
      {
        g_assert_nonnull (blip_trainer_get_fisher_task (tr));
        BlipSnapshot *snap = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
        g_assert_cmpint (snap->task, ==, ev->task);
        for (int i = 0; i < snap->n_layers; i++)
          {
            const BlipLayerSnapshot *ls = &snap->layers[i];
            g_assert_nonnull (ls->fisher_task);
            g_assert_nonnull (ls->info_gain);
            /* A Fisher is a mean of squares: non-negative, and not all zero. */
            double sum = 0.0;
            for (gsize k = 0; k < ls->n; k++)
              {
                g_assert_cmpfloat (ls->fisher_task[k], >=, 0.0f);
                sum += ls->fisher_task[k];
              }
            g_assert_cmpfloat (sum, >, 0.0);
          }
        assert_bits_match_network (tr, snap);
        g_clear_pointer (&r->before_bits, blip_snapshot_free);
        r->before_bits = snap;
        r->fisher_snapshots++;

        /* Flags select what is copied. */
        g_autoptr(BlipSnapshot) values_only = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_VALUES);
        for (int i = 0; i < values_only->n_layers; i++)
          {
            g_assert_nonnull (values_only->layers[i].values);
            g_assert_null (values_only->layers[i].bits);
            g_assert_null (values_only->layers[i].anchor);
            g_assert_null (values_only->layers[i].fisher_task);
            g_assert_null (values_only->layers[i].info_gain);
          }
        g_autoptr(BlipSnapshot) fisher_only = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_FISHER);
        for (int i = 0; i < fisher_only->n_layers; i++)
          {
            g_assert_null (fisher_only->layers[i].values);
            g_assert_nonnull (fisher_only->layers[i].fisher_task);
            g_assert_cmpmem (fisher_only->layers[i].fisher_task, sizeof (float) * snap->layers[i].n,
                             snap->layers[i].fisher_task, sizeof (float) * snap->layers[i].n);
          }
      }
      break;
    case BLIP_EVENT_BITS_UPDATED:
      {
        g_autoptr(BlipSnapshot) snap = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
        assert_bits_match_network (tr, snap);
        g_assert_nonnull (r->before_bits);
        /* The IG shown at FISHER_READY predicts, parameter by parameter, the
         * bits that were then added; their sum is the event's bits_added. */
        guint64 added = 0;
        for (int i = 0; i < snap->n_layers; i++)
          {
            const BlipLayerSnapshot *before = &r->before_bits->layers[i], *after = &snap->layers[i];
            for (gsize k = 0; k < after->n; k++)
              {
                g_assert_cmpuint (after->bits[k], >=, before->bits[k]);
                g_assert_cmpuint (after->bits[k], <=, (guint) after->max_bit);
                int grow = after->bits[k] - before->bits[k];
                g_assert_cmpint (grow, ==, blip_quant_bits_to_add (before->info_gain[k], before->bits[k],
                                                                    before->max_bit));
                added += grow;
              }
          }
        g_assert_cmpuint (added, ==, ev->bits_added);
        r->bits_added_total += added;
        r->bits_checked++;
        g_clear_pointer (&r->before_bits, blip_snapshot_free);
      }
      break;
    case BLIP_EVENT_TASK_END:
      {
        g_autoptr(BlipSnapshot) snap = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
        /* Row `task` of the accuracy matrix is filled up to the diagonal, the rest not. */
        for (int j = 0; j < snap->n_tasks; j++)
          {
            double a = snap->acc[ev->task * snap->n_tasks + j];
            if (j <= ev->task)
              g_assert_true (a >= 0.0 && a <= 1.0);
            else
              g_assert_true (isnan (a));
          }
        g_assert_cmpuint (snap->n_history, >, 0);
        g_assert_cmpint (snap->history[snap->n_history - 1].task, ==, ev->task);
        if (r->quantized)
          {
            assert_bits_match_network (tr, snap);
            r->capacity[ev->task] = snap->layers[0].capacity;
          }
      }
      break;
    default:
      break;
    }
}

/* Index of the next event, after checking it has the given type and task. */
static guint
expect_event (GArray *events, guint i, BlipEventType type, int task)
{
  if (i >= events->len)
    g_error ("event %u: expected type %d of task %d, but the events ended", i, type, task);
  const Seen *s = &g_array_index (events, Seen, i);
  if (s->type != type || (task >= 0 && s->task != task))
    g_error ("event %u: expected type %d of task %d, got type %d of task %d", i, type, task, s->type, s->task);
  return i + 1;
}

static void
test_observer_order (gconstpointer data)
{
  const char *approach = data;
  BlipConfig c;
  small_config (&c, approach, 1);
  BlipTrainer *tr = make_trainer (&c);
  Recorder r = { g_array_new (FALSE, TRUE, sizeof (Seen)), 0, strcmp (approach, "blip") == 0,
                 NULL, 0, 0, 0, 0, { 0 } };
  blip_trainer_add_observer (tr, record_event, &r, NULL);
  run_to_end (tr);

  gboolean blip = strcmp (approach, "blip") == 0;
  GArray *ev = r.events;
  guint i = expect_event (ev, 0, BLIP_EVENT_RUN_START, -1);
  int batch_ends = 0;
  for (int t = 0; t < SYN_TASKS; t++)
    {
      i = expect_event (ev, i, BLIP_EVENT_TASK_START, t);
      for (int e = 0; e < NEPOCHS; e++)
        {
          for (int b = 0; b < N_BATCHES; b++)
            {
              i = expect_event (ev, i, BLIP_EVENT_BATCH_END, t);
              const Seen *s = &g_array_index (ev, Seen, i - 1);
              g_assert_cmpint (s->epoch, ==, e);
              g_assert_cmpint (s->batch, ==, b);
              g_assert_cmpint (s->n_batches, ==, N_BATCHES);
              batch_ends++;
            }
          i = expect_event (ev, i, BLIP_EVENT_EPOCH_END, t);
          g_assert_cmpint (g_array_index (ev, Seen, i - 1).epoch, ==, e);
        }
      if (blip)
        {
          i = expect_event (ev, i, BLIP_EVENT_FISHER_READY, t);
          i = expect_event (ev, i, BLIP_EVENT_BITS_UPDATED, t);
        }
      i = expect_event (ev, i, BLIP_EVENT_TASK_END, t);
    }
  i = expect_event (ev, i, BLIP_EVENT_RUN_END, -1);
  g_assert_cmpuint (i, ==, ev->len);
  g_assert_cmpint (batch_ends, ==, SYN_TASKS * NEPOCHS * N_BATCHES);
  g_assert_cmpint (r.n_messages, ==, 0);
  g_assert_cmpint (r.batch_snapshots, ==, SYN_TASKS * NEPOCHS);
  g_assert_cmpint (r.fisher_snapshots, ==, blip ? SYN_TASKS : 0);
  g_assert_cmpint (r.bits_checked, ==, blip ? SYN_TASKS : 0);
  if (blip)
    {
      /* Bits were frozen, and they are what the capacity reports. */
      g_assert_cmpuint (r.bits_added_total, >, 0);
      guint64 used, total;
      blip_network_capacity (blip_trainer_get_network (tr), &used, &total);
      g_assert_cmpuint (used, ==, r.bits_added_total);
      g_assert_cmpfloat (blip_trainer_used_capacity (tr), ==, (double) used / total);
      /* The per-task capacity kept by the trainer is what a snapshot showed then,
       * and grows (bits are only ever added). */
      for (int t = 0; t < SYN_TASKS; t++)
        {
          g_assert_cmpfloat (blip_trainer_get_capacity (tr, t, 0), ==, r.capacity[t]);
          if (t > 0)
            g_assert_cmpfloat (r.capacity[t], >=, r.capacity[t - 1]);
        }
      g_assert_cmpfloat (r.capacity[SYN_TASKS - 1], >, 0.0);
    }
  else
    g_assert_true (isnan (blip_trainer_get_capacity (tr, 0, 0)));
  /* Consolidation time is measured for methods that consolidate. */
  gboolean consolidates = blip || strcmp (approach, "ewc") == 0;
  for (int t = 0; t < SYN_TASKS; t++)
    {
      double sec = blip_trainer_get_fisher_seconds (tr, t);
      if (consolidates)
        g_assert_true (sec >= 0.0);
      else
        g_assert_true (isnan (sec));
    }
  /* The strategy's memory is recorded after each task and, for these
   * methods, does not grow: BLIP keeps a bit count (1 byte), an anchor and a
   * Fisher (4 bytes each) per quantized parameter, EWC a Fisher and an anchor
   * per feature parameter, fine-tuning nothing. */
  BlipNetwork *net = blip_trainer_get_network (tr);
  gsize quantized = 0;
  for (int l = 0; l < net->n_layers; l++)
    quantized += net->layers[l].quant ? net->layers[l].quant->n : 0;
  gint64 expect_memory = blip ? (gint64) quantized * 9
                       : strcmp (approach, "ewc") == 0 ? (gint64) net->n_feature_params * 8 : 0;
  for (int t = 0; t < SYN_TASKS; t++)
    g_assert_cmpint (blip_trainer_get_memory_bytes (tr, t), ==, expect_memory);
  g_assert_cmpint (expect_memory, ==, (gint64) blip_strategy_memory_bytes (blip_trainer_get_strategy (tr)));
  g_assert_null (r.before_bits);
  g_array_free (r.events, TRUE);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static int destroy_calls;

static void
count_destroy (gpointer data)
{
  destroy_calls++;
}

static void
count_events (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  (*(int *) user_data)++;
}

static void
test_observer_remove (void)
{
  BlipConfig c;
  small_config (&c, "sgd", 1);
  c.nepochs = 1;
  BlipTrainer *tr = make_trainer (&c);
  int kept = 0, removed = 0;
  destroy_calls = 0;
  blip_trainer_add_observer (tr, count_events, &kept, count_destroy);
  guint id = blip_trainer_add_observer (tr, count_events, &removed, count_destroy);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_BATCH, NULL), ==, BLIP_STATUS_READY);
  int removed_before = removed;
  g_assert_cmpint (removed_before, >, 0);
  blip_trainer_remove_observer (tr, id);
  g_assert_cmpint (destroy_calls, ==, 1);
  run_to_end (tr);
  g_assert_cmpint (removed, ==, removed_before);
  g_assert_cmpint (kept, >, removed);
  blip_trainer_free (tr);
  g_assert_cmpint (destroy_calls, ==, 2);
  blip_config_clear (&c);
}

/* An observer that removes itself from inside its callback (a one-shot
 * observer) must not make the observer after it miss that event. */
typedef struct {
  guint id;
  int   calls;
} OneShot;

static void
one_shot (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  OneShot *o = user_data;
  if (ev->type != BLIP_EVENT_BATCH_END)
    return;
  o->calls++;
  blip_trainer_remove_observer (tr, o->id);
}

static void
count_batch_ends (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  if (ev->type == BLIP_EVENT_BATCH_END)
    (*(int *) user_data)++;
}

static void
test_observer_remove_in_callback (void)
{
  BlipConfig c;
  small_config (&c, "sgd", 1);
  c.nepochs = 1;
  BlipTrainer *tr = make_trainer (&c);
  OneShot o = { 0, 0 };
  int counted = 0;
  o.id = blip_trainer_add_observer (tr, one_shot, &o, NULL);
  blip_trainer_add_observer (tr, count_batch_ends, &counted, NULL);
  run_to_end (tr);
  g_assert_cmpint (o.calls, ==, 1);
  g_assert_cmpint (counted, ==, SYN_TASKS * N_BATCHES);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_new_invalid_config (void)
{
  /* blip_trainer_new validates the config, and frees the experiment and
   * strategy it was given even when it fails. */
  BlipConfig c;
  small_config (&c, "blip", 1);
  c.F_prior = 0.0;
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_new_synthetic (2, 2, 8, 10, 10, 1);
  BlipStrategy *s = blip_strategy_new ("blip", NULL);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_null (tr);
  g_assert_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "--F-prior"));
  blip_config_clear (&c);
}

/* The comparison methods' settings: each out-of-range value is refused by
 * validation, naming its flag; the defaults pass. */
typedef struct {
  const char *flag;
  gsize       offset;
  double      value;
} BadSetting;

static const BadSetting bad_settings[] = {
  { "--lwf-lambda", G_STRUCT_OFFSET (BlipConfig, lwf_lambda), -0.5 },
  { "--lwf-lambda", G_STRUCT_OFFSET (BlipConfig, lwf_lambda), INFINITY },
  { "--lwf-temperature", G_STRUCT_OFFSET (BlipConfig, lwf_temperature), 0.0 },
  { "--lwf-temperature", G_STRUCT_OFFSET (BlipConfig, lwf_temperature), NAN },
  { "--imm-lambda", G_STRUCT_OFFSET (BlipConfig, imm_lambda), -1e-3 },
  { "--hat-smax", G_STRUCT_OFFSET (BlipConfig, hat_smax), 0.5 },
  { "--hat-smax", G_STRUCT_OFFSET (BlipConfig, hat_smax), NAN },
  { "--hat-c", G_STRUCT_OFFSET (BlipConfig, hat_c), -1.0 },
};

static void
test_bad_setting (gconstpointer data)
{
  const BadSetting *b = data;
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_validate (&c, &error));
  G_STRUCT_MEMBER (double, &c, b->offset) = b->value;
  g_assert_false (blip_config_validate (&c, &error));
  g_assert_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, b->flag));
  blip_config_clear (&c);
}

/* ---- (d) pause and cancel ----------------------------------------------------- */

typedef struct {
  const char   *name;
  BlipEventType on;
  int           task, epoch, batch;   /* where the observer acts (batch/epoch ignored unless BATCH_END) */
} PauseCase;

static const PauseCase pause_cases[] = {
  { "first-batch", BLIP_EVENT_BATCH_END, 0, 0, 0 },
  { "mid-epoch", BLIP_EVENT_BATCH_END, 1, 1, 5 },
  { "last-batch-of-task", BLIP_EVENT_BATCH_END, 1, NEPOCHS - 1, N_BATCHES - 1 },
  { "fisher-ready", BLIP_EVENT_FISHER_READY, 0, -1, -1 },
  { "last-task-end", BLIP_EVENT_TASK_END, SYN_TASKS - 1, -1, -1 },
};

typedef struct {
  const PauseCase *pc;
  gboolean         cancel;
  int              fired;
} Trigger;

static void
trigger_observer (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  Trigger *t = user_data;
  const PauseCase *pc = t->pc;
  if (ev->type != pc->on || ev->task != pc->task)
    return;
  if (pc->on == BLIP_EVENT_BATCH_END && (ev->epoch != pc->epoch || ev->batch != pc->batch))
    return;
  t->fired++;
  if (t->cancel)
    blip_trainer_cancel (tr);
  else
    blip_trainer_request_pause (tr);
}

static void
test_pause (gconstpointer data)
{
  const PauseCase *pc = data;
  BlipConfig c;
  small_config (&c, "blip", 2);
  g_autofree char *expect = reference_json (&c);

  BlipTrainer *tr = make_trainer (&c);
  Trigger trig = { pc, FALSE, 0 };
  blip_trainer_add_observer (tr, trigger_observer, &trig, NULL);
  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trig.fired, ==, 1);
  if (pc->on == BLIP_EVENT_TASK_END && pc->task == SYN_TASKS - 1)
    {
      /* No batch is left to pause before: the run simply finishes. */
      g_assert_cmpint (st, ==, BLIP_STATUS_FINISHED);
    }
  else
    {
      g_assert_cmpint (st, ==, BLIP_STATUS_PAUSED);
      /* Paused where asked: a batch ending a task pauses before the next task's first batch. */
      int expect_task = pc->on == BLIP_EVENT_FISHER_READY ? pc->task + 1
                      : (pc->epoch == NEPOCHS - 1 && pc->batch == N_BATCHES - 1) ? pc->task + 1
                      : pc->task;
      g_assert_cmpint (blip_trainer_get_task (tr), ==, expect_task);
      /* The row of the task in progress is not filled yet. */
      const double *acc = blip_trainer_get_acc_matrix (tr);
      g_assert_true (isnan (acc[expect_task * SYN_TASKS + expect_task]));
      st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
      g_assert_no_error (error);
      g_assert_cmpint (st, ==, BLIP_STATUS_FINISHED);
    }
  g_autofree char *got = blip_results_json (tr);
  g_assert_cmpstr (got, ==, expect);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_pause_before_step (void)
{
  BlipConfig c;
  small_config (&c, "sgd", 2);
  g_autofree char *expect = reference_json (&c);
  BlipTrainer *tr = make_trainer (&c);
  int events = 0;
  blip_trainer_add_observer (tr, count_events, &events, NULL);
  blip_trainer_request_pause (tr);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, NULL), ==, BLIP_STATUS_PAUSED);
  /* Only RUN_START and TASK_START: no batch was trained. */
  g_assert_cmpint (events, ==, 2);
  guint nh;
  blip_trainer_get_history (tr, &nh);
  g_assert_cmpuint (nh, ==, 0);
  /* The request was consumed: the next step runs to the end. */
  run_to_end (tr);
  g_autofree char *got = blip_results_json (tr);
  g_assert_cmpstr (got, ==, expect);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

static void
test_cancel (void)
{
  BlipConfig c;
  small_config (&c, "blip", 2);
  BlipTrainer *tr = make_trainer (&c);
  static const PauseCase where = { "cancel", BLIP_EVENT_BATCH_END, 1, 0, 3 };
  Trigger trig = { &where, TRUE, 0 };
  int batches = 0;
  blip_trainer_add_observer (tr, trigger_observer, &trig, NULL);
  blip_trainer_add_observer (tr, count_events, &batches, NULL);

  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  g_assert_cmpint (st, ==, BLIP_STATUS_CANCELLED);
  g_assert_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_CANCELLED);
  g_assert_cmpint (trig.fired, ==, 1);
  g_assert_cmpint (blip_trainer_get_task (tr), ==, 1);

  /* Cancelled is final: later steps do nothing and say so. */
  int events_before = batches;
  g_clear_error (&error);
  st = blip_trainer_step (tr, BLIP_STEP_BATCH, &error);
  g_assert_cmpint (st, ==, BLIP_STATUS_CANCELLED);
  g_assert_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_CANCELLED);
  g_assert_cmpint (batches, ==, events_before);

  /* The results keep the task that finished. */
  const double *acc = blip_trainer_get_acc_matrix (tr);
  g_assert_false (isnan (acc[0]));
  g_assert_true (isnan (acc[1 * SYN_TASKS + 1]));
  g_autofree char *json = blip_results_json (tr);
  g_assert_cmpfloat (json_number (json, "tasks_completed"), ==, 1.0);
  g_assert_cmpfloat (json_number (json, "ACC"), ==, acc[0]);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* Cancel from another thread while step() runs (the SIGINT path of the CLI). */
typedef struct {
  GMutex       lock;
  GCond        cond;
  gboolean     started;
  BlipTrainer *tr;
} CancelSync;

static void
signal_started (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  CancelSync *cs = user_data;
  if (ev->type != BLIP_EVENT_BATCH_END || ev->batch != 2)
    return;
  g_mutex_lock (&cs->lock);
  cs->started = TRUE;
  g_cond_signal (&cs->cond);
  g_mutex_unlock (&cs->lock);
}

static gpointer
cancel_thread (gpointer data)
{
  CancelSync *cs = data;
  g_mutex_lock (&cs->lock);
  while (!cs->started)
    g_cond_wait (&cs->cond, &cs->lock);
  g_mutex_unlock (&cs->lock);
  blip_trainer_cancel (cs->tr);
  return NULL;
}

static void
test_cancel_from_thread (void)
{
  BlipConfig c;
  small_config (&c, "sgd", 2);
  c.nepochs = 100000;    /* far more work than the cancel needs to arrive */
  c.lr_min = 0.0;
  BlipTrainer *tr = make_trainer (&c);
  CancelSync cs;
  g_mutex_init (&cs.lock);
  g_cond_init (&cs.cond);
  cs.started = FALSE;
  cs.tr = tr;
  blip_trainer_add_observer (tr, signal_started, &cs, NULL);
  GThread *thread = g_thread_new ("cancel", cancel_thread, &cs);
  g_autoptr(GError) error = NULL;
  BlipStatus st = blip_trainer_step (tr, BLIP_STEP_RUN, &error);
  g_thread_join (thread);
  g_assert_cmpint (st, ==, BLIP_STATUS_CANCELLED);
  g_assert_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_CANCELLED);
  g_assert_true (cs.started);
  g_mutex_clear (&cs.lock);
  g_cond_clear (&cs.cond);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* Time spent paused between steps is not training time: not in the elapsed
 * total, and not in the epoch's seconds. */
static void
pause_at_batch_3 (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  if (ev->type == BLIP_EVENT_BATCH_END && ev->task == 0 && ev->epoch == 0 && ev->batch == 3)
    blip_trainer_request_pause (tr);
}

static void
test_pause_not_timed (void)
{
  BlipConfig c;
  small_config (&c, "sgd", 2);
  c.nepochs = 1;
  /* The same run without a pause, timed on this machine, as the yardstick. */
  BlipTrainer *ref = make_trainer (&c);
  run_to_end (ref);
  double ref_elapsed = blip_trainer_get_elapsed (ref);
  double ref_epoch = blip_trainer_get_history (ref, NULL)[0].seconds;
  blip_trainer_free (ref);

  BlipTrainer *tr = make_trainer (&c);
  blip_trainer_add_observer (tr, pause_at_batch_3, NULL, NULL);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, NULL), ==, BLIP_STATUS_PAUSED);
  const double pause_s = 0.5;
  g_usleep ((gulong) (pause_s * G_USEC_PER_SEC));
  run_to_end (tr);
  /* Paused time would add the whole pause; allow half of it for noise. */
  double elapsed = blip_trainer_get_elapsed (tr);
  g_test_message ("elapsed %.4f s with a %.1f s pause (%.4f s without)", elapsed, pause_s, ref_elapsed);
  g_assert_cmpfloat (elapsed, <, ref_elapsed + pause_s / 2);
  guint n;
  const BlipEpochRecord *h = blip_trainer_get_history (tr, &n);
  g_assert_cmpuint (n, ==, SYN_TASKS);
  g_test_message ("seconds of the paused epoch: %.4f (%.4f without a pause)", h[0].seconds, ref_epoch);
  g_assert_cmpfloat (h[0].seconds, <, ref_epoch + pause_s / 2);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- (e) learning ------------------------------------------------------------- */

typedef struct {
  const char *approach;
  int         ncla;
  double      min_diag;     /* accuracy on each task right after training it */
  double      min_final;    /* on every task after the last one; < 0: not checked */
} LearnCase;

static const LearnCase learn_cases[] = {
  { "blip", 2, 0.9, 0.9 },        /* BLIP keeps what it learned */
  { "sgd", 2, 0.9, -1 },
  { "sgd-frozen", 2, 0.9, 0.9 },  /* frozen features, separate heads: nothing to forget */
  { "ewc", 2, 0.9, -1 },
  { "blip", 4, 0.8, 0.8 },        /* chance is 0.25 */
  { "sgd", 4, 0.8, -1 },
};

static void
test_learning (gconstpointer data)
{
  const LearnCase *lc = data;
  BlipConfig c;
  small_config (&c, lc->approach, 6);
  c.nepochs = 4;
  BlipTrainer *tr = make_trainer_full (&c, SYN_TASKS, lc->ncla);
  run_to_end (tr);
  const double *acc = blip_trainer_get_acc_matrix (tr);
  for (int t = 0; t < SYN_TASKS; t++)
    {
      g_test_message ("%s, %d classes: A[%d][%d] = %.3f", lc->approach, lc->ncla, t, t, acc[t * SYN_TASKS + t]);
      g_assert_cmpfloat (acc[t * SYN_TASKS + t], >=, lc->min_diag);
      if (lc->min_final >= 0)
        g_assert_cmpfloat (acc[(SYN_TASKS - 1) * SYN_TASKS + t], >=, lc->min_final);
    }
  /* The training loss fell during each task. */
  guint nh;
  const BlipEpochRecord *h = blip_trainer_get_history (tr, &nh);
  g_assert_cmpuint (nh, ==, SYN_TASKS * 4);
  for (int t = 0; t < SYN_TASKS; t++)
    g_assert_cmpfloat (h[t * 4 + 3].train_loss, <, h[t * 4].train_loss);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- (f) lr schedule and NaN ---------------------------------------------------- */

typedef struct {
  int decays;          /* lr divisions seen */
  int lr_min_stops;    /* tasks stopped because lr < lr_min */
  int epoch_stops;     /* tasks that ran all nepochs */
} ScheduleStats;

/* Replays the documented rule over the history: per task, lr starts at
 * config.lr; an epoch whose validation loss is not below the best so far uses
 * up patience; when patience runs out lr /= factor and either the task stops
 * (lr < lr_min) or patience is reset. The recorded lr of every epoch and the
 * length of every task must match. */
static ScheduleStats
replay_schedule (const BlipConfig *c, const BlipEpochRecord *h, guint n, int n_tasks,
                 const GArray *improved)
{
  g_assert_cmpuint (improved->len, ==, n);
  ScheduleStats st = { 0, 0, 0 };
  guint i = 0;
  for (int t = 0; t < n_tasks; t++)
    {
      double lr = c->lr, best = INFINITY;
      int patience = c->lr_patience;
      gboolean stop = FALSE;
      int e = 0;
      while (!stop)
        {
          g_assert_cmpuint (i, <, n);
          g_assert_cmpint (h[i].task, ==, t);
          g_assert_cmpint (h[i].epoch, ==, e);
          g_assert_cmpfloat (h[i].lr, ==, lr);
          double v = h[i].valid_loss;
          g_assert_false (isnan (v));
          /* EPOCH_END says whether this epoch set a new best. */
          g_assert_true (g_array_index (improved, gboolean, i) == (v < best));
          if (v < best)
            {
              best = v;
              patience = c->lr_patience;
            }
          else if (--patience <= 0)
            {
              lr /= c->lr_factor;
              st.decays++;
              if (lr < c->lr_min)
                {
                  stop = TRUE;
                  st.lr_min_stops++;
                }
              else
                patience = c->lr_patience;
            }
          i++;
          e++;
          if (!stop && e >= c->nepochs)
            {
              stop = TRUE;
              st.epoch_stops++;
            }
        }
    }
  g_assert_cmpuint (i, ==, n);
  return st;
}

typedef struct {
  const char *name;
  double lr, factor, lr_min;
  int    patience, nepochs;
  int    min_decays, min_lr_min_stops;
  int    task0_epochs;     /* > 0: the exact number of epochs task 0 must run */
} ScheduleCase;

static const ScheduleCase schedule_cases[] = {
  /* lr 0.1 improves every epoch: no decay, every task runs all epochs. */
  { "steady", 0.1, 3, 1e-4, 5, 6, 0, 0, 6 },
  /* lr 10 overshoots in the second epoch of task 0; lr/3 < lr_min = 5 ends
   * the task at that first patience expiry. */
  { "stop-at-first-expiry", 10, 3, 5, 1, 20, 1, 1, 2 },
  /* lr 5 drives a task's loss to exactly 0, after which nothing improves:
   * lr halves every epoch until it falls below 0.1. */
  { "repeated-decay", 5, 2, 0.1, 1, 20, 5, 1, 0 },
  /* Patience 2: two epochs without improvement per division. */
  { "patience-2", 5, 2, 0.5, 2, 20, 2, 1, 0 },
};

static void
record_improved (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  if (ev->type == BLIP_EVENT_EPOCH_END)
    g_array_append_val ((GArray *) user_data, ev->improved);
}

static void
test_schedule (gconstpointer data)
{
  const ScheduleCase *sc = data;
  BlipConfig c;
  small_config (&c, "sgd", 0);
  c.lr = sc->lr;
  c.lr_factor = sc->factor;
  c.lr_min = sc->lr_min;
  c.lr_patience = sc->patience;
  c.nepochs = sc->nepochs;
  BlipTrainer *tr = make_trainer (&c);
  GArray *improved = g_array_new (FALSE, FALSE, sizeof (gboolean));
  blip_trainer_add_observer (tr, record_improved, improved, (GDestroyNotify) g_array_unref);
  run_to_end (tr);
  guint n;
  const BlipEpochRecord *h = blip_trainer_get_history (tr, &n);
  ScheduleStats st = replay_schedule (&c, h, n, SYN_TASKS, improved);
  g_test_message ("%s: %u epochs, %d decays, %d lr-min stops, %d full tasks", sc->name, n, st.decays,
                  st.lr_min_stops, st.epoch_stops);
  g_assert_cmpint (st.decays, >=, sc->min_decays);
  g_assert_cmpint (st.lr_min_stops, >=, sc->min_lr_min_stops);
  g_assert_cmpint (st.lr_min_stops + st.epoch_stops, ==, SYN_TASKS);
  if (sc->min_decays == 0)
    g_assert_cmpint (st.decays, ==, 0);
  if (sc->task0_epochs > 0)
    {
      int task0 = 0;
      for (guint i = 0; i < n; i++)
        task0 += h[i].task == 0;
      g_assert_cmpint (task0, ==, sc->task0_epochs);
      /* Every epoch of task 0 ran at the initial lr. */
      for (guint i = 0; i < (guint) task0; i++)
        g_assert_cmpfloat (h[i].lr, ==, sc->lr);
    }
  if (sc->min_decays >= 2)
    {
      /* Consecutive recorded lrs within a task are equal or one division apart. */
      int divisions = 0;
      for (guint i = 1; i < n; i++)
        if (h[i].task == h[i - 1].task && h[i].lr != h[i - 1].lr)
          {
            g_assert_cmpfloat (h[i].lr, ==, h[i - 1].lr / sc->factor);
            divisions++;
          }
      g_assert_cmpint (divisions, >, 0);
    }
  /* The current lr after the run is the last task's final lr. */
  g_assert_cmpfloat (blip_trainer_get_lr (tr), <=, h[n - 1].lr);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

typedef struct {
  int   messages_with_nan;
  int   first_nan_task;
} NanWatch;

static void
watch_nan (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  NanWatch *w = user_data;
  if (ev->type == BLIP_EVENT_MESSAGE && strstr (ev->message, "NaN") != NULL)
    {
      if (w->messages_with_nan == 0)
        w->first_nan_task = ev->task;
      w->messages_with_nan++;
    }
}

static void
test_nan_stop (void)
{
  /* Allowed values (lr ≤ 10, weight decay < 1) whose SGD step multiplies every
   * weight by 1 − lr·wd = −4: the weights overflow within an epoch or two. */
  BlipConfig c;
  small_config (&c, "sgd", 0);
  c.lr = 10;
  c.weight_decay = 0.5;
  c.nepochs = 5;
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_validate (&c, &error));
  BlipTrainer *tr = make_trainer (&c);
  NanWatch w = { 0, -1 };
  blip_trainer_add_observer (tr, watch_nan, &w, NULL);
  run_to_end (tr);

  g_assert_true (blip_trainer_task_hit_nan (tr, 0));
  g_assert_cmpint (w.messages_with_nan, >=, 1);
  g_assert_cmpint (w.first_nan_task, ==, 0);
  guint n;
  const BlipEpochRecord *h = blip_trainer_get_history (tr, &n);
  int nan_tasks = 0;
  for (int t = 0; t < SYN_TASKS; t++)
    {
      /* A task that hit NaN ends with that epoch, before nepochs. */
      int last = -1, count = 0;
      for (guint i = 0; i < n; i++)
        if (h[i].task == t)
          last = (int) i, count++;
      g_assert_cmpint (last, >=, 0);
      gboolean hit = blip_trainer_task_hit_nan (tr, t);
      g_assert_true (hit == (gboolean) isnan (h[last].valid_loss));
      if (hit)
        {
          nan_tasks++;
          g_assert_cmpint (count, <, c.nepochs);
          for (guint i = 0; i < n; i++)
            if (h[i].task == t && (int) i != last)
              g_assert_false (isnan (h[i].valid_loss));
        }
    }
  g_assert_cmpint (w.messages_with_nan, ==, nan_tasks);
  /* The best model before the NaN was restored: finite weights. */
  BlipNetwork *net = blip_trainer_get_network (tr);
  for (gsize i = 0; i < net->n_params; i++)
    g_assert_true (isfinite (net->params[i]));
  g_autofree char *json = blip_results_json (tr);
  g_assert_nonnull (strstr (json, "\"nan_stop\": true"));
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- (g) metrics ------------------------------------------------------------------ */

static void
test_results_json_metrics (void)
{
  BlipConfig c;
  small_config (&c, "blip", 8);
  BlipTrainer *tr = make_trainer (&c);
  for (int t = 0; t < SYN_TASKS; t++)
    g_assert_cmpint (blip_trainer_get_memory_bytes (tr, t), ==, -1);
  g_autofree char *before = blip_results_json (tr);
  g_assert_nonnull (strstr (before, "\"memory_bytes_per_task\": [null, null"));
  run_to_end (tr);
  g_autofree char *json = blip_results_json (tr);
  const double *acc = blip_trainer_get_acc_matrix (tr);
  /* Format 2: the memory after each task, the same for every task of BLIP. */
  g_assert_nonnull (strstr (json, "\"format\": \"blip-results/2\""));
  gint64 memory = blip_trainer_get_memory_bytes (tr, 0);
  g_assert_cmpint (memory, >, 0);
  GString *list = g_string_new ("\"memory_bytes_per_task\": [");
  for (int t = 0; t < SYN_TASKS; t++)
    g_string_append_printf (list, "%s%" G_GINT64_FORMAT, t ? ", " : "", memory);
  g_string_append (list, "]");
  g_assert_nonnull (strstr (json, list->str));
  g_string_free (list, TRUE);
  g_assert_cmpfloat (json_number (json, "strategy_memory_bytes"), ==, memory);
  BlipMetrics m;
  blip_metrics_compute (acc, SYN_TASKS, SYN_TASKS - 1, &m);
  g_assert_cmpfloat (json_number (json, "ACC"), ==, m.acc);
  g_assert_cmpfloat (json_number (json, "BWT_paper"), ==, m.bwt_paper);
  g_assert_cmpfloat (json_number (json, "BWT_code"), ==, m.bwt_code);
  g_assert_cmpfloat (json_number (json, "tasks_completed"), ==, SYN_TASKS);
  g_assert_cmpfloat (json_number (json, "n_tasks"), ==, SYN_TASKS);
  g_assert_cmpfloat (json_number (json, "used_capacity"), ==, blip_trainer_used_capacity (tr));
  g_assert_cmpfloat (json_number (json, "n_params"), ==, blip_trainer_get_network (tr)->n_params);
  g_assert_nonnull (strstr (json, "\"approach\": \"blip\""));
  /* ACC is the mean of the last row. */
  double mean = 0.0;
  for (int j = 0; j < SYN_TASKS; j++)
    mean += acc[(SYN_TASKS - 1) * SYN_TASKS + j];
  g_assert_cmpfloat (fabs (m.acc - mean / SYN_TASKS), <, 1e-12);

  /* The CSV: a header and one row per task, each row's cells as in the matrix. */
  g_autofree char *csv = blip_results_csv (tr);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, SYN_TASKS + 2);   /* trailing newline → empty last */
  g_assert_cmpstr (lines[SYN_TASKS + 1], ==, "");
  g_assert_true (g_str_has_prefix (lines[0], "after_task,synthetic-0,"));
  g_auto(GStrv) cells = g_strsplit (lines[SYN_TASKS], ",", -1);
  g_assert_cmpuint (g_strv_length (cells), ==, SYN_TASKS + 1);
  for (int j = 0; j < SYN_TASKS; j++)
    g_assert_cmpfloat (fabs (g_ascii_strtod (cells[j + 1], NULL) - acc[(SYN_TASKS - 1) * SYN_TASKS + j]), <, 1e-6);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

typedef struct {
  int    last;
  double acc, bwt_paper, bwt_code;
} MetricsCase;

/* A = [[0.90,  -,    -  ],
 *      [0.80, 0.95,  -  ],
 *      [0.70, 0.85, 0.99]]   by hand:
 *   last 2: ACC = (0.70+0.85+0.99)/3 = 0.84666…; ΣΔ = −0.20 −0.10 + 0 = −0.30;
 *           BWT_paper = −0.30/2 = −0.15; BWT_code = −0.30/3 = −0.10
 *   last 1: ACC = (0.80+0.95)/2 = 0.875; ΣΔ = −0.10; paper −0.10, code −0.05
 *   last 0: ACC = 0.90; paper 0 (no earlier task), code 0 */
static const double golden_matrix[9] = { 0.90, NAN, NAN, 0.80, 0.95, NAN, 0.70, 0.85, 0.99 };
static const MetricsCase metrics_cases[] = {
  { 2, 2.54 / 3.0, -0.15, -0.10 },
  { 1, 0.875, -0.10, -0.05 },
  { 0, 0.90, 0.0, 0.0 },
};

static void
test_metrics_golden (gconstpointer data)
{
  const MetricsCase *mc = data;
  BlipMetrics m = { NAN, NAN, NAN };
  blip_metrics_compute (golden_matrix, 3, mc->last, &m);
  g_assert_cmpfloat_with_epsilon (m.acc, mc->acc, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.bwt_paper, mc->bwt_paper, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.bwt_code, mc->bwt_code, 1e-12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (approaches); i++)
    {
      g_autofree char *a = g_strdup_printf ("/trainer/determinism/%s", approaches[i]);
      g_test_add_data_func (a, approaches[i], test_determinism);
      g_autofree char *b = g_strdup_printf ("/trainer/observer/order/%s", approaches[i]);
      g_test_add_data_func (b, approaches[i], test_observer_order);
    }
  g_test_add_func ("/trainer/observer/remove", test_observer_remove);
  g_test_add_func ("/trainer/observer/remove-in-callback", test_observer_remove_in_callback);
  g_test_add_func ("/trainer/new/invalid-config", test_new_invalid_config);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_settings); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/bad-setting/%" G_GSIZE_FORMAT "%s", i,
                                               bad_settings[i].flag + 1);
      g_test_add_data_func (name, &bad_settings[i], test_bad_setting);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (step_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/stepping/%s", step_cases[i].name);
      g_test_add_data_func (name, &step_cases[i], test_stepping);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (pause_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/pause/%s", pause_cases[i].name);
      g_test_add_data_func (name, &pause_cases[i], test_pause);
    }
  g_test_add_func ("/trainer/pause/before-step", test_pause_before_step);
  g_test_add_func ("/trainer/cancel", test_cancel);
  g_test_add_func ("/trainer/cancel/from-thread", test_cancel_from_thread);
  g_test_add_func ("/trainer/pause/not-timed", test_pause_not_timed);
  for (gsize i = 0; i < G_N_ELEMENTS (learn_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/learning/%s-%dclass", learn_cases[i].approach,
                                               learn_cases[i].ncla);
      g_test_add_data_func (name, &learn_cases[i], test_learning);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/lr-schedule/%s", schedule_cases[i].name);
      g_test_add_data_func (name, &schedule_cases[i], test_schedule);
    }
  g_test_add_func ("/trainer/nan-stop", test_nan_stop);
  g_test_add_func ("/trainer/metrics/results-json", test_results_json_metrics);
  for (gsize i = 0; i < G_N_ELEMENTS (metrics_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/trainer/metrics/golden/last-%d", metrics_cases[i].last);
      g_test_add_data_func (name, &metrics_cases[i], test_metrics_golden);
    }
  return g_test_run ();
}
