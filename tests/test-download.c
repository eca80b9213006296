/* test-download.c — the downloader against a small HTTP server that runs in
 * this test (GSocketService on 127.0.0.1, an ephemeral port, its own thread).
 *
 * The server's URL paths choose how it answers, so each case is one base URL:
 *   /files/<variant>/<name>       200 with Content-Length
 *   /chunked/<variant>/<name>     200, chunked transfer encoding
 *   /nolength/<variant>/<name>    200, body ends when the connection closes
 *   /short/<variant>/<name>       Content-Length, then only half the body
 *   /redirect/<n>/<rest>          n relative redirects, then /<rest>
 *   /abs-redirect/<rest>          301 to http://127.0.0.1:<port>/<rest>
 *   /rel-redirect/<rest>          307 to a "../"-relative Location
 *   /status/<code>/<rest>         that status with a short body
 *   /nolocation/<rest>            302 without a Location header
 *   /garbage/<rest>               something that is not HTTP
 *   /hang/<rest>                  reads the request and answers nothing
 * <variant> is a folder under the server's root: "good" (the files as they
 * should be), "corrupt" (one byte flipped in the labels file) or "padded"
 * (bytes appended). Cases with generated files always run; those with the
 * real MNIST files skip with a reason when $BLIP_DATA_DIR lacks them. */
#include "blip-datadir.h"
#include "blip-test-util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

/* The downloader's socket time-out in this test ($BLIP_DOWNLOAD_TIMEOUT, set
 * in main() before any thread starts, since setenv is not thread-safe):
 * short, so the time-out case is quick, yet ample for loopback transfers. */
#define CLIENT_TIMEOUT_S 2

/* ---- the server ------------------------------------------------------------ */

typedef struct {
  char         *root;
  guint16       port;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  gboolean      stopping;   /* under lock; ends a /hang/ early */
  GPtrArray    *requests;   /* request paths, in arrival order; under lock */
  GPtrArray    *hosts;      /* their Host headers */
} TestServer;

static gboolean
send_text (GOutputStream *out, const char *text)
{
  return g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
}

static void
send_status (GOutputStream *out, guint code, const char *reason, const char *extra_headers)
{
  g_autofree char *body = g_strdup_printf ("<html>%u %s</html>\n", code, reason);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/html\r\n"
                                           "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                                           code, reason, strlen (body),
                                           extra_headers != NULL ? extra_headers : "");
  send_text (out, head);
  send_text (out, body);
}

typedef enum { BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE, BODY_SHORT } BodyMode;

