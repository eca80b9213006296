/* test-cifar.c — the CIFAR binary reader (blip-cifar.h) and the cifar and
 * cifar10-5 experiments. On files the test writes in the real formats
 * (always runs):
 *   parse       CIFAR-10 (label, 3072 bytes) and CIFAR-100 (coarse, fine,
 *               3072 bytes) records give the fine labels and CHW pixels
 *   errors      a truncated file, a wrong record count and labels out of range
 *               (CIFAR-10 ≥ 10, CIFAR-100 coarse ≥ 20 or fine ≥ 100), each
 *               naming the file and what was expected
 *   folders     full-size binary versions (sparse files: 50000/10000 records)
 *               load with every record in order; a short batch is an error
 *               naming it
 *   cifar10-5   5 tasks of classes (2t, 2t+1) labelled 0/1, 10% of each
 *               task's training images held out for validation, 3×32×32
 *               inputs normalised per channel with cifar.py's statistics
 *   cifar       10 tasks, 5 of 2 CIFAR-10 classes and 5 of 20 CIFAR-100
 *               classes, in a seed-determined order
 *   missing     without CIFAR-100, cifar stops before training with an
 *               error naming the missing files and every place looked, while
 *               cifar10-5 runs
 *   image copy  cifar10-5 from a folder of PNGs; subsets take every class
 * On the shared image archives (when $BLIP_DATA_DIR has them): both
 * experiments open, every task with 9000 training, 1000 validation and 2000
 * test images (2 CIFAR-10 classes, or 20 CIFAR-100 classes). */
#include "blip.h"
#include "blip-cifar.h"
#include "blip-images.h"
#include "blip-test-util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIX 3072

static char *cache_dir;

/* Label of record i of file f in the synthetic data sets. */
static int
label10 (int f, int i)
{
  return (i * 7 + f) % 10;
}

static int
fine100 (int f, int i)
{
  return (i * 13 + f * 3) % 100;
}

/* The pattern of the first records of each file (the rest stay zero). */
static guint8
pixel_of (int f, int i, int k)
{
  return (guint8) (f * 31 + i * 7 + k * 3 + 1);
}

#define PATTERNED 16

/* A full-size file in the real format, written sparsely: every label, and
 * the pixels of the first PATTERNED records. */
static void
write_cifar_file (const char *path, BlipCifarKind kind, int f, int count)
{
  gsize rec = blip_cifar_record_size (kind);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) (rec * count)), ==, 0);
  guint8 *r = g_malloc0 (rec);
  for (int i = 0; i < count; i++)
    {
      gsize len;
      if (kind == BLIP_CIFAR_10)
        r[0] = (guint8) label10 (f, i);
      else
        {
          r[1] = (guint8) fine100 (f, i);
          r[0] = r[1] / 5;
        }
      if (i < PATTERNED)
        {
          for (int k = 0; k < PIX; k++)
            r[rec - PIX + k] = pixel_of (f, i, k);
          len = rec;
        }
      else
        len = rec - PIX;
      g_assert_cmpint (pwrite (fd, r, len, (off_t) (rec * i)), ==, (gssize) len);
    }
  g_free (r);
  g_assert_cmpint (close (fd), ==, 0);
}

