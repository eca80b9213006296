/* blip-mat.c — reads level-5 MAT-files (see blip-mat.h): the header, then
 * each top-level element, inflating miCOMPRESSED ones, and decodes numeric
 * arrays.
 *
 * A file is mapped into memory once and walked with explicit bounds: each
 * element is a (buffer, length) window, and every tag is checked against the
 * window that holds it, so an element can never reach outside its
 * container. The layout follows MathWorks' "MAT-File Format" document:
 * 8-byte tags (type, byte count) or the 4-byte "small data element" form
 * when the count's upper half is non-zero, sub-elements padded to 8 bytes,
 * top-level elements not padded. */
#include "blip-mat.h"

#include <string.h>
#include <zlib.h>

G_DEFINE_QUARK (blip-mat-error-quark, blip_mat_error)

/* Data types of the format (miINT8 …). */
enum {
  MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6,
  MI_SINGLE = 7, MI_DOUBLE = 9, MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14,
  MI_COMPRESSED = 15, MI_UTF8 = 16, MI_UTF16 = 17, MI_UTF32 = 18,
};

#define HEADER_BYTES 128
#define MAX_DIMS 32
#define MAX_NAME 4096
/* Far beyond any data set this program reads (SVHN's training images are
 * 225 MB), low enough that a lying element (or a small compressed one that
 * inflates enormously) cannot make us reserve more: the most a decoded
 * array or an inflated element may take. */
#define MAX_ARRAY_BYTES ((guint64) 2 << 30)
/* A compressed element's output starts this large (or at its declared size,
 * when smaller) and doubles as data arrives. */
#define INFLATE_FIRST ((gsize) 1 << 20)

struct _BlipMat {
  char      *name;
  GPtrArray *arrays;   /* BlipMatArray */
};

/* The reading state: the file's name and byte order. */
typedef struct {
  const char *name;
  gboolean    swap;    /* the file's byte order is not the host's */
} Reader;

static void
array_free (gpointer p)
{
  BlipMatArray *a = p;
  g_free (a->name);
  g_free (a->dims);
  g_free (a->data);
  g_free (a);
}

void
blip_mat_free (BlipMat *mat)
{
  if (mat == NULL)
    return;
  g_ptr_array_unref (mat->arrays);
  g_free (mat->name);
  g_free (mat);
}

static guint32
rd32 (const Reader *r, const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return r->swap ? GUINT32_SWAP_LE_BE (v) : v;
}

static guint16
rd16 (const Reader *r, const guint8 *p)
{
  guint16 v;
  memcpy (&v, p, 2);
  return r->swap ? GUINT16_SWAP_LE_BE (v) : v;
}

/* Bytes per element of a numeric data type; 0 for any other type. */
static gsize
mi_size (guint32 type)
{
  switch (type)
    {
    case MI_INT8: case MI_UINT8: return 1;
    case MI_INT16: case MI_UINT16: return 2;
    case MI_INT32: case MI_UINT32: case MI_SINGLE: return 4;
    case MI_DOUBLE: case MI_INT64: case MI_UINT64: return 8;
    default: return 0;
    }
}

static const char *
mi_name (guint32 type)
{
  static const char * const names[] = {
    NULL, "miINT8", "miUINT8", "miINT16", "miUINT16", "miINT32", "miUINT32", "miSINGLE", NULL,
    "miDOUBLE", NULL, NULL, "miINT64", "miUINT64", "miMATRIX", "miCOMPRESSED", "miUTF8",
    "miUTF16", "miUTF32",
  };
  return type < G_N_ELEMENTS (names) && names[type] ? names[type] : "an unknown type";
}

const char *
blip_mat_class_name (int klass)
{
  static const char * const names[] = {
    NULL, "cell", "struct", "object", "char", "sparse", "double", "single", "int8", "uint8",
    "int16", "uint16", "int32", "uint32", "int64", "uint64",
  };
  if (klass > 0 && klass < (int) G_N_ELEMENTS (names))
    return names[klass];
  return "an unknown class";
}

