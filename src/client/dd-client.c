#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gi18n.h>

#include "dd-client.h"
#include "dd-discovery.h"
#include "dd-filter.h"
#include "dd-http.h"
#include "dd-merger.h"
#include "dd-output-map.h"
#include "dd-process.h"
#include "dd-source.h"

/* Packets merged per main-loop iteration, so signals and streams are served during a long
 * merge of files. */
#define MERGE_BUDGET 65536
#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000
/* At the end, a named pipe's reader that takes nothing for this long is given up on. */
#define OUTPUT_GRACE_MS 500

G_DEFINE_QUARK (dd-client-error-quark, dd_client_error)

/* A dns:// or dns+srv:// target, looked up again during the run (--reconnect). */
typedef struct {
  DdClient   *client;
  char       *spec;
  guint       number;    /* its place among the targets, for messages */
  GHashTable *slots;     /* URL → SourceSlot of each worker it named */
  gboolean    looking;
} Watched;

typedef struct {
  DdClient *client;
  DdSource *source;
  guint     retry_id;
  guint     backoff_ms;
  guint     failures;
  gboolean  failed;      /* its stream failed at least once */
  gboolean  recovered;   /* and runs again since its last failure */
  gboolean  departed;    /* its name no longer names it: it ended, and is no failure */
  gboolean  skew_warned; /* its clock was last found further off than --max-skew */
  guint64   gap_start;   /* when its capture was last known to run before it broke (ns) */
  char     *gap_cause;   /* why it broke; NULL: no gap pending */
} SourceSlot;

struct _DdClient {
  GObject     parent_instance;

  DdClientOptions options;
  DdClientMessageFunc message;
  gpointer    message_data;

  DdHttp     *http;
  gboolean    http_shared;
  gboolean    ready;        /* ready_func was called */
  gboolean    per_packet;   /* a count, a byte limit or a packet function: after_packet () */  /* dd_client_set_http (): not ours to free */
  DdOutput   *output;
  char       *output_label;
  DdOutputMap *map;
  DdMerger   *merger;
  DdMemoryBudget *budget;
  GPtrArray  *slots;
  GPtrArray  *targets;  /* parsed before the sources own them */
  GPtrArray  *origins;  /* the Watched each target came from, or NULL */
  GPtrArray  *specs;    /* each target's text, after discovery */
  GPtrArray  *watched;  /* Watched */
  GResolver  *resolver;
  GCancellable *cancellable;  /* lookups */
  guint       resolve_id;
  DdTargetDefaults defaults;
  char       *worker_filter;
  char       *local_filter;
  char       *netrc;

