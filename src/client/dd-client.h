/* A merged capture of many targets: the reusable core of ddump, its Wireshark extcap mode
 * and the trigger daemon.
 *
 * Targets go in (worker URLs, dns:// and dns+srv:// names, files, tcp:// streams, stdin),
 * with the capture settings and limits of DdClientOptions; the merged capture goes to the
 * DdOutput the caller opened (a file, a pipe, PCAP-over-IP clients). dd_client_run_async()
 * runs in the thread-default main context until a limit is reached, every input ended, the
 * output's reader went away, or dd_client_stop(); it completes once what was received is
 * written, with an exit status. What happened to each target can be read at any time, and
 * messages for the user (a target failed, reconnects, joined) go to a callback. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dd-http.h"
#include "dd-journey.h"
#include "dd-output.h"
#include "dd-packet.h"
#include "dd-target-result.h"

G_BEGIN_DECLS

#define DD_TYPE_CLIENT (dd_client_get_type ())
G_DECLARE_FINAL_TYPE (DdClient, dd_client, DD, CLIENT, GObject)

#define DD_CLIENT_ERROR (dd_client_error_quark ())

/* A worker whose clock is further off ours than this is warned of (--max-skew). */
#define DD_CLIENT_MAX_SKEW_MS 100
/* How often a worker's clock is measured again during its capture (--clock-interval). */
#define DD_CLIENT_CLOCK_INTERVAL_S 30

typedef enum {
  DD_CLIENT_ERROR_USAGE,    /* a target, an option or a file named by one cannot be used */
  DD_CLIENT_ERROR_FAILED,   /* there is nothing to capture from */
} DdClientError;

GQuark dd_client_error_quark (void);

/* Every target has answered: its stream is open, or it failed (and the run goes on). */
typedef void (*DdClientReadyFunc) (gpointer user_data);

typedef struct {
  char     *filter;
  char     *and_filter;      /* ANDed with every target's filter (Wireshark's capture filter) */
  char     *own_traffic;     /* what workers must leave out of their captures: our own
                              * listeners (a filter expression, e.g. dd_filter_sockets ()) */
  char    **interfaces;
  guint     snaplen;
  guint64   count;           /* 0: no limit */
  gdouble   duration_s;      /* 0: no limit */
  gdouble   timeout_s;       /* ends once this long passes without a packet; 0: never */
  guint64   bytes;           /* ends at the packet with which the output reaches this size
                              * (headers and blocks included); 0: no limit */
  char    **comments;        /* pcapng: the section header's comments, after ddump's own */
  GBytes   *names;           /* pcapng: name resolution records (dd-names.h) for the output */
  gdouble   since_s;         /* > 0: workers start with their history of the last S seconds */
  DdClientReadyFunc ready_func;  /* nullable: called once per run */
  gpointer  ready_data;
  guint     max_delay_ms;
  guint     memory_mib;      /* what the inputs may keep in memory, all together */
  guint     connect_timeout_s;
  char    **follow;          /* --follow: names whose addresses every worker captures (dd-follow.h) */
  gboolean  reconnect;       /* also: look up dns:// and dns+srv:// targets again */
  guint     resolve_interval_s;
  gboolean  keep_going;
  gboolean  clock_sync;      /* shift each worker's packets by its measured clock offset */
  gboolean  heartbeats;      /* pcapng: statistics blocks as they come, not one final one */
  guint64   journey_window_ns;  /* pcapng: the packet journey (dd-journey-sink.h), with this
                              * window; 0: none */
  gboolean  sync_start;      /* nothing before every live target's capture runs */
  guint     max_skew_ms;     /* a worker whose clock is further off is warned of; 0: 100 */
  guint     clock_interval_s;  /* a worker's clock measured again this often during its capture,
                              * when the exchanges are not captured; 0: never (ddump's default
                              * is DD_CLIENT_CLOCK_INTERVAL_S) */
  char     *ca_file;
  char     *cert_file;
  char     *key_file;
  char     *netrc_file;
  gboolean  netrc;
} DdClientOptions;

typedef enum {
  DD_CLIENT_MESSAGE_ERROR,   /* a target failed, or cannot be used */
  DD_CLIENT_MESSAGE_NOTICE,  /* a change the user should see: reconnecting, joined, left */
  DD_CLIENT_MESSAGE_INFO,    /* progress a quiet run leaves out */
  DD_CLIENT_MESSAGE_HINT,    /* advice for a person at a terminal */
} DdClientMessage;

typedef void (*DdClientMessageFunc) (DdClientMessage  kind,
                                     const char      *text,
                                     gpointer         user_data);

/* Formats a message and gives it to @func (nullable: nothing is said); for the client's
 * parts (supervisors, discovery watches). */
void          dd_client_say (DdClientMessageFunc  func,
                             gpointer             user_data,
                             DdClientMessage      kind,
                             const char          *format,
                             ...) G_GNUC_PRINTF (4, 5);

