/* test-images.c — image data sets from folders and tar archives (blip-images.h).
 * On PNG and JPEG fixtures the test encodes itself (always runs):
 *   folder    labels from the class folders sorted by name, images inside a
 *             class in file-name order, CHW planes holding the exact pixels;
 *             a class list gives labels by position, rejects unknown folders
 *             or skips them when asked
 *   decode    grey → RGB repeats the plane, RGB → grey is the BT.601 luma;
 *             JPEG decodes close to its source; resizing averages areas when
 *             shrinking and interpolates when enlarging; an image of another
 *             size is an error naming the file and both sizes unless resizing
 *             is allowed
 *   errors    corrupt JPEG and PNG, empty or unknown class, unsupported file,
 *             file outside a class folder, missing test/, test-only class:
 *             each names the file or folder
 *   archive   a tar.gz the test writes (top-level folder, folder entries, a
 *             GNU long name, a symbolic link, a README) loads exactly as the
 *             same folder does, plain tar too; truncated and damaged archives
 *             and a corrupt image inside one are errors naming the archive
 *             and the path inside it
 *   cache     the second load comes from the cache with identical bytes; other
 *             options or changed content miss; a truncated, bit-flipped or
 *             garbage cache file is ignored and rebuilt
 *   folder    the folder experiment: --tasks parsing and its errors, labels
 *             by place in the task, the first image's shape, per-channel
 *             normalisation by the training images' statistics, --ntasks
 *             reading only the classes it needs, unknown classes and a
 *             missing folder named; tasks survive the JSON round trip
 * On the shared CIFAR-10 archive (when $BLIP_DATA_DIR has it): 50000/10000
 * images, 5000/1000 per class, per-channel means within a grey level of
 * CIFAR-10's published ones, and the first and second (cached) load times. */
#include "blip.h"
#include "blip-images.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 8
#define H 6

static char *cache_dir;

/* Image `seed` of the fixtures: a recognisable pattern per seed. */
static void
pattern (guint8 *px, int w, int h, int c, int seed)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        px[(y * w + x) * c + k] = (guint8) (seed * 37 + y * 11 + x * 5 + k * 60);
}

static void
write_png (const char *path, int w, int h, int c, int seed)
{
  g_autofree guint8 *px = g_malloc ((gsize) w * h * c);
  pattern (px, w, h, c, seed);
  gsize n;
  g_autofree guint8 *png = blip_test_encode_png (px, w, h, c, &n);
  blip_test_write_bytes (path, png, n);
}

static void
mkdirs (const char *root, const char *rel)
{
  g_autofree char *p = g_build_filename (root, rel, NULL);
  g_assert_cmpint (g_mkdir_with_parents (p, 0755), ==, 0);
}

/* Class folders created in an order other than their names'. */
static const char * const fixture_classes[] = { "cherry", "apple", "banana" };
/* Train files, in creation order; in name order they are 1, 10, 2. */
static const char * const train_files[] = { "2.png", "10.png", "1.png" };
static const char * const test_files[] = { "b.png", "a.png" };

static int
seed_of (int split, const char *cls, const char *file)
{
  return (int) (g_str_hash (cls) % 50) * 3 + (int) (g_str_hash (file) % 7) + split * 100;
}

/* root/train/<class>/{2,10,1}.png and root/test/<class>/{b,a}.png, RGB. */
static char *
make_folder (void)
{
  char *root = blip_test_mkdtemp ();
  for (gsize c = 0; c < G_N_ELEMENTS (fixture_classes); c++)
    {
      const char *cls = fixture_classes[c];
      for (int s = 0; s < 2; s++)
        {
          g_autofree char *dir = g_build_filename (s ? "test" : "train", cls, NULL);
          mkdirs (root, dir);
          const char * const *files = s ? test_files : train_files;
          gsize n = s ? G_N_ELEMENTS (test_files) : G_N_ELEMENTS (train_files);
          for (gsize i = 0; i < n; i++)
            {
              g_autofree char *p = g_build_filename (root, dir, files[i], NULL);
              write_png (p, W, H, 3, seed_of (s, cls, files[i]));
            }
        }
    }
  return root;
}

/* The CHW planes of pattern(seed) at W×H×3. */
static void
expected_chw (guint8 *out, int seed)
{
  guint8 px[W * H * 3];
  pattern (px, W, H, 3, seed);
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < W * H; i++)
      out[k * W * H + i] = px[i * 3 + k];
}

