/* An input's clock against the merging host's: the offset measured as its stream opened
 * (or why it could not be), the shift its timestamps get with --clock-sync, the comment
 * that says so on its interfaces, and the measures taken during the capture. Only
 * worker (HTTP) inputs measure; for the others it stays unknown and shifts nothing.
 *
 * A plain state with no clock of its own: the caller gives the times, a test drives it. */
#pragma once

#include <glib.h>

#include "dd-clock.h"

G_BEGIN_DECLS

typedef struct {
  DdClockEstimate estimate;   /* as the stream opened; exchanges == 0: unknown */
  char           *why;        /* why it is unknown, when a measure failed */
  char           *note;       /* the clock, for the interfaces' comment, or NULL */
  gint64          shift_ns;   /* added to every timestamp of the input */
  DdClockEstimate latest;     /* measured during the capture */
  guint64         latest_at;  /* ns, our clock */
  guint           measures;
} DdSourceClock;

void     dd_source_clock_clear  (DdSourceClock *self);

/* The offset as a stream opens: @estimate, or unknown (NULL) because of @why (nullable).
 * With @sync the input's timestamps are shifted by it from now on. */
void     dd_source_clock_set    (DdSourceClock         *self,
                                 const DdClockEstimate *estimate,
                                 const GError          *why,
                                 gboolean               sync);
/* A measure during the capture, at @now_ns (our clock); returns what the interfaces' final
 * statistics should say of it. The shift stays (a capture keeps one timeline). */
char    *dd_source_clock_update (DdSourceClock         *self,
                                 const DdClockEstimate *estimate,
                                 guint64                now_ns);

/* A timestamp of the input in our clock (0 rather than before the epoch). */
static inline guint64
dd_source_clock_shift (const DdSourceClock *self,
                       guint64              ts)
{
  if (G_LIKELY (self->shift_ns == 0))
    return ts;
  if (self->shift_ns < 0 && ts < (guint64) -self->shift_ns)
    return 0;
  return ts + (guint64) self->shift_ns;
}

G_END_DECLS
