/* blip-images-cache.c — the on-disk cache of decoded sets: one flat file
 * per key (a SHA-256 of the content, of the options and of the decoders'
 * versions), written atomically, and read back only once every header field,
 * the file's exact size and its CRC have been checked. */
#include "blip-images-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

/* ---- the cache ---------------------------------------------------------------- */

#define CACHE_MAGIC "BLIPIMGC"
/* Bump when the file layout or the decoding changes: old files are then
 * simply not found, since the version is part of the key too. */
#define CACHE_VERSION 2
#define CACHE_FIXED 88

char *
blip_images_cache_dir (void)
{
  const char *env = g_getenv ("BLIP_CACHE_DIR");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, "images", NULL);
  return g_build_filename (g_get_user_cache_dir (), "blip-studio", "images", NULL);
}

/* The key: the content's hash, the options that change the result, and the
 * decoders' versions. */
void
blip_images_cache_key (const char *kind, const char *content, const BlipImageOptions *o, guint8 key[32])
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "blip-images cache %d\n%s %s\nchannels %d height %d width %d resize %d\n",
                          CACHE_VERSION, kind, content, o->channels, o->height, o->width,
                          o->allow_resize ? 1 : 0);
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
  g_string_append_printf (s, "libjpeg-turbo %d\n", LIBJPEG_TURBO_VERSION_NUMBER);
#endif
  g_string_append_printf (s, "libjpeg %d libpng %s\n", JPEG_LIB_VERSION, PNG_LIBPNG_VER_STRING);
  /* Named only when set, so that the keys of other loads stay as they were. */
  if (o->no_splits)
    g_string_append (s, "no-splits\n");
  if (o->max_undecodable > 0)
    g_string_append_printf (s, "max-undecodable %d\n", o->max_undecodable);
  if (o->classes)
    {
      g_string_append_printf (s, "classes skip-others %d\n", o->skip_other_classes ? 1 : 0);
      for (const char * const *c = o->classes; *c; c++)
        g_string_append_printf (s, "%s\n", *c);
    }
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) s->str, s->len);
  gsize len = 32;
  g_checksum_get_digest (sum, key, &len);
  g_checksum_free (sum);
  g_string_free (s, TRUE);
}

char *
blip_images_cache_path (const guint8 key[32])
{
  g_autofree char *dir = blip_images_cache_dir ();
  GString *name = g_string_new (NULL);
  for (int i = 0; i < 32; i++)
    g_string_append_printf (name, "%02x", key[i]);
  g_string_append (name, ".bin");
  g_autofree char *base = g_string_free (name, FALSE);
  return g_build_filename (dir, base, NULL);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static gboolean
read_full (int fd, void *buf, gsize n)
{
  guint8 *p = buf;
  while (n > 0)
    {
      ssize_t k = read (fd, p, MIN (n, (gsize) 1 << 30));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return FALSE;
      p += k;
      n -= (gsize) k;
    }
  return TRUE;
}

static gboolean
write_full (int fd, const void *buf, gsize n)
{
  const guint8 *p = buf;
  while (n > 0)
    {
      ssize_t k = write (fd, p, MIN (n, (gsize) 1 << 30));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return FALSE;
      p += k;
      n -= (gsize) k;
    }
  return TRUE;
}

static guint32
crc_update (guint32 crc, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      uInt k = (uInt) MIN (n, (gsize) 1 << 30);
      crc = (guint32) crc32 (crc, p, k);
      p += k;
      n -= k;
    }
  return crc;
}

/* Labels as little-endian 32-bit words. */
static guint8 *
labels_le (const BlipImageSet *set)
{
  guint8 *out = g_malloc ((gsize) MAX (set->count, 1) * 4);
  for (int i = 0; i < set->count; i++)
    put_u32 (out + (gsize) i * 4, (guint32) set->labels[i]);
  return out;
}

/* Reads a cache file back, checking everything; NULL (and a reason for the
 * debug log) when it is missing, damaged or for other data. */
