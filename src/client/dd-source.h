/* One input of the merge. DdSource is abstract: each kind of input (a worker's HTTP
 * stream, a PCAP-over-IP stream, a capture file, stdin or a named pipe) is a subclass that
 * only opens its bytes; the base reads them in chunks under the memory budget, parses them,
 * routes every packet to the output's interfaces (the output map gives the routes) and
 * pushes the packet records, and its side blocks (statistics, notes, gaps), into the
 * merger. A source never writes to a sink itself, and a source that fails affects only
 * itself.
 *
 * Push sources (streams) give the base a GInputStream, read as data comes and paused while
 * the merge holds much of them (the merger says when they may read again:
 * dd_merger_resume ()). Pull sources (regular files) are read when the merge has
 * nothing left of them. Every asynchronous step holds a reference to the source, so a
 * cancelled operation that completes later never touches a freed one. */
#pragma once

#include <gio/gio.h>

#include "dd-http.h"
#include "dd-memory-budget.h"
#include "dd-merger.h"
#include "dd-output-map.h"
#include "dd-target.h"

G_BEGIN_DECLS

#define DD_TYPE_SOURCE (dd_source_get_type ())
G_DECLARE_DERIVABLE_TYPE (DdSource, dd_source, DD, SOURCE, GObject)

typedef enum {
  DD_SOURCE_IDLE,
  DD_SOURCE_CONNECTING,
  DD_SOURCE_RUNNING,
  DD_SOURCE_ENDED,
  DD_SOURCE_FAILED,
} DdSourceState;

/* What every source of a run shares. */
typedef struct {
  DdMerger       *merger;
  DdOutputMap    *map;
  DdMemoryBudget *budget;
  DdHttp         *http;              /* NULL when no target is a worker */
  guint           connect_timeout_s;
  gboolean        clock_sync;        /* shift workers' packets by their clock offsets */
  guint           clock_interval_s;  /* workers' clocks measured again this often; 0: never */
  gboolean        reconnect;         /* a worker that shuts down is an interruption */
} DdSourceContext;

typedef struct {
  /* The stream is open (HTTP: a 200 came back). */
  void (*started) (DdSource *source, gpointer user_data);
  /* New packets or watermarks were pushed: time to run the merge. */
  void (*data)    (DdSource *source, gpointer user_data);
  /* The stream ended: cleanly when @error is NULL. */
  void (*ended)   (DdSource *source, const GError *error, gpointer user_data);
  /* The input's clock was measured again during the capture (nullable). */
  void (*clock)   (DdSource *source, gpointer user_data);
} DdSourceCallbacks;

struct _DdSourceClass {
  GObjectClass parent_class;

