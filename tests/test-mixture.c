/* test-mixture.c — the MAT-file reader (blip-mat.h), image sets without
 * splits (blip-images.h), and the mixture5 experiment, on small files the
 * test writes in the real formats:
 *   mat/read       level-5 MAT-files, uncompressed and zlib-compressed,
 *                  little- and big-endian, values stored in a smaller type
 *                  than their class (as MATLAB does) decode exactly
 *   mat/errors     truncated files, a wrong magic, v7.3 (HDF5) headers,
 *                  damaged compressed elements, sizes that disagree: each a
 *                  GError of the right code naming the file
 *   images/flat    class folders without train/ and test/ (folder and
 *                  .tar.gz), undecodable files left out up to a bound
 *   open           CIFAR-10 (PNG copy), notMNIST (PNG archive), MNIST and
 *                  Fashion-MNIST (IDX .gz) and SVHN (.mat, one file plain and
 *                  one compressed): 5 tasks of 10 classes, 3×32×32; every
 *                  image compared with what mixture5.py makes of it (padding
 *                  with 0 before normalisation, grey repeated into three
 *                  channels, the reference's constants, SVHN's 10 → 0,
 *                  notMNIST enlarged exactly as Pillow's Lanczos does), 15%
 *                  validation, a seeded task order
 *   missing        without SVHN (or notMNIST), an error before any reading
 *                  that names the missing files and every place looked
 *   bad svhn       corrupt .mat files and wrong variables name the file
 *   svhn folders   SVHN as image folders 0..9
 *   cli            `blip run --experiment mixture5` on the files exits 0 and
 *                  writes results.json
 *   real           with $BLIP_DATA_DIR: refuses clearly without SVHN (the
 *                  shared data has none), and reads the four others. */
#include "blip.h"
#include "blip-cifar.h"
#include "blip-images.h"
#include "blip-mat.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <zlib.h>

#define BLIP_EXE BLIP_TEST_BUILDDIR "/src/cli/blip"

/* Images per class in the fixtures. */
#define N_TRAIN 4
#define N_TEST 2
#define N_NOTMNIST 5

static char *cache_dir;

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

/* ---- MAT-files -------------------------------------------------------------------- */

enum { MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_SINGLE = 7, MI_DOUBLE = 9 };

static double *
x_values (int n)
{
  double *v = g_new (double, (gsize) 3072 * n);
  for (gsize k = 0; k < (gsize) 3072 * n; k++)
    v[k] = (double) ((k * 7 + k / 3072) % 256);
  return v;
}

/* A file of X (uint8 32×32×3×n) and y (class double, n×1, stored as y_type). */
static GByteArray *
svhn_like (int n, gboolean big_endian, gboolean compressed, int y_type, const double *labels)
{
  GByteArray *m = blip_test_mat_new (big_endian);
  g_autofree double *x = x_values (n);
  gsize xd[4] = { 32, 32, 3, (gsize) n }, yd[2] = { (gsize) n, 1 };
  blip_test_mat_add (m, big_endian, "X", BLIP_MAT_CLASS_UINT8, xd, 4, MI_UINT8, x, compressed);
  blip_test_mat_add (m, big_endian, "y", BLIP_MAT_CLASS_DOUBLE, yd, 2, y_type, labels, compressed);
  return m;
}

static void
test_mat_read (void)
{
  static const struct {
    const char *name;
    gboolean    big_endian, compressed;
    int         y_type;
  } cases[] = {
    { "plain, little-endian, y as double", FALSE, FALSE, MI_DOUBLE },
    { "compressed, little-endian, y as uint8", FALSE, TRUE, MI_UINT8 },
    { "plain, big-endian, y as int16", TRUE, FALSE, MI_INT16 },
    { "compressed, big-endian, y as single", TRUE, TRUE, MI_SINGLE },
  };
  const double labels[3] = { 10, 1, 7 };
  g_autofree double *x = x_values (3);
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_test_message ("%s", cases[c].name);
      g_autoptr(GByteArray) bytes = svhn_like (3, cases[c].big_endian, cases[c].compressed, cases[c].y_type,
                                               labels);
      g_autoptr(GError) error = NULL;
      g_autoptr(BlipMat) mat = blip_mat_parse (bytes->data, bytes->len, "mem.mat", &error);
      g_assert_no_error (error);
      g_assert_cmpint (blip_mat_get_n_arrays (mat), ==, 2);
      const BlipMatArray *X = blip_mat_lookup (mat, "X");
      const BlipMatArray *y = blip_mat_lookup (mat, "y");
      g_assert_nonnull (X);
      g_assert_nonnull (y);
      g_assert_true (blip_mat_get_array (mat, 0) == X);
      g_autofree char *dx = blip_mat_describe (X);
      g_autofree char *dy = blip_mat_describe (y);
      g_assert_cmpstr (dx, ==, "uint8 32×32×3×3");
      g_assert_cmpstr (dy, ==, "double 3×1");
      g_assert_cmpuint (X->elem_size, ==, 1);
      g_assert_cmpuint (y->elem_size, ==, 8);
      for (gsize k = 0; k < X->count; k++)
        g_assert_cmpint (((const guint8 *) X->data)[k], ==, (int) x[k]);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat (((const double *) y->data)[i], ==, labels[i]);
      g_assert_null (blip_mat_lookup (mat, "Z"));
    }

  /* other classes decode into their own C types */
  g_autoptr(GByteArray) m = blip_test_mat_new (FALSE);
  gsize d2[2] = { 1, 3 };
  const double vals[3] = { -5, 0, 120 };
  blip_test_mat_add (m, FALSE, "small", BLIP_MAT_CLASS_INT8, d2, 2, MI_INT8, vals, FALSE);
  blip_test_mat_add (m, FALSE, "wide_int16", BLIP_MAT_CLASS_INT16, d2, 2, MI_INT8, vals, TRUE);
  blip_test_mat_add (m, FALSE, "f", BLIP_MAT_CLASS_SINGLE, d2, 2, MI_INT16, vals, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipMat) mat = blip_mat_parse (m->data, m->len, "types.mat", &error);
  g_assert_no_error (error);
  const BlipMatArray *a = blip_mat_lookup (mat, "small"), *b = blip_mat_lookup (mat, "wide_int16"),
                     *f = blip_mat_lookup (mat, "f");
  g_assert_cmpint (((const gint8 *) a->data)[0], ==, -5);
  g_assert_cmpint (((const gint16 *) b->data)[2], ==, 120);
  g_assert_cmpfloat (((const float *) f->data)[0], ==, -5.0f);

  /* a header and no variables is a valid, empty file */
  g_autoptr(GByteArray) empty = blip_test_mat_new (FALSE);
  g_autoptr(BlipMat) none = blip_mat_parse (empty->data, empty->len, "empty.mat", &error);
  g_assert_no_error (error);
  g_assert_cmpint (blip_mat_get_n_arrays (none), ==, 0);
}