static void
load_ok (const char *root, const BlipImageOptions *o, BlipImageSet **train, BlipImageSet **test)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = blip_images_load (root, o, train, test, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static GError *
load_fails (const char *root, const BlipImageOptions *o)
{
  BlipImageSet *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_false (blip_images_load (root, o, &train, &test, &error));
  g_assert_nonnull (error);
  g_test_message ("expected error: %s", error->message);
  return error;
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

static void
test_folder_labels (void)
{
  g_autofree char *root = make_folder ();
  BlipImageOptions o = { .no_cache = TRUE };
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  load_ok (root, &o, &train, &test);
  g_assert_cmpint (train->count, ==, 9);
  g_assert_cmpint (test->count, ==, 6);
  g_assert_cmpint (train->channels, ==, 3);
  g_assert_cmpint (train->height, ==, H);
  g_assert_cmpint (train->width, ==, W);
  g_assert_false (train->from_cache);
  g_assert_cmpint (train->n_classes, ==, 3);
  g_assert_cmpstr (train->class_names[0], ==, "apple");
  g_assert_cmpstr (train->class_names[1], ==, "banana");
  g_assert_cmpstr (train->class_names[2], ==, "cherry");
  g_assert_null (train->class_names[3]);
  g_assert_cmpstr (test->class_names[2], ==, "cherry");

  static const char * const sorted_train[] = { "1.png", "10.png", "2.png" };
  static const char * const sorted_test[] = { "a.png", "b.png" };
  static const char * const by_name[] = { "apple", "banana", "cherry" };
  guint8 want[W * H * 3];
  for (int s = 0; s < 2; s++)
    {
      BlipImageSet *set = s ? test : train;
      int per = s ? 2 : 3;
      for (int i = 0; i < set->count; i++)
        {
          int c = i / per;
          g_assert_cmpint (set->labels[i], ==, c);
          expected_chw (want, seed_of (s, by_name[c], (s ? sorted_test : sorted_train)[i % per]));
          g_assert_cmpmem (set->pixels + (gsize) i * sizeof want, sizeof want, want, sizeof want);
        }
    }
  blip_test_rmtree (root);
}

static void
test_folder_class_list (void)
{
  g_autofree char *root = make_folder ();
  static const char * const listed[] = { "cherry", "apple", "banana", NULL };
  BlipImageOptions o = { .no_cache = TRUE, .classes = listed };
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  load_ok (root, &o, &train, &test);
  /* labels are positions in the list */
  g_assert_cmpstr (train->class_names[0], ==, "cherry");
  g_assert_cmpint (train->labels[0], ==, 0);
  g_assert_cmpint (train->labels[8], ==, 2);
  guint8 want[W * H * 3];
  expected_chw (want, seed_of (0, "cherry", "1.png"));
  g_assert_cmpmem (train->pixels, sizeof want, want, sizeof want);

  static const char * const fewer[] = { "apple", "cherry", NULL };
  o.classes = fewer;
  g_autoptr(GError) error = load_fails (root, &o);
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
  assert_contains (error->message, "unknown class folder “banana”");
  g_autofree char *folder = g_build_filename (root, "train", "banana", NULL);
  assert_contains (error->message, folder);

  o.skip_other_classes = TRUE;
  g_autoptr(BlipImageSet) tr2 = NULL;
  g_autoptr(BlipImageSet) te2 = NULL;
  load_ok (root, &o, &tr2, &te2);
  g_assert_cmpint (tr2->count, ==, 6);
  g_assert_cmpint (tr2->n_classes, ==, 2);
  g_assert_cmpint (tr2->labels[5], ==, 1);

  static const char * const extra[] = { "apple", "banana", "cherry", "durian", NULL };
  o.classes = extra;
  g_autoptr(GError) e2 = load_fails (root, &o);
  assert_contains (e2->message, "missing class folder");
  assert_contains (e2->message, "durian");
  blip_test_rmtree (root);
}

static guint8 *
decode (const guint8 *data, gsize n, int *c, int *h, int *w, gboolean resize)
{
  g_autoptr(GError) error = NULL;
  guint8 *out = blip_image_decode (data, n, "fixture", c, h, w, resize, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static void
test_decode_grey_rgb (void)
{
  guint8 grey[W * H], rgb[W * H * 3];
  pattern (grey, W, H, 1, 5);
  pattern (rgb, W, H, 3, 9);
  gsize ng, nc;
  g_autofree guint8 *png_grey = blip_test_encode_png (grey, W, H, 1, &ng);
  g_autofree guint8 *png_rgb = blip_test_encode_png (rgb, W, H, 3, &nc);

  int c = 0, h = 0, w = 0;
  g_autofree guint8 *as_stored = decode (png_grey, ng, &c, &h, &w, FALSE);
  g_assert_cmpint (c, ==, 1);
  g_assert_cmpint (h, ==, H);
  g_assert_cmpint (w, ==, W);
  g_assert_cmpmem (as_stored, W * H, grey, W * H);

  c = 3;
  g_autofree guint8 *grey3 = decode (png_grey, ng, &c, &h, &w, FALSE);
  for (int k = 0; k < 3; k++)
    g_assert_cmpmem (grey3 + k * W * H, W * H, grey, W * H);

  c = 1;
  g_autofree guint8 *luma = decode (png_rgb, nc, &c, &h, &w, FALSE);
  for (int i = 0; i < W * H; i++)
    {
      int want = (299 * rgb[3 * i] + 587 * rgb[3 * i + 1] + 114 * rgb[3 * i + 2] + 500) / 1000;
      g_assert_cmpint (luma[i], ==, want);
    }

  /* JPEG: close to the source, grey and colour */
  gsize nj, njg;
  g_autofree guint8 *jpg = blip_test_encode_jpeg (rgb, W, H, 3, 100, &nj);
  g_autofree guint8 *jpg_grey = blip_test_encode_jpeg (grey, W, H, 1, 100, &njg);
  c = 0;
  g_autofree guint8 *dj = decode (jpg, nj, &c, &h, &w, FALSE);
  g_assert_cmpint (c, ==, 3);
  int worst = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < W * H; i++)
      worst = MAX (worst, abs ((int) dj[k * W * H + i] - rgb[3 * i + k]));
  g_test_message ("JPEG quality 100 round trip: largest error %d grey levels", worst);
  g_assert_cmpint (worst, <=, 12);
  c = 3;
  g_autofree guint8 *djg = decode (jpg_grey, njg, &c, &h, &w, FALSE);
  g_assert_cmpmem (djg, W * H, djg + W * H, W * H);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpint (abs ((int) djg[i] - grey[i]), <=, 3);
}

static void
test_decode_resize (void)
{
  /* 4×4 → 2×2 averages each 2×2 block */
  guint8 img[16];
  for (int i = 0; i < 16; i++)
    img[i] = (guint8) (i * 13);
  gsize n;
  g_autofree guint8 *png = blip_test_encode_png (img, 4, 4, 1, &n);
  int c = 1, h = 2, w = 2;
  g_autoptr(GError) error = NULL;
  g_assert_null (blip_image_decode (png, n, "small.png", &c, &h, &w, FALSE, &error));
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE);
  assert_contains (error->message, "small.png");
  assert_contains (error->message, "4×4");
  assert_contains (error->message, "2×2");
  g_autofree guint8 *small = decode (png, n, &c, &h, &w, TRUE);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      {
        int sum = 0;
        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            sum += img[(2 * y + dy) * 4 + 2 * x + dx];
        g_assert_cmpint (small[y * 2 + x], ==, (int) floor (sum / 4.0 + 0.5));
      }
  /* 3 → 2 per axis: partly covered pixels count by the part covered */
  guint8 row[3] = { 0, 90, 180 };
  g_autofree guint8 *png3 = blip_test_encode_png (row, 3, 1, 1, &n);
  c = 1, h = 1, w = 2;
  g_autofree guint8 *r2 = decode (png3, n, &c, &h, &w, TRUE);
  g_assert_cmpint (r2[0], ==, 30);    /* (0·1 + 90·0.5) / 1.5 */
  g_assert_cmpint (r2[1], ==, 150);   /* (90·0.5 + 180·1) / 1.5 */
  /* 2 → 4: linear between centres, clamped at the edges */
  guint8 two[2] = { 0, 200 };
  g_autofree guint8 *png2 = blip_test_encode_png (two, 2, 1, 1, &n);
  c = 1, h = 1, w = 4;
  g_autofree guint8 *r4 = decode (png2, n, &c, &h, &w, TRUE);
  g_assert_cmpint (r4[0], ==, 0);
  g_assert_cmpint (r4[1], ==, 50);
  g_assert_cmpint (r4[2], ==, 150);
  g_assert_cmpint (r4[3], ==, 200);
  /* a constant image stays constant at any size */
  guint8 flat[35];
  memset (flat, 77, sizeof flat);
  g_autofree guint8 *pngf = blip_test_encode_png (flat, 7, 5, 1, &n);
  c = 3, h = 3, w = 11;
  g_autofree guint8 *rf = decode (pngf, n, &c, &h, &w, TRUE);
  for (int i = 0; i < 3 * 3 * 11; i++)
    g_assert_cmpint (rf[i], ==, 77);
}

static void
test_wrong_size (void)
{
  g_autofree char *root = make_folder ();
  g_autofree char *odd = g_build_filename (root, "train", "banana", "3.png", NULL);
  write_png (odd, 10, 7, 3, 1);
  BlipImageOptions o = { .no_cache = TRUE };
  g_autoptr(GError) error = load_fails (root, &o);
  g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE);
  assert_contains (error->message, odd);
  assert_contains (error->message, "10×7");
  assert_contains (error->message, "8×6");

  o.allow_resize = TRUE;
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  load_ok (root, &o, &train, &test);
  g_assert_cmpint (train->count, ==, 10);
  g_assert_cmpint (train->width, ==, W);

  /* the size asked for wins over the first image's */
  o.height = 3;
  o.width = 4;
  o.channels = 1;
  g_autoptr(BlipImageSet) tr2 = NULL;
  g_autoptr(BlipImageSet) te2 = NULL;
  load_ok (root, &o, &tr2, &te2);
  g_assert_cmpint (tr2->channels, ==, 1);
  g_assert_cmpint (tr2->height, ==, 3);
  g_assert_cmpint (tr2->width, ==, 4);
  blip_test_rmtree (root);
}

static void
test_corrupt_images (void)
{
  guint8 rgb[W * H * 3];
  pattern (rgb, W, H, 3, 3);
  for (int kind = 0; kind < 2; kind++)
    {
      g_autofree char *root = make_folder ();
      gsize n;
      g_autofree guint8 *bytes = kind ? blip_test_encode_png (rgb, W, H, 3, &n)
                                      : blip_test_encode_jpeg (rgb, W, H, 3, 90, &n);
      g_autofree char *bad = NULL;
      if (kind == 0)
        {
          /* a JPEG cut short: libjpeg would pad it with grey and warn */
          bad = g_build_filename (root, "test", "apple", "c.jpg", NULL);
          blip_test_write_bytes (bad, bytes, n * 2 / 3);
        }
      else
        {
          /* a PNG with a damaged IDAT (its CRC no longer matches) */
          guint8 *idat = NULL;
          for (gsize i = 0; i + 4 <= n && idat == NULL; i++)
            if (memcmp (bytes + i, "IDAT", 4) == 0)
              idat = bytes + i;
          g_assert_nonnull (idat);
          idat[6] ^= 0x55;
          bad = g_build_filename (root, "test", "apple", "c.png", NULL);
          blip_test_write_bytes (bad, bytes, n);
        }
      BlipImageOptions o = { .no_cache = TRUE };
      g_autoptr(GError) error = load_fails (root, &o);
      g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE);
      assert_contains (error->message, bad);
      assert_contains (error->message, kind ? "PNG" : "JPEG");
      /* not an image at all */
      g_autofree char *text = g_build_filename (root, "test", "apple", "c.jpeg", NULL);
      g_unlink (bad);
      blip_test_write_bytes (text, (const guint8 *) "hello", 5);
      g_autoptr(GError) e2 = load_fails (root, &o);
      g_assert_error (e2, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE);
      assert_contains (e2->message, text);
      blip_test_rmtree (root);
    }
}

