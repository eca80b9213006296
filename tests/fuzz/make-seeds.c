/* make-seeds.c — writes the binary seed inputs of the fuzz targets:
 * checkpoint and safetensors (checkpoints of the tiny trainer that
 * fuzz-checkpoint.c restores into, at a task boundary and mid-epoch), cifar
 * (records of both binary formats, whole, cut short and with a bad label),
 * images (small PNGs and JPEGs, and tar/tar.gz data sets of them) and mat
 * (MAT-files like SVHN's: plain and compressed, both byte orders, cut short,
 * and a v7.3 header).
 * Usage: fuzz-make-seeds CORPUS_DIR [TARGET...] (CORPUS_DIR holds one folder
 * per target; without targets, all of them are written). */
#include "blip.h"
#include "blip-cifar.h"
#include "fuzz-tiny-trainer.h"
#include "../blip-test-util.h"

#include <stdio.h>
#include <string.h>

static void
save (BlipTrainer *tr, const char *dir, const char *sub, const char *name)
{
  g_autofree char *folder = g_build_filename (dir, sub, NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;
  g_mkdir_with_parents (folder, 0755);
  if (!blip_trainer_save_checkpoint (tr, path, &error))
    g_error ("%s", error->message);
  printf ("wrote %s\n", path);
}

static void
write_seed (const char *dir, const char *sub, const char *name, const guint8 *data, gsize size)
{
  g_autofree char *folder = g_build_filename (dir, sub, NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;
  g_mkdir_with_parents (folder, 0755);
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, &error))
    g_error ("%s", error->message);
  printf ("wrote %s\n", path);
}

static void
cifar_seeds (const char *dir)
{
  for (int kind = BLIP_CIFAR_10; kind <= BLIP_CIFAR_100; kind++)
    {
      gsize rec = blip_cifar_record_size (kind);
      g_autofree guint8 *buf = g_malloc0 (rec * 2);
      for (int i = 0; i < 2; i++)
        {
          guint8 *r = buf + rec * i;
          r[0] = (guint8) (kind == BLIP_CIFAR_10 ? 3 + i : 7);
          if (kind == BLIP_CIFAR_100)
            r[1] = (guint8) (35 + i * 40);
          for (gsize k = rec - 3072; k < rec; k++)
            r[k] = (guint8) (k * 7 + i);
        }
      const char *tag = kind == BLIP_CIFAR_10 ? "cifar10" : "cifar100";
      g_autofree char *whole = g_strdup_printf ("%s-two-records.bin", tag);
      g_autofree char *cut = g_strdup_printf ("%s-truncated.bin", tag);
      g_autofree char *bad = g_strdup_printf ("%s-bad-label.bin", tag);
      write_seed (dir, "cifar", whole, buf, rec * 2);
      write_seed (dir, "cifar", cut, buf, rec + 100);
      buf[rec + (kind == BLIP_CIFAR_10 ? 0 : 1)] = 200;
      write_seed (dir, "cifar", bad, buf, rec * 2);
    }
}

static void
image_seeds (const char *dir)
{
  guint8 px[6 * 5 * 3];
  for (gsize i = 0; i < sizeof px; i++)
    px[i] = (guint8) (i * 29);
  gsize n;
  g_autofree guint8 *grey_png = blip_test_encode_png (px, 6, 5, 1, &n);
  write_seed (dir, "images", "grey.png", grey_png, n);
  gsize n_rgb;
  g_autofree guint8 *rgb_png = blip_test_encode_png (px, 6, 5, 3, &n_rgb);
  write_seed (dir, "images", "rgb.png", rgb_png, n_rgb);
  gsize n_jpg;
  g_autofree guint8 *rgb_jpg = blip_test_encode_jpeg (px, 6, 5, 3, 90, &n_jpg);
  write_seed (dir, "images", "rgb.jpg", rgb_jpg, n_jpg);
  g_autofree guint8 *grey_jpg = blip_test_encode_jpeg (px, 6, 5, 1, 75, &n);
  write_seed (dir, "images", "grey.jpg", grey_jpg, n);

  /* a data set: classes a and cat, one top folder, a GNU long name, a link */
  GByteArray *tar = g_byte_array_new ();
  blip_test_tar_add (tar, "set/", '5', NULL, 0);
  blip_test_tar_add (tar, "set/train/a/1.png", '0', rgb_png, n_rgb);
  blip_test_tar_add (tar, "set/train/cat/2.jpg", '0', rgb_jpg, n_jpg);
  g_autofree char *long_name = g_strdup_printf ("set/train/cat/%s.png", "0123456789012345678901234567890123456789"
                                                "0123456789012345678901234567890123456789012345678901234567890123456789");
  blip_test_tar_add (tar, long_name, '0', rgb_png, n_rgb);
  blip_test_tar_add (tar, "set/test/a/1.png", '0', rgb_png, n_rgb);
  blip_test_tar_add (tar, "set/test/cat/link.png", '2', NULL, 0);
  blip_test_tar_add (tar, "set/test/cat/x.jpg", '0', rgb_jpg, n_jpg);
  blip_test_tar_finish (tar);
  write_seed (dir, "images", "dataset.tar", tar->data, tar->len);
  g_autofree char *gz = g_build_filename (dir, "images", "dataset.tar.gz", NULL);
  blip_test_write_bytes (gz, tar->data, tar->len);
  printf ("wrote %s\n", gz);
  g_byte_array_unref (tar);
}