typedef enum {
  M_TRUNCATE_HALF,
  M_TRUNCATE_HEADER,
  M_WRONG_MAGIC,
  M_V73,
  M_HDF5,
  M_VERSION,
  M_BYTE_ORDER,
  M_ZLIB_CHECKSUM,
  M_ZLIB_CUT,
  M_ZLIB_TRAILING,
  M_COUNT_MISMATCH,
  M_OUT_OF_RANGE,
  M_DUPLICATE,
  M_TOP_TYPE,
  M_HUGE,
} MatDamage;

static const struct {
  const char *name;
  MatDamage   damage;
  int         code;
  const char *says;
} mat_errors[] = {
  { "truncated in the middle", M_TRUNCATE_HALF, BLIP_MAT_ERROR_TRUNCATED, "declares" },
  { "shorter than the header", M_TRUNCATE_HEADER, BLIP_MAT_ERROR_TRUNCATED, "128-byte" },
  { "wrong magic", M_WRONG_MAGIC, BLIP_MAT_ERROR_FORMAT, "not a level-5 MAT-file" },
  { "v7.3 header", M_V73, BLIP_MAT_ERROR_FORMAT, "v7.3" },
  { "bare HDF5", M_HDF5, BLIP_MAT_ERROR_FORMAT, "HDF5" },
  { "unknown version", M_VERSION, BLIP_MAT_ERROR_FORMAT, "version 0x0300" },
  { "unknown byte order", M_BYTE_ORDER, BLIP_MAT_ERROR_FORMAT, "byte-order" },
  { "damaged zlib checksum", M_ZLIB_CHECKSUM, BLIP_MAT_ERROR_CORRUPT, "damaged" },
  { "zlib stream cut short", M_ZLIB_CUT, BLIP_MAT_ERROR_TRUNCATED, "ends early" },
  { "bytes after the zlib stream", M_ZLIB_TRAILING, BLIP_MAT_ERROR_CORRUPT, "after the end of its zlib stream" },
  { "data size disagrees with the dimensions", M_COUNT_MISMATCH, BLIP_MAT_ERROR_CORRUPT, "expected 9 values" },
  { "a value its class cannot hold", M_OUT_OF_RANGE, BLIP_MAT_ERROR_CORRUPT, "cannot hold" },
  { "two variables of one name", M_DUPLICATE, BLIP_MAT_ERROR_CORRUPT, "two variables" },
  { "a top-level element that is not a matrix", M_TOP_TYPE, BLIP_MAT_ERROR_CORRUPT, "matrix (miMATRIX)" },
  { "a compressed matrix that claims 3 GiB", M_HUGE, BLIP_MAT_ERROR_CORRUPT, "arrays of at most" },
};

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

/* The bytes of a damaged file. */
static GByteArray *
damaged_mat (MatDamage damage)
{
  const double labels[2] = { 3, 10 };
  GByteArray *b;
  switch (damage)
    {
    case M_TRUNCATE_HALF:
      b = svhn_like (2, FALSE, FALSE, MI_DOUBLE, labels);
      g_byte_array_set_size (b, b->len / 2);
      return b;
    case M_TRUNCATE_HEADER:
      b = blip_test_mat_new (FALSE);
      g_byte_array_set_size (b, 100);
      return b;
    case M_WRONG_MAGIC:
      b = svhn_like (2, FALSE, FALSE, MI_DOUBLE, labels);
      memcpy (b->data, "HELLO!", 6);
      return b;
    case M_V73:
      {
        /* What MATLAB writes with -v7.3: a 512-byte user block whose first
         * 128 bytes look like a level-5 header, then an HDF5 file. */
        b = blip_test_mat_new (FALSE);
        memcpy (b->data, "MATLAB 7.3 MAT-file", 19);
        b->data[124] = 0x00;
        b->data[125] = 0x02;
        g_byte_array_set_size (b, 1024);
        memset (b->data + 128, 0, 1024 - 128);
        memcpy (b->data + 512, "\x89HDF\r\n\x1a\n", 8);
        return b;
      }
    case M_HDF5:
      b = g_byte_array_new ();
      g_byte_array_append (b, (const guint8 *) "\x89HDF\r\n\x1a\n\0\0\0\0\0\0\0\0", 16);
      return b;
    case M_VERSION:
      b = svhn_like (2, FALSE, FALSE, MI_DOUBLE, labels);
      b->data[124] = 0x00;
      b->data[125] = 0x03;
      return b;
    case M_BYTE_ORDER:
      b = svhn_like (2, FALSE, FALSE, MI_DOUBLE, labels);
      b->data[126] = 'X';
      b->data[127] = 'X';
      return b;
    case M_ZLIB_CHECKSUM:
      {
        b = blip_test_mat_new (FALSE);
        gsize d[2] = { 2, 1 };
        blip_test_mat_add (b, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, d, 2, MI_DOUBLE, labels, TRUE);
        b->data[b->len - 1] ^= 0x5a;   /* the Adler-32 at the stream's end */
        return b;
      }
    case M_ZLIB_CUT:
    case M_ZLIB_TRAILING:
      {
        b = blip_test_mat_new (FALSE);
        gsize d[2] = { 2, 1 };
        blip_test_mat_add (b, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, d, 2, MI_DOUBLE, labels, TRUE);
        guint32 n = b->data[132] | b->data[133] << 8 | b->data[134] << 16 | (guint32) b->data[135] << 24;
        if (damage == M_ZLIB_CUT)
          {
            /* the element says it ends where the file now does */
            g_byte_array_set_size (b, b->len - 6);
            put_le32 (b->data + 132, n - 6);
          }
        else
          {
            static const guint8 junk[3] = { 1, 2, 3 };
            g_byte_array_append (b, junk, 3);
            put_le32 (b->data + 132, n + 3);
          }
        return b;
      }
    case M_COUNT_MISMATCH:
      {
        b = blip_test_mat_new (FALSE);
        gsize d[2] = { 2, 4 };
        double v[8] = { 0 };
        blip_test_mat_add (b, FALSE, "m", BLIP_MAT_CLASS_DOUBLE, d, 2, MI_DOUBLE, v, FALSE);
        /* dimensions 2×4 become 3×3: 9 values expected, 8 stored */
        put_le32 (b->data + 128 + 8 + 16 + 8, 3);
        put_le32 (b->data + 128 + 8 + 16 + 12, 3);
        return b;
      }
    case M_OUT_OF_RANGE:
      {
        b = blip_test_mat_new (FALSE);
        gsize d[2] = { 1, 2 };
        const double v[2] = { 7, 300 };
        blip_test_mat_add (b, FALSE, "u", BLIP_MAT_CLASS_UINT8, d, 2, MI_INT16, v, FALSE);
        return b;
      }
    case M_DUPLICATE:
      {
        b = blip_test_mat_new (FALSE);
        gsize d[2] = { 2, 1 };
        blip_test_mat_add (b, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, d, 2, MI_DOUBLE, labels, FALSE);
        blip_test_mat_add (b, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, d, 2, MI_DOUBLE, labels, TRUE);
        return b;
      }
    case M_HUGE:
      {
        /* only the inner tag: a matrix of 3 GiB, refused before any is inflated */
        guint8 tag[8];
        put_le32 (tag, 14);
        put_le32 (tag + 4, 3u << 30);
        uLongf zlen = compressBound (8);
        guint8 z[64];
        g_assert_cmpint (compress2 (z, &zlen, tag, 8, 6), ==, Z_OK);
        b = blip_test_mat_new (FALSE);
        guint8 head[8];
        put_le32 (head, 15);
        put_le32 (head + 4, (guint32) zlen);
        g_byte_array_append (b, head, 8);
        g_byte_array_append (b, z, (guint) zlen);
        return b;
      }
    case M_TOP_TYPE:
    default:
      {
        b = blip_test_mat_new (FALSE);
        guint8 el[16] = { 0 };
        put_le32 (el, MI_DOUBLE);
        put_le32 (el + 4, 8);
        g_byte_array_append (b, el, 16);
        return b;
      }
    }
}