static void
serve_file (TestServer *server, GOutputStream *out, const char *rest, BodyMode mode)
{
  g_autofree char *path = g_build_filename (server->root, rest, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  if (strstr (rest, "..") != NULL || !g_file_get_contents (path, &data, &len, NULL))
    {
      send_status (out, 404, "Not Found", NULL);
      return;
    }

  if (mode == BODY_CHUNKED)
    {
      send_text (out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
      /* Uneven chunk sizes, one with an extension, and a trailer, so the
       * client's chunk parser meets what real servers send. */
      static const gsize sizes[] = { 1, 7, 1000, 4096, 65536, 3, 200000 };
      gsize at = 0;
      for (int i = 0; at < len; i++)
        {
          gsize n = MIN (sizes[i % G_N_ELEMENTS (sizes)], len - at);
          g_autofree char *size_line = g_strdup_printf (i == 2 ? "%zx;name=value\r\n" : "%zX\r\n", n);
          if (!send_text (out, size_line)
              || !g_output_stream_write_all (out, data + at, n, NULL, NULL, NULL)
              || !send_text (out, "\r\n"))
            return;
          at += n;
        }
      send_text (out, "0\r\nX-Trailer: done\r\n\r\n");
      return;
    }

  g_autofree char *head = NULL;
  if (mode == BODY_UNTIL_CLOSE)
    head = g_strdup ("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
  else
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
  if (!send_text (out, head))
    return;
  gsize send = mode == BODY_SHORT ? len / 2 : len;
  g_output_stream_write_all (out, data, send, NULL, NULL, NULL);
}

/* Splits "first/rest" into its first segment and the rest. */
static char *
pop_segment (const char *path, const char **rest)
{
  const char *slash = strchr (path, '/');
  if (slash == NULL)
    {
      *rest = path + strlen (path);
      return g_strdup (path);
    }
  *rest = slash + 1;
  return g_strndup (path, (gsize) (slash - path));
}

static void
dispatch (TestServer *server, GOutputStream *out, const char *path)
{
  const char *rest = NULL;
  g_autofree char *mode = pop_segment (path, &rest);

  if (strcmp (mode, "files") == 0)
    serve_file (server, out, rest, BODY_LENGTH);
  else if (strcmp (mode, "chunked") == 0)
    serve_file (server, out, rest, BODY_CHUNKED);
  else if (strcmp (mode, "nolength") == 0)
    serve_file (server, out, rest, BODY_UNTIL_CLOSE);
  else if (strcmp (mode, "short") == 0)
    serve_file (server, out, rest, BODY_SHORT);
  else if (strcmp (mode, "redirect") == 0)
    {
      const char *after = NULL;
      g_autofree char *count = pop_segment (rest, &after);
      int n = atoi (count);
      if (n <= 0)
        {
          dispatch (server, out, after);
          return;
        }
      g_autofree char *location = g_strdup_printf ("Location: /redirect/%d/%s\r\n", n - 1, after);
      send_status (out, 302, "Found", location);
    }
  else if (strcmp (mode, "abs-redirect") == 0)
    {
      g_autofree char *location = g_strdup_printf ("Location: http://127.0.0.1:%u/%s\r\n",
                                                   server->port, rest);
      send_status (out, 301, "Moved Permanently", location);
    }
  else if (strcmp (mode, "rel-redirect") == 0)
    {
      /* From /rel-redirect/a/b/c, "../../../" climbs back to the root. */
      GString *location = g_string_new ("Location: ");
      for (const char *c = rest; *c != '\0'; c++)
        if (*c == '/')
          g_string_append (location, "../");
      g_string_append_printf (location, "../%s\r\n", rest);
      send_status (out, 307, "Temporary Redirect", location->str);
      g_string_free (location, TRUE);
    }
  else if (strcmp (mode, "status") == 0)
    {
      const char *after = NULL;
      g_autofree char *code = pop_segment (rest, &after);
      send_status (out, (guint) atoi (code), "Test Status", NULL);
    }
  else if (strcmp (mode, "nolocation") == 0)
    send_status (out, 302, "Found", NULL);
  else if (strcmp (mode, "garbage") == 0)
    send_text (out, "SSH-2.0-OpenSSH_9.2\r\n");
  else if (strcmp (mode, "hang") == 0)
    {
      /* Well past the client's time-out, or until the test stops the server. */
      gint64 until = g_get_monotonic_time () + 4 * CLIENT_TIMEOUT_S * G_USEC_PER_SEC;
      g_mutex_lock (&server->lock);
      while (!server->stopping && g_cond_wait_until (&server->cond, &server->lock, until))
        ;
      g_mutex_unlock (&server->lock);
    }
  else
    send_status (out, 404, "Not Found", NULL);
}

static gboolean
on_incoming (G_GNUC_UNUSED GSocketService *service,
             GSocketConnection            *connection,
             G_GNUC_UNUSED GObject        *source_object,
             gpointer                      user_data)
{
  TestServer *server = user_data;
  /* So that a client that never finishes its request cannot stall the server. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);

  g_autoptr(GDataInputStream) in =
      g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_autofree char *request = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_autofree char *host = NULL;
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      if (line == NULL || *line == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Host:", 5) == 0)
        host = g_strstrip (g_strdup (line + 5));
    }

  g_auto(GStrv) parts = request != NULL ? g_strsplit (request, " ", 3) : NULL;
  if (parts == NULL || g_strv_length (parts) != 3 || strcmp (parts[0], "GET") != 0
      || parts[1][0] != '/')
    send_status (out, 400, "Bad Request", NULL);
  else
    {
      g_mutex_lock (&server->lock);
      g_ptr_array_add (server->requests, g_strdup (parts[1]));
      g_ptr_array_add (server->hosts, g_strdup (host != NULL ? host : ""));
      g_mutex_unlock (&server->lock);
      dispatch (server, out, parts[1] + 1);
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  TestServer *server = data;
  /* GSocketService accepts in the thread-default context of the thread that
   * adds its listener, so all of it must happen here. */
  g_main_context_push_thread_default (server->context);

  GSocketService *service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (service);

  g_mutex_lock (&server->lock);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  server->ready = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->lock);

  g_main_loop_run (server->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_object_unref (service);
  /* Let the cancelled accept finish before the context goes away. */
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

static TestServer *
test_server_start (const char *root)
{
  TestServer *server = g_new0 (TestServer, 1);
  server->root = g_strdup (root);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->requests = g_ptr_array_new_with_free_func (g_free);
  server->hosts = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->thread = g_thread_new ("test-http-server", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->ready)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);
  return server;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_server_stop (TestServer *server)
{
  g_mutex_lock (&server->lock);
  server->stopping = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
  g_main_context_invoke (server->context, quit_loop, server->loop);
  g_thread_join (server->thread);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->hosts);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server->root);
  g_free (server);
}

static char *
test_server_url (TestServer *server, const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
}

/* A copy of the request log, so the caller need not hold the lock. */
static GPtrArray *
test_server_requests (TestServer *server)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);
  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->requests->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (server->requests, i)));
  g_mutex_unlock (&server->lock);
  return copy;
}

