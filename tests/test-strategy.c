/* test-strategy.c — the continual-learning methods (blip-strategy.h):
 *   registry     blip, sgd, sgd-frozen, ewc, lwf, imm-mode and hat are listed and found; an
 *                unknown name is BLIP_STRATEGY_ERROR_UNKNOWN listing the names
 *   sgd-frozen   feature weights do not move at all while task 2 trains (but
 *                did during task 1, and do under plain sgd), the head does
 *   blip         during training every feature parameter stays within
 *                anchor ± bound·2^−bits and ±bound·(1 − 2^−max_bit), the clip
 *                is actually reached; after each task the weights are their
 *                anchors, on the grid of their bits, and bits only grow
 *   ewc          the penalty is 0 before the first consolidation even with
 *                moved weights, 0 right after it, positive once weights move,
 *                and its gradient matches finite differences of its value
 *   memory       blip keeps 9 bytes per feature parameter, ewc 8, sgd none
 *   settings     each method's settings text names its own knobs, under the
 *                CLI's flag names, and no other method's (LwF has no F-prior);
 *                a run's settings text adds the schedule and what differs
 *                from the experiment's preset, for data sets and games. */
#include "blip.h"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

#define SYN_DIM   24
#define SYN_TRAIN 160
#define SYN_TEST  60

static void
small_config (BlipConfig *c, const char *approach)
{
  blip_test_synthetic_config (c, approach);
  c->nepochs = 3;
  c->ndim = 16;
  c->fisher_batches = 2;
  c->fisher_sbatch = 40;
}

/* ---- registry ------------------------------------------------------------------ */

typedef struct {
  const char *name;
  gboolean    quantized;
} Known;

static const Known known[] = {
  { "blip", TRUE },
  { "sgd", FALSE },
  { "sgd-frozen", FALSE },
  { "ewc", FALSE },
  { "lwf", FALSE },
  { "imm-mode", FALSE },
  { "hat", FALSE },
  { "halrp", FALSE },
};

static void
test_registry (void)
{
  gsize n = 0;
  const BlipStrategyClass * const *list = blip_strategy_list (&n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (known));
  for (gsize k = 0; k < G_N_ELEMENTS (known); k++)
    {
      int found = 0;
      for (gsize i = 0; i < n; i++)
        if (g_strcmp0 (list[i]->name, known[k].name) == 0)
          {
            found++;
            g_assert_true (list[i]->quantized == known[k].quantized);
            g_assert_cmpuint (list[i]->instance_size, >=, sizeof (BlipStrategy));
            g_assert_true (list[i]->title != NULL && *list[i]->title);
            g_assert_true (list[i]->description != NULL && *list[i]->description);
            g_assert_true (blip_strategy_lookup (known[k].name) == list[i]);
          }
      g_assert_cmpint (found, ==, 1);

      g_autoptr(GError) error = NULL;
      BlipStrategy *s = blip_strategy_new (known[k].name, &error);
      g_assert_no_error (error);
      g_assert_nonnull (s);
      g_assert_cmpstr (blip_strategy_get_name (s), ==, known[k].name);
      blip_strategy_free (s);
    }
  g_assert_null (blip_strategy_lookup ("BLIP"));
  g_assert_null (blip_strategy_lookup (""));
  g_assert_null (blip_strategy_lookup (NULL));
}

/* How the front-ends name methods: title and CLI name, once where they agree
 * (case aside), the one given where the other is missing. */
static const struct { const char *title, *name, *label; } label_cases[] = {
  { "Online EWC", "ewc", "Online EWC (ewc)" },
  { "BLIP", "blip", "BLIP" },
  { "IMM-mode", "imm-mode", "IMM-mode" },
  { "FT-FIX", "sgd-frozen", "FT-FIX (sgd-frozen)" },
  { NULL, "mystery", "mystery" },
  { "Mystery", NULL, "Mystery" },
  { NULL, NULL, "—" },
};

