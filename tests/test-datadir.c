/* test-datadir.c — the data set table, how the data directory is chosen
 * (--data-dir over $BLIP_DATA_DIR over the XDG default), where files are
 * looked for, and what the error says when they are not there. */
#include "blip-datadir.h"
#include "blip-test-util.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* $BLIP_DATA_DIR as the test was started with; cases that change the
 * variable put it back, so the real-data cases see it whatever the order. */
static char *initial_data_dir;

/* Never created: resolving only builds the path. */
#define FAKE_XDG_DATA_HOME "/nonexistent/blip-test-xdg-data-home"

static void
restore_data_dir (void)
{
  if (initial_data_dir != NULL)
    g_setenv ("BLIP_DATA_DIR", initial_data_dir, TRUE);
  else
    g_unsetenv ("BLIP_DATA_DIR");
}

static void
touch (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, "x", 1, &error);
  g_assert_no_error (error);
}

static void
test_lookup (void)
{
  const BlipDataset *mnist = blip_dataset_lookup ("mnist");
  g_assert_nonnull (mnist);
  g_assert_cmpstr (mnist->name, ==, "mnist");
  g_assert_cmpstr (mnist->subdir, ==, "mnist");
  g_assert_cmpstr (mnist->urls[0], ==, "http://yann.lecun.com/exdb/mnist/");
  g_assert_cmpstr (mnist->urls[1], ==, "https://ossci-datasets.s3.amazonaws.com/mnist/");
  g_assert_null (mnist->urls[2]);

  const BlipDataset *fashion = blip_dataset_lookup ("fashion-mnist");
  g_assert_nonnull (fashion);
  g_assert_cmpstr (fashion->subdir, ==, "fashion-mnist");
  g_assert_cmpstr (fashion->system_dirs[0], ==, "/usr/share/datasets/fashion-mnist");

  g_assert_null (blip_dataset_lookup ("cifar-10"));
  g_assert_null (blip_dataset_lookup ("MNIST"));
  g_assert_null (blip_dataset_lookup (""));
  g_assert_null (blip_dataset_lookup (NULL));
}

/* Every entry must be usable by the downloader and by the error messages. */
static void
test_table_sane (void)
{
  static const char * const names[] = { "mnist", "fashion-mnist" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const BlipDataset *d = blip_dataset_lookup (names[i]);
      g_assert_nonnull (d);
      g_assert_nonnull (d->title);
      g_assert_nonnull (d->hint);
      g_assert_nonnull (d->system_dirs);
      g_assert_nonnull (d->urls);
      g_assert_nonnull (d->urls[0]);
      for (const char * const *u = d->urls; *u != NULL; u++)
        g_assert_true (g_str_has_suffix (*u, "/"));
      int n = 0;
      for (const BlipDataFile *f = d->files; f->name != NULL; f++, n++)
        {
          g_assert_cmpuint (strlen (f->md5), ==, 32);
          for (const char *c = f->md5; *c != '\0'; c++)
            g_assert_true (g_ascii_isxdigit (*c) && !g_ascii_isupper (*c));
          g_assert_cmpint (f->size, >, 0);
          g_assert_true (g_str_has_suffix (f->name, "-ubyte.gz"));
        }
      g_assert_cmpint (n, ==, 4);
    }
}

/* The table is what downloads are checked against, so it must match the
 * real published files where we have them. */
