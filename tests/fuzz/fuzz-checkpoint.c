/* fuzz-checkpoint.c — libFuzzer target: restoring a trainer from checkpoint
 * bytes (format checks, configuration, shapes, bits, permutations). */
#include "blip.h"

#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static BlipTrainer *
tiny_trainer (void)
{
  /* Same shape as tests/fuzz/corpus/checkpoint/ seeds: a 16-input MLP, 2 tasks. */
  BlipConfig c;
  blip_config_init_defaults (&c);
  c.ndim = 8;
  c.nepochs = 2;
  c.fisher_batches = 2;
  c.fisher_sbatch = 10;
  BlipExperiment *e = blip_experiment_new_synthetic (2, 2, 16, 40, 20, 0);
  BlipStrategy *s = blip_strategy_new ("blip", NULL);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, NULL);
  blip_config_clear (&c);
  return tr;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static BlipTrainer *tr;
  if (tr == NULL)
    tr = tiny_trainer ();
  GBytes *bytes = g_bytes_new (data, size);
  GError *error = NULL;
  BlipSafetensors *f = blip_safetensors_parse (bytes, "fuzz-checkpoint", &error);
  if (f != NULL)
    {
      BlipConfig config;
      if (blip_checkpoint_read_config (f, &config, &error))
        blip_config_clear (&config);
      else
        g_clear_error (&error);
      if (!blip_trainer_load_checkpoint (tr, f, &error))
        g_clear_error (&error);
      blip_safetensors_free (f);
    }
  else
    g_error_free (error);
  g_bytes_unref (bytes);
  return 0;
}
