#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "dd-format.h"
#include "dd-journey-key.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_TEB 0x6558   /* Geneve: an Ethernet frame inside */
#define PORT_VXLAN 4789
#define PORT_GENEVE 6081
/* The payload bytes that go into the identity: enough to tell packets apart. */
#define PAYLOAD_BYTES 64

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* A 64-bit hash, eight bytes at a time. */
static inline void
mix (guint64 *h,
     guint64  v)
{
  *h ^= v;
  *h *= G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  *h ^= *h >> 29;
}

static void
mix_bytes (guint64      *h,
           const guint8 *p,
           gsize         n)
{
  guint64 v;

  for (; n >= 8; p += 8, n -= 8)
    {
      memcpy (&v, p, 8);
      mix (h, v);
    }
  if (n > 0)
    {
      v = 0;
      memcpy (&v, p, n);
      mix (h, v ^ ((guint64) n << 56));
    }
}

/* The IP packet at @p, or NULL; *@ethertype: which. */
static const guint8 *
network_layer (guint32       linktype,
               const guint8 *p,
               const guint8 *end,
               guint16      *ethertype)
{
  switch (linktype)
    {
    case DD_LINKTYPE_LINUX_SLL2:
      if (end - p < 20)
        return NULL;
      *ethertype = rd16 (p);
      return p + 20;
    case DD_LINKTYPE_LINUX_SLL:
      if (end - p < 16)
        return NULL;
      *ethertype = rd16 (p + 14);
      return p + 16;
    case LINKTYPE_ETHERNET:
      if (end - p < 14)
        return NULL;
      *ethertype = rd16 (p + 12);
      p += 14;
      /* At most two tags (802.1Q, QinQ). */
      for (int i = 0; i < 2 && (*ethertype == ETHERTYPE_VLAN || *ethertype == ETHERTYPE_QINQ); i++)
        {
          if (end - p < 4)
            return NULL;
          *ethertype = rd16 (p + 2);
          p += 4;
        }
      return p;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      if (end - p < 1)
        return NULL;
      *ethertype = (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      return p;
    default:
      return NULL;
    }
}

static gboolean ip_key (const guint8 *ip, const guint8 *end, guint16 ethertype, gboolean outer,
                        DdJourneyKey *key);

/* VXLAN's or Geneve's inner packet, when @udp (its payload at @payload) is one. */
static gboolean
inner_key (const guint8 *payload,
           const guint8 *end,
           guint16       dport,
           DdJourneyKey *key)
{
  const guint8 *frame, *ip;
  guint16 ethertype;

  if (dport == PORT_VXLAN)
    {
      /* Flags (the I bit), reserved, VNI, reserved; an Ethernet frame. */
      if (end - payload < 8 || !(payload[0] & 0x08))
        return FALSE;
      frame = payload + 8;
    }
  else
    {
      /* Version 0, the options' length in 4-byte words, the protocol, VNI. */
      if (end - payload < 8 || (payload[0] >> 6) != 0 || rd16 (payload + 2) != ETHERTYPE_TEB)
        return FALSE;
      frame = payload + 8 + (payload[0] & 0x3f) * 4;
      if (frame > end)
        return FALSE;
    }
  ip = network_layer (LINKTYPE_ETHERNET, frame, end, &ethertype);
  if (ip == NULL || !ip_key (ip, end, ethertype, FALSE, key))
    return FALSE;
  key->encapsulated = TRUE;
  return TRUE;
}

/* The transport layer's part of the identity, and its ports: from @l4 to @end as
 * captured, @wire_len bytes as sent (a point's snaplen changes nothing but what is read). */
static void
transport_key (const guint8 *l4,
               const guint8 *end,
               gsize         wire_len,
               guint8        protocol,
               gboolean      first_fragment,
               guint64      *h,
               DdJourneyKey *key)
{
  const guint8 *payload = l4;
  gsize header = 0;

  if (!first_fragment)
    ;  /* a later fragment: no header of its own */
  else if (protocol == 6 && end - l4 >= 20 && (l4[12] >> 4) >= 5)
    {
      key->sport = rd16 (l4);
      key->dport = rd16 (l4 + 2);
      /* Sequence and acknowledgement numbers, data offset and flags, window, urgent pointer. */
      mix (h, (guint64) rd32 (l4 + 4) << 32 | rd32 (l4 + 8));
      mix (h, (guint64) rd32 (l4 + 12) << 16 | rd16 (l4 + 18));
      header = (l4[12] >> 4) * 4u;
      payload = MIN (end, l4 + header);
      key->tcp_seq = rd32 (l4 + 4);
      key->tcp_ack = rd32 (l4 + 8);
      key->tcp_len = wire_len > header ? (guint32) (wire_len - header) : 0;
    }
  else if (protocol == 17 && end - l4 >= 8)
    {
      key->sport = rd16 (l4);
      key->dport = rd16 (l4 + 2);
      mix (h, rd16 (l4 + 4));  /* the length */
      header = 8;
      payload = l4 + 8;
    }
  else if ((protocol == 1 || protocol == 58) && end - l4 >= 8)
    {
      gboolean echo = protocol == 1 ? (l4[0] == 8 || l4[0] == 0) : (l4[0] == 128 || l4[0] == 129);

      mix (h, (guint64) l4[0] << 8 | l4[1]);
      if (echo)
        {
          key->sport = rd16 (l4 + 4);  /* the identifier: NAT rewrites it as a port */
          mix (h, rd16 (l4 + 6));      /* the sequence number */
        }
      header = 8;
      payload = l4 + 8;
    }
  mix (h, (guint64) (wire_len > header ? wire_len - header : 0));
  mix_bytes (h, payload, (gsize) MIN (end - payload, PAYLOAD_BYTES));
}

static gboolean
ip_key (const guint8 *ip,
        const guint8 *end,
        guint16       ethertype,
        gboolean      outer,
        DdJourneyKey *key)
{
  guint64 h = 0, flow = 0;
  const guint8 *l4;
  gsize wire_len;
  gboolean first_fragment = TRUE;

  memset (key, 0, sizeof *key);
  if (ethertype == ETHERTYPE_IPV4 && end - ip >= 20 && (ip[0] >> 4) == 4)
    {
      guint ihl = (ip[0] & 0x0f) * 4u;
      guint total = rd16 (ip + 2);

      if (ihl < 20 || total < ihl || (gsize) (end - ip) < ihl)
        return FALSE;
      key->family = 4;
      key->protocol = ip[9];
      memcpy (key->src, ip + 12, 4);
      memcpy (key->dst, ip + 16, 4);
      first_fragment = ((ip[6] & 0x1f) | ip[7]) == 0;
      /* Version and header length, total length; the identification, flags and fragment
       * offset (not for TCP: segmentation offload numbers each segment it makes); the
       * protocol. Not the TOS, TTL or checksum. */
      mix (&h, (guint64) ip[0] << 56 | (guint64) total << 40 | (guint64) ip[9] << 32 |
               (key->protocol == 6 ? 0 : rd32 (ip + 4)));
      l4 = ip + ihl;
      wire_len = total - ihl;
      end = MIN (end, ip + total);
    }
  else if (ethertype == ETHERTYPE_IPV6 && end - ip >= 40 && (ip[0] >> 4) == 6)
    {
      key->family = 6;
      key->protocol = ip[6];
      memcpy (key->src, ip + 8, 16);
      memcpy (key->dst, ip + 24, 16);
      /* The payload length and next header. Not the traffic class, flow label or hop limit. */
      mix (&h, (guint64) 6 << 56 | (guint64) rd16 (ip + 4) << 8 | ip[6]);
      l4 = ip + 40;
      wire_len = rd16 (ip + 4);
      end = MIN (end, l4 + rd16 (ip + 4));
    }
  else
    return FALSE;
  transport_key (l4, end, wire_len, key->protocol, first_fragment, &h, key);
  if (outer && key->protocol == 17 && (key->dport == PORT_VXLAN || key->dport == PORT_GENEVE) &&
      inner_key (l4 + 8, end, key->dport, key))
    return TRUE;
  mix (&flow, (guint64) key->family << 8 | key->protocol);
  mix_bytes (&flow, key->src, key->family == 4 ? 4 : 16);
  mix_bytes (&flow, key->dst, key->family == 4 ? 4 : 16);
  mix (&flow, (guint64) key->sport << 16 | key->dport);
  key->id = h | 1;
  key->flow = flow | 1;
  return TRUE;
}

gboolean
dd_journey_key_from_frame (guint32       linktype,
                           const guint8 *data,
                           guint32       caplen,
                           DdJourneyKey *key)
{
  const guint8 *end = data + caplen;
  guint16 ethertype = 0;
  const guint8 *ip = network_layer (linktype, data, end, &ethertype);

  if (ip != NULL && ip_key (ip, end, ethertype, TRUE, key))
    return TRUE;
  key->id = 0;
  return FALSE;
}

char *
dd_journey_key_describe (const DdJourneyKey *key,
                         char               *buf,
                         gsize               size)
{
  char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
  int af = key->family == 6 ? AF_INET6 : AF_INET;

  inet_ntop (af, key->src, src, sizeof src);
  inet_ntop (af, key->dst, dst, sizeof dst);
  if (key->protocol == 6 || key->protocol == 17)
    g_snprintf (buf, size, key->family == 6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", src, key->sport, dst,
                key->dport);
  else
    g_snprintf (buf, size, "%s > %s", src, dst);
  return buf;
}