/* Why a run ended: the first of these that happened. */
typedef enum {
  DD_CLIENT_END_NONE,      /* still running */
  DD_CLIENT_END_INPUTS,    /* every input ended */
  DD_CLIENT_END_COUNT,
  DD_CLIENT_END_DURATION,
  DD_CLIENT_END_TIMEOUT,
  DD_CLIENT_END_BYTES,
  DD_CLIENT_END_STOPPED,   /* dd_client_stop (), or the run's cancellable */
  DD_CLIENT_END_OUTPUT,    /* the output's reader went away, or writing failed */
  DD_CLIENT_END_FAILED,    /* a target could not be reached (without keep_going) */
} DdClientEnd;

/* "count", "duration", "timeout", "bytes", "inputs ended", "stopped", "output closed",
 * "target failed". */
const char   *dd_client_end_to_string (DdClientEnd end);

/* @options are copied; @message_func (nullable) is called for the client's life. */
DdClient     *dd_client_new          (const DdClientOptions *options,
                                      DdClientMessageFunc    message_func,
                                      gpointer               user_data);

/* Looks the targets up (discovery), parses them, applies netrc and TLS settings. A target
 * that cannot be used fails the call (DD_CLIENT_ERROR_USAGE), so does a name that names
 * no worker (DD_CLIENT_ERROR_FAILED) unless keep_going. */
gboolean      dd_client_set_targets  (DdClient            *self,
                                      const char * const  *specs,
                                      GError             **error);
/* Names target @index's interfaces "@host/IFACE" in pcapng output instead of the name
 * its URL gives, and its addresses @host (the trigger's configured worker names). After
 * dd_client_set_targets (), before the run. */
void          dd_client_set_target_host (DdClient   *self,
                                         guint       index,
                                         const char *host);
/* Workers are asked through @http (not owned; it must outlive the client) rather than a
 * session of the client's own: a daemon running many clients loads its TLS trust once.
 * Before dd_client_set_targets (); the options' TLS settings are then not used. */
void          dd_client_set_http     (DdClient *self,
                                      DdHttp   *http);
/* Where the merged capture goes (not owned; it must outlive the run, and may be freed
 * once the run completed, before the client). */
void          dd_client_set_output   (DdClient *self,
                                      DdOutput *output);
/* The packet journey of the run (options.journey_window_ns), or NULL. */
DdJourney    *dd_client_get_journey  (DdClient *self);

/* Another consumer of the merged capture (dd-sink.h), after the output: it gets every
 * event the output gets, in order, and must not block (not owned; it must outlive the
 * run). Before the run. */
void          dd_client_add_sink     (DdClient *self,
                                      DdSink   *sink);
/* A label for the output in messages ("stdout", a path). */
void          dd_client_set_output_label (DdClient   *self,
                                          const char *label);

void          dd_client_run_async    (DdClient            *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* FALSE, with @error, when the run failed as a whole (a target that could not be reached
 * without keep_going, an output that could not be written): what ended it, with its
 * domain and code. A run with some targets failed is no failure as a whole: their
 * results say (dd-exit-status.h turns both into an exit status). */
gboolean      dd_client_run_finish   (DdClient            *self,
                                      GAsyncResult        *result,
                                      GError             **error);
/* Ends the run as a limit would (a signal, the user): what was received is written. While
 * the output's reader still takes the end of the capture, ends without waiting for it. */
void          dd_client_stop         (DdClient *self);

/* The targets: those set, then the workers that joined during the run. */
guint         dd_client_get_n_targets (DdClient *self);
/* Names that named no worker when the targets were set (keep_going went on without them). */
guint         dd_client_get_n_unresolved (DdClient *self);
void          dd_client_get_result   (DdClient       *self,
                                      guint           index,
                                      DdTargetResult *result);
/* The window in which every target was capturing (ns, our clock), and how far apart
 * their captures began; FALSE when a target's window is unknown (@start = @end = 0), or
 * when they never overlap (@start > @end). */
gboolean      dd_client_get_common_window (DdClient *self,
                                           guint64  *start,
                                           guint64  *end,
                                           guint64  *spread);
guint64       dd_client_get_written  (DdClient *self);
/* Bytes of the output, headers and blocks included. */
guint64       dd_client_get_output_size (DdClient *self);
/* What the inputs had that the output could not keep (its format has no place for it). */
void          dd_client_get_output_losses (DdClient       *self,
                                           DdOutputLosses *losses);
DdClientEnd   dd_client_get_end      (DdClient *self);
guint64       dd_client_get_late     (DdClient *self);
/* Packets left out for --sync-start: from before every capture ran. */
guint64       dd_client_get_before_start (DdClient *self);
/* Peak and limit of the inputs' memory, in bytes. */
gsize         dd_client_get_memory_peak (DdClient *self);

G_END_DECLS
