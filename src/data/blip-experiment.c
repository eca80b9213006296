/* blip-experiment.c — MNIST-5, P-MNIST and Fashion-MNIST-5 as task sequences,
 * following the reference's data loaders (mnist5.py, pmnist.py), and the
 * registry of every experiment (the image ones are in blip-experiment-cifar.c,
 * -mixture.c and -miniimagenet.c). */
#include "blip-experiment.h"
#include "blip-experiment-private.h"
#include "blip-datadir.h"
#include "blip-idx.h"
#include "blip-rng.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (blip-experiment-error-quark, blip_experiment_error)

/* Streams of the data RNG, so that changing one use never shifts another. */
enum { STREAM_VALID_SPLIT = 101 };

typedef enum { KIND_SPLIT_PAIRS, KIND_PERMUTED, KIND_PERMUTED32, KIND_IMAGES, KIND_MIXTURE, KIND_MINIIMAGENET,
               KIND_GAMES } Kind;

typedef struct {
  BlipExperimentInfo info;
  Kind        kind;
  const char *task_prefix;
  float       mean, std;       /* normalisation after ToTensor's /255 */
} ExperimentDef;

static const ExperimentDef experiments[] = {
  { { "mnist5", "MNIST-5: five tasks of two digits", "mnist", 5 },
    KIND_SPLIT_PAIRS, "mnist", 0.1307f, 0.3081f },
  { { "pmnist", "Permuted MNIST: ten tasks of ten digits under fixed pixel permutations", "mnist", 10 },
    KIND_PERMUTED, "pmnist", 0.1307f, 0.3081f },
  /* HALRP's loader_pmnist.py: MNIST resized to 32×32, repeated into three
   * channels, normalised, then all 3072 values permuted per task. */
  { { "pmnist32", "Permuted MNIST at 32×32×3 (HALRP's P-MNIST): ten tasks of ten digits", "mnist", 10 },
    KIND_PERMUTED32, "pmnist", 0.1307f, 0.3081f },
  /* Fashion-MNIST's own statistics on the unpadded 28×28 images. */
  { { "fmnist5", "Fashion-MNIST-5: five tasks of two clothing classes", "fashion-mnist", 5 },
    KIND_SPLIT_PAIRS, "fmnist", 0.2860f, 0.3530f },
  /* Opened by blip_experiment_open_images; the table only names them. */
  { { "cifar", "CIFAR-10/100: 5 tasks of 2 CIFAR-10 classes and 5 of 20 CIFAR-100 classes, "
      "in a seeded order", "cifar-10+cifar-100", 10 }, KIND_IMAGES, "cifar", 0, 1 },
  { { "cifar10-5", "CIFAR-10-5: five tasks of two CIFAR-10 classes", "cifar-10", 5 },
    KIND_IMAGES, "cifar10", 0, 1 },
  { { "folder", "Image folders: tasks of the classes listed by --tasks", "folder", 0 },
    KIND_IMAGES, "folder", 0, 1 },
  /* blip-experiment-mixture.c */
  { { "mixture5", "5-datasets: CIFAR-10, notMNIST, MNIST, SVHN and Fashion-MNIST, one task of 10 "
      "classes each, in a seeded order", "cifar-10+notmnist+mnist+svhn+fashion-mnist", 5 },
    KIND_MIXTURE, "mixture", 0, 1 },
  /* blip-experiment-miniimagenet.c */
  { { "miniimagenet", "mini-ImageNet: 20 tasks of 5 classes (84×84), the classes dealt by the seed",
      "miniimagenet", 20 }, KIND_MINIIMAGENET, "miniimagenet", 0, 1 },
  /* blip-experiment-games.c: PPO on games, one task per --games entry */
  { { "minatar", "MinAtar games (10×10 native re-implementations), one task per --games entry",
      "none", 3 }, KIND_GAMES, "minatar", 0, 1 },
  { { "atari", "Atari games through the ALE (4×84×84), the reference's six", "ale", 6 },
    KIND_GAMES, "atari", 0, 1 },
};

typedef struct {
  BlipIdxImages *train_images;
  BlipIdxImages *test_images;
  guint8        *train_labels;
  guint8        *test_labels;
  float          lut[256];
  int           *perms;        /* n_tasks × dim, P-MNIST only */
  gpointer       data;         /* what another module's experiment owns */
  GDestroyNotify data_free;
} Priv;

const BlipExperimentInfo *
blip_experiment_list (gsize *n)
{
  static BlipExperimentInfo list[G_N_ELEMENTS (experiments) + 1];
  for (gsize i = 0; i < G_N_ELEMENTS (experiments); i++)
    list[i] = experiments[i].info;
  if (n)
    *n = G_N_ELEMENTS (experiments);
  return list;
}

