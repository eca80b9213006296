/* test-idx.c — the IDX reader: round trips of fixtures the test writes, a
 * table of deliberately broken files (each must give its exact error code and
 * a message naming the file), and, when $BLIP_DATA_DIR has them, the real
 * MNIST files and damaged copies of them. */
#include "blip-idx.h"
#include "blip-test-util.h"

#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>

#define FIX_COUNT 7
#define FIX_ROWS  5
#define FIX_COLS  4   /* not square, so swapped dimensions would show */

static const guint8 fix_labels[FIX_COUNT] = { 3, 0, 9, 1, 4, 1, 5 };

static void
fix_pixels (guint8 *pixels)
{
  for (int i = 0; i < FIX_COUNT * FIX_ROWS * FIX_COLS; i++)
    pixels[i] = (guint8) (i * 37 + 11);
}

static void
put_be32 (GByteArray *bytes, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (bytes, b, 4);
}

/* Raw IDX bytes with header fields given separately from the data length, so
 * cases can make the header lie. */
static GByteArray *
raw_images (guint32 magic, guint32 count, guint32 rows, guint32 cols, gsize data_len)
{
  GByteArray *bytes = g_byte_array_new ();
  put_be32 (bytes, magic);
  put_be32 (bytes, count);
  put_be32 (bytes, rows);
  put_be32 (bytes, cols);
  for (gsize i = 0; i < data_len; i++)
    {
      guint8 b = (guint8) (i * 37 + 11);
      g_byte_array_append (bytes, &b, 1);
    }
  return bytes;
}

static GByteArray *
raw_labels (guint32 magic, guint32 count, const guint8 *labels, gsize len)
{
  GByteArray *bytes = g_byte_array_new ();
  put_be32 (bytes, magic);
  put_be32 (bytes, count);
  g_byte_array_append (bytes, labels, (guint) len);
  return bytes;
}

static GByteArray *
good_images (void)
{
  return raw_images (2051, FIX_COUNT, FIX_ROWS, FIX_COLS, FIX_COUNT * FIX_ROWS * FIX_COLS);
}

static GByteArray *
good_labels (void)
{
  return raw_labels (2049, FIX_COUNT, fix_labels, FIX_COUNT);
}

/* Writes bytes as they are, or as one gzip member. */
static void
write_raw (const char *path, const guint8 *data, gsize len, gboolean gz)
{
  if (gz)
    {
      gzFile f = gzopen (path, "wb6");
      g_assert_nonnull (f);
      if (len > 0)
        g_assert_cmpint (gzwrite (f, data, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_file_set_contents (path, (const char *) data, (gssize) len, &error);
      g_assert_no_error (error);
    }
}

static void
flip_file_byte (const char *path, gssize offset_from_start_or_end)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  gsize at = offset_from_start_or_end >= 0 ? (gsize) offset_from_start_or_end
                                           : len - (gsize) -offset_from_start_or_end;
  g_assert_cmpuint (at, <, len);
  data[at] ^= 0x5a;
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
truncate_file (const char *path, gsize keep)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keep, <, len);
  g_file_set_contents (path, data, (gssize) keep, &error);
  g_assert_no_error (error);
}

/* ---- round trips ---------------------------------------------------------- */

