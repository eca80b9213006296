/* blip-experiment-cifar.c — the image benchmarks as task sequences:
 *
 *   cifar      the reference's cifar.py: CIFAR-10 as 5 tasks of 2 classes
 *              (labels n//2, n%2) and CIFAR-100 as 5 tasks of 20 fine classes
 *              (n//20, n%20), the 10 tasks in an order shuffled by the seed;
 *   cifar10-5  the CIFAR-10 half alone, in class order (airplane/automobile
 *              first), so it runs with CIFAR-10 only and every seed trains
 *              the same tasks in the same order: seeds then vary only the
 *              network and the data order, which is what a CIFAR-10-only
 *              comparison across seeds wants;
 *   folder     the user's own images: --data-dir is a folder or .tar.gz of
 *              train/<class>/ and test/<class>/, --tasks lists the class
 *              folders of each task ("cat,dog;car,truck"), a class's label
 *              being its place in its task. The image size and channels are
 *              the first image's, and each channel is normalised by the mean
 *              and standard deviation of the training images loaded, since
 *              the data set's own statistics are not known in advance.
 *
 * Both normalise each channel as cifar.py does, mean (125.3, 123.0, 113.9)/255
 * and std (63.0, 62.1, 66.7)/255 after ToTensor's /255, and hold out a seeded
 * 10% of each task's training images for validation as cifar.py's pc_valid
 * does (unless --valid-fraction asks for another share).
 *
 * A data set is read from the original binary files when they are there,
 * else from an image copy (a folder or .tar.gz of train/<class>/<n>.jpg and
 * test/<class>/<n>.jpg, as the shared data folder holds it) through
 * blip-images.h, whose disk cache makes the second start fast. */
#include "blip-experiment-private.h"
#include "blip-cifar.h"
#include "blip-datadir.h"
#include "blip-images.h"
#include "blip-rng.h"

#include <math.h>
#include <string.h>

/* A stream of the data RNG of its own, so the task order never shifts the
 * validation split or anything else drawn from the seed. */
enum { STREAM_TASK_ORDER = 102 };


/* Per-channel statistics of cifar.py, as fractions of 255. */
static const double cifar_mean[3] = { 125.3, 123.0, 113.9 };
static const double cifar_std[3] = { 63.0, 62.1, 66.7 };

enum { MAX_SOURCES = 2 };

typedef struct {
  BlipImageSet *train[MAX_SOURCES];
  BlipImageSet *test[MAX_SOURCES];
  float         lut[MAX_SOURCES][3 * 256];   /* per channel, like BlipSplit.lut with plane_size */
} ImagesData;

static void
images_data_free (gpointer data)
{
  ImagesData *d = data;
  for (int s = 0; s < MAX_SOURCES; s++)
    {
      blip_image_set_free (d->train[s]);
      blip_image_set_free (d->test[s]);
    }
  g_free (d);
}

/* ---- finding a CIFAR data set ------------------------------------------------------ */

typedef struct {
  BlipCifarKind kind;
  const char   *title;      /* "CIFAR-10" */
  const char   *subdir;     /* the data set's folder under the data directory */
  const char   *images;     /* folder (and archive stem) of the image copy */
  const char   *archive;    /* the published binary archive, for the hint */
} CifarFiles;

static const CifarFiles cifar10_files = {
  BLIP_CIFAR_10, "CIFAR-10", "cifar-10", "cifar-10-images", "cifar-10-binary.tar.gz"
};
static const CifarFiles cifar100_files = {
  BLIP_CIFAR_100, "CIFAR-100", "cifar-100", "cifar-100-images", "cifar-100-binary.tar.gz"
};

static gboolean
load_image_copy (const CifarFiles *f, const char *root, BlipImageSet **train, BlipImageSet **test,
                 GError **error)
{
  /* The class list makes a misnamed folder an error instead of a shifted
   * label, and gives the original label order. */
  BlipImageOptions o = {
    .channels = 3, .height = 32, .width = 32,
    .classes = blip_cifar_class_names (f->kind),
  };
  if (!blip_images_load (root, &o, train, test, error))
    {
      g_prefix_error (error, "%s: ", f->title);
      return FALSE;
    }
  return TRUE;
}