char *
blip_mat_describe (const BlipMatArray *a)
{
  GString *s = g_string_new (NULL);
  if (a->is_complex)
    g_string_append (s, "complex ");
  g_string_append (s, a->is_logical ? "logical" : blip_mat_class_name (a->klass));
  for (int i = 0; i < a->n_dims; i++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, i ? "×" : " ", a->dims[i]);
  return g_string_free (s, FALSE);
}

/* A tag inside the window [base, base+len) at offset *pos (relative to
 * base): its type and data, and *pos moved past it (and its padding to 8
 * bytes when `padded`). `what` names the element for messages; `file_off`
 * is the window's offset in the file (or, inside a compressed element, the
 * compressed element's offset) so that messages can point at it. */
static gboolean
read_tag (const Reader *r, const guint8 *base, gsize len, gsize *pos, gboolean padded,
          const char *what, gsize file_off, guint32 *type, const guint8 **data, gsize *nbytes,
          GError **error)
{
  gsize at = *pos;
  if (len - at < 8)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                   "%s: the %s at byte %" G_GSIZE_FORMAT " is cut short: %" G_GSIZE_FORMAT
                   " bytes left where an 8-byte tag was expected", r->name, what, file_off + at,
                   len - at);
      return FALSE;
    }
  guint32 first = rd32 (r, base + at);
  if (first >> 16 != 0)
    {
      /* The small data element: type and count share the first word and
       * up to four bytes of data follow in the second. */
      *type = first & 0xffff;
      *nbytes = first >> 16;
      if (*nbytes > 4)
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: the %s at byte %" G_GSIZE_FORMAT " is a small data element of %"
                       G_GSIZE_FORMAT " bytes; at most 4 fit", r->name, what, file_off + at, *nbytes);
          return FALSE;
        }
      *data = base + at + 4;
      *pos = at + 8;
      return TRUE;
    }
  *type = first;
  *nbytes = rd32 (r, base + at + 4);
  gsize room = len - at - 8;
  gsize need = *nbytes;
  if (padded && need % 8 != 0)
    need += 8 - need % 8;
  if (need > room)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                   "%s: the %s at byte %" G_GSIZE_FORMAT " declares %" G_GSIZE_FORMAT
                   " bytes%s but only %" G_GSIZE_FORMAT " remain%s", r->name, what, file_off + at,
                   *nbytes, need != *nbytes ? " (with padding to 8)" : "", room,
                   file_off == 0 ? " in the file" : " in its container");
      return FALSE;
    }
  *data = base + at + 8;
  *pos = at + 8 + need;
  return TRUE;
}

/* Reads stored element i of a numeric type as an integer (for integer
 * types) or a double. */
static void
stored_value (const Reader *r, guint32 type, const guint8 *p, gint64 *iv, double *dv,
              gboolean *is_float, gboolean *too_big)
{
  *is_float = FALSE;
  *too_big = FALSE;
  switch (type)
    {
    case MI_INT8: *iv = (gint8) p[0]; break;
    case MI_UINT8: *iv = p[0]; break;
    case MI_INT16: *iv = (gint16) rd16 (r, p); break;
    case MI_UINT16: *iv = rd16 (r, p); break;
    case MI_INT32: *iv = (gint32) rd32 (r, p); break;
    case MI_UINT32: *iv = rd32 (r, p); break;
    case MI_SINGLE:
      {
        guint32 u = rd32 (r, p);
        float f;
        memcpy (&f, &u, 4);
        *dv = f;
        *is_float = TRUE;
        break;
      }
    case MI_DOUBLE: case MI_INT64: case MI_UINT64:
      {
        guint64 u;
        memcpy (&u, p, 8);
        if (r->swap)
          u = GUINT64_SWAP_LE_BE (u);
        if (type == MI_DOUBLE)
          {
            memcpy (dv, &u, 8);
            *is_float = TRUE;
          }
        else if (type == MI_UINT64 && u > (guint64) G_MAXINT64)
          {
            *dv = (double) u;
            *too_big = TRUE;
          }
        else
          *iv = (gint64) u;
        break;
      }
    default:
      g_assert_not_reached ();
    }
}

