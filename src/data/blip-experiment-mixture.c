/* blip-experiment-mixture.c — mixture5, the reference's "5-datasets"
 * benchmark (mixture5.py): five tasks of ten classes, one per data set,
 * every image 3×32×32:
 *
 *   cifar10        CIFAR-10 as it is
 *   notmnist       notMNIST_small's letters A–J, 28×28 grey enlarged to 32×32
 *   mnist          MNIST, 28×28 grey padded to 32×32
 *   svhn           SVHN's cropped digits (label 10 is the digit 0)
 *   fashion-mnist  Fashion-MNIST, 28×28 grey padded to 32×32
 *
 * As in mixture5.py:
 *   - the task order is a shuffle of the five by the run's seed;
 *   - grey images are repeated into three equal channels;
 *   - MNIST and Fashion-MNIST are padded by 2 pixels of value 0 on every side
 *     (transforms.Pad(2, fill=0)) BEFORE normalisation, so the border holds
 *     the normalised value of black, not 0;
 *   - each data set is normalised with the reference's constants, after
 *     ToTensor's /255: CIFAR-10 per channel as cifar.py; notMNIST 0.4254 /
 *     0.4501; MNIST 0.1 / 0.2752 and Fashion-MNIST 0.2190 / 0.3318 (both
 *     measured with the padding); SVHN per channel (0.4377, 0.4438, 0.4728) /
 *     (0.198, 0.201, 0.197);
 *   - a seeded 15% of each task's training images is the validation set
 *     (pc_valid = 0.15: the preset's --valid-fraction).
 *
 * notMNIST: the reference reads pickles made by nkundiushuti/notmnist_convert
 * from notMNIST_small: every PNG of the letter folders A..J (sorted: A is
 * label 0) enlarged to 32×32 by Pillow's ANTIALIAS (Lanczos) filter, then a
 * 90/10 train/test split by sklearn's train_test_split(test_size=0.1,
 * random_state=42). Here the archive or folder is read directly: images in
 * file-name order, enlarged by the same Lanczos computation Pillow does (its
 * fixed-point coefficients and rounding, rows first), and ceil(10%) of them,
 * drawn by a shuffle with the fixed seed 42 (not the run's seed, as in the
 * reference), are the test set. The split is the same kind of split but not
 * the same images: the reference's order came from the file system's
 * listing order, which no copy of the archive reproduces. The original
 * archive holds two files that do not decode (the reference turned them into
 * black images of class A); they are left out.
 *
 * Where each data set is looked for is said at the find_* functions below
 * and in the README. Every data set the tasks need is looked for
 * before any is read, so a missing one stops the run at once with one
 * message that names every missing file and every place looked.
 */
#include "blip-experiment-private.h"
#include "blip-datadir.h"
#include "blip-idx.h"
#include "blip-images.h"
#include "blip-mat.h"
#include "blip-rng.h"

#include <math.h>
#include <string.h>

/* Streams of the data RNG of their own (blip-experiment.c and -cifar.c
 * use 101 and 102). */
enum { STREAM_MIXTURE_ORDER = 103, STREAM_NOTMNIST_SPLIT = 104 };

/* notmnist_convert: train_test_split (test_size=0.1, random_state=42). */
#define NOTMNIST_TEST_FRACTION 0.1
#define NOTMNIST_SPLIT_SEED 42
/* The original notMNIST_small.tar.gz has two files that do not decode. */
#define NOTMNIST_MAX_UNDECODABLE 16

enum { D_CIFAR10, D_NOTMNIST, D_MNIST, D_SVHN, D_FMNIST, N_DATASETS };

#define SIDE 32
#define PLANE (SIDE * SIDE)
#define DIM (3 * PLANE)

typedef struct {
  const char *task;       /* the task's name, as mixture5.py names it */
  const char *title;      /* for messages */
  int         channels;   /* as stored: grey sets are repeated at gather time */
  double      mean[3], std[3];
} DatasetDef;

