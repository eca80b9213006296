/* blip-studio-application.h — the blip-studio GtkApplication: command-line
 * options, app-wide actions and accelerators, CSS, About and shortcuts. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BLIP_STUDIO_APP_ID "org.blipstudio.Studio"

#define BLIP_TYPE_STUDIO_APPLICATION (blip_studio_application_get_type ())
G_DECLARE_FINAL_TYPE (BlipStudioApplication, blip_studio_application, BLIP, STUDIO_APPLICATION, GtkApplication)

BlipStudioApplication *blip_studio_application_new        (void);
/* Something went wrong in an unattended run (--screenshot): exit with 1. */
void                   blip_studio_application_set_failed (BlipStudioApplication *self);
gboolean               blip_studio_application_get_failed (BlipStudioApplication *self);

/* Registers the app's GResource (ui/, CSS, icons); safe to call twice. */
void                   blip_studio_register_resources     (void);

G_END_DECLS
