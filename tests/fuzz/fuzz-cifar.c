/* fuzz-cifar.c — libFuzzer target: the CIFAR binary reader on arbitrary
 * bytes, as CIFAR-10 and as CIFAR-100 records, with and without a required
 * record count. A set it accepts must be consistent: labels within the
 * classes, every record's pixels in place. */
#include "blip.h"
#include "blip-cifar.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
check (BlipCifarKind kind, const guint8 *data, gsize size, int expected)
{
  GError *error = NULL;
  BlipImageSet *set = blip_cifar_parse (kind, data, size, "fuzz.bin", expected, &error);
  if (set == NULL)
    {
      g_assert_nonnull (error);
      g_clear_error (&error);
      return;
    }
  gsize rec = blip_cifar_record_size (kind);
  g_assert_cmpuint ((gsize) set->count * rec, ==, size);
  g_assert_cmpint (set->n_classes, ==, blip_cifar_n_classes (kind));
  for (int i = 0; i < set->count; i++)
    {
      g_assert_cmpint (set->labels[i], >=, 0);
      g_assert_cmpint (set->labels[i], <, set->n_classes);
      g_assert_true (memcmp (set->pixels + (gsize) i * 3072, data + i * rec + (rec - 3072), 3072) == 0);
    }
  blip_image_set_free (set);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  for (int kind = BLIP_CIFAR_10; kind <= BLIP_CIFAR_100; kind++)
    {
      check (kind, data, size, 0);
      /* a required count that the size may or may not meet */
      check (kind, data, size, (int) (size / blip_cifar_record_size (kind)) + (size & 1));
    }
  return 0;
}
