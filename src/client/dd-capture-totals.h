/* A worker's whole-capture statistics across its connections, and where they go.
 *
 * A worker sends the counters of its whole capture on its interface 0, which carries no
 * packet. Over a run they add up across connections (each a pcapng section): the
 * counters of the ones before plus the latest of the current one, the window widened to
 * cover them all. They belong on the output interface of the worker's first packets,
 * since Wireshark shows drops only with packets ("HOST/any" when none came): until that
 * is known, the latest wait here.
 *
 * A plain state: the source gives it what it parsed, and places what it hands back. */
#pragma once

#include <glib.h>

#include "dd-pcapng-writer.h"

G_BEGIN_DECLS

typedef struct {
  DdPcapngStats earlier;     /* of the connections before */
  DdPcapngStats current;     /* the current connection's latest */
  DdPcapngStats pending;     /* earlier + current, not placed yet */
  guint64       pending_ts;
  gboolean      have_pending;
  guint32       out_id;      /* where they go, once routed */
  gboolean      routed;
  guint32       snaplen;     /* of the whole capture, to describe "HOST/any" if needed */
} DdCaptureTotals;

/* Counters of one more section (a connection) of the same capture into @sum: its
 * counters add up, its times widen the window. */
void     dd_capture_totals_add      (DdPcapngStats       *sum,
                                     const DdPcapngStats *more);

/* The whole capture's latest counters for the current connection, at @ts_ns. */
void     dd_capture_totals_update   (DdCaptureTotals     *self,
                                     guint64              ts_ns,
                                     const DdPcapngStats *stats);
/* The current connection ended: its counters stay in the total. */
void     dd_capture_totals_end_section (DdCaptureTotals *self);
/* Every connection's counters, the current one's too (no comment). */
void     dd_capture_totals_get      (const DdCaptureTotals *self,
                                     DdPcapngStats         *out);
/* They go to @out_id from now on, unless they already have a place. */
void     dd_capture_totals_route    (DdCaptureTotals *self,
                                     guint32          out_id);
/* The latest counters to place now, if there are some and their place is known: then
 * the caller writes @stats at @ts_ns on @out_id, and they are no longer pending. */
gboolean dd_capture_totals_take     (DdCaptureTotals *self,
                                     guint32         *out_id,
                                     guint64         *ts_ns,
                                     DdPcapngStats   *stats);

G_END_DECLS
