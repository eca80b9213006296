/* blip-images-tar.c — a tar archive walked from its bytes in memory,
 * gzip-compressed (inflated with zlib as it is read) or plain: ustar, GNU and
 * pax headers and long names, each entry classified and each image handed to
 * the loader. An entry's data is stored only as fast as it actually arrives,
 * so a lying size field cannot make us reserve memory. */
#include "blip-images-private.h"

#include <string.h>

/* ---- tar archives ------------------------------------------------------------ */

gboolean
blip_images_stream_open (Stream *s, const guint8 *data, gsize size, const char *name, GError **error)
{
  memset (s, 0, sizeof *s);
  s->data = data;
  s->size = size;
  s->name = name;
  s->gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (s->gz && inflateInit2 (&s->zs, 15 + 16) != Z_OK)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE, "%s: cannot start zlib", name);
      s->gz = FALSE;
      return FALSE;
    }
  return TRUE;
}

void
blip_images_stream_close (Stream *s)
{
  if (s->gz)
    inflateEnd (&s->zs);
  s->gz = FALSE;
}

/* Reads up to n bytes; fewer only at the end of the data. -1 on error. */
static gssize
stream_read (Stream *s, guint8 *dst, gsize n, GError **error)
{
  if (!s->gz)
    {
      gsize k = MIN (n, s->size - s->pos);
      memcpy (dst, s->data + s->pos, k);
      s->pos += k;
      return (gssize) k;
    }
  gsize got = 0;
  while (got < n && !s->end)
    {
      if (s->zs.avail_in == 0 && s->pos < s->size)
        {
          gsize chunk = MIN (s->size - s->pos, (gsize) 1 << 30);
          s->zs.next_in = (Bytef *) s->data + s->pos;
          s->zs.avail_in = (uInt) chunk;
          s->pos += chunk;
        }
      gsize want = MIN (n - got, (gsize) 1 << 30);
      s->zs.next_out = dst + got;
      s->zs.avail_out = (uInt) want;
      int rc = inflate (&s->zs, Z_NO_FLUSH);
      got += want - s->zs.avail_out;
      if (rc == Z_STREAM_END)
        {
          /* gzip allows several members back to back; anything else after
           * the end is ignored, as gzip itself does. */
          gsize left = s->zs.avail_in + (s->size - s->pos);
          const guint8 *next = s->zs.avail_in ? s->zs.next_in : s->data + s->pos;
          if (left >= 2 && next[0] == 0x1f && next[1] == 0x8b)
            inflateReset (&s->zs);
          else
            s->end = TRUE;
        }
      else if (rc == Z_BUF_ERROR || (rc == Z_OK && s->zs.avail_in == 0 && s->pos == s->size
                                     && s->zs.avail_out > 0))
        {
          if (s->zs.avail_in == 0 && s->pos == s->size)
            {
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                           "%s: the archive is truncated (the gzip stream ends early)", s->name);
              return -1;
            }
        }
      else if (rc != Z_OK)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: the gzip data is damaged (%s)", s->name, s->zs.msg ? s->zs.msg : "zlib error");
          return -1;
        }
    }
  return (gssize) got;
}

static gboolean
stream_skip (Stream *s, guint64 n, const char *what, GError **error)
{
  guint8 buf[16384];
  while (n > 0)
    {
      gsize k = (gsize) MIN (n, sizeof buf);
      gssize got = stream_read (s, buf, k, error);
      if (got < 0)
        return FALSE;
      if ((gsize) got < k)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: the archive is truncated inside %s", s->name, what);
          return FALSE;
        }
      n -= k;
    }
  return TRUE;
}

/* Reads n bytes into a buffer that grows only as data arrives. */
static guint8 *
stream_read_entry (Stream *s, guint64 n, const char *what, GError **error)
{
  GByteArray *buf = g_byte_array_new ();
  guint64 done = 0;
  while (done < n)
    {
      gsize k = (gsize) MIN (n - done, (guint64) 1 << 20);
      g_byte_array_set_size (buf, (guint) (done + k));
      gssize got = stream_read (s, buf->data + done, k, error);
      if (got < 0 || (gsize) got < k)
        {
          if (got >= 0)
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: the archive is truncated inside %s", s->name, what);
          g_byte_array_unref (buf);
          return NULL;
        }
      done += k;
    }
  g_byte_array_append (buf, (const guint8 *) "", 1);   /* a terminator for names */
  return g_byte_array_free (buf, FALSE);
}

/* A numeric header field: octal digits (spaces or NULs around them), or
 * GNU's base-256 for large values. */
static gboolean
tar_number (const guint8 *f, int len, guint64 *out)
{
  guint64 v = 0;
  if (f[0] & 0x80)
    {
      if (f[0] != 0x80)
        return FALSE;    /* negative, or more than 64 bits */
      for (int i = 1; i < len; i++)
        {
          if (v >> 56)
            return FALSE;
          v = (v << 8) | f[i];
        }
      *out = v;
      return TRUE;
    }
  int i = 0;
  while (i < len && (f[i] == ' ' || f[i] == '\0'))
    i++;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; i++)
    {
      if (v >> 60)
        return FALSE;
      v = v * 8 + (guint64) (f[i] - '0');
    }
  for (; i < len; i++)
    if (f[i] != ' ' && f[i] != '\0')
      return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
