/* fuzz-safetensors.c — libFuzzer target: the safetensors reader, on bytes in memory. */
#include "blip.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  GBytes *bytes = g_bytes_new (data, size);
  GError *error = NULL;
  BlipSafetensors *f = blip_safetensors_parse (bytes, "fuzz-input", &error);
  if (f != NULL)
    {
      /* Read whatever the header promises, with each dtype. */
      static const char *names[] = { "a", "fc1.weight", "fc1.weight.bits", "results.acc" };
      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        {
          gint64 n = blip_safetensors_n_elements (f, names[i]);
          if (n < 0 || n > (1 << 20))
            continue;
          gint64 shape[1] = { -1 };
          g_autofree double *buf = g_new (double, n + 1);
          for (int dt = BLIP_DTYPE_U8; dt <= BLIP_DTYPE_F64; dt++)
            if (!blip_safetensors_read (f, names[i], dt, shape, 1, buf, TRUE, &error))
              g_clear_error (&error);
        }
      blip_safetensors_get_metadata (f, "format");
      blip_safetensors_free (f);
    }
  else
    g_error_free (error);
  g_bytes_unref (bytes);
  return 0;
}
