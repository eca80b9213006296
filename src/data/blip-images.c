/* blip-images.c — reads image data sets from folders and tar archives
 * (PNG through libpng, JPEG through libjpeg-turbo), turns them into CHW uint8
 * stores with labels from the class folders, and caches the result on disk.
 *
 * An archive is mapped into memory once: the same bytes are hashed for the
 * cache key and, on a cache miss, inflated with zlib and walked as tar. Going
 * through memory rather than gzread gives one code path for files and for the
 * fuzzer, which feeds archives as byte buffers.
 *
 * Nothing read from a file is trusted with memory: image sizes are checked
 * against limits before pixel buffers are allocated, a tar entry's data is
 * stored only as fast as it actually arrives, and a cache file is checked
 * field by field, for its exact size and for its CRC before it is used. */
#include "blip-images.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

G_DEFINE_QUARK (blip-images-error-quark, blip_images_error)

/* 16 Mpixels (4096×4096) per image: far above any benchmark's images, low
 * enough that a lying header cannot make us reserve gigabytes. */
#define MAX_IMAGE_PIXELS ((guint64) 1 << 24)
#define MAX_SIDE 65535
/* An image file larger than this is not an image we can use. */
#define MAX_FILE_BYTES ((guint64) 64 << 20)
/* Per split: 64 Mi images and 2 GiB of pixels (a GByteArray's length is 32 bits). */
#define MAX_IMAGES (1 << 26)
#define MAX_STORE_BYTES ((guint64) 2 << 30)
#define MAX_CLASSES 65536
#define MAX_CLASS_NAME 4096
/* A progressive JPEG may have any number of scans; a crafted one with
 * thousands of tiny scans decodes for minutes. Real encoders use about 10. */
#define JPEG_MAX_SCANS 256

enum { SPLIT_TRAIN, SPLIT_TEST, N_SPLITS };
static const char * const split_names[N_SPLITS] = { "train", "test" };

/* ---- image sets ------------------------------------------------------------ */

BlipImageSet *
blip_image_set_new (int count, int channels, int height, int width)
{
  g_return_val_if_fail (count >= 0 && channels > 0 && height > 0 && width > 0, NULL);
  BlipImageSet *set = g_new0 (BlipImageSet, 1);
  set->count = count;
  set->channels = channels;
  set->height = height;
  set->width = width;
  set->labels = g_new0 (gint32, MAX (count, 1));
  set->pixels = g_malloc ((gsize) MAX (count, 1) * channels * height * width);
  set->class_names = g_new0 (char *, 1);
  return set;
}

void
blip_image_set_free (BlipImageSet *set)
{
  if (set == NULL)
    return;
  g_strfreev (set->class_names);
  g_free (set->labels);
  g_free (set->pixels);
  g_free (set);
}

/* ---- decoding --------------------------------------------------------------- */

/* A decoded image as stored: c = 1 (grey) or 3 (RGB), interleaved rows. */
typedef struct {
  int     w, h, c;
  guint8 *px;
} Raw;

static gboolean
check_dimensions (const char *name, guint64 w, guint64 h, GError **error)
{
  if (w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_IMAGE_PIXELS)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "%s: the image is %" G_GUINT64_FORMAT "×%" G_GUINT64_FORMAT " pixels; "
                   "at most %" G_GUINT64_FORMAT " pixels are supported",
                   name, w, h, MAX_IMAGE_PIXELS);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

static void
jpeg_fail (j_common_ptr cinfo)
{
  JpegError *e = (JpegError *) cinfo->err;
  cinfo->err->format_message (cinfo, e->message);
  longjmp (e->jump, 1);
}

static void
jpeg_message (j_common_ptr cinfo, int level)
{
  /* A warning means damaged data that libjpeg would paper over (a truncated
   * file comes out padded with grey): for a data set that is an error.
   * Trace messages (level > 0) are dropped. */
  if (level < 0)
    jpeg_fail (cinfo);
}

static void
jpeg_quiet (j_common_ptr cinfo)
{
}

static void
jpeg_progress (j_common_ptr cinfo)
{
  j_decompress_ptr d = (j_decompress_ptr) cinfo;
  if (d->input_scan_number > JPEG_MAX_SCANS)
    {
      JpegError *e = (JpegError *) cinfo->err;
      g_snprintf (e->message, sizeof e->message, "more than %d progressive scans", JPEG_MAX_SCANS);
      longjmp (e->jump, 1);
    }
}

static gboolean
decode_jpeg (const guint8 *data, gsize size, const char *name, Raw *raw, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_progress_mgr progress = { .progress_monitor = jpeg_progress };
  JpegError jerr;
  /* Written after setjmp and read after longjmp, hence volatile. */
  guint8 *volatile px = NULL;
  volatile int stage = 0;   /* 1: too large, 2: unsupported colour space */

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = jpeg_fail;
  jerr.pub.emit_message = jpeg_message;
  jerr.pub.output_message = jpeg_quiet;
  jerr.message[0] = '\0';
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_decompress (&cinfo);
      g_free (px);
      if (stage == 0)
        g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE,
                     "%s: not a valid JPEG image: %s", name, jerr.message);
      return FALSE;
    }
  jpeg_create_decompress (&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src (&cinfo, data, (unsigned long) size);
  jpeg_read_header (&cinfo, TRUE);
  if (!check_dimensions (name, cinfo.image_width, cinfo.image_height, error))
    {
      stage = 1;
      longjmp (jerr.jump, 1);
    }
  int c;
  if (cinfo.jpeg_color_space == JCS_GRAYSCALE && cinfo.num_components == 1)
    {
      cinfo.out_color_space = JCS_GRAYSCALE;
      c = 1;
    }
  else if (cinfo.num_components == 3)
    {
      cinfo.out_color_space = JCS_RGB;
      c = 3;
    }
  else
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE,
                   "%s: JPEG images with %d colour components (CMYK) are not supported; "
                   "convert it to RGB or greyscale", name, cinfo.num_components);
      stage = 2;
      longjmp (jerr.jump, 1);
    }
  jpeg_start_decompress (&cinfo);
  gsize stride = (gsize) cinfo.output_width * c;
  px = g_malloc (stride * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = px + stride * cinfo.output_scanline;
      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_decompress (&cinfo);
  raw->w = (int) cinfo.output_width;
  raw->h = (int) cinfo.output_height;
  raw->c = c;
  raw->px = px;
  jpeg_destroy_decompress (&cinfo);
  return TRUE;
}

static gboolean
decode_png (const guint8 *data, gsize size, const char *name, Raw *raw, GError **error)
{
  png_image img;
  memset (&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory (&img, data, size))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE,
                   "%s: not a valid PNG image: %s", name, img.message);
      png_image_free (&img);
      return FALSE;
    }
  if (!check_dimensions (name, img.width, img.height, error))
    {
      png_image_free (&img);
      return FALSE;
    }
  int c = (img.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  img.format = c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  guint8 *px = g_malloc (PNG_IMAGE_SIZE (img));
  /* Alpha is removed by compositing onto this colour (green for grey output). */
  png_color black = { 0, 0, 0 };
  if (!png_image_finish_read (&img, &black, px, 0, NULL))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE,
                   "%s: not a valid PNG image: %s", name, img.message);
      png_image_free (&img);
      g_free (px);
      return FALSE;
    }
  raw->w = (int) img.width;
  raw->h = (int) img.height;
  raw->c = c;
  raw->px = px;
  png_image_free (&img);
  return TRUE;
}

static gboolean
decode_raw (const guint8 *data, gsize size, const char *name, Raw *raw, GError **error)
{
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  /* By content, not by extension: a JPEG named .png still decodes. */
  if (size >= 8 && memcmp (data, png_sig, 8) == 0)
    return decode_png (data, size, name, raw, error);
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return decode_jpeg (data, size, name, raw, error);
  g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE,
               "%s: not a PNG or JPEG image (%" G_GSIZE_FORMAT " bytes, unknown signature)",
               name, size);
  return FALSE;
}

