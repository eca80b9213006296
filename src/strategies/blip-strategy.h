/* blip-strategy.h — continual-learning methods as hook tables plugged into the
 * one training loop.
 *
 * The trainer owns the loop; a strategy only says what happens around it:
 *   before_task   e.g. freeze the features after the first task (FT-FIX)
 *   penalty       an extra loss and its gradient (EWC)
 *   after_update  a per-element hook on each range the optimiser just updated,
 *                 while that range is in cache (BLIP: clip to the frozen bits)
 *   after_task    consolidation (BLIP: Fisher → IG → bits → quantize)
 *   memory_bytes  the state the method keeps, for comparisons
 * and, for methods whose network weights are a function of their own per-task
 * parameters (HALRP), hooks around each forward, backward, evaluation and
 * epoch (at the end of the class, all optional).
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

  /* Methods that compute the network's weights from parameters of their own
   * (HALRP: W_t = diag(r)·W0·diag(s) + B·A per task). */
  /* Before each training forward: write the weights being trained into the network. */
  void     (*before_forward) (BlipStrategy *self, BlipTrainer *trainer, int task);
  /* After each backward and penalty, before the trainer's optimiser step:
   * turn net->grads into the strategy's own gradients and step them (at
   * blip_trainer_get_step_lr). */
  void     (*after_backward) (BlipStrategy *self, BlipTrainer *trainer, int task);
  /* Before the trainer evaluates with head `task`: install that task's
   * weights (and its batchnorm statistics). */
  void     (*before_eval)    (BlipStrategy *self, BlipTrainer *trainer, int task);
  /* After each epoch's validation; setting *restart begins a new phase of the
   * task: the trainer resets the optimiser, the learning rate and the best
   * model, as if the task started again (the epoch count goes on). */
  gboolean (*after_epoch)    (BlipStrategy *self, BlipTrainer *trainer, int task, int epoch,
                              gboolean *restart, GError **error);
  /* Keep (restore == FALSE) or restore the strategy's own parameters along
   * with the trainer's best model. */
  void     (*best_model)     (BlipStrategy *self, gboolean restore);
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

/* The method classes, for the registry. */
extern const BlipStrategyClass blip_strategy_blip_class;
extern const BlipStrategyClass blip_strategy_sgd_class;
extern const BlipStrategyClass blip_strategy_sgd_frozen_class;
extern const BlipStrategyClass blip_strategy_ewc_class;
extern const BlipStrategyClass blip_strategy_halrp_class;

G_END_DECLS