static const ExperimentDef *
lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (experiments); i++)
    if (g_strcmp0 (experiments[i].info.name, name) == 0)
      return &experiments[i];
  return NULL;
}

const BlipExperimentInfo *
blip_experiment_info (const char *name)
{
  const ExperimentDef *def = lookup (name);
  return def ? &def->info : NULL;
}

static gboolean
load_split (const BlipDataset *ds, const char *data_dir, const char *prefix,
            BlipIdxImages **images, guint8 **labels, GError **error)
{
  g_autofree char *iname = g_strdup_printf ("%s-images-idx3-ubyte.gz", prefix);
  g_autofree char *lname = g_strdup_printf ("%s-labels-idx1-ubyte.gz", prefix);
  g_autofree char *ipath = blip_dataset_find_file (ds, data_dir, iname, error);
  if (ipath == NULL)
    return FALSE;
  g_autofree char *lpath = blip_dataset_find_file (ds, data_dir, lname, error);
  if (lpath == NULL)
    return FALSE;
  return blip_idx_load_pair (ipath, lpath, 10, images, labels, error);
}

/* One axis of PIL's bilinear resize (Image.resize, which torchvision's Resize
 * calls): output pixel i averages the inputs within one pixel of its centre
 * (i + 0.5)·in/out with triangle weights, normalised; when enlarging the
 * support is 1 input pixel. src is [n_lines][in] at stride `stride` along
 * the axis; the result is rounded to bytes, as PIL does after each pass. */
static void
resample_axis (const guint8 *src, guint8 *dst, int n_lines, int in, int out,
               int line_stride_src, int line_stride_dst, int step_src, int step_dst)
{
  double scale = (double) in / out, support = MAX (scale, 1.0), inv = 1.0 / MAX (scale, 1.0);
  for (int i = 0; i < out; i++)
    {
      double center = (i + 0.5) * scale, w[64], total = 0.0;
      int lo = MAX ((int) (center - support + 0.5), 0);
      int hi = MIN ((int) (center + support + 0.5), in);
      int n = MIN (hi - lo, 64);
      for (int k = 0; k < n; k++)
        {
          double x = fabs ((lo + k - center + 0.5) * inv);
          w[k] = x < 1.0 ? 1.0 - x : 0.0;
          total += w[k];
        }
      for (int line = 0; line < n_lines; line++)
        {
          double acc = 0.0;
          for (int k = 0; k < n; k++)
            acc += w[k] / total * src[(gsize) line * line_stride_src + (gsize) (lo + k) * step_src];
          int v = (int) floor (acc + 0.5);
          dst[(gsize) line * line_stride_dst + (gsize) i * step_dst] = CLAMP (v, 0, 255);
        }
    }
}

/* Every image to size × size by PIL's two-pass bilinear resize (horizontal, then vertical). */
static void
resize_images (BlipIdxImages *images, int size)
{
  int rows = images->rows, cols = images->cols;
  guint8 *out = g_malloc ((gsize) images->count * size * size);
  guint8 *tmp = g_malloc ((gsize) rows * size);
  for (int i = 0; i < images->count; i++)
    {
      const guint8 *src = images->pixels + (gsize) i * rows * cols;
      resample_axis (src, tmp, rows, cols, size, cols, size, 1, 1);
      resample_axis (tmp, out + (gsize) i * size * size, size, rows, size, 1, 1, size, size);
    }
  g_free (tmp);
  g_free (images->pixels);
  images->pixels = out;
  images->rows = images->cols = size;
}

static void
split_clear (BlipSplit *s)
{
  g_clear_pointer (&s->rows, g_free);
  g_clear_pointer (&s->labels, g_free);
}

void
blip_experiment_free (BlipExperiment *e)
{
  if (e == NULL)
    return;
  for (int t = 0; t < e->n_tasks; t++)
    {
      BlipTask *task = &e->tasks[t];
      g_free (task->name);
      split_clear (&task->train);
      if (!task->valid_is_train)
        split_clear (&task->valid);
      split_clear (&task->test);
    }
  g_free (e->tasks);
  if (e->rl != NULL)
    {
      if (e->rl->data_free)
        e->rl->data_free (e->rl->data);
      g_free (e->rl);
    }
  Priv *p = e->priv;
  if (p != NULL)
    {
      blip_idx_images_free (p->train_images);
      blip_idx_images_free (p->test_images);
      g_free (p->train_labels);
      g_free (p->test_labels);
      g_free (p->perms);
      if (p->data_free)
        p->data_free (p->data);
      g_free (p);
    }
  g_free (e->name);
  g_free (e->title);
  g_free (e);
}

