/* blip-trainer.c — the training loop as a resumable state machine.
 *
 * Each call to blip_trainer_step() advances through phases
 *   TASK_BEGIN → EPOCH_BEGIN → BATCH … BATCH → EPOCH_END → … → TASK_END → …
 * so a UI can stop after any batch, epoch or task and go on later with exactly
 * the same arithmetic as an uninterrupted run.
 */
#include "blip-trainer-private.h"
#include "blip-parallel.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-trainer-error-quark, blip_trainer_error)

/* Evaluation batches are larger than training ones: no gradients, better GEMMs. */
#define EVAL_BATCH 500
/* Elements per optimiser chunk: the update and the strategy hook run over one
 * chunk while it is in L1/L2. */
#define UPDATE_CHUNK 8192

static double
now_seconds (void)
{
  return g_get_monotonic_time () / 1e6;
}

BlipTrainer *
blip_trainer_new (const BlipConfig *config, BlipExperiment *experiment, BlipStrategy *strategy,
                  GError **error)
{
  g_return_val_if_fail (config && experiment && strategy, NULL);
  if (!blip_config_validate (config, error))
    {
      blip_experiment_free (experiment);
      blip_strategy_free (strategy);
      return NULL;
    }

  BlipTrainer *tr = g_new0 (BlipTrainer, 1);
  blip_config_copy (&tr->config, config);
  tr->experiment = experiment;
  tr->strategy = strategy;
  tr->observers = g_array_new (FALSE, TRUE, sizeof (Observer));
  tr->history = g_array_new (FALSE, TRUE, sizeof (BlipEpochRecord));
  tr->n_tasks = experiment->n_tasks;
  /* Evaluation batches are large for an MLP (fewer, bigger GEMMs); a conv
   * net's activations are ~100× wider, so it evaluates in training-size batches. */
  gboolean resnet = g_str_equal (config->arch, "resnet18");
  gboolean lenet = g_str_equal (config->arch, "lenet");
  gboolean conv = resnet || lenet || g_str_equal (config->arch, "alexnet");
  gboolean rl = experiment->rl != NULL;
  tr->max_batch = MAX (config->sbatch, config->fisher_sbatch);
  if (!conv && !rl)
    tr->max_batch = MAX (tr->max_batch, EVAL_BATCH);
  if (rl)
    tr->max_batch = blip_trainer_rl_max_batch (config);

  /* The network's initialisation has its own stream, so data order or Fisher
   * sampling never changes the starting weights of a seed. */
  BlipRng init_rng;
  blip_rng_seed_stream (&init_rng, config->seed, 1);
  blip_rng_seed_stream (&tr->rng, config->seed, 2);

  int *classes = g_new (int, tr->n_tasks);
  for (int t = 0; t < tr->n_tasks; t++)
    /* A policy's head: the game's action logits, then the state value. */
    classes[t] = experiment->tasks[t].ncla + (rl ? 1 : 0);
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
  int n_spec;
  int C = experiment->channels, H = experiment->height, W = experiment->width;
  if (rl != blip_config_is_rl (config))
    {
      g_set_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_FAILED,
                   "experiment %s %s games but the configuration's experiment %s %s",
                   experiment->name, rl ? "has" : "has no", config->experiment,
                   blip_config_is_rl (config) ? "is a game experiment" : "is not");
      n_spec = 0;
    }
  else if (rl)
    n_spec = blip_trainer_rl_network_spec (config, experiment, spec, error);
  else if (resnet)
    /* --mul scales the reduced ResNet-18's base width of 20 (GEM, GPM):
     * --mul 3.2 gives the standard 64. */
    n_spec = blip_network_resnet18_spec (C, H, W, MAX (1, (int) nearbyint (20 * config->mul)),
                                         spec, error);
  else if (lenet)
    n_spec = blip_network_lenet_spec (C, H, W, spec, error);
  else if (conv)
    n_spec = blip_network_alexnet_spec (C, H, W, config->mul, config->ndim, spec, error);
  else
    {
      /* The MLP sees the image as one flat vector. */
      C = experiment->input_dim;
      H = W = 1;
      spec[0] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR,
                               .out = config->ndim, .relu = TRUE };
      n_spec = 1;
    }
  if (n_spec > 0)
    tr->net = blip_network_new (C, H, W, spec, n_spec, classes, tr->n_tasks,
                                strategy->klass->quantized, config->max_bit, config->F_prior,
                                &init_rng, tr->max_batch, error);
  g_free (classes);
  if (tr->net == NULL)
    {
      g_prefix_error (error, "%s on %s: ", config->arch, experiment->name);
      blip_trainer_free (tr);
      return NULL;
    }
  if (config->ste && strategy->klass->quantized)
    blip_network_set_quantized_forward (tr->net, TRUE);

  if (!blip_strategy_init (strategy, tr->net, config, error))
    {
      blip_trainer_free (tr);
      return NULL;
    }

  tr->sgd = blip_sgd_new (tr->net->n_params, config->lr, config->momentum, config->weight_decay);
  if (g_strcmp0 (config->optimizer, "adam") == 0)
    tr->adam = blip_adam_new (tr->net->n_params, config->lr, 0.9, 0.999, 1e-8, config->weight_decay);
  if (rl && !blip_trainer_rl_init (tr, error))
    {
      blip_trainer_free (tr);
      return NULL;
    }
  tr->x = g_new (float, (gsize) tr->max_batch * experiment->input_dim);
  tr->y = g_new (gint32, tr->max_batch);
  int max_train = 0;
  for (int t = 0; t < tr->n_tasks; t++)
    max_train = MAX (max_train, experiment->tasks[t].train.n);
  tr->order = g_new (int, max_train);
  tr->best_params = g_new (float, tr->net->n_params);
  tr->best_buffers = tr->net->n_buffers ? g_new (float, tr->net->n_buffers) : NULL;

  gsize nn = (gsize) tr->n_tasks * tr->n_tasks;
  tr->acc = g_new (double, nn);
  tr->loss = g_new (double, nn);
  for (gsize i = 0; i < nn; i++)
    tr->acc[i] = tr->loss[i] = NAN;
  tr->capacity = g_new (double, (gsize) tr->n_tasks * tr->net->n_layers);
  for (gsize i = 0; i < (gsize) tr->n_tasks * tr->net->n_layers; i++)
    tr->capacity[i] = NAN;
  tr->fisher_seconds = g_new (double, tr->n_tasks);
  tr->memory_bytes = g_new (double, tr->n_tasks);
  for (int t = 0; t < tr->n_tasks; t++)
    tr->fisher_seconds[t] = tr->memory_bytes[t] = NAN;
  tr->nan_stop = g_new0 (gboolean, tr->n_tasks);
  tr->phase = PHASE_RUN_BEGIN;
  tr->lr = config->lr;
  tr->next_observer_id = 1;
  return tr;
}

