/* blip-experiment-miniimagenet.c — miniimagenet: mini-ImageNet's 100
 * classes of 600 images as 20 tasks of 5 classes, 3×84×84, following the
 * reference's miniImageNetClassification code (dataloaders/miniimagenet.py
 * and data/generate_train_test_split.py, which follows facebookresearch's
 * Adversarial-Continual-Learning):
 *
 *   - the classes are pooled and dealt to the tasks by a permutation drawn
 *     from the run's seed (np.random.permutation(100) split into 20 groups
 *     of 5 in the reference), so that results over several seeds average
 *     over task compositions as the paper's do. The permutation is applied
 *     to the classes sorted by name (wnid): the reference's base order was
 *     its folder listing, which no copy reproduces, and sorting makes both
 *     layouts below give the same tasks for a seed;
 *   - each class's images are split once for all runs, by a shuffle with a
 *     fixed seed (1234 in the reference): the first 5/6 (500 of 600)
 *     train, the rest (100) test;
 *   - images are resized to 84×84 RGB (the usual files already are) and
 *     normalised per channel with ImageNet's mean (0.485, 0.456, 0.406) and
 *     std (0.229, 0.224, 0.225) after ToTensor's /255;
 *   - 2% of each task's training images is the validation set (pc_valid =
 *     0.02: the preset's --valid-fraction).
 *
 * Differences from the reference, on purpose: its pickles were made with
 * OpenCV, whose BGR channel order they keep while being normalised as RGB;
 * here images are RGB. Its class order and the images drawn for each split
 * depend on numpy's generator and folder listings; here on this library's
 * seeded generator and on file names.
 *
 * Two layouts are read from <data>/miniimagenet/:
 *   - the one of Ravi & Larochelle's split lists: images/<file>.jpg and
 *     train.csv, val.csv, test.csv, each a header "filename,label" and one
 *     line per image, the label being the class's wnid (n01532829). The 64 +
 *     16 + 20 classes of the three lists are pooled and split as above;
 *   - image folders train/<wnid>/ and test/<wnid>/, whose split is kept as
 *     it is (through blip-images.h, resizing allowed).
 */
#include "blip-experiment-private.h"
#include "blip-datadir.h"
#include "blip-images.h"
#include "blip-rng.h"

#include <glib/gstdio.h>
#include <string.h>

/* Streams of the data RNG of their own (see the other experiment files). */
enum { STREAM_MINI_CLASSES = 105, STREAM_MINI_SPLIT = 106 };

#define MINI_SIDE 84
#define MINI_CLASSES_PER_TASK 5
/* generate_train_test_split.py: np.random.seed(1234), 500 of 600 train. */
#define MINI_SPLIT_SEED 1234
#define MINI_TRAIN_SIXTHS 5
/* A CSV list of more than this is not one of mini-ImageNet's. */
#define MINI_MAX_CSV_BYTES ((gsize) 64 << 20)

static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };
static const char * const csv_names[3] = { "train.csv", "val.csv", "test.csv" };

typedef struct {
  BlipImageSet *train;
  BlipImageSet *test;
  float         lut[3 * 256];
} MiniData;

static void
mini_data_free (gpointer data)
{
  MiniData *d = data;
  blip_image_set_free (d->train);
  blip_image_set_free (d->test);
  g_free (d);
}

/* ---- the CSV layout ---------------------------------------------------------------- */

typedef struct {
  char      *wnid;
  GPtrArray *files;   /* char *, in list order */
} MiniClass;

static void
mini_class_free (gpointer p)
{
  MiniClass *c = p;
  g_free (c->wnid);
  g_ptr_array_unref (c->files);
  g_free (c);
}

/* A file or class name from a list: one plain name, no folders, no
 * control characters. */
static gboolean
plain_name (const char *s)
{
  if (*s == '\0' || *s == '.' || strlen (s) > 255 || !g_utf8_validate (s, -1, NULL))
    return FALSE;
  for (const char *p = s; *p; p++)
    if (*p == '/' || *p == '\\' || (guchar) *p < 0x20)
      return FALSE;
  return TRUE;
}

/* Adds the lines of one list to the classes (wnid → MiniClass); `where`
 * (file → "train.csv line 12") catches an image listed twice. */
