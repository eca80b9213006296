/* blip-config.h — the run configuration shared by the engine, the CLI and the app.
 *
 * One plain struct holds every knob of a run so that a run is reproducible from
 * its configuration and seed alone. Experiments provide paper presets; front-ends
 * override fields from flags or widgets.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_CONFIG_ERROR (blip_config_error_quark ())
GQuark blip_config_error_quark (void);

typedef enum {
  BLIP_CONFIG_ERROR_INVALID,   /* a value is out of range or would produce NaN */
} BlipConfigError;

typedef struct {
  /* What to run */
  char    *experiment;      /* "mnist5", "pmnist", "fmnist5" */
  char    *approach;        /* a strategy name from the registry: "blip", "sgd", ... */
  char    *data_dir;        /* NULL: resolved by blip_data_dir_resolve() */
  /* Atari: ALE's C library and the ROM folder (NULL: $BLIP_ALE_LIBRARY and
   * $BLIP_ROM_DIR, see blip-ale.h). Like data_dir, where things are on this
   * machine rather than what the run is, so not in the run's JSON. */
  char    *ale_library;
  char    *rom_dir;
  gboolean rom_any_md5;     /* accept ROM dumps whose md5 is not ALE's (a missing file still fails) */
  char    *tasks;           /* folder experiment: class folders per task, "a,b;c,d"; "" otherwise */
  guint64  seed;

  /* Optimisation (names follow the reference's flags) */
  double   lr;
  int      sbatch;
  int      nepochs;
  double   momentum;
  double   weight_decay;
  int      lr_patience;     /* epochs without validation improvement before lr /= lr_factor */
  double   lr_factor;
  double   lr_min;          /* stop the task when lr falls below this */
  char    *optimizer;       /* "sgd" (the reference's) or "adam" (torch.optim.Adam, betas 0.9/0.999,
                             * eps 1e-8; weight_decay is its L2 term) */
  double   lr_gamma;        /* exponential decay per optimiser step, lr·γ^step from each
                             * optimiser reset (torch's ExponentialLR stepped per batch); 1: none */

  /* Network */
  char    *arch;            /* "mlp" (MNIST family), "alexnet" (the reference's q_alexnet.py),
                             * "resnet18" (the continual-learning ResNet-18) or "lenet"
                             * (HALRP's LeNet: conv 20, conv 50, fc 800, fc 500, each with BN) */
  int      ndim;            /* hidden width of the MLP, or AlexNet's FC width (unused by resnet18) */
  double   mul;             /* width multiplier (convolutional networks; resnet18's width is
                             * round(20·mul)) */

  /* BLIP */
  int      max_bit;
  double   F_prior;
  gboolean ste;             /* forward on Q(w, max_bit) with a straight-through gradient */
  int      fisher_batches;  /* batches of fisher_sbatch samples used to estimate the Fisher */
  int      fisher_sbatch;

  /* EWC */
  double   ewc_lambda;
  double   ewc_gamma;

  /* LwF: λ and temperature of the distillation of the old heads */
  double   lwf_lambda;
  double   lwf_temperature;

  /* IMM-mode: λ of the L2-transfer term toward the previous merged model */
  double   imm_lambda;

  /* HAT: the gates' largest slope s_max and the mask regulariser's c */
  double   hat_smax;
  double   hat_c;
  /* HALRP (names after the official code's flags) */
  double   halrp_l1;        /* l1_hyp: L1 weight on the low-rank factors A, B */
  double   halrp_wd;        /* wd_rate: L2 weight on the first task's weights, then on r, s, A, B */
  double   halrp_rate;      /* approxiRate: share of the Hessian-weighted discrepancy the ranks keep */
  int      halrp_max_rank;  /* upper_rank: cap on every layer's rank */
  int      halrp_est_epochs;/* estRank_epoch: free fine-tuning epochs before the ranks are chosen */
  double   halrp_prune_min; /* prune_value[0]: factors at most this large are always pruned */
  double   halrp_max_growth;/* 1 − prune_value[1]: dense growth over the base model above which
                             * every task's factors are pruned by percentile */

  /* Data subsets, for tests and classroom runs; 0 means the whole split */
  int      train_subset;    /* training samples per task */
  int      test_subset;     /* test samples per task */
  int      ntasks;          /* 0: all tasks of the experiment */
  double   valid_fraction;  /* 0: validate on the training set, as the reference does */

  /* Reinforcement learning: experiments whose tasks are games (minatar,
   * atari). Names follow the reference's RL flags (arguments_rl.py); the
   * discount is --discount because --gamma is online EWC's. lr above is
   * Adam's initial rate, decayed linearly to 0 over each task. */
  char    *games;           /* comma-separated game names, one task each */
  int      frames;          /* environment steps per task, summed over the environments */
  int      eval_episodes;   /* episodes per evaluation of one game (greedy policy) */
  int      num_envs;        /* environments stepped in parallel (16) */
  int      num_steps;       /* steps per environment per rollout (125) */
  int      ppo_epochs;      /* passes over each rollout (4) */
  int      num_mini_batch;  /* minibatches per pass (8) */
  double   clip_param;      /* PPO ratio and value clip (0.1) */
  double   value_loss_coef; /* 0.5 */
  double   entropy_coef;    /* 0.01 */
  double   discount;        /* γ of the returns (0.99) */
  double   gae_lambda;      /* 0.95 */
  double   max_grad_norm;   /* 0.5 */
  double   adam_eps;        /* 1e-5 */
  int      log_interval;    /* PPO updates per epoch: one evaluation and log line each */
  /* Worker threads stepping the environments. Not part of the run's
   * identity (results do not depend on it), so not in its JSON. */
  int      env_threads;
} BlipConfig;

