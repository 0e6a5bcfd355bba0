/* The packet journey's parts alone: a packet's identity (DdJourneyKey) through what hops
 * change, the matching of copies at several points (DdJourney) and the hops' delays
 * (DdJourneyHops). */
#include "config.h"

#include <string.h>

#include "dd-format.h"
#include "dd-journey.h"
#include "dd-journey-hops.h"
#include "dd-journey-key.h"
#include "dd-pcapng-writer.h"

#define T0 G_GUINT64_CONSTANT (1700000000000000000)
#define MS G_GUINT64_CONSTANT (1000000)

typedef struct {
  guint8 src[4];
  guint8 dst[4];
  guint16 sport;
  guint16 dport;
  guint8 ttl;
  guint8 tos;
  guint16 ip_id;
  guint8 payload[32];
} Udp;

/* An IPv4 UDP packet (checksums left as they would be on the wire: any value). */
static gsize
put_ip_udp (guint8 *p, const Udp *u, guint16 checksum)
{
  gsize total = 20 + 8 + sizeof u->payload;

  memset (p, 0, total);
  p[0] = 0x45;
  p[1] = u->tos;
  p[2] = (guint8) (total >> 8);
  p[3] = (guint8) total;
  p[4] = (guint8) (u->ip_id >> 8);
  p[5] = (guint8) u->ip_id;
  p[6] = 0x40;
  p[8] = u->ttl;
  p[9] = 17;
  p[10] = (guint8) (checksum >> 8);
  p[11] = (guint8) checksum;
  memcpy (p + 12, u->src, 4);
  memcpy (p + 16, u->dst, 4);
  p[20] = (guint8) (u->sport >> 8);
  p[21] = (guint8) u->sport;
  p[22] = (guint8) (u->dport >> 8);
  p[23] = (guint8) u->dport;
  p[25] = 8 + sizeof u->payload;
  p[26] = (guint8) (checksum >> 4);
  memcpy (p + 28, u->payload, sizeof u->payload);
  return total;
}

/* As a LINUX_SLL2 frame, @outgoing or not. */
static gsize
sll2_udp (guint8 *frame, const Udp *u, guint16 checksum, gboolean outgoing)
{
  memset (frame, 0, 20);
  frame[0] = 0x08;
  frame[10] = outgoing ? 4 : 0;
  frame[11] = 6;
  return 20 + put_ip_udp (frame + 20, u, checksum);
}

static Udp
sample (guint8 n)
{
  Udp u = { { 10, 0, 1, 2 }, { 10, 0, 2, 2 }, 40000, 53, 64, 0, 1234, { 0 } };

  for (guint i = 0; i < sizeof u.payload; i++)
    u.payload[i] = (guint8) (n + i);
  return u;
}

static guint64
id_of (guint32 linktype, const guint8 *frame, gsize len, DdJourneyKey *key)
{
  g_assert_true (dd_journey_key_from_frame (linktype, frame, (guint32) len, key));
  g_assert_cmpuint (key->id, !=, 0);
  return key->id;
}