static void
test_roundtrip (gconstpointer data)
{
  const char *suffix = data;
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *ip = g_strdup_printf ("%s/images%s", dir, suffix);
  g_autofree char *lp = g_strdup_printf ("%s/labels%s", dir, suffix);
  guint8 pixels[FIX_COUNT * FIX_ROWS * FIX_COLS];
  fix_pixels (pixels);
  blip_test_write_idx_images (ip, pixels, FIX_COUNT, FIX_ROWS, FIX_COLS);
  blip_test_write_idx_labels (lp, fix_labels, FIX_COUNT);

  g_autoptr(GError) error = NULL;
  g_autoptr(BlipIdxImages) images = blip_idx_images_load (ip, &error);
  g_assert_no_error (error);
  g_assert_nonnull (images);
  g_assert_cmpint (images->count, ==, FIX_COUNT);
  g_assert_cmpint (images->rows, ==, FIX_ROWS);
  g_assert_cmpint (images->cols, ==, FIX_COLS);
  g_assert_cmpmem (images->pixels, sizeof pixels, pixels, sizeof pixels);

  int count = -1;
  g_autofree guint8 *labels = blip_idx_labels_load (lp, 10, &count, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, FIX_COUNT);
  g_assert_cmpmem (labels, FIX_COUNT, fix_labels, FIX_COUNT);

  BlipIdxImages *pair_images = NULL;
  guint8 *pair_labels = NULL;
  g_assert_true (blip_idx_load_pair (ip, lp, 10, &pair_images, &pair_labels, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pair_images->count, ==, FIX_COUNT);
  g_assert_cmpmem (pair_labels, FIX_COUNT, fix_labels, FIX_COUNT);
  blip_idx_images_free (pair_images);
  g_free (pair_labels);

  blip_test_rmtree (dir);
}

/* An empty data set is well-formed; callers decide whether they can use it. */
static void
test_zero_count (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *ip = g_build_filename (dir, "images.gz", NULL);
  g_autofree char *lp = g_build_filename (dir, "labels", NULL);
  /* Not NULL: the writers memcpy from it, and memcpy (dst, NULL, 0) is undefined. */
  const guint8 nothing[1] = { 0 };
  blip_test_write_idx_images (ip, nothing, 0, 28, 28);
  blip_test_write_idx_labels (lp, nothing, 0);

  g_autoptr(GError) error = NULL;
  g_autoptr(BlipIdxImages) images = blip_idx_images_load (ip, &error);
  g_assert_no_error (error);
  g_assert_cmpint (images->count, ==, 0);
  g_assert_cmpint (images->rows, ==, 28);
  int count = -1;
  g_autofree guint8 *labels = blip_idx_labels_load (lp, 10, &count, &error);
  g_assert_no_error (error);
  g_assert_nonnull (labels);
  g_assert_cmpint (count, ==, 0);
  blip_test_rmtree (dir);
}

/* ---- broken files ----------------------------------------------------------- */

typedef enum { LOAD_IMAGES, LOAD_LABELS, LOAD_PAIR } LoadKind;

/* Where a case's damage is applied: to the IDX bytes before they are stored
 * (so it is tested both plain and gzip-compressed), or to the .gz file. */
typedef enum { STORE_BOTH, STORE_GZ_ONLY, STORE_PLAIN_ONLY } Storage;

typedef struct {
  const char   *slug;
  const char   *description;
  LoadKind      kind;
  Storage       storage;
  GByteArray *(*build) (void);         /* the IDX bytes, before storing */
  void        (*damage_file) (const char *path);  /* after storing, or NULL */
  BlipIdxError  expected;
  const char   *expected_text;        /* in the message besides the path, or NULL */
} BrokenCase;

static GByteArray *build_empty (void) { return g_byte_array_new (); }
static GByteArray *build_short_magic (void) { GByteArray *b = good_images (); g_byte_array_set_size (b, 2); return b; }
static GByteArray *build_short_image_header (void) { GByteArray *b = good_images (); g_byte_array_set_size (b, 10); return b; }
static GByteArray *build_short_label_header (void) { GByteArray *b = good_labels (); g_byte_array_set_size (b, 6); return b; }
static GByteArray *build_short_pixels (void) { GByteArray *b = good_images (); g_byte_array_set_size (b, b->len - 5); return b; }
static GByteArray *build_short_labels (void) { GByteArray *b = good_labels (); g_byte_array_set_size (b, b->len - 1); return b; }
static GByteArray *build_images_magic_2052 (void) { return raw_images (2052, 1, 2, 2, 4); }
static GByteArray *build_text (void) { GByteArray *b = g_byte_array_new (); g_byte_array_append (b, (const guint8 *) "<html>not found</html>", 22); return b; }
static GByteArray *build_rows_zero (void) { return raw_images (2051, 1, 0, 4, 0); }
static GByteArray *build_cols_5000 (void) { return raw_images (2051, 1, 2, 5000, 10000); }
/* 2^31-1 images of 4096×4096 cannot fit any sane limit: rejected before reading. */
static GByteArray *build_absurd_size (void) { return raw_images (2051, 0x7fffffff, 4096, 4096, 16); }
static GByteArray *build_count_over_int (void) { return raw_labels (2049, 0x80000000u, fix_labels, FIX_COUNT); }
/* Plausible (1.5 GB) but a lie: must end in TRUNCATED, without reserving 1.5 GB. */
static GByteArray *build_lying_count (void) { return raw_images (2051, 2000000, 28, 28, 784 * 3); }
static GByteArray *build_trailing_pixels (void) { GByteArray *b = good_images (); g_byte_array_append (b, (const guint8 *) "xyz", 3); return b; }
static GByteArray *build_trailing_labels (void) { GByteArray *b = good_labels (); g_byte_array_append (b, (const guint8 *) "\0", 1); return b; }
static GByteArray *build_label_12 (void) { const guint8 l[] = { 1, 2, 3, 12, 4 }; return raw_labels (2049, 5, l, 5); }
static GByteArray *build_label_10 (void) { const guint8 l[] = { 9, 10 }; return raw_labels (2049, 2, l, 2); }
static GByteArray *build_good_images (void) { return good_images (); }
static GByteArray *build_good_labels (void) { return good_labels (); }
/* A longer payload, so that the compressed stream has a body worth damaging. */
static GByteArray *build_big_images (void) { return raw_images (2051, 50, 28, 28, 50 * 784); }

static void damage_crc (const char *path) { flip_file_byte (path, -8); }        /* gzip CRC-32 */
static void damage_isize (const char *path) { flip_file_byte (path, -1); }      /* gzip length */
static void damage_deflate (const char *path) { flip_file_byte (path, 40); }    /* compressed body */
static void damage_half (const char *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  truncate_file (path, (gsize) st.st_size / 2);
}

static const BrokenCase broken_cases[] = {
  { "empty-images", "empty image file", LOAD_IMAGES, STORE_PLAIN_ONLY, build_empty, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "magic" },
  { "empty-labels", "empty label file", LOAD_LABELS, STORE_BOTH, build_empty, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "magic" },
  { "short-magic", "file ends inside the magic number", LOAD_IMAGES, STORE_BOTH, build_short_magic, NULL,
    BLIP_IDX_ERROR_TRUNCATED, NULL },
  { "short-image-header", "image header cut short", LOAD_IMAGES, STORE_BOTH, build_short_image_header, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "header" },
  { "short-label-header", "label header cut short", LOAD_LABELS, STORE_BOTH, build_short_label_header, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "count" },
  { "short-pixels", "pixel data cut short", LOAD_IMAGES, STORE_BOTH, build_short_pixels, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "135 of the 140 bytes" },
  { "short-labels", "label data cut short", LOAD_LABELS, STORE_BOTH, build_short_labels, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "6 of the 7 bytes" },
  { "lying-count", "header promises 2,000,000 images, file holds 3", LOAD_IMAGES, STORE_BOTH, build_lying_count, NULL,
    BLIP_IDX_ERROR_TRUNCATED, "1568000000" },
  { "labels-as-images", "label file given as image file", LOAD_IMAGES, STORE_BOTH, build_good_labels, NULL,
    BLIP_IDX_ERROR_BAD_MAGIC, "label file" },
  { "images-as-labels", "image file given as label file", LOAD_LABELS, STORE_BOTH, build_good_images, NULL,
    BLIP_IDX_ERROR_BAD_MAGIC, "expected 2049" },
  { "magic-2052", "unknown IDX type", LOAD_IMAGES, STORE_BOTH, build_images_magic_2052, NULL,
    BLIP_IDX_ERROR_BAD_MAGIC, "expected 2051" },
  { "html", "an HTML error page saved as the file", LOAD_IMAGES, STORE_BOTH, build_text, NULL,
    BLIP_IDX_ERROR_BAD_MAGIC, "not an IDX file" },
  { "rows-zero", "zero rows", LOAD_IMAGES, STORE_BOTH, build_rows_zero, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "0×4" },
  { "cols-5000", "5000 columns", LOAD_IMAGES, STORE_BOTH, build_cols_5000, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "1..4096" },
  { "absurd-size", "header claims 2^31 images of 4096×4096", LOAD_IMAGES, STORE_BOTH, build_absurd_size, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "expected at most" },
  { "count-over-int", "label count above INT_MAX", LOAD_LABELS, STORE_BOTH, build_count_over_int, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "2147483648" },
  { "trailing-pixels", "bytes after the pixel data", LOAD_IMAGES, STORE_BOTH, build_trailing_pixels, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "3 bytes of trailing data" },
  { "trailing-labels", "bytes after the labels", LOAD_LABELS, STORE_BOTH, build_trailing_labels, NULL,
    BLIP_IDX_ERROR_BAD_SHAPE, "trailing" },
  { "label-12", "label 12 with 10 classes", LOAD_LABELS, STORE_BOTH, build_label_12, NULL,
    BLIP_IDX_ERROR_BAD_LABEL, "label 12 at index 3 is out of range (expected 0..9)" },
  { "label-10", "label equal to the class count", LOAD_LABELS, STORE_BOTH, build_label_10, NULL,
    BLIP_IDX_ERROR_BAD_LABEL, "label 10 at index 1" },
  { "pair-count-mismatch", "7 images, 5 labels", LOAD_PAIR, STORE_BOTH, build_good_images, NULL,
    BLIP_IDX_ERROR_COUNT_MISMATCH, "5 labels" },
  { "gzip-crc", "gzip CRC-32 flipped", LOAD_IMAGES, STORE_GZ_ONLY, build_good_images, damage_crc,
    BLIP_IDX_ERROR_CORRUPT, "gzip" },
  { "gzip-isize", "gzip length field flipped", LOAD_LABELS, STORE_GZ_ONLY, build_good_labels, damage_isize,
    BLIP_IDX_ERROR_CORRUPT, "gzip" },
  { "gzip-deflate", "a byte of compressed data flipped", LOAD_IMAGES, STORE_GZ_ONLY, build_big_images, damage_deflate,
    BLIP_IDX_ERROR_CORRUPT, "gzip" },
  { "gzip-half", "gzip file cut in half", LOAD_IMAGES, STORE_GZ_ONLY, build_big_images, damage_half,
    BLIP_IDX_ERROR_TRUNCATED, "gzip stream ends early" },
};

typedef struct {
  const BrokenCase *c;
  gboolean          gz;
} BrokenRun;

static void
test_broken (gconstpointer data)
{
  const BrokenRun *run = data;
  const BrokenCase *c = run->c;
  g_test_summary (c->description);

  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *path = g_strdup_printf ("%s/%s-idx-ubyte%s", dir, c->slug, run->gz ? ".gz" : "");
  g_autoptr(GByteArray) bytes = c->build ();
  write_raw (path, bytes->data, bytes->len, run->gz);
  if (c->damage_file != NULL)
    c->damage_file (path);

  g_autoptr(GError) error = NULL;
  const char *named = path;  /* the file the message must name */
  switch (c->kind)
    {
    case LOAD_IMAGES:
      {
        BlipIdxImages *images = blip_idx_images_load (path, &error);
        g_assert_null (images);
        break;
      }
    case LOAD_LABELS:
      {
        int count = -1;
        guint8 *labels = blip_idx_labels_load (path, 10, &count, &error);
        g_assert_null (labels);
        g_assert_cmpint (count, ==, -1);
        break;
      }
    case LOAD_PAIR:
      {
        g_autofree char *lp = g_strdup_printf ("%s/labels%s", dir, run->gz ? ".gz" : "");
        blip_test_write_idx_labels (lp, fix_labels, 5);
        BlipIdxImages *images = NULL;
        guint8 *labels = NULL;
        g_assert_false (blip_idx_load_pair (path, lp, 10, &images, &labels, &error));
        g_assert_null (images);
        g_assert_null (labels);
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, lp));
        break;
      }
    }

  g_assert_error (error, BLIP_IDX_ERROR, (gint) c->expected);
  if (strstr (error->message, named) == NULL)
    g_error ("message does not name %s: %s", named, error->message);
  if (c->expected_text != NULL && strstr (error->message, c->expected_text) == NULL)
    g_error ("message lacks \"%s\": %s", c->expected_text, error->message);
  g_test_message ("%s", error->message);
  blip_test_rmtree (dir);
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  const char *path = "/nonexistent/blip/train-images-idx3-ubyte.gz";
  g_assert_null (blip_idx_images_load (path, &error));
  g_assert_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_null (blip_idx_labels_load (path, 10, NULL, &error));
  g_assert_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_directory (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_assert_null (blip_idx_images_load (dir, &error));
  g_assert_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_IO);
  g_assert_nonnull (strstr (error->message, dir));
  blip_test_rmtree (dir);
}

