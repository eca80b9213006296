/* blip-cifar.c — CIFAR-10 and CIFAR-100: the class names of the original
 * data sets (batches.meta.txt and fine_label_names) and the reader of their
 * binary version, which checks every file's size and every label before
 * anything is kept. */
#include "blip-cifar.h"

#include <string.h>

G_DEFINE_QUARK (blip-cifar-error-quark, blip_cifar_error)

#define CIFAR_SIDE 32
#define CIFAR_PIXELS (3 * CIFAR_SIDE * CIFAR_SIDE)

static const char * const cifar10_names[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", NULL,
};

static const char * const cifar100_names[] = {
  "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
  "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
  "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
  "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
  "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
  "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
  "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
  "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
  "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
  "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm", NULL,
};

const char * const *
blip_cifar_class_names (BlipCifarKind kind)
{
  return kind == BLIP_CIFAR_10 ? cifar10_names : cifar100_names;
}

int
blip_cifar_n_classes (BlipCifarKind kind)
{
  return kind == BLIP_CIFAR_10 ? 10 : 100;
}

gsize
blip_cifar_record_size (BlipCifarKind kind)
{
  return (kind == BLIP_CIFAR_10 ? 1 : 2) + CIFAR_PIXELS;
}

const char *
blip_cifar_binary_folder (BlipCifarKind kind)
{
  return kind == BLIP_CIFAR_10 ? "cifar-10-batches-bin" : "cifar-100-binary";
}

static const char * const cifar10_files[] = {
  "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
  "test_batch.bin", NULL,
};
static const char * const cifar100_files[] = { "train.bin", "test.bin", NULL };

const char * const *
blip_cifar_binary_files (BlipCifarKind kind)
{
  return kind == BLIP_CIFAR_10 ? cifar10_files : cifar100_files;
}

/* Records each file must hold, in the order of blip_cifar_binary_files. */
static int
file_records (BlipCifarKind kind, int i)
{
  if (kind == BLIP_CIFAR_10)
    return 10000;
  return i == 0 ? 50000 : 10000;
}

/* The number of records in `size` bytes, checking that they are whole and,
 * when expected > 0, that there are that many. */
static gboolean
count_records (BlipCifarKind kind, gsize size, const char *name, int expected, int *count, GError **error)
{
  gsize rec = blip_cifar_record_size (kind);
  const char *title = kind == BLIP_CIFAR_10 ? "CIFAR-10" : "CIFAR-100";
  if (size % rec != 0 || size == 0)
    {
      g_autofree char *want = expected > 0
        ? g_strdup_printf (" (expected %d records, %" G_GSIZE_FORMAT " bytes)", expected, (gsize) expected * rec)
        : g_strdup ("");
      g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE,
                   "%s: %" G_GSIZE_FORMAT " bytes is not a whole number of %" G_GSIZE_FORMAT "-byte "
                   "%s records%s; the file is truncated or not from the %s binary version",
                   name, size, rec, title, want, title);
      return FALSE;
    }
  gsize n = size / rec;
  if (expected > 0 && n != (gsize) expected)
    {
      g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE,
                   "%s: holds %" G_GSIZE_FORMAT " records, expected %d (%" G_GSIZE_FORMAT " bytes)",
                   name, n, expected, (gsize) expected * rec);
      return FALSE;
    }
  if (n > G_MAXINT / 2)
    {
      g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_SIZE,
                   "%s: %" G_GSIZE_FORMAT " records are too many", name, n);
      return FALSE;
    }
  *count = (int) n;
  return TRUE;
}

