/* blip-settings-popover.h — the run's settings beyond the preset (Settings…,
 * Ctrl+comma): learning rate, batch size, epochs, seed, momentum, weight
 * decay, the training and test subsets, and each method's own knobs, shown
 * for that method only: BLIP's F_prior (as a power of ten), max_bit and
 * straight-through estimator, EWC's λ and γ, LwF's λ and temperature,
 * IMM-mode's λ, HAT's s_max and c, HALRP's rank share, L1 weight and growth
 * cap.
 *
 * The popover edits a copy of a configuration. Every change is checked with
 * blip_config_validate: an invalid value shows the message inline, marks its
 * field and leaves Apply insensitive; Apply (or Enter) emits ::apply with the
 * new configuration, which the window starts as a new run.
 */
#pragma once

#include <gtk/gtk.h>

#include "blip.h"

G_BEGIN_DECLS

#define BLIP_TYPE_SETTINGS_POPOVER (blip_settings_popover_get_type ())
G_DECLARE_FINAL_TYPE (BlipSettingsPopover, blip_settings_popover, BLIP, SETTINGS_POPOVER, GtkPopover)

GtkWidget  *blip_settings_popover_new         (void);
/* Shows config (copied; fields the popover has no control for are kept) and
 * remembers the speed preset that "Preset Values" goes back to. */
void        blip_settings_popover_set_config  (BlipSettingsPopover *self, const BlipConfig *config,
                                               const char *preset);
/* The configuration the controls describe, validated: FALSE with the
 * validation error when a value is invalid (config is then left cleared). */
gboolean    blip_settings_popover_get_config  (BlipSettingsPopover *self, BlipConfig *config, GError **error);
/* Applies the controls: emits ::apply and pops down, or shows why not and
 * returns FALSE. */
gboolean    blip_settings_popover_apply       (BlipSettingsPopover *self);
/* The message shown inline (NULL: the values are valid). */
const char *blip_settings_popover_get_message (BlipSettingsPopover *self);
/* The spin button of a field, by its BlipConfig name ("lr", "sbatch",
 * "nepochs", "seed", "momentum", "weight_decay", "F_prior" (its exponent),
 * "max_bit", "train_subset", "test_subset", "ewc_lambda", "ewc_gamma",
 * "lwf_lambda", "lwf_temperature", "imm_lambda", "hat_smax", "hat_c",
 * "halrp_rate", "halrp_l1", "halrp_max_growth"); NULL for other names. */
GtkSpinButton *blip_settings_popover_get_spin (BlipSettingsPopover *self, const char *name);
/* The straight-through estimator's switch (its row shows for BLIP only). */
GtkSwitch     *blip_settings_popover_get_ste  (BlipSettingsPopover *self);
/* The games entry of runs on games (comma-separated, in task order); hidden otherwise. */
GtkEditable   *blip_settings_popover_get_games (BlipSettingsPopover *self);

G_END_DECLS