static char *
write_binary_version (const char *data_dir, BlipCifarKind kind, gboolean under_subdir)
{
  char *dir = under_subdir
    ? g_build_filename (data_dir, kind == BLIP_CIFAR_10 ? "cifar-10" : "cifar-100",
                        blip_cifar_binary_folder (kind), NULL)
    : g_build_filename (data_dir, blip_cifar_binary_folder (kind), NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  const char * const *files = blip_cifar_binary_files (kind);
  for (int f = 0; files[f]; f++)
    {
      g_autofree char *p = g_build_filename (dir, files[f], NULL);
      int count = kind == BLIP_CIFAR_10 ? 10000 : (f == 0 ? 50000 : 10000);
      write_cifar_file (p, kind, f, count);
    }
  return dir;
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

static void
test_parse (void)
{
  /* three records of each format, in memory */
  for (int kind = 0; kind < 2; kind++)
    {
      gsize rec = blip_cifar_record_size (kind);
      g_assert_cmpuint (rec, ==, kind == BLIP_CIFAR_10 ? 3073u : 3074u);
      g_autofree guint8 *buf = g_malloc0 (rec * 3);
      for (int i = 0; i < 3; i++)
        {
          guint8 *r = buf + rec * i;
          if (kind == BLIP_CIFAR_10)
            r[0] = (guint8) (9 - i);
          else
            {
              r[0] = (guint8) (19 - i);
              r[1] = (guint8) (99 - i * 40);
            }
          for (int k = 0; k < PIX; k++)
            r[rec - PIX + k] = pixel_of (kind, i, k);
        }
      g_autoptr(GError) error = NULL;
      g_autoptr(BlipImageSet) set = blip_cifar_parse (kind, buf, rec * 3, "mem", 3, &error);
      g_assert_no_error (error);
      g_assert_cmpint (set->count, ==, 3);
      g_assert_cmpint (set->channels, ==, 3);
      g_assert_cmpint (set->height, ==, 32);
      g_assert_cmpint (set->width, ==, 32);
      g_assert_cmpint (set->n_classes, ==, kind == BLIP_CIFAR_10 ? 10 : 100);
      g_assert_cmpstr (set->class_names[0], ==, kind == BLIP_CIFAR_10 ? "airplane" : "apple");
      for (int i = 0; i < 3; i++)
        {
          g_assert_cmpint (set->labels[i], ==, kind == BLIP_CIFAR_10 ? 9 - i : 99 - i * 40);
          for (int k = 0; k < PIX; k++)
            g_assert_cmpint (set->pixels[i * PIX + k], ==, pixel_of (kind, i, k));
        }
    }
  g_assert_cmpstr (blip_cifar_class_names (BLIP_CIFAR_10)[9], ==, "truck");
  g_assert_cmpstr (blip_cifar_class_names (BLIP_CIFAR_100)[99], ==, "worm");
  g_assert_null (blip_cifar_class_names (BLIP_CIFAR_100)[100]);
}

static void
test_parse_errors (void)
{
  gsize rec = blip_cifar_record_size (BLIP_CIFAR_10);
  g_autofree guint8 *buf = g_malloc0 (rec * 3);
  g_autoptr(GError) e1 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_10, buf, rec * 3 - 1, "cut.bin", 3, &e1));
  g_assert_error (e1, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE);
  g_test_message ("%s", e1->message);
  assert_contains (e1->message, "cut.bin");
  assert_contains (e1->message, "3073-byte");
  assert_contains (e1->message, "expected 3 records");

  g_autoptr(GError) e2 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_10, buf, rec * 3, "few.bin", 10000, &e2));
  g_assert_error (e2, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE);
  assert_contains (e2->message, "few.bin: holds 3 records, expected 10000");

  g_autoptr(GError) e3 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_10, buf, 0, "empty.bin", 0, &e3));
  g_assert_error (e3, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE);

  buf[rec * 2] = 10;
  g_autoptr(GError) e4 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_10, buf, rec * 3, "label.bin", 0, &e4));
  g_assert_error (e4, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_BAD_LABEL);
  g_test_message ("%s", e4->message);
  assert_contains (e4->message, "label.bin: record 2");
  assert_contains (e4->message, "label 10");

  gsize r100 = blip_cifar_record_size (BLIP_CIFAR_100);
  g_autofree guint8 *b100 = g_malloc0 (r100 * 2);
  b100[r100 + 1] = 100;
  g_autoptr(GError) e5 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_100, b100, r100 * 2, "fine.bin", 2, &e5));
  g_assert_error (e5, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_BAD_LABEL);
  assert_contains (e5->message, "fine label 100");
  b100[r100 + 1] = 5;
  b100[0] = 20;
  g_autoptr(GError) e6 = NULL;
  g_assert_null (blip_cifar_parse (BLIP_CIFAR_100, b100, r100 * 2, "coarse.bin", 2, &e6));
  g_assert_error (e6, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_BAD_LABEL);
  assert_contains (e6->message, "record 0");
  assert_contains (e6->message, "coarse label 20");
}

