/* blip-settings-popover.c — the run's settings beyond the preset; see
 * blip-settings-popover.h. The numeric fields come from one table (field,
 * flag, range) and are added to the template's grid as label, spin button
 * and hint; validation is blip_config_validate's, whose message names the
 * flag of the field at fault. Runs on games (minatar) show their own fields
 * (frames per game, evaluation episodes, and the games in task order)
 * instead of those of data sets, and each method shows only its own knobs
 * (BLIP's prior and bits, EWC's λ, LwF's temperature, ...), so that nothing
 * on screen is a setting the run ignores. */
#include "blip-settings-popover.h"

#include <math.h>

typedef enum { KIND_DOUBLE, KIND_INT, KIND_UINT64, KIND_LOG10 } FieldKind;

/* Which runs show a field, by what they learn from (see also Field.approach). */
typedef enum {
  SCOPE_ALL,
  SCOPE_SUPERVISED,   /* data sets: SGD's batches, epochs and samples */
  SCOPE_RL,           /* games: PPO's frame budget and evaluation */
} Scope;

/* Field.approach for the knobs of methods that keep BLIP's bit state. */
#define QUANTIZED "quantized"

typedef struct {
  const char *name;         /* the BlipConfig field */
  const char *flag;         /* how blip_config_validate's message names it */
  const char *label;        /* with a mnemonic */
  const char *accessible;
  const char *tooltip;
  const char *hint;         /* after the spin button; NULL: none (F_prior shows its value) */
  FieldKind   kind;
  gsize       offset;
  double      lower, upper, step, page;
  int         digits;
  Scope       scope;
  const char *approach;     /* NULL: every method; QUANTIZED; else the one method (registry name) */
} Field;

#define OFF(f) G_STRUCT_OFFSET (BlipConfig, f)

/* Ranges are wider than the valid ones on purpose: a value out of range is
 * typed, then explained, rather than silently clamped. */
