/* blip-safetensors.c — safetensors reading and atomic writing. */
#include "blip-safetensors.h"
#include "blip-json.h"
#include "blip-results.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-safetensors-error-quark, blip_safetensors_error)

/* A header beyond this is not one of ours, and would cost memory to parse. */
#define MAX_HEADER (64u << 20)

static const struct { const char *name; gsize size; } dtypes[] = {
  [BLIP_DTYPE_U8] = { "U8", 1 },
  [BLIP_DTYPE_I32] = { "I32", 4 },
  [BLIP_DTYPE_F32] = { "F32", 4 },
  [BLIP_DTYPE_F64] = { "F64", 8 },
};

typedef struct {
  char     *name;
  BlipDtype dtype;
  int       ndim;
  gint64    shape[BLIP_SAFETENSORS_MAX_DIMS];
  gsize     begin;   /* offset into the data section */
  gsize     nbytes;
  GBytes   *owned;   /* writer: the copied data */
} Tensor;

static void
tensor_free (gpointer p)
{
  Tensor *t = p;
  g_free (t->name);
  if (t->owned)
    g_bytes_unref (t->owned);
  g_free (t);
}

struct _BlipSafetensorsWriter {
  GPtrArray  *tensors;
  GHashTable *metadata;   /* key → value; written sorted */
};

struct _BlipSafetensors {
  char       *path;
  GBytes     *bytes;
  const guint8 *data;     /* the data section */
  gsize       data_size;
  GHashTable *tensors;    /* name → Tensor* */
  GHashTable *metadata;
};

BlipSafetensorsWriter *
blip_safetensors_writer_new (void)
{
  BlipSafetensorsWriter *w = g_new0 (BlipSafetensorsWriter, 1);
  w->tensors = g_ptr_array_new_with_free_func (tensor_free);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return w;
}

void
blip_safetensors_writer_free (BlipSafetensorsWriter *w)
{
  if (w == NULL)
    return;
  g_ptr_array_free (w->tensors, TRUE);
  g_hash_table_destroy (w->metadata);
  g_free (w);
}

void
blip_safetensors_writer_add (BlipSafetensorsWriter *w, const char *name, BlipDtype dtype,
                             const gint64 *shape, int ndim, gconstpointer data)
{
  g_return_if_fail (ndim >= 0 && ndim <= BLIP_SAFETENSORS_MAX_DIMS);
  Tensor *t = g_new0 (Tensor, 1);
  t->name = g_strdup (name);
  t->dtype = dtype;
  t->ndim = ndim;
  gsize n = 1;
  for (int i = 0; i < ndim; i++)
    {
      t->shape[i] = shape[i];
      n *= (gsize) shape[i];
    }
  t->nbytes = n * dtypes[dtype].size;
  t->owned = g_bytes_new (data, t->nbytes);
  g_ptr_array_add (w->tensors, t);
}

void
blip_safetensors_writer_add_metadata (BlipSafetensorsWriter *w, const char *key, const char *value)
{
  g_hash_table_replace (w->metadata, g_strdup (key), g_strdup (value));
}

gboolean
blip_safetensors_writer_write (BlipSafetensorsWriter *w, const char *path, GError **error)
{
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO,
               "%s: writing safetensors on a big-endian machine is not supported", path);
  return FALSE;
#endif
  GString *h = g_string_new ("{\"__metadata__\":{");
  GList *keys = g_list_sort (g_hash_table_get_keys (w->metadata), (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    {
      if (l != keys)
        g_string_append_c (h, ',');
      blip_json_append_string (h, l->data);
      g_string_append_c (h, ':');
      blip_json_append_string (h, g_hash_table_lookup (w->metadata, l->data));
    }
  g_list_free (keys);
  g_string_append_c (h, '}');
  gsize offset = 0;
  for (guint i = 0; i < w->tensors->len; i++)
    {
      Tensor *t = g_ptr_array_index (w->tensors, i);
      g_string_append_c (h, ',');
      blip_json_append_string (h, t->name);
      g_string_append_printf (h, ":{\"dtype\":\"%s\",\"shape\":[", dtypes[t->dtype].name);
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (h, "%s%" G_GINT64_FORMAT, d ? "," : "", t->shape[d]);
      g_string_append_printf (h, "],\"data_offsets\":[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "]}",
                              offset, offset + t->nbytes);
      offset += t->nbytes;
    }
  g_string_append_c (h, '}');
  /* Pad with spaces so the data section starts 8-byte aligned. */
  while ((h->len + 8) % 8 != 0)
    g_string_append_c (h, ' ');

  GByteArray *buf = g_byte_array_sized_new (8 + h->len + offset);
  guint64 hlen = GUINT64_TO_LE ((guint64) h->len);
  g_byte_array_append (buf, (const guint8 *) &hlen, 8);
  g_byte_array_append (buf, (const guint8 *) h->str, h->len);
  for (guint i = 0; i < w->tensors->len; i++)
    {
      Tensor *t = g_ptr_array_index (w->tensors, i);
      g_byte_array_append (buf, g_bytes_get_data (t->owned, NULL), t->nbytes);
    }
  g_string_free (h, TRUE);

  GError *local = NULL;
  gboolean ok = g_file_set_contents_full (path, (const char *) buf->data, buf->len,
                                          G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                          0644, &local);
  g_byte_array_unref (buf);
  if (!ok)
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO, "%s", local->message);
      g_error_free (local);
    }
  return ok;
}