/* Interleaved c-channel pixels to C planes, converting grey ↔ RGB. */
static void
to_planar (const Raw *raw, int C, guint8 *out)
{
  gsize n = (gsize) raw->w * raw->h;
  const guint8 *p = raw->px;
  if (raw->c == 1 && C == 1)
    memcpy (out, p, n);
  else if (raw->c == 1)
    for (int k = 0; k < 3; k++)
      memcpy (out + k * n, p, n);
  else if (C == 3)
    for (gsize i = 0; i < n; i++)
      {
        out[i] = p[3 * i];
        out[n + i] = p[3 * i + 1];
        out[2 * n + i] = p[3 * i + 2];
      }
  else
    /* ITU-R BT.601 luma in integers, rounded to nearest. */
    for (gsize i = 0; i < n; i++)
      out[i] = (guint8) ((299u * p[3 * i] + 587u * p[3 * i + 1] + 114u * p[3 * i + 2] + 500u) / 1000u);
}

typedef struct {
  int    max_taps;
  int   *start;    /* out_n first input samples */
  int   *count;    /* out_n tap counts */
  float *w;        /* out_n × max_taps weights, each row summing to 1 */
} Taps;

/* Resampling weights for one axis. Shrinking averages the input over each
 * output sample's footprint, weighting partly covered samples by the part
 * covered (area averaging: no aliasing, exact for integer factors). Enlarging
 * (or keeping the size) interpolates linearly between the two nearest input
 * samples, with pixel centres at half-integers and edges clamped. */
static void
taps_init (Taps *t, int in_n, int out_n)
{
  double scale = (double) in_n / out_n;
  t->max_taps = in_n > out_n ? (int) scale + 2 : 2;
  t->start = g_new (int, out_n);
  t->count = g_new (int, out_n);
  t->w = g_new0 (float, (gsize) out_n * t->max_taps);
  for (int o = 0; o < out_n; o++)
    {
      float *w = t->w + (gsize) o * t->max_taps;
      if (in_n > out_n)
        {
          double lo = o * scale, hi = (o + 1) * scale;
          int first = (int) lo, k = 0;
          for (int i = first; i < in_n && i < hi && k < t->max_taps; i++)
            w[k++] = (float) ((MIN (hi, i + 1.0) - MAX (lo, (double) i)) / scale);
          t->start[o] = first;
          t->count[o] = k;
        }
      else
        {
          double x = (o + 0.5) * scale - 0.5;
          x = CLAMP (x, 0.0, in_n - 1.0);
          int i0 = (int) x;
          double f = x - i0;
          t->start[o] = i0;
          if (i0 + 1 < in_n && f > 0)
            {
              w[0] = (float) (1.0 - f);
              w[1] = (float) f;
              t->count[o] = 2;
            }
          else
            {
              w[0] = 1.0f;
              t->count[o] = 1;
            }
        }
    }
}

static void
taps_clear (Taps *t)
{
  g_free (t->start);
  g_free (t->count);
  g_free (t->w);
}

/* Resizes C planes of in_w×in_h into out_w×out_h, separably: rows first into
 * floats, then columns, rounded to nearest. */
static void
resize_planes (const guint8 *in, int C, int in_w, int in_h, guint8 *out, int out_w, int out_h)
{
  Taps tx, ty;
  taps_init (&tx, in_w, out_w);
  taps_init (&ty, in_h, out_h);
  float *tmp = g_new (float, (gsize) in_h * out_w);
  for (int c = 0; c < C; c++)
    {
      const guint8 *src = in + (gsize) c * in_w * in_h;
      guint8 *dst = out + (gsize) c * out_w * out_h;
      for (int y = 0; y < in_h; y++)
        for (int x = 0; x < out_w; x++)
          {
            const float *w = tx.w + (gsize) x * tx.max_taps;
            const guint8 *s = src + (gsize) y * in_w + tx.start[x];
            float v = 0;
            for (int k = 0; k < tx.count[x]; k++)
              v += w[k] * s[k];
            tmp[(gsize) y * out_w + x] = v;
          }
      for (int y = 0; y < out_h; y++)
        {
          const float *w = ty.w + (gsize) y * ty.max_taps;
          for (int x = 0; x < out_w; x++)
            {
              float v = 0;
              for (int k = 0; k < ty.count[y]; k++)
                v += w[k] * tmp[(gsize) (ty.start[y] + k) * out_w + x];
              int r = (int) (v + 0.5f);
              dst[(gsize) y * out_w + x] = (guint8) CLAMP (r, 0, 255);
            }
        }
    }
  g_free (tmp);
  taps_clear (&tx);
  taps_clear (&ty);
}

/* Decodes into `out` (channels×height×width, all already fixed). */
static gboolean
decode_into (const guint8 *data, gsize size, const char *name, int channels, int height, int width,
             gboolean allow_resize, guint8 *out, GError **error)
{
  Raw raw = { 0 };
  if (!decode_raw (data, size, name, &raw, error))
    return FALSE;
  gboolean ok = TRUE;
  if (raw.w == width && raw.h == height)
    to_planar (&raw, channels, out);
  else if (allow_resize)
    {
      guint8 *planes = g_malloc ((gsize) channels * raw.w * raw.h);
      to_planar (&raw, channels, planes);
      resize_planes (planes, channels, raw.w, raw.h, out, width, height);
      g_free (planes);
    }
  else
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "%s: the image is %d×%d pixels (width×height) but the data set's images are %d×%d, "
                   "and resizing is not allowed", name, raw.w, raw.h, width, height);
      ok = FALSE;
    }
  g_free (raw.px);
  return ok;
}

guint8 *
blip_image_decode (const guint8 *data, gsize size, const char *name, int *channels, int *height,
                   int *width, gboolean allow_resize, GError **error)
{
  g_return_val_if_fail (channels && height && width, NULL);
  g_return_val_if_fail (*channels == 0 || *channels == 1 || *channels == 3, NULL);
  if (name == NULL)
    name = "(image)";
  Raw raw = { 0 };
  if (!decode_raw (data, size, name, &raw, error))
    return NULL;
  int C = *channels ? *channels : raw.c;
  int H = *height ? *height : raw.h;
  int W = *width ? *width : raw.w;
  g_free (raw.px);
  if (!check_dimensions (name, W, H, error))
    return NULL;
  guint8 *out = g_malloc ((gsize) C * H * W);
  if (!decode_into (data, size, name, C, H, W, allow_resize, out, error))
    {
      g_free (out);
      return NULL;
    }
  *channels = C;
  *height = H;
  *width = W;
  return out;
}

/* ---- collecting a data set -------------------------------------------------- */

typedef struct {
  char *file;       /* file name inside its class folder */
  int   class_id;
  int   arrival;
  int   label;      /* set when the load finishes */
} Item;

typedef struct {
  GArray     *items;    /* Item, in arrival order */
  GByteArray *pixels;   /* decoded images, in arrival order */
  GHashTable *seen;     /* class ids with a folder or a file in this split */
  gboolean    present;
  int         skipped;  /* images left out as undecodable */
} SplitAcc;

typedef struct {
  const char       *source;      /* the archive or folder, for messages */
  gboolean          is_archive;
  BlipImageOptions  opt;
  int               C, H, W;     /* 0 until fixed by the options or the first image */
  GPtrArray        *class_names; /* class id → name */
  GHashTable       *class_ids;   /* name → id + 1 */
  SplitAcc          split[N_SPLITS];
  char             *top;         /* the folder holding train/ and test/ ("" for none), once known */
  GTree            *others;      /* class folders skipped as not listed, for messages */
  int               skipped;     /* images left out as undecodable, in all splits */
} Loader;

typedef struct {
  int   split;
  int   class_id;
  char *file;
} Want;

static int
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

