/* What a GET /capture asks for: its query parameters and negotiated format, validated. */
#pragma once

#include <gio/gio.h>

#include "dd-format.h"

G_BEGIN_DECLS

#define DD_CAPTURE_REQUEST_ERROR (dd_capture_request_error_quark ())
GQuark dd_capture_request_error_quark (void);

typedef enum {
  DD_CAPTURE_REQUEST_ERROR_UNKNOWN_PARAMETER,
  DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
  DD_CAPTURE_REQUEST_ERROR_DUPLICATE_PARAMETER,
  DD_CAPTURE_REQUEST_ERROR_UNKNOWN_INTERFACE,
  DD_CAPTURE_REQUEST_ERROR_FAILED,
} DdCaptureRequestError;

#define DD_DEFAULT_SNAPLEN DD_MAX_SNAPLEN

typedef struct {
  char      *filter;      /* the user's BPF expression, "" for none */
  guint32    snaplen;
  guint64    count;       /* 0: no limit */
  guint64    duration_ms; /* 0: no limit */
  guint64    timeout_ms;  /* ends after this long without a packet; 0: never */
  guint64    bytes;       /* ends at the packet with which the stream reaches this size; 0: no limit */
  guint64    since_ms;    /* since=-S: starts S seconds in the past (from --history) */
  gboolean   has_since;
  GPtrArray *interfaces;  /* interface names (char *) */
  GArray    *ifindexes;   /* guint32, filled by dd_capture_request_resolve_interfaces() */
  DdFormat   format;
} DdCaptureRequest;

DdCaptureRequest *dd_capture_request_parse (const char        *query,
                                            const char        *accept,
                                            GError           **error);
void              dd_capture_request_free  (DdCaptureRequest  *request);

gboolean dd_capture_request_resolve_interfaces (DdCaptureRequest  *request,
                                                GError           **error);

char *dd_capture_request_build_filter (const DdCaptureRequest *request,
                                       const char             *exclusion);

DdFormat dd_format_from_accept (const char *accept);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdCaptureRequest, dd_capture_request_free)

G_END_DECLS
