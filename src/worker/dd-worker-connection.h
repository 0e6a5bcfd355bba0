/* One client connection of the worker, as the worker hands it to libsoup.
 *
 * It owns what libsoup 3.2 does not do for a server: a deadline for the request's head
 * (a client that connects and says nothing, or trickles, is cut off), limits on the head's
 * size answered with 414 or 431, and refusals written on the raw connection, followed by
 * a short linger that reads and drops what the client still sends, so that it reads the
 * answer rather than a reset. */
#pragma once

#include <libsoup/soup.h>

#include "dd-worker-metrics.h"

G_BEGIN_DECLS

#define DD_TYPE_WORKER_CONNECTION (dd_worker_connection_get_type ())
G_DECLARE_FINAL_TYPE (DdWorkerConnection, dd_worker_connection, DD, WORKER_CONNECTION, GIOStream)

/* @metrics must outlive the connection. */
DdWorkerConnection *dd_worker_connection_new          (GSocketConnection  *base,
                                                       guint               request_timeout_ms,
                                                       DdWorkerMetrics    *metrics);
GSocket            *dd_worker_connection_get_socket   (DdWorkerConnection *self);
/* While corked (TCP_CORK), the kernel sends only full segments: libsoup writes a chunk's
 * size line apart from its data, and under TCP_NODELAY each write would be a segment of
 * its own (a second trip through loopback's receive path, a second wake-up of the reader).
 * Uncorking sends what is held at once, so a stream uncorks as soon as its chunk is out.
 * Nothing on a socket that is not TCP. */
void                dd_worker_connection_set_corked   (DdWorkerConnection *self,
                                                       gboolean            corked);
/* Ties @msg, a request that arrived on @self, to it. */
void                dd_worker_connection_attach       (DdWorkerConnection *self,
                                                       SoupServerMessage  *msg);
/* The connection @msg arrived on, or NULL. */
DdWorkerConnection *dd_worker_connection_for_message  (SoupServerMessage  *msg);
/* Writes a complete response with @status on the connection (libsoup must no longer be
 * using it), ends our side, and closes the connection after a short linger. */
void                dd_worker_connection_refuse       (DdWorkerConnection *self,
                                                       guint               status,
                                                       const char         *allow,
                                                       const char         *text);

G_END_DECLS
