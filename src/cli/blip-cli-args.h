/* blip-cli-args.h — the `blip run` flag parser, separate from main() so tests
 * and the fuzzer can drive it. Every bad flag or value becomes a GError that
 * names the flag and what was expected. */
#pragma once

#include <glib.h>
#include "blip.h"

G_BEGIN_DECLS

#define BLIP_CLI_ERROR (blip_cli_error_quark ())
GQuark blip_cli_error_quark (void);

typedef enum {
  BLIP_CLI_ERROR_USAGE,     /* unknown flag, missing or malformed value */
} BlipCliError;

/* A long task (P-MNIST's run 200 epochs of several seconds) is not lost
 * whole when the process is killed: at most this many minutes of it. */
#define BLIP_RUN_CHECKPOINT_MINUTES 10.0

typedef struct {
  BlipConfig config;
  char      *output;        /* --output DIR */
  gboolean   quiet;
  gboolean   download;
  char      *download_url;
  int        threads;       /* 0: OpenBLAS default */
  int        checkpoint_every;  /* also checkpoint every N epochs (0: only after each task) */
  double     checkpoint_minutes;  /* and at the first epoch's end this long after the last one (0: never) */
  char      *resume;        /* --resume DIR */
  char      *figures;       /* --figures DIR */
  gboolean   paper_settings;  /* --paper-settings: the approach's own settings after the preset */
  char      *config_flag;   /* the first flag given that changes the configuration, if any */
} BlipRunOptions;

/* Parses `blip run` arguments (argv[0] is "run" or the program name). The
 * experiment's paper preset is applied first, then the flags given. */
gboolean blip_run_options_parse (BlipRunOptions *options, int argc, char **argv, GError **error);
void     blip_run_options_clear (BlipRunOptions *options);
/* Whether a `blip run` flag (without "=value") takes a value: 1, is a switch:
 * 0, or is unknown: -1. */
int      blip_run_flag_arity    (const char *flag);
/* The --help text of `blip run`. */
char    *blip_run_options_help  (void);

/* Strict number parsers used for every flag: the whole string must be a
 * finite number in [min, max]. */
gboolean blip_parse_double (const char *flag, const char *text, double min, double max,
                            double *out, GError **error);
gboolean blip_parse_int    (const char *flag, const char *text, gint64 min, gint64 max,
                            gint64 *out, GError **error);

G_END_DECLS