/* ---- progress --------------------------------------------------------------- */

typedef struct {
  char   *file_name;
  gint64  received;
  gint64  total;
} ProgressCall;

static void
progress_call_clear (gpointer data)
{
  g_free (((ProgressCall *) data)->file_name);
}

static GArray *
progress_log_new (void)
{
  GArray *log = g_array_new (FALSE, TRUE, sizeof (ProgressCall));
  g_array_set_clear_func (log, progress_call_clear);
  return log;
}

static void
record_progress (const char *file_name, gint64 received, gint64 total, gpointer user_data)
{
  GArray *log = user_data;
  ProgressCall call = { g_strdup (file_name), received, total };
  g_array_append_val (log, call);
}

/* Per file: starts at 0, never goes back, ends at the file's size, and the
 * total is the size (known from Content-Length, else from the table). */
static void
check_progress (GArray *log, const BlipDataFile *files)
{
  for (const BlipDataFile *f = files; f->name != NULL; f++)
    {
      gint64 last = -1;
      int calls = 0;
      for (guint i = 0; i < log->len; i++)
        {
          const ProgressCall *call = &g_array_index (log, ProgressCall, i);
          if (strcmp (call->file_name, f->name) != 0)
            continue;
          if (calls == 0)
            g_assert_cmpint (call->received, ==, 0);
          else
            g_assert_cmpint (call->received, >, last);
          g_assert_cmpint (call->total, ==, f->size);
          last = call->received;
          calls++;
        }
      g_assert_cmpint (calls, >=, 2);
      g_assert_cmpint (last, ==, f->size);
    }
}

/* ---- fixtures ----------------------------------------------------------------- */

static char *
md5_of_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) data, len);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (from, &data, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
flip_byte (const char *path, gsize at)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at, <, len);
  data[at] ^= 0x01;
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
append_bytes (const char *path, const char *extra)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_autoptr(GString) joined = g_string_new_len (data, (gssize) len);
  g_string_append (joined, extra);
  g_file_set_contents (path, joined->str, (gssize) joined->len, &error);
  g_assert_no_error (error);
}

/* A small data set the test generates, served by its own server, with a
 * table entry (BlipDataset) built from the generated files' md5s. */
typedef struct {
  char        *root;       /* server root: good/, corrupt/, padded/ */
  char        *target;     /* the data directory downloads go to */
  char        *md5[3];
  BlipDataFile files[3];
  BlipDataset  dataset;
  TestServer  *server;
} Generated;

static const char * const generated_names[] = {
  "small-images-idx3-ubyte.gz",
  "small-labels-idx1-ubyte.gz",
};
static const char * const no_dirs[] = { NULL };