static gboolean
read_csv (const char *path, const char *list, GHashTable *classes, GPtrArray *order, GHashTable *where,
          GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  GStatBuf st;
  if (g_stat (path, &st) == 0 && (guint64) st.st_size > MINI_MAX_CSV_BYTES)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: %" G_GUINT64_FORMAT " bytes; a list of images is at most %" G_GSIZE_FORMAT,
                   path, (guint64) st.st_size, MINI_MAX_CSV_BYTES);
      return FALSE;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING, "%s", local->message);
      return FALSE;
    }
  if (len > MINI_MAX_CSV_BYTES || memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: not a list of images (a text file of at most %" G_GSIZE_FORMAT " bytes, "
                   "header “filename,label”)", path, MINI_MAX_CSV_BYTES);
      return FALSE;
    }
  char *body = text;
  if (len >= 3 && memcmp (body, "\xef\xbb\xbf", 3) == 0)
    body += 3;   /* a byte-order mark that some editors add */
  g_auto(GStrv) lines = g_strsplit (body, "\n", -1);
  int n_images = 0;
  for (int i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize l = strlen (line);
      if (l > 0 && line[l - 1] == '\r')
        line[--l] = '\0';
      if (i == 0)
        {
          if (strcmp (line, "filename,label") != 0)
            {
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                           "%s line 1: the header is “%.80s”; expected “filename,label”", path, line);
              return FALSE;
            }
          continue;
        }
      if (l == 0)
        continue;
      char *comma = strchr (line, ',');
      if (comma == NULL || strchr (comma + 1, ',') != NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s line %d: “%.80s”; expected filename,label (e.g. n0153282900000005.jpg,n01532829)",
                       path, i + 1, line);
          return FALSE;
        }
      *comma = '\0';
      const char *file = line, *wnid = comma + 1;
      if (!plain_name (file) || !plain_name (wnid))
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s line %d: “%.80s” or “%.80s” is not a plain file or class name (no folders, "
                       "no leading '.')", path, i + 1, file, wnid);
          return FALSE;
        }
      const char *before = g_hash_table_lookup (where, file);
      if (before != NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s line %d: %s is listed a second time (first in %s)", path, i + 1, file, before);
          return FALSE;
        }
      g_hash_table_insert (where, g_strdup (file), g_strdup_printf ("%s line %d", list, i + 1));
      MiniClass *c = g_hash_table_lookup (classes, wnid);
      if (c == NULL)
        {
          c = g_new0 (MiniClass, 1);
          c->wnid = g_strdup (wnid);
          c->files = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (classes, c->wnid, c);
          g_ptr_array_add (order, c);
        }
      g_ptr_array_add (c->files, g_strdup (file));
      n_images++;
    }
  if (n_images == 0)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: lists no images (expected the header “filename,label” and one line per image)", path);
      return FALSE;
    }
  return TRUE;
}

static int
compare_classes (gconstpointer a, gconstpointer b)
{
  const MiniClass *x = *(MiniClass * const *) a, *y = *(MiniClass * const *) b;
  return strcmp (x->wnid, y->wnid);
}

static gboolean
decode_file (const char *path, guint8 *out, GError **error)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, &bytes, &len, &local))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  int c = 3, h = MINI_SIDE, w = MINI_SIDE;
  g_autofree guint8 *px = blip_image_decode ((const guint8 *) bytes, len, path, &c, &h, &w, TRUE, error);
  if (px == NULL)
    return FALSE;
  memcpy (out, px, (gsize) 3 * MINI_SIDE * MINI_SIDE);
  return TRUE;
}

