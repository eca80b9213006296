/* blip-datadir.h — where data sets live on disk, and how to get them there.
 *
 * The data directory comes from --data-dir, else $BLIP_DATA_DIR, else
 * $XDG_DATA_HOME/blip-studio/data (g_get_user_data_dir). Each data set has a
 * sub-folder (mnist/, fashion-mnist/); Fashion-MNIST is also found where Debian's
 * dataset-fashion-mnist package installs it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_DATA_ERROR (blip_data_error_quark ())
GQuark blip_data_error_quark (void);

typedef enum {
  BLIP_DATA_ERROR_MISSING,      /* a file was not found in any place looked */
  BLIP_DATA_ERROR_DOWNLOAD,     /* the transfer failed */
  BLIP_DATA_ERROR_CHECKSUM,     /* a downloaded file did not match its checksum */
  BLIP_DATA_ERROR_UNKNOWN,      /* unknown data set name */
} BlipDataError;

typedef struct {
  const char *name;        /* file name as published, e.g. "train-images-idx3-ubyte.gz" */
  const char *md5;         /* published md5 of that file */
  gint64      size;        /* bytes, or -1 if unknown */
} BlipDataFile;

typedef struct {
  const char         *name;        /* "mnist", "fashion-mnist" */
  const char         *subdir;      /* folder under the data directory */
  const char         *title;       /* human name for messages */
  const char * const *urls;        /* base URLs, tried in order; NULL-terminated */
  const char * const *system_dirs; /* read-only places where a distribution installs it */
  const char         *hint;        /* how to obtain it without --download */
  const BlipDataFile *files;       /* terminated by a {NULL} entry */
} BlipDataset;

const BlipDataset *blip_dataset_lookup (const char *name);

/* The data directory in effect: flag, else $BLIP_DATA_DIR, else the XDG default. */
char  *blip_data_dir_resolve (const char *flag_dir);

/* Full path of one file of a data set. Looks in <data_dir>/<subdir>/ for the name
 * and for the name without ".gz", then in the data set's system folders. On
 * failure the error lists every place looked and how to obtain the file.
 * A NULL data_dir means blip_data_dir_resolve (NULL). */
char  *blip_dataset_find_file (const BlipDataset *dataset,
                               const char        *data_dir,
                               const char        *file_name,
                               GError           **error);

typedef void (*BlipDownloadProgress) (const char *file_name,
                                      gint64      received,
                                      gint64      total,     /* Content-Length, else the
                                                                table's size, else -1 */
                                      gpointer    user_data);

/* Downloads every file of the data set that is not yet present into
 * <data_dir>/<subdir>/, trying each base URL in turn (base_url overrides the
 * list, e.g. a local mirror or a test server). Each file is written to a
 * temporary name, its md5 is checked, and only then is it renamed into place; a
 * file that fails the check is deleted and reported. Files that
 * blip_dataset_find_file already finds (system folders included) are skipped.
 * When every location fails, the error is BLIP_DATA_ERROR_CHECKSUM if one of
 * them delivered wrong contents, else BLIP_DATA_ERROR_DOWNLOAD, and its
 * message names each URL tried and why it failed. Socket operations time out
 * after 30 s ($BLIP_DOWNLOAD_TIMEOUT, in seconds, overrides). A NULL data_dir
 * means blip_data_dir_resolve (NULL). */
gboolean blip_dataset_download (const BlipDataset    *dataset,
                                const char           *data_dir,
                                const char           *base_url,
                                BlipDownloadProgress  progress,
                                gpointer              user_data,
                                GError              **error);

G_END_DECLS