static void
test_mat_errors (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "bad.mat", NULL);
  for (gsize c = 0; c < G_N_ELEMENTS (mat_errors); c++)
    {
      g_autoptr(GByteArray) b = damaged_mat (mat_errors[c].damage);
      blip_test_write_bytes (path, b->data, b->len);
      g_autoptr(GError) error = NULL;
      g_autoptr(BlipMat) mat = blip_mat_load (path, &error);
      g_test_message ("%s: %s", mat_errors[c].name, error ? error->message : "(no error)");
      g_assert_null (mat);
      g_assert_error (error, BLIP_MAT_ERROR, mat_errors[c].code);
      assert_contains (error->message, path);
      assert_contains (error->message, mat_errors[c].says);
    }
  /* a folder and a missing file */
  g_autoptr(GError) e1 = NULL;
  g_assert_null (blip_mat_load (dir, &e1));
  g_assert_error (e1, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO);
  assert_contains (e1->message, dir);
  g_autofree char *nowhere = g_build_filename (dir, "none.mat", NULL);
  g_autoptr(GError) e2 = NULL;
  g_assert_null (blip_mat_load (nowhere, &e2));
  g_assert_error (e2, BLIP_MAT_ERROR, BLIP_MAT_ERROR_IO);
  assert_contains (e2->message, nowhere);
  /* every prefix of a valid file fails cleanly or, at an element boundary, reads fewer variables */
  const double labels[2] = { 3, 10 };
  g_autoptr(GByteArray) whole = svhn_like (2, FALSE, TRUE, MI_UINT8, labels);
  for (guint len = 0; len < whole->len; len += 7)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(BlipMat) m = blip_mat_parse (whole->data, len, "prefix.mat", &e);
      g_assert_true ((m == NULL) != (e == NULL));
      if (m)
        g_assert_cmpint (blip_mat_get_n_arrays (m), <, 2);
    }
  blip_test_rmtree (dir);
}

/* ---- image sets without splits ----------------------------------------------------- */

static guint8 *
grey_png (int value, gsize *n)
{
  guint8 px[28 * 28];
  for (int k = 0; k < 28 * 28; k++)
    px[k] = (guint8) (value + k);
  return blip_test_encode_png (px, 28, 28, 1, n);
}

static void
test_images_flat (void)
{
  static const char * const letters[] = { "A", "B", "C", NULL };
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "letters", NULL);
  GByteArray *tar = g_byte_array_new ();
  blip_test_tar_add (tar, "letters/", '5', NULL, 0);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 2 + c; i++)
      {
        gsize n;
        g_autofree guint8 *png = grey_png (c * 50 + i, &n);
        g_autofree char *folder = g_build_filename (root, letters[c], NULL);
        g_mkdir_with_parents (folder, 0755);
        g_autofree char *file = g_strdup_printf ("%d.png", i);
        g_autofree char *p = g_build_filename (folder, file, NULL);
        blip_test_write_bytes (p, png, n);
        g_autofree char *rel = g_strdup_printf ("letters/%s/%d.png", letters[c], i);
        blip_test_tar_add (tar, rel, '0', png, n);
      }
  /* a README at the top is not data */
  g_autofree char *readme = g_build_filename (root, "README", NULL);
  blip_test_write_bytes (readme, (const guint8 *) "hello", 5);
  blip_test_tar_add (tar, "letters/README", '0', (const guint8 *) "hello", 5);
  blip_test_tar_finish (tar);
  g_autofree char *archive = g_build_filename (dir, "letters.tar.gz", NULL);
  blip_test_write_bytes (archive, tar->data, tar->len);
  g_byte_array_unref (tar);

  const char *sources[2] = { root, archive };
  for (int s = 0; s < 2; s++)
    {
      BlipImageOptions o = { .no_splits = TRUE, .classes = letters };
      g_autoptr(BlipImageSet) train = NULL;
      g_autoptr(BlipImageSet) test = NULL;
      g_autoptr(GError) error = NULL;
      g_assert_true (blip_images_load (sources[s], &o, &train, &test, &error));
      g_assert_no_error (error);
      g_assert_cmpint (train->count, ==, 2 + 3 + 4);
      g_assert_cmpint (test->count, ==, 0);
      g_assert_cmpint (train->n_classes, ==, 3);
      g_assert_cmpint (train->channels, ==, 1);
      for (int i = 0; i < train->count; i++)
        {
          int c = train->labels[i], k = c == 0 ? i : c == 1 ? i - 2 : i - 5;
          g_assert_cmpint (train->pixels[(gsize) i * 784], ==, c * 50 + k);
        }
      g_assert_false (train->from_cache);
      /* the second load comes from the cache */
      g_autoptr(BlipImageSet) again = NULL;
      g_autoptr(BlipImageSet) again_test = NULL;
      g_assert_true (blip_images_load (sources[s], &o, &again, &again_test, &error));
      g_assert_true (again->from_cache);
      g_assert_cmpint (again_test->count, ==, 0);
      g_assert_cmpmem (again->pixels, (gsize) again->count * 784, train->pixels, (gsize) train->count * 784);
    }

  /* damaged images: left out up to the bound, then an error naming the file */
  g_autofree char *broken = g_build_filename (root, "B", "9-broken.png", NULL);
  blip_test_write_bytes (broken, (const guint8 *) "\x89PNG\r\n\x1a\ngarbage", 15);
  BlipImageOptions o = { .no_splits = TRUE, .classes = letters, .max_undecodable = 1 };
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_images_load (root, &o, &train, &test, &error));
  g_assert_cmpint (train->count, ==, 9);
  g_assert_cmpint (train->n_skipped, ==, 1);
  g_autoptr(BlipImageSet) cached = NULL;
  g_autoptr(BlipImageSet) cached_test = NULL;
  g_assert_true (blip_images_load (root, &o, &cached, &cached_test, &error));
  g_assert_true (cached->from_cache);
  g_assert_cmpint (cached->n_skipped, ==, 1);
  g_autofree char *broken2 = g_build_filename (root, "C", "9-broken.png", NULL);
  blip_test_write_bytes (broken2, (const guint8 *) "", 0);
  g_autoptr(BlipImageSet) t2 = NULL;
  g_autoptr(BlipImageSet) s2 = NULL;
  g_assert_false (blip_images_load (root, &o, &t2, &s2, &error));
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE);
  assert_contains (error->message, broken2);
  assert_contains (error->message, "more than 1 images do not decode");
  g_clear_error (&error);
  o.max_undecodable = 0;
  g_assert_false (blip_images_load (root, &o, &t2, &s2, &error));
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE);
  assert_contains (error->message, broken);
  g_clear_error (&error);

  /* a folder inside a class folder is nested: an error */
  g_autofree char *deep = g_build_filename (dir, "deep.tar", NULL);
  GByteArray *t = g_byte_array_new ();
  gsize n;
  g_autofree guint8 *png = grey_png (0, &n);
  blip_test_tar_add (t, "top/A/sub/0.png", '0', png, n);
  blip_test_tar_finish (t);
  blip_test_write_bytes (deep, t->data, t->len);
  g_byte_array_unref (t);
  BlipImageOptions plain = { .no_splits = TRUE, .no_cache = TRUE };
  g_assert_false (blip_images_load (deep, &plain, &t2, &s2, &error));
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
  assert_contains (error->message, "nested folder");
  blip_test_rmtree (dir);
}

