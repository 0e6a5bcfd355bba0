#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "dd-worker-connection.h"
#include "dd-worker-listener.h"

struct _DdWorkerListener {
  SoupServer         *server;
  GSocketService     *service;
  GPtrArray          *sockets;      /* GSocket, listening */
  DdWorkerMetrics    *metrics;
  guint               request_timeout_ms;
  DdWorkerConnection *accepting;    /* the connection being handed to libsoup */
  gulong              incoming_id;
  gulong              started_id;
};

/* libsoup announces a connection's first request while we hand the connection over. */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  DdWorkerListener *self = user_data;

  if (self->accepting != NULL)
    dd_worker_connection_attach (self->accepting, msg);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  DdWorkerListener *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(DdWorkerConnection) conn = NULL;

  if (local == NULL || remote == NULL)
    {
      g_debug ("a client left before its connection was accepted");
      return TRUE;
    }
  /* Capture streams go out as they are made, not when a segment fills. */
  if (G_IS_INET_SOCKET_ADDRESS (local))
    g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                         TRUE, NULL);
  conn = dd_worker_connection_new (connection, self->request_timeout_ms, self->metrics);
  self->accepting = conn;
  soup_server_accept_iostream (self->server, G_IO_STREAM (conn), local, remote, NULL);
  self->accepting = NULL;
  return TRUE;
}

DdWorkerListener *
dd_worker_listener_new (SoupServer      *server,
                        guint            request_timeout_ms,
                        DdWorkerMetrics *metrics)
{
  DdWorkerListener *self = g_new0 (DdWorkerListener, 1);

  self->server = g_object_ref (server);
  self->service = g_socket_service_new ();
  self->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self->metrics = metrics;
  self->request_timeout_ms = request_timeout_ms;
  self->incoming_id = g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  self->started_id = g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), self);
  return self;
}

void
dd_worker_listener_free (DdWorkerListener *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->started_id, self->server);
  g_clear_signal_handler (&self->incoming_id, self->service);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_ptr_array_unref (self->sockets);
  g_object_unref (self->server);
  g_free (self);
}

gboolean
dd_worker_listener_add_socket (DdWorkerListener  *self,
                               GSocket           *socket,
                               GError           **error)
{
  /* listen () again on a listening socket only changes its backlog. */
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_listen (socket, error) ||
      !g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), socket, NULL, error))
    return FALSE;
  g_ptr_array_add (self->sockets, g_object_ref (socket));
  return TRUE;
}

static gboolean
add_bound (DdWorkerListener  *self,
           GSocketAddress    *address,
           gboolean           v6only,
           GError           **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address),
                                            G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);

  if (socket == NULL)
    return FALSE;
  if (v6only && !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return FALSE;
  return g_socket_bind (socket, address, TRUE, error) &&
         dd_worker_listener_add_socket (self, socket, error);
}

GSocketAddress *
dd_worker_listener_add_address (DdWorkerListener  *self,
                                GSocketAddress    *address,
                                GError           **error)
{
  if (!add_bound (self, address, FALSE, error))
    return NULL;
  return g_socket_get_local_address (g_ptr_array_index (self->sockets, self->sockets->len - 1), error);
}

guint16
dd_worker_listener_add_any (DdWorkerListener  *self,
                            guint16            port,
                            GError           **error)
{
  g_autoptr(GInetAddress) any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address4 = g_inet_socket_address_new (any4, port);
  g_autoptr(GSocketAddress) address6 = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!add_bound (self, address4, FALSE, error))
    return 0;
  if (port == 0)
    {
      GSocket *socket = g_ptr_array_index (self->sockets, self->sockets->len - 1);
      g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, error);

      if (bound == NULL)
        return 0;
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  /* A separate IPv6-only socket, as libsoup does: the IPv4 one stays valid without IPv6. */
  address6 = g_inet_socket_address_new (any6, port);
  if (!add_bound (self, address6, TRUE, &local_error))
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return 0;
        }
      g_debug ("no IPv6: %s", local_error->message);
    }
  return port;
}

GPtrArray *
dd_worker_listener_get_addresses (DdWorkerListener *self)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->sockets->len; i++)
    {
      GSocketAddress *local = g_socket_get_local_address (g_ptr_array_index (self->sockets, i), NULL);

      if (local != NULL)
        g_ptr_array_add (addresses, local);
    }
  return addresses;
}
