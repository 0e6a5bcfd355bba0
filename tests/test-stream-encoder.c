/* The worker's stream encoder, driven alone: no libpcap, no libsoup, no clock. What it
 * encodes is read back with the client's parser and written down as a log line per
 * section, interface, packet and statistics block. */
#include "config.h"

#include <string.h>

#include "dd-sll2.h"
#include "dd-stream-encoder.h"
#include "dd-stream-parser.h"

#define TS0 G_GUINT64_CONSTANT (1700000000123456789)

/* An SLL2 header on @ifindex (@pkttype: 0 to us, 4 outgoing) and @payload bytes. */
static GByteArray *
make_packet (guint32 ifindex,
             guint8  pkttype,
             gsize   payload)
{
  GByteArray *p = g_byte_array_new ();
  guint8 sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0 };

  sll2[4] = ifindex >> 24;
  sll2[5] = ifindex >> 16;
  sll2[6] = ifindex >> 8;
  sll2[7] = ifindex;
  sll2[10] = pkttype;
  g_byte_array_append (p, sll2, sizeof sll2);
  for (gsize i = 0; i < payload; i++)
    g_byte_array_append (p, (const guint8 *) "x", 1);
  return p;
}

static const char *
test_namer (guint32   ifindex,
            char     *buf,
            gpointer  user_data)
{
  if (ifindex == 99)
    return NULL;  /* gone, or never had a name */
  g_snprintf (buf, 16, "veth%u", ifindex);
  return buf;
}

static void
section_cb (gpointer user_data, DdFormat format, const char *userappl, const char * const *comments)
{
  g_string_append_printf (user_data, "section %s %s\n", dd_format_to_string (format), userappl ? userappl : "-");
}

static gboolean
interface_cb (gpointer user_data, guint32 id, const DdParsedInterface *iface, GError **error)
{
  g_string_append_printf (user_data, "if %u %s linktype=%u snaplen=%u filter=%s\n", id,
                          iface->name ? iface->name : "-", iface->linktype, iface->snaplen,
                          iface->filter ? iface->filter : "-");
  return TRUE;
}

static gboolean
packet_cb (gpointer user_data, DdPacket *packet, GError **error)
{
  g_string_append_printf (user_data, "packet if=%u ts=+%" G_GUINT64_FORMAT " caplen=%u len=%u flags=%u\n",
                          packet->interface_id, packet->ts - TS0, packet->caplen, packet->origlen, packet->flags);
  return TRUE;
}

static void
stats_cb (gpointer user_data, guint32 id, guint64 ts, const DdPcapngStats *stats)
{
  g_string_append_printf (user_data, "stats if=%u ts=+%" G_GUINT64_FORMAT " recv=%" G_GUINT64_FORMAT
                          " delivered=%" G_GUINT64_FORMAT "\n", id, ts - TS0, stats->ifrecv, stats->usrdeliv);
}

static void
block_cb (gpointer user_data, guint32 type, const guint8 *block, guint32 len, gboolean swapped)
{
  guint32 secrets_type, secrets_len;

  g_assert_cmpuint (type, ==, DD_PCAPNG_BT_DSB);
  memcpy (&secrets_type, block + 8, 4);
  memcpy (&secrets_len, block + 12, 4);
  g_string_append_printf (user_data, "secrets %08x %.*s|\n", secrets_type, (int) secrets_len, block + 16);
}

static const DdStreamParserFuncs parser_funcs = {
  .section = section_cb,
  .interface = interface_cb,
  .packet = packet_cb,
  .stats = stats_cb,
  .block = block_cb,
};

/* Everything the encoder has, taken and read back. */
static char *
read_back (DdStreamEncoder *encoder)
{
  g_autoptr(GBytes) bytes = dd_stream_encoder_take (encoder);
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&parser_funcs, log);
  g_autoptr(GError) error = NULL;
  gsize size, consumed = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_nonnull (bytes);
  g_assert_true (dd_stream_parser_feed (parser, data, size, &consumed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, size);
  g_assert_true (dd_stream_parser_finish (parser, 0, &error));
  return g_strdup (log->str);
}

/* One packet in: TRUE while more may follow. */
static gboolean
add (DdStreamEncoder *encoder, guint64 ts, guint32 caplen, guint32 origlen, const guint8 *data)
{
  gboolean full = FALSE;
  gsize pending = dd_stream_encoder_add_packet (encoder, ts, caplen, origlen, data, &full);

  g_assert_cmpuint (pending, ==, dd_stream_encoder_get_pending (encoder));
  g_assert_cmpint (full, ==, dd_stream_encoder_is_full (encoder));
  return !full;
}

static DdStreamEncoder *
new_encoder (DdFormat format, guint64 count, guint64 bytes)
{
  DdStreamEncoderOptions options = {
    .format = format,
    .snaplen = 64,
    .filter = "udp",
    .count_limit = count,
    .bytes_limit = bytes,
    .hostname = "web1",
    .excluded = "excluded: nothing",
  };
  DdStreamEncoder *encoder = dd_stream_encoder_new (&options);

  dd_stream_encoder_set_namer (encoder, test_namer, NULL);
  return encoder;
}