static void
test_pair_propagates_label_error (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *ip = g_build_filename (dir, "images.gz", NULL);
  g_autofree char *lp = g_build_filename (dir, "labels.gz", NULL);
  guint8 pixels[FIX_COUNT * FIX_ROWS * FIX_COLS];
  fix_pixels (pixels);
  blip_test_write_idx_images (ip, pixels, FIX_COUNT, FIX_ROWS, FIX_COLS);
  blip_test_write_idx_labels (lp, fix_labels, FIX_COUNT);

  /* fix_labels holds a 9, so five classes are too few. */
  g_autoptr(GError) error = NULL;
  BlipIdxImages *images = NULL;
  guint8 *labels = NULL;
  g_assert_false (blip_idx_load_pair (ip, lp, 5, &images, &labels, &error));
  g_assert_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_LABEL);
  g_assert_nonnull (strstr (error->message, "label 9 at index 2 is out of range (expected 0..4)"));
  g_assert_null (images);
  g_assert_null (labels);
  blip_test_rmtree (dir);
}

/* ---- real data ----------------------------------------------------------- */

typedef struct {
  const char *prefix;
  int         count;
  guint8      first_labels[10];
  int         histogram[10];
  guint64     pixel_sum;
  guint64     first_image_sum;
} RealSplit;