gboolean
blip_images_cache_read (const char *path, const guint8 key[32], const BlipImageOptions *o,
                        BlipImageSet **train, BlipImageSet **test, char **why)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      *why = g_strdup_printf ("no cache file (%s)", g_strerror (errno));
      return FALSE;
    }
  struct stat st;
  guint8 h[CACHE_FIXED];
  BlipImageSet *sets[N_SPLITS] = { NULL, NULL };
  guint8 *names = NULL;
  gboolean ok = FALSE;
#define BAD(...) G_STMT_START { *why = g_strdup_printf (__VA_ARGS__); goto out; } G_STMT_END
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    BAD ("not a regular file");
  if (!read_full (fd, h, CACHE_FIXED))
    BAD ("shorter than its header");
  if (memcmp (h, CACHE_MAGIC, 8) != 0 || get_u32 (h + 8) != CACHE_VERSION)
    BAD ("wrong magic or version");
  if (memcmp (h + 16, key, 32) != 0)
    BAD ("made for other data");
  guint32 header = get_u32 (h + 12), n_classes = get_u32 (h + 48), C = get_u32 (h + 52),
          H = get_u32 (h + 56), W = get_u32 (h + 60), n[N_SPLITS] = { get_u32 (h + 64), get_u32 (h + 68) },
          crc_stored = get_u32 (h + 72), skipped[N_SPLITS] = { get_u32 (h + 76), get_u32 (h + 80) };
  if (n_classes < 1 || n_classes > MAX_CLASSES || (C != 1 && C != 3) || H < 1 || W < 1
      || H > MAX_SIDE || W > MAX_SIDE || (guint64) H * W > MAX_IMAGE_PIXELS
      || n[0] > MAX_IMAGES || n[1] > MAX_IMAGES || skipped[0] > MAX_IMAGES || skipped[1] > MAX_IMAGES
      || header < CACHE_FIXED || header - CACHE_FIXED > (guint64) n_classes * (4 + MAX_CLASS_NAME))
    BAD ("header fields out of range");
  if ((o->channels && (guint32) o->channels != C) || (o->height && (guint32) o->height != H)
      || (o->width && (guint32) o->width != W))
    BAD ("another image shape than asked for");
  guint64 dim = (guint64) C * H * W;
  guint64 total = header + 4 * ((guint64) n[0] + n[1]) + dim * ((guint64) n[0] + n[1]);
  if ((guint64) st.st_size != total)
    BAD ("%" G_GUINT64_FORMAT " bytes where the header implies %" G_GUINT64_FORMAT,
         (guint64) st.st_size, total);
  gsize names_len = header - CACHE_FIXED;
  names = g_malloc (MAX (names_len, 1));
  if (!read_full (fd, names, names_len))
    BAD ("short read");
  guint32 crc = crc_update (0, names, names_len);
  char **class_names = g_new0 (char *, n_classes + 1);
  gsize at = 0;
  for (guint32 c = 0; c < n_classes; c++)
    {
      guint32 len = at + 4 <= names_len ? get_u32 (names + at) : 0;
      if (at + 4 > names_len || len < 1 || len > MAX_CLASS_NAME || len > names_len - at - 4
          || !g_utf8_validate ((const char *) names + at + 4, len, NULL)
          || memchr (names + at + 4, '\0', len) != NULL)
        {
          g_strfreev (class_names);
          BAD ("damaged class names");
        }
      class_names[c] = g_strndup ((const char *) names + at + 4, len);
      at += 4 + len;
    }
  if (at != names_len)
    {
      g_strfreev (class_names);
      BAD ("damaged class names");
    }
  for (int s = 0; s < N_SPLITS; s++)
    {
      sets[s] = blip_image_set_new ((int) n[s], (int) C, (int) H, (int) W);
      g_free (sets[s]->class_names);
      sets[s]->class_names = g_strdupv (class_names);
      sets[s]->n_classes = (int) n_classes;
      sets[s]->from_cache = TRUE;
      sets[s]->n_skipped = (int) skipped[s];
    }
  g_strfreev (class_names);
  for (int s = 0; s < N_SPLITS; s++)
    {
      guint8 *raw = (guint8 *) sets[s]->labels;
      if (!read_full (fd, raw, (gsize) n[s] * 4))
        BAD ("short read");
      crc = crc_update (crc, raw, (gsize) n[s] * 4);
      for (guint32 i = 0; i < n[s]; i++)
        {
          guint32 v = get_u32 (raw + (gsize) i * 4);
          if (v >= n_classes)
            BAD ("a label out of range");
          sets[s]->labels[i] = (gint32) v;
        }
    }
  for (int s = 0; s < N_SPLITS; s++)
    {
      gsize bytes = (gsize) n[s] * dim;
      if (!read_full (fd, sets[s]->pixels, bytes))
        BAD ("short read");
      crc = crc_update (crc, sets[s]->pixels, bytes);
    }
  if (crc != crc_stored)
    BAD ("CRC mismatch");
  ok = TRUE;
  *train = sets[SPLIT_TRAIN];
  *test = sets[SPLIT_TEST];