void
blip_trainer_free (BlipTrainer *tr)
{
  if (tr == NULL)
    return;
  for (guint i = 0; i < tr->observers->len; i++)
    {
      Observer *o = &g_array_index (tr->observers, Observer, i);
      if (o->func != NULL && o->destroy)
        o->destroy (o->user_data);
    }
  g_array_free (tr->observers, TRUE);
  g_array_free (tr->history, TRUE);
  blip_trainer_rl_free (tr);
  blip_strategy_free (tr->strategy);
  blip_experiment_free (tr->experiment);
  blip_network_free (tr->net);
  blip_sgd_free (tr->sgd);
  blip_adam_free (tr->adam);
  g_free (tr->x);
  g_free (tr->y);
  g_free (tr->order);
  g_free (tr->best_params);
  g_free (tr->best_buffers);
  g_free (tr->acc);
  g_free (tr->loss);
  g_free (tr->capacity);
  g_free (tr->fisher_seconds);
  g_free (tr->memory_bytes);
  g_free (tr->nan_stop);
  blip_config_clear (&tr->config);
  g_free (tr);
}

guint
blip_trainer_add_observer (BlipTrainer *tr, BlipObserverFunc func, gpointer user_data,
                           GDestroyNotify destroy)
{
  Observer o = { tr->next_observer_id++, func, user_data, destroy };
  g_array_append_val (tr->observers, o);
  return o.id;
}

