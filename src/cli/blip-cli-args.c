/* blip-cli-args.c — `blip run` flags: names follow the reference's argparse
 * flags (--lr --sbatch --nepochs --F-prior --max-bit --mul ...). */
#include "blip-cli-args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (blip-cli-error-quark, blip_cli_error)

gboolean
blip_parse_double (const char *flag, const char *text, double min, double max, double *out, GError **error)
{
  char *end = NULL;
  errno = 0;
  /* strtod skips leading blanks; the whole string must be the number. */
  double v = text && !g_ascii_isspace (*text) ? g_ascii_strtod (text, &end) : NAN;
  if (text == NULL || *text == '\0' || end == NULL || end == text || *end != '\0' || errno == ERANGE || !isfinite (v))
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "%s expects a number, got “%s”", flag, text ? text : "");
      return FALSE;
    }
  if (v < min || v > max)
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "%s must be between %g and %g, got %s", flag, min, max, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
blip_parse_int (const char *flag, const char *text, gint64 min, gint64 max, gint64 *out, GError **error)
{
  char *end = NULL;
  errno = 0;
  gint64 v = text && !g_ascii_isspace (*text) ? g_ascii_strtoll (text, &end, 10) : 0;
  if (text == NULL || *text == '\0' || end == NULL || end == text || *end != '\0' || errno == ERANGE)
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "%s expects a whole number, got “%s”", flag, text ? text : "");
      return FALSE;
    }
  if (v < min || v > max)
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "%s must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ", got %s",
                   flag, min, max, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

typedef enum { T_STR, T_INT, T_DOUBLE, T_BOOL } ArgType;

typedef struct {
  const char *flag;
  ArgType     type;
  gsize       offset;       /* into BlipConfig, or (gsize)-1 for options handled by hand */
  double      min, max;
  const char *metavar;
  const char *help;
} ArgSpec;

#define CFG(field) G_STRUCT_OFFSET (BlipConfig, field)
#define NONE ((gsize) -1)

