/* blip-config.c — defaults, validation and paper presets for BlipConfig. */
#include "blip-config.h"
#include "blip-json.h"
#include "blip-results.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-config-error-quark, blip_config_error)

void
blip_config_init_defaults (BlipConfig *config)
{
  *config = (BlipConfig) {
    .experiment = g_strdup ("mnist5"),
    .approach = g_strdup ("blip"),
    .data_dir = NULL,
    .tasks = g_strdup (""),
    .seed = 0,
    .lr = 0.01,
    .sbatch = 64,
    .nepochs = 200,
    .momentum = 0.0,
    .weight_decay = 0.0,
    .lr_patience = 5,
    .lr_factor = 3.0,
    .lr_min = 1e-4,
    .optimizer = g_strdup ("sgd"),
    .lr_gamma = 1.0,
    .arch = g_strdup ("mlp"),
    .ndim = 1200,
    .mul = 1.0,
    .max_bit = 20,
    .F_prior = 1e-15,
    .ste = FALSE,
    .fisher_batches = 80,
    .fisher_sbatch = 100,
    .ewc_lambda = 5000.0,
    .ewc_gamma = 1.0,
    /* The HAT code base's defaults (lwf.py's λ, imm_mode.py's λ, hat.py's
     * c and s_max); the temperature is Li & Hoiem's T = 2. */
    .lwf_lambda = 2.0,
    .lwf_temperature = 2.0,
    .imm_lambda = 0.01,
    .hat_smax = 400.0,
    .hat_c = 0.75,
    /* scripts/pmnist_LeNet_HALRP.sh */
    .halrp_l1 = 1e-6,
    .halrp_wd = 1e-3,
    .halrp_rate = 0.9,
    .halrp_max_rank = 100,
    .halrp_est_epochs = 1,
    .halrp_prune_min = 1e-5,
    .halrp_max_growth = 0.6,
    .train_subset = 0,
    .test_subset = 0,
    .ntasks = 0,
    .valid_fraction = 0.0,
    .games = g_strdup (""),
    .frames = 1000000,
    .eval_episodes = 10,
    .num_envs = 16,
    .num_steps = 125,
    .ppo_epochs = 4,
    .num_mini_batch = 8,
    .clip_param = 0.1,
    .value_loss_coef = 0.5,
    .entropy_coef = 0.01,
    .discount = 0.99,
    .gae_lambda = 0.95,
    .max_grad_norm = 0.5,
    .adam_eps = 1e-5,
    .log_interval = 10,
    .env_threads = 1,
  };
}

gboolean
blip_config_is_rl (const BlipConfig *config)
{
  return g_strcmp0 (config->experiment, "minatar") == 0 || g_strcmp0 (config->experiment, "atari") == 0;
}

void
blip_config_copy (BlipConfig *dest, const BlipConfig *src)
{
  *dest = *src;
  dest->experiment = g_strdup (src->experiment);
  dest->approach = g_strdup (src->approach);
  dest->arch = g_strdup (src->arch);
  dest->optimizer = g_strdup (src->optimizer);
  dest->data_dir = g_strdup (src->data_dir);
  dest->ale_library = g_strdup (src->ale_library);
  dest->rom_dir = g_strdup (src->rom_dir);
  dest->tasks = g_strdup (src->tasks);
  dest->games = g_strdup (src->games);
}

void
blip_config_clear (BlipConfig *config)
{
  g_clear_pointer (&config->experiment, g_free);
  g_clear_pointer (&config->approach, g_free);
  g_clear_pointer (&config->arch, g_free);
  g_clear_pointer (&config->optimizer, g_free);
  g_clear_pointer (&config->data_dir, g_free);
  g_clear_pointer (&config->ale_library, g_free);
  g_clear_pointer (&config->rom_dir, g_free);
  g_clear_pointer (&config->tasks, g_free);
  g_clear_pointer (&config->games, g_free);
}

typedef struct {
  const char *experiment;
  double lr;
  int sbatch;
  int nepochs;
  double F_prior;
  const char *arch;
  int ndim;       /* MLP hidden width, or AlexNet's FC width */
  double mul;
  double valid_fraction;  /* 0: validate on the training set */
} Preset;

