#include "config.h"

#include "dd-clock.h"

#define MS G_GINT64_CONSTANT (1000000)
#define T G_GINT64_CONSTANT (1700000000000000000)

/* A worker 500 ms ahead, 2 ms each way, 1 ms to answer. */
static void
test_clock_offset (void)
{
  DdClockEstimate e = { 0 };

  g_assert_true (dd_clock_estimate_add (&e, T, T + 2 * MS + 500 * MS, T + 3 * MS + 500 * MS, T + 5 * MS));
  g_assert_cmpint (e.offset_ns, ==, 500 * MS);
  g_assert_cmpint (e.error_ns, ==, 2 * MS);  /* half the round trip less the worker's time */
  g_assert_cmpuint (e.exchanges, ==, 1);
}

/* A slow path one way moves the estimate inside its bound, never outside. */
static void
test_clock_asymmetric (void)
{
  DdClockEstimate e = { 0 };

  /* 1 ms there, 9 ms back, clocks equal. */
  g_assert_true (dd_clock_estimate_add (&e, T, T + 1 * MS, T + 1 * MS, T + 10 * MS));
  g_assert_cmpint (e.offset_ns, ==, -4 * MS);
  g_assert_cmpint (e.error_ns, ==, 5 * MS);
  g_assert_cmpint (ABS (e.offset_ns - 0), <=, e.error_ns);
}

/* The exchange of lowest delay is kept, whatever the order. */
static void
test_clock_best (void)
{
  DdClockEstimate e = { 0 };

  g_assert_true (dd_clock_estimate_add (&e, T, T + 30 * MS, T + 30 * MS, T + 40 * MS));   /* delay 40 */
  g_assert_true (dd_clock_estimate_add (&e, T, T + 21 * MS, T + 21 * MS, T + 2 * MS));    /* delay 2 */
  g_assert_true (dd_clock_estimate_add (&e, T, T + 25 * MS, T + 25 * MS, T + 10 * MS));   /* delay 10 */
  g_assert_cmpint (e.offset_ns, ==, 20 * MS);
  g_assert_cmpint (e.error_ns, ==, 1 * MS);
  g_assert_cmpuint (e.exchanges, ==, 3);
}

/* An answer before the question (a clock stepped meanwhile) is left out. */
static void
test_clock_impossible (void)
{
  DdClockEstimate e = { 0 };

  g_assert_false (dd_clock_estimate_add (&e, T, T + 5 * MS, T + 4 * MS, T + 10 * MS));
  g_assert_false (dd_clock_estimate_add (&e, T, T, T + 20 * MS, T + 10 * MS));
  g_assert_false (dd_clock_estimate_add (&e, T + 10 * MS, T, T, T));
  g_assert_cmpuint (e.exchanges, ==, 0);
}

/* Clocks years apart do not overflow. */
static void
test_clock_far (void)
{
  DdClockEstimate e = { 0 };

  g_assert_true (dd_clock_estimate_add (&e, T, G_MAXINT64 - 10 * MS, G_MAXINT64 - 9 * MS, T + 3 * MS));
  g_assert_cmpint (e.offset_ns, >, 0);
  g_assert_cmpint (e.error_ns, ==, 1 * MS);
}

static void
test_clock_format (void)
{
  const struct { gint64 offset, error; const char *text; } cases[] = {
    { 412000, 50000, "+0.412 ms ± 0.050 ms" },
    { -1500000, 250000, "-1.500 ms ± 0.250 ms" },
    { 500123456, 3000000, "+500.1 ms ± 3.0 ms" },
    { 7200 * G_GINT64_CONSTANT (1000000000), 1500 * MS, "+7200000 ms ± 1500 ms" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DdClockEstimate e = { cases[i].offset, cases[i].error, 1 };
      g_autofree char *text = dd_clock_estimate_format (&e);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock/offset", test_clock_offset);
  g_test_add_func ("/clock/asymmetric", test_clock_asymmetric);
  g_test_add_func ("/clock/best", test_clock_best);
  g_test_add_func ("/clock/impossible", test_clock_impossible);
  g_test_add_func ("/clock/far", test_clock_far);
  g_test_add_func ("/clock/format", test_clock_format);
  return g_test_run ();
}