static void
test_key (void)
{
  guint8 a[256], b[256];
  Udp u = sample (1), v;
  DdJourneyKey ka, kb;
  char text[128];
  gsize la, lb;

  la = sll2_udp (a, &u, 0x1111, TRUE);
  /* A hop later: TTL down, DSCP/ECN changed, checksums rewritten, another direction. */
  v = u;
  v.ttl = 63;
  v.tos = 0xb9;
  lb = sll2_udp (b, &v, 0x2222, FALSE);
  g_assert_cmpuint (id_of (DD_LINKTYPE_LINUX_SLL2, a, la, &ka), ==, id_of (DD_LINKTYPE_LINUX_SLL2, b, lb, &kb));
  g_assert_cmpuint (ka.flow, ==, kb.flow);
  g_assert_cmpstr (dd_journey_key_describe (&ka, text, sizeof text), ==, "10.0.1.2:40000 > 10.0.2.2:53");

  /* As Ethernet, with a VLAN tag and other MAC addresses: the same packet. */
  memset (b, 0xee, 12);
  b[12] = 0x81, b[13] = 0x00, b[14] = 0, b[15] = 7, b[16] = 0x08, b[17] = 0x00;
  lb = 18 + put_ip_udp (b + 18, &v, 0x3333);
  g_assert_cmpuint (id_of (1, b, lb, &kb), ==, ka.id);

  /* Through NAT (masquerade): the source address and port rewritten; the same packet, in
   * another flow. */
  v = u;
  v.src[2] = 9;
  v.sport = 1024;
  lb = sll2_udp (b, &v, 0x4444, TRUE);
  g_assert_cmpuint (id_of (DD_LINKTYPE_LINUX_SLL2, b, lb, &kb), ==, ka.id);
  g_assert_cmpuint (kb.flow, !=, ka.flow);

  /* Another packet: another payload, or another IP identification. */
  v = sample (2);
  lb = sll2_udp (b, &v, 0x1111, TRUE);
  g_assert_cmpuint (id_of (DD_LINKTYPE_LINUX_SLL2, b, lb, &kb), !=, ka.id);
  v = u;
  v.ip_id++;
  lb = sll2_udp (b, &v, 0x1111, TRUE);
  g_assert_cmpuint (id_of (DD_LINKTYPE_LINUX_SLL2, b, lb, &kb), !=, ka.id);

  /* Inside VXLAN (an outer IPv4/UDP to port 4789, the VXLAN header, the inner Ethernet
   * frame): the inner packet. */
  {
    Udp outer = { { 192, 168, 0, 1 }, { 192, 168, 0, 2 }, 50000, 4789, 64, 0, 9, { 0 } };
    guint8 *p = b;
    gsize inner;

    memset (p, 0, 20);
    p[0] = 0x08;
    p += 20;
    put_ip_udp (p, &outer, 0);     /* its header; the payload is written over below */
    p += 28;
    memset (p, 0, 8);
    p[0] = 0x08;                   /* VXLAN: the VNI is valid */
    p += 8;
    memset (p, 0xaa, 12);
    p[12] = 0x08, p[13] = 0x00;
    inner = put_ip_udp (p + 14, &u, 0x5555);
    lb = (gsize) (p + 14 + inner - b);
    b[20 + 2] = (guint8) ((lb - 20) >> 8), b[20 + 3] = (guint8) (lb - 20);
    b[20 + 24] = (guint8) ((lb - 40) >> 8), b[20 + 25] = (guint8) (lb - 40);
    g_assert_cmpuint (id_of (DD_LINKTYPE_LINUX_SLL2, b, lb, &kb), ==, ka.id);
    g_assert_true (kb.encapsulated);
  }

  /* Not IP, or cut short: not followed. */
  a[0] = 0x08, a[1] = 0x06;
  g_assert_false (dd_journey_key_from_frame (DD_LINKTYPE_LINUX_SLL2, a, (guint32) la, &ka));
  g_assert_false (dd_journey_key_from_frame (DD_LINKTYPE_LINUX_SLL2, b, 30, &ka));
}

enum { CLIENT, ROUTER_IN, ROUTER_OUT, SERVER };

typedef struct {
  DdJourney *journey;
  guint8     frames[64][128];
  DdPacket   packets[64];
  DdJourneyRef refs[64];
  guint      n;
} Run;

/* Packet @u seen at interface @iface at @ts, as the merge would write it. */
static guint
see (Run *r, guint32 iface, gboolean outgoing, const Udp *u, guint64 ts)
{
  guint i = r->n++;
  gsize len = sll2_udp (r->frames[i], u, (guint16) i, outgoing);

  r->packets[i] = (DdPacket) {
    .ts = ts,
    .data = r->frames[i],
    .caplen = (guint32) len,
    .origlen = (guint32) len,
    .flags = outgoing ? DD_EPB_FLAG_OUTBOUND : DD_EPB_FLAG_INBOUND,
    .interface_id = iface,
  };
  g_assert_true (dd_journey_see (r->journey, &r->packets[i], &r->refs[i]));
  return i;
}

