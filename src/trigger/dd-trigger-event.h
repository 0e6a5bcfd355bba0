/* One triggered capture: the workers a message selects, merged by a DdClient into one
 * pcapng whose section header records the event, until the first limit. It is written in
 * the spool under a hidden temporary name, then saved in the store as
 * [FOLDER/]ALERTID-UTCTIME.pcapng (a local store links it into place, so a reader never
 * sees half a file); a store that fails is tried again (upload-attempts, retry-delay
 * doubling), then the file is kept in SPOOL/kept/. Its result is a JSON object for the
 * reply channel. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dd-http.h"
#include "dd-store.h"
#include "dd-trigger-config.h"
#include "dd-trigger-message.h"

G_BEGIN_DECLS

#define DD_TYPE_TRIGGER_EVENT (dd_trigger_event_get_type ())
G_DECLARE_FINAL_TYPE (DdTriggerEvent, dd_trigger_event, DD, TRIGGER_EVENT, GObject)

#define DD_TRIGGER_EVENT_ERROR (dd_trigger_event_error_quark ())
GQuark dd_trigger_event_error_quark (void);

typedef enum {
  DD_TRIGGER_EVENT_ERROR_NO_WORKER,  /* the message selects no worker */
  DD_TRIGGER_EVENT_ERROR_FILTER,     /* bpf does not compile */
  DD_TRIGGER_EVENT_ERROR_STORE,      /* the file cannot be written or stored */
  DD_TRIGGER_EVENT_ERROR_FAILED,     /* no worker could be captured */
} DdTriggerEventError;

/* Selects the workers and sets the limits; fails (naming the problem) when the message
 * cannot be captured. @message is taken, even then; @config and @http must outlive the event. */
DdTriggerEvent *dd_trigger_event_new        (const DdTriggerConfig *config,
                                             DdHttp                *http,
                                             DdStore               *store,
                                             const char            *spool,
                                             DdTriggerMessage      *message,
                                             const char            *id,
                                             GError               **error);
const char     *dd_trigger_event_get_id     (DdTriggerEvent *self);
/* "alertid 655443 on web1, web2", for the log. */
const char     *dd_trigger_event_describe   (DdTriggerEvent *self);

void            dd_trigger_event_run_async  (DdTriggerEvent      *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* TRUE once the run is over (stored, or empty, or failed: the result says which). */
gboolean        dd_trigger_event_run_finish (DdTriggerEvent  *self,
                                             GAsyncResult    *result,
                                             GError         **error);
/* Ends the capture now, as a limit would: what was captured is stored. */
void            dd_trigger_event_stop       (DdTriggerEvent *self);

/* The result for the reply channel: {"id", "alertid", "status", "file", "packets",
 * "bytes", "ended", "workers": [...], "clamps": [...], "warnings": [...], "error"}. */
JsonNode       *dd_trigger_event_get_result (DdTriggerEvent *self);

/* The result of a message that did not become an event (or not yet: "waiting"). */
JsonNode       *dd_trigger_event_refusal    (const char   *id,
                                             const char   *alertid,
                                             const char   *status,
                                             const GError *error);

G_END_DECLS