static const ArgSpec specs[] = {
  { "--experiment", T_STR, CFG (experiment), 0, 0, "NAME", "mnist5 (default), pmnist, pmnist32 (HALRP's 32×32×3 P-MNIST), fmnist5, cifar, cifar10-5, mixture5, miniimagenet, folder, or the games: minatar (PPO), atari (needs the ALE back end)" },
  { "--preset", T_STR, NONE, 0, 0, "NAME", "paper (default: the reference's settings), quick (5 epochs; games: 300,000 frames), classroom (3 epochs, 2000 samples per task; games: 100,000 frames), forgetting (15 epochs on 500 samples at lr 0.1, 200 hidden units: fine-tuning visibly forgets) or halrp (HALRP's P-MNIST settings: lenet, Adam lr 0.001, batch 128, 12 epochs)" },
  { "--approach", T_STR, CFG (approach), 0, 0, "NAME", "blip (default), sgd, sgd-frozen, ewc, lwf, imm-mode, hat or halrp" },
  { "--data-dir", T_STR, CFG (data_dir), 0, 0, "DIR", "where data sets live (else $BLIP_DATA_DIR, else the XDG data dir); for folder, the folder or .tar.gz holding train/<class>/ and test/<class>/" },
  { "--ale-library", T_STR, CFG (ale_library), 0, 0, "FILE", "atari: ALE 0.6's C library, libale_c.so (else $BLIP_ALE_LIBRARY, else the loader's search path)" },
  { "--rom-dir", T_STR, CFG (rom_dir), 0, 0, "DIR", "atari: the folder holding the ROMs under ALE's names, e.g. boxing.bin (else $BLIP_ROM_DIR)" },
  { "--accept-any-rom", T_BOOL, CFG (rom_any_md5), 0, 0, NULL, "atari: accept ROM files whose md5 is not the one ALE 0.6.1 lists (other dumps of the same games)" },
  { "--tasks", T_STR, CFG (tasks), 0, 0, "LIST", "folder experiment: the class folders of each task, tasks split by ';', classes by ',' (e.g. 'cat,dog;car,truck')" },
  { "--output", T_STR, NONE, 0, 0, "DIR", "write results.json, acc_matrix.csv and timing.json here" },
  { "--seed", T_INT, CFG (seed), 0, 4294967295.0, "N", "random seed (default 0)" },
  { "--lr", T_DOUBLE, CFG (lr), 1e-12, 10, "X", "initial learning rate" },
  { "--sbatch", T_INT, CFG (sbatch), 1, 65536, "N", "training batch size" },
  { "--nepochs", T_INT, CFG (nepochs), 1, 100000, "N", "maximum epochs per task" },
  { "--momentum", T_DOUBLE, CFG (momentum), 0, 0.999999, "X", "SGD momentum (default 0)" },
  { "--weight-decay", T_DOUBLE, CFG (weight_decay), 0, 0.999999, "X", "SGD weight decay (default 0)" },
  { "--lr-patience", T_INT, CFG (lr_patience), 1, 100000, "N", "epochs without improvement before lr /= lr-factor (default 5)" },
  { "--lr-factor", T_DOUBLE, CFG (lr_factor), 1.000001, 1000, "X", "learning-rate divisor (default 3)" },
  { "--lr-min", T_DOUBLE, CFG (lr_min), 0, 10, "X", "stop a task when lr falls below this (default 1e-4)" },
  { "--optimizer", T_STR, CFG (optimizer), 0, 0, "NAME", "sgd (default) or adam (torch.optim.Adam; --weight-decay is its L2 term)" },
  { "--lr-gamma", T_DOUBLE, CFG (lr_gamma), 1e-12, 1, "X", "exponential learning-rate decay per batch, lr·X^step (default 1: none)" },
  { "--arch", T_STR, CFG (arch), 0, 0, "NAME", "network: mlp (MNIST family), alexnet (CIFAR, mixture5, folder), resnet18 (miniimagenet) or lenet (HALRP's LeNet, e.g. pmnist32); the experiment picks one" },
  { "--ndim", T_INT, CFG (ndim), 1, 65536, "N", "hidden units of the MLP (default 1200), or AlexNet's FC width (2048)" },
  { "--mul", T_DOUBLE, CFG (mul), 1e-3, 16, "X", "width multiplier: AlexNet's conv channels 64·X, 128·X, 256·X; ResNet-18's base width 20·X (3.2 gives the standard 64)" },
  { "--max-bit", T_INT, CFG (max_bit), 1, 24, "N", "bits per parameter (default 20)" },
  { "--F-prior", T_DOUBLE, CFG (F_prior), 1e-300, 1e30, "X", "prior Fisher scale (default: the experiment's; 1e-15 for MNIST)" },
  { "--ste", T_BOOL, CFG (ste), 0, 0, NULL, "forward on Q(w, max-bit) with a straight-through gradient" },
  { "--fisher-batches", T_INT, CFG (fisher_batches), 1, 100000, "N", "batches for the Fisher estimate (default 80)" },
  { "--fisher-sbatch", T_INT, CFG (fisher_sbatch), 1, 65536, "N", "samples per Fisher batch (default 100)" },
  { "--lamb", T_DOUBLE, CFG (ewc_lambda), 0, 1e12, "X", "EWC λ (default 5000)" },
  { "--gamma", T_DOUBLE, CFG (ewc_gamma), 0, 1, "X", "online EWC decay γ (default 1)" },
  { "--lwf-lambda", T_DOUBLE, CFG (lwf_lambda), 0, 1e6, "X", "LwF: weight of the distillation loss (default 2)" },
  { "--lwf-temperature", T_DOUBLE, CFG (lwf_temperature), 0.01, 100, "X", "LwF: distillation temperature (default 2)" },
  { "--imm-lambda", T_DOUBLE, CFG (imm_lambda), 0, 1e6, "X", "IMM-mode: weight of the L2-transfer term toward the previous model (default 0.01)" },
  { "--hat-smax", T_DOUBLE, CFG (hat_smax), 1, 1e5, "X", "HAT: largest gate slope s_max (default 400)" },
  { "--hat-c", T_DOUBLE, CFG (hat_c), 0, 1e3, "X", "HAT: weight c of the mask regulariser (default 0.75)" },
  { "--halrp-l1", T_DOUBLE, CFG (halrp_l1), 0, 0.999999, "X", "HALRP: L1 weight on the low-rank factors (default 1e-6)" },
  { "--halrp-wd", T_DOUBLE, CFG (halrp_wd), 0, 0.999999, "X", "HALRP: L2 weight on the first task's weights and on r, s, A, B (default 1e-3)" },
  { "--halrp-rate", T_DOUBLE, CFG (halrp_rate), 1e-6, 0.999999, "X", "HALRP: share of the Hessian-weighted discrepancy the ranks keep (default 0.9)" },
  { "--halrp-max-rank", T_INT, CFG (halrp_max_rank), 1, 65536, "N", "HALRP: cap on each layer's rank (default 100)" },
  { "--halrp-est-epochs", T_INT, CFG (halrp_est_epochs), 1, 100000, "N", "HALRP: free fine-tuning epochs before choosing ranks (default 1)" },
  { "--halrp-prune-min", T_DOUBLE, CFG (halrp_prune_min), 0, 0.999999, "X", "HALRP: factors at most this large are pruned (default 1e-5)" },
  { "--halrp-max-growth", T_DOUBLE, CFG (halrp_max_growth), 1e-6, 1000, "X", "HALRP: parameter growth over the base model above which factors are pruned by percentile (default 0.6)" },
  { "--train-subset", T_INT, CFG (train_subset), 0, 1 << 30, "N", "use the first N training samples of each task (0: all)" },
  { "--test-subset", T_INT, CFG (test_subset), 0, 1 << 30, "N", "use the first N test samples of each task (0: all)" },
  { "--ntasks", T_INT, CFG (ntasks), 0, 1000, "N", "run only the first N tasks (0: all)" },
  { "--valid-fraction", T_DOUBLE, CFG (valid_fraction), 0, 0.99, "X", "hold out this share of training data for validation (0: as the reference: the training set itself for MNIST, 10% for CIFAR and folder)" },
  { "--paper-settings", T_BOOL, NONE, 0, 0, NULL, "apply the approach's own settings from the paper's code (e.g. EWC's λ) on top of the experiment's, as blip table does; flags still override them" },
  { "--games", T_STR, CFG (games), 0, 0, "LIST", "game experiments: the games, one task each, comma-separated (minatar default: breakout,space_invaders,freeway)" },
  { "--frames", T_INT, CFG (frames), 1, 2000000000, "N", "game experiments: environment frames per task" },
  { "--eval-episodes", T_INT, CFG (eval_episodes), 1, 10000, "N", "game experiments: greedy episodes per evaluation of a game (default 10)" },
  { "--num-processes", T_INT, CFG (num_envs), 1, 4096, "N", "PPO: environments stepped together (default 16)" },
  { "--num-steps", T_INT, CFG (num_steps), 1, 100000, "N", "PPO: steps per environment per rollout (default 125)" },
  { "--ppo-epoch", T_INT, CFG (ppo_epochs), 1, 1000, "N", "PPO: passes over each rollout (default 4)" },
  { "--num-mini-batch", T_INT, CFG (num_mini_batch), 1, 1000000, "N", "PPO: minibatches per pass (default 8)" },
  { "--clip-param", T_DOUBLE, CFG (clip_param), 1e-6, 0.999999, "X", "PPO: ratio and value clip ε (default 0.1)" },
  { "--value-loss-coef", T_DOUBLE, CFG (value_loss_coef), 0, 1000, "X", "PPO: value loss coefficient (default 0.5)" },
  { "--entropy-coef", T_DOUBLE, CFG (entropy_coef), 0, 1000, "X", "PPO: entropy bonus coefficient (default 0.01)" },
  { "--discount", T_DOUBLE, CFG (discount), 0, 1, "X", "PPO: discount γ of returns (default 0.99; --gamma is online EWC's)" },
  { "--gae-lambda", T_DOUBLE, CFG (gae_lambda), 0, 1, "X", "PPO: GAE λ (default 0.95)" },
  { "--max-grad-norm", T_DOUBLE, CFG (max_grad_norm), 1e-12, 1e12, "X", "PPO: gradient-norm clip (default 0.5)" },
  { "--eps", T_DOUBLE, CFG (adam_eps), 1e-30, 0.999999, "X", "PPO: Adam's ε (default 1e-5)" },
  { "--log-interval", T_INT, CFG (log_interval), 1, 1000000, "N", "PPO: updates per epoch, i.e. between evaluations and log lines (default 10)" },
  { "--quiet", T_BOOL, NONE, 0, 0, NULL, "one line per task instead of a progress bar" },
  { "--download", T_BOOL, NONE, 0, 0, NULL, "download missing data set files, verifying their checksums" },
  { "--download-url", T_STR, NONE, 0, 0, "URL", "base URL to download from instead of the canonical ones" },
  { "--threads", T_INT, NONE, 0, 256, "N", "compute threads for GEMMs and the loops between them (0: OPENBLAS_NUM_THREADS, else every core); game experiments: also the threads stepping the environments (results do not depend on it)" },
  { "--checkpoint-every", T_INT, NONE, 0, 1000000, "N", "also save a checkpoint every N epochs (always after each task)" },
  { "--checkpoint-minutes", T_DOUBLE, NONE, 0, 1e6, "M",
    "also save one at the first epoch's end M minutes after the last (default 10; 0: off)" },
  { "--resume", T_STR, NONE, 0, 0, "DIR", "continue the run in DIR from its newest valid checkpoint" },
  { "--figures", T_STR, NONE, 0, 0, "DIR", "draw every view (layer maps, bits, IG, accuracy matrix, curves) as PNG, SVG and PDF into DIR" },
};

