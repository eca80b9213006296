/* test-ppo.c — PPO in the trainer's RL mode: GAE and the PPO losses against
 * hand-computed values, finite-difference gradients (w.r.t. the outputs and
 * through a network), the RL Fisher against a per-sample loop, determinism
 * across thread counts, checkpoints, live play with a policy copy, learning on
 * a native game, and `blip run` end to end with BLIP, EWC and fine-tuning. */
#include "blip.h"
#include "blip-ppo.h"
#include "blip-env-pool.h"
#include "blip-trainer-private.h"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

#define BLIP_EXE BLIP_TEST_BUILDDIR "/src/cli/blip"

static void
test_gae (void)
{
  /* Two environments, three steps, time-major [t·2 + n]. Environment 0's
   * episode ends at step 1 (no bootstrap through it), environment 1's at
   * step 2; environment 0 bootstraps from V(s_3) = 4.
   *   env 0 (γ 0.9, λ 0.5): δ2 = 3 + 0.9·4 − 2 = 4.6, A2 = 4.6
   *                         δ1 = 2 − 1 = 1 (ended), A1 = 1
   *                         δ0 = 1 + 0.9·1 − 0.5 = 1.4, A0 = 1.4 + 0.45·1 = 1.85
   *   env 1: A2 = 1 − 0 = 1 (ended), A1 = 0 + 0.45·1 = 0.45, A0 = 0.45·0.45 = 0.2025 */
  const float rewards[] = { 1, 0, 2, 0, 3, 1 };
  const float dones[] = { 0, 0, 1, 0, 0, 1 };
  const float values[] = { 0.5f, 0, 1.0f, 0, 2.0f, 0, 4.0f, 10.0f };
  float ret[6], adv[6];
  blip_ppo_gae (rewards, dones, values, 3, 2, 0.9, 0.5, ret, adv);
  const double want_adv[] = { 1.85, 0.2025, 1.0, 0.45, 4.6, 1.0 };
  for (int i = 0; i < 6; i++)
    {
      g_assert_cmpfloat_with_epsilon (adv[i], want_adv[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (ret[i], want_adv[i] + values[i], 1e-6);
    }

  /* Normalisation: mean 0, Bessel-corrected std 1 (up to the 1e-5). */
  float a[] = { 1, 2, 3, 4 };
  blip_ppo_normalize (a, 4);
  double sd = sqrt (5.0 / 3.0);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (a[i], (i + 1 - 2.5) / (sd + 1e-5), 1e-6);
}

/* Three samples of two actions, clip 0.1:
 *   0: π = (¼, ¾), a = 1, π_old(a) = ½: ratio 1.5, A = +2 → clipped term 2.2 is the min (no gradient);
 *      V = 1 from 0.5 toward R = 2: clipped V 0.6 gives the larger loss 1.96.
 *   1: π = (½, ½), a = 0, π_old = 0.8: ratio 0.625, A = +1 → unclipped 0.625 is the min;
 *      V = 0 = V_old, R = 1: loss 1.
 *   2: π = (¾, ¼), a = 0, π_old = ½: ratio 1.5, A = −1 → unclipped −1.5 is the min;
 *      V = 2 from 1.95 (inside the clip), R = 0: loss 4. */
static void
ppo_case (float *out, gint32 *actions, float *old_logp, float *adv, float *old_v, float *ret)
{
  const float o[] = { 0, logf (3), 1.0f,   0, 0, 0.0f,   logf (3), 0, 2.0f };
  memcpy (out, o, sizeof o);
  actions[0] = 1, actions[1] = 0, actions[2] = 0;
  old_logp[0] = logf (0.5f), old_logp[1] = logf (0.8f), old_logp[2] = logf (0.5f);
  adv[0] = 2, adv[1] = 1, adv[2] = -1;
  old_v[0] = 0.5f, old_v[1] = 0, old_v[2] = 1.95f;
  ret[0] = 2, ret[1] = 1, ret[2] = 0;
}

static void
test_loss_values (void)
{
  float out[9], adv[3], old_logp[3], old_v[3], ret[3], probs[6], dout[9];
  gint32 actions[3];
  ppo_case (out, actions, old_logp, adv, old_v, ret);
  BlipPpoParams p = { 0.1, 0.5, 0.01 };
  BlipPpoLoss l;
  blip_ppo_loss (out, 3, 2, actions, old_logp, adv, old_v, ret, &p, probs, dout, &l);
  double H13 = -(0.25 * log (0.25) + 0.75 * log (0.75)), H2 = log (2.0);
  double action = -(2.2 + 0.625 - 1.5) / 3, value = 0.5 * (1.96 + 1.0 + 4.0) / 3;
  double entropy = (2 * H13 + H2) / 3;
  g_assert_cmpfloat_with_epsilon (l.action, action, 1e-6);
  g_assert_cmpfloat_with_epsilon (l.value, value, 1e-6);
  g_assert_cmpfloat_with_epsilon (l.entropy, entropy, 1e-6);
  g_assert_cmpfloat_with_epsilon (l.total, 0.5 * value + action - 0.01 * entropy, 1e-6);
  g_assert_cmpfloat_with_epsilon (l.clip_fraction, 1.0, 1e-12);
  /* Sample 0: the clipped branch carries no surrogate gradient, only the
   * entropy's: ∂(−0.01·H/3)/∂z_j = 0.01·π_j(log π_j + H)/3. The clipped value
   * term has none either. */
  g_assert_cmpfloat_with_epsilon (dout[0], 0.01 * 0.25 * (log (0.25) + H13) / 3, 1e-7);
  g_assert_cmpfloat_with_epsilon (dout[2], 0.0, 1e-12);
  /* Sample 1: −r·A·(δ_a0 − π_0)/3 = −0.625·0.5/3 on the taken action. */
  g_assert_cmpfloat_with_epsilon (dout[3], -0.625 * 0.5 / 3, 1e-6);
  /* Value of sample 2: 0.5·(V − R)/3 = 0.5·2/3. */
  g_assert_cmpfloat_with_epsilon (dout[8], 0.5 * 2.0 / 3, 1e-6);
}

static double
loss_at (const float *out, int B, int A, const gint32 *actions, const float *old_logp, const float *adv,
         const float *old_v, const float *ret, const BlipPpoParams *p)
{
  float *probs = g_new (float, B * A), *dout = g_new (float, B * (A + 1));
  BlipPpoLoss l;
  blip_ppo_loss (out, B, A, actions, old_logp, adv, old_v, ret, p, probs, dout, &l);
  g_free (probs);
  g_free (dout);
  return l.total;
}

/* Random samples in every regime of the clips, away from their kinks. */
static void
random_case (BlipRng *rng, int B, int A, float *out, gint32 *actions, float *old_logp, float *adv,
             float *old_v, float *ret)
{
  for (int b = 0; b < B; b++)
    {
      float *o = out + b * (A + 1);
      for (int j = 0; j <= A; j++)
        o[j] = (float) blip_rng_normal (rng);
      actions[b] = (gint32) blip_rng_below (rng, A);
      float probs[8];
      double lse = blip_ppo_softmax (o, A, probs);
      double logp = o[actions[b]] - lse;
      /* ratios 0.7, 0.95, 1.05 or 1.3: both sides of the clip */
      static const double ratios[] = { 0.7, 0.95, 1.05, 1.3 };
      old_logp[b] = (float) (logp - log (ratios[b % 4]));
      adv[b] = (b / 4) % 2 ? -1.3f : 0.8f;
      /* value moved by −0.3, −0.05, 0.05 or 0.3 from the old one */
      static const double moves[] = { -0.3, -0.05, 0.05, 0.3 };
      old_v[b] = (float) (o[A] - moves[(b / 2) % 4]);
      ret[b] = (float) blip_rng_normal (rng);
    }
}

static void
test_loss_gradient (void)
{
  enum { B = 16, A = 4 };
  BlipRng rng;
  blip_rng_seed (&rng, 7);
  float out[B * (A + 1)], adv[B], old_logp[B], old_v[B], ret[B], probs[B * A], dout[B * (A + 1)];
  gint32 actions[B];
  random_case (&rng, B, A, out, actions, old_logp, adv, old_v, ret);
  BlipPpoParams p = { 0.1, 0.5, 0.01 };
  BlipPpoLoss l;
  blip_ppo_loss (out, B, A, actions, old_logp, adv, old_v, ret, &p, probs, dout, &l);
  const float h = 1e-3f;
  for (int i = 0; i < B * (A + 1); i++)
    {
      float keep = out[i];
      out[i] = keep + h;
      double up = loss_at (out, B, A, actions, old_logp, adv, old_v, ret, &p);
      out[i] = keep - h;
      double down = loss_at (out, B, A, actions, old_logp, adv, old_v, ret, &p);
      out[i] = keep;
      double fd = (up - down) / (2 * h);
      g_assert_cmpfloat_with_epsilon (dout[i], fd, 2e-4 + 1e-2 * fabs (fd));
    }
}

/* The total loss through a small network: ∂/∂θ by backward against central differences. */
static void
test_network_gradient (void)
{
  enum { B = 8, A = 3, IN = 5 };
  int hidden[] = { 6 };
  int classes[] = { A + 1 };
  BlipRng rng;
  blip_rng_seed (&rng, 11);
  BlipNetwork *net = blip_network_new_mlp (IN, hidden, 1, classes, 1, FALSE, 20, 1e-15, &rng, B);
  float x[B * IN], adv[B], old_logp[B], old_v[B], ret[B], probs[B * A];
  gint32 actions[B];
  for (int i = 0; i < B * IN; i++)
    x[i] = (float) blip_rng_normal (&rng);
  /* The old policy is the current one up to a ratio of 0.97 or 1.03, so every sample is unclipped. */
  const float *out = blip_network_forward (net, x, B, 0);
  for (int b = 0; b < B; b++)
    {
      actions[b] = b % A;
      double lse = blip_ppo_softmax (out + b * (A + 1), A, probs);
      old_logp[b] = (float) (out[b * (A + 1) + actions[b]] - lse - log (b % 2 ? 0.97 : 1.03));
      adv[b] = b % 3 ? 0.7f : -1.1f;
      old_v[b] = out[b * (A + 1) + A] + (b % 2 ? 0.02f : -0.02f);
      ret[b] = (float) blip_rng_normal (&rng);
    }
  BlipPpoParams p = { 0.1, 0.5, 0.01 };
  BlipPpoLoss l;
  blip_ppo_loss (out, B, A, actions, old_logp, adv, old_v, ret, &p, probs, net->dlogits, &l);
  blip_network_backward (net, x, B, 0);
  float *grads = g_memdup2 (net->grads, sizeof (float) * net->n_params);
  const float h = 1e-2f;
  int checked = 0;
  for (gsize i = 0; i < net->n_params; i += 3, checked++)
    {
      float keep = net->params[i];
      net->params[i] = keep + h;
      double up = loss_at (blip_network_forward (net, x, B, 0), B, A, actions, old_logp, adv, old_v, ret, &p);
      net->params[i] = keep - h;
      double down = loss_at (blip_network_forward (net, x, B, 0), B, A, actions, old_logp, adv, old_v, ret, &p);
      net->params[i] = keep;
      double fd = (up - down) / (2 * h);
      g_assert_cmpfloat_with_epsilon (grads[i], fd, 1e-3 + 2e-2 * fabs (fd));
    }
  g_assert_cmpint (checked, >, 20);
  g_free (grads);
  blip_network_free (net);
}

/* A trainer on native games with a small PPO set-up. */
static BlipTrainer *
small_trainer (const char *games, const char *approach, int num_envs, int num_steps, int frames,
               int threads, guint64 seed, int log_interval)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_apply_preset (&c, "minatar", &error));
  g_free (c.games);
  c.games = g_strdup (games);
  g_free (c.approach);
  c.approach = g_strdup (approach);
  c.num_envs = num_envs;
  c.num_steps = num_steps;
  c.num_mini_batch = MIN (8, num_envs * num_steps);
  c.frames = frames;
  c.env_threads = threads;
  c.eval_episodes = 4;
  c.log_interval = log_interval;
  c.seed = seed;
  BlipExperiment *e = blip_experiment_open (&c, &error);
  g_assert_no_error (error);
  BlipStrategy *s = blip_strategy_new (approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_no_error (error);
  g_assert_true (blip_trainer_is_rl (tr));
  blip_config_clear (&c);
  return tr;
}

static void
test_fisher (void)
{
  /* 2 × 32 = 64 samples: 32 minibatches of 2, so the estimate covers every sample. */
  BlipTrainer *tr = small_trainer ("breakout", "sgd", 2, 32, 64 * 4, 1, 3, 1000);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_BATCH, &error), ==, BLIP_STATUS_READY);
  BlipNetwork *net = blip_trainer_get_network (tr);
  gsize nf = net->n_feature_params;
  float *fisher = g_new0 (float, nf);
  blip_trainer_estimate_fisher (tr, 0, BLIP_FISHER_EMPIRICAL, TRUE, fisher);

  const float *obs;
  const gint32 *actions;
  int n;
  blip_trainer_rl_get_rollout (tr, &obs, &actions, &n);
  g_assert_cmpint (n, ==, 64);
  int D = net->input_dim, A = blip_trainer_get_experiment (tr)->tasks[0].ncla;
  double *brute = g_new0 (double, nf);
  float probs[16];
  for (int i = 0; i < n; i++)
    {
      const float *x = obs + (gsize) i * D;
      const float *out = blip_network_forward (net, x, 1, 0);
      blip_ppo_softmax (out, A, probs);
      /* the gradient of the 2-sample minibatch mean: scale ½ */
      for (int j = 0; j < A; j++)
        net->dlogits[j] = 0.5f * (probs[j] - (j == actions[i]));
      net->dlogits[A] = 0.0f;
      blip_network_backward (net, x, 1, 0);
      for (gsize k = 0; k < nf; k++)
        brute[k] += (double) net->grads[k] * net->grads[k] / n;
    }
  double max_rel = 0.0, total = 0.0;
  for (gsize k = 0; k < nf; k++)
    {
      total += brute[k];
      max_rel = MAX (max_rel, fabs (fisher[k] - brute[k]) / (brute[k] + 1e-12));
    }
  g_assert_cmpfloat (total, >, 0.0);
  g_assert_cmpfloat (max_rel, <, 1e-3);
  g_free (brute);
  g_free (fisher);
  blip_trainer_free (tr);
}

