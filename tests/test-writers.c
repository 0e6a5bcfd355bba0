#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "dd-format.h"
#include "dd-packet-summary.h"
#include "dd-pcap-writer.h"
#include "dd-pcapng-writer.h"
#include "dd-sll2.h"

/* 1700000000.123456789 */
#define TS0 G_GUINT64_CONSTANT (1700000000123456789)

/* An SLL2 + IPv4 + UDP packet 10.0.0.1:1234 → 10.0.0.2:5678 with @payload_len bytes. */
static GByteArray *
make_packet (guint32 ifindex,
             guint8  pkttype,
             gsize   payload_len)
{
  GByteArray *p = g_byte_array_new ();
  guint8 sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0, 6,
                      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0, 0 };
  guint16 ip_len = (guint16) (20 + 8 + payload_len);
  guint8 ip[20] = { 0x45, 0, ip_len >> 8, ip_len & 0xff, 0, 1, 0x40, 0, 64, 17, 0, 0,
                    10, 0, 0, 1, 10, 0, 0, 2 };
  guint8 udp[8] = { 0x04, 0xd2, 0x16, 0x2e, 0, (guint8) (8 + payload_len), 0, 0 };
  guint32 sum = 0;

  sll2[4] = ifindex >> 24;
  sll2[5] = ifindex >> 16;
  sll2[6] = ifindex >> 8;
  sll2[7] = ifindex;
  sll2[10] = pkttype;
  for (gsize i = 0; i < 20; i += 2)
    sum += (guint32) (ip[i] << 8 | ip[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  g_byte_array_append (p, sll2, sizeof sll2);
  g_byte_array_append (p, ip, sizeof ip);
  g_byte_array_append (p, udp, sizeof udp);
  for (gsize i = 0; i < payload_len; i++)
    g_byte_array_append (p, (guint8 *) "x", 1);
  return p;
}

static char *
write_temp (GByteArray *buf,
            const char *suffix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpl = g_strconcat ("ddump-test-XXXXXX", suffix, NULL);
  char *path = NULL;
  int fd = g_file_open_tmp (tmpl, &path, &error);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, (const char *) buf->data, buf->len, &error));
  g_assert_no_error (error);
  close (fd);
  return path;
}

/* Runs a real tool; FALSE (and the test skipped) when it is not installed. */
static gboolean
run_tool (const char * const *argv,
          char              **out_stdout,
          char              **out_stderr)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_find_program_in_path (argv[0]);
  int status = 0;

  if (program == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("%s is not installed", argv[0]);

      g_test_skip (reason);
      return FALSE;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out_stdout, out_stderr,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, out_stderr ? *out_stderr : "");
  return TRUE;
}

static void
test_pcap (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint32 magic;

  g_test_summary ("A pcap written by dd_pcap_write_* reads back in tcpdump with nanosecond "
                  "timestamps, SLL2 and every packet");
  dd_pcap_write_header (buf, 262144, DD_LINKTYPE_LINUX_SLL2);
  g_assert_cmpuint (buf->len, ==, 24);
  memcpy (&magic, buf->data, 4);
  g_assert_cmphex (magic, ==, DD_PCAP_MAGIC_NSEC);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GByteArray) p = make_packet (2, DD_SLL2_HOST, 5 + i);

      dd_pcap_write_record (buf, TS0 + i, p->len, p->len + 100, p->data);
    }
  g_assert_cmpuint (buf->len, ==, 24 + 3 * 16 + (53 + 54 + 55));

  path = write_temp (buf, ".pcap");
  {
    const char *argv[] = { "tcpdump", "-nn", "--time-stamp-precision=nano", "-tt", "-r", path, NULL };

    if (!run_tool (argv, &out, &err))
      goto done;
  }
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "1700000000.123456789"));
  g_assert_true (g_str_has_prefix (lines[2], "1700000000.123456791"));
  g_assert_nonnull (strstr (lines[1], "10.0.0.1.1234 > 10.0.0.2.5678: UDP, length 6"));
  g_assert_nonnull (strstr (err, "LINUX_SLL2"));
  g_assert_null (strstr (err, "truncated"));
done:
  g_unlink (path);
}