/* Rows of `labels` whose class is in [lo, lo+ncla), in file order, with the
 * label made relative to lo; at most `limit` rows when limit > 0. */
static void
select_rows (BlipSplit *s, const guint8 *labels, int count, int lo, int ncla, int limit)
{
  s->rows = g_new (int, count);
  s->labels = g_new (gint32, count);
  s->n = 0;
  for (int i = 0; i < count && (limit <= 0 || s->n < limit); i++)
    if (labels[i] >= lo && labels[i] < lo + ncla)
      {
        s->rows[s->n] = i;
        s->labels[s->n] = labels[i] - lo;
        s->n++;
      }
}

static void
split_setup (BlipSplit *s, const BlipIdxImages *images, const int *perm, const float *lut)
{
  s->pixels = images->pixels;
  s->dim = images->rows * images->cols;
  s->perm = perm;
  s->lut = lut;
}

BlipExperiment *
blip_experiment_alloc (const char *name, const char *title, gpointer data, GDestroyNotify data_free)
{
  BlipExperiment *e = g_new0 (BlipExperiment, 1);
  Priv *p = g_new0 (Priv, 1);
  p->data = data;
  p->data_free = data_free;
  e->priv = p;
  e->name = g_strdup (name);
  e->title = g_strdup (title);
  return e;
}

gboolean
blip_experiment_finish_task (BlipTask *task, int t, const BlipConfig *config, GError **error)
{
  if (config->valid_fraction > 0.0)
    blip_experiment_carve_validation (task, config->valid_fraction, config->seed, t);
  else
    {
      /* The reference's MNIST loaders validate on a copy of the training set. */
      task->valid = task->train;
      task->valid_is_train = TRUE;
    }
  if (task->train.n == 0 || task->test.n == 0 || task->valid.n == 0)
    {
      g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL,
                   "task %d (%s) has %d training, %d validation and %d test samples; "
                   "each must be at least 1 (check --train-subset, --test-subset and "
                   "--valid-fraction)", t + 1, task->name, task->train.n, task->valid.n,
                   task->test.n);
      return FALSE;
    }
  return TRUE;
}

/* Moves the last `fraction` of a seeded shuffle of train into valid. */
void
blip_experiment_carve_validation (BlipTask *task, double fraction, guint64 seed, int t)
{
  BlipSplit *tr = &task->train;
  int n_valid = (int) (tr->n * fraction);
  int *order = g_new (int, tr->n);
  for (int i = 0; i < tr->n; i++)
    order[i] = i;
  BlipRng rng;
  blip_rng_seed_stream (&rng, seed, STREAM_VALID_SPLIT * 1000 + t);
  blip_rng_shuffle (&rng, order, tr->n);

  BlipSplit va = *tr;
  va.n = n_valid;
  va.rows = g_new (int, n_valid);
  va.labels = g_new (gint32, n_valid);
  int n_train = tr->n - n_valid;
  int *rows = g_new (int, n_train);
  gint32 *labels = g_new (gint32, n_train);
  /* Keep both parts in file order so the split does not depend on shuffling details. */
  gboolean *is_valid = g_new0 (gboolean, tr->n);
  for (int i = n_train; i < tr->n; i++)
    is_valid[order[i]] = TRUE;
  int a = 0, b = 0;
  for (int i = 0; i < tr->n; i++)
    {
      if (is_valid[i])
        {
          va.rows[b] = tr->rows[i];
          va.labels[b++] = tr->labels[i];
        }
      else
        {
          rows[a] = tr->rows[i];
          labels[a++] = tr->labels[i];
        }
    }
  g_free (is_valid);
  g_free (order);
  g_free (tr->rows);
  g_free (tr->labels);
  tr->rows = rows;
  tr->labels = labels;
  tr->n = n_train;
  task->valid = va;
  task->valid_is_train = FALSE;
}

