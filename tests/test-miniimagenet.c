/* test-miniimagenet.c — the miniimagenet experiment on small files in the
 * real layouts, written by the test:
 *   csv          images/<name>.jpg with train.csv, val.csv and test.csv: the
 *                classes pooled, sorted and dealt to tasks of 5 by the seed,
 *                each class split 5/6 train, 1/6 test by a fixed seed (the
 *                same images whatever the run's seed), 3×84×84 inputs (an
 *                image of another size resized), ImageNet's normalisation
 *   100 classes  20 tasks of 5
 *   folders      train/<wnid>/ and test/<wnid>/ as they are
 *   errors       nothing there (every place named), a half-copied layout,
 *                bad lists (header, line, duplicate, a path, a missing
 *                image), a class count that does not make tasks of 5
 *   cli          `blip run --experiment miniimagenet --arch alexnet` on the
 *                files exits 0 and writes results.json */
#include "blip.h"
#include "blip-images.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#define BLIP_EXE BLIP_TEST_BUILDDIR "/src/cli/blip"
#define SIDE 84

static char *cache_dir;

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

/* Class c's wnid: sorted by name, the classes come in the order of c. */
static char *
wnid (int c)
{
  return g_strdup_printf ("n%08d", 1000000 + 137 * c);
}

/* Image i of class c is one flat colour that names both, in steps wide
 * enough for JPEG's rounding: red and blue the class, green the image. */
static void
colour (int c, int i, guint8 rgb[3])
{
  rgb[0] = (guint8) (20 + 20 * (c % 10));
  rgb[1] = (guint8) (10 + 12 * i);
  rgb[2] = (guint8) (20 + 20 * (c / 10));
}

static guint8 *
flat_jpeg (int c, int i, int w, int h, gsize *n)
{
  guint8 rgb[3];
  colour (c, i, rgb);
  g_autofree guint8 *px = g_malloc ((gsize) w * h * 3);
  for (int k = 0; k < w * h; k++)
    memcpy (px + 3 * k, rgb, 3);
  return blip_test_encode_jpeg (px, w, h, 3, 100, n);
}

/* <data>/miniimagenet/: images/ and the three lists, the classes spread
 * over them out of name order (class c in list c % 3, listed from the last
 * class down). Image 0 of class 1 is 100×90 (resized on reading). */
static char *
write_csv_layout (int n_classes, int per_class)
{
  char *data = blip_test_mkdtemp ();
  g_autofree char *root = g_build_filename (data, "miniimagenet", NULL);
  g_autofree char *images = g_build_filename (root, "images", NULL);
  g_assert_cmpint (g_mkdir_with_parents (images, 0755), ==, 0);
  GString *lists[3];
  for (int l = 0; l < 3; l++)
    lists[l] = g_string_new ("filename,label\r\n");
  for (int c = n_classes - 1; c >= 0; c--)
    {
      g_autofree char *w = wnid (c);
      for (int i = 0; i < per_class; i++)
        {
          g_autofree char *file = g_strdup_printf ("%s%08d.jpg", w, i + 1);
          gsize n;
          g_autofree guint8 *jpg = flat_jpeg (c, i, c == 1 && i == 0 ? 100 : SIDE, c == 1 && i == 0 ? 90 : SIDE, &n);
          g_autofree char *p = g_build_filename (images, file, NULL);
          blip_test_write_bytes (p, jpg, n);
          g_string_append_printf (lists[c % 3], "%s,%s\r\n", file, w);
        }
    }
  static const char * const names[3] = { "train.csv", "val.csv", "test.csv" };
  for (int l = 0; l < 3; l++)
    {
      g_autofree char *p = g_build_filename (root, names[l], NULL);
      blip_test_write_bytes (p, (const guint8 *) lists[l]->str, lists[l]->len);
      g_string_free (lists[l], TRUE);
    }
  return data;
}

static BlipExperiment *
open_mini (const char *data_dir, guint64 seed, double valid, GError **error)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "miniimagenet", NULL));
  g_assert_cmpstr (c.arch, ==, "resnet18");
  g_assert_cmpfloat (c.valid_fraction, ==, 0.02);
  c.data_dir = g_strdup (data_dir);
  c.seed = seed;
  if (valid > 0)
    c.valid_fraction = valid;
  BlipExperiment *e = blip_experiment_open (&c, error);
  blip_config_clear (&c);
  return e;
}

/* The class and image index of a gathered image, from its flat colour
 * (JPEG and resizing may move a value by a step or two). */