static void
fate (Run *r, guint i, DdJourneyFate *f)
{
  g_assert_true (dd_journey_is_decided (r->journey, &r->refs[i]));
  dd_journey_get_fate (r->journey, &r->refs[i], f);
}

static Run *
run_new (void)
{
  Run *r = g_new0 (Run, 1);

  r->journey = dd_journey_new (100 * MS);
  dd_journey_add_interface (r->journey, 0, "client/veth0", DD_LINKTYPE_LINUX_SLL2);
  dd_journey_add_interface (r->journey, 1, "router/veth0", DD_LINKTYPE_LINUX_SLL2);
  dd_journey_add_interface (r->journey, 2, "router/veth1", DD_LINKTYPE_LINUX_SLL2);
  dd_journey_add_interface (r->journey, 3, "server/veth0", DD_LINKTYPE_LINUX_SLL2);
  return r;
}

static void
run_free (Run *r)
{
  for (guint i = 0; i < r->n; i++)
    dd_journey_release (r->journey, &r->refs[i]);
  dd_journey_free (r->journey);
  g_free (r);
}

/* One packet through client → router → server. */
static void
path (Run *r, guint8 n, guint64 t, gboolean dropped_at_router)
{
  Udp u = sample (n), fwd;

  see (r, 0, TRUE, &u, t);
  see (r, 1, FALSE, &u, t + 1 * MS);
  if (dropped_at_router)
    return;
  fwd = u;
  fwd.ttl--;
  see (r, 2, TRUE, &fwd, t + 1 * MS + 20000);
  see (r, 3, FALSE, &fwd, t + 2 * MS);
}

static void
test_match (void)
{
  Run *r = run_new ();
  DdJourneyFate f;
  DdJourneyHops *hops = dd_journey_get_hops (r->journey);
  const DdJourneyHop *hop;

  /* The server's clock is 3 ms ahead, within 50 µs; the client's within 20 µs. */
  dd_journey_set_clock (r->journey, "server", 3 * MS, 50000);
  dd_journey_set_clock (r->journey, "client", 0, 20000);
  path (r, 1, T0, FALSE);
  path (r, 2, T0 + 10 * MS, FALSE);
  g_assert_false (dd_journey_is_decided (r->journey, &r->refs[0]));
  dd_journey_advance (r->journey, T0 + 110 * MS);
  fate (r, 0, &f);
  g_assert_cmpuint (f.packet_id, !=, 0);
  g_assert_cmpuint (f.copies, ==, 4);
  g_assert_false (f.last);
  fate (r, 1, &f);
  g_assert_cmpuint (f.copy, ==, 1);
  g_assert_cmpuint (f.prev, ==, 0);  /* the first point made */
  g_assert_cmpint (f.delay_ns, ==, (gint64) MS);
  g_assert_cmpuint (f.error_ns, ==, 20000);  /* the client's and the router's (0) */
  fate (r, 3, &f);
  g_assert_true (f.last);
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_ON);
  g_assert_cmpstr (dd_journey_point_name (r->journey, f.prev), ==, "router/veth1 out");
  g_assert_cmpint (f.delay_ns, ==, (gint64) (MS - 20000) - (gint64) (3 * MS));  /* its clock, taken off */
  g_assert_cmpuint (f.error_ns, ==, 50000);
  g_assert_cmpstr (dd_journey_point_name (r->journey, 1), ==, "router/veth0 in");

  /* Three hops, each with both packets. */
  g_assert_cmpuint (dd_journey_hops_count (hops), ==, 3);
  hop = dd_journey_hops_nth (hops, 1);
  g_assert_cmpuint (hop->matched, ==, 2);
  g_assert_cmpint (dd_journey_hops_quantile (hops, hop, 0.5), ==, 20000);
  run_free (r);
}