static void
loader_init (Loader *l, const char *source, gboolean is_archive, const BlipImageOptions *opt)
{
  memset (l, 0, sizeof *l);
  l->source = source;
  l->is_archive = is_archive;
  if (opt)
    l->opt = *opt;
  l->C = l->opt.channels;
  l->H = l->opt.height;
  l->W = l->opt.width;
  l->class_names = g_ptr_array_new_with_free_func (g_free);
  l->others = g_tree_new_full (compare_strings, NULL, g_free, NULL);
  l->class_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (int s = 0; s < N_SPLITS; s++)
    {
      l->split[s].items = g_array_new (FALSE, FALSE, sizeof (Item));
      l->split[s].pixels = g_byte_array_new ();
      l->split[s].seen = g_hash_table_new (NULL, NULL);
    }
  if (l->opt.classes)
    for (const char * const *c = l->opt.classes; *c; c++)
      if (!g_hash_table_contains (l->class_ids, *c))
        {
          g_ptr_array_add (l->class_names, g_strdup (*c));
          g_hash_table_insert (l->class_ids, g_ptr_array_index (l->class_names, l->class_names->len - 1),
                               GINT_TO_POINTER (l->class_names->len));
        }
}

static void
loader_clear (Loader *l)
{
  for (int s = 0; s < N_SPLITS; s++)
    {
      SplitAcc *a = &l->split[s];
      for (guint i = 0; a->items && i < a->items->len; i++)
        g_free (g_array_index (a->items, Item, i).file);
      g_clear_pointer (&a->items, g_array_unref);
      if (a->pixels)
        g_byte_array_unref (a->pixels);
      a->pixels = NULL;
      g_clear_pointer (&a->seen, g_hash_table_unref);
    }
  g_clear_pointer (&l->class_ids, g_hash_table_unref);
  g_clear_pointer (&l->class_names, g_ptr_array_unref);
  g_clear_pointer (&l->top, g_free);
  g_clear_pointer (&l->others, g_tree_unref);
}

/* How an entry is named in messages: the full path for a folder, the
 * archive and the path inside it for an archive. */
static char *
loader_name (const Loader *l, const char *path)
{
  if (l->is_archive)
    return g_strdup_printf ("%s: %s", l->source, path);
  return g_build_filename (l->source, path, NULL);
}

static gboolean
is_split_name (const char *s)
{
  return strcmp (s, "train") == 0 || strcmp (s, "test") == 0;
}

static gboolean
has_image_extension (const char *file)
{
  const char *dot = strrchr (file, '.');
  return dot != NULL && (g_ascii_strcasecmp (dot, ".png") == 0 || g_ascii_strcasecmp (dot, ".jpg") == 0
                         || g_ascii_strcasecmp (dot, ".jpeg") == 0);
}

static char *
expected_classes (const Loader *l)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < l->class_names->len && i < 12; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *) g_ptr_array_index (l->class_names, i));
  if (l->class_names->len > 12)
    g_string_append_printf (s, ", … (%u in all)", l->class_names->len);
  return g_string_free (s, FALSE);
}

static char *class_folder (const Loader *l, int split, const char *cls);

/* Decides what an entry is. Returns 1 for an image to read (*want filled),
 * 0 for an entry to pass over, -1 on error. */
static int
loader_classify (Loader *l, const char *path, gboolean is_dir, Want *want, GError **error)
{
  g_auto(GStrv) raw = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  for (char **p = raw; *p; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        return 0;
      g_ptr_array_add (parts, *p);
    }
  const char **comp = (const char **) parts->pdata;
  int n = (int) parts->len;
  int d;   /* index of the split folder: the class is comp[d + 1] */
  const char *top;
  int split;
  if (l->opt.no_splits)
    {
      /* A folder says nothing yet ("x/" may be the top folder or a class),
       * and only images are data: a README or a licence may sit at the top,
       * in the top folder or beside the images. */
      if (is_dir || n < 2 || !has_image_extension (comp[n - 1]))
        return 0;
      if (n > 3)
        {
          g_autofree char *name = loader_name (l, path);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: nested folder; expected <class>/<image>, at the top or under one folder", name);
          return -1;
        }
      d = n - 3;
      top = n == 3 ? comp[0] : "";
      split = SPLIT_TRAIN;
    }
  else
    {
      if (n >= 1 && is_split_name (comp[0]))
        d = 0;
      else if (n >= 2 && is_split_name (comp[1]))
        d = 1;
      else
        return 0;    /* not part of the data set (a README, a licence) */
      top = d ? comp[0] : "";
      split = strcmp (comp[d], "train") == 0 ? SPLIT_TRAIN : SPLIT_TEST;
    }
  if (top[0] == '.')
    return 0;
  if (l->top == NULL)
    l->top = g_strdup (top);
  else if (strcmp (l->top, top) != 0)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: holds two data sets, in “%s%s” and in “%s%s”; expected %s at the top or "
                   "under one folder", l->source, l->top, *l->top ? "/" : "", top, *top ? "/" : "",
                   l->opt.no_splits ? "the class folders" : "train/ and test/");
      return -1;
    }
  SplitAcc *acc = &l->split[split];
  acc->present = TRUE;
  int rest = n - d - 1;
  if (rest == 0)
    return 0;
  /* Hidden files and folders (.DS_Store, .git) are not data. */
  for (int i = d + 1; i < n; i++)
    if (comp[i][0] == '.')
      return 0;
  if (rest == 1 && !is_dir)
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: a file directly in %s/; images must be in a class folder, "
                   "%s/<class>/<image>", name, split_names[split], split_names[split]);
      return -1;
    }
  if (rest > 2 || (rest == 2 && is_dir))
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: nested folder; expected %s/<class>/<image> with no folders inside a class",
                   name, split_names[split]);
      return -1;
    }
  const char *cls = comp[d + 1];
  gpointer id1 = g_hash_table_lookup (l->class_ids, cls);
  if (id1 == NULL)
    {
      if (l->opt.classes != NULL)
        {
          if (l->opt.skip_other_classes)
            {
              if (g_tree_nnodes (l->others) < 1000 && g_tree_lookup (l->others, cls) == NULL)
                g_tree_insert (l->others, g_strdup (cls), GINT_TO_POINTER (1));
              return 0;
            }
          g_autofree char *name = class_folder (l, split, cls);
          g_autofree char *list = expected_classes (l);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: unknown class folder “%s” (expected one of: %s)", name, cls, list);
          return -1;
        }
      if (l->class_names->len >= MAX_CLASSES || strlen (cls) > MAX_CLASS_NAME)
        {
          g_autofree char *name = loader_name (l, path);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: too many classes or too long a class name (at most %d classes of "
                       "%d bytes)", name, MAX_CLASSES, MAX_CLASS_NAME);
          return -1;
        }
      g_ptr_array_add (l->class_names, g_strdup (cls));
      id1 = GINT_TO_POINTER (l->class_names->len);
      g_hash_table_insert (l->class_ids, g_ptr_array_index (l->class_names, l->class_names->len - 1), id1);
    }
  int class_id = GPOINTER_TO_INT (id1) - 1;
  g_hash_table_add (acc->seen, GINT_TO_POINTER (class_id));
  if (is_dir)
    return 0;
  const char *file = comp[d + 2];
  if (!has_image_extension (file))
    {
      g_autofree char *name = loader_name (l, path);
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: unsupported file type (expected .png, .jpg or .jpeg images)", name);
      return -1;
    }
  want->split = split;
  want->class_id = class_id;
  want->file = g_strdup (file);
  return 1;
}

/* After an image failed: leaves it out (TRUE) when it does not decode and
 * the options allow another such image, else passes the error on. */
static gboolean
loader_skip (Loader *l, SplitAcc *acc, GError *local, GError **error)
{
  if (g_error_matches (local, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE)
      && l->skipped < l->opt.max_undecodable)
    {
      g_debug ("left out: %s", local->message);
      l->skipped++;
      acc->skipped++;
      g_error_free (local);
      return TRUE;
    }
  if (l->skipped > 0 && g_error_matches (local, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_DECODE))
    g_prefix_error (&local, "more than %d images do not decode; ", l->opt.max_undecodable);
  g_propagate_error (error, local);
  return FALSE;
}

