#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "dd-poip-server.h"

/* A client that keeps losing packets is told about at most this often. */
#define LOSS_REPORT_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct {
  DdPoipServer      *server;
  GSocketConnection *connection;
  GSocket           *socket;
  char              *peer;
  GQueue             queue;    /* of GBytes, whole chunks */
  gsize              offset;   /* sent of the head chunk */
  gsize              queued;   /* bytes in the queue */
  GSource           *out_source;
  GSource           *in_source;
  guint64            lost;
  gint64             loss_reported_at;
  gboolean           closing;
} Client;

struct _DdPoipServer {
  DdPoipServerFuncs funcs;
  gpointer          user_data;
  GSocketService   *service;
  GPtrArray        *clients;
  GPtrArray        *addresses;  /* GSocketAddress listened on */
  guint             served;
  guint64           lost;      /* of clients that left */
  GTask            *closing;   /* dd_poip_server_close_async () */
  guint             closing_timeout_id;
};

static void client_free (Client *client);

static void G_GNUC_PRINTF (2, 3)
report (DdPoipServer *self,
        const char   *format,
        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->funcs.report != NULL)
    self->funcs.report (text, self->user_data);
}

static void closed (DdPoipServer *self);

/* Takes @client out of the server; @error says why it went (NULL: we closed it). */
static void
client_gone (Client       *client,
             const GError *error)
{
  DdPoipServer *self = client->server;

  self->lost += client->lost;
  if (client->lost > 0)
    report (self, _("PCAP-over-IP client %s left; it lost %" PRIu64
                    " packets to a full backlog"), client->peer, client->lost);
  else if (error != NULL)
    g_debug ("PCAP-over-IP client %s left: %s", client->peer, error->message);
  else
    g_debug ("PCAP-over-IP client %s: done", client->peer);
  g_ptr_array_remove_fast (self->clients, client);  /* frees it */
  if (self->closing != NULL && self->clients->len == 0)
    closed (self);
}