static void
test_table_matches_real_mnist (void)
{
  g_autofree char *data = blip_test_real_data_dir ("mnist/train-images-idx3-ubyte.gz");
  if (data == NULL)
    return;
  const BlipDataset *mnist = blip_dataset_lookup ("mnist");
  for (const BlipDataFile *f = mnist->files; f->name != NULL; f++)
    {
      g_autofree char *path = g_build_filename (data, "mnist", f->name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;
      g_file_get_contents (path, &contents, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpint ((gint64) len, ==, f->size);
      g_autofree char *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents, len);
      g_assert_cmpstr (md5, ==, f->md5);
    }
}

static void
test_resolve_order (void)
{
  /* main() set XDG_DATA_HOME before GLib first read (and cached) it. */
  g_autofree char *xdg_default = g_build_filename (FAKE_XDG_DATA_HOME, "blip-studio", "data", NULL);

  g_unsetenv ("BLIP_DATA_DIR");
  g_autofree char *r1 = blip_data_dir_resolve (NULL);
  g_assert_cmpstr (r1, ==, xdg_default);
  g_autofree char *r2 = blip_data_dir_resolve ("");
  g_assert_cmpstr (r2, ==, xdg_default);

  g_setenv ("BLIP_DATA_DIR", "", TRUE);
  g_autofree char *r3 = blip_data_dir_resolve (NULL);
  g_assert_cmpstr (r3, ==, xdg_default);

  g_setenv ("BLIP_DATA_DIR", "/from/env", TRUE);
  g_autofree char *r4 = blip_data_dir_resolve (NULL);
  g_assert_cmpstr (r4, ==, "/from/env");

  g_autofree char *r5 = blip_data_dir_resolve ("/from/flag");
  g_assert_cmpstr (r5, ==, "/from/flag");

  g_unsetenv ("BLIP_DATA_DIR");
  g_autofree char *r6 = blip_data_dir_resolve ("/from/flag");
  g_assert_cmpstr (r6, ==, "/from/flag");
  restore_data_dir ();
}

/* Which candidate wins when several exist; a table of files to create and
 * the one expected back, relative to the data directory. */
typedef struct {
  const char *slug;
  const char *description;
  const char *create[3];
  const char *asked;
  const char *expected;
} FindCase;

static const FindCase find_cases[] = {
  { "gz", "published .gz name", { "mnist/train-images-idx3-ubyte.gz" },
    "train-images-idx3-ubyte.gz", "mnist/train-images-idx3-ubyte.gz" },
  { "plain", "decompressed copy", { "mnist/train-images-idx3-ubyte" },
    "train-images-idx3-ubyte.gz", "mnist/train-images-idx3-ubyte" },
  { "gz-first", ".gz preferred over a decompressed copy",
    { "mnist/t10k-labels-idx1-ubyte", "mnist/t10k-labels-idx1-ubyte.gz" },
    "t10k-labels-idx1-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz" },
  { "plain-asked", "a name without .gz is looked up as is", { "mnist/t10k-labels-idx1-ubyte" },
    "t10k-labels-idx1-ubyte", "mnist/t10k-labels-idx1-ubyte" },
};

static void
test_find (gconstpointer data)
{
  const FindCase *c = data;
  g_test_summary (c->description);
  g_autofree char *dir = blip_test_mkdtemp ();
  for (int i = 0; i < 3 && c->create[i] != NULL; i++)
    {
      g_autofree char *p = g_build_filename (dir, c->create[i], NULL);
      touch (p);
    }
  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (blip_dataset_lookup ("mnist"), dir, c->asked, &error);
  g_assert_no_error (error);
  g_autofree char *expected = g_build_filename (dir, c->expected, NULL);
  g_assert_cmpstr (found, ==, expected);
  blip_test_rmtree (dir);
}

/* A symbolic link into a shared copy counts as present. */
static void
test_find_symlink (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *target = g_build_filename (dir, "elsewhere.gz", NULL);
  g_autofree char *link = g_build_filename (dir, "mnist", "train-labels-idx1-ubyte.gz", NULL);
  touch (target);
  g_autofree char *sub = g_build_filename (dir, "mnist", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);

  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (blip_dataset_lookup ("mnist"), dir,
                                                   "train-labels-idx1-ubyte.gz", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, link);
  blip_test_rmtree (dir);
}

/* A folder with the file's name is not the file. */
static void
test_find_ignores_directories (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autofree char *sub = g_build_filename (dir, "mnist", "train-labels-idx1-ubyte.gz", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (blip_dataset_lookup ("mnist"), dir,
                                                   "train-labels-idx1-ubyte.gz", &error);
  g_assert_null (found);
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  blip_test_rmtree (dir);
}

static void
assert_contains (const char *message, const char *needle)
{
  if (strstr (message, needle) == NULL)
    g_error ("message lacks \"%s\":\n%s", needle, message);
}

static void
test_missing_mnist (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (blip_dataset_lookup ("mnist"), dir,
                                                   "train-images-idx3-ubyte.gz", &error);
  g_assert_null (found);
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);

  /* Every place looked, one per line. */
  g_autofree char *p1 = g_build_filename (dir, "mnist", "train-images-idx3-ubyte.gz", NULL);
  g_autofree char *p2 = g_build_filename (dir, "mnist", "train-images-idx3-ubyte", NULL);
  g_autofree char *l1 = g_strdup_printf ("\n  %s\n", p1);
  g_autofree char *l2 = g_strdup_printf ("\n  %s\n", p2);
  assert_contains (error->message, l1);
  assert_contains (error->message, l2);
  assert_contains (error->message, "train-images-idx3-ubyte.gz was not found");
  /* And every way to get the file. */
  assert_contains (error->message, "--download");
  assert_contains (error->message, "--data-dir");
  assert_contains (error->message, "BLIP_DATA_DIR");
  blip_test_rmtree (dir);
}

static void
test_missing_fashion (void)
{
  const BlipDataset *fashion = blip_dataset_lookup ("fashion-mnist");
  g_autofree char *dir = blip_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  /* Not a file of the package, so it is missing even where the package is installed. */
  g_autofree char *found = blip_dataset_find_file (fashion, dir, "no-such-file.gz", &error);
  g_assert_null (found);
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);

  g_autofree char *own = g_build_filename (dir, "fashion-mnist", "no-such-file.gz", NULL);
  assert_contains (error->message, own);
  assert_contains (error->message, "/usr/share/datasets/fashion-mnist/no-such-file.gz");
  assert_contains (error->message, "/usr/share/datasets/fashion-mnist/no-such-file\n");
  assert_contains (error->message, "apt install dataset-fashion-mnist");
  assert_contains (error->message, "--download");
  assert_contains (error->message, "BLIP_DATA_DIR");
  blip_test_rmtree (dir);
}