/* Decodes one image of the set; takes want->file. */
static gboolean
loader_add (Loader *l, const char *path, Want *want, const guint8 *data, gsize size, GError **error)
{
  SplitAcc *acc = &l->split[want->split];
  g_autofree char *name = loader_name (l, path);
  g_autofree char *file = g_steal_pointer (&want->file);
  GError *local = NULL;
  if (l->C == 0 || l->H == 0 || l->W == 0)
    {
      Raw raw = { 0 };
      if (!decode_raw (data, size, name, &raw, &local))
        return loader_skip (l, acc, local, error);
      l->C = l->C ? l->C : raw.c;
      l->H = l->H ? l->H : raw.h;
      l->W = l->W ? l->W : raw.w;
      g_free (raw.px);
    }
  gsize dim = (gsize) l->C * l->H * l->W;
  if (acc->items->len >= MAX_IMAGES || (guint64) (acc->items->len + 1) * dim > MAX_STORE_BYTES)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "%s: too many images in %s/ (at most %d, or %" G_GUINT64_FORMAT " bytes of pixels)",
                   name, split_names[want->split], MAX_IMAGES, MAX_STORE_BYTES);
      return FALSE;
    }
  guint old = acc->pixels->len;
  g_byte_array_set_size (acc->pixels, old + dim);
  if (!decode_into (data, size, name, l->C, l->H, l->W, l->opt.allow_resize, acc->pixels->data + old, &local))
    {
      g_byte_array_set_size (acc->pixels, old);
      return loader_skip (l, acc, local, error);
    }
  Item item = { .file = g_steal_pointer (&file), .class_id = want->class_id, .arrival = (int) acc->items->len };
  g_array_append_val (acc->items, item);
  return TRUE;
}

static int
compare_items (gconstpointer a, gconstpointer b)
{
  const Item *x = a, *y = b;
  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  int c = strcmp (x->file, y->file);
  if (c != 0)
    return c;
  return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Where a class folder is, for messages. */
static char *
class_folder (const Loader *l, int split, const char *cls)
{
  g_autofree char *rel = g_strdup_printf ("%s%s%s%s%s/", l->top ? l->top : "", l->top && *l->top ? "/" : "",
                                          l->opt.no_splits ? "" : split_names[split],
                                          l->opt.no_splits ? "" : "/", cls);
  return loader_name (l, rel);
}

static gboolean
append_name (gpointer key, gpointer value, gpointer data)
{
  GString *s = data;
  g_string_append_printf (s, "%s%s", s->len ? ", " : "", (const char *) key);
  return s->len > 2000;
}

/* "; other class folders: …" when folders were skipped, else "". */
static char *
other_classes (const Loader *l)
{
  if (g_tree_nnodes (l->others) == 0)
    return g_strdup ("");
  GString *s = g_string_new (NULL);
  g_tree_foreach (l->others, append_name, s);
  g_autofree char *list = g_string_free (s, FALSE);
  return g_strdup_printf ("; the class folders not asked for are: %s", list);
}

static gboolean
loader_finish (Loader *l, BlipImageSet **out_train, BlipImageSet **out_test, GError **error)
{
  if (l->opt.no_splits && !l->split[SPLIT_TRAIN].present)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: no images in class folders (expected <class>/<image> folders of .png, .jpg or "
                   ".jpeg images, at the top%s or under one folder)", l->source,
                   l->is_archive ? " of the archive" : "");
      return FALSE;
    }
  for (int s = 0; s < N_SPLITS && !l->opt.no_splits; s++)
    if (!l->split[s].present)
      {
        g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                     "%s: no %s/ folder%s (expected train/<class>/ and test/<class>/ folders of "
                     ".png, .jpg or .jpeg images%s)", l->source, split_names[s],
                     l->is_archive ? " in the archive" : "",
                     l->is_archive ? ", at the top of the archive or under one folder" : "");
        return FALSE;
      }

  /* label of each class id, and the class names in label order */
  int n_ids = (int) l->class_names->len;
  g_autofree int *label = g_new (int, MAX (n_ids, 1));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  if (l->opt.classes != NULL)
    {
      for (int i = 0; i < n_ids; i++)
        {
          label[i] = i;
          g_ptr_array_add (names, g_ptr_array_index (l->class_names, i));
        }
    }
  else
    {
      for (int i = 0; i < n_ids; i++)
        {
          label[i] = -1;
          if (g_hash_table_contains (l->split[SPLIT_TRAIN].seen, GINT_TO_POINTER (i)))
            g_ptr_array_add (names, g_ptr_array_index (l->class_names, i));
          else
            {
              g_autofree char *folder = class_folder (l, SPLIT_TEST, g_ptr_array_index (l->class_names, i));
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                           "%s: a test class that train/ does not have", folder);
              return FALSE;
            }
        }
      g_ptr_array_sort (names, compare_names);
      for (guint k = 0; k < names->len; k++)
        label[GPOINTER_TO_INT (g_hash_table_lookup (l->class_ids, g_ptr_array_index (names, k))) - 1] = (int) k;
    }
  if (names->len == 0)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                   "%s: no class folders in train/ (expected train/<class>/<image>)", l->source);
      return FALSE;
    }
  int n_splits = l->opt.no_splits ? 1 : N_SPLITS;

  int n_classes = (int) names->len;
  for (int s = 0; s < n_splits; s++)
    {
      SplitAcc *acc = &l->split[s];
      g_autofree int *per_class = g_new0 (int, n_classes);
      for (guint i = 0; i < acc->items->len; i++)
        {
          Item *it = &g_array_index (acc->items, Item, i);
          it->label = label[it->class_id];
          per_class[it->label]++;
        }
      for (int c = 0; c < n_classes; c++)
        if (per_class[c] == 0)
          {
            const char *cls = g_ptr_array_index (names, c);
            int id = GPOINTER_TO_INT (g_hash_table_lookup (l->class_ids, cls)) - 1;
            g_autofree char *folder = class_folder (l, s, cls);
            g_autofree char *others = other_classes (l);
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                         "%s: %s (class “%s” needs at least one %s image)%s", folder,
                         g_hash_table_contains (acc->seen, GINT_TO_POINTER (id))
                           ? "empty class folder" : "missing class folder",
                         cls, split_names[s], others);
            return FALSE;
          }
    }

  BlipImageSet *sets[N_SPLITS];
  for (int s = 0; s < N_SPLITS; s++)
    {
      SplitAcc *acc = &l->split[s];
      int count = (int) acc->items->len;
      gsize dim = (gsize) l->C * l->H * l->W;
      g_array_sort (acc->items, compare_items);
      /* Reorder the decoded images in place: position p takes the image that
       * arrived as items[p].arrival, following each permutation cycle once. */
      guint8 *px = acc->pixels->data;
      g_autofree guint8 *tmp = g_malloc (dim);
      g_autofree guint8 *done = g_malloc0 (MAX (count, 1));
      for (int p = 0; p < count; p++)
        {
          if (done[p] || g_array_index (acc->items, Item, p).arrival == p)
            continue;
          memcpy (tmp, px + p * dim, dim);
          int q = p;
          for (;;)
            {
              int src = g_array_index (acc->items, Item, q).arrival;
              done[q] = 1;
              if (src == p)
                {
                  memcpy (px + q * dim, tmp, dim);
                  break;
                }
              memcpy (px + q * dim, px + src * dim, dim);
              q = src;
            }
        }
      BlipImageSet *set = g_new0 (BlipImageSet, 1);
      set->count = count;
      set->channels = l->C;
      set->height = l->H;
      set->width = l->W;
      set->n_classes = n_classes;
      set->class_names = g_new0 (char *, n_classes + 1);
      for (int c = 0; c < n_classes; c++)
        set->class_names[c] = g_strdup (g_ptr_array_index (names, c));
      set->n_skipped = acc->skipped;
      set->labels = g_new (gint32, count);
      for (int i = 0; i < count; i++)
        set->labels[i] = g_array_index (acc->items, Item, i).label;
      set->pixels = g_byte_array_free (acc->pixels, FALSE);
      acc->pixels = NULL;
      sets[s] = set;
    }
  *out_train = sets[SPLIT_TRAIN];
  *out_test = sets[SPLIT_TEST];
  return TRUE;
}

