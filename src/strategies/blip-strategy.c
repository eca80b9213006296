/* blip-strategy.c — the registry of continual-learning methods. */
#include "blip-strategy.h"
#include "blip-parallel.h"

#include <math.h>

G_DEFINE_QUARK (blip-strategy-error-quark, blip_strategy_error)

static const BlipStrategyClass * const registry[] = {
  &blip_strategy_blip_class,
  &blip_strategy_sgd_class,
  &blip_strategy_sgd_frozen_class,
  &blip_strategy_ewc_class,
  &blip_strategy_lwf_class,
  &blip_strategy_imm_mode_class,
  &blip_strategy_hat_class,
  &blip_strategy_halrp_class,
};

const BlipStrategyClass * const *
blip_strategy_list (gsize *n)
{
  if (n)
    *n = G_N_ELEMENTS (registry);
  return registry;
}

const BlipStrategyClass *
blip_strategy_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (registry); i++)
    if (g_strcmp0 (registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

char *
blip_strategy_label (const char *title, const char *name)
{
  if (title == NULL || name == NULL || g_ascii_strcasecmp (title, name) == 0)
    return g_strdup (title ? title : name ? name : "—");
  return g_strdup_printf ("%s (%s)", title, name);
}

char *
blip_strategy_label_for (const char *name)
{
  const BlipStrategyClass *klass = blip_strategy_lookup (name);
  return blip_strategy_label (klass ? klass->title : NULL, name);
}

BlipStrategy *
blip_strategy_new (const char *name, GError **error)
{
  const BlipStrategyClass *klass = blip_strategy_lookup (name);
  if (klass == NULL)
    {
      GString *names = g_string_new (NULL);
      for (gsize i = 0; i < G_N_ELEMENTS (registry); i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", registry[i]->name);
      g_set_error (error, BLIP_STRATEGY_ERROR, BLIP_STRATEGY_ERROR_UNKNOWN,
                   "unknown approach “%s” (expected one of: %s)", name ? name : "(null)", names->str);
      g_string_free (names, TRUE);
      return NULL;
    }
  g_assert (klass->instance_size >= sizeof (BlipStrategy));
  BlipStrategy *self = g_malloc0 (klass->instance_size);
  self->klass = klass;
  return self;
}

gboolean
blip_strategy_init (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error)
{
  self->net = net;
  blip_config_copy (&self->config, config);
  return self->klass->init ? self->klass->init (self, net, config, error) : TRUE;
}

void
blip_strategy_free (BlipStrategy *self)
{
  if (self == NULL)
    return;
  if (self->klass->finalize)
    self->klass->finalize (self);
  blip_config_clear (&self->config);
  g_free (self);
}

const char *
blip_strategy_get_name (const BlipStrategy *self)
{
  return self->klass->name;
}

gsize
blip_strategy_memory_bytes (BlipStrategy *self)
{
  return self->klass->memory_bytes ? self->klass->memory_bytes (self, self->net) : 0;
}

gboolean
blip_strategy_class_apply_paper_settings (const BlipStrategyClass *klass, BlipConfig *config,
                                          const char *experiment)
{
  if (klass == NULL || klass->paper_settings == NULL)
    return FALSE;
  klass->paper_settings (config, experiment);
  return TRUE;
}

void
blip_settings_append_double (GString *out, const char *flag, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (out, ", %s %s", flag, g_ascii_formatd (buf, sizeof buf, "%g", value));
}

void
blip_settings_append_int (GString *out, const char *flag, int value)
{
  g_string_append_printf (out, ", %s %d", flag, value);
}

char *
blip_strategy_class_settings_text (const BlipStrategyClass *klass, const BlipConfig *config)
{
  g_return_val_if_fail (klass != NULL && config != NULL, NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  if (klass->describe_settings != NULL)
    klass->describe_settings (config, out);
  /* Each pair comes with its leading ", ". */
  if (g_str_has_prefix (out->str, ", "))
    g_string_erase (out, 0, 2);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
blip_run_settings_text (const BlipConfig *run)
{
  g_return_val_if_fail (run != NULL, NULL);
  GString *out = g_string_new (NULL);
  if (blip_config_is_rl (run))
    {
      char lr[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_printf (out, "%d frames per game, lr %s, %d envs × %d steps", run->frames,
                              g_ascii_formatd (lr, sizeof lr, "%g", run->lr), run->num_envs, run->num_steps);
    }
  else
    {
      BlipConfig preset;
      blip_config_init_defaults (&preset);
      blip_config_apply_preset (&preset, run->experiment, NULL);
      blip_settings_append_double (out, "lr", run->lr);
      blip_settings_append_int (out, "sbatch", run->sbatch);
      blip_settings_append_int (out, "nepochs", run->nepochs);
      if (g_strcmp0 (run->arch, preset.arch) != 0)
        g_string_append_printf (out, ", arch %s", run->arch);
      /* Widths only of the networks that read them (LeNet's are fixed). */
      gboolean mlp = g_strcmp0 (run->arch, "mlp") == 0, alexnet = g_strcmp0 (run->arch, "alexnet") == 0;
      if (run->ndim != preset.ndim && (mlp || alexnet))
        blip_settings_append_int (out, "ndim", run->ndim);
      if (run->mul != preset.mul && (alexnet || g_strcmp0 (run->arch, "resnet18") == 0))
        blip_settings_append_double (out, "mul", run->mul);
      if (g_strcmp0 (run->optimizer, preset.optimizer) != 0)
        g_string_append_printf (out, ", optimizer %s", run->optimizer);
      static const struct { const char *flag; gsize offset; } doubles[] = {
        { "momentum", G_STRUCT_OFFSET (BlipConfig, momentum) },
        { "weight-decay", G_STRUCT_OFFSET (BlipConfig, weight_decay) },
        { "lr-gamma", G_STRUCT_OFFSET (BlipConfig, lr_gamma) },
      };
      for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
        {
          double v = G_STRUCT_MEMBER (double, run, doubles[i].offset);
          if (v != G_STRUCT_MEMBER (double, &preset, doubles[i].offset))
            blip_settings_append_double (out, doubles[i].flag, v);
        }
      if (run->lr_patience != preset.lr_patience)
        blip_settings_append_int (out, "lr-patience", run->lr_patience);
      if (run->lr_factor != preset.lr_factor)
        blip_settings_append_double (out, "lr-factor", run->lr_factor);
      if (run->lr_min != preset.lr_min)
        blip_settings_append_double (out, "lr-min", run->lr_min);
      if (run->valid_fraction != preset.valid_fraction)
        blip_settings_append_double (out, "valid-fraction", run->valid_fraction);
      if (run->ntasks != 0)
        blip_settings_append_int (out, "ntasks", run->ntasks);
      if (run->train_subset != 0)
        blip_settings_append_int (out, "train-subset", run->train_subset);
      if (run->test_subset != 0)
        blip_settings_append_int (out, "test-subset", run->test_subset);
      blip_config_clear (&preset);
      g_string_erase (out, 0, 2);   /* the first pair's ", " */
    }
  const BlipStrategyClass *method = blip_strategy_lookup (run->approach);
  g_autofree char *own = method != NULL ? blip_strategy_class_settings_text (method, run) : NULL;
  if (own != NULL && *own)
    g_string_append_printf (out, ", %s", own);
  return g_string_free (out, FALSE);
}

void
blip_strategy_baseline_paper_settings (BlipConfig *config, const char *experiment)
{
  /* miniImageNetClassification/src/run_baselines.py builds networks/alexnet.py
   * for every baseline; its README runs them with the settings of our preset
   * (--lr 0.01 --momentum 0.0 --mul 1 --sbatch 32). The MNIST and CIFAR
   * baselines use the experiment's network. */
  if (g_strcmp0 (experiment, "miniimagenet") == 0)
    {
      g_free (config->arch);
      config->arch = g_strdup ("alexnet");
    }
}

double
blip_strategy_clip_grad_norm (BlipStrategy *self, int task, float *extra, gsize n_extra, double max_norm)
{
  BlipNetwork *net = self->net;
  g_return_val_if_fail (task >= 0 && task < net->n_heads, NAN);
  int first_head = self->klass->updates_old_heads ? 0 : task;
  double ss = blip_parallel_sum_squares (extra, n_extra);
  for (int i = 0; i < net->n_layers; i++)
    if (!net->layers[i].frozen)
      ss += blip_parallel_sum_squares (net->layers[i].grad_weight, net->layers[i].n_weight + net->layers[i].n_bias);
  for (int t = first_head; t <= task; t++)
    ss += blip_parallel_sum_squares (net->heads[t].grad_weight, net->heads[t].n_weight + net->heads[t].n_bias);
  double norm = sqrt (ss);
  /* PyTorch's coefficient, with its 1e-6 guard against a zero norm. */
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0)
    {
      float k = (float) coef;
      blip_parallel_scale (extra, n_extra, k);
      for (int i = 0; i < net->n_layers; i++)
        if (!net->layers[i].frozen)
          blip_parallel_scale (net->layers[i].grad_weight, net->layers[i].n_weight + net->layers[i].n_bias, k);
      for (int t = first_head; t <= task; t++)
        blip_parallel_scale (net->heads[t].grad_weight, net->heads[t].n_weight + net->heads[t].n_bias, k);
    }
  return norm;
}
