/* blip-images.c — reads image data sets from folders and tar archives
 * (PNG through libpng, JPEG through libjpeg-turbo), turns them into CHW uint8
 * stores with labels from the class folders, and caches the result on disk.
 *
 * An archive is mapped into memory once: the same bytes are hashed for the
 * cache key and, on a cache miss, inflated with zlib and walked as tar. Going
 * through memory rather than gzread gives one code path for files and for the
 * fuzzer, which feeds archives as byte buffers.
 *
 * Nothing read from a file is trusted with memory: image sizes are checked
 * against limits before pixel buffers are allocated, a tar entry's data is
 * stored only as fast as it actually arrives, and a cache file is checked
 * field by field, for its exact size and for its CRC before it is used.
 *
 * This file holds the image sets, the collecting of a data set's images into
 * labelled stores and the loading that ties the parts together; decoding is
 * in blip-images-decode.c, tar archives in blip-images-tar.c, folders in
 * blip-images-folder.c and the disk cache in blip-images-cache.c, and
 * blip-images-private.h is what they share. */
#include "blip-images-private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

G_DEFINE_QUARK (blip-images-error-quark, blip_images_error)

/* ---- image sets ------------------------------------------------------------ */

BlipImageSet *
blip_image_set_new (int count, int channels, int height, int width)
{
  g_return_val_if_fail (count >= 0 && channels > 0 && height > 0 && width > 0, NULL);
  BlipImageSet *set = g_new0 (BlipImageSet, 1);
  set->count = count;
  set->channels = channels;
  set->height = height;
  set->width = width;
  set->labels = g_new0 (gint32, MAX (count, 1));
  set->pixels = g_malloc ((gsize) MAX (count, 1) * channels * height * width);
  set->class_names = g_new0 (char *, 1);
  return set;
}

void
blip_image_set_free (BlipImageSet *set)
{
  if (set == NULL)
    return;
  g_strfreev (set->class_names);
  g_free (set->labels);
  g_free (set->pixels);
  g_free (set);
}

/* ---- collecting a data set -------------------------------------------------- */

static int
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

static void
loader_init (Loader *l, const char *source, gboolean is_archive, const BlipImageOptions *opt)
{
  memset (l, 0, sizeof *l);
  l->source = source;
  l->is_archive = is_archive;
  if (opt)
    l->opt = *opt;
  l->C = l->opt.channels;
  l->H = l->opt.height;
  l->W = l->opt.width;
  l->class_names = g_ptr_array_new_with_free_func (g_free);
  l->others = g_tree_new_full (compare_strings, NULL, g_free, NULL);
  l->class_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (int s = 0; s < N_SPLITS; s++)
    {
      l->split[s].items = g_array_new (FALSE, FALSE, sizeof (Item));
      l->split[s].pixels = g_byte_array_new ();
      l->split[s].seen = g_hash_table_new (NULL, NULL);
    }
  if (l->opt.classes)
    for (const char * const *c = l->opt.classes; *c; c++)
      if (!g_hash_table_contains (l->class_ids, *c))
        {
          g_ptr_array_add (l->class_names, g_strdup (*c));
          g_hash_table_insert (l->class_ids, g_ptr_array_index (l->class_names, l->class_names->len - 1),
                               GINT_TO_POINTER (l->class_names->len));
        }
}

static void
loader_clear (Loader *l)
{
  for (int s = 0; s < N_SPLITS; s++)
    {
      SplitAcc *a = &l->split[s];
      for (guint i = 0; a->items && i < a->items->len; i++)
        g_free (g_array_index (a->items, Item, i).file);
      g_clear_pointer (&a->items, g_array_unref);
      if (a->pixels)
        g_byte_array_unref (a->pixels);
      a->pixels = NULL;
      g_clear_pointer (&a->seen, g_hash_table_unref);
    }
  g_clear_pointer (&l->class_ids, g_hash_table_unref);
  g_clear_pointer (&l->class_names, g_ptr_array_unref);
  g_clear_pointer (&l->top, g_free);
  g_clear_pointer (&l->others, g_tree_unref);
}

/* How an entry is named in messages: the full path for a folder, the
 * archive and the path inside it for an archive. */
static char *
loader_name (const Loader *l, const char *path)
{
  if (l->is_archive)
    return g_strdup_printf ("%s: %s", l->source, path);
  return g_build_filename (l->source, path, NULL);
}

static gboolean
is_split_name (const char *s)
{
  return strcmp (s, "train") == 0 || strcmp (s, "test") == 0;
}