static void
test_label (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (label_cases); i++)
    {
      g_autofree char *label = blip_strategy_label (label_cases[i].title, label_cases[i].name);
      g_assert_cmpstr (label, ==, label_cases[i].label);
    }
  /* By registry name: the registered title; an unknown name stands alone. */
  g_autofree char *sgd = blip_strategy_label_for ("sgd");
  g_assert_cmpstr (sgd, ==, "Fine-tuning (sgd)");
  g_autofree char *hat = blip_strategy_label_for ("hat");
  g_assert_cmpstr (hat, ==, "HAT");
  g_autofree char *unknown = blip_strategy_label_for ("frobnicate");
  g_assert_cmpstr (unknown, ==, "frobnicate");
}

static const char * const unknown_names[] = { "frobnicate", "", "blip ", "EWC" };

static void
test_unknown (gconstpointer data)
{
  const char *name = data;
  g_autoptr(GError) error = NULL;
  BlipStrategy *s = blip_strategy_new (name, &error);
  g_assert_null (s);
  g_assert_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNKNOWN);
  g_autofree char *quoted = g_strdup_printf ("“%s”", name);
  g_assert_nonnull (strstr (error->message, quoted));
  for (gsize k = 0; k < G_N_ELEMENTS (known); k++)
    g_assert_nonnull (strstr (error->message, known[k].name));
}

/* ---- sgd-frozen ------------------------------------------------------------------ */

typedef struct {
  const float *features;     /* the features when task 2 began */
  gsize        n;
  int          batches;
  int          changed;      /* batches of task 2 after which the features differed */
} FeatureWatch;

static void
watch_features (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  FeatureWatch *w = user_data;
  if (ev->type != BLIP_EVENT_BATCH_END || ev->task != 1)
    return;
  BlipNetwork *net = blip_trainer_get_network (tr);
  w->batches++;
  w->changed += memcmp (net->params, w->features, sizeof (float) * w->n) != 0;
}

typedef struct {
  const char *approach;
  gboolean    frozen;
} FreezeCase;

static const FreezeCase freeze_cases[] = { { "sgd-frozen", TRUE }, { "sgd", FALSE } };