static void
test_layout_errors (void)
{
  BlipImageOptions o = { .no_cache = TRUE };
  struct {
    const char *what;
    const char *dir;       /* made under a fresh fixture */
    const char *file;      /* written as text under it, or NULL */
    const char *remove;    /* a folder emptied and removed, or NULL */
    const char *message;   /* part of the error */
    const char *names;     /* path (relative to the root) the error names */
  } cases[] = {
    { "empty class", "train/durian", NULL, NULL, "empty class folder", "train/durian" },
    { "unsupported file", NULL, "train/apple/notes.txt", NULL, "unsupported file type", "train/apple/notes.txt" },
    { "file outside a class", NULL, "train/loose.png", NULL, "a file directly in train/", "train/loose.png" },
    { "nested folder", "train/apple/more", NULL, NULL, "nested folder", "train/apple/more" },
    { "test-only class", "test/durian", "test/durian/x.png", NULL, "a test class that train/ does not have", "test/durian" },
    { "class without test images", NULL, NULL, "test/banana", "missing class folder", "test/banana" },
    { "no test split", NULL, NULL, "test", "no test/ folder", "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case: %s", cases[i].what);
      g_autofree char *root = make_folder ();
      if (cases[i].dir)
        mkdirs (root, cases[i].dir);
      if (cases[i].file)
        {
          g_autofree char *p = g_build_filename (root, cases[i].file, NULL);
          if (g_str_has_suffix (p, ".png"))
            write_png (p, W, H, 3, 1);
          else
            blip_test_write_bytes (p, (const guint8 *) "text", 4);
        }
      if (cases[i].remove)
        {
          g_autofree char *p = g_build_filename (root, cases[i].remove, NULL);
          blip_test_rmtree (p);
        }
      g_autoptr(GError) error = load_fails (root, &o);
      g_assert_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
      assert_contains (error->message, cases[i].message);
      g_autofree char *named = g_build_filename (root, cases[i].names, NULL);
      assert_contains (error->message, named);
      blip_test_rmtree (root);
    }

  /* hidden files are not data */
  g_autofree char *root = make_folder ();
  g_autofree char *ds = g_build_filename (root, "train", "apple", ".DS_Store", NULL);
  blip_test_write_bytes (ds, (const guint8 *) "junk", 4);
  mkdirs (root, "train/.git");
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  load_ok (root, &o, &train, &test);
  g_assert_cmpint (train->count, ==, 9);
  blip_test_rmtree (root);

  g_autoptr(GError) missing = load_fails ("/nonexistent/blip-images", &o);
  g_assert_error (missing, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO);
  assert_contains (missing->message, "/nonexistent/blip-images");
}

