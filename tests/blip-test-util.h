/* blip-test-util.h — helpers shared by the test programs: locating the real
 * data sets (skipping with a reason when absent), temporary folders, small
 * IDX, image, tar and MAT-file fixtures that the tests write themselves, and
 * small trainers on the in-memory synthetic data set. */
#pragma once

#include <glib.h>
#include "blip-trainer.h"

G_BEGIN_DECLS

/* The real data directory ($BLIP_DATA_DIR), or NULL after g_test_skip() with a
 * reason naming what is missing. `relative_file` is checked to exist under it,
 * e.g. "mnist/train-images-idx3-ubyte.gz". */
char    *blip_test_real_data_dir (const char *relative_file);

/* A fresh temporary folder, removed again by blip_test_rmtree(). */
char    *blip_test_mkdtemp       (void);
void     blip_test_rmtree        (const char *path);

/* The whole file, asserting it can be read. */
GBytes  *blip_test_read_file (const char *path);

/* Writes an IDX image file (magic 2051) or label file (magic 2049), gzip
 * compressed when path ends in ".gz". */
void     blip_test_write_idx_images (const char *path, const guint8 *pixels,
                                     int count, int rows, int cols);
void     blip_test_write_idx_labels (const char *path, const guint8 *labels, int count);

/* A small MNIST-like data set in <dir>/mnist/: n_train and n_test images of
 * rows×cols whose class (0..9) is written as a bright bar at a class-specific
 * position plus seeded noise, so a network can learn it quickly. */
void     blip_test_write_fake_mnist (const char *dir, const char *subdir,
                                     int n_train, int n_test, guint64 seed);

/* Image fixtures: 8-bit PNG (lossless) and JPEG (4:4:4 at the given quality)
 * encodings of interleaved pixels (channels 1 or 3). Free with g_free. */
guint8  *blip_test_encode_png  (const guint8 *pixels, int width, int height, int channels,
                                gsize *size);
guint8  *blip_test_encode_jpeg (const guint8 *pixels, int width, int height, int channels,
                                int quality, gsize *size);
/* Writes bytes to a file, asserting success (gzip-compressed when the path
 * ends in ".gz"). */
void     blip_test_write_bytes (const char *path, const guint8 *bytes, gsize len);

/* A tar archive built in memory: ustar headers, with a GNU 'L' long-name
 * entry before any name of 100 bytes or more. type is the tar type flag
 * ('0' file, '5' folder, '2' symbolic link). */
void     blip_test_tar_add    (GByteArray *tar, const char *name, char type,
                               const guint8 *data, gsize size);
/* Appends the two zero blocks that end an archive. */
void     blip_test_tar_finish (GByteArray *tar);

/* A level-5 MAT-file built in memory, as MATLAB writes them: the 128-byte
 * header (little- or big-endian), then one element per variable. */
GByteArray *blip_test_mat_new (gboolean big_endian);
/* Adds a numeric variable of class klass (6 double, 9 uint8, … as in
 * blip-mat.h) and the given dimensions, its count values stored as the data
 * type stored_type (1 miINT8, 2 miUINT8, 3 miINT16, 5 miINT32, 7 miSINGLE,
 * 9 miDOUBLE, …), which may differ from the class as MATLAB does for small
 * values. A name of 4 bytes or less uses the small data element, as MATLAB
 * does. compressed wraps the matrix in an miCOMPRESSED element (zlib). */
void        blip_test_mat_add (GByteArray *mat, gboolean big_endian, const char *name, int klass,
                               const gsize *dims, int n_dims, int stored_type, const double *values,
                               gboolean compressed);

/* Defaults with the settings the strategy tests share: the synthetic
 * experiment, `approach`, seed 11, lr 0.1, batch 16. */
void         blip_test_synthetic_config  (BlipConfig *c, const char *approach);
/* A trainer running c->approach on blip_experiment_new_synthetic (n_tasks
 * tasks of 2 classes over dim inputs, n_train and n_test samples per task,
 * data seed 21); any error fails the test. */
BlipTrainer *blip_test_synthetic_trainer (const BlipConfig *c, int n_tasks, int dim, int n_train, int n_test);
/* blip_trainer_step, failing the test on an error. */
BlipStatus   blip_test_step              (BlipTrainer *tr, BlipStepUnit unit);

/* The built blip tool, as the test programs run it. */
#define BLIP_TEST_BLIP_EXE BLIP_TEST_BUILDDIR "/src/cli/blip"

/* What a run of the blip tool printed, and its exit status (−1 when it did
 * not exit normally). */
typedef struct {
  int   status;
  char *out;
  char *err;
} BlipTestRun;

/* Runs BLIP_TEST_BLIP_EXE with args (NULL-terminated); failing to start it
 * fails the test. */
BlipTestRun  blip_test_run_blip          (const char * const *args);
void         blip_test_run_clear         (BlipTestRun *run);
/* All that the pipe fd holds until its writer closes it; closes fd. */
char        *blip_test_read_fd           (int fd);
/* Whether the blip tool is built; skips the test with the reason when not. */
gboolean     blip_test_have_blip         (void);

G_END_DECLS
