/* blip-download.c — fetches a data set's files into the data directory with a
 * small HTTP/1.1 GET client on GIO sockets (no libsoup or curl): redirects,
 * Content-Length, chunked transfer encoding, https through GLib's TLS backend
 * (glib-networking). Every file is streamed into "<name>.part", checked
 * against the md5 in the data set table, and only then renamed into place,
 * so a half-finished or damaged download never looks like a usable file.
 *
 * Socket operations time out after 30 s so that a stalled server cannot hang
 * the program; $BLIP_DOWNLOAD_TIMEOUT (seconds) overrides that, which the
 * tests use to exercise the time-out without waiting long. */
#include "blip-datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#define HTTP_MAX_REDIRECTS   5
#define HTTP_DEFAULT_TIMEOUT 30
/* Header lines of real servers are far shorter; the limits keep a broken or
 * hostile server from making us buffer without end. */
#define HTTP_MAX_LINE        8192
#define HTTP_MAX_HEADERS     200
#define HTTP_BUFFER          (64 * 1024)

/* Where the body of a response goes: the .part file and its running md5. */
typedef struct {
  const char          *file_name;
  const char          *part_path;
  int                  fd;
  GChecksum           *md5;
  gint64               received;
  gint64               total;          /* for progress; -1 when unknown */
  gint64               expected_size;  /* from the table; -1 when unknown */
  BlipDownloadProgress progress;
  gpointer             user_data;
} Sink;

typedef struct {
  guint   status;
  char   *reason;
  gint64  content_length;   /* -1 when absent */
  gboolean chunked;
  char   *location;
} HttpResponse;

static void
http_response_clear (HttpResponse *response)
{
  g_clear_pointer (&response->reason, g_free);
  g_clear_pointer (&response->location, g_free);
}

static guint
download_timeout (void)
{
  const char *env = g_getenv ("BLIP_DOWNLOAD_TIMEOUT");
  guint64 value;
  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint) value;
  return HTTP_DEFAULT_TIMEOUT;
}

static void G_GNUC_PRINTF (2, 3)
set_download_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD, msg);
}

/* Rewords GIO's errors so that a time-out says which limit was hit. */
static void
set_io_error (GError **error, const char *doing, const GError *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    set_download_error (error, "timed out after %u s while %s", download_timeout (), doing);
  else
    set_download_error (error, "%s failed: %s", doing, cause->message);
}

