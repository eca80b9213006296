/* blip-cifar.h — the CIFAR-10 and CIFAR-100 data sets: their class names,
 * whose order is the label order of the original files, and a reader for the
 * original binary version ("CIFAR-10 binary version (suitable for C
 * programs)" and its CIFAR-100 counterpart).
 *
 * CIFAR-10: cifar-10-batches-bin/data_batch_1.bin … data_batch_5.bin and
 * test_batch.bin, 10000 records each of 1 label byte and 3072 pixel bytes.
 * CIFAR-100: cifar-100-binary/train.bin (50000 records) and test.bin (10000),
 * each record a coarse label byte, a fine label byte and 3072 pixel bytes.
 * Pixels are 32×32 planes of red, green, blue: already CHW. Every structural
 * problem becomes a GError that names the file and what was expected.
 */
#pragma once

#include <glib.h>
#include "blip-images.h"

G_BEGIN_DECLS

#define BLIP_CIFAR_ERROR (blip_cifar_error_quark ())
GQuark blip_cifar_error_quark (void);

typedef enum {
  BLIP_CIFAR_ERROR_IO,          /* cannot open or read the file */
  BLIP_CIFAR_ERROR_SIZE,        /* not a whole number of records, or not the expected count */
  BLIP_CIFAR_ERROR_BAD_LABEL,   /* a label outside the data set's classes */
} BlipCifarError;

typedef enum {
  BLIP_CIFAR_10,    /* 10 classes */
  BLIP_CIFAR_100,   /* 100 fine classes; the 20 coarse ones are checked, not kept */
} BlipCifarKind;

/* The class names, NULL-terminated, in label order: label i is names[i]. In
 * both data sets this is also the names' byte order, so image folders named
 * after the classes give the same labels when sorted. */
const char * const *blip_cifar_class_names    (BlipCifarKind kind);
int                 blip_cifar_n_classes      (BlipCifarKind kind);

/* Bytes per record: 3073 (CIFAR-10) or 3074 (CIFAR-100). */
gsize               blip_cifar_record_size    (BlipCifarKind kind);
/* The folder of the binary version: "cifar-10-batches-bin" or "cifar-100-binary". */
const char         *blip_cifar_binary_folder  (BlipCifarKind kind);
/* Its files, NULL-terminated: the training files in order, then the test file. */
const char * const *blip_cifar_binary_files   (BlipCifarKind kind);

/* Records from memory; expected_count > 0 requires exactly that many. name
 * is used in messages. The set has the data set's class names. */
BlipImageSet       *blip_cifar_parse          (BlipCifarKind  kind,
                                               const guint8  *data,
                                               gsize          size,
                                               const char    *name,
                                               int            expected_count,
                                               GError       **error);

/* Reads the binary version from `folder` (which holds the files listed by
 * blip_cifar_binary_files): the training files concatenated in order, and
 * the test file, each checked for its record count. */
gboolean            blip_cifar_load_folder    (BlipCifarKind   kind,
                                               const char     *folder,
                                               BlipImageSet  **train,
                                               BlipImageSet  **test,
                                               GError        **error);

G_END_DECLS
