/* blip-strategy.h — continual-learning methods as hook tables plugged into the
 * one training loop.
 *
 * The trainer owns the loop; a strategy only says what happens around it:
 *   before_task   e.g. freeze the features after the first task (FT-FIX)
 *   penalty       an extra loss and its gradient (EWC)
 *   after_update  a per-element hook on each range the optimiser just updated,
 *                 while that range is in cache (BLIP: clip to the frozen bits);
 *                 called on several threads at once for disjoint ranges, so it
 *                 may touch only what belongs to [lo, hi)
 *   after_task    consolidation (BLIP: Fisher → IG → bits → quantize)
 *   memory_bytes  the state the method keeps, for comparisons (see below)
 *   paper_settings  the method's own settings from the paper's code, which
 *                 `blip table` and `blip run --paper-settings` apply on top of
 *                 the experiment's preset (optional)
 * and, for methods that act on each batch:
 *   before_forward  set up the network for the batch (HAT: its task's gates)
 *   batch_loss      a loss on the batch's outputs, added to the head's, with
 *                   its gradient into the features (LwF's distillation)
 *   before_update   edit the gradients before the optimiser step (HAT:
 *                   masks, embedding steps; gradient-norm clipping)
 * and, for methods whose network weights are a function of their own per-task
 * parameters (HALRP), hooks after each backward, before each evaluation and
 * after each epoch.
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
 *
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
  BLIP_STRATEGY_ERROR_UNKNOWN,       /* no method of that name */
  BLIP_STRATEGY_ERROR_UNSUPPORTED,   /* the method does not work on this network */
} BlipStrategyError;

typedef struct _BlipTrainer BlipTrainer;
typedef struct _BlipStrategy BlipStrategy;

/* The batch a per-batch hook is called for. */
typedef struct {
  int      task;        /* the head the batch runs through */
  gboolean training;    /* a training step (else evaluation or Fisher estimation) */
  int      first;       /* training: the batch's first sample's position in the epoch */
  int      n_samples;   /* training: samples per epoch of the task */
} BlipBatchInfo;

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
  /* Before each forward of the trainer's network: training batches,
   * evaluation and Fisher estimation. */
  void     (*before_forward) (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch);
  /* After the forward of x[B, input_dim] on head batch->task (and, when
   * training, the head's backward: net->dlogits, the head's gradients and
   * the features' gradient are written, the features' backward is next).
   * Returns the batch-mean loss the method adds; when training, also adds its
   * gradient (blip_network_head_backward with accumulate for other heads). */
  double   (*batch_loss)     (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch,
                              const float *x, int B);
  /* After the backward and the penalty, before the optimiser step. */
  void     (*before_update)  (BlipStrategy *self, BlipTrainer *trainer, const BlipBatchInfo *batch);
  /* The trainer keeps the best model of a task (restore FALSE) and puts it
   * back when the task ends (restore TRUE): parameters the method trains
   * outside the network (HAT's embeddings) go with it. */
  void     (*best_model)     (BlipStrategy *self, BlipTrainer *trainer, int task, gboolean restore);
  /* The optimiser also steps the heads of earlier tasks (LwF trains them on
   * the distillation loss); else only the current head. */
  gboolean updates_old_heads;
  /* Checkpointing of state the strategy keeps outside the network. */
  void     (*save)          (BlipStrategy *self, BlipSafetensorsWriter *writer);
  gboolean (*load)          (BlipStrategy *self, BlipSafetensors *file, GError **error);
  /* Sets the method's own settings for `experiment` (e.g. EWC's λ) in a
   * configuration that holds the experiment's preset. Only fields the
   * method's reference runs fix; NULL when it has none. */
  void     (*paper_settings) (BlipConfig *config, const char *experiment);
  /* Appends the method's own settings in `config`, each as ", flag value"
   * under the CLI's flag names (BLIP: ", F-prior 1e-15, max-bit 20"), with
   * blip_settings_append_double and _int, for run headers and methods
   * tables; NULL when the method has none. */
  void     (*describe_settings) (const BlipConfig *config, GString *out);

  /* Methods that compute the network's weights from parameters of their own
   * (HALRP: W_t = diag(r)·W0·diag(s) + B·A per task) write the weights being
   * trained in before_forward (training batches) and use: */
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
} BlipStrategyClass;

struct _BlipStrategy {
  const BlipStrategyClass *klass;
  BlipConfig               config;
  BlipNetwork             *net;    /* borrowed from the trainer */
};

/* Every registered method, and its count. */
const BlipStrategyClass * const *blip_strategy_list (gsize *n);
const BlipStrategyClass *blip_strategy_lookup (const char *name);
/* How front-ends name a method: "Online EWC (ewc)", the title and the name
 * the CLI takes; the title alone where it is the name ("BLIP"). Either may be
 * NULL: the other is used. Newly allocated. */
