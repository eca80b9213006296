/* fuzz-flags.c — libFuzzer target: the `blip run` flag parser. The input is
 * split at newlines into arguments. */
#include "blip.h"
#include "../../src/cli/blip-cli-args.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  if (size > 4096)
    return 0;
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) parts = g_strsplit (text, "\n", 64);
  int argc = (int) g_strv_length (parts) + 1;
  char **argv = g_new0 (char *, argc + 1);
  argv[0] = (char *) "run";
  for (int i = 1; i < argc; i++)
    argv[i] = parts[i - 1];
  BlipRunOptions options;
  GError *error = NULL;
  if (!blip_run_options_parse (&options, argc, argv, &error))
    g_clear_error (&error);
  blip_run_options_clear (&options);
  g_free (argv);
  return 0;
}