static void
test_load_folder (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  for (int kind = 0; kind < 2; kind++)
    {
      g_autofree char *dir = write_binary_version (data, kind, FALSE);
      g_autoptr(GError) error = NULL;
      BlipImageSet *train = NULL, *test = NULL;
      g_assert_true (blip_cifar_load_folder (kind, dir, &train, &test, &error));
      g_assert_no_error (error);
      g_assert_cmpint (train->count, ==, 50000);
      g_assert_cmpint (test->count, ==, 10000);
      int n_train_files = kind == BLIP_CIFAR_10 ? 5 : 1;
      for (int i = 0; i < train->count; i++)
        {
          int f = i / (50000 / n_train_files), r = i % (50000 / n_train_files);
          g_assert_cmpint (train->labels[i], ==, kind == BLIP_CIFAR_10 ? label10 (f, r) : fine100 (f, r));
          if (r < PATTERNED)
            g_assert_cmpint (train->pixels[(gsize) i * PIX + 100], ==, pixel_of (f, r, 100));
        }
      for (int i = 0; i < PATTERNED; i++)
        g_assert_cmpint (test->pixels[(gsize) i * PIX + PIX - 1], ==, pixel_of (n_train_files, i, PIX - 1));
      g_assert_cmpint (test->labels[3], ==,
                       kind == BLIP_CIFAR_10 ? label10 (5, 3) : fine100 (1, 3));
      blip_image_set_free (train);
      blip_image_set_free (test);

      /* one record short */
      const char *victim_name = kind == BLIP_CIFAR_10 ? "data_batch_3.bin" : "test.bin";
      g_autofree char *victim = g_build_filename (dir, victim_name, NULL);
      GStatBuf st;
      g_assert_cmpint (g_stat (victim, &st), ==, 0);
      g_assert_cmpint (truncate (victim, st.st_size - (off_t) blip_cifar_record_size (kind)), ==, 0);
      g_autoptr(GError) e2 = NULL;
      g_assert_false (blip_cifar_load_folder (kind, dir, &train, &test, &e2));
      g_assert_error (e2, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE);
      g_test_message ("%s", e2->message);
      assert_contains (e2->message, victim);
      assert_contains (e2->message, "holds 9999 records, expected 10000");
    }
  blip_test_rmtree (data);
}

static BlipExperiment *
open_experiment (const char *name, const char *data_dir, guint64 seed, GError **error)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, name, NULL));
  c.data_dir = g_strdup (data_dir);
  c.seed = seed;
  BlipExperiment *e = blip_experiment_open (&c, error);
  blip_config_clear (&c);
  return e;
}

/* Each task: its splits hold exactly its classes' images, labelled by their
 * place in the task, with a tenth of the training images for validation. */
static void
check_task (const BlipTask *task, const BlipImageSet *train, const BlipImageSet *test, int lo, int ncla)
{
  g_assert_cmpint (task->ncla, ==, ncla);
  g_assert_false (task->valid_is_train);
  int n_train = 0, n_test = 0;
  for (int i = 0; i < train->count; i++)
    n_train += train->labels[i] >= lo && train->labels[i] < lo + ncla;
  for (int i = 0; i < test->count; i++)
    n_test += test->labels[i] >= lo && test->labels[i] < lo + ncla;
  g_assert_cmpint (task->train.n + task->valid.n, ==, n_train);
  g_assert_cmpint (task->valid.n, ==, (int) (n_train * 0.1));
  g_assert_cmpint (task->test.n, ==, n_test);
  const BlipSplit *splits[3] = { &task->train, &task->valid, &task->test };
  for (int s = 0; s < 3; s++)
    {
      const BlipImageSet *set = s == 2 ? test : train;
      g_assert_cmpint (splits[s]->dim, ==, 3072);
      g_assert_cmpint (splits[s]->plane_size, ==, 1024);
      for (int i = 0; i < splits[s]->n; i++)
        {
          int row = splits[s]->rows[i];
          g_assert_cmpint (splits[s]->labels[i], ==, set->labels[row] - lo);
          if (i > 0)
            g_assert_cmpint (row, >, splits[s]->rows[i - 1]);
        }
    }
}

