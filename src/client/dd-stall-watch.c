#include "config.h"

#include <glib/gi18n.h>

#include "dd-stall-watch.h"

#define STALL_PERIODS 20
#define STALL_MIN_US (5 * G_USEC_PER_SEC)
#define STALL_UNKNOWN_US (30 * G_USEC_PER_SEC)

void
dd_stall_watch_reset (DdStallWatch *self,
                      gint64        now)
{
  *self = (DdStallWatch) { .since = now };
}

gboolean
dd_stall_watch_beat (DdStallWatch *self,
                     guint64       end_ns,
                     gint64        now)
{
  gboolean shown = FALSE;

  if (self->first_beat == 0)
    self->first_beat = now;
  if (self->last_end != 0 && end_ns > self->last_end)
    {
      gint64 gap = (gint64) MIN ((end_ns - self->last_end) / 1000, (guint64) G_MAXINT32);

      shown = self->period_us == 0;
      if (self->period_us == 0 || gap < self->period_us)
        self->period_us = MAX (gap, 1000);
    }
  self->last_end = end_ns;
  return shown;
}

gboolean
dd_stall_watch_check (const DdStallWatch *self,
                      gint64              last_arrival,
                      gint64              now,
                      GError            **error)
{
  gint64 limit, quiet = now - last_arrival;

  if (self->period_us != 0)
    limit = MAX (STALL_MIN_US, STALL_PERIODS * self->period_us);
  else  /* the first heartbeat took about one period to come */
    limit = MAX (STALL_UNKNOWN_US, self->first_beat != 0 ? 3 * (self->first_beat - self->since) : 0);
  if (quiet < limit)
    return TRUE;
  if (self->period_us != 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 _("the stream stalled: nothing for %.1f s, not even a heartbeat "
                   "(the worker sends one every %.1f s)"),
                 quiet / (double) G_USEC_PER_SEC, self->period_us / (double) G_USEC_PER_SEC);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 _("the stream stalled: nothing for %.1f s, not even a heartbeat"),
                 quiet / (double) G_USEC_PER_SEC);
  return FALSE;
}