/* Reference values computed independently (Python's gzip module over the
 * published files); the label histograms are the well-known MNIST ones. */
static const RealSplit mnist_splits[] = {
  { "train", 60000, { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 },
    { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 },
    G_GUINT64_CONSTANT (1567298545), 27525 },
  { "t10k", 10000, { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 },
    { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 },
    G_GUINT64_CONSTANT (264923200), 18454 },
};

static void
check_real_split (const char *dir, const RealSplit *split)
{
  g_autofree char *ip = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", dir, split->prefix);
  g_autofree char *lp = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", dir, split->prefix);
  g_autoptr(GError) error = NULL;
  BlipIdxImages *images = NULL;
  guint8 *labels = NULL;
  g_assert_true (blip_idx_load_pair (ip, lp, 10, &images, &labels, &error));
  g_assert_no_error (error);

  g_assert_cmpint (images->count, ==, split->count);
  g_assert_cmpint (images->rows, ==, 28);
  g_assert_cmpint (images->cols, ==, 28);
  g_assert_cmpmem (labels, 10, split->first_labels, 10);

  int histogram[10] = { 0 };
  for (int i = 0; i < images->count; i++)
    histogram[labels[i]]++;
  int total = 0;
  for (int c = 0; c < 10; c++)
    {
      g_assert_cmpint (histogram[c], ==, split->histogram[c]);
      total += histogram[c];
    }
  g_assert_cmpint (total, ==, split->count);

  guint64 sum = 0, first = 0;
  gsize n = (gsize) images->count * 28 * 28;
  for (gsize i = 0; i < n; i++)
    sum += images->pixels[i];
  for (gsize i = 0; i < 28 * 28; i++)
    first += images->pixels[i];
  g_assert_cmpuint (sum, ==, split->pixel_sum);
  g_assert_cmpuint (first, ==, split->first_image_sum);

  blip_idx_images_free (images);
  g_free (labels);
}