static const ArgSpec *
find_spec (const char *flag)
{
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    if (strcmp (specs[i].flag, flag) == 0)
      return &specs[i];
  return NULL;
}

int
blip_run_flag_arity (const char *flag)
{
  const ArgSpec *spec = find_spec (flag);
  return spec == NULL ? -1 : spec->type == T_BOOL ? 0 : 1;
}

char *
blip_run_options_help (void)
{
  GString *s = g_string_new ("Usage: blip run [OPTION…]\n\n"
                             "Train a sequence of tasks with a continual-learning method and report the\n"
                             "accuracy matrix, ACC, BWT and BLIP's used capacity.\n"
                             "The experiment's paper settings are the defaults; flags override them.\n\n");
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree char *left = specs[i].metavar
        ? g_strdup_printf ("%s %s", specs[i].flag, specs[i].metavar)
        : g_strdup (specs[i].flag);
      g_string_append_printf (s, "  %-26s %s\n", left, specs[i].help);
    }
  return g_string_free (s, FALSE);
}

static gboolean
apply (BlipRunOptions *o, const ArgSpec *spec, const char *value, GError **error)
{
  if (spec->offset == NONE)
    {
      if (strcmp (spec->flag, "--preset") == 0)
        {
          /* applied before the other flags; it changes the configuration */
          if (o->config_flag == NULL)
            o->config_flag = g_strdup (spec->flag);
        }
      else if (strcmp (spec->flag, "--output") == 0)
        g_free (o->output), o->output = g_strdup (value);
      else if (strcmp (spec->flag, "--quiet") == 0)
        o->quiet = TRUE;
      else if (strcmp (spec->flag, "--paper-settings") == 0)
        {
          /* applied with the preset; it changes the configuration */
          o->paper_settings = TRUE;
          if (o->config_flag == NULL)
            o->config_flag = g_strdup (spec->flag);
        }
      else if (strcmp (spec->flag, "--download") == 0)
        o->download = TRUE;
      else if (strcmp (spec->flag, "--download-url") == 0)
        g_free (o->download_url), o->download_url = g_strdup (value);
      else if (strcmp (spec->flag, "--resume") == 0)
        g_free (o->resume), o->resume = g_strdup (value);
      else if (strcmp (spec->flag, "--figures") == 0)
        g_free (o->figures), o->figures = g_strdup (value);
      else if (strcmp (spec->flag, "--checkpoint-minutes") == 0)
        return blip_parse_double (spec->flag, value, spec->min, spec->max, &o->checkpoint_minutes, error);
      else if (strcmp (spec->flag, "--threads") == 0 || strcmp (spec->flag, "--checkpoint-every") == 0)
        {
          gint64 v;
          if (!blip_parse_int (spec->flag, value, (gint64) spec->min, (gint64) spec->max, &v, error))
            return FALSE;
          *(spec->flag[2] == 't' ? &o->threads : &o->checkpoint_every) = (int) v;
          if (spec->flag[2] == 't')
            o->config.env_threads = MAX (1, (int) v);
        }
      return TRUE;
    }
  if (o->config_flag == NULL && spec->offset != CFG (data_dir) && spec->offset != CFG (ale_library) &&
      spec->offset != CFG (rom_dir) && spec->offset != CFG (rom_any_md5))
    o->config_flag = g_strdup (spec->flag);
  gpointer field = G_STRUCT_MEMBER_P (&o->config, spec->offset);
  switch (spec->type)
    {
    case T_STR:
      if (*value == '\0')
        {
          g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "%s expects a non-empty value", spec->flag);
          return FALSE;
        }
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      return TRUE;
    case T_INT:
      {
        gint64 v;
        if (!blip_parse_int (spec->flag, value, (gint64) spec->min, (gint64) spec->max, &v, error))
          return FALSE;
        if (spec->offset == CFG (seed))
          *(guint64 *) field = (guint64) v;
        else
          *(int *) field = (int) v;
        return TRUE;
      }
    case T_DOUBLE:
      return blip_parse_double (spec->flag, value, spec->min, spec->max, (double *) field, error);
    case T_BOOL:
      *(gboolean *) field = TRUE;
      return TRUE;
    }
  return FALSE;
}

