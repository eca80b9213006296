/* blip-strategy.c — the registry of continual-learning methods. */
#include "blip-strategy.h"

G_DEFINE_QUARK (blip-strategy-error-quark, blip_strategy_error)

static const BlipStrategyClass * const registry[] = {
  &blip_strategy_blip_class,
  &blip_strategy_sgd_class,
  &blip_strategy_sgd_frozen_class,
  &blip_strategy_ewc_class,
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
