/* make-seeds.c — writes the binary seed inputs of the checkpoint and
 * safetensors fuzz targets: checkpoints of the tiny trainer that
 * fuzz-checkpoint.c restores into, at a task boundary and mid-epoch.
 * Usage: fuzz-make-seeds CORPUS_DIR (the folder holding checkpoint/ and
 * safetensors/). */
#include "blip.h"

#include <stdio.h>

static BlipTrainer *
tiny_trainer (void)
{
  BlipConfig c;
  blip_config_init_defaults (&c);
  c.ndim = 8;
  c.nepochs = 2;
  c.fisher_batches = 2;
  c.fisher_sbatch = 10;
  BlipExperiment *e = blip_experiment_new_synthetic (2, 2, 16, 40, 20, 0);
  BlipStrategy *s = blip_strategy_new ("blip", NULL);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, NULL);
  blip_config_clear (&c);
  return tr;
}

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
  BlipTrainer *tr = tiny_trainer ();
  save (tr, argv[1], "checkpoint", "start.safetensors");
  blip_trainer_step (tr, BLIP_STEP_BATCH, NULL);
  save (tr, argv[1], "checkpoint", "mid-epoch.safetensors");
  blip_trainer_step (tr, BLIP_STEP_TASK, NULL);
  save (tr, argv[1], "checkpoint", "after-task.safetensors");
  save (tr, argv[1], "safetensors", "checkpoint.safetensors");
  blip_trainer_free (tr);
  return 0;
}