/* One CRLF- (or LF-) terminated line without its terminator. */
static char *
read_line (GBufferedInputStream *in, const char *doing, GError **error)
{
  GString *line = g_string_new (NULL);
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      int c = g_buffered_input_stream_read_byte (in, NULL, &local);
      if (c < 0)
        {
          if (local != NULL)
            set_io_error (error, doing, local);
          else
            set_download_error (error, "the server closed the connection while %s", doing);
          g_string_free (line, TRUE);
          return NULL;
        }
      if (c == '\n')
        break;
      if (line->len >= HTTP_MAX_LINE)
        {
          set_download_error (error, "a line longer than %d bytes while %s", HTTP_MAX_LINE, doing);
          g_string_free (line, TRUE);
          return NULL;
        }
      g_string_append_c (line, (char) c);
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static gboolean
parse_status_line (const char *line, HttpResponse *response, GError **error)
{
  /* "HTTP/1.1 200 OK"; the reason phrase may be empty. */
  if (!g_str_has_prefix (line, "HTTP/") || strchr (line, ' ') == NULL)
    {
      set_download_error (error, "not an HTTP response (status line \"%.80s\")", line);
      return FALSE;
    }
  const char *code = strchr (line, ' ') + 1;
  if (!g_ascii_isdigit (code[0]) || !g_ascii_isdigit (code[1]) || !g_ascii_isdigit (code[2])
      || (code[3] != ' ' && code[3] != '\0'))
    {
      set_download_error (error, "malformed HTTP status line \"%.80s\"", line);
      return FALSE;
    }
  response->status = (guint) ((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  g_free (response->reason);
  response->reason = g_strdup (code[3] == ' ' ? code + 4 : "");
  return TRUE;
}

static gboolean
parse_header (char *line, HttpResponse *response, GError **error)
{
  char *colon = strchr (line, ':');
  if (colon == NULL)
    return TRUE;  /* tolerated, like obsolete line folding: nothing we need */
  *colon = '\0';
  const char *name = g_strstrip (line);
  const char *value = g_strstrip (colon + 1);

  if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    {
      guint64 length;
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &length, NULL))
        {
          set_download_error (error, "invalid Content-Length \"%.40s\"", value);
          return FALSE;
        }
      if (response->content_length >= 0 && (guint64) response->content_length != length)
        {
          set_download_error (error, "conflicting Content-Length headers");
          return FALSE;
        }
      response->content_length = (gint64) length;
    }
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    {
      /* Chunked must come last when present; anything else we cannot decode. */
      g_autofree char *lower = g_ascii_strdown (value, -1);
      if (g_str_has_suffix (lower, "chunked"))
        response->chunked = TRUE;
      else if (g_ascii_strcasecmp (value, "identity") != 0)
        {
          set_download_error (error, "unsupported Transfer-Encoding \"%.40s\"", value);
          return FALSE;
        }
    }
  else if (g_ascii_strcasecmp (name, "Location") == 0)
    {
      g_free (response->location);
      response->location = g_strdup (value);
    }
  return TRUE;
}

static gboolean
read_response_head (GBufferedInputStream *in, HttpResponse *response, GError **error)
{
  /* 1xx answers (e.g. 100 Continue) precede the real one; skip them. */
  do
    {
      g_autofree char *status = read_line (in, "reading the response status", error);
      if (status == NULL || !parse_status_line (status, response, error))
        return FALSE;

      response->content_length = -1;
      response->chunked = FALSE;
      g_clear_pointer (&response->location, g_free);
      for (int n = 0;; n++)
        {
          g_autofree char *line = read_line (in, "reading the response headers", error);
          if (line == NULL)
            return FALSE;
          if (*line == '\0')
            break;
          if (n >= HTTP_MAX_HEADERS)
            {
              set_download_error (error, "more than %d response headers", HTTP_MAX_HEADERS);
              return FALSE;
            }
          if (!parse_header (line, response, error))
            return FALSE;
        }
    }
  while (response->status >= 100 && response->status < 200);
  return TRUE;
}

static gboolean
sink_write (Sink *sink, const guint8 *data, gsize len, GError **error)
{
  if (sink->expected_size >= 0 && sink->received + (gint64) len > sink->expected_size)
    {
      set_download_error (error, "the server sent more than the %" G_GINT64_FORMAT
                          " bytes that %s has (it is not the published file)",
                          sink->expected_size, sink->file_name);
      return FALSE;
    }
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = write (sink->fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          set_download_error (error, "cannot write %s: %s", sink->part_path, g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  g_checksum_update (sink->md5, data, (gssize) len);
  sink->received += (gint64) len;
  if (sink->progress != NULL)
    sink->progress (sink->file_name, sink->received, sink->total, sink->user_data);
  return TRUE;
}

/* Copies `length` bytes of the body to the sink, or everything up to the end
 * of the connection when length is -1. */
static gboolean
copy_body (GInputStream *in, gint64 length, Sink *sink, guint8 *buf, GError **error)
{
  gint64 left = length;
  while (length < 0 || left > 0)
    {
      gsize want = HTTP_BUFFER;
      if (length >= 0 && left < (gint64) want)
        want = (gsize) left;
      g_autoptr(GError) local = NULL;
      gssize n = g_input_stream_read (in, buf, want, NULL, &local);
      if (n < 0)
        {
          set_io_error (error, "receiving the data", local);
          return FALSE;
        }
      if (n == 0)
        {
          if (length < 0)
            return TRUE;
          set_download_error (error, "the server closed the connection after %" G_GINT64_FORMAT
                              " of %" G_GINT64_FORMAT " bytes", length - left, length);
          return FALSE;
        }
      if (!sink_write (sink, buf, (gsize) n, error))
        return FALSE;
      left -= n;
    }
  return TRUE;
}

static gboolean
copy_chunked_body (GBufferedInputStream *in, Sink *sink, guint8 *buf, GError **error)
{
  for (;;)
    {
      g_autofree char *line = read_line (in, "reading a chunk size", error);
      if (line == NULL)
        return FALSE;
      char *end = NULL;
      guint64 size = g_ascii_strtoull (line, &end, 16);
      /* A chunk extension may follow the size after ';'. */
      while (end != NULL && (*end == ' ' || *end == '\t'))
        end++;
      if (end == line || (end != NULL && *end != '\0' && *end != ';') || size > G_MAXINT64 / 2)
        {
          set_download_error (error, "malformed chunk size line \"%.40s\"", line);
          return FALSE;
        }
      if (size == 0)
        break;
      if (!copy_body (G_INPUT_STREAM (in), (gint64) size, sink, buf, error))
        return FALSE;
      g_autofree char *crlf = read_line (in, "reading the end of a chunk", error);
      if (crlf == NULL)
        return FALSE;
      if (*crlf != '\0')
        {
          set_download_error (error, "chunk longer than its announced %" G_GUINT64_FORMAT " bytes", size);
          return FALSE;
        }
    }
  /* Trailer fields, if any, end with an empty line. */
  for (int n = 0; n <= HTTP_MAX_HEADERS; n++)
    {
      g_autofree char *trailer = read_line (in, "reading the chunked trailer", error);
      if (trailer == NULL)
        return FALSE;
      if (*trailer == '\0')
        return TRUE;
    }
  set_download_error (error, "more than %d trailer lines", HTTP_MAX_HEADERS);
  return FALSE;
}

static gboolean
is_redirect (guint status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static GSocketConnection *
http_connect (GUri *uri, gboolean tls, int port, GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_socket_client_set_timeout (client, download_timeout ());
  if (tls)
    {
      GTlsBackend *backend = g_tls_backend_get_default ();
      if (!g_tls_backend_supports_tls (backend))
        {
          set_download_error (error, "https needs TLS support, which GLib gets from the "
                              "glib-networking package (apt install glib-networking), and none "
                              "is installed; install it, or use an http:// mirror with --base-url");
          return NULL;
        }
      g_socket_client_set_tls (client, TRUE);
    }

  /* GNetworkAddress takes the host without IPv6 brackets, as GUri gives it. */
  g_autoptr(GSocketConnectable) address = g_network_address_new (g_uri_get_host (uri), (guint16) port);
  g_autoptr(GError) local = NULL;
  GSocketConnection *connection = g_socket_client_connect (client, address, NULL, &local);
  if (connection == NULL)
    {
      g_autofree char *doing = g_strdup_printf ("connecting to %s port %d", g_uri_get_host (uri), port);
      set_io_error (error, doing, local);
    }
  return connection;
}

/* One request. Returns TRUE with *redirect set for a redirect, TRUE with the
 * body written to the sink for a success, FALSE otherwise. */
static gboolean
http_get_once (const char *url, Sink *sink, char **redirect, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &local);
  if (uri == NULL)
    {
      set_download_error (error, "not a valid URL: %s", local->message);
      return FALSE;
    }
  const char *scheme = g_uri_get_scheme (uri);
  gboolean tls;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    tls = FALSE;
  else if (g_ascii_strcasecmp (scheme, "https") == 0)
    tls = TRUE;
  else
    {
      set_download_error (error, "unsupported URL scheme \"%s\" (expected http or https)", scheme);
      return FALSE;
    }
  const char *host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      set_download_error (error, "the URL has no host");
      return FALSE;
    }
  int default_port = tls ? 443 : 80;
  int port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : default_port;

  g_autoptr(GSocketConnection) connection = http_connect (uri, tls, port, error);
  if (connection == NULL)
    return FALSE;

  const char *path = g_uri_get_path (uri);
  const char *query = g_uri_get_query (uri);
  gboolean ipv6 = strchr (host, ':') != NULL;
  g_autofree char *host_port = port == default_port ? NULL : g_strdup_printf (":%d", port);
  /* Connection: close lets a body without length end at end of stream, and
   * identity keeps servers from re-compressing the .gz files. */
  g_autofree char *request = g_strdup_printf (
      "GET %s%s%s HTTP/1.1\r\n"
      "Host: %s%s%s%s\r\n"
      "User-Agent: blip-studio\r\n"
      "Accept: */*\r\n"
      "Accept-Encoding: identity\r\n"
      "Connection: close\r\n"
      "\r\n",
      *path != '\0' ? path : "/", query != NULL ? "?" : "", query != NULL ? query : "",
      ipv6 ? "[" : "", host, ipv6 ? "]" : "", host_port != NULL ? host_port : "");

  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL, &local))
    {
      set_io_error (error, "sending the request", local);
      return FALSE;
    }

  g_autoptr(GInputStream) in = g_buffered_input_stream_new_sized (
      g_io_stream_get_input_stream (G_IO_STREAM (connection)), HTTP_BUFFER);
  HttpResponse response = { 0 };
  gboolean ok = read_response_head (G_BUFFERED_INPUT_STREAM (in), &response, error);
  if (!ok)
    goto out;

  if (is_redirect (response.status))
    {
      if (response.location == NULL || *response.location == '\0')
        {
          set_download_error (error, "HTTP status %u %s without a Location header",
                              response.status, response.reason);
          ok = FALSE;
          goto out;
        }
      /* Location may be relative to the URL that answered. */
      *redirect = g_uri_resolve_relative (url, response.location, G_URI_FLAGS_ENCODED, &local);
      if (*redirect == NULL)
        {
          set_download_error (error, "redirect to an invalid location \"%.200s\": %s",
                              response.location, local->message);
          ok = FALSE;
        }
      goto out;
    }
  if (response.status < 200 || response.status > 299)
    {
      set_download_error (error, "HTTP status %u %s", response.status, response.reason);
      ok = FALSE;
      goto out;
    }

  sink->total = response.content_length >= 0 && !response.chunked
                ? response.content_length : sink->expected_size;
  if (sink->progress != NULL)
    sink->progress (sink->file_name, 0, sink->total, sink->user_data);

  guint8 *buf = g_malloc (HTTP_BUFFER);
  if (response.chunked)
    ok = copy_chunked_body (G_BUFFERED_INPUT_STREAM (in), sink, buf, error);
  else
    ok = copy_body (in, response.content_length, sink, buf, error);
  g_free (buf);

out:
  http_response_clear (&response);
  /* Errors on close are of no interest once the body is in or has failed. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return ok;
}

/* GET with redirects. Errors are prefixed with the URL that failed when it is
 * not the one asked for, so a failure behind a redirect can be traced. */
static gboolean
http_get (const char *url, Sink *sink, GError **error)
{
  g_autofree char *current = g_strdup (url);
  for (int redirects = 0;; redirects++)
    {
      char *next = NULL;
      g_autoptr(GError) local = NULL;
      if (!http_get_once (current, sink, &next, &local))
        {
          if (redirects == 0)
            g_propagate_error (error, g_steal_pointer (&local));
          else
            set_download_error (error, "redirected to %s: %s", current, local->message);
          return FALSE;
        }
      if (next == NULL)
        return TRUE;
      g_free (current);
      current = next;
      if (redirects + 1 > HTTP_MAX_REDIRECTS)
        {
          set_download_error (error, "more than %d redirects (the last to %s)",
                              HTTP_MAX_REDIRECTS, current);
          return FALSE;
        }
    }
}

static char *
join_url (const char *base, const char *name)
{
  return g_str_has_suffix (base, "/") ? g_strconcat (base, name, NULL)
                                      : g_strconcat (base, "/", name, NULL);
}

/* Makes a rename durable; failing that costs only durability, not correctness. */
static void
sync_dir (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

typedef enum {
  ATTEMPT_OK,
  ATTEMPT_FAILED,         /* transfer failed; the next mirror may do better */
  ATTEMPT_BAD_CHECKSUM,   /* transfer finished, contents wrong */
  ATTEMPT_FATAL,          /* local problem (disk); no mirror will help */
} Attempt;

static Attempt
download_from (const char *url, const BlipDataFile *file, const char *dir,
               BlipDownloadProgress progress, gpointer user_data, GError **error)
{
  g_autofree char *final_path = g_build_filename (dir, file->name, NULL);
  g_autofree char *part_path = g_strconcat (final_path, ".part", NULL);

  int fd = g_open (part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      set_download_error (error, "cannot create %s: %s", part_path, g_strerror (saved));
      return ATTEMPT_FATAL;
    }

  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  Sink sink = {
    .file_name = file->name,
    .part_path = part_path,
    .fd = fd,
    .md5 = md5,
    .total = -1,
    .expected_size = file->size > 0 ? file->size : -1,
    .progress = progress,
    .user_data = user_data,
  };

  if (!http_get (url, &sink, error))
    {
      close (fd);
      g_unlink (part_path);
      return ATTEMPT_FAILED;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;
      set_download_error (error, "cannot write %s: %s", part_path, g_strerror (saved));
      g_unlink (part_path);
      return ATTEMPT_FATAL;
    }

  const char *actual = g_checksum_get_string (md5);
  if (g_ascii_strcasecmp (actual, file->md5) != 0)
    {
      g_unlink (part_path);
      g_set_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_CHECKSUM,
                   "%s has the wrong checksum: expected md5 %s, got %s (%" G_GINT64_FORMAT
                   " bytes); the download was deleted",
                   file->name, file->md5, actual, sink.received);
      return ATTEMPT_BAD_CHECKSUM;
    }

  if (g_rename (part_path, final_path) != 0)
    {
      int saved = errno;
      set_download_error (error, "cannot rename %s to %s: %s", part_path, final_path,
                          g_strerror (saved));
      g_unlink (part_path);
      return ATTEMPT_FATAL;
    }
  sync_dir (dir);
  return ATTEMPT_OK;
}

static gboolean
download_file (const BlipDataset *dataset, const BlipDataFile *file, const char *dir,
               const char * const *bases, BlipDownloadProgress progress, gpointer user_data,
               GError **error)
{
  GString *failures = g_string_new (NULL);
  gboolean any_checksum = FALSE;

  for (const char * const *base = bases; *base != NULL; base++)
    {
      g_autofree char *url = join_url (*base, file->name);
      g_autoptr(GError) local = NULL;
      Attempt result = download_from (url, file, dir, progress, user_data, &local);
      if (result == ATTEMPT_OK)
        {
          g_string_free (failures, TRUE);
          return TRUE;
        }
      if (result == ATTEMPT_FATAL)
        {
          g_string_free (failures, TRUE);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      any_checksum |= result == ATTEMPT_BAD_CHECKSUM;
      g_string_append_printf (failures, "\n  %s: %s", url, local->message);
    }

  /* A checksum failure is the more telling of the two: the network worked
   * but a mirror holds something else. */
  g_set_error (error, BLIP_DATA_ERROR,
               any_checksum ? BLIP_DATA_ERROR_CHECKSUM : BLIP_DATA_ERROR_DOWNLOAD,
               "could not download %s file %s into %s; tried:%s",
               dataset->title, file->name, dir, failures->str);
  g_string_free (failures, TRUE);
  return FALSE;
}

gboolean
blip_dataset_download (const BlipDataset    *dataset,
                       const char           *data_dir,
                       const char           *base_url,
                       BlipDownloadProgress  progress,
                       gpointer              user_data,
                       GError              **error)
{
  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *resolved = data_dir != NULL ? g_strdup (data_dir) : blip_data_dir_resolve (NULL);
  g_autofree char *dir = g_build_filename (resolved, dataset->subdir, NULL);
  const char *override[] = { base_url, NULL };
  const char * const *bases = base_url != NULL ? override : dataset->urls;
  if (bases == NULL || bases[0] == NULL)
    {
      set_download_error (error, "no download location is known for %s", dataset->title);
      return FALSE;
    }

  for (const BlipDataFile *file = dataset->files; file->name != NULL; file++)
    {
      g_autofree char *present = blip_dataset_find_file (dataset, resolved, file->name, NULL);
      if (present != NULL)
        continue;
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          int saved = errno;
          set_download_error (error, "cannot create folder %s: %s", dir, g_strerror (saved));
          return FALSE;
        }
      if (!download_file (dataset, file, dir, bases, progress, user_data, error))
        return FALSE;
    }
  return TRUE;
}