/* ---- tar archives ------------------------------------------------------------ */

/* The archive's bytes as a stream: inflated when they are gzip, else as is. */
typedef struct {
  const guint8 *data;
  gsize         size;
  gsize         pos;       /* next input byte not yet handed to zlib (or read, for plain tar) */
  gboolean      gz;
  gboolean      end;       /* no more output */
  z_stream      zs;
  const char   *name;
} Stream;

static gboolean
stream_open (Stream *s, const guint8 *data, gsize size, const char *name, GError **error)
{
  memset (s, 0, sizeof *s);
  s->data = data;
  s->size = size;
  s->name = name;
  s->gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (s->gz && inflateInit2 (&s->zs, 15 + 16) != Z_OK)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE, "%s: cannot start zlib", name);
      s->gz = FALSE;
      return FALSE;
    }
  return TRUE;
}

static void
stream_close (Stream *s)
{
  if (s->gz)
    inflateEnd (&s->zs);
  s->gz = FALSE;
}

/* Reads up to n bytes; fewer only at the end of the data. -1 on error. */
static gssize
stream_read (Stream *s, guint8 *dst, gsize n, GError **error)
{
  if (!s->gz)
    {
      gsize k = MIN (n, s->size - s->pos);
      memcpy (dst, s->data + s->pos, k);
      s->pos += k;
      return (gssize) k;
    }
  gsize got = 0;
  while (got < n && !s->end)
    {
      if (s->zs.avail_in == 0 && s->pos < s->size)
        {
          gsize chunk = MIN (s->size - s->pos, (gsize) 1 << 30);
          s->zs.next_in = (Bytef *) s->data + s->pos;
          s->zs.avail_in = (uInt) chunk;
          s->pos += chunk;
        }
      gsize want = MIN (n - got, (gsize) 1 << 30);
      s->zs.next_out = dst + got;
      s->zs.avail_out = (uInt) want;
      int rc = inflate (&s->zs, Z_NO_FLUSH);
      got += want - s->zs.avail_out;
      if (rc == Z_STREAM_END)
        {
          /* gzip allows several members back to back; anything else after
           * the end is ignored, as gzip itself does. */
          gsize left = s->zs.avail_in + (s->size - s->pos);
          const guint8 *next = s->zs.avail_in ? s->zs.next_in : s->data + s->pos;
          if (left >= 2 && next[0] == 0x1f && next[1] == 0x8b)
            inflateReset (&s->zs);
          else
            s->end = TRUE;
        }
      else if (rc == Z_BUF_ERROR || (rc == Z_OK && s->zs.avail_in == 0 && s->pos == s->size
                                     && s->zs.avail_out > 0))
        {
          if (s->zs.avail_in == 0 && s->pos == s->size)
            {
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                           "%s: the archive is truncated (the gzip stream ends early)", s->name);
              return -1;
            }
        }
      else if (rc != Z_OK)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: the gzip data is damaged (%s)", s->name, s->zs.msg ? s->zs.msg : "zlib error");
          return -1;
        }
    }
  return (gssize) got;
}

static gboolean
stream_skip (Stream *s, guint64 n, const char *what, GError **error)
{
  guint8 buf[16384];
  while (n > 0)
    {
      gsize k = (gsize) MIN (n, sizeof buf);
      gssize got = stream_read (s, buf, k, error);
      if (got < 0)
        return FALSE;
      if ((gsize) got < k)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: the archive is truncated inside %s", s->name, what);
          return FALSE;
        }
      n -= k;
    }
  return TRUE;
}

/* Reads n bytes into a buffer that grows only as data arrives. */
static guint8 *
stream_read_entry (Stream *s, guint64 n, const char *what, GError **error)
{
  GByteArray *buf = g_byte_array_new ();
  guint64 done = 0;
  while (done < n)
    {
      gsize k = (gsize) MIN (n - done, (guint64) 1 << 20);
      g_byte_array_set_size (buf, (guint) (done + k));
      gssize got = stream_read (s, buf->data + done, k, error);
      if (got < 0 || (gsize) got < k)
        {
          if (got >= 0)
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: the archive is truncated inside %s", s->name, what);
          g_byte_array_unref (buf);
          return NULL;
        }
      done += k;
    }
  g_byte_array_append (buf, (const guint8 *) "", 1);   /* a terminator for names */
  return g_byte_array_free (buf, FALSE);
}

/* A numeric header field: octal digits (spaces or NULs around them), or
 * GNU's base-256 for large values. */
static gboolean
tar_number (const guint8 *f, int len, guint64 *out)
{
  guint64 v = 0;
  if (f[0] & 0x80)
    {
      if (f[0] != 0x80)
        return FALSE;    /* negative, or more than 64 bits */
      for (int i = 1; i < len; i++)
        {
          if (v >> 56)
            return FALSE;
          v = (v << 8) | f[i];
        }
      *out = v;
      return TRUE;
    }
  int i = 0;
  while (i < len && (f[i] == ' ' || f[i] == '\0'))
    i++;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; i++)
    {
      if (v >> 60)
        return FALSE;
      v = v * 8 + (guint64) (f[i] - '0');
    }
  for (; i < len; i++)
    if (f[i] != ' ' && f[i] != '\0')
      return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
tar_checksum_ok (const guint8 *h)
{
  guint64 stored;
  if (!tar_number (h + 148, 8, &stored))
    return FALSE;
  guint64 usum = 0;
  gint64 ssum = 0;
  for (int i = 0; i < 512; i++)
    {
      guint8 b = (i >= 148 && i < 156) ? ' ' : h[i];
      usum += b;
      ssum += (gint8) b;   /* some old tars summed signed chars */
    }
  return stored == usum || (gint64) stored == ssum;
}

/* The "path" record of a pax extended header, if any. */
static char *
pax_path (const char *data, gsize n)
{
  gsize i = 0;
  while (i < n)
    {
      gsize len = 0, j = i;
      while (j < n && g_ascii_isdigit (data[j]) && len < n)
        len = len * 10 + (gsize) (data[j++] - '0');
      if (j >= n || data[j] != ' ' || len == 0 || len > n - i)
        return NULL;
      const char *rec = data + j + 1, *end = data + i + len;   /* end is the '\n' */
      if (end - rec > 5 && strncmp (rec, "path=", 5) == 0 && end[-1] == '\n')
        return g_strndup (rec + 5, end - 1 - (rec + 5));
      i += len;
    }
  return NULL;
}

