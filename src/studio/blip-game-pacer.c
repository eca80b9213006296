/* blip-game-pacer.c — frame-clock pacing of live play; see blip-game-pacer.h. */
#include "blip-game-pacer.h"

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  BlipGamePacer *pacer = data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  if (pacer->last_frame_us != 0)
    {
      /* A late frame catches up a little, never a burst of steps. */
      double seconds = MIN ((now - pacer->last_frame_us) / (double) G_USEC_PER_SEC, 0.1);
      pacer->owed_steps += seconds * gtk_adjustment_get_value (pacer->speed);
      int n = (int) pacer->owed_steps;
      pacer->owed_steps -= n;
      if (n > 0)
        pacer->step (widget, n);
    }
  pacer->last_frame_us = now;
  return G_SOURCE_CONTINUE;
}

gboolean
blip_game_pacer_set_playing (BlipGamePacer *pacer, gboolean playing)
{
  playing = !!playing;
  if (playing == pacer->playing)
    return FALSE;
  pacer->playing = playing;
  if (playing && pacer->tick_id == 0)
    {
      pacer->last_frame_us = 0;
      pacer->owed_steps = 0;
      pacer->tick_id = gtk_widget_add_tick_callback (pacer->widget, on_tick, pacer, NULL);
    }
  else if (!playing && pacer->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (pacer->widget, pacer->tick_id);
      pacer->tick_id = 0;
    }
  gtk_button_set_icon_name (GTK_BUTTON (pacer->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  g_autofree char *label = g_strdup_printf ("%s the %s", playing ? "Pause" : "Play", pacer->what);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pacer->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return TRUE;
}