/* Frames per game of the minatar experiment: chosen from the measured
 * throughput so that three games train in under 45 minutes on two cores. */
#define BLIP_MINATAR_DEFAULT_FRAMES 1000000

/* Whether the experiment's tasks are games trained by PPO. */
gboolean    blip_config_is_rl (const BlipConfig *config);

void        blip_config_init_defaults (BlipConfig *config);
void        blip_config_copy          (BlipConfig *dest, const BlipConfig *src);
void        blip_config_clear         (BlipConfig *config);
gboolean    blip_config_validate      (const BlipConfig *config, GError **error);
/* Paper settings for an experiment (lr, sbatch, nepochs, F_prior, ...). FALSE if unknown. */
gboolean    blip_config_apply_preset  (BlipConfig *config, const char *experiment, GError **error);

/* Speed presets on top of the paper settings: "paper" (no change), "quick"
 * (5 epochs per task on the full data), "forgetting" (15 epochs on 500
 * samples at lr 0.1 with 200 hidden units: fine-tuning visibly forgets the
 * MNIST family) and "classroom" (3 epochs on 2,000
 * training samples per task: an MNIST-5 task in seconds) and "halrp" (HALRP's
 * official P-MNIST settings: LeNet, Adam at lr 0.001, batch 128, 12 epochs,
 * 20% validation, no patience decay). */
gboolean    blip_config_apply_speed_preset (BlipConfig *config, const char *preset, GError **error);

/* Splits a --tasks value: tasks separated by ';', class folder names by ','
 * (blanks around a name are dropped). Returns one NULL-terminated list of
 * names per task (a GPtrArray of GStrv that frees them), or NULL with an
 * error naming the problem: no tasks, an empty task or name, a name that is
 * not a plain folder name, a class twice in a task, a task of fewer than 2
 * classes. */
GPtrArray  *blip_config_parse_tasks (const char *tasks, GError **error);

/* The configuration as a JSON object (every field but data_dir, which is a
 * property of the machine, not of the run), one "key": value per line with
 * the given indent. Numbers are written exactly. */
void        blip_config_append_json (GString *out, const BlipConfig *config, const char *indent);
/* Reads a configuration written by blip_config_append_json; fields absent in
 * the text keep their defaults. The result is validated. */
gboolean    blip_config_from_json   (BlipConfig *config, const char *json, gsize length, GError **error);
/* The same from an object already parsed (the "config" of a results.json). */
typedef struct _BlipJson BlipJson;
gboolean    blip_config_from_json_object (BlipConfig *config, const BlipJson *object, GError **error);

G_END_DECLS