void
blip_trainer_remove_observer (BlipTrainer *tr, guint id)
{
  for (guint i = 0; i < tr->observers->len; i++)
    {
      Observer *o = &g_array_index (tr->observers, Observer, i);
      if (o->id != id || o->func == NULL)
        continue;
      if (o->destroy)
        o->destroy (o->user_data);
      /* During an emission the array must keep its indices: mark the slot and
       * compact when the outermost emission ends. */
      if (tr->emitting > 0)
        o->func = NULL;
      else
        g_array_remove_index (tr->observers, i);
      return;
    }
}

void
blip_trainer_emit (BlipTrainer *tr, const BlipEvent *event)
{
  tr->emitting++;
  /* Observers added during the emission see the next event, not this one. */
  guint n = tr->observers->len;
  for (guint i = 0; i < n; i++)
    {
      Observer *o = &g_array_index (tr->observers, Observer, i);
      if (o->func != NULL)
        o->func (tr, event, o->user_data);
    }
  if (--tr->emitting == 0)
    for (guint i = tr->observers->len; i-- > 0;)
      if (g_array_index (tr->observers, Observer, i).func == NULL)
        g_array_remove_index (tr->observers, i);
}

static BlipEvent
event_new (BlipTrainer *tr, BlipEventType type)
{
  return (BlipEvent) {
    .type = type,
    .task = tr->task,
    .n_tasks = tr->n_tasks,
    .epoch = tr->epoch,
    .batch = tr->batch,
    .n_batches = tr->n_batches,
    .lr = tr->lr,
    .loss = NAN, .acc = NAN, .valid_loss = NAN, .valid_acc = NAN, .seconds = NAN,
  };
}