/* The reference's README commands (run_mnist.sh, run_cifar_alt.sh,
 * run_mixture.sh). The MNIST loaders validate on the training set; cifar.py
 * holds out pc_valid = 10% of it, mixture5.py 15%. q_alexnet.py keeps the FC layers at 2048 for CIFAR and
 * scales them by --mul for mixture5: round(2048 · 0.8) = 1638. */
static const Preset presets[] = {
  { "mnist5",    0.01, 64, 200, 1e-15, "mlp",     1200, 1.0, 0.0 },
  { "pmnist",    0.01, 64, 200, 1e-15, "mlp",     1200, 1.0, 0.0 },
  /* HALRP's P-MNIST at 32×32×3: its LeNet; --preset halrp sets its optimiser. */
  { "pmnist32",  0.01, 64, 200, 1e-15, "lenet",   1200, 1.0, 0.0 },
  { "fmnist5",   0.01, 64, 200, 1e-15, "mlp",     1200, 1.0, 0.0 },
  { "cifar",     0.05, 32, 200, 5e-16, "alexnet", 2048, 2.0, 0.1 },
  /* cifar10-5 is ours, not the reference's: its two-class tasks end with
   * confident predictions, so their Fisher is some hundred times smaller than
   * a 10-class task's, and against `cifar`'s 5e-16 too few bits freeze (task 1
   * fell from 91.95% to 83.60% after task 2). At 5e-18 it kept 91.95%, and
   * the whole run forgot nothing (BWT +0.08%; README, CIFAR-10-5). */
  { "cifar10-5", 0.05, 32, 200, 5e-18, "alexnet", 2048, 2.0, 0.1 },
  /* mixture5.py holds out pc_valid = 0.15. */
  { "mixture5",  0.05, 32, 200, 5e-17, "alexnet", 1638, 0.8, 0.15 },
  /* miniImageNetClassification's README: --F-prior 5e-16 --lr 0.01
   * --momentum 0.0 --mul 1 --sbatch 32, pc_valid = 0.02; the network is the
   * continual-learning ResNet-18 (its README runs AlexNet, which --arch
   * alexnet selects, with these settings and FC width 2048). */
  { "miniimagenet", 0.01, 32, 200, 5e-16, "resnet18", 2048, 1.0, 0.02 },
  { "folder",    0.05, 32, 200, 5e-16, "alexnet", 2048, 1.0, 0.1 },
  /* PPO on games (run_blip.sh: Adam lr 2.5e-4, F-prior 5e-18). sbatch and
   * nepochs do not apply: a task is a frame budget. */
  { "minatar",   2.5e-4, 250, 1, 5e-18, "minatar", 128, 1.0, 0.0 },
  { "atari",     2.5e-4, 250, 1, 5e-18, "atari",  1024, 1.0, 0.0 },
};

gboolean
blip_config_apply_preset (BlipConfig *config, const char *experiment, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      const Preset *p = &presets[i];
      if (g_strcmp0 (p->experiment, experiment) != 0)
        continue;
      config->lr = p->lr;
      config->sbatch = p->sbatch;
      config->nepochs = p->nepochs;
      config->F_prior = p->F_prior;
      config->ndim = p->ndim;
      config->mul = p->mul;
      config->valid_fraction = p->valid_fraction;
      g_free (config->arch);
      config->arch = g_strdup (p->arch);
      g_free (config->experiment);
      config->experiment = g_strdup (experiment);
      if (g_str_equal (experiment, "minatar"))
        {
          /* Three games; the frame budget fits a 45-minute run on two cores
           * (see docs/rl.md for the throughput it was chosen from). */
          g_free (config->games);
          config->games = g_strdup ("breakout,space_invaders,freeway");
          config->frames = BLIP_MINATAR_DEFAULT_FRAMES;
          config->log_interval = 25;
        }
      else if (g_str_equal (experiment, "atari"))
        {
          /* The reference's six games (main_rl.py), 10M frames each, under
           * their ROM names. */
          g_free (config->games);
          config->games = g_strdup ("kung_fu_master,boxing,jamesbond,krull,riverraid,space_invaders");
          config->frames = 10000000;
        }
      return TRUE;
    }
  g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
               "unknown experiment “%s” (expected one of: mnist5, pmnist, pmnist32, fmnist5, cifar, cifar10-5, mixture5, miniimagenet, folder, minatar, atari)", experiment);
  return FALSE;
}