static const Field fields[] = {
  { "lr", "--lr", "_Learning rate", "Learning rate", "Step size of SGD (the paper: 0.01 for MNIST-5 and P-MNIST)",
    "(0, 10]", KIND_DOUBLE, OFF (lr), 0, 100, 0.001, 0.01, 4, SCOPE_ALL, NULL },
  { "sbatch", "--sbatch", "_Batch size", "Batch size", "Training samples per batch",
    "samples", KIND_INT, OFF (sbatch), 0, 100000, 1, 16, 0, SCOPE_SUPERVISED, NULL },
  { "nepochs", "--nepochs", "_Epochs per task", "Epochs per task", "Passes over each task's training data",
    NULL, KIND_INT, OFF (nepochs), 0, 100000, 1, 10, 0, SCOPE_SUPERVISED, NULL },
  { "seed", "--seed", "S_eed", "Random seed", "The same seed gives the same run, bit for bit",
    NULL, KIND_UINT64, OFF (seed), 0, 1e15, 1, 10, 0, SCOPE_ALL, NULL },
  { "momentum", "--momentum", "_Momentum", "Momentum", "SGD momentum, in [0, 1)",
    "[0, 1)", KIND_DOUBLE, OFF (momentum), 0, 1, 0.05, 0.1, 3, SCOPE_SUPERVISED, NULL },
  { "weight_decay", "--weight-decay", "_Weight decay", "Weight decay", "L2 weight decay, in [0, 1)",
    "[0, 1)", KIND_DOUBLE, OFF (weight_decay), 0, 1, 0.0001, 0.001, 5, SCOPE_SUPERVISED, NULL },
  { "F_prior", "--F-prior", "_F__prior = 10^", "F prior, as a power of ten",
    "Prior Fisher information as a power of ten (the paper: 10^-15 for MNIST); a smaller prior freezes more bits",
    NULL, KIND_LOG10, OFF (F_prior), -40, 40, 1, 5, 1, SCOPE_ALL, QUANTIZED },
  { "max_bit", "--max-bit", "Ma_x bits", "Maximum bits per parameter",
    "Bits per parameter that BLIP quantizes to and may freeze", "1 to 24", KIND_INT, OFF (max_bit), 0, 32, 1, 4,
    0, SCOPE_ALL, QUANTIZED },
  { "train_subset", "--train-subset", "_Training samples", "Training samples per task",
    "Training samples per task (0: the whole split)", "per task, 0: all", KIND_INT, OFF (train_subset), 0, 1e6,
    100, 1000, 0, SCOPE_SUPERVISED, NULL },
  { "test_subset", "--test-subset", "Te_st samples", "Test samples per task",
    "Test samples per task (0: the whole split)", "per task, 0: all", KIND_INT, OFF (test_subset), 0, 1e6, 100,
    1000, 0, SCOPE_SUPERVISED, NULL },
  { "ewc_lambda", "--lamb", "EWC _λ", "EWC lambda", "Strength of EWC's penalty on moving important weights",
    NULL, KIND_DOUBLE, OFF (ewc_lambda), 0, 1e9, 100, 1000, 1, SCOPE_ALL, "ewc" },
  { "ewc_gamma", "--gamma", "EWC _γ", "EWC gamma", "Online EWC: how much of the old Fisher information is kept",
    "[0, 1]", KIND_DOUBLE, OFF (ewc_gamma), 0, 2, 0.05, 0.1, 3, SCOPE_ALL, "ewc" },
  { "frames", "--frames", "_Frames per game", "Frames per game",
    "Environment steps of PPO on each game, over all its parallel environments", "per game", KIND_INT,
    OFF (frames), 0, 2e9, 10000, 100000, 0, SCOPE_RL, NULL },
  { "eval_episodes", "--eval-episodes", "E_valuation episodes", "Evaluation episodes per game",
    "Greedy episodes played on every game after each task to fill the reward matrix", "per game", KIND_INT,
    OFF (eval_episodes), 0, 100000, 1, 10, 0, SCOPE_RL, NULL },
  { "lwf_lambda", "--lwf-lambda", "LwF _λ", "LwF lambda",
    "Weight of the distillation loss that keeps the old heads' outputs", "[0, 10^6]", KIND_DOUBLE,
    OFF (lwf_lambda), 0, 1e7, 0.1, 1, 3, SCOPE_SUPERVISED, "lwf" },
  { "lwf_temperature", "--lwf-temperature", "LwF tem_perature", "LwF temperature",
    "Softens both heads' outputs before they are compared; higher keeps more of the old ranking", "[0.01, 100]",
    KIND_DOUBLE, OFF (lwf_temperature), 0, 1000, 0.1, 1, 2, SCOPE_SUPERVISED, "lwf" },
  { "imm_lambda", "--imm-lambda", "IMM _λ", "IMM lambda",
    "Weight of the L2 pull toward the previous merged model while a task trains", "[0, 10^6]", KIND_DOUBLE,
    OFF (imm_lambda), 0, 1e7, 0.01, 0.1, 4, SCOPE_SUPERVISED, "imm-mode" },
  { "hat_smax", "--hat-smax", "HAT _gate slope s__max", "HAT gate slope s_max",
    "Steepest slope of the attention gates: the larger, the closer the masks come to 0 or 1", "[1, 10^5]",
    KIND_DOUBLE, OFF (hat_smax), 0, 1e6, 10, 100, 1, SCOPE_SUPERVISED, "hat" },
  { "hat_c", "--hat-c", "HAT mas_k weight c", "HAT mask weight c",
    "Weight of the regulariser that keeps each task's mask small, leaving units for later tasks", "[0, 1000]",
    KIND_DOUBLE, OFF (hat_c), 0, 1e4, 0.05, 0.5, 3, SCOPE_SUPERVISED, "hat" },
  { "halrp_rate", "--halrp-rate", "HALRP _rank share", "HALRP rank share",
    "Share of the Hessian-weighted change a task needs that its low-rank factors must capture; higher: larger "
    "ranks", "(0, 1)", KIND_DOUBLE, OFF (halrp_rate), 0, 1, 0.05, 0.1, 3, SCOPE_SUPERVISED, "halrp" },
  { "halrp_l1", "--halrp-l1", "HALRP L_1 weight", "HALRP L1 weight",
    "L1 weight on the low-rank factors: higher makes them sparser, so pruning keeps less", "[0, 1)", KIND_DOUBLE,
    OFF (halrp_l1), 0, 1, 1e-6, 1e-5, 7, SCOPE_SUPERVISED, "halrp" },
  { "halrp_max_growth", "--halrp-max-growth", "HALRP gr_owth cap", "HALRP growth cap",
    "Largest growth of the parameters over the base network, as a share of it, before every task's factors "
    "are pruned", "share of base", KIND_DOUBLE, OFF (halrp_max_growth), 0, 1000, 0.05, 0.5, 2, SCOPE_SUPERVISED,
    "halrp" },
};