/* In mixture5.py's numbering: the seeded order is a shuffle of these. */
static const DatasetDef defs[N_DATASETS] = {
  [D_CIFAR10] = { "cifar10", "CIFAR-10", 3, { 0 }, { 0 } },   /* cifar.py's statistics */
  [D_NOTMNIST] = { "notmnist", "notMNIST", 1, { 0.4254 }, { 0.4501 } },
  [D_MNIST] = { "mnist", "MNIST", 1, { 0.1 }, { 0.2752 } },
  [D_SVHN] = { "svhn", "SVHN", 3, { 0.4377, 0.4438, 0.4728 }, { 0.198, 0.201, 0.197 } },
  [D_FMNIST] = { "fashion-mnist", "Fashion-MNIST", 1, { 0.2190 }, { 0.3318 } },
};

static const char * const notmnist_classes[] = { "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", NULL };
static const char * const digit_classes[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
static const char * const svhn_files[] = { "train_32x32.mat", "test_32x32.mat" };

typedef struct {
  BlipImageSet *train[N_DATASETS];
  BlipImageSet *test[N_DATASETS];
  float         lut[N_DATASETS][3 * 256];
  int           grey_perm[DIM];   /* output pixel k reads stored pixel k mod 1024 */
} MixtureData;

static void
mixture_data_free (gpointer data)
{
  MixtureData *d = data;
  for (int s = 0; s < N_DATASETS; s++)
    {
      blip_image_set_free (d->train[s]);
      blip_image_set_free (d->test[s]);
    }
  g_free (d);
}

/* ---- where each data set is ------------------------------------------------------- */

/* Where a data set was found: a file or folder for blip-images or the
 * binary/IDX readers, or SVHN's folder of .mat files. */
typedef struct {
  char     *path;            /* notMNIST: archive or folder; SVHN: folder */
  gboolean  svhn_mat;        /* SVHN: path holds the two .mat files (else image folders) */
  char     *idx[4];          /* MNIST, Fashion-MNIST: the four IDX files */
} Found;

static void
found_clear (Found *f)
{
  g_free (f->path);
  for (int i = 0; i < 4; i++)
    g_free (f->idx[i]);
}

static const char * const idx_files[4] = {
  "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
};

/* MNIST or Fashion-MNIST: each file in <data>/<subdir>/ (gzip-compressed or
 * not) or the data set's system folders, as blip-datadir.h finds them. */
static gboolean
find_idx (const char *dataset, const char *data_dir, Found *f, GString *missing)
{
  const BlipDataset *ds = blip_dataset_lookup (dataset);
  g_assert (ds != NULL);
  GString *names = g_string_new (NULL);
  for (int i = 0; i < 4; i++)
    {
      f->idx[i] = blip_dataset_find_file (ds, data_dir, idx_files[i], NULL);
      if (f->idx[i] == NULL)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", idx_files[i]);
    }
  gboolean ok = names->len == 0;
  if (!ok)
    {
      g_autofree char *own = g_build_filename (data_dir, ds->subdir, NULL);
      g_string_append_printf (missing, "%s: %s not found (also looked for each without .gz). Looked in:\n"
                              "  %s/\n", ds->title, names->str, own);
      for (const char * const *sys = ds->system_dirs; sys && *sys; sys++)
        g_string_append_printf (missing, "  %s/\n", *sys);
      g_string_append_printf (missing, "To get it: run with --download for --experiment %s (it fetches "
                              "the files into %s/), or %s\n",
                              g_str_equal (dataset, "mnist") ? "mnist5" : "fmnist5", own, ds->hint);
    }
  g_string_free (names, TRUE);
  return ok;
}

/* notMNIST: notMNIST_small.tar.gz in <data>/notmnist/ or <data>/, or the
 * extracted notMNIST_small/ folder in either. */
static gboolean
find_notmnist (const char *data_dir, Found *f, GString *missing)
{
  g_autofree char *sub = g_build_filename (data_dir, "notmnist", NULL);
  const char *dirs[2] = { sub, data_dir };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *archive = g_build_filename (dirs[i], "notMNIST_small.tar.gz", NULL);
      if (g_file_test (archive, G_FILE_TEST_IS_REGULAR))
        {
          f->path = g_steal_pointer (&archive);
          return TRUE;
        }
    }
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *folder = g_build_filename (dirs[i], "notMNIST_small", NULL);
      if (g_file_test (folder, G_FILE_TEST_IS_DIR))
        {
          f->path = g_steal_pointer (&folder);
          return TRUE;
        }
    }
  g_string_append_printf (missing,
                          "notMNIST: notMNIST_small.tar.gz not found, nor its extracted folder "
                          "notMNIST_small/ (letter folders A to J of 28×28 PNGs). Looked in:\n"
                          "  %s/\n  %s/\n"
                          "To get it: download notMNIST_small.tar.gz (see "
                          "http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html) into %s/\n",
                          sub, data_dir, sub);
  return FALSE;
}