  GTask      *task;          /* the run */
  GSource    *cancelled;     /* the run's cancellable, watched from the main loop */
  int         exit_status;
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

static void finish (DdClient *self, int status, DdClientEnd end);
static void schedule_merge (DdClient *self);

static void G_GNUC_PRINTF (3, 4)
message (DdClient        *self,
         DdClientMessage  kind,
         const char      *format,
         ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (self->message == NULL)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  self->message (kind, text, self->message_data);
}

/* ---- the merge ----------------------------------------------------------------------- */

/* What write_cb () does beyond writing, for runs that ask for it: FALSE ends the merge. */
static gboolean
after_packet (DdClient       *self,
              const DdPacket *packet)
{
  if (self->options.packet_func != NULL)
    self->options.packet_func (packet, self->options.packet_data);
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

  if (!dd_output_write_packet (self->output, packet->interface_id, packet->ts, packet->caplen,
                               packet->origlen, packet->flags, packet->data))
    return FALSE;
  /* A reader that does not keep up: what it has not taken stays bounded (one flush). */
  if (G_UNLIKELY (dd_output_is_blocked (self->output)))
    dd_merger_yield (self->merger);
  /* One test on the hot path for the count, the byte limit and packetdebug. */
  return G_LIKELY (!self->per_packet) || after_packet (self, packet);
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
    finish (self, DD_EXIT_OK, DD_CLIENT_END_OUTPUT);
  else
    {
      message (self, DD_CLIENT_MESSAGE_ERROR, "%s: %s", self->output_label, error->message);
      fail_run (self, error, self->output_label);
      finish (self, DD_EXIT_FAILED, DD_CLIENT_END_OUTPUT);
    }
  return FALSE;
}

static gboolean
all_done (DdClient *self)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];
      DdSourceState state = dd_source_get_state (slot->source);

      if (slot->retry_id != 0 || (state != DD_SOURCE_ENDED && state != DD_SOURCE_FAILED))
        return FALSE;
    }
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

  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];
      DdSourceState state = dd_source_get_state (slot->source);
      guint64 start, end;

      /* Files are not captures running now; failed targets do not come, unless they are
       * being reconnected. */
      if (!dd_source_is_live (slot->source) ||
          ((state == DD_SOURCE_FAILED || state == DD_SOURCE_ENDED) && slot->retry_id == 0))
        continue;
      if (!dd_source_get_window (slot->source, &start, &end))
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
      finish (self, DD_EXIT_OK, self->end);  /* a limit is reached: write_cb () says which */
      return G_SOURCE_REMOVE;
    }
  for (guint i = 0; i < self->slots->len; i++)
    dd_source_resume_if_drained (((SourceSlot *) self->slots->pdata[i])->source);
  if (more)
    {
      schedule_merge (self);
      return G_SOURCE_REMOVE;
    }
  if (all_done (self))
    {
      finish (self, self->exit_status, DD_CLIENT_END_INPUTS);
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

static gboolean
retry_cb (gpointer user_data)
{
  SourceSlot *slot = user_data;

  slot->retry_id = 0;
  dd_source_start (slot->source);
  return G_SOURCE_REMOVE;
}

/* Once every target has answered, ready_func is told. */
static void
check_ready (DdClient *self)
{
  if (self->ready || self->options.ready_func == NULL || self->finishing)
    return;
  for (guint i = 0; i < self->slots->len; i++)
    {
      DdSource *source = ((SourceSlot *) self->slots->pdata[i])->source;

      if (!dd_source_has_started (source) && dd_source_get_state (source) != DD_SOURCE_FAILED)
        return;
    }
  self->ready = TRUE;
  self->options.ready_func (self->options.ready_data);
}

/* A stream that broke runs again: the interval in which its host was not captured goes on
 * stderr and into the capture (a statistics block with the counters up to the break, and
 * a comment saying when and why). */
static void
mark_gap (SourceSlot *slot)
{
  guint64 end = (guint64) dd_clock_real_time_ns ();
  guint64 start = MIN (slot->gap_start != 0 ? slot->gap_start : end, end);
  g_autofree char *from = dd_clock_format_utc (start);
  g_autofree char *to = dd_clock_format_utc (end);
  g_autofree char *note = NULL;

  note = g_strdup_printf (_("gap from %s to %s UTC (%.3f s): not captured, %s"), from, to,
                          (double) (end - start) / 1e9, slot->gap_cause);
  message (slot->client, DD_CLIENT_MESSAGE_NOTICE, _("%s: back after a gap of %.3f s, from %s to %s UTC"),
           dd_source_get_target (slot->source)->label, (double) (end - start) / 1e9, from, to);
  dd_source_write_gap (slot->source, note);
  g_clear_pointer (&slot->gap_cause, g_free);
  slot->gap_start = 0;
}

static guint
max_skew_ms (DdClient *self)
{
  return self->options.max_skew_ms > 0 ? self->options.max_skew_ms : DD_CLIENT_MAX_SKEW_MS;
}

static gboolean
past_skew (DdClient              *self,
           const DdClockEstimate *clock)
{
  gint64 limit = (gint64) max_skew_ms (self) * 1000000;

  return clock->offset_ns > limit || clock->offset_ns < -limit;
}

/* A measure during the capture: a clock that drifts or steps past --max-skew is told
 * once, and again only after it came back. */
static void
source_clock_cb (DdSource *source,
                 gpointer  user_data)
{
  SourceSlot *slot = user_data;
  DdClient *self = slot->client;
  DdClockEstimate clock;
  guint64 when;
  guint measures;
  gboolean past;

  if (!dd_source_get_latest_clock (source, &clock, &when, &measures))
    return;
  past = past_skew (self, &clock);
  if (past && !slot->skew_warned)
    {
      g_autofree char *offset = dd_clock_estimate_format (&clock);

      message (self, DD_CLIENT_MESSAGE_NOTICE,
               _("%s: its clock is now off by %s against this host's, more than --max-skew %u ms (measured during the capture)"),
               dd_source_get_target (source)->label, offset, max_skew_ms (self));
    }
  slot->skew_warned = past;
}

static void
source_started_cb (DdSource *source,
                   gpointer  user_data)
{
  SourceSlot *slot = user_data;
  DdClient *self = slot->client;
  const char *label = dd_source_get_target (source)->label;
  DdClockEstimate clock;

  check_ready (self);
  if (slot->failed)
    slot->recovered = TRUE;
  if (slot->gap_cause != NULL)
    mark_gap (slot);
  if (dd_source_get_notice (source) != NULL)
    message (self, DD_CLIENT_MESSAGE_NOTICE, "%s: %s", label, dd_source_get_notice (source));
  if (dd_source_get_clock (source, &clock, NULL) && past_skew (self, &clock))
    {
      g_autofree char *offset = dd_clock_estimate_format (&clock);

      message (self, DD_CLIENT_MESSAGE_NOTICE,
               self->options.clock_sync
               ? _("%s: its clock is off by %s against this host's, more than --max-skew %u ms; its timestamps are corrected (--clock-sync)")
               : _("%s: its clock is off by %s against this host's, more than --max-skew %u ms; --clock-sync would correct its timestamps"),
               label, offset, max_skew_ms (self));
      slot->skew_warned = TRUE;
    }
  slot->backoff_ms = 0;
  /* What a script waits for (-v): this run's capture of the target is live. */
  if (dd_source_get_remote_id (source) != NULL)
    g_debug ("%s: capturing (the worker's capture %s)", label, dd_source_get_remote_id (source));
  else
    g_debug ("%s: capturing", label);
}

static void
source_data_cb (DdSource *source,
                gpointer  user_data)
{
  SourceSlot *slot = user_data;

  schedule_merge (slot->client);
}

static void
source_ended_cb (DdSource     *source,
                 const GError *error,
                 gpointer      user_data)
{
  SourceSlot *slot = user_data;
  DdClient *self = slot->client;
  DdTarget *target = dd_source_get_target (source);

  if (self->finishing)
    return;
  schedule_merge (self);
  if (error == NULL)
    {
      g_debug ("%s: the stream ended", target->label);
      return;
    }
  slot->failures++;
  slot->recovered = FALSE;
  message (self, DD_CLIENT_MESSAGE_ERROR, "%s: %s", target->label, error->message);
  /* A capture that ran and broke: the gap starts where it was last known to run. */
  if (dd_source_has_started (source) && slot->gap_cause == NULL)
    {
      guint64 start, end;

      slot->gap_start = dd_source_get_window (source, &start, &end) ? end : (guint64) dd_clock_real_time_ns ();
      slot->gap_cause = g_strdup (error->message);
    }
  if (!dd_source_has_started (source) && !self->options.keep_going)
    {
      message (self, DD_CLIENT_MESSAGE_HINT,
               _("giving up: a target cannot be reached (--keep-going goes on without it)"));
      fail_run (self, error, target->label);
      finish (self, DD_EXIT_FAILED, DD_CLIENT_END_FAILED);
      return;
    }
  slot->failed = TRUE;
  check_ready (self);
  if (self->options.reconnect && target->kind != DD_TARGET_FILE && !slot->departed)
    {
      slot->backoff_ms = slot->backoff_ms == 0 ? RETRY_MIN_MS : MIN (slot->backoff_ms * 2, RETRY_MAX_MS);
      message (self, DD_CLIENT_MESSAGE_NOTICE, _("%s: reconnecting in %.1f s"), target->label,
               slot->backoff_ms / 1000.0);
      slot->retry_id = g_timeout_add (slot->backoff_ms, retry_cb, slot);
    }
}

static const DdSourceCallbacks source_callbacks = {
  .started = source_started_cb,
  .clock = source_clock_cb,
  .data = source_data_cb,
  .ended = source_ended_cb,
};

static void
slot_free (SourceSlot *slot)
{
  g_clear_handle_id (&slot->retry_id, g_source_remove);
  /* Cancels what it has in flight: nothing of it runs after this. */
  dd_source_stop (slot->source);
  g_object_unref (slot->source);
  g_free (slot->gap_cause);
  g_free (slot);
}

static SourceSlot *
add_slot (DdClient *self,
          DdTarget *target)  /* (transfer full) */
{
  SourceSlot *slot = g_new0 (SourceSlot, 1);
  DdSourceContext context = {
    .merger = self->merger,
    .map = self->map,
    .budget = self->budget,
    .http = self->http,
    .connect_timeout_s = self->options.connect_timeout_s,
    .clock_sync = self->options.clock_sync,
    .clock_interval_s = self->options.clock_interval_s == 0 ? DD_CLIENT_CLOCK_INTERVAL_S
                        : self->options.clock_interval_s == G_MAXUINT ? 0 : self->options.clock_interval_s,
    .reconnect = self->options.reconnect,
  };

  slot->client = self;
  slot->source = dd_source_new_for_target (target, &context, &source_callbacks, slot);
  g_ptr_array_add (self->slots, slot);
  return slot;
}

/* ---- workers joining and leaving (--reconnect with dns:// and dns+srv://) ------------- */

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static void
watched_free (Watched *watched)
{
  g_hash_table_unref (watched->slots);
  g_free (watched->spec);
  g_free (watched);
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

static void
join (Watched    *watched,
      const char *url)
{
  DdClient *self = watched->client;
  g_autoptr(GError) error = NULL;
  DdTarget *target = parse_target (self, url, &error);
  g_autofree char *note = NULL;
  g_autofree char *stamp = NULL;
  SourceSlot *slot;

  if (target == NULL)
    {
      message (self, DD_CLIENT_MESSAGE_ERROR, _("target %u: %s"), watched->number, error->message);
      return;
    }
  message (self, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s joined"), watched->number, target->label);
  slot = add_slot (self, target);
  stamp = now_iso8601 ();
  note = g_strdup_printf (_("joined the running capture at %s: a new worker under target %u"),
                          stamp, watched->number);
  dd_source_set_note (slot->source, note);
  g_hash_table_insert (watched->slots, g_strdup (url), slot);
  dd_source_start (slot->source);
}

static void
resolved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Watched *watched;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) urls = dd_discovery_resolve_finish (result, &error);
  GHashTableIter iter;
  const char *url;
  SourceSlot *slot;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the run is over: @user_data may be gone */
  watched = user_data;
  watched->looking = FALSE;
  if (urls == NULL)
    {
      /* A name that names nothing for a while is not a fleet that left: keep what we have. */
      g_debug ("target %u: %s", watched->number, error->message);
      return;
    }
  for (char **u = urls; *u != NULL; u++)
    {
      slot = g_hash_table_lookup (watched->slots, *u);
      if (slot == NULL)
        join (watched, *u);
      else if (slot->departed)
        {
          slot->departed = FALSE;
          message (watched->client, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s is back"), watched->number,
                   dd_source_get_target (slot->source)->label);
          dd_source_start (slot->source);
        }
    }
  g_hash_table_iter_init (&iter, watched->slots);
  while (g_hash_table_iter_next (&iter, (gpointer *) &url, (gpointer *) &slot))
    {
      g_autofree char *stamp = NULL;
      g_autofree char *note = NULL;

      if (slot->departed || g_strv_contains ((const char * const *) urls, url))
        continue;
      slot->departed = TRUE;
      g_clear_handle_id (&slot->retry_id, g_source_remove);
      stamp = now_iso8601 ();
      note = g_strdup_printf (_("left the capture at %s: no longer under target %u"), stamp, watched->number);
      dd_source_write_note (slot->source, note);
      dd_source_stop (slot->source);
      message (watched->client, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s left"), watched->number,
               dd_source_get_target (slot->source)->label);
    }
  schedule_merge (watched->client);
}

static gboolean
resolve_cb (gpointer user_data)
{
  DdClient *self = user_data;

  for (guint i = 0; i < self->watched->len; i++)
    {
      Watched *watched = self->watched->pdata[i];

      if (watched->looking)
        continue;
      watched->looking = TRUE;
      dd_discovery_resolve_async (self->resolver, watched->spec, self->cancellable, resolved_cb, watched);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- start and end ------------------------------------------------------------------- */

static void
begin (DdClient *self)
{
  self->map = dd_output_map_new (self->output);
  dd_output_map_set_heartbeats (self->map, self->options.heartbeats);
  for (guint i = 0; i < self->targets->len; i++)
    {
      SourceSlot *slot = add_slot (self, g_steal_pointer (&self->targets->pdata[i]));
      Watched *watched = self->origins->pdata[i];

      if (watched != NULL)
        g_hash_table_insert (watched->slots, g_strdup (self->specs->pdata[i]), slot);
      dd_output_map_expect (self->map, dd_source_get_expected_linktype (slot->source));
    }
  {
    g_autoptr(GPtrArray) comments = g_ptr_array_new ();

    g_ptr_array_add (comments, _("merged by ddump"));
    for (guint i = 0; self->options.comments != NULL && self->options.comments[i] != NULL; i++)
      g_ptr_array_add (comments, self->options.comments[i]);
    g_ptr_array_add (comments, NULL);
    dd_output_map_begin (self->map, (const char * const *) comments->pdata);
  }
  /* The header goes out at once: the reader knows the capture is on. */
  if (!flush_output (self))
    return;
  for (guint i = 0; i < self->slots->len && !self->finishing; i++)
    dd_source_start (((SourceSlot *) self->slots->pdata[i])->source);
  if (self->finishing)
    return;
  if (self->options.reconnect && self->watched->len > 0 && self->http != NULL)
    self->resolve_id = g_timeout_add_seconds (MAX (self->options.resolve_interval_s, 1), resolve_cb, self);
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
    g_task_return_int (task, self->exit_status);
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
  self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
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
        int         status,
        DdClientEnd end)
{
  gboolean unrecovered = FALSE, gaps = FALSE;

  if (self->finishing)
    return;
  self->finishing = TRUE;
  self->end = end;
  self->exit_status = MAX (self->exit_status, status);
  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];

      /* A stream that failed makes the run fail, unless its worker left the fleet or it
       * was reconnected: then the capture is whole but for the gaps marked in it. */
      if (slot->failed && !slot->departed && !slot->recovered)
        unrecovered = TRUE;
      else if (slot->failed && !slot->departed)
        gaps = TRUE;
    }
  if (unrecovered)
    self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
  else if (gaps && self->exit_status == DD_EXIT_OK)
    self->exit_status = DD_EXIT_GAPS;
  g_clear_handle_id (&self->resolve_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->merge_idle_id, g_source_remove);
  g_clear_handle_id (&self->merge_timer_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->hold_id, g_source_remove);

  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];

      g_clear_handle_id (&slot->retry_id, g_source_remove);
      dd_source_stop (slot->source);
    }
  if (!self->output_broken)
    {
      guint64 converted = 0;

      /* What was received goes out, in order, then the final statistics (or, when no
       * stream ever came, pcap's header: still a valid, empty capture). */
      dd_merger_drain (self->merger);
      for (guint i = 0; i < self->slots->len; i++)
        {
          DdSource *source = ((SourceSlot *) self->slots->pdata[i])->source;

          dd_source_end_stats (source);
          converted += dd_source_get_converted (source);
        }
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
  finish (self, DD_EXIT_OK, DD_CLIENT_END_DURATION);
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
      finish (self, DD_EXIT_OK, DD_CLIENT_END_TIMEOUT);
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

int
dd_client_run_finish (DdClient      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), DD_EXIT_FAILED);

  if (self->error != NULL)
    g_propagate_error (error, g_error_copy (self->error));
  return (int) g_task_propagate_int (G_TASK (result), NULL);
}

