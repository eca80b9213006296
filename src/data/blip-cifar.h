/* blip-cifar.h — the CIFAR-10 and CIFAR-100 data sets: their class names,
 * whose order is the label order of the original files. */
#pragma once

#include <glib.h>
#include "blip-images.h"

G_BEGIN_DECLS

typedef enum {
  BLIP_CIFAR_10,    /* 10 classes */
  BLIP_CIFAR_100,   /* 100 fine classes (the 20 coarse ones are not used) */
} BlipCifarKind;

/* The class names, NULL-terminated, in label order: label i is names[i]. In
 * both data sets this is also the names' byte order, so image folders named
 * after the classes give the same labels when sorted. */
const char * const *blip_cifar_class_names (BlipCifarKind kind);
int                 blip_cifar_n_classes   (BlipCifarKind kind);

G_END_DECLS
