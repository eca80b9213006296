/* blip-checkpoint.h — saving a run so it can continue exactly.
 *
 * A checkpoint is one safetensors file holding everything the next batch
 * depends on: weights and heads, BLIP state (bits, anchors, Fisher), the
 * strategy's own state, the optimiser's velocity, the best model of the task
 * in progress, the epoch's sample order, the RNG, the learning-rate schedule,
 * the accuracy matrix and history, and the full configuration (metadata
 * "config", as JSON). Tensors are named per layer ("fc1.weight",
 * "fc1.weight.bits", "head0.bias", …; batchnorm running statistics as
 * "bn3.running_mean", "bn3.running_var", and the best model's copy of them
 * as "train.best_buffers") so they read naturally from Python. Layers without
 * bias have no bias tensors.
 * The metadata "format_version" is checked on load.
 */
#pragma once

#include <glib.h>
#include "blip-trainer.h"
#include "blip-safetensors.h"

G_BEGIN_DECLS

#define BLIP_CHECKPOINT_ERROR (blip_checkpoint_error_quark ())
GQuark blip_checkpoint_error_quark (void);

typedef enum {
  BLIP_CHECKPOINT_ERROR_VERSION,     /* another format or version */
  BLIP_CHECKPOINT_ERROR_INVALID,     /* inconsistent contents */
  BLIP_CHECKPOINT_ERROR_NONE,        /* no valid checkpoint in a folder */
} BlipCheckpointError;

#define BLIP_CHECKPOINT_FORMAT_VERSION 1

/* Writes the trainer's state atomically (temporary file, fsync, rename); on
 * failure the file at path, if any, is left as it was. Call between steps. */
gboolean     blip_trainer_save_checkpoint (BlipTrainer *trainer, const char *path, GError **error);

/* The configuration stored in a checkpoint (data_dir left NULL). */
gboolean     blip_checkpoint_read_config  (BlipSafetensors *file, BlipConfig *config, GError **error);

/* Restores a trainer made from the checkpoint's configuration to the saved
 * state (format and version are checked first). On failure the trainer may
 * be partly overwritten and should be freed. Shapes must match; float tensors must be finite. It also sets
 * OpenBLAS to the thread count the run used, since the GEMM partition
 * changes rounding and a resumed run must continue bit for bit. */
gboolean     blip_trainer_load_checkpoint (BlipTrainer *trainer, BlipSafetensors *file, GError **error);

/* Opens the experiment and strategy named in the checkpoint and restores a
 * trainer. data_dir (may be NULL) says where the data set is now. */
BlipTrainer *blip_trainer_new_from_checkpoint (const char *path, const char *data_dir, GError **error);

/* File name of the checkpoint with sequence number seq: checkpoint-NNNNNNNN.safetensors. */
char        *blip_checkpoint_name         (guint64 seq);
/* The checkpoints in dir, newest first (full paths). */
GPtrArray   *blip_checkpoint_list         (const char *dir);
/* Restores from the newest checkpoint in dir that loads; each one that does
 * not is skipped and its problem is reported in *skipped (may be NULL). */
BlipTrainer *blip_trainer_resume          (const char *dir, const char *data_dir, char **skipped,
                                           GError **error);

G_END_DECLS
