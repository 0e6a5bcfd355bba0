/* DdSourceClock: an input's clock against ours, its shift and what the capture says of it. */
#include "config.h"

#include <gio/gio.h>

#include "dd-source-clock.h"

#define MS G_GINT64_CONSTANT (1000000)

static void
test_sync (void)
{
  DdSourceClock clock = { 0 };
  DdClockEstimate ahead = { .offset_ns = 250 * MS, .error_ns = MS / 10, .exchanges = 4 };
  DdClockEstimate later = { .offset_ns = 260 * MS, .error_ns = MS / 10, .exchanges = 4 };
  g_autofree char *first = NULL, *second = NULL;

  g_test_summary ("With --clock-sync an input 250 ms ahead has its timestamps moved back by "
                  "as much (never before the epoch); measures during the capture are counted "
                  "and described, and do not move the shift");
  dd_source_clock_set (&clock, &ahead, NULL, TRUE);
  g_assert_cmpint (clock.shift_ns, ==, -250 * MS);
  g_assert_cmpuint (dd_source_clock_shift (&clock, 1000 * MS), ==, 750 * MS);
  g_assert_cmpuint (dd_source_clock_shift (&clock, 100 * MS), ==, 0);
  g_assert_cmpstr (clock.note, ==, "clock offset +250.000 ms ± 0.100 ms against the merging host; "
                   "timestamps shifted by -250.000 ms to the merging host's clock (--clock-sync)");
  first = dd_source_clock_update (&clock, &later, 0);
  second = dd_source_clock_update (&clock, &later, G_GUINT64_CONSTANT (86400000000000));
  g_assert_cmpstr (first, ==, "clock offset +260.000 ms ± 0.100 ms against the merging host at "
                   "00:00:00.000 UTC, the last of 1 measure during the capture");
  g_assert_true (g_str_has_suffix (second, "the last of 2 measures during the capture"));
  g_assert_cmpuint (clock.measures, ==, 2);
  g_assert_cmpint (clock.latest.offset_ns, ==, 260 * MS);
  g_assert_cmpint (clock.shift_ns, ==, -250 * MS);
  dd_source_clock_clear (&clock);
}

static void
test_unknown (void)
{
  DdSourceClock clock = { 0 };
  DdClockEstimate ahead = { .offset_ns = 250 * MS, .error_ns = MS / 10, .exchanges = 4 };
  g_autoptr(GError) why = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer");

  g_test_summary ("Without --clock-sync the offset is only told; an offset that cannot be "
                  "measured shifts nothing and says why; setting it again forgets the last");
  dd_source_clock_set (&clock, &ahead, NULL, FALSE);
  g_assert_cmpint (clock.shift_ns, ==, 0);
  g_assert_cmpstr (clock.note, ==, "clock offset +250.000 ms ± 0.100 ms against the merging host");
  dd_source_clock_set (&clock, NULL, why, TRUE);
  g_assert_cmpuint (clock.estimate.exchanges, ==, 0);
  g_assert_cmpint (clock.shift_ns, ==, 0);
  g_assert_cmpstr (clock.why, ==, "no answer");
  g_assert_cmpstr (clock.note, ==, "clock offset unknown: no answer");
  dd_source_clock_set (&clock, NULL, NULL, TRUE);
  g_assert_null (clock.note);
  g_assert_null (clock.why);
  dd_source_clock_clear (&clock);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/source-clock/sync", test_sync);
  g_test_add_func ("/source-clock/unknown", test_unknown);
  return g_test_run ();
}