#define N_FIELDS G_N_ELEMENTS (fields)

struct _BlipSettingsPopover {
  GtkPopover     parent_instance;
  GtkGrid       *grid;
  GtkWidget     *ste_row;
  GtkSwitch     *ste_switch;
  GtkLabel      *message_label;
  GtkButton     *preset_button;
  GtkButton     *apply_button;
  GtkSpinButton *spins[N_FIELDS];
  GtkWidget     *rows[N_FIELDS][3];
  GtkLabel      *f_prior_value;
  GtkEntry      *games_entry;    /* the games, in task order (runs on games) */
  GtkWidget     *games_row[3];
  BlipConfig     base;           /* what the controls do not show */
  char          *preset;
  int            filling;        /* > 0 while the code sets the controls */
};

G_DEFINE_FINAL_TYPE (BlipSettingsPopover, blip_settings_popover, GTK_TYPE_POPOVER)

enum { SIGNAL_APPLY, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Controls ↔ configuration ------------------------------------------------- */

/* The field's value in the spin button's terms (KIND_LOG10: the exponent). */
static double
field_value (guint i, const BlipConfig *c)
{
  gconstpointer p = G_STRUCT_MEMBER_P ((gpointer) c, fields[i].offset);
  switch (fields[i].kind)
    {
    case KIND_DOUBLE: return *(const double *) p;
    case KIND_INT: return *(const int *) p;
    case KIND_UINT64: return (double) *(const guint64 *) p;
    case KIND_LOG10: return *(const double *) p > 0 ? log10 (*(const double *) p) : fields[i].lower;
    }
  return 0;
}

static double
shown (double v, int digits)
{
  double scale = pow (10, digits);
  return round (v * scale) / scale;
}

static void
spin_to_field (BlipSettingsPopover *self, guint i, BlipConfig *c)
{
  gpointer p = G_STRUCT_MEMBER_P (c, fields[i].offset);
  double v = gtk_spin_button_get_value (self->spins[i]);
  /* A value shown rounded and left alone keeps its exact value. */
  if ((fields[i].kind == KIND_DOUBLE || fields[i].kind == KIND_LOG10) &&
      fabs (v - shown (field_value (i, &self->base), fields[i].digits)) < 1e-9)
    return;
  switch (fields[i].kind)
    {
    case KIND_DOUBLE: *(double *) p = v; break;
    case KIND_INT: *(int *) p = (int) lround (v); break;
    case KIND_UINT64: *(guint64 *) p = (guint64) llround (v); break;
    case KIND_LOG10:
      if (fabs (v - round (v)) < 1e-9)
        {
          /* A whole power exactly: 1e-15, not pow's nearest double. */
          char exact[32];
          g_snprintf (exact, sizeof exact, "1e%d", (int) lround (v));
          *(double *) p = g_ascii_strtod (exact, NULL);
        }
      else
        *(double *) p = pow (10, v);
      break;
    }
}

static void
controls_to_config (BlipSettingsPopover *self, BlipConfig *c)
{
  blip_config_copy (c, &self->base);
  for (guint i = 0; i < N_FIELDS; i++)
    spin_to_field (self, i, c);
  c->ste = gtk_switch_get_active (self->ste_switch);
  if (blip_config_is_rl (c))
    {
      /* "breakout, freeway" is read as "breakout,freeway". */
      g_auto(GStrv) names = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->games_entry)), ",", -1);
      for (int k = 0; names[k] != NULL; k++)
        g_strstrip (names[k]);
      g_free (c->games);
      c->games = g_strjoinv (",", names);
    }
}

