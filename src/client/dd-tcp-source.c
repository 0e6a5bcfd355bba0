#include "config.h"

#include <glib/gi18n.h>

#include "dd-tcp-source.h"

struct _DdTcpSource {
  DdSource           parent_instance;
  GSocketConnection *connection;
};

G_DEFINE_FINAL_TYPE (DdTcpSource, dd_tcp_source, DD_TYPE_SOURCE)

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DdTcpSource *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_task_return_error (task, dd_connect_timeout_error (dd_source_get_context (DD_SOURCE (self))->connect_timeout_s));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The connect timeout must not become a read timeout: a quiet stream is not a dead one. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  g_clear_object (&self->connection);
  self->connection = connection;
  g_task_return_pointer (task, g_object_ref (g_io_stream_get_input_stream (G_IO_STREAM (connection))),
                         g_object_unref);
}

static void
dd_tcp_source_open_async (DdSource            *source,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GUri *uri = dd_source_get_target (source)->uri;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address =
    g_network_address_new (g_uri_get_host (uri), (guint16) g_uri_get_port (uri));
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, dd_tcp_source_open_async);
  g_socket_client_set_timeout (client, dd_source_get_context (source)->connect_timeout_s);
  g_socket_client_connect_async (client, address, cancellable, connect_cb, task);
}

static GInputStream *
dd_tcp_source_open_finish (DdSource      *source,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dd_tcp_source_close (DdSource *source)
{
  g_clear_object (&DD_TCP_SOURCE (source)->connection);
}

static void
dd_tcp_source_init (DdTcpSource *self)
{
}

static void
dd_tcp_source_class_init (DdTcpSourceClass *klass)
{
  DdSourceClass *source_class = DD_SOURCE_CLASS (klass);

  source_class->open_async = dd_tcp_source_open_async;
  source_class->open_finish = dd_tcp_source_open_finish;
  source_class->close = dd_tcp_source_close;
}