/* Class → (bytes per element, the stored type that matches it bit for bit). */
static gsize
class_size (int klass, guint32 *same_type)
{
  switch (klass)
    {
    case BLIP_MAT_CLASS_DOUBLE: *same_type = MI_DOUBLE; return 8;
    case BLIP_MAT_CLASS_SINGLE: *same_type = MI_SINGLE; return 4;
    case BLIP_MAT_CLASS_INT8: *same_type = MI_INT8; return 1;
    case BLIP_MAT_CLASS_UINT8: *same_type = MI_UINT8; return 1;
    case BLIP_MAT_CLASS_INT16: *same_type = MI_INT16; return 2;
    case BLIP_MAT_CLASS_UINT16: *same_type = MI_UINT16; return 2;
    case BLIP_MAT_CLASS_INT32: *same_type = MI_INT32; return 4;
    case BLIP_MAT_CLASS_UINT32: *same_type = MI_UINT32; return 4;
    default: *same_type = 0; return 0;
    }
}

/* Decodes count stored elements of `type` into the class's C type. MATLAB
 * stores an array in the smallest type that holds its values (a double
 * array of labels as miUINT8), so the stored type may differ from the class;
 * a value the class cannot hold is an error. */
static gboolean
decode_values (const Reader *r, BlipMatArray *a, guint32 type, const guint8 *src, gsize elem_off,
               guint8 **owner, GError **error)
{
  guint32 same;
  gsize esize = class_size (a->klass, &same);
  gsize ssize = mi_size (type);
  if ((guint64) a->count * esize > MAX_ARRAY_BYTES)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: variable “%s” (element at byte %" G_GSIZE_FORMAT ") would take %" G_GUINT64_FORMAT
                   " bytes; this reader decodes arrays of at most %" G_GUINT64_FORMAT, r->name, a->name,
                   elem_off, (guint64) a->count * esize, MAX_ARRAY_BYTES);
      return FALSE;
    }
  if (type == same && !r->swap && owner != NULL && *owner != NULL)
    {
      /* The values are already as wanted inside an inflated buffer of our
       * own: keep that buffer instead of copying (SVHN's X is 225 MB). */
      guint8 *buf = g_steal_pointer (owner);
      memmove (buf, src, a->count * esize);
      a->data = g_realloc (buf, MAX (a->count * esize, 1));
      a->elem_size = esize;
      return TRUE;
    }
  guint8 *out = g_malloc (MAX (a->count * esize, 1));
  if (type == same)
    {
      memcpy (out, src, a->count * esize);
      if (r->swap && esize > 1)
        for (gsize i = 0; i < a->count; i++)
          {
            guint8 *p = out + i * esize;
            for (gsize k = 0; k < esize / 2; k++)
              {
                guint8 t = p[k];
                p[k] = p[esize - 1 - k];
                p[esize - 1 - k] = t;
              }
          }
      a->data = out;
      a->elem_size = esize;
      return TRUE;
    }
  for (gsize i = 0; i < a->count; i++)
    {
      gint64 iv = 0;
      double dv = 0;
      gboolean is_float, too_big;
      stored_value (r, type, src + i * ssize, &iv, &dv, &is_float, &too_big);
      if (a->klass == BLIP_MAT_CLASS_DOUBLE || a->klass == BLIP_MAT_CLASS_SINGLE)
        {
          double v = is_float || too_big ? dv : (double) iv;
          if (a->klass == BLIP_MAT_CLASS_DOUBLE)
            ((double *) out)[i] = v;
          else
            ((float *) out)[i] = (float) v;
          continue;
        }
      gint64 lo, hi;
      switch (a->klass)
        {
        case BLIP_MAT_CLASS_INT8: lo = G_MININT8; hi = G_MAXINT8; break;
        case BLIP_MAT_CLASS_UINT8: lo = 0; hi = G_MAXUINT8; break;
        case BLIP_MAT_CLASS_INT16: lo = G_MININT16; hi = G_MAXINT16; break;
        case BLIP_MAT_CLASS_UINT16: lo = 0; hi = G_MAXUINT16; break;
        case BLIP_MAT_CLASS_INT32: lo = G_MININT32; hi = G_MAXINT32; break;
        default: lo = 0; hi = G_MAXUINT32; break;
        }
      if (is_float || too_big || iv < lo || iv > hi)
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: variable “%s” (element at byte %" G_GSIZE_FORMAT "): value %" G_GSIZE_FORMAT
                       " is stored as %s, which its class %s cannot hold", r->name, a->name, elem_off,
                       i, mi_name (type), blip_mat_class_name (a->klass));
          g_free (out);
          return FALSE;
        }
      switch (a->klass)
        {
        case BLIP_MAT_CLASS_INT8: ((gint8 *) out)[i] = (gint8) iv; break;
        case BLIP_MAT_CLASS_UINT8: ((guint8 *) out)[i] = (guint8) iv; break;
        case BLIP_MAT_CLASS_INT16: ((gint16 *) out)[i] = (gint16) iv; break;
        case BLIP_MAT_CLASS_UINT16: ((guint16 *) out)[i] = (guint16) iv; break;
        case BLIP_MAT_CLASS_INT32: ((gint32 *) out)[i] = (gint32) iv; break;
        default: ((guint32 *) out)[i] = (guint32) iv; break;
        }
    }
  a->data = out;
  a->elem_size = esize;
  return TRUE;
}