/* Loads a CIFAR data set from the first place that has it, in this order:
 * the binary version (exact pixels) in <data>/<subdir>/<binary folder>/ or
 * <data>/<binary folder>/, then an image copy as <data>/<images>/<images>.tar.gz,
 * <data>/<images>.tar.gz or the extracted <data>/<images>/train/ and test/.
 * A place that has the data but damaged is an error, not a reason to try the
 * next. The error for a missing data set names every place looked and the
 * files missing there. With check_only, only looks: TRUE when found. */
static gboolean
load_cifar (const CifarFiles *f, const char *data_dir, gboolean check_only, BlipImageSet **train,
            BlipImageSet **test, GError **error)
{
  const char *bin = blip_cifar_binary_folder (f->kind);
  char *bin_dirs[] = {
    g_build_filename (data_dir, f->subdir, bin, NULL),
    g_build_filename (data_dir, bin, NULL),
  };
  g_autofree char *archive_name = g_strconcat (f->images, ".tar.gz", NULL);
  char *archives[] = {
    g_build_filename (data_dir, f->images, archive_name, NULL),
    g_build_filename (data_dir, archive_name, NULL),
  };
  g_autofree char *folder = g_build_filename (data_dir, f->images, NULL);
  g_autofree char *folder_train = g_build_filename (folder, "train", NULL);

  GString *looked = g_string_new (NULL);
  const char *found = NULL, *found_bin = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (bin_dirs) && found_bin == NULL; i++)
    {
      GString *missing = g_string_new (NULL);
      for (const char * const *file = blip_cifar_binary_files (f->kind); *file; file++)
        {
          g_autofree char *p = g_build_filename (bin_dirs[i], *file, NULL);
          if (!g_file_test (p, G_FILE_TEST_IS_REGULAR))
            g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", *file);
        }
      if (missing->len == 0)
        found_bin = bin_dirs[i];
      else
        g_string_append_printf (looked, "  the binary version in %s/: missing %s\n", bin_dirs[i],
                                missing->str);
      g_string_free (missing, TRUE);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (archives) && found == NULL && found_bin == NULL; i++)
    {
      if (g_file_test (archives[i], G_FILE_TEST_IS_REGULAR))
        found = archives[i];
      else
        g_string_append_printf (looked, "  the image archive %s: missing\n", archives[i]);
    }
  if (found == NULL && found_bin == NULL)
    {
      if (g_file_test (folder_train, G_FILE_TEST_IS_DIR))
        found = folder;
      else
        g_string_append_printf (looked, "  extracted images in %s/: missing %s/ and %s/\n", folder,
                                "train", "test");
    }

  gboolean ok = FALSE;
  if (check_only && (found_bin != NULL || found != NULL))
    ok = TRUE;
  else if (found_bin != NULL)
    {
      ok = blip_cifar_load_folder (f->kind, found_bin, train, test, error);
      if (!ok)
        g_prefix_error (error, "%s: ", f->title);
    }
  else if (found != NULL)
    ok = load_image_copy (f, found, train, test, error);
  else
    {
      g_autofree char *own = g_build_filename (data_dir, f->subdir, NULL);
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING,
                   "%s was not found. Looked for:\n%s"
                   "To get it, do one of:\n"
                   "  - download the binary version (%s) from https://www.cs.toronto.edu/~kriz/cifar.html "
                   "and unpack it into %s/\n"
                   "  - put a copy of its images laid out as train/<class>/*.jpg and test/<class>/*.jpg "
                   "(PNG works too) at %s, as a .tar.gz or as a folder\n"
                   "  - point --data-dir or BLIP_DATA_DIR at a folder that holds one of these",
                   f->title, looked->str, f->archive, own, archives[0]);
    }
  g_string_free (looked, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (archives); i++)
    g_free (archives[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (bin_dirs); i++)
    g_free (bin_dirs[i]);
  return ok;
}

/* ---- building tasks -------------------------------------------------------------------- */

/* The rows of `set` whose label maps to a task class (local[label] ≥ 0), in
 * store order, labelled with their place in the task. With a limit, the
 * classes take turns, so that a subset of an image folder (whose store is
 * grouped by class) still holds every class of the task. */
