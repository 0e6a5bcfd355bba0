/* A LINUX_SLL2 frame summed up in words, as pcapdaemon's packetdebug lines give it: its
 * addresses (with ports for TCP and UDP) and protocol, read from the IPv4 or IPv6 header
 * after the 20 bytes of SLL2. Bounded by the captured length; "?" for what is not there. */
#pragma once

#include <glib.h>
#include <arpa/inet.h>

G_BEGIN_DECLS

typedef struct {
  char        from[INET6_ADDRSTRLEN + 8];  /* "10.0.0.1:1234", "fe80::1", "?" */
  char        to[INET6_ADDRSTRLEN + 8];
  const char *protocol;                    /* "TCP", "UDP", "ICMP", "ICMPv6" or "IP" */
} DdPacketSummary;

void dd_packet_summary_from_sll2 (const guint8    *data,
                                  guint32          caplen,
                                  DdPacketSummary *summary);

G_END_DECLS
