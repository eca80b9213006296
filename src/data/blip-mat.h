/* blip-mat.h — a small, strict reader for the numeric arrays of MATLAB
 * MAT-files of level 5, the format MATLAB writes with `save -v6` or `-v7`
 * (SVHN's train_32x32.mat and test_32x32.mat are such files).
 *
 * The file is a 128-byte header (descriptive text, version 0x0100, and the
 * byte order as "IM" or "MI") followed by one data element per variable,
 * either an miMATRIX or an miCOMPRESSED element that holds one miMATRIX
 * deflated with zlib. Both byte orders and both element kinds are read.
 * Arrays of the numeric classes (double, single, int8 … uint32, and
 * logical) are decoded into the class's C type; variables of other classes
 * (cell, struct, char, sparse, objects, 64-bit integers, complex numbers)
 * are listed by name and class but not decoded. MAT-files of version 7.3 are
 * HDF5 files underneath and are refused with a message that says so, as are
 * level-4 files.
 *
 * Nothing read from the file is trusted with memory: every length is checked
 * against what remains of the file (or of the element that contains it)
 * before it is used, a numeric array's data must have exactly the size its
 * dimensions imply, and a compressed element's output buffer grows only as
 * fast as inflated bytes actually arrive. Every problem becomes a GError that
 * names the file, what was expected and where (the byte offset of the element).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLIP_MAT_ERROR (blip_mat_error_quark ())
GQuark blip_mat_error_quark (void);

typedef enum {
  BLIP_MAT_ERROR_IO,          /* cannot open or read the file */
  BLIP_MAT_ERROR_FORMAT,      /* not a level-5 MAT-file: another file, a level-4 file, or v7.3 (HDF5) */
  BLIP_MAT_ERROR_TRUNCATED,   /* an element runs past the end of the file or of its container */
  BLIP_MAT_ERROR_CORRUPT,     /* a damaged compressed element, or fields that contradict each other */
} BlipMatError;

/* The array classes of the format (mxCLASS_ID). */
typedef enum {
  BLIP_MAT_CLASS_CELL = 1,
  BLIP_MAT_CLASS_STRUCT = 2,
  BLIP_MAT_CLASS_OBJECT = 3,
  BLIP_MAT_CLASS_CHAR = 4,
  BLIP_MAT_CLASS_SPARSE = 5,
  BLIP_MAT_CLASS_DOUBLE = 6,
  BLIP_MAT_CLASS_SINGLE = 7,
  BLIP_MAT_CLASS_INT8 = 8,
  BLIP_MAT_CLASS_UINT8 = 9,
  BLIP_MAT_CLASS_INT16 = 10,
  BLIP_MAT_CLASS_UINT16 = 11,
  BLIP_MAT_CLASS_INT32 = 12,
  BLIP_MAT_CLASS_UINT32 = 13,
  BLIP_MAT_CLASS_INT64 = 14,
  BLIP_MAT_CLASS_UINT64 = 15,
} BlipMatClass;

/* One variable. */
typedef struct {
  char     *name;
  int       klass;       /* a BlipMatClass, or another number the format may hold */
  gboolean  is_complex;
  gboolean  is_logical;  /* a logical array: class uint8, values 0 and 1 */
  int       n_dims;      /* at least 2 */
  gsize    *dims;        /* n_dims sizes, in MATLAB's order (rows first) */
  gsize     count;       /* the product of dims */
  gsize     elem_size;   /* bytes per element of data; 0 when data is NULL */
  /* count elements of the class's C type (double, float, gint8 … guint32),
   * in host byte order and MATLAB's column-major order: the first index
   * varies fastest. NULL for arrays this reader does not decode. */
  gpointer  data;
} BlipMatArray;

typedef struct _BlipMat BlipMat;

/* Reads and decodes the whole file. */
BlipMat            *blip_mat_load        (const char    *path,
                                          GError       **error);
/* The same from bytes in memory; name is used in messages. */
BlipMat            *blip_mat_parse       (const guint8  *data,
                                          gsize          size,
                                          const char    *name,
                                          GError       **error);
void                blip_mat_free        (BlipMat       *mat);

/* The variables in file order. */
int                 blip_mat_get_n_arrays (const BlipMat *mat);
const BlipMatArray *blip_mat_get_array   (const BlipMat *mat, int i);
/* The variable of that name, or NULL. */
const BlipMatArray *blip_mat_lookup      (const BlipMat *mat, const char *name);

/* "uint8", "double", "cell", … ("an unknown class" for a number the format does not name). */
const char         *blip_mat_class_name  (int klass);
/* A variable's class and size for messages, e.g. "uint8 32×32×3×73257",
 * "complex double 2×2". Free with g_free. */
char               *blip_mat_describe    (const BlipMatArray *array);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipMat, blip_mat_free)

G_END_DECLS