static gboolean
format_error (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
format_error (GError **error, const char *path, const char *fmt, ...)
{
  va_list args;
  va_start (args, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_FORMAT,
               "%s: not a valid safetensors file: %s", path, msg);
  return FALSE;
}

static gboolean
parse_tensor (BlipSafetensors *f, const char *name, const BlipJson *desc, GError **error)
{
  const char *dtype_name;
  BlipJson *shape = blip_json_get (desc, "shape");
  BlipJson *offsets = blip_json_get (desc, "data_offsets");
  if (desc->type != BLIP_JSON_OBJECT || !blip_json_get_string (desc, "dtype", &dtype_name) ||
      shape == NULL || shape->type != BLIP_JSON_ARRAY || offsets == NULL ||
      offsets->type != BLIP_JSON_ARRAY || offsets->items->len != 2)
    return format_error (error, f->path, "tensor “%s” lacks dtype, shape or data_offsets", name);
  Tensor *t = g_new0 (Tensor, 1);
  t->name = g_strdup (name);
  g_hash_table_replace (f->tensors, t->name, t);
  int dt = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (dtypes[i].name, dtype_name) == 0)
      dt = (int) i;
  if (dt < 0)
    return format_error (error, f->path, "tensor “%s” has unsupported dtype %s", name, dtype_name);
  t->dtype = dt;
  if (shape->items->len > BLIP_SAFETENSORS_MAX_DIMS)
    return format_error (error, f->path, "tensor “%s” has too many dimensions", name);
  t->ndim = shape->items->len;
  guint64 n = 1;
  for (int d = 0; d < t->ndim; d++)
    {
      guint64 v;
      if (!blip_json_as_uint64 (g_ptr_array_index (shape->items, d), &v) || v > G_MAXINT32)
        return format_error (error, f->path, "tensor “%s” has a bad shape", name);
      t->shape[d] = (gint64) v;
      if (v != 0 && n > G_MAXUINT64 / 8 / v)
        return format_error (error, f->path, "tensor “%s” is too large", name);
      n *= v;
    }
  guint64 begin, end;
  if (!blip_json_as_uint64 (g_ptr_array_index (offsets->items, 0), &begin) ||
      !blip_json_as_uint64 (g_ptr_array_index (offsets->items, 1), &end) || end < begin)
    return format_error (error, f->path, "tensor “%s” has bad data_offsets", name);
  if (end > f->data_size)
    return format_error (error, f->path, "tensor “%s” ends at byte %" G_GUINT64_FORMAT
                         " but the data section has %" G_GSIZE_FORMAT " bytes (truncated file?)",
                         name, end, f->data_size);
  if (end - begin != n * dtypes[dt].size)
    return format_error (error, f->path, "tensor “%s” has %" G_GUINT64_FORMAT " bytes for %"
                         G_GUINT64_FORMAT " elements of %s", name, end - begin, n, dtype_name);
  t->begin = begin;
  t->nbytes = end - begin;
  return TRUE;
}