static void
test_freeze (gconstpointer data)
{
  const FreezeCase *fc = data;
  BlipConfig c;
  small_config (&c, fc->approach);
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  gsize nf = net->n_feature_params;
  g_autofree float *init = g_memdup2 (net->params, sizeof (float) * net->n_params);

  g_assert_cmpint (blip_test_step (tr, BLIP_STEP_TASK), ==, BLIP_STATUS_READY);
  /* Task 1 trains the features under both methods. */
  g_assert_true (memcmp (init, net->params, sizeof (float) * nf) != 0);
  for (int i = 0; i < net->n_layers; i++)
    g_assert_false (net->layers[i].frozen);

  g_autofree float *after1 = g_memdup2 (net->params, sizeof (float) * net->n_params);
  FeatureWatch w = { after1, nf, 0, 0 };
  blip_trainer_add_observer (tr, watch_features, &w, NULL);
  g_assert_cmpint (blip_test_step (tr, BLIP_STEP_TASK), ==, BLIP_STATUS_FINISHED);
  g_assert_cmpint (w.batches, ==, c.nepochs * (SYN_TRAIN / 16));

  BlipLayer *head0 = &net->heads[0], *head1 = &net->heads[1];
  gsize h1 = head1->n_weight + head1->n_bias, h0 = head0->n_weight + head0->n_bias;
  /* The new head trained; the old head is never touched by task 2. */
  g_assert_true (memcmp (after1 + head1->offset, head1->weight, sizeof (float) * h1) != 0);
  g_assert_cmpmem (after1 + head0->offset, sizeof (float) * h0, head0->weight, sizeof (float) * h0);

  if (fc->frozen)
    {
      for (int i = 0; i < net->n_layers; i++)
        g_assert_true (net->layers[i].frozen);
      g_assert_cmpint (w.changed, ==, 0);
      g_assert_cmpmem (after1, sizeof (float) * nf, net->params, sizeof (float) * nf);
      /* With the features kept, the first task is not forgotten at all. */
      const double *acc = blip_trainer_get_acc_matrix (tr);
      g_assert_cmpfloat (acc[2], ==, acc[0]);
    }
  else
    {
      g_assert_cmpint (w.changed, ==, w.batches);
      g_assert_true (memcmp (after1, net->params, sizeof (float) * nf) != 0);
    }
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- blip: clip and quantize -------------------------------------------------------- */

typedef struct {
  guint8 **prev_bits;      /* per layer, bits after the previous task */
  int      batches_checked;
  guint64  at_clip;        /* parameters found exactly on a clip boundary with bits > 0 */
  int      task_ends;
  int      max_bits_seen;
} ClipWatch;

static float
range_for_bits (float bound, int bits)
{
  return ldexpf (bound, -bits);
}

static void
check_clip (BlipTrainer *tr, ClipWatch *w)
{
  BlipNetwork *net = blip_trainer_get_network (tr);
  for (int l = 0; l < net->n_layers; l++)
    {
      const BlipLayer *layer = &net->layers[l];
      const BlipQuantState *q = layer->quant;
      g_assert_nonnull (q);
      for (gsize k = 0; k < q->n; k++)
        {
          float bound = blip_quant_state_bound (q, k);
          double w_k = layer->weight[k], a = q->anchor[k];
          double range = range_for_bits (bound, q->bits[k]);
          double outer = bound * (1.0 - ldexp (1.0, -q->max_bit));
          /* anchor + clamp(diff) is rounded once to float: allow half an ulp. */
          double slack = 1e-7 * (fabs (a) + range);
          if (!(fabs (w_k - a) <= range + slack))
            g_error ("%s[%" G_GSIZE_FORMAT "]: w %.9g is %.3g from its anchor %.9g, beyond bound·2^-%d = %.9g",
                     layer->name, k, w_k, w_k - a, a, q->bits[k], range);
          if (!(fabs (w_k) <= outer))
            g_error ("%s[%" G_GSIZE_FORMAT "]: |w| = %.9g beyond bound·(1 − 2^-max_bit) = %.9g",
                     layer->name, k, fabs (w_k), outer);
          if (q->bits[k] > 0 && fabs (fabs (w_k - a) - range) <= slack)
            w->at_clip++;
        }
    }
  w->batches_checked++;
}

static void
check_quantized (BlipTrainer *tr, ClipWatch *w)
{
  BlipNetwork *net = blip_trainer_get_network (tr);
  for (int l = 0; l < net->n_layers; l++)
    {
      const BlipLayer *layer = &net->layers[l];
      const BlipQuantState *q = layer->quant;
      /* The weights are their anchors, and anchors lie on the grid of their bits. */
      g_assert_cmpmem (layer->weight, sizeof (float) * q->n, q->anchor, sizeof (float) * q->n);
      for (gsize k = 0; k < q->n; k++)
        {
          g_assert_cmpuint (q->bits[k], <=, (guint) q->max_bit);
          g_assert_cmpfloat (q->anchor[k], ==, blip_quant_quantize (q->anchor[k], q->bits[k],
                                                                     blip_quant_state_bound (q, k)));
          if (w->prev_bits[l] != NULL)
            g_assert_cmpuint (q->bits[k], >=, w->prev_bits[l][k]);
          w->max_bits_seen = MAX (w->max_bits_seen, q->bits[k]);
        }
      g_free (w->prev_bits[l]);
      w->prev_bits[l] = g_memdup2 (q->bits, q->n);
    }
}

static void
watch_clip (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  ClipWatch *w = user_data;
  if (ev->type == BLIP_EVENT_BATCH_END)
    check_clip (tr, w);
  else if (ev->type == BLIP_EVENT_BITS_UPDATED)
    check_quantized (tr, w);
  else if (ev->type == BLIP_EVENT_TASK_END)
    {
      /* Still quantized once the row of the accuracy matrix is filled. */
      BlipNetwork *net = blip_trainer_get_network (tr);
      for (int l = 0; l < net->n_layers; l++)
        g_assert_cmpmem (net->layers[l].weight, sizeof (float) * net->layers[l].quant->n,
                         net->layers[l].quant->anchor, sizeof (float) * net->layers[l].quant->n);
      w->task_ends++;
    }
}

typedef struct {
  const char *name;
  int         max_bit;
  double      lr;
} ClipCase;

static const ClipCase clip_cases[] = {
  { "max-bit-20", 20, 0.1 },
  { "max-bit-8", 8, 0.1 },
  { "max-bit-3-lr-1", 3, 1.0 },   /* few bits and big steps against coarse anchors */
};

static void
test_blip_clip (gconstpointer data)
{
  const ClipCase *cc = data;
  const int T = 3;
  BlipConfig c;
  small_config (&c, "blip");
  c.max_bit = cc->max_bit;
  c.lr = cc->lr;
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, T, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipNetwork *net = blip_trainer_get_network (tr);
  ClipWatch w = { g_new0 (guint8 *, net->n_layers), 0, 0, 0, 0 };
  blip_trainer_add_observer (tr, watch_clip, &w, NULL);
  g_assert_cmpint (blip_test_step (tr, BLIP_STEP_RUN), ==, BLIP_STATUS_FINISHED);

  g_test_message ("%s: %d batches checked, %" G_GUINT64_FORMAT " parameter-batches on the clip, max bits %d",
                  cc->name, w.batches_checked, w.at_clip, w.max_bits_seen);
  g_assert_cmpint (w.batches_checked, ==, T * c.nepochs * (SYN_TRAIN / 16));
  g_assert_cmpint (w.task_ends, ==, T);
  /* The constraint is not vacuous: bits were frozen and weights pressed against them. */
  g_assert_cmpint (w.max_bits_seen, >, 0);
  g_assert_cmpuint (w.at_clip, >, 0);
  /* After the run, the final weights obey both bounds too. */
  check_clip (tr, &w);
  for (int l = 0; l < net->n_layers; l++)
    g_free (w.prev_bits[l]);
  g_free (w.prev_bits);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- ewc penalty ------------------------------------------------------------------- */

static void
perturb_features (BlipNetwork *net, guint64 seed, float scale)
{
  BlipRng rng;
  blip_rng_seed (&rng, seed);
  for (gsize i = 0; i < net->n_feature_params; i++)
    net->params[i] += scale * (2.0f * blip_rng_uniform (&rng) - 1.0f);
}

static void
test_ewc_before_consolidation (void)
{
  BlipRng rng;
  blip_rng_seed (&rng, 1);
  const int hidden[] = { 5 }, classes[] = { 3, 2 };
  BlipNetwork *net = blip_network_new_mlp (6, hidden, 1, classes, 2, FALSE, 20, 1e-15, &rng, 8);
  BlipConfig c;
  small_config (&c, "ewc");
  c.ewc_lambda = 100;
  g_autoptr(GError) error = NULL;
  BlipStrategy *s = blip_strategy_new ("ewc", &error);
  g_assert_no_error (error);
  g_assert_true (blip_strategy_init (s, net, &c, &error));
  g_assert_no_error (error);
  g_assert_nonnull (s->klass->penalty);

  perturb_features (net, 2, 0.5f);
  float *grads = g_new0 (float, net->n_params);
  for (gsize i = 0; i < net->n_params; i++)
    grads[i] = 0.25f * i;
  float *before = g_memdup2 (grads, sizeof (float) * net->n_params);
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), ==, 0.0);
  g_assert_cmpfloat (s->klass->penalty (s, net, grads), ==, 0.0);
  g_assert_cmpmem (grads, sizeof (float) * net->n_params, before, sizeof (float) * net->n_params);

  g_free (grads);
  g_free (before);
  blip_strategy_free (s);
  blip_network_free (net);
  blip_config_clear (&c);
}