static gboolean
has_image_extension (const char *file)
{
  const char *dot = strrchr (file, '.');
  return dot != NULL && (g_ascii_strcasecmp (dot, ".png") == 0 || g_ascii_strcasecmp (dot, ".jpg") == 0
                         || g_ascii_strcasecmp (dot, ".jpeg") == 0);
}

static char *
expected_classes (const Loader *l)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < l->class_names->len && i < 12; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *) g_ptr_array_index (l->class_names, i));
  if (l->class_names->len > 12)
    g_string_append_printf (s, ", … (%u in all)", l->class_names->len);
  return g_string_free (s, FALSE);
}

static char *class_folder (const Loader *l, int split, const char *cls);

/* Decides what an entry is. Returns 1 for an image to read (*want filled),
 * 0 for an entry to pass over, -1 on error. */
int
blip_images_loader_classify (Loader *l, const char *path, gboolean is_dir, Want *want,
                             GError **error)
{
  g_auto(GStrv) raw = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  for (char **p = raw; *p; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        return 0;
      g_ptr_array_add (parts, *p);
    }
  const char **comp = (const char **) parts->pdata;
  int n = (int) parts->len;
  int d;   /* index of the split folder: the class is comp[d + 1] */
  const char *top;
  int split;
  if (l->opt.no_splits)
    {
      /* A folder says nothing yet ("x/" may be the top folder or a class),
       * and only images are data: a README or a licence may sit at the top,
       * in the top folder or beside the images. */
      if (is_dir || n < 2 || !has_image_extension (comp[n - 1]))
        return 0;
      if (n > 3)
        {
          g_autofree char *name = loader_name (l, path);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: nested folder; expected <class>/<image>, at the top or under one folder", name);
          return -1;
        }
      d = n - 3;
      top = n == 3 ? comp[0] : "";
      split = SPLIT_TRAIN;
    }
  else
    {
      if (n >= 1 && is_split_name (comp[0]))
        d = 0;
      else if (n >= 2 && is_split_name (comp[1]))
        d = 1;
      else
        return 0;    /* not part of the data set (a README, a licence) */
      top = d ? comp[0] : "";
      split = strcmp (comp[d], "train") == 0 ? SPLIT_TRAIN : SPLIT_TEST;
    }
  if (top[0] == '.')
    return 0;
  if (l->top == NULL)
    l->top = g_strdup (top);
  else if (strcmp (l->top, top) != 0)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: holds two data sets, in “%s%s” and in “%s%s”; expected %s at the top or "
                   "under one folder", l->source, l->top, *l->top ? "/" : "", top, *top ? "/" : "",
                   l->opt.no_splits ? "the class folders" : "train/ and test/");
      return -1;
    }
  SplitAcc *acc = &l->split[split];
  acc->present = TRUE;
  int rest = n - d - 1;
  if (rest == 0)
    return 0;
  /* Hidden files and folders (.DS_Store, .git) are not data. */
  for (int i = d + 1; i < n; i++)
    if (comp[i][0] == '.')
      return 0;
  if (rest == 1 && !is_dir)
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: a file directly in %s/; images must be in a class folder, "
                   "%s/<class>/<image>", name, split_names[split], split_names[split]);
      return -1;
    }
  if (rest > 2 || (rest == 2 && is_dir))
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: nested folder; expected %s/<class>/<image> with no folders inside a class",
                   name, split_names[split]);
      return -1;
    }
  const char *cls = comp[d + 1];
  gpointer id1 = g_hash_table_lookup (l->class_ids, cls);
  if (id1 == NULL)
    {
      if (l->opt.classes != NULL)
        {
          if (l->opt.skip_other_classes)
            {
              if (g_tree_nnodes (l->others) < 1000 && g_tree_lookup (l->others, cls) == NULL)
                g_tree_insert (l->others, g_strdup (cls), GINT_TO_POINTER (1));
              return 0;
            }
          g_autofree char *name = class_folder (l, split, cls);
          g_autofree char *list = expected_classes (l);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: unknown class folder “%s” (expected one of: %s)", name, cls, list);
          return -1;
        }
      if (l->class_names->len >= MAX_CLASSES || strlen (cls) > MAX_CLASS_NAME)
        {
          g_autofree char *name = loader_name (l, path);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: too many classes or too long a class name (at most %d classes of "
                       "%d bytes)", name, MAX_CLASSES, MAX_CLASS_NAME);
          return -1;
        }
      g_ptr_array_add (l->class_names, g_strdup (cls));
      id1 = GINT_TO_POINTER (l->class_names->len);
      g_hash_table_insert (l->class_ids, g_ptr_array_index (l->class_names, l->class_names->len - 1), id1);
    }
  int class_id = GPOINTER_TO_INT (id1) - 1;
  g_hash_table_add (acc->seen, GINT_TO_POINTER (class_id));
  if (is_dir)
    return 0;
  const char *file = comp[d + 2];
  if (!has_image_extension (file))
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: unsupported file type (expected .png, .jpg or .jpeg images)", name);
      return -1;
    }
  want->split = split;
  want->class_id = class_id;
  want->file = g_strdup (file);
  return 1;
}

