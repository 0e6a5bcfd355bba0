/* DdInputInterfaces: a source's interfaces of the section it reads, with made-up packets. */
#include "config.h"

#include <string.h>

#include "dd-input-interfaces.h"

/* An Ethernet frame carrying IPv4 with @protocol (17 UDP, 6 TCP), 64 bytes. */
static void
make_frame (guint8 *frame,
            guint8  protocol)
{
  memset (frame, 0, 64);
  frame[12] = 0x08;  /* ethertype IPv4 */
  frame[14] = 0x45;  /* version 4, 20-byte header */
  frame[17] = 50;    /* total length */
  frame[22] = 64;    /* ttl */
  frame[23] = protocol;
}

static void
test_filter (void)
{
  DdInputInterfaces interfaces;
  DdParsedInterface ether = { .linktype = 1, .snaplen = 0 };
  DdParsedInterface cut = { .linktype = 1, .snaplen = 40 };
  DdOutputRoute route = { .out_id = 7 };
  DdInputInterface *a, *b;
  guint8 udp[64], tcp[64];
  DdPacket packet = { 0 };

  g_test_summary ("Each interface has the target's filter compiled for its link type and its "
                  "snaplen (none or beyond the largest is the largest): a packet is cut to it, "
                  "then filtered");
  make_frame (udp, 17);
  make_frame (tcp, 6);
  dd_input_interfaces_init (&interfaces);
  a = dd_input_interfaces_add (&interfaces, 0, &ether, &route, "udp", NULL);
  g_assert_nonnull (a);
  g_assert_cmpuint (a->snaplen, ==, DD_MAX_SNAPLEN);
  g_assert_cmpuint (a->route.out_id, ==, 7);
  g_assert_true (dd_input_interface_is_output (a));
  route.out_id = 8;
  b = dd_input_interfaces_add (&interfaces, 1, &cut, &route, NULL, NULL);
  g_assert_nonnull (b);
  a = dd_input_interfaces_get (&interfaces, 0);  /* the array may have moved */
  g_assert_cmpuint (dd_input_interfaces_get_n (&interfaces), ==, 2);

  packet = (DdPacket) { .data = udp, .caplen = 64, .origlen = 64 };
  g_assert_true (dd_input_interface_takes (a, &packet));
  g_assert_cmpuint (packet.caplen, ==, 64);
  packet = (DdPacket) { .data = tcp, .caplen = 64, .origlen = 64 };
  g_assert_false (dd_input_interface_takes (a, &packet));
  /* No filter: everything, cut to 40 bytes. */
  g_assert_true (dd_input_interface_takes (b, &packet));
  g_assert_cmpuint (packet.caplen, ==, 40);
  g_assert_cmpuint (packet.origlen, ==, 64);
  dd_input_interfaces_clear (&interfaces);
}

static void
test_bad_filter (void)
{
  DdInputInterfaces interfaces;
  DdParsedInterface ether = { .linktype = 1, .snaplen = 65535 };
  DdOutputRoute route = { 0 };
  g_autoptr(GError) error = NULL;

  g_test_summary ("A filter that does not compile for an interface's link type is an error "
                  "that names the link type; the interface is not added");
  dd_input_interfaces_init (&interfaces);
  g_assert_null (dd_input_interfaces_add (&interfaces, 0, &ether, &route, "udp and nonsense(", &error));
  g_assert_error (error, DD_FILTER_ERROR, DD_FILTER_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "link type "));
  g_assert_true (g_str_has_prefix (error->message, "link type 1 ("));
  g_assert_cmpuint (dd_input_interfaces_get_n (&interfaces), ==, 0);
  dd_input_interfaces_clear (&interfaces);
}

