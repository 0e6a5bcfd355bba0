#include "config.h"

#include <sys/socket.h>

#include "dd-packet-summary.h"

void
dd_packet_summary_from_sll2 (const guint8    *p,
                             guint32          caplen,
                             DdPacketSummary *summary)
{
  char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
  guint proto = 0, sport = 0, dport = 0;
  const guint8 *l4 = NULL;

  /* SLL2: 20 bytes, the protocol type first; then IPv4 or IPv6. */
  if (caplen >= 40 && p[0] == 0x08 && p[1] == 0x00 && (p[20] >> 4) == 4)
    {
      inet_ntop (AF_INET, p + 32, src, sizeof src);
      inet_ntop (AF_INET, p + 36, dst, sizeof dst);
      proto = p[29];
      l4 = p + 20 + (p[20] & 0x0f) * 4;
    }
  else if (caplen >= 60 && p[0] == 0x86 && p[1] == 0xdd && (p[20] >> 4) == 6)
    {
      inet_ntop (AF_INET6, p + 28, src, sizeof src);
      inet_ntop (AF_INET6, p + 44, dst, sizeof dst);
      proto = p[26];
      l4 = p + 60;
    }
  if (l4 != NULL && (proto == 6 || proto == 17) && l4 + 4 <= p + caplen)
    {
      sport = (guint) l4[0] << 8 | l4[1];
      dport = (guint) l4[2] << 8 | l4[3];
    }
  if (sport != 0 || dport != 0)
    {
      g_snprintf (summary->from, sizeof summary->from, "%s:%u", src, sport);
      g_snprintf (summary->to, sizeof summary->to, "%s:%u", dst, dport);
    }
  else
    {
      g_strlcpy (summary->from, src, sizeof summary->from);
      g_strlcpy (summary->to, dst, sizeof summary->to);
    }
  summary->protocol = proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 1 ? "ICMP" : proto == 58 ? "ICMPv6" : "IP";
}
