/* Who is at the other end of a request, in words for the log: the peer's address and
 * port (behind a proxy, whom it forwards for), and the identity that the policy counts
 * captures by. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* "[::1]:4711", "10.0.0.1:4711 (for 10.1.1.1)", "… (a trusted proxy, for @proxy_hop)",
 * or "unix socket". */
char *dd_worker_peer_describe (SoupServerMessage *msg,
                               const char        *proxy_hop);
/* The Basic Auth user and client certificate subject that a @trusted proxy passes on
 * (X-Ddump-User, X-Ddump-Client-Certificate), else the peer's address. */
char *dd_worker_peer_identity (SoupServerMessage *msg,
                               gboolean           trusted);

G_END_DECLS
