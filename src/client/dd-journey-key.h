/* What identifies one packet wherever it is captured (ddump --journey): a hash of what no
 * hop changes. Left out: the link layer (MAC addresses, VLAN tags), TTL or hop limit,
 * DSCP and ECN, the IPv6 flow label, every checksum, and the addresses and ports (and an
 * ICMP echo's identifier), which NAT rewrites: those make the packet's flow, apart, so
 * that a translation can be seen and said. The inner packet of VXLAN (UDP 4789) or Geneve
 * (6081) is the packet. Read within the captured length; pure, no allocation. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 id;        /* the packet's identity; 0: not a packet the journey follows */
  guint64 flow;      /* its addresses, ports and protocol as seen here */
  guint8  protocol;  /* IP protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, …) */
  guint8  family;    /* 4 or 6 */
  gboolean encapsulated;  /* the identity is of a VXLAN or Geneve packet's inner one */
  guint8  src[16];   /* the addresses (IPv4: the first 4 bytes), for a translation's report */
  guint8  dst[16];
  guint16 sport;     /* ports, or an ICMP echo's identifier as sport */
  guint16 dport;
  /* TCP with data: its bytes' sequence numbers and the acknowledgement it carries, so
   * that a segment can be matched by the bytes it holds (segmentation and receive
   * offloads make one point's single frame another's several). */
  guint32 tcp_seq;
  guint32 tcp_len;   /* 0: not TCP, or no data */
  guint32 tcp_ack;
} DdJourneyKey;

/* @key from a frame of @linktype (LINUX_SLL2, LINUX_SLL, Ethernet, raw IP); FALSE (and
 * key->id 0) when it holds no IPv4 or IPv6 packet, or too little of one. */
gboolean dd_journey_key_from_frame (guint32       linktype,
                                    const guint8 *data,
                                    guint32       caplen,
                                    DdJourneyKey *key);

/* "10.0.0.1:5000 > 10.0.0.2:53": @key's flow as seen, into @buf. */
char    *dd_journey_key_describe   (const DdJourneyKey *key,
                                    char               *buf,
                                    gsize               size);

G_END_DECLS
