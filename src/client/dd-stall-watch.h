/* When a stream with heartbeats (a ddump worker's pcapng) has stalled: it brought nothing,
 * not even a heartbeat, for STALL_PERIODS of its heartbeat period (at least 5 s), whatever
 * TCP says. Until two heartbeats have shown the period, a stream is given 30 s, or three
 * times what its first heartbeat took to come (a worker frozen right after its header).
 *
 * A plain state that the stream's owner feeds with the times it sees (monotonic µs) and
 * asks on its own timer: no clock or timer of its own, so a unit test drives it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  gint64  since;       /* when the stream started running */
  gint64  first_beat;  /* when the first heartbeat came; 0: not yet */
  guint64 last_end;    /* the last heartbeat's end time (ns, the sender's clock); 0: none */
  gint64  period_us;   /* the shortest gap between two heartbeats; 0: unknown */
} DdStallWatch;

/* A stream that starts running at @now. */
void     dd_stall_watch_reset (DdStallWatch *self,
                               gint64        now);
/* A heartbeat whose statistics end at @end_ns (the sender's clock) came at @now. TRUE when
 * it showed the period for the first time. */
gboolean dd_stall_watch_beat  (DdStallWatch *self,
                               guint64       end_ns,
                               gint64        now);
/* FALSE, with G_IO_ERROR_TIMED_OUT, when a stream whose last bytes came at @last_arrival
 * has stalled at @now. */
gboolean dd_stall_watch_check (const DdStallWatch *self,
                               gint64              last_arrival,
                               gint64              now,
                               GError            **error);

G_END_DECLS