/* The fixture folder as a tar under `top`, with folder entries, a symbolic
 * link and a README; names of 100 bytes or more get GNU long-name entries. */
static GByteArray *
folder_as_tar (const char *root, const char *top)
{
  GByteArray *tar = g_byte_array_new ();
  blip_test_tar_add (tar, "README.md", '0', (const guint8 *) "read me\n", 8);
  g_autofree char *topdir = g_strconcat (top, "/", NULL);
  blip_test_tar_add (tar, topdir, '5', NULL, 0);
  for (int s = 1; s >= 0; s--)   /* test first: archive order does not matter */
    {
      const char *split = s ? "test" : "train";
      g_autofree char *sd = g_strdup_printf ("%s/%s/", top, split);
      blip_test_tar_add (tar, sd, '5', NULL, 0);
      for (gsize c = 0; c < G_N_ELEMENTS (fixture_classes); c++)
        {
          g_autofree char *cd = g_strdup_printf ("%s%s/", sd, fixture_classes[c]);
          blip_test_tar_add (tar, cd, '5', NULL, 0);
          g_autofree char *disk = g_build_filename (root, split, fixture_classes[c], NULL);
          GDir *d = g_dir_open (disk, 0, NULL);
          const char *f;
          while ((f = g_dir_read_name (d)) != NULL)
            {
              g_autofree char *p = g_build_filename (disk, f, NULL);
              g_autoptr(GBytes) b = blip_test_read_file (p);
              g_autofree char *name = g_strconcat (cd, f, NULL);
              gsize n;
              const guint8 *data = g_bytes_get_data (b, &n);
              blip_test_tar_add (tar, name, '0', data, n);
            }
          g_dir_close (d);
        }
      g_autofree char *link = g_strdup_printf ("%sapple/link.png", sd);
      blip_test_tar_add (tar, link, '2', NULL, 0);
    }
  blip_test_tar_finish (tar);
  return tar;
}

static void
assert_same_sets (const BlipImageSet *a, const BlipImageSet *b)
{
  g_assert_cmpint (a->count, ==, b->count);
  g_assert_cmpint (a->n_classes, ==, b->n_classes);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->width, ==, b->width);
  for (int c = 0; c < a->n_classes; c++)
    g_assert_cmpstr (a->class_names[c], ==, b->class_names[c]);
  g_assert_cmpmem (a->labels, a->count * sizeof (gint32), b->labels, b->count * sizeof (gint32));
  gsize bytes = (gsize) a->count * a->channels * a->height * a->width;
  g_assert_cmpmem (a->pixels, bytes, b->pixels, bytes);
}

