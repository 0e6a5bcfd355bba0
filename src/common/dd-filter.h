/* Capture filters, once for every program: compiling a libpcap expression for a link type
 * without a capture handle (to check it, or to apply it ourselves to packets read from a
 * file or a stream), joining two filters, and the expression that keeps a program's own
 * sockets out of a capture (a capture must never carry the stream that carries it). */
#pragma once

#include <gio/gio.h>
#include <pcap/pcap.h>

G_BEGIN_DECLS

typedef struct bpf_program DdFilterProgram;

#define DD_FILTER_ERROR (dd_filter_error_quark ())

typedef enum {
  DD_FILTER_ERROR_INVALID,   /* libpcap does not accept the expression */
  DD_FILTER_ERROR_LINKTYPE,  /* libpcap has no filters for the link type */
} DdFilterError;

GQuark              dd_filter_error_quark (void);

/* @filter compiled for @linktype; FALSE with libpcap's message when it does not compile.
 * The program is freed with dd_filter_free (). */
DdFilterProgram    *dd_filter_compile   (const char  *filter,
                                         guint32      linktype,
                                         guint32      snaplen,
                                         GError     **error);
void                dd_filter_free      (DdFilterProgram *program);
/* Whether @filter compiles for @linktype. */
gboolean            dd_filter_check     (const char  *filter,
                                         guint32      linktype,
                                         guint32      snaplen,
                                         GError     **error);

/* Both filters must match: "(A) and (B)"; either alone when the other is NULL or empty;
 * NULL when both are. */
char               *dd_filter_and       (const char  *a,
                                         const char  *b);

/* Either filter matches: "(A) or (B)"; either alone when the other is NULL or empty;
 * NULL when both are. */
char               *dd_filter_or        (const char  *a,
                                         const char  *b);

/* What matches the TCP traffic of the sockets listening on @addresses (GSocketAddress):
 * a wildcard address by its port, any other by address and port; unix sockets, which are
 * never captured, are skipped. "" when nothing is left. */
char               *dd_filter_sockets   (GPtrArray   *addresses);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdFilterProgram, dd_filter_free)

G_END_DECLS
