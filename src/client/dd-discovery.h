/* Targets that name many workers through DNS:
 *
 *   dns://NAME[:PORT][/PATH?QUERY]             a worker on every A/AAAA address of NAME
 *                                              (a Kubernetes headless Service), port 8475
 *                                              unless given;
 *   dns+srv://_SERVICE._tcp.NAME[/PATH?QUERY]  a worker at every SRV record's host and port;
 *   dns+https://…, dns+srv+https://…           the same, for workers behind TLS (the proxy).
 *
 * Each becomes an http:// (or https://) URL with the same user, path and query. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_DISCOVERY_ERROR (dd_discovery_error_quark ())
GQuark dd_discovery_error_quark (void);

typedef enum {
  DD_DISCOVERY_ERROR_INVALID,
  DD_DISCOVERY_ERROR_NOT_FOUND,
  DD_DISCOVERY_ERROR_FAILED,
} DdDiscoveryError;

/* Whether @spec is a target of one of the schemes above. */
gboolean dd_discovery_handles (const char    *spec);
/* The worker URLs @spec names now, in the resolver's order, without repeats. Blocks for
 * the lookup (the system resolver's timeouts apply). */
GStrv    dd_discovery_resolve (GResolver     *resolver,
                               const char    *spec,
                               GCancellable  *cancellable,
                               GError       **error);

/* The same in the main loop, for looking again during a capture. */
void     dd_discovery_resolve_async  (GResolver           *resolver,
                                      const char          *spec,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GStrv    dd_discovery_resolve_finish (GResolver           *resolver,
                                      GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
