/* blip-strategy-sgd.c — the fine-tuning baselines: plain SGD (sgd) and FT-FIX
 * (sgd-frozen), which freezes the shared features after the first task and
 * trains only the new heads. */
#include "blip-strategy.h"
#include "blip-trainer.h"

static void
sgd_frozen_before_task (BlipStrategy *self, BlipTrainer *trainer, int task)
{
  for (int i = 0; i < self->net->n_layers; i++)
    self->net->layers[i].frozen = task > 0;
}

const BlipStrategyClass blip_strategy_sgd_class = {
  .name = "sgd",
  .title = "Fine-tuning",
  .description = "Plain SGD on each task in turn, with no protection against forgetting",
  .quantized = FALSE,
  .instance_size = sizeof (BlipStrategy),
  .paper_settings = blip_strategy_baseline_paper_settings,
};

const BlipStrategyClass blip_strategy_sgd_frozen_class = {
  .name = "sgd-frozen",
  .title = "FT-FIX",
  .description = "Fine-tuning with the shared features frozen after the first task",
  .quantized = FALSE,
  .instance_size = sizeof (BlipStrategy),
  .before_task = sgd_frozen_before_task,
  .paper_settings = blip_strategy_baseline_paper_settings,
};