/* SVHN: train_32x32.mat and test_32x32.mat together in <data>/svhn/ or
 * <data>/ (where torchvision's SVHN(root) keeps them), else image folders
 * <data>/svhn/train/<0..9>/ and <data>/svhn/test/<0..9>/. */
static gboolean
find_svhn (const char *data_dir, Found *f, GString *missing)
{
  g_autofree char *sub = g_build_filename (data_dir, "svhn", NULL);
  const char *dirs[2] = { sub, data_dir };
  GString *looked = g_string_new (NULL);
  for (int i = 0; i < 2; i++)
    {
      GString *absent = g_string_new (NULL);
      for (int k = 0; k < 2; k++)
        {
          g_autofree char *p = g_build_filename (dirs[i], svhn_files[k], NULL);
          if (!g_file_test (p, G_FILE_TEST_IS_REGULAR))
            g_string_append_printf (absent, "%s%s", absent->len ? ", " : "", svhn_files[k]);
        }
      if (absent->len == 0)
        {
          f->path = g_strdup (dirs[i]);
          f->svhn_mat = TRUE;
          g_string_free (absent, TRUE);
          g_string_free (looked, TRUE);
          return TRUE;
        }
      g_string_append_printf (looked, "  %s/: missing %s\n", dirs[i], absent->str);
      g_string_free (absent, TRUE);
    }
  g_autofree char *tr = g_build_filename (sub, "train", NULL);
  g_autofree char *te = g_build_filename (sub, "test", NULL);
  if (g_file_test (tr, G_FILE_TEST_IS_DIR) && g_file_test (te, G_FILE_TEST_IS_DIR))
    {
      f->path = g_strdup (sub);
      g_string_free (looked, TRUE);
      return TRUE;
    }
  g_string_append_printf (missing,
                          "SVHN: train_32x32.mat and test_32x32.mat not found. Looked in:\n%s"
                          "  %s/train/ and test/ (image folders 0 to 9): missing\n"
                          "To get it: download train_32x32.mat and test_32x32.mat (the cropped digits, "
                          "format 2) from http://ufldl.stanford.edu/housenumbers/ into %s/\n",
                          looked->str, sub, sub);
  g_string_free (looked, TRUE);
  return FALSE;
}

/* ---- reading ------------------------------------------------------------------------ */

/* A grey 28×28 IDX set padded with 2 pixels of 0 on every side, as
 * transforms.Pad(padding=2, fill=0) does before ToTensor. */
