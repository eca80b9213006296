/* blip-idx.c — reads the IDX files of MNIST and Fashion-MNIST (images and
 * labels), gzip-compressed or plain, and turns every way such a file can be
 * wrong into a GError that names the file and what was expected.
 *
 * The header is never trusted with memory: its dimensions are checked against
 * sane limits before anything is allocated, and the pixel buffer then grows
 * only as fast as bytes actually arrive, so a ten-byte file that claims to
 * hold a billion images costs nothing but an error. */
#include "blip-idx.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <glib/gstdio.h>

G_DEFINE_QUARK (blip-idx-error-quark, blip_idx_error)

#define IDX_MAGIC_IMAGES 2051  /* 0x00000803: unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 2049  /* 0x00000801: unsigned bytes, 1 dimension */

#define IDX_MAX_SIDE 4096
/* Far above any data set this program handles (MNIST train is 47 MB), low
 * enough that a lying header cannot make us reserve absurd amounts. */
#define IDX_MAX_BYTES ((guint64) 1 << 31)
/* The first reservation; the buffer doubles from there as data arrives. */
#define IDX_FIRST_CHUNK ((gsize) 1 << 20)

typedef struct {
  const char *path;
  gzFile      gz;
} IdxReader;

static gboolean
idx_open (IdxReader *reader, const char *path, GError **error)
{
  reader->path = path;
  reader->gz = NULL;

  /* Opening the descriptor ourselves gives a reliable errno and lets us
   * reject directories, which gzread would otherwise report vaguely. */
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO,
                   "%s: cannot open: %s", path, g_strerror (saved));
      return FALSE;
    }
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO,
                   "%s: not a regular file (expected an IDX file, gzip-compressed or plain)",
                   path);
      close (fd);
      return FALSE;
    }
  reader->gz = gzdopen (fd, "rb");
  if (reader->gz == NULL)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO,
                   "%s: cannot open for reading: out of memory", path);
      close (fd);
      return FALSE;
    }
  gzbuffer (reader->gz, 256 * 1024);
  return TRUE;
}

static void
idx_close (IdxReader *reader)
{
  if (reader->gz != NULL)
    gzclose (reader->gz);
  reader->gz = NULL;
}

/* Turns zlib's sticky error state into a GError. Returns FALSE when there was
 * none (a plain end of file). */
static gboolean
idx_stream_error (IdxReader *reader, const char *what, GError **error)
{
  int errnum = Z_OK;
  const char *msg = gzerror (reader->gz, &errnum);

  switch (errnum)
    {
    case Z_OK:
      return FALSE;
    case Z_BUF_ERROR:
      /* zlib's "unexpected end of file": the compressed stream stops early. */
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_TRUNCATED,
                   "%s: the gzip stream ends early while reading %s "
                   "(the file is truncated; download it again)",
                   reader->path, what);
      return TRUE;
    case Z_ERRNO:
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO,
                   "%s: read error while reading %s: %s",
                   reader->path, what, g_strerror (errno));
      return TRUE;
    default:
      /* zlib prefixes its message with the name it was opened under, which
       * for gzdopen is a meaningless "<fd:N>". And zlib decodes ahead of what
       * we ask for, so the damage need not lie in `what`: leave that out. */
      if (msg != NULL && g_str_has_prefix (msg, "<fd:") && strstr (msg, ": ") != NULL)
        msg = strstr (msg, ": ") + 2;
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_CORRUPT,
                   "%s: damaged gzip data (zlib: %s); expected a valid gzip stream, "
                   "download the file again",
                   reader->path, msg != NULL ? msg : "unknown error");
      return TRUE;
    }
}

/* Reads up to len bytes, fewer only at the end of the data. Returns the count
 * read, or -1 with error set when the stream is damaged. */
static gint64
idx_read (IdxReader *reader, void *buf, gsize len, const char *what, GError **error)
{
  guint8 *p = buf;
  gsize done = 0;

  while (done < len)
    {
      unsigned want = (unsigned) MIN (len - done, (gsize) G_MAXINT / 2);
      int got = gzread (reader->gz, p + done, want);
      if (got < 0)
        {
          if (!idx_stream_error (reader, what, error))
            g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO,
                         "%s: read error while reading %s", reader->path, what);
          return -1;
        }
      if (got == 0)
        break;
      done += (gsize) got;
    }
  /* A damaged stream can still hand back some bytes before failing, so the
   * error state matters even after a short but successful read. */
  if (done < len && idx_stream_error (reader, what, error))
    return -1;
  return (gint64) done;
}

