/* main.c — blip-studio, the classroom app of BLIP Studio. */
#include "blip-studio-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(BlipStudioApplication) app = blip_studio_application_new ();
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  return blip_studio_application_get_failed (app) ? 1 : status;
}