static GByteArray *
make_pcapng (void)
{
  GByteArray *buf = g_byte_array_new ();
  DdPcapngInterface any = { DD_LINKTYPE_LINUX_SLL2, 262144, "any", "all interfaces of test", "not tcp port 8475",
                            NULL, 9 };
  DdPcapngInterface eth = { DD_LINKTYPE_LINUX_SLL2, 262144, "eth7", NULL, "not tcp port 8475", "Linux", 9 };
  DdPcapngStats stats = {
    .present = DD_PCAPNG_STAT_IFRECV | DD_PCAPNG_STAT_IFDROP | DD_PCAPNG_STAT_STARTTIME,
    .starttime = TS0, .ifrecv = G_GUINT64_CONSTANT (5000000000), .ifdrop = 7,
  };
  g_autoptr(GByteArray) in = make_packet (7, DD_SLL2_HOST, 1);       /* 49 bytes: padded */
  g_autoptr(GByteArray) out = make_packet (7, DD_SLL2_OUTGOING, 4);  /* 52 bytes */

  dd_pcapng_write_shb (buf, "x86_64", "Linux 6.1", "ddump-test", (const char *[]) { "host=test", NULL });
  dd_pcapng_write_idb (buf, &any);
  dd_pcapng_write_isb (buf, 0, TS0 - 1, NULL);
  dd_pcapng_write_idb (buf, &eth);
  dd_pcapng_write_epb (buf, 1, TS0, in->len, in->len, in->data, dd_sll2_epb_flags (in->data, in->len));
  dd_pcapng_write_epb (buf, 1, TS0 + 1000, out->len, out->len, out->data,
                       dd_sll2_epb_flags (out->data, out->len));
  dd_pcapng_write_epb (buf, 1, TS0 + 2000, out->len, out->len, out->data, 0);
  dd_pcapng_write_isb (buf, 0, TS0 + 5000, &stats);
  return buf;
}

static void
test_pcapng_structure (void)
{
  g_autoptr(GByteArray) buf = make_pcapng ();
  gsize off = 0;
  guint blocks = 0;

  g_test_summary ("Every pcapng block is 4-aligned and its two length fields agree");
  while (off < buf->len)
    {
      guint32 len, trailer;

      g_assert_cmpuint (off + 12, <=, buf->len);
      memcpy (&len, buf->data + off + 4, 4);
      g_assert_cmpuint (len % 4, ==, 0);
      g_assert_cmpuint (off + len, <=, buf->len);
      memcpy (&trailer, buf->data + off + len - 4, 4);
      g_assert_cmpuint (len, ==, trailer);
      off += len;
      blocks++;
    }
  g_assert_cmpuint (off, ==, buf->len);
  g_assert_cmpuint (blocks, ==, 8);
}

static void
test_pcapng_tshark (void)
{
  g_autoptr(GByteArray) buf = make_pcapng ();
  g_autofree char *path = write_temp (buf, ".pcapng");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *info = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "tshark", "-r", path, "-T", "fields", "-E", "separator=|",
                         "-e", "frame.interface_name", "-e", "frame.packet_flags_direction",
                         "-e", "frame.time_epoch", "-e", "udp.dstport", NULL };
  const char *capinfos[] = { "capinfos", path, NULL };

  g_test_summary ("tshark reads the pcapng with interface names, directions and nanosecond times; "
                  "capinfos sees the statistics");
  if (!run_tool (argv, &out, &err))
    goto done;
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "eth7|0x00000001|1700000000.123456789|5678");
  g_assert_cmpstr (lines[1], ==, "eth7|0x00000002|1700000000.123457789|5678");
  g_assert_true (g_str_has_prefix (lines[2], "eth7||1700000000.123458789"));

  if (!run_tool (capinfos, &info, NULL))
    goto done;
  g_assert_nonnull (strstr (info, "Number of interfaces in file: 2"));
  g_assert_nonnull (strstr (info, "Number of stat entries = 2"));
  g_assert_nonnull (strstr (info, "Number of packets = 3"));
done:
  g_unlink (path);
}