static void
test_determinism (void)
{
  float *params[2] = { NULL, NULL };
  gsize n = 0;
  int threads[2] = { 1, 3 };
  for (int k = 0; k < 2; k++)
    {
      BlipTrainer *tr = small_trainer ("space_invaders,freeway", "blip", 6, 20, 6 * 20 * 2, threads[k], 5, 1000);
      g_autoptr(GError) error = NULL;
      /* Both games: two updates each, the consolidation and the evaluations between. */
      g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
      BlipNetwork *net = blip_trainer_get_network (tr);
      n = net->n_params;
      params[k] = g_memdup2 (net->params, sizeof (float) * n);
      blip_trainer_free (tr);
    }
  g_assert_cmpmem (params[0], n * sizeof (float), params[1], n * sizeof (float));
  g_free (params[0]);
  g_free (params[1]);
}

/* A checkpoint between epochs keeps the policy, Adam's moments and step
 * count, the counters and the curve; the resumed run restarts its episodes
 * and finishes the task. */
static void
test_checkpoint (void)
{
  /* four updates per task, two per epoch */
  BlipTrainer *tr = small_trainer ("breakout,freeway", "blip", 4, 25, 4 * 25 * 4, 1, 9, 2);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_TASK, &error), ==, BLIP_STATUS_READY);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_EPOCH, &error), ==, BLIP_STATUS_READY);
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "checkpoint-00000001.safetensors", NULL);
  g_assert_true (blip_trainer_save_checkpoint (tr, path, &error));
  g_assert_no_error (error);

  BlipTrainer *back = blip_trainer_new_from_checkpoint (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  BlipNetwork *a = blip_trainer_get_network (tr), *b = blip_trainer_get_network (back);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params, b->n_params * sizeof (float));
  BlipAdam *ma = blip_trainer_get_adam (tr), *mb = blip_trainer_get_adam (back);
  g_assert_cmpint (ma->t, ==, mb->t);
  g_assert_cmpint (ma->t, >, 0);
  g_assert_cmpmem (ma->m, ma->n * sizeof (float), mb->m, mb->n * sizeof (float));
  g_assert_cmpmem (ma->v, ma->n * sizeof (float), mb->v, mb->n * sizeof (float));
  gint64 na, nb;
  g_assert_cmpint (blip_trainer_rl_get_update (tr, &na), ==, blip_trainer_rl_get_update (back, &nb));
  g_assert_cmpint (na, ==, nb);
  g_assert_cmpint (blip_trainer_rl_get_frames (tr), ==, blip_trainer_rl_get_frames (back));
  guint pa, pb;
  const double *ca = blip_trainer_rl_get_curve (tr, &pa), *cb = blip_trainer_rl_get_curve (back, &pb);
  g_assert_cmpuint (pa, ==, pb);
  g_assert_cmpmem (ca, pa * 4 * sizeof (double), cb, pb * 4 * sizeof (double));
  g_assert_cmpint (blip_trainer_get_task (back), ==, 1);
  g_assert_cmpint (blip_trainer_step (back, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  g_assert_no_error (error);
  g_assert_false (isnan (blip_trainer_get_acc_matrix (back)[3]));
  blip_trainer_free (back);
  blip_trainer_free (tr);
  blip_test_rmtree (dir);
}

/* The app's live play: a standalone policy copy plays a game step by step
 * and sees the same outputs as the trainer's network. */
static void
test_play_step (void)
{
  BlipTrainer *tr = small_trainer ("freeway,breakout", "blip", 4, 25, 200, 1, 4, 1000);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_TASK, &error), ==, BLIP_STATUS_READY);
  BlipNetwork *policy = blip_trainer_rl_new_policy (tr);
  BlipNetwork *net = blip_trainer_get_network (tr);
  g_assert_cmpint (policy->input_dim, ==, net->input_dim);
  for (int task = 0; task < 2; task++)
    {
      g_autoptr(BlipEnv) env = blip_trainer_rl_new_env (tr, task, &error);
      g_assert_no_error (error);
      blip_env_reset (env, 17);
      int A = blip_env_n_actions (env);
      float *obs = g_new (float, policy->input_dim), probs[8], value;
      BlipRng rng;
      blip_rng_seed (&rng, 1);
      for (int step = 0; step < 50; step++)
        {
          /* the trainer's own forward on the same (padded) observation */
          memset (obs, 0, sizeof (float) * policy->input_dim);
          blip_env_observation (env, obs);
          const float *out = blip_network_forward (net, obs, 1, task);
          float want_value = out[A];
          float reward;
          gboolean done;
          int a = blip_rl_play_step (policy, task, env, step % 2 == 0, &rng, obs, probs, &value, &reward, &done);
          g_assert_cmpint (a, >=, 0);
          g_assert_cmpint (a, <, A);
          g_assert_cmpfloat_with_epsilon (value, want_value, 1e-5);
          double sum = 0.0;
          for (int j = 0; j < A; j++)
            sum += probs[j];
          g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
          if (done)
            break;
        }
      g_free (obs);
    }
  blip_network_free (policy);
  blip_trainer_free (tr);
}

