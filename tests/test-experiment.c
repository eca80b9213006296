/* test-experiment.c — benchmarks as task sequences (blip-experiment.h).
 * On a fake MNIST the test writes (always runs):
 *   mnist5   5 tasks of 2 classes; task t holds exactly the samples of digits
 *            2t and 2t+1, in file order, labelled 0/1; validation is the
 *            training set by default; valid_fraction carves a disjoint,
 *            seed-deterministic validation part of the right size;
 *            train_subset/test_subset/ntasks limit what is loaded
 *   pmnist   10 tasks of 10 classes over all samples, each with its own pixel
 *            permutation (a true permutation: a gathered image holds the same
 *            values, moved), deterministic per seed, other for another seed
 *   gather   batches hold the normalised bytes: LUT(0) = −0.1307/0.3081,
 *            LUT(255) = (1 − 0.1307)/0.3081
 *   errors   unknown experiment, missing files (naming the data folder), a
 *            subset that leaves a split empty
 * On the real MNIST (when $BLIP_DATA_DIR has it): the per-digit-pair task
 * sizes of MNIST-5 and the 60000/10000 of every P-MNIST task. */
#include "blip.h"
#include "blip-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_TRAIN 600
#define FAKE_TEST  200
#define DIM        784

typedef struct {
  char          *dir;
  guint8        *train_labels;
  guint8        *test_labels;
  BlipIdxImages *train_images;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = blip_test_mkdtemp ();
  blip_test_write_fake_mnist (f->dir, "mnist", FAKE_TRAIN, FAKE_TEST, 17);
  g_autoptr(GError) error = NULL;
  g_autofree char *tl = g_build_filename (f->dir, "mnist", "train-labels-idx1-ubyte.gz", NULL);
  g_autofree char *sl = g_build_filename (f->dir, "mnist", "t10k-labels-idx1-ubyte.gz", NULL);
  g_autofree char *ti = g_build_filename (f->dir, "mnist", "train-images-idx3-ubyte.gz", NULL);
  int n = 0;
  f->train_labels = blip_idx_labels_load (tl, 10, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, FAKE_TRAIN);
  f->test_labels = blip_idx_labels_load (sl, 10, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, FAKE_TEST);
  f->train_images = blip_idx_images_load (ti, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  blip_test_rmtree (f->dir);
  g_free (f->dir);
  g_free (f->train_labels);
  g_free (f->test_labels);
  blip_idx_images_free (f->train_images);
}

static void
config_for (BlipConfig *c, const char *experiment, const char *dir, guint64 seed)
{
  blip_config_init_defaults (c);
  g_free (c->experiment);
  c->experiment = g_strdup (experiment);
  c->data_dir = g_strdup (dir);
  c->seed = seed;
}

static BlipExperiment *
open_ok (const BlipConfig *c)
{
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_open (c, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

static int
count_labels (const guint8 *labels, int n, int lo, int ncla)
{
  int k = 0;
  for (int i = 0; i < n; i++)
    k += labels[i] >= lo && labels[i] < lo + ncla;
  return k;
}

/* Every row of the split carries digit lo + label, rows increase (file
 * order), and, unless limited, every such sample is there. */
static void
check_pair_split (const BlipSplit *s, const guint8 *file_labels, int file_n, int lo, int limit)
{
  int available = count_labels (file_labels, file_n, lo, 2);
  g_assert_cmpint (s->n, ==, limit > 0 ? MIN (limit, available) : available);
  g_assert_cmpint (s->dim, ==, DIM);
  for (int i = 0; i < s->n; i++)
    {
      g_assert_true (s->labels[i] == 0 || s->labels[i] == 1);
      g_assert_cmpint (s->rows[i], >=, 0);
      g_assert_cmpint (s->rows[i], <, file_n);
      g_assert_cmpint (file_labels[s->rows[i]], ==, lo + s->labels[i]);
      if (i > 0)
        g_assert_cmpint (s->rows[i], >, s->rows[i - 1]);
    }
  /* Both classes are present. */
  int ones = 0;
  for (int i = 0; i < s->n; i++)
    ones += s->labels[i];
  if (s->n >= 20)
    {
      g_assert_cmpint (ones, >, 0);
      g_assert_cmpint (ones, <, s->n);
    }
}

/* ---- mnist5 ------------------------------------------------------------------------ */

static void
test_mnist5_tasks (Fixture *f, gconstpointer data)
{
  BlipConfig c;
  config_for (&c, "mnist5", f->dir, 0);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  g_assert_cmpstr (e->name, ==, "mnist5");
  g_assert_cmpint (e->n_tasks, ==, 5);
  g_assert_cmpint (e->input_dim, ==, DIM);
  g_assert_cmpint (e->height, ==, 28);
  g_assert_cmpint (e->width, ==, 28);
  int total_train = 0, total_test = 0;
  for (int t = 0; t < 5; t++)
    {
      const BlipTask *task = &e->tasks[t];
      g_autofree char *name = g_strdup_printf ("mnist-%d-%d", 2 * t, 2 * t + 1);
      g_assert_cmpstr (task->name, ==, name);
      g_assert_cmpint (task->ncla, ==, 2);
      check_pair_split (&task->train, f->train_labels, FAKE_TRAIN, 2 * t, 0);
      check_pair_split (&task->test, f->test_labels, FAKE_TEST, 2 * t, 0);
      g_assert_null (task->train.perm);
      /* Validation is the training set itself, as in the reference. */
      g_assert_true (task->valid_is_train);
      g_assert_cmpint (task->valid.n, ==, task->train.n);
      g_assert_cmpmem (task->valid.rows, sizeof (int) * task->valid.n, task->train.rows, sizeof (int) * task->train.n);
      total_train += task->train.n;
      total_test += task->test.n;
    }
  /* The five pairs cover every digit once. */
  g_assert_cmpint (total_train, ==, FAKE_TRAIN);
  g_assert_cmpint (total_test, ==, FAKE_TEST);
  blip_config_clear (&c);
}

static void
test_gather_normalised (Fixture *f, gconstpointer data)
{
  BlipConfig c;
  config_for (&c, "mnist5", f->dir, 0);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  const BlipSplit *s = &e->tasks[1].train;
  const double mean = 0.1307, std = 0.3081;
  g_assert_cmpfloat (fabs (s->lut[0] - (0.0 - mean) / std), <, 1e-6);
  g_assert_cmpfloat (fabs (s->lut[255] - (1.0 - mean) / std), <, 1e-6);
  for (int v = 1; v < 256; v++)
    {
      g_assert_cmpfloat (s->lut[v], >, s->lut[v - 1]);
      g_assert_cmpfloat (fabs (s->lut[v] - (v / 255.0 - mean) / std), <, 1e-5);
    }

  /* A batch of rows 3, 0, 7: each value is the LUT of the file's byte. */
  const int idx[] = { 3, 0, 7 };
  float *x = g_new (float, 3 * DIM);
  gint32 y[3];
  blip_split_gather (s, idx, 3, x, y);
  for (int i = 0; i < 3; i++)
    {
      int row = s->rows[idx[i]];
      g_assert_cmpint (y[i], ==, s->labels[idx[i]]);
      g_assert_cmpint (f->train_labels[row], ==, 2 + y[i]);
      const guint8 *px = f->train_images->pixels + (gsize) row * DIM;
      for (int k = 0; k < DIM; k++)
        g_assert_cmpfloat (x[i * DIM + k], ==, s->lut[px[k]]);
    }
  /* The range form gives the same as explicit indices. */
  float *xr = g_new (float, 2 * DIM);
  gint32 yr[2];
  const int idx2[] = { 4, 5 };
  blip_split_gather_range (s, 4, 2, xr, yr);
  blip_split_gather (s, idx2, 2, x, y);
  g_assert_cmpmem (xr, sizeof (float) * 2 * DIM, x, sizeof (float) * 2 * DIM);
  g_assert_cmpint (yr[0], ==, y[0]);
  g_assert_cmpint (yr[1], ==, y[1]);
  g_free (x);
  g_free (xr);
  blip_config_clear (&c);
}

static gboolean
contains (const int *rows, int n, int value)
{
  for (int i = 0; i < n; i++)
    if (rows[i] == value)
      return TRUE;
  return FALSE;
}

static void
test_valid_fraction (Fixture *f, gconstpointer data)
{
  BlipConfig c0, c1, c1b, c2;
  config_for (&c0, "mnist5", f->dir, 1);
  config_for (&c1, "mnist5", f->dir, 1);
  config_for (&c1b, "mnist5", f->dir, 1);
  config_for (&c2, "mnist5", f->dir, 2);
  c1.valid_fraction = c1b.valid_fraction = c2.valid_fraction = 0.2;
  g_autoptr(BlipExperiment) all = open_ok (&c0);
  g_autoptr(BlipExperiment) a = open_ok (&c1);
  g_autoptr(BlipExperiment) b = open_ok (&c1b);
  g_autoptr(BlipExperiment) other = open_ok (&c2);
  int tasks_differing = 0;
  for (int t = 0; t < 5; t++)
    {
      const BlipTask *full = &all->tasks[t], *ta = &a->tasks[t];
      int n = full->train.n;
      int n_valid = (int) (n * 0.2);
      g_assert_false (ta->valid_is_train);
      g_assert_cmpint (ta->valid.n, ==, n_valid);
      g_assert_cmpint (ta->train.n, ==, n - n_valid);
      g_assert_cmpint (n_valid, >, 0);
      /* Disjoint, and together the original training set. */
      for (int i = 0; i < ta->valid.n; i++)
        {
          g_assert_false (contains (ta->train.rows, ta->train.n, ta->valid.rows[i]));
          g_assert_true (contains (full->train.rows, n, ta->valid.rows[i]));
          g_assert_cmpint (f->train_labels[ta->valid.rows[i]], ==, 2 * t + ta->valid.labels[i]);
        }
      for (int i = 0; i < ta->train.n; i++)
        {
          g_assert_true (contains (full->train.rows, n, ta->train.rows[i]));
          g_assert_cmpint (f->train_labels[ta->train.rows[i]], ==, 2 * t + ta->train.labels[i]);
        }
      /* The test split is untouched. */
      g_assert_cmpmem (ta->test.rows, sizeof (int) * ta->test.n, full->test.rows, sizeof (int) * full->test.n);
      /* Same seed, same split. */
      g_assert_cmpmem (ta->valid.rows, sizeof (int) * ta->valid.n, b->tasks[t].valid.rows,
                       sizeof (int) * b->tasks[t].valid.n);
      /* Another seed, another choice of samples. */
      g_assert_cmpint (other->tasks[t].valid.n, ==, n_valid);
      tasks_differing += memcmp (ta->valid.rows, other->tasks[t].valid.rows, sizeof (int) * n_valid) != 0;
      /* Not simply the last samples of the file. */
      g_assert_true (memcmp (ta->valid.rows, full->train.rows + (n - n_valid), sizeof (int) * n_valid) != 0);
    }
  g_assert_cmpint (tasks_differing, ==, 5);
  blip_config_clear (&c0);
  blip_config_clear (&c1);
  blip_config_clear (&c1b);
  blip_config_clear (&c2);
}

typedef struct {
  const char *name;
  const char *experiment;
  int         train_subset, test_subset, ntasks;
  int         expect_tasks;
} SubsetCase;

static const SubsetCase subset_cases[] = {
  { "train-30", "mnist5", 30, 0, 0, 5 },
  { "test-10", "mnist5", 0, 10, 0, 5 },
  { "both-ntasks-3", "mnist5", 25, 7, 3, 3 },
  { "ntasks-1", "mnist5", 0, 0, 1, 1 },
  { "ntasks-beyond", "mnist5", 0, 0, 9, 5 },
  { "subset-above-available", "mnist5", 100000, 100000, 0, 5 },
  { "pmnist-subset", "pmnist", 50, 20, 4, 4 },
};

static void
test_subsets (Fixture *f, gconstpointer data)
{
  const SubsetCase *sc = data;
  BlipConfig full_c, c;
  config_for (&full_c, sc->experiment, f->dir, 0);
  config_for (&c, sc->experiment, f->dir, 0);
  c.train_subset = sc->train_subset;
  c.test_subset = sc->test_subset;
  c.ntasks = sc->ntasks;
  g_autoptr(BlipExperiment) full = open_ok (&full_c);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  g_assert_cmpint (e->n_tasks, ==, sc->expect_tasks);
  for (int t = 0; t < e->n_tasks; t++)
    {
      const BlipTask *ft = &full->tasks[t], *et = &e->tasks[t];
      int want_train = sc->train_subset > 0 ? MIN (sc->train_subset, ft->train.n) : ft->train.n;
      int want_test = sc->test_subset > 0 ? MIN (sc->test_subset, ft->test.n) : ft->test.n;
      g_assert_cmpint (et->train.n, ==, want_train);
      g_assert_cmpint (et->test.n, ==, want_test);
      /* The first samples of the task, in file order. */
      g_assert_cmpmem (et->train.rows, sizeof (int) * want_train, ft->train.rows, sizeof (int) * want_train);
      g_assert_cmpmem (et->test.rows, sizeof (int) * want_test, ft->test.rows, sizeof (int) * want_test);
      g_assert_cmpmem (et->train.labels, sizeof (gint32) * want_train, ft->train.labels, sizeof (gint32) * want_train);
      g_assert_cmpint (et->valid.n, ==, want_train);
      if (ft->train.perm != NULL)
        g_assert_cmpmem (et->train.perm, sizeof (int) * DIM, ft->train.perm, sizeof (int) * DIM);
    }
  blip_config_clear (&full_c);
  blip_config_clear (&c);
}

static void
test_too_small (Fixture *f, gconstpointer data)
{
  /* One training sample and a 50% validation share: (int) 0.5 = 0 samples. */
  BlipConfig c;
  config_for (&c, "mnist5", f->dir, 0);
  c.train_subset = 1;
  c.valid_fraction = 0.5;
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_open (&c, &error);
  g_assert_null (e);
  g_assert_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_TOO_SMALL);
  g_assert_nonnull (strstr (error->message, "mnist-0-1"));
  blip_config_clear (&c);
}

/* ---- pmnist ------------------------------------------------------------------------ */

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void
test_pmnist (Fixture *f, gconstpointer data)
{
  BlipConfig c;
  config_for (&c, "pmnist", f->dir, 0);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  g_assert_cmpint (e->n_tasks, ==, 10);
  float *xp = g_new (float, DIM), *xi = g_new (float, DIM);
  for (int t = 0; t < 10; t++)
    {
      const BlipTask *task = &e->tasks[t];
      g_assert_cmpint (task->ncla, ==, 10);
      g_assert_cmpint (task->train.n, ==, FAKE_TRAIN);
      g_assert_cmpint (task->test.n, ==, FAKE_TEST);
      g_assert_true (task->valid_is_train);
      for (int i = 0; i < task->train.n; i++)
        {
          g_assert_cmpint (task->train.rows[i], ==, i);
          g_assert_cmpint (task->train.labels[i], ==, f->train_labels[i]);
        }
      for (int i = 0; i < task->test.n; i++)
        g_assert_cmpint (task->test.labels[i], ==, f->test_labels[i]);

      /* The permutation: every pixel index once, far from the identity. */
      const int *perm = task->train.perm;
      g_assert_nonnull (perm);
      g_assert_true (task->test.perm == perm);
      gboolean seen[DIM] = { FALSE };
      int fixed = 0;
      for (int k = 0; k < DIM; k++)
        {
          g_assert_cmpint (perm[k], >=, 0);
          g_assert_cmpint (perm[k], <, DIM);
          g_assert_false (seen[perm[k]]);
          seen[perm[k]] = TRUE;
          fixed += perm[k] == k;
        }
      g_assert_cmpint (fixed, <, DIM / 10);

      /* A gathered image is the plain one, permuted: same multiset of values. */
      BlipSplit plain = task->train;
      plain.perm = NULL;
      const int idx[] = { 5 + t };
      gint32 yp, yi;
      blip_split_gather (&task->train, idx, 1, xp, &yp);
      blip_split_gather (&plain, idx, 1, xi, &yi);
      g_assert_cmpint (yp, ==, yi);
      for (int k = 0; k < DIM; k++)
        g_assert_cmpfloat (xp[k], ==, xi[perm[k]]);
      g_assert_true (memcmp (xp, xi, sizeof (float) * DIM) != 0);
      qsort (xp, DIM, sizeof (float), cmp_float);
      qsort (xi, DIM, sizeof (float), cmp_float);
      g_assert_cmpmem (xp, sizeof (float) * DIM, xi, sizeof (float) * DIM);

      /* Each task has its own permutation. */
      for (int u = 0; u < t; u++)
        g_assert_true (memcmp (perm, e->tasks[u].train.perm, sizeof (int) * DIM) != 0);
    }
  g_free (xp);
  g_free (xi);
  blip_config_clear (&c);
}

static void
test_pmnist_seed (Fixture *f, gconstpointer data)
{
  BlipConfig c0, c0b, c1;
  config_for (&c0, "pmnist", f->dir, 0);
  config_for (&c0b, "pmnist", f->dir, 0);
  config_for (&c1, "pmnist", f->dir, 1);
  g_autoptr(BlipExperiment) a = open_ok (&c0);
  g_autoptr(BlipExperiment) b = open_ok (&c0b);
  g_autoptr(BlipExperiment) o = open_ok (&c1);
  int differ = 0;
  for (int t = 0; t < 10; t++)
    {
      g_assert_cmpmem (a->tasks[t].train.perm, sizeof (int) * DIM, b->tasks[t].train.perm, sizeof (int) * DIM);
      differ += memcmp (a->tasks[t].train.perm, o->tasks[t].train.perm, sizeof (int) * DIM) != 0;
    }
  g_test_message ("seed 1 changes the permutation of %d of 10 tasks", differ);
  g_assert_cmpint (differ, >, 0);
  blip_config_clear (&c0);
  blip_config_clear (&c0b);
  blip_config_clear (&c1);
}

/* ---- errors and the list ------------------------------------------------------------- */

static void
test_list (void)
{
  gsize n = 0;
  const BlipExperimentInfo *list = blip_experiment_list (&n);
  g_assert_cmpuint (n, ==, 11);
  static const struct { const char *name; const char *dataset; int n_tasks; } want[] = {
    { "mnist5", "mnist", 5 }, { "pmnist", "mnist", 10 }, { "fmnist5", "fashion-mnist", 5 },
    { "cifar", "cifar-10+cifar-100", 10 }, { "cifar10-5", "cifar-10", 5 }, { "folder", "folder", 0 },
    { "mixture5", "cifar-10+notmnist+mnist+svhn+fashion-mnist", 5 }, { "miniimagenet", "miniimagenet", 20 },
    { "pmnist32", "mnist", 10 }, { "minatar", "none", 3 }, { "atari", "ale", 6 },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (want); k++)
    {
      const BlipExperimentInfo *info = blip_experiment_info (want[k].name);
      g_assert_nonnull (info);
      g_assert_cmpstr (info->dataset, ==, want[k].dataset);
      g_assert_cmpint (info->n_tasks, ==, want[k].n_tasks);
      int found = 0;
      for (gsize i = 0; i < n; i++)
        found += g_strcmp0 (list[i].name, want[k].name) == 0;
      g_assert_cmpint (found, ==, 1);
    }
  g_assert_null (blip_experiment_info ("mnist"));
  g_assert_null (blip_experiment_info (NULL));
}

static void
test_unknown (Fixture *f, gconstpointer data)
{
  const char *names[] = { "mnist7", "", "MNIST5" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      BlipConfig c;
      config_for (&c, names[i], f->dir, 0);
      g_autoptr(GError) error = NULL;
      BlipExperiment *e = blip_experiment_open (&c, &error);
      g_assert_null (e);
      g_assert_error (error, BLIP_EXPERIMENT_ERROR, BLIP_EXPERIMENT_ERROR_UNKNOWN);
      g_assert_nonnull (strstr (error->message, "mnist5"));
      blip_config_clear (&c);
    }
}

static void
test_missing_dir (void)
{
  g_autofree char *empty = blip_test_mkdtemp ();
  const char *experiments[] = { "mnist5", "pmnist" };
  for (gsize i = 0; i < G_N_ELEMENTS (experiments); i++)
    {
      BlipConfig c;
      config_for (&c, experiments[i], empty, 0);
      g_autoptr(GError) error = NULL;
      BlipExperiment *e = blip_experiment_open (&c, &error);
      g_assert_null (e);
      g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
      g_assert_nonnull (strstr (error->message, empty));
      g_assert_nonnull (strstr (error->message, "train-images-idx3-ubyte.gz"));
      blip_config_clear (&c);
    }
  blip_test_rmtree (empty);
}

static void
test_missing_one_file (Fixture *f, gconstpointer data)
{
  g_autofree char *gone = g_build_filename (f->dir, "mnist", "t10k-labels-idx1-ubyte.gz", NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  BlipConfig c;
  config_for (&c, "mnist5", f->dir, 0);
  g_autoptr(GError) error = NULL;
  BlipExperiment *e = blip_experiment_open (&c, &error);
  g_assert_null (e);
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, f->dir));
  g_assert_nonnull (strstr (error->message, "t10k-labels-idx1-ubyte.gz"));
  blip_config_clear (&c);
}

/* ---- synthetic ------------------------------------------------------------------------ */

static void
test_synthetic (void)
{
  g_autoptr(BlipExperiment) a = blip_experiment_new_synthetic (3, 4, 20, 50, 30, 9);
  g_autoptr(BlipExperiment) b = blip_experiment_new_synthetic (3, 4, 20, 50, 30, 9);
  g_autoptr(BlipExperiment) o = blip_experiment_new_synthetic (3, 4, 20, 50, 30, 10);
  g_assert_cmpint (a->n_tasks, ==, 3);
  g_assert_cmpint (a->input_dim, ==, 20);
  float xa[20], xb[20], xo[20];
  int differ = 0;
  for (int t = 0; t < 3; t++)
    {
      const BlipTask *task = &a->tasks[t];
      g_assert_cmpint (task->ncla, ==, 4);
      g_assert_cmpint (task->train.n, ==, 50);
      g_assert_cmpint (task->test.n, ==, 30);
      gboolean seen[4] = { FALSE };
      for (int i = 0; i < task->train.n; i++)
        {
          g_assert_cmpint (task->train.labels[i], >=, 0);
          g_assert_cmpint (task->train.labels[i], <, 4);
          seen[task->train.labels[i]] = TRUE;
        }
      for (int c = 0; c < 4; c++)
        g_assert_true (seen[c]);
      gint32 ya, yb, yo;
      for (int i = 0; i < task->train.n; i++)
        {
          blip_split_gather_range (&task->train, i, 1, xa, &ya);
          blip_split_gather_range (&b->tasks[t].train, i, 1, xb, &yb);
          blip_split_gather_range (&o->tasks[t].train, i, 1, xo, &yo);
          g_assert_cmpmem (xa, sizeof xa, xb, sizeof xb);
          g_assert_cmpint (ya, ==, yb);
          differ += memcmp (xa, xo, sizeof xa) != 0;
        }
    }
  g_assert_cmpint (differ, ==, 3 * 50);
}

/* ---- real MNIST ------------------------------------------------------------------------- */

static void
test_real_mnist5 (void)
{
  g_autofree char *dir = blip_test_real_data_dir ("mnist/train-images-idx3-ubyte.gz");
  if (dir == NULL)
    return;
  /* Samples of digits {0,1}, {2,3}, … in the MNIST training and test sets. */
  static const int train_sizes[5] = { 12665, 12089, 11263, 12183, 11800 };
  static const int test_sizes[5] = { 2115, 2042, 1874, 1986, 1983 };
  BlipConfig c;
  config_for (&c, "mnist5", dir, 0);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  g_assert_cmpint (e->n_tasks, ==, 5);
  for (int t = 0; t < 5; t++)
    {
      g_assert_cmpint (e->tasks[t].train.n, ==, train_sizes[t]);
      g_assert_cmpint (e->tasks[t].test.n, ==, test_sizes[t]);
      g_assert_cmpint (e->tasks[t].valid.n, ==, train_sizes[t]);
    }
  blip_config_clear (&c);
}

static void
test_real_pmnist (void)
{
  g_autofree char *dir = blip_test_real_data_dir ("mnist/train-images-idx3-ubyte.gz");
  if (dir == NULL)
    return;
  BlipConfig c;
  config_for (&c, "pmnist", dir, 0);
  g_autoptr(BlipExperiment) e = open_ok (&c);
  g_assert_cmpint (e->n_tasks, ==, 10);
  for (int t = 0; t < 10; t++)
    {
      g_assert_cmpint (e->tasks[t].ncla, ==, 10);
      g_assert_cmpint (e->tasks[t].train.n, ==, 60000);
      g_assert_cmpint (e->tasks[t].test.n, ==, 10000);
      g_assert_nonnull (e->tasks[t].train.perm);
    }
  blip_config_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define FIX(path, func, data) g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  FIX ("/experiment/mnist5/tasks", test_mnist5_tasks, NULL);
  FIX ("/experiment/mnist5/gather-normalised", test_gather_normalised, NULL);
  FIX ("/experiment/mnist5/valid-fraction", test_valid_fraction, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (subset_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/experiment/subset/%s", subset_cases[i].name);
      FIX (name, test_subsets, &subset_cases[i]);
    }
  FIX ("/experiment/mnist5/too-small", test_too_small, NULL);
  FIX ("/experiment/pmnist/permutations", test_pmnist, NULL);
  FIX ("/experiment/pmnist/seed", test_pmnist_seed, NULL);
  g_test_add_func ("/experiment/list", test_list);
  FIX ("/experiment/error/unknown", test_unknown, NULL);
  g_test_add_func ("/experiment/error/missing-dir", test_missing_dir);
  FIX ("/experiment/error/missing-one-file", test_missing_one_file, NULL);
  g_test_add_func ("/experiment/synthetic", test_synthetic);
  g_test_add_func ("/experiment/real/mnist5", test_real_mnist5);
  g_test_add_func ("/experiment/real/pmnist", test_real_pmnist);
#undef FIX
  return g_test_run ();
}