gboolean
blip_config_apply_speed_preset (BlipConfig *config, const char *preset, GError **error)
{
  if (g_strcmp0 (preset, "paper") == 0)
    return TRUE;
  /* Games have no epochs or samples to shorten: the speed presets shorten
   * the frames per game instead. In class a game is learned in about a
   * minute (100,000 frames here, where the agent clearly beats a random
   * one), or in a few with quick. */
  gboolean rl = blip_config_is_rl (config);
  if (g_strcmp0 (preset, "quick") == 0)
    {
      config->nepochs = 5;
      if (rl)
        config->frames = MIN (config->frames, 300000);
      return TRUE;
    }
  if (g_strcmp0 (preset, "classroom") == 0)
    {
      config->nepochs = 3;
      config->train_subset = 2000;
      config->test_subset = 1000;
      if (rl)
        config->frames = MIN (config->frames, 100000);
      return TRUE;
    }
  if (g_strcmp0 (preset, "forgetting") == 0)
    {
      /* Lesson 3's set-up: few samples trained long at a high learning rate
       * on a narrow layer, so that fine-tuning visibly forgets MNIST-5 (with
       * the classroom preset it barely does) while a run still takes seconds. */
      config->nepochs = 15;
      config->train_subset = 500;
      config->test_subset = 1000;
      config->lr = 0.1;
      config->ndim = 200;
      if (rl)
        config->frames = MIN (config->frames, 100000);
      return TRUE;
    }
  if (g_strcmp0 (preset, "halrp") == 0)
    {
      /* scripts/pmnist_LeNet_HALRP.sh: LeNet, Adam at lr 0.001 (schedule_gamma
       * left at 1), batch 128, 12 epochs per task, 20% held out for
       * validation; no patience decay (its loop has none). */
      g_free (config->optimizer);
      config->optimizer = g_strdup ("adam");
      g_free (config->arch);
      config->arch = g_strdup ("lenet");
      config->lr = 0.001;
      config->lr_gamma = 1.0;
      config->sbatch = 128;
      config->nepochs = 12;
      config->valid_fraction = 0.2;
      config->lr_patience = 100000;
      return TRUE;
    }
  g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
               "unknown preset “%s” (expected paper, quick, classroom, forgetting or halrp)", preset ? preset : "(null)");
  return FALSE;
}

GPtrArray *
blip_config_parse_tasks (const char *tasks, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto(GStrv) parts = g_strsplit (tasks ? tasks : "", ";", -1);
  for (int t = 0; parts[t] != NULL; t++)
    {
      g_auto(GStrv) names = g_strsplit (parts[t], ",", -1);
      int n = 0;
      for (int k = 0; names[k] != NULL; k++, n++)
        {
          g_strstrip (names[k]);
          const char *name = names[k];
          if (*name == '\0')
            {
              g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                           "--tasks: task %d has an empty class name (expected names separated by "
                           "commas, tasks by semicolons, e.g. 'cat,dog;car,truck')", t + 1);
              return NULL;
            }
          /* A name is one folder inside train/ and test/. */
          if (strchr (name, '/') != NULL || name[0] == '.' || !g_utf8_validate (name, -1, NULL)
              || strlen (name) > 4096)
            {
              g_autofree char *shown = g_utf8_make_valid (name, -1);
              g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                           "--tasks: “%s” is not a class folder name (no '/', no leading '.')", shown);
              return NULL;
            }
          for (int j = 0; j < k; j++)
            if (strcmp (names[j], name) == 0)
              {
                g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                             "--tasks: task %d lists “%s” twice", t + 1, name);
                return NULL;
              }
        }
      if (n < 2)
        {
          g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                       "--tasks: task %d has %d class%s; a task needs at least 2 "
                       "(e.g. 'cat,dog;car,truck')", t + 1, n, n == 1 ? "" : "es");
          return NULL;
        }
      g_ptr_array_add (out, g_steal_pointer (&names));
    }
  if (out->len == 0)
    {
      g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                   "--tasks: no tasks given (e.g. 'cat,dog;car,truck')");
      return NULL;
    }
  return g_steal_pointer (&out);
}

#define CHECK(cond, ...) G_STMT_START {                                        \
    if (!(cond)) {                                                             \
      g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID, __VA_ARGS__); \
      return FALSE;                                                            \
    } } G_STMT_END

