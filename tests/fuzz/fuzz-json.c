/* fuzz-json.c — libFuzzer target: the JSON reader behind checkpoints and configurations. */
#include "blip.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  GError *error = NULL;
  BlipJson *j = blip_json_parse ((const char *) data, size, &error);
  if (j != NULL)
    {
      guint64 u;
      blip_json_as_uint64 (j, &u);
      blip_json_get (j, "dtype");
      blip_json_free (j);
    }
  else
    g_clear_error (&error);
  /* The same bytes as a configuration. */
  BlipConfig config;
  blip_config_init_defaults (&config);
  if (!blip_config_from_json (&config, (const char *) data, size, &error))
    g_clear_error (&error);
  blip_config_clear (&config);
  return 0;
}
