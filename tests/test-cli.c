/* test-cli.c — the `blip run` flag parser (src/cli/blip-cli-args.c, compiled
 * in here since it is not part of libblip) and the built `blip` tool:
 *   parser  a table of valid argument vectors and the configuration each must
 *           give (paper presets first, then the flags, in either --flag value
 *           or --flag=value form), and a table of invalid ones, each of which
 *           must fail with BLIP_CLI_ERROR_USAGE and a message naming the flag
 *   binary  exit status and output of `blip run --lr abc`, `blip frobnicate`,
 *           `blip list`, `blip run --help`; a short run on a fake MNIST the
 *           test writes (always), on the real MNIST when $BLIP_DATA_DIR has
 *           it, and a run on an empty data folder (exit 1 naming the file).
 *   lesson  `blip lesson check`: the shipped lessons pass (as files and as a
 *           folder), a table of broken lessons each fails with the parser's
 *           FILE:LINE: message, a mix of both exits 1 and still lists the
 *           valid ones, and usage errors exit 2. */
#include "../src/cli/blip-cli-args.c"
#include "blip-test-util.h"

#include <math.h>
#include <string.h>

#define BLIP_EXE BLIP_TEST_BLIP_EXE
#define MAX_ARGS 64

/* ---- the parser: valid vectors ------------------------------------------------ */

typedef struct {
  const char *field;
  double      num;
  const char *str;     /* for string fields; NULL expects NULL */
} Expect;

typedef struct {
  const char *name;
  const char *argv[MAX_ARGS];
  Expect      expect[40];
} ValidCase;

/* The mnist5/pmnist paper preset, as the reference's README runs them. */
#define PRESET { "lr", 0.01, NULL }, { "sbatch", 64, NULL }, { "nepochs", 200, NULL }, \
               { "F_prior", 1e-15, NULL }, { "ndim", 1200, NULL }

