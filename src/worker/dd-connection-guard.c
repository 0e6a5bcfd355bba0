#include "config.h"

#include <glib/gi18n.h>

#include "dd-connection-guard.h"
#include "dd-worker-connection.h"
#include "dd-worker-response.h"

struct _DdConnectionGuard {
  SoupServer      *server;
  DdWorkerMetrics *metrics;
  gulong           started_id;
};

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
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GIOStream) stream = NULL;
  DdWorkerConnection *conn;
  const char *allow = NULL;
  const char *text;
  guint status;

  if (soup_server_message_get_status (msg) != 0)
    return;  /* libsoup refused it already */

  if (g_strcmp0 (method, SOUP_METHOD_GET) != 0 && g_strcmp0 (method, SOUP_METHOD_HEAD) != 0)
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
  else
    return;

  self->metrics->requests_refused++;
  g_debug ("refused %s request from %s: %u %s", method, soup_server_message_get_remote_host (msg),
           status, text);
  conn = dd_worker_connection_for_message (msg);
  if (!has_body (headers) || conn == NULL)
    {
      if (allow != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
      dd_worker_respond_text (msg, status, text);
      return;
    }
  /* libsoup would read the body before answering: the connection is taken from it (in a
   * wrapper of libsoup's, whose end does not end the linger) and answered raw. */
  g_object_ref (conn);
  stream = soup_server_message_steal_connection (msg);
  dd_worker_connection_refuse (conn, status, allow, text);
  g_object_unref (conn);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  DdConnectionGuard *self = user_data;

  /* One request per connection: libsoup 3.2 leaks a kept-alive connection that the
   * client closes. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
}

DdConnectionGuard *
dd_connection_guard_new (SoupServer      *server,
                         DdWorkerMetrics *metrics)
{
  DdConnectionGuard *self = g_new0 (DdConnectionGuard, 1);

  self->server = g_object_ref (server);
  self->metrics = metrics;
  self->started_id = g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), self);
  return self;
}

void
dd_connection_guard_free (DdConnectionGuard *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->started_id, self->server);
  g_object_unref (self->server);
  g_free (self);
}
