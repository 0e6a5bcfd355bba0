/* Where the sources' interfaces land in the merged capture: the one place that names the
 * output's interfaces (and gives the sinks their descriptions and the header), and the
 * one place that decides the link type of pcap output. Packets and side blocks reach the
 * sinks through the merger, with the route the map gave their interface.
 *
 * pcap output has one link type: the inputs' expected link types decide it before the
 * header (workers capture LINUX_SLL2; files that agree keep theirs, as mergecap does);
 * when no input knows its link type before it is read (tcp://, stdin), the first one to
 * bring an interface decides. Inputs that all share a link type keep it; LINUX_SLL is
 * converted to LINUX_SLL2 only when pcap output must hold both. pcapng output keeps each
 * input's link type, with one interface per host and interface name ("HOST/IFACE"),
 * which a source that reconnects finds again. */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-sink.h"
#include "dd-stream-parser.h"

G_BEGIN_DECLS

#define DD_OUTPUT_MAP_ERROR (dd_output_map_error_quark ())
GQuark dd_output_map_error_quark (void);

typedef enum {
  DD_OUTPUT_MAP_ERROR_LINKTYPE,  /* pcap output cannot hold the input's link type */
  DD_OUTPUT_MAP_ERROR_FAILED,
} DdOutputMapError;

typedef struct _DdOutputMap DdOutputMap;

/* How the packets of one input interface go out. */
typedef struct {
  guint32  out_id;        /* the output's interface (0 for pcap) */
  gboolean convert;       /* LINUX_SLL to LINUX_SLL2 (dd_output_map_convert_sll) */
  gboolean derive_flags;  /* pcapng from LINUX_SLL2: epb_flags from the SLL2 header */
} DdOutputRoute;

/* The link type of an input known only once it is read (tcp://, stdin). */
#define DD_OUTPUT_LINKTYPE_PENDING G_MAXUINT32

/* @sink (not owned) gets the header and the interfaces; it must outlive the map. */
DdOutputMap *dd_output_map_new       (DdSink   *sink,
                                      DdFormat  format);
void         dd_output_map_free      (DdOutputMap *self);

DdFormat     dd_output_map_get_format (DdOutputMap *self);

/* Before the header: an input that will bring @linktype (DD_OUTPUT_LINKTYPE_PENDING: known
 * only once it is read). */
void         dd_output_map_expect    (DdOutputMap *self,
                                      guint32      linktype);
/* The header: pcap's when its link type is decided, pcapng's section header. */
void         dd_output_map_begin     (DdOutputMap        *self,
                                      const char * const *comments);
/* An interface of the input named @host (@label for descriptions). @note (nullable) is
 * the new interface's comment. FALSE when its packets cannot go into the output. */
gboolean     dd_output_map_add_interface (DdOutputMap             *self,
                                          const char              *host,
                                          const char              *label,
                                          const char              *note,
                                          const DdParsedInterface *iface,
                                          DdOutputRoute           *route,
                                          GError                 **error);
/* The end, once the merge has written everything: pcap's header if nothing decided it (an
 * empty capture is still valid), then the sink's end. */
void         dd_output_map_end       (DdOutputMap *self);

/* Converts one LINUX_SLL packet of @caplen bytes into LINUX_SLL2 at @out, which has room
 * for @caplen + 4 bytes; returns the new length. */
guint32      dd_output_map_convert_sll (const guint8 *data,
                                        guint32       caplen,
                                        guint8       *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdOutputMap, dd_output_map_free)

G_END_DECLS