/* ---- the mixture5 fixture ---------------------------------------------------------- */

/* The raw pixel of each data set's image i of class c (before padding). */
static guint8
cifar_px (int c, int i, int ch, int r, int col)
{
  return (guint8) ((c * 20 + i * 3 + (r * 32 + col) * 7 + ch * 50) % 256);
}

static guint8
mnist_px (int c, int i, int r, int col)
{
  return (guint8) ((c * 25 + i * 5 + r * 3 + col * 7) % 256);
}

static guint8
fmnist_px (int c, int i, int r, int col)
{
  return (guint8) ((c * 13 + i * 11 + r * 5 + col) % 256);
}

static guint8
svhn_px (int c, int i, int ch, int r, int col)
{
  return (guint8) ((c * 20 + i + r * 2 + col * 5 + ch * 40) % 256);
}

/* Every notMNIST image is this 28×28 pattern. */
static guint8
notmnist_px (int r, int col)
{
  return (guint8) ((col * 37 + r * 11 + ((col * r) % 7) * 20) % 256);
}

/* Rows 0 and 16 of that pattern enlarged to 32×32 by Pillow 9.4's
 * Image.resize((32, 32), Image.LANCZOS), and the sum of all 1024 pixels. */
static const guint8 notmnist_row0[32] = {
  0, 27, 63, 94, 123, 154, 209, 217, 12, 21, 68, 95, 124, 158, 212, 220,
  15, 24, 71, 98, 127, 161, 215, 223, 18, 27, 74, 101, 130, 166, 209, 236,
};
static const guint8 notmnist_row16[32] = {
  153, 170, 247, 105, 0, 62, 85, 118, 155, 172, 247, 109, 0, 65, 88, 121,
  158, 175, 250, 112, 1, 67, 94, 136, 161, 178, 253, 115, 4, 69, 100, 138,
};
#define NOTMNIST_SUM 126808

static void
write_cifar_png (const char *data)
{
  const char * const *names = blip_cifar_class_names (BLIP_CIFAR_10);
  guint8 px[32 * 32 * 3];
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 10; c++)
      {
        g_autofree char *dir = g_build_filename (data, "cifar-10-images", s ? "test" : "train", names[c], NULL);
        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        for (int i = 0; i < (s ? N_TEST : N_TRAIN); i++)
          {
            int idx = s ? N_TRAIN + i : i;
            for (int r = 0; r < 32; r++)
              for (int col = 0; col < 32; col++)
                for (int ch = 0; ch < 3; ch++)
                  px[(r * 32 + col) * 3 + ch] = cifar_px (c, idx, ch, r, col);
            gsize n;
            g_autofree guint8 *png = blip_test_encode_png (px, 32, 32, 3, &n);
            g_autofree char *file = g_strdup_printf ("%04d.png", i);
            g_autofree char *p = g_build_filename (dir, file, NULL);
            blip_test_write_bytes (p, png, n);
          }
      }
}

/* MNIST or Fashion-MNIST: image j of a split is class j % 10. */
static void
write_idx_set (const char *data, const char *subdir, guint8 (*px) (int, int, int, int))
{
  g_autofree char *dir = g_build_filename (data, subdir, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int s = 0; s < 2; s++)
    {
      int count = 10 * (s ? N_TEST : N_TRAIN);
      g_autofree guint8 *pixels = g_malloc ((gsize) count * 784);
      g_autofree guint8 *labels = g_malloc (count);
      for (int j = 0; j < count; j++)
        {
          int c = j % 10, i = j / 10 + (s ? N_TRAIN : 0);
          labels[j] = (guint8) c;
          for (int r = 0; r < 28; r++)
            for (int col = 0; col < 28; col++)
              pixels[(gsize) j * 784 + r * 28 + col] = px (c, i, r, col);
        }
      const char *prefix = s ? "t10k" : "train";
      g_autofree char *iname = g_strdup_printf ("%s-images-idx3-ubyte.gz", prefix);
      g_autofree char *lname = g_strdup_printf ("%s-labels-idx1-ubyte.gz", prefix);
      g_autofree char *ip = g_build_filename (dir, iname, NULL);
      g_autofree char *lp = g_build_filename (dir, lname, NULL);
      blip_test_write_idx_images (ip, pixels, count, 28, 28);
      blip_test_write_idx_labels (lp, labels, count);
    }
}

