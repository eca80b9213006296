/* fuzz-images.c — libFuzzer target: the image data set reader on arbitrary
 * bytes. The same input goes to the PNG/JPEG decoder (as stored, and
 * converted and resized to a small fixed shape) and to the tar/tar.gz reader
 * from memory (with and without a class list). The last byte picks options,
 * so the leading signatures stay intact. A load it accepts must be
 * consistent: labels within the classes, names for every class. */
#include "blip.h"
#include "blip-images.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
check_set (const BlipImageSet *set)
{
  g_assert_cmpint (set->count, >=, 1);
  g_assert_cmpint (set->n_classes, >=, 1);
  g_assert_true (set->channels == 1 || set->channels == 3);
  g_assert_cmpuint (g_strv_length (set->class_names), ==, (guint) set->n_classes);
  int *per = g_new0 (int, set->n_classes);
  for (int i = 0; i < set->count; i++)
    {
      g_assert_cmpint (set->labels[i], >=, 0);
      g_assert_cmpint (set->labels[i], <, set->n_classes);
      per[set->labels[i]]++;
      if (i > 0)
        g_assert_cmpint (set->labels[i], >=, set->labels[i - 1]);   /* grouped by class */
    }
  for (int c = 0; c < set->n_classes; c++)
    g_assert_cmpint (per[c], >=, 1);
  g_free (per);
  /* every byte readable */
  guint sum = 0;
  gsize bytes = (gsize) set->count * set->channels * set->height * set->width;
  for (gsize k = 0; k < bytes; k++)
    sum += set->pixels[k];
  (void) sum;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  guint8 opt = size ? data[size - 1] : 0;
  GError *error = NULL;

  int c = 0, h = 0, w = 0;
  guint8 *px = blip_image_decode (data, size, "fuzz", &c, &h, &w, FALSE, &error);
  if (px != NULL)
    {
      g_assert_true (c == 1 || c == 3);
      g_assert_cmpint (h, >=, 1);
      g_assert_cmpint (w, >=, 1);
      g_free (px);
      /* converted and resized: the other channel count, a small odd shape */
      c = c == 1 ? 3 : 1;
      h = 1 + (opt & 7);
      w = 1 + ((opt >> 3) & 15);
      px = blip_image_decode (data, size, "fuzz", &c, &h, &w, TRUE, &error);
      g_assert_nonnull (px);
      g_free (px);
    }
  else
    g_clear_error (&error);

  static const char * const classes[] = { "a", "b", "cat", NULL };
  BlipImageOptions o = {
    .channels = (opt & 1) ? 3 : 0,
    .height = (opt & 2) ? 4 : 0,
    .width = (opt & 2) ? 4 : 0,
    .allow_resize = (opt & 4) != 0,
    .classes = (opt & 8) ? classes : NULL,
    .skip_other_classes = (opt & 16) != 0,
    .no_cache = TRUE,
  };
  BlipImageSet *train = NULL, *test = NULL;
  if (blip_images_load_archive_bytes (data, size, "fuzz.tar.gz", &o, &train, &test, &error))
    {
      check_set (train);
      check_set (test);
      g_assert_cmpint (train->n_classes, ==, test->n_classes);
      blip_image_set_free (train);
      blip_image_set_free (test);
    }
  else
    {
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  return 0;
}
