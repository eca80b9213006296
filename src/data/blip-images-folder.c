/* blip-images-folder.c — a data set kept as a folder: where its train/ and
 * test/ are (at the top or under its only sub-folder), and a walk over its
 * class folders and images in name order, which both hashes the folder for
 * the cache key and hands each image to the loader. */
#include "blip-images-private.h"

#include <string.h>

/* ---- folders ------------------------------------------------------------------ */

static GPtrArray *
sorted_entries (const char *dir, GError **error)
{
  GDir *d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (e));
  g_dir_close (d);
  g_ptr_array_sort (names, blip_images_compare_names);
  return names;
}

/* The folder that holds train/ and test/: root itself, or its only
 * (non-hidden) sub-folder when that one has them. */
char *
blip_images_folder_root (const char *root)
{
  g_autofree char *tr = g_build_filename (root, "train", NULL);
  g_autofree char *te = g_build_filename (root, "test", NULL);
  if (g_file_test (tr, G_FILE_TEST_IS_DIR) || g_file_test (te, G_FILE_TEST_IS_DIR))
    return g_strdup (root);
  g_autoptr(GPtrArray) names = sorted_entries (root, NULL);
  char *only = NULL;
  int n_dirs = 0;
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *p = g_build_filename (root, n, NULL);
      if (n[0] != '.' && g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          n_dirs++;
          g_free (only);
          only = g_steal_pointer (&p);
        }
    }
  if (n_dirs == 1)
    {
      g_autofree char *inner = g_build_filename (only, "train", NULL);
      if (g_file_test (inner, G_FILE_TEST_IS_DIR))
        return only;
    }
  g_free (only);
  return g_strdup (root);
}

/* Visits the class folders of dir and their files, named relative to
 * prefix, in name order: the order that makes a folder's hash and first
 * image stable. */
static gboolean
walk_classes (const char *dir, const char *prefix, WalkFunc fn, gpointer user, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) classes = sorted_entries (dir, &local);
  if (classes == NULL)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  for (guint i = 0; i < classes->len; i++)
    {
      const char *cls = g_ptr_array_index (classes, i);
      g_autofree char *rel = *prefix ? g_build_filename (prefix, cls, NULL) : g_strdup (cls);
      g_autofree char *full = g_build_filename (dir, cls, NULL);
      if (!g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (g_file_test (full, G_FILE_TEST_IS_REGULAR) && !fn (rel, full, FALSE, user, error))
            return FALSE;
          continue;
        }
      if (!fn (rel, full, TRUE, user, error))
        return FALSE;
      if (cls[0] == '.')
        continue;
      g_autoptr(GPtrArray) files = sorted_entries (full, &local);
      if (files == NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
          return FALSE;
        }
      for (guint k = 0; k < files->len; k++)
        {
          const char *f = g_ptr_array_index (files, k);
          g_autofree char *frel = g_build_filename (rel, f, NULL);
          g_autofree char *ffull = g_build_filename (full, f, NULL);
          gboolean is_dir = g_file_test (ffull, G_FILE_TEST_IS_DIR);
          if (!is_dir && !g_file_test (ffull, G_FILE_TEST_IS_REGULAR))
            continue;    /* sockets, dangling links */
          if (!fn (frel, ffull, is_dir, user, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Visits <root>/train/ and <root>/test/, or with no_splits the class
 * folders of root itself. */
gboolean
blip_images_walk_folder (const char *root, gboolean no_splits, WalkFunc fn, gpointer user, GError **error)
{
  if (no_splits)
    return walk_classes (root, "", fn, user, error);
  for (int s = 0; s < N_SPLITS; s++)
    {
      g_autofree char *split_dir = g_build_filename (root, split_names[s], NULL);
      if (!g_file_test (split_dir, G_FILE_TEST_IS_DIR))
        continue;
      if (!fn (split_names[s], split_dir, TRUE, user, error)
          || !walk_classes (split_dir, split_names[s], fn, user, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_whole (const char *path, char **data, gsize *size, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, data, size, &local))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
blip_images_hash_visit (const char *rel, const char *full, gboolean is_dir, gpointer user, GError **error)
{
  GChecksum *sum = user;
  g_checksum_update (sum, (const guchar *) (is_dir ? "D" : "F"), 1);
  g_checksum_update (sum, (const guchar *) rel, strlen (rel) + 1);
  if (is_dir)
    return TRUE;
  g_autofree char *data = NULL;
  gsize size = 0;
  if (!read_whole (full, &data, &size, error))
    return FALSE;
  guint64 le = GUINT64_TO_LE ((guint64) size);
  g_checksum_update (sum, (const guchar *) &le, sizeof le);
  g_checksum_update (sum, (const guchar *) data, size);
  return TRUE;
}

gboolean
blip_images_load_visit (const char *rel, const char *full, gboolean is_dir, gpointer user, GError **error)
{
  Loader *l = user;
  Want want = { 0 };
  int kind = blip_images_loader_classify (l, rel, is_dir, &want, error);
  if (kind <= 0)
    return kind == 0;
  g_autofree char *data = NULL;
  gsize size = 0;
  gboolean ok = read_whole (full, &data, &size, error)
                && blip_images_loader_add (l, rel, &want, (const guint8 *) data, size, error);
  g_free (want.file);
  return ok;
}