static char *
write_gz (const char *dir, const char *name, GByteArray *tar)
{
  char *path = g_build_filename (dir, name, NULL);
  blip_test_write_bytes (path, tar->data, tar->len);
  return path;
}

static void
test_archive (void)
{
  g_autofree char *root = make_folder ();
  /* a long file name that sorts last in banana/ */
  g_autofree char *long_file = g_strnfill (110, 'z');
  g_autofree char *long_png = g_strconcat (long_file, ".png", NULL);
  g_autofree char *long_path = g_build_filename (root, "train", "banana", long_png, NULL);
  write_png (long_path, W, H, 3, 42);

  BlipImageOptions o = { .no_cache = TRUE };
  g_autoptr(BlipImageSet) ftrain = NULL;
  g_autoptr(BlipImageSet) ftest = NULL;
  load_ok (root, &o, &ftrain, &ftest);
  g_assert_cmpint (ftrain->count, ==, 10);

  g_autoptr(GByteArray) tar = folder_as_tar (root, "mydata");
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *gz = write_gz (dir, "mydata.tar.gz", tar);
  g_autoptr(BlipImageSet) atrain = NULL;
  g_autoptr(BlipImageSet) atest = NULL;
  load_ok (gz, &o, &atrain, &atest);
  assert_same_sets (ftrain, atrain);
  assert_same_sets (ftest, atest);

  /* plain tar, from memory */
  g_autoptr(BlipImageSet) mtrain = NULL;
  g_autoptr(BlipImageSet) mtest = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_images_load_archive_bytes (tar->data, tar->len, "mem.tar", &o, &mtrain, &mtest, &error));
  g_assert_no_error (error);
  assert_same_sets (ftrain, mtrain);

  /* a folder holding the data set under one sub-folder */
  g_autofree char *outer = blip_test_mkdtemp ();
  g_autofree char *inner = g_build_filename (outer, "mydata", NULL);
  g_assert_cmpint (g_rename (root, inner), ==, 0);
  g_autoptr(BlipImageSet) otrain = NULL;
  g_autoptr(BlipImageSet) otest = NULL;
  load_ok (outer, &o, &otrain, &otest);
  assert_same_sets (ftrain, otrain);
  blip_test_rmtree (outer);
  blip_test_rmtree (dir);
}

