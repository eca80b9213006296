/* blip-game-pacer.h — live play paced by a widget's frame clock, shared by the
 * game view and the game grid: each frame, the steps owed at the speed
 * adjustment's rate (steps per second) are handed to a step function, and the
 * play button shows play or pause. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  GtkWidget     *widget;       /* whose frame clock paces play */
  GtkAdjustment *speed;        /* steps per second */
  GtkWidget     *play_button;
  const char    *what;         /* "game" or "games", for the button's accessible label */
  void         (*step) (GtkWidget *widget, int n);
  /* private */
  gboolean       playing;
  guint          tick_id;
  gint64         last_frame_us;
  double         owed_steps;   /* fractions of a step carried between frames */
} BlipGamePacer;

/* Starts or stops play; returns TRUE when that changed anything. */
gboolean blip_game_pacer_set_playing (BlipGamePacer *pacer, gboolean playing);

G_END_DECLS