static void
client_free (Client *client)
{
  if (client->out_source != NULL)
    g_source_destroy (client->out_source);
  g_clear_pointer (&client->out_source, g_source_unref);
  if (client->in_source != NULL)
    g_source_destroy (client->in_source);
  g_clear_pointer (&client->in_source, g_source_unref);
  g_queue_clear_full (&client->queue, (GDestroyNotify) g_bytes_unref);
  /* What was sent is delivered before the end of the stream. */
  g_socket_shutdown (client->socket, FALSE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_free (client->peer);
  g_free (client);
}

static gboolean out_cb (GSocket *socket, GIOCondition condition, gpointer user_data);

/* Sends what the socket takes. FALSE when the client is gone (freed). */
static gboolean
pump (Client *client)
{
  while (!g_queue_is_empty (&client->queue))
    {
      GBytes *head = g_queue_peek_head (&client->queue);
      gsize size;
      const guint8 *data = g_bytes_get_data (head, &size);
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (client->socket, (const char *) data + client->offset,
                                size - client->offset, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (client->out_source == NULL)
            {
              client->out_source = g_socket_create_source (client->socket, G_IO_OUT, NULL);
              g_source_set_callback (client->out_source, G_SOURCE_FUNC (out_cb), client, NULL);
              g_source_attach (client->out_source, NULL);
            }
          return TRUE;
        }
      if (n < 0)
        {
          client_gone (client, error);
          return FALSE;
        }
      client->offset += (gsize) n;
      if (client->offset == size)
        {
          g_bytes_unref (g_queue_pop_head (&client->queue));
          client->queued -= size;
          client->offset = 0;
        }
    }
  if (client->out_source != NULL)
    {
      g_source_destroy (client->out_source);
      g_clear_pointer (&client->out_source, g_source_unref);
    }
  if (client->closing)
    {
      client_gone (client, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
out_cb (GSocket     *socket,
        GIOCondition condition,
        gpointer     user_data)
{
  Client *client = user_data;

  /* pump() removes this source when the queue is empty, or frees the client. */
  pump (client);
  return G_SOURCE_CONTINUE;
}

/* A PCAP-over-IP client has nothing to say: what it sends is read and ignored. The end
 * of its stream may be a half close (nc -N) that still wants the capture: only a failed
 * read or send ends the client. */
static gboolean
in_cb (GSocket     *socket,
       GIOCondition condition,
       gpointer     user_data)
{
  Client *client = user_data;
  char scratch[4096];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive (socket, scratch, sizeof scratch, NULL, &error);

  if (n > 0 || (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
    return G_SOURCE_CONTINUE;
  /* client_free() must not destroy it again. */
  g_clear_pointer (&client->in_source, g_source_unref);
  if (n < 0)
    client_gone (client, error);
  return G_SOURCE_REMOVE;
}

static void
enqueue (Client *client,
         GBytes *chunk)
{
  g_queue_push_tail (&client->queue, g_bytes_ref (chunk));
  client->queued += g_bytes_get_size (chunk);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  DdPoipServer *self = user_data;
  Client *client = g_new0 (Client, 1);
  g_autoptr(GSocketAddress) peer = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GBytes) preamble = NULL;

  client->server = self;
  client->connection = g_object_ref (connection);
  client->socket = g_socket_connection_get_socket (connection);
  client->peer = peer != NULL ? dd_socket_address_to_string (peer) : g_strdup (_("a client"));
  g_queue_init (&client->queue);
  g_socket_set_blocking (client->socket, FALSE);
  if (G_IS_INET_SOCKET_ADDRESS (peer))
    g_socket_set_keepalive (client->socket, TRUE);

  /* Everything written so far goes to the clients already there; this one starts with
   * the header and the interfaces. */
  preamble = self->funcs.preamble (self->user_data);
  if (preamble != NULL && g_bytes_get_size (preamble) > 0)
    enqueue (client, preamble);
  g_ptr_array_add (self->clients, client);
  self->served++;
  g_debug ("PCAP-over-IP client %s joined", client->peer);

  client->in_source = g_socket_create_source (client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (client->in_source, G_SOURCE_FUNC (in_cb), client, NULL);
  g_source_attach (client->in_source, NULL);
  pump (client);
  return TRUE;
}

DdPoipServer *
dd_poip_server_new (const DdPoipServerFuncs *funcs,
                    gpointer                 user_data)
{
  DdPoipServer *self = g_new0 (DdPoipServer, 1);

  self->funcs = *funcs;
  self->user_data = user_data;
  self->service = g_socket_service_new ();
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  return self;
}

void
dd_poip_server_free (DdPoipServer *self)
{
  if (self == NULL)
    return;
  g_return_if_fail (self->closing == NULL);
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_ptr_array_unref (self->clients);
  g_ptr_array_unref (self->addresses);
  g_free (self);
}

static GSocketAddress *
bind_address (GSocketAddress  *address,
              gpointer         user_data,
              GError         **error)
{
  DdPoipServer *self = user_data;
  GSocketAddress *effective = NULL;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                      G_IS_INET_SOCKET_ADDRESS (address) ? G_SOCKET_PROTOCOL_TCP
                                                                         : G_SOCKET_PROTOCOL_DEFAULT,
                                      NULL, &effective, error))
    return NULL;
  g_ptr_array_add (self->addresses, g_object_ref (effective));
  return effective;
}

static guint16
bind_any (guint16   port,
          gpointer  user_data,
          GError  **error)
{
  DdPoipServer *self = user_data;
  GSocketListener *listener = G_SOCKET_LISTENER (self->service);
  g_autoptr(GInetAddress) any = NULL;

  if (port == 0)
    port = g_socket_listener_add_any_inet_port (listener, NULL, error);
  else if (!g_socket_listener_add_inet_port (listener, port, NULL, error))
    port = 0;
  if (port == 0)
    return 0;
  any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_ptr_array_add (self->addresses, g_inet_socket_address_new (any, port));
  return port;
}

static const DdListenBinder binder = {
  .bind_address = bind_address,
  .bind_any = bind_any,
};

char *
dd_poip_server_listen (DdPoipServer          *self,
                       const DdListenAddress *address,
                       guint16               *bound_port,
                       GError               **error)
{
  return dd_listen_address_bind (address, &binder, self, bound_port, error);
}

gboolean
dd_poip_server_has_clients (DdPoipServer *self)
{
  return self->clients->len > 0;
}

void
dd_poip_server_send (DdPoipServer *self,
                     GBytes       *chunk,
                     guint         packets,
                     gboolean      essential)
{
  gsize size = g_bytes_get_size (chunk);
  gint64 now = 0;

  /* Backwards: pump() may remove a client that has gone. */
  for (guint i = self->clients->len; i-- > 0;)
    {
      Client *client = self->clients->pdata[i];

      if (client->closing)
        continue;
      if (!essential && client->queued > 0 && client->queued + size > DD_POIP_BACKLOG)
        {
          client->lost += packets;
          if (now == 0)
            now = g_get_monotonic_time ();
          if (client->loss_reported_at == 0 || now - client->loss_reported_at >= LOSS_REPORT_INTERVAL_US)
            {
              report (self, _("PCAP-over-IP client %s reads too slowly: its backlog is full and it "
                              "lost %" PRIu64 " packets so far"), client->peer, client->lost);
              client->loss_reported_at = now;
            }
          continue;
        }
      enqueue (client, chunk);
      /* Sending at once keeps the latency low and the queue short. */
      if (client->out_source == NULL)
        pump (client);
    }
}

/* Every client has its backlog, or the time is up: the rest are closed as they are. */
static void
closed (DdPoipServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->closing);

  g_clear_handle_id (&self->closing_timeout_id, g_source_remove);
  for (guint i = self->clients->len; i-- > 0;)
    {
      Client *client = self->clients->pdata[i];

      report (self, _("PCAP-over-IP client %s: closed with %zu"
                      " bytes it had not read yet"), client->peer, client->queued - client->offset);
      client_gone (client, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  DdPoipServer *self = user_data;

  self->closing_timeout_id = 0;
  closed (self);
  return G_SOURCE_REMOVE;
}

void
dd_poip_server_close_async (DdPoipServer        *self,
                            guint                timeout_ms,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (self->closing == NULL);

  self->closing = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (self->closing, dd_poip_server_close_async);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  self->closing_timeout_id = g_timeout_add (timeout_ms, close_timeout_cb, self);
  for (guint i = self->clients->len; i-- > 0;)
    {
      Client *client = self->clients->pdata[i];

      client->closing = TRUE;
      if (g_queue_is_empty (&client->queue))
        client_gone (client, NULL);
    }
  if (self->closing != NULL && self->clients->len == 0)
    closed (self);
}

gboolean
dd_poip_server_close_finish (DdPoipServer  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

GPtrArray *
dd_poip_server_get_addresses (DdPoipServer *self)
{
  return self->addresses;
}

guint
dd_poip_server_get_n_served (DdPoipServer *self)
{
  return self->served;
}

guint64
dd_poip_server_get_lost (DdPoipServer *self)
{
  guint64 lost = self->lost;

  for (guint i = 0; i < self->clients->len; i++)
    lost += ((Client *) self->clients->pdata[i])->lost;
  return lost;
}