/* Copies `count` records into set from index `at`, checking the labels. */
static gboolean
parse_into (BlipCifarKind kind, const guint8 *data, int count, const char *name, BlipImageSet *set,
            int at, GError **error)
{
  gsize rec = blip_cifar_record_size (kind);
  int head = (int) (rec - CIFAR_PIXELS);
  for (int i = 0; i < count; i++)
    {
      const guint8 *r = data + (gsize) i * rec;
      int coarse = kind == BLIP_CIFAR_100 ? r[0] : 0;
      int label = r[head - 1];
      if (coarse >= 20 || label >= blip_cifar_n_classes (kind))
        {
          if (kind == BLIP_CIFAR_10)
            g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_BAD_LABEL,
                         "%s: record %d (byte %" G_GSIZE_FORMAT ") has label %d; CIFAR-10 labels "
                         "are 0 to 9", name, i, (gsize) i * rec, label);
          else
            g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_BAD_LABEL,
                         "%s: record %d (byte %" G_GSIZE_FORMAT ") has coarse label %d and fine "
                         "label %d; CIFAR-100 labels are 0 to 19 and 0 to 99", name, i,
                         (gsize) i * rec, coarse, label);
          return FALSE;
        }
      set->labels[at + i] = label;
      memcpy (set->pixels + (gsize) (at + i) * CIFAR_PIXELS, r + head, CIFAR_PIXELS);
    }
  return TRUE;
}

static BlipImageSet *
new_set (BlipCifarKind kind, int count)
{
  BlipImageSet *set = blip_image_set_new (count, 3, CIFAR_SIDE, CIFAR_SIDE);
  g_strfreev (set->class_names);
  set->class_names = g_strdupv ((char **) blip_cifar_class_names (kind));
  set->n_classes = blip_cifar_n_classes (kind);
  return set;
}

BlipImageSet *
blip_cifar_parse (BlipCifarKind kind, const guint8 *data, gsize size, const char *name,
                  int expected_count, GError **error)
{
  int count;
  if (name == NULL)
    name = "(CIFAR data)";
  if (!count_records (kind, size, name, expected_count, &count, error))
    return NULL;
  BlipImageSet *set = new_set (kind, count);
  if (!parse_into (kind, data, count, name, set, 0, error))
    {
      blip_image_set_free (set);
      return NULL;
    }
  return set;
}

gboolean
blip_cifar_load_folder (BlipCifarKind kind, const char *folder, BlipImageSet **train,
                        BlipImageSet **test, GError **error)
{
  const char * const *files = blip_cifar_binary_files (kind);
  int n_files = (int) g_strv_length ((char **) files);
  GMappedFile **maps = g_new0 (GMappedFile *, n_files);
  char **paths = g_new0 (char *, n_files + 1);
  int *counts = g_new0 (int, n_files);
  gboolean ok = TRUE;
  /* Every size is checked before any pixel buffer is allocated. */
  for (int i = 0; i < n_files && ok; i++)
    {
      paths[i] = g_build_filename (folder, files[i], NULL);
      g_autoptr(GError) local = NULL;
      maps[i] = g_mapped_file_new (paths[i], FALSE, &local);
      if (maps[i] == NULL)
        {
          g_set_error (error, BLIP_CIFAR_ERROR, BLIP_CIFAR_ERROR_IO, "%s", local->message);
          ok = FALSE;
        }
      else
        ok = count_records (kind, g_mapped_file_get_length (maps[i]), paths[i], file_records (kind, i),
                            &counts[i], error);
    }
  BlipImageSet *tr = NULL, *te = NULL;
  if (ok)
    {
      int n_train = 0;
      for (int i = 0; i < n_files - 1; i++)
        n_train += counts[i];
      tr = new_set (kind, n_train);
      te = new_set (kind, counts[n_files - 1]);
      int at = 0;
      for (int i = 0; i < n_files && ok; i++)
        {
          const guint8 *data = (const guint8 *) g_mapped_file_get_contents (maps[i]);
          gboolean is_test = i == n_files - 1;
          ok = parse_into (kind, data, counts[i], paths[i], is_test ? te : tr, is_test ? 0 : at, error);
          at += counts[i];
        }
    }
  for (int i = 0; i < n_files; i++)
    if (maps[i])
      g_mapped_file_unref (maps[i]);
  g_free (maps);
  g_strfreev (paths);
  g_free (counts);
  if (!ok)
    {
      blip_image_set_free (tr);
      blip_image_set_free (te);
      return FALSE;
    }
  *train = tr;
  *test = te;
  return TRUE;
}
