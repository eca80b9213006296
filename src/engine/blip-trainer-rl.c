/* blip-trainer-rl.c — the trainer's RL mode: PPO on games, as the
 * reference's RL code (main_rl.py, train_ppo.py, ppo*.py, evaluation.py),
 * driven by the same state machine as supervised training (blip-trainer.c).
 *
 * Per task: Adam is made anew (renew_optimizer), the game's num_envs
 * environments start episodes seeded from the run's seed and the task, and
 * each "batch" is one PPO update over a fresh rollout. Every epoch
 * (log_interval updates) evaluates all games so far. At the task's end the
 * strategy consolidates (its Fisher comes from the last rollout), then every
 * game so far is evaluated into the reward matrix.
 *
 * Checkpoints (blip-checkpoint.c) keep the parameters, Adam's moments and
 * step count, the update counters and the RNG, but not the environments:
 * a resumed run restarts its episodes cleanly at the update boundary (new
 * episode seeds from the update number), so it continues from the same
 * policy and optimiser state without being bit-identical to an
 * uninterrupted run.
 */
#include "blip-trainer-private.h"
#include "blip-env-pool.h"
#include "blip-ppo.h"

#include <math.h>
#include <string.h>

/* Minibatches of the Fisher estimate (ppo_blip.py's feed_forward_generator(…, 32)). */
#define FISHER_CHUNKS 32
/* Training returns averaged for logs (the reference's deque(maxlen=10)). */
#define RECENT 10
/* An evaluation episode still running after this many steps is cut there. */
#define EVAL_MAX_STEPS 10000

struct _BlipRlState {
  BlipPpoParams params;
  BlipEnvPool  *pool;          /* the current task's training environments */
  BlipEnvPool **eval_pools;    /* [n_tasks], made on first use */
  int           N, T, obs_dim, n_heads_max;
  float        *obs;           /* [(T + 1)·N, obs_dim]: slot t holds the N observations of step t */
  gint32       *actions;       /* [T·N] */
  float        *logp;          /* [T·N] log π_old(a|s) */
  float        *values;        /* [(T + 1)·N] */
  float        *rewards;       /* [T·N] */
  float        *dones;         /* [T·N] */
  float        *returns;       /* [T·N] */
  float        *adv;           /* [T·N] */
  int          *perm;          /* [T·N] */
  float        *probs;         /* [max_batch · max_actions] */
  float        *mb_x;          /* [mb, obs_dim] */
  gint32       *mb_actions;
  float        *mb_logp, *mb_adv, *mb_values, *mb_returns;
  float        *eval_obs;      /* [eval_episodes, obs_dim] */
  gint32       *eval_actions;
  float        *eval_rewards, *eval_dones;
  gint64        update;        /* updates done in this task */
  gint64        n_updates;     /* the task's total */
  gint64        frames;        /* of the whole run */
  gboolean      have_rollout;  /* obs[T] is the start of the next rollout */
  double        recent[RECENT];
  int           n_recent, recent_pos;
  double        epoch_loss_sum;
  int           epoch_updates;
  GArray       *curve;         /* doubles, rows of 2 + n_tasks */
};

static int
mb_size (const BlipConfig *c)
{
  return c->num_envs * c->num_steps / c->num_mini_batch;
}

int
blip_trainer_rl_max_batch (const BlipConfig *c)
{
  int fisher = MAX (1, c->num_envs * c->num_steps / FISHER_CHUNKS);
  return MAX (MAX (mb_size (c), c->num_envs), MAX (c->eval_episodes, fisher));
}

/* MinAtar: conv 16 3×3, FC 128; Atari (the reference's CNNBase): conv 32
 * 8×8/4, 64 4×4/2, 128 3×3/1, FC 1024. ReLU after each. */
int
blip_trainer_rl_network_spec (const BlipConfig *c, const BlipExperiment *e, BlipOpSpec *spec, GError **error)
{
  if (g_str_equal (c->arch, "minatar"))
    {
      spec[0] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 16, .k = 3,
                               .stride = 1, .relu = TRUE };
      spec[1] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = c->ndim,
                               .relu = TRUE };
      return 2;
    }
  if (g_str_equal (c->arch, "atari"))
    {
      spec[0] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 32, .k = 8,
                               .stride = 4, .relu = TRUE };
      spec[1] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 64, .k = 4,
                               .stride = 2, .relu = TRUE };
      spec[2] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_CONV2D, .out = 128, .k = 3,
                               .stride = 1, .relu = TRUE };
      spec[3] = (BlipOpSpec) { .kind = BLIP_OP_LAYER, .layer_kind = BLIP_LAYER_LINEAR, .out = c->ndim,
                               .relu = TRUE };
      return 4;
    }
  g_set_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_FAILED,
               "--arch %s is not a policy network (expected minatar or atari)", c->arch);
  return 0;
}

