/* One GET /capture: a live capture written as pcap or pcapng into a chunked response,
 * flow-controlled, with pcapng heartbeats that carry statistics and a watermark. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dd-capture.h"
#include "dd-capture-request.h"
#include "dd-filter.h"
#include "dd-history.h"
#include "dd-worker-metrics.h"

G_BEGIN_DECLS

typedef struct _DdCaptureStream DdCaptureStream;

typedef struct {
  guint       heartbeat_ms;   /* pcapng ISB period */
  gsize       high_water;     /* stop reading the capture above this many queued bytes */
  gsize       low_water;      /* resume below this */
  guint       watermark_lag_ms;
  gsize       ring_size;      /* the most a final drain reads */
  const char *hostname;
  DdHistory  *history;        /* for since=; NULL: the worker keeps none */
  DdFilterProgram *history_program;  /* since=: what of the history the filter takes
                              * (owned by the stream from here on); NULL: all of it */
  const char *proxy_hop;      /* the trusted proxy's outer connection, excluded; or NULL */
  const char *identity;       /* who asked, for the audit log */
  const char *peer;           /* where from (dd_worker_peer_describe ()) */
  const char *clamped;        /* the policy's clamps ("duration=60s, …"), or NULL */
  const char * const *tls_keylog;  /* key log files whose lines a pcapng capture sends, or NULL */
  guint       tls_keylog_wait_ms;  /* how long a ClientHello holds the watermark back */
  gboolean    secrets_withheld;    /* the policy keeps the key logs from this client */
} DdCaptureStreamOptions;

typedef void (*DdCaptureStreamDoneFunc) (DdCaptureStream *stream,
                                         gpointer         user_data);

/* Takes ownership of @capture (and the options' history program); @metrics must outlive
 * the stream. @done is called once, when the response is over (whatever ended it); the
 * stream may then be freed. */
DdCaptureStream *dd_capture_stream_new  (SoupServerMessage            *msg,
                                         DdCapture                    *capture,
                                         const DdCaptureRequest       *request,
                                         const char                   *applied_filter,
                                         const DdCaptureStreamOptions *options,
                                         DdWorkerMetrics              *metrics,
                                         DdCaptureStreamDoneFunc       done,
                                         gpointer                      user_data);
void             dd_capture_stream_free (DdCaptureStream              *stream);
const char      *dd_capture_stream_get_identity (DdCaptureStream       *stream);
/* The worker's number for the capture, also sent as X-Ddump-Capture. */
guint            dd_capture_stream_get_id       (DdCaptureStream       *stream);
/* One object for GET /captures: id, client, peer (address, port), format, filter, counts. */
void             dd_capture_stream_describe     (DdCaptureStream       *stream,
                                                 JsonBuilder           *builder);

/* Ends the stream cleanly: what is captured so far, a last ISB, then the final chunk. */
void             dd_capture_stream_end  (DdCaptureStream              *stream,
                                         const char                   *reason);

/* Whether the stream still captures. Looks at the client's connection first: a client
 * that has just gone ends the stream here rather than when its end of stream is read. */
gboolean         dd_capture_stream_is_running (DdCaptureStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdCaptureStream, dd_capture_stream_free)

G_END_DECLS