static void
identify (const float *x, int *c, int *i)
{
  static const double mean[3] = { 0.485, 0.456, 0.406 }, std[3] = { 0.229, 0.224, 0.225 };
  double v[3];
  for (int ch = 0; ch < 3; ch++)
    {
      /* flat: every pixel of a plane the same */
      const float *plane = x + ch * SIDE * SIDE;
      for (int k = 1; k < SIDE * SIDE; k += 97)
        g_assert_cmpfloat (fabs (plane[k] - plane[0]), <, 0.05);
      v[ch] = (plane[0] * std[ch] + mean[ch]) * 255.0;
    }
  long r = lround ((v[0] - 20) / 20), b = lround ((v[2] - 20) / 20);
  *c = (int) (r + 10 * b);
  *i = (int) lround ((v[1] - 10) / 12);
  g_assert_cmpfloat (fabs (v[0] - (20 + 20 * r)), <, 3);
  g_assert_cmpfloat (fabs (v[2] - (20 + 20 * b)), <, 3);
  g_assert_cmpfloat (fabs (v[1] - (10 + 12 * *i)), <, 3);
}

/* Checks every split of every task and returns, per class, a bit mask of
 * the images seen in a test split. */
static void
check_tasks (const BlipExperiment *e, int n_classes, int per_class, guint64 *test_images, int *task_of)
{
  for (int c = 0; c < n_classes; c++)
    task_of[c] = -1;
  memset (test_images, 0, sizeof (guint64) * n_classes);
  g_autofree float *x = g_new (float, (gsize) 3 * SIDE * SIDE);
  for (int t = 0; t < e->n_tasks; t++)
    {
      const BlipTask *task = &e->tasks[t];
      g_assert_cmpint (task->ncla, ==, 5);
      int cls_of_label[5] = { -1, -1, -1, -1, -1 };
      const BlipSplit *splits[3] = { &task->train, &task->valid, &task->test };
      int per_split[3] = { 0, 0, 0 };
      for (int s = 0; s < 3; s++)
        for (int j = 0; j < splits[s]->n; j++)
          {
            gint32 y;
            g_assert_cmpint (splits[s]->dim, ==, 3 * SIDE * SIDE);
            blip_split_gather_range (splits[s], j, 1, x, &y);
            int c, i;
            identify (x, &c, &i);
            g_assert_cmpint (c, >=, 0);
            g_assert_cmpint (c, <, n_classes);
            g_assert_cmpint (i, >=, 0);
            g_assert_cmpint (i, <, per_class);
            /* a label is one class, and a class belongs to one task */
            if (cls_of_label[y] < 0)
              cls_of_label[y] = c;
            g_assert_cmpint (cls_of_label[y], ==, c);
            g_assert_true (task_of[c] == -1 || task_of[c] == t);
            task_of[c] = t;
            if (s == 2)
              {
                g_assert_false (test_images[c] & ((guint64) 1 << i));
                test_images[c] |= (guint64) 1 << i;
              }
            per_split[s]++;
          }
      int n_train = 5 * (per_class * 5 / 6);
      g_assert_cmpint (per_split[0] + per_split[1], ==, n_train);
      g_assert_cmpint (per_split[2], ==, 5 * per_class - n_train);
    }
  for (int c = 0; c < n_classes; c++)
    {
      g_assert_cmpint (task_of[c], >=, 0);
      g_assert_cmpint (__builtin_popcountll (test_images[c]), ==, per_class - per_class * 5 / 6);
    }
}

static void
test_csv (void)
{
  const int n_classes = 10, per_class = 12;
  g_autofree char *data = write_csv_layout (n_classes, per_class);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_mini (data, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->name, ==, "miniimagenet");
  g_assert_cmpint (e->n_tasks, ==, 2);
  g_assert_cmpint (e->channels, ==, 3);
  g_assert_cmpint (e->height, ==, SIDE);
  g_assert_cmpint (e->width, ==, SIDE);
  g_assert_cmpint (e->input_dim, ==, 3 * SIDE * SIDE);
  /* 2% of 50 training images: one for validation */
  g_assert_cmpint (e->tasks[0].valid.n, ==, 1);
  g_assert_cmpstr (e->tasks[1].name, ==, "miniimagenet-1");
  guint64 tests0[10], tests1[10];
  int task0[10], task1[10];
  check_tasks (e, n_classes, per_class, tests0, task0);

  /* another seed: other tasks (for some seed), the same test images */
  gboolean other = FALSE;
  for (guint64 seed = 1; seed < 6 && !other; seed++)
    {
      g_autoptr(BlipExperiment) s = open_mini (data, seed, 0, &error);
      g_assert_no_error (error);
      check_tasks (s, n_classes, per_class, tests1, task1);
      g_assert_cmpmem (tests0, sizeof tests0, tests1, sizeof tests1);
      for (int c = 0; c < n_classes; c++)
        other |= task1[c] != task1[0] && task0[c] == task0[0];
    }
  g_assert_true (other);
  /* and the same seed the same tasks */
  g_autoptr(BlipExperiment) again = open_mini (data, 0, 0, &error);
  check_tasks (again, n_classes, per_class, tests1, task1);
  g_assert_cmpmem (task0, sizeof task0, task1, sizeof task1);
  blip_test_rmtree (data);
}