/* The reference's heads: the actor orthogonal with gain 0.01, the critic
 * with gain 1, biases 0. Rows of N(0, gain²/fan_in) have the same scale. */
static void
init_heads (BlipTrainer *tr)
{
  BlipRng rng;
  blip_rng_seed_stream (&rng, tr->config.seed, 3);
  for (int t = 0; t < tr->net->n_heads; t++)
    {
      BlipLayer *h = &tr->net->heads[t];
      float sd = 1.0f / sqrtf ((float) h->in_dim);
      for (int o = 0; o < h->out_dim; o++)
        {
          float gain = o == h->out_dim - 1 ? 1.0f : 0.01f;
          for (int i = 0; i < h->in_dim; i++)
            h->weight[(gsize) o * h->in_dim + i] = gain * sd * blip_rng_normal (&rng);
          if (h->bias)
            h->bias[o] = 0.0f;
        }
    }
}

gboolean
blip_trainer_rl_init (BlipTrainer *tr, GError **error)
{
  const BlipConfig *c = &tr->config;
  /* The PPO loop calls the strategy's task hooks, the penalty and the
   * per-range update hook, as the reference's ppo_blip and ppo_ewc need; the
   * per-batch hooks of LwF, HAT and HALRP act on supervised batches only. */
  const BlipStrategyClass *k = tr->strategy->klass;
  if (k->before_forward || k->batch_loss || k->before_update || k->after_backward || k->before_eval ||
      k->after_epoch || k->updates_old_heads)
    {
      g_set_error (error, BLIP_TRAINER_ERROR, BLIP_TRAINER_ERROR_FAILED,
                   "--approach %s works on data sets only; game experiments (--experiment %s) run "
                   "blip, sgd, sgd-frozen or ewc", k->name, c->experiment);
      return FALSE;
    }
  BlipRlState *rl = g_new0 (BlipRlState, 1);
  tr->rl = rl;
  rl->N = c->num_envs;
  rl->T = c->num_steps;
  rl->obs_dim = tr->experiment->input_dim;
  rl->params = (BlipPpoParams) { c->clip_param, c->value_loss_coef, c->entropy_coef };
  /* PPO always steps with Adam (eps --eps): the trainer's one Adam, so the
   * update and the checkpoint code treat it like any other run's. */
  blip_adam_free (tr->adam);
  tr->adam = blip_adam_new (tr->net->n_params, c->lr, 0.9, 0.999, c->adam_eps, 0.0);
  gsize TN = (gsize) rl->T * rl->N, D = rl->obs_dim;
  rl->obs = g_new0 (float, (TN + rl->N) * D);
  rl->actions = g_new0 (gint32, TN);
  rl->logp = g_new0 (float, TN);
  rl->values = g_new0 (float, TN + rl->N);
  rl->rewards = g_new0 (float, TN);
  rl->dones = g_new0 (float, TN);
  rl->returns = g_new0 (float, TN);
  rl->adv = g_new0 (float, TN);
  rl->perm = g_new0 (int, TN);
  int max_actions = 1;
  for (int t = 0; t < tr->n_tasks; t++)
    max_actions = MAX (max_actions, tr->experiment->tasks[t].ncla);
  rl->probs = g_new0 (float, (gsize) tr->max_batch * max_actions);
  int mb = MAX (mb_size (c), (int) (TN / FISHER_CHUNKS) + 1);
  rl->mb_x = g_new0 (float, (gsize) mb * D);
  rl->mb_actions = g_new0 (gint32, mb);
  rl->mb_logp = g_new0 (float, mb);
  rl->mb_adv = g_new0 (float, mb);
  rl->mb_values = g_new0 (float, mb);
  rl->mb_returns = g_new0 (float, mb);
  int E = c->eval_episodes;
  rl->eval_obs = g_new0 (float, (gsize) E * D);
  rl->eval_actions = g_new0 (gint32, E);
  rl->eval_rewards = g_new0 (float, E);
  rl->eval_dones = g_new0 (float, E);
  rl->eval_pools = g_new0 (BlipEnvPool *, tr->n_tasks);
  rl->curve = g_array_new (FALSE, FALSE, sizeof (double));
  init_heads (tr);
  return TRUE;
}