/* The content of one miMATRIX element (after its tag): array flags,
 * dimensions, name, and for numeric classes the real part. elem_off is the
 * element's offset in the file, for messages. When m lies in a buffer of
 * our own (*owner, an inflated element), the array may take that buffer
 * over, leaving *owner NULL. */
static BlipMatArray *
parse_matrix (const Reader *r, const guint8 *m, gsize len, gsize elem_off, guint8 **owner, GError **error)
{
  gsize pos = 0;
  guint32 type;
  const guint8 *d;
  gsize n;
  BlipMatArray *a = g_new0 (BlipMatArray, 1);

#define FAIL(code, ...) G_STMT_START {                                           \
    g_set_error (error, BLIP_MAT_ERROR, code, __VA_ARGS__);                      \
    array_free (a);                                                              \
    return NULL; } G_STMT_END

  if (!read_tag (r, m, len, &pos, TRUE, "array flags", elem_off + 8, &type, &d, &n, error))
    {
      array_free (a);
      return NULL;
    }
  if (type != MI_UINT32 || n != 8)
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: the matrix element at byte %" G_GSIZE_FORMAT " begins with %s of %"
          G_GSIZE_FORMAT " bytes; expected the array flags, miUINT32 of 8 bytes", r->name, elem_off,
          mi_name (type), n);
  guint32 flags = rd32 (r, d);
  a->klass = flags & 0xff;
  a->is_complex = (flags & 0x800) != 0;
  a->is_logical = (flags & 0x200) != 0;

  if (!read_tag (r, m, len, &pos, TRUE, "dimensions", elem_off + 8, &type, &d, &n, error))
    {
      array_free (a);
      return NULL;
    }
  if (type != MI_INT32 || n % 4 != 0 || n / 4 < 2 || n / 4 > MAX_DIMS)
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: the matrix element at byte %" G_GSIZE_FORMAT " has dimensions of "
          "%s, %" G_GSIZE_FORMAT " bytes; expected miINT32, 2 to %d dimensions", r->name, elem_off,
          mi_name (type), n, MAX_DIMS);
  a->n_dims = (int) (n / 4);
  a->dims = g_new (gsize, a->n_dims);
  a->count = 1;
  gboolean overflow = FALSE;
  for (int i = 0; i < a->n_dims; i++)
    {
      gint32 v = (gint32) rd32 (r, d + 4 * i);
      if (v < 0)
        FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: the matrix element at byte %" G_GSIZE_FORMAT
              " has a negative dimension (%d)", r->name, elem_off, v);
      a->dims[i] = (gsize) v;
      if (v != 0 && a->count > MAX_ARRAY_BYTES / (guint64) v)
        overflow = TRUE;
      a->count *= (gsize) v;
    }
  if (overflow && a->count != 0)
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: the matrix element at byte %" G_GSIZE_FORMAT " has dimensions "
          "whose product exceeds %" G_GUINT64_FORMAT " elements", r->name, elem_off, MAX_ARRAY_BYTES);

  if (!read_tag (r, m, len, &pos, TRUE, "array name", elem_off + 8, &type, &d, &n, error))
    {
      array_free (a);
      return NULL;
    }
  if ((type != MI_INT8 && type != MI_UINT8 && type != MI_UTF8) || n == 0 || n > MAX_NAME
      || memchr (d, '\0', n) != NULL || !g_utf8_validate ((const char *) d, (gssize) n, NULL))
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: the matrix element at byte %" G_GSIZE_FORMAT " has no valid name "
          "(%s of %" G_GSIZE_FORMAT " bytes; expected 1 to %d bytes of text)", r->name, elem_off,
          mi_name (type), n, MAX_NAME);
  a->name = g_strndup ((const char *) d, n);

  guint32 same;
  if (class_size (a->klass, &same) == 0 || a->is_complex)
    return a;   /* listed, not decoded */

  if (!read_tag (r, m, len, &pos, TRUE, "real part", elem_off + 8, &type, &d, &n, error))
    {
      array_free (a);
      return NULL;
    }
  gsize ssize = mi_size (type);
  if (ssize == 0)
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: variable “%s” (element at byte %" G_GSIZE_FORMAT ") stores its "
          "values as %s; expected a numeric type", r->name, a->name, elem_off, mi_name (type));
  if (n % ssize != 0 || n / ssize != a->count)
    {
      g_autofree char *desc = blip_mat_describe (a);
      FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: variable “%s” (element at byte %" G_GSIZE_FORMAT ") is %s but "
            "holds %" G_GSIZE_FORMAT " bytes of %s: expected %" G_GSIZE_FORMAT " values, %" G_GSIZE_FORMAT
            " bytes", r->name, a->name, elem_off, desc, n, mi_name (type), a->count, a->count * ssize);
    }
  if (pos != len)
    FAIL (BLIP_MAT_ERROR_CORRUPT, "%s: variable “%s” (element at byte %" G_GSIZE_FORMAT ") has %"
          G_GSIZE_FORMAT " bytes after its data", r->name, a->name, elem_off, len - pos);
  if (!decode_values (r, a, type, d, elem_off, owner, error))
    {
      array_free (a);
      return NULL;
    }
  return a;