static void
test_pcapng (void)
{
  g_autoptr(DdStreamEncoder) encoder = new_encoder (DD_FORMAT_PCAPNG, 0, 0);
  g_autoptr(GByteArray) a = make_packet (3, 0, 10);
  g_autoptr(GByteArray) b = make_packet (7, 4, 100);  /* longer than the snaplen */
  g_autoptr(GByteArray) c = make_packet (99, 0, 0);
  DdPcapngStats stats = { .present = DD_PCAPNG_STAT_IFRECV | DD_PCAPNG_STAT_USRDELIV, .ifrecv = 9, .usrdeliv = 4 };
  g_autofree char *log = NULL;

  dd_stream_encoder_add_preamble (encoder);
  g_assert_true (add (encoder, TS0 + 1, a->len, a->len, a->data));
  g_assert_true (add (encoder, TS0 + 2, b->len, b->len, b->data));
  g_assert_true (add (encoder, TS0 + 3, a->len, a->len, a->data));
  g_assert_true (add (encoder, TS0 + 4, c->len, c->len, c->data));
  dd_stream_encoder_add_secrets (encoder, (const guint8 *) "CLIENT_RANDOM a b\n", 18);
  dd_stream_encoder_add_stats (encoder, TS0 + 5, &stats);
  g_assert_cmpuint (dd_stream_encoder_get_packets (encoder), ==, 4);
  g_assert_cmpuint (dd_stream_encoder_get_bytes (encoder), ==, 30 + 64 + 30 + 20);
  log = read_back (encoder);
  g_assert_cmpstr (log, ==,
                   "section pcapng ddump-worker " PACKAGE_VERSION "\n"
                   "if 0 any linktype=276 snaplen=64 filter=udp\n"
                   "if 1 veth3 linktype=276 snaplen=64 filter=udp\n"
                   "packet if=1 ts=+1 caplen=30 len=30 flags=5\n"
                   "if 2 veth7 linktype=276 snaplen=64 filter=udp\n"
                   "packet if=2 ts=+2 caplen=64 len=120 flags=2\n"  /* outbound */
                   "packet if=1 ts=+3 caplen=30 len=30 flags=5\n"
                   "if 3 ifindex99 linktype=276 snaplen=64 filter=udp\n"
                   "packet if=3 ts=+4 caplen=20 len=20 flags=5\n"
                   "secrets 544c534b CLIENT_RANDOM a b\n|\n"  /* a TLS key log */
                   "stats if=0 ts=+5 recv=9 delivered=4\n");
  /* Taken: nothing is left until more is encoded. */
  g_assert_cmpuint (dd_stream_encoder_get_pending (encoder), ==, 0);
  g_assert_null (dd_stream_encoder_take (encoder));
}

static void
test_pcap (void)
{
  g_autoptr(DdStreamEncoder) encoder = new_encoder (DD_FORMAT_PCAP, 0, 0);
  g_autoptr(GByteArray) a = make_packet (3, 0, 10);
  DdPcapngStats stats = { 0 };
  g_autofree char *log = NULL;

  dd_stream_encoder_add_preamble (encoder);
  add (encoder, TS0 + 1, a->len, a->len, a->data);
  dd_stream_encoder_add_stats (encoder, TS0 + 2, &stats);  /* pcap has none: nothing */
  dd_stream_encoder_add_secrets (encoder, (const guint8 *) "X\n", 2);  /* nor secrets */
  log = read_back (encoder);
  g_assert_cmpstr (log, ==,
                   "section pcap -\n"
                   "if 0 - linktype=276 snaplen=64 filter=-\n"
                   "packet if=0 ts=+1 caplen=30 len=30 flags=0\n");
}

/* count=3: the third packet is the last; bytes=N: the packet with which the stream's
 * size (headers included) reaches N is the last. */
static void
test_limits (void)
{
  g_autoptr(DdStreamEncoder) counted = new_encoder (DD_FORMAT_PCAP, 3, 0);
  g_autoptr(DdStreamEncoder) sized = new_encoder (DD_FORMAT_PCAP, 0, 24 + 2 * (16 + 30) + 1);
  g_autoptr(GByteArray) a = make_packet (3, 0, 10);

  dd_stream_encoder_add_preamble (counted);
  g_assert_true (add (counted, TS0, a->len, a->len, a->data));
  g_assert_true (add (counted, TS0, a->len, a->len, a->data));
  g_assert_false (dd_stream_encoder_is_full (counted));
  g_assert_false (add (counted, TS0, a->len, a->len, a->data));
  g_assert_true (dd_stream_encoder_is_full (counted));
  g_assert_false (dd_stream_encoder_bytes_reached (counted));

  /* The byte limit counts what was already taken too. */
  dd_stream_encoder_add_preamble (sized);
  g_assert_true (add (sized, TS0, a->len, a->len, a->data));
  g_bytes_unref (dd_stream_encoder_take (sized));
  g_assert_true (add (sized, TS0, a->len, a->len, a->data));
  g_assert_false (add (sized, TS0, a->len, a->len, a->data));
  g_assert_true (dd_stream_encoder_bytes_reached (sized));
  g_assert_cmpuint (dd_stream_encoder_get_packets (sized), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stream-encoder/pcapng", test_pcapng);
  g_test_add_func ("/stream-encoder/pcap", test_pcap);
  g_test_add_func ("/stream-encoder/limits", test_limits);
  return g_test_run ();
}