void
blip_trainer_rl_free (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  if (rl == NULL)
    return;
  blip_env_pool_free (rl->pool);
  for (int t = 0; t < tr->n_tasks; t++)
    blip_env_pool_free (rl->eval_pools[t]);
  g_free (rl->eval_pools);
  g_free (rl->obs);
  g_free (rl->actions);
  g_free (rl->logp);
  g_free (rl->values);
  g_free (rl->rewards);
  g_free (rl->dones);
  g_free (rl->returns);
  g_free (rl->adv);
  g_free (rl->perm);
  g_free (rl->probs);
  g_free (rl->mb_x);
  g_free (rl->mb_actions);
  g_free (rl->mb_logp);
  g_free (rl->mb_adv);
  g_free (rl->mb_values);
  g_free (rl->mb_returns);
  g_free (rl->eval_obs);
  g_free (rl->eval_actions);
  g_free (rl->eval_rewards);
  g_free (rl->eval_dones);
  g_array_free (rl->curve, TRUE);
  g_free (rl);
  tr->rl = NULL;
}

/* n environments of task `task` in a pool; NULL (and a message) if the factory fails. */
static BlipEnvPool *
make_pool (BlipTrainer *tr, int task, int n, gboolean training)
{
  BlipRlExperiment *x = tr->experiment->rl;
  BlipEnv **envs = g_new0 (BlipEnv *, n);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      envs[i] = x->make_env (x->data, task, training, &error);
      /* The experiment made this game's environment when it opened; a factory
       * that fails now is a broken back end. */
      if (envs[i] == NULL)
        g_error ("environment of task %d: %s", task + 1, error->message);
    }
  BlipEnvPool *p = blip_env_pool_new (envs, n, tr->rl->obs_dim, training, tr->config.env_threads);
  g_free (envs);
  return p;
}

/* Seed of a task's training episodes when its rollout (re)starts at `update`. */
static guint64
train_base_seed (BlipTrainer *tr, int task, gint64 update)
{
  return blip_env_pool_episode_seed (tr->config.seed ^ 0x7261696eull, task, (guint64) update);
}

static void
start_rollouts (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  blip_env_pool_free (rl->pool);
  rl->pool = make_pool (tr, tr->task, rl->N, TRUE);
  blip_env_pool_reset (rl->pool, train_base_seed (tr, tr->task, rl->update), rl->obs);
  rl->have_rollout = FALSE;
}

static void add_curve_point (BlipTrainer *tr);

static gint64
task_updates (const BlipConfig *c)
{
  return MAX (1, (gint64) c->frames / ((gint64) c->num_envs * c->num_steps));
}

void
blip_trainer_rl_task_begin (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  /* A new optimiser per task, as renew_optimizer(). */
  blip_adam_reset (tr->adam, tr->config.lr);
  rl->update = 0;
  rl->n_updates = task_updates (&tr->config);
  rl->n_recent = rl->recent_pos = 0;
  tr->n_batches = (int) MIN (tr->config.log_interval, rl->n_updates);
  start_rollouts (tr);
  /* The untrained policy's returns: the curve's first point, at frame 0. */
  if (rl->curve->len == 0)
    add_curve_point (tr);
}

/* Called on resume: the epoch's batch counters are restored; the episodes
 * restart at the update boundary. */
void
blip_trainer_rl_epoch_begin (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  if (rl->pool == NULL)
    start_rollouts (tr);
  tr->batch = 0;
  gint64 left = rl->n_updates - rl->update;
  tr->n_batches = (int) MIN ((gint64) tr->config.log_interval, left);
  rl->epoch_loss_sum = 0.0;
  rl->epoch_updates = 0;
  tr->epoch_start_us = g_get_monotonic_time ();
}

