/* The interfaces of the section a source is reading, by the section's interface ids: for
 * each, where it goes in the output (its route), the target's filter compiled for its
 * link type, its snaplen and its latest drop count; and the drop counts of the sections
 * read before, which stay in the source's total when a section (or a connection) ends.
 *
 * A worker's interface 0 is its whole capture: it carries the capture's counters and no
 * packets, and becomes an interface of the output ("HOST/any") only if packets come on it
 * after all (dd_input_interface_is_output).
 *
 * A plain state with no I/O, and the per-packet part inline: the source looks an interface
 * up and asks it whether it takes a packet; a unit test drives it with made-up packets. */
#pragma once

#include "dd-filter.h"
#include "dd-output-map.h"
#include "dd-packet.h"
#include "dd-format.h"
#include "dd-pcapng-writer.h"
#include "dd-stream-parser.h"

G_BEGIN_DECLS

typedef struct {
  DdOutputRoute    route;
  DdFilterProgram *program;       /* the target's filter (files, tcp://), or NULL */
  guint64          drops;         /* the newest count its statistics gave */
  guint32          snaplen;       /* longer packets are cut to it, as libpcap does */
  gboolean         whole;         /* a worker's whole capture */
  gboolean         whole_routed;  /* ...which carried packets after all */
  gboolean         checked;       /* a filter or a window: packets are looked at */
  guint64          keep_from;     /* the window of the packets taken (the source's) */
  guint64          keep_span;
} DdInputInterface;

typedef struct {
  GArray  *array;         /* of DdInputInterface */
  guint64  drops_before;  /* of the sections retired */
  guint64  keep_from;     /* the packets taken: [keep_from, keep_from + keep_span) */
  guint64  keep_span;
} DdInputInterfaces;

void               dd_input_interfaces_init   (DdInputInterfaces       *self);
void               dd_input_interfaces_clear  (DdInputInterfaces       *self);

/* The section's interface @id (the next one), routed to @route, with @filter (NULL for
 * none) compiled for its link type; NULL with an error that names the link type when the
 * filter does not compile for it. */
DdInputInterface  *dd_input_interfaces_add    (DdInputInterfaces       *self,
                                               guint32                  id,
                                               const DdParsedInterface *parsed,
                                               const DdOutputRoute     *route,
                                               const char              *filter,
                                               GError                 **error);
/* A worker's whole capture as the section's interface @id: no route until it has one. */
DdInputInterface  *dd_input_interfaces_add_whole (DdInputInterfaces    *self,
                                               guint32                  id,
                                               guint32                  snaplen);
/* Takes only packets stamped in [@from_ns, @from_ns + @span_ns), on every interface, now
 * and of the sections to come (a capture handing over to another: dd_source_keep_from). */
void               dd_input_interfaces_set_window (DdInputInterfaces   *self,
                                                   guint64              from_ns,
                                                   guint64              span_ns);
/* The section ended: its interfaces go, their drop counts stay in the total. */
void               dd_input_interfaces_retire (DdInputInterfaces       *self);

/* The drops of every section read, the current one's newest counts included. */
guint64            dd_input_interfaces_get_drops         (const DdInputInterfaces *self);
/* Whether a section that ended had drop counts. */
gboolean           dd_input_interfaces_had_drops         (const DdInputInterfaces *self);

static inline guint
dd_input_interfaces_get_n (const DdInputInterfaces *self)
{
  return self->array->len;
}

/* The section's interface @id; the parser checked that it exists. */
static inline DdInputInterface *
dd_input_interfaces_get (const DdInputInterfaces *self,
                         guint32                  id)
{
  return &g_array_index (self->array, DdInputInterface, id);
}

/* Whether @iface is an interface of the output (a whole capture only once routed). */
static inline gboolean
dd_input_interface_is_output (const DdInputInterface *iface)
{
  return !iface->whole || iface->whole_routed;
}

/* Whether @iface takes @packet: cut to the snaplen first (a file's snaplen bounds its
 * packets, whatever a record claims), then in the window and through the filter, if there
 * are (one test when there are neither). */
static inline gboolean
dd_input_interface_takes (const DdInputInterface *iface,
                          DdPacket               *packet)
{
  if (G_UNLIKELY (packet->caplen > iface->snaplen))
    packet->caplen = iface->snaplen;
  if (G_LIKELY (!iface->checked))
    return TRUE;
  /* One comparison for the window: an offset and a span, unsigned. */
  if (packet->ts - iface->keep_from >= iface->keep_span)
    return FALSE;
  if (iface->program != NULL)
    {
      struct pcap_pkthdr header = { .caplen = packet->caplen, .len = packet->origlen };

      return pcap_offline_filter (iface->program, &header, packet->data) != 0;
    }
  return TRUE;
}

/* The drop count of @stats (the larger of ifdrop and osdrop), if it has one. */
void               dd_input_interface_count_drops        (DdInputInterface    *iface,
                                                          const DdPcapngStats *stats);

G_END_DECLS