static const ValidCase valid_cases[] = {
  { "defaults", { "run", NULL },
    { PRESET, { "experiment", 0, "mnist5" }, { "approach", 0, "blip" }, { "seed", 0, NULL },
      { "max_bit", 20, NULL }, { "quiet", 0, NULL }, { "output", 0, NULL }, { "data_dir", 0, NULL },
      { "momentum", 0, NULL }, { "lr_patience", 5, NULL }, { "lr_factor", 3, NULL }, { "lr_min", 1e-4, NULL },
      { "valid_fraction", 0, NULL }, { "threads", 0, NULL }, { NULL, 0, NULL } } },
  { "pmnist-preset", { "run", "--experiment", "pmnist", NULL },
    { PRESET, { "experiment", 0, "pmnist" }, { NULL, 0, NULL } } },
  { "lr-separate", { "run", "--lr", "0.05", NULL },
    { { "lr", 0.05, NULL }, { "sbatch", 64, NULL }, { "nepochs", 200, NULL }, { "F_prior", 1e-15, NULL },
      { NULL, 0, NULL } } },
  { "lr-equals", { "run", "--lr=0.05", NULL },
    { { "lr", 0.05, NULL }, { "sbatch", 64, NULL }, { "experiment", 0, "mnist5" }, { NULL, 0, NULL } } },
  /* The preset is applied before every flag, whatever the order on the line. */
  { "flag-before-experiment", { "run", "--lr", "0.05", "--nepochs=7", "--experiment", "pmnist", NULL },
    { { "lr", 0.05, NULL }, { "nepochs", 7, NULL }, { "sbatch", 64, NULL }, { "experiment", 0, "pmnist" },
      { NULL, 0, NULL } } },
  { "experiment-equals", { "run", "--experiment=pmnist", "--approach", "ewc", "--lamb", "100", "--gamma=0.5", NULL },
    { { "experiment", 0, "pmnist" }, { "approach", 0, "ewc" }, { "ewc_lambda", 100, NULL },
      { "ewc_gamma", 0.5, NULL }, { NULL, 0, NULL } } },
  { "comparison-methods",
    { "run", "--approach", "hat", "--lwf-lambda", "0.5", "--lwf-temperature=1", "--imm-lambda", "0.1",
      "--hat-smax", "100", "--hat-c=2.5", NULL },
    { { "approach", 0, "hat" }, { "lwf_lambda", 0.5, NULL }, { "lwf_temperature", 1, NULL },
      { "imm_lambda", 0.1, NULL }, { "hat_smax", 100, NULL }, { "hat_c", 2.5, NULL }, { NULL, 0, NULL } } },
  { "comparison-defaults", { "run", "--approach", "lwf", NULL },
    { { "lwf_lambda", 2, NULL }, { "lwf_temperature", 2, NULL }, { "imm_lambda", 0.01, NULL },
      { "hat_smax", 400, NULL }, { "hat_c", 0.75, NULL }, { NULL, 0, NULL } } },
  { "everything",
    { "run", "--experiment", "fmnist5", "--approach", "sgd-frozen", "--data-dir", "/data/here", "--output", "out/dir",
      "--seed", "4294967295", "--sbatch", "32", "--nepochs", "5", "--momentum", "0.9", "--weight-decay", "1e-4",
      "--lr-patience", "3", "--lr-factor", "2", "--lr-min", "1e-5", "--ndim", "100", "--mul", "0.5",
      "--max-bit", "8", "--F-prior", "1e-10", "--ste", "--fisher-batches", "5", "--fisher-sbatch", "10",
      "--train-subset", "100", "--test-subset", "50", "--ntasks", "2", "--valid-fraction", "0.1",
      "--quiet", "--download", "--download-url", "http://mirror.example/", "--threads", "2", NULL },
    { { "experiment", 0, "fmnist5" }, { "approach", 0, "sgd-frozen" }, { "data_dir", 0, "/data/here" },
      { "output", 0, "out/dir" }, { "seed", 4294967295.0, NULL }, { "sbatch", 32, NULL }, { "nepochs", 5, NULL },
      { "momentum", 0.9, NULL }, { "weight_decay", 1e-4, NULL }, { "lr_patience", 3, NULL },
      { "lr_factor", 2, NULL }, { "lr_min", 1e-5, NULL }, { "ndim", 100, NULL }, { "mul", 0.5, NULL },
      { "max_bit", 8, NULL }, { "F_prior", 1e-10, NULL }, { "ste", 1, NULL }, { "fisher_batches", 5, NULL },
      { "fisher_sbatch", 10, NULL }, { "train_subset", 100, NULL }, { "test_subset", 50, NULL },
      { "ntasks", 2, NULL }, { "valid_fraction", 0.1, NULL }, { "quiet", 1, NULL }, { "download", 1, NULL },
      { "download_url", 0, "http://mirror.example/" }, { "threads", 2, NULL }, { "lr", 0.01, NULL },
      { NULL, 0, NULL } } },
  /* Lesson 3's set-up, where fine-tuning visibly forgets; flags still win. */
  { "forgetting-preset", { "run", "--preset", "forgetting", "--seed", "2", NULL },
    { { "nepochs", 15, NULL }, { "train_subset", 500, NULL }, { "test_subset", 1000, NULL },
      { "lr", 0.1, NULL }, { "ndim", 200, NULL }, { "sbatch", 64, NULL }, { "seed", 2, NULL },
      { NULL, 0, NULL } } },
  { "forgetting-preset-lr", { "run", "--lr", "0.05", "--preset", "forgetting", NULL },
    { { "nepochs", 15, NULL }, { "lr", 0.05, NULL }, { NULL, 0, NULL } } },
  /* --paper-settings: the approach's own settings after the experiment's
   * preset (the reference's baselines run AlexNet on mini-ImageNet), before
   * the speed preset and the flags. */
  { "paper-settings-baseline", { "run", "--experiment", "miniimagenet", "--approach", "sgd", "--paper-settings", NULL },
    { { "arch", 0, "alexnet" }, { "paper_settings", 1, NULL }, { "lr", 0.01, NULL }, { "sbatch", 32, NULL },
      { NULL, 0, NULL } } },
  { "paper-settings-absent", { "run", "--experiment", "miniimagenet", "--approach", "sgd", NULL },
    { { "arch", 0, "resnet18" }, { "paper_settings", 0, NULL }, { NULL, 0, NULL } } },
  { "paper-settings-ewc-flag-wins", { "run", "--lamb", "7", "--gamma=0.5", "--paper-settings", "--approach=ewc", NULL },
    { { "ewc_lambda", 7, NULL }, { "ewc_gamma", 0.5, NULL }, { "paper_settings", 1, NULL }, { NULL, 0, NULL } } },
  { "paper-settings-ewc", { "run", "--experiment", "pmnist", "--approach", "ewc", "--paper-settings", NULL },
    { { "ewc_lambda", 5000, NULL }, { "ewc_gamma", 1, NULL }, { "arch", 0, "mlp" }, { NULL, 0, NULL } } },
  { "paper-settings-blip-preset", { "run", "--experiment", "mixture5", "--paper-settings", "--preset", "quick", NULL },
    { { "F_prior", 5e-17, NULL }, { "max_bit", 20, NULL }, { "nepochs", 5, NULL }, { NULL, 0, NULL } } },
  /* cifar10-5's two-class tasks need a smaller prior than cifar's 10-class
   * ones (at 5e-16 BLIP forgot task 1): both the preset and the paper
   * settings say 5e-18, and the flag still wins. */
  { "cifar10-5-prior", { "run", "--experiment", "cifar10-5", NULL },
    { { "F_prior", 5e-18, NULL }, { "arch", 0, "alexnet" }, { "lr", 0.05, NULL }, { NULL, 0, NULL } } },
  { "cifar10-5-prior-paper", { "run", "--experiment", "cifar10-5", "--paper-settings", NULL },
    { { "F_prior", 5e-18, NULL }, { "max_bit", 20, NULL }, { NULL, 0, NULL } } },
  { "cifar-prior-paper", { "run", "--experiment", "cifar", "--paper-settings", NULL },
    { { "F_prior", 5e-16, NULL }, { NULL, 0, NULL } } },
  { "cifar10-5-prior-flag", { "run", "--experiment", "cifar10-5", "--paper-settings", "--F-prior", "5e-16", NULL },
    { { "F_prior", 5e-16, NULL }, { NULL, 0, NULL } } },
  { "folder-tasks", { "run", "--experiment", "folder", "--tasks", "cat,dog;car,truck", NULL },
    { { "experiment", 0, "folder" }, { "tasks", 0, "cat,dog;car,truck" }, { NULL, 0, NULL } } },
  /* PPO on games: the reference's RL settings (run_blip.sh) as the preset. */
  { "minatar-preset", { "run", "--experiment", "minatar", NULL },
    { { "experiment", 0, "minatar" }, { "arch", 0, "minatar" }, { "games", 0, "breakout,space_invaders,freeway" },
      { "lr", 2.5e-4, NULL }, { "F_prior", 5e-18, NULL }, { "frames", BLIP_MINATAR_DEFAULT_FRAMES, NULL },
      { "eval_episodes", 10, NULL }, { "num_envs", 16, NULL }, { "num_steps", 125, NULL },
      { "ppo_epochs", 4, NULL }, { "num_mini_batch", 8, NULL }, { "clip_param", 0.1, NULL },
      { "value_loss_coef", 0.5, NULL }, { "entropy_coef", 0.01, NULL }, { "discount", 0.99, NULL },
      { "gae_lambda", 0.95, NULL }, { "max_grad_norm", 0.5, NULL }, { "adam_eps", 1e-5, NULL },
      { "env_threads", 1, NULL }, { NULL, 0, NULL } } },
  { "minatar-flags",
    { "run", "--experiment", "minatar", "--games", "freeway,asterix", "--frames", "5000", "--eval-episodes", "3",
      "--num-processes", "4", "--num-steps", "50", "--ppo-epoch", "2", "--num-mini-batch", "4",
      "--clip-param", "0.2", "--value-loss-coef", "1", "--entropy-coef", "0", "--discount", "0.9",
      "--gae-lambda", "1", "--max-grad-norm", "1.5", "--eps", "1e-8", "--log-interval", "3", "--threads", "2",
      "--approach", "ewc", NULL },
    { { "games", 0, "freeway,asterix" }, { "frames", 5000, NULL }, { "eval_episodes", 3, NULL },
      { "num_envs", 4, NULL }, { "num_steps", 50, NULL }, { "ppo_epochs", 2, NULL }, { "num_mini_batch", 4, NULL },
      { "clip_param", 0.2, NULL }, { "value_loss_coef", 1, NULL }, { "entropy_coef", 0, NULL },
      { "discount", 0.9, NULL }, { "gae_lambda", 1, NULL }, { "max_grad_norm", 1.5, NULL },
      { "adam_eps", 1e-8, NULL }, { "log_interval", 3, NULL }, { "threads", 2, NULL }, { "env_threads", 2, NULL },
      { "approach", 0, "ewc" }, { NULL, 0, NULL } } },
  /* The last of a repeated flag wins; bounds are inclusive. */
  { "repeat-and-bounds", { "run", "--lr", "0.5", "--lr", "10", "--max-bit", "24", "--max-bit=1", "--nepochs", "1", NULL },
    { { "lr", 10, NULL }, { "max_bit", 1, NULL }, { "nepochs", 1, NULL }, { NULL, 0, NULL } } },
};

