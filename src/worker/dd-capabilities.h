/* The worker's privileges: it captures with CAP_NET_RAW and needs nothing else once its
 * sockets are open, so it gives up every other capability (started as root, or with more
 * than it needs), in its effective, permitted, inheritable and ambient sets and, when it
 * may, its bounding set. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_CAPABILITIES_ERROR (dd_capabilities_error_quark ())
GQuark dd_capabilities_error_quark (void);

/* TRUE when nothing was to drop or everything was dropped; @dropped says which. */
gboolean dd_capabilities_keep_net_raw (gboolean  *dropped,
                                       GError   **error);

G_END_DECLS