static gboolean
read_tar (Stream *s, Loader *l, GError **error)
{
  guint8 h[512];
  g_autofree char *long_name = NULL, *pax_name = NULL, *last = NULL;
  for (;;)
    {
      gssize got = stream_read (s, h, 512, error);
      if (got < 0)
        return FALSE;
      if (got == 0)
        return TRUE;    /* no end-of-archive blocks: accepted, as GNU tar does */
      if (got < 512)
        {
          if (last == NULL)
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: not a tar or tar.gz archive (%" G_GSSIZE_FORMAT " bytes)", s->name, got);
          else
            g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                         "%s: the archive is truncated (a partial header after %s)", s->name, last);
          return FALSE;
        }
      gboolean zero = TRUE;
      for (int i = 0; i < 512 && zero; i++)
        zero = h[i] == 0;
      if (zero)
        return TRUE;
      guint64 size;
      if (!tar_checksum_ok (h) || !tar_number (h + 124, 12, &size))
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                       "%s: not a tar archive, or a damaged tar header after %s", s->name,
                       last ? last : "the start");
          return FALSE;
        }
      guint64 padded = size + (512 - size % 512) % 512;
      char type = (char) h[156];

      if (type == 'K' || type == 'g')
        {
          /* a long link target, pax global settings: nothing we use */
          if (!stream_skip (s, padded, "an extended header", error))
            return FALSE;
          continue;
        }
      if (type == 'L' || type == 'x')
        {
          /* GNU long name, or pax extended header: the next entry's name. */
          if (size > (1 << 20))
            {
              g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_ARCHIVE,
                           "%s: an extended header of %" G_GUINT64_FORMAT " bytes after %s", s->name,
                           size, last ? last : "the start");
              return FALSE;
            }
          g_autofree char *data = (char *) stream_read_entry (s, size, "an extended header", error);
          if (data == NULL || !stream_skip (s, padded - size, "an extended header", error))
            return FALSE;
          if (type == 'L')
            {
              g_free (long_name);
              long_name = g_strdup (data);    /* up to the first NUL */
            }
          else
            {
              char *p = pax_path (data, (gsize) size);
              if (p)
                {
                  g_free (pax_name);
                  pax_name = p;
                }
            }
          continue;
        }

      char *name;
      if (pax_name)
        name = g_steal_pointer (&pax_name);
      else if (long_name)
        name = g_steal_pointer (&long_name);
      else
        {
          char base[101], prefix[156];
          memcpy (base, h, 100);
          base[100] = '\0';
          prefix[0] = '\0';
          /* POSIX ustar splits long names into prefix/name; the GNU format
           * ("ustar  ") keeps other fields there. */
          if (memcmp (h + 257, "ustar\0", 6) == 0)
            {
              memcpy (prefix, h + 345, 155);
              prefix[155] = '\0';
            }
          name = *prefix ? g_strconcat (prefix, "/", base, NULL) : g_strdup (base);
        }
      g_free (last);
      last = name;
      if (!g_utf8_validate (name, -1, NULL))
        {
          /* Names are shown in messages and become class names. */
          g_autofree char *shown = g_utf8_make_valid (name, -1);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT,
                       "%s: %s: the name is not valid UTF-8", s->name, shown);
          return FALSE;
        }

      gboolean regular = type == '0' || type == '\0' || type == '7';
      gboolean is_dir = type == '5' || (regular && g_str_has_suffix (name, "/"));
      int kind = 0;
      Want want = { 0 };
      if (regular || is_dir)
        {
          kind = loader_classify (l, name, is_dir, &want, error);
          if (kind < 0)
            return FALSE;
        }
      if (kind == 0)
        {
          /* links, devices, and files that are not part of the data set */
          if (!stream_skip (s, padded, name, error))
            return FALSE;
          continue;
        }
      if (size > MAX_FILE_BYTES)
        {
          g_free (want.file);
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                       "%s: %s: %" G_GUINT64_FORMAT " bytes, too large for an image", s->name, name, size);
          return FALSE;
        }
      g_autofree guint8 *data = stream_read_entry (s, size, name, error);
      if (data == NULL)
        {
          g_free (want.file);
          return FALSE;
        }
      gboolean ok = loader_add (l, name, &want, data, (gsize) size, error);
      g_free (want.file);
      if (!ok || !stream_skip (s, padded - size, name, error))
        return FALSE;
    }
}

/* ---- folders ------------------------------------------------------------------ */

typedef gboolean (*WalkFunc) (const char *rel, const char *full, gboolean is_dir, gpointer user,
                              GError **error);

static GPtrArray *
sorted_entries (const char *dir, GError **error)
{
  GDir *d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (e));
  g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* The folder that holds train/ and test/: root itself, or its only
 * (non-hidden) sub-folder when that one has them. */
static char *
folder_root (const char *root)
{
  g_autofree char *tr = g_build_filename (root, "train", NULL);
  g_autofree char *te = g_build_filename (root, "test", NULL);
  if (g_file_test (tr, G_FILE_TEST_IS_DIR) || g_file_test (te, G_FILE_TEST_IS_DIR))
    return g_strdup (root);
  g_autoptr(GPtrArray) names = sorted_entries (root, NULL);
  char *only = NULL;
  int n_dirs = 0;
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *p = g_build_filename (root, n, NULL);
      if (n[0] != '.' && g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          n_dirs++;
          g_free (only);
          only = g_steal_pointer (&p);
        }
    }
  if (n_dirs == 1)
    {
      g_autofree char *inner = g_build_filename (only, "train", NULL);
      if (g_file_test (inner, G_FILE_TEST_IS_DIR))
        return only;
    }
  g_free (only);
  return g_strdup (root);
}

/* Visits the class folders of dir and their files, named relative to
 * prefix, in name order: the order that makes a folder's hash and first
 * image stable. */