static double
penalty_at (BlipStrategy *s, BlipNetwork *net, gsize i, float value)
{
  float saved = net->params[i];
  net->params[i] = value;
  double p = s->klass->penalty (s, net, NULL);
  net->params[i] = saved;
  return p;
}

static void
test_ewc_penalty (void)
{
  BlipConfig c;
  small_config (&c, "ewc");
  c.ndim = 6;
  c.ewc_lambda = 50;
  c.ewc_gamma = 1.0;
  BlipTrainer *tr = blip_test_synthetic_trainer (&c, 2, SYN_DIM, SYN_TRAIN, SYN_TEST);
  BlipStrategy *s = blip_trainer_get_strategy (tr);
  BlipNetwork *net = blip_trainer_get_network (tr);

  /* During task 1 nothing is consolidated: no penalty whatever the weights. */
  g_assert_cmpint (blip_test_step (tr, BLIP_STEP_EPOCH), ==, BLIP_STATUS_READY);
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), ==, 0.0);

  /* Finish task 1: consolidation anchors the weights where they are. */
  g_assert_cmpint (blip_test_step (tr, BLIP_STEP_TASK), ==, BLIP_STATUS_READY);
  /* The trainer rests before task 2's first batch. */
  g_assert_cmpint (blip_trainer_get_task (tr), ==, 1);
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), ==, 0.0);

  /* Moved weights cost something. */
  perturb_features (net, 3, 0.2f);
  double p = s->klass->penalty (s, net, NULL);
  g_test_message ("penalty after moving the features: %g", p);
  g_assert_cmpfloat (p, >, 0.0);

  /* The gradient: added into grads (on top of what is there), features only. */
  gsize n = net->n_params, nf = net->n_feature_params;
  float *grads = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    grads[i] = 1.0f;
  double p2 = s->klass->penalty (s, net, grads);
  g_assert_cmpfloat (fabs (p2 - p), <=, 1e-12 * p);
  for (gsize i = nf; i < n; i++)
    g_assert_cmpfloat (grads[i], ==, 1.0f);

  const float eps = 1e-2f;
  int significant = 0;
  double gmax = 0.0;
  for (gsize i = 0; i < nf; i++)
    gmax = MAX (gmax, fabs (grads[i] - 1.0));
  g_assert_cmpfloat (gmax, >, 0.0);
  for (gsize i = 0; i < nf; i++)
    {
      float w = net->params[i];
      double fd = (penalty_at (s, net, i, w + eps) - penalty_at (s, net, i, w - eps)) /
                  ((double) (w + eps) - (double) (w - eps));
      double an = (double) grads[i] - 1.0;
      double tol = 1e-2 * MAX (fabs (an), fabs (fd)) + 1e-4 * gmax;
      if (!(fabs (an - fd) <= tol))
        g_error ("EWC gradient [%" G_GSIZE_FORMAT "]: analytic %.8g, finite difference %.8g", i, an, fd);
      significant += fabs (an) > 1e-3 * gmax;
    }
  g_test_message ("%d of %" G_GSIZE_FORMAT " feature gradients significant (max %g)", significant, nf, gmax);
  g_assert_cmpint (significant, >, (int) nf / 4);

  /* Back at the anchor, the penalty is 0 again. */
  perturb_features (net, 3, -0.2f);
  g_assert_cmpfloat (s->klass->penalty (s, net, NULL), <, 1e-6 * p);

  g_free (grads);
  blip_trainer_free (tr);
  blip_config_clear (&c);
}

