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
   * in the block (in the other byte order if @options_swapped); NULL when none. They lie
   * where the data does, and live as long. */
  const guint8 *options;
  guint32       options_len;
  gboolean      options_swapped;
} DdPacket;

G_END_DECLS
