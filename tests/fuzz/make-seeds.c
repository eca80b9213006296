/* make-seeds.c — writes the binary seed inputs of the checkpoint and
 * safetensors fuzz targets: checkpoints of the tiny trainer that
 * fuzz-checkpoint.c restores into, at a task boundary and mid-epoch.
 * Usage: fuzz-make-seeds CORPUS_DIR (the folder holding checkpoint/ and
 * safetensors/). */
#include "blip.h"
#include "fuzz-tiny-trainer.h"

#include <stdio.h>

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

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s CORPUS_DIR\n", argv[0]);
      return 2;
    }
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
