#include "config.h"

#include <glib/gi18n.h>

#include "dd-connection-guard.h"
#include "dd-worker-response.h"

/* How often deadlines are checked. */
#define SWEEP_INTERVAL_MS 250
/* A refused request's connection stays open this long after the answer, so that a client
 * still sending its body reads the answer rather than a reset. */
#define LINGER_US (2 * G_USEC_PER_SEC)
/* The request line alone (414 beyond). */
#define MAX_REQUEST_LINE (8 * 1024)

typedef struct {
  GSocket   *socket;
  GIOStream *taken;     /* a refused request's connection, taken over from libsoup */
  gint64     deadline;  /* monotonic µs; 0 while a request is handled */
} Connection;

struct _DdConnectionGuard {
  SoupServer      *server;
  DdWorkerMetrics *metrics;
  gint64           request_timeout_us;
  guint            idle_refs;      /* references to a socket that libsoup is done with */
  GHashTable      *connections;  /* GSocket → Connection */
  gulong           started_id;
  guint            sweep_id;
};

static void
close_taken (Connection *conn)
{
  if (conn->taken != NULL)
    g_io_stream_close (conn->taken, NULL, NULL);
  g_clear_object (&conn->taken);
}

static void
connection_free (Connection *conn)
{
  close_taken (conn);
  g_object_unref (conn->socket);
  g_free (conn);
}

/* Whether nothing but our reference (and the one libsoup < 3.4 leaks) holds the socket.
 * libsoup 3.2's listener never drops the reference of the socket it accepts (fixed in
 * 3.4.0): every connection would keep a GSocket for ever. Once libsoup has let go of the
 * connection, we drop that reference for it. */
static gboolean
release_if_unused (DdConnectionGuard *self,
                   Connection        *conn)
{
  if (g_atomic_int_get (&G_OBJECT (conn->socket)->ref_count) > (gint) self->idle_refs)
    return FALSE;
  if (self->idle_refs == 2)
    g_object_unref (conn->socket);
  return TRUE;
}

static void
answered_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GSocket) socket = user_data;

  /* Whatever came of it, the client gets an end of stream; the body it may still be
   * sending is left in the kernel until the connection is closed. */
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);
  if (!g_socket_is_closed (socket))
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
}

/* Answers a request that announced a body without reading it: the connection is taken
 * from libsoup, answered, and closed after a short linger. */
static void
refuse_with_body (DdConnectionGuard *self,
                  SoupServerMessage *msg,
                  Connection        *conn,
                  guint              status,
                  const char        *allow,
                  const char        *text)
{
  g_autoptr(GBytes) answer = dd_worker_raw_response (status, allow, text);
  GIOStream *stream = soup_server_message_steal_connection (msg);
  gsize size;
  const void *data;

  if (stream == NULL)
    return;
  conn->taken = stream;
  conn->deadline = g_get_monotonic_time () + LINGER_US;
  data = g_bytes_get_data (answer, &size);
  /* The answer is a few hundred bytes: it fits in an empty socket buffer. */
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), data, size,
                                   G_PRIORITY_DEFAULT, NULL, answered_cb,
                                   g_object_ref (conn->socket));
  g_object_set_data_full (G_OBJECT (stream), "dd-answer", g_steal_pointer (&answer),
                          (GDestroyNotify) g_bytes_unref);
}

static gsize
headers_size (SoupServerMessage *msg)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gsize size = 0;

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    size += strlen (name) + strlen (value) + 4;
  return size;
}

static gboolean
has_body (SoupMessageHeaders *headers)
{
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    default:
      return TRUE;
    }
}

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  DdConnectionGuard *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *conn = socket != NULL ? g_hash_table_lookup (self->connections, socket) : NULL;
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  gsize line = strlen (method) + strlen (g_uri_get_path (uri)) +
               (g_uri_get_query (uri) != NULL ? strlen (g_uri_get_query (uri)) + 1 : 0);
  const char *allow = NULL;
  const char *text = NULL;
  guint status = 0;

  if (conn != NULL)
    conn->deadline = 0;
  if (soup_server_message_get_status (msg) != 0)
    return;  /* libsoup refused it already */

  if (line > MAX_REQUEST_LINE)
    {
      status = SOUP_STATUS_REQUEST_URI_TOO_LONG;
      text = _("the request target is too long");
    }
  else if (line + headers_size (msg) > DD_CONNECTION_GUARD_MAX_HEADERS)
    {
      status = 431;
      text = _("the request headers are too large");
    }
  else if (g_strcmp0 (method, SOUP_METHOD_GET) != 0 && g_strcmp0 (method, SOUP_METHOD_HEAD) != 0)
    {
      status = SOUP_STATUS_METHOD_NOT_ALLOWED;
      allow = "GET, HEAD";
      text = _("method not allowed");
    }
  else if (has_body (headers))
    {
      status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      text = _("requests with a body are not accepted");
    }
  if (status == 0)
    return;

  self->metrics->requests_refused++;
  g_debug ("refused %s request from %s: %u %s", method, soup_server_message_get_remote_host (msg),
           status, text);
  if (conn != NULL && has_body (headers))
    {
      refuse_with_body (self, msg, conn, status, allow, text);
      return;
    }
  if (allow != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  dd_worker_respond_text (msg, status, text);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  DdConnectionGuard *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *conn;

  /* One request per connection: libsoup 3.2 leaks a kept-alive connection that the
   * client closes, and a closed connection is the end of its idle time too. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
  if (socket == NULL)
    return;
  conn = g_hash_table_lookup (self->connections, socket);
  if (conn == NULL)
    {
      conn = g_new0 (Connection, 1);
      conn->socket = g_object_ref (socket);
      g_hash_table_insert (self->connections, socket, conn);
    }
  conn->deadline = g_get_monotonic_time () + self->request_timeout_us;
}

static gboolean
sweep_cb (gpointer user_data)
{
  DdConnectionGuard *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Connection *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    {
      if (conn->taken != NULL && now >= conn->deadline)
        close_taken (conn);
      if (conn->taken != NULL)
        continue;
      if (g_socket_is_closed (conn->socket))
        {
          if (release_if_unused (self, conn))
            g_hash_table_iter_remove (&iter);
        }
      else if (conn->deadline != 0 && now >= conn->deadline)
        {
          /* libsoup reads an end of stream and closes the connection itself. */
          g_debug ("closing a connection whose request did not arrive in time");
          g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
          conn->deadline = 0;
          self->metrics->connections_timed_out++;
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
release_unused_cb (gpointer socket,
                   gpointer conn,
                   gpointer user_data)
{
  close_taken (conn);
  return release_if_unused (user_data, conn);
}

DdConnectionGuard *
dd_connection_guard_new (SoupServer      *server,
                         guint            request_timeout_ms,
                         DdWorkerMetrics *metrics)
{
  DdConnectionGuard *self = g_new0 (DdConnectionGuard, 1);

  self->server = g_object_ref (server);
  self->metrics = metrics;
  self->request_timeout_us = (gint64) request_timeout_ms * 1000;
  self->idle_refs = soup_check_version (3, 4, 0) ? 1 : 2;
  self->connections = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) connection_free);
  self->started_id = g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), self);
  self->sweep_id = g_timeout_add (SWEEP_INTERVAL_MS, sweep_cb, self);
  return self;
}

void
dd_connection_guard_free (DdConnectionGuard *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->started_id, self->server);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_hash_table_foreach_remove (self->connections, (GHRFunc) release_unused_cb, self);
  g_hash_table_unref (self->connections);
  g_object_unref (self->server);
  g_free (self);
}
