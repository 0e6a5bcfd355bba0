/* The standard Forwarded header (RFC 7239), as a reverse proxy in front of the worker
 * sends it: the connection the proxy received (`for`: the client's address and port,
 * `by`: the proxy's own) is the one carrying a capture out of the host, so it must never
 * be captured itself. Only proxies the worker was told to trust (--trust-proxy) are
 * believed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_FORWARDED_ERROR (dd_forwarded_error_quark ())

typedef enum {
  DD_FORWARDED_ERROR_SYNTAX,   /* not a Forwarded header */
  DD_FORWARDED_ERROR_MISSING,  /* no usable for= or by= */
} DdForwardedError;

GQuark dd_forwarded_error_quark (void);

/* One end of the proxy's outer connection. */
typedef struct {
  GInetAddress *address;
  guint16       port;  /* 0: not given */
} DdForwardedNode;

/* The connection the nearest proxy received: the header's last element. */
typedef struct {
  DdForwardedNode client;  /* for= */
  DdForwardedNode proxy;   /* by= */
} DdForwardedHop;

gboolean dd_forwarded_parse       (const char           *header,
                                   DdForwardedHop       *hop,
                                   GError              **error);
void     dd_forwarded_hop_clear   (DdForwardedHop       *hop);
/* A capture filter matching that connection's packets, both ways (TCP, both addresses,
 * and the ports that were given). */
char    *dd_forwarded_hop_filter  (const DdForwardedHop *hop);
/* "CLIENT:PORT ↔ PROXY:PORT", IPv6 in brackets. */
char    *dd_forwarded_hop_describe (const DdForwardedHop *hop);

/* Trusted proxies: addresses or networks (ADDR[/LENGTH]) and "unix" (peers on unix
 * sockets). */
typedef struct _DdTrustedProxies DdTrustedProxies;

DdTrustedProxies *dd_trusted_proxies_new     (const char * const *specs,
                                              GError            **error);
void              dd_trusted_proxies_free    (DdTrustedProxies   *self);
/* Whether @peer (the connection's remote address; NULL or a unix address for a unix
 * socket) is one of them. */
gboolean          dd_trusted_proxies_contain (DdTrustedProxies   *self,
                                              GSocketAddress     *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTrustedProxies, dd_trusted_proxies_free)

G_END_DECLS