static void
test_window (void)
{
  DdInputInterfaces interfaces;
  DdParsedInterface sll2 = { .linktype = 276, .snaplen = 262144 };
  DdOutputRoute route = { .out_id = 1 };
  guint8 data[64] = { 0 };
  DdPacket packet = { .data = data, .caplen = sizeof data, .origlen = sizeof data };
  DdInputInterface *iface;

  g_test_summary ("A window (a capture handing over to another) takes the packets stamped in "
                  "[from, from + span), on the interfaces there and those of later sections; "
                  "without one every packet is taken");
  dd_input_interfaces_init (&interfaces);
  iface = dd_input_interfaces_add (&interfaces, 0, &sll2, &route, NULL, NULL);
  g_assert_false (iface->checked);
  packet.ts = 5;
  g_assert_true (dd_input_interface_takes (iface, &packet));

  dd_input_interfaces_set_window (&interfaces, 1000, 500);  /* [1000, 1500) */
  g_assert_true (iface->checked);
  for (guint i = 0; i < 5; i++)
    {
      const guint64 ts[] = { 999, 1000, 1499, 1500, G_MAXUINT64 };
      const gboolean taken[] = { FALSE, TRUE, TRUE, FALSE, FALSE };

      packet.ts = ts[i];
      g_assert_cmpint (dd_input_interface_takes (iface, &packet), ==, taken[i]);
    }
  dd_input_interfaces_retire (&interfaces);
  iface = dd_input_interfaces_add (&interfaces, 0, &sll2, &route, NULL, NULL);
  packet.ts = 999;
  g_assert_false (dd_input_interface_takes (iface, &packet));
  /* Until the end: a span to the largest time. */
  dd_input_interfaces_set_window (&interfaces, 1000, G_MAXUINT64 - 1000);
  packet.ts = G_MAXUINT64 - 1;
  g_assert_true (dd_input_interface_takes (iface, &packet));
  dd_input_interfaces_clear (&interfaces);
}

static void
test_drops (void)
{
  DdInputInterfaces interfaces;
  DdParsedInterface sll2 = { .linktype = 276, .snaplen = 262144 };
  DdOutputRoute route = { .out_id = 1 };
  DdPcapngStats stats = { 0 };
  DdInputInterface *whole, *iface;

  g_test_summary ("An interface's drop count is the larger of ifdrop and osdrop of its newest "
                  "statistics; a retired section's counts stay in the total; a worker's whole "
                  "capture is no interface of the output until routed");
  dd_input_interfaces_init (&interfaces);
  whole = dd_input_interfaces_add_whole (&interfaces, 0, 262144);
  g_assert_false (dd_input_interface_is_output (whole));
  iface = dd_input_interfaces_add (&interfaces, 1, &sll2, &route, NULL, NULL);
  whole = dd_input_interfaces_get (&interfaces, 0);
  g_assert_false (dd_input_interfaces_had_drops (&interfaces));

  stats.present = DD_PCAPNG_STAT_IFDROP | DD_PCAPNG_STAT_OSDROP;
  stats.ifdrop = 3;
  stats.osdrop = 5;
  dd_input_interface_count_drops (whole, &stats);
  g_assert_cmpuint (whole->drops, ==, 5);
  stats.present = DD_PCAPNG_STAT_IFDROP;
  stats.ifdrop = 2;
  dd_input_interface_count_drops (iface, &stats);
  stats.present = DD_PCAPNG_STAT_ENDTIME;  /* no counts: the last stay */
  dd_input_interface_count_drops (iface, &stats);
  g_assert_cmpuint (iface->drops, ==, 2);
  g_assert_cmpuint (dd_input_interfaces_get_drops (&interfaces), ==, 7);

  whole->whole_routed = TRUE;
  g_assert_true (dd_input_interface_is_output (whole));

  dd_input_interfaces_retire (&interfaces);
  g_assert_cmpuint (dd_input_interfaces_get_n (&interfaces), ==, 0);
  g_assert_true (dd_input_interfaces_had_drops (&interfaces));
  g_assert_cmpuint (dd_input_interfaces_get_drops (&interfaces), ==, 7);

  /* The next section starts again at id 0 and adds to the total. */
  iface = dd_input_interfaces_add (&interfaces, 0, &sll2, &route, NULL, NULL);
  stats.present = DD_PCAPNG_STAT_OSDROP;
  stats.osdrop = 10;
  dd_input_interface_count_drops (iface, &stats);
  g_assert_cmpuint (dd_input_interfaces_get_drops (&interfaces), ==, 17);
  dd_input_interfaces_clear (&interfaces);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/input-interfaces/filter", test_filter);
  g_test_add_func ("/input-interfaces/bad-filter", test_bad_filter);
  g_test_add_func ("/input-interfaces/drops", test_drops);
  g_test_add_func ("/input-interfaces/window", test_window);
  return g_test_run ();
}
