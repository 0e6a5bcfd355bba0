/* Reading the LINUX_SLL2 pseudo-header that starts every packet captured on "any". */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-pcapng-writer.h"

G_BEGIN_DECLS

/* SLL2 packet types. */
enum {
  DD_SLL2_HOST = 0,
  DD_SLL2_BROADCAST = 1,
  DD_SLL2_MULTICAST = 2,
  DD_SLL2_OTHERHOST = 3,
  DD_SLL2_OUTGOING = 4,
};

/* The capturing host's interface index, or 0 when the packet is too short to say. */
static inline guint32
dd_sll2_ifindex (const guint8 *data,
                 guint32       caplen)
{
  if (caplen < DD_SLL2_HEADER_LEN)
    return 0;
  return ((guint32) data[4] << 24) | ((guint32) data[5] << 16) |
         ((guint32) data[6] << 8) | (guint32) data[7];
}

/* The pcapng epb_flags (direction and reception type) for an SLL2 packet. */
static inline guint32
dd_sll2_epb_flags (const guint8 *data,
                   guint32       caplen)
{
  if (caplen < DD_SLL2_HEADER_LEN)
    return 0;
  switch (data[10])
    {
    case DD_SLL2_HOST:
      return DD_EPB_FLAG_INBOUND | DD_EPB_FLAG_UNICAST;
    case DD_SLL2_BROADCAST:
      return DD_EPB_FLAG_INBOUND | DD_EPB_FLAG_BROADCAST;
    case DD_SLL2_MULTICAST:
      return DD_EPB_FLAG_INBOUND | DD_EPB_FLAG_MULTICAST;
    case DD_SLL2_OTHERHOST:
      return DD_EPB_FLAG_INBOUND | DD_EPB_FLAG_PROMISC;
    case DD_SLL2_OUTGOING:
      return DD_EPB_FLAG_OUTBOUND;
    default:
      return 0;
    }
}

G_END_DECLS