static gboolean
walk_classes (const char *dir, const char *prefix, WalkFunc fn, gpointer user, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) classes = sorted_entries (dir, &local);
  if (classes == NULL)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  for (guint i = 0; i < classes->len; i++)
    {
      const char *cls = g_ptr_array_index (classes, i);
      g_autofree char *rel = *prefix ? g_build_filename (prefix, cls, NULL) : g_strdup (cls);
      g_autofree char *full = g_build_filename (dir, cls, NULL);
      if (!g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (g_file_test (full, G_FILE_TEST_IS_REGULAR) && !fn (rel, full, FALSE, user, error))
            return FALSE;
          continue;
        }
      if (!fn (rel, full, TRUE, user, error))
        return FALSE;
      if (cls[0] == '.')
        continue;
      g_autoptr(GPtrArray) files = sorted_entries (full, &local);
      if (files == NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
          return FALSE;
        }
      for (guint k = 0; k < files->len; k++)
        {
          const char *f = g_ptr_array_index (files, k);
          g_autofree char *frel = g_build_filename (rel, f, NULL);
          g_autofree char *ffull = g_build_filename (full, f, NULL);
          gboolean is_dir = g_file_test (ffull, G_FILE_TEST_IS_DIR);
          if (!is_dir && !g_file_test (ffull, G_FILE_TEST_IS_REGULAR))
            continue;    /* sockets, dangling links */
          if (!fn (frel, ffull, is_dir, user, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Visits <root>/train/ and <root>/test/, or with no_splits the class
 * folders of root itself. */
static gboolean
walk_folder (const char *root, gboolean no_splits, WalkFunc fn, gpointer user, GError **error)
{
  if (no_splits)
    return walk_classes (root, "", fn, user, error);
  for (int s = 0; s < N_SPLITS; s++)
    {
      g_autofree char *split_dir = g_build_filename (root, split_names[s], NULL);
      if (!g_file_test (split_dir, G_FILE_TEST_IS_DIR))
        continue;
      if (!fn (split_names[s], split_dir, TRUE, user, error)
          || !walk_classes (split_dir, split_names[s], fn, user, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_whole (const char *path, char **data, gsize *size, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, data, size, &local))
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
hash_visit (const char *rel, const char *full, gboolean is_dir, gpointer user, GError **error)
{
  GChecksum *sum = user;
  g_checksum_update (sum, (const guchar *) (is_dir ? "D" : "F"), 1);
  g_checksum_update (sum, (const guchar *) rel, strlen (rel) + 1);
  if (is_dir)
    return TRUE;
  g_autofree char *data = NULL;
  gsize size = 0;
  if (!read_whole (full, &data, &size, error))
    return FALSE;
  guint64 le = GUINT64_TO_LE ((guint64) size);
  g_checksum_update (sum, (const guchar *) &le, sizeof le);
  g_checksum_update (sum, (const guchar *) data, size);
  return TRUE;
}

static gboolean
load_visit (const char *rel, const char *full, gboolean is_dir, gpointer user, GError **error)
{
  Loader *l = user;
  Want want = { 0 };
  int kind = loader_classify (l, rel, is_dir, &want, error);
  if (kind <= 0)
    return kind == 0;
  g_autofree char *data = NULL;
  gsize size = 0;
  gboolean ok = read_whole (full, &data, &size, error)
                && loader_add (l, rel, &want, (const guint8 *) data, size, error);
  g_free (want.file);
  return ok;
}

/* ---- the cache ---------------------------------------------------------------- */

#define CACHE_MAGIC "BLIPIMGC"
/* Bump when the file layout or the decoding changes: old files are then
 * simply not found, since the version is part of the key too. */
#define CACHE_VERSION 2
#define CACHE_FIXED 88

char *
blip_images_cache_dir (void)
{
  const char *env = g_getenv ("BLIP_CACHE_DIR");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, "images", NULL);
  return g_build_filename (g_get_user_cache_dir (), "blip-studio", "images", NULL);
}

/* The key: the content's hash, the options that change the result, and the
 * decoders' versions. */
static void
cache_key (const char *kind, const char *content, const BlipImageOptions *o, guint8 key[32])
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "blip-images cache %d\n%s %s\nchannels %d height %d width %d resize %d\n",
                          CACHE_VERSION, kind, content, o->channels, o->height, o->width,
                          o->allow_resize ? 1 : 0);
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
  g_string_append_printf (s, "libjpeg-turbo %d\n", LIBJPEG_TURBO_VERSION_NUMBER);
#endif
  g_string_append_printf (s, "libjpeg %d libpng %s\n", JPEG_LIB_VERSION, PNG_LIBPNG_VER_STRING);
  /* Named only when set, so that the keys of other loads stay as they were. */
  if (o->no_splits)
    g_string_append (s, "no-splits\n");
  if (o->max_undecodable > 0)
    g_string_append_printf (s, "max-undecodable %d\n", o->max_undecodable);
  if (o->classes)
    {
      g_string_append_printf (s, "classes skip-others %d\n", o->skip_other_classes ? 1 : 0);
      for (const char * const *c = o->classes; *c; c++)
        g_string_append_printf (s, "%s\n", *c);
    }
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) s->str, s->len);
  gsize len = 32;
  g_checksum_get_digest (sum, key, &len);
  g_checksum_free (sum);
  g_string_free (s, TRUE);
}

static char *
cache_path (const guint8 key[32])
{
  g_autofree char *dir = blip_images_cache_dir ();
  GString *name = g_string_new (NULL);
  for (int i = 0; i < 32; i++)
    g_string_append_printf (name, "%02x", key[i]);
  g_string_append (name, ".bin");
  g_autofree char *base = g_string_free (name, FALSE);
  return g_build_filename (dir, base, NULL);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static gboolean
read_full (int fd, void *buf, gsize n)
{
  guint8 *p = buf;
  while (n > 0)
    {
      ssize_t k = read (fd, p, MIN (n, (gsize) 1 << 30));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return FALSE;
      p += k;
      n -= (gsize) k;
    }
  return TRUE;
}

static gboolean
write_full (int fd, const void *buf, gsize n)
{
  const guint8 *p = buf;
  while (n > 0)
    {
      ssize_t k = write (fd, p, MIN (n, (gsize) 1 << 30));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return FALSE;
      p += k;
      n -= (gsize) k;
    }
  return TRUE;
}

static guint32
crc_update (guint32 crc, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      uInt k = (uInt) MIN (n, (gsize) 1 << 30);
      crc = (guint32) crc32 (crc, p, k);
      p += k;
      n -= k;
    }
  return crc;
}

/* Labels as little-endian 32-bit words. */
static guint8 *
labels_le (const BlipImageSet *set)
{
  guint8 *out = g_malloc ((gsize) MAX (set->count, 1) * 4);
  for (int i = 0; i < set->count; i++)
    put_u32 (out + (gsize) i * 4, (guint32) set->labels[i]);
  return out;
}

/* Reads a cache file back, checking everything; NULL (and a reason for the
 * debug log) when it is missing, damaged or for other data. */
static gboolean
cache_read (const char *path, const guint8 key[32], const BlipImageOptions *o,
            BlipImageSet **train, BlipImageSet **test, char **why)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      *why = g_strdup_printf ("no cache file (%s)", g_strerror (errno));
      return FALSE;
    }
  struct stat st;
  guint8 h[CACHE_FIXED];
  BlipImageSet *sets[N_SPLITS] = { NULL, NULL };
  guint8 *names = NULL;
  gboolean ok = FALSE;
#define BAD(...) G_STMT_START { *why = g_strdup_printf (__VA_ARGS__); goto out; } G_STMT_END
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    BAD ("not a regular file");
  if (!read_full (fd, h, CACHE_FIXED))
    BAD ("shorter than its header");
  if (memcmp (h, CACHE_MAGIC, 8) != 0 || get_u32 (h + 8) != CACHE_VERSION)
    BAD ("wrong magic or version");
  if (memcmp (h + 16, key, 32) != 0)
    BAD ("made for other data");
  guint32 header = get_u32 (h + 12), n_classes = get_u32 (h + 48), C = get_u32 (h + 52),
          H = get_u32 (h + 56), W = get_u32 (h + 60), n[N_SPLITS] = { get_u32 (h + 64), get_u32 (h + 68) },
          crc_stored = get_u32 (h + 72), skipped[N_SPLITS] = { get_u32 (h + 76), get_u32 (h + 80) };
  if (n_classes < 1 || n_classes > MAX_CLASSES || (C != 1 && C != 3) || H < 1 || W < 1
      || H > MAX_SIDE || W > MAX_SIDE || (guint64) H * W > MAX_IMAGE_PIXELS
      || n[0] > MAX_IMAGES || n[1] > MAX_IMAGES || skipped[0] > MAX_IMAGES || skipped[1] > MAX_IMAGES
      || header < CACHE_FIXED || header - CACHE_FIXED > (guint64) n_classes * (4 + MAX_CLASS_NAME))
    BAD ("header fields out of range");
  if ((o->channels && (guint32) o->channels != C) || (o->height && (guint32) o->height != H)
      || (o->width && (guint32) o->width != W))
    BAD ("another image shape than asked for");
  guint64 dim = (guint64) C * H * W;
  guint64 total = header + 4 * ((guint64) n[0] + n[1]) + dim * ((guint64) n[0] + n[1]);
  if ((guint64) st.st_size != total)
    BAD ("%" G_GUINT64_FORMAT " bytes where the header implies %" G_GUINT64_FORMAT,
         (guint64) st.st_size, total);
  gsize names_len = header - CACHE_FIXED;
  names = g_malloc (MAX (names_len, 1));
  if (!read_full (fd, names, names_len))
    BAD ("short read");
  guint32 crc = crc_update (0, names, names_len);
  char **class_names = g_new0 (char *, n_classes + 1);
  gsize at = 0;
  for (guint32 c = 0; c < n_classes; c++)
    {
      guint32 len = at + 4 <= names_len ? get_u32 (names + at) : 0;
      if (at + 4 > names_len || len < 1 || len > MAX_CLASS_NAME || len > names_len - at - 4
          || !g_utf8_validate ((const char *) names + at + 4, len, NULL)
          || memchr (names + at + 4, '\0', len) != NULL)
        {
          g_strfreev (class_names);
          BAD ("damaged class names");
        }
      class_names[c] = g_strndup ((const char *) names + at + 4, len);
      at += 4 + len;
    }
  if (at != names_len)
    {
      g_strfreev (class_names);
      BAD ("damaged class names");
    }
  for (int s = 0; s < N_SPLITS; s++)
    {
      sets[s] = blip_image_set_new ((int) n[s], (int) C, (int) H, (int) W);
      g_free (sets[s]->class_names);
      sets[s]->class_names = g_strdupv (class_names);
      sets[s]->n_classes = (int) n_classes;
      sets[s]->from_cache = TRUE;
      sets[s]->n_skipped = (int) skipped[s];
    }
  g_strfreev (class_names);
  for (int s = 0; s < N_SPLITS; s++)
    {
      guint8 *raw = (guint8 *) sets[s]->labels;
      if (!read_full (fd, raw, (gsize) n[s] * 4))
        BAD ("short read");
      crc = crc_update (crc, raw, (gsize) n[s] * 4);
      for (guint32 i = 0; i < n[s]; i++)
        {
          guint32 v = get_u32 (raw + (gsize) i * 4);
          if (v >= n_classes)
            BAD ("a label out of range");
          sets[s]->labels[i] = (gint32) v;
        }
    }
  for (int s = 0; s < N_SPLITS; s++)
    {
      gsize bytes = (gsize) n[s] * dim;
      if (!read_full (fd, sets[s]->pixels, bytes))
        BAD ("short read");
      crc = crc_update (crc, sets[s]->pixels, bytes);
    }
  if (crc != crc_stored)
    BAD ("CRC mismatch");
  ok = TRUE;
  *train = sets[SPLIT_TRAIN];
  *test = sets[SPLIT_TEST];
#undef BAD
out:
  if (!ok)
    for (int s = 0; s < N_SPLITS; s++)
      blip_image_set_free (sets[s]);
  g_free (names);
  close (fd);
  return ok;
}

