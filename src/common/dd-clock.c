#include "config.h"

#include <time.h>

#include "dd-clock.h"

gint64
dd_clock_real_time_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_REALTIME, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

gboolean
dd_clock_estimate_add (DdClockEstimate *estimate,
                       gint64           t0,
                       gint64           t1,
                       gint64           t2,
                       gint64           t3)
{
  gint64 delay = (t3 - t0) - (t2 - t1);

  /* The worker answered before it was asked, or a clock stepped during the exchange. */
  if (t3 < t0 || t2 < t1 || delay < 0)
    return FALSE;
  if (estimate->exchanges == 0 || delay / 2 < estimate->error_ns)
    {
      /* Halved one by one: the sum of two offsets of a skewed clock could overflow. */
      estimate->offset_ns = (t1 - t0) / 2 + (t2 - t3) / 2;
      estimate->error_ns = delay / 2;
    }
  estimate->exchanges++;
  return TRUE;
}

char *
dd_clock_estimate_format (const DdClockEstimate *estimate)
{
  double offset = (double) estimate->offset_ns / 1e6;
  double error = (double) estimate->error_ns / 1e6;

  /* Microseconds when the bound is below a millisecond; whole milliseconds past a second. */
  if (error < 1)
    return g_strdup_printf ("%+.3f ms ± %.3f ms", offset, error);
  if (error < 1000)
    return g_strdup_printf ("%+.1f ms ± %.1f ms", offset, error);
  return g_strdup_printf ("%+.0f ms ± %.0f ms", offset, error);
}

char *
dd_clock_format_utc (guint64 ns)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc ((gint64) (ns / 1000000000u));

  if (t == NULL)
    return g_strdup ("?");
  return g_strdup_printf ("%02d:%02d:%02d.%03u", g_date_time_get_hour (t), g_date_time_get_minute (t),
                          g_date_time_get_second (t), (guint) (ns % 1000000000u / 1000000u));
}