static void
test_hundred (void)
{
  g_autofree char *data = write_csv_layout (100, 6);
  g_autoptr(GError) error = NULL;
  /* 25 training images a task: 2% would hold out none */
  g_assert_null (open_mini (data, 0, 0, &error));
  g_assert_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL);
  g_clear_error (&error);
  g_autoptr(BlipExperiment) e = open_mini (data, 3, 0.2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->n_tasks, ==, 20);
  guint64 tests[100];
  int task_of[100];
  check_tasks (e, 100, 6, tests, task_of);
  int per_task[20] = { 0 };
  for (int c = 0; c < 100; c++)
    per_task[task_of[c]]++;
  for (int t = 0; t < 20; t++)
    g_assert_cmpint (per_task[t], ==, 5);
  blip_test_rmtree (data);
}

static void
test_folders (void)
{
  g_autofree char *data = blip_test_mkdtemp ();
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 5; c++)
      {
        g_autofree char *w = wnid (c);
        g_autofree char *dir = g_build_filename (data, "miniimagenet", s ? "test" : "train", w, NULL);
        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        for (int i = 0; i < (s ? 2 : 10); i++)
          {
            gsize n;
            g_autofree guint8 *jpg = flat_jpeg (c, s ? 10 + i : i, SIDE, SIDE, &n);
            g_autofree char *file = g_strdup_printf ("%d.jpg", i);
            g_autofree char *p = g_build_filename (dir, file, NULL);
            blip_test_write_bytes (p, jpg, n);
          }
      }
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipExperiment) e = open_mini (data, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->n_tasks, ==, 1);
  const BlipTask *task = &e->tasks[0];
  g_assert_cmpint (task->train.n + task->valid.n, ==, 50);
  g_assert_cmpint (task->test.n, ==, 10);
  g_autofree float *x = g_new (float, (gsize) 3 * SIDE * SIDE);
  for (int j = 0; j < task->test.n; j++)
    {
      gint32 y;
      blip_split_gather_range (&task->test, j, 1, x, &y);
      int c, i;
      identify (x, &c, &i);
      g_assert_cmpint (i, >=, 10);   /* the test folder's own images */
    }
  blip_test_rmtree (data);
}

typedef enum { B_HEADER, B_LINE, B_DUPLICATE, B_PATH, B_NO_IMAGE, B_SIX_CLASSES } BadList;

