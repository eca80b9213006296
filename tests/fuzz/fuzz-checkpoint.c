/* fuzz-checkpoint.c — libFuzzer target: restoring a trainer from checkpoint
 * bytes (format checks, configuration, shapes, bits, permutations). */
#include "blip.h"
#include "fuzz-tiny-trainer.h"

#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static BlipTrainer *tr;
  if (tr == NULL)
    tr = fuzz_tiny_trainer ();
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