static void
test_lost (void)
{
  Run *r = run_new ();
  DdJourneyFate f;
  DdJourneyHops *hops = dd_journey_get_hops (r->journey);
  const DdJourneyHop *hop;
  Udp once = sample (9);
  guint single;

  path (r, 1, T0, FALSE);
  path (r, 2, T0 + 10 * MS, TRUE);   /* dropped by the router: lost between its interfaces */
  path (r, 3, T0 + 20 * MS, FALSE);
  single = see (r, 3, FALSE, &once, T0 + 21 * MS);  /* seen once: nothing expected of it */
  /* The router's capture went on (its statistics), the window passed. */
  dd_journey_note_stats (r->journey, 1, T0 + 300 * MS, 0);
  dd_journey_note_stats (r->journey, 1, T0 + 400 * MS, 0);
  dd_journey_advance (r->journey, T0 + 400 * MS);
  fate (r, 5, &f);
  g_assert_true (f.last);
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_LOST);
  g_assert_cmpstr (dd_journey_point_name (r->journey, f.next), ==, "router/veth1 out");
  fate (r, single, &f);
  g_assert_cmpuint (f.packet_id, ==, 0);
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_ON);
  g_assert_cmpuint (dd_journey_get_followed (r->journey), ==, 4);
  g_assert_cmpuint (dd_journey_get_seen_once (r->journey), ==, 1);
  hop = dd_journey_hops_nth (hops, 1);
  g_assert_cmpuint (hop->matched, ==, 2);
  g_assert_cmpuint (hop->lost, ==, 1);
  g_assert_cmpuint (hop->not_captured, ==, 0);
  run_free (r);
}

/* The next point's kernel dropped packets then, or the capture ended: never "lost". */
static void
test_not_captured (void)
{
  Run *r = run_new ();
  DdJourneyFate f;
  const DdJourneyHop *hop;

  path (r, 1, T0, FALSE);
  dd_journey_note_stats (r->journey, 2, T0 + 5 * MS, 0);
  path (r, 2, T0 + 10 * MS, TRUE);
  dd_journey_note_stats (r->journey, 2, T0 + 15 * MS, 3);  /* 3 dropped since T0 + 5 ms */
  path (r, 3, T0 + 50 * MS, TRUE);                        /* the window will not be over */
  dd_journey_note_stats (r->journey, 2, T0 + 120 * MS, 3);
  dd_journey_advance (r->journey, T0 + 120 * MS);
  fate (r, 5, &f);
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_NOT_CAPTURED);
  g_assert_false (dd_journey_is_decided (r->journey, &r->refs[7]));
  dd_journey_finish (r->journey);
  fate (r, 7, &f);
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_OPEN);
  hop = dd_journey_hops_nth (dd_journey_get_hops (r->journey), 1);
  g_assert_cmpuint (hop->lost, ==, 0);
  g_assert_cmpuint (hop->not_captured, ==, 1);
  run_free (r);
}

/* A copy the merge writes late (its stream lagged): its place is its time's. */
static void
test_late (void)
{
  Run *r = run_new ();
  DdJourneyFate f;
  Udp u = sample (4);
  DdJourneyHops *hops = dd_journey_get_hops (r->journey);

  see (r, 1, FALSE, &u, T0 + MS);   /* the router's copy first */
  see (r, 0, TRUE, &u, T0);         /* then the client's, older */
  dd_journey_finish (r->journey);
  fate (r, 1, &f);
  g_assert_cmpuint (f.copy, ==, 0);
  g_assert_false (f.last);
  fate (r, 0, &f);
  g_assert_cmpuint (f.copy, ==, 1);
  g_assert_true (f.last);
  g_assert_cmpstr (dd_journey_point_name (r->journey, f.prev), ==, "client/veth0 out");
  g_assert_cmpint (f.delay_ns, ==, (gint64) MS);
  g_assert_cmpuint (dd_journey_hops_count (hops), ==, 1);
  g_assert_cmpstr (dd_journey_point_name (r->journey, dd_journey_hops_nth (hops, 0)->from), ==, "client/veth0 out");
  run_free (r);
}

