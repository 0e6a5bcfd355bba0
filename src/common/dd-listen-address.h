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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdListenAddress, dd_listen_address_free)

G_END_DECLS