/* After an image failed: leaves it out (TRUE) when it does not decode and
 * the options allow another such image, else passes the error on. */
static gboolean
loader_skip (Loader *l, SplitAcc *acc, GError *local, GError **error)
{
  if (g_error_matches (local, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE)
      && l->skipped < l->opt.max_undecodable)
    {
      g_debug ("left out: %s", local->message);
      l->skipped++;
      acc->skipped++;
      g_error_free (local);
      return TRUE;
    }
  if (l->skipped > 0 && g_error_matches (local, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE))
    g_prefix_error (&local, "more than %d images do not decode; ", l->opt.max_undecodable);
  g_propagate_error (error, local);
  return FALSE;
}

/* Decodes one image of the set; takes want->file. */
gboolean
blip_images_loader_add (Loader *l, const char *path, Want *want, const guint8 *data, gsize size,
                        GError **error)
{
  SplitAcc *acc = &l->split[want->split];
  g_autofree char *name = loader_name (l, path);
  g_autofree char *file = g_steal_pointer (&want->file);
  GError *local = NULL;
  if (l->C == 0 || l->H == 0 || l->W == 0)
    {
      Raw raw = { 0 };
      if (!blip_images_decode_raw (data, size, name, &raw, &local))
        return loader_skip (l, acc, local, error);
      l->C = l->C ? l->C : raw.c;
      l->H = l->H ? l->H : raw.h;
      l->W = l->W ? l->W : raw.w;
      g_free (raw.px);
    }
  gsize dim = (gsize) l->C * l->H * l->W;
  if (acc->items->len >= MAX_IMAGES || (guint64) (acc->items->len + 1) * dim > MAX_STORE_BYTES)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "%s: too many images in %s/ (at most %d, or %" G_GUINT64_FORMAT " bytes of pixels)",
                   name, split_names[want->split], MAX_IMAGES, MAX_STORE_BYTES);
      return FALSE;
    }
  guint old = acc->pixels->len;
  g_byte_array_set_size (acc->pixels, old + dim);
  if (!blip_images_decode_into (data, size, name, l->C, l->H, l->W, l->opt.allow_resize,
                                acc->pixels->data + old, &local))
    {
      g_byte_array_set_size (acc->pixels, old);
      return loader_skip (l, acc, local, error);
    }
  Item item = { .file = g_steal_pointer (&file), .class_id = want->class_id, .arrival = (int) acc->items->len };
  g_array_append_val (acc->items, item);
  return TRUE;
}

