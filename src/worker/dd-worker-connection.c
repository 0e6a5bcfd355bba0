#include "config.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "dd-request-head-stream.h"
#include "dd-worker-connection.h"
#include "dd-worker-response.h"

/* A refused connection stays open this long after the answer. */
#define LINGER_MS 2000
/* What the linger reads and drops at most; past it the client is left to block. */
#define DRAIN_MAX (4 * 1024 * 1024)

struct _DdWorkerConnection {
  GIOStream          parent_instance;

  GSocketConnection *base;
  GInputStream      *input;        /* DdRequestHeadStream over base's input */
  DdWorkerMetrics   *metrics;
  guint              deadline_id;  /* the head must arrive before this fires */
  gboolean           lingering;    /* answered by us; base closes when the linger ends */
  GSource           *drain_source;
  guint              linger_id;
  gsize              drained;
  gboolean           tcp;
  gboolean           corked;       /* TCP_CORK is on */
};

G_DEFINE_FINAL_TYPE (DdWorkerConnection, dd_worker_connection, G_TYPE_IO_STREAM)

static G_DEFINE_QUARK (dd-worker-connection, dd_worker_connection)

GSocket *
dd_worker_connection_get_socket (DdWorkerConnection *self)
{
  return g_socket_connection_get_socket (self->base);
}

void
dd_worker_connection_set_corked (DdWorkerConnection *self,
                                 gboolean            corked)
{
  corked = !!corked;
  if (!self->tcp || corked == self->corked)
    return;
  /* On a closed socket this fails, and nothing is left to hold back anyway. */
  self->corked = corked;
  g_socket_set_option (dd_worker_connection_get_socket (self), IPPROTO_TCP, TCP_CORK, corked, NULL);
}

static void
end_linger (DdWorkerConnection *self)
{
  if (self->drain_source != NULL)
    {
      g_source_destroy (self->drain_source);
      g_clear_pointer (&self->drain_source, g_source_unref);
    }
  g_clear_handle_id (&self->linger_id, g_source_remove);
  g_io_stream_close (G_IO_STREAM (self->base), NULL, NULL);
  g_object_unref (self);  /* the linger's reference */
}

static gboolean
linger_timeout_cb (gpointer user_data)
{
  DdWorkerConnection *self = user_data;

  self->linger_id = 0;
  end_linger (self);
  return G_SOURCE_REMOVE;
}

static gboolean
drain_cb (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  DdWorkerConnection *self = user_data;
  guint8 scratch[16384];

  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, (char *) scratch, sizeof scratch, FALSE,
                                                 NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        {
          /* The client is done (or gone): nothing is left to wait for. */
          end_linger (self);
          return G_SOURCE_REMOVE;
        }
      self->drained += (gsize) n;
      if (self->drained > DRAIN_MAX)
        {
          g_clear_pointer (&self->drain_source, g_source_unref);
          return G_SOURCE_REMOVE;
        }
    }
  return G_SOURCE_CONTINUE;
}

void
dd_worker_connection_refuse (DdWorkerConnection *self,
                             guint               status,
                             const char         *allow,
                             const char         *text)
{
  g_autoptr(GBytes) answer = dd_worker_raw_response (status, allow, text);
  GSocket *socket = dd_worker_connection_get_socket (self);
  gsize size;
  const char *data = g_bytes_get_data (answer, &size);

  if (self->lingering || g_socket_is_closed (socket))
    return;
  self->lingering = TRUE;
  g_clear_handle_id (&self->deadline_id, g_source_remove);

  /* A few hundred bytes, the first on this connection: the send buffer takes them. */
  g_socket_send_with_blocking (socket, data, size, FALSE, NULL, NULL);
  g_socket_shutdown (socket, FALSE, TRUE, NULL);

  g_object_ref (self);  /* dropped by end_linger () */
  self->drain_source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->drain_source, (GSourceFunc) (void (*) (void)) drain_cb, self, NULL);
  g_source_attach (self->drain_source, NULL);
  self->linger_id = g_timeout_add (LINGER_MS, linger_timeout_cb, self);
}