static BlipImageSet *
padded_from_idx (const BlipIdxImages *images, const guint8 *labels, const char *path, GError **error)
{
  if (images->rows != 28 || images->cols != 28)
    {
      g_set_error (error, BLIP_IDX_ERROR, BLIP_IDX_ERROR_BAD_SHAPE,
                   "%s: the images are %d×%d; mixture5 pads 28×28 images to 32×32", path,
                   images->rows, images->cols);
      return NULL;
    }
  BlipImageSet *set = blip_image_set_new (images->count, 1, SIDE, SIDE);
  memset (set->pixels, 0, (gsize) MAX (images->count, 1) * PLANE);
  for (int i = 0; i < images->count; i++)
    {
      const guint8 *src = images->pixels + (gsize) i * 784;
      guint8 *dst = set->pixels + (gsize) i * PLANE;
      for (int r = 0; r < 28; r++)
        memcpy (dst + (r + 2) * SIDE + 2, src + r * 28, 28);
      set->labels[i] = labels[i];
    }
  set->n_classes = 10;
  g_strfreev (set->class_names);
  set->class_names = g_strdupv ((char **) digit_classes);
  return set;
}

static gboolean
load_idx_dataset (const Found *f, BlipImageSet **train, BlipImageSet **test, GError **error)
{
  for (int s = 0; s < 2; s++)
    {
      g_autoptr(BlipIdxImages) images = NULL;
      g_autofree guint8 *labels = NULL;
      if (!blip_idx_load_pair (f->idx[2 * s], f->idx[2 * s + 1], 10, &images, &labels, error))
        return FALSE;
      BlipImageSet *set = padded_from_idx (images, labels, f->idx[2 * s], error);
      if (set == NULL)
        return FALSE;
      *(s ? test : train) = set;
    }
  return TRUE;
}

/* ---- Pillow's Lanczos resize ----------------------------------------------------- */

/* Pillow's resampling (Resample.c) as it computes an 8-bit grey image: for
 * each output sample a window of the input around its centre, weights from
 * the Lanczos kernel (a = 3), normalised to sum 1 and turned into 22-bit
 * fixed point with rounding; each pass rounds to 8 bits, the horizontal one
 * first. Enlarging notMNIST's 28×28 letters to 32×32 this way gives the
 * pixels the reference's pickles hold. */
#define PIL_PRECISION_BITS (32 - 8 - 2)

static double
sinc (double x)
{
  if (x == 0.0)
    return 1.0;
  x *= G_PI;
  return sin (x) / x;
}

static double
lanczos3 (double x)
{
  return -3.0 <= x && x < 3.0 ? sinc (x) * sinc (x / 3.0) : 0.0;
}

typedef struct {
  int     ksize;
  int    *first;   /* out_n first input samples */
  int    *count;   /* out_n window sizes */
  gint32 *k;       /* out_n × ksize fixed-point weights */
} PilTaps;

static void
pil_taps (PilTaps *t, int in_n, int out_n)
{
  double scale = (double) in_n / out_n;
  double filterscale = MAX (scale, 1.0);
  double support = 3.0 * filterscale;
  t->ksize = (int) ceil (support) * 2 + 1;
  t->first = g_new (int, out_n);
  t->count = g_new (int, out_n);
  t->k = g_new0 (gint32, (gsize) out_n * t->ksize);
  double *w = g_new (double, t->ksize);
  for (int o = 0; o < out_n; o++)
    {
      double center = (o + 0.5) * scale;
      int lo = (int) (center - support + 0.5);
      int hi = (int) (center + support + 0.5);
      lo = MAX (lo, 0);
      hi = MIN (hi, in_n);
      int n = MIN (hi - lo, t->ksize);
      double sum = 0;
      for (int x = 0; x < n; x++)
        {
          w[x] = lanczos3 ((x + lo - center + 0.5) / filterscale);
          sum += w[x];
        }
      for (int x = 0; x < n; x++)
        {
          double v = sum != 0.0 ? w[x] / sum : w[x];
          double f = v * (1 << PIL_PRECISION_BITS);
          t->k[(gsize) o * t->ksize + x] = (gint32) (v < 0 ? -0.5 + f : 0.5 + f);
        }
      t->first[o] = lo;
      t->count[o] = n;
    }
  g_free (w);
}