gboolean
blip_config_validate (const BlipConfig *c, GError **error)
{
  CHECK (isfinite (c->lr) && c->lr > 0 && c->lr <= 10, "--lr must be in (0, 10], got %g", c->lr);
  CHECK (c->sbatch >= 1 && c->sbatch <= 65536, "--sbatch must be in [1, 65536], got %d", c->sbatch);
  CHECK (c->nepochs >= 1 && c->nepochs <= 100000, "--nepochs must be in [1, 100000], got %d", c->nepochs);
  CHECK (isfinite (c->momentum) && c->momentum >= 0 && c->momentum < 1,
         "--momentum must be in [0, 1), got %g", c->momentum);
  CHECK (isfinite (c->weight_decay) && c->weight_decay >= 0 && c->weight_decay < 1,
         "--weight-decay must be in [0, 1), got %g", c->weight_decay);
  CHECK (c->lr_patience >= 1, "--lr-patience must be at least 1, got %d", c->lr_patience);
  CHECK (isfinite (c->lr_factor) && c->lr_factor > 1, "--lr-factor must be above 1, got %g", c->lr_factor);
  CHECK (isfinite (c->lr_min) && c->lr_min >= 0, "--lr-min must be ≥ 0, got %g", c->lr_min);
  CHECK (c->optimizer != NULL && (g_str_equal (c->optimizer, "sgd") || g_str_equal (c->optimizer, "adam")),
         "--optimizer must be sgd or adam, got “%s”", c->optimizer ? c->optimizer : "(null)");
  CHECK (isfinite (c->lr_gamma) && c->lr_gamma > 0 && c->lr_gamma <= 1,
         "--lr-gamma must be in (0, 1], got %g", c->lr_gamma);
  CHECK (c->arch != NULL && (g_str_equal (c->arch, "mlp") || g_str_equal (c->arch, "alexnet") ||
                             g_str_equal (c->arch, "resnet18") || g_str_equal (c->arch, "lenet") ||
                             g_str_equal (c->arch, "minatar") || g_str_equal (c->arch, "atari")),
         "--arch must be mlp, alexnet, resnet18, lenet, minatar or atari, got “%s”", c->arch ? c->arch : "(null)");
  gboolean rl = blip_config_is_rl (c);
  gboolean rl_arch = g_str_equal (c->arch, "minatar") || g_str_equal (c->arch, "atari");
  CHECK (rl == rl_arch, "--arch %s does not fit --experiment %s (games need minatar or atari, "
         "images mlp, alexnet, resnet18 or lenet)", c->arch, c->experiment ? c->experiment : "(null)");
  CHECK (c->frames >= 1 && c->frames <= 2000000000, "--frames must be in [1, 2000000000], got %d", c->frames);
  CHECK (c->eval_episodes >= 1 && c->eval_episodes <= 10000,
         "--eval-episodes must be in [1, 10000], got %d", c->eval_episodes);
  CHECK (c->num_envs >= 1 && c->num_envs <= 4096, "--num-processes must be in [1, 4096], got %d", c->num_envs);
  CHECK (c->num_steps >= 1 && c->num_steps <= 100000, "--num-steps must be in [1, 100000], got %d", c->num_steps);
  CHECK ((gint64) c->num_envs * c->num_steps <= 1000000,
         "--num-processes × --num-steps must be at most 1000000 (one rollout), got %d × %d",
         c->num_envs, c->num_steps);
  CHECK (c->ppo_epochs >= 1 && c->ppo_epochs <= 1000, "--ppo-epoch must be in [1, 1000], got %d", c->ppo_epochs);
  CHECK (c->num_mini_batch >= 1 && c->num_mini_batch <= c->num_envs * c->num_steps,
         "--num-mini-batch must be in [1, num-processes × num-steps = %d], got %d",
         c->num_envs * c->num_steps, c->num_mini_batch);
  CHECK (isfinite (c->clip_param) && c->clip_param > 0 && c->clip_param < 1,
         "--clip-param must be in (0, 1), got %g", c->clip_param);
  CHECK (isfinite (c->value_loss_coef) && c->value_loss_coef >= 0 && c->value_loss_coef <= 1000,
         "--value-loss-coef must be in [0, 1000], got %g", c->value_loss_coef);
  CHECK (isfinite (c->entropy_coef) && c->entropy_coef >= 0 && c->entropy_coef <= 1000,
         "--entropy-coef must be in [0, 1000], got %g", c->entropy_coef);
  CHECK (isfinite (c->discount) && c->discount >= 0 && c->discount <= 1,
         "--discount must be in [0, 1], got %g", c->discount);
  CHECK (isfinite (c->gae_lambda) && c->gae_lambda >= 0 && c->gae_lambda <= 1,
         "--gae-lambda must be in [0, 1], got %g", c->gae_lambda);
  CHECK (isfinite (c->max_grad_norm) && c->max_grad_norm > 0,
         "--max-grad-norm must be positive, got %g", c->max_grad_norm);
  CHECK (isfinite (c->adam_eps) && c->adam_eps > 0 && c->adam_eps < 1,
         "--eps must be in (0, 1), got %g", c->adam_eps);
  CHECK (c->log_interval >= 1 && c->log_interval <= 1000000,
         "--log-interval must be in [1, 1000000], got %d", c->log_interval);
  CHECK (c->env_threads >= 1 && c->env_threads <= 256, "--threads must be in [1, 256], got %d", c->env_threads);
  gboolean has_games = c->games != NULL && *c->games != '\0';
  CHECK (!rl || has_games, "--experiment %s needs --games (e.g. --games breakout,freeway)", c->experiment);
  CHECK (rl || !has_games, "--games applies to the game experiments (minatar, atari) only, not to %s",
         c->experiment);
  CHECK (c->ndim >= 1 && c->ndim <= 65536, "--ndim must be in [1, 65536], got %d", c->ndim);
  CHECK (isfinite (c->mul) && c->mul > 0 && c->mul <= 16, "--mul must be in (0, 16], got %g", c->mul);
  CHECK (c->max_bit >= 1 && c->max_bit <= 24,
         "--max-bit must be in [1, 24] (a float has 24 significant bits), got %d", c->max_bit);
  /* A zero or negative prior makes the information gain log(x/0): NaN or inf bits. */
  CHECK (isfinite (c->F_prior) && c->F_prior > 0 && c->F_prior < 1e30,
         "--F-prior must be a positive finite number, got %g", c->F_prior);
  CHECK (c->fisher_batches >= 1, "--fisher-batches must be at least 1, got %d", c->fisher_batches);
  CHECK (c->fisher_sbatch >= 1 && c->fisher_sbatch <= 65536,
         "--fisher-sbatch must be in [1, 65536], got %d", c->fisher_sbatch);
  CHECK (isfinite (c->ewc_lambda) && c->ewc_lambda >= 0, "--lamb must be ≥ 0, got %g", c->ewc_lambda);
  CHECK (isfinite (c->ewc_gamma) && c->ewc_gamma >= 0 && c->ewc_gamma <= 1,
         "--gamma must be in [0, 1], got %g", c->ewc_gamma);
  CHECK (isfinite (c->lwf_lambda) && c->lwf_lambda >= 0 && c->lwf_lambda <= 1e6,
         "--lwf-lambda must be in [0, 1e6], got %g", c->lwf_lambda);
  CHECK (isfinite (c->lwf_temperature) && c->lwf_temperature >= 0.01 && c->lwf_temperature <= 100,
         "--lwf-temperature must be in [0.01, 100], got %g", c->lwf_temperature);
  CHECK (isfinite (c->imm_lambda) && c->imm_lambda >= 0 && c->imm_lambda <= 1e6,
         "--imm-lambda must be in [0, 1e6], got %g", c->imm_lambda);
  /* s anneals from 1/s_max up to s_max, so s_max below 1 would run backwards. */
  CHECK (isfinite (c->hat_smax) && c->hat_smax >= 1 && c->hat_smax <= 1e5,
         "--hat-smax must be in [1, 1e5], got %g", c->hat_smax);
  CHECK (isfinite (c->hat_c) && c->hat_c >= 0 && c->hat_c <= 1e3,
         "--hat-c must be in [0, 1000], got %g", c->hat_c);
  CHECK (isfinite (c->halrp_l1) && c->halrp_l1 >= 0 && c->halrp_l1 < 1,
         "--halrp-l1 must be in [0, 1), got %g", c->halrp_l1);
  CHECK (isfinite (c->halrp_wd) && c->halrp_wd >= 0 && c->halrp_wd < 1,
         "--halrp-wd must be in [0, 1), got %g", c->halrp_wd);
  CHECK (isfinite (c->halrp_rate) && c->halrp_rate > 0 && c->halrp_rate < 1,
         "--halrp-rate must be in (0, 1), got %g", c->halrp_rate);
  CHECK (c->halrp_max_rank >= 1 && c->halrp_max_rank <= 65536,
         "--halrp-max-rank must be in [1, 65536], got %d", c->halrp_max_rank);
  CHECK (c->halrp_est_epochs >= 1 && c->halrp_est_epochs <= 100000,
         "--halrp-est-epochs must be in [1, 100000], got %d", c->halrp_est_epochs);
  CHECK (isfinite (c->halrp_prune_min) && c->halrp_prune_min >= 0 && c->halrp_prune_min < 1,
         "--halrp-prune-min must be in [0, 1), got %g", c->halrp_prune_min);
  CHECK (isfinite (c->halrp_max_growth) && c->halrp_max_growth > 0 && c->halrp_max_growth <= 1000,
         "--halrp-max-growth must be in (0, 1000], got %g", c->halrp_max_growth);
  CHECK (c->train_subset >= 0, "--train-subset must be ≥ 0, got %d", c->train_subset);
  CHECK (c->test_subset >= 0, "--test-subset must be ≥ 0, got %d", c->test_subset);
  CHECK (c->ntasks >= 0, "--ntasks must be ≥ 0, got %d", c->ntasks);
  CHECK (isfinite (c->valid_fraction) && c->valid_fraction >= 0 && c->valid_fraction < 1,
         "--valid-fraction must be in [0, 1), got %g", c->valid_fraction);
  gboolean folder = g_strcmp0 (c->experiment, "folder") == 0;
  gboolean has_tasks = c->tasks != NULL && *c->tasks != '\0';
  CHECK (!folder || has_tasks,
         "--experiment folder needs --tasks, the class folders of each task (e.g. --tasks 'cat,dog;car,truck')");
  CHECK (folder || !has_tasks, "--tasks applies to --experiment folder only, not to %s", c->experiment);
  if (has_tasks)
    {
      g_autoptr(GPtrArray) parsed = blip_config_parse_tasks (c->tasks, error);
      if (parsed == NULL)
        return FALSE;
    }
  return TRUE;
}