#undef FAIL
}

/* Inflates a compressed element (its data: a zlib stream holding one
 * miMATRIX element, tag included) into *out, exactly the size that inner
 * tag declares. */
static gboolean
inflate_element (const Reader *r, const guint8 *src, gsize srclen, gsize elem_off, guint8 **out,
                 gsize *out_len, GError **error)
{
  z_stream zs;
  memset (&zs, 0, sizeof zs);
  if (inflateInit (&zs) != Z_OK)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO, "%s: cannot start zlib", r->name);
      return FALSE;
    }
  gsize cap = 0, have = 0, declared = 0, in_left = srclen;
  gboolean known = FALSE, ok = FALSE;
  guint8 *buf = NULL;
  for (;;)
    {
      if (zs.avail_in == 0 && in_left > 0)
        {
          gsize chunk = MIN (in_left, (gsize) 1 << 30);
          zs.next_in = (Bytef *) src + (srclen - in_left);
          zs.avail_in = (uInt) chunk;
          in_left -= chunk;
        }
      /* Until the inner tag is known, only its 8 bytes are wanted; after,
       * one byte beyond the declared size, so that extra data shows. */
      gsize target = known ? declared + 1 : 8;
      if (have == target)
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: the compressed element at byte %" G_GSIZE_FORMAT " inflates to more than "
                       "the %" G_GSIZE_FORMAT " bytes its matrix declares", r->name, elem_off, declared);
          goto out;
        }
      if (have == cap)
        {
          /* Grows by doubling, never past what is wanted: memory follows
           * the data that actually arrives, not what a header claims. */
          cap = MIN (MAX (cap * 2, (gsize) 4096), target);
          buf = g_realloc (buf, cap);
        }
      gsize room = MIN (cap - have, (gsize) 1 << 30);
      zs.next_out = buf + have;
      zs.avail_out = (uInt) room;
      int rc = inflate (&zs, Z_NO_FLUSH);
      have += room - zs.avail_out;
      if (!known && have == 8)
        {
          guint32 first = rd32 (r, buf), nbytes = rd32 (r, buf + 4);
          if (first != MI_MATRIX)
            {
              g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                           "%s: the compressed element at byte %" G_GSIZE_FORMAT " holds %s; expected "
                           "a matrix (miMATRIX)", r->name, elem_off,
                           first >> 16 ? "a small data element" : mi_name (first));
              goto out;
            }
          declared = 8 + (gsize) nbytes;
          if (declared > MAX_ARRAY_BYTES + 4096)
            {
              g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                           "%s: the compressed element at byte %" G_GSIZE_FORMAT " holds a matrix of %"
                           G_GSIZE_FORMAT " bytes; this reader decodes arrays of at most %" G_GUINT64_FORMAT,
                           r->name, elem_off, declared, MAX_ARRAY_BYTES);
              goto out;
            }
          known = TRUE;
        }
      if (rc == Z_STREAM_END)
        break;
      if (rc == Z_OK || rc == Z_BUF_ERROR)
        {
          if (zs.avail_in == 0 && in_left == 0 && zs.avail_out > 0)
            {
              g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                           "%s: the compressed element at byte %" G_GSIZE_FORMAT " is cut short: its "
                           "zlib stream ends early (after %" G_GSIZE_FORMAT " inflated bytes)",
                           r->name, elem_off, have);
              goto out;
            }
          continue;
        }
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: the compressed element at byte %" G_GSIZE_FORMAT " is damaged (zlib: %s)",
                   r->name, elem_off, zs.msg ? zs.msg : "error");
      goto out;
    }
  if (!known || have != declared)
    {
      if (known)
        g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                     "%s: the compressed element at byte %" G_GSIZE_FORMAT " inflates to %" G_GSIZE_FORMAT
                     " bytes; its matrix declares %" G_GSIZE_FORMAT, r->name, elem_off, have, declared);
      else
        g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                     "%s: the compressed element at byte %" G_GSIZE_FORMAT " inflates to %" G_GSIZE_FORMAT
                     " bytes, less than a matrix's 8-byte tag", r->name, elem_off, have);
      goto out;
    }
  if (zs.avail_in + in_left != 0)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: the compressed element at byte %" G_GSIZE_FORMAT " has %" G_GSIZE_FORMAT
                   " bytes after the end of its zlib stream", r->name, elem_off,
                   (gsize) zs.avail_in + in_left);
      goto out;
    }
  *out = g_steal_pointer (&buf);
  *out_len = have;
  ok = TRUE;