void
dd_client_stop (DdClient *self)
{
  if (self->task == NULL)
    return;
  if (self->grace_id != 0)
    give_up_output (self);  /* asked again while a slow reader takes the end */
  else
    finish (self, DD_EXIT_OK, DD_CLIENT_END_STOPPED);
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
      Watched *watched = NULL;

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
          self->exit_status = DD_EXIT_FAILED;
          continue;
        }
      message (self, DD_CLIENT_MESSAGE_INFO,
               g_dngettext (GETTEXT_PACKAGE, "target %u: %u worker found", "target %u: %u workers found",
                            g_strv_length (urls)),
               i + 1, g_strv_length (urls));
      if (self->options.reconnect)
        {
          watched = g_new0 (Watched, 1);
          watched->client = self;
          watched->spec = g_strdup (specs[i]);
          watched->number = i + 1;
          watched->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_ptr_array_add (self->watched, watched);
        }
      for (char **url = urls; *url != NULL; url++)
        {
          g_ptr_array_add (self->specs, g_steal_pointer (url));
          g_ptr_array_add (self->origins, watched);
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
  gboolean any_http = FALSE;

  g_return_val_if_fail (self->specs->len == 0 && self->task == NULL, FALSE);

  if (!expand_discovery (self, specs, error) || !check_fd_limit (self->specs->len, error))
    return FALSE;
  for (guint i = 0; i < self->specs->len; i++)
    {
      g_autoptr(GError) local = NULL;
      DdTarget *target = parse_target (self, self->specs->pdata[i], &local);

      if (target == NULL)
        {
          /* Only the position: the text may hold a password (netrc errors name the file). */
          if (g_error_matches (local, DD_TARGET_ERROR, DD_TARGET_ERROR_NETRC))
            g_set_error_literal (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, local->message);
          else
            g_set_error (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, _("target %u: %s"), i + 1, local->message);
          return FALSE;
        }
      g_ptr_array_add (self->targets, target);
      any_http |= target->kind == DD_TARGET_HTTP;
    }
  disambiguate (self->targets);
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

  g_return_if_fail (self->task == NULL && index < self->targets->len);
  target = self->targets->pdata[index];
  g_free (target->host);
  target->host = g_strdup (host);
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
  /* Before the run, the targets set; from then on, their sources. */
  return self->slots->len > 0 ? self->slots->len : self->targets->len;
}