static void
pil_taps_clear (PilTaps *t)
{
  g_free (t->first);
  g_free (t->count);
  g_free (t->k);
}

static guint8
pil_clip8 (gint64 v)
{
  v >>= PIL_PRECISION_BITS;
  return (guint8) CLAMP (v, 0, 255);
}

/* One grey image, in_w×in_h → out_w×out_h; tmp holds in_h × out_w bytes. */
static void
pil_resize (const guint8 *in, int in_w, int in_h, guint8 *out, int out_w, int out_h,
            const PilTaps *tx, const PilTaps *ty, guint8 *tmp)
{
  for (int y = 0; y < in_h; y++)
    for (int x = 0; x < out_w; x++)
      {
        const gint32 *k = tx->k + (gsize) x * tx->ksize;
        const guint8 *s = in + (gsize) y * in_w + tx->first[x];
        gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
        for (int i = 0; i < tx->count[x]; i++)
          acc += (gint64) s[i] * k[i];
        tmp[(gsize) y * out_w + x] = pil_clip8 (acc);
      }
  for (int y = 0; y < out_h; y++)
    {
      const gint32 *k = ty->k + (gsize) y * ty->ksize;
      for (int x = 0; x < out_w; x++)
        {
          gint64 acc = 1 << (PIL_PRECISION_BITS - 1);
          for (int i = 0; i < ty->count[y]; i++)
            acc += (gint64) tmp[(gsize) (ty->first[y] + i) * out_w + x] * k[i];
          out[(gsize) y * out_w + x] = pil_clip8 (acc);
        }
    }
}

/* ---- notMNIST ------------------------------------------------------------------------ */

/* The images of `all` in the test part (is_test[i] set) or the training
 * part, in store order, enlarged to 32×32. */
static BlipImageSet *
notmnist_part (const BlipImageSet *all, const guint8 *is_test, gboolean want_test, const PilTaps *tx,
               const PilTaps *ty)
{
  int n = 0;
  for (int i = 0; i < all->count; i++)
    n += is_test[i] == want_test;
  BlipImageSet *set = blip_image_set_new (n, 1, SIDE, SIDE);
  g_strfreev (set->class_names);
  set->class_names = g_strdupv (all->class_names);
  set->n_classes = all->n_classes;
  guint8 tmp[28 * SIDE];
  for (int i = 0, j = 0; i < all->count; i++)
    if (is_test[i] == want_test)
      {
        pil_resize (all->pixels + (gsize) i * 28 * 28, 28, 28, set->pixels + (gsize) j * PLANE, SIDE, SIDE,
                    tx, ty, tmp);
        set->labels[j++] = all->labels[i];
      }
  return set;
}

static gboolean
load_notmnist (const Found *f, BlipImageSet **train, BlipImageSet **test, GError **error)
{
  BlipImageOptions o = {
    .channels = 1, .height = 28, .width = 28,
    .classes = notmnist_classes,
    .no_splits = TRUE,
    .max_undecodable = NOTMNIST_MAX_UNDECODABLE,
  };
  g_autoptr(BlipImageSet) all = NULL;
  g_autoptr(BlipImageSet) none = NULL;
  if (!blip_images_load (f->path, &o, &all, &none, error))
    {
      g_prefix_error (error, "notMNIST: ");
      return FALSE;
    }
  if (all->n_skipped > 0)
    g_debug ("notMNIST: %d images that do not decode were left out", all->n_skipped);
  /* train_test_split rounds the test share up. */
  int n_test = (int) ceil (all->count * NOTMNIST_TEST_FRACTION);
  int *order = g_new (int, MAX (all->count, 1));
  for (int i = 0; i < all->count; i++)
    order[i] = i;
  BlipRng rng;
  blip_rng_seed_stream (&rng, NOTMNIST_SPLIT_SEED, STREAM_NOTMNIST_SPLIT);
  blip_rng_shuffle (&rng, order, all->count);
  guint8 *is_test = g_malloc0 (MAX (all->count, 1));
  for (int i = 0; i < n_test; i++)
    is_test[order[i]] = 1;
  g_free (order);
  PilTaps tx, ty;
  pil_taps (&tx, 28, SIDE);
  pil_taps (&ty, 28, SIDE);
  *train = notmnist_part (all, is_test, FALSE, &tx, &ty);
  *test = notmnist_part (all, is_test, TRUE, &tx, &ty);
  pil_taps_clear (&tx);
  pil_taps_clear (&ty);
  g_free (is_test);
  return TRUE;
}