/* More packets in a window than the ring first holds: it grows, and nothing is confused. */
static void
test_many (void)
{
  g_autoptr(DdJourney) journey = dd_journey_new (10 * G_GUINT64_CONSTANT (1000000000));
  static guint8 frames[2][128];
  DdJourneyRef *refs = g_new (DdJourneyRef, 2 * 5000);
  DdJourneyFate f;

  dd_journey_add_interface (journey, 0, "a/eth0", DD_LINKTYPE_LINUX_SLL2);
  dd_journey_add_interface (journey, 1, "b/eth0", DD_LINKTYPE_LINUX_SLL2);
  for (guint i = 0; i < 5000; i++)
    {
      Udp u = sample (0);

      u.ip_id = (guint16) i;
      for (guint side = 0; side < 2; side++)
        {
          DdPacket p = {
            .ts = T0 + i * 1000 + side * 500,
            .data = frames[side],
            .caplen = (guint32) sll2_udp (frames[side], &u, 0, side == 0),
            .flags = side == 0 ? DD_EPB_FLAG_OUTBOUND : DD_EPB_FLAG_INBOUND,
            .interface_id = side,
          };

          p.origlen = p.caplen;
          g_assert_true (dd_journey_see (journey, &p, &refs[2 * i + side]));
        }
    }
  dd_journey_finish (journey);
  for (guint i = 0; i < 5000; i++)
    {
      dd_journey_get_fate (journey, &refs[2 * i + 1], &f);
      g_assert_cmpuint (f.copy, ==, 1);
      g_assert_cmpint (f.delay_ns, ==, 500);
      g_assert_cmpuint (f.packet_id, ==, i + 1);
    }
  for (guint i = 0; i < 2 * 5000; i++)
    dd_journey_release (journey, &refs[i]);
  g_assert_cmpuint (dd_journey_hops_nth (dd_journey_get_hops (journey), 0)->matched, ==, 5000);
  g_free (refs);
}

/* A TCP segment of @len bytes from sequence number @seq, as LINUX_SLL2. */
static guint32
sll2_tcp (guint8 *frame, guint32 seq, guint32 len, guint16 window, gboolean outgoing)
{
  guint8 *ip = frame + 20, *tcp = ip + 20;
  guint32 total = 40 + len;

  memset (frame, 0, 20 + total);
  frame[0] = 0x08;
  frame[10] = outgoing ? 4 : 0;
  ip[0] = 0x45;
  ip[2] = (guint8) (total >> 8), ip[3] = (guint8) total;
  ip[8] = 64, ip[9] = 6;
  ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
  tcp[0] = 0x17, tcp[1] = 0x70, tcp[2] = 0x9c, tcp[3] = 0x40;
  tcp[4] = (guint8) (seq >> 24), tcp[5] = (guint8) (seq >> 16), tcp[6] = (guint8) (seq >> 8), tcp[7] = (guint8) seq;
  tcp[8] = 0x11, tcp[11] = 0x22;  /* the acknowledgement */
  tcp[12] = 0x50, tcp[13] = 0x10;
  tcp[14] = (guint8) (window >> 8), tcp[15] = (guint8) window;
  for (guint32 i = 0; i < len; i++)
    tcp[20 + i] = (guint8) (seq + i);
  return 20 + total;
}

