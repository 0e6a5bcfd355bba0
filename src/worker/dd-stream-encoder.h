/* What a capture stream sends, as bytes: the file header (pcap) or section header and
 * interface 0 (pcapng), each packet (pcapng: an EPB on an interface described by an IDB
 * the first time it shows up, named from the SLL2 header's ifindex), and statistics
 * blocks. Packets are counted against the request's count and byte limits. Pure: no
 * libpcap, no libsoup, no clock; the stream decides when to take what is encoded. */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-pcapng-writer.h"

G_BEGIN_DECLS

typedef struct _DdStreamEncoder DdStreamEncoder;

/* The name of interface @ifindex, into @buf (16 bytes), or NULL when it has none. */
typedef const char *(*DdInterfaceNameFunc) (guint32   ifindex,
                                            char     *buf,
                                            gpointer  user_data);

typedef struct {
  DdFormat    format;
  guint32     snaplen;
  const char *filter;       /* the capture's, in every IDB */
  guint64     count_limit;  /* packets; 0: none */
  guint64     bytes_limit;  /* of the whole stream, headers and blocks included; 0: none */
  const char *hostname;     /* pcapng: the section's comment and interface 0's description */
  const char *hardware;     /* pcapng: the section's shb_hardware, or NULL */
  const char *os;           /* pcapng: shb_os, or NULL */
  const char *excluded;     /* pcapng: a section comment saying what the capture leaves out */
} DdStreamEncoderOptions;

/* The options' strings are copied. */
DdStreamEncoder *dd_stream_encoder_new          (const DdStreamEncoderOptions *options);
void             dd_stream_encoder_free         (DdStreamEncoder *self);
/* Interfaces are named by if_indextoname () unless @func is set (tests). */
void             dd_stream_encoder_set_namer    (DdStreamEncoder     *self,
                                                 DdInterfaceNameFunc  func,
                                                 gpointer             user_data);

void             dd_stream_encoder_add_preamble (DdStreamEncoder *self);
/* The bytes pending once the packet is encoded (the per-packet path asks nothing else);
 * @full is set when it was the last the limits allow (it is encoded all the same). */
gsize            dd_stream_encoder_add_packet   (DdStreamEncoder *self,
                                                 guint64          ts,
                                                 guint32          caplen,
                                                 guint32          origlen,
                                                 const guint8    *data,
                                                 gboolean        *full);
/* pcapng: a statistics block of interface 0 at @watermark; pcap has none: nothing. */
void             dd_stream_encoder_add_stats    (DdStreamEncoder     *self,
                                                 guint64              watermark,
                                                 const DdPcapngStats *stats);

/* pcapng: a Decryption Secrets Block of TLS key log lines; pcap has none: nothing. */
void             dd_stream_encoder_add_secrets  (DdStreamEncoder     *self,
                                                 const guint8        *lines,
                                                 gsize                len);

/* What was encoded since the last take, and no longer here; NULL when nothing was. */
GBytes          *dd_stream_encoder_take         (DdStreamEncoder *self);
gsize            dd_stream_encoder_get_pending  (DdStreamEncoder *self);

guint64          dd_stream_encoder_get_packets  (DdStreamEncoder *self);
guint64          dd_stream_encoder_get_bytes    (DdStreamEncoder *self);  /* of packet data */
/* The count or the byte limit is reached: no packet should follow. */
gboolean         dd_stream_encoder_is_full      (DdStreamEncoder *self);
gboolean         dd_stream_encoder_bytes_reached (DdStreamEncoder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdStreamEncoder, dd_stream_encoder_free)

G_END_DECLS