out:
  inflateEnd (&zs);
  g_free (buf);
  return ok;
}

static gboolean
check_header (Reader *r, const guint8 *data, gsize size, GError **error)
{
  static const guint8 hdf5[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  const char *v73 = "is a MATLAB v7.3 MAT-file, which is an HDF5 file underneath; this reader handles "
                    "the level-5 format that MATLAB writes with -v6 or -v7 (resave it with "
                    "save(name, '-v7'), or in Python with scipy.io.savemat)";
  if ((size >= 8 && memcmp (data, hdf5, 8) == 0) || (size >= 520 && memcmp (data + 512, hdf5, 8) == 0)
      || (size >= 10 && memcmp (data, "MATLAB 7.3", 10) == 0))
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_FORMAT, "%s %s", r->name, v73);
      return FALSE;
    }
  if (size < 6 || memcmp (data, "MATLAB", 6) != 0)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_FORMAT,
                   "%s: not a level-5 MAT-file (it does not begin with the text “MATLAB 5.0 MAT-file”; "
                   "level-4 MAT-files, which have no such header, are not supported)", r->name);
      return FALSE;
    }
  if (size < HEADER_BYTES)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_TRUNCATED,
                   "%s: %" G_GSIZE_FORMAT " bytes, shorter than the %d-byte MAT-file header", r->name,
                   size, HEADER_BYTES);
      return FALSE;
    }
  if (data[126] == 'I' && data[127] == 'M')
    r->swap = G_BYTE_ORDER != G_LITTLE_ENDIAN;
  else if (data[126] == 'M' && data[127] == 'I')
    r->swap = G_BYTE_ORDER == G_LITTLE_ENDIAN;
  else
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_FORMAT,
                   "%s: the header's byte-order mark is 0x%02x 0x%02x; expected “IM” or “MI”",
                   r->name, data[126], data[127]);
      return FALSE;
    }
  guint16 version = rd16 (r, data + 124);
  if (version == 0x0200)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_FORMAT, "%s %s", r->name, v73);
      return FALSE;
    }
  if (version != 0x0100)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_FORMAT,
                   "%s: MAT-file version 0x%04x; expected 0x0100 (level 5)", r->name, version);
      return FALSE;
    }
  return TRUE;
}