#undef BAD
out:
  if (!ok)
    for (int s = 0; s < N_SPLITS; s++)
      blip_image_set_free (sets[s]);
  g_free (names);
  close (fd);
  return ok;
}

/* Writes the sets atomically: a temporary file in the same folder, synced,
 * then renamed over the final name, so a reader never sees half a file. A
 * failure only costs the next load its speed; it is logged, not reported. */
void
blip_images_cache_write (const char *path, const guint8 key[32], const BlipImageSet *train,
                         const BlipImageSet *test)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_debug ("image cache: cannot create %s: %s", dir, g_strerror (errno));
      return;
    }
  const BlipImageSet *sets[N_SPLITS] = { train, test };
  GByteArray *head = g_byte_array_new ();
  g_byte_array_set_size (head, CACHE_FIXED);
  memset (head->data, 0, CACHE_FIXED);
  for (int c = 0; c < train->n_classes; c++)
    {
      guint8 len[4];
      put_u32 (len, (guint32) strlen (train->class_names[c]));
      g_byte_array_append (head, len, 4);
      g_byte_array_append (head, (const guint8 *) train->class_names[c], (guint) strlen (train->class_names[c]));
    }
  guint8 *h = head->data;
  memcpy (h, CACHE_MAGIC, 8);
  put_u32 (h + 8, CACHE_VERSION);
  put_u32 (h + 12, head->len);
  memcpy (h + 16, key, 32);
  put_u32 (h + 48, (guint32) train->n_classes);
  put_u32 (h + 52, (guint32) train->channels);
  put_u32 (h + 56, (guint32) train->height);
  put_u32 (h + 60, (guint32) train->width);
  put_u32 (h + 64, (guint32) train->count);
  put_u32 (h + 68, (guint32) test->count);
  put_u32 (h + 76, (guint32) train->n_skipped);
  put_u32 (h + 80, (guint32) test->n_skipped);

  guint8 *lab[N_SPLITS] = { labels_le (train), labels_le (test) };
  gsize dim = (gsize) train->channels * train->height * train->width;
  guint32 crc = crc_update (0, head->data + CACHE_FIXED, head->len - CACHE_FIXED);
  for (int s = 0; s < N_SPLITS; s++)
    crc = crc_update (crc, lab[s], (gsize) sets[s]->count * 4);
  for (int s = 0; s < N_SPLITS; s++)
    crc = crc_update (crc, sets[s]->pixels, (gsize) sets[s]->count * dim);
  put_u32 (h + 72, crc);

  g_autofree char *tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  int fd = g_mkstemp (tmp);
  int saved = errno;
  gboolean ok = fd >= 0;
#define STEP(x) G_STMT_START { if (ok && !(x)) { ok = FALSE; saved = errno; } } G_STMT_END
  STEP (write_full (fd, head->data, head->len));
  for (int s = 0; s < N_SPLITS; s++)
    STEP (write_full (fd, lab[s], (gsize) sets[s]->count * 4));
  for (int s = 0; s < N_SPLITS; s++)
    STEP (write_full (fd, sets[s]->pixels, (gsize) sets[s]->count * dim));
  STEP (fsync (fd) == 0);
  if (fd >= 0 && close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  STEP (g_rename (tmp, path) == 0);
#undef STEP
  if (!ok)
    {
      g_debug ("image cache: cannot write %s: %s", path, g_strerror (saved));
      if (fd >= 0)
        g_unlink (tmp);
    }
  g_free (lab[0]);
  g_free (lab[1]);
  g_byte_array_unref (head);
}
