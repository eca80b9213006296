/* test-safetensors.c — the safetensors reader and atomic writer
 * (blip-safetensors.h):
 *   round trip  U8, I32, F32 and F64 tensors, 0-d scalars and zero-size
 *               shapes, and metadata with quotes, backslashes, control
 *               characters and non-ASCII text, written and read back, from a
 *               file and from memory; -1 in an expected shape accepts any size
 *   layout      the bytes are safetensors as Python's package reads them,
 *               checked by hand (only the header text goes through
 *               blip_json_parse): an 8-byte little-endian header length, a
 *               JSON object giving each tensor's dtype, shape and
 *               data_offsets plus a "__metadata__" map of strings, the data
 *               section 8-byte aligned, offsets contiguous from 0 to its end
 *               and holding the tensors' bytes; a file laid out by another
 *               writer (other order, padding) reads back
 *   corruption  a table of damaged files (truncations, a header length past
 *               the end, a header that is not JSON or not an object, unknown
 *               dtypes, sizes that do not match shapes, offsets past the data,
 *               negative or fractional shape entries, duplicate names,
 *               non-string metadata, ...): each fails with the expected
 *               BlipSafetensorsError and names the file
 *   reading     wrong dtype or shape gives MISMATCH, an absent tensor MISSING,
 *               NaN or infinity gives NOT_FINITE only when finiteness is asked
 *   atomicity   a write into a missing folder fails with IO and creates
 *               nothing; a write that runs into RLIMIT_FSIZE (in a forked
 *               child) fails and leaves the previous file byte for byte, with
 *               no temporary file behind. */
#include "blip.h"
#include "blip-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a set of tensors ------------------------------------------------------- */

static const guint8 u8_data[] = { 0, 1, 127, 128, 255, 42 };
static const gint32 i32_data[] = { 0, -1, G_MAXINT32, G_MININT32, 7, 1000000 };
static const float f32_data[] = { 0.0f, -0.0f, 1.5f, -3.25e-38f, 3.4028235e38f, 1e-45f, 0.1f, 2.0f };
static const double f64_data[] = { 0.1, -1e308, 4.9e-324, 3.0, -2.5, 1.0 / 3.0 };
static const double scalar_data = 2.718281828459045;
static const float empty_data[1] = { 0 };

typedef struct {
  const char   *name;
  BlipDtype     dtype;
  int           ndim;
  gint64        shape[4];
  gconstpointer data;
  gsize         nbytes;
} Spec;

static const Spec specs[] = {
  { "u8.matrix", BLIP_DTYPE_U8, 2, { 2, 3 }, u8_data, sizeof u8_data },
  { "i32.vector", BLIP_DTYPE_I32, 1, { 6 }, i32_data, sizeof i32_data },
  { "f32.cube", BLIP_DTYPE_F32, 3, { 2, 2, 2 }, f32_data, sizeof f32_data },
  { "f64.matrix", BLIP_DTYPE_F64, 2, { 3, 2 }, f64_data, sizeof f64_data },
  { "f64.scalar", BLIP_DTYPE_F64, 0, { 0 }, &scalar_data, sizeof scalar_data },
  { "f32.empty", BLIP_DTYPE_F32, 1, { 0 }, empty_data, 0 },
  { "u8.empty-2d", BLIP_DTYPE_U8, 2, { 4, 0 }, u8_data, 0 },
  { "i32.one", BLIP_DTYPE_I32, 4, { 1, 1, 1, 1 }, i32_data + 2, 4 },
};

static const char *dtype_names[] = { "U8", "I32", "F32", "F64" };
static const gsize dtype_sizes[] = { 1, 4, 4, 8 };

static const struct { const char *key, *value; } metadata[] = {
  { "format", "test" },
  { "quotes", "a \"quoted\" \\ back\\slash" },
  { "control", "line1\nline2\ttab\x01" },
  { "unicode", "λ → \xf0\x9f\x98\x80" },
  { "empty", "" },
  { "numberish", "12" },
};