gboolean
blip_run_options_parse (BlipRunOptions *o, int argc, char **argv, GError **error)
{
  memset (o, 0, sizeof *o);
  blip_config_init_defaults (&o->config);
  o->checkpoint_minutes = BLIP_RUN_CHECKPOINT_MINUTES;

  /* First pass: the experiment, whose paper preset the other flags override,
   * and the approach, whose own settings come next with --paper-settings. */
  const char *experiment = "mnist5", *preset = "paper", *approach = o->config.approach;
  gboolean paper_settings = FALSE;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--paper-settings") == 0)
        paper_settings = TRUE;
      else if (g_str_has_prefix (argv[i], "--approach="))
        approach = argv[i] + strlen ("--approach=");
      else if (strcmp (argv[i], "--approach") == 0 && i + 1 < argc)
        approach = argv[++i];
      else if (g_str_has_prefix (argv[i], "--experiment="))
        experiment = argv[i] + strlen ("--experiment=");
      else if (strcmp (argv[i], "--experiment") == 0 && i + 1 < argc)
        experiment = argv[++i];
      else if (g_str_has_prefix (argv[i], "--preset="))
        preset = argv[i] + strlen ("--preset=");
      else if (strcmp (argv[i], "--preset") == 0 && i + 1 < argc)
        preset = argv[++i];
    }
  if (blip_experiment_info (experiment) == NULL)
    {
      gsize n;
      const BlipExperimentInfo *list = blip_experiment_list (&n);
      GString *names = g_string_new (NULL);
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", list[i].name);
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "--experiment: unknown experiment “%s” (expected one of: %s)", experiment, names->str);
      g_string_free (names, TRUE);
      return FALSE;
    }
  if (!blip_config_apply_preset (&o->config, experiment, error))
    return FALSE;
  if (paper_settings)
    blip_strategy_class_apply_paper_settings (blip_strategy_lookup (approach), &o->config, experiment);
  g_autoptr(GError) preset_error = NULL;
  if (!blip_config_apply_speed_preset (&o->config, preset, &preset_error))
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "--preset: %s", preset_error->message);
      return FALSE;
    }

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (!g_str_has_prefix (arg, "--"))
        {
          g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                       "unexpected argument “%s” (options start with --)", arg);
          return FALSE;
        }
      g_autofree char *name = NULL;
      const char *value = NULL;
      const char *eq = strchr (arg, '=');
      if (eq != NULL)
        {
          name = g_strndup (arg, eq - arg);
          value = eq + 1;
        }
      else
        name = g_strdup (arg);
      const ArgSpec *spec = find_spec (name);
      if (spec == NULL)
        {
          g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "unknown option %s", name);
          return FALSE;
        }
      if (spec->type == T_BOOL)
        {
          if (value != NULL)
            {
              g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "%s takes no value", spec->flag);
              return FALSE;
            }
        }
      else if (value == NULL)
        {
          if (i + 1 >= argc)
            {
              g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "%s expects a value (%s)",
                           spec->flag, spec->metavar);
              return FALSE;
            }
          value = argv[++i];
        }
      if (!apply (o, spec, value, error))
        return FALSE;
    }

  if (o->resume != NULL && o->config_flag != NULL)
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "%s cannot be combined with --resume: a resumed run keeps the configuration "
                   "stored in its checkpoint", o->config_flag);
      return FALSE;
    }
  if (blip_strategy_lookup (o->config.approach) == NULL)
    {
      gsize n;
      const BlipStrategyClass * const *list = blip_strategy_list (&n);
      GString *names = g_string_new (NULL);
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", list[i]->name);
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE,
                   "--approach: unknown approach “%s” (expected one of: %s)", o->config.approach, names->str);
      g_string_free (names, TRUE);
      return FALSE;
    }
  g_autoptr(GError) local = NULL;
  if (!blip_config_validate (&o->config, &local))
    {
      g_set_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

void
blip_run_options_clear (BlipRunOptions *o)
{
  blip_config_clear (&o->config);
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->download_url, g_free);
  g_clear_pointer (&o->resume, g_free);
  g_clear_pointer (&o->figures, g_free);
  g_clear_pointer (&o->config_flag, g_free);
}