  /* Push sources: opens the stream to read. */
  void          (*open_async)  (DdSource            *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
  GInputStream *(*open_finish) (DdSource            *self,
                                GAsyncResult        *result,
                                GError             **error);
  /* Pull sources: opens at once, then reads up to @size bytes when asked (0 at the end). */
  gboolean      (*open)        (DdSource            *self,
                                GError             **error);
  gssize        (*read)        (DdSource            *self,
                                guint8              *buffer,
                                gsize                size,
                                GError             **error);
  /* Releases what open or open_async acquired. */
  void          (*close)       (DdSource            *self);
  /* The link type the source will bring, when it is known before reading (pcap output's
   * header is written first); DD_OUTPUT_LINKTYPE_PENDING otherwise. */
  guint32       (*expected_linktype) (DdSource      *self);
};

/* Opens the input (again, after a failure); a failure to open ends the source (ended). */
void          dd_source_start        (DdSource *self);
/* Its callbacks from now on (a capture that took over another is its target's). */
void          dd_source_rebind       (DdSource                *self,
                                      const DdSourceCallbacks *callbacks,
                                      gpointer                 user_data);
/* Stops reading; what was received stays queued in the merger. */
void          dd_source_stop         (DdSource *self);
/* pcapng output: @note (nullable) is the comment of the interfaces the source adds from
 * now on (a worker that joined a running capture says so). */
void          dd_source_set_note     (DdSource   *self,
                                      const char *note);
/* pcapng output: a statistics block saying @note on each of the source's interfaces. */
void          dd_source_write_note   (DdSource   *self,
                                      const char *note);
/* Packets converted from LINUX_SLL to LINUX_SLL2 (pcap output that holds both). */
guint64       dd_source_get_converted (DdSource *self);
/* A stream, not a file read on demand. */
gboolean      dd_source_is_live      (DdSource *self);
/* When the input's capture began and ended, in ns of our clock: a worker's, as it says
 * (over every connection); an input without statistics, its first and last packet.
 * FALSE when it is not known (nothing came). */
gboolean      dd_source_get_window   (DdSource *self,
                                      guint64  *start,
                                      guint64  *end);
/* pcapng output, at the end of the run: a worker that sent no packet gets its interface
 * "HOST/any" for its statistics. */
void          dd_source_end_stats    (DdSource *self);
/* pcapng output: a gap in the input's capture, on its interfaces: the statistics up to
 * the break with @note as comment where the capture's counters go, @note alone on the
 * others. */
void          dd_source_write_gap    (DdSource   *self,
                                      const char *note);
/* For subclasses: how far ahead of the merge the stream should be read (the largest chunk
 * the source's memory share allows), and memory held for the open stream outside the
 * chunks (charged to the source's share until the stream closes). */
gsize         dd_source_get_read_ahead (DdSource *self);
/* For subclasses: what the user should know of the stream just opened (said once it runs). */
void          dd_source_set_notice   (DdSource   *self,
                                      const char *notice);
const char   *dd_source_get_notice   (DdSource   *self);
/* For subclasses: how the server names the stream just opened (a worker's capture id),
 * or NULL; said with -v once it runs. */
void          dd_source_set_remote_id (DdSource   *self,
                                       const char *id);
const char   *dd_source_get_remote_id (DdSource   *self);
/* For subclasses: since when the stream just opened holds every packet its filter takes,
 * in ns of the input's own clock (a worker's X-Ddump-Capture-Ready); 0: not said. */
void          dd_source_set_ready    (DdSource   *self,
                                      guint64     ready_ns);
guint64       dd_source_get_ready    (DdSource   *self);
/* Takes only the packets stamped from @from_ns, or before @until_ns, of the input's own
 * clock (before any --clock-sync shift): one capture handing over to another of the same
 * host at a time both cover. Once a heartbeat promises nothing older than @until_ns is to
 * come, the stream ends, cleanly. Defaults: 0 and G_MAXUINT64, everything. */
void          dd_source_keep_from    (DdSource   *self,
                                      guint64     from_ns);
void          dd_source_keep_until   (DdSource   *self,
                                      guint64     until_ns);
void          dd_source_reserve      (DdSource *self,
                                      gsize     bytes);
/* For subclasses: how far the input's clock is off ours, measured as its stream opened
 * (@estimate NULL: unknown, for @why). With the context's clock_sync, the packets, their
 * watermarks and statistics are shifted by it before the merge; the interfaces added from
 * now on say both in their comment. */
void          dd_source_set_clock    (DdSource              *self,
                                      const DdClockEstimate *estimate,
                                      const GError          *why);
/* FALSE when the offset is unknown (or the input has no clock); @why then says why, when
 * a measure failed. */
gboolean      dd_source_get_clock    (DdSource         *self,
                                      DdClockEstimate  *estimate,
                                      const char      **why);
/* For subclasses: a measure of the input's clock during its capture. The shift stays the
 * one measured as the stream opened (a shift that moved mid-stream would reorder the
 * input's own packets); the measures are reported. */
void          dd_source_update_clock (DdSource              *self,
                                      const DdClockEstimate *estimate);
/* The last measure during the capture, when it was taken (ns, our clock) and how many
 * there were; FALSE when there was none. */
gboolean      dd_source_get_latest_clock (DdSource        *self,
                                          DdClockEstimate *estimate,
                                          guint64         *when,
                                          guint           *measures);
/* The shift applied to the packets, in ns (0 without clock_sync). */
gint64        dd_source_get_shift    (DdSource *self);

guint32       dd_source_get_expected_linktype (DdSource *self);
DdTarget     *dd_source_get_target   (DdSource *self);
const DdSourceContext *dd_source_get_context (DdSource *self);
DdSourceState dd_source_get_state    (DdSource *self);
gboolean      dd_source_has_started  (DdSource *self);  /* ever opened */
const GError *dd_source_get_error    (DdSource *self);
guint64       dd_source_get_packets  (DdSource *self);  /* received */
guint64       dd_source_get_bytes    (DdSource *self);
guint64       dd_source_get_drops    (DdSource *self);  /* reported by the worker */
gboolean      dd_source_has_drop_counts (DdSource *self);
DdMergeInput *dd_source_get_input    (DdSource *self);
/* A block for the output (a name resolution block, say: @block whole, in our byte order),
 * placed after this input's packets so far. */
void          dd_source_push_block   (DdSource     *self,
                                      guint32       type,
                                      GBytes       *block);

G_END_DECLS
