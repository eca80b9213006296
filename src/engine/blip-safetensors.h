/* blip-safetensors.h — the safetensors file layout, read and written.
 *
 * An 8-byte little-endian header length, a JSON header mapping each tensor's
 * name to its dtype, shape and byte offsets (plus a "__metadata__" map of
 * strings), then the raw little-endian tensor bytes. Python's `safetensors`
 * package (and numpy with a few lines) opens these files directly. Writes are
 * atomic: a temporary file, fsync, rename. Reads check every offset, size and
 * shape before touching data, and name the file in every error.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_SAFETENSORS_ERROR (blip_safetensors_error_quark ())
GQuark blip_safetensors_error_quark (void);

typedef enum {
  BLIP_SAFETENSORS_ERROR_IO,
  BLIP_SAFETENSORS_ERROR_FORMAT,    /* not a well-formed safetensors file */
  BLIP_SAFETENSORS_ERROR_MISSING,   /* a required tensor or metadata key is absent */
  BLIP_SAFETENSORS_ERROR_MISMATCH,  /* dtype or shape other than expected */
  BLIP_SAFETENSORS_ERROR_NOT_FINITE,/* NaN or infinity in a tensor that must be finite */
} BlipSafetensorsError;

typedef enum {
  BLIP_DTYPE_U8,
  BLIP_DTYPE_I32,
  BLIP_DTYPE_F32,
  BLIP_DTYPE_F64,
} BlipDtype;

#define BLIP_SAFETENSORS_MAX_DIMS 8

typedef struct _BlipSafetensorsWriter BlipSafetensorsWriter;
typedef struct _BlipSafetensors BlipSafetensors;

BlipSafetensorsWriter *blip_safetensors_writer_new  (void);
void     blip_safetensors_writer_free     (BlipSafetensorsWriter *writer);
/* The data is copied. shape has ndim entries (ndim 0: a scalar). */
void     blip_safetensors_writer_add      (BlipSafetensorsWriter *writer, const char *name, BlipDtype dtype,
                                           const gint64 *shape, int ndim, gconstpointer data);
void     blip_safetensors_writer_add_metadata (BlipSafetensorsWriter *writer, const char *key, const char *value);
gboolean blip_safetensors_writer_write    (BlipSafetensorsWriter *writer, const char *path, GError **error);

BlipSafetensors *blip_safetensors_open    (const char *path, GError **error);
/* Parses an in-memory image of a file; `name` is used in messages. */
BlipSafetensors *blip_safetensors_parse   (GBytes *bytes, const char *name, GError **error);
void     blip_safetensors_free            (BlipSafetensors *file);
const char *blip_safetensors_get_path     (BlipSafetensors *file);
/* A metadata value, or NULL. */
const char *blip_safetensors_get_metadata (BlipSafetensors *file, const char *key);
gboolean blip_safetensors_has            (BlipSafetensors *file, const char *name);
/* Copies a tensor into dest after checking its dtype and shape (ndim entries;
 * a shape entry of -1 accepts any size, reported in *out_elements). With
 * require_finite, float tensors holding NaN or infinity are refused. */
gboolean blip_safetensors_read           (BlipSafetensors *file, const char *name, BlipDtype dtype,
                                          const gint64 *shape, int ndim, gpointer dest,
                                          gboolean require_finite, GError **error);
/* Number of elements of a tensor, or -1 if absent. */
gint64   blip_safetensors_n_elements     (BlipSafetensors *file, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipSafetensors, blip_safetensors_free)

G_END_DECLS