static void
test_archive_errors (void)
{
  g_autofree char *root = make_folder ();
  g_autoptr(GByteArray) tar = folder_as_tar (root, "mydata");
  g_autofree char *dir = blip_test_mkdtemp ();
  BlipImageOptions o = { .no_cache = TRUE };

  /* cut short: the gzip stream ends early */
  g_autofree char *gz = write_gz (dir, "full.tar.gz", tar);
  g_autoptr(GBytes) whole = blip_test_read_file (gz);
  gsize n;
  const guint8 *bytes = g_bytes_get_data (whole, &n);
  g_autofree char *cut = g_build_filename (dir, "cut.tgz", NULL);
  blip_test_write_bytes (cut, bytes, n / 2);
  g_autoptr(GError) e1 = load_fails (cut, &o);
  g_assert_error (e1, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE);
  assert_contains (e1->message, cut);
  assert_contains (e1->message, "truncated");

  /* damaged deflate data */
  g_autofree guint8 *flipped = g_memdup2 (bytes, n);
  for (gsize i = 40; i < 80 && i < n; i++)
    flipped[i] ^= 0xa5;
  g_autofree char *bad = g_build_filename (dir, "bad.tgz", NULL);
  blip_test_write_bytes (bad, flipped, n);
  g_autoptr(GError) e2 = load_fails (bad, &o);
  g_assert_error (e2, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE);
  assert_contains (e2->message, bad);

  /* a damaged tar header (its checksum no longer matches) */
  g_autoptr(GByteArray) t2 = g_byte_array_new ();
  g_byte_array_append (t2, tar->data, tar->len);
  t2->data[512 + 512 + 3] ^= 1;    /* the name of the second entry */
  g_autofree char *hdr = write_gz (dir, "header.tar.gz", t2);
  g_autoptr(GError) e3 = load_fails (hdr, &o);
  g_assert_error (e3, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE);
  assert_contains (e3->message, "damaged tar header after README.md");

  /* not an archive at all */
  g_autofree char *png = g_build_filename (root, "train", "apple", "1.png", NULL);
  g_autoptr(GError) e4 = load_fails (png, &o);
  g_assert_error (e4, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE);
  assert_contains (e4->message, "not a tar or tar.gz archive");

  /* a corrupt image inside: named by archive and path inside it */
  g_autofree char *victim = g_build_filename (root, "train", "cherry", "10.png", NULL);
  blip_test_write_bytes (victim, (const guint8 *) "\x89PNG\r\n\x1a\nbroken", 14);
  g_autoptr(GByteArray) t3 = folder_as_tar (root, "mydata");
  g_autofree char *inner = write_gz (dir, "inner.tar.gz", t3);
  g_autoptr(GError) e5 = load_fails (inner, &o);
  g_assert_error (e5, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE);
  g_autofree char *want = g_strdup_printf ("%s: mydata/train/cherry/10.png", inner);
  assert_contains (e5->message, want);

  /* an archive without the layout */
  g_autoptr(GByteArray) t4 = g_byte_array_new ();
  blip_test_tar_add (t4, "pictures/cat.png", '0', (const guint8 *) "x", 1);
  blip_test_tar_finish (t4);
  g_autofree char *other = write_gz (dir, "other.tar.gz", t4);
  g_autoptr(GError) e6 = load_fails (other, &o);
  g_assert_error (e6, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
  assert_contains (e6->message, "no train/ folder in the archive");
  blip_test_rmtree (root);
  blip_test_rmtree (dir);
}

/* The one cache file of the test's cache folder. */
static char *
only_cache_file (void)
{
  g_autofree char *dir = blip_images_cache_dir ();
  g_assert_true (g_str_has_prefix (dir, cache_dir));
  GDir *d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  char *found = NULL;
  const char *f;
  int n = 0;
  while ((f = g_dir_read_name (d)) != NULL)
    {
      g_assert_true (g_str_has_suffix (f, ".bin"));   /* no temporary left behind */
      found = g_build_filename (dir, f, NULL);
      n++;
    }
  g_dir_close (d);
  g_assert_cmpint (n, ==, 1);
  return found;
}

static void
clear_cache (void)
{
  g_autofree char *dir = blip_images_cache_dir ();
  blip_test_rmtree (dir);
}

static void
test_cache (void)
{
  clear_cache ();
  g_autofree char *root = make_folder ();
  g_autoptr(GByteArray) tar = folder_as_tar (root, "d");
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *gz = write_gz (dir, "d.tar.gz", tar);
  BlipImageOptions o = { 0 };

  g_autoptr(BlipImageSet) t0 = NULL;
  g_autoptr(BlipImageSet) s0 = NULL;
  load_ok (gz, &o, &t0, &s0);
  g_assert_false (t0->from_cache);
  g_autofree char *file = only_cache_file ();

  g_autoptr(BlipImageSet) t1 = NULL;
  g_autoptr(BlipImageSet) s1 = NULL;
  load_ok (gz, &o, &t1, &s1);
  g_assert_true (t1->from_cache);
  g_assert_true (s1->from_cache);
  assert_same_sets (t0, t1);
  assert_same_sets (s0, s1);

  /* the same bytes elsewhere hit: the key is the content, not the path */
  g_autoptr(GBytes) gz_bytes = blip_test_read_file (gz);
  g_autofree char *copy = g_build_filename (dir, "copy.tgz", NULL);
  blip_test_write_bytes (copy, g_bytes_get_data (gz_bytes, NULL), g_bytes_get_size (gz_bytes));
  g_autoptr(BlipImageSet) t2 = NULL;
  g_autoptr(BlipImageSet) s2 = NULL;
  load_ok (copy, &o, &t2, &s2);
  g_assert_true (t2->from_cache);

  /* damaged cache files are not trusted: each is rebuilt */
  g_autoptr(GBytes) good = blip_test_read_file (file);
  gsize n;
  const guint8 *bytes = g_bytes_get_data (good, &n);
  for (int damage = 0; damage < 4; damage++)
    {
      g_autofree guint8 *bad = g_memdup2 (bytes, n);
      gsize len = n;
      const char *what;
      switch (damage)
        {
        case 0: len = n - 1; what = "truncated by a byte"; break;
        case 1: bad[n - 5] ^= 0x10; what = "a pixel bit flipped"; break;
        case 2: memset (bad, 'x', 64); what = "garbage header"; break;
        default: len = 10; what = "ten bytes"; break;
        }
      g_test_message ("cache file %s", what);
      blip_test_write_bytes (file, bad, len);
      g_autoptr(BlipImageSet) tr = NULL;
      g_autoptr(BlipImageSet) te = NULL;
      load_ok (gz, &o, &tr, &te);
      g_assert_false (tr->from_cache);
      assert_same_sets (t0, tr);
      assert_same_sets (s0, te);
      g_autoptr(GBytes) rebuilt = blip_test_read_file (file);
      g_assert_true (g_bytes_equal (rebuilt, good));
    }

  /* other options: another cache entry */
  o.channels = 1;
  g_autoptr(BlipImageSet) t3 = NULL;
  g_autoptr(BlipImageSet) s3 = NULL;
  load_ok (gz, &o, &t3, &s3);
  g_assert_false (t3->from_cache);
  g_assert_cmpint (t3->channels, ==, 1);

  /* folders: keyed by content, so changing one image misses */
  o.channels = 0;
  clear_cache ();
  g_autoptr(BlipImageSet) f0 = NULL;
  g_autoptr(BlipImageSet) g0 = NULL;
  load_ok (root, &o, &f0, &g0);
  g_assert_false (f0->from_cache);
  g_autoptr(BlipImageSet) f1 = NULL;
  g_autoptr(BlipImageSet) g1 = NULL;
  load_ok (root, &o, &f1, &g1);
  g_assert_true (f1->from_cache);
  assert_same_sets (f0, f1);
  g_autofree char *img = g_build_filename (root, "test", "apple", "a.png", NULL);
  write_png (img, W, H, 3, 99);
  g_autoptr(BlipImageSet) f2 = NULL;
  g_autoptr(BlipImageSet) g2 = NULL;
  load_ok (root, &o, &f2, &g2);
  g_assert_false (f2->from_cache);
  guint8 want[W * H * 3];
  expected_chw (want, 99);
  g_assert_cmpmem (g2->pixels, sizeof want, want, sizeof want);

  clear_cache ();
  blip_test_rmtree (root);
  blip_test_rmtree (dir);
}

static void
test_real_cifar10 (void)
{
  g_autofree char *data = blip_test_real_data_dir ("cifar-10-images/cifar-10-images.tar.gz");
  if (data == NULL)
    return;
  clear_cache ();
  g_autofree char *archive = g_build_filename (data, "cifar-10-images", "cifar-10-images.tar.gz", NULL);
  BlipImageOptions o = { .channels = 3, .height = 32, .width = 32 };
  double seconds[2];
  BlipImageSet *train[2], *test[2];
  for (int k = 0; k < 2; k++)
    {
      gint64 t0 = g_get_monotonic_time ();
      load_ok (archive, &o, &train[k], &test[k]);
      seconds[k] = (g_get_monotonic_time () - t0) / 1e6;
      g_assert_cmpint (train[k]->from_cache, ==, k == 1);
    }
  g_test_message ("CIFAR-10 JPEG archive (%s): first load %.2f s (decoding 60000 JPEGs), "
                  "second load %.2f s (from the cache)", archive, seconds[0], seconds[1]);
  g_assert_cmpfloat (seconds[1], <, seconds[0]);
  assert_same_sets (train[0], train[1]);
  assert_same_sets (test[0], test[1]);

  static const char * const names[] = { "airplane", "automobile", "bird", "cat", "deer",
                                        "dog", "frog", "horse", "ship", "truck" };
  BlipImageSet *tr = train[1], *te = test[1];
  g_assert_cmpint (tr->count, ==, 50000);
  g_assert_cmpint (te->count, ==, 10000);
  g_assert_cmpint (tr->n_classes, ==, 10);
  for (int c = 0; c < 10; c++)
    g_assert_cmpstr (tr->class_names[c], ==, names[c]);
  int per_train[10] = { 0 }, per_test[10] = { 0 };
  for (int i = 0; i < tr->count; i++)
    per_train[tr->labels[i]]++;
  for (int i = 0; i < te->count; i++)
    per_test[te->labels[i]]++;
  for (int c = 0; c < 10; c++)
    {
      g_assert_cmpint (per_train[c], ==, 5000);
      g_assert_cmpint (per_test[c], ==, 1000);
    }
  /* CIFAR-10's published training means, (0.49139968, 0.48215841, 0.44653091)
   * × 255; JPEG moves them by a fraction of a grey level. */
  static const double published[3] = { 125.30691805, 122.95039414, 113.86538318 };
  for (int c = 0; c < 3; c++)
    {
      double sum = 0;
      for (int i = 0; i < tr->count; i++)
        {
          const guint8 *p = tr->pixels + (gsize) i * 3072 + c * 1024;
          guint64 s = 0;
          for (int k = 0; k < 1024; k++)
            s += p[k];
          sum += s;
        }
      double mean = sum / (tr->count * 1024.0);
      g_test_message ("channel %d: mean %.3f, published %.3f", c, mean, published[c]);
      g_assert_cmpfloat (fabs (mean - published[c]), <, 1.0);
    }
  for (int k = 0; k < 2; k++)
    {
      blip_image_set_free (train[k]);
      blip_image_set_free (test[k]);
    }
  clear_cache ();
}

static void
test_tasks_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) t = blip_config_parse_tasks (" cat , dog;car,truck,ship ", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->len, ==, 2);
  char **a = g_ptr_array_index (t, 0), **b = g_ptr_array_index (t, 1);
  g_assert_cmpuint (g_strv_length (a), ==, 2);
  g_assert_cmpstr (a[0], ==, "cat");
  g_assert_cmpstr (a[1], ==, "dog");
  g_assert_cmpuint (g_strv_length (b), ==, 3);
  g_assert_cmpstr (b[2], ==, "ship");

  static const struct { const char *spec, *message; } bad[] = {
    { "cat", "task 1 has 1 class" },
    { "", "no tasks given" },
    { "cat,dog;", "task 2 has 0 classes" },
    { "cat,,dog", "task 1 has an empty class name" },
    { "cat,dog;car,car", "task 2 lists “car” twice" },
    { "cat/x,dog", "“cat/x” is not a class folder name" },
    { ".git,dog", "“.git” is not a class folder name" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_null (blip_config_parse_tasks (bad[i].spec, &e));
      g_assert_error (e, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID);
      assert_contains (e->message, "--tasks");
      assert_contains (e->message, bad[i].message);
    }

  /* the config: folder needs tasks, other experiments refuse them */
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_cmpstr (c.tasks, ==, "");
  g_assert_true (blip_config_apply_preset (&c, "folder", NULL));
  g_autoptr(GError) e1 = NULL;
  g_assert_false (blip_config_validate (&c, &e1));
  assert_contains (e1->message, "--tasks");
  g_free (c.tasks);
  c.tasks = g_strdup ("cat,dog;car,truck");
  g_assert_true (blip_config_validate (&c, NULL));
  GString *json = g_string_new (NULL);
  blip_config_append_json (json, &c, "");
  BlipConfig back;
  blip_config_init_defaults (&back);
  g_autoptr(GError) e2 = NULL;
  g_assert_true (blip_config_from_json (&back, json->str, json->len, &e2));
  g_assert_no_error (e2);
  g_assert_cmpstr (back.tasks, ==, "cat,dog;car,truck");
  g_assert_cmpstr (back.experiment, ==, "folder");
  BlipConfig copy;
  blip_config_copy (&copy, &back);
  g_assert_cmpstr (copy.tasks, ==, "cat,dog;car,truck");
  g_string_free (json, TRUE);
  g_assert_true (blip_config_apply_preset (&back, "mnist5", NULL));
  g_autoptr(GError) e3 = NULL;
  g_assert_false (blip_config_validate (&back, &e3));
  assert_contains (e3->message, "--tasks applies to --experiment folder only");
  blip_config_clear (&c);
  blip_config_clear (&back);
  blip_config_clear (&copy);
}

