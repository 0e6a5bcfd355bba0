/* What the worker refuses as soon as a request's headers arrive: one request per
 * connection, GET and HEAD only, and no request body.
 *
 * libsoup 3.2 keeps a keep-alive connection (and its fd) after the client has closed it,
 * and reads a whole request body into memory before any handler can refuse it. The guard
 * answers every request with "Connection: close" and refuses a request with a body
 * without reading the body. Deadlines and head sizes are the connection's own business
 * (dd-worker-connection.h). */
#pragma once

#include <libsoup/soup.h>

#include "dd-worker-metrics.h"

G_BEGIN_DECLS

typedef struct _DdConnectionGuard DdConnectionGuard;

/* Watches every request @server receives from now on. @metrics must outlive the guard. */
DdConnectionGuard *dd_connection_guard_new  (SoupServer        *server,
                                             DdWorkerMetrics   *metrics);
void               dd_connection_guard_free (DdConnectionGuard *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdConnectionGuard, dd_connection_guard_free)

G_END_DECLS