static gboolean
load_csv_layout (const char *root, BlipImageSet **train, BlipImageSet **test, GError **error)
{
  g_autoptr(GHashTable) classes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (mini_class_free);
  g_autoptr(GHashTable) where = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *p = g_build_filename (root, csv_names[i], NULL);
      if (!read_csv (p, csv_names[i], classes, order, where, error))
        return FALSE;
    }
  /* Sorted by wnid: the order the seeded permutation deals from. */
  g_ptr_array_sort (order, compare_classes);
  int n_classes = (int) order->len;

  /* Each class's images: a fixed-seed shuffle decides which are test
   * images; each part keeps list order. */
  gsize dim = (gsize) 3 * MINI_SIDE * MINI_SIDE;
  int counts[2] = { 0, 0 };
  g_autoptr(GPtrArray) is_test = g_ptr_array_new_with_free_func (g_free);
  for (int c = 0; c < n_classes; c++)
    {
      MiniClass *k = g_ptr_array_index (order, c);
      int n = (int) k->files->len;
      int n_train = n * MINI_TRAIN_SIXTHS / 6;
      if (n_train < 1 || n_train == n)
        {
          g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL,
                       "%s: class %s has %d image%s; at least 2 are needed, 5/6 of them for training "
                       "and the rest for testing (mini-ImageNet has 600)", root, k->wnid, n, n == 1 ? "" : "s");
          return FALSE;
        }
      int *perm = g_new (int, n);
      for (int i = 0; i < n; i++)
        perm[i] = i;
      BlipRng rng;
      blip_rng_seed_stream (&rng, MINI_SPLIT_SEED, (guint64) STREAM_MINI_SPLIT * 1000 + c);
      blip_rng_shuffle (&rng, perm, n);
      guint8 *t = g_malloc0 (n);
      for (int i = n_train; i < n; i++)
        t[perm[i]] = 1;
      g_free (perm);
      g_ptr_array_add (is_test, t);
      counts[0] += n_train;
      counts[1] += n - n_train;
    }
  if ((guint64) counts[0] * dim > ((guint64) 8 << 30))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "%s: %d training images of 84×84 would take more than 8 GiB", root, counts[0]);
      return FALSE;
    }
  BlipImageSet *sets[2];
  for (int s = 0; s < 2; s++)
    {
      sets[s] = blip_image_set_new (counts[s], 3, MINI_SIDE, MINI_SIDE);
      g_strfreev (sets[s]->class_names);
      sets[s]->class_names = g_new0 (char *, n_classes + 1);
      for (int c = 0; c < n_classes; c++)
        sets[s]->class_names[c] = g_strdup (((MiniClass *) g_ptr_array_index (order, c))->wnid);
      sets[s]->n_classes = n_classes;
    }
  g_autofree char *images = g_build_filename (root, "images", NULL);
  int at[2] = { 0, 0 };
  for (int c = 0; c < n_classes; c++)
    {
      MiniClass *k = g_ptr_array_index (order, c);
      const guint8 *t = g_ptr_array_index (is_test, c);
      for (guint i = 0; i < k->files->len; i++)
        {
          int s = t[i];
          g_autofree char *p = g_build_filename (images, g_ptr_array_index (k->files, i), NULL);
          if (!decode_file (p, sets[s]->pixels + (gsize) at[s] * dim, error))
            {
              blip_image_set_free (sets[0]);
              blip_image_set_free (sets[1]);
              return FALSE;
            }
          sets[s]->labels[at[s]++] = c;
        }
    }
  *train = sets[0];
  *test = sets[1];
  return TRUE;
}

/* ---- the experiment ---------------------------------------------------------------- */