char         *blip_strategy_label    (const char *title, const char *name);
/* The label of the registered method `name`; `name` itself when unknown. */
char         *blip_strategy_label_for (const char *name);

BlipStrategy *blip_strategy_new      (const char *name, GError **error);
gboolean      blip_strategy_init     (BlipStrategy *self, BlipNetwork *net, const BlipConfig *config,
                                      GError **error);
void          blip_strategy_free     (BlipStrategy *self);
const char   *blip_strategy_get_name (const BlipStrategy *self);
gsize         blip_strategy_memory_bytes (BlipStrategy *self);
/* Applies klass->paper_settings when the method has them; TRUE if it did. */
gboolean      blip_strategy_class_apply_paper_settings (const BlipStrategyClass *klass, BlipConfig *config,
                                                        const char *experiment);

/* For describe_settings hooks: append ", flag value", numbers as C writes
 * them whatever the locale (0.01, never 0,01: the text goes into CSV and
 * JSON files and separates pairs with commas). */
void          blip_settings_append_double (GString *out, const char *flag, double value);
void          blip_settings_append_int    (GString *out, const char *flag, int value);

/* The method's own settings in `config` as "flag value" pairs joined by
 * ", " (EWC: "lamb 5000, gamma 1"); "" when it has none, so that a run's
 * header names only what the method reads. Newly allocated. */
char         *blip_strategy_class_settings_text (const BlipStrategyClass *klass, const BlipConfig *config);

/* A run's settings in one line, under the CLI's flag names, for run headers
 * and methods tables. Data sets: "lr 0.01, sbatch 64, nepochs 200", then
 * what differs from the experiment's preset (network and widths it reads,
 * optimiser, schedule, validation share) or trims the data (ntasks,
 * subsets), then the method's own settings. Games: frames per game, lr and
 * rollout size, then the method's. Newly allocated. */
char         *blip_run_settings_text (const BlipConfig *config);

/* The settings the reference's baseline runs share (run_baselines.py of
 * miniImageNetClassification: every baseline on AlexNet), for the
 * paper_settings hooks of baselines. */
void          blip_strategy_baseline_paper_settings (BlipConfig *config, const char *experiment);

/* Scales the gradients the trainer applies for `task` (the feature layers
 * that are not frozen, head `task`, and the earlier heads when the class
 * updates_old_heads) together with extra[0, n_extra), so that their joint L2
 * norm is at most max_norm (torch.nn.utils.clip_grad_norm, as the HAT code
 * base clips every step). Returns the norm before clipping. */
double        blip_strategy_clip_grad_norm (BlipStrategy *self, int task, float *extra, gsize n_extra,
                                            double max_norm);

/* The methods' formulas, for their tests. */

/* LwF's distillation of one head (the HAT code base's utils.cross_entropy
 * with exp = 1/T): p = softmax(z/T), q = softmax(z_old/T) over z[B, C],
 * o = (p + eps/C)/(1 + eps) with eps = 1e-5; returns Σ_b −Σ_c q·log o (the
 * sum over the batch). When dz is not NULL writes dz[B, C] = scale·∂/∂z. */
double        blip_lwf_distill (const float *z, const float *z_old, int B, int C, double T,
                                float scale, float *dz);

/* IMM-mode's merge of the model after a task with the previous one, over n
 * parameters: w ← (F_t·w + F·w_old)/(F + F_t), then F ← F + F_t. Where
 * F + F_t = 0 nothing is known about the parameter and w stays. */
void          blip_imm_merge   (float *w, const float *w_old, float *fisher, const float *fisher_task,
                                gsize n);

/* HAT's attention-mask regulariser on the gates g[n] of every layer:
 * c·Σ g·(1 − m)/Σ (1 − m), m being mask_pre, the element-wise maximum of
 * the earlier tasks' masks (NULL before the first task: m = 0). Returns it
 * (0 when every unit is taken) and, when dg is not NULL, adds its gradient. */
double        blip_hat_mask_reg (const float *g, const float *mask_pre, gsize n, double c, float *dg);
/* Through the gates g = σ(s·e): de[n] = dg·s·g·(1 − g). */
void          blip_hat_gate_backward (const float *g, const float *dg, float s, gsize n, float *de);

/* The method classes, for the registry. */
extern const BlipStrategyClass blip_strategy_blip_class;
extern const BlipStrategyClass blip_strategy_sgd_class;
extern const BlipStrategyClass blip_strategy_sgd_frozen_class;
extern const BlipStrategyClass blip_strategy_ewc_class;
extern const BlipStrategyClass blip_strategy_lwf_class;
extern const BlipStrategyClass blip_strategy_imm_mode_class;
extern const BlipStrategyClass blip_strategy_hat_class;
extern const BlipStrategyClass blip_strategy_halrp_class;

G_END_DECLS
