/* What one HTTP connection may cost the worker: a deadline for its request headers, one
 * request per connection, a cap on the size of the request, and no request body.
 *
 * libsoup 3.2 keeps a keep-alive connection (and its fd) after the client has closed it,
 * never times out a client that opens a connection and sends nothing, and reads a whole
 * request body into memory before any handler can refuse it. The guard answers every
 * request with "Connection: close", closes connections whose request does not arrive in
 * time, and refuses a request with a body as soon as its headers are read, without
 * reading the body. */
#pragma once

#include <libsoup/soup.h>

#include "dd-worker-metrics.h"

G_BEGIN_DECLS

typedef struct _DdConnectionGuard DdConnectionGuard;

/* Largest request line plus headers accepted, in bytes (431 beyond). */
#define DD_CONNECTION_GUARD_MAX_HEADERS (16 * 1024)

/* Watches every connection @server accepts from now on. @metrics must outlive the guard. */
DdConnectionGuard *dd_connection_guard_new  (SoupServer        *server,
                                             guint              request_timeout_ms,
                                             DdWorkerMetrics   *metrics);
void               dd_connection_guard_free (DdConnectionGuard *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdConnectionGuard, dd_connection_guard_free)

G_END_DECLS
