/* One input of the merge: a worker's HTTP stream, a PCAP-over-IP stream (tcp://) or a
 * capture file (or stdin), read in chunks, parsed, and pushed into the merger with its
 * interfaces mapped onto the output's. A source that fails affects only itself. */
#pragma once

#include <gio/gio.h>

#include "dd-http.h"
#include "dd-memory-budget.h"
#include "dd-merger.h"
#include "dd-output.h"
#include "dd-target.h"

G_BEGIN_DECLS

typedef struct _DdSource DdSource;

typedef enum {
  DD_SOURCE_IDLE,
  DD_SOURCE_CONNECTING,
  DD_SOURCE_RUNNING,
  DD_SOURCE_ENDED,
  DD_SOURCE_FAILED,
} DdSourceState;

typedef struct {
  /* The stream is open (HTTP: a 200 came back). */
  void (*started) (DdSource *source, gpointer user_data);
  /* New packets or watermarks were pushed: time to run the merge. */
  void (*data)    (DdSource *source, gpointer user_data);
  /* The stream ended: cleanly when @error is NULL. */
  void (*ended)   (DdSource *source, const GError *error, gpointer user_data);
} DdSourceCallbacks;

DdSource     *dd_source_new          (DdTarget                *target,
                                      DdMerger                *merger,
                                      DdOutput                *output,
                                      DdHttp                  *http,
                                      DdMemoryBudget          *budget,
                                      guint                    connect_timeout_s,
                                      const DdSourceCallbacks *callbacks,
                                      gpointer                 user_data);
void          dd_source_free         (DdSource *self);

/* Opens the stream (again, after a failure). Files are opened at once: FALSE and @error
 * when they cannot be. */
gboolean      dd_source_start        (DdSource *self,
                                      GError  **error);
/* Stops reading; what was received stays queued in the merger. */
void          dd_source_stop         (DdSource *self);
/* pcapng output: @note (nullable) is the comment of the interfaces the source adds from
 * now on (a worker that joined a running capture says so). */
void          dd_source_set_note     (DdSource   *self,
                                      const char *note);
/* pcapng output: an ISB saying @note on each of the source's interfaces. */
void          dd_source_write_note   (DdSource   *self,
                                      const char *note);
/* Reading pauses while the merger holds much of this source; call after each merge. */
void          dd_source_resume_if_drained (DdSource *self);

DdTarget     *dd_source_get_target   (DdSource *self);
DdSourceState dd_source_get_state    (DdSource *self);
gboolean      dd_source_has_started  (DdSource *self);  /* ever opened */
const GError *dd_source_get_error    (DdSource *self);
guint64       dd_source_get_packets  (DdSource *self);  /* received */
guint64       dd_source_get_bytes    (DdSource *self);
guint64       dd_source_get_drops    (DdSource *self);  /* reported by the worker */
gboolean      dd_source_has_drop_counts (DdSource *self);
DdMergeInput *dd_source_get_input    (DdSource *self);

/* The link type of the first interface of a capture file, without merging it. */
gboolean      dd_source_peek_linktype (const char *path,
                                       guint32    *linktype);

G_END_DECLS