/* A numeric or string field of the parsed options by name. */
static gboolean
get_field (const BlipRunOptions *o, const char *field, double *num, const char **str)
{
  const BlipConfig *c = &o->config;
  *str = NULL;
  *num = NAN;
#define NUM(name, expr) if (strcmp (field, name) == 0) { *num = (double) (expr); return FALSE; }
#define STR(name, expr) if (strcmp (field, name) == 0) { *str = (expr); return TRUE; }
  STR ("experiment", c->experiment);
  STR ("approach", c->approach);
  STR ("data_dir", c->data_dir);
  STR ("tasks", c->tasks);
  STR ("arch", c->arch);
  STR ("output", o->output);
  STR ("download_url", o->download_url);
  NUM ("seed", c->seed);
  NUM ("lr", c->lr);
  NUM ("sbatch", c->sbatch);
  NUM ("nepochs", c->nepochs);
  NUM ("momentum", c->momentum);
  NUM ("weight_decay", c->weight_decay);
  NUM ("lr_patience", c->lr_patience);
  NUM ("lr_factor", c->lr_factor);
  NUM ("lr_min", c->lr_min);
  NUM ("ndim", c->ndim);
  NUM ("mul", c->mul);
  NUM ("max_bit", c->max_bit);
  NUM ("F_prior", c->F_prior);
  NUM ("ste", c->ste);
  NUM ("fisher_batches", c->fisher_batches);
  NUM ("fisher_sbatch", c->fisher_sbatch);
  NUM ("ewc_lambda", c->ewc_lambda);
  NUM ("ewc_gamma", c->ewc_gamma);
  NUM ("lwf_lambda", c->lwf_lambda);
  NUM ("lwf_temperature", c->lwf_temperature);
  NUM ("imm_lambda", c->imm_lambda);
  NUM ("hat_smax", c->hat_smax);
  NUM ("hat_c", c->hat_c);
  NUM ("train_subset", c->train_subset);
  NUM ("test_subset", c->test_subset);
  NUM ("ntasks", c->ntasks);
  NUM ("valid_fraction", c->valid_fraction);
  NUM ("quiet", o->quiet);
  NUM ("download", o->download);
  NUM ("threads", o->threads);
  NUM ("paper_settings", o->paper_settings);
  STR ("games", c->games);
  STR ("arch", c->arch);
  NUM ("frames", c->frames);
  NUM ("eval_episodes", c->eval_episodes);
  NUM ("num_envs", c->num_envs);
  NUM ("num_steps", c->num_steps);
  NUM ("ppo_epochs", c->ppo_epochs);
  NUM ("num_mini_batch", c->num_mini_batch);
  NUM ("clip_param", c->clip_param);
  NUM ("value_loss_coef", c->value_loss_coef);
  NUM ("entropy_coef", c->entropy_coef);
  NUM ("discount", c->discount);
  NUM ("gae_lambda", c->gae_lambda);
  NUM ("max_grad_norm", c->max_grad_norm);
  NUM ("adam_eps", c->adam_eps);
  NUM ("log_interval", c->log_interval);
  NUM ("env_threads", c->env_threads);
#undef NUM
#undef STR
  g_error ("unknown field %s in the test table", field);
}

