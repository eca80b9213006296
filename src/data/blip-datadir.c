/* blip-datadir.c — the table of known data sets (their files, checksums and
 * download mirrors), where the data directory is, and where on disk a data
 * set's files are looked for. Downloading lives in blip-download.c. */
#include "blip-datadir.h"

#include <string.h>

G_DEFINE_QUARK (blip-data-error-quark, blip_data_error)

/* The sizes and md5s are those of the files as published on the mirrors: they
 * are what a download is checked against. */
static const BlipDataFile mnist_files[] = {
  { "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422 },
  { "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881 },
  { "t10k-images-idx3-ubyte.gz",  "9fb629c4189551a2d022fa330f9573f3", 1648877 },
  { "t10k-labels-idx1-ubyte.gz",  "ec29112dd5afa0611ce80d1b7f02629c", 4542 },
  { NULL, NULL, 0 },
};

static const char * const mnist_urls[] = {
  "http://yann.lecun.com/exdb/mnist/",
  /* The original site often refuses or throttles; this copy is widely used. */
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  NULL,
};

static const char * const no_system_dirs[] = { NULL };

/* Debian's dataset-fashion-mnist package (0.0~git20200523.55506a9-1) ships
 * these files with the gzip header normalised (the stored file name removed,
 * the time stamp reset), so its copies are 23–24 bytes shorter and have other
 * md5s than the published ones:
 *   train-images-idx3-ubyte.gz  cf8536b0aa1a6ac5fa3f23001093305c  26421856
 *   train-labels-idx1-ubyte.gz  10bea18fdb374794d4bb42e356e600c9  29491
 *   t10k-images-idx3-ubyte.gz   f78720b4224f21cce2f2ccf2d7a94c9a  4422079
 *   t10k-labels-idx1-ubyte.gz   0d30e22e447f3c33dab9ed536400ac01  5125
 * Each difference is exactly the length of the stored name plus its
 * terminating zero, and the contents decompress to the expected 60000/10000
 * images with 6000/1000 per class, so only the wrapper differs. Files found
 * in a system folder are therefore not checked against this table; the table
 * is what a download from the mirror must match. */
static const BlipDataFile fashion_mnist_files[] = {
  { "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880 },
  { "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515 },
  { "t10k-images-idx3-ubyte.gz",  "bef4ecab320f06d8554ea6380940ec79", 4422102 },
  { "t10k-labels-idx1-ubyte.gz",  "bb300cfdad3c16e7a12a480ee83cd310", 5148 },
  { NULL, NULL, 0 },
};

static const char * const fashion_mnist_urls[] = {
  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
  NULL,
};

static const char * const fashion_mnist_system_dirs[] = {
  "/usr/share/datasets/fashion-mnist",
  NULL,
};

static const BlipDataset datasets[] = {
  {
    .name = "mnist",
    .subdir = "mnist",
    .title = "MNIST",
    .urls = mnist_urls,
    .system_dirs = no_system_dirs,
    .hint = "copy the four *-ubyte.gz files from an MNIST mirror into that folder",
    .files = mnist_files,
  },
  {
    .name = "fashion-mnist",
    .subdir = "fashion-mnist",
    .title = "Fashion-MNIST",
    .urls = fashion_mnist_urls,
    .system_dirs = fashion_mnist_system_dirs,
    .hint = "install Debian's package: apt install dataset-fashion-mnist",
    .files = fashion_mnist_files,
  },
};

const BlipDataset *
blip_dataset_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (datasets); i++)
    if (strcmp (datasets[i].name, name) == 0)
      return &datasets[i];
  return NULL;
}

char *
blip_data_dir_resolve (const char *flag_dir)
{
  if (flag_dir != NULL && *flag_dir != '\0')
    return g_strdup (flag_dir);

  /* An empty variable counts as unset, as a shell user would expect from
   * `BLIP_DATA_DIR= blip …`. */
  const char *env = g_getenv ("BLIP_DATA_DIR");
  if (env != NULL && *env != '\0')
    return g_strdup (env);

  return g_build_filename (g_get_user_data_dir (), "blip-studio", "data", NULL);
}

/* Appends the candidate paths for file_name in dir, in the order they are tried:
 * the published name, then the name without ".gz" for a decompressed copy. */
static void
add_candidates (GPtrArray *candidates, const char *dir, const char *file_name)
{
  g_ptr_array_add (candidates, g_build_filename (dir, file_name, NULL));
  if (g_str_has_suffix (file_name, ".gz") && strlen (file_name) > 3)
    {
      g_autofree char *plain = g_strndup (file_name, strlen (file_name) - 3);
      g_ptr_array_add (candidates, g_build_filename (dir, plain, NULL));
    }
}

char *
blip_dataset_find_file (const BlipDataset *dataset,
                        const char        *data_dir,
                        const char        *file_name,
                        GError           **error)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *resolved = data_dir != NULL ? g_strdup (data_dir) : blip_data_dir_resolve (NULL);
  g_autofree char *own_dir = g_build_filename (resolved, dataset->subdir, NULL);

  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  add_candidates (candidates, own_dir, file_name);
  for (const char * const *sys = dataset->system_dirs; sys != NULL && *sys != NULL; sys++)
    add_candidates (candidates, *sys, file_name);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *path = g_ptr_array_index (candidates, i);
      /* Follows symbolic links, so a data folder of links to a shared copy works. */
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_strdup (path);
    }

  GString *msg = g_string_new (NULL);
  g_string_append_printf (msg, "%s file %s was not found. Looked in:\n",
                          dataset->title, file_name);
  for (guint i = 0; i < candidates->len; i++)
    g_string_append_printf (msg, "  %s\n", (const char *) g_ptr_array_index (candidates, i));
  g_string_append_printf (msg,
                          "To get it, do one of:\n"
                          "  - run with --download to fetch it into %s\n"
                          "  - %s\n"
                          "  - point --data-dir or BLIP_DATA_DIR at a folder with a %s/ sub-folder "
                          "that holds the files",
                          own_dir, dataset->hint, dataset->subdir);
  g_set_error_literal (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING, msg->str);
  g_string_free (msg, TRUE);
  return NULL;
}
