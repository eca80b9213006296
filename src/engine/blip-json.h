/* blip-json.h — a small, strict JSON reader for the engine's own files
 * (safetensors headers, checkpoint metadata, configurations). libblip depends
 * on GLib only, so it carries this instead of a JSON library. Input is
 * untrusted: depth, length and number formats are checked, and every error
 * names the offset where reading stopped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_JSON_ERROR (blip_json_error_quark ())
GQuark blip_json_error_quark (void);

typedef enum {
  BLIP_JSON_ERROR_SYNTAX,
} BlipJsonError;

typedef enum {
  BLIP_JSON_NULL,
  BLIP_JSON_BOOL,
  BLIP_JSON_NUMBER,
  BLIP_JSON_STRING,
  BLIP_JSON_ARRAY,
  BLIP_JSON_OBJECT,
} BlipJsonType;

typedef struct _BlipJson BlipJson;

struct _BlipJson {
  BlipJsonType type;
  gboolean     boolean;
  double       number;
  char        *string;     /* STRING; also the number's text, for exact integers */
  GPtrArray   *items;      /* ARRAY: BlipJson*; OBJECT: values, in order */
  GPtrArray   *keys;       /* OBJECT: char*, parallel to items */
};

BlipJson   *blip_json_parse  (const char *text, gsize length, GError **error);
void        blip_json_free   (BlipJson *json);

/* Member of an object, or NULL. */
BlipJson   *blip_json_get    (const BlipJson *object, const char *key);
/* Typed member accessors: FALSE if absent or of another type. */
gboolean    blip_json_get_string (const BlipJson *object, const char *key, const char **out);
gboolean    blip_json_get_number (const BlipJson *object, const char *key, double *out);
/* An exact non-negative integer (no fraction, no exponent, ≤ 2^63−1). */
gboolean    blip_json_as_uint64  (const BlipJson *value, guint64 *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipJson, blip_json_free)

G_END_DECLS