void
dd_client_get_result (DdClient       *self,
                      guint           index,
                      DdTargetResult *result)
{
  SourceSlot *slot;
  DdSource *source;
  DdMergeInput *input;

  g_return_if_fail (index < self->slots->len);
  slot = self->slots->pdata[index];
  source = slot->source;
  input = dd_source_get_input (source);
  *result = (DdTargetResult) {
    .label = dd_source_get_target (source)->label,
    .host = dd_source_get_target (source)->host,
    .packets = dd_source_get_packets (source),
    .bytes = dd_source_get_bytes (source),
    .drops = dd_source_get_drops (source),
    .drops_reported = dd_source_has_drop_counts (source),
    .late = input != NULL ? dd_merge_input_get_late (input) : 0,
    .failures = slot->failures,
    .error = dd_source_get_error (source),
    .shift_ns = dd_source_get_shift (source),
  };
  result->clock_known = dd_source_get_clock (source, &result->clock, &result->clock_why);
  dd_source_get_latest_clock (source, &result->clock_latest, &result->clock_latest_ns, &result->clock_measures);
  result->window_known = dd_source_get_window (source, &result->start_ns, &result->end_ns);
  if (slot->retry_id != 0)
    result->state = DD_TARGET_STATE_RETRYING;
  else
    switch (dd_source_get_state (source))
      {
      case DD_SOURCE_CONNECTING: result->state = DD_TARGET_STATE_CONNECTING; break;
      case DD_SOURCE_RUNNING: result->state = DD_TARGET_STATE_LIVE; break;
      case DD_SOURCE_ENDED: result->state = DD_TARGET_STATE_ENDED; break;
      case DD_SOURCE_FAILED: result->state = DD_TARGET_STATE_FAILED; break;
      case DD_SOURCE_IDLE:
      default: result->state = DD_TARGET_STATE_WAITING; break;
      }
}

