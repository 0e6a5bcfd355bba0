/* Counters the worker exports on GET /metrics. Main-loop only: no locking. The gauge of
 * captures running is not kept here: the server counts its running streams when asked. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 captures_total;
  guint64 captures_rejected;
  guint64 packets_sent;
  guint64 bytes_sent;
  guint64 kernel_drops;
  guint64 streams_failed;
  guint64 requests_refused;
  guint64 connections_timed_out;
} DdWorkerMetrics;

G_END_DECLS