static Generated *
generated_new (void)
{
  Generated *g = g_new0 (Generated, 1);
  g->root = blip_test_mkdtemp ();
  g->target = blip_test_mkdtemp ();
  static const char * const variants[] = { "good", "corrupt", "padded" };
  for (gsize v = 0; v < G_N_ELEMENTS (variants); v++)
    {
      g_autofree char *dir = g_build_filename (g->root, variants[v], NULL);
      g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
    }

  /* Noise does not compress, so the images file spans many reads. */
  enum { N = 400 };
  g_autofree guint8 *pixels = g_malloc ((gsize) N * 28 * 28);
  guint8 labels[N];
  GRand *rand = g_rand_new_with_seed (42);
  for (gsize i = 0; i < (gsize) N * 28 * 28; i++)
    pixels[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int i = 0; i < N; i++)
    labels[i] = (guint8) g_rand_int_range (rand, 0, 10);
  g_rand_free (rand);

  for (gsize i = 0; i < G_N_ELEMENTS (generated_names); i++)
    {
      g_autofree char *good = g_build_filename (g->root, "good", generated_names[i], NULL);
      if (i == 0)
        blip_test_write_idx_images (good, pixels, N, 28, 28);
      else
        blip_test_write_idx_labels (good, labels, N);
      for (gsize v = 1; v < G_N_ELEMENTS (variants); v++)
        {
          g_autofree char *copy = g_build_filename (g->root, variants[v], generated_names[i], NULL);
          copy_file (good, copy);
        }
      g->md5[i] = md5_of_file (good);
      GStatBuf st;
      g_assert_cmpint (g_stat (good, &st), ==, 0);
      g->files[i] = (BlipDataFile) { generated_names[i], g->md5[i], (gint64) st.st_size };
    }
  g->files[2] = (BlipDataFile) { NULL, NULL, 0 };

  /* The labels file is damaged in the middle, where it stays valid gzip
   * framing-wise but cannot match its md5. */
  g_autofree char *corrupt = g_build_filename (g->root, "corrupt", generated_names[1], NULL);
  flip_byte (corrupt, (gsize) g->files[1].size / 2);
  g_autofree char *padded = g_build_filename (g->root, "padded", generated_names[1], NULL);
  append_bytes (padded, "trailing bytes");

  g->dataset = (BlipDataset) {
    .name = "generated",
    .subdir = "generated",
    .title = "Generated test set",
    .urls = no_dirs,          /* every case passes a base URL or sets its own list */
    .system_dirs = no_dirs,
    .hint = "let the test write it",
    .files = g->files,
  };
  g->server = test_server_start (g->root);
  return g;
}

static void
generated_free (Generated *g)
{
  test_server_stop (g->server);
  blip_test_rmtree (g->root);
  blip_test_rmtree (g->target);
  for (gsize i = 0; i < G_N_ELEMENTS (g->md5); i++)
    g_free (g->md5[i]);
  g_free (g->root);
  g_free (g->target);
  g_free (g);
}

/* No "<name>.part" may survive a download, finished or failed. */
static void
assert_no_part_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".part"))
      g_error ("%s/%s was left behind", dir, name);
  g_dir_close (d);
}

static void
assert_downloaded (const BlipDataset *dataset, const char *data_dir)
{
  for (const BlipDataFile *f = dataset->files; f->name != NULL; f++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *found = blip_dataset_find_file (dataset, data_dir, f->name, &error);
      g_assert_no_error (error);
      g_autofree char *expected = g_build_filename (data_dir, dataset->subdir, f->name, NULL);
      g_assert_cmpstr (found, ==, expected);
      g_autofree char *md5 = md5_of_file (found);
      g_assert_cmpstr (md5, ==, f->md5);
    }
  g_autofree char *sub = g_build_filename (data_dir, dataset->subdir, NULL);
  assert_no_part_files (sub);
}

static void
assert_contains (const char *message, const char *needle)
{
  if (strstr (message, needle) == NULL)
    g_error ("message lacks \"%s\":\n%s", needle, message);
}

/* ---- the table of cases with generated files ------------------------------------ */

typedef struct {
  const char *slug;
  const char *description;
  const char *base_path;      /* the base URL's path on the test server */
  int         expected;       /* -1: success; else a BlipDataError */
  const char *expected_text;  /* in the message, or NULL */
  int         failing_file;   /* on failure: the file that fails; those before it arrive */
  guint       requests;       /* how many requests the server sees in all */
} DownloadCase;