static BlipSafetensorsWriter *
make_writer (void)
{
  BlipSafetensorsWriter *w = blip_safetensors_writer_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    blip_safetensors_writer_add (w, specs[i].name, specs[i].dtype, specs[i].shape, specs[i].ndim, specs[i].data);
  for (gsize i = 0; i < G_N_ELEMENTS (metadata); i++)
    blip_safetensors_writer_add_metadata (w, metadata[i].key, metadata[i].value);
  return w;
}

static char *
write_valid (const char *dir)
{
  char *path = g_build_filename (dir, "valid.safetensors", NULL);
  BlipSafetensorsWriter *w = make_writer ();
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);
  blip_safetensors_writer_free (w);
  return path;
}

static void
check_all (BlipSafetensors *f)
{
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      const Spec *s = &specs[i];
      g_autoptr(GError) error = NULL;
      guint8 buf[64];
      memset (buf, 0xAB, sizeof buf);
      g_assert_true (blip_safetensors_has (f, s->name));
      g_assert_cmpint (blip_safetensors_n_elements (f, s->name), ==, (gint64) (s->nbytes / dtype_sizes[s->dtype]));
      gboolean ok = blip_safetensors_read (f, s->name, s->dtype, s->shape, s->ndim, buf, TRUE, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpmem (buf, s->nbytes, s->data, s->nbytes);
      g_assert_cmpuint (buf[s->nbytes], ==, 0xAB);   /* nothing written past the tensor */

      /* -1 accepts any size in that dimension. */
      if (s->ndim > 0)
        {
          gint64 any[4];
          memcpy (any, s->shape, sizeof any);
          any[0] = -1;
          g_assert_true (blip_safetensors_read (f, s->name, s->dtype, any, s->ndim, buf, FALSE, &error));
          g_assert_no_error (error);
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (metadata); i++)
    g_assert_cmpstr (blip_safetensors_get_metadata (f, metadata[i].key), ==, metadata[i].value);
  g_assert_null (blip_safetensors_get_metadata (f, "absent"));
  g_assert_false (blip_safetensors_has (f, "absent"));
  g_assert_false (blip_safetensors_has (f, "__metadata__"));
  g_assert_cmpint (blip_safetensors_n_elements (f, "absent"), ==, -1);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_valid (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (blip_safetensors_get_path (f), ==, path);
  check_all (f);

  /* The same bytes parsed from memory. */
  g_autoptr(GBytes) bytes = blip_test_read_file (path);
  g_autoptr(BlipSafetensors) m = blip_safetensors_parse (bytes, "in-memory", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (blip_safetensors_get_path (m), ==, "in-memory");
  check_all (m);

  /* Writing the same content again gives the same bytes; the mode is 0644. */
  g_autofree char *path2 = g_build_filename (dir, "again.safetensors", NULL);
  BlipSafetensorsWriter *w = make_writer ();
  g_assert_true (blip_safetensors_writer_write (w, path2, &error));
  blip_safetensors_writer_free (w);
  g_autoptr(GBytes) bytes2 = blip_test_read_file (path2);
  g_assert_true (g_bytes_equal (bytes, bytes2));
  GStatBuf st;
  g_assert_cmpint (g_stat (path2, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  /* An empty file: no tensors, no metadata. */
  g_autofree char *path3 = g_build_filename (dir, "empty.safetensors", NULL);
  w = blip_safetensors_writer_new ();
  g_assert_true (blip_safetensors_writer_write (w, path3, &error));
  blip_safetensors_writer_free (w);
  g_autoptr(BlipSafetensors) e = blip_safetensors_open (path3, &error);
  g_assert_no_error (error);
  g_assert_null (blip_safetensors_get_metadata (e, "format"));
  blip_test_rmtree (dir);
}

/* ---- the layout, checked by hand ---------------------------------------------- */

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void
put_le64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint64
json_uint (const BlipJson *v)
{
  g_assert_nonnull (v);
  g_assert_cmpint (v->type, ==, BLIP_JSON_NUMBER);
  /* Integers written as integers: digits only. */
  for (const char *p = v->string; *p; p++)
    g_assert_true (g_ascii_isdigit (*p));
  return g_ascii_strtoull (v->string, NULL, 10);
}

typedef struct { guint64 begin, end; } Range;

static gint
range_cmp (gconstpointer a, gconstpointer b)
{
  const Range *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static void
test_layout (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_valid (dir);
  g_autoptr(GBytes) bytes = blip_test_read_file (path);
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, >=, 8);
  guint64 hlen = get_le64 (p);
  g_assert_cmpuint (hlen, <=, size - 8);
  g_assert_cmpuint ((8 + hlen) % 8, ==, 0);
  const guint8 *data = p + 8 + hlen;
  gsize data_size = size - 8 - hlen;
  /* The header starts with '{' and any padding after the object is spaces. */
  g_assert_cmpint (p[8], ==, '{');
  guint64 close = hlen;
  while (close > 0 && p[8 + close - 1] == ' ')
    close--;
  g_assert_cmpint (p[8 + close - 1], ==, '}');
  for (guint64 i = 0; i < hlen; i++)
    g_assert_cmpuint (p[8 + i], !=, 0);

  g_autoptr(GError) error = NULL;
  g_autoptr(BlipJson) h = blip_json_parse ((const char *) p + 8, hlen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h->type, ==, BLIP_JSON_OBJECT);
  g_assert_cmpuint (h->keys->len, ==, G_N_ELEMENTS (specs) + 1);

  BlipJson *meta = blip_json_get (h, "__metadata__");
  g_assert_nonnull (meta);
  g_assert_cmpint (meta->type, ==, BLIP_JSON_OBJECT);
  g_assert_cmpuint (meta->keys->len, ==, G_N_ELEMENTS (metadata));
  for (gsize i = 0; i < G_N_ELEMENTS (metadata); i++)
    {
      const char *v = NULL;
      g_assert_true (blip_json_get_string (meta, metadata[i].key, &v));
      g_assert_cmpstr (v, ==, metadata[i].value);
    }

  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      const Spec *s = &specs[i];
      BlipJson *t = blip_json_get (h, s->name);
      g_assert_nonnull (t);
      g_assert_cmpint (t->type, ==, BLIP_JSON_OBJECT);
      g_assert_cmpuint (t->keys->len, ==, 3);
      const char *dtype = NULL;
      g_assert_true (blip_json_get_string (t, "dtype", &dtype));
      g_assert_cmpstr (dtype, ==, dtype_names[s->dtype]);
      BlipJson *shape = blip_json_get (t, "shape");
      g_assert_nonnull (shape);
      g_assert_cmpint (shape->type, ==, BLIP_JSON_ARRAY);
      g_assert_cmpuint (shape->items->len, ==, (guint) s->ndim);
      for (int d = 0; d < s->ndim; d++)
        g_assert_cmpuint (json_uint (g_ptr_array_index (shape->items, d)), ==, (guint64) s->shape[d]);
      BlipJson *off = blip_json_get (t, "data_offsets");
      g_assert_nonnull (off);
      g_assert_cmpint (off->type, ==, BLIP_JSON_ARRAY);
      g_assert_cmpuint (off->items->len, ==, 2);
      Range r = { json_uint (g_ptr_array_index (off->items, 0)), json_uint (g_ptr_array_index (off->items, 1)) };
      g_assert_cmpuint (r.end - r.begin, ==, s->nbytes);
      g_assert_cmpuint (r.end, <=, data_size);
      g_assert_cmpmem (data + r.begin, s->nbytes, s->data, s->nbytes);
      g_array_append_val (ranges, r);
    }
  /* Contiguous, non-overlapping, from 0 to the end of the file. */
  g_array_sort (ranges, range_cmp);
  guint64 at = 0;
  for (guint i = 0; i < ranges->len; i++)
    {
      const Range *r = &g_array_index (ranges, Range, i);
      g_assert_cmpuint (r->begin, ==, at);
      at = r->end;
    }
  g_assert_cmpuint (at, ==, data_size);
  blip_test_rmtree (dir);
}

/* A file as another writer might lay it out: keys in another order than the
 * data, metadata last, extra padding, a 0-d tensor. */
static GBytes *
make_file (const char *header, const void *data, gsize data_len)
{
  gsize hlen = strlen (header);
  GByteArray *a = g_byte_array_new ();
  guint8 len[8];
  put_le64 (len, hlen);
  g_byte_array_append (a, len, 8);
  g_byte_array_append (a, (const guint8 *) header, hlen);
  if (data_len > 0)
    g_byte_array_append (a, data, data_len);
  return g_byte_array_free_to_bytes (a);
}

static void
test_foreign_layout (void)
{
  /* b occupies bytes 0..8 of the data, a 8..20, s 20..24. */
  struct { double b; gint32 a[3]; float s; } __attribute__ ((packed)) data = { -2.5, { 1, -2, 3 }, 0.25f };
  const char *header = "{\"a\": {\"dtype\": \"I32\", \"shape\": [3], \"data_offsets\": [8, 20]},"
                       " \"b\": {\"shape\": [1], \"data_offsets\": [0, 8], \"dtype\": \"F64\"},"
                       " \"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [20, 24]},"
                       " \"__metadata__\": {\"k\": \"v\"}}       ";
  g_autoptr(GBytes) bytes = make_file (header, &data, sizeof data);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipSafetensors) f = blip_safetensors_parse (bytes, "foreign", &error);
  g_assert_no_error (error);
  gint32 a[3];
  double b;
  float s;
  gint64 three = 3, one = 1;
  g_assert_true (blip_safetensors_read (f, "a", BLIP_DTYPE_I32, &three, 1, a, FALSE, &error));
  g_assert_true (blip_safetensors_read (f, "b", BLIP_DTYPE_F64, &one, 1, &b, TRUE, &error));
  g_assert_true (blip_safetensors_read (f, "s", BLIP_DTYPE_F32, NULL, 0, &s, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a[0], ==, 1);
  g_assert_cmpint (a[1], ==, -2);
  g_assert_cmpint (a[2], ==, 3);
  g_assert_cmpfloat (b, ==, -2.5);
  g_assert_cmpfloat (s, ==, 0.25f);
  g_assert_cmpstr (blip_safetensors_get_metadata (f, "k"), ==, "v");
}

/* ---- corruptions ------------------------------------------------------------- */

typedef enum {
  C_TRUNCATE,       /* keep `arg` bytes (negative: drop -arg from the end) */
  C_DROP_DATA,      /* keep the header, drop the whole data section */
  C_HEADER_LEN,     /* header length field := bytes after it + arg */
  C_HEADER_LEN_ABS, /* header length field := arg */
  C_HEADER,         /* a file with this header and 16 data bytes */
} CorruptKind;

typedef struct {
  const char  *name;
  CorruptKind  kind;
  gint64       arg;
  const char  *header;
  int          code;
} CorruptCase;

#define T1 "\"t\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}"

static const CorruptCase corrupt_cases[] = {
  { "empty-file", C_TRUNCATE, 0, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "truncated-to-4", C_TRUNCATE, 4, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "truncated-to-8", C_TRUNCATE, 8, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "truncated-in-header", C_TRUNCATE, 60, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "truncated-in-data", C_TRUNCATE, -3, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "truncated-data-section", C_DROP_DATA, 0, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-len-past-end", C_HEADER_LEN, 1, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-len-file-size", C_HEADER_LEN, 8, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-len-huge", C_HEADER_LEN_ABS, G_MAXINT64, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-len-zero", C_HEADER_LEN_ABS, 0, NULL, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-not-json", C_HEADER, 0, "this is not JSON", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-cut-json", C_HEADER, 0, "{" T1, BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-array", C_HEADER, 0, "[" T1 "]", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-array-empty", C_HEADER, 0, "[]", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "header-string", C_HEADER, 0, "\"t\"", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "tensor-not-object", C_HEADER, 0, "{\"t\": [1, 2]}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "unknown-dtype", C_HEADER, 0, "{\"t\": {\"dtype\": \"BF16\", \"shape\": [8], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "lowercase-dtype", C_HEADER, 0, "{\"t\": {\"dtype\": \"f32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "dtype-not-string", C_HEADER, 0, "{\"t\": {\"dtype\": 4, \"shape\": [4], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "no-dtype", C_HEADER, 0, "{\"t\": {\"shape\": [4], \"data_offsets\": [0, 16]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "no-shape", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"data_offsets\": [0, 16]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "no-offsets", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-not-array", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "size-mismatch-small", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "size-mismatch-large", C_HEADER, 0, "{\"t\": {\"dtype\": \"F64\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-beyond-data", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [8], \"data_offsets\": [0, 32]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-start-beyond", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [17, 17]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-huge", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [16], "
    "\"data_offsets\": [9223372036854775800, 9223372036854775816]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-reversed", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [16, 0]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-three", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 8, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-negative", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [-16, 0]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "offsets-fractional", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16.0]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-negative", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-negative-pair", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [-2, -2], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-fractional", C_HEADER, 0, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4.0], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-half", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [32, 0.5], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-exponent", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [16e0], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-string", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [\"16\"], \"data_offsets\": [0, 16]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "shape-overflow", C_HEADER, 0, "{\"t\": {\"dtype\": \"F64\", \"shape\": [2147483647, 2147483647, 2147483647], "
    "\"data_offsets\": [0, 16]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "too-many-dims", C_HEADER, 0, "{\"t\": {\"dtype\": \"U8\", \"shape\": [1,1,1,1,1,1,1,1,16], "
    "\"data_offsets\": [0, 16]}}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "duplicate-name", C_HEADER, 0, "{" T1 ", " T1 "}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "duplicate-name-apart", C_HEADER, 0, "{" T1 ", \"u\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [16, 16]}, "
    "\"__metadata__\": {}, \"t\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [0, 0]}}",
    BLIP_SAFETENSORS_ERROR_FORMAT },
  { "metadata-number", C_HEADER, 0, "{\"__metadata__\": {\"a\": \"x\", \"b\": 1}, " T1 "}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "metadata-null", C_HEADER, 0, "{\"__metadata__\": {\"a\": null}, " T1 "}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "metadata-object", C_HEADER, 0, "{\"__metadata__\": {\"a\": {\"b\": \"c\"}}, " T1 "}", BLIP_SAFETENSORS_ERROR_FORMAT },
  { "metadata-not-object", C_HEADER, 0, "{\"__metadata__\": [\"a\"], " T1 "}", BLIP_SAFETENSORS_ERROR_FORMAT },
};

static void
test_corrupt (gconstpointer data)
{
  const CorruptCase *cc = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *valid = write_valid (dir);
  g_autoptr(GBytes) orig = blip_test_read_file (valid);
  gsize size;
  const guint8 *p = g_bytes_get_data (orig, &size);
  g_autofree guint8 *buf = g_memdup2 (p, size);
  gsize len = size;
  GBytes *made = NULL;
  switch (cc->kind)
    {
    case C_TRUNCATE:
      len = cc->arg >= 0 ? (gsize) cc->arg : size - (gsize) -cc->arg;
      g_assert_cmpuint (len, <, size);
      break;
    case C_DROP_DATA:
      len = 8 + get_le64 (p);
      g_assert_cmpuint (len, <, size);
      break;
    case C_HEADER_LEN:
      put_le64 (buf, size - 8 + (guint64) cc->arg);
      break;
    case C_HEADER_LEN_ABS:
      put_le64 (buf, (guint64) cc->arg);
      break;
    case C_HEADER:
      {
        static const guint8 sixteen[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
        made = make_file (cc->header, sixteen, sizeof sixteen);
        break;
      }
    }
  g_autofree char *path = g_build_filename (dir, "corrupt.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  if (made != NULL)
    g_file_set_contents (path, g_bytes_get_data (made, NULL), g_bytes_get_size (made), &error);
  else
    g_file_set_contents (path, (const char *) buf, len, &error);
  g_assert_no_error (error);

  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  if (f != NULL)
    g_error ("%s: the damaged file opened", cc->name);
  g_assert_error (error, BLIP_SAFETENSORS_ERROR, cc->code);
  if (strstr (error->message, path) == NULL)
    g_error ("%s: the message “%s” does not name %s", cc->name, error->message, path);

  /* The same bytes from memory give the same error, naming the given name. */
  g_autoptr(GBytes) bytes = blip_test_read_file (path);
  g_autoptr(GError) error2 = NULL;
  g_autoptr(BlipSafetensors) m = blip_safetensors_parse (bytes, "memory-image", &error2);
  g_assert_null (m);
  g_assert_error (error2, BLIP_SAFETENSORS_ERROR, cc->code);
  g_assert_nonnull (strstr (error2->message, "memory-image"));
  if (made != NULL)
    g_bytes_unref (made);
  blip_test_rmtree (dir);
}

/* The file not being there is an IO error naming it. */
static void
test_open_missing (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "absent.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_null (f);
  g_assert_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  blip_test_rmtree (dir);
}

/* ---- reading with expectations ---------------------------------------------------- */

typedef struct {
  const char *name;
  const char *tensor;
  BlipDtype   dtype;
  int         ndim;
  gint64      shape[4];
  int         code;
} ReadCase;

static const ReadCase read_cases[] = {
  { "wrong-dtype", "f32.cube", BLIP_DTYPE_F64, 3, { 2, 2, 2 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-dtype-same-size", "i32.vector", BLIP_DTYPE_F32, 1, { 6 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-dtype-u8", "u8.matrix", BLIP_DTYPE_I32, 2, { 2, 3 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-shape", "u8.matrix", BLIP_DTYPE_U8, 2, { 3, 2 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-shape-size", "f64.matrix", BLIP_DTYPE_F64, 2, { 3, 3 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-ndim-flat", "u8.matrix", BLIP_DTYPE_U8, 1, { 6 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wrong-ndim-more", "i32.vector", BLIP_DTYPE_I32, 2, { 6, 1 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "scalar-as-vector", "f64.scalar", BLIP_DTYPE_F64, 1, { 1 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "vector-as-scalar", "i32.one", BLIP_DTYPE_I32, 0, { 0 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "empty-as-one", "f32.empty", BLIP_DTYPE_F32, 1, { 1 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "wildcard-wrong-other-dim", "u8.matrix", BLIP_DTYPE_U8, 2, { -1, 2 }, BLIP_SAFETENSORS_ERROR_MISMATCH },
  { "missing", "no.such.tensor", BLIP_DTYPE_F32, 1, { 6 }, BLIP_SAFETENSORS_ERROR_MISSING },
  { "metadata-is-not-a-tensor", "__metadata__", BLIP_DTYPE_U8, 1, { -1 }, BLIP_SAFETENSORS_ERROR_MISSING },
};

static void
test_read_expect (gconstpointer data)
{
  const ReadCase *rc = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_valid (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  guint8 buf[128];
  memset (buf, 0x5A, sizeof buf);
  g_assert_false (blip_safetensors_read (f, rc->tensor, rc->dtype, rc->shape, rc->ndim, buf, FALSE, &error));
  g_assert_error (error, BLIP_SAFETENSORS_ERROR, rc->code);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, rc->tensor));
  /* Nothing was copied. */
  for (gsize i = 0; i < sizeof buf; i++)
    g_assert_cmpuint (buf[i], ==, 0x5A);
  blip_test_rmtree (dir);
}

typedef struct {
  const char *name;
  BlipDtype   dtype;
  double      bad;
  gsize       at;
} FiniteCase;

static const FiniteCase finite_cases[] = {
  { "f32-nan-first", BLIP_DTYPE_F32, NAN, 0 },
  { "f32-nan-last", BLIP_DTYPE_F32, NAN, 9 },
  { "f32-inf", BLIP_DTYPE_F32, INFINITY, 4 },
  { "f32-minus-inf", BLIP_DTYPE_F32, -INFINITY, 5 },
  { "f64-nan", BLIP_DTYPE_F64, NAN, 3 },
  { "f64-inf", BLIP_DTYPE_F64, INFINITY, 7 },
};

static void
test_not_finite (gconstpointer data)
{
  const FiniteCase *fc = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "nan.safetensors", NULL);
  float f32[10];
  double f64[10];
  for (int i = 0; i < 10; i++)
    {
      f32[i] = (float) i * 0.5f;
      f64[i] = i * 0.25;
    }
  if (fc->dtype == BLIP_DTYPE_F32)
    f32[fc->at] = (float) fc->bad;
  else
    f64[fc->at] = fc->bad;
  gint64 n = 10;
  BlipSafetensorsWriter *w = blip_safetensors_writer_new ();
  blip_safetensors_writer_add (w, "x", fc->dtype, &n, 1, fc->dtype == BLIP_DTYPE_F32 ? (gconstpointer) f32 : f64);
  /* Integer tensors are not checked for finiteness: there is nothing to check. */
  static const guint8 bytes[4] = { 0xff, 0xff, 0xc0, 0x7f };
  gint64 four = 4;
  blip_safetensors_writer_add (w, "u8", BLIP_DTYPE_U8, &four, 1, bytes);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_safetensors_writer_write (w, path, &error));
  blip_safetensors_writer_free (w);

  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  double out[10];
  g_assert_false (blip_safetensors_read (f, "x", fc->dtype, &n, 1, out, TRUE, &error));
  g_assert_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_NOT_FINITE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "“x”"));
  g_clear_error (&error);

  g_assert_true (blip_safetensors_read (f, "x", fc->dtype, &n, 1, out, FALSE, &error));
  g_assert_no_error (error);
  gsize nbytes = fc->dtype == BLIP_DTYPE_F32 ? sizeof f32 : sizeof f64;
  g_assert_cmpmem (out, nbytes, fc->dtype == BLIP_DTYPE_F32 ? (gconstpointer) f32 : f64, nbytes);
  guint8 u8[4];
  g_assert_true (blip_safetensors_read (f, "u8", BLIP_DTYPE_U8, &four, 1, u8, TRUE, &error));
  g_assert_no_error (error);
  blip_test_rmtree (dir);
}

/* ---- atomicity --------------------------------------------------------------------- */

static char **
dir_entries (const char *dir)
{
  GPtrArray *a = g_ptr_array_new ();
  GDir *d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (a, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (a, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

static char *
joined_entries (const char *dir)
{
  g_auto(GStrv) e = dir_entries (dir);
  return g_strjoinv (",", e);
}

static void
test_missing_folder (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *sub = g_build_filename (dir, "no-such-folder", NULL);
  g_autofree char *path = g_build_filename (sub, "out.safetensors", NULL);
  BlipSafetensorsWriter *w = make_writer ();
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_safetensors_writer_write (w, path, &error));
  blip_safetensors_writer_free (w);
  g_assert_error (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO);
  if (strstr (error->message, path) == NULL)
    g_error ("the message “%s” does not name %s", error->message, path);
  g_assert_false (g_file_test (sub, G_FILE_TEST_EXISTS));
  g_autofree char *left = joined_entries (dir);
  g_assert_cmpstr (left, ==, "");
  blip_test_rmtree (dir);
}

/* Exit codes of the child in test_fsize_limit. */
enum { CHILD_FAILED_IO = 10, CHILD_FAILED_OTHER = 11, CHILD_SUCCEEDED = 12, CHILD_SETUP = 13 };

static void
test_fsize_limit (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_valid (dir);
  g_autoptr(GBytes) before = blip_test_read_file (path);
  g_assert_cmpuint (g_bytes_get_size (before), <, 1000);
  g_autofree char *entries_before = joined_entries (dir);

  /* 64 KiB of data: far over the limit. */
  gsize n = 16384;
  g_autofree float *big = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    big[i] = (float) i;

  fflush (stdout);
  fflush (stderr);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      signal (SIGXFSZ, SIG_IGN);
      struct rlimit rl = { 1000, 1000 };
      if (setrlimit (RLIMIT_FSIZE, &rl) != 0)
        _exit (CHILD_SETUP);
      BlipSafetensorsWriter *w = blip_safetensors_writer_new ();
      gint64 shape = (gint64) n;
      blip_safetensors_writer_add (w, "big", BLIP_DTYPE_F32, &shape, 1, big);
      blip_safetensors_writer_add_metadata (w, "format", "larger");
      GError *error = NULL;
      gboolean ok = blip_safetensors_writer_write (w, path, &error);
      int code = ok ? CHILD_SUCCEEDED
               : g_error_matches (error, BLIP_SAFETENSORS_ERROR, BLIP_SAFETENSORS_ERROR_IO) &&
                 strstr (error->message, path) != NULL ? CHILD_FAILED_IO : CHILD_FAILED_OTHER;
      _exit (code);
    }
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_assert_true (WIFEXITED (status));
  int code = WEXITSTATUS (status);
  if (code != CHILD_FAILED_IO)
    g_error ("the write under RLIMIT_FSIZE %s (child exit %d)",
             code == CHILD_SUCCEEDED ? "reported success" : "failed in an unexpected way", code);

  g_autoptr(GBytes) after = blip_test_read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  g_autofree char *entries_after = joined_entries (dir);
  g_assert_cmpstr (entries_after, ==, entries_before);
  g_assert_cmpstr (entries_after, ==, "valid.safetensors");

  /* The old file still opens and reads as before. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  check_all (f);
  blip_test_rmtree (dir);
}

/* Overwriting an existing file replaces it whole. */
static void
test_overwrite (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = write_valid (dir);
  BlipSafetensorsWriter *w = blip_safetensors_writer_new ();
  gint64 one = 1;
  const gint32 v = 5;
  blip_safetensors_writer_add (w, "only", BLIP_DTYPE_I32, &one, 1, &v);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_safetensors_writer_write (w, path, &error));
  blip_safetensors_writer_free (w);
  g_autoptr(BlipSafetensors) f = blip_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (blip_safetensors_has (f, "only"));
  g_assert_false (blip_safetensors_has (f, "u8.matrix"));
  g_assert_null (blip_safetensors_get_metadata (f, "format"));
  g_autofree char *entries = joined_entries (dir);
  g_assert_cmpstr (entries, ==, "valid.safetensors");
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/layout", test_layout);
  g_test_add_func ("/safetensors/foreign-layout", test_foreign_layout);
  for (gsize i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/corrupt/%s", corrupt_cases[i].name);
      g_test_add_data_func (name, &corrupt_cases[i], test_corrupt);
    }
  g_test_add_func ("/safetensors/open-missing", test_open_missing);
  for (gsize i = 0; i < G_N_ELEMENTS (read_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/read/%s", read_cases[i].name);
      g_test_add_data_func (name, &read_cases[i], test_read_expect);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (finite_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/not-finite/%s", finite_cases[i].name);
      g_test_add_data_func (name, &finite_cases[i], test_not_finite);
    }
  g_test_add_func ("/safetensors/atomic/missing-folder", test_missing_folder);
  g_test_add_func ("/safetensors/atomic/fsize-limit", test_fsize_limit);
  g_test_add_func ("/safetensors/atomic/overwrite", test_overwrite);
  return g_test_run ();
}