typedef enum { F_STRING, F_INT, F_UINT64, F_DOUBLE, F_BOOL } FieldType;

typedef struct {
  const char *key;
  FieldType   type;
  gsize       offset;
} Field;

#define FIELD(name, type) { #name, type, G_STRUCT_OFFSET (BlipConfig, name) }

/* Every field of a run, in the order results.json lists them. */
static const Field fields[] = {
  FIELD (experiment, F_STRING),
  FIELD (approach, F_STRING),
  FIELD (tasks, F_STRING),
  FIELD (seed, F_UINT64),
  FIELD (lr, F_DOUBLE),
  FIELD (sbatch, F_INT),
  FIELD (nepochs, F_INT),
  FIELD (momentum, F_DOUBLE),
  FIELD (weight_decay, F_DOUBLE),
  FIELD (lr_patience, F_INT),
  FIELD (lr_factor, F_DOUBLE),
  FIELD (lr_min, F_DOUBLE),
  FIELD (optimizer, F_STRING),
  FIELD (lr_gamma, F_DOUBLE),
  FIELD (arch, F_STRING),
  FIELD (ndim, F_INT),
  FIELD (mul, F_DOUBLE),
  FIELD (max_bit, F_INT),
  FIELD (F_prior, F_DOUBLE),
  FIELD (ste, F_BOOL),
  FIELD (fisher_batches, F_INT),
  FIELD (fisher_sbatch, F_INT),
  FIELD (ewc_lambda, F_DOUBLE),
  FIELD (ewc_gamma, F_DOUBLE),
  FIELD (lwf_lambda, F_DOUBLE),
  FIELD (lwf_temperature, F_DOUBLE),
  FIELD (imm_lambda, F_DOUBLE),
  FIELD (hat_smax, F_DOUBLE),
  FIELD (hat_c, F_DOUBLE),
  FIELD (halrp_l1, F_DOUBLE),
  FIELD (halrp_wd, F_DOUBLE),
  FIELD (halrp_rate, F_DOUBLE),
  FIELD (halrp_max_rank, F_INT),
  FIELD (halrp_est_epochs, F_INT),
  FIELD (halrp_prune_min, F_DOUBLE),
  FIELD (halrp_max_growth, F_DOUBLE),
  FIELD (train_subset, F_INT),
  FIELD (test_subset, F_INT),
  FIELD (ntasks, F_INT),
  FIELD (valid_fraction, F_DOUBLE),
  FIELD (games, F_STRING),
  FIELD (frames, F_INT),
  FIELD (eval_episodes, F_INT),
  FIELD (num_envs, F_INT),
  FIELD (num_steps, F_INT),
  FIELD (ppo_epochs, F_INT),
  FIELD (num_mini_batch, F_INT),
  FIELD (clip_param, F_DOUBLE),
  FIELD (value_loss_coef, F_DOUBLE),
  FIELD (entropy_coef, F_DOUBLE),
  FIELD (discount, F_DOUBLE),
  FIELD (gae_lambda, F_DOUBLE),
  FIELD (max_grad_norm, F_DOUBLE),
  FIELD (adam_eps, F_DOUBLE),
  FIELD (log_interval, F_INT),
};