static void
see_tcp (DdJourney *journey, guint8 *frame, DdJourneyRef *ref, guint32 iface, guint32 seq, guint32 len,
         guint16 window, gboolean out, guint64 when)
{
  DdPacket p = { .ts = when, .data = frame, .interface_id = iface,
                 .flags = out ? DD_EPB_FLAG_OUTBOUND : DD_EPB_FLAG_INBOUND };

  p.caplen = p.origlen = sll2_tcp (frame, seq, len, window, out);
  g_assert_true (dd_journey_see (journey, &p, ref));
}

/* TCP by its bytes: three segments seen at one point, one frame holding them at the next
 * (a receive offload coalesced them), and the other way round (a big frame, then its
 * segments). Nothing is lost. */
static void
test_tcp_bytes (void)
{
  g_autoptr(DdJourney) journey = dd_journey_new (100 * MS);
  static guint8 frames[9][4200];
  DdJourneyRef refs[9];
  DdJourneyFate f;
  guint n = 0;
  const guint32 base = 0xffff0000u - 2000;  /* across a 64 KiB block and its wrap */

  dd_journey_add_interface (journey, 0, "s/eth0", DD_LINKTYPE_LINUX_SLL2);
  dd_journey_add_interface (journey, 1, "r/eth1", DD_LINKTYPE_LINUX_SLL2);
  see_tcp (journey, frames[n], &refs[n], 0, base, 1000, 500, TRUE, T0);
  n++;
  see_tcp (journey, frames[n], &refs[n], 0, base + 1000, 1000, 500, TRUE, T0 + 1000);
  n++;
  see_tcp (journey, frames[n], &refs[n], 0, base + 2000, 1000, 500, TRUE, T0 + 2000);
  n++;
  see_tcp (journey, frames[n], &refs[n], 1, base, 3000, 501, FALSE, T0 + 50000);
  n++;  /* coalesced (its window is the last one's) */
  /* The third sent again (a retransmission): not a copy of the frame that holds it. */
  see_tcp (journey, frames[n], &refs[n], 0, base + 2000, 1000, 500, TRUE, T0 + 55000);
  n++;
  /* Segmented: a big frame first, then its two halves. */
  see_tcp (journey, frames[n], &refs[n], 0, 0x10000, 4000, 500, TRUE, T0 + 60000);
  n++;
  see_tcp (journey, frames[n], &refs[n], 1, 0x10000, 2000, 500, FALSE, T0 + 70000);
  n++;
  see_tcp (journey, frames[n], &refs[n], 1, 0x10000 + 2000, 2000, 500, FALSE, T0 + 70100);
  n++;
  dd_journey_finish (journey);
  dd_journey_get_fate (journey, &refs[3], &f);
  g_assert_cmpuint (f.parts, ==, 3);
  g_assert_cmpuint (f.last_part - f.first_part, ==, 2);
  g_assert_cmpstr (dd_journey_point_name (journey, f.parts_point), ==, "s/eth0 out");
  g_assert_cmpint (f.parts_delay_ns, ==, 50000);
  dd_journey_get_fate (journey, &refs[0], &f);
  g_assert_cmpuint (f.copies, ==, 2);      /* seen at s, and in the frame at r */
  g_assert_cmpint (f.verdict, ==, DD_JOURNEY_ON);
  dd_journey_get_fate (journey, &refs[4], &f);
  g_assert_cmpuint (f.copy, ==, 0);
  g_assert_cmpuint (f.copies, ==, 1);
  dd_journey_get_fate (journey, &refs[6], &f);
  g_assert_cmpuint (f.copy, ==, 1);        /* the first half: a copy of the big frame */
  g_assert_cmpint (f.delay_ns, ==, 10000);
  dd_journey_get_fate (journey, &refs[7], &f);
  g_assert_cmpuint (f.copy, ==, 0);        /* the second: a frame of its own */
  g_assert_cmpuint (dd_journey_hops_count (dd_journey_get_hops (journey)), ==, 1);
  for (guint i = 0; i < dd_journey_hops_count (dd_journey_get_hops (journey)); i++)
    g_assert_cmpuint (dd_journey_hops_nth (dd_journey_get_hops (journey), i)->lost, ==, 0);
  g_assert_cmpuint (dd_journey_hops_nth (dd_journey_get_hops (journey), 0)->matched, ==, 4);
  for (guint i = 0; i < n; i++)
    dd_journey_release (journey, &refs[i]);
}