static void
check_normalisation (const BlipSplit *s, const guint8 *store)
{
  static const double mean[3] = { 125.3, 123.0, 113.9 }, std[3] = { 63.0, 62.1, 66.7 };
  for (int c = 0; c < 3; c++)
    for (int v = 0; v < 256; v += 51)
      g_assert_cmpfloat (fabs (s->lut[256 * c + v] - (v / 255.0 - mean[c] / 255.0) / (std[c] / 255.0)), <, 1e-5);
  float *x = g_new (float, 2 * 3072);
  gint32 y[2];
  blip_split_gather_range (s, 0, 2, x, y);
  for (int i = 0; i < 2; i++)
    {
      const guint8 *px = store + (gsize) s->rows[i] * 3072;
      for (int k = 0; k < 3072; k++)
        g_assert_cmpfloat (x[i * 3072 + k], ==, s->lut[256 * (k / 1024) + px[k]]);
      g_assert_cmpint (y[i], ==, s->labels[i]);
    }
  int idx[2] = { 1, 0 };
  float *x2 = g_new (float, 2 * 3072);
  blip_split_gather (s, idx, 2, x2, NULL);
  g_assert_cmpmem (x2, 3072 * sizeof (float), x + 3072, 3072 * sizeof (float));
  g_free (x);
  g_free (x2);
}

static void
load_sets (const char *dir, BlipCifarKind kind, BlipImageSet **train, BlipImageSet **test)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_cifar_load_folder (kind, dir, train, test, &error));
  g_assert_no_error (error);
}

static void
test_cifar10_5 (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *dir = write_binary_version (data, BLIP_CIFAR_10, TRUE);
  g_autoptr(BlipImageSet) train = NULL;
  g_autoptr(BlipImageSet) test = NULL;
  load_sets (dir, BLIP_CIFAR_10, &train, &test);

  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_experiment ("cifar10-5", data, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->n_tasks, ==, 5);
  g_assert_cmpint (e->channels, ==, 3);
  g_assert_cmpint (e->height, ==, 32);
  g_assert_cmpint (e->width, ==, 32);
  g_assert_cmpint (e->input_dim, ==, 3072);
  for (int t = 0; t < 5; t++)
    {
      g_autofree char *name = g_strdup_printf ("cifar10-%d", t);
      g_assert_cmpstr (e->tasks[t].name, ==, name);
      check_task (&e->tasks[t], train, test, 2 * t, 2);
    }
  check_normalisation (&e->tasks[0].test, test->pixels);

  /* the validation part depends on the seed, the tasks do not */
  g_autoptr(BlipExperiment) same = open_experiment ("cifar10-5", data, 3, NULL);
  g_autoptr(BlipExperiment) other = open_experiment ("cifar10-5", data, 4, NULL);
  g_assert_cmpmem (same->tasks[2].valid.rows, same->tasks[2].valid.n * sizeof (int),
                   e->tasks[2].valid.rows, e->tasks[2].valid.n * sizeof (int));
  g_assert_cmpstr (other->tasks[2].name, ==, "cifar10-2");
  g_assert_cmpint (other->tasks[2].valid.n, ==, e->tasks[2].valid.n);
  g_assert_true (memcmp (other->tasks[2].valid.rows, e->tasks[2].valid.rows,
                         e->tasks[2].valid.n * sizeof (int)) != 0);
  blip_test_rmtree (data);
}

