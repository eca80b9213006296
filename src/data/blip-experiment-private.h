/* blip-experiment-private.h — what the experiment modules share inside
 * libblip: blip-experiment.c owns the registry and the task plumbing, and
 * blip-experiment-cifar.c, -mixture.c and -miniimagenet.c build the image
 * benchmarks with it. */
#pragma once

#include "blip-experiment.h"
#include "blip-images.h"

G_BEGIN_DECLS

/* An empty experiment that owns `data` (freed with data_free with it). */
BlipExperiment *blip_experiment_alloc (const char *name, const char *title,
                                       gpointer data, GDestroyNotify data_free);

/* Moves a seeded `fraction` of the task's training split into its validation
 * split (task index t picks the stream); both parts stay in store order. */
void            blip_experiment_carve_validation (BlipTask *task, double fraction,
                                                  guint64 seed, int t);

/* The last step of building task t: the validation split (carved as
 * config->valid_fraction says, or the training split itself when that is 0,
 * as the reference's MNIST loaders do), then a check that no split is empty.
 * FALSE with error naming the task and the flags that shrink it. */
gboolean        blip_experiment_finish_task (BlipTask *task, int t, const BlipConfig *config,
                                             GError **error);

/* minatar and atari (blip-experiment-games.c). */
BlipExperiment *blip_experiment_open_games (const BlipConfig *config, GError **error);

/* cifar, cifar10-5 and folder (blip-experiment-cifar.c). */
BlipExperiment *blip_experiment_open_images (const BlipConfig *config, GError **error);

/* The rows of `set` whose label maps to a task class (local[label] ≥ 0), in
 * store order, labelled local[label]; with limit > 0 at most that many, the
 * classes taking turns so that a subset still holds every class. */
void            blip_experiment_select_rows (BlipSplit *s, const BlipImageSet *set, const int *local,
                                             int ncla, int limit);

/* CIFAR-10 from the first place that has it (the binary version, else an
 * image copy), or a BLIP_DATA_ERROR_MISSING naming every place looked. With
 * check_only, only looks and loads nothing. */
gboolean        blip_experiment_load_cifar10 (const char *data_dir, gboolean check_only,
                                              BlipImageSet **train, BlipImageSet **test,
                                              GError **error);

/* cifar.py's per-channel normalisation: 3 × 256 floats, as BlipSplit.lut
 * with plane_size. */
void            blip_experiment_cifar_luts (float *lut);

/* mixture5 and miniimagenet (blip-experiment-mixture.c, blip-experiment-miniimagenet.c). */
BlipExperiment *blip_experiment_open_mixture5 (const BlipConfig *config, GError **error);
BlipExperiment *blip_experiment_open_miniimagenet (const BlipConfig *config, GError **error);

G_END_DECLS