static gboolean
idx_read_exact (IdxReader *reader, void *buf, gsize len, const char *what, GError **error)
{
  gint64 got = idx_read (reader, buf, len, what, error);
  if (got < 0)
    return FALSE;
  if ((gsize) got < len)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_TRUNCATED,
                   "%s: file ends after %" G_GINT64_FORMAT " of the %" G_GSIZE_FORMAT
                   " bytes of %s (the file is truncated)",
                   reader->path, got, len, what);
      return FALSE;
    }
  return TRUE;
}

/* Reads the payload the header promised, growing the buffer only as bytes
 * arrive (see the file-top comment). */
static guint8 *
idx_read_payload (IdxReader *reader, gsize len, const char *what, GError **error)
{
  gsize cap = MIN (len, IDX_FIRST_CHUNK);
  guint8 *buf = g_malloc (MAX (cap, 1));
  gsize done = 0;

  while (done < len)
    {
      if (done == cap)
        {
          cap = (cap > len / 2) ? len : cap * 2;
          buf = g_realloc (buf, cap);
        }
      gint64 got = idx_read (reader, buf + done, cap - done, what, error);
      if (got < 0)
        {
          g_free (buf);
          return NULL;
        }
      done += (gsize) got;
      if (done < cap)
        {
          g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_TRUNCATED,
                       "%s: file ends after %" G_GSIZE_FORMAT " of the %" G_GSIZE_FORMAT
                       " bytes of %s that its header promises (the file is truncated)",
                       reader->path, done, len, what);
          g_free (buf);
          return NULL;
        }
    }
  return buf;
}

/* Anything after the promised data means the header does not describe the
 * file, i.e. it is probably not the file we think it is. Reading on also
 * makes zlib reach the gzip trailer and verify its CRC, which is where a
 * flipped byte in otherwise decodable data shows up. */
static gboolean
idx_expect_end (IdxReader *reader, const char *what, GError **error)
{
  guint8 extra[64];
  gint64 got = idx_read (reader, extra, sizeof extra, what, error);
  if (got < 0)
    return FALSE;
  if (got > 0)
    {
      gint64 more = got;
      while ((got = idx_read (reader, extra, sizeof extra, what, NULL)) > 0 && more < G_MAXINT32)
        more += got;
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
                   "%s: %s%" G_GINT64_FORMAT " byte%s of trailing data after the %s its header "
                   "describes (expected the file to end there; is this the right file?)",
                   reader->path, more >= G_MAXINT32 ? "over " : "", more, more == 1 ? "" : "s",
                   what);
      return FALSE;
    }
  return TRUE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static const char *
idx_kind_name (guint32 magic)
{
  switch (magic)
    {
    case IDX_MAGIC_IMAGES: return "an IDX image file";
    case IDX_MAGIC_LABELS: return "an IDX label file";
    default: break;
    }
  /* Magic 0x0000TTNN: zero, zero, element type, number of dimensions. */
  if ((magic >> 16) == 0)
    return "an IDX file of another element type or rank";
  if ((magic >> 16) == 0x1f8b)
    return "gzip data that zlib could not open";
  return "not an IDX file";
}

static gboolean
idx_check_magic (IdxReader *reader, const guint8 *header, guint32 expected,
                 const char *expected_kind, GError **error)
{
  guint32 magic = be32 (header);
  if (magic == expected)
    return TRUE;
  g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_MAGIC,
               "%s: magic number %u (0x%08x, %s); expected %u (0x%08x, %s)",
               reader->path, magic, magic, idx_kind_name (magic),
               expected, expected, expected_kind);
  return FALSE;
}

/* The count field is unsigned in the file but an int in our API. */
static gboolean
idx_check_count (IdxReader *reader, guint32 count, GError **error)
{
  if (count <= G_MAXINT)
    return TRUE;
  g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
               "%s: header claims %u items (expected at most %d)",
               reader->path, count, G_MAXINT);
  return FALSE;
}