static int
argv_len (const char * const *argv)
{
  int n = 0;
  while (argv[n] != NULL)
    n++;
  return n;
}

static void
test_valid (gconstpointer data)
{
  const ValidCase *vc = data;
  int argc = argv_len (vc->argv);
  g_auto(GStrv) argv = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    argv[i] = g_strdup (vc->argv[i]);

  BlipRunOptions o;
  g_autoptr(GError) error = NULL;
  gboolean ok = blip_run_options_parse (&o, argc, argv, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  int checked = 0;
  for (const Expect *e = vc->expect; e->field != NULL; e++, checked++)
    {
      double num;
      const char *str;
      if (get_field (&o, e->field, &num, &str))
        {
          if (g_strcmp0 (str, e->str) != 0)
            g_error ("%s: %s is “%s”, expected “%s”", vc->name, e->field, str ? str : "(null)",
                     e->str ? e->str : "(null)");
        }
      else if (num != e->num)
        g_error ("%s: %s is %.17g, expected %.17g", vc->name, e->field, num, e->num);
    }
  g_assert_cmpint (checked, >, 0);
  /* The parsed configuration is one the engine accepts. */
  g_assert_true (blip_config_validate (&o.config, &error));
  g_assert_no_error (error);
  blip_run_options_clear (&o);
  g_assert_null (o.output);
  g_assert_null (o.config.experiment);
}

/* ---- the parser: invalid vectors --------------------------------------------------- */

typedef struct {
  const char *name;
  const char *argv[12];
  const char *must_name;    /* the flag (or argument) the message names */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "lr-not-a-number", { "run", "--lr", "abc", NULL }, "--lr" },
  { "lr-trailing-junk", { "run", "--lr", "0.05x", NULL }, "--lr" },
  { "lr-empty", { "run", "--lr=", NULL }, "--lr" },
  { "lr-inf", { "run", "--lr", "inf", NULL }, "--lr" },
  { "lr-overflow", { "run", "--lr", "1e400", NULL }, "--lr" },
  { "lr-zero", { "run", "--lr", "0", NULL }, "--lr" },
  { "lr-too-big", { "run", "--lr=10.5", NULL }, "--lr" },
  { "sbatch-fraction", { "run", "--sbatch", "1.5", NULL }, "--sbatch" },
  { "sbatch-overflow", { "run", "--sbatch", "99999999999999999999", NULL }, "--sbatch" },
  { "nepochs-zero", { "run", "--nepochs", "0", NULL }, "--nepochs" },
  { "max-bit-30", { "run", "--max-bit", "30", NULL }, "--max-bit" },
  { "F-prior-zero", { "run", "--F-prior", "0", NULL }, "--F-prior" },
  { "F-prior-nan", { "run", "--F-prior", "nan", NULL }, "--F-prior" },
  { "F-prior-negative", { "run", "--F-prior=-1e-15", NULL }, "--F-prior" },
  { "momentum-one", { "run", "--momentum", "1", NULL }, "--momentum" },
  { "seed-negative", { "run", "--seed", "-1", NULL }, "--seed" },
  { "gamma-above-one", { "run", "--gamma", "2", NULL }, "--gamma" },
  { "lwf-lambda-negative", { "run", "--lwf-lambda", "-1", NULL }, "--lwf-lambda" },
  { "lwf-temperature-zero", { "run", "--lwf-temperature", "0", NULL }, "--lwf-temperature" },
  { "imm-lambda-nan", { "run", "--imm-lambda", "nan", NULL }, "--imm-lambda" },
  { "hat-smax-below-one", { "run", "--hat-smax", "0.5", NULL }, "--hat-smax" },
  { "hat-c-negative", { "run", "--hat-c=-0.1", NULL }, "--hat-c" },
  { "valid-fraction-one", { "run", "--valid-fraction", "1", NULL }, "--valid-fraction" },
  { "unknown-flag", { "run", "--frobnicate", "3", NULL }, "--frobnicate" },
  { "unknown-flag-equals", { "run", "--learning-rate=0.1", NULL }, "--learning-rate" },
  { "missing-value-at-end", { "run", "--sbatch", "32", "--lr", NULL }, "--lr" },
  { "missing-experiment-value", { "run", "--experiment", NULL }, "--experiment" },
  { "unknown-experiment", { "run", "--experiment", "mnist7", NULL }, "--experiment" },
  { "empty-experiment", { "run", "--experiment=", NULL }, "--experiment" },
  { "unknown-approach", { "run", "--approach", "frobnicate", NULL }, "--approach" },
  { "empty-approach", { "run", "--approach=", NULL }, "--approach" },
  { "quiet-with-value", { "run", "--quiet=1", NULL }, "--quiet" },
  { "positional-junk", { "run", "--lr", "0.1", "junk", NULL }, "junk" },
  { "single-dash", { "run", "-lr", "0.1", NULL }, "-lr" },
  { "folder-without-tasks", { "run", "--experiment", "folder", NULL }, "--tasks" },
  { "tasks-without-folder", { "run", "--tasks", "a,b", NULL }, "--tasks" },
  { "tasks-one-class", { "run", "--experiment=folder", "--tasks", "a,b;c", NULL }, "--tasks" },
  { "tasks-empty", { "run", "--experiment=folder", "--tasks=", NULL }, "--tasks" },
  { "paper-settings-with-resume", { "run", "--paper-settings", "--resume", "dir", NULL }, "--paper-settings" },
  { "paper-settings-with-value", { "run", "--paper-settings=1", NULL }, "--paper-settings" },
  { "games-without-minatar", { "run", "--games", "breakout", NULL }, "--games" },
  { "frames-zero", { "run", "--experiment", "minatar", "--frames", "0", NULL }, "--frames" },
  { "eval-episodes-zero", { "run", "--experiment", "minatar", "--eval-episodes", "0", NULL }, "--eval-episodes" },
  { "clip-param-one", { "run", "--experiment", "minatar", "--clip-param", "1", NULL }, "--clip-param" },
  { "discount-above-one", { "run", "--experiment", "minatar", "--discount", "1.5", NULL }, "--discount" },
  { "mini-batches-over-rollout", { "run", "--experiment", "minatar", "--num-processes", "2", "--num-steps", "3",
                                   "--num-mini-batch", "7", NULL }, "--num-mini-batch" },
  { "arch-mlp-for-games", { "run", "--experiment", "minatar", "--arch", "mlp", NULL }, "--arch" },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *ic = data;
  int argc = argv_len (ic->argv);
  g_auto(GStrv) argv = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    argv[i] = g_strdup (ic->argv[i]);
  BlipRunOptions o;
  g_autoptr(GError) error = NULL;
  gboolean ok = blip_run_options_parse (&o, argc, argv, &error);
  g_assert_false (ok);
  g_assert_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE);
  g_test_message ("%s: %s", ic->name, error->message);
  if (strstr (error->message, ic->must_name) == NULL)
    g_error ("%s: the message “%s” does not name %s", ic->name, error->message, ic->must_name);
  blip_run_options_clear (&o);
}

