/* blip-results.h — the numbers a run is judged by, and the files that keep them.
 *
 * ACC is the mean of the last row of the accuracy matrix. BWT is reported two
 * ways, each labelled: the paper's, averaged over the T−1 earlier tasks, and
 * the reference code's, averaged over all T tasks (its last term is 0).
 */
#pragma once

#include <glib.h>
#include "blip-trainer.h"

G_BEGIN_DECLS

typedef struct {
  double acc;          /* mean of A[T−1][j] */
  double bwt_paper;    /* Σ_{j<T−1} (A[T−1][j] − A[j][j]) / (T−1) */
  double bwt_code;     /* Σ_{j<T} (A[T−1][j] − A[j][j]) / T */
} BlipMetrics;

/* Metrics of a T×T matrix whose rows 0..last are filled. */
void      blip_metrics_compute (const double *acc, int n_tasks, int last, BlipMetrics *metrics);

/* Used capacity over all quantized layers: Σ bits / (max_bit · #params). */
double    blip_trainer_used_capacity (BlipTrainer *trainer);

/* results.json: the configuration, accuracy and loss matrices, metrics,
 * capacity per task and layer, the strategy's memory, and the per-epoch
 * history. Deterministic for a seed: wall times are kept out (timing.json).
 *
 * "format" names the version. Readers must ignore keys they do not know.
 *   blip-results/1  the first version.
 *   blip-results/2  adds "memory_bytes_per_task": the strategy's memory after
 *                   each task (blip_trainer_get_memory_bytes; null for tasks
 *                   not run). "strategy_memory_bytes" (both versions) is its
 *                   memory when the file was written. */
#define BLIP_RESULTS_FORMAT "blip-results/2"

char     *blip_results_json        (BlipTrainer *trainer);
/* The accuracy matrix as CSV, a header row of task names. */
char     *blip_results_csv         (BlipTrainer *trainer);
/* Writes results.json, acc_matrix.csv and timing.json (extra: a JSON object
 * of measurements from the front-end, may be NULL) into dir, each atomically. */
gboolean  blip_results_write       (BlipTrainer *trainer, const char *dir, const char *timing_extra,
                                    GError **error);

/* A byte count for people: "0 B", "512 B", "3.50 KiB", "11.02 MiB",
 * "1.20 GiB"; "—" when negative (not measured). Free with g_free. */
char     *blip_format_bytes        (gint64 bytes);

/* Formats a double for JSON: shortest round-trip form, null for NaN/inf. */
void      blip_json_append_double  (GString *out, double value);
void      blip_json_append_string  (GString *out, const char *value);

/* The normalised accumulated reward of a game run's evaluation curve (rows of
 * 2 + n_tasks doubles: task, frames, returns; see blip_trainer_rl_get_curve):
 * each game's return divided by the largest evaluation return seen on that
 * game in the run (normalizer[n_tasks], NaN for a game never evaluated), summed
 * over the games trained so far at each point: out[n_points]. */
void      blip_results_normalized_reward (const double *curve, guint n_points, int n_tasks,
                                          double *normalizer, double *out);

G_END_DECLS