static void
test_errors (void)
{
  /* nothing there: both layouts named */
  g_autofree char *empty = blip_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_assert_null (open_mini (empty, 0, 0, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  g_autofree char *csv_place = g_strdup_printf ("%s/miniimagenet/: missing images/, train.csv, val.csv, test.csv",
                                                empty);
  g_autofree char *folder_place = g_strdup_printf ("%s/miniimagenet/train/<class>/ and %s/miniimagenet/test/<class>/",
                                                   empty, empty);
  assert_contains (error->message, csv_place);
  assert_contains (error->message, folder_place);
  g_clear_error (&error);
  blip_test_rmtree (empty);

  /* half of the lists' layout */
  g_autofree char *data = write_csv_layout (5, 6);
  g_autofree char *val = g_build_filename (data, "miniimagenet", "val.csv", NULL);
  g_autoptr(GBytes) val_bytes = blip_test_read_file (val);
  g_unlink (val);
  g_assert_null (open_mini (data, 0, 0.2, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_autofree char *half = g_strdup_printf ("%s/miniimagenet/: missing val.csv\n", data);
  assert_contains (error->message, half);
  g_clear_error (&error);
  blip_test_write_bytes (val, g_bytes_get_data (val_bytes, NULL), g_bytes_get_size (val_bytes));
  g_autoptr(BlipExperiment) fine = open_mini (data, 0, 0.2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fine);

  static const struct {
    const char *name;
    BadList     bad;
    int         code;
    const char *says;
  } cases[] = {
    { "wrong header", B_HEADER, BLIP_IMAGES_ERROR_LAYOUT, "line 1: the header is “file,class”" },
    { "a line without a comma", B_LINE, BLIP_IMAGES_ERROR_LAYOUT, "“just-a-name.jpg”; expected filename,label" },
    { "an image listed twice", B_DUPLICATE, BLIP_IMAGES_ERROR_LAYOUT, "is listed a second time (first in train.csv line 2)" },
    { "a path in the list", B_PATH, BLIP_IMAGES_ERROR_LAYOUT, "not a plain file or class name" },
    { "a listed image that is missing", B_NO_IMAGE, BLIP_IMAGES_ERROR_IO, "n0999999900000001.jpg" },
    { "six classes", B_SIX_CLASSES, BLIP_EXPERIMENT_ERROR_TOO_SMALL, "6 classes" },
  };
  g_autofree char *train = g_build_filename (data, "miniimagenet", "train.csv", NULL);
  g_autoptr(GBytes) good = blip_test_read_file (train);
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      GString *s = g_string_new_len (g_bytes_get_data (good, NULL), (gssize) g_bytes_get_size (good));
      const char *first_line = strchr (s->str, '\n') + 1;
      g_autofree char *first = g_strndup (first_line, strcspn (first_line, "\r\n"));
      switch (cases[k].bad)
        {
        case B_HEADER: g_string_erase (s, 0, strlen ("filename,label")); g_string_prepend (s, "file,class"); break;
        case B_LINE: g_string_append (s, "just-a-name.jpg\n"); break;
        case B_DUPLICATE: g_string_append_printf (s, "%s\n", first); break;
        case B_PATH: g_string_append (s, "../secret.jpg,n01000000\n"); break;
        case B_NO_IMAGE:
          g_string_append (s, "n0999999900000001.jpg,n09999999\nn0999999900000002.jpg,n09999999\n");
          break;
        case B_SIX_CLASSES:
          {
            gsize n;
            g_autofree guint8 *jpg = flat_jpeg (0, 0, SIDE, SIDE, &n);
            for (int i = 0; i < 6; i++)
              {
                g_autofree char *file = g_strdup_printf ("n0999999900000%03d.jpg", i);
                g_autofree char *p = g_build_filename (data, "miniimagenet", "images", file, NULL);
                blip_test_write_bytes (p, jpg, n);
                g_string_append_printf (s, "%s,n09999999\n", file);
              }
            break;
          }
        }
      blip_test_write_bytes (train, (const guint8 *) s->str, s->len);
      g_string_free (s, TRUE);
      g_assert_null (open_mini (data, 0, 0.2, &error));
      g_test_message ("%s: %s", cases[k].name, error->message);
      g_assert_true (error->code == cases[k].code);
      assert_contains (error->message, cases[k].says);
      if (cases[k].bad != B_NO_IMAGE && cases[k].bad != B_SIX_CLASSES)
        assert_contains (error->message, train);
      g_clear_error (&error);
    }
  blip_test_rmtree (data);
}

static void
test_cli (void)
{
  if (!g_file_test (BLIP_EXE, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the blip tool has not been built at " BLIP_EXE);
      return;
    }
  g_autofree char *data = write_csv_layout (10, 12);
  g_autofree char *out = blip_test_mkdtemp ();
  g_autofree char *dest = g_build_filename (out, "run", NULL);
  /* AlexNet: the network the reference's README runs, and one that every
   * build has; the preset's ResNet-18 is tested with the networks. */
  const char *argv[] = { BLIP_EXE, "run", "--experiment", "miniimagenet", "--arch", "alexnet",
                         "--data-dir", data, "--nepochs", "1", "--train-subset", "20", "--test-subset", "10",
                         "--valid-fraction", "0.1", "--quiet", "--threads", "1", "--output", dest, NULL };
  g_autofree char *o = NULL, *e = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, &error);
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", o, e);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_autofree char *results = g_build_filename (dest, "results.json", NULL);
  g_autofree char *json = NULL;
  g_assert_true (g_file_get_contents (results, &json, NULL, NULL));
  assert_contains (json, "\"miniimagenet-1\"");
  blip_test_rmtree (out);
  blip_test_rmtree (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Never touch the user's cache. */
  cache_dir = blip_test_mkdtemp ();
  g_setenv ("BLIP_CACHE_DIR", cache_dir, TRUE);

  g_test_add_func ("/miniimagenet/csv", test_csv);
  g_test_add_func ("/miniimagenet/hundred-classes", test_hundred);
  g_test_add_func ("/miniimagenet/folders", test_folders);
  g_test_add_func ("/miniimagenet/errors", test_errors);
  g_test_add_func ("/miniimagenet/cli", test_cli);
  int rc = g_test_run ();
  blip_test_rmtree (cache_dir);
  return rc;
}