/* notMNIST_small.tar.gz: N_NOTMNIST PNGs per letter, and one that does not
 * decode, as the original archive has. */
static void
write_notmnist (const char *data)
{
  g_autofree char *dir = g_build_filename (data, "notmnist", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  guint8 px[28 * 28];
  for (int r = 0; r < 28; r++)
    for (int col = 0; col < 28; col++)
      px[r * 28 + col] = notmnist_px (r, col);
  gsize n;
  g_autofree guint8 *png = blip_test_encode_png (px, 28, 28, 1, &n);
  GByteArray *tar = g_byte_array_new ();
  blip_test_tar_add (tar, "notMNIST_small/", '5', NULL, 0);
  for (int c = 0; c < 10; c++)
    {
      g_autofree char *folder = g_strdup_printf ("notMNIST_small/%c/", 'A' + c);
      blip_test_tar_add (tar, folder, '5', NULL, 0);
      for (int i = 0; i < N_NOTMNIST; i++)
        {
          g_autofree char *name = g_strdup_printf ("notMNIST_small/%c/Zm9udC0%d.png", 'A' + c, i);
          blip_test_tar_add (tar, name, '0', png, n);
        }
    }
  blip_test_tar_add (tar, "notMNIST_small/C/broken.png", '0', (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  blip_test_tar_finish (tar);
  g_autofree char *path = g_build_filename (dir, "notMNIST_small.tar.gz", NULL);
  blip_test_write_bytes (path, tar->data, tar->len);
  g_byte_array_unref (tar);
}

/* svhn/train_32x32.mat (uncompressed, y stored as double) and
 * test_32x32.mat (compressed, y stored as uint8 as MATLAB does); image n is
 * class n % 10, labelled 10 for the digit 0. */
static void
write_svhn (const char *data)
{
  g_autofree char *dir = g_build_filename (data, "svhn", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int s = 0; s < 2; s++)
    {
      int count = 10 * (s ? N_TEST : N_TRAIN);
      g_autofree double *x = g_new (double, (gsize) 3072 * count);
      g_autofree double *y = g_new (double, count);
      for (int j = 0; j < count; j++)
        {
          int c = j % 10, i = j / 10 + (s ? N_TRAIN : 0);
          y[j] = c == 0 ? 10 : c;
          for (int ch = 0; ch < 3; ch++)
            for (int col = 0; col < 32; col++)
              for (int r = 0; r < 32; r++)
                x[(gsize) j * 3072 + ch * 1024 + col * 32 + r] = svhn_px (c, i, ch, r, col);
        }
      gsize xd[4] = { 32, 32, 3, (gsize) count }, yd[2] = { (gsize) count, 1 };
      g_autoptr(GByteArray) m = blip_test_mat_new (FALSE);
      blip_test_mat_add (m, FALSE, "X", BLIP_MAT_CLASS_UINT8, xd, 4, MI_UINT8, x, s == 1);
      blip_test_mat_add (m, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, yd, 2, s ? MI_UINT8 : MI_DOUBLE, y, s == 1);
      g_autofree char *p = g_build_filename (dir, s ? "test_32x32.mat" : "train_32x32.mat", NULL);
      blip_test_write_bytes (p, m->data, m->len);
    }
}

static char *
write_mixture (gboolean with_svhn)
{
  char *data = blip_test_mkdtemp ();
  write_cifar_png (data);
  write_notmnist (data);
  write_idx_set (data, "mnist", mnist_px);
  write_idx_set (data, "fashion-mnist", fmnist_px);
  if (with_svhn)
    write_svhn (data);
  return data;
}

static BlipExperiment *
open_mixture (const char *data_dir, guint64 seed, int train_subset, GError **error)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "mixture5", NULL));
  c.data_dir = g_strdup (data_dir);
  c.seed = seed;
  c.train_subset = train_subset;
  BlipExperiment *e = blip_experiment_open (&c, error);
  blip_config_clear (&c);
  return e;
}

enum { CIFAR, NOTMNIST, MNIST, SVHN, FMNIST };
static const char * const task_names[] = { "cifar10", "notmnist", "mnist", "svhn", "fashion-mnist" };

/* mixture5.py's constants, after ToTensor's /255. */
static void
constants (int ds, int ch, double *mean, double *std)
{
  static const double cm[3] = { 125.3 / 255, 123.0 / 255, 113.9 / 255 }, cs[3] = { 63.0 / 255, 62.1 / 255, 66.7 / 255 };
  static const double sm[3] = { 0.4377, 0.4438, 0.4728 }, ss[3] = { 0.198, 0.201, 0.197 };
  switch (ds)
    {
    case CIFAR: *mean = cm[ch]; *std = cs[ch]; break;
    case NOTMNIST: *mean = 0.4254; *std = 0.4501; break;
    case MNIST: *mean = 0.1; *std = 0.2752; break;
    case SVHN: *mean = sm[ch]; *std = ss[ch]; break;
    default: *mean = 0.2190; *std = 0.3318; break;
    }
}

/* The raw 3×32×32 image mixture5.py makes of image i of class c. */
static void
expected_raw (int ds, int c, int i, guint8 *out)
{
  for (int ch = 0; ch < 3; ch++)
    for (int r = 0; r < 32; r++)
      for (int col = 0; col < 32; col++)
        {
          guint8 v;
          gboolean pad = r < 2 || r >= 30 || col < 2 || col >= 30;
          switch (ds)
            {
            case CIFAR: v = cifar_px (c, i, ch, r, col); break;
            case SVHN: v = svhn_px (c, i, ch, r, col); break;
            case MNIST: v = pad ? 0 : mnist_px (c, i, r - 2, col - 2); break;
            case FMNIST: v = pad ? 0 : fmnist_px (c, i, r - 2, col - 2); break;
            default: v = 0; break;   /* notMNIST: checked on its own */
            }
          out[ch * 1024 + r * 32 + col] = v;
        }
}

/* Each image of the split is, for its label, one of the data set's images
 * as mixture5.py normalises it. */