/* The random policy's mean return on breakout over many episodes. */
static double
random_return (const char *game, int episodes)
{
  g_autoptr(BlipEnv) env = blip_env_new (game, NULL);
  BlipRng rng;
  blip_rng_seed (&rng, 99);
  double total = 0.0;
  for (int e = 0; e < episodes; e++)
    {
      blip_env_reset (env, blip_env_pool_episode_seed (1234, 0, e));
      gboolean done = FALSE;
      while (!done)
        {
          float r;
          blip_env_step (env, (int) blip_rng_below (&rng, blip_env_n_actions (env)), &r, &done);
          total += r;
        }
    }
  return total / episodes;
}

static void
test_learns_breakout (void)
{
  double random = random_return ("breakout", 200);
  BlipTrainer *tr = small_trainer ("breakout", "sgd", 16, 125, 100000, 1, 0, 1000);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  double trained = blip_trainer_get_acc_matrix (tr)[0];
  g_test_message ("breakout: random policy %.2f, after 100k frames of PPO %.2f", random, trained);
  g_assert_cmpfloat (trained, >, random + 1.5);
  blip_trainer_free (tr);
}

static void
test_cli_two_games (gconstpointer approach)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "run", NULL);
  g_autofree char *figures = g_build_filename (dir, "figures", NULL);
  gboolean blip = g_str_equal (approach, "blip");
  const char *argv[] = { BLIP_EXE, "run", "--experiment", "minatar", "--games", "breakout,freeway",
                         "--approach", approach, "--frames", "2000", "--num-processes", "8", "--num-steps", "25",
                         "--eval-episodes", "2", "--log-interval", "5", "--threads", "2", "--quiet",
                         "--output", out, blip ? "--figures" : NULL, figures, NULL };
  g_autofree char *sout = NULL, *serr = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr,
                               &status, &error));
  if (status != 0)
    g_printerr ("%s%s", sout, serr);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (sout, "Reward matrix"));
  g_autofree char *path = g_build_filename (out, "results.json", NULL);
  gsize len;
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, &len, &error));
  g_autoptr(BlipJson) root = blip_json_parse (text, len, &error);
  g_assert_no_error (error);
  BlipJson *m = blip_json_get (root, "reward_matrix");
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, BLIP_JSON_ARRAY);
  g_assert_cmpuint (m->items->len, ==, 2);