static void
test_path_order (void)
{
  g_autoptr(DdJourneyHops) hops = dd_journey_hops_new ();

  g_test_summary ("The hops are reported in path order (each after the hops that end where it "
                  "starts), whatever order the copies were decided in; a loop keeps the order made");
  /* Made out of order: r out→s in, then c→r in, then r in→r out; and s→c apart. */
  dd_journey_hops_get (hops, 3, 4);
  dd_journey_hops_get (hops, 1, 2);
  dd_journey_hops_get (hops, 2, 3);
  dd_journey_hops_get (hops, 9, 8);
  g_assert_cmpuint (dd_journey_hops_count (hops), ==, 4);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 0)->from, ==, 1);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 1)->from, ==, 2);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 2)->from, ==, 3);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 3)->from, ==, 9);
  /* A hop made later goes before those it leads to (after the other chain, made first). */
  dd_journey_hops_get (hops, 0, 1);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 0)->from, ==, 9);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 1)->from, ==, 0);
  g_assert_cmpuint (dd_journey_hops_nth (hops, 2)->from, ==, 1);
  /* A loop: still every hop, once. */
  dd_journey_hops_get (hops, 4, 1);
  g_assert_cmpuint (dd_journey_hops_count (hops), ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_nonnull (dd_journey_hops_nth (hops, i));
}

static void
test_quantiles (void)
{
  g_autoptr(DdJourneyHops) hops = dd_journey_hops_new ();
  DdJourneyHop *hop = dd_journey_hops_get (hops, 0, 1);

  for (gint64 v = 1; v <= 1000; v++)
    dd_journey_hops_add_delay (hops, hop, v * 10000, 0);  /* 10 µs to 10 ms */
  dd_journey_hops_add_delay (hops, hop, -5000, 7);
  g_assert_cmpint (hop->min_ns, ==, -5000);
  g_assert_cmpint (hop->max_ns, ==, 10000000);
  g_assert_cmpuint (hop->error_ns, ==, 7);
  g_assert_cmpint (dd_journey_hops_quantile (hops, hop, 0), ==, -5000);
  g_assert_cmpint (dd_journey_hops_quantile (hops, hop, 1), ==, 10000000);
  /* Within 0.4% of the exact quantile. */
  g_assert_cmpfloat (ABS (dd_journey_hops_quantile (hops, hop, 0.5) - 5000000.0), <=, 0.004 * 5000000);
  g_assert_cmpfloat (ABS (dd_journey_hops_quantile (hops, hop, 0.9) - 9000000.0), <=, 0.004 * 9000000);
  g_assert_cmpfloat (ABS (dd_journey_hops_quantile (hops, hop, 0.99) - 9900000.0), <=, 0.004 * 9900000);
  g_assert_true (dd_journey_hops_get (hops, 0, 1) == hop);
  g_assert_cmpuint (dd_journey_hops_count (hops), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/journey/key", test_key);
  g_test_add_func ("/journey/match", test_match);
  g_test_add_func ("/journey/lost", test_lost);
  g_test_add_func ("/journey/not-captured", test_not_captured);
  g_test_add_func ("/journey/late", test_late);
  g_test_add_func ("/journey/many", test_many);
  g_test_add_func ("/journey/tcp-bytes", test_tcp_bytes);
  g_test_add_func ("/journey/quantiles", test_quantiles);
  g_test_add_func ("/journey/path-order", test_path_order);
  return g_test_run ();
}