/* π of out[A + 1]'s logits into probs; returns a sampled (or greedy) action and its log π. */
static int
pick_action (const float *out, int A, float *probs, gboolean greedy, BlipRng *rng, float *logp)
{
  double lse = blip_ppo_softmax (out, A, probs);
  int a = 0;
  if (greedy)
    {
      for (int j = 1; j < A; j++)
        if (out[j] > out[a])
          a = j;
    }
  else
    {
      float u = blip_rng_uniform (rng), acc = 0.0f;
      for (a = 0; a < A - 1; a++)
        {
          acc += probs[a];
          if (u < acc)
            break;
        }
    }
  if (logp)
    *logp = (float) (out[a] - lse);
  return a;
}

static void
note_return (BlipRlState *rl, double r)
{
  rl->recent[rl->recent_pos] = r;
  rl->recent_pos = (rl->recent_pos + 1) % RECENT;
  rl->n_recent = MIN (rl->n_recent + 1, RECENT);
}

double
blip_trainer_rl_recent_return (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  if (rl == NULL || rl->n_recent == 0)
    return NAN;
  double s = 0.0;
  for (int i = 0; i < rl->n_recent; i++)
    s += rl->recent[i];
  return s / rl->n_recent;
}

/* One rollout of T steps of N environments into the storage, then returns and advantages. */
static void
collect_rollout (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  BlipNetwork *net = tr->net;
  int N = rl->N, T = rl->T, A = tr->experiment->tasks[tr->task].ncla;
  gsize D = rl->obs_dim;
  /* The previous rollout's last observation starts this one (after_update()). */
  if (rl->have_rollout)
    memcpy (rl->obs, rl->obs + (gsize) T * N * D, sizeof (float) * N * D);
  for (int t = 0; t < T; t++)
    {
      float *obs_t = rl->obs + (gsize) t * N * D;
      const float *out = blip_network_forward (net, obs_t, N, tr->task);
      for (int n = 0; n < N; n++)
        {
          gsize i = (gsize) t * N + n;
          const float *o = out + (gsize) n * (A + 1);
          rl->actions[i] = pick_action (o, A, rl->probs, FALSE, &tr->rng, &rl->logp[i]);
          rl->values[i] = o[A];
        }
      blip_env_pool_step (rl->pool, rl->actions + (gsize) t * N, obs_t + (gsize) N * D,
                          rl->rewards + (gsize) t * N, rl->dones + (gsize) t * N);
      int nf;
      const double *fin = blip_env_pool_finished (rl->pool, &nf);
      for (int k = 0; k < nf; k++)
        note_return (rl, fin[k]);
    }
  const float *out = blip_network_forward (net, rl->obs + (gsize) T * N * D, N, tr->task);
  for (int n = 0; n < N; n++)
    rl->values[(gsize) T * N + n] = out[(gsize) n * (A + 1) + A];
  blip_ppo_gae (rl->rewards, rl->dones, rl->values, T, N, tr->config.discount, tr->config.gae_lambda,
                rl->returns, rl->adv);
  blip_ppo_normalize (rl->adv, (gsize) T * N);
  rl->have_rollout = TRUE;
  rl->frames += (gint64) T * N;
}

/* One minibatch of indices idx[0..B): forward, PPO loss, backward, penalty,
 * clip, Adam, strategy hook. Returns the total loss. */
static double
ppo_minibatch (BlipTrainer *tr, const int *idx, int B)
{
  BlipRlState *rl = tr->rl;
  BlipNetwork *net = tr->net;
  int A = tr->experiment->tasks[tr->task].ncla;
  gsize D = rl->obs_dim;
  for (int b = 0; b < B; b++)
    {
      int i = idx[b];
      memcpy (rl->mb_x + (gsize) b * D, rl->obs + (gsize) i * D, sizeof (float) * D);
      rl->mb_actions[b] = rl->actions[i];
      rl->mb_logp[b] = rl->logp[i];
      rl->mb_adv[b] = rl->adv[i];
      rl->mb_values[b] = rl->values[i];
      rl->mb_returns[b] = rl->returns[i];
    }
  blip_network_set_training (net, TRUE);
  const float *out = blip_network_forward (net, rl->mb_x, B, tr->task);
  BlipPpoLoss loss;
  blip_ppo_loss (out, B, A, rl->mb_actions, rl->mb_logp, rl->mb_adv, rl->mb_values, rl->mb_returns,
                 &rl->params, rl->probs, net->dlogits, &loss);
  blip_network_backward (net, rl->mb_x, B, tr->task);
  blip_network_set_training (net, FALSE);
  double total = loss.total;
  if (tr->strategy->klass->penalty)
    total += tr->strategy->klass->penalty (tr->strategy, net, net->grads);

  /* clip_grad_norm_ over the parameters that have gradients: the features
   * (unless frozen) and this task's head. */
  blip_strategy_clip_grad_norm (tr->strategy, tr->task, NULL, 0, tr->config.max_grad_norm);

  blip_adam_begin_step (tr->adam);
  for (int l = 0; l < net->n_layers; l++)
    blip_trainer_update_layer (tr, &net->layers[l]);
  blip_trainer_update_layer (tr, &net->heads[tr->task]);
  if (net->forward_params != NULL)
    blip_network_sync_quantized_forward (net);
  return total;
}

