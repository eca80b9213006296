/* blip-progress.h — terminal progress for `blip run`: a live bar on a TTY,
 * plain lines otherwise or with --quiet. It is only a trainer observer. */
#pragma once

#include <stdio.h>
#include "blip.h"

G_BEGIN_DECLS

typedef struct _BlipProgress BlipProgress;

BlipProgress *blip_progress_new    (FILE *stream, gboolean quiet);
void          blip_progress_free   (BlipProgress *progress);
/* A BlipObserverFunc; user_data is the BlipProgress. */
void          blip_progress_observe (BlipTrainer *trainer, const BlipEvent *event, gpointer user_data);

/* A duration as the tool prints it: "2 h 06 min", "8 min 54 s", or under a
 * minute seconds with `decimals` decimals; `unknown` for NaN or negative. */
char         *blip_format_duration  (double seconds, const char *unknown, int decimals);

G_END_DECLS