static int
compare_items (gconstpointer a, gconstpointer b)
{
  const Item *x = a, *y = b;
  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  int c = strcmp (x->file, y->file);
  if (c != 0)
    return c;
  return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

int
blip_images_compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Where a class folder is, for messages. */
static char *
class_folder (const Loader *l, int split, const char *cls)
{
  g_autofree char *rel = g_strdup_printf ("%s%s%s%s%s/", l->top ? l->top : "", l->top && *l->top ? "/" : "",
                                          l->opt.no_splits ? "" : split_names[split],
                                          l->opt.no_splits ? "" : "/", cls);
  return loader_name (l, rel);
}

static gboolean
append_name (gpointer key, gpointer value, gpointer data)
{
  GString *s = data;
  g_string_append_printf (s, "%s%s", s->len ? ", " : "", (const char *) key);
  return s->len > 2000;
}

/* "; other class folders: …" when folders were skipped, else "". */
static char *
other_classes (const Loader *l)
{
  if (g_tree_nnodes (l->others) == 0)
    return g_strdup ("");
  GString *s = g_string_new (NULL);
  g_tree_foreach (l->others, append_name, s);
  g_autofree char *list = g_string_free (s, FALSE);
  return g_strdup_printf ("; the class folders not asked for are: %s", list);
}

static gboolean
loader_finish (Loader *l, BlipImageSet **out_train, BlipImageSet **out_test, GError **error)
{
  if (l->opt.no_splits && !l->split[SPLIT_TRAIN].present)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: no images in class folders (expected <class>/<image> folders of .png, .jpg or "
                   ".jpeg images, at the top%s or under one folder)", l->source,
                   l->is_archive ? " of the archive" : "");
      return FALSE;
    }
  for (int s = 0; s < N_SPLITS && !l->opt.no_splits; s++)
    if (!l->split[s].present)
      {
        g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                     "%s: no %s/ folder%s (expected train/<class>/ and test/<class>/ folders of "
                     ".png, .jpg or .jpeg images%s)", l->source, split_names[s],
                     l->is_archive ? " in the archive" : "",
                     l->is_archive ? ", at the top of the archive or under one folder" : "");
        return FALSE;
      }

  /* label of each class id, and the class names in label order */
  int n_ids = (int) l->class_names->len;
  g_autofree int *label = g_new (int, MAX (n_ids, 1));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  if (l->opt.classes != NULL)
    {
      for (int i = 0; i < n_ids; i++)
        {
          label[i] = i;
          g_ptr_array_add (names, g_ptr_array_index (l->class_names, i));
        }
    }
  else
    {
      for (int i = 0; i < n_ids; i++)
        {
          label[i] = -1;
          if (g_hash_table_contains (l->split[SPLIT_TRAIN].seen, GINT_TO_POINTER (i)))
            g_ptr_array_add (names, g_ptr_array_index (l->class_names, i));
          else
            {
              g_autofree char *folder = class_folder (l, SPLIT_TEST, g_ptr_array_index (l->class_names, i));
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                           "%s: a test class that train/ does not have", folder);
              return FALSE;
            }
        }
      g_ptr_array_sort (names, blip_images_compare_names);
      for (guint k = 0; k < names->len; k++)
        label[GPOINTER_TO_INT (g_hash_table_lookup (l->class_ids, g_ptr_array_index (names, k))) - 1] = (int) k;
    }
  if (names->len == 0)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: no class folders in train/ (expected train/<class>/<image>)", l->source);
      return FALSE;
    }
  int n_splits = l->opt.no_splits ? 1 : N_SPLITS;

  int n_classes = (int) names->len;
  for (int s = 0; s < n_splits; s++)
    {
      SplitAcc *acc = &l->split[s];
      g_autofree int *per_class = g_new0 (int, n_classes);
      for (guint i = 0; i < acc->items->len; i++)
        {
          Item *it = &g_array_index (acc->items, Item, i);
          it->label = label[it->class_id];
          per_class[it->label]++;
        }
      for (int c = 0; c < n_classes; c++)
        if (per_class[c] == 0)
          {
            const char *cls = g_ptr_array_index (names, c);
            int id = GPOINTER_TO_INT (g_hash_table_lookup (l->class_ids, cls)) - 1;
            g_autofree char *folder = class_folder (l, s, cls);
            g_autofree char *others = other_classes (l);
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                         "%s: %s (class “%s” needs at least one %s image)%s", folder,
                         g_hash_table_contains (acc->seen, GINT_TO_POINTER (id))
                           ? "empty class folder" : "missing class folder",
                         cls, split_names[s], others);
            return FALSE;
          }
    }

  BlipImageSet *sets[N_SPLITS];
  for (int s = 0; s < N_SPLITS; s++)
    {
      SplitAcc *acc = &l->split[s];
      int count = (int) acc->items->len;
      gsize dim = (gsize) l->C * l->H * l->W;
      g_array_sort (acc->items, compare_items);
      /* Reorder the decoded images in place: position p takes the image that
       * arrived as items[p].arrival, following each permutation cycle once. */
      guint8 *px = acc->pixels->data;
      g_autofree guint8 *tmp = g_malloc (dim);
      g_autofree guint8 *done = g_malloc0 (MAX (count, 1));
      for (int p = 0; p < count; p++)
        {
          if (done[p] || g_array_index (acc->items, Item, p).arrival == p)
            continue;
          memcpy (tmp, px + p * dim, dim);
          int q = p;
          for (;;)
            {
              int src = g_array_index (acc->items, Item, q).arrival;
              done[q] = 1;
              if (src == p)
                {
                  memcpy (px + q * dim, tmp, dim);
                  break;
                }
              memcpy (px + q * dim, px + src * dim, dim);
              q = src;
            }
        }
      BlipImageSet *set = g_new0 (BlipImageSet, 1);
      set->count = count;
      set->channels = l->C;
      set->height = l->H;
      set->width = l->W;
      set->n_classes = n_classes;
      set->class_names = g_new0 (char *, n_classes + 1);
      for (int c = 0; c < n_classes; c++)
        set->class_names[c] = g_strdup (g_ptr_array_index (names, c));
      set->n_skipped = acc->skipped;
      set->labels = g_new (gint32, count);
      for (int i = 0; i < count; i++)
        set->labels[i] = g_array_index (acc->items, Item, i).label;
      set->pixels = g_byte_array_free (acc->pixels, FALSE);
      acc->pixels = NULL;
      sets[s] = set;
    }
  *out_train = sets[SPLIT_TRAIN];
  *out_test = sets[SPLIT_TEST];
  return TRUE;
}

