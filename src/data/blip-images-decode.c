/* blip-images-decode.c — one PNG (through libpng) or JPEG (through
 * libjpeg-turbo), recognised by its content, decoded into CHW planar bytes:
 * grey and RGB converted either way, and with resizing allowed, the size
 * changed by area averaging or linear interpolation. A header's image size is
 * checked before any pixel buffer is allocated, and damaged data is an error,
 * never padded over. */
#include "blip-images-private.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

/* A progressive JPEG may have any number of scans; a crafted one with
 * thousands of tiny scans decodes for minutes. Real encoders use about 10. */
#define JPEG_MAX_SCANS 256

/* ---- decoding --------------------------------------------------------------- */

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

gboolean
blip_images_decode_raw (const guint8 *data, gsize size, const char *name, Raw *raw, GError **error)
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
gboolean
blip_images_decode_into (const guint8 *data, gsize size, const char *name, int channels, int height,
                         int width, gboolean allow_resize, guint8 *out, GError **error)
{
  Raw raw = { 0 };
  if (!blip_images_decode_raw (data, size, name, &raw, error))
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
  if (!blip_images_decode_raw (data, size, name, &raw, error))
    return NULL;
  int C = *channels ? *channels : raw.c;
  int H = *height ? *height : raw.h;
  int W = *width ? *width : raw.w;
  g_free (raw.px);
  if (!check_dimensions (name, W, H, error))
    return NULL;
  guint8 *out = g_malloc ((gsize) C * H * W);
  if (!blip_images_decode_into (data, size, name, C, H, W, allow_resize, out, error))
    {
      g_free (out);
      return NULL;
    }
  *channels = C;
  *height = H;
  *width = W;
  return out;
}
