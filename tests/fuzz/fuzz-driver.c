/* fuzz-driver.c — runs a fuzz target's entry point over saved inputs (the
 * seed corpus and every input that once crashed), so the normal test suite
 * replays them without libFuzzer. Usage: fuzz-driver-NAME --tap DIR... */
#include <glib.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
replay_file (gconstpointer path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, &data, &size, &error));
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const guint8 *) data, size), ==, 0);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  int files = 0;
  for (int i = 1; i < argc; i++)
    {
      GDir *dir = g_dir_open (argv[i], 0, NULL);
      if (dir == NULL)
        continue;
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_dir_close (dir);
      g_ptr_array_sort (names, compare_names);
      for (guint k = 0; k < names->len; k++)
        {
          const char *n = g_ptr_array_index (names, k);
          char *path = g_build_filename (argv[i], n, NULL);
          char *test = g_strdup_printf ("/fuzz-replay/%s", n);
          g_test_add_data_func_full (test, path, replay_file, g_free);
          g_free (test);
          files++;
        }
      g_ptr_array_free (names, TRUE);
    }
  if (files == 0)
    {
      fprintf (stderr, "no inputs found in the given folders\n");
      return 1;
    }
  return g_test_run ();
}