/* ---- loading -------------------------------------------------------------------- */

static gboolean
check_options (const BlipImageOptions *o, GError **error)
{
  if ((o->channels != 0 && o->channels != 1 && o->channels != 3) || o->height < 0 || o->width < 0
      || o->height > MAX_SIDE || o->width > MAX_SIDE
      || (guint64) o->height * o->width > MAX_IMAGE_PIXELS)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "cannot load images as %d×%d×%d (channels must be 1 or 3, sides at most %d and "
                   "%" G_GUINT64_FORMAT " pixels)", o->channels, o->height, o->width, MAX_SIDE,
                   MAX_IMAGE_PIXELS);
      return FALSE;
    }
  if (o->classes && o->classes[0] == NULL)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT, "the list of classes is empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_archive (const guint8 *data, gsize size, const char *name, const BlipImageOptions *o,
              BlipImageSet **train, BlipImageSet **test, GError **error)
{
  Loader l;
  loader_init (&l, name, TRUE, o);
  Stream s;
  gboolean ok = blip_images_stream_open (&s, data, size, name, error)
                && blip_images_read_tar (&s, &l, error)
                && loader_finish (&l, train, test, error);
  blip_images_stream_close (&s);
  loader_clear (&l);
  return ok;
}

gboolean
blip_images_load_archive_bytes (const guint8 *data, gsize size, const char *name,
                                const BlipImageOptions *options, BlipImageSet **train,
                                BlipImageSet **test, GError **error)
{
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  BlipImageOptions o = { 0 };
  if (options)
    o = *options;
  if (!check_options (&o, error))
    return FALSE;
  return load_archive (data, size, name ? name : "(archive)", &o, train, test, error);
}

gboolean
blip_images_load (const char *root, const BlipImageOptions *options, BlipImageSet **train,
                  BlipImageSet **test, GError **error)
{
  g_return_val_if_fail (root != NULL && train != NULL && test != NULL, FALSE);
  BlipImageOptions o = { 0 };
  if (options)
    o = *options;
  if (!check_options (&o, error))
    return FALSE;
  *train = *test = NULL;

  GStatBuf st;
  if (g_stat (root, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s: %s", root, g_strerror (saved));
      return FALSE;
    }
  gboolean is_dir = S_ISDIR (st.st_mode);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *folder = NULL;
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  if (is_dir)
    {
      /* Without splits, the folder given is the one with the classes. */
      folder = o.no_splits ? g_strdup (root) : blip_images_folder_root (root);
      if (!o.no_cache
          && !blip_images_walk_folder (folder, o.no_splits, blip_images_hash_visit, sum, error))
        {
          g_checksum_free (sum);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GError) local = NULL;
      mapped = g_mapped_file_new (root, FALSE, &local);
      if (mapped == NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
          g_checksum_free (sum);
          return FALSE;
        }
      if (!o.no_cache)
        g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (mapped),
                           g_mapped_file_get_length (mapped));
    }
  guint8 key[32];
  blip_images_cache_key (is_dir ? "folder" : "archive", g_checksum_get_string (sum), &o, key);
  g_checksum_free (sum);
  g_autofree char *cpath = blip_images_cache_path (key);

  if (!o.no_cache)
    {
      g_autofree char *why = NULL;
      if (blip_images_cache_read (cpath, key, &o, train, test, &why))
        return TRUE;
      g_debug ("image cache: %s: %s; decoding %s", cpath, why, root);
    }

  gboolean ok;
  if (is_dir)
    {
      Loader l;
      loader_init (&l, folder, FALSE, &o);
      ok = blip_images_walk_folder (folder, o.no_splits, blip_images_load_visit, &l, error)
           && loader_finish (&l, train, test, error);
      loader_clear (&l);
    }
  else
    ok = load_archive ((const guint8 *) g_mapped_file_get_contents (mapped),
                       g_mapped_file_get_length (mapped), root, &o, train, test, error);
  if (ok && !o.no_cache)
    blip_images_cache_write (cpath, key, *train, *test);
  return ok;
}
