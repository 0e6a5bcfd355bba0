/* One captured packet on its way from a parser to the output: the parser fills it in, the
 * source that read it routes it (the output's interface, the chunk that holds its bytes),
 * and the merger queues this same record until it is written. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A reference-counted block of read bytes (dd-chunk.h, the client's). */
typedef struct _DdChunk DdChunk;

typedef struct {
  guint64       ts;            /* nanoseconds since the epoch */
  const guint8 *data;          /* the parser's: valid during its callback only */
  DdChunk      *chunk;         /* holds @data once queued; NULL from the parser */
  gint64        arrival;       /* g_get_monotonic_time () when it was read; 0 from the parser */
  guint32       caplen;
  guint32       origlen;
  guint32       flags;         /* pcapng epb_flags, 0 when absent */
  guint32       interface_id;  /* the parser's: of the current section; once routed: the output's */
} DdPacket;

G_END_DECLS
