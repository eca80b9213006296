/* fuzz-mat.c — libFuzzer target: the MAT-file reader (blip-mat.h) on
 * arbitrary bytes. A file it accepts must be consistent: every variable
 * named, its element count the product of its dimensions, and every decoded
 * element readable (AddressSanitizer checks that the data is as long as
 * the count says). */
#include "blip.h"
#include "blip-mat.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  GError *error = NULL;
  BlipMat *mat = blip_mat_parse (data, size, "fuzz.mat", &error);
  if (mat == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == BLIP_MAT_ERROR);
      g_clear_error (&error);
      return 0;
    }
  g_assert_null (error);
  for (int i = 0; i < blip_mat_get_n_arrays (mat); i++)
    {
      const BlipMatArray *a = blip_mat_get_array (mat, i);
      g_assert_nonnull (a->name);
      g_assert_true (blip_mat_lookup (mat, a->name) == a);
      g_assert_cmpint (a->n_dims, >=, 2);
      gsize count = 1;
      for (int d = 0; d < a->n_dims; d++)
        count *= a->dims[d];
      g_assert_cmpuint (count, ==, a->count);
      char *desc = blip_mat_describe (a);
      g_assert_nonnull (desc);
      g_free (desc);
      if (a->data == NULL)
        continue;
      g_assert_true (a->elem_size == 1 || a->elem_size == 2 || a->elem_size == 4 || a->elem_size == 8);
      /* every byte is read */
      guint8 x = 0;
      const guint8 *p = a->data;
      for (gsize k = 0; k < a->count * a->elem_size; k++)
        x ^= p[k];
      (void) x;
    }
  blip_mat_free (mat);
  return 0;
}