/* ---- SVHN ------------------------------------------------------------------------------ */

/* Element i of a decoded numeric array as a double. */
static double
mat_value (const BlipMatArray *a, gsize i)
{
  switch (a->klass)
    {
    case BLIP_MAT_CLASS_DOUBLE: return ((const double *) a->data)[i];
    case BLIP_MAT_CLASS_SINGLE: return ((const float *) a->data)[i];
    case BLIP_MAT_CLASS_INT8: return ((const gint8 *) a->data)[i];
    case BLIP_MAT_CLASS_UINT8: return ((const guint8 *) a->data)[i];
    case BLIP_MAT_CLASS_INT16: return ((const gint16 *) a->data)[i];
    case BLIP_MAT_CLASS_UINT16: return ((const guint16 *) a->data)[i];
    case BLIP_MAT_CLASS_INT32: return ((const gint32 *) a->data)[i];
    default: return ((const guint32 *) a->data)[i];
    }
}

/* One of SVHN's files: X, uint8 [32, 32, 3, N] in MATLAB's column-major
 * order (row fastest, then column, channel, image), and y, N labels 1..10
 * where 10 is the digit 0 (torchvision's SVHN maps it so; 0 is taken as 0
 * too). The images become CHW planes. */
static BlipImageSet *
load_svhn_mat (const char *path, GError **error)
{
  g_autoptr(BlipMat) mat = blip_mat_load (path, error);
  if (mat == NULL)
    return NULL;
  const BlipMatArray *X = blip_mat_lookup (mat, "X");
  const BlipMatArray *y = blip_mat_lookup (mat, "y");
  if (X == NULL || y == NULL)
    {
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: no variable “%s”; SVHN's files hold X (the images) and y (the labels)",
                   path, X == NULL ? "X" : "y");
      return NULL;
    }
  if (X->klass != BLIP_MAT_CLASS_UINT8 || X->data == NULL || X->n_dims != 4 || X->dims[0] != SIDE
      || X->dims[1] != SIDE || X->dims[2] != 3 || X->dims[3] < 1 || X->dims[3] > G_MAXINT / DIM)
    {
      g_autofree char *desc = blip_mat_describe (X);
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: X is %s; expected uint8 32×32×3×N (N images of 32×32 RGB)", path, desc);
      return NULL;
    }
  gsize n = X->dims[3];
  if (y->data == NULL || y->n_dims != 2 || y->count != n || (y->dims[0] != 1 && y->dims[1] != 1))
    {
      g_autofree char *desc = blip_mat_describe (y);
      g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                   "%s: y is %s; expected %" G_GSIZE_FORMAT " numeric labels (an N×1 vector, one per "
                   "image of X)", path, desc, n);
      return NULL;
    }
  BlipImageSet *set = blip_image_set_new ((int) n, 3, SIDE, SIDE);
  g_strfreev (set->class_names);
  set->class_names = g_strdupv ((char **) digit_classes);
  set->n_classes = 10;
  const guint8 *x = X->data;
  for (gsize i = 0; i < n; i++)
    {
      double v = mat_value (y, i);
      if (!(v >= 0 && v <= 10 && v == floor (v)))
        {
          g_set_error (error, BLIP_MAT_ERROR, BLIP_MAT_ERROR_CORRUPT,
                       "%s: label %" G_GSIZE_FORMAT " of y is %g; expected a whole number from 1 to "
                       "10 (10 is the digit 0)", path, i, v);
          blip_image_set_free (set);
          return NULL;
        }
      set->labels[i] = (gint32) v % 10;
      const guint8 *src = x + i * DIM;
      guint8 *dst = set->pixels + i * DIM;
      for (int c = 0; c < 3; c++)
        for (int r = 0; r < SIDE; r++)
          for (int col = 0; col < SIDE; col++)
            dst[c * PLANE + r * SIDE + col] = src[c * PLANE + col * SIDE + r];
    }
  return set;
}