typedef struct {
  const char *text;
  double      min, max;
  gboolean    ok;
  double      value;
} NumberCase;

static const NumberCase double_cases[] = {
  { "0.5", 0, 1, TRUE, 0.5 },
  { "1e-3", 0, 1, TRUE, 1e-3 },
  { "1", 0, 1, TRUE, 1 },
  { "-0", 0, 1, TRUE, 0 },
  { "1.0000001", 0, 1, FALSE, 0 },
  { "", 0, 1, FALSE, 0 },
  { "nan", 0, 1, FALSE, 0 },
  { "-inf", -1e300, 1, FALSE, 0 },
  { "0.5 ", 0, 1, FALSE, 0 },
  { "0,5", 0, 1, FALSE, 0 },
};

static void
test_parse_double (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (double_cases); i++)
    {
      const NumberCase *nc = &double_cases[i];
      g_autoptr(GError) error = NULL;
      double v = -123;
      gboolean ok = blip_parse_double ("--x", nc->text, nc->min, nc->max, &v, &error);
      if (ok != nc->ok)
        g_error ("blip_parse_double (“%s”) returned %d, expected %d", nc->text, ok, nc->ok);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_cmpfloat (v, ==, nc->value);
        }
      else
        {
          g_assert_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE);
          g_assert_nonnull (strstr (error->message, "--x"));
          g_assert_cmpfloat (v, ==, -123);   /* untouched on error */
        }
    }
  /* NULL text is an error, not a crash. */
  g_autoptr(GError) error = NULL;
  double v;
  g_assert_false (blip_parse_double ("--x", NULL, 0, 1, &v, &error));
  g_assert_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE);
}

static void
test_parse_int (void)
{
  static const struct { const char *text; gint64 min, max; gboolean ok; gint64 value; } cases[] = {
    { "42", 0, 100, TRUE, 42 },
    { "0", 0, 100, TRUE, 0 },
    { "100", 0, 100, TRUE, 100 },
    { "101", 0, 100, FALSE, 0 },
    { "-1", 0, 100, FALSE, 0 },
    { "4.0", 0, 100, FALSE, 0 },
    { "1e3", 0, 10000, FALSE, 0 },
    { "12a", 0, 100, FALSE, 0 },
    { "", 0, 100, FALSE, 0 },
    { "9223372036854775808", 0, G_MAXINT64, FALSE, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v = -7;
      gboolean ok = blip_parse_int ("--n", cases[i].text, cases[i].min, cases[i].max, &v, &error);
      if (ok != cases[i].ok)
        g_error ("blip_parse_int (“%s”) returned %d, expected %d", cases[i].text, ok, cases[i].ok);
      if (ok)
        g_assert_cmpint (v, ==, cases[i].value);
      else
        {
          g_assert_error (error, BLIP_CLI_ERROR, BLIP_CLI_ERROR_USAGE);
          g_assert_nonnull (strstr (error->message, "--n"));
          g_assert_cmpint (v, ==, -7);
        }
    }
}

/* blip-cli-args.h: "the whole string must be a finite number". Text with
 * leading blanks is not a number as typed (strtod and strtoll skip them). */
static void
test_parse_leading_space (void)
{
  static const char * const doubles[] = { " 0.05", "\t0.05", "\n1" };
  static const char * const ints[] = { " 32", "\t32" };
  int accepted = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      double v;
      accepted += blip_parse_double ("--lr", doubles[i], 0, 10, &v, NULL);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      gint64 n;
      accepted += blip_parse_int ("--sbatch", ints[i], 0, 100, &n, NULL);
    }
  g_test_message ("%d of %d blank-led values accepted", accepted,
                  (int) (G_N_ELEMENTS (doubles) + G_N_ELEMENTS (ints)));
  g_assert_cmpint (accepted, ==, 0);
}