/* blip_config_validate, and for native MinAtar games that each one exists. */
static gboolean
validate (const BlipConfig *c, GError **error)
{
  if (!blip_config_validate (c, error))
    return FALSE;
  if (g_strcmp0 (c->experiment, "minatar") != 0)
    return TRUE;
  g_auto(GStrv) names = g_strsplit (c->games, ",", -1);
  for (int k = 0; names[k] != NULL; k++)
    if (!g_strv_contains (blip_env_list (), names[k]))
      {
        g_autofree char *known = g_strjoinv (", ", (char **) blip_env_list ());
        g_set_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID,
                     "--games: unknown game “%s” (expected names from: %s)", names[k], known);
        return FALSE;
      }
  return TRUE;
}

gboolean
blip_settings_popover_get_config (BlipSettingsPopover *self, BlipConfig *config, GError **error)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), FALSE);
  for (guint i = 0; i < N_FIELDS; i++)
    gtk_spin_button_update (self->spins[i]);   /* take text typed but not yet entered */
  controls_to_config (self, config);
  if (!validate (config, error))
    {
      blip_config_clear (config);
      return FALSE;
    }
  return TRUE;
}

/* Validates the controls: the message inline, the field at fault marked. */
static gboolean
check (BlipSettingsPopover *self)
{
  BlipConfig c;
  g_autoptr(GError) error = NULL;
  controls_to_config (self, &c);
  gboolean valid = validate (&c, &error);
  blip_config_clear (&c);

  for (guint i = 0; i < N_FIELDS; i++)
    if (fields[i].kind == KIND_LOG10)
      {
        char value[64];
        g_snprintf (value, sizeof value, "= %.3g", pow (10, gtk_spin_button_get_value (self->spins[i])));
        gtk_label_set_text (self->f_prior_value, value);
      }

  for (guint i = 0; i < N_FIELDS; i++)
    {
      gboolean at_fault = !valid && g_str_has_prefix (error->message, fields[i].flag) &&
                          error->message[strlen (fields[i].flag)] == ' ';
      if (at_fault)
        gtk_widget_add_css_class (GTK_WIDGET (self->spins[i]), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->spins[i]), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->spins[i]), GTK_ACCESSIBLE_STATE_INVALID,
                                   at_fault ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE, -1);
    }
  gboolean games_at_fault = !valid && g_str_has_prefix (error->message, "--games");
  if (games_at_fault)
    gtk_widget_add_css_class (GTK_WIDGET (self->games_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->games_entry), "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->games_entry), GTK_ACCESSIBLE_STATE_INVALID,
                               games_at_fault ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE, -1);
  gtk_label_set_text (self->message_label, valid ? "" : error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), !valid);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), valid);
  return valid;
}

static void
on_value_changed (GtkSpinButton *spin, BlipSettingsPopover *self)
{
  if (!self->filling)
    check (self);
}

static void
on_games_changed (GtkEditable *entry, BlipSettingsPopover *self)
{
  if (!self->filling)
    check (self);
}

static void
on_ste_changed (GtkSwitch *sw, GParamSpec *pspec, BlipSettingsPopover *self)
{
  if (!self->filling)
    check (self);
}

