/* blip-window-private.h — BlipStudioWindow's fields, shared by its files:
 * blip-window.c (controls, actions, runner signals), blip-window-views.c
 * (frame clock, views, layer and parameter choice), blip-window-files.c
 * (sessions, export, screenshots), blip-window-lesson.c (lesson panel) and
 * blip-window-games.c (the Game and Game grid views of reinforcement runs). */
#pragma once

#include "blip-window.h"
#include "blip-figure-view.h"
#include "blip-bits-view.h"
#include "blip-layer-map-view.h"
#include "blip-info-gain-view.h"
#include "blip-acc-matrix-view.h"
#include "blip-curves-view.h"
#include "blip-compare-view.h"
#include "blip-methods-view.h"
#include "blip-settings-popover.h"
#include "blip-stall-meter.h"
#include "blip-game-view.h"
#include "blip-game-grid.h"

G_BEGIN_DECLS

struct _BlipStudioWindow {
  GtkApplicationWindow parent_instance;

  /* Template children */
  GtkDropDown       *experiment_dropdown;
  GtkDropDown       *approach_dropdown;
  GtkDropDown       *preset_dropdown;
  GtkAdjustment     *speed_adjustment;
  GtkButton         *play_button;
  GtkImage          *play_icon;
  GtkLabel          *play_label;
  GtkStack          *stack;
  GtkDropDown       *bits_layer_dropdown;
  GtkDropDown       *map_layer_dropdown;
  GtkDropDown       *ig_layer_dropdown;
  GtkAdjustment     *index_adjustment;
  GtkButton         *most_frozen_button;
  GtkToggleButton   *show_bits_toggle;
  GtkToggleButton   *show_ig_toggle;
  GtkToggleButton   *show_fisher_toggle;
  GtkToggleButton   *scale_layer_toggle;
  GtkToggleButton   *scale_global_toggle;
  GtkButton         *zoom_reset_button;
  BlipBitsView      *bits_view;
  BlipLayerMapView  *map_view;
  BlipInfoGainView  *ig_view;
  BlipAccMatrixView *acc_view;
  BlipCurvesView    *curves_view;
  GtkRevealer       *lesson_revealer;
  GtkSpinner        *spinner;
  GtkLabel          *status_label;
  GtkLabel          *message_label;
  GtkMenuButton     *menu_button;
  GtkMenuButton     *settings_button;
  BlipSettingsPopover *settings_popover;
  BlipCompareView   *compare_view;
  BlipMethodsView   *methods_view;
  GtkLabel          *methods_label;
  BlipGameView      *game_view;
  BlipGameGrid      *game_grid;

  BlipRunner        *runner;
  char              *data_dir;
  char             **experiment_names;   /* dropdown position → experiment name */
  char             **approach_names;     /* dropdown position → strategy name */
  GArray            *layer_index;        /* layer dropdown position → snapshot layer */
  char              *layer_signature;
  int                updating;           /* > 0 while the code itself sets controls */
  gboolean           started;
  gboolean           parameter_chosen;   /* someone picked the bits view's parameter */
  int                auto_chosen_tasks;

  /* Frame clock */
  guint              tick_id;
  gint64             last_request_us;
  guint64            serial;
  guint              generation;
  int                idle_ticks;

  /* blip-window-files.c */
  GtkNativeDialog   *file_dialog;
  char              *screenshot_path;
  int                screenshot_after;
  guint              screenshot_timeout;

  /* blip-window-compare.c */
  BlipRunner        *compare_runner;     /* the Compare view's second run, or NULL */
  gboolean           compare_shown;      /* the view was shown once (that starts it) */
  guint64            compare_serial;
  guint              compare_generation;
  gint64             compare_last_request_us;

  /* blip-window-measure.c */
  BlipStallMeter    *stall_meter;
  int                measure_tasks;
  guint              measure_timeout;

  /* blip-window-games.c */
  char             **rl_games;           /* the run's games in task order; NULL: not a reinforcement run */
  int                game_rows;          /* task-end snapshots turned into grid rows */

  /* blip-window-lesson.c */
  GtkWidget         *lesson_panel;
  char              *lesson_parameter_layer;   /* waiting for its layer to exist */
  guint64            lesson_parameter_index;
};