BlipExperiment *
blip_experiment_open (const BlipConfig *config, GError **error)
{
  const ExperimentDef *def = lookup (config->experiment);
  if (def == NULL)
    {
      GString *names = g_string_new (NULL);
      for (gsize i = 0; i < G_N_ELEMENTS (experiments); i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "", experiments[i].info.name);
      g_set_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN,
                   "unknown experiment “%s” (expected one of: %s)",
                   config->experiment ? config->experiment : "(null)", names->str);
      g_string_free (names, TRUE);
      return NULL;
    }
  if (def->kind == KIND_IMAGES)
    return blip_experiment_open_images (config, error);
  if (def->kind == KIND_MIXTURE)
    return blip_experiment_open_mixture5 (config, error);
  if (def->kind == KIND_MINIIMAGENET)
    return blip_experiment_open_miniimagenet (config, error);
  if (def->kind == KIND_GAMES)
    return blip_experiment_open_games (config, error);
  const BlipDataset *ds = blip_dataset_lookup (def->info.dataset);
  g_assert (ds != NULL);
  g_autofree char *data_dir = blip_data_dir_resolve (config->data_dir);

  g_autoptr(BlipExperiment) e = g_new0 (BlipExperiment, 1);
  Priv *p = g_new0 (Priv, 1);
  e->priv = p;
  e->name = g_strdup (def->info.name);
  e->title = g_strdup (def->info.title);
  if (!load_split (ds, data_dir, "train", &p->train_images, &p->train_labels, error) ||
      !load_split (ds, data_dir, "t10k", &p->test_images, &p->test_labels, error))
    return NULL;
  if (p->train_images->rows != p->test_images->rows || p->train_images->cols != p->test_images->cols)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
                   "%s: training images are %d×%d but test images are %d×%d", ds->title,
                   p->train_images->rows, p->train_images->cols,
                   p->test_images->rows, p->test_images->cols);
      return NULL;
    }

  e->channels = 1;
  if (def->kind == KIND_PERMUTED32)
    {
      resize_images (p->train_images, 32);
      resize_images (p->test_images, 32);
      e->channels = 3;
    }
  e->height = p->train_images->rows;
  e->width = p->train_images->cols;
  e->input_dim = e->channels * e->height * e->width;
  /* ToTensor divides by 255, then Normalize subtracts the mean and divides by the
   * std, all in float32; a byte table reproduces those values exactly. */
  for (int v = 0; v < 256; v++)
    p->lut[v] = ((float) v / 255.0f - def->mean) / def->std;

  e->n_tasks = def->info.n_tasks;
  if (config->ntasks > 0 && config->ntasks < e->n_tasks)
    e->n_tasks = config->ntasks;
  e->tasks = g_new0 (BlipTask, e->n_tasks);

  int dim = e->input_dim;
  if (def->kind == KIND_PERMUTED || def->kind == KIND_PERMUTED32)
    {
      /* pmnist.py: the permutation seeds 0..9 are shuffled by the run seed, and
       * task i permutes pixels with the stream r·100 + i where r is its seed. */
      int all = def->info.n_tasks;
      int *seeds = g_new (int, all);
      for (int i = 0; i < all; i++)
        seeds[i] = i;
      BlipRng rng;
      blip_rng_seed (&rng, config->seed);
      blip_rng_shuffle (&rng, seeds, all);
      p->perms = g_new (int, (gsize) e->n_tasks * dim);
      for (int i = 0; i < e->n_tasks; i++)
        {
          int *perm = p->perms + (gsize) i * dim;
          for (int k = 0; k < dim; k++)
            perm[k] = k;
          blip_rng_seed (&rng, (guint64) seeds[i] * 100 + i);
          blip_rng_shuffle (&rng, perm, dim);
          /* The three channels are one grey image: value k of [3, 32, 32]
           * reads stored byte k mod 1024. */
          if (e->channels > 1)
            for (int k = 0; k < dim; k++)
              perm[k] %= e->height * e->width;
        }
      g_free (seeds);
    }

  for (int t = 0; t < e->n_tasks; t++)
    {
      BlipTask *task = &e->tasks[t];
      const int *perm = p->perms ? p->perms + (gsize) t * dim : NULL;
      int lo = 0;
      if (def->kind == KIND_SPLIT_PAIRS)
        {
          task->ncla = 2;
          lo = 2 * t;
          task->name = g_strdup_printf ("%s-%d-%d", def->task_prefix, lo, lo + 1);
        }
      else
        {
          task->ncla = 10;
          task->name = g_strdup_printf ("%s-%d", def->task_prefix, t);
        }
      select_rows (&task->train, p->train_labels, p->train_images->count, lo, task->ncla,
                   config->train_subset);
      select_rows (&task->test, p->test_labels, p->test_images->count, lo, task->ncla,
                   config->test_subset);
      split_setup (&task->train, p->train_images, perm, p->lut);
      split_setup (&task->test, p->test_images, perm, p->lut);
      if (e->channels > 1)
        {
          task->train.dim = task->test.dim = dim;
          task->train.row_bytes = task->test.row_bytes = e->height * e->width;
        }
      if (!blip_experiment_finish_task (task, t, config, error))
        return NULL;
    }
  return g_steal_pointer (&e);
}