void
blip_experiment_select_rows (BlipSplit *s, const BlipImageSet *set, const int *local, int ncla, int limit)
{
  g_autofree int *count = g_new0 (int, ncla);
  int total = 0;
  for (int i = 0; i < set->count; i++)
    if (local[set->labels[i]] >= 0)
      {
        count[local[set->labels[i]]]++;
        total++;
      }
  int n = limit > 0 ? MIN (limit, total) : total;
  g_autofree guint8 *take = g_malloc0 (MAX (set->count, 1));
  if (n == total)
    {
      for (int i = 0; i < set->count; i++)
        take[i] = local[set->labels[i]] >= 0;
    }
  else
    {
      /* the first k of each class, k growing by one per round */
      g_autofree int *quota = g_new0 (int, ncla);
      for (int picked = 0; picked < n;)
        for (int c = 0; c < ncla && picked < n; c++)
          if (quota[c] < count[c])
            {
              quota[c]++;
              picked++;
            }
      for (int i = 0; i < set->count; i++)
        {
          int c = local[set->labels[i]];
          if (c >= 0 && quota[c] > 0)
            {
              take[i] = 1;
              quota[c]--;
            }
        }
    }
  s->rows = g_new (int, MAX (n, 1));
  s->labels = g_new (gint32, MAX (n, 1));
  s->n = 0;
  for (int i = 0; i < set->count; i++)
    if (take[i])
      {
        s->rows[s->n] = i;
        s->labels[s->n] = local[set->labels[i]];
        s->n++;
      }
}

static void
split_setup (BlipSplit *s, const BlipImageSet *set, const float *lut)
{
  s->pixels = set->pixels;
  s->dim = set->channels * set->height * set->width;
  s->perm = NULL;
  s->lut = lut;
  s->plane_size = set->height * set->width;
}

/* One task: which source, and which of its labels, in task label order. */
typedef struct {
  int   source;
  int   ncla;
  int  *classes;
  char *name;
} TaskSpec;

static gboolean
build_tasks (BlipExperiment *e, ImagesData *d, TaskSpec *specs, int n_tasks, const BlipConfig *config,
             GError **error)
{
  e->n_tasks = n_tasks;
  e->tasks = g_new0 (BlipTask, n_tasks);
  for (int t = 0; t < n_tasks; t++)
    {
      BlipTask *task = &e->tasks[t];
      TaskSpec *sp = &specs[t];
      BlipImageSet *train = d->train[sp->source], *test = d->test[sp->source];
      task->name = g_steal_pointer (&sp->name);
      task->ncla = sp->ncla;
      g_autofree int *local = g_new (int, train->n_classes);
      for (int c = 0; c < train->n_classes; c++)
        local[c] = -1;
      for (int k = 0; k < sp->ncla; k++)
        local[sp->classes[k]] = k;
      blip_experiment_select_rows (&task->train, train, local, sp->ncla, config->train_subset);
      blip_experiment_select_rows (&task->test, test, local, sp->ncla, config->test_subset);
      split_setup (&task->train, train, d->lut[sp->source]);
      split_setup (&task->test, test, d->lut[sp->source]);
      /* The presets hold out cifar.py's pc_valid = 0.10; 0 validates on the
       * training set, as for MNIST. */
      if (!blip_experiment_finish_task (task, t, config, error))
        return FALSE;
    }
  return TRUE;
}

void
blip_experiment_cifar_luts (float *lut)
{
  /* As ToTensor then Normalize compute it in float32. */
  for (int c = 0; c < 3; c++)
    {
      float mean = (float) (cifar_mean[c] / 255.0), std = (float) (cifar_std[c] / 255.0);
      for (int v = 0; v < 256; v++)
        lut[c * 256 + v] = ((float) v / 255.0f - mean) / std;
    }
}