static void
test_real_mnist (void)
{
  g_autofree char *data = blip_test_real_data_dir ("mnist/train-images-idx3-ubyte.gz");
  if (data == NULL)
    return;
  g_autofree char *dir = g_build_filename (data, "mnist", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (mnist_splits); i++)
    check_real_split (dir, &mnist_splits[i]);

  /* One pixel row of the first training image (a 5), as a spot check of
   * row-major order. */
  g_autofree char *ip = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipIdxImages) images = blip_idx_images_load (ip, &error);
  g_assert_no_error (error);
  static const guint8 row14[28] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 81,
                                    240, 253, 253, 119, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  g_assert_cmpmem (images->pixels + 14 * 28, 28, row14, 28);
}

typedef struct {
  const char   *name;
  void        (*damage) (const char *path);
  gboolean      labels;
  gboolean      exact;     /* whether the code is certain, not just "an error" */
  BlipIdxError  expected;
} RealDamage;

static void damage_many (const char *path)
{
  for (int at = 100; at < 4000; at += 397)
    flip_file_byte (path, at);
}

static const RealDamage real_damages[] = {
  { "labels cut in half", damage_half, TRUE, TRUE, BLIP_IDX_ERROR_TRUNCATED },
  { "images cut in half", damage_half, FALSE, TRUE, BLIP_IDX_ERROR_TRUNCATED },
  { "labels CRC flipped", damage_crc, TRUE, TRUE, BLIP_IDX_ERROR_CORRUPT },
  { "labels, bytes flipped throughout", damage_many, TRUE, FALSE, 0 },
  { "images, bytes flipped throughout", damage_many, FALSE, FALSE, 0 },
};