tar_checksum_ok (const guint8 *h)
{
  guint64 stored;
  if (!tar_number (h + 148, 8, &stored))
    return FALSE;
  guint64 usum = 0;
  gint64 ssum = 0;
  for (int i = 0; i < 512; i++)
    {
      guint8 b = (i >= 148 && i < 156) ? ' ' : h[i];
      usum += b;
      ssum += (gint8) b;   /* some old tars summed signed chars */
    }
  return stored == usum || (gint64) stored == ssum;
}

/* The "path" record of a pax extended header, if any. */
static char *
pax_path (const char *data, gsize n)
{
  gsize i = 0;
  while (i < n)
    {
      gsize len = 0, j = i;
      while (j < n && g_ascii_isdigit (data[j]) && len < n)
        len = len * 10 + (gsize) (data[j++] - '0');
      if (j >= n || data[j] != ' ' || len == 0 || len > n - i)
        return NULL;
      const char *rec = data + j + 1, *end = data + i + len;   /* end is the '\n' */
      if (end - rec > 5 && strncmp (rec, "path=", 5) == 0 && end[-1] == '\n')
        return g_strndup (rec + 5, end - 1 - (rec + 5));
      i += len;
    }
  return NULL;
}

gboolean
blip_images_read_tar (Stream *s, Loader *l, GError **error)
{
  guint8 h[512];
  g_autofree char *long_name = NULL, *pax_name = NULL, *last = NULL;
  for (;;)
    {
      gssize got = stream_read (s, h, 512, error);
      if (got < 0)
        return FALSE;
      if (got == 0)
        return TRUE;    /* no end-of-archive blocks: accepted, as GNU tar does */
      if (got < 512)
        {
          if (last == NULL)
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: not a tar or tar.gz archive (%" G_GSSIZE_FORMAT " bytes)", s->name, got);
          else
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: the archive is truncated (a partial header after %s)", s->name, last);
          return FALSE;
        }
      gboolean zero = TRUE;
      for (int i = 0; i < 512 && zero; i++)
        zero = h[i] == 0;
      if (zero)
        return TRUE;
      guint64 size;
      if (!tar_checksum_ok (h) || !tar_number (h + 124, 12, &size))
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: not a tar archive, or a damaged tar header after %s", s->name,
                       last ? last : "the start");
          return FALSE;
        }
      guint64 padded = size + (512 - size % 512) % 512;
      char type = (char) h[156];

      if (type == 'K' || type == 'g')
        {
          /* a long link target, pax global settings: nothing we use */
          if (!stream_skip (s, padded, "an extended header", error))
            return FALSE;
          continue;
        }
      if (type == 'L' || type == 'x')
        {
          /* GNU long name, or pax extended header: the next entry's name. */
          if (size > (1 << 20))
            {
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                           "%s: an extended header of %" G_GUINT64_FORMAT " bytes after %s", s->name,
                           size, last ? last : "the start");
              return FALSE;
            }
          g_autofree char *data = (char *) stream_read_entry (s, size, "an extended header", error);
          if (data == NULL || !stream_skip (s, padded - size, "an extended header", error))
            return FALSE;
          if (type == 'L')
            {
              g_free (long_name);
              long_name = g_strdup (data);    /* up to the first NUL */
            }
          else
            {
              char *p = pax_path (data, (gsize) size);
              if (p)
                {
                  g_free (pax_name);
                  pax_name = p;
                }
            }
          continue;
        }

      char *name;
      if (pax_name)
        name = g_steal_pointer (&pax_name);
      else if (long_name)
        name = g_steal_pointer (&long_name);
      else
        {
          char base[101], prefix[156];
          memcpy (base, h, 100);
          base[100] = '\0';
          prefix[0] = '\0';
          /* POSIX ustar splits long names into prefix/name; the GNU format
           * ("ustar  ") keeps other fields there. */
          if (memcmp (h + 257, "ustar\0", 6) == 0)
            {
              memcpy (prefix, h + 345, 155);
              prefix[155] = '\0';
            }
          name = *prefix ? g_strconcat (prefix, "/", base, NULL) : g_strdup (base);
        }
      g_free (last);
      last = name;
      if (!g_utf8_validate (name, -1, NULL))
        {
          /* Names are shown in messages and become class names. */
          g_autofree char *shown = g_utf8_make_valid (name, -1);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: %s: the name is not valid UTF-8", s->name, shown);
          return FALSE;
        }

      gboolean regular = type == '0' || type == '\0' || type == '7';
      gboolean is_dir = type == '5' || (regular && g_str_has_suffix (name, "/"));
      int kind = 0;
      Want want = { 0 };
      if (regular || is_dir)
        {
          kind = blip_images_loader_classify (l, name, is_dir, &want, error);
          if (kind < 0)
            return FALSE;
        }
      if (kind == 0)
        {
          /* links, devices, and files that are not part of the data set */
          if (!stream_skip (s, padded, name, error))
            return FALSE;
          continue;
        }
      if (size > MAX_FILE_BYTES)
        {
          g_free (want.file);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                       "%s: %s: %" G_GUINT64_FORMAT " bytes, too large for an image", s->name, name, size);
          return FALSE;
        }
      g_autofree guint8 *data = stream_read_entry (s, size, name, error);
      if (data == NULL)
        {
          g_free (want.file);
          return FALSE;
        }
      gboolean ok = blip_images_loader_add (l, name, &want, data, (gsize) size, error);
      g_free (want.file);
      if (!ok || !stream_skip (s, padded - size, name, error))
        return FALSE;
    }
}