static void
test_help_text (void)
{
  g_autofree char *help = blip_run_options_help ();
  g_assert_true (g_str_has_prefix (help, "Usage: blip run"));
  /* Every flag the parser accepts is documented. */
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    g_assert_nonnull (strstr (help, specs[i].flag));
}

/* ---- the binary ---------------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *args[6];
  int         status;
  const char *out_has[12];  /* substrings of stdout */
  const char *err_has[4];   /* substrings of stderr */
} BinaryCase;

static const BinaryCase binary_cases[] = {
  { "run-bad-lr", { "run", "--lr", "abc", NULL }, 2, { NULL }, { "--lr", "abc", NULL } },
  { "run-unknown-flag", { "run", "--frobnicate", NULL }, 2, { NULL }, { "--frobnicate", NULL } },
  { "unknown-command", { "frobnicate", NULL }, 2, { NULL }, { "frobnicate", "Usage", NULL } },
  { "no-command", { NULL }, 2, { NULL }, { "Usage", NULL } },
  { "list", { "list", NULL }, 0,
    { "mnist5", "pmnist", "fmnist5", "blip", "sgd", "sgd-frozen", "ewc", "lwf", "imm-mode", "hat", NULL }, { NULL } },
  { "run-help", { "run", "--help", NULL }, 0, { "Usage: blip run", "--lr", "--F-prior", "--paper-settings", NULL },
    { NULL } },
  { "help-lists-table", { "help", NULL }, 0, { "table", NULL }, { NULL } },
  { "table-help", { "table", "--help", NULL }, 0, { "Usage: blip table", "--approaches", "--resume", NULL }, { NULL } },
  { "version", { "version", NULL }, 0, { "blip ", NULL }, { NULL } },
  { "lesson-no-subcommand", { "lesson", NULL }, 2, { NULL }, { "blip lesson", "check", NULL } },
  { "lesson-unknown-subcommand", { "lesson", "lint", NULL }, 2, { NULL }, { "“lint”", NULL } },
  { "lesson-no-file", { "lesson", "check", NULL }, 2, { NULL }, { "no lesson file given", NULL } },
  { "lesson-unknown-option", { "lesson", "check", "--strict", NULL }, 2, { NULL }, { "--strict", NULL } },
  { "lesson-help", { "lesson", "check", "--help", NULL }, 0, { "Usage: blip lesson check", NULL }, { NULL } },
  { "lesson-missing-file", { "lesson", "check", "no-such.lesson", NULL }, 1, { NULL },
    { "no-such.lesson: ", NULL } },
  { "help-lists-lesson", { "help", NULL }, 0, { "lesson", NULL }, { NULL } },
  /* A session saved by the app is one checkpoint file, not a run folder. */
  { "run-resume-a-file", { "run", "--resume", BLIP_EXE, NULL }, 2, { NULL },
    { "--resume takes the folder of a run", "checkpoint-00000001.safetensors", NULL } },
};

static void
test_binary (gconstpointer data)
{
  const BinaryCase *bc = data;
  if (!blip_test_have_blip ())
    return;
  BlipTestRun r = blip_test_run_blip (bc->args);
  if (r.status != bc->status)
    g_error ("%s: exit status %d, expected %d\nstdout: %s\nstderr: %s", bc->name, r.status, bc->status,
             r.out, r.err);
  for (int i = 0; bc->out_has[i] != NULL; i++)
    if (strstr (r.out, bc->out_has[i]) == NULL)
      g_error ("%s: stdout lacks “%s”:\n%s", bc->name, bc->out_has[i], r.out);
  for (int i = 0; bc->err_has[i] != NULL; i++)
    if (strstr (r.err, bc->err_has[i]) == NULL)
      g_error ("%s: stderr lacks “%s”:\n%s", bc->name, bc->err_has[i], r.err);
  blip_test_run_clear (&r);
}