void
blip_trainer_rl_train_batch (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  const BlipConfig *c = &tr->config;
  tr->lr = blip_lr_linear (c->lr, rl->update, rl->n_updates);
  tr->adam->lr = tr->lr;
  if (rl->pool == NULL)   /* resumed in the middle of an epoch */
    start_rollouts (tr);

  collect_rollout (tr);

  int TN = rl->T * rl->N, mb = mb_size (c);
  double loss_sum = 0.0;
  int n_mb = 0;
  for (int e = 0; e < c->ppo_epochs; e++)
    {
      for (int i = 0; i < TN; i++)
        rl->perm[i] = i;
      blip_rng_shuffle (&tr->rng, rl->perm, TN);
      for (int k = 0; k < c->num_mini_batch; k++, n_mb++)
        loss_sum += ppo_minibatch (tr, rl->perm + (gsize) k * mb, mb);
    }
  double loss = loss_sum / n_mb;
  rl->update++;
  rl->epoch_loss_sum += loss;
  rl->epoch_updates++;

  BlipEvent ev = {
    .type = BLIP_EVENT_BATCH_END, .task = tr->task, .n_tasks = tr->n_tasks, .epoch = tr->epoch,
    .batch = tr->batch, .n_batches = tr->n_batches, .lr = tr->lr, .loss = loss,
    .acc = blip_trainer_rl_recent_return (tr), .valid_loss = NAN, .valid_acc = NAN, .seconds = NAN,
  };
  tr->batch++;
  if (isnan (loss))
    {
      tr->nan_stop[tr->task] = TRUE;
      tr->stop_task = TRUE;
    }
  blip_trainer_emit (tr, &ev);
}

/* Mean return (and length) of eval_episodes greedy episodes of game `task`,
 * each in its own environment, seeded identically at every evaluation. */
static double
evaluate_game (BlipTrainer *tr, int task, double *mean_length)
{
  BlipRlState *rl = tr->rl;
  BlipNetwork *net = tr->net;
  int E = tr->config.eval_episodes, A = tr->experiment->tasks[task].ncla;
  if (rl->eval_pools[task] == NULL)
    rl->eval_pools[task] = make_pool (tr, task, E, FALSE);
  BlipEnvPool *pool = rl->eval_pools[task];
  blip_env_pool_reset (pool, blip_env_pool_episode_seed (tr->config.seed ^ 0x6576616cull, task, 0),
                       rl->eval_obs);
  double length_sum = 0.0;
  int steps = 0;
  while (blip_env_pool_n_done (pool) < E && steps < EVAL_MAX_STEPS)
    {
      const float *out = blip_network_forward (net, rl->eval_obs, E, task);
      for (int n = 0; n < E; n++)
        rl->eval_actions[n] = pick_action (out + (gsize) n * (A + 1), A, rl->probs, TRUE, NULL, NULL);
      int done_before = blip_env_pool_n_done (pool);
      blip_env_pool_step (pool, rl->eval_actions, rl->eval_obs, rl->eval_rewards, rl->eval_dones);
      steps++;
      length_sum += (double) (blip_env_pool_n_done (pool) - done_before) * steps;
    }
  double sum = 0.0;
  for (int n = 0; n < E; n++)
    sum += blip_env_pool_episode_return (pool, n);
  length_sum += (double) (E - blip_env_pool_n_done (pool)) * steps;
  if (mean_length)
    *mean_length = length_sum / E;
  return sum / E;
}