static void
emit_message (BlipTrainer *tr, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
emit_message (BlipTrainer *tr, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  BlipEvent ev = event_new (tr, BLIP_EVENT_MESSAGE);
  ev.message = text;
  blip_trainer_emit (tr, &ev);
}

void
blip_trainer_evaluate (BlipTrainer *tr, int task, const BlipSplit *split, double *loss, double *acc)
{
  BlipNetwork *net = tr->net;
  const BlipStrategyClass *klass = tr->strategy->klass;
  BlipBatchInfo info = { .task = task, .training = FALSE };
  double total = 0.0;
  long hits = 0;
  if (tr->strategy->klass->before_eval)
    tr->strategy->klass->before_eval (tr->strategy, tr, task);
  for (int start = 0; start < split->n; start += tr->max_batch)
    {
      int B = MIN (tr->max_batch, split->n - start);
      int correct = 0;
      blip_split_gather_range (split, start, B, tr->x, tr->y);
      if (klass->before_forward)
        klass->before_forward (tr->strategy, tr, &info);
      blip_network_forward (net, tr->x, B, task);
      total += blip_network_loss (net, tr->y, B, task, &correct);
      /* A method's loss on the batch counts as the reference's criterion() does in eval(). */
      if (klass->batch_loss)
        total += klass->batch_loss (tr->strategy, tr, &info, tr->x, B) * B;
      hits += correct;
    }
  double mean = total / split->n;
  /* A regularised method validates on the loss it trains on, as the reference's
   * criterion() does in eval(). */
  if (tr->strategy->klass->penalty != NULL)
    mean += tr->strategy->klass->penalty (tr->strategy, net, NULL);
  if (loss)
    *loss = mean;
  if (acc)
    *acc = (double) hits / split->n;
}

void
blip_trainer_estimate_fisher (BlipTrainer *tr, int task, BlipFisherLabels labels,
                              gboolean batch_mean_scale, float *fisher)
{
  if (tr->rl != NULL)
    {
      blip_trainer_rl_estimate_fisher (tr, task, labels, batch_mean_scale, fisher);
      return;
    }
  BlipNetwork *net = tr->net;
  const BlipSplit *split = &tr->experiment->tasks[task].train;
  int bs = tr->config.fisher_sbatch;
  int total = MIN (split->n, tr->config.fisher_batches * bs);
  int ncla = tr->experiment->tasks[task].ncla;

  /* A fresh shuffle of the task's training set; the first `total` samples. */
  for (int i = 0; i < split->n; i++)
    tr->order[i] = i;
  blip_rng_shuffle (&tr->rng, tr->order, split->n);

  for (int start = 0; start < total; start += bs)
    {
      int B = MIN (bs, total - start);
      blip_split_gather (split, tr->order + start, B, tr->x, tr->y);
      if (tr->strategy->klass->before_forward)
        {
          BlipBatchInfo info = { .task = task, .training = FALSE };
          tr->strategy->klass->before_forward (tr->strategy, tr, &info);
        }
      blip_network_forward (net, tr->x, B, task);
      blip_network_loss (net, tr->y, B, task, NULL);
      if (labels == BLIP_FISHER_SAMPLED)
        for (int b = 0; b < B; b++)
          {
            /* Draw a label from the softmax: the Fisher proper, not the empirical one. */
            const float *p = net->probs + (gsize) b * ncla;
            float u = blip_rng_uniform (&tr->rng), acc = 0.0f;
            int c = 0;
            for (; c < ncla - 1; c++)
              {
                acc += p[c];
                if (u < acc)
                  break;
              }
            tr->y[b] = c;
          }
      blip_network_loss_backward (net, tr->y, B, task, batch_mean_scale ? 1.0f / B : 1.0f);
      blip_network_fisher_backward (net, tr->x, B, task, 1.0f / total, fisher);
    }
}

/* The best model is the parameters and the batchnorm running statistics that
 * go with them (the reference's deepcopy of state_dict() has both). */
static void
keep_best (BlipTrainer *tr)
{
  BlipNetwork *net = tr->net;
  memcpy (tr->best_params, net->params, sizeof (float) * net->n_params);
  if (net->n_buffers > 0)
    memcpy (tr->best_buffers, net->buffers, sizeof (float) * net->n_buffers);
  if (tr->strategy->klass->best_model)
    tr->strategy->klass->best_model (tr->strategy, tr, tr->task, FALSE);
}

/* A fresh optimiser at lr (the reference makes a new one at each task start
 * and each lr decay); lr_gamma's schedule starts again from it. */
static void
optimizer_reset (BlipTrainer *tr)
{
  blip_sgd_reset (tr->sgd, tr->lr);
  if (tr->adam != NULL)
    blip_adam_reset (tr->adam, tr->lr);
  tr->opt_steps = 0;
}

double
blip_trainer_get_step_lr (BlipTrainer *tr)
{
  return tr->config.lr_gamma == 1.0 ? tr->lr
                                      : blip_lr_exponential (tr->lr, tr->config.lr_gamma, tr->opt_steps);
}

static gboolean
task_begin (BlipTrainer *tr, GError **error)
{
  tr->epoch = 0;
  tr->lr = tr->config.lr;
  tr->patience = tr->config.lr_patience;
  tr->best_loss = INFINITY;
  tr->stop_task = FALSE;
  optimizer_reset (tr);
  const BlipTask *task = &tr->experiment->tasks[tr->task];
  if (tr->rl != NULL)
    blip_trainer_rl_task_begin (tr);
  else
    tr->n_batches = (task->train.n + tr->config.sbatch - 1) / tr->config.sbatch;
  if (tr->strategy->klass->before_task)
    tr->strategy->klass->before_task (tr->strategy, tr, tr->task);
  /* After before_task, which may set up the weights the task starts from. */
  keep_best (tr);
  BlipEvent ev = event_new (tr, BLIP_EVENT_TASK_START);
  blip_trainer_emit (tr, &ev);
  return TRUE;
}

static void
epoch_begin (BlipTrainer *tr)
{
  if (tr->rl != NULL)
    {
      blip_trainer_rl_epoch_begin (tr);
      return;
    }
  const BlipSplit *train = &tr->experiment->tasks[tr->task].train;
  for (int i = 0; i < train->n; i++)
    tr->order[i] = i;
  blip_rng_shuffle (&tr->rng, tr->order, train->n);
  tr->batch = 0;
  tr->epoch_loss_sum = 0.0;
  tr->epoch_start_us = g_get_monotonic_time ();
}

BlipAdam *
blip_trainer_get_adam (BlipTrainer *tr)
{
  return tr->adam;
}

typedef struct
{
  BlipTrainer *tr;
  BlipLayer   *layer;
} UpdateJob;

/* Optimiser step and strategy hook over chunks [lo, hi) of one layer. */
static void
update_chunks (gpointer data, gsize lo, gsize hi)
{
  UpdateJob *job = data;
  BlipTrainer *tr = job->tr;
  BlipLayer *layer = job->layer;
  BlipNetwork *net = tr->net;
  void (*hook) (BlipStrategy *, BlipLayer *, gsize, gsize) = tr->strategy->klass->after_update;
  gsize n = layer->n_weight + layer->n_bias;
  for (gsize c = lo; c < hi; c++)
    {
      gsize a = c * UPDATE_CHUNK, e = MIN (n, a + UPDATE_CHUNK);
      if (tr->adam != NULL)
        blip_adam_step_range (tr->adam, net->params, net->grads, layer->offset + a, layer->offset + e);
      else
        blip_sgd_step_range (tr->sgd, net->params, net->grads, layer->offset + a, layer->offset + e);
      if (hook)
        hook (tr->strategy, layer, a, e);
    }
}

/* Optimiser update of one layer's parameters, fused chunk by chunk with the
 * strategy's per-element hook; chunks are spread over the engine's threads. */
void
blip_trainer_update_layer (BlipTrainer *tr, BlipLayer *layer)
{
  if (layer->frozen)
    return;
  gsize n = layer->n_weight + layer->n_bias;
  UpdateJob job = { tr, layer };
  /* Eight chunks (64k elements) per range keep the hand-off cheap beside them. */
  blip_parallel_for ((n + UPDATE_CHUNK - 1) / UPDATE_CHUNK, 8, update_chunks, &job);
}

static void
train_batch (BlipTrainer *tr)
{
  if (tr->rl != NULL)
    {
      blip_trainer_rl_train_batch (tr);
      return;
    }
  BlipNetwork *net = tr->net;
  const BlipSplit *train = &tr->experiment->tasks[tr->task].train;
  int start = tr->batch * tr->config.sbatch;
  int B = MIN (tr->config.sbatch, train->n - start);

  const BlipStrategyClass *klass = tr->strategy->klass;
  BlipBatchInfo info = { .task = tr->task, .training = TRUE, .first = start, .n_samples = train->n };

  blip_split_gather (train, tr->order + start, B, tr->x, tr->y);
  blip_network_set_training (net, TRUE);
  if (klass->before_forward)
    klass->before_forward (tr->strategy, tr, &info);
  blip_network_forward (net, tr->x, B, tr->task);
  double loss = blip_network_loss (net, tr->y, B, tr->task, NULL) / B;
  blip_network_loss_backward (net, tr->y, B, tr->task, 1.0f / B);
  if (klass->batch_loss)
    {
      /* The method's gradient joins the head's in the features' gradient. */
      blip_network_head_backward (net, tr->task, net->dlogits, B, FALSE);
      loss += klass->batch_loss (tr->strategy, tr, &info, tr->x, B);
      blip_network_features_backward (net, tr->x, B);
    }
  else
    blip_network_backward (net, tr->x, B, tr->task);
  blip_network_set_training (net, FALSE);
  if (klass->penalty)
    loss += klass->penalty (tr->strategy, net, net->grads);
  if (klass->before_update)
    klass->before_update (tr->strategy, tr, &info);

  double step_lr = blip_trainer_get_step_lr (tr);
  if (klass->after_backward)
    klass->after_backward (tr->strategy, tr, tr->task);
  if (tr->adam != NULL)
    {
      tr->adam->lr = step_lr;
      blip_adam_begin_step (tr->adam);
    }
  else
    tr->sgd->lr = step_lr;
  tr->opt_steps++;
  for (int i = 0; i < net->n_layers; i++)
    blip_trainer_update_layer (tr, &net->layers[i]);
  for (int t = klass->updates_old_heads ? 0 : tr->task; t <= tr->task; t++)
    blip_trainer_update_layer (tr, &net->heads[t]);
  if (net->forward_params != NULL)
    blip_network_sync_quantized_forward (net);

  tr->epoch_loss_sum += loss;
  BlipEvent ev = event_new (tr, BLIP_EVENT_BATCH_END);
  ev.loss = loss;
  tr->batch++;
  blip_trainer_emit (tr, &ev);
}

static gboolean
epoch_end (BlipTrainer *tr, GError **error)
{
  if (tr->rl != NULL)
    {
      blip_trainer_rl_epoch_end (tr);
      return TRUE;
    }
  const BlipTask *task = &tr->experiment->tasks[tr->task];
  double train_loss, train_acc, valid_loss, valid_acc;
  blip_trainer_evaluate (tr, tr->task, &task->train, &train_loss, &train_acc);
  if (task->valid_is_train)
    {
      /* The reference evaluates the same samples twice; once gives the same numbers. */
      valid_loss = train_loss;
      valid_acc = train_acc;
    }
  else
    blip_trainer_evaluate (tr, tr->task, &task->valid, &valid_loss, &valid_acc);

  BlipEvent ev = event_new (tr, BLIP_EVENT_EPOCH_END);
  ev.loss = train_loss;
  ev.acc = train_acc;
  ev.valid_loss = valid_loss;
  ev.valid_acc = valid_acc;
  ev.seconds = (g_get_monotonic_time () - tr->epoch_start_us) / 1e6;

  BlipEpochRecord rec = { tr->task, tr->epoch, train_loss, train_acc, valid_loss, valid_acc,
                          tr->lr, ev.seconds };
  g_array_append_val (tr->history, rec);

  if (isnan (valid_loss) || isnan (train_loss))
    {
      tr->nan_stop[tr->task] = TRUE;
      tr->stop_task = TRUE;
      blip_trainer_emit (tr, &ev);
      emit_message (tr, "task %d: the loss became NaN in epoch %d; stopping the task and "
                    "restoring the best model (validation loss %.4f)", tr->task + 1, tr->epoch + 1,
                    tr->best_loss);
      return TRUE;
    }

  if (valid_loss < tr->best_loss)
    {
      tr->best_loss = valid_loss;
      tr->patience = tr->config.lr_patience;
      keep_best (tr);
      ev.improved = TRUE;
    }
  else if (--tr->patience <= 0)
    {
      tr->lr /= tr->config.lr_factor;
      if (tr->lr < tr->config.lr_min)
        tr->stop_task = TRUE;
      else
        {
          tr->patience = tr->config.lr_patience;
          optimizer_reset (tr);
        }
    }
  blip_trainer_emit (tr, &ev);
  if (tr->strategy->klass->after_epoch)
    {
      gboolean restart = FALSE;
      if (!tr->strategy->klass->after_epoch (tr->strategy, tr, tr->task, tr->epoch, &restart, error))
        return FALSE;
      if (restart)
        {
          /* A new phase of the task: what came before is not its best model. */
          tr->lr = tr->config.lr;
          tr->patience = tr->config.lr_patience;
          tr->best_loss = INFINITY;
          tr->stop_task = FALSE;
          optimizer_reset (tr);
          keep_best (tr);
        }
    }
  tr->epoch++;
  if (tr->epoch >= tr->config.nepochs)
    tr->stop_task = TRUE;
  return TRUE;
}

static gboolean
task_end (BlipTrainer *tr, GError **error)
{
  BlipNetwork *net = tr->net;
  /* PPO keeps the last policy, as the reference does; supervised tasks
   * restore the best validation model. */
  if (tr->rl == NULL)
    {
      memcpy (net->params, tr->best_params, sizeof (float) * net->n_params);
      if (net->n_buffers > 0)
        memcpy (net->buffers, tr->best_buffers, sizeof (float) * net->n_buffers);
      if (tr->strategy->klass->best_model)
        tr->strategy->klass->best_model (tr->strategy, tr, tr->task, TRUE);
    }
  if (net->forward_params != NULL)
    blip_network_sync_quantized_forward (net);

  if (tr->strategy->klass->after_task)
    {
      double t0 = now_seconds ();
      if (!tr->strategy->klass->after_task (tr->strategy, tr, tr->task, error))
        return FALSE;
      tr->fisher_seconds[tr->task] = now_seconds () - t0;
      if (net->forward_params != NULL)
        blip_network_sync_quantized_forward (net);
    }

  for (int i = 0; i < net->n_layers; i++)
    {
      const BlipQuantState *q = net->layers[i].quant;
      if (q != NULL)
        tr->capacity[tr->task * net->n_layers + i] =
          (double) blip_quant_state_used_bits (q) / ((double) q->max_bit * q->n);
    }
  /* After consolidation: what the method now keeps for tasks 0..task. */
  tr->memory_bytes[tr->task] = (double) blip_strategy_memory_bytes (tr->strategy);

  if (tr->rl != NULL)
    blip_trainer_rl_test (tr);
  else
    for (int u = 0; u <= tr->task; u++)
      {
        double loss, acc;
        blip_trainer_evaluate (tr, u, &tr->experiment->tasks[u].test, &loss, &acc);
        tr->acc[tr->task * tr->n_tasks + u] = acc;
        tr->loss[tr->task * tr->n_tasks + u] = loss;
      }
  tr->tasks_done = tr->task + 1;
  BlipEvent ev = event_new (tr, BLIP_EVENT_TASK_END);
  ev.acc = tr->acc[tr->task * tr->n_tasks + tr->task];
  blip_trainer_emit (tr, &ev);
  return TRUE;
}

/* Runs one phase. Returns FALSE with error set on failure. */
static gboolean
advance (BlipTrainer *tr, GError **error)
{
  switch (tr->phase)
    {
    case PHASE_RUN_BEGIN:
      {
        BlipEvent ev = event_new (tr, BLIP_EVENT_RUN_START);
        blip_trainer_emit (tr, &ev);
        tr->task = 0;
        tr->phase = PHASE_TASK_BEGIN;
        return TRUE;
      }
    case PHASE_TASK_BEGIN:
      if (!task_begin (tr, error))
        return FALSE;
      tr->phase = PHASE_EPOCH_BEGIN;
      return TRUE;
    case PHASE_EPOCH_BEGIN:
      epoch_begin (tr);
      tr->phase = PHASE_BATCH;
      return TRUE;
    case PHASE_BATCH:
      train_batch (tr);
      if (tr->batch >= tr->n_batches || (tr->rl != NULL && tr->stop_task))
        tr->phase = PHASE_EPOCH_END;
      return TRUE;
    case PHASE_EPOCH_END:
      if (!epoch_end (tr, error))
        return FALSE;
      tr->phase = tr->stop_task ? PHASE_TASK_END : PHASE_EPOCH_BEGIN;
      return TRUE;
    case PHASE_TASK_END:
      if (!task_end (tr, error))
        return FALSE;
      if (tr->task + 1 < tr->n_tasks)
        {
          tr->task++;
          tr->phase = PHASE_TASK_BEGIN;
        }
      else
        {
          tr->phase = PHASE_DONE;
          BlipEvent ev = event_new (tr, BLIP_EVENT_RUN_END);
          blip_trainer_emit (tr, &ev);
        }
      return TRUE;
    case PHASE_DONE:
    default:
      return TRUE;
    }
}

BlipStatus
blip_trainer_step (BlipTrainer *tr, BlipStepUnit unit, GError **error)
{
  if (g_atomic_int_get (&tr->cancelled))
    {
      g_set_error_literal (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_CANCELLED, "the run was cancelled");
      return BLIP_STATUS_CANCELLED;
    }
  if (tr->phase == PHASE_DONE)
    return BLIP_STATUS_FINISHED;

  gint64 start = g_get_monotonic_time ();
  /* Time spent between calls (paused, or a UI waiting for its next step)
   * is not part of the epoch. */
  if (tr->idle_since_us != 0)
    tr->epoch_start_us += start - tr->idle_since_us;
  BlipStatus status = BLIP_STATUS_READY;
  gboolean unit_done = FALSE;
  while (tr->phase != PHASE_DONE)
    {
      /* Once the unit is complete, finish only the bookkeeping that follows it
       * (epoch and task ends), so the trainer rests before the next batch. */
      if (unit_done && tr->phase != PHASE_EPOCH_END && tr->phase != PHASE_TASK_END)
        break;
      if (tr->phase == PHASE_BATCH)
        {
          if (g_atomic_int_get (&tr->cancelled))
            {
              g_set_error_literal (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_CANCELLED,
                                   "the run was cancelled");
              status = BLIP_STATUS_CANCELLED;
              break;
            }
          if (g_atomic_int_compare_and_exchange (&tr->pause_requested, 1, 0))
            {
              status = BLIP_STATUS_PAUSED;
              break;
            }
        }
      Phase before = tr->phase;
      if (!advance (tr, error))
        {
          status = BLIP_STATUS_FAILED;
          break;
        }
      if ((unit == BLIP_STEP_BATCH && before == PHASE_BATCH) ||
          (unit == BLIP_STEP_EPOCH && before == PHASE_EPOCH_END) ||
          (unit == BLIP_STEP_TASK && before == PHASE_TASK_END))
        unit_done = TRUE;
    }
  tr->idle_since_us = g_get_monotonic_time ();
  tr->elapsed_before += (tr->idle_since_us - start) / 1e6;
  if (status == BLIP_STATUS_READY && tr->phase == PHASE_DONE)
    status = BLIP_STATUS_FINISHED;
  return status;
}

void
blip_trainer_request_pause (BlipTrainer *tr)
{
  g_atomic_int_set (&tr->pause_requested, 1);
}

void
blip_trainer_cancel (BlipTrainer *tr)
{
  g_atomic_int_set (&tr->cancelled, 1);
}

const BlipConfig *blip_trainer_get_config (BlipTrainer *tr) { return &tr->config; }
BlipNetwork *blip_trainer_get_network (BlipTrainer *tr) { return tr->net; }
BlipExperiment *blip_trainer_get_experiment (BlipTrainer *tr) { return tr->experiment; }
BlipStrategy *blip_trainer_get_strategy (BlipTrainer *tr) { return tr->strategy; }
int blip_trainer_get_n_tasks (BlipTrainer *tr) { return tr->n_tasks; }
int blip_trainer_get_task (BlipTrainer *tr) { return tr->task; }
int blip_trainer_get_tasks_done (BlipTrainer *tr) { return tr->tasks_done; }
double blip_trainer_get_lr (BlipTrainer *tr) { return tr->lr; }
const double *blip_trainer_get_acc_matrix (BlipTrainer *tr) { return tr->acc; }
const double *blip_trainer_get_loss_matrix (BlipTrainer *tr) { return tr->loss; }
double blip_trainer_get_elapsed (BlipTrainer *tr) { return tr->elapsed_before; }
const float *blip_trainer_get_fisher_task (BlipTrainer *tr) { return tr->fisher_task; }

const BlipEpochRecord *
blip_trainer_get_history (BlipTrainer *tr, guint *n)
{
  if (n)
    *n = tr->history->len;
  return (const BlipEpochRecord *) tr->history->data;
}

double
blip_trainer_get_capacity (BlipTrainer *tr, int task, int layer)
{
  g_return_val_if_fail (task >= 0 && task < tr->n_tasks && layer >= 0 && layer < tr->net->n_layers, NAN);
  return tr->capacity[task * tr->net->n_layers + layer];
}

gboolean
blip_trainer_task_hit_nan (BlipTrainer *tr, int task)
{
  g_return_val_if_fail (task >= 0 && task < tr->n_tasks, FALSE);
  return tr->nan_stop[task];
}

double
blip_trainer_get_fisher_seconds (BlipTrainer *tr, int task)
{
  g_return_val_if_fail (task >= 0 && task < tr->n_tasks, NAN);
  return tr->fisher_seconds[task];
}

gint64
blip_trainer_get_memory_bytes (BlipTrainer *tr, int task)
{
  g_return_val_if_fail (task >= 0 && task < tr->n_tasks, -1);
  return isnan (tr->memory_bytes[task]) ? -1 : (gint64) tr->memory_bytes[task];
}

void
blip_trainer_set_fisher_task (BlipTrainer *tr, const float *fisher)
{
  tr->fisher_task = fisher;
}
