#include "config.h"

#include "dd-capture-totals.h"

void
dd_capture_totals_add (DdPcapngStats       *sum,
                       const DdPcapngStats *more)
{
  if ((more->present & DD_PCAPNG_STAT_STARTTIME) &&
      (!(sum->present & DD_PCAPNG_STAT_STARTTIME) || more->starttime < sum->starttime))
    sum->starttime = more->starttime;
  if ((more->present & DD_PCAPNG_STAT_ENDTIME) && more->endtime > sum->endtime)
    sum->endtime = more->endtime;
  sum->ifrecv += more->ifrecv;
  sum->ifdrop += more->ifdrop;
  sum->filteraccept += more->filteraccept;
  sum->osdrop += more->osdrop;
  sum->usrdeliv += more->usrdeliv;
  sum->present |= more->present;
}

void
dd_capture_totals_update (DdCaptureTotals     *self,
                          guint64              ts_ns,
                          const DdPcapngStats *stats)
{
  self->current = *stats;
  self->current.comment = NULL;
  dd_capture_totals_get (self, &self->pending);
  self->pending_ts = ts_ns;
  self->have_pending = TRUE;
}

void
dd_capture_totals_end_section (DdCaptureTotals *self)
{
  dd_capture_totals_add (&self->earlier, &self->current);
  self->current = (DdPcapngStats) { 0 };
}

void
dd_capture_totals_get (const DdCaptureTotals *self,
                       DdPcapngStats         *out)
{
  *out = self->earlier;
  dd_capture_totals_add (out, &self->current);
  out->comment = NULL;
}

void
dd_capture_totals_route (DdCaptureTotals *self,
                         guint32          out_id)
{
  if (self->routed)
    return;
  self->out_id = out_id;
  self->routed = TRUE;
}

gboolean
dd_capture_totals_take (DdCaptureTotals *self,
                        guint32         *out_id,
                        guint64         *ts_ns,
                        DdPcapngStats   *stats)
{
  if (!self->have_pending || !self->routed)
    return FALSE;
  *out_id = self->out_id;
  *ts_ns = self->pending_ts;
  *stats = self->pending;
  self->have_pending = FALSE;
  return TRUE;
}