static void
check_split_images (const BlipSplit *s, int ds, int per_class)
{
  g_autofree float *x = g_new (float, (gsize) s->n * 3072);
  g_autofree gint32 *y = g_new (gint32, MAX (s->n, 1));
  blip_split_gather_range (s, 0, s->n, x, y);
  guint8 raw[3072];
  for (int j = 0; j < s->n; j++)
    {
      const float *img = x + (gsize) j * 3072;
      g_assert_cmpint (y[j], ==, s->labels[j]);
      g_assert_cmpint (y[j], >=, 0);
      g_assert_cmpint (y[j], <, 10);
      if (ds == NOTMNIST)
        {
          /* grey repeated into three channels, enlarged as Pillow does */
          double mean, std;
          constants (ds, 0, &mean, &std);
          int sum = 0;
          for (int k = 0; k < 1024; k++)
            {
              double v = img[k] * std + mean;
              int p = (int) lround (v * 255);
              g_assert_cmpfloat (fabs (img[k] - (p / 255.0 - mean) / std), <, 1e-5);
              g_assert_cmpfloat (img[k], ==, img[k + 1024]);
              g_assert_cmpfloat (img[k], ==, img[k + 2048]);
              if (k < 32)
                g_assert_cmpint (p, ==, notmnist_row0[k]);
              if (k >= 16 * 32 && k < 17 * 32)
                g_assert_cmpint (p, ==, notmnist_row16[k - 16 * 32]);
              sum += p;
            }
          g_assert_cmpint (sum, ==, NOTMNIST_SUM);
          continue;
        }
      gboolean found = FALSE;
      for (int i = 0; i < per_class && !found; i++)
        {
          expected_raw (ds, y[j], i, raw);
          found = TRUE;
          for (int k = 0; k < 3072 && found; k++)
            {
              double mean, std;
              constants (ds, k / 1024, &mean, &std);
              found = fabs (img[k] - (raw[k] / 255.0 - mean) / std) < 1e-5;
            }
        }
      if (!found)
        g_error ("task %s: image %d (label %d) is none of its class's images as mixture5.py makes them",
                 task_names[ds], j, y[j]);
    }
}

static int
dataset_of (const char *name)
{
  for (int d = 0; d < 5; d++)
    if (g_str_equal (name, task_names[d]))
      return d;
  g_error ("unexpected task name %s", name);
  return -1;
}

