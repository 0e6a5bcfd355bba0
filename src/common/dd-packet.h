/* One captured packet on its way from a parser to the output: the parser fills it in, the
 * source that read it routes it (the output's interface), and the merger queues it (with
 * what holds its bytes) until it is written. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64       ts;            /* nanoseconds since the epoch */
  const guint8 *data;          /* the parser's: valid during its callback only */
  guint32       caplen;
  guint32       origlen;
  guint32       flags;         /* pcapng epb_flags, 0 when absent */
  guint32       interface_id;  /* the parser's: of the current section; once routed: the output's */
  /* The EPB's options when it has more than epb_flags (a comment, a hash, …), as they are
   * in the block: @options_at bytes after @data (they lie where the data does, and live
   * as long), @options_len bytes, DD_PACKET_OPTIONS_SWAPPED set in it when they are in
   * the other byte order; 0 when there are none. Read them with the functions below.
   * (Eight bytes, not a pointer and two numbers: a queued packet takes 56 rather than 64.) */
  guint32       options_at;
  guint32       options_len;
} DdPacket;

#define DD_PACKET_OPTIONS_SWAPPED 0x80000000u

/* The options' first byte, or NULL when there are none. */
static inline const guint8 *
dd_packet_get_options (const DdPacket *packet)
{
  return packet->options_len != 0 ? packet->data + packet->options_at : NULL;
}

static inline gsize
dd_packet_get_options_len (const DdPacket *packet)
{
  return packet->options_len & ~DD_PACKET_OPTIONS_SWAPPED;
}

static inline gboolean
dd_packet_get_options_swapped (const DdPacket *packet)
{
  return (packet->options_len & DD_PACKET_OPTIONS_SWAPPED) != 0;
}

/* @options (@len bytes, at least one option, after @packet's data in the same block). */
static inline void
dd_packet_set_options (DdPacket     *packet,
                       const guint8 *options,
                       gsize         len,
                       gboolean      swapped)
{
  g_assert (options >= packet->data && len > 0 && len < DD_PACKET_OPTIONS_SWAPPED);
  packet->options_at = (guint32) (options - packet->data);
  packet->options_len = (guint32) len | (swapped ? DD_PACKET_OPTIONS_SWAPPED : 0);
}

G_END_DECLS