#define CELL(i, j) ((BlipJson *) g_ptr_array_index (((BlipJson *) g_ptr_array_index (m->items, i))->items, j))
  g_assert_cmpint (CELL (0, 0)->type, ==, BLIP_JSON_NUMBER);
  g_assert_cmpint (CELL (0, 1)->type, ==, BLIP_JSON_NULL);
  g_assert_cmpint (CELL (1, 0)->type, ==, BLIP_JSON_NUMBER);
  g_assert_cmpint (CELL (1, 1)->type, ==, BLIP_JSON_NUMBER);
#undef CELL
  g_assert_null (blip_json_get (root, "acc_matrix"));
  BlipJson *curve = blip_json_get (root, "curve");
  g_assert_nonnull (curve);
  g_assert_nonnull (blip_json_get (curve, "normalized_accumulated_reward"));
  g_autofree char *csv = g_build_filename (out, "reward_matrix.csv", NULL);
  g_assert_true (g_file_test (csv, G_FILE_TEST_EXISTS));
  if (blip)
    {
      /* the paper's Figure 4, drawn from the run's evaluation curve */
      g_autofree char *png = g_build_filename (figures, "reward-curve.png", NULL);
      g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
    }
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ppo/gae", test_gae);
  g_test_add_func ("/ppo/loss-values", test_loss_values);
  g_test_add_func ("/ppo/loss-gradient", test_loss_gradient);
  g_test_add_func ("/ppo/network-gradient", test_network_gradient);
  g_test_add_func ("/ppo/fisher", test_fisher);
  g_test_add_func ("/ppo/determinism", test_determinism);
  g_test_add_func ("/ppo/checkpoint", test_checkpoint);
  g_test_add_func ("/ppo/play-step", test_play_step);
  g_test_add_func ("/ppo/learns-breakout", test_learns_breakout);
  g_test_add_data_func ("/ppo/cli-two-games/blip", "blip", test_cli_two_games);
  g_test_add_data_func ("/ppo/cli-two-games/ewc", "ewc", test_cli_two_games);
  g_test_add_data_func ("/ppo/cli-two-games/sgd", "sgd", test_cli_two_games);
  return g_test_run ();
}