static void
test_pcapng_tcpdump (void)
{
  g_autoptr(GByteArray) buf = make_pcapng ();
  g_autofree char *path = write_temp (buf, ".pcapng");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "tcpdump", "-nn", "-r", path, NULL };

  g_test_summary ("tcpdump (libpcap's pcapng reader) reads the same file: one link type throughout");
  if (!run_tool (argv, &out, &err))
    goto done;
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_nonnull (strstr (lines[1], "Out IP 10.0.0.1.1234 > 10.0.0.2.5678"));
done:
  g_unlink (path);
}

static void
test_sll2 (void)
{
  g_autoptr(GByteArray) p = make_packet (0x01020304, DD_SLL2_BROADCAST, 0);

  g_test_summary ("The SLL2 helpers read the ifindex and map packet types to epb_flags; short "
                  "packets are tolerated");
  g_assert_cmpuint (dd_sll2_ifindex (p->data, p->len), ==, 0x01020304);
  g_assert_cmpuint (dd_sll2_epb_flags (p->data, p->len), ==, DD_EPB_FLAG_INBOUND | DD_EPB_FLAG_BROADCAST);
  g_assert_cmpuint (dd_sll2_ifindex (p->data, 19), ==, 0);
  g_assert_cmpuint (dd_sll2_epb_flags (p->data, 19), ==, 0);
}

static void
test_pcap_time (void)
{
  g_test_summary ("A pcap timestamp's fraction counts in its precision's units: microseconds are "
                  "scaled up to nanoseconds, nanoseconds kept (the worker's capture and history, "
                  "and the client's parser, share this)");
  g_assert_cmpuint (dd_pcap_time_ns (1700000000, 5, 1), ==, G_GUINT64_CONSTANT (1700000000000000005));
  g_assert_cmpuint (dd_pcap_time_ns (1700000000, 5, 1000), ==, G_GUINT64_CONSTANT (1700000000000005000));
  g_assert_cmpuint (dd_pcap_time_ns (1700000000, 999999, 1000), ==, G_GUINT64_CONSTANT (1700000000999999000));
  g_assert_cmpuint (dd_pcap_time_ns (0, 999999999, 1), ==, 999999999);
}

/* packetdebug's words for a packet: addresses, ports, protocol; "?" past the capture. */
static void
test_packet_summary (void)
{
  g_autoptr(GByteArray) udp = make_packet (2, DD_SLL2_HOST, 4);
  guint8 v6[20 + 40 + 20] = { 0x86, 0xdd };
  DdPacketSummary summary;

  dd_packet_summary_from_sll2 (udp->data, udp->len, &summary);
  g_assert_cmpstr (summary.from, ==, "10.0.0.1:1234");
  g_assert_cmpstr (summary.to, ==, "10.0.0.2:5678");
  g_assert_cmpstr (summary.protocol, ==, "UDP");
  /* Cut inside the UDP header: no ports. */
  dd_packet_summary_from_sll2 (udp->data, 20 + 20 + 2, &summary);
  g_assert_cmpstr (summary.from, ==, "10.0.0.1");
  /* Cut inside the IP header: nothing is read past it. */
  dd_packet_summary_from_sll2 (udp->data, 30, &summary);
  g_assert_cmpstr (summary.from, ==, "?");
  g_assert_cmpstr (summary.protocol, ==, "IP");

  v6[20] = 0x60;
  v6[26] = 6;           /* TCP */
  v6[20 + 8 + 15] = 1;  /* ::1 → ::2 */
  v6[20 + 24 + 15] = 2;
  v6[61] = 80;
  v6[63] = 443 & 0xff;
  v6[62] = 443 >> 8;
  dd_packet_summary_from_sll2 (v6, sizeof v6, &summary);
  g_assert_cmpstr (summary.from, ==, "::1:80");
  g_assert_cmpstr (summary.to, ==, "::2:443");
  g_assert_cmpstr (summary.protocol, ==, "TCP");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/writers/pcap-time", test_pcap_time);
  g_test_add_func ("/writers/pcap", test_pcap);
  g_test_add_func ("/writers/pcapng-structure", test_pcapng_structure);
  g_test_add_func ("/writers/pcapng-tshark", test_pcapng_tshark);
  g_test_add_func ("/writers/pcapng-tcpdump", test_pcapng_tcpdump);
  g_test_add_func ("/writers/sll2", test_sll2);
  g_test_add_func ("/writers/packet-summary", test_packet_summary);
  return g_test_run ();
}
