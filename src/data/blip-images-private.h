/* blip-images-private.h — what the parts of the image data set reader share
 * inside libblip: blip-images.c (image sets, collecting a data set, loading),
 * blip-images-decode.c, blip-images-tar.c, blip-images-folder.c and
 * blip-images-cache.c. Not installed, and not for use outside src/data/. */
#pragma once

#include "blip-images.h"

#include <zlib.h>

G_BEGIN_DECLS

/* 16 Mpixels (4096×4096) per image: far above any benchmark's images, low
 * enough that a lying header cannot make us reserve gigabytes. */
#define MAX_IMAGE_PIXELS ((guint64) 1 << 24)
#define MAX_SIDE 65535
/* An image file larger than this is not an image we can use. */
#define MAX_FILE_BYTES ((guint64) 64 << 20)
/* Per split: 64 Mi images and 2 GiB of pixels (a GByteArray's length is 32 bits). */
#define MAX_IMAGES (1 << 26)
#define MAX_STORE_BYTES ((guint64) 2 << 30)
#define MAX_CLASSES 65536
#define MAX_CLASS_NAME 4096

enum { SPLIT_TRAIN, SPLIT_TEST, N_SPLITS };
static const char * const split_names[N_SPLITS] = { "train", "test" };

/* ---- decoding (blip-images-decode.c) ---------------------------------------- */

/* A decoded image as stored: c = 1 (grey) or 3 (RGB), interleaved rows. */
typedef struct {
  int     w, h, c;
  guint8 *px;
} Raw;

/* Decodes a PNG or JPEG, recognised by its content, as stored; FALSE with a
 * BLIP_IMAGES_ERROR_DECODE or _SIZE error naming `name`. */
gboolean blip_images_decode_raw  (const guint8 *data, gsize size, const char *name, Raw *raw,
                                  GError **error);
/* Decodes into `out` (channels×height×width, all already fixed), resizing
 * when the stored size differs and allow_resize is set. */
gboolean blip_images_decode_into (const guint8 *data, gsize size, const char *name, int channels,
                                  int height, int width, gboolean allow_resize, guint8 *out,
                                  GError **error);

/* ---- collecting a data set (blip-images.c) ---------------------------------- */

typedef struct {
  char *file;       /* file name inside its class folder */
  int   class_id;
  int   arrival;
  int   label;      /* set when the load finishes */
} Item;

typedef struct {
  GArray     *items;    /* Item, in arrival order */
  GByteArray *pixels;   /* decoded images, in arrival order */
  GHashTable *seen;     /* class ids with a folder or a file in this split */
  gboolean    present;
  int         skipped;  /* images left out as undecodable */
} SplitAcc;

typedef struct {
  const char       *source;      /* the archive or folder, for messages */
  gboolean          is_archive;
  BlipImageOptions  opt;
  int               C, H, W;     /* 0 until fixed by the options or the first image */
  GPtrArray        *class_names; /* class id → name */
  GHashTable       *class_ids;   /* name → id + 1 */
  SplitAcc          split[N_SPLITS];
  char             *top;         /* the folder holding train/ and test/ ("" for none), once known */
  GTree            *others;      /* class folders skipped as not listed, for messages */
  int               skipped;     /* images left out as undecodable, in all splits */
} Loader;

typedef struct {
  int   split;
  int   class_id;
  char *file;
} Want;

/* Decides what an entry (a path relative to the archive or folder) is: 1 for
 * an image to read (*want filled), 0 for an entry to pass over, -1 on error. */
int      blip_images_loader_classify (Loader *l, const char *path, gboolean is_dir, Want *want,
                                      GError **error);
/* Decodes one image of the set into its split; takes want->file. */
gboolean blip_images_loader_add      (Loader *l, const char *path, Want *want, const guint8 *data,
                                      gsize size, GError **error);
/* strcmp on two `char *` elements, for sorting arrays of names. */
int      blip_images_compare_names   (gconstpointer a, gconstpointer b);

/* ---- tar archives (blip-images-tar.c) --------------------------------------- */

/* The archive's bytes as a stream: inflated when they are gzip, else as is. */
typedef struct {
  const guint8 *data;
  gsize         size;
  gsize         pos;       /* next input byte not yet handed to zlib (or read, for plain tar) */
  gboolean      gz;
  gboolean      end;       /* no more output */
  z_stream      zs;
  const char   *name;
} Stream;

gboolean blip_images_stream_open  (Stream *s, const guint8 *data, gsize size, const char *name,
                                   GError **error);
void     blip_images_stream_close (Stream *s);
/* Reads the tar entries of s to its end, handing each to the loader l. */
gboolean blip_images_read_tar     (Stream *s, Loader *l, GError **error);

/* ---- folders (blip-images-folder.c) ----------------------------------------- */

typedef gboolean (*WalkFunc) (const char *rel, const char *full, gboolean is_dir, gpointer user,
                              GError **error);

/* The folder that holds train/ and test/: root itself, or its only
 * (non-hidden) sub-folder when that one has them. */
char    *blip_images_folder_root (const char *root);
/* Visits <root>/train/ and <root>/test/, or with no_splits the class folders
 * of root itself, in name order. */
gboolean blip_images_walk_folder (const char *root, gboolean no_splits, WalkFunc fn, gpointer user,
                                  GError **error);
/* WalkFuncs: hash_visit adds each entry to the GChecksum user, load_visit
 * hands each image to the Loader user. */
gboolean blip_images_hash_visit  (const char *rel, const char *full, gboolean is_dir, gpointer user,
                                  GError **error);
gboolean blip_images_load_visit  (const char *rel, const char *full, gboolean is_dir, gpointer user,
                                  GError **error);

/* ---- the cache (blip-images-cache.c) ---------------------------------------- */

/* The key: the content's hash (kind is "folder" or "archive"), the options
 * that change the result, and the decoders' versions. */
void     blip_images_cache_key   (const char *kind, const char *content, const BlipImageOptions *o,
                                  guint8 key[32]);
/* The cache file for a key, in blip_images_cache_dir (). */
char    *blip_images_cache_path  (const guint8 key[32]);
/* Reads a cache file back, checking everything; FALSE with a reason in *why
 * (for the debug log) when it is missing, damaged or for other data. */
gboolean blip_images_cache_read  (const char *path, const guint8 key[32], const BlipImageOptions *o,
                                  BlipImageSet **train, BlipImageSet **test, char **why);
/* Writes the sets atomically; a failure is only logged. */
void     blip_images_cache_write (const char *path, const guint8 key[32], const BlipImageSet *train,
                                  const BlipImageSet *test);

G_END_DECLS
