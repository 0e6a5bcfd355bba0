/* The audit log of one capture: who asked, from where, for what (interfaces, filter,
 * limits, the policy's clamps), one structured line when it starts and one when it ends
 * (to the journal, or on stderr with --log-fields). The record is also what GET /captures
 * says of a running capture. */
#pragma once

#include <glib.h>

#include "dd-capture-request.h"
#include "dd-format.h"

G_BEGIN_DECLS

typedef struct {
  guint  id;          /* the worker's number for the capture */
  char  *identity;    /* who asked */
  char  *peer;        /* where from */
  char  *filter;      /* the filter the capture runs with */
  char  *interfaces;  /* "eth0,eth1", or "any" */
  char  *limits;      /* "count=10, duration=5s", or "none" */
  char  *clamped;     /* the policy's clamps, or NULL */
  char  *proxy_hop;   /* the trusted proxy's connection, excluded; or NULL */
  char  *secrets;     /* --tls-keylog: "sent", "withheld" (the policy), "not in pcap"; or NULL */
} DdCaptureAudit;

typedef struct {
  const char *reason;        /* "count reached", "client went away", … */
  guint64     packets;
  guint64     bytes;
  guint64     dropped;       /* by the kernel */
  guint64     history_lost;  /* let go before it could be sent */
  guint64     secret_lines;  /* TLS key log lines sent */
  gdouble     seconds;
} DdCaptureAuditEnd;

/* The strings are copied; @identity NULL: "?". */
DdCaptureAudit *dd_capture_audit_new       (guint                   id,
                                            const DdCaptureRequest *request,
                                            const char             *filter,
                                            const char             *identity,
                                            const char             *peer,
                                            const char             *clamped,
                                            const char             *proxy_hop);
void            dd_capture_audit_free      (DdCaptureAudit *self);

void            dd_capture_audit_log_start (const DdCaptureAudit *self,
                                            DdFormat              format,
                                            guint32               snaplen,
                                            gboolean              from_history);
void            dd_capture_audit_log_end   (const DdCaptureAudit    *self,
                                            const DdCaptureAuditEnd *end);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdCaptureAudit, dd_capture_audit_free)

G_END_DECLS