static void
add_int_member (JsonBuilder *builder,
                const char  *name,
                gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
dd_target_result_add_json (const DdTargetResult *result,
                           JsonBuilder          *builder)
{
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, result->label);
  add_int_member (builder, "packets", (gint64) result->packets);
  add_int_member (builder, "bytes", (gint64) result->bytes);
  if (result->drops_reported)
    add_int_member (builder, "drops", (gint64) result->drops);
  if (result->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, result->error->message);
    }
  if (result->clock_known)
    {
      add_int_member (builder, "clock_offset_ns", result->clock.offset_ns);
      add_int_member (builder, "clock_error_ns", result->clock.error_ns);
    }
  else if (result->clock_why != NULL)
    {
      json_builder_set_member_name (builder, "clock_unknown");
      json_builder_add_string_value (builder, result->clock_why);
    }
  if (result->clock_measures > 0)
    {
      add_int_member (builder, "clock_measures", result->clock_measures);
      add_int_member (builder, "clock_latest_offset_ns", result->clock_latest.offset_ns);
      add_int_member (builder, "clock_latest_error_ns", result->clock_latest.error_ns);
      add_int_member (builder, "clock_latest_at_ns", (gint64) result->clock_latest_ns);
    }
  if (result->shift_ns != 0)
    add_int_member (builder, "shift_ns", result->shift_ns);
  if (result->window_known)
    {
      add_int_member (builder, "capture_start_ns", (gint64) result->start_ns);
      add_int_member (builder, "capture_end_ns", (gint64) result->end_ns);
    }
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
  if (self->slots->len == 0)
    return FALSE;
  for (guint i = 0; i < self->slots->len; i++)
    {
      DdSource *source = ((SourceSlot *) self->slots->pdata[i])->source;
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
  g_free (options->ca_file);
  g_free (options->cert_file);
  g_free (options->key_file);
  g_free (options->netrc_file);
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
  self->per_packet = options->count != 0 || options->bytes != 0 || options->packet_func != NULL;
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
  /* The inputs' chunks and queues get five eighths of the memory; the rest is for what an
   * input reads past its share while the merge waits for it, and for the program itself:
   * libraries, connections, the heap's free memory, the output's buffer. */
  self->budget = dd_memory_budget_new ((gsize) options->memory_mib * 1024 * 1024 / 8 * 5);
  return self;
}

static void
dd_client_init (DdClient *self)
{
  self->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_target_free);
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  self->specs = g_ptr_array_new_with_free_func (g_free);
  self->origins = g_ptr_array_new ();
  self->watched = g_ptr_array_new_with_free_func ((GDestroyNotify) watched_free);
  self->resolver = g_resolver_get_default ();
  self->cancellable = g_cancellable_new ();
  self->output_label = g_strdup (_("the output"));
}

static void
dd_client_finalize (GObject *object)
{
  DdClient *self = DD_CLIENT (object);

  g_warn_if_fail (self->task == NULL);
  g_clear_handle_id (&self->resolve_id, g_source_remove);
  g_clear_handle_id (&self->merge_idle_id, g_source_remove);
  g_clear_handle_id (&self->merge_timer_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->grace_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_ptr_array_unref (self->slots);
  g_ptr_array_unref (self->targets);
  g_ptr_array_unref (self->origins);
  g_ptr_array_unref (self->watched);
  g_ptr_array_unref (self->specs);
  g_object_unref (self->resolver);
  g_object_unref (self->cancellable);
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
