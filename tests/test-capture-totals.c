/* DdCaptureTotals: a worker's whole-capture counters across connections, and their place. */
#include "config.h"

#include "dd-capture-totals.h"

static DdPcapngStats
counters (guint64 start, guint64 end, guint64 recv, guint64 drop)
{
  return (DdPcapngStats) {
    .present = DD_PCAPNG_STAT_STARTTIME | DD_PCAPNG_STAT_ENDTIME | DD_PCAPNG_STAT_IFRECV | DD_PCAPNG_STAT_IFDROP,
    .starttime = start, .endtime = end, .ifrecv = recv, .ifdrop = drop, .comment = "from the worker",
  };
}

static void
test_connections (void)
{
  DdCaptureTotals totals = { 0 };
  DdPcapngStats s, got;
  guint64 ts;
  guint32 out_id;

  g_test_summary ("Counters add up across connections (the latest of each), the window "
                  "widens over them all, and the comment is the worker's, not the total's");
  s = counters (100, 200, 10, 1);
  dd_capture_totals_update (&totals, 200, &s);
  s = counters (100, 300, 20, 2);  /* the same connection, later: replaces */
  dd_capture_totals_update (&totals, 300, &s);
  dd_capture_totals_get (&totals, &got);
  g_assert_cmpuint (got.ifrecv, ==, 20);
  dd_capture_totals_end_section (&totals);
  dd_capture_totals_end_section (&totals);  /* twice: nothing counted twice */
  s = counters (400, 500, 5, 3);
  dd_capture_totals_update (&totals, 500, &s);
  dd_capture_totals_get (&totals, &got);
  g_assert_cmpuint (got.ifrecv, ==, 25);
  g_assert_cmpuint (got.ifdrop, ==, 5);
  g_assert_cmpuint (got.starttime, ==, 100);
  g_assert_cmpuint (got.endtime, ==, 500);
  g_assert_null (got.comment);
  g_assert_true (got.present & DD_PCAPNG_STAT_IFDROP);

  /* Not placed until routed; then once, the first route kept. */
  g_assert_false (dd_capture_totals_take (&totals, &out_id, &ts, &got));
  dd_capture_totals_route (&totals, 3);
  dd_capture_totals_route (&totals, 7);
  g_assert_true (dd_capture_totals_take (&totals, &out_id, &ts, &got));
  g_assert_cmpuint (out_id, ==, 3);
  g_assert_cmpuint (ts, ==, 500);
  g_assert_cmpuint (got.ifrecv, ==, 25);
  g_assert_false (dd_capture_totals_take (&totals, &out_id, &ts, &got));
  s = counters (400, 600, 6, 3);
  dd_capture_totals_update (&totals, 600, &s);
  g_assert_true (dd_capture_totals_take (&totals, &out_id, &ts, &got));
  g_assert_cmpuint (got.ifrecv, ==, 26);
  g_assert_cmpuint (out_id, ==, 3);
}

static void
test_add (void)
{
  DdPcapngStats sum = { 0 };
  DdPcapngStats only_end = { .present = DD_PCAPNG_STAT_ENDTIME, .endtime = 50 };
  DdPcapngStats later = counters (70, 90, 1, 0);

  g_test_summary ("Adding a section: a start only where one was given, the earliest start "
                  "and the latest end");
  dd_capture_totals_add (&sum, &only_end);
  g_assert_false (sum.present & DD_PCAPNG_STAT_STARTTIME);
  g_assert_cmpuint (sum.endtime, ==, 50);
  dd_capture_totals_add (&sum, &later);
  g_assert_cmpuint (sum.starttime, ==, 70);
  g_assert_cmpuint (sum.endtime, ==, 90);
  later = counters (60, 80, 1, 0);
  dd_capture_totals_add (&sum, &later);
  g_assert_cmpuint (sum.starttime, ==, 60);
  g_assert_cmpuint (sum.endtime, ==, 90);
  g_assert_cmpuint (sum.ifrecv, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture-totals/connections", test_connections);
  g_test_add_func ("/capture-totals/add", test_add);
  return g_test_run ();
}