static const DownloadCase download_cases[] = {
  { "content-length", "200 with Content-Length", "/files/good/", -1, NULL, 0, 2 },
  { "chunked", "chunked transfer encoding", "/chunked/good/", -1, NULL, 0, 2 },
  { "until-close", "no length: the body ends with the connection", "/nolength/good/", -1, NULL, 0, 2 },
  { "redirect-absolute", "301 to an absolute URL", "/abs-redirect/files/good/", -1, NULL, 0, 4 },
  { "redirect-relative", "307 to a ../ relative Location", "/rel-redirect/chunked/good/", -1, NULL, 0, 4 },
  { "redirect-5", "five redirects in a row are followed", "/redirect/5/files/good/", -1, NULL, 0, 12 },
  { "redirect-6", "a sixth redirect is refused", "/redirect/6/files/good/",
    BLIP_DATA_ERROR_DOWNLOAD, "more than 5 redirects", 0, 6 },
  { "redirect-no-location", "302 without Location", "/nolocation/",
    BLIP_DATA_ERROR_DOWNLOAD, "without a Location header", 0, 1 },
  { "404", "404 Not Found", "/status/404/",
    BLIP_DATA_ERROR_DOWNLOAD, "HTTP status 404", 0, 1 },
  { "500", "500 Internal Server Error", "/status/500/",
    BLIP_DATA_ERROR_DOWNLOAD, "HTTP status 500", 0, 1 },
  { "404-behind-redirect", "a redirect to a 404", "/redirect/1/status/404/",
    BLIP_DATA_ERROR_DOWNLOAD, "redirected to http://127.0.0.1:", 0, 2 },
  { "short-body", "connection closed before Content-Length bytes", "/short/good/",
    BLIP_DATA_ERROR_DOWNLOAD, "closed the connection after", 0, 1 },
  { "not-http", "a server that does not speak HTTP", "/garbage/",
    BLIP_DATA_ERROR_DOWNLOAD, "not an HTTP response", 0, 1 },
  { "checksum", "one byte flipped in the labels file", "/files/corrupt/",
    BLIP_DATA_ERROR_CHECKSUM, "small-labels-idx1-ubyte.gz has the wrong checksum: expected md5 ", 1, 2 },
  { "checksum-chunked", "one byte flipped, sent chunked", "/chunked/corrupt/",
    BLIP_DATA_ERROR_CHECKSUM, "the download was deleted", 1, 2 },
  { "too-long", "more bytes than the published file has", "/nolength/padded/",
    BLIP_DATA_ERROR_DOWNLOAD, "more than the", 1, 2 },
};

static void
test_generated_case (gconstpointer data)
{
  const DownloadCase *c = data;
  g_test_summary (c->description);
  Generated *g = generated_new ();
  g_autofree char *base = test_server_url (g->server, c->base_path);
  g_autoptr(GArray) log = progress_log_new ();
  g_autoptr(GError) error = NULL;

  gboolean ok = blip_dataset_download (&g->dataset, g->target, base, record_progress, log, &error);
  g_autofree char *sub = g_build_filename (g->target, g->dataset.subdir, NULL);
  g_autoptr(GPtrArray) requests = test_server_requests (g->server);
  g_assert_cmpuint (requests->len, ==, c->requests);

  if (c->expected < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      assert_downloaded (&g->dataset, g->target);
      check_progress (log, g->files);
      generated_free (g);
      return;
    }

  g_assert_false (ok);
  g_assert_error (error, BLIP_DATA_ERROR, c->expected);
  g_test_message ("%s", error->message);
  if (c->expected_text != NULL)
    assert_contains (error->message, c->expected_text);
  g_autofree char *url = g_strconcat (base, generated_names[c->failing_file], NULL);
  assert_contains (error->message, url);
  if (c->expected == BLIP_DATA_ERROR_CHECKSUM)
    {
      g_autofree char *bad = g_build_filename (g->root, "corrupt", generated_names[1], NULL);
      g_autofree char *actual = md5_of_file (bad);
      assert_contains (error->message, g->md5[1]);
      assert_contains (error->message, actual);
    }

  /* Files before the failing one arrived; the failing one is not there, not
   * even in part, and the download stopped there. */
  for (int i = 0; g->files[i].name != NULL; i++)
    {
      g_autofree char *path = g_build_filename (sub, g->files[i].name, NULL);
      g_autofree char *part = g_strconcat (path, ".part", NULL);
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS) == (i < c->failing_file));
    }
  assert_no_part_files (sub);
  generated_free (g);
}

