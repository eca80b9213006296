/* blip-test-util.c — see blip-test-util.h. */
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <zlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdio.h>
#include <jpeglib.h>
#include <png.h>

char *
blip_test_real_data_dir (const char *relative_file)
{
  const char *dir = g_getenv ("BLIP_DATA_DIR");
  if (dir == NULL || *dir == '\0')
    {
      g_test_skip ("BLIP_DATA_DIR is not set: the real data sets are not available here "
                   "(.ci/run points it at ../shared/data)");
      return NULL;
    }
  g_autofree char *path = g_build_filename (dir, relative_file, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("real data file %s is absent", path);
      g_test_skip (msg);
      return NULL;
    }
  return g_strdup (dir);
}

char *
blip_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("blip-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
blip_test_rmtree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            blip_test_rmtree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
write_bytes (const char *path, const guint8 *bytes, gsize len)
{
  if (g_str_has_suffix (path, ".gz"))
    {
      gzFile gz = gzopen (path, "wb6");
      g_assert_nonnull (gz);
      g_assert_cmpint (gzwrite (gz, bytes, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_file_set_contents (path, (const char *) bytes, (gssize) len, &error);
      g_assert_no_error (error);
    }
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

void
blip_test_write_idx_images (const char *path, const guint8 *pixels, int count, int rows, int cols)
{
  gsize n = (gsize) count * rows * cols;
  g_autofree guint8 *buf = g_malloc (16 + n);
  put_be32 (buf, 2051);
  put_be32 (buf + 4, count);
  put_be32 (buf + 8, rows);
  put_be32 (buf + 12, cols);
  memcpy (buf + 16, pixels, n);
  write_bytes (path, buf, 16 + n);
}

void
blip_test_write_idx_labels (const char *path, const guint8 *labels, int count)
{
  g_autofree guint8 *buf = g_malloc (8 + count);
  put_be32 (buf, 2049);
  put_be32 (buf + 4, count);
  memcpy (buf + 8, labels, count);
  write_bytes (path, buf, 8 + count);
}

static void
fake_split (const char *dir, const char *prefix, int n, GRand *rand)
{
  const int rows = 28, cols = 28;
  g_autofree guint8 *pixels = g_malloc0 ((gsize) n * rows * cols);
  g_autofree guint8 *labels = g_malloc (n);
  for (int i = 0; i < n; i++)
    {
      int c = g_rand_int_range (rand, 0, 10);
      guint8 *img = pixels + (gsize) i * rows * cols;
      labels[i] = c;
      for (int p = 0; p < rows * cols; p++)
        img[p] = g_rand_int_range (rand, 0, 60);
      /* A bright 3-pixel-wide bar whose row depends on the class. */
      int r0 = 2 + c * 2;
      for (int r = r0; r < r0 + 3 && r < rows; r++)
        for (int x = 4; x < 24; x++)
          img[r * cols + x] = 200 + g_rand_int_range (rand, 0, 55);
    }
  g_autofree char *ip = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", dir, prefix);
  g_autofree char *lp = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", dir, prefix);
  blip_test_write_idx_images (ip, pixels, n, rows, cols);
  blip_test_write_idx_labels (lp, labels, n);
}

void
blip_test_write_fake_mnist (const char *dir, const char *subdir, int n_train, int n_test, guint64 seed)
{
  g_autofree char *sub = g_build_filename (dir, subdir, NULL);
  g_mkdir_with_parents (sub, 0755);
  GRand *rand = g_rand_new_with_seed ((guint32) seed);
  fake_split (sub, "train", n_train, rand);
  fake_split (sub, "t10k", n_test, rand);
  g_rand_free (rand);
}

GBytes *
blip_test_read_file (const char *path)
{
  char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

void
blip_test_write_bytes (const char *path, const guint8 *bytes, gsize len)
{
  write_bytes (path, bytes, len);
}

guint8 *
blip_test_encode_png (const guint8 *pixels, int width, int height, int channels, gsize *size)
{
  png_image img;
  memset (&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = width;
  img.height = height;
  img.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  png_alloc_size_t n = 0;
  g_assert_true (png_image_write_to_memory (&img, NULL, &n, 0, pixels, 0, NULL));
  guint8 *out = g_malloc (n);
  g_assert_true (png_image_write_to_memory (&img, out, &n, 0, pixels, 0, NULL));
  *size = n;
  return out;
}

guint8 *
blip_test_encode_jpeg (const guint8 *pixels, int width, int height, int channels, int quality,
                       gsize *size)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  unsigned char *buf = NULL;
  unsigned long len = 0;
  jpeg_mem_dest (&cinfo, &buf, &len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  /* 4:4:4, as the shared CIFAR copies are encoded */
  for (int c = 0; c < cinfo.num_components; c++)
    cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) pixels + (gsize) cinfo.next_scanline * width * channels;
      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  guint8 *out = g_memdup2 (buf, len);
  free (buf);
  *size = len;
  return out;
}

static void
tar_header (GByteArray *tar, const char *name, char type, gsize size)
{
  guint8 h[512];
  memset (h, 0, sizeof h);
  g_assert_cmpuint (strlen (name), <, 100);
  memcpy (h, name, strlen (name));
  memcpy (h + 100, "0000644", 7);
  memcpy (h + 108, "0000000", 7);
  memcpy (h + 116, "0000000", 7);
  g_snprintf ((char *) h + 124, 12, "%011lo", (unsigned long) size);
  memcpy (h + 136, "00000000000", 11);
  h[156] = (guint8) type;
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += h[i];
  g_snprintf ((char *) h + 148, 8, "%06o", sum);
  h[155] = ' ';
  g_byte_array_append (tar, h, 512);
}

static void
tar_data (GByteArray *tar, const guint8 *data, gsize size)
{
  static const guint8 zeros[512];
  if (size > 0)
    g_byte_array_append (tar, data, (guint) size);
  if (size % 512)
    g_byte_array_append (tar, zeros, (guint) (512 - size % 512));
}

void
blip_test_tar_add (GByteArray *tar, const char *name, char type, const guint8 *data, gsize size)
{
  if (strlen (name) >= 100)
    {
      tar_header (tar, "././@LongLink", 'L', strlen (name) + 1);
      tar_data (tar, (const guint8 *) name, strlen (name) + 1);
      g_autofree char *cut = g_strndup (name, 99);
      tar_header (tar, cut, type, size);
    }
  else
    tar_header (tar, name, type, size);
  tar_data (tar, data, size);
}

void
blip_test_tar_finish (GByteArray *tar)
{
  static const guint8 zeros[1024];
  g_byte_array_append (tar, zeros, sizeof zeros);
}

/* ---- MAT-files ------------------------------------------------------------------ */

static void
mat_put (GByteArray *b, guint64 v, int size, gboolean big_endian)
{
  guint8 p[8];
  for (int i = 0; i < size; i++)
    p[big_endian ? size - 1 - i : i] = (guint8) (v >> (8 * i));
  g_byte_array_append (b, p, size);
}

static void
mat_pad (GByteArray *b)
{
  static const guint8 zeros[8] = { 0 };
  if (b->len % 8)
    g_byte_array_append (b, zeros, 8 - b->len % 8);
}

GByteArray *
blip_test_mat_new (gboolean big_endian)
{
  GByteArray *b = g_byte_array_new ();
  char text[116];
  memset (text, ' ', sizeof text);
  const char *desc = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by: blip tests";
  memcpy (text, desc, strlen (desc));
  g_byte_array_append (b, (const guint8 *) text, sizeof text);
  static const guint8 subsys[8] = { 0 };
  g_byte_array_append (b, subsys, 8);
  mat_put (b, 0x0100, 2, big_endian);
  /* "IM" as a 16-bit word: the bytes read "IM" in little-endian files. */
  mat_put (b, ('M' << 8) | 'I', 2, big_endian);
  return b;
}

static int
mat_type_size (int type)
{
  switch (type)
    {
    case 1: case 2: return 1;
    case 3: case 4: return 2;
    case 5: case 6: case 7: return 4;
    default: return 8;
    }
}

void
blip_test_mat_add (GByteArray *mat, gboolean big_endian, const char *name, int klass, const gsize *dims,
                   int n_dims, int stored_type, const double *values, gboolean compressed)
{
  gsize count = 1;
  for (int i = 0; i < n_dims; i++)
    count *= dims[i];
  GByteArray *m = g_byte_array_new ();
  /* array flags */
  mat_put (m, 6, 4, big_endian);
  mat_put (m, 8, 4, big_endian);
  mat_put (m, (guint32) klass, 4, big_endian);
  mat_put (m, 0, 4, big_endian);
  /* dimensions */
  mat_put (m, 5, 4, big_endian);
  mat_put (m, 4 * (guint32) n_dims, 4, big_endian);
  for (int i = 0; i < n_dims; i++)
    mat_put (m, (guint32) dims[i], 4, big_endian);
  mat_pad (m);
  /* name */
  gsize nl = strlen (name);
  if (nl <= 4)
    {
      mat_put (m, ((guint32) nl << 16) | 1, 4, big_endian);
      guint8 four[4] = { 0 };
      memcpy (four, name, nl);
      g_byte_array_append (m, four, 4);
    }
  else
    {
      mat_put (m, 1, 4, big_endian);
      mat_put (m, (guint32) nl, 4, big_endian);
      g_byte_array_append (m, (const guint8 *) name, (guint) nl);
      mat_pad (m);
    }
  /* real part */
  int size = mat_type_size (stored_type);
  mat_put (m, (guint32) stored_type, 4, big_endian);
  mat_put (m, (guint32) (count * size), 4, big_endian);
  for (gsize i = 0; i < count; i++)
    {
      double v = values[i];
      guint64 bits;
      if (stored_type == 9)
        memcpy (&bits, &v, 8);
      else if (stored_type == 7)
        {
          float f = (float) v;
          guint32 u;
          memcpy (&u, &f, 4);
          bits = u;
        }
      else
        bits = (guint64) (gint64) v;
      mat_put (m, bits, size, big_endian);
    }
  mat_pad (m);

  GByteArray *element = g_byte_array_new ();
  mat_put (element, 14, 4, big_endian);
  mat_put (element, m->len, 4, big_endian);
  g_byte_array_append (element, m->data, m->len);
  g_byte_array_unref (m);
  if (compressed)
    {
      uLongf zlen = compressBound (element->len);
      guint8 *z = g_malloc (zlen);
      g_assert_cmpint (compress2 (z, &zlen, element->data, element->len, 6), ==, Z_OK);
      mat_put (mat, 15, 4, big_endian);
      mat_put (mat, (guint32) zlen, 4, big_endian);
      g_byte_array_append (mat, z, (guint) zlen);
      g_free (z);
    }
  else
    g_byte_array_append (mat, element->data, element->len);
  g_byte_array_unref (element);
}

void
blip_test_synthetic_config (BlipConfig *c, const char *approach)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup ("synthetic");
  g_free (c->approach);
  c->approach = g_strdup (approach);
  c->seed = 11;
  c->lr = 0.1;
  c->sbatch = 16;
}

BlipTrainer *
blip_test_synthetic_trainer (const BlipConfig *c, int n_tasks, int dim, int n_train, int n_test)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_new_synthetic (n_tasks, 2, dim, n_train, n_test, 21);
  BlipStrategy *s = blip_strategy_new (c->approach, &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (c, e, s, &error);
  g_assert_no_error (error);
  return tr;
}

BlipStatus
blip_test_step (BlipTrainer *tr, BlipStepUnit unit)
{
  g_autoptr(GError) error = NULL;
  BlipStatus status = blip_trainer_step (tr, unit, &error);
  g_assert_no_error (error);
  return status;
}

char *
blip_test_read_fd (int fd)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (s, buf, n);
    }
  close (fd);
  return g_string_free (s, FALSE);
}

#ifdef BLIP_TEST_BUILDDIR
BlipTestRun
blip_test_run_blip (const char * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) BLIP_TEST_BLIP_EXE);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  BlipTestRun r = { -1, NULL, NULL };
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_ptr_array_free (argv, TRUE);
  if (WIFEXITED (wait_status))
    r.status = WEXITSTATUS (wait_status);
  return r;
}

gboolean
blip_test_have_blip (void)
{
  if (!g_file_test (BLIP_TEST_BLIP_EXE, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the blip tool has not been built at " BLIP_TEST_BLIP_EXE);
      return FALSE;
    }
  return TRUE;
}
#endif

void
blip_test_run_clear (BlipTestRun *run)
{
  g_free (run->out);
  g_free (run->err);
}