static void
fill (BlipSettingsPopover *self, const BlipConfig *c)
{
  self->filling++;
  for (guint i = 0; i < N_FIELDS; i++)
    gtk_spin_button_set_value (self->spins[i], field_value (i, c));
  gtk_switch_set_active (self->ste_switch, c->ste);
  gtk_editable_set_text (GTK_EDITABLE (self->games_entry), c->games ? c->games : "");
  gboolean rl = blip_config_is_rl (c);
  const BlipStrategyClass *method = blip_strategy_lookup (c->approach);
  gboolean quantized = method != NULL && method->quantized;
  for (guint i = 0; i < N_FIELDS; i++)
    {
      gboolean visible = fields[i].scope == SCOPE_ALL || (fields[i].scope == SCOPE_SUPERVISED && !rl) ||
                         (fields[i].scope == SCOPE_RL && rl);
      if (g_strcmp0 (fields[i].approach, QUANTIZED) == 0)
        visible = visible && quantized;
      else if (fields[i].approach != NULL)
        visible = visible && g_strcmp0 (fields[i].approach, c->approach) == 0;
      for (int k = 0; k < 3; k++)
        if (self->rows[i][k] != NULL)
          gtk_widget_set_visible (self->rows[i][k], visible);
    }
  gtk_widget_set_visible (self->ste_row, quantized);
  for (int k = 0; k < 3; k++)
    gtk_widget_set_visible (self->games_row[k], rl);
  self->filling--;
  check (self);
}

void
blip_settings_popover_set_config (BlipSettingsPopover *self, const BlipConfig *config, const char *preset)
{
  g_return_if_fail (BLIP_IS_SETTINGS_POPOVER (self));
  g_return_if_fail (config != NULL);
  blip_config_clear (&self->base);
  blip_config_copy (&self->base, config);
  g_free (self->preset);
  self->preset = g_strdup (preset);
  fill (self, config);
}

gboolean
blip_settings_popover_apply (BlipSettingsPopover *self)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), FALSE);
  BlipConfig c;
  if (!blip_settings_popover_get_config (self, &c, NULL))
    {
      check (self);
      return FALSE;
    }
  check (self);
  g_signal_emit (self, signals[SIGNAL_APPLY], 0, &c);
  blip_config_clear (&self->base);
  blip_config_copy (&self->base, &c);
  blip_config_clear (&c);
  gtk_popover_popdown (GTK_POPOVER (self));
  return TRUE;
}

const char *
blip_settings_popover_get_message (BlipSettingsPopover *self)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label)) ? gtk_label_get_text (self->message_label) : NULL;
}

GtkSpinButton *
blip_settings_popover_get_spin (BlipSettingsPopover *self, const char *name)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), NULL);
  for (guint i = 0; i < N_FIELDS; i++)
    if (g_strcmp0 (fields[i].name, name) == 0)
      return self->spins[i];
  return NULL;
}

GtkSwitch *
blip_settings_popover_get_ste (BlipSettingsPopover *self)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), NULL);
  return self->ste_switch;
}

GtkEditable *
blip_settings_popover_get_games (BlipSettingsPopover *self)
{
  g_return_val_if_fail (BLIP_IS_SETTINGS_POPOVER (self), NULL);
  return GTK_EDITABLE (self->games_entry);
}

static void
on_apply_clicked (GtkButton *button, BlipSettingsPopover *self)
{
  blip_settings_popover_apply (self);
}

