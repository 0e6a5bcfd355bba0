/* ddump-worker's HTTP side: listeners, routes, the self-exclusion filter, metrics and
 * an orderly shutdown. */
#pragma once

#include <libsoup/soup.h>

#include "dd-forwarded.h"
#include "dd-policy.h"
#include "dd-listen-address.h"
#include "dd-worker-metrics.h"

G_BEGIN_DECLS

#define DD_WORKER_ERROR (dd_worker_error_quark ())
GQuark dd_worker_error_quark (void);

typedef enum {
  DD_WORKER_ERROR_LISTEN,
  DD_WORKER_ERROR_BUSY,           /* --max-captures are running: 503, try again */
  DD_WORKER_ERROR_SHUTTING_DOWN,  /* 503 */
  DD_WORKER_ERROR_NO_HISTORY,     /* since= without --history: 400 */
  DD_WORKER_ERROR_FAILED,
} DdWorkerError;

typedef struct {
  guint   max_captures;
  guint   heartbeat_ms;
  gsize   ring_size;        /* kernel ring per capture, bytes */
  gsize   stream_buffer;    /* bytes queued per stream before the capture is paused */
  gint    timeout_ms;       /* TPACKET_V3 block timeout */
  guint   request_timeout_ms;  /* a connection's request must arrive within this */
  gint    socket_mode;      /* unix sockets: chmod to this, or -1 */
  char   *socket_group;     /* unix sockets: chgrp to this, or NULL */
  gdouble history_s;        /* --history: seconds of recent packets kept; 0: none */
  gsize   history_bytes;    /* at most this much of them */
  char   *history_filter;   /* what the history keeps; NULL: everything */
  DdTrustedProxies *trusted_proxies;  /* whose Forwarded header counts (not owned) */
  DdPolicy         *policy;           /* caps and the required filter (not owned) */
  char            **tls_keylog;       /* key log files sent in pcapng captures, or NULL */
  guint             tls_keylog_wait_ms;
} DdWorkerOptions;

typedef struct _DdWorkerServer DdWorkerServer;

DdWorkerServer *dd_worker_server_new             (const DdWorkerOptions   *options);
void            dd_worker_server_free            (DdWorkerServer          *self);

gboolean        dd_worker_server_listen          (DdWorkerServer          *self,
                                                  const DdListenAddress   *address,
                                                  GError                 **error);
gboolean        dd_worker_server_listen_fd       (DdWorkerServer          *self,
                                                  int                      fd,
                                                  GError                 **error);
/* Call once every listener is set up: computes the filter excluding our own traffic. */
void            dd_worker_server_start           (DdWorkerServer          *self);
const char     *dd_worker_server_get_exclusion   (DdWorkerServer          *self);
/* With history_s: starts keeping the recent packets (after dd_worker_server_start ()). */
gboolean        dd_worker_server_start_history   (DdWorkerServer          *self,
                                                  GError                 **error);
GStrv           dd_worker_server_describe_listeners (DdWorkerServer       *self);

/* Ends every stream cleanly and refuses new captures; @done runs once all responses are
 * over, or after @timeout_ms at the latest. */
void            dd_worker_server_shutdown        (DdWorkerServer          *self,
                                                  guint                    timeout_ms,
                                                  GSourceFunc              done,
                                                  gpointer                 user_data);

const DdWorkerMetrics *dd_worker_server_get_metrics (DdWorkerServer *self);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdWorkerServer, dd_worker_server_free)

G_END_DECLS
