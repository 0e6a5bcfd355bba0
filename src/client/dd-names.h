/* Names for the addresses in a merged capture, as Name Resolution Block records (pcapng):
 * a worker's own addresses (its GET /interfaces) under its name, the user's --name
 * ADDRESS=NAME and hosts-format files. Plain functions on bytes; DdNameTable keeps each
 * record once in the output. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_NAMES_ERROR (dd_names_error_quark ())

typedef enum {
  DD_NAMES_ERROR_INVALID,  /* not an address, no name, not JSON of interfaces */
} DdNamesError;

GQuark      dd_names_error_quark         (void);

/* A record naming @address @name, appended to @records (dd_pcapng_put_nrb_record). */
void        dd_names_add                 (GByteArray    *records,
                                          GInetAddress  *address,
                                          const char    *name);
/* A worker's addresses, from its GET /interfaces answer, named @name: all but loopback
 * and link-local ones (every host has those). Returns how many. */
guint       dd_names_add_interfaces      (GByteArray    *records,
                                          GBytes        *json,
                                          const char    *name,
                                          GError       **error);
/* "ADDRESS=NAME" (--name). */
gboolean    dd_names_add_assignment      (GByteArray    *records,
                                          const char    *spec,
                                          GError       **error);
/* A hosts file's text: "ADDRESS NAME [ALIAS…]" per line, # comments; each address gets
 * its first name. An error names the line. */
gboolean    dd_names_add_hosts           (GByteArray    *records,
                                          const char    *text,
                                          GError       **error);
/* A Name Resolution Block of @records, in our byte order. */
GBytes     *dd_names_block               (GByteArray    *records);

G_END_DECLS
