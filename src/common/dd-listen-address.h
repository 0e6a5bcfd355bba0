/* The worker's --listen forms: HOST:PORT, [V6]:PORT, :PORT and unix:PATH. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_LISTEN_ADDRESS_ERROR (dd_listen_address_error_quark ())
GQuark dd_listen_address_error_quark (void);

typedef enum {
  DD_LISTEN_ADDRESS_ERROR_INVALID,
  DD_LISTEN_ADDRESS_ERROR_FAILED,
} DdListenAddressError;

typedef enum {
  DD_LISTEN_TCP,
  DD_LISTEN_UNIX,
} DdListenKind;

typedef struct {
  DdListenKind kind;
  char        *host;  /* TCP: NULL for every address, else a host name or IP literal */
  guint16      port;  /* TCP: 0 picks a free port */
  char        *path;  /* UNIX: the socket's path */
} DdListenAddress;

#define DD_DEFAULT_PORT 8475

DdListenAddress *dd_listen_address_parse     (const char             *spec,
                                              GError                **error);
void             dd_listen_address_free      (DdListenAddress        *address);
char            *dd_listen_address_to_string (const DdListenAddress  *address);
/* A bound or peer socket address as HOST:PORT, [V6]:PORT or unix:PATH. */
char            *dd_socket_address_to_string (GSocketAddress         *address);

/* How a server binds its sockets, for dd_listen_address_bind (). */
typedef struct {
  /* Binds one socket to @address (port 0: a free one); the address it is bound to. */
  GSocketAddress *(*bind_address) (GSocketAddress  *address,
                                   gpointer         user_data,
                                   GError         **error);
  /* Binds every IPv4 and IPv6 address on @port (0: one free port for all); the port. */
  guint16         (*bind_any)     (guint16          port,
                                   gpointer         user_data,
                                   GError         **error);
} DdListenBinder;

/* Listens on @address through @binder: its unix path, every address on its port, or
 * every address its host resolves to, all on one port (the first one's when it is 0).
 * Returns what it is bound to, for the user ("127.0.0.1:4242", ":8475", "unix:PATH"),
 * and sets @port (0 for a unix socket); NULL with the error (its domain and code kept)
 * after "cannot listen on SPEC: ". */
char            *dd_listen_address_bind      (const DdListenAddress  *address,
                                              const DdListenBinder   *binder,
                                              gpointer                user_data,
                                              guint16                *port,
                                              GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdListenAddress, dd_listen_address_free)

G_END_DECLS