/* Writes the sets atomically: a temporary file in the same folder, synced,
 * then renamed over the final name, so a reader never sees half a file. A
 * failure only costs the next load its speed; it is logged, not reported. */
static void
cache_write (const char *path, const guint8 key[32], const BlipImageSet *train, const BlipImageSet *test)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_debug ("image cache: cannot create %s: %s", dir, g_strerror (errno));
      return;
    }
  const BlipImageSet *sets[N_SPLITS] = { train, test };
  GByteArray *head = g_byte_array_new ();
  g_byte_array_set_size (head, CACHE_FIXED);
  memset (head->data, 0, CACHE_FIXED);
  for (int c = 0; c < train->n_classes; c++)
    {
      guint8 len[4];
      put_u32 (len, (guint32) strlen (train->class_names[c]));
      g_byte_array_append (head, len, 4);
      g_byte_array_append (head, (const guint8 *) train->class_names[c], (guint) strlen (train->class_names[c]));
    }
  guint8 *h = head->data;
  memcpy (h, CACHE_MAGIC, 8);
  put_u32 (h + 8, CACHE_VERSION);
  put_u32 (h + 12, head->len);
  memcpy (h + 16, key, 32);
  put_u32 (h + 48, (guint32) train->n_classes);
  put_u32 (h + 52, (guint32) train->channels);
  put_u32 (h + 56, (guint32) train->height);
  put_u32 (h + 60, (guint32) train->width);
  put_u32 (h + 64, (guint32) train->count);
  put_u32 (h + 68, (guint32) test->count);
  put_u32 (h + 76, (guint32) train->n_skipped);
  put_u32 (h + 80, (guint32) test->n_skipped);

  guint8 *lab[N_SPLITS] = { labels_le (train), labels_le (test) };
  gsize dim = (gsize) train->channels * train->height * train->width;
  guint32 crc = crc_update (0, head->data + CACHE_FIXED, head->len - CACHE_FIXED);
  for (int s = 0; s < N_SPLITS; s++)
    crc = crc_update (crc, lab[s], (gsize) sets[s]->count * 4);
  for (int s = 0; s < N_SPLITS; s++)
    crc = crc_update (crc, sets[s]->pixels, (gsize) sets[s]->count * dim);
  put_u32 (h + 72, crc);

  g_autofree char *tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  int fd = g_mkstemp (tmp);
  int saved = errno;
  gboolean ok = fd >= 0;
#define STEP(x) G_STMT_START { if (ok && !(x)) { ok = FALSE; saved = errno; } } G_STMT_END
  STEP (write_full (fd, head->data, head->len));
  for (int s = 0; s < N_SPLITS; s++)
    STEP (write_full (fd, lab[s], (gsize) sets[s]->count * 4));
  for (int s = 0; s < N_SPLITS; s++)
    STEP (write_full (fd, sets[s]->pixels, (gsize) sets[s]->count * dim));
  STEP (fsync (fd) == 0);
  if (fd >= 0 && close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  STEP (g_rename (tmp, path) == 0);
#undef STEP
  if (!ok)
    {
      g_debug ("image cache: cannot write %s: %s", path, g_strerror (saved));
      if (fd >= 0)
        g_unlink (tmp);
    }
  g_free (lab[0]);
  g_free (lab[1]);
  g_byte_array_unref (head);
}

/* ---- loading -------------------------------------------------------------------- */

static gboolean
check_options (const BlipImageOptions *o, GError **error)
{
  if ((o->channels != 0 && o->channels != 1 && o->channels != 3) || o->height < 0 || o->width < 0
      || o->height > MAX_SIDE || o->width > MAX_SIDE
      || (guint64) o->height * o->width > MAX_IMAGE_PIXELS)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_SIZE,
                   "cannot load images as %d×%d×%d (channels must be 1 or 3, sides at most %d and "
                   "%" G_GUINT64_FORMAT " pixels)", o->channels, o->height, o->width, MAX_SIDE,
                   MAX_IMAGE_PIXELS);
      return FALSE;
    }
  if (o->classes && o->classes[0] == NULL)
    {
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_LAYOUT, "the list of classes is empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_archive (const guint8 *data, gsize size, const char *name, const BlipImageOptions *o,
              BlipImageSet **train, BlipImageSet **test, GError **error)
{
  Loader l;
  loader_init (&l, name, TRUE, o);
  Stream s;
  gboolean ok = stream_open (&s, data, size, name, error)
                && read_tar (&s, &l, error)
                && loader_finish (&l, train, test, error);
  stream_close (&s);
  loader_clear (&l);
  return ok;
}

gboolean
blip_images_load_archive_bytes (const guint8 *data, gsize size, const char *name,
                                const BlipImageOptions *options, BlipImageSet **train,
                                BlipImageSet **test, GError **error)
{
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  BlipImageOptions o = { 0 };
  if (options)
    o = *options;
  if (!check_options (&o, error))
    return FALSE;
  return load_archive (data, size, name ? name : "(archive)", &o, train, test, error);
}

gboolean
blip_images_load (const char *root, const BlipImageOptions *options, BlipImageSet **train,
                  BlipImageSet **test, GError **error)
{
  g_return_val_if_fail (root != NULL && train != NULL && test != NULL, FALSE);
  BlipImageOptions o = { 0 };
  if (options)
    o = *options;
  if (!check_options (&o, error))
    return FALSE;
  *train = *test = NULL;

  GStatBuf st;
  if (g_stat (root, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s: %s", root, g_strerror (saved));
      return FALSE;
    }
  gboolean is_dir = S_ISDIR (st.st_mode);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *folder = NULL;
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  if (is_dir)
    {
      /* Without splits, the folder given is the one with the classes. */
      folder = o.no_splits ? g_strdup (root) : folder_root (root);
      if (!o.no_cache && !walk_folder (folder, o.no_splits, hash_visit, sum, error))
        {
          g_checksum_free (sum);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GError) local = NULL;
      mapped = g_mapped_file_new (root, FALSE, &local);
      if (mapped == NULL)
        {
          g_set_error (error, BLIP_IMAGES_ERROR, BLIP_IMAGES_ERROR_IO, "%s", local->message);
          g_checksum_free (sum);
          return FALSE;
        }
      if (!o.no_cache)
        g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (mapped),
                           g_mapped_file_get_length (mapped));
    }
  guint8 key[32];
  cache_key (is_dir ? "folder" : "archive", g_checksum_get_string (sum), &o, key);
  g_checksum_free (sum);
  g_autofree char *cpath = cache_path (key);

  if (!o.no_cache)
    {
      g_autofree char *why = NULL;
      if (cache_read (cpath, key, &o, train, test, &why))
        return TRUE;
      g_debug ("image cache: %s: %s; decoding %s", cpath, why, root);
    }

  gboolean ok;
  if (is_dir)
    {
      Loader l;
      loader_init (&l, folder, FALSE, &o);
      ok = walk_folder (folder, o.no_splits, load_visit, &l, error) && loader_finish (&l, train, test, error);
      loader_clear (&l);
    }
  else
    ok = load_archive ((const guint8 *) g_mapped_file_get_contents (mapped),
                       g_mapped_file_get_length (mapped), root, &o, train, test, error);
  if (ok && !o.no_cache)
    cache_write (cpath, key, *train, *test);
  return ok;
}