/* ---- other cases with generated files ------------------------------------------- */

/* The Host header carries the port, as HTTP/1.1 requires for a non-default one. */
static void
test_host_header (void)
{
  Generated *g = generated_new ();
  g_autofree char *base = test_server_url (g->server, "/files/good/");
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *expected = g_strdup_printf ("127.0.0.1:%u", g->server->port);
  g_mutex_lock (&g->server->lock);
  for (guint i = 0; i < g->server->hosts->len; i++)
    g_assert_cmpstr (g_ptr_array_index (g->server->hosts, i), ==, expected);
  g_mutex_unlock (&g->server->lock);
  generated_free (g);
}

/* A base URL without the trailing slash names the same folder. */
static void
test_base_without_slash (void)
{
  Generated *g = generated_new ();
  g_autofree char *base = test_server_url (g->server, "/files/good");
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_downloaded (&g->dataset, g->target);
  generated_free (g);
}

/* Files already present (under either name) are not fetched again. */
static void
test_skips_present (void)
{
  Generated *g = generated_new ();
  g_autofree char *sub = g_build_filename (g->target, g->dataset.subdir, NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_autofree char *images = g_build_filename (sub, generated_names[0], NULL);
  g_autofree char *labels_plain = g_build_filename (sub, "small-labels-idx1-ubyte", NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (images, "mine", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (labels_plain, "mine too", -1, &error);
  g_assert_no_error (error);

  g_autofree char *base = test_server_url (g->server, "/files/good/");
  g_assert_true (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autoptr(GPtrArray) requests = test_server_requests (g->server);
  g_assert_cmpuint (requests->len, ==, 0);
  g_autofree char *contents = NULL;
  g_file_get_contents (images, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "mine");

  /* With one removed, only that one is fetched. */
  g_assert_cmpint (g_unlink (images), ==, 0);
  g_assert_true (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autoptr(GPtrArray) again = test_server_requests (g->server);
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (again, 0), generated_names[0]));
  g_autofree char *md5 = md5_of_file (images);
  g_assert_cmpstr (md5, ==, g->md5[0]);
  generated_free (g);
}

/* Without a base URL the data set's own list is tried in order. */
static void
test_mirror_fallback (void)
{
  Generated *g = generated_new ();
  g_autofree char *bad = test_server_url (g->server, "/status/404/");
  g_autofree char *corrupt = test_server_url (g->server, "/files/corrupt/");
  g_autofree char *good = test_server_url (g->server, "/chunked/good/");
  const char *urls[] = { bad, corrupt, good, NULL };
  g->dataset.urls = urls;

  g_autoptr(GArray) log = progress_log_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_dataset_download (&g->dataset, g->target, NULL, record_progress, log, &error));
  g_assert_no_error (error);
  assert_downloaded (&g->dataset, g->target);
  /* images: 404, then the corrupt folder (whose images are fine);
   * labels: 404, corrupt (bad md5), then good. */
  g_autoptr(GPtrArray) requests = test_server_requests (g->server);
  g_assert_cmpuint (requests->len, ==, 5);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (requests, 4), "/chunked/good/"));
  g->dataset.urls = no_dirs;
  generated_free (g);
}