static void
mat_seeds (const char *dir)
{
  /* X: uint8 32×32×3×2; y: double 2×1 stored as uint8 (as MATLAB saves it),
   * plus an int16 row stored in int8 */
  double x[3072 * 2], y[2] = { 10, 4 }, small[3] = { -3, 0, 90 };
  for (gsize k = 0; k < G_N_ELEMENTS (x); k++)
    x[k] = (double) ((k * 13) % 256);
  gsize xd[4] = { 32, 32, 3, 2 }, yd[2] = { 2, 1 }, sd[2] = { 1, 3 };
  static const struct { const char *name; gboolean big_endian, compressed; } kinds[] = {
    { "plain-le.mat", FALSE, FALSE }, { "compressed-le.mat", FALSE, TRUE },
    { "plain-be.mat", TRUE, FALSE }, { "compressed-be.mat", TRUE, TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GByteArray *m = blip_test_mat_new (kinds[i].big_endian);
      blip_test_mat_add (m, kinds[i].big_endian, "X", 9, xd, 4, 2, x, kinds[i].compressed);
      blip_test_mat_add (m, kinds[i].big_endian, "y", 6, yd, 2, 2, y, kinds[i].compressed);
      blip_test_mat_add (m, kinds[i].big_endian, "small", 10, sd, 2, 1, small, kinds[i].compressed);
      write_seed (dir, "mat", kinds[i].name, m->data, m->len);
      if (i == 1)
        write_seed (dir, "mat", "truncated.mat", m->data, m->len - 20);
      g_byte_array_unref (m);
    }
  GByteArray *v73 = blip_test_mat_new (FALSE);
  memcpy (v73->data, "MATLAB 7.3 MAT-file", 19);
  v73->data[124] = 0;
  v73->data[125] = 2;
  write_seed (dir, "mat", "v73-header.mat", v73->data, v73->len);
  g_byte_array_unref (v73);
}

static gboolean
wanted (int argc, char **argv, const char *target)
{
  if (argc == 2)
    return TRUE;
  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], target) == 0)
      return TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS_DIR [TARGET...]\n", argv[0]);
      return 2;
    }
  if (wanted (argc, argv, "cifar"))
    cifar_seeds (argv[1]);
  if (wanted (argc, argv, "images"))
    image_seeds (argv[1]);
  if (wanted (argc, argv, "mat"))
    mat_seeds (argv[1]);
  if (!wanted (argc, argv, "checkpoint") && !wanted (argc, argv, "safetensors"))
    return 0;
  BlipTrainer *tr = fuzz_tiny_trainer ();
  save (tr, argv[1], "checkpoint", "start.safetensors");
  blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  save (tr, argv[1], "checkpoint", "mid-epoch.safetensors");
  blip_trainer_step (tr, BLIP_STEP_TASK, NULL);
  save (tr, argv[1], "checkpoint", "after-task.safetensors");
  save (tr, argv[1], "safetensors", "checkpoint.safetensors");
  blip_trainer_free (tr);
  return 0;
}
