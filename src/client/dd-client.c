#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gi18n.h>

#include "dd-client.h"
#include "dd-discovery.h"
#include "dd-discovery-watch.h"
#include "dd-names.h"
#include "dd-filter.h"
#include "dd-follow.h"
#include "dd-http.h"
#include "dd-journey-sink.h"
#include "dd-merger.h"
#include "dd-output-map.h"
#include "dd-process.h"
#include "dd-source.h"
#include "dd-supervisor.h"

/* Packets merged per main-loop iteration, so signals and streams are served during a long
 * merge of files. */
#define MERGE_BUDGET 65536
/* At the end, a named pipe's reader that takes nothing for this long is given up on. */
#define OUTPUT_GRACE_MS 500

G_DEFINE_QUARK (dd-client-error-quark, dd_client_error)

struct _DdClient {
  GObject     parent_instance;

  DdClientOptions options;
  DdClientMessageFunc message;
  gpointer    message_data;

  DdHttp     *http;
  gboolean    http_shared;  /* dd_client_set_http (): not ours to free */
  gboolean    ready;        /* ready_func was called */
  gboolean    per_packet;   /* a count or a byte limit: after_packet () */
  DdOutput   *output;
  char       *output_label;
  GPtrArray  *extra_sinks;  /* DdSink (not ours): consumers besides the output */
  DdSink     *tee;          /* the output and the extra sinks, when there are some */
  DdSink     *journey;      /* between the merge and the rest (--journey), or NULL */
  DdSink     *sink;         /* what the merge writes to: the output's sink, the tee, or the journey */
  DdOutputMap *map;
  DdMerger   *merger;
  DdMemoryBudget *budget;
  DdSupervisorPolicy policy;
  GPtrArray  *supervisors;  /* DdSupervisor: one per target, in their order */
  GPtrArray  *origins;  /* the DdDiscoveryWatch each target came from, or NULL */
  GPtrArray  *specs;    /* each target's text, after discovery */
  GPtrArray  *watches;  /* DdDiscoveryWatch */
  GResolver  *resolver;
  DdFollow   *follow;    /* --follow, or NULL */
  guint       unresolved;  /* names that named no worker (keep_going) */
  DdTargetDefaults defaults;
  char       *worker_filter;
  char       *local_filter;
  char       *netrc;

  GTask      *task;          /* the run */
  GSource    *cancelled;     /* the run's cancellable, watched from the main loop */
  GError     *error;         /* what made the run fail as a whole, or NULL */
  gboolean    finishing;
  gboolean    output_broken;

  guint       merge_idle_id;
  guint       merge_timer_id;
  gint64      merge_deadline;
  guint       duration_id;
  guint       timeout_id;
  guint64     idle_written;   /* packets written at the last look for the timeout */
  gint64      idle_since;
  DdClientEnd end;
  guint       grace_id;
  gsize       grace_backlog;  /* what the reader had not taken at the last check */

  gboolean    holding;        /* --sync-start: nothing is written before every capture runs */
  guint       hold_id;        /* the connect timeout, which ends the wait */
  gboolean    hold_expired;
};

G_DEFINE_FINAL_TYPE (DdClient, dd_client, G_TYPE_OBJECT)

static void finish (DdClient *self, DdClientEnd end);
static void schedule_merge (DdClient *self);

void
dd_client_say (DdClientMessageFunc  func,
               gpointer             user_data,
               DdClientMessage      kind,
               const char          *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (func == NULL)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  func (kind, text, user_data);
}

#define message(self, kind, ...) dd_client_say ((self)->message, (self)->message_data, (kind), __VA_ARGS__)

/* ---- the merge ----------------------------------------------------------------------- */

