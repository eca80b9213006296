/* fuzz-idx.c — libFuzzer target: the IDX reader (plain and gzip), through a
 * memory-backed file since the reader takes a path. */
#define _GNU_SOURCE
#include "blip.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static int fd = -1;
  static char path[64];
  if (fd < 0)
    {
      fd = memfd_create ("blip-fuzz-idx", 0);
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
    }
  if (ftruncate (fd, 0) != 0 || pwrite (fd, data, size, 0) != (ssize_t) size)
    return 0;
  GError *error = NULL;
  BlipIdxImages *images = blip_idx_images_load (path, &error);
  if (images != NULL)
    blip_idx_images_free (images);
  else
    g_clear_error (&error);
  int count = 0;
  guint8 *labels = blip_idx_labels_load (path, 10, &count, &error);
  if (labels != NULL)
    g_free (labels);
  else
    g_clear_error (&error);
  return 0;
}