static gboolean
load_svhn (const Found *f, BlipImageSet **train, BlipImageSet **test, GError **error)
{
  if (!f->svhn_mat)
    {
      BlipImageOptions o = { .channels = 3, .height = SIDE, .width = SIDE, .classes = digit_classes };
      if (!blip_images_load (f->path, &o, train, test, error))
        {
          g_prefix_error (error, "SVHN: ");
          return FALSE;
        }
      return TRUE;
    }
  for (int s = 0; s < 2; s++)
    {
      g_autofree char *p = g_build_filename (f->path, svhn_files[s], NULL);
      BlipImageSet *set = load_svhn_mat (p, error);
      if (set == NULL)
        return FALSE;
      *(s ? test : train) = set;
    }
  return TRUE;
}

/* ---- the experiment ---------------------------------------------------------------- */

/* As ToTensor then Normalize compute it in float32. */
static void
make_lut (float *lut, int channels, const double *mean, const double *std)
{
  for (int c = 0; c < channels; c++)
    {
      float m = (float) mean[c], sd = (float) std[c];
      for (int v = 0; v < 256; v++)
        lut[c * 256 + v] = ((float) v / 255.0f - m) / sd;
    }
}

static void
split_setup (BlipSplit *s, const BlipImageSet *set, const float *lut, const int *grey_perm)
{
  s->pixels = set->pixels;
  s->dim = DIM;
  s->lut = lut;
  if (set->channels == 3)
    {
      s->perm = NULL;
      s->plane_size = PLANE;
      s->row_bytes = 0;
    }
  else
    {
      /* One stored plane read three times: three equal channels, as
       * image.expand(1, 3, H, W) makes them, at a third of the memory. */
      s->perm = grey_perm;
      s->plane_size = 0;
      s->row_bytes = PLANE;
    }
}