/* blip-window.c */
void            blip_studio_window_show_error        (BlipStudioWindow *self, const char *title,
                                                      const char *message);

/* blip-window-views.c */
void            blip_studio_window_views_init        (BlipStudioWindow *self);
BlipFigureView *blip_studio_window_view_at           (BlipStudioWindow *self, int i);
void            blip_studio_window_update_status     (BlipStudioWindow *self, const BlipSnapshot *s);
void            blip_studio_window_wake              (BlipStudioWindow *self);
void            blip_studio_window_show_parameter    (BlipStudioWindow *self, int layer, gsize index);
void            blip_studio_window_layer_changed     (BlipStudioWindow *self);
int             blip_studio_window_current_layer     (BlipStudioWindow *self);
BlipFigureView *blip_studio_window_get_visible_view  (BlipStudioWindow *self);

/* blip-window-files.c */
void blip_studio_window_action_open_session (GSimpleAction *action, GVariant *param, gpointer self);
void blip_studio_window_action_save_session (GSimpleAction *action, GVariant *param, gpointer self);
void blip_studio_window_action_export_view  (GSimpleAction *action, GVariant *param, gpointer self);
void blip_studio_window_action_open_table   (GSimpleAction *action, GVariant *param, gpointer self);
void blip_studio_window_check_screenshot    (BlipStudioWindow *self, int tasks_done);
void blip_studio_window_files_dispose       (BlipStudioWindow *self);
/* The file chooser the last Open/Save/Export action showed, NULL once it
 * answered: tests reach it to choose a file without a user. */
GtkNativeDialog *blip_studio_window_get_file_dialog (BlipStudioWindow *self);

/* blip-window-compare.c */
void     blip_studio_window_compare_init       (BlipStudioWindow *self);
void     blip_studio_window_compare_dispose    (BlipStudioWindow *self);
/* The window's run was (re)started: start the second run over with its configuration. */
void     blip_studio_window_compare_restart    (BlipStudioWindow *self);
/* A run came in that the window did not start (a session): follow it. */
void     blip_studio_window_compare_follow     (BlipStudioWindow *self);
void     blip_studio_window_compare_play       (BlipStudioWindow *self);
void     blip_studio_window_compare_pause      (BlipStudioWindow *self);
void     blip_studio_window_compare_step       (BlipStudioWindow *self, BlipStepUnit unit);
/* Tasks the second run finished, -1 when there is none. */
int      blip_studio_window_compare_tasks_done (BlipStudioWindow *self);
gboolean blip_studio_window_compare_tick       (BlipStudioWindow *self, gint64 frame_time);
void     blip_studio_window_compare_refresh    (BlipStudioWindow *self);
void     blip_studio_window_compare_show_left  (BlipStudioWindow *self, BlipSnapshot *s);

/* blip-window-measure.c */
/* A task ended: end the measurement when it has seen enough. */
void     blip_studio_window_measure_check      (BlipStudioWindow *self);
void     blip_studio_window_measure_dispose    (BlipStudioWindow *self);

/* blip-window-games.c */
void     blip_studio_window_games_init         (BlipStudioWindow *self);
void     blip_studio_window_games_dispose      (BlipStudioWindow *self);
/* A new run is in place: the games it learns, or the demonstration games. */
void     blip_studio_window_games_session_changed (BlipStudioWindow *self);
/* Tasks ended: rows for the grid and agents for the game view. */
void     blip_studio_window_games_task_ended   (BlipStudioWindow *self);
/* The Game ("game") or Game grid ("game-grid") view as drawn now into path
 * (.png, .svg or .pdf). */
gboolean blip_studio_window_games_export       (BlipStudioWindow *self, const char *view, const char *path,
                                                int width, int height, GError **error);
/* The games a configuration learns, in task order (NULL: not a reinforcement run). */
char   **blip_studio_rl_games                  (const BlipConfig *config);

/* blip-window-lesson.c */
void blip_studio_window_action_open_lesson  (GSimpleAction *action, GVariant *param, gpointer self);
void blip_studio_window_lesson_init         (BlipStudioWindow *self);
/* A run's layers are known: apply a parameter the lesson step named. */
void blip_studio_window_lesson_layers_ready (BlipStudioWindow *self);

G_END_DECLS
