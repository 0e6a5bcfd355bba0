/* DdStallWatch: when a stream with heartbeats has stalled, driven with made-up times. */
#include "config.h"

#include <string.h>

#include "dd-stall-watch.h"

#define S G_USEC_PER_SEC
#define NS G_GUINT64_CONSTANT (1000)  /* per µs */

static void
test_period (void)
{
  DdStallWatch watch;
  g_autoptr(GError) error = NULL;
  gint64 t0 = 1000 * S;

  g_test_summary ("Once two heartbeats showed the period, a stream quiet for 20 periods "
                  "(at least 5 s) has stalled, and the error says both");
  dd_stall_watch_reset (&watch, t0);
  g_assert_false (dd_stall_watch_beat (&watch, 50 * S * NS, t0 + S / 10));
  g_assert_true (dd_stall_watch_beat (&watch, 50 * S * NS + 100000 * NS, t0 + S / 5));  /* 0.1 s */
  g_assert_false (dd_stall_watch_beat (&watch, 50 * S * NS + 500000 * NS, t0 + S / 2));  /* longer: kept */
  g_assert_cmpint (watch.period_us, ==, 100000);
  g_assert_true (dd_stall_watch_check (&watch, t0 + S, t0 + S + 5 * S - 1, NULL));
  g_assert_false (dd_stall_watch_check (&watch, t0 + S, t0 + S + 5 * S, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "5.0 s"));
  g_assert_nonnull (strstr (error->message, "0.1 s"));
  g_clear_error (&error);

  /* A slow heartbeat: 20 periods. */
  dd_stall_watch_reset (&watch, t0);
  dd_stall_watch_beat (&watch, 1 * S * NS, t0 + S);
  dd_stall_watch_beat (&watch, 2 * S * NS, t0 + 2 * S);
  g_assert_true (dd_stall_watch_check (&watch, t0 + 2 * S, t0 + 21 * S, NULL));
  g_assert_false (dd_stall_watch_check (&watch, t0 + 2 * S, t0 + 22 * S, NULL));
}

static void
test_unknown (void)
{
  DdStallWatch watch;
  g_autoptr(GError) error = NULL;
  gint64 t0 = 1000 * S;

  g_test_summary ("Before the period is known: 30 s, or three times what the first heartbeat "
                  "took to come; a reset forgets the last connection");
  dd_stall_watch_reset (&watch, t0);
  g_assert_true (dd_stall_watch_check (&watch, t0, t0 + 30 * S - 1, NULL));
  g_assert_false (dd_stall_watch_check (&watch, t0, t0 + 30 * S, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (strstr (error->message, "sends one every"));
  dd_stall_watch_beat (&watch, 5 * S * NS, t0 + 20 * S);  /* the first came after 20 s */
  g_assert_true (dd_stall_watch_check (&watch, t0 + 20 * S, t0 + 20 * S + 60 * S - 1, NULL));
  g_assert_false (dd_stall_watch_check (&watch, t0 + 20 * S, t0 + 20 * S + 60 * S, NULL));
  dd_stall_watch_reset (&watch, t0 + 100 * S);
  g_assert_cmpint (watch.period_us, ==, 0);
  g_assert_cmpuint (watch.last_end, ==, 0);
  g_assert_true (dd_stall_watch_check (&watch, t0 + 100 * S, t0 + 129 * S, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stall-watch/period", test_period);
  g_test_add_func ("/stall-watch/unknown", test_unknown);
  return g_test_run ();
}
