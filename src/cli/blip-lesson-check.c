/* blip-lesson-check.c — `blip lesson check FILE…`: lints lesson files for
 * teachers who write them. Each file is loaded by the same parser the app
 * plays lessons with (libblip-lesson), so a file that passes here opens in
 * the app and plays from the first step to the last. Valid files are listed
 * on stdout; each invalid one gets the parser's "FILE:LINE: message" on
 * stderr, as is, so editors can jump to the line. */
#include "blip-lesson-check.h"
#include "blip-lesson.h"

#include <stdio.h>
#include <string.h>

#define EXIT_INVALID 1
#define EXIT_USAGE 2
#define TRY_HELP "Try “blip lesson check --help”.\n"

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: blip lesson check FILE…\n\n"
           "Checks lesson files (their format: lessons/README.md) the way BLIP Studio loads\n"
           "them; a folder stands for the *.lesson files in it. Each valid file is listed on\n"
           "stdout as\n"
           "  FILE: ok (N steps, title “…”)\n"
           "and each invalid one gets its first error on stderr as\n"
           "  FILE:LINE: message\n"
           "Exit status: 0 when every file is valid, 1 when one is not, 2 on a usage error.\n");
}

/* Loads one lesson and reports it; TRUE when it is valid. */
static gboolean
check_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
  if (lesson == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  guint n = blip_lesson_get_n_steps (lesson);
  printf ("%s: ok (%u step%s, title “%s”)\n", path, n, n == 1 ? "" : "s", blip_lesson_get_title (lesson));
  return TRUE;
}

/* A folder: every lesson in it, and an error when it holds none (most likely
 * the wrong folder, which a silent pass would hide). */
static gboolean
check_dir (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = blip_lesson_find_files (dir, &error);
  if (files == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  if (files[0] == NULL)
    {
      fprintf (stderr, "%s: no *.lesson files in this folder\n", dir);
      return FALSE;
    }
  gboolean ok = TRUE;
  for (guint i = 0; files[i] != NULL; i++)
    ok &= check_file (files[i]);
  return ok;
}

static int
cmd_check (int argc, char **argv)
{
  /* argv[0] is "check". Options end at "--", so a file may start with "-". */
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  gboolean options_done = FALSE;
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (!options_done && strcmp (arg, "--") == 0)
        {
          options_done = TRUE;
          continue;
        }
      if (!options_done && (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0))
        {
          usage (stdout);
          return 0;
        }
      if (!options_done && arg[0] == '-' && arg[1] != '\0')
        {
          fprintf (stderr, "blip lesson check: unknown option %s\n%s", arg, TRY_HELP);
          return EXIT_USAGE;
        }
      g_ptr_array_add (files, (gpointer) arg);
    }
  if (files->len == 0)
    {
      fprintf (stderr, "blip lesson check: no lesson file given\n%s", TRY_HELP);
      return EXIT_USAGE;
    }

  gboolean ok = TRUE;
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      ok &= g_file_test (path, G_FILE_TEST_IS_DIR) ? check_dir (path) : check_file (path);
    }
  return ok ? 0 : EXIT_INVALID;
}

int
blip_lesson_main (int argc, char **argv)
{
  /* argv[0] is "lesson". */
  if (argc >= 2 && strcmp (argv[1], "check") == 0)
    return cmd_check (argc - 1, argv + 1);
  if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
                    strcmp (argv[1], "help") == 0))
    {
      usage (stdout);
      return 0;
    }
  if (argc < 2)
    fprintf (stderr, "blip lesson: missing subcommand (expected check)\n%s", TRY_HELP);
  else
    fprintf (stderr, "blip lesson: unknown subcommand “%s” (expected check)\n%s", argv[1], TRY_HELP);
  return EXIT_USAGE;
}
