/* blip-idx.h — reader for the IDX format of MNIST and Fashion-MNIST.
 *
 * Files may be gzip-compressed (read through zlib) or plain. Every structural
 * problem (truncation, wrong magic, a count mismatch, a label out of range)
 * becomes a GError that names the file and the problem.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_IDX_ERROR (blip_idx_error_quark ())
GQuark blip_idx_error_quark (void);

typedef enum {
  BLIP_IDX_ERROR_IO,              /* cannot open or read the file */
  BLIP_IDX_ERROR_CORRUPT,         /* gzip stream damaged */
  BLIP_IDX_ERROR_TRUNCATED,       /* fewer bytes than the header promises */
  BLIP_IDX_ERROR_BAD_MAGIC,       /* not an IDX file of the expected kind */
  BLIP_IDX_ERROR_BAD_SHAPE,       /* dimensions out of range, or bytes after the data they describe */
  BLIP_IDX_ERROR_COUNT_MISMATCH,  /* images and labels disagree on the count */
  BLIP_IDX_ERROR_BAD_LABEL,       /* a label outside [0, n_classes) */
} BlipIdxError;

typedef struct {
  guint8 *pixels;   /* count × rows × cols, row-major, as stored */
  int     count;
  int     rows;
  int     cols;
} BlipIdxImages;

/* Magic 2051 (0x00000803): unsigned byte, three dimensions. */
BlipIdxImages *blip_idx_images_load (const char *path, GError **error);
void           blip_idx_images_free (BlipIdxImages *images);

/* Magic 2049 (0x00000801): unsigned byte, one dimension. Labels must be below
 * n_classes; *count receives the number of labels. Free with g_free. */
guint8        *blip_idx_labels_load (const char *path, int n_classes, int *count, GError **error);

/* Loads an image file and its label file and checks that the counts agree. */
gboolean       blip_idx_load_pair   (const char     *images_path,
                                     const char     *labels_path,
                                     int             n_classes,
                                     BlipIdxImages **images,
                                     guint8        **labels,
                                     GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipIdxImages, blip_idx_images_free)

G_END_DECLS
