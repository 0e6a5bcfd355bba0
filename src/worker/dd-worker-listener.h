/* The worker's listening sockets. It accepts connections itself and hands each to the
 * SoupServer as a DdWorkerConnection, so that the worker, not libsoup 3.2, decides what a
 * connection may cost (see dd-worker-connection.h). The sockets listen with the system's
 * largest backlog: a fleet's ddump connecting at once must not wait for SYN retries. */
#pragma once

#include <libsoup/soup.h>

#include "dd-worker-metrics.h"

G_BEGIN_DECLS

typedef struct _DdWorkerListener DdWorkerListener;

/* @metrics must outlive the listener. */
DdWorkerListener *dd_worker_listener_new           (SoupServer        *server,
                                                    guint              request_timeout_ms,
                                                    DdWorkerMetrics   *metrics);
void              dd_worker_listener_free          (DdWorkerListener  *self);
/* Binds a new socket to @address (inet or unix) and listens on it; the address it is
 * bound to. */
GSocketAddress   *dd_worker_listener_add_address   (DdWorkerListener  *self,
                                                    GSocketAddress    *address,
                                                    GError           **error);
/* Every IPv4 and IPv6 address, on @port (0: one the system picks for both); the port. */
guint16           dd_worker_listener_add_any       (DdWorkerListener  *self,
                                                    guint16            port,
                                                    GError           **error);
/* A socket bound by someone else (systemd's socket activation). */
gboolean          dd_worker_listener_add_socket    (DdWorkerListener  *self,
                                                    GSocket           *socket,
                                                    GError           **error);
/* The local address of each listening socket (GSocketAddress). */
GPtrArray        *dd_worker_listener_get_addresses (DdWorkerListener  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdWorkerListener, dd_worker_listener_free)

G_END_DECLS