BlipIdxImages *
blip_idx_images_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  IdxReader reader;
  if (!idx_open (&reader, path, error))
    return NULL;

  BlipIdxImages *images = NULL;
  guint8 header[16];
  if (!idx_read_exact (&reader, header, 4, "the IDX magic number", error)
      || !idx_check_magic (&reader, header, IDX_MAGIC_IMAGES,
                           "an image file: unsigned bytes, 3 dimensions", error)
      || !idx_read_exact (&reader, header + 4, 12, "the image header (count, rows, columns)", error))
    goto out;

  guint32 count = be32 (header + 4), rows = be32 (header + 8), cols = be32 (header + 12);
  if (!idx_check_count (&reader, count, error))
    goto out;
  if (rows < 1 || rows > IDX_MAX_SIDE || cols < 1 || cols > IDX_MAX_SIDE)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
                   "%s: images of %u×%u pixels (expected rows and columns in 1..%d)",
                   path, rows, cols, IDX_MAX_SIDE);
      goto out;
    }
  /* rows·cols ≤ 2^24 and count < 2^31, so the product fits in 64 bits. */
  guint64 total = (guint64) count * rows * cols;
  if (total > IDX_MAX_BYTES)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
                   "%s: header claims %u images of %u×%u pixels, %" G_GUINT64_FORMAT
                   " bytes (expected at most %" G_GUINT64_FORMAT " bytes)",
                   path, count, rows, cols, total, IDX_MAX_BYTES);
      goto out;
    }

  guint8 *pixels = idx_read_payload (&reader, (gsize) total, "the pixel data", error);
  if (pixels == NULL)
    goto out;
  if (!idx_expect_end (&reader, "pixel data", error))
    {
      g_free (pixels);
      goto out;
    }

  images = g_new0 (BlipIdxImages, 1);
  images->pixels = pixels;
  images->count = (int) count;
  images->rows = (int) rows;
  images->cols = (int) cols;

out:
  idx_close (&reader);
  return images;
}

void
blip_idx_images_free (BlipIdxImages *images)
{
  if (images == NULL)
    return;
  g_free (images->pixels);
  g_free (images);
}

guint8 *
blip_idx_labels_load (const char *path, int n_classes, int *count, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 1 && n_classes <= 256, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  IdxReader reader;
  if (!idx_open (&reader, path, error))
    return NULL;

  guint8 *labels = NULL;
  guint8 header[8];
  if (!idx_read_exact (&reader, header, 4, "the IDX magic number", error)
      || !idx_check_magic (&reader, header, IDX_MAGIC_LABELS,
                           "a label file: unsigned bytes, 1 dimension", error)
      || !idx_read_exact (&reader, header + 4, 4, "the label count", error))
    goto out;

  guint32 n = be32 (header + 4);
  if (!idx_check_count (&reader, n, error))
    goto out;

  labels = idx_read_payload (&reader, n, "the labels", error);
  if (labels == NULL)
    goto out;
  if (!idx_expect_end (&reader, "labels", error))
    {
      g_clear_pointer (&labels, g_free);
      goto out;
    }

  for (guint32 i = 0; i < n; i++)
    if (labels[i] >= n_classes)
      {
        g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_LABEL,
                     "%s: label %u at index %u is out of range (expected 0..%d)",
                     path, labels[i], i, n_classes - 1);
        g_clear_pointer (&labels, g_free);
        goto out;
      }

  if (count != NULL)
    *count = (int) n;

out:
  idx_close (&reader);
  return labels;
}

gboolean
blip_idx_load_pair (const char     *images_path,
                    const char     *labels_path,
                    int             n_classes,
                    BlipIdxImages **images,
                    guint8        **labels,
                    GError        **error)
{
  g_return_val_if_fail (images_path != NULL && labels_path != NULL, FALSE);
  g_return_val_if_fail (images != NULL && labels != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autoptr(BlipIdxImages) imgs = blip_idx_images_load (images_path, error);
  if (imgs == NULL)
    return FALSE;

  int n_labels = 0;
  g_autofree guint8 *lbls = blip_idx_labels_load (labels_path, n_classes, &n_labels, error);
  if (lbls == NULL)
    return FALSE;

  if (n_labels != imgs->count)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_COUNT_MISMATCH,
                   "%s holds %d labels but %s holds %d images "
                   "(expected one label per image; are these files from the same split?)",
                   labels_path, n_labels, images_path, imgs->count);
      return FALSE;
    }

  *images = g_steal_pointer (&imgs);
  *labels = g_steal_pointer (&lbls);
  return TRUE;
}