static BlipExperiment *
open_cifar (const BlipConfig *config, gboolean with_cifar100, GError **error)
{
  g_autofree char *data_dir = blip_data_dir_resolve (config->data_dir);
  const BlipExperimentInfo *info = blip_experiment_info (config->experiment);
  ImagesData *d = g_new0 (ImagesData, 1);
  g_autoptr(BlipExperiment) e = blip_experiment_alloc (info->name, info->title, d, images_data_free);

  /* cifar.py: ids = shuffle(arange(10), random_state=seed); task i is
   * component ids[i], 0–4 CIFAR-10 and 5–9 CIFAR-100. */
  int all = with_cifar100 ? 10 : 5;
  int ids[10];
  for (int i = 0; i < all; i++)
    ids[i] = i;
  if (with_cifar100)
    {
      BlipRng rng;
      blip_rng_seed_stream (&rng, config->seed, STREAM_TASK_ORDER);
      blip_rng_shuffle (&rng, ids, all);
    }
  int n_tasks = config->ntasks > 0 && config->ntasks < all ? config->ntasks : all;

  /* Only the data sets that the tasks run use are read. */
  gboolean need[MAX_SOURCES] = { FALSE, FALSE };
  for (int t = 0; t < n_tasks; t++)
    need[ids[t] >= 5] = TRUE;
  const CifarFiles *files[MAX_SOURCES] = { &cifar10_files, &cifar100_files };
  GString *missing = NULL;
  for (int s = 0; s < MAX_SOURCES; s++)
    {
      if (!need[s])
        continue;
      g_autoptr(GError) local = NULL;
      if (!load_cifar (files[s], data_dir, FALSE, &d->train[s], &d->test[s], &local))
        {
          /* Every missing data set is reported at once, not one per run. */
          if (!g_error_matches (local, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              if (missing)
                g_string_free (missing, TRUE);
              return NULL;
            }
          if (missing == NULL)
            missing = g_string_new (local->message);
          else
            g_string_append_printf (missing, "\n%s", local->message);
        }
      else
        blip_experiment_cifar_luts (d->lut[s]);
    }
  if (missing != NULL)
    {
      g_set_error_literal (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING, missing->str);
      g_string_free (missing, TRUE);
      return NULL;
    }

  e->channels = 3;
  e->height = 32;
  e->width = 32;
  e->input_dim = 3 * 32 * 32;
  TaskSpec specs[10];
  int classes[10][20];
  for (int t = 0; t < n_tasks; t++)
    {
      int id = ids[t];
      gboolean c100 = id >= 5;
      specs[t].source = c100;
      specs[t].ncla = c100 ? 20 : 2;
      specs[t].classes = classes[t];
      int lo = c100 ? 20 * (id - 5) : 2 * id;
      for (int k = 0; k < specs[t].ncla; k++)
        classes[t][k] = lo + k;
      specs[t].name = c100 ? g_strdup_printf ("cifar100-%d", id - 5) : g_strdup_printf ("cifar10-%d", id);
    }
  gboolean ok = build_tasks (e, d, specs, n_tasks, config, error);
  for (int t = 0; t < n_tasks; t++)
    g_free (specs[t].name);
  return ok ? g_steal_pointer (&e) : NULL;
}

/* Per-channel mean and standard deviation (as fractions of 255) of a set. */
static void
set_statistics (const BlipImageSet *set, double *mean, double *std)
{
  gsize plane = (gsize) set->height * set->width;
  for (int c = 0; c < set->channels; c++)
    {
      guint64 hist[256] = { 0 };
      for (int i = 0; i < set->count; i++)
        {
          const guint8 *p = set->pixels + ((gsize) i * set->channels + c) * plane;
          for (gsize k = 0; k < plane; k++)
            hist[p[k]]++;
        }
      double n = (double) set->count * plane, s = 0, s2 = 0;
      for (int v = 0; v < 256; v++)
        {
          s += (double) hist[v] * v;
          s2 += (double) hist[v] * v * v;
        }
      double m = s / n, var = s2 / n - m * m;
      mean[c] = m / 255.0;
      /* A constant channel would divide by zero; leave it centred, unscaled. */
      std[c] = var > 1e-12 ? sqrt (var) / 255.0 : 1.0;
    }
}

static BlipExperiment *
open_folder (const BlipConfig *config, GError **error)
{
  g_autoptr(GPtrArray) tasks = blip_config_parse_tasks (config->tasks, error);
  if (tasks == NULL)
    return NULL;
  if (tasks->len == 0 || config->tasks == NULL || *config->tasks == '\0')
    {
      g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                   "--experiment folder needs --tasks, the class folders of each task "
                   "(e.g. --tasks 'cat,dog;car,truck')");
      return NULL;
    }
  g_autofree char *root = blip_data_dir_resolve (config->data_dir);
  if (!g_file_test (root, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING,
                   "the folder experiment reads its images from %s, which does not exist. Point "
                   "--data-dir (or BLIP_DATA_DIR) at a folder, or a .tar.gz, that holds "
                   "train/<class>/ and test/<class>/ folders of .png, .jpg or .jpeg images", root);
      return NULL;
    }
  int n_tasks = (int) tasks->len;
  if (config->ntasks > 0 && config->ntasks < n_tasks)
    n_tasks = config->ntasks;

  /* The classes the tasks use, each once, in order of first mention: the
   * image set's labels are positions in this list. */
  g_autoptr(GPtrArray) classes = g_ptr_array_new ();
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  for (int t = 0; t < n_tasks; t++)
    for (char **name = g_ptr_array_index (tasks, t); *name; name++)
      if (!g_hash_table_contains (index, *name))
        {
          g_hash_table_insert (index, *name, GINT_TO_POINTER (classes->len));
          g_ptr_array_add (classes, *name);
        }
  g_ptr_array_add (classes, NULL);

  ImagesData *d = g_new0 (ImagesData, 1);
  const BlipExperimentInfo *info = blip_experiment_info ("folder");
  g_autoptr(BlipExperiment) e = blip_experiment_alloc (info->name, info->title, d, images_data_free);
  BlipImageOptions o = {
    .classes = (const char * const *) classes->pdata,
    /* the folder may hold classes no task uses */
    .skip_other_classes = TRUE,
  };
  if (!blip_images_load (root, &o, &d->train[0], &d->test[0], error))
    return NULL;
  BlipImageSet *train = d->train[0];
  double mean[3], std[3];
  set_statistics (train, mean, std);
  for (int c = 0; c < train->channels; c++)
    {
      float m = (float) mean[c], sd = (float) std[c];
      for (int v = 0; v < 256; v++)
        d->lut[0][c * 256 + v] = ((float) v / 255.0f - m) / sd;
    }
  e->channels = train->channels;
  e->height = train->height;
  e->width = train->width;
  e->input_dim = train->channels * train->height * train->width;

  TaskSpec *specs = g_new0 (TaskSpec, n_tasks);
  for (int t = 0; t < n_tasks; t++)
    {
      char **names = g_ptr_array_index (tasks, t);
      specs[t].source = 0;
      specs[t].ncla = (int) g_strv_length (names);
      specs[t].classes = g_new (int, specs[t].ncla);
      for (int k = 0; k < specs[t].ncla; k++)
        specs[t].classes[k] = GPOINTER_TO_INT (g_hash_table_lookup (index, names[k]));
      /* the classes' names when short enough for the result tables */
      g_autofree char *joined = g_strjoinv ("-", names);
      specs[t].name = g_utf8_strlen (joined, -1) <= 24 ? g_steal_pointer (&joined)
                                                       : g_strdup_printf ("folder-%d", t);
    }
  gboolean ok = build_tasks (e, d, specs, n_tasks, config, error);
  for (int t = 0; t < n_tasks; t++)
    {
      g_free (specs[t].classes);
      g_free (specs[t].name);
    }
  g_free (specs);
  return ok ? g_steal_pointer (&e) : NULL;
}

gboolean
blip_experiment_load_cifar10 (const char *data_dir, gboolean check_only, BlipImageSet **train,
                              BlipImageSet **test, GError **error)
{
  return load_cifar (&cifar10_files, data_dir, check_only, train, test, error);
}

BlipExperiment *
blip_experiment_open_images (const BlipConfig *config, GError **error)
{
  if (g_strcmp0 (config->experiment, "folder") == 0)
    return open_folder (config, error);
  if (g_strcmp0 (config->experiment, "cifar") == 0)
    return open_cifar (config, TRUE, error);
  if (g_strcmp0 (config->experiment, "cifar10-5") == 0)
    return open_cifar (config, FALSE, error);
  g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
               "unknown image experiment “%s”", config->experiment);
  return NULL;
}
