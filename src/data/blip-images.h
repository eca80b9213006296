/* blip-images.h — image data sets kept as picture files: a folder or a
 * .tar.gz archive laid out as <split>/<class>/<image>.png|jpg|jpeg, with the
 * splits train and test, decoded into one uint8 store per split.
 *
 * Labels come from the class folder names sorted in byte order (as CIFAR-10's
 * airplane = 0 … truck = 9 and CIFAR-100's fine labels), or from their
 * position in a class list the caller passes. Images inside a class are in
 * file-name order, so a load is the same whatever order the folder or archive
 * lists them in. Every image becomes C×H×W planar bytes (CHW, as the CIFAR
 * binary files and the networks want them) of one size for the whole set.
 *
 * Decoded sets are cached on disk, keyed by a SHA-256 of the content (the
 * archive's bytes, or a folder's sorted relative paths and file contents) and
 * of the options, so the second load of a data set reads one flat file
 * instead of decoding tens of thousands of JPEGs. The cache lives in
 * $BLIP_CACHE_DIR/images/ when that variable is set and not empty, else in
 * <XDG cache dir>/blip-studio/images/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_IMAGES_ERROR (blip_images_error_quark ())
GQuark blip_images_error_quark (void);

typedef enum {
  BLIP_IMAGES_ERROR_IO,        /* a file or folder cannot be opened or read */
  BLIP_IMAGES_ERROR_ARCHIVE,   /* the gzip stream or the tar structure is damaged */
  BLIP_IMAGES_ERROR_LAYOUT,    /* no train/ or test/, an unknown, missing or empty class,
                                  a file outside a class folder or of an unsupported type */
  BLIP_IMAGES_ERROR_DECODE,    /* an image that does not decode */
  BLIP_IMAGES_ERROR_SIZE,      /* an image of another size (resizing not allowed), or too large */
} BlipImagesError;

/* Images and labels of one split. The CIFAR binary reader (blip-cifar.h)
 * produces the same structure, so experiments do not care about the source. */
typedef struct {
  int       count;
  int       channels, height, width;
  int       n_classes;
  char    **class_names;   /* n_classes names, NULL-terminated: label i is class_names[i] */
  gint32   *labels;        /* count labels in [0, n_classes) */
  guint8   *pixels;        /* count images of channels×height×width bytes, CHW planar */
  gboolean  from_cache;    /* read back from the on-disk cache rather than decoded */
  int       n_skipped;     /* images left out because they did not decode
                              (BlipImageOptions.max_undecodable) */
} BlipImageSet;

/* A set with room for count images of the given shape and no classes yet. */
BlipImageSet *blip_image_set_new  (int count, int channels, int height, int width);
void          blip_image_set_free (BlipImageSet *set);

typedef struct {
  int                 channels;       /* 1 or 3; 0: as the first image read */
  int                 height, width;  /* 0: as the first image read */
  /* An image of another size is resized (area average when shrinking,
   * bilinear when enlarging, per axis) when TRUE, else it is an error that
   * names the file and both sizes. */
  gboolean            allow_resize;
  /* The expected classes, NULL-terminated; a label is the position in this
   * list. NULL: every class folder found in train/, sorted by name. */
  const char * const *classes;
  /* With classes: ignore class folders that are not listed, instead of
   * reporting them as unknown. */
  gboolean            skip_other_classes;
  gboolean            no_cache;       /* neither read nor write the disk cache */
  /* The root holds the class folders themselves, <class>/<image> (at the
   * top or under one folder), with no train/ and test/: every image goes to
   * the training set and the test set comes back empty; files that are not
   * .png, .jpg or .jpeg are passed over. For data sets published as one pool
   * of images, such as notMNIST. */
  gboolean            no_splits;
  /* Up to this many images that do not decode (a damaged or empty file) are
   * left out and counted in n_skipped instead of failing the load; one more
   * is an error. For data sets known to ship a few damaged files, such as
   * notMNIST's two. 0: every image must decode. */
  int                 max_undecodable;
} BlipImageOptions;

/* Reads <root>/train/ and <root>/test/ (or, with no_splits, the class
 * folders of <root>). root is a folder, or a .tar.gz/.tgz
 * (or plain .tar) archive; in either the two splits may sit under one
 * top-level folder. "The first image read", which fixes the size and channels
 * left at 0, is the first image in archive order, or for a folder the first
 * file of the first class of train/ in name order. Every problem becomes a
 * GError that names the file (for an archive: the archive and the path
 * inside it). A NULL options means all defaults. */
gboolean blip_images_load (const char              *root,
                           const BlipImageOptions  *options,
                           BlipImageSet           **train,
                           BlipImageSet           **test,
                           GError                 **error);

/* The same from archive bytes in memory (gzip-compressed or plain tar),
 * without the cache; name is used in messages. For the fuzzer and tests. */
gboolean blip_images_load_archive_bytes (const guint8            *data,
                                         gsize                    size,
                                         const char              *name,
                                         const BlipImageOptions  *options,
                                         BlipImageSet           **train,
                                         BlipImageSet           **test,
                                         GError                 **error);

/* Decodes one PNG or JPEG (recognised by its content) into CHW planar bytes.
 * *channels, *height and *width give the wanted shape; a 0 takes the stored
 * value and is replaced by it. Grey becomes RGB by repeating the channel, RGB
 * becomes grey by the ITU-R BT.601 luma (299 R + 587 G + 114 B) / 1000,
 * rounded; transparent pixels are composited onto black. name is used in
 * messages. Free the result with g_free. */
guint8  *blip_image_decode (const guint8 *data,
                            gsize         size,
                            const char   *name,
                            int          *channels,
                            int          *height,
                            int          *width,
                            gboolean      allow_resize,
                            GError      **error);

/* Where decoded sets are cached (see the top of this file). */
char    *blip_images_cache_dir (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipImageSet, blip_image_set_free)

G_END_DECLS