static gboolean
deadline_cb (gpointer user_data)
{
  DdWorkerConnection *self = user_data;

  self->deadline_id = 0;
  self->metrics->connections_timed_out++;
  g_debug ("closing a connection whose request did not arrive in time");
  /* libsoup reads an end of stream and closes the connection itself. */
  g_socket_shutdown (dd_worker_connection_get_socket (self), TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
head_cb (DdRequestHeadStream *stream,
         guint                status,
         gpointer             user_data)
{
  DdWorkerConnection *self = user_data;

  g_clear_handle_id (&self->deadline_id, g_source_remove);
  if (status == 0)
    return;
  self->metrics->requests_refused++;
  g_debug ("refused a request whose head is too large: %u", status);
  dd_worker_connection_refuse (self, status, NULL,
                               status == SOUP_STATUS_REQUEST_URI_TOO_LONG
                                 ? _("the request target is too long")
                                 : _("the request headers are too large"));
}

static GInputStream *
dd_worker_connection_get_input_stream (GIOStream *stream)
{
  return DD_WORKER_CONNECTION (stream)->input;
}

static GOutputStream *
dd_worker_connection_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (G_IO_STREAM (DD_WORKER_CONNECTION (stream)->base));
}

static gboolean
dd_worker_connection_close (GIOStream     *stream,
                            GCancellable  *cancellable,
                            GError       **error)
{
  DdWorkerConnection *self = DD_WORKER_CONNECTION (stream);

  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_input_stream_close (self->input, NULL, NULL);
  if (self->lingering)
    return TRUE;
  return g_io_stream_close (G_IO_STREAM (self->base), cancellable, error);
}

/* GIOStream closes asynchronously in a thread; ours is quick and main-loop only. */
static void
dd_worker_connection_close_async (GIOStream           *stream,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, dd_worker_connection_close_async);
  if (dd_worker_connection_close (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
dd_worker_connection_close_finish (GIOStream     *stream,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
dd_worker_connection_finalize (GObject *object)
{
  DdWorkerConnection *self = DD_WORKER_CONNECTION (object);

  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (dd_worker_connection_parent_class)->finalize (object);
}

static void
dd_worker_connection_class_init (DdWorkerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = dd_worker_connection_finalize;
  stream_class->get_input_stream = dd_worker_connection_get_input_stream;
  stream_class->get_output_stream = dd_worker_connection_get_output_stream;
  stream_class->close_fn = dd_worker_connection_close;
  stream_class->close_async = dd_worker_connection_close_async;
  stream_class->close_finish = dd_worker_connection_close_finish;
}

static void
dd_worker_connection_init (DdWorkerConnection *self)
{
}

DdWorkerConnection *
dd_worker_connection_new (GSocketConnection *base,
                          guint              request_timeout_ms,
                          DdWorkerMetrics   *metrics)
{
  DdWorkerConnection *self = g_object_new (DD_TYPE_WORKER_CONNECTION, NULL);

  self->base = g_object_ref (base);
  self->metrics = metrics;
  /* The listeners' sockets are streams: TCP, or Unix where there is nothing to cork. */
  self->tcp = g_socket_get_family (g_socket_connection_get_socket (base)) != G_SOCKET_FAMILY_UNIX;
  self->input = dd_request_head_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (base)),
                                            head_cb, self);
  self->deadline_id = g_timeout_add (MAX (request_timeout_ms, 1), deadline_cb, self);
  return self;
}

void
dd_worker_connection_attach (DdWorkerConnection *self,
                             SoupServerMessage  *msg)
{
  g_object_set_qdata_full (G_OBJECT (msg), dd_worker_connection_quark (), g_object_ref (self),
                           g_object_unref);
}

DdWorkerConnection *
dd_worker_connection_for_message (SoupServerMessage *msg)
{
  return g_object_get_qdata (G_OBJECT (msg), dd_worker_connection_quark ());
}