BlipExperiment *
blip_experiment_open_mixture5 (const BlipConfig *config, GError **error)
{
  g_autofree char *data_dir = blip_data_dir_resolve (config->data_dir);
  const BlipExperimentInfo *info = blip_experiment_info ("mixture5");
  MixtureData *d = g_new0 (MixtureData, 1);
  g_autoptr(BlipExperiment) e = blip_experiment_alloc (info->name, info->title, d, mixture_data_free);

  /* mixture5.py: idata = shuffle(arange(5), random_state=seed). */
  int ids[N_DATASETS];
  for (int i = 0; i < N_DATASETS; i++)
    ids[i] = i;
  BlipRng rng;
  blip_rng_seed_stream (&rng, config->seed, STREAM_MIXTURE_ORDER);
  blip_rng_shuffle (&rng, ids, N_DATASETS);
  int n_tasks = config->ntasks > 0 && config->ntasks < N_DATASETS ? config->ntasks : N_DATASETS;

  /* Look for every data set the tasks use before reading any, so that one
   * message lists all that are missing. */
  gboolean need[N_DATASETS] = { FALSE };
  for (int t = 0; t < n_tasks; t++)
    need[ids[t]] = TRUE;
  Found found[N_DATASETS];
  memset (found, 0, sizeof found);
  GString *missing = g_string_new (NULL);
  GString *names = g_string_new (NULL);
  for (int s = 0; s < N_DATASETS; s++)
    {
      if (!need[s])
        continue;
      gboolean ok = TRUE;
      switch (s)
        {
        case D_CIFAR10:
          {
            g_autoptr(GError) local = NULL;
            ok = blip_experiment_load_cifar10 (data_dir, TRUE, NULL, NULL, &local);
            if (!ok)
              g_string_append_printf (missing, "%s\n", local->message);
            break;
          }
        case D_NOTMNIST: ok = find_notmnist (data_dir, &found[s], missing); break;
        case D_MNIST: ok = find_idx ("mnist", data_dir, &found[s], missing); break;
        case D_SVHN: ok = find_svhn (data_dir, &found[s], missing); break;
        case D_FMNIST: ok = find_idx ("fashion-mnist", data_dir, &found[s], missing); break;
        }
      if (!ok)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", defs[s].title);
    }
  gboolean ok = missing->len == 0;
  if (!ok)
    {
      g_strchomp (missing->str);
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_MISSING,
                   "mixture5 needs CIFAR-10, notMNIST, MNIST, SVHN and Fashion-MNIST; not found: %s.\n%s\n"
                   "(--data-dir or BLIP_DATA_DIR chooses the data directory, now %s)",
                   names->str, missing->str, data_dir);
    }
  g_string_free (missing, TRUE);
  g_string_free (names, TRUE);

  for (int s = 0; s < N_DATASETS && ok; s++)
    {
      if (!need[s])
        continue;
      switch (s)
        {
        case D_CIFAR10:
          ok = blip_experiment_load_cifar10 (data_dir, FALSE, &d->train[s], &d->test[s], error);
          if (ok)
            blip_experiment_cifar_luts (d->lut[s]);
          break;
        case D_NOTMNIST: ok = load_notmnist (&found[s], &d->train[s], &d->test[s], error); break;
        case D_MNIST: case D_FMNIST: ok = load_idx_dataset (&found[s], &d->train[s], &d->test[s], error); break;
        case D_SVHN: ok = load_svhn (&found[s], &d->train[s], &d->test[s], error); break;
        }
      if (ok && s != D_CIFAR10)
        make_lut (d->lut[s], defs[s].channels, defs[s].mean, defs[s].std);
    }
  for (int s = 0; s < N_DATASETS; s++)
    found_clear (&found[s]);
  if (!ok)
    return NULL;

  for (int k = 0; k < DIM; k++)
    d->grey_perm[k] = k % PLANE;
  e->channels = 3;
  e->height = SIDE;
  e->width = SIDE;
  e->input_dim = DIM;
  e->n_tasks = n_tasks;
  e->tasks = g_new0 (BlipTask, n_tasks);
  int local[10];
  for (int c = 0; c < 10; c++)
    local[c] = c;
  for (int t = 0; t < n_tasks; t++)
    {
      int s = ids[t];
      BlipTask *task = &e->tasks[t];
      task->name = g_strdup (defs[s].task);
      task->ncla = 10;
      g_assert (d->train[s]->n_classes == 10 && d->test[s]->n_classes == 10);
      blip_experiment_select_rows (&task->train, d->train[s], local, 10, config->train_subset);
      blip_experiment_select_rows (&task->test, d->test[s], local, 10, config->test_subset);
      split_setup (&task->train, d->train[s], d->lut[s], d->grey_perm);
      split_setup (&task->test, d->test[s], d->lut[s], d->grey_perm);
      /* The preset holds out mixture5.py's pc_valid = 0.15; 0 validates on
       * the training set. */
      if (!blip_experiment_finish_task (task, t, config, error))
        return NULL;
    }
  return g_steal_pointer (&e);
}