BlipSafetensors *
blip_safetensors_parse (GBytes *bytes, const char *path, GError **error)
{
  g_autoptr(BlipSafetensors) f = g_new0 (BlipSafetensors, 1);
  f->path = g_strdup (path);
  f->bytes = g_bytes_ref (bytes);
  f->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tensor_free);
  f->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  if (size < 8)
    return format_error (error, path, "%" G_GSIZE_FORMAT " bytes, shorter than the 8-byte header length", size), NULL;
  guint64 hlen;
  memcpy (&hlen, p, 8);
  hlen = GUINT64_FROM_LE (hlen);
  if (hlen > MAX_HEADER || hlen > size - 8)
    return format_error (error, path, "header length %" G_GUINT64_FORMAT " does not fit in a %"
                         G_GSIZE_FORMAT "-byte file", hlen, size), NULL;
  f->data = p + 8 + hlen;
  f->data_size = size - 8 - hlen;

  GError *local = NULL;
  g_autoptr(BlipJson) header = blip_json_parse ((const char *) p + 8, hlen, &local);
  if (header == NULL)
    {
      format_error (error, path, "header: %s", local->message);
      g_error_free (local);
      return NULL;
    }
  if (header->type != BLIP_JSON_OBJECT)
    return format_error (error, path, "the header is not a JSON object"), NULL;
  for (guint i = 0; i < header->keys->len; i++)
    {
      const char *key = g_ptr_array_index (header->keys, i);
      const BlipJson *value = g_ptr_array_index (header->items, i);
      if (g_hash_table_contains (f->tensors, key))
        return format_error (error, path, "tensor “%s” appears twice", key), NULL;
      if (strcmp (key, "__metadata__") == 0)
        {
          if (value->type != BLIP_JSON_OBJECT)
            return format_error (error, path, "__metadata__ is not an object"), NULL;
          for (guint k = 0; k < value->keys->len; k++)
            {
              const BlipJson *v = g_ptr_array_index (value->items, k);
              if (v->type != BLIP_JSON_STRING)
                return format_error (error, path, "metadata “%s” is not a string",
                                     (char *) g_ptr_array_index (value->keys, k)), NULL;
              g_hash_table_replace (f->metadata, g_strdup (g_ptr_array_index (value->keys, k)),
                                    g_strdup (v->string));
            }
          continue;
        }
      if (!parse_tensor (f, key, value, error))
        return NULL;
    }
  return g_steal_pointer (&f);
}

BlipSafetensors *
blip_safetensors_open (const char *path, GError **error)
{
  GError *local = NULL;
  GMappedFile *map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  GBytes *bytes = g_mapped_file_get_bytes (map);
  g_mapped_file_unref (map);
  BlipSafetensors *f = blip_safetensors_parse (bytes, path, error);
  g_bytes_unref (bytes);
  return f;
}

void
blip_safetensors_free (BlipSafetensors *f)
{
  if (f == NULL)
    return;
  g_free (f->path);
  if (f->bytes)
    g_bytes_unref (f->bytes);
  if (f->tensors)
    g_hash_table_destroy (f->tensors);
  if (f->metadata)
    g_hash_table_destroy (f->metadata);
  g_free (f);
}

const char *
blip_safetensors_get_path (BlipSafetensors *f)
{
  return f->path;
}

const char *
blip_safetensors_get_metadata (BlipSafetensors *f, const char *key)
{
  return g_hash_table_lookup (f->metadata, key);
}

gboolean
blip_safetensors_has (BlipSafetensors *f, const char *name)
{
  return g_hash_table_contains (f->tensors, name);
}

gint64
blip_safetensors_n_elements (BlipSafetensors *f, const char *name)
{
  Tensor *t = g_hash_table_lookup (f->tensors, name);
  return t ? (gint64) (t->nbytes / dtypes[t->dtype].size) : -1;
}

static char *
shape_string (const gint64 *shape, int ndim)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < ndim; d++)
    {
      if (shape[d] < 0)
        g_string_append_printf (s, "%s*", d ? ", " : "");
      else
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

gboolean
blip_safetensors_read (BlipSafetensors *f, const char *name, BlipDtype dtype, const gint64 *shape,
                       int ndim, gpointer dest, gboolean require_finite, GError **error)
{
  Tensor *t = g_hash_table_lookup (f->tensors, name);
  if (t == NULL)
    {
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISSING,
                   "%s: tensor “%s” is missing", f->path, name);
      return FALSE;
    }
  gboolean same = t->dtype == dtype && t->ndim == ndim;
  for (int d = 0; same && d < ndim; d++)
    same = shape[d] < 0 || shape[d] == t->shape[d];
  if (!same)
    {
      g_autofree char *want = shape_string (shape, ndim);
      g_autofree char *have = shape_string (t->shape, t->ndim);
      g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_MISMATCH,
                   "%s: tensor “%s” is %s %s, expected %s %s (does the checkpoint belong to "
                   "another configuration?)", f->path, name, dtypes[t->dtype].name, have,
                   dtypes[dtype].name, want);
      return FALSE;
    }
  const guint8 *src = f->data + t->begin;
  if (require_finite && (dtype == BLIP_DTYPE_F32 || dtype == BLIP_DTYPE_F64))
    {
      gsize n = t->nbytes / dtypes[dtype].size;
      for (gsize i = 0; i < n; i++)
        {
          double v;
          if (dtype == BLIP_DTYPE_F32)
            {
              float x;
              memcpy (&x, src + 4 * i, 4);
              v = x;
            }
          else
            memcpy (&v, src + 8 * i, 8);
          if (!isfinite (v))
            {
              g_set_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_NOT_FINITE,
                           "%s: tensor “%s” holds %s at element %" G_GSIZE_FORMAT, f->path, name,
                           isnan (v) ? "NaN" : "an infinity", i);
              return FALSE;
            }
        }
    }
  memcpy (dest, src, t->nbytes);
  return TRUE;
}