/* A row of the curve: every game up to the current task evaluated now. */
static void
add_curve_point (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  double task = tr->task, frames = (double) rl->frames;
  g_array_append_val (rl->curve, task);
  g_array_append_val (rl->curve, frames);
  for (int j = 0; j < tr->n_tasks; j++)
    {
      double r = j <= tr->task ? evaluate_game (tr, j, NULL) : NAN;
      g_array_append_val (rl->curve, r);
    }
}

void
blip_trainer_rl_epoch_end (BlipTrainer *tr)
{
  BlipRlState *rl = tr->rl;
  add_curve_point (tr);
  int W = 2 + tr->n_tasks;
  double eval = g_array_index (rl->curve, double, rl->curve->len - W + 2 + tr->task);
  BlipEvent ev = {
    .type = BLIP_EVENT_EPOCH_END, .task = tr->task, .n_tasks = tr->n_tasks, .epoch = tr->epoch,
    .batch = tr->batch, .n_batches = tr->n_batches, .lr = tr->lr,
    .loss = rl->epoch_updates ? rl->epoch_loss_sum / rl->epoch_updates : NAN,
    .acc = blip_trainer_rl_recent_return (tr), .valid_loss = NAN, .valid_acc = eval,
    .seconds = (g_get_monotonic_time () - tr->epoch_start_us) / 1e6,
  };
  BlipEpochRecord rec = { tr->task, tr->epoch, ev.loss, ev.acc, NAN, eval, tr->lr, ev.seconds };
  g_array_append_val (tr->history, rec);
  blip_trainer_emit (tr, &ev);
  tr->epoch++;
  if (rl->update >= rl->n_updates || tr->nan_stop[tr->task])
    tr->stop_task = TRUE;
}

void
blip_trainer_rl_test (BlipTrainer *tr)
{
  for (int u = 0; u <= tr->task; u++)
    {
      double length;
      tr->acc[tr->task * tr->n_tasks + u] = evaluate_game (tr, u, &length);
      tr->loss[tr->task * tr->n_tasks + u] = length;
    }
}

void
blip_trainer_rl_estimate_fisher (BlipTrainer *tr, int task, BlipFisherLabels labels,
                                 gboolean batch_mean_scale, float *fisher)
{
  BlipRlState *rl = tr->rl;
  BlipNetwork *net = tr->net;
  if (!rl->have_rollout)
    return;
  int TN = rl->T * rl->N, A = tr->experiment->tasks[task].ncla;
  int chunks = MIN (FISHER_CHUNKS, TN), B = TN / chunks, total = B * chunks;
  gsize D = rl->obs_dim;
  for (int i = 0; i < TN; i++)
    rl->perm[i] = i;
  blip_rng_shuffle (&tr->rng, rl->perm, TN);
  float s = batch_mean_scale ? 1.0f / B : 1.0f;
  for (int k = 0; k < chunks; k++)
    {
      const int *idx = rl->perm + (gsize) k * B;
      for (int b = 0; b < B; b++)
        memcpy (rl->mb_x + (gsize) b * D, rl->obs + (gsize) idx[b] * D, sizeof (float) * D);
      const float *out = blip_network_forward (net, rl->mb_x, B, task);
      for (int b = 0; b < B; b++)
        {
          const float *o = out + (gsize) b * (A + 1);
          float *d = net->dlogits + (gsize) b * (A + 1);
          float *p = rl->probs;
          int a = labels == BLIP_FISHER_SAMPLED ? pick_action (o, A, p, FALSE, &tr->rng, NULL)
                                                : (blip_ppo_softmax (o, A, p), rl->actions[idx[b]]);
          /* ∂(−log π(a))/∂z = π − onehot(a); the value output does not enter. */
          for (int j = 0; j < A; j++)
            d[j] = s * (p[j] - (j == a));
          d[A] = 0.0f;
        }
      blip_network_fisher_backward (net, rl->mb_x, B, task, 1.0f / total, fisher);
    }
}

gboolean blip_trainer_is_rl (BlipTrainer *tr) { return tr->rl != NULL; }
gint64 blip_trainer_rl_get_frames (BlipTrainer *tr) { return tr->rl ? tr->rl->frames : 0; }
GArray *blip_trainer_rl_curve_array (BlipTrainer *tr) { return tr->rl->curve; }

gint64
blip_trainer_rl_get_update (BlipTrainer *tr, gint64 *n_updates)
{
  if (n_updates)
    *n_updates = tr->rl ? tr->rl->n_updates : 0;
  return tr->rl ? tr->rl->update : 0;
}