/* ---- memory ---------------------------------------------------------------------------- */

typedef struct {
  const char *approach;
  gsize       bytes_per_feature_param;
} MemoryCase;

static const MemoryCase memory_cases[] = {
  { "blip", 9 }, { "ewc", 8 }, { "sgd", 0 }, { "sgd-frozen", 0 },
};

static void
test_memory (gconstpointer data)
{
  const MemoryCase *mc = data;
  g_autoptr(GError) error = NULL;
  BlipStrategy *s = blip_strategy_new (mc->approach, &error);
  g_assert_no_error (error);
  BlipRng rng;
  blip_rng_seed (&rng, 4);
  /* Two hidden layers of different widths, two heads (heads cost nothing). */
  const int hidden[] = { 7, 4 }, classes[] = { 2, 3 };
  BlipNetwork *net = blip_network_new_mlp (10, hidden, 2, classes, 2, s->klass->quantized, 20, 1e-15, &rng, 4);
  g_assert_cmpuint (net->n_feature_params, ==, 10 * 7 + 7 + 7 * 4 + 4);
  BlipConfig c;
  small_config (&c, mc->approach);
  g_assert_true (blip_strategy_init (s, net, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (blip_strategy_memory_bytes (s), ==, mc->bytes_per_feature_param * net->n_feature_params);
  blip_strategy_free (s);
  blip_network_free (net);
  blip_config_clear (&c);
}

/* ---- settings text ------------------------------------------------------------- */

typedef struct {
  const char *approach;
  const char *text;         /* with the defaults, then with every knob changed */
  const char *changed;
} SettingsCase;

static const SettingsCase settings_cases[] = {
  { "blip", "F-prior 1e-15, max-bit 20", "F-prior 5e-18, max-bit 8, STE" },
  { "sgd", "", "" },
  { "sgd-frozen", "", "" },
  { "ewc", "lamb 5000, gamma 1", "lamb 123, gamma 0.5" },
  { "lwf", "lwf-lambda 2, lwf-temperature 2", "lwf-lambda 0.5, lwf-temperature 4" },
  { "imm-mode", "imm-lambda 0.01", "imm-lambda 0.5" },
  { "hat", "hat-smax 400, hat-c 0.75", "hat-smax 50, hat-c 2" },
  { "halrp", "halrp-rate 0.9, halrp-l1 1e-06, halrp-wd 0.001, halrp-max-rank 100, halrp-est-epochs 1, "
             "halrp-prune-min 1e-05, halrp-max-growth 0.6",
             "halrp-rate 0.5, halrp-l1 0.25, halrp-wd 0.125, halrp-max-rank 7, halrp-est-epochs 3, "
             "halrp-prune-min 0.0625, halrp-max-growth 2" },
};

static void
test_settings_text (gconstpointer data)
{
  const SettingsCase *sc = data;
  const BlipStrategyClass *klass = blip_strategy_lookup (sc->approach);
  g_assert_nonnull (klass);
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_autofree char *text = blip_strategy_class_settings_text (klass, &c);
  g_assert_cmpstr (text, ==, sc->text);

  /* Every method-specific knob moved: only this method's show up, with the
   * new values. */
  c.F_prior = 5e-18;
  c.max_bit = 8;
  c.ste = TRUE;
  c.ewc_lambda = 123;
  c.ewc_gamma = 0.5;
  c.lwf_lambda = 0.5;
  c.lwf_temperature = 4;
  c.imm_lambda = 0.5;
  c.hat_smax = 50;
  c.hat_c = 2;
  c.halrp_rate = 0.5;
  c.halrp_l1 = 0.25;
  c.halrp_wd = 0.125;
  c.halrp_max_rank = 7;
  c.halrp_est_epochs = 3;
  c.halrp_prune_min = 0.0625;
  c.halrp_max_growth = 2;
  g_autofree char *changed = blip_strategy_class_settings_text (klass, &c);
  g_assert_cmpstr (changed, ==, sc->changed);
  blip_config_clear (&c);
}

static void
test_settings_text_covers_registry (void)
{
  gsize n = 0;
  const BlipStrategyClass * const *list = blip_strategy_list (&n);
  for (gsize i = 0; i < n; i++)
    {
      gboolean found = FALSE;
      for (gsize k = 0; k < G_N_ELEMENTS (settings_cases); k++)
        found |= g_strcmp0 (settings_cases[k].approach, list[i]->name) == 0;
      if (!found)
        g_test_message ("method %s has no settings-text case", list[i]->name);
      g_assert_true (found);
    }
}

typedef struct {
  const char *name;
  const char *experiment, *approach;
  const char *speed;        /* a speed preset on top of the experiment's, or NULL */
  gboolean    paper;        /* the method's paper settings */
  int         ndim;         /* 0: the preset's */
  double      mul;          /* 0: the preset's */
  const char *text;
} RunSettingsCase;

static const RunSettingsCase run_settings_cases[] = {
  { "mnist5-blip", "mnist5", "blip", NULL, FALSE, 0, 0,
    "lr 0.01, sbatch 64, nepochs 200, F-prior 1e-15, max-bit 20" },
  { "classroom-sgd", "mnist5", "sgd", "classroom", FALSE, 0, 0,
    "lr 0.01, sbatch 64, nepochs 3, train-subset 2000, test-subset 1000" },
  /* HALRP's own settings on the MLP experiment: its network, optimiser,
   * schedule and validation share all differ from the preset. */
  { "pmnist-halrp-paper", "pmnist", "halrp", NULL, TRUE, 0, 0,
    "lr 0.001, sbatch 128, nepochs 12, arch lenet, optimizer adam, lr-patience 100000, valid-fraction 0.2, "
    "halrp-rate 0.9, halrp-l1 1e-06, halrp-wd 0.001, halrp-max-rank 100, halrp-est-epochs 1, "
    "halrp-prune-min 1e-05, halrp-max-growth 0.6" },
  { "mlp-width", "pmnist", "lwf", NULL, FALSE, 100, 3,
    "lr 0.01, sbatch 64, nepochs 200, ndim 100, lwf-lambda 2, lwf-temperature 2" },
  /* LeNet's widths are fixed: a changed --ndim or --mul is not shown. */
  { "lenet-widths", "pmnist32", "hat", NULL, FALSE, 100, 3,
    "lr 0.01, sbatch 64, nepochs 200, hat-smax 400, hat-c 0.75" },
  { "alexnet-widths", "cifar10-5", "sgd", NULL, FALSE, 1024, 0.5,
    "lr 0.05, sbatch 32, nepochs 200, ndim 1024, mul 0.5" },
  { "games", "minatar", "ewc", NULL, FALSE, 0, 0,
    "1000000 frames per game, lr 0.00025, 16 envs × 125 steps, lamb 5000, gamma 1" },
};

static void
test_run_settings_text (gconstpointer data)
{
  const RunSettingsCase *rc = data;
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_apply_preset (&c, rc->experiment, &error));
  g_assert_no_error (error);
  if (rc->speed != NULL)
    g_assert_true (blip_config_apply_speed_preset (&c, rc->speed, NULL));
  g_free (c.approach);
  c.approach = g_strdup (rc->approach);
  if (rc->paper)
    g_assert_true (blip_strategy_class_apply_paper_settings (blip_strategy_lookup (rc->approach), &c,
                                                             rc->experiment));
  if (rc->ndim != 0)
    c.ndim = rc->ndim;
  if (rc->mul != 0)
    c.mul = rc->mul;
  g_autofree char *text = blip_run_settings_text (&c);
  g_assert_cmpstr (text, ==, rc->text);
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/strategy/registry", test_registry);
  g_test_add_func ("/strategy/label", test_label);
  for (gsize i = 0; i < G_N_ELEMENTS (unknown_names); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/unknown/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (name, unknown_names[i], test_unknown);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (freeze_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/freeze/%s", freeze_cases[i].approach);
      g_test_add_data_func (name, &freeze_cases[i], test_freeze);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (clip_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/blip/clip/%s", clip_cases[i].name);
      g_test_add_data_func (name, &clip_cases[i], test_blip_clip);
    }
  g_test_add_func ("/strategy/ewc/before-consolidation", test_ewc_before_consolidation);
  g_test_add_func ("/strategy/ewc/penalty-gradient", test_ewc_penalty);
  for (gsize i = 0; i < G_N_ELEMENTS (memory_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/memory/%s", memory_cases[i].approach);
      g_test_add_data_func (name, &memory_cases[i], test_memory);
    }
  g_test_add_func ("/strategy/settings-text/registry", test_settings_text_covers_registry);
  for (gsize i = 0; i < G_N_ELEMENTS (settings_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/settings-text/%s", settings_cases[i].approach);
      g_test_add_data_func (name, &settings_cases[i], test_settings_text);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (run_settings_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/strategy/run-settings-text/%s", run_settings_cases[i].name);
      g_test_add_data_func (name, &run_settings_cases[i], test_run_settings_text);
    }
  return g_test_run ();
}
