/* The worker's privileges: it captures with CAP_NET_RAW and needs nothing else once its
 * sockets are open. Capabilities belong to each thread, and a thread gets its creator's:
 * so the worker gives up everything it will not need before any thread exists (GLib
 * starts its own as soon as a GTask is made), keeping for its set-up only what that needs
 * (binding a port below 1024, giving a unix socket to a group), then, once its sockets
 * are open, gives those up too. Started with nothing beyond CAP_NET_RAW (its systemd unit,
 * a file capability), it has nothing to do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_CAPABILITIES_ERROR (dd_capabilities_error_quark ())
GQuark dd_capabilities_error_quark (void);

/* Before any thread: keeps CAP_NET_RAW, and CAP_NET_BIND_SERVICE and CAP_CHOWN when asked
 * (effective, permitted; nothing inheritable or ambient; the bounding set narrowed too
 * when the process may). @dropped: whether anything was given up. */
gboolean dd_capabilities_limit        (gboolean   bind_service,
                                       gboolean   chown,
                                       gboolean  *dropped,
                                       GError   **error);
/* Starts GLib's own threads (its worker and its thread pool's) from a thread holding
 * CAP_NET_RAW alone, so that they hold nothing more, whatever the set-up keeps. */
gboolean dd_capabilities_start_glib_threads (GError **error);
/* Once the sockets are open: CAP_NET_RAW alone. */
gboolean dd_capabilities_keep_net_raw (gboolean  *dropped,
                                       GError   **error);

G_END_DECLS