void
blip_trainer_rl_get_counters (BlipTrainer *tr, gint64 *update, gint64 *frames)
{
  *update = tr->rl->update;
  *frames = tr->rl->frames;
}

void
blip_trainer_rl_set_counters (BlipTrainer *tr, gint64 update, gint64 frames)
{
  BlipRlState *rl = tr->rl;
  rl->update = update;
  rl->frames = frames;
  rl->n_updates = task_updates (&tr->config);
  /* Episodes restart at the update boundary (see the top of this file). */
  blip_env_pool_free (rl->pool);
  rl->pool = NULL;
  rl->have_rollout = FALSE;
}

const double *
blip_trainer_rl_get_curve (BlipTrainer *tr, guint *n_points)
{
  if (tr->rl == NULL)
    {
      *n_points = 0;
      return NULL;
    }
  *n_points = tr->rl->curve->len / (2 + tr->n_tasks);
  return (const double *) tr->rl->curve->data;
}

BlipEnv *
blip_trainer_rl_new_env (BlipTrainer *tr, int task, GError **error)
{
  g_return_val_if_fail (tr->rl != NULL && task >= 0 && task < tr->n_tasks, NULL);
  BlipRlExperiment *x = tr->experiment->rl;
  return x->make_env (x->data, task, FALSE, error);
}

BlipNetwork *
blip_trainer_rl_new_policy (BlipTrainer *tr)
{
  g_return_val_if_fail (tr->rl != NULL, NULL);
  BlipOpSpec spec[BLIP_NETWORK_MAX_SPEC];
  int n_spec = blip_trainer_rl_network_spec (&tr->config, tr->experiment, spec, NULL);
  int *classes = g_new (int, tr->n_tasks);
  for (int t = 0; t < tr->n_tasks; t++)
    classes[t] = tr->net->heads[t].out_dim;
  BlipRng rng;
  blip_rng_seed (&rng, 0);
  BlipExperiment *e = tr->experiment;
  BlipNetwork *copy = blip_network_new (e->channels, e->height, e->width, spec, n_spec, classes,
                                        tr->n_tasks, FALSE, tr->config.max_bit, tr->config.F_prior,
                                        &rng, 1, NULL);
  g_free (classes);
  blip_trainer_rl_copy_policy (tr, copy);
  return copy;
}

void
blip_trainer_rl_copy_policy (BlipTrainer *tr, BlipNetwork *policy)
{
  g_return_if_fail (policy->n_params == tr->net->n_params);
  memcpy (policy->params, tr->net->params, sizeof (float) * tr->net->n_params);
}

int
blip_rl_act (BlipNetwork *policy, int task, const float *obs, gsize obs_size, int n_actions, gboolean greedy,
             BlipRng *rng, float *input, float *probs, float *value)
{
  gsize own = MIN (obs_size, (gsize) policy->input_dim);
  if (input != obs)
    memcpy (input, obs, sizeof (float) * own);
  memset (input + own, 0, sizeof (float) * (policy->input_dim - own));
  const float *out = blip_network_forward (policy, input, 1, task);
  int A = CLAMP (n_actions, 1, policy->heads[task].out_dim);
  float local[64];
  float *p = probs != NULL ? probs : (A <= 64 ? local : g_new (float, A));
  int a = pick_action (out, A, p, greedy, rng, NULL);
  if (value)
    *value = out[A];
  if (p != probs && p != local)
    g_free (p);
  return a;
}

int
blip_rl_play_step (BlipNetwork *policy, int task, BlipEnv *env, gboolean greedy, BlipRng *rng,
                   float *obs_scratch, float *probs, float *value, float *reward, gboolean *done)
{
  blip_env_observation (env, obs_scratch);
  int a = blip_rl_act (policy, task, obs_scratch, blip_env_obs_size (env), blip_env_n_actions (env), greedy,
                       rng, obs_scratch, probs, value);
  blip_env_step (env, a, reward, done);
  return a;
}

void
blip_trainer_rl_get_rollout (BlipTrainer *tr, const float **obs, const gint32 **actions, int *n)
{
  *obs = tr->rl->obs;
  *actions = tr->rl->actions;
  *n = tr->rl->T * tr->rl->N;
}
