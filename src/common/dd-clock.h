/* Clock offsets between hosts, NTP's way (RFC 5905, §8): in one exchange the client notes
 * when it sent a request (t0) and when the answer came (t3), the worker when the request
 * came (t1) and when its answer left (t2), each on its own real-time clock. Then
 *
 *   offset = ((t1 - t0) + (t2 - t3)) / 2     how far the worker's clock is ahead
 *   delay  = (t3 - t0) - (t2 - t1)           the round trip, less the worker's time
 *
 * and the true offset lies within offset ± delay / 2 whatever the two directions took:
 * the error bound. Of several exchanges the one with the lowest delay is kept, as the
 * least disturbed by queues. The method assumes nothing about a path's symmetry; an
 * asymmetric path moves the estimate inside its bound, never outside. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The real-time clock, in nanoseconds since the epoch. */
gint64   dd_clock_real_time_ns (void);

typedef struct {
  gint64  offset_ns;  /* the worker's clock minus ours */
  gint64  error_ns;   /* half the lowest delay */
  guint   exchanges;  /* how many exchanges it was chosen from; 0: no estimate */
} DdClockEstimate;

/* Adds the exchange (t0 … t3, in ns) to @estimate, which keeps the one of lowest delay.
 * FALSE (and nothing kept) when its timestamps are impossible (a negative delay). */
gboolean dd_clock_estimate_add (DdClockEstimate *estimate,
                                gint64           t0,
                                gint64           t1,
                                gint64           t2,
                                gint64           t3);

/* "HH:MM:SS.mmm" of @ns since the epoch, in UTC. */
char    *dd_clock_format_utc      (guint64 ns);

/* "+0.412 ms ± 0.050 ms", with a precision that suits the bound. */
char    *dd_clock_estimate_format (const DdClockEstimate *estimate);

G_END_DECLS