/* Checks a finished run's stdout and output folder; T tasks. */
static void
check_run_output (const BlipTestRun *r, const char *out_dir, int T)
{
  if (r->status != 0)
    g_error ("blip run exited with %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
  const char *want[] = { "ACC", "BWT (paper", "BWT (reference code", "Used capacity", "Results written to" };
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    if (strstr (r->out, want[i]) == NULL)
      g_error ("stdout lacks “%s”:\n%s", want[i], r->out);

  g_autofree char *json_path = g_build_filename (out_dir, "results.json", NULL);
  g_autofree char *csv_path = g_build_filename (out_dir, "acc_matrix.csv", NULL);
  g_autofree char *timing_path = g_build_filename (out_dir, "timing.json", NULL);
  g_assert_true (g_file_test (json_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (csv_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (timing_path, G_FILE_TEST_IS_REGULAR));

  g_autofree char *json = NULL, *csv = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (json_path, &json, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *done = g_strdup_printf ("\"tasks_completed\": %d", T);
  g_assert_nonnull (strstr (json, done));
  g_assert_nonnull (strstr (json, "\"ACC\": "));
  g_assert_nonnull (strstr (json, "\"BWT_paper\": "));
  g_assert_nonnull (strstr (json, "\"BWT_code\": "));

  g_file_get_contents (csv_path, &csv, NULL, &error);
  g_assert_no_error (error);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  int n_lines = 0;
  for (int i = 0; lines[i] != NULL; i++)
    n_lines += lines[i][0] != '\0';
  g_assert_cmpint (n_lines, ==, T + 1);
  g_assert_true (g_str_has_prefix (lines[0], "after_task,"));
  /* The last row is complete: T accuracies in [0, 1]. */
  g_auto(GStrv) cells = g_strsplit (lines[T], ",", -1);
  g_assert_cmpuint (g_strv_length (cells), ==, (guint) T + 1);
  for (int j = 1; j <= T; j++)
    {
      char *end = NULL;
      double a = g_ascii_strtod (cells[j], &end);
      g_assert_true (end != cells[j]);
      g_assert_cmpfloat (a, >=, 0.0);
      g_assert_cmpfloat (a, <=, 1.0);
    }
}

static void
test_run_fake_data (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *out = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (data, "mnist", 600, 200, 3);
  const char *args[] = { "run", "--experiment", "mnist5", "--data-dir", data, "--nepochs", "2", "--ndim", "64",
                         "--lr", "0.05", "--fisher-batches", "2", "--quiet", "--output", out, NULL };
  BlipTestRun r = blip_test_run_blip (args);
  check_run_output (&r, out, 5);
  blip_test_run_clear (&r);
  blip_test_rmtree (data);
  blip_test_rmtree (out);
}

static void
test_run_real_data (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *data = blip_test_real_data_dir ("mnist/t10k-labels-idx1-ubyte.gz");
  if (data == NULL)
    return;
  g_autofree char *out = blip_test_mkdtemp ();
  const char *args[] = { "run", "--experiment", "mnist5", "--data-dir", data, "--nepochs", "1",
                         "--train-subset", "300", "--test-subset", "200", "--quiet", "--output", out, NULL };
  BlipTestRun r = blip_test_run_blip (args);
  check_run_output (&r, out, 5);
  blip_test_run_clear (&r);
  blip_test_rmtree (out);
}

static void
test_run_missing_data (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *empty = blip_test_mkdtemp ();
  g_autofree char *out = blip_test_mkdtemp ();
  const char *args[] = { "run", "--data-dir", empty, "--output", out, NULL };
  BlipTestRun r = blip_test_run_blip (args);
  g_assert_cmpint (r.status, ==, 1);
  g_autofree char *missing = g_build_filename (empty, "mnist", "train-images-idx3-ubyte.gz", NULL);
  if (strstr (r.err, missing) == NULL)
    g_error ("stderr does not name %s:\n%s", missing, r.err);
  /* Nothing was written. */
  g_autofree char *json = g_build_filename (out, "results.json", NULL);
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
  blip_test_run_clear (&r);
  blip_test_rmtree (empty);
  blip_test_rmtree (out);
}

/* ---- blip lesson check ---------------------------------------------------------------- */

static char *
lessons_dir (void)
{
  /* meson sets G_TEST_SRCDIR to tests/; the lessons are beside it. */
  return g_test_build_filename (G_TEST_DIST, "..", "lessons", NULL);
}

static void
test_lesson_shipped (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *dir = lessons_dir ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".lesson"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_assert_cmpuint (files->len, >=, 5);

  /* Each file named, then the folder, which stands for the same files. */
  for (int as_folder = 0; as_folder <= 1; as_folder++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_ptr_array_add (args, (gpointer) "lesson");
      g_ptr_array_add (args, (gpointer) "check");
      if (as_folder)
        g_ptr_array_add (args, dir);
      else
        for (guint i = 0; i < files->len; i++)
          g_ptr_array_add (args, g_ptr_array_index (files, i));
      g_ptr_array_add (args, NULL);
      BlipTestRun r = blip_test_run_blip ((const char * const *) args->pdata);
      if (r.status != 0)
        g_error ("blip lesson check on the shipped lessons exited with %d\nstdout: %s\nstderr: %s",
                 r.status, r.out, r.err);
      g_assert_cmpstr (r.err, ==, "");
      for (guint i = 0; i < files->len; i++)
        {
          g_autofree char *base = g_path_get_basename (g_ptr_array_index (files, i));
          g_autofree char *want = g_strdup_printf ("%s: ok (", base);
          if (strstr (r.out, want) == NULL)
            g_error ("stdout lacks “%s”:\n%s", want, r.out);
        }
      g_assert_nonnull (strstr (r.out, " steps, title “"));
      blip_test_run_clear (&r);
    }
}

#define LESSON_HEAD "[Lesson]\nTitle=T\nVersion=1\n"       /* lines 1-3 */
#define LESSON_STEP "[Step 1]\nTitle=S\nText=t\n"           /* lines 4-6 */

typedef struct {
  const char *name;
  const char *text;
  guint       line;      /* the line the message must name */
  const char *message;   /* a substring of what follows "FILE:LINE: " */
} BrokenLesson;

static const BrokenLesson broken_lessons[] = {
  { "no-lesson-group", LESSON_STEP, 1, "no [Lesson] group" },
  { "newer-version", "[Lesson]\nTitle=T\nVersion=2\n" LESSON_STEP, 3, "lesson format version 2" },
  { "unknown-key", LESSON_HEAD LESSON_STEP "Txt=hello\n", 7, "unknown key “Txt” in [Step 1]" },
  { "run-out-of-range", LESSON_HEAD LESSON_STEP "Run=epoch 0\n", 7,
    "Run: the number of epochs must be between 1 and 100000, got 0" },
  { "bad-number", LESSON_HEAD LESSON_STEP "Settings=lr=abc\n", 7, "Settings: lr expects a number" },
  { "unknown-approach", LESSON_HEAD LESSON_STEP "Settings=approach=magic\n", 7,
    "Settings: unknown approach “magic”" },
  { "unknown-view", LESSON_HEAD LESSON_STEP "View=histogram\n", 7, "View: expected bits" },
  { "step-gap", LESSON_HEAD LESSON_STEP "[Step 3]\nTitle=S\nText=t\n", 7,
    "[Step 3] follows step 1: step 2 is missing" },
  { "not-utf8", LESSON_HEAD "[Step 1]\nTitle=caf\xe9\nText=t\n", 5, "not valid UTF-8 (byte 0xe9)" },
  { "broken-line", LESSON_HEAD "[Step 1]\nTitle=S\nText=first line\nsecond line\n", 7,
    "“second line” is not a [Group] header" },
};

static char *
write_lesson (const char *dir, const char *name, const char *text)
{
  g_autofree char *base = g_strdup_printf ("%s.lesson", name);
  char *path = g_build_filename (dir, base, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_lesson_broken (gconstpointer data)
{
  const BrokenLesson *bl = data;
  if (!blip_test_have_blip ())
    return;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_lesson (dir, bl->name, bl->text);
  const char *args[] = { "lesson", "check", path, NULL };
  BlipTestRun r = blip_test_run_blip (args);
  if (r.status != 1)
    g_error ("%s: exit status %d, expected 1\nstdout: %s\nstderr: %s", bl->name, r.status, r.out, r.err);
  g_assert_cmpstr (r.out, ==, "");
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, bl->line);
  if (!g_str_has_prefix (r.err, prefix) || strstr (r.err, bl->message) == NULL)
    g_error ("%s: stderr is not “%s…%s…”:\n%s", bl->name, prefix, bl->message, r.err);
  blip_test_run_clear (&r);
  blip_test_rmtree (dir);
}

/* Every file is checked, not only those before the first bad one. */
static void
test_lesson_mixed (void)
{
  if (!blip_test_have_blip ())
    return;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *bad = write_lesson (dir, "bad", LESSON_HEAD LESSON_STEP "Run=task 1001\n");
  g_autofree char *good = write_lesson (dir, "good", "[Lesson]\nTitle=Good one\nVersion=1\n" LESSON_STEP);
  const char *args[] = { "lesson", "check", bad, good, NULL };
  BlipTestRun r = blip_test_run_blip (args);
  g_assert_cmpint (r.status, ==, 1);
  g_autofree char *ok = g_strdup_printf ("%s: ok (1 step, title “Good one”)\n", good);
  g_assert_cmpstr (r.out, ==, ok);
  g_autofree char *err = g_strdup_printf ("%s:7: Run: the number of tasks must be between 1 and 1000, got 1001\n", bad);
  g_assert_cmpstr (r.err, ==, err);
  blip_test_run_clear (&r);
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cli/parse/valid/%s", valid_cases[i].name);
      g_test_add_data_func (name, &valid_cases[i], test_valid);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cli/parse/invalid/%s", invalid_cases[i].name);
      g_test_add_data_func (name, &invalid_cases[i], test_invalid);
    }
  g_test_add_func ("/cli/parse/double", test_parse_double);
  g_test_add_func ("/cli/parse/int", test_parse_int);
  g_test_add_func ("/cli/parse/leading-space", test_parse_leading_space);
  g_test_add_func ("/cli/parse/help", test_help_text);
  for (gsize i = 0; i < G_N_ELEMENTS (binary_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cli/binary/%s", binary_cases[i].name);
      g_test_add_data_func (name, &binary_cases[i], test_binary);
    }
  g_test_add_func ("/cli/binary/run-fake-data", test_run_fake_data);
  g_test_add_func ("/cli/binary/run-real-data", test_run_real_data);
  g_test_add_func ("/cli/binary/run-missing-data", test_run_missing_data);
  g_test_add_func ("/cli/lesson/shipped", test_lesson_shipped);
  for (gsize i = 0; i < G_N_ELEMENTS (broken_lessons); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cli/lesson/broken/%s", broken_lessons[i].name);
      g_test_add_data_func (name, &broken_lessons[i], test_lesson_broken);
    }
  g_test_add_func ("/cli/lesson/mixed", test_lesson_mixed);
  return g_test_run ();
}
