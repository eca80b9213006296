/* blip-experiment-private.h — what the experiment modules share inside
 * libblip: blip-experiment.c owns the registry and the task plumbing, and
 * blip-experiment-cifar.c builds the image benchmarks with it. */
#pragma once

#include "blip-experiment.h"

G_BEGIN_DECLS

/* An empty experiment that owns `data` (freed with data_free with it). */
BlipExperiment *blip_experiment_alloc (const char *name, const char *title,
                                       gpointer data, GDestroyNotify data_free);

/* Moves a seeded `fraction` of the task's training split into its validation
 * split (task index t picks the stream); both parts stay in store order. */
void            blip_experiment_carve_validation (BlipTask *task, double fraction,
                                                  guint64 seed, int t);

/* cifar, cifar10-5 and folder (blip-experiment-cifar.c). */
BlipExperiment *blip_experiment_open_images (const BlipConfig *config, GError **error);

G_END_DECLS