static void
test_open (void)
{
  g_autofree char *data = write_mixture (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_mixture (data, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->name, ==, "mixture5");
  g_assert_cmpint (e->n_tasks, ==, 5);
  g_assert_cmpint (e->channels, ==, 3);
  g_assert_cmpint (e->height, ==, 32);
  g_assert_cmpint (e->width, ==, 32);
  g_assert_cmpint (e->input_dim, ==, 3072);
  gboolean seen[5] = { FALSE };
  for (int t = 0; t < 5; t++)
    {
      const BlipTask *task = &e->tasks[t];
      int ds = dataset_of (task->name);
      g_assert_false (seen[ds]);
      seen[ds] = TRUE;
      g_assert_cmpint (task->ncla, ==, 10);
      g_assert_false (task->valid_is_train);
      /* notMNIST: 50 readable images (the broken one is left out), ceil(10%) test */
      int n_train = ds == NOTMNIST ? 45 : 10 * N_TRAIN, n_test = ds == NOTMNIST ? 5 : 10 * N_TEST;
      g_test_message ("task %d: %s, %d + %d training, %d test", t, task->name, task->train.n,
                      task->valid.n, task->test.n);
      g_assert_cmpint (task->train.n + task->valid.n, ==, n_train);
      g_assert_cmpint (task->valid.n, ==, (int) (n_train * 0.15));
      g_assert_cmpint (task->test.n, ==, n_test);
      const BlipSplit *splits[3] = { &task->train, &task->valid, &task->test };
      for (int s = 0; s < 3; s++)
        {
          g_assert_cmpint (splits[s]->dim, ==, 3072);
          check_split_images (splits[s], ds, N_TRAIN + N_TEST);
        }
      if (ds == NOTMNIST)
        {
          int per[10] = { 0 };
          for (int s = 0; s < 3; s++)
            for (int j = 0; j < splits[s]->n; j++)
              per[splits[s]->labels[j]]++;
          for (int c = 0; c < 10; c++)
            g_assert_cmpint (per[c], ==, N_NOTMNIST);
        }

      /* known pixels, by hand: the padded corner and an inner pixel */
      float x[3072];
      gint32 label;
      blip_split_gather_range (&task->test, 0, 1, x, &label);
      if (ds == MNIST || ds == FMNIST)
        {
          double mean = ds == MNIST ? 0.1 : 0.2190, std = ds == MNIST ? 0.2752 : 0.3318;
          g_assert_cmpfloat (fabs (x[0] - (0.0 - mean) / std), <, 1e-6);
          g_assert_cmpfloat (fabs (x[2048 + 31 * 32 + 31] - (0.0 - mean) / std), <, 1e-6);
          /* the first test image is class 0, image N_TRAIN; its raw (0, 0) is at (2, 2) */
          g_assert_cmpint (label, ==, 0);
          int raw = ds == MNIST ? mnist_px (0, N_TRAIN, 0, 0) : fmnist_px (0, N_TRAIN, 0, 0);
          g_assert_cmpfloat (fabs (x[1024 + 2 * 32 + 2] - (raw / 255.0 - mean) / std), <, 1e-6);
        }
      if (ds == SVHN)
        {
          /* the first test image has y = 10: the digit 0 */
          g_assert_cmpint (label, ==, 0);
          int raw = svhn_px (0, N_TRAIN, 2, 5, 9);   /* channel 2, row 5, column 9 */
          g_assert_cmpfloat (fabs (x[2048 + 5 * 32 + 9] - (raw / 255.0 - 0.4728) / 0.197), <, 1e-6);
          g_assert_cmpint (task->test.labels[1], ==, 1);
        }
    }

  /* the order is a seeded shuffle: the same for a seed, another for some seed */
  g_autoptr(BlipExperiment) again = open_mixture (data, 0, 0, &error);
  g_assert_no_error (error);
  gboolean other = FALSE;
  for (int t = 0; t < 5; t++)
    g_assert_cmpstr (again->tasks[t].name, ==, e->tasks[t].name);
  for (guint64 seed = 1; seed < 8 && !other; seed++)
    {
      g_autoptr(BlipExperiment) s = open_mixture (data, seed, 0, &error);
      g_assert_no_error (error);
      for (int t = 0; t < 5; t++)
        other |= !g_str_equal (s->tasks[t].name, e->tasks[t].name);
    }
  g_assert_true (other);

  /* subsets keep every class */
  g_autoptr(BlipExperiment) sub = open_mixture (data, 0, 20, &error);
  g_assert_no_error (error);
  for (int t = 0; t < 5; t++)
    {
      const BlipTask *task = &sub->tasks[t];
      g_assert_cmpint (task->train.n + task->valid.n, ==, 20);
      int per[10] = { 0 };
      for (int j = 0; j < task->train.n; j++)
        per[task->train.labels[j]]++;
      for (int j = 0; j < task->valid.n; j++)
        per[task->valid.labels[j]]++;
      for (int c = 0; c < 10; c++)
        g_assert_cmpint (per[c], ==, 2);
    }
  blip_test_rmtree (data);
}

static void
test_missing (void)
{
  g_autofree char *data = write_mixture (FALSE);
  g_autoptr(GError) error = NULL;
  g_assert_null (open_mixture (data, 0, 0, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "not found: SVHN.");
  assert_contains (error->message, "train_32x32.mat");
  assert_contains (error->message, "test_32x32.mat");
  g_autofree char *in_sub = g_strdup_printf ("%s/svhn/: missing train_32x32.mat, test_32x32.mat", data);
  g_autofree char *in_top = g_strdup_printf ("%s/: missing train_32x32.mat, test_32x32.mat", data);
  g_autofree char *folders = g_strdup_printf ("%s/svhn/train/ and test/", data);
  assert_contains (error->message, in_sub);
  assert_contains (error->message, in_top);
  assert_contains (error->message, folders);
  assert_contains (error->message, "http://ufldl.stanford.edu/housenumbers/");
  g_assert_null (strstr (error->message, "notMNIST:"));

  /* half of SVHN: the message names the one file missing there */
  g_autofree char *svhn = g_build_filename (data, "svhn", NULL);
  g_mkdir_with_parents (svhn, 0755);
  g_autofree char *train = g_build_filename (svhn, "train_32x32.mat", NULL);
  blip_test_write_bytes (train, (const guint8 *) "", 0);
  g_autoptr(GError) e2 = NULL;
  g_assert_null (open_mixture (data, 0, 0, &e2));
  g_autofree char *half = g_strdup_printf ("%s/svhn/: missing test_32x32.mat\n", data);
  assert_contains (e2->message, half);

  /* notMNIST and MNIST gone too: all are named at once */
  g_autofree char *nm = g_build_filename (data, "notmnist", NULL);
  g_autofree char *mn = g_build_filename (data, "mnist", NULL);
  blip_test_rmtree (nm);
  blip_test_rmtree (mn);
  g_autoptr(GError) e3 = NULL;
  g_assert_null (open_mixture (data, 0, 0, &e3));
  g_assert_error (e3, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", e3->message);
  assert_contains (e3->message, "not found: notMNIST, MNIST, SVHN.");
  g_autofree char *nm_place = g_strdup_printf ("%s/notmnist/", data);
  assert_contains (e3->message, nm_place);
  assert_contains (e3->message, "notMNIST_small.tar.gz");
  assert_contains (e3->message, "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                   "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz not found");
  assert_contains (e3->message, mn);
  blip_test_rmtree (data);
}

typedef enum { S_TRUNCATED, S_MAGIC, S_V73, S_X_SHAPE, S_LABEL, S_NO_Y } SvhnDamage;

static void
test_bad_svhn (void)
{
  static const struct {
    const char *name;
    SvhnDamage  damage;
    int         code;
    const char *says;
  } cases[] = {
    { "truncated", S_TRUNCATED, BLIP_MAT_ERROR_TRUNCATED, "remain in the file" },
    { "wrong magic", S_MAGIC, BLIP_MAT_ERROR_FORMAT, "not a level-5 MAT-file" },
    { "v7.3", S_V73, BLIP_MAT_ERROR_FORMAT, "v7.3" },
    { "X of one channel", S_X_SHAPE, BLIP_MAT_ERROR_CORRUPT, "X is uint8 32×32×1×10; expected uint8 32×32×3×N" },
    { "label 11", S_LABEL, BLIP_MAT_ERROR_CORRUPT, "label 3 of y is 11" },
    { "no y", S_NO_Y, BLIP_MAT_ERROR_CORRUPT, "no variable “y”" },
  };
  g_autofree char *data = write_mixture (TRUE);
  g_autofree char *path = g_build_filename (data, "svhn", "test_32x32.mat", NULL);
  g_autoptr(GBytes) good = blip_test_read_file (path);
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize n;
      const guint8 *bytes = g_bytes_get_data (good, &n);
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_byte_array_append (b, bytes, (guint) n);
      switch (cases[c].damage)
        {
        case S_TRUNCATED: g_byte_array_set_size (b, (guint) (n - 40)); break;
        case S_MAGIC: memcpy (b->data, "PK\x03\x04", 4); break;
        case S_V73:
          memcpy (b->data, "MATLAB 7.3 MAT-file", 19);
          b->data[124] = 0;
          b->data[125] = 2;
          break;
        default:
          {
            g_byte_array_set_size (b, 0);
            g_autoptr(GByteArray) m = blip_test_mat_new (FALSE);
            int channels = cases[c].damage == S_X_SHAPE ? 1 : 3;
            g_autofree double *x = g_new0 (double, (gsize) 1024 * channels * 10);
            double y[10];
            for (int i = 0; i < 10; i++)
              y[i] = i == 3 && cases[c].damage == S_LABEL ? 11 : i + 1;
            gsize xd[4] = { 32, 32, (gsize) channels, 10 }, yd[2] = { 10, 1 };
            blip_test_mat_add (m, FALSE, "X", BLIP_MAT_CLASS_UINT8, xd, 4, MI_UINT8, x, TRUE);
            if (cases[c].damage != S_NO_Y)
              blip_test_mat_add (m, FALSE, "y", BLIP_MAT_CLASS_DOUBLE, yd, 2, MI_UINT8, y, TRUE);
            g_byte_array_append (b, m->data, m->len);
          }
        }
      blip_test_write_bytes (path, b->data, b->len);
      g_autoptr(GError) error = NULL;
      g_assert_null (open_mixture (data, 0, 0, &error));
      g_test_message ("%s: %s", cases[c].name, error->message);
      g_assert_error (error, BLIP_MAT_ERROR, cases[c].code);
      assert_contains (error->message, path);
      assert_contains (error->message, cases[c].says);
    }
  blip_test_rmtree (data);
}

static void
test_svhn_folders (void)
{
  g_autofree char *data = write_mixture (FALSE);
  guint8 px[32 * 32 * 3];
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 10; c++)
      {
        g_autofree char *name = g_strdup_printf ("%d", c);
        g_autofree char *dir = g_build_filename (data, "svhn", s ? "test" : "train", name, NULL);
        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        for (int i = 0; i < (s ? N_TEST : N_TRAIN); i++)
          {
            int idx = s ? N_TRAIN + i : i;
            for (int r = 0; r < 32; r++)
              for (int col = 0; col < 32; col++)
                for (int ch = 0; ch < 3; ch++)
                  px[(r * 32 + col) * 3 + ch] = svhn_px (c, idx, ch, r, col);
            gsize n;
            g_autofree guint8 *png = blip_test_encode_png (px, 32, 32, 3, &n);
            g_autofree char *file = g_strdup_printf ("%d.png", i);
            g_autofree char *p = g_build_filename (dir, file, NULL);
            blip_test_write_bytes (p, png, n);
          }
      }
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_mixture (data, 0, 0, &error);
  g_assert_no_error (error);
  for (int t = 0; t < e->n_tasks; t++)
    if (g_str_equal (e->tasks[t].name, "svhn"))
      {
        g_assert_cmpint (e->tasks[t].test.n, ==, 10 * N_TEST);
        check_split_images (&e->tasks[t].test, SVHN, N_TRAIN + N_TEST);
        check_split_images (&e->tasks[t].train, SVHN, N_TRAIN + N_TEST);
      }
  blip_test_rmtree (data);
}

/* ---- the blip tool ------------------------------------------------------------------ */

static int
run_blip (const char * const *args, char **out, char **err)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) BLIP_EXE);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &wait_status, &error);
  g_assert_no_error (error);
  g_ptr_array_free (argv, TRUE);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
