/* Opening capture streams from workers: one receiving thread and its SoupSession for every target, TLS trust
 * (--ca, or the system store honouring SSL_CERT_FILE/SSL_CERT_DIR), client certificates
 * for mutual TLS, Basic Auth, and errors a user can act on. */
#pragma once

#include <libsoup/soup.h>

#include "dd-clock.h"
#include "dd-target.h"

G_BEGIN_DECLS

typedef struct _DdHttp DdHttp;

#define DD_HTTP_ERROR (dd_http_error_quark ())

typedef enum {
  DD_HTTP_ERROR_STATUS,       /* the worker answered with an error status */
  DD_HTTP_ERROR_CERTIFICATE,  /* the server's certificate was refused */
  DD_HTTP_ERROR_CONFIG,       /* --ca, --cert or --key cannot be used */
  DD_HTTP_ERROR_FAILED,
} DdHttpError;

GQuark        dd_http_error_quark (void);

DdHttp       *dd_http_new          (const char *ca_file,
                                    const char *cert_file,
                                    const char *key_file,
                                    guint       connect_timeout_s,
                                    GError    **error);
void          dd_http_free         (DdHttp *self);

/* Sends GET for @target and returns the response body once a 200 came back. The request
 * and the body's reading run in the receiver's thread; the body returned is read ahead
 * there by at most @read_ahead bytes (a pollable DdPrefetchStream for the caller's thread).
 * @target must live until the callback. */
void          dd_http_open_async   (DdHttp             *self,
                                    DdTarget           *target,
                                    gsize               read_ahead,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
/* The body stream's data under this key: what the worker's policy clamped (its
 * X-Ddump-Clamped header), when it did. */
#define DD_HTTP_CLAMPED "dd-http-clamped"
/* ...and this key is set when the worker says the request came straight to it (its
 * X-Ddump-Direct header): our GET /clock during the capture then reaches the worker's own
 * sockets, which its capture excludes. */
#define DD_HTTP_DIRECT "dd-http-direct"
/* ...and this one holds the worker's id of the capture (its X-Ddump-Capture header). */
#define DD_HTTP_CAPTURE "dd-http-capture"
/* ...and since when it holds every packet its filter takes (X-Ddump-Capture-Ready: a
 * guint64 of ns, the worker's clock), when the worker says. */
#define DD_HTTP_READY "dd-http-ready"

/* Needs no DdHttp: a callback that was cancelled may run after its owner is gone. */
GInputStream *dd_http_open_finish  (GAsyncResult  *result,
                                    GError       **error);

/* Estimates how far @target's clock is off ours: @exchanges requests of the worker's
 * GET /clock beside its capture URL (/PATH/capture → /PATH/clock), one after the other,
 * within the connect timeout (dd-clock.h). Fails only when no exchange went well. */
void          dd_http_clock_async  (DdHttp             *self,
                                    DdTarget           *target,
                                    guint               exchanges,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean      dd_http_clock_finish (GAsyncResult     *result,
                                    DdClockEstimate  *estimate,
                                    GError          **error);

/* GET @name beside @target's capture URL (/PATH/capture → /PATH/@name), in the receiver's
 * thread, within the connect timeout: the body of a 200 answer, and its headers. */
void          dd_http_get_async    (DdHttp             *self,
                                    DdTarget           *target,
                                    const char         *name,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
GBytes       *dd_http_get_finish   (GAsyncResult        *result,
                                    SoupMessageHeaders **headers,
                                    GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdHttp, dd_http_free)

/* What a connection that did not answer within @timeout_s fails with (a worker's, a
 * PCAP-over-IP server's): G_IO_ERROR_TIMED_OUT. */
GError  *dd_connect_timeout_error (guint timeout_s);

G_END_DECLS