static void
test_cifar (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *d10 = write_binary_version (data, BLIP_CIFAR_10, FALSE);
  g_autofree char *d100 = write_binary_version (data, BLIP_CIFAR_100, TRUE);
  BlipImageSet *train[2], *test[2];
  load_sets (d10, BLIP_CIFAR_10, &train[0], &test[0]);
  load_sets (d100, BLIP_CIFAR_100, &train[1], &test[1]);

  char *orders[3];
  for (int k = 0; k < 3; k++)
    {
      guint64 seed = k == 2 ? 7 : 0;
      g_autoptr(GError) error = NULL;
      g_autoptr(BlipExperiment) e = open_experiment ("cifar", data, seed, &error);
      g_assert_no_error (error);
      g_assert_cmpint (e->n_tasks, ==, 10);
      g_assert_cmpint (e->input_dim, ==, 3072);
      gboolean seen[10] = { FALSE };
      GString *order = g_string_new (NULL);
      for (int t = 0; t < 10; t++)
        {
          const BlipTask *task = &e->tasks[t];
          int id;
          if (g_str_has_prefix (task->name, "cifar100-"))
            {
              id = 5 + atoi (task->name + 9);
              if (k == 0)
                check_task (task, train[1], test[1], 20 * (id - 5), 20);
            }
          else
            {
              g_assert_true (g_str_has_prefix (task->name, "cifar10-"));
              id = atoi (task->name + 8);
              if (k == 0)
                check_task (task, train[0], test[0], 2 * id, 2);
            }
          g_assert_cmpint (id, >=, 0);
          g_assert_cmpint (id, <, 10);
          g_assert_false (seen[id]);
          seen[id] = TRUE;
          g_string_append_printf (order, "%d ", id);
        }
      orders[k] = g_string_free (order, FALSE);
      g_test_message ("seed %" G_GUINT64_FORMAT ": task order %s", seed, orders[k]);
    }
  g_assert_cmpstr (orders[0], ==, orders[1]);
  g_assert_cmpstr (orders[0], !=, orders[2]);
  for (int k = 0; k < 3; k++)
    g_free (orders[k]);
  for (int s = 0; s < 2; s++)
    {
      blip_image_set_free (train[s]);
      blip_image_set_free (test[s]);
    }
  blip_test_rmtree (data);
}