BlipExperiment *
blip_experiment_open_miniimagenet (const BlipConfig *config, GError **error)
{
  g_autofree char *data_dir = blip_data_dir_resolve (config->data_dir);
  g_autofree char *root = g_build_filename (data_dir, "miniimagenet", NULL);
  const BlipExperimentInfo *info = blip_experiment_info ("miniimagenet");
  MiniData *d = g_new0 (MiniData, 1);
  g_autoptr(BlipExperiment) e = blip_experiment_alloc (info->name, info->title, d, mini_data_free);

  /* The CSV layout when any of it is there (so that a half-copied one is
   * reported as such), else image folders. */
  GString *absent = g_string_new (NULL);
  gboolean any_csv = FALSE;
  g_autofree char *images = g_build_filename (root, "images", NULL);
  if (g_file_test (images, G_FILE_TEST_IS_DIR))
    any_csv = TRUE;
  else
    g_string_append (absent, "images/");
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *p = g_build_filename (root, csv_names[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        any_csv = TRUE;
      else
        g_string_append_printf (absent, "%s%s", absent->len ? ", " : "", csv_names[i]);
    }
  g_autofree char *tr = g_build_filename (root, "train", NULL);
  g_autofree char *te = g_build_filename (root, "test", NULL);
  gboolean folders = g_file_test (tr, G_FILE_TEST_IS_DIR) && g_file_test (te, G_FILE_TEST_IS_DIR);
  gboolean ok;
  if (absent->len == 0)
    ok = load_csv_layout (root, &d->train, &d->test, error);
  else if (folders && !any_csv)
    {
      /* A full copy is 1.3 GB decoded: not worth a copy in the image cache. */
      BlipImageOptions o = {
        .channels = 3, .height = MINI_SIDE, .width = MINI_SIDE, .allow_resize = TRUE, .no_cache = TRUE,
      };
      ok = blip_images_load (root, &o, &d->train, &d->test, error);
      if (!ok)
        g_prefix_error (error, "mini-ImageNet: ");
    }
  else
    {
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING,
                   "mini-ImageNet was not found. Looked for:\n"
                   "  the split lists' layout in %s/: missing %s\n"
                   "  image folders %s/train/<class>/ and %s/test/<class>/: missing%s\n"
                   "To get it: mini-ImageNet is made from ImageNet (whose terms allow non-commercial research "
                   "only) by tools such as github.com/yaoyao-liu/mini-imagenet-tools; put its images/ "
                   "folder of 84×84 JPEGs and train.csv, val.csv and test.csv (header filename,label) in "
                   "%s/, or point --data-dir or BLIP_DATA_DIR at a folder that holds miniimagenet/",
                   root, absent->str, root, root,
                   folders ? " (they are there, but so is part of the split lists' layout: remove one)" : "",
                   root);
      ok = FALSE;
    }
  g_string_free (absent, TRUE);
  if (!ok)
    return NULL;

  int n_classes = d->train->n_classes;
  if (n_classes % MINI_CLASSES_PER_TASK != 0 || n_classes < MINI_CLASSES_PER_TASK)
    {
      g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL,
                   "%s: %d classes, which do not make tasks of %d (mini-ImageNet has 100: 20 tasks)",
                   root, n_classes, MINI_CLASSES_PER_TASK);
      return NULL;
    }
  for (int c = 0; c < 3; c++)
    {
      float m = (float) imagenet_mean[c], sd = (float) imagenet_std[c];
      for (int v = 0; v < 256; v++)
        d->lut[c * 256 + v] = ((float) v / 255.0f - m) / sd;
    }
  e->channels = 3;
  e->height = MINI_SIDE;
  e->width = MINI_SIDE;
  e->input_dim = 3 * MINI_SIDE * MINI_SIDE;

  /* miniimagenet.py: np.random.seed(seed); split(permutation(100), 20). */
  int *perm = g_new (int, n_classes);
  for (int c = 0; c < n_classes; c++)
    perm[c] = c;
  BlipRng rng;
  blip_rng_seed_stream (&rng, config->seed, STREAM_MINI_CLASSES);
  blip_rng_shuffle (&rng, perm, n_classes);
  int all = n_classes / MINI_CLASSES_PER_TASK;
  e->n_tasks = config->ntasks > 0 && config->ntasks < all ? config->ntasks : all;
  e->tasks = g_new0 (BlipTask, e->n_tasks);
  int *local = g_new (int, n_classes);
  gboolean too_small = FALSE;
  for (int t = 0; t < e->n_tasks && !too_small; t++)
    {
      BlipTask *task = &e->tasks[t];
      task->ncla = MINI_CLASSES_PER_TASK;
      task->name = g_strdup_printf ("miniimagenet-%d", t);
      for (int c = 0; c < n_classes; c++)
        local[c] = -1;
      for (int k = 0; k < MINI_CLASSES_PER_TASK; k++)
        local[perm[t * MINI_CLASSES_PER_TASK + k]] = k;
      blip_experiment_select_rows (&task->train, d->train, local, task->ncla, config->train_subset);
      blip_experiment_select_rows (&task->test, d->test, local, task->ncla, config->test_subset);
      BlipSplit *splits[2] = { &task->train, &task->test };
      BlipImageSet *sets[2] = { d->train, d->test };
      for (int s = 0; s < 2; s++)
        {
          splits[s]->pixels = sets[s]->pixels;
          splits[s]->dim = e->input_dim;
          splits[s]->lut = d->lut;
          splits[s]->plane_size = MINI_SIDE * MINI_SIDE;
        }
      /* The preset holds out pc_valid = 0.02; 0 validates on the training set. */
      if (!blip_experiment_finish_task (task, t, config, error))
        too_small = TRUE;
    }
  g_free (local);
  g_free (perm);
  return too_small ? NULL : g_steal_pointer (&e);
}
