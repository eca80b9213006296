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
#include "blip-env.h"

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

/* Makes a new environment for task `task` (training: for the PPO rollout;
 * else: for evaluation, which may differ, e.g. without episodic-life
 * wrappers). NULL with error set on failure. */
typedef BlipEnv *(*BlipEnvFactory) (gpointer data, int task, gboolean training, GError **error);

/* What an experiment whose tasks are games adds: a per-task environment
 * factory. Each task's splits are empty; its ncla is the game's action
 * count; channels × height × width is the network's input, the largest
 * observation of the games (smaller ones are zero-padded). */
typedef struct {
  BlipEnvFactory make_env;
  gpointer       data;
  GDestroyNotify data_free;
} BlipRlExperiment;

struct _BlipExperiment {
  char     *name;
  char     *title;
  int       channels, height, width;
  int       input_dim;
  int       n_tasks;
  BlipTask *tasks;
  BlipRlExperiment *rl;   /* games: PPO on environments; NULL for data sets */
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

/* An experiment of games: task t is game names[t] of blip_env_list(), made
 * by blip_env_new(). NULL with error naming the unknown game. */
BlipExperiment *blip_experiment_new_games (const char *name, const char *title,
                                           const char * const *names, GError **error);
/* An experiment of n_tasks games from a factory (an ALE back end, tests);
 * takes ownership of data. Opens each task's environment once to learn its
 * observation shape and action count. */
BlipExperiment *blip_experiment_new_rl (const char *name, const char *title, int n_tasks,
                                        BlipEnvFactory make_env, gpointer data,
                                        GDestroyNotify data_free, GError **error);

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