static void
on_preset_clicked (GtkButton *button, BlipSettingsPopover *self)
{
  /* Everything back to the preset (the network too), the approach and the
   * data directory kept; applied only with Apply. */
  BlipConfig c;
  blip_config_init_defaults (&c);
  blip_config_apply_preset (&c, self->base.experiment, NULL);
  if (self->preset != NULL)
    blip_config_apply_speed_preset (&c, self->preset, NULL);
  g_free (c.approach);
  c.approach = g_strdup (self->base.approach);
  c.data_dir = g_strdup (self->base.data_dir);
  blip_config_clear (&self->base);
  self->base = c;
  fill (self, &self->base);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
add_rows (BlipSettingsPopover *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    {
      const Field *f = &fields[i];
      GtkWidget *label = gtk_label_new_with_mnemonic (f->label);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      GtkAdjustment *adjustment = gtk_adjustment_new (0, f->lower, f->upper, f->step, f->page, 0);
      GtkWidget *spin = gtk_spin_button_new (adjustment, f->step, f->digits);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
      gtk_editable_set_width_chars (GTK_EDITABLE (spin), 10);
      gtk_widget_set_hexpand (spin, TRUE);
      /* Enter applies (GtkSpinButton itself has no activates-default before GTK 4.14). */
      GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (spin));
      if (GTK_IS_TEXT (text))
        gtk_text_set_activates_default (GTK_TEXT (text), TRUE);
      gtk_widget_set_tooltip_text (spin, f->tooltip);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
      gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, f->accessible,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, f->tooltip, -1);
      GtkWidget *hint = gtk_label_new (f->hint);
      gtk_label_set_xalign (GTK_LABEL (hint), 0);
      gtk_widget_add_css_class (hint, "dim-label");
      if (f->kind == KIND_LOG10)
        self->f_prior_value = GTK_LABEL (hint);
      gtk_grid_attach (self->grid, label, 0, i, 1, 1);
      gtk_grid_attach (self->grid, spin, 1, i, 1, 1);
      gtk_grid_attach (self->grid, hint, 2, i, 1, 1);
      self->spins[i] = GTK_SPIN_BUTTON (spin);
      self->rows[i][0] = label;
      self->rows[i][1] = spin;
      self->rows[i][2] = hint;
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_value_changed), self);
    }

  /* The games of a run on games, in the order they are learned. */
  GtkWidget *label = gtk_label_new_with_mnemonic ("_Games, in order");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  GtkWidget *entry = gtk_entry_new ();
  gtk_widget_set_hexpand (entry, TRUE);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  const char *tooltip = "The games to learn one after another, separated by commas";
  gtk_widget_set_tooltip_text (entry, tooltip);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, "Games, in task order",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
  g_autofree char *known = g_strjoinv (", ", (char **) blip_env_list ());
  g_autofree char *hint_text = g_strdup_printf ("of %s", known);
  GtkWidget *hint = gtk_label_new (hint_text);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 28);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_grid_attach (self->grid, label, 0, N_FIELDS, 1, 1);
  gtk_grid_attach (self->grid, entry, 1, N_FIELDS, 1, 1);
  gtk_grid_attach (self->grid, hint, 2, N_FIELDS, 1, 1);
  self->games_entry = GTK_ENTRY (entry);
  self->games_row[0] = label;
  self->games_row[1] = entry;
  self->games_row[2] = hint;
  g_signal_connect (entry, "changed", G_CALLBACK (on_games_changed), self);
}

static void
blip_settings_popover_finalize (GObject *object)
{
  BlipSettingsPopover *self = BLIP_SETTINGS_POPOVER (object);
  blip_config_clear (&self->base);
  g_free (self->preset);
  G_OBJECT_CLASS (blip_settings_popover_parent_class)->finalize (object);
}

static void
blip_settings_popover_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BLIP_TYPE_SETTINGS_POPOVER);
  G_OBJECT_CLASS (blip_settings_popover_parent_class)->dispose (object);
}

static void
blip_settings_popover_class_init (BlipSettingsPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = blip_settings_popover_dispose;
  object_class->finalize = blip_settings_popover_finalize;

  /* (const BlipConfig *config): valid settings to start a run with. */
  signals[SIGNAL_APPLY] = g_signal_new ("apply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blipstudio/Studio/ui/blip-settings-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, grid);
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, ste_row);
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, ste_switch);
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, message_label);
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, preset_button);
  gtk_widget_class_bind_template_child (widget_class, BlipSettingsPopover, apply_button);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
}

static void
blip_settings_popover_init (BlipSettingsPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_rows (self);
  blip_config_init_defaults (&self->base);
  g_signal_connect (self->ste_switch, "notify::active", G_CALLBACK (on_ste_changed), self);
  g_signal_connect (self->apply_button, "clicked", G_CALLBACK (on_apply_clicked), self);
  g_signal_connect (self->preset_button, "clicked", G_CALLBACK (on_preset_clicked), self);
  gtk_popover_set_default_widget (GTK_POPOVER (self), GTK_WIDGET (self->apply_button));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Run settings", -1);
  fill (self, &self->base);
}

GtkWidget *
blip_settings_popover_new (void)
{
  return g_object_new (BLIP_TYPE_SETTINGS_POPOVER, NULL);
}
