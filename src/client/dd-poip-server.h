/* PCAP-over-IP out (--serve): the merged capture to every TCP client that connects. A
 * client gets the capture's header (pcap) or section and interfaces (pcapng), then what
 * is written from the moment it joined. Each client has its own bounded backlog; once it
 * is full, the client loses whole chunks of packets (counted and reported) so that a slow
 * client never stalls the merge or the other clients. */
#pragma once

#include <gio/gio.h>

#include "dd-listen-address.h"

G_BEGIN_DECLS

/* What one client may hold unsent before it loses packets. */
#define DD_POIP_BACKLOG (16 * 1024 * 1024)

typedef struct _DdPoipServer DdPoipServer;

typedef struct {
  /* What a client that joins now gets first: the header and every interface so far.
   * Everything written before must have gone to dd_poip_server_send() (flush first). */
  GBytes *(*preamble) (gpointer user_data);
  /* Something the user should know: a client is losing packets, or left having lost some. */
  void    (*report)   (const char *text, gpointer user_data);
} DdPoipServerFuncs;

DdPoipServer *dd_poip_server_new      (const DdPoipServerFuncs *funcs,
                                       gpointer                 user_data);
void          dd_poip_server_free     (DdPoipServer          *self);

/* Starts listening; returns what it is bound to ("127.0.0.1:4242"), for the user, and
 * the TCP port (0 for a unix socket). */
char         *dd_poip_server_listen   (DdPoipServer          *self,
                                       const DdListenAddress *address,
                                       guint16               *bound_port,
                                       GError               **error);

/* The addresses listened on (GSocketAddress): a wildcard one for a port on every address. */
GPtrArray    *dd_poip_server_get_addresses (DdPoipServer *self);

gboolean      dd_poip_server_has_clients (DdPoipServer *self);

/* Queues @chunk (whole records holding @packets packets) for every client. An @essential
 * chunk (headers, interfaces) is never lost. */
void          dd_poip_server_send     (DdPoipServer *self,
                                       GBytes       *chunk,
                                       guint         packets,
                                       gboolean      essential);

/* Stops accepting, then waits (at most @timeout_ms) until every client has its backlog,
 * and closes them. The server must not be freed before it is closed. */
void          dd_poip_server_close_async  (DdPoipServer        *self,
                                           guint                timeout_ms,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean      dd_poip_server_close_finish (DdPoipServer        *self,
                                           GAsyncResult        *result,
                                           GError             **error);

guint         dd_poip_server_get_n_served (DdPoipServer *self);  /* clients, ever */
guint64       dd_poip_server_get_lost     (DdPoipServer *self);  /* packets, all clients */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdPoipServer, dd_poip_server_free)

G_END_DECLS
