#include "config.h"

#include <glib/gi18n.h>

#include "dd-source-clock.h"

void
dd_source_clock_clear (DdSourceClock *self)
{
  g_clear_pointer (&self->why, g_free);
  g_clear_pointer (&self->note, g_free);
}

void
dd_source_clock_set (DdSourceClock         *self,
                     const DdClockEstimate *estimate,
                     const GError          *why,
                     gboolean               sync)
{
  g_autofree char *offset = NULL;

  dd_source_clock_clear (self);
  self->estimate = (DdClockEstimate) { 0 };
  self->shift_ns = 0;
  if (estimate == NULL)
    {
      if (why != NULL)
        {
          self->why = g_strdup (why->message);
          self->note = g_strdup_printf (_("clock offset unknown: %s"), why->message);
        }
      return;
    }
  self->estimate = *estimate;
  offset = dd_clock_estimate_format (estimate);
  if (!sync)
    {
      self->note = g_strdup_printf (_("clock offset %s against the merging host"), offset);
      return;
    }
  /* Ahead by the offset: its timestamps move back by as much. */
  self->shift_ns = -estimate->offset_ns;
  self->note = g_strdup_printf (_("clock offset %s against the merging host; timestamps shifted "
                                  "by %+.3f ms to the merging host's clock (--clock-sync)"),
                                offset, (double) self->shift_ns / 1e6);
}

char *
dd_source_clock_update (DdSourceClock         *self,
                        const DdClockEstimate *estimate,
                        guint64                now_ns)
{
  g_autofree char *offset = dd_clock_estimate_format (estimate);
  g_autofree char *when = dd_clock_format_utc (now_ns);

  self->latest = *estimate;
  self->latest_at = now_ns;
  self->measures++;
  /* For a reader of the file: the interfaces' comment has the offset as the stream opened. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "clock offset %s against the merging host at %s UTC, the last of %u measure during the capture",
                                       "clock offset %s against the merging host at %s UTC, the last of %u measures during the capture",
                                       self->measures),
                          offset, when, self->measures);
}
