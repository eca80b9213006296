/* test-snapshot.c — snapshots and the training-thread-to-UI handoff: a
 * snapshot is a deep copy that stays valid while training goes on; the
 * snapshot box hands the newest one to a reader on another thread. Under
 * ThreadSanitizer (tools/run-tsan) this is the race check of that handoff. */
#include "blip.h"

#include <math.h>

typedef struct {
  BlipTrainer     *trainer;
  BlipSnapshotBox *box;
  gint             done;
  gint             reads;
} Worker;

static BlipTrainer *
make_trainer (const char *approach)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_free (c.approach);
  c.approach = g_strdup (approach);
  c.ndim = 32;
  c.nepochs = 3;
  c.sbatch = 16;
  c.fisher_batches = 4;
  c.fisher_sbatch = 25;
  BlipExperiment *e = blip_experiment_new_synthetic (3, 2, 64, 240, 60, 11);
  g_autoptr(GError) error = NULL;
  BlipStrategy *s = blip_strategy_new (approach, &error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_no_error (error);
  blip_config_clear (&c);
  return tr;
}

static gpointer
train (gpointer data)
{
  Worker *w = data;
  /* Batch by batch, as the app's worker thread steps. The first steps wait
   * for the reader to have seen a snapshot, so reading overlaps training even
   * on a fast machine. */
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (blip_trainer_step (w->trainer, BLIP_STEP_BATCH, NULL) == BLIP_STATUS_READY)
    while (g_atomic_int_get (&w->reads) < 3 && g_get_monotonic_time () < deadline)
      g_usleep (100);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

static void
check_snapshot (const BlipSnapshot *s, int max_bit)
{
  g_assert_cmpint (s->n_layers, ==, 1);
  const BlipLayerSnapshot *l = &s->layers[0];
  g_assert_cmpuint (l->n, ==, (gsize) 32 * 64 + 32);
  for (gsize i = 0; i < l->n; i++)
    {
      g_assert_cmpuint (l->bits[i], <=, max_bit);
      /* The clip invariant holds in every snapshot: it was never torn. */
      float bound = i < l->n_weight ? l->bound_w : l->bound_b;
      g_assert_cmpfloat (fabsf (l->values[i] - l->anchor[i]), <=, ldexpf (bound, -l->bits[i]) * 1.0001f + 1e-7f);
    }
}

static void
test_handoff (void)
{
  Worker w = { make_trainer ("blip"), blip_snapshot_box_new (BLIP_SNAPSHOT_ALL), 0, 0 };
  blip_trainer_add_observer (w.trainer, blip_snapshot_box_observe, w.box, NULL);
  GThread *thread = g_thread_new ("trainer", train, &w);

  guint64 last_serial = 0;
  int last_task = -1, reads = 0;
  while (!g_atomic_int_get (&w.done))
    {
      blip_snapshot_box_request (w.box);
      BlipSnapshot *s = blip_snapshot_box_get (w.box);
      if (s != NULL)
        {
          check_snapshot (s, 20);
          g_assert_cmpint (s->task, >=, last_task);
          last_task = s->task;
          reads++;
          g_atomic_int_inc (&w.reads);
          blip_snapshot_free (s);
        }
      guint64 serial = blip_snapshot_box_get_serial (w.box);
      g_assert_cmpuint (serial, >=, last_serial);
      last_serial = serial;
      g_usleep (200);
    }
  g_thread_join (thread);
  g_assert_cmpint (reads, >=, 3);

  /* The run's end was delivered; the Fisher snapshot carries F_t and IG. */
  BlipSnapshot *s = blip_snapshot_box_get (w.box);
  g_assert_nonnull (s);
  g_assert_cmpint (s->event.type, ==, BLIP_EVENT_RUN_END);
  g_assert_cmpint (s->task, ==, 2);
  check_snapshot (s, 20);
  BlipSnapshot *f = blip_snapshot_box_get_fisher (w.box);
  g_assert_nonnull (f);
  g_assert_cmpint (f->event.type, ==, BLIP_EVENT_FISHER_READY);
  g_assert_nonnull (f->layers[0].info_gain);
  g_assert_nonnull (f->layers[0].fisher_task);
  blip_snapshot_free (f);
  blip_snapshot_free (s);
  blip_trainer_free (w.trainer);
  blip_snapshot_box_free (w.box);
}

static void
test_copy_is_independent (void)
{
  BlipTrainer *tr = make_trainer ("blip");
  blip_trainer_step (tr, BLIP_STEP_EPOCH, NULL);
  BlipSnapshot *s = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_ALL);
  float before = s->layers[0].values[0];
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpfloat (net->layers[0].weight[0], ==, before);
  blip_trainer_step (tr, BLIP_STEP_TASK, NULL);
  g_assert_cmpfloat (s->layers[0].values[0], ==, before);
  g_assert_cmpfloat (net->layers[0].weight[0], !=, before);
  /* Reference counting: a second owner keeps it alive. */
  BlipSnapshot *again = blip_snapshot_ref (s);
  blip_snapshot_free (s);
  g_assert_cmpfloat (again->layers[0].values[0], ==, before);
  blip_snapshot_free (again);
  blip_trainer_free (tr);
}

static void
test_flags (void)
{
  BlipTrainer *tr = make_trainer ("sgd");
  BlipSnapshot *s = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_VALUES);
  g_assert_nonnull (s->layers[0].values);
  g_assert_null (s->layers[0].bits);          /* not quantized, and not asked */
  g_assert_false (s->layers[0].quantized);
  g_assert_cmpint (s->n_heads, ==, 0);        /* heads only when asked */
  g_assert_null (s->heads);
  blip_snapshot_free (s);

  /* With the heads: each head's weights and biases, equal to the network's. */
  BlipNetwork *net = blip_trainer_get_network (tr);
  s = blip_trainer_snapshot (tr, BLIP_SNAPSHOT_VALUES | BLIP_SNAPSHOT_HEADS);
  g_assert_cmpint (s->n_heads, ==, net->n_heads);
  g_assert_cmpint (s->in_c, ==, net->in_c);
  g_assert_cmpint (s->in_h * s->in_w * s->in_c, ==, net->input_dim);
  for (int t = 0; t < net->n_heads; t++)
    {
      const BlipLayerSnapshot *h = &s->heads[t];
      g_assert_cmpstr (h->name, ==, net->heads[t].name);
      g_assert_cmpint (h->rows, ==, net->heads[t].out_dim);
      g_assert_cmpint (h->cols, ==, net->heads[t].in_dim);
      g_assert_cmpuint (h->n, ==, net->heads[t].n_weight + net->heads[t].n_bias);
      g_assert_cmpmem (h->values, h->n * sizeof (float), net->heads[t].weight, h->n * sizeof (float));
    }
  blip_snapshot_free (s);
  blip_trainer_free (tr);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/snapshot/copy-is-independent", test_copy_is_independent);
  g_test_add_func ("/snapshot/flags", test_flags);
  g_test_add_func ("/snapshot/box/handoff", test_handoff);
  return g_test_run ();
}