static inline void
gather_row (const BlipSplit *s, int i, float *restrict x)
{
  const guint8 *src = s->pixels + (gsize) s->rows[i] * (s->row_bytes > 0 ? s->row_bytes : s->dim);
  const float *lut = s->lut;
  if (s->plane_size > 0)
    {
      /* One table per channel plane; the loop over a plane stays as tight as
       * the single-table one. */
      for (int k0 = 0, c = 0; k0 < s->dim; k0 += s->plane_size, c++)
        {
          const float *t = lut + 256 * c;
          int end = MIN (k0 + s->plane_size, s->dim);
          if (s->perm == NULL)
            for (int k = k0; k < end; k++)
              x[k] = t[src[k]];
          else
            for (int k = k0; k < end; k++)
              x[k] = t[src[s->perm[k]]];
        }
    }
  else if (s->perm == NULL)
    for (int k = 0; k < s->dim; k++)
      x[k] = lut[src[k]];
  else
    for (int k = 0; k < s->dim; k++)
      x[k] = lut[src[s->perm[k]]];
}

void
blip_split_gather (const BlipSplit *split, const int *idx, int n, float *x, gint32 *y)
{
  for (int i = 0; i < n; i++)
    {
      gather_row (split, idx[i], x + (gsize) i * split->dim);
      if (y)
        y[i] = split->labels[idx[i]];
    }
}

void
blip_split_gather_range (const BlipSplit *split, int start, int n, float *x, gint32 *y)
{
  for (int i = 0; i < n; i++)
    {
      gather_row (split, start + i, x + (gsize) i * split->dim);
      if (y)
        y[i] = split->labels[start + i];
    }
}

BlipExperiment *
blip_experiment_new_synthetic (int n_tasks, int ncla, int dim, int n_train, int n_test, guint64 seed)
{
  BlipExperiment *e = g_new0 (BlipExperiment, 1);
  Priv *p = g_new0 (Priv, 1);
  e->priv = p;
  e->name = g_strdup ("synthetic");
  e->title = g_strdup ("Synthetic templates");
  e->channels = 1;
  e->height = 1;
  e->width = dim;
  e->input_dim = dim;
  e->n_tasks = n_tasks;
  e->tasks = g_new0 (BlipTask, n_tasks);
  for (int v = 0; v < 256; v++)
    p->lut[v] = (float) v / 255.0f - 0.5f;

  /* One image store per split kind; task t's rows are a contiguous block. */
  int per_task = n_train + n_test;
  int count = n_tasks * per_task;
  BlipIdxImages *store = g_new0 (BlipIdxImages, 1);
  store->count = count;
  store->rows = 1;
  store->cols = dim;
  store->pixels = g_malloc ((gsize) count * dim);
  p->train_images = store;
  p->train_labels = g_malloc (count);

  BlipRng rng;
  blip_rng_seed_stream (&rng, seed, 7);
  guint8 *templates = g_malloc ((gsize) n_tasks * ncla * dim);
  for (gsize i = 0; i < (gsize) n_tasks * ncla * dim; i++)
    templates[i] = blip_rng_below (&rng, 2) ? 200 : 40;
  for (int t = 0; t < n_tasks; t++)
    {
      BlipTask *task = &e->tasks[t];
      task->name = g_strdup_printf ("synthetic-%d", t);
      task->ncla = ncla;
      for (int i = 0; i < per_task; i++)
        {
          int row = t * per_task + i;
          int c = blip_rng_below (&rng, ncla);
          const guint8 *tpl = templates + ((gsize) t * ncla + c) * dim;
          guint8 *img = store->pixels + (gsize) row * dim;
          for (int k = 0; k < dim; k++)
            {
              int v = tpl[k] + (int) blip_rng_below (&rng, 121) - 60;
              img[k] = CLAMP (v, 0, 255);
            }
          p->train_labels[row] = c;
        }
      BlipSplit *splits[2] = { &task->train, &task->test };
      int sizes[2] = { n_train, n_test };
      int base = t * per_task;
      for (int s = 0; s < 2; s++)
        {
          BlipSplit *sp = splits[s];
          sp->n = sizes[s];
          sp->rows = g_new (int, sp->n);
          sp->labels = g_new (gint32, sp->n);
          for (int i = 0; i < sp->n; i++)
            {
              sp->rows[i] = base + i;
              sp->labels[i] = p->train_labels[base + i];
            }
          base += n_train;
          split_setup (sp, store, NULL, p->lut);
        }
      task->valid = task->train;
      task->valid_is_train = TRUE;
    }
  g_free (templates);
  return e;
}