void
blip_config_append_json (GString *out, const BlipConfig *c, const char *indent)
{
  g_string_append (out, "{\n");
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      gconstpointer p = G_STRUCT_MEMBER_P ((gpointer) c, f->offset);
      g_string_append_printf (out, "%s  \"%s\": ", indent, f->key);
      switch (f->type)
        {
        case F_STRING: blip_json_append_string (out, *(char * const *) p); break;
        case F_INT: g_string_append_printf (out, "%d", *(const int *) p); break;
        case F_UINT64: g_string_append_printf (out, "%" G_GUINT64_FORMAT, *(const guint64 *) p); break;
        case F_DOUBLE: blip_json_append_double (out, *(const double *) p); break;
        case F_BOOL: g_string_append (out, *(const gboolean *) p ? "true" : "false"); break;
        }
      g_string_append (out, i + 1 < G_N_ELEMENTS (fields) ? ",\n" : "\n");
    }
  g_string_append_printf (out, "%s}", indent);
}

gboolean
blip_config_from_json (BlipConfig *c, const char *json, gsize length, GError **error)
{
  g_autoptr(BlipJson) root = blip_json_parse (json, length, error);
  return root != NULL && blip_config_from_json_object (c, root, error);
}

gboolean
blip_config_from_json_object (BlipConfig *c, const BlipJson *root, GError **error)
{
  if (root->type != BLIP_JSON_OBJECT)
    {
      g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID, "the configuration is not a JSON object");
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      BlipJson *v = blip_json_get (root, f->key);
      if (v == NULL)
        continue;
      gpointer p = G_STRUCT_MEMBER_P (c, f->offset);
      gboolean ok = TRUE;
      guint64 u;
      switch (f->type)
        {
        case F_STRING:
          ok = v->type == BLIP_JSON_STRING;
          if (ok)
            {
              g_free (*(char **) p);
              *(char **) p = g_strdup (v->string);
            }
          break;
        case F_INT:
          /* Range first: converting an out-of-range double to int is undefined. */
          ok = v->type == BLIP_JSON_NUMBER && v->number >= G_MININT && v->number <= G_MAXINT
               && v->number == (double) (int) v->number;
          if (ok)
            *(int *) p = (int) v->number;
          break;
        case F_UINT64:
          ok = blip_json_as_uint64 (v, &u);
          if (ok)
            *(guint64 *) p = u;
          break;
        case F_DOUBLE:
          ok = v->type == BLIP_JSON_NUMBER;
          if (ok)
            *(double *) p = v->number;
          break;
        case F_BOOL:
          ok = v->type == BLIP_JSON_BOOL;
          if (ok)
            *(gboolean *) p = v->boolean;
          break;
        }
      if (!ok)
        {
          g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                       "configuration field “%s” has the wrong type", f->key);
          return FALSE;
        }
    }
  return blip_config_validate (c, error);
}
