/* A consumer of the merged capture: what the merge writes, in order, whatever it is for
 * (the capture written to a file, a pipe or stdout, and from there to PCAP-over-IP
 * clients: DdOutput; pcapdaemon's packetdebug lines; next, the packet journey).
 *
 * Every consumer sees the same events on the same path: the header once, each interface
 * before its first packet, the packets in the merged order, the side blocks (statistics,
 * comments) among them where their timestamp puts them, and the end. Interfaces and the
 * header come from the output map (dd-output-map.h), which names them; packets and side
 * blocks from the merger (dd-merger.h), which orders them. A source never reaches a sink.
 *
 * A sink is a struct whose first member is a DdSink, like a GSource and its GSourceFuncs:
 * a call through one pointer per packet, no type lookup. Only the output pushes back (it
 * may be blocked: the client asks it, not the interface); every other sink takes what it
 * is given at once. */
#pragma once

#include <glib.h>

#include "dd-packet.h"
#include "dd-pcapng-writer.h"

G_BEGIN_DECLS

typedef enum {
  /* An input's statistics (an ISB it sent, or its whole capture's counters): kept for the
   * interface's final block, and written as they come when the sink follows a live
   * capture (at most once a second). */
  DD_SIDE_BLOCK_STATS,
  /* Statistics that must be written now, with their comment (a gap in the capture). */
  DD_SIDE_BLOCK_MARK,
  /* A comment for a reader of the file, on its own statistics block (the statistics kept
   * for the end are not touched). */
  DD_SIDE_BLOCK_COMMENT,
  /* What the interface's final statistics block says (the last one set counts). */
  DD_SIDE_BLOCK_FINAL_COMMENT,
  /* A block of an input that a merge copies (names, decryption secrets, a custom block),
   * for no interface in particular, where it was among its input's packets. */
  DD_SIDE_BLOCK_COPY,
} DdSideBlockKind;

/* One block beside the packets, for one interface of the output (but COPY). */
typedef struct {
  DdSideBlockKind kind;
  guint32         interface_id;  /* the output's */
  guint64         ts;            /* ns since the epoch, in the merging host's clock */
  gint64          arrival;       /* when it was read (monotonic µs) */
  DdPcapngStats   stats;         /* STATS and MARK; stats.comment is the block's comment */
  /* COPY: the whole block as it was read (in the other byte order if @swapped), or NULL
   * when it was too large to hold (dd-stream-parser.h); @block_type is its type. */
  GBytes         *bytes;
  guint32         block_type;
  gboolean        swapped;
} DdSideBlock;

/* A copy that owns its comment (@comment, nullable, replaces @stats' own). */
DdSideBlock *dd_side_block_new  (DdSideBlockKind      kind,
                                 guint32              interface_id,
                                 guint64              ts,
                                 gint64               arrival,
                                 const DdPcapngStats *stats,
                                 const char          *comment);
/* A COPY block: @len bytes of @data (NULL: it was too large to hold), copied. */
DdSideBlock *dd_side_block_new_copy (guint64       ts,
                                     gint64        arrival,
                                     guint32       block_type,
                                     const guint8 *data,
                                     guint32       len,
                                     gboolean      swapped);
/* A copy of @block (its bytes shared). */
DdSideBlock *dd_side_block_copy (const DdSideBlock *block);
void         dd_side_block_free (DdSideBlock *block);

typedef struct _DdSink DdSink;

/* Only packet and finalize are required: a sink leaves out the events it has no use for. */
typedef struct {
  /* Once, before anything else: pcap's @linktype (the one every packet has) or pcapng's
   * section @comments (nullable). */
  void     (*header)    (DdSink              *sink,
                         guint32              linktype,
                         const char * const  *comments);
  /* pcapng: the output's interface @id (the next one: ids count from 0). */
  void     (*interface) (DdSink                  *sink,
                         guint32                  id,
                         const DdPcapngInterface *iface);
  /* FALSE stops the merge (the sink failed, or has all it wants). @late: older than a
   * packet already written. */
  gboolean (*packet)    (DdSink         *sink,
                         const DdPacket *packet,
                         gboolean        late);
  void     (*block)     (DdSink            *sink,
                         const DdSideBlock *block);
  /* After the last packet and block. */
  void     (*end)       (DdSink *sink);
  /* Frees the sink (dd_sink_free ()). */
  void     (*finalize)  (DdSink *sink);
} DdSinkFuncs;

struct _DdSink {
  const DdSinkFuncs *funcs;
};

static inline void
dd_sink_header (DdSink             *sink,
                guint32             linktype,
                const char * const *comments)
{
  if (sink->funcs->header != NULL)
    sink->funcs->header (sink, linktype, comments);
}

static inline void
dd_sink_interface (DdSink                  *sink,
                   guint32                  id,
                   const DdPcapngInterface *iface)
{
  if (sink->funcs->interface != NULL)
    sink->funcs->interface (sink, id, iface);
}

static inline gboolean
dd_sink_packet (DdSink         *sink,
                const DdPacket *packet,
                gboolean        late)
{
  return sink->funcs->packet (sink, packet, late);
}

static inline void
dd_sink_block (DdSink            *sink,
               const DdSideBlock *block)
{
  if (sink->funcs->block != NULL)
    sink->funcs->block (sink, block);
}

static inline void
dd_sink_end (DdSink *sink)
{
  if (sink->funcs->end != NULL)
    sink->funcs->end (sink);
}

void     dd_sink_free        (DdSink *sink);

/* One sink that gives every event to several (a run with more than one consumer), in the
 * order they were added; a packet stops the merge when one of them says so. The tee owns
 * none of them. */
DdSink  *dd_sink_tee_new     (void);
void     dd_sink_tee_add     (DdSink *tee,
                              DdSink *sink);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdSink, dd_sink_free)

G_END_DECLS