/* What write_cb () does beyond writing, for runs that ask for it: FALSE ends the merge. */
static gboolean
after_packet (DdClient *self)
{
  /* The end's reason is the first limit that was reached (the drain at the end of a
   * duration may reach the count too). */
  if (self->options.count != 0 && dd_merger_get_written (self->merger) >= self->options.count)
    {
      if (!self->finishing)
        self->end = DD_CLIENT_END_COUNT;
      return FALSE;
    }
  if (self->options.bytes != 0 && dd_output_get_size (self->output) >= self->options.bytes)
    {
      if (!self->finishing)
        self->end = DD_CLIENT_END_BYTES;
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_cb (const DdPacket *packet,
          DdMergeInput   *input,
          gboolean        late,
          gpointer        user_data)
{
  DdClient *self = user_data;

  if (!dd_sink_packet (self->sink, packet, late))
    return FALSE;
  /* A reader that does not keep up: what it has not taken stays bounded (one flush). */
  if (G_UNLIKELY (dd_output_is_blocked (self->output)))
    dd_merger_yield (self->merger);
  /* One test on the hot path for the count and the byte limit. */
  return G_LIKELY (!self->per_packet) || after_packet (self);
}

static void
write_block_cb (const DdSideBlock *block,
                DdMergeInput      *input,
                gpointer           user_data)
{
  DdClient *self = user_data;

  dd_sink_block (self->sink, block);
}

/* The run fails as a whole: the first such @error is what dd_client_run_finish () gives,
 * its domain and code kept, its message after @where. */
static void
fail_run (DdClient     *self,
          const GError *error,
          const char   *where)
{
  if (self->error != NULL)
    return;
  self->error = g_error_copy (error);
  g_prefix_error (&self->error, "%s: ", where);
}

/* FALSE when the output is gone: the run is over. */
static gboolean
flush_output (DdClient *self)
{
  g_autoptr(GError) error = NULL;

  if (dd_output_flush (self->output, &error))
    return TRUE;
  self->output_broken = TRUE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    /* The reader has what it wanted (| tcpdump -c 5): not an error. */
    finish (self, DD_CLIENT_END_OUTPUT);
  else
    {
      message (self, DD_CLIENT_MESSAGE_ERROR, "%s: %s", self->output_label, error->message);
      fail_run (self, error, self->output_label);
      finish (self, DD_CLIENT_END_OUTPUT);
    }
  return FALSE;
}

static gboolean
all_done (DdClient *self)
{
  for (guint i = 0; i < self->supervisors->len; i++)
    if (!dd_supervisor_is_done (self->supervisors->pdata[i]))
      return FALSE;
  return TRUE;
}

/* --sync-start: once every live input's capture runs (or the connect timeout passed), the
 * merged capture starts at the latest of their starts, and what came before is left out.
 * FALSE while it still waits. */
static gboolean
release_hold (DdClient *self)
{
  guint64 floor_ts = 0, first = G_MAXUINT64;
  guint missing = 0;
  g_autofree char *when = NULL;

  for (guint i = 0; i < self->supervisors->len; i++)
    {
      DdSupervisor *supervisor = self->supervisors->pdata[i];
      DdSource *source = dd_supervisor_get_source (supervisor);
      guint64 start, end;

      /* Files are not captures running now; failed targets do not come, unless they are
       * being reconnected. */
      if (!dd_source_is_live (source) || dd_supervisor_is_done (supervisor))
        continue;
      if (!dd_source_get_window (source, &start, &end))
        {
          missing++;
          continue;
        }
      floor_ts = MAX (floor_ts, start);
      first = MIN (first, start);
    }
  if (missing > 0 && !self->hold_expired)
    return FALSE;
  self->holding = FALSE;
  g_clear_handle_id (&self->hold_id, g_source_remove);
  if (floor_ts == 0)
    return TRUE;
  dd_merger_set_floor (self->merger, floor_ts);
  when = dd_clock_format_utc (floor_ts);
  if (missing > 0)
    message (self, DD_CLIENT_MESSAGE_NOTICE,
             g_dngettext (GETTEXT_PACKAGE,
                          "--sync-start: %u target was still not capturing after --connect-timeout; the capture starts without it",
                          "--sync-start: %u targets were still not capturing after --connect-timeout; the capture starts without them",
                          missing), missing);
  message (self, DD_CLIENT_MESSAGE_INFO,
           _("--sync-start: every capture runs; the merged capture starts at %s UTC, the latest "
             "start (the starts were %.3f s apart)"),
           when, (double) (floor_ts - first) / 1e9);
  return TRUE;
}

static gboolean
hold_expired_cb (gpointer user_data)
{
  DdClient *self = user_data;

  self->hold_id = 0;
  self->hold_expired = TRUE;
  schedule_merge (self);
  return G_SOURCE_REMOVE;
}

static gboolean merge_timer_cb (gpointer user_data);

static gboolean
merge_cb (gpointer user_data)
{
  DdClient *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean more = FALSE;
  gint64 deadline;

  self->merge_idle_id = 0;
  /* A reader that does not keep up holds the merge (output_writable_cb() resumes it):
   * the inputs then fill up to their bound and stop being read. */
  if (self->finishing || dd_output_is_blocked (self->output))
    return G_SOURCE_REMOVE;
  if (self->holding && !release_hold (self))
    return G_SOURCE_REMOVE;
  deadline = dd_merger_run (self->merger, now, MERGE_BUDGET, &more);
  if (!flush_output (self))
    return G_SOURCE_REMOVE;
  if (dd_output_is_blocked (self->output))
    return G_SOURCE_REMOVE;
  if (dd_merger_is_stopped (self->merger))
    {
      finish (self, self->end);  /* a limit is reached: write_cb () says which */
      return G_SOURCE_REMOVE;
    }
  /* The output took what was merged: the streams that paused may read again. */
  dd_merger_resume (self->merger);
  if (more)
    {
      schedule_merge (self);
      return G_SOURCE_REMOVE;
    }
  if (all_done (self))
    {
      finish (self, DD_CLIENT_END_INPUTS);
      return G_SOURCE_REMOVE;
    }
  if (deadline >= 0 && (self->merge_timer_id == 0 || deadline < self->merge_deadline))
    {
      guint ms = (guint) MAX ((deadline - now + 999) / 1000, 1);

      g_clear_handle_id (&self->merge_timer_id, g_source_remove);
      self->merge_deadline = deadline;
      self->merge_timer_id = g_timeout_add (ms, merge_timer_cb, self);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
merge_timer_cb (gpointer user_data)
{
  DdClient *self = user_data;

  self->merge_timer_id = 0;
  merge_cb (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_merge (DdClient *self)
{
  if (self->merge_idle_id == 0 && !self->finishing)
    self->merge_idle_id = g_idle_add (merge_cb, self);
}

/* ---- sources ------------------------------------------------------------------------- */

/* Once every target has answered, ready_func is told. */
static void
supervisor_answered_cb (DdSupervisor *supervisor,
                        gpointer      user_data)
{
  DdClient *self = user_data;

  if (self->ready || self->options.ready_func == NULL || self->finishing)
    return;
  for (guint i = 0; i < self->supervisors->len; i++)
    {
      DdSource *source = dd_supervisor_get_source (self->supervisors->pdata[i]);

      if (!dd_source_has_started (source) && dd_source_get_state (source) != DD_SOURCE_FAILED)
        return;
    }
  self->ready = TRUE;
  self->options.ready_func (self->options.ready_data);
}

static void
supervisor_data_cb (DdSupervisor *supervisor,
                    gpointer      user_data)
{
  schedule_merge (user_data);
}

static void
supervisor_give_up_cb (DdSupervisor *supervisor,
                       const GError *error,
                       gpointer      user_data)
{
  DdClient *self = user_data;

  fail_run (self, error, dd_supervisor_get_target (supervisor)->label);
  finish (self, DD_CLIENT_END_FAILED);
}

/* The journey's delays are in our clock: what is left of the worker's offset once
 * --clock-sync shifted its timestamps (all of it without), and its error bound. */
static void
supervisor_clock_cb (DdSupervisor *supervisor,
                     gpointer      user_data)
{
  DdClient *self = user_data;
  DdSource *source = dd_supervisor_get_source (supervisor);
  DdClockEstimate clock;
  guint64 when;
  guint measures;

  if (self->journey == NULL ||
      (!dd_source_get_latest_clock (source, &clock, &when, &measures) && !dd_source_get_clock (source, &clock, NULL)))
    return;
  dd_journey_set_clock (dd_journey_sink_get_journey (self->journey), dd_supervisor_get_target (supervisor)->host,
                        clock.offset_ns + dd_source_get_shift (source), (guint64) MAX (clock.error_ns, 0));
}

static const DdSupervisorCallbacks supervisor_callbacks = {
  .answered = supervisor_answered_cb,
  .data = supervisor_data_cb,
  .give_up = supervisor_give_up_cb,
  .clock = supervisor_clock_cb,
};

/* The source of @supervisor, in this run. */
/* --follow: the workload's addresses ANDed with the target's filter. */
static void
follow_target (DdClient     *self,
               DdSupervisor *supervisor)
{
  if (self->follow != NULL)
    dd_supervisor_follow (supervisor, dd_follow_get_clause (self->follow), NULL);
}

static DdSource *
open_source (DdClient     *self,
             DdSupervisor *supervisor)
{
  DdSourceContext context = {
    .merger = self->merger,
    .map = self->map,
    .budget = self->budget,
    .http = self->http,
    .connect_timeout_s = self->options.connect_timeout_s,
    .clock_sync = self->options.clock_sync,
    .clock_interval_s = self->options.clock_interval_s,
    .reconnect = self->options.reconnect,
  };

  return dd_supervisor_open (supervisor, &context);
}

/* A target parsed with the run's defaults and credentials. */
static DdTarget *
parse_target (DdClient    *self,
              const char  *spec,
              GError     **error)
{
  g_autoptr(DdTarget) target = dd_target_parse (spec, &self->defaults, error);

  if (target == NULL)
    return NULL;
  /* Files and PCAP-over-IP streams cannot filter at their source: ddump does it. */
  if (target->kind != DD_TARGET_HTTP)
    target->filter = g_strdup (self->local_filter);
  if (self->netrc != NULL &&
      !dd_target_apply_netrc (target, self->netrc, self->options.netrc_file != NULL, error))
    return NULL;
  return g_steal_pointer (&target);
}

/* A worker that discovery names for the first time during the run. */
static DdSupervisor *
watch_join_cb (const char *url,
               guint       number,
               gpointer    user_data)
{
  DdClient *self = user_data;
  g_autoptr(GError) error = NULL;
  DdTarget *target = parse_target (self, url, &error);
  DdSupervisor *supervisor;

  if (target == NULL)
    {
      message (self, DD_CLIENT_MESSAGE_ERROR, _("target %u: %s"), number, error->message);
      return NULL;
    }
  supervisor = dd_supervisor_new (target, &self->policy, &supervisor_callbacks, self,
                                  self->message, self->message_data);
  g_ptr_array_add (self->supervisors, supervisor);
  follow_target (self, supervisor);
  open_source (self, supervisor);
  return supervisor;
}

static void
watch_changed_cb (gpointer user_data)
{
  schedule_merge (user_data);
}

static const DdDiscoveryWatchCallbacks watch_callbacks = {
  .join = watch_join_cb,
  .changed = watch_changed_cb,
};

/* A Name Resolution Block of @records (none when empty), where the output is now. */
static void
write_name_records (DdClient   *self,
                    GByteArray *records)
{
  g_autoptr(GBytes) block = NULL;
  DdSideBlock *side;
  gsize len;
  const guint8 *data;

  if (records->len == 0)
    return;
  block = dd_names_block (records);
  data = g_bytes_get_data (block, &len);
  side = dd_side_block_new_copy (0, g_get_monotonic_time (), DD_PCAPNG_BT_NRB, data, (guint32) len, FALSE);
  dd_sink_block (self->sink, side);
  dd_side_block_free (side);
}

/* --follow: the workload's addresses changed. The names of those that joined go out now
 * (before their packets), and every worker's capture moves to the new set. */
static void
follow_changed_cb (DdFollow *follow,
                   gpointer  user_data)
{
  DdClient *self = user_data;
  g_autoptr(GByteArray) records = g_byte_array_new ();
  const char *change = dd_follow_get_change (follow);

  if (self->finishing)
    return;
  message (self, DD_CLIENT_MESSAGE_NOTICE, "%s", change);
  dd_follow_add_joined_names (follow, records);
  if (self->sink != NULL && dd_output_get_format (self->output) == DD_FORMAT_PCAPNG)
    write_name_records (self, records);
  for (guint i = 0; i < self->supervisors->len; i++)
    dd_supervisor_follow (self->supervisors->pdata[i], dd_follow_get_clause (follow), change);
}

/* ---- start and end ------------------------------------------------------------------- */

/* The names the user gave (--name, --names-file, a target's NAME=URL when its URL gives
 * an address), at the start of the output, before any packet. */
static void
write_names (DdClient *self)
{
  g_autoptr(GByteArray) records = g_byte_array_new ();

  if (self->options.names != NULL)
    g_byte_array_append (records, g_bytes_get_data (self->options.names, NULL),
                         (guint) g_bytes_get_size (self->options.names));
  if (self->follow != NULL)
    dd_follow_add_names (self->follow, records);
  for (guint i = 0; i < self->supervisors->len; i++)
    {
      DdTarget *target = dd_supervisor_get_target (self->supervisors->pdata[i]);
      g_autoptr(GInetAddress) address = NULL;

      if (target->name != NULL && target->uri != NULL &&
          (address = g_inet_address_new_from_string (g_uri_get_host (target->uri))) != NULL)
        dd_names_add (records, address, target->name);
    }
  write_name_records (self, records);
}

static void
begin (DdClient *self)
{
  self->sink = dd_output_get_sink (self->output);
  if (self->extra_sinks->len > 0)
    {
      self->tee = dd_sink_tee_new ();
      dd_sink_tee_add (self->tee, self->sink);
      for (guint i = 0; i < self->extra_sinks->len; i++)
        dd_sink_tee_add (self->tee, self->extra_sinks->pdata[i]);
      self->sink = self->tee;
    }
  if (self->options.journey_window_ns > 0 && self->journey == NULL)
    {
      self->journey = dd_journey_sink_new (self->sink, self->options.journey_window_ns);
      self->sink = self->journey;
    }
  dd_output_set_live_stats (self->output, self->options.heartbeats);
  self->map = dd_output_map_new (self->sink, dd_output_get_format (self->output));
  for (guint i = 0; i < self->supervisors->len; i++)
    {
      DdSupervisor *supervisor = self->supervisors->pdata[i];
      DdDiscoveryWatch *watch = self->origins->pdata[i];

      if (watch != NULL)
        dd_discovery_watch_add (watch, self->specs->pdata[i], supervisor);
      follow_target (self, supervisor);
      dd_output_map_expect (self->map, dd_source_get_expected_linktype (open_source (self, supervisor)));
    }
  {
    g_autoptr(GPtrArray) comments = g_ptr_array_new ();
    g_autofree char *following = self->follow != NULL ? dd_follow_describe (self->follow) : NULL;

    g_ptr_array_add (comments, _("merged by ddump"));
    if (following != NULL)
      g_ptr_array_add (comments, following);
    for (guint i = 0; self->options.comments != NULL && self->options.comments[i] != NULL; i++)
      g_ptr_array_add (comments, self->options.comments[i]);
    g_ptr_array_add (comments, NULL);
    dd_output_map_begin (self->map, (const char * const *) comments->pdata);
  }
  write_names (self);
  /* The header goes out at once: the reader knows the capture is on. */
  if (!flush_output (self))
    return;
  /* A joining worker is added at the end: this goes over the targets set. */
  for (guint i = 0, n = self->supervisors->len; i < n && !self->finishing; i++)
    dd_supervisor_start (self->supervisors->pdata[i]);
  if (self->finishing)
    return;
  if (self->options.reconnect && self->http != NULL)
    for (guint i = 0; i < self->watches->len; i++)
      dd_discovery_watch_start (self->watches->pdata[i], self->options.resolve_interval_s);
  if (self->follow != NULL)
    dd_follow_start (self->follow, self->options.resolve_interval_s);
  schedule_merge (self);
}

/* The run is over: its task completes (later, from the main loop). */
static void
complete (DdClient *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  g_clear_handle_id (&self->grace_id, g_source_remove);
  if (self->cancelled != NULL)
    g_source_destroy (self->cancelled);
  g_clear_pointer (&self->cancelled, g_source_unref);
  /* From here on the output is the caller's again: it may be freed before the client. */
  dd_output_set_writable_func (self->output, NULL, NULL);
  g_debug ("input memory: at most %zu KiB of the %zu KiB allowed by --memory",
           dd_memory_budget_get_peak (self->budget) / 1024, dd_memory_budget_get_limit (self->budget) / 1024);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* The output's reader is not taking the end of the capture: the run ends without it. */
static void
give_up_output (DdClient *self)
{
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                         _("the reader stopped reading; %zu bytes of the capture were not written"),
                                         dd_output_get_backlog (self->output));

  message (self, DD_CLIENT_MESSAGE_ERROR, "%s: %s", self->output_label, error->message);
  fail_run (self, error, self->output_label);
  complete (self);
}

static gboolean
grace_cb (gpointer user_data)
{
  DdClient *self = user_data;
  gsize backlog = dd_output_get_backlog (self->output);

  /* A slow reader that is still reading gets the time it needs. */
  if (backlog < self->grace_backlog)
    {
      self->grace_backlog = backlog;
      return G_SOURCE_CONTINUE;
    }
  self->grace_id = 0;
  give_up_output (self);
  return G_SOURCE_REMOVE;
}

/* The output's reader took everything it was given (or the write failed). */
static gboolean
output_writable_cb (gpointer user_data)
{
  DdClient *self = user_data;

  if (!self->finishing)
    schedule_merge (self);
  else if (!dd_output_is_blocked (self->output) && self->grace_id != 0)
    complete (self);
  return G_SOURCE_REMOVE;
}

static void
finish (DdClient   *self,
        DdClientEnd end)
{
  if (self->finishing)
    return;
  self->finishing = TRUE;
  self->end = end;
  for (guint i = 0; i < self->watches->len; i++)
    dd_discovery_watch_stop (self->watches->pdata[i]);
  if (self->follow != NULL)
    dd_follow_stop (self->follow);
  g_clear_handle_id (&self->merge_idle_id, g_source_remove);
  g_clear_handle_id (&self->merge_timer_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->hold_id, g_source_remove);
  for (guint i = 0; i < self->supervisors->len; i++)
    dd_supervisor_stop (self->supervisors->pdata[i]);
  if (!self->output_broken)
    {
      guint64 converted = 0;

      /* What was received goes out, in order, with the statistics of the hosts that sent
       * no packet, then the final statistics (or, when no stream ever came, pcap's
       * header: still a valid, empty capture). */
      for (guint i = 0; i < self->supervisors->len; i++)
        {
          DdSource *source = dd_supervisor_get_source (self->supervisors->pdata[i]);

          dd_source_end_stats (source);
          converted += dd_source_get_converted (source);
        }
      dd_merger_drain (self->merger);
      if (converted > 0)
        message (self, DD_CLIENT_MESSAGE_NOTICE,
                 _("%" PRIu64 " packets converted from LINUX_SLL to LINUX_SLL2: pcap output holds one link "
                   "type (-F pcapng keeps each input's)"), converted);
      dd_output_map_end (self->map);
      flush_output (self);
    }
  if (dd_output_is_blocked (self->output))
    {
      /* A named pipe whose reader is behind: it catches up, or stops taking anything. */
      self->grace_backlog = dd_output_get_backlog (self->output);
      self->grace_id = g_timeout_add (OUTPUT_GRACE_MS, grace_cb, self);
      return;
    }
  complete (self);
}

static gboolean
duration_cb (gpointer user_data)
{
  DdClient *self = user_data;

  self->duration_id = 0;
  finish (self, DD_CLIENT_END_DURATION);
  return G_SOURCE_REMOVE;
}

/* Looks a few times per timeout whether a packet was written since the last look: the
 * per-packet path does not read the clock. */
static gboolean
timeout_cb (gpointer user_data)
{
  DdClient *self = user_data;
  guint64 written = dd_merger_get_written (self->merger);
  gint64 now = g_get_monotonic_time ();

  if (written != self->idle_written)
    {
      self->idle_written = written;
      self->idle_since = now;
    }
  else if (now - self->idle_since >= (gint64) (self->options.timeout_s * G_USEC_PER_SEC))
    {
      self->timeout_id = 0;
      finish (self, DD_CLIENT_END_TIMEOUT);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

const char *
dd_client_end_to_string (DdClientEnd end)
{
  switch (end)
    {
    case DD_CLIENT_END_NONE: return "running";
    case DD_CLIENT_END_INPUTS: return "inputs ended";
    case DD_CLIENT_END_COUNT: return "count";
    case DD_CLIENT_END_DURATION: return "duration";
    case DD_CLIENT_END_TIMEOUT: return "timeout";
    case DD_CLIENT_END_BYTES: return "bytes";
    case DD_CLIENT_END_STOPPED: return "stopped";
    case DD_CLIENT_END_OUTPUT: return "output closed";
    case DD_CLIENT_END_FAILED: return "target failed";
    default: g_return_val_if_reached ("?");
    }
}

/* From the main loop, not from g_cancellable_cancel (): whoever cancels may hold locks. */
static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  dd_client_stop (user_data);
  return G_SOURCE_REMOVE;
}

void
dd_client_run_async (DdClient            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (self->output != NULL);
  g_return_if_fail (self->task == NULL && !self->finishing);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, dd_client_run_async);
  /* Stopping completes the run with what was received, not with an error. */
  g_task_set_check_cancellable (self->task, FALSE);
  dd_output_set_writable_func (self->output, output_writable_cb, self);
  if (self->options.sync_start)
    {
      self->holding = TRUE;
      self->hold_id = g_timeout_add_seconds (MAX (self->options.connect_timeout_s, 1), hold_expired_cb, self);
    }
  if (self->options.duration_s > 0)
    self->duration_id = g_timeout_add ((guint) (self->options.duration_s * 1000), duration_cb, self);
  if (self->options.timeout_s > 0)
    {
      /* Ends within a tenth of the timeout (at most half a second) of its passing. */
      guint period = (guint) CLAMP (self->options.timeout_s * 100, 10, 500);

      self->idle_since = g_get_monotonic_time ();
      self->timeout_id = g_timeout_add (period, timeout_cb, self);
    }
  begin (self);
  if (cancellable != NULL && self->task != NULL)
    {
      self->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancelled, G_SOURCE_FUNC (cancelled_cb), self, NULL);
      g_source_attach (self->cancelled, g_main_context_get_thread_default ());
    }
}

gboolean
dd_client_run_finish (DdClient      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  g_task_propagate_boolean (G_TASK (result), NULL);
  if (self->error == NULL)
    return TRUE;
  g_propagate_error (error, g_error_copy (self->error));
  return FALSE;
}

void
dd_client_stop (DdClient *self)
{
  if (self->task == NULL)
    return;
  if (self->grace_id != 0)
    give_up_output (self);  /* asked again while a slow reader takes the end */
  else
    finish (self, DD_CLIENT_END_STOPPED);
}

/* ---- targets ------------------------------------------------------------------------- */

/* Makes every label unique: the same worker may be asked twice with other filters. */
static void
disambiguate (GPtrArray *targets)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < targets->len; i++)
    g_ptr_array_add (labels, g_strdup (((DdTarget *) targets->pdata[i])->label));
  for (guint i = 0; i < targets->len; i++)
    {
      DdTarget *target = targets->pdata[i];
      guint same = 0;

      for (guint j = 0; j < i; j++)
        same += strcmp (labels->pdata[j], labels->pdata[i]) == 0;
      if (same > 0)
        {
          char *label = g_strdup_printf ("%s#%u", target->label, same + 1);
          char *host = g_strdup_printf ("%s#%u", target->host, same + 1);

          g_free (target->label);
          g_free (target->host);
          target->label = label;
          target->host = host;
        }
    }
}

/* Each dns:// and dns+srv:// target replaced by the workers it names now. A name that
 * names none is a failed target: the run fails, or goes on without it when keep_going. */
static gboolean
expand_discovery (DdClient            *self,
                  const char * const  *specs,
                  GError             **error)
{
  for (guint i = 0; specs[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;
      g_auto(GStrv) urls = NULL;
      DdDiscoveryWatch *watch = NULL;

      if (!dd_discovery_handles (specs[i]))
        {
          g_ptr_array_add (self->specs, g_strdup (specs[i]));
          g_ptr_array_add (self->origins, NULL);
          continue;
        }
      urls = dd_discovery_resolve (self->resolver, specs[i], NULL, &local);
      if (urls == NULL)
        {
          /* Only the position: the text may hold a password. */
          if (g_error_matches (local, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID) || !self->options.keep_going)
            {
              g_set_error (error, DD_CLIENT_ERROR,
                           g_error_matches (local, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID)
                           ? DD_CLIENT_ERROR_USAGE : DD_CLIENT_ERROR_FAILED,
                           _("target %u: %s"), i + 1, local->message);
              return FALSE;
            }
          message (self, DD_CLIENT_MESSAGE_ERROR, _("target %u: %s"), i + 1, local->message);
          self->unresolved++;
          continue;
        }
      message (self, DD_CLIENT_MESSAGE_INFO,
               g_dngettext (GETTEXT_PACKAGE, "target %u: %u worker found", "target %u: %u workers found",
                            g_strv_length (urls)),
               i + 1, g_strv_length (urls));
      if (self->options.reconnect)
        {
          watch = dd_discovery_watch_new (self->resolver, specs[i], i + 1, &watch_callbacks, self,
                                          self->message, self->message_data);
          g_ptr_array_add (self->watches, watch);
        }
      for (char **url = urls; *url != NULL; url++)
        {
          g_ptr_array_add (self->specs, g_steal_pointer (url));
          g_ptr_array_add (self->origins, watch);
        }
    }
  if (self->specs->len == 0)
    {
      g_set_error_literal (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_FAILED, _("no worker to capture from"));
      return FALSE;
    }
  return TRUE;
}

/* One descriptor per target, and a few for the output, the loop and the libraries. */
static gboolean
check_fd_limit (guint    n_targets,
                GError **error)
{
  guint64 limit = dd_process_raise_fd_limit ();

  if (limit == 0 || (guint64) n_targets + 64 <= limit)
    return TRUE;
  g_set_error (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE,
               _("%u targets need about %u open files, and the limit is %" PRIu64
                 " (raise it with “ulimit -n”, or LimitNOFILE= in a unit)"),
               n_targets, n_targets + 64, limit);
  return FALSE;
}

gboolean
dd_client_set_targets (DdClient            *self,
                       const char * const  *specs,
                       GError             **error)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_target_free);
  gboolean any_http = FALSE;

  g_return_val_if_fail (self->specs->len == 0 && self->task == NULL, FALSE);

  if (!expand_discovery (self, specs, error) || !check_fd_limit (self->specs->len, error))
    return FALSE;
  if (self->options.follow != NULL && self->options.follow[0] != NULL)
    {
      g_autoptr(GError) local = NULL;

      self->follow = dd_follow_new (self->resolver, (const char * const *) self->options.follow,
                                    follow_changed_cb, self);
      if (!dd_follow_resolve (self->follow, &local))
        {
          g_set_error_literal (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_FAILED, local->message);
          return FALSE;
        }
      message (self, DD_CLIENT_MESSAGE_INFO, _("following %s: %s"),
               self->options.follow[0], dd_follow_get_clause (self->follow));
    }
  for (guint i = 0; i < self->specs->len; i++)
    {
      g_autoptr(GError) local = NULL;
      DdTarget *target = parse_target (self, self->specs->pdata[i], &local);

      if (target == NULL)
        {
          /* Only the position: the text may hold a password (netrc errors name the file). */
          /* The caller is told what it needs (a setting to change: DD_CLIENT_ERROR_USAGE),
           * the target's own error says what is wrong with it. */
          if (g_error_matches (local, DD_TARGET_ERROR, DD_TARGET_ERROR_NETRC))
            g_set_error_literal (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, local->message);
          else
            g_set_error (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, _("target %u: %s"), i + 1, local->message);
          return FALSE;
        }
      g_ptr_array_add (targets, target);
      any_http |= target->kind == DD_TARGET_HTTP;
    }
  disambiguate (targets);
  for (guint i = 0; i < targets->len; i++)
    g_ptr_array_add (self->supervisors, dd_supervisor_new (g_steal_pointer (&targets->pdata[i]), &self->policy,
                                                           &supervisor_callbacks, self,
                                                           self->message, self->message_data));
  if (any_http && self->http == NULL)
    {
      g_autoptr(GError) local = NULL;

      self->http = dd_http_new (self->options.ca_file, self->options.cert_file, self->options.key_file,
                                self->options.connect_timeout_s, &local);
      if (self->http == NULL)
        {
          g_set_error_literal (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, local->message);
          return FALSE;
        }
    }
  return TRUE;
}

void
dd_client_set_target_host (DdClient   *self,
                           guint       index,
                           const char *host)
{
  DdTarget *target;

  g_return_if_fail (self->task == NULL && index < self->supervisors->len);
  target = dd_supervisor_get_target (self->supervisors->pdata[index]);
  dd_target_set_name (target, host);
}

void
dd_client_set_http (DdClient *self,
                    DdHttp   *http)
{
  g_return_if_fail (self->http == NULL);
  self->http = http;
  self->http_shared = TRUE;
}

void
dd_client_set_output (DdClient *self,
                      DdOutput *output)
{
  g_return_if_fail (self->task == NULL);
  self->output = output;
}

void
dd_client_add_sink (DdClient *self,
                    DdSink   *sink)
{
  g_return_if_fail (self->task == NULL);
  g_ptr_array_add (self->extra_sinks, sink);
}

void
dd_client_set_output_label (DdClient   *self,
                            const char *label)
{
  g_free (self->output_label);
  self->output_label = g_strdup (label);
}

/* ---- results ------------------------------------------------------------------------- */

guint
dd_client_get_n_targets (DdClient *self)
{
  return self->supervisors->len;
}

guint
dd_client_get_n_unresolved (DdClient *self)
{
  return self->unresolved;
}

void
dd_client_get_result (DdClient       *self,
                      guint           index,
                      DdTargetResult *result)
{
  g_return_if_fail (index < self->supervisors->len);
  dd_supervisor_get_result (self->supervisors->pdata[index], result);
}

guint64
dd_client_get_before_start (DdClient *self)
{
  return dd_merger_get_before_floor (self->merger);
}

gboolean
dd_client_get_common_window (DdClient *self,
                             guint64  *start,
                             guint64  *end,
                             guint64  *spread)
{
  guint64 first_start = G_MAXUINT64;

  *start = 0;
  *end = G_MAXUINT64;
  *spread = 0;
  if (self->supervisors->len == 0)
    return FALSE;
  for (guint i = 0; i < self->supervisors->len; i++)
    {
      DdSource *source = dd_supervisor_get_source (self->supervisors->pdata[i]);
      guint64 s, e;

      if (!dd_source_get_window (source, &s, &e))
        {
          *start = *end = 0;
          return FALSE;
        }
      *start = MAX (*start, s);
      *end = MIN (*end, e);
      first_start = MIN (first_start, s);
    }
  *spread = *start - first_start;
  return *start <= *end;
}

guint64
dd_client_get_written (DdClient *self)
{
  return dd_merger_get_written (self->merger);
}

guint64
dd_client_get_output_size (DdClient *self)
{
  return self->output != NULL ? dd_output_get_size (self->output) : 0;
}

void
dd_client_get_output_losses (DdClient       *self,
                             DdOutputLosses *losses)
{
  if (self->output != NULL)
    dd_output_get_losses (self->output, losses);
  else
    *losses = (DdOutputLosses) { 0 };
}

DdClientEnd
dd_client_get_end (DdClient *self)
{
  return self->end;
}

guint64
dd_client_get_late (DdClient *self)
{
  return dd_merger_get_late (self->merger);
}

gsize
dd_client_get_memory_peak (DdClient *self)
{
  return dd_memory_budget_get_peak (self->budget);
}

/* ---- the object ---------------------------------------------------------------------- */

static void
copy_options (DdClientOptions       *to,
              const DdClientOptions *from)
{
  *to = *from;
  to->filter = g_strdup (from->filter);
  to->and_filter = g_strdup (from->and_filter);
  to->own_traffic = g_strdup (from->own_traffic);
  to->interfaces = g_strdupv (from->interfaces);
  to->comments = g_strdupv (from->comments);
  to->follow = g_strdupv (from->follow);
  to->names = from->names != NULL ? g_bytes_ref (from->names) : NULL;
  to->ca_file = g_strdup (from->ca_file);
  to->cert_file = g_strdup (from->cert_file);
  to->key_file = g_strdup (from->key_file);
  to->netrc_file = g_strdup (from->netrc_file);
}

static void
clear_options (DdClientOptions *options)
{
  g_free (options->filter);
  g_free (options->and_filter);
  g_free (options->own_traffic);
  g_strfreev (options->interfaces);
  g_strfreev (options->comments);
  g_strfreev (options->follow);
  g_clear_pointer (&options->names, g_bytes_unref);
  g_free (options->ca_file);
  g_free (options->cert_file);
  g_free (options->key_file);
  g_free (options->netrc_file);
}

DdJourney *
dd_client_get_journey (DdClient *self)
{
  return self->journey != NULL ? dd_journey_sink_get_journey (self->journey) : NULL;
}

DdClient *
dd_client_new (const DdClientOptions *options,
               DdClientMessageFunc    message_func,
               gpointer               user_data)
{
  DdClient *self = g_object_new (DD_TYPE_CLIENT, NULL);

  copy_options (&self->options, options);
  self->message = message_func;
  self->message_data = user_data;
  if (options->netrc_file != NULL)
    self->netrc = g_strdup (options->netrc_file);
  else if (options->netrc)
    self->netrc = g_build_filename (g_get_home_dir (), ".netrc", NULL);
  self->defaults.filter = self->options.filter;
  self->defaults.interfaces = (const char * const *) self->options.interfaces;
  self->policy = (DdSupervisorPolicy) {
    .max_skew_ms = options->max_skew_ms > 0 ? options->max_skew_ms : DD_CLIENT_MAX_SKEW_MS,
    .clock_sync = options->clock_sync,
    .reconnect = options->reconnect,
    .keep_going = options->keep_going,
  };
  self->per_packet = options->count != 0 || options->bytes != 0;
  self->defaults.snaplen = self->options.snaplen;
  self->defaults.since_s = self->options.since_s;
  if (self->options.own_traffic != NULL && *self->options.own_traffic != '\0')
    {
      g_autofree char *not_ours = g_strdup_printf ("not (%s)", self->options.own_traffic);

      self->worker_filter = dd_filter_and (not_ours, self->options.and_filter);
    }
  else
    self->worker_filter = g_strdup (self->options.and_filter);
  self->defaults.and_filter = self->worker_filter;
  self->local_filter = dd_filter_and (self->options.filter, self->options.and_filter);
  self->merger = dd_merger_new ((gint64) options->max_delay_ms * 1000, write_cb, self);
  dd_merger_set_block_func (self->merger, write_block_cb);
  /* The inputs' chunks and queues get five eighths of the memory; the rest is for what an
   * input reads past its share while the merge waits for it, and for the program itself:
   * libraries, connections, the heap's free memory, the output's buffer. */
  self->budget = dd_memory_budget_new ((gsize) options->memory_mib * 1024 * 1024 / 8 * 5);
  return self;
}

static void
dd_client_init (DdClient *self)
{
  self->supervisors = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_supervisor_free);
  self->specs = g_ptr_array_new_with_free_func (g_free);
  self->origins = g_ptr_array_new ();
  self->extra_sinks = g_ptr_array_new ();
  self->watches = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_discovery_watch_free);
  self->resolver = g_resolver_get_default ();
  self->output_label = g_strdup (_("the output"));
}

static void
dd_client_finalize (GObject *object)
{
  DdClient *self = DD_CLIENT (object);

  g_warn_if_fail (self->task == NULL);
  g_clear_handle_id (&self->merge_idle_id, g_source_remove);
  g_clear_handle_id (&self->merge_timer_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->grace_id, g_source_remove);
  g_ptr_array_unref (self->watches);
  g_clear_pointer (&self->follow, dd_follow_free);
  g_ptr_array_unref (self->supervisors);
  g_ptr_array_unref (self->origins);
  g_ptr_array_unref (self->extra_sinks);
  dd_sink_free (self->journey);
  dd_sink_free (self->tee);
  g_ptr_array_unref (self->specs);
  g_object_unref (self->resolver);
  g_free (self->worker_filter);
  g_free (self->local_filter);
  g_free (self->netrc);
  g_free (self->output_label);
  g_clear_error (&self->error);
  dd_merger_free (self->merger);
  dd_memory_budget_unref (self->budget);
  dd_output_map_free (self->map);
  if (!self->http_shared)
    dd_http_free (self->http);
  clear_options (&self->options);
  G_OBJECT_CLASS (dd_client_parent_class)->finalize (object);
}

static void
dd_client_class_init (DdClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_client_finalize;
}