static void
test_missing_cifar100 (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *d10 = write_binary_version (data, BLIP_CIFAR_10, TRUE);
  g_autoptr(GError) error = NULL;
  g_assert_null (open_experiment ("cifar", data, 0, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "CIFAR-100 was not found");
  g_assert_null (strstr (error->message, "CIFAR-10 was not found"));
  const char *places[] = {
    "cifar-100/cifar-100-binary/: missing train.bin, test.bin",
    "cifar-100-binary/: missing train.bin, test.bin",
    "cifar-100-images/cifar-100-images.tar.gz: missing",
    "cifar-100-images.tar.gz: missing",
    "cifar-100-images/: missing train/ and test/",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autofree char *full = g_strdup_printf ("%s/%s", data, places[i]);
      assert_contains (error->message, full);
    }

  /* a half-present binary version names just the missing file */
  g_autofree char *half = g_build_filename (data, "cifar-100", "cifar-100-binary", NULL);
  g_assert_cmpint (g_mkdir_with_parents (half, 0755), ==, 0);
  g_autofree char *train_bin = g_build_filename (half, "train.bin", NULL);
  blip_test_write_bytes (train_bin, (const guint8 *) "", 0);
  g_autoptr(GError) e2 = NULL;
  g_assert_null (open_experiment ("cifar", data, 0, &e2));
  assert_contains (e2->message, "cifar-100/cifar-100-binary/: missing test.bin\n");

  /* the CIFAR-10 experiment needs only CIFAR-10 */
  g_autoptr(GError) e3 = NULL;
  g_autoptr(BlipExperiment) e = open_experiment ("cifar10-5", data, 0, &e3);
  g_assert_no_error (e3);
  g_assert_cmpint (e->n_tasks, ==, 5);

  /* nothing at all: both data sets are named */
  g_autofree char *empty = blip_test_mkdtemp ();
  g_autoptr(GError) e4 = NULL;
  g_assert_null (open_experiment ("cifar", empty, 0, &e4));
  g_assert_error (e4, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  assert_contains (e4->message, "CIFAR-10 was not found");
  assert_contains (e4->message, "CIFAR-100 was not found");
  g_autofree char *batch = g_strdup_printf ("%s/cifar-10/cifar-10-batches-bin/: missing data_batch_1.bin, "
                                            "data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, "
                                            "data_batch_5.bin, test_batch.bin", empty);
  assert_contains (e4->message, batch);

  /* a damaged binary file is an error, not a reason to look elsewhere */
  g_autofree char *batch3 = g_build_filename (d10, "data_batch_3.bin", NULL);
  g_assert_cmpint (truncate (batch3, 100), ==, 0);
  g_autoptr(GError) e5 = NULL;
  g_assert_null (open_experiment ("cifar10-5", data, 0, &e5));
  g_assert_error (e5, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE);
  assert_contains (e5->message, batch3);
  blip_test_rmtree (empty);
  blip_test_rmtree (data);
}

/* cifar-10-images/{train,test}/<class>/<n>.png with per_class images. */
static void
write_image_copy (const char *data, int n_train, int n_test)
{
  const char * const *names = blip_cifar_class_names (BLIP_CIFAR_10);
  guint8 px[32 * 32 * 3];
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 10; c++)
      {
        g_autofree char *dir = g_build_filename (data, "cifar-10-images", s ? "test" : "train", names[c], NULL);
        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        for (int i = 0; i < (s ? n_test : n_train); i++)
          {
            for (int k = 0; k < (int) sizeof px; k++)
              px[k] = (guint8) (c * 20 + i + k);
            gsize n;
            g_autofree guint8 *png = blip_test_encode_png (px, 32, 32, 3, &n);
            g_autofree char *file = g_strdup_printf ("%04d.png", i);
            g_autofree char *p = g_build_filename (dir, file, NULL);
            blip_test_write_bytes (p, png, n);
          }
      }
}

static void
test_image_copy (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  write_image_copy (data, 20, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_experiment ("cifar10-5", data, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->n_tasks, ==, 5);
  for (int t = 0; t < 5; t++)
    {
      g_assert_cmpint (e->tasks[t].train.n, ==, 36);
      g_assert_cmpint (e->tasks[t].valid.n, ==, 4);
      g_assert_cmpint (e->tasks[t].test.n, ==, 10);
    }
  /* the store is grouped by class, so rows 0..19 of task 0 are airplanes */
  const BlipSplit *te = &e->tasks[1].test;
  for (int i = 0; i < te->n; i++)
    g_assert_cmpint (te->labels[i], ==, i / 5);

  /* a subset takes the classes in turn: both classes of every task */
  BlipConfig c;
  blip_config_init_defaults (&c);
  blip_config_apply_preset (&c, "cifar10-5", NULL);
  c.data_dir = g_strdup (data);
  c.train_subset = 11;
  c.test_subset = 3;
  g_autoptr(BlipExperiment) sub = blip_experiment_open (&c, &error);
  g_assert_no_error (error);
  for (int t = 0; t < 5; t++)
    {
      const BlipTask *task = &sub->tasks[t];
      g_assert_cmpint (task->train.n + task->valid.n, ==, 11);
      int per[2] = { 0, 0 };
      for (int i = 0; i < task->test.n; i++)
        per[task->test.labels[i]]++;
      g_assert_cmpint (per[0], ==, 2);
      g_assert_cmpint (per[1], ==, 1);
    }
  blip_config_clear (&c);

  /* a tenth of a tiny task may be nothing: then the task is too small */
  g_autofree char *tiny = blip_test_mkdtemp ();
  write_image_copy (tiny, 2, 1);
  g_autoptr(GError) e2 = NULL;
  g_assert_null (open_experiment ("cifar10-5", tiny, 0, &e2));
  g_assert_error (e2, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL);
  blip_test_rmtree (tiny);
  blip_test_rmtree (data);
}

static void
test_real (void)
{
  g_autofree char *data = blip_test_real_data_dir ("cifar-100-images/cifar-100-images.tar.gz");
  if (data == NULL)
    return;
  g_autofree char *c10 = g_build_filename (data, "cifar-10-images", "cifar-10-images.tar.gz", NULL);
  if (!g_file_test (c10, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the CIFAR-10 image archive is absent");
      return;
    }
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(BlipExperiment) e = open_experiment ("cifar", data, 0, &error);
  g_assert_no_error (error);
  g_test_message ("cifar opened from the shared image archives in %.2f s",
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpint (e->n_tasks, ==, 10);
  for (int t = 0; t < 10; t++)
    {
      const BlipTask *task = &e->tasks[t];
      int per = task->ncla == 2 ? 5000 : 500;
      g_assert_cmpint (task->train.n + task->valid.n, ==, per * task->ncla);
      g_assert_cmpint (task->valid.n, ==, per * task->ncla / 10);
      g_assert_cmpint (task->test.n, ==, per / 5 * task->ncla);
    }
  t0 = g_get_monotonic_time ();
  g_autoptr(BlipExperiment) e5 = open_experiment ("cifar10-5", data, 0, &error);
  g_assert_no_error (error);
  g_test_message ("cifar10-5 opened again (cached) in %.2f s", (g_get_monotonic_time () - t0) / 1e6);
  for (int t = 0; t < 5; t++)
    {
      g_assert_cmpint (e5->tasks[t].train.n, ==, 9000);
      g_assert_cmpint (e5->tasks[t].valid.n, ==, 1000);
      g_assert_cmpint (e5->tasks[t].test.n, ==, 2000);
    }
}

/* `blip run --experiment cifar` end to end on synthetic files in the real
 * binary formats: it trains all ten tasks when CIFAR-10 and CIFAR-100 are
 * there, identically for the same seed, and refuses before training, naming the missing files and writing
 * nothing, when CIFAR-100 is not. */
static int
run_blip_cli (const char *data, const char *out, char **err)
{
  const char *exe = BLIP_TEST_BUILDDIR "/src/cli/blip";
  const char *argv[] = { exe, "run", "--experiment", "cifar", "--data-dir", data, "--output", out,
                         "--nepochs", "1", "--train-subset", "40", "--test-subset", "20",
                         "--mul", "0.25", "--ndim", "32", "--fisher-batches", "1",
                         "--fisher-sbatch", "20", "--quiet", NULL };
  int status = -1;
  g_autoptr(GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, err,
                &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_run_cli (void)
{
  if (!g_file_test (BLIP_TEST_BUILDDIR "/src/cli/blip", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the blip tool has not been built");
      return;
    }
  g_autofree char *data = blip_test_mkdtemp ();
  g_autofree char *d10 = write_binary_version (data, BLIP_CIFAR_10, TRUE);
  g_autofree char *d100 = write_binary_version (data, BLIP_CIFAR_100, TRUE);
  g_autofree char *out = g_build_filename (data, "out", NULL);
  g_autofree char *err = NULL;
  int status = run_blip_cli (data, out, &err);
  if (status != 0)
    g_error ("blip run --experiment cifar exited %d: %s", status, err);
  g_autofree char *results = g_build_filename (out, "results.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (results, &text, NULL, NULL));
  assert_contains (text, "\"experiment\": \"cifar\"");
  assert_contains (text, "cifar100-");
  assert_contains (text, "\"complete\": true");

  /* The same seed gives the same bytes: dropout masks, shuffles and the
   * validation split all come from the seed. */
  g_autofree char *out3 = g_build_filename (data, "out3", NULL);
  g_autofree char *err3 = NULL;
  g_assert_cmpint (run_blip_cli (data, out3, &err3), ==, 0);
  g_autofree char *results3 = g_build_filename (out3, "results.json", NULL);
  g_autofree char *text3 = NULL;
  g_assert_true (g_file_get_contents (results3, &text3, NULL, NULL));
  g_assert_cmpstr (text, ==, text3);

  /* Without CIFAR-100: exit status 1, the missing files named, no output. */
  blip_test_rmtree (d100);
  g_autofree char *out2 = g_build_filename (data, "out2", NULL);
  g_autofree char *err2 = NULL;
  g_assert_cmpint (run_blip_cli (data, out2, &err2), !=, 0);
  g_test_message ("%s", err2);
  assert_contains (err2, "CIFAR-100 was not found");
  assert_contains (err2, "train.bin");
  g_assert_false (g_file_test (out2, G_FILE_TEST_EXISTS));
  blip_test_rmtree (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Never touch the user's cache. */
  cache_dir = blip_test_mkdtemp ();
  g_setenv ("BLIP_CACHE_DIR", cache_dir, TRUE);

  g_test_add_func ("/cifar/parse", test_parse);
  g_test_add_func ("/cifar/parse/errors", test_parse_errors);
  g_test_add_func ("/cifar/load-folder", test_load_folder);
  g_test_add_func ("/cifar/experiment/cifar10-5", test_cifar10_5);
  g_test_add_func ("/cifar/experiment/cifar", test_cifar);
  g_test_add_func ("/cifar/experiment/missing", test_missing_cifar100);
  g_test_add_func ("/cifar/experiment/image-copy", test_image_copy);
  g_test_add_func ("/cifar/run", test_run_cli);
  g_test_add_func ("/cifar/real", test_real);
  int rc = g_test_run ();
  blip_test_rmtree (cache_dir);
  g_free (cache_dir);
  return rc;
}