static void
test_all_mirrors_fail (void)
{
  Generated *g = generated_new ();
  g_autofree char *a = test_server_url (g->server, "/status/404/");
  g_autofree char *b = test_server_url (g->server, "/status/503/");
  const char *urls[] = { a, b, NULL };
  g->dataset.urls = urls;

  g_autoptr(GError) error = NULL;
  g_assert_false (blip_dataset_download (&g->dataset, g->target, NULL, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  g_autofree char *url_a = g_strconcat (a, generated_names[0], NULL);
  g_autofree char *url_b = g_strconcat (b, generated_names[0], NULL);
  assert_contains (error->message, url_a);
  assert_contains (error->message, url_b);
  assert_contains (error->message, "HTTP status 404");
  assert_contains (error->message, "HTTP status 503");
  g->dataset.urls = no_dirs;
  generated_free (g);
}

/* A server that accepts and then says nothing must not hang the download. */
static void
test_timeout (void)
{
  Generated *g = generated_new ();
  g_autofree char *base = test_server_url (g->server, "/hang/");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_false (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  gint64 elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  g_autofree char *said = g_strdup_printf ("timed out after %d s", CLIENT_TIMEOUT_S);
  assert_contains (error->message, said);
  g_assert_cmpint (elapsed, >=, (CLIENT_TIMEOUT_S * G_USEC_PER_SEC) - G_USEC_PER_SEC / 10);
  g_assert_cmpint (elapsed, <, 3 * CLIENT_TIMEOUT_S * G_USEC_PER_SEC);
  generated_free (g);
}

static void
test_connection_refused (void)
{
  Generated *g = generated_new ();
  /* A port that was just free: bind, note it, close. */
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, NULL);
  guint port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/files/good/", port);
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "connecting to 127.0.0.1 port");
  assert_contains (error->message, base);
  generated_free (g);
}

/* https needs glib-networking; without it the message must say so. With it,
 * a TLS handshake against this plain-HTTP server fails instead. */
static void
test_https (void)
{
  Generated *g = generated_new ();
  g_autofree char *base = g_strdup_printf ("https://127.0.0.1:%u/files/good/", g->server->port);
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_dataset_download (&g->dataset, g->target, base, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    assert_contains (error->message, "glib-networking");
  generated_free (g);
}

typedef struct {
  const char *slug;
  const char *base;
  const char *expected_text;
} BadUrlCase;

static const BadUrlCase bad_url_cases[] = {
  { "ftp", "ftp://127.0.0.1/pub/", "unsupported URL scheme \"ftp\"" },
  { "no-host", "http:///files/", "no host" },
  { "not-a-url", "not a url/", "not a valid URL" },
};

static void
test_bad_url (gconstpointer data)
{
  const BadUrlCase *c = data;
  Generated *g = generated_new ();
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_dataset_download (&g->dataset, g->target, c->base, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  assert_contains (error->message, c->expected_text);
  generated_free (g);
}

/* A data directory that cannot be created is reported, not ignored. */
static void
test_unwritable_target (void)
{
  Generated *g = generated_new ();
  g_autofree char *file = g_build_filename (g->target, "a-file", NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (file, "", 0, &error);
  g_assert_no_error (error);
  g_autofree char *base = test_server_url (g->server, "/files/good/");
  g_assert_false (blip_dataset_download (&g->dataset, file, base, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_DOWNLOAD);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "cannot create folder");
  generated_free (g);
}

/* ---- the real MNIST files ------------------------------------------------------ */

/* A server root whose good/ is the real mnist folder. */
static char *
real_root (const char *data)
{
  g_autofree char *mnist = g_build_filename (data, "mnist", NULL);
  char *root = blip_test_mkdtemp ();
  g_autofree char *good = g_build_filename (root, "good", NULL);
  g_assert_cmpint (symlink (mnist, good), ==, 0);
  return root;
}

static void
test_real_download (gconstpointer data)
{
  const char *base_path = data;
  g_autofree char *real = NULL;
  const BlipDataset *mnist = blip_dataset_lookup ("mnist");
  for (const BlipDataFile *f = mnist->files; f->name != NULL; f++)
    {
      g_autofree char *rel = g_build_filename ("mnist", f->name, NULL);
      g_free (real);
      real = blip_test_real_data_dir (rel);
      if (real == NULL)
        return;
    }

  g_autofree char *root = real_root (real);
  TestServer *server = test_server_start (root);
  g_autofree char *target = blip_test_mkdtemp ();
  g_autofree char *base = test_server_url (server, base_path);
  g_autoptr(GArray) log = progress_log_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (blip_dataset_download (mnist, target, base, record_progress, log, &error));
  g_assert_no_error (error);
  assert_downloaded (mnist, target);
  check_progress (log, mnist->files);

  test_server_stop (server);
  blip_test_rmtree (target);
  blip_test_rmtree (root);  /* removes the link good/, not what it points to */
}

static void
test_real_corrupt (void)
{
  g_autofree char *real = blip_test_real_data_dir ("mnist/train-labels-idx1-ubyte.gz");
  if (real == NULL)
    return;
  g_autofree char *real_images = g_build_filename (real, "mnist", "train-images-idx3-ubyte.gz", NULL);
  if (!g_file_test (real_images, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the real train-images-idx3-ubyte.gz is absent");
      return;
    }

  /* Served: a copy of the labels file with one byte flipped. */
  g_autofree char *root = blip_test_mkdtemp ();
  g_autofree char *corrupt_dir = g_build_filename (root, "corrupt", NULL);
  g_assert_cmpint (g_mkdir (corrupt_dir, 0755), ==, 0);
  g_autofree char *real_labels = g_build_filename (real, "mnist", "train-labels-idx1-ubyte.gz", NULL);
  g_autofree char *bad = g_build_filename (corrupt_dir, "train-labels-idx1-ubyte.gz", NULL);
  copy_file (real_labels, bad);
  flip_byte (bad, 10000);
  g_autofree char *bad_md5 = md5_of_file (bad);

  /* The images file is already in place (a link to the real one), so the
   * labels file is the first one fetched. */
  g_autofree char *target = blip_test_mkdtemp ();
  g_autofree char *sub = g_build_filename (target, "mnist", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_autofree char *link = g_build_filename (sub, "train-images-idx3-ubyte.gz", NULL);
  g_assert_cmpint (symlink (real_images, link), ==, 0);

  TestServer *server = test_server_start (root);
  g_autofree char *base = test_server_url (server, "/files/corrupt/");
  const BlipDataset *mnist = blip_dataset_lookup ("mnist");
  g_autoptr(GError) error = NULL;
  g_assert_false (blip_dataset_download (mnist, target, base, NULL, NULL, &error));
  g_assert_error (error, BLIP_DATA_ERROR, BLIP_DATA_ERROR_CHECKSUM);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "train-labels-idx1-ubyte.gz");
  assert_contains (error->message, "d53e105ee54ea40749a09fcbcd1e9432");
  assert_contains (error->message, bad_md5);

  g_autofree char *labels = g_build_filename (sub, "train-labels-idx1-ubyte.gz", NULL);
  g_autofree char *part = g_strconcat (labels, ".part", NULL);
  g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  assert_no_part_files (sub);
  g_autoptr(GPtrArray) requests = test_server_requests (server);
  g_assert_cmpuint (requests->len, ==, 1);

  test_server_stop (server);
  blip_test_rmtree (target);
  blip_test_rmtree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A proxy from the environment would send the loopback requests elsewhere. */
  g_setenv ("no_proxy", "*", TRUE);
  g_autofree char *timeout = g_strdup_printf ("%d", CLIENT_TIMEOUT_S);
  g_setenv ("BLIP_DOWNLOAD_TIMEOUT", timeout, TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (download_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/download/generated/%s", download_cases[i].slug);
      g_test_add_data_func (name, &download_cases[i], test_generated_case);
    }
  g_test_add_func ("/download/generated/host-header", test_host_header);
  g_test_add_func ("/download/generated/base-without-slash", test_base_without_slash);
  g_test_add_func ("/download/generated/skips-present", test_skips_present);
  g_test_add_func ("/download/generated/mirror-fallback", test_mirror_fallback);
  g_test_add_func ("/download/generated/all-mirrors-fail", test_all_mirrors_fail);
  g_test_add_func ("/download/generated/timeout", test_timeout);
  g_test_add_func ("/download/generated/connection-refused", test_connection_refused);
  g_test_add_func ("/download/generated/https", test_https);
  g_test_add_func ("/download/generated/unwritable-target", test_unwritable_target);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_url_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/download/generated/bad-url/%s", bad_url_cases[i].slug);
      g_test_add_data_func (name, &bad_url_cases[i], test_bad_url);
    }

  g_test_add_data_func ("/download/real/content-length", "/files/good/", test_real_download);
  g_test_add_data_func ("/download/real/chunked", "/chunked/good/", test_real_download);
  g_test_add_func ("/download/real/checksum", test_real_corrupt);

  return g_test_run ();
}
