/* blip-strategy.h — continual-learning methods as hook tables plugged into the
 * one training loop.
 *
 * The trainer owns the loop; a strategy only says what happens around it:
 *   before_task   e.g. freeze the features after the first task (FT-FIX)
 *   penalty       an extra loss and its gradient (EWC)
 *   after_update  a per-element hook on each range the optimiser just updated,
 *                 while that range is in cache (BLIP: clip to the frozen bits)
 *   after_task    consolidation (BLIP: Fisher → IG → bits → quantize)
 *   memory_bytes  the state the method keeps, for comparisons (see below)
 *   paper_settings  the method's own settings from the paper's code, which
 *                 `blip table` and `blip run --paper-settings` apply on top of
 *                 the experiment's preset (optional)
 *
 * What memory_bytes counts: the bytes of state the method keeps beyond the
 * network's own parameters in order to protect earlier tasks, as the BLIP
 * paper's memory comparisons count it. BLIP: one byte of frozen-bit count per
 * quantized parameter plus its float anchor and accumulated Fisher; EWC: the
 * float Fisher and anchor per feature parameter; fine-tuning: nothing. Not
 * counted: the parameters themselves (every method has them, task heads
 * included), buffers every method shares (gradients, the optimiser's
 * velocity, the best model of the current task) and data sets. Methods whose
 * state grows with the number of tasks (per-task masks, factors or models)
 * return more after later tasks; the trainer records the value after each
 * task (blip_trainer_get_memory_bytes).
 * A new method is one new file and one line in the registry (blip-strategy.c);
 * both front-ends list methods from that registry.
 */
#pragma once

#include <glib.h>
#include "blip-config.h"
#include "blip-network.h"
#include "blip-safetensors.h"

G_BEGIN_DECLS

#define BLIP_STRATEGY_ERROR (blip_strategy_error_quark ())
GQuark blip_strategy_error_quark (void);

typedef enum {
  BLIP_STRATEGY_ERROR_UNKNOWN,   /* no method of that name */
} BlipStrategyError;

typedef struct _BlipTrainer BlipTrainer;
typedef struct _BlipStrategy BlipStrategy;

typedef struct {
  const char *name;          /* registry key and --approach value */
  const char *title;         /* for tables and the app */
  const char *description;
  gboolean    quantized;     /* feature layers carry BLIP state */
  gsize       instance_size; /* ≥ sizeof (BlipStrategy) */

  gboolean (*init)          (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config, GError **error);
  void     (*finalize)      (BlipStrategy *self);
  void     (*before_task)   (BlipStrategy *self, BlipTrainer *trainer, int task);
  /* Returns the penalty added to the loss; when grads != NULL also adds its
   * gradient into grads (the network's gradient arena). */
  double   (*penalty)       (BlipStrategy *self, BlipNetwork *net, float *grads);
  void     (*after_update)  (BlipStrategy *self, BlipLayer *layer, gsize lo, gsize hi);
  gboolean (*after_task)    (BlipStrategy *self, BlipTrainer *trainer, int task, GError **error);
  gsize    (*memory_bytes)  (BlipStrategy *self, BlipNetwork *net);
  /* Checkpointing of state the strategy keeps outside the network. */
  void     (*save)          (BlipStrategy *self, BlipSafetensorsWriter *writer);
  gboolean (*load)          (BlipStrategy *self, BlipSafetensors *file, GError **error);
  /* Sets the method's own settings for `experiment` (e.g. EWC's λ) in a
   * configuration that holds the experiment's preset. Only fields the
   * method's reference runs fix; NULL when it has none. */
  void     (*paper_settings) (BlipConfig *config, const char *experiment);
} BlipStrategyClass;

struct _BlipStrategy {
  const BlipStrategyClass *klass;
  BlipConfig               config;
  BlipNetwork             *net;    /* borrowed from the trainer */
};

/* Every registered method, and its count. */
const BlipStrategyClass * const *blip_strategy_list (gsize *n);
const BlipStrategyClass *blip_strategy_lookup (const char *name);

BlipStrategy *blip_strategy_new      (const char *name, GError **error);
gboolean      blip_strategy_init     (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config,
                                      GError **error);
void          blip_strategy_free     (BlipStrategy *self);
const char   *blip_strategy_get_name (const BlipStrategy *self);
gsize         blip_strategy_memory_bytes (BlipStrategy *self);
/* Applies klass->paper_settings when the method has them; TRUE if it did. */
gboolean      blip_strategy_class_apply_paper_settings (const BlipStrategyClass *klass, BlipConfig *config,
                                                        const char *experiment);

/* The settings the reference's baseline runs share (run_baselines.py of
 * miniImageNetClassification: every baseline on AlexNet), for the
 * paper_settings hooks of baselines. */
void          blip_strategy_baseline_paper_settings (BlipConfig *config, const char *experiment);

/* The method classes, for the registry. */
extern const BlipStrategyClass blip_strategy_blip_class;
extern const BlipStrategyClass blip_strategy_sgd_class;
extern const BlipStrategyClass blip_strategy_sgd_frozen_class;
extern const BlipStrategyClass blip_strategy_ewc_class;

G_END_DECLS