test_cli (void)
{
  if (!g_file_test (BLIP_EXE, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the blip tool has not been built at " BLIP_EXE);
      return;
    }
  g_autofree char *data = write_mixture (TRUE);
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *dest = g_build_filename (out, "run", NULL);
  const char *args[] = { "run", "--experiment", "mixture5", "--data-dir", data, "--nepochs", "1",
                         "--train-subset", "20", "--test-subset", "10", "--quiet", "--threads", "1",
                         "--output", dest, NULL };
  g_autofree char *o = NULL, *e = NULL;
  int status = run_blip (args, &o, &e);
  g_test_message ("stdout:\n%s\nstderr:\n%s", o, e);
  g_assert_cmpint (status, ==, 0);
  g_autofree char *results = g_build_filename (dest, "results.json", NULL);
  g_autofree char *json = NULL;
  g_assert_true (g_file_get_contents (results, &json, NULL, NULL));
  for (int d = 0; d < 5; d++)
    {
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", task_names[d]);
      assert_contains (json, quoted);
    }
  assert_contains (json, "\"valid_fraction\": 0.15");

  /* without SVHN: exit 1 before training, naming the files, no output */
  g_autofree char *svhn = g_build_filename (data, "svhn", NULL);
  blip_test_rmtree (svhn);
  g_autofree char *dest2 = g_build_filename (out, "refused", NULL);
  const char *args2[] = { "run", "--experiment", "mixture5", "--data-dir", data, "--quiet", "--output", dest2, NULL };
  g_autofree char *o2 = NULL, *e2 = NULL;
  g_assert_cmpint (run_blip (args2, &o2, &e2), ==, 1);
  assert_contains (e2, "mixture5 needs");
  assert_contains (e2, "train_32x32.mat");
  g_assert_false (g_file_test (dest2, G_FILE_TEST_EXISTS));
  blip_test_rmtree (out);
  blip_test_rmtree (data);
}

/* ---- the real data sets ------------------------------------------------------------ */

static void
test_real (void)
{
  g_autofree char *data = blip_test_real_data_dir ("notmnist/notMNIST_small.tar.gz");
  if (data == NULL)
    return;
  g_autofree char *svhn_mat = g_build_filename (data, "svhn", "train_32x32.mat", NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_test (svhn_mat, G_FILE_TEST_EXISTS))
    {
      /* The shared data has no SVHN: the experiment must say so, and only that. */
      g_assert_null (open_mixture (data, 0, 0, &error));
      g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
      g_test_message ("%s", error->message);
      assert_contains (error->message, "SVHN: train_32x32.mat and test_32x32.mat not found");
      g_autofree char *place = g_strdup_printf ("%s/svhn/", data);
      assert_contains (error->message, place);
      g_assert_null (strstr (error->message, "notMNIST:"));
      g_assert_null (strstr (error->message, "CIFAR-10 was not found"));
      g_clear_error (&error);
    }
  /* The four others, through a seed whose first four tasks leave SVHN out. */
  BlipExperiment *e = NULL;
  for (guint64 seed = 0; seed < 64 && e == NULL; seed++)
    {
      BlipConfig c;
      blip_config_init_defaults (&c);
      blip_config_apply_preset (&c, "mixture5", NULL);
      c.data_dir = g_strdup (data);
      c.seed = seed;
      c.ntasks = 4;
      e = blip_experiment_open (&c, &error);
      blip_config_clear (&c);
      if (e == NULL && g_error_matches (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING)
          && strstr (error->message, "SVHN") != NULL)
        g_clear_error (&error);
      else
        g_assert_no_error (error);
    }
  if (e == NULL)
    {
      /* Fashion-MNIST comes from a Debian package that may not be installed. */
      g_test_skip ("no seed leaves out every missing data set with four tasks");
      return;
    }
  for (int t = 0; t < e->n_tasks; t++)
    {
      const BlipTask *task = &e->tasks[t];
      int ds = dataset_of (task->name);
      /* notMNIST_small: 18724 readable images, ceil(10%) = 1873 of them test */
      static const int train[5] = { 50000, 16851, 60000, 73257, 60000 };
      static const int test[5] = { 10000, 1873, 10000, 26032, 10000 };
      g_test_message ("%s: %d + %d training, %d test", task->name, task->train.n, task->valid.n, task->test.n);
      g_assert_cmpint (task->train.n + task->valid.n, ==, train[ds]);
      g_assert_cmpint (task->valid.n, ==, (int) (train[ds] * 0.15));
      g_assert_cmpint (task->test.n, ==, test[ds]);
    }
  blip_experiment_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Never touch the user's cache. */
  cache_dir = blip_test_mkdtemp ();
  g_setenv ("BLIP_CACHE_DIR", cache_dir, TRUE);

  g_test_add_func ("/mixture/mat/read", test_mat_read);
  g_test_add_func ("/mixture/mat/errors", test_mat_errors);
  g_test_add_func ("/mixture/images/flat", test_images_flat);
  g_test_add_func ("/mixture/open", test_open);
  g_test_add_func ("/mixture/missing", test_missing);
  g_test_add_func ("/mixture/bad-svhn", test_bad_svhn);
  g_test_add_func ("/mixture/svhn-folders", test_svhn_folders);
  g_test_add_func ("/mixture/cli", test_cli);
  g_test_add_func ("/mixture/real", test_real);
  int rc = g_test_run ();
  blip_test_rmtree (cache_dir);
  return rc;
}