static BlipExperiment *
open_folder (const char *dir, const char *tasks, int ntasks, GError **error)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "folder", NULL));
  c.data_dir = g_strdup (dir);
  g_free (c.tasks);
  c.tasks = g_strdup (tasks);
  c.ntasks = ntasks;
  /* 6 training images a task: a third for validation leaves 2 */
  c.valid_fraction = 0.34;
  BlipExperiment *e = blip_experiment_open (&c, error);
  blip_config_clear (&c);
  return e;
}

static void
test_folder_experiment (void)
{
  g_autofree char *root = make_folder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_folder (root, "cherry, apple;banana,cherry", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->name, ==, "folder");
  g_assert_cmpint (e->n_tasks, ==, 2);
  g_assert_cmpint (e->channels, ==, 3);
  g_assert_cmpint (e->height, ==, H);
  g_assert_cmpint (e->width, ==, W);
  g_assert_cmpint (e->input_dim, ==, 3 * H * W);
  g_assert_cmpstr (e->tasks[0].name, ==, "cherry-apple");
  g_assert_cmpstr (e->tasks[1].name, ==, "banana-cherry");
  for (int t = 0; t < 2; t++)
    {
      const BlipTask *task = &e->tasks[t];
      g_assert_cmpint (task->ncla, ==, 2);
      g_assert_cmpint (task->train.n, ==, 4);
      g_assert_cmpint (task->valid.n, ==, 2);
      g_assert_cmpint (task->test.n, ==, 4);
      g_assert_cmpint (task->test.plane_size, ==, H * W);
    }
  /* the store holds the listed classes in order of mention: cherry, apple,
   * banana; the test split's images are two per class */
  const BlipSplit *t0 = &e->tasks[0].test, *t1 = &e->tasks[1].test;
  static const int want0[] = { 0, 0, 1, 1 }, want1[] = { 1, 1, 0, 0 };
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpint (t0->labels[i], ==, want0[i]);
      g_assert_cmpint (t1->labels[i], ==, want1[i]);
    }
  float x[3 * H * W];
  blip_split_gather_range (t0, 0, 1, x, NULL);
  guint8 first[W * H * 3];
  expected_chw (first, seed_of (1, "cherry", "a.png"));

  /* normalised by the training images' own per-channel statistics */
  double sum[3] = { 0 }, sq[3] = { 0 };
  static const char * const files[] = { "1.png", "10.png", "2.png" };
  for (gsize c = 0; c < G_N_ELEMENTS (fixture_classes); c++)
    for (int f = 0; f < 3; f++)
      {
        guint8 img[W * H * 3];
        expected_chw (img, seed_of (0, fixture_classes[c], files[f]));
        for (int k = 0; k < 3 * W * H; k++)
          {
            sum[k / (W * H)] += img[k];
            sq[k / (W * H)] += (double) img[k] * img[k];
          }
      }
  for (int k = 0; k < 3 * W * H; k++)
    {
      int c = k / (W * H);
      double n = 9.0 * W * H, mean = sum[c] / n, sd = sqrt (sq[c] / n - mean * mean);
      double want = (first[k] - mean) / sd;
      g_assert_cmpfloat (fabs (x[k] - want), <, 1e-4);
    }

  /* --ntasks 1 reads only the first task's classes */
  g_autofree char *banana = g_build_filename (root, "test", "banana", NULL);
  blip_test_rmtree (banana);
  g_autoptr(BlipExperiment) one = open_folder (root, "cherry,apple;banana,cherry", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->n_tasks, ==, 1);
  g_autoptr(GError) e2 = NULL;
  g_assert_null (open_folder (root, "cherry,apple;banana,cherry", 0, &e2));
  g_assert_error (e2, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
  assert_contains (e2->message, banana);

  /* a class that is not there: the error lists the folders that are */
  g_autoptr(GError) e3 = NULL;
  g_assert_null (open_folder (root, "cherry,durian", 0, &e3));
  g_assert_error (e3, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT);
  g_test_message ("%s", e3->message);
  assert_contains (e3->message, "train/durian/: missing class folder");
  assert_contains (e3->message, "not asked for are: apple, banana");

  g_autoptr(GError) e4 = NULL;
  g_assert_null (open_folder ("/nonexistent/images", "a,b", 0, &e4));
  g_assert_error (e4, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  assert_contains (e4->message, "/nonexistent/images");
  blip_test_rmtree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Never touch the user's cache. */
  cache_dir = blip_test_mkdtemp ();
  g_setenv ("BLIP_CACHE_DIR", cache_dir, TRUE);

  g_test_add_func ("/images/folder/labels-and-order", test_folder_labels);
  g_test_add_func ("/images/folder/class-list", test_folder_class_list);
  g_test_add_func ("/images/decode/grey-rgb", test_decode_grey_rgb);
  g_test_add_func ("/images/decode/resize", test_decode_resize);
  g_test_add_func ("/images/error/wrong-size", test_wrong_size);
  g_test_add_func ("/images/error/corrupt", test_corrupt_images);
  g_test_add_func ("/images/error/layout", test_layout_errors);
  g_test_add_func ("/images/archive/same-as-folder", test_archive);
  g_test_add_func ("/images/archive/errors", test_archive_errors);
  g_test_add_func ("/images/cache", test_cache);
  g_test_add_func ("/images/experiment/tasks", test_tasks_parse);
  g_test_add_func ("/images/experiment/folder", test_folder_experiment);
  g_test_add_func ("/images/real/cifar10", test_real_cifar10);
  int rc = g_test_run ();
  blip_test_rmtree (cache_dir);
  g_free (cache_dir);
  return rc;
}