BlipMat *
blip_mat_parse (const guint8 *data, gsize size, const char *name, GError **error)
{
  Reader r = { name ? name : "(MAT-file)", FALSE };
  if (!check_header (&r, data, size, error))
    return NULL;
  g_autoptr(BlipMat) mat = g_new0 (BlipMat, 1);
  mat->name = g_strdup (r.name);
  mat->arrays = g_ptr_array_new_with_free_func (array_free);
  gsize pos = HEADER_BYTES;
  while (pos < size)
    {
      gsize at = pos;
      guint32 type;
      const guint8 *d;
      gsize n;
      /* Top-level elements are not padded: a compressed one ends where its
       * byte count says. */
      if (!read_tag (&r, data, size, &pos, FALSE, "data element", 0, &type, &d, &n, error))
        return NULL;
      BlipMatArray *a;
      if (type == MI_MATRIX)
        a = parse_matrix (&r, d, n, at, NULL, error);
      else if (type == MI_COMPRESSED)
        {
          guint8 *inner = NULL;
          gsize inner_len = 0;
          if (!inflate_element (&r, d, n, at, &inner, &inner_len, error))
            return NULL;
          a = parse_matrix (&r, inner + 8, inner_len - 8, at, &inner, error);
          g_free (inner);
        }
      else
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: a data element of %s at byte %" G_GSIZE_FORMAT "; a MAT-file holds matrix "
                       "(miMATRIX) and compressed (miCOMPRESSED) elements only", r.name, mi_name (type), at);
          return NULL;
        }
      if (a == NULL)
        return NULL;
      if (blip_mat_lookup (mat, a->name) != NULL)
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: two variables are named “%s” (the second at byte %" G_GSIZE_FORMAT ")",
                       r.name, a->name, at);
          array_free (a);
          return NULL;
        }
      g_ptr_array_add (mat->arrays, a);
    }
  return g_steal_pointer (&mat);
}

BlipMat *
blip_mat_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO, "%s: no such file", path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO,
                   "%s: not a regular file (expected a MAT-file)", path);
      return NULL;
    }
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO, "%s", local->message);
      return NULL;
    }
  const guint8 *data = (const guint8 *) g_mapped_file_get_contents (mapped);
  gsize size = g_mapped_file_get_length (mapped);
  return blip_mat_parse (data ? data : (const guint8 *) "", size, path, error);
}

int
blip_mat_get_n_arrays (const BlipMat *mat)
{
  return (int) mat->arrays->len;
}

const BlipMatArray *
blip_mat_get_array (const BlipMat *mat, int i)
{
  g_return_val_if_fail (i >= 0 && (guint) i < mat->arrays->len, NULL);
  return g_ptr_array_index (mat->arrays, i);
}

const BlipMatArray *
blip_mat_lookup (const BlipMat *mat, const char *name)
{
  for (guint i = 0; i < mat->arrays->len; i++)
    {
      const BlipMatArray *a = g_ptr_array_index (mat->arrays, i);
      if (g_strcmp0 (a->name, name) == 0)
        return a;
    }
  return NULL;
}