static void
test_real_damaged (void)
{
  g_autofree char *data = blip_test_real_data_dir ("mnist/train-labels-idx1-ubyte.gz");
  if (data == NULL)
    return;
  g_autofree char *tmp = blip_test_mkdtemp ();

  for (gsize i = 0; i < G_N_ELEMENTS (real_damages); i++)
    {
      const RealDamage *d = &real_damages[i];
      const char *name = d->labels ? "t10k-labels-idx1-ubyte.gz" : "t10k-images-idx3-ubyte.gz";
      g_autofree char *src = g_build_filename (data, "mnist", name, NULL);
      g_autofree char *copy = g_build_filename (tmp, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;
      g_file_get_contents (src, &contents, &len, &error);
      g_assert_no_error (error);
      g_file_set_contents (copy, contents, (gssize) len, &error);
      g_assert_no_error (error);
      d->damage (copy);

      if (d->labels)
        {
          int count = 0;
          g_assert_null (blip_idx_labels_load (copy, 10, &count, &error));
        }
      else
        g_assert_null (blip_idx_images_load (copy, &error));

      g_assert_nonnull (error);
      g_test_message ("%s: %s", d->name, error->message);
      g_assert_true (error->domain == BLIP_IDX_ERROR);
      if (d->exact)
        g_assert_error (error, BLIP_IDX_ERROR, (gint) d->expected);
      g_assert_nonnull (strstr (error->message, copy));
    }
  blip_test_rmtree (tmp);
}

/* Debian's dataset-fashion-mnist package, when installed: the same reader
 * must take it, and Fashion-MNIST is balanced by construction. */
static void
test_real_fashion (void)
{
  const char *dir = "/usr/share/datasets/fashion-mnist";
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("/usr/share/datasets/fashion-mnist is absent (apt install dataset-fashion-mnist)");
      return;
    }
  static const struct { const char *prefix; int count; guint8 first[4]; } splits[] = {
    { "train", 60000, { 9, 0, 0, 3 } },
    { "t10k", 10000, { 9, 2, 1, 1 } },
  };
  for (gsize s = 0; s < G_N_ELEMENTS (splits); s++)
    {
      g_autofree char *ip = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", dir, splits[s].prefix);
      g_autofree char *lp = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", dir, splits[s].prefix);
      g_autoptr(GError) error = NULL;
      BlipIdxImages *images = NULL;
      guint8 *labels = NULL;
      g_assert_true (blip_idx_load_pair (ip, lp, 10, &images, &labels, &error));
      g_assert_no_error (error);
      g_assert_cmpint (images->count, ==, splits[s].count);
      g_assert_cmpint (images->rows, ==, 28);
      g_assert_cmpint (images->cols, ==, 28);
      g_assert_cmpmem (labels, 4, splits[s].first, 4);
      int histogram[10] = { 0 };
      for (int i = 0; i < images->count; i++)
        histogram[labels[i]]++;
      for (int c = 0; c < 10; c++)
        g_assert_cmpint (histogram[c], ==, splits[s].count / 10);
      blip_idx_images_free (images);
      g_free (labels);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/idx/roundtrip/plain", "", test_roundtrip);
  g_test_add_data_func ("/idx/roundtrip/gz", ".gz", test_roundtrip);
  g_test_add_func ("/idx/roundtrip/zero-count", test_zero_count);

  static BrokenRun runs[2 * G_N_ELEMENTS (broken_cases)];
  gsize n_runs = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (broken_cases); i++)
    for (int gz = 0; gz <= 1; gz++)
      {
        const BrokenCase *c = &broken_cases[i];
        if ((gz && c->storage == STORE_PLAIN_ONLY) || (!gz && c->storage == STORE_GZ_ONLY))
          continue;
        runs[n_runs] = (BrokenRun) { c, gz };
        g_autofree char *name = g_strdup_printf ("/idx/broken/%s/%s", c->slug, gz ? "gz" : "plain");
        g_test_add_data_func (name, &runs[n_runs], test_broken);
        n_runs++;
      }
  g_test_add_func ("/idx/broken/missing-file", test_missing_file);
  g_test_add_func ("/idx/broken/directory", test_directory);
  g_test_add_func ("/idx/broken/pair-bad-label", test_pair_propagates_label_error);

  g_test_add_func ("/idx/real/mnist", test_real_mnist);
  g_test_add_func ("/idx/real/mnist-damaged", test_real_damaged);
  g_test_add_func ("/idx/real/fashion-mnist", test_real_fashion);

  return g_test_run ();
}
