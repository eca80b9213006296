/* fuzz-tiny-trainer.h — the small trainer that fuzz-checkpoint restores into
 * and make-seeds writes checkpoints of: both must agree on its shape. */
#pragma once

#include "blip.h"

static inline BlipTrainer *
fuzz_tiny_trainer (void)
{
  /* A 16-input MLP with 8 hidden units, 2 tasks of 2 classes. */
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