/* Fashion-MNIST from Debian's package, found without anything in the data
 * directory; a copy in the data directory takes precedence. */
static void
test_fashion_system_dir (void)
{
  const char *sys = "/usr/share/datasets/fashion-mnist";
  if (!g_file_test (sys, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("/usr/share/datasets/fashion-mnist is absent (apt install dataset-fashion-mnist)");
      return;
    }
  const BlipDataset *fashion = blip_dataset_lookup ("fashion-mnist");
  g_autofree char *dir = blip_test_mkdtemp ();
  for (const BlipDataFile *f = fashion->files; f->name != NULL; f++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *found = blip_dataset_find_file (fashion, dir, f->name, &error);
      g_assert_no_error (error);
      g_autofree char *expected = g_build_filename (sys, f->name, NULL);
      g_assert_cmpstr (found, ==, expected);
    }

  g_autofree char *own = g_build_filename (dir, "fashion-mnist", "t10k-labels-idx1-ubyte.gz", NULL);
  touch (own);
  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (fashion, dir, "t10k-labels-idx1-ubyte.gz", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, own);
  blip_test_rmtree (dir);
}

/* A NULL data directory means the resolved one. */
static void
test_find_default_dir (void)
{
  g_autofree char *dir = blip_test_mkdtemp ();
  g_setenv ("BLIP_DATA_DIR", dir, TRUE);
  g_autofree char *file = g_build_filename (dir, "mnist", "t10k-images-idx3-ubyte.gz", NULL);
  touch (file);
  g_autoptr(GError) error = NULL;
  g_autofree char *found = blip_dataset_find_file (blip_dataset_lookup ("mnist"), NULL,
                                                   "t10k-images-idx3-ubyte.gz", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, file);
  restore_data_dir ();
  blip_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  initial_data_dir = g_strdup (g_getenv ("BLIP_DATA_DIR"));
  /* g_get_user_data_dir() caches its first answer, so this must come first. */
  g_setenv ("XDG_DATA_HOME", FAKE_XDG_DATA_HOME, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/datadir/lookup", test_lookup);
  g_test_add_func ("/datadir/table-sane", test_table_sane);
  g_test_add_func ("/datadir/table-matches-real-mnist", test_table_matches_real_mnist);
  g_test_add_func ("/datadir/resolve-order", test_resolve_order);
  for (gsize i = 0; i < G_N_ELEMENTS (find_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/datadir/find/%s", find_cases[i].slug);
      g_test_add_data_func (name, &find_cases[i], test_find);
    }
  g_test_add_func ("/datadir/find/symlink", test_find_symlink);
  g_test_add_func ("/datadir/find/ignores-directories", test_find_ignores_directories);
  g_test_add_func ("/datadir/find/default-dir", test_find_default_dir);
  g_test_add_func ("/datadir/missing/mnist", test_missing_mnist);
  g_test_add_func ("/datadir/missing/fashion-mnist", test_missing_fashion);
  g_test_add_func ("/datadir/fashion-mnist-system-dir", test_fashion_system_dir);

  int result = g_test_run ();
  g_free (initial_data_dir);
  return result;
}
