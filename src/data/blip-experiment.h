/* blip-experiment.h — benchmarks as sequences of tasks.
 *
 * An experiment turns data set files into tasks: which classes, which samples,
 * which pixel permutation, which normalisation, and how the validation set is
 * chosen, all as the reference's data loaders define them and all drawn from
 * the run's seed. Pixels stay uint8 in one shared store; a split is a list of
 * rows into it, and batches are gathered, permuted and normalised on the fly
 * into a caller's float buffer, so P-MNIST's ten tasks cost no more memory
 * than MNIST itself.
 */
#pragma once

#include <glib.h>
#include "blip-config.h"

G_BEGIN_DECLS

#define BLIP_EXPERIMENT_ERROR (blip_experiment_error_quark ())
GQuark blip_experiment_error_quark (void);

typedef enum {
  BLIP_EXPERIMENT_ERROR_UNKNOWN,     /* no experiment of that name */
  BLIP_EXPERIMENT_ERROR_TOO_SMALL,   /* a subset left a task without samples */
} BlipExperimentError;

typedef struct {
  const guint8 *pixels;   /* shared store, one row of dim bytes per image */
  const int    *perm;     /* output pixel i is input pixel perm[i]; NULL for identity */
  const float  *lut;      /* 256 entries: the normalised value of each byte; with
                             plane_size, one such table per channel plane */
  int           plane_size; /* 0: one table for every pixel; else output pixel i
                               uses lut[256 · (i / plane_size)] (per-channel
                               normalisation of CHW images) */
  int           dim;
  int           row_bytes; /* bytes per image in the store; 0: dim. With perm a
                              stored image may be smaller than dim: a grey image
                              repeated into three channels reads every byte
                              three times */
  int           n;
  int          *rows;     /* n row indices into the store */
  gint32       *labels;   /* n labels, 0..ncla−1 within the task */
} BlipSplit;

typedef struct {
  char     *name;
  int       ncla;
  BlipSplit train;
  BlipSplit valid;        /* shares train's rows when validating on the training set */
  BlipSplit test;
  gboolean  valid_is_train;
} BlipTask;

typedef struct _BlipExperiment BlipExperiment;

struct _BlipExperiment {
  char     *name;
  char     *title;
  int       channels, height, width;
  int       input_dim;
  int       n_tasks;
  BlipTask *tasks;
  /* private */
  gpointer  priv;
};

typedef struct {
  const char *name;
  const char *title;
  const char *dataset;    /* data set it reads, for messages and --download */
  int         n_tasks;
} BlipExperimentInfo;

/* The experiments this build knows, NULL-terminated by name. */
const BlipExperimentInfo *blip_experiment_list (gsize *n);
const BlipExperimentInfo *blip_experiment_info (const char *name);

/* Reads the data set from config->data_dir (resolved as blip-datadir.h says)
 * and builds the tasks for config->experiment with config->seed. */
BlipExperiment *blip_experiment_open (const BlipConfig *config, GError **error);
void            blip_experiment_free (BlipExperiment *experiment);

/* A data set made in memory, for tests, benchmarks and demos that must run
 * without files: n_tasks tasks of ncla classes over dim-pixel images, each
 * class a seeded random template plus noise, so a network can learn it. */
BlipExperiment *blip_experiment_new_synthetic (int n_tasks, int ncla, int dim,
                                               int n_train, int n_test, guint64 seed);

/* x[n, dim] and y[n] for rows idx[0..n) of the split (indices into the split). */
void            blip_split_gather    (const BlipSplit *split, const int *idx, int n,
                                      float *x, gint32 *y);
/* The same for the contiguous range [start, start+n). */
void            blip_split_gather_range (const BlipSplit *split, int start, int n,
                                         float *x, gint32 *y);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipExperiment, blip_experiment_free)

G_END_DECLS
