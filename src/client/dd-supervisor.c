#include "config.h"

#include <glib/gi18n.h>

#include "dd-source-factory.h"
#include "dd-supervisor.h"

#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000

struct _DdSupervisor {
  const DdSupervisorPolicy    *policy;
  const DdSupervisorCallbacks *callbacks;
  gpointer   user_data;
  DdClientMessageFunc message;
  gpointer   message_data;

  DdTarget  *target;     /* until the source takes it */
  DdSource  *source;
  guint      retry_id;
  guint      backoff_ms;
  guint      failures;
  gboolean   stopped;    /* the run is over */
  gboolean   failed;     /* its stream failed at least once */
  gboolean   recovered;  /* and runs again since its last failure */
  gboolean   departed;   /* its name no longer names it: it ended, and is no failure */
  gboolean   skew_warned; /* its clock was last found further off than --max-skew */
  guint64    gap_start;  /* when its capture was last known to run before it broke (ns) */
  char      *gap_cause;  /* why it broke; NULL: no gap pending */

  /* --follow */
  DdSourceContext context;  /* of the run, for the captures that take over */
  DdTarget  *base;       /* the target as given, before any clause */
  char      *clause;     /* the current capture's */
  DdSource  *next;       /* the capture taking over, until its handover is done */
  char      *next_clause;
  char      *next_note;
  guint64    next_at;    /* the switch, in the worker's clock */
  char      *wanted_clause;  /* asked for during a handover: next */
  char      *wanted_note;
  GPtrArray *retired;    /* the captures that handed over: the merge may hold their packets */
  DdTargetResult retired_counts;  /* their packets, bytes and drops */
};

#define say(self, kind, ...) dd_client_say ((self)->message, (self)->message_data, (kind), __VA_ARGS__)

static const char *
label (DdSupervisor *self)
{
  return dd_supervisor_get_target (self)->label;
}

static void finish_handover (DdSupervisor *self);

static gboolean
retry_cb (gpointer user_data)
{
  DdSupervisor *self = user_data;

  self->retry_id = 0;
  dd_source_start (self->source);
  return G_SOURCE_REMOVE;
}

/* A stream that broke runs again: the interval in which its host was not captured goes on
 * stderr and into the capture (a statistics block with the counters up to the break, and
 * a comment saying when and why). */
static void
mark_gap (DdSupervisor *self)
{
  guint64 end = (guint64) dd_clock_real_time_ns ();
  guint64 start = MIN (self->gap_start != 0 ? self->gap_start : end, end);
  g_autofree char *from = dd_clock_format_utc (start);
  g_autofree char *to = dd_clock_format_utc (end);
  g_autofree char *note = NULL;

  note = g_strdup_printf (_("gap from %s to %s UTC (%.3f s): not captured, %s"), from, to,
                          (double) (end - start) / 1e9, self->gap_cause);
  say (self, DD_CLIENT_MESSAGE_NOTICE, _("%s: back after a gap of %.3f s, from %s to %s UTC"),
       label (self), (double) (end - start) / 1e9, from, to);
  dd_source_write_gap (self->source, note);
  g_clear_pointer (&self->gap_cause, g_free);
  self->gap_start = 0;
}

static gboolean
past_skew (DdSupervisor          *self,
           const DdClockEstimate *clock)
{
  gint64 limit = (gint64) self->policy->max_skew_ms * 1000000;

  return clock->offset_ns > limit || clock->offset_ns < -limit;
}

/* A measure during the capture: a clock that drifts or steps past --max-skew is told
 * once, and again only after it came back. */
static void
source_clock_cb (DdSource *source,
                 gpointer  user_data)
{
  DdSupervisor *self = user_data;
  DdClockEstimate clock;
  guint64 when;
  guint measures;
  gboolean past;

  if (!dd_source_get_latest_clock (source, &clock, &when, &measures))
    return;
  if (self->callbacks->clock != NULL)
    self->callbacks->clock (self, self->user_data);
  past = past_skew (self, &clock);
  if (past && !self->skew_warned)
    {
      g_autofree char *offset = dd_clock_estimate_format (&clock);

      say (self, DD_CLIENT_MESSAGE_NOTICE,
           _("%s: its clock is now off by %s against this host's, more than --max-skew %u ms (measured during the capture)"),
           label (self), offset, self->policy->max_skew_ms);
    }
  self->skew_warned = past;
}

static void
source_started_cb (DdSource *source,
                   gpointer  user_data)
{
  DdSupervisor *self = user_data;
  DdClockEstimate clock;

  self->callbacks->answered (self, self->user_data);
  if (self->callbacks->clock != NULL && dd_source_get_clock (source, &clock, NULL))
    self->callbacks->clock (self, self->user_data);
  if (self->failed)
    self->recovered = TRUE;
  if (self->gap_cause != NULL)
    mark_gap (self);
  if (dd_source_get_notice (source) != NULL)
    say (self, DD_CLIENT_MESSAGE_NOTICE, "%s: %s", label (self), dd_source_get_notice (source));
  if (dd_source_get_clock (source, &clock, NULL) && past_skew (self, &clock))
    {
      g_autofree char *offset = dd_clock_estimate_format (&clock);

      say (self, DD_CLIENT_MESSAGE_NOTICE,
           self->policy->clock_sync
           ? _("%s: its clock is off by %s against this host's, more than --max-skew %u ms; its timestamps are corrected (--clock-sync)")
           : _("%s: its clock is off by %s against this host's, more than --max-skew %u ms; --clock-sync would correct its timestamps"),
           label (self), offset, self->policy->max_skew_ms);
      self->skew_warned = TRUE;
    }
  self->backoff_ms = 0;
  /* What a script waits for (-v): this run's capture of the target is live. */
  if (dd_source_get_remote_id (source) != NULL)
    g_debug ("%s: capturing (the worker's capture %s)", label (self), dd_source_get_remote_id (source));
  else
    g_debug ("%s: capturing", label (self));
}

static void
source_data_cb (DdSource *source,
                gpointer  user_data)
{
  DdSupervisor *self = user_data;

  self->callbacks->data (self, self->user_data);
}

static void
source_ended_cb (DdSource     *source,
                 const GError *error,
                 gpointer      user_data)
{
  DdSupervisor *self = user_data;

  if (self->stopped)
    return;
  /* Handed over (or it broke while the capture taking over runs: that one goes on). */
  if (self->next != NULL && source == self->source && dd_source_get_state (self->next) == DD_SOURCE_RUNNING)
    {
      finish_handover (self);
      return;
    }
  self->callbacks->data (self, self->user_data);
  if (error == NULL)
    {
      g_debug ("%s: the stream ended", label (self));
      return;
    }
  self->failures++;
  self->recovered = FALSE;
  say (self, DD_CLIENT_MESSAGE_ERROR, "%s: %s", label (self), error->message);
  /* A capture that ran and broke: the gap starts where it was last known to run. */
  if (dd_source_has_started (source) && self->gap_cause == NULL)
    {
      guint64 start, end;

      self->gap_start = dd_source_get_window (source, &start, &end) ? end : (guint64) dd_clock_real_time_ns ();
      self->gap_cause = g_strdup (error->message);
    }
  if (!dd_source_has_started (source) && !self->policy->keep_going)
    {
      say (self, DD_CLIENT_MESSAGE_HINT,
           _("giving up: a target cannot be reached (--keep-going goes on without it)"));
      self->callbacks->give_up (self, error, self->user_data);
      return;
    }
  self->failed = TRUE;
  self->callbacks->answered (self, self->user_data);
  /* Telling the client it answered may have ended the run (its ready function). */
  if (self->policy->reconnect && dd_source_get_target (source)->kind != DD_TARGET_FILE && !self->departed &&
      !self->stopped)
    {
      self->backoff_ms = self->backoff_ms == 0 ? RETRY_MIN_MS : MIN (self->backoff_ms * 2, RETRY_MAX_MS);
      say (self, DD_CLIENT_MESSAGE_NOTICE, _("%s: reconnecting in %.1f s"), label (self),
           self->backoff_ms / 1000.0);
      self->retry_id = g_timeout_add (self->backoff_ms, retry_cb, self);
    }
}

static const DdSourceCallbacks source_callbacks = {
  .started = source_started_cb,
  .clock = source_clock_cb,
  .data = source_data_cb,
  .ended = source_ended_cb,
};

/* ---- --follow: one capture handing over to another ---------------------------------- */

/* A capture that handed over (or never took over): kept, since the merge may still hold
 * its packets and calls it back; its counts go on in the target's. */
/* @source's packets, bytes, drops and late packets, added to @counts. */
static void
add_counts (DdTargetResult *counts,
            DdSource       *source)
{
  DdMergeInput *input = dd_source_get_input (source);

  counts->packets += dd_source_get_packets (source);
  counts->bytes += dd_source_get_bytes (source);
  counts->drops += dd_source_get_drops (source);
  counts->late += input != NULL ? dd_merge_input_get_late (input) : 0;
}

static void
retire (DdSupervisor *self,
        DdSource     *source)  /* (transfer full) */
{
  dd_source_stop (source);
  add_counts (&self->retired_counts, source);
  if (self->retired == NULL)
    self->retired = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->retired, source);
}

/* A clause to follow once the handover under way is done (or the worker is back); takes
 * both strings. */
static void
want (DdSupervisor *self,
      char         *clause,
      char         *note)
{
  g_free (self->wanted_clause);
  g_free (self->wanted_note);
  self->wanted_clause = clause;
  self->wanted_note = note;
}

/* What was asked for during the handover, now that it is done. */
static void
follow_wanted (DdSupervisor *self)
{
  g_autofree char *clause = g_steal_pointer (&self->wanted_clause);
  g_autofree char *note = g_steal_pointer (&self->wanted_note);

  if (clause != NULL && !self->stopped)
    dd_supervisor_follow (self, clause, note);
}

static void
next_started_cb (DdSource *next,
                 gpointer  user_data)
{
  DdSupervisor *self = user_data;
  guint64 ready = dd_source_get_ready (next);
  DdSource *old = self->source;

  /* A worker that does not say when its capture is ready: from now, its clock as far as
   * it is known (a packet or two either way at the switch). */
  if (ready == 0)
    {
      DdClockEstimate clock;

      ready = (guint64) dd_clock_real_time_ns ();
      if (dd_source_get_clock (next, &clock, NULL))
        ready += (guint64) clock.offset_ns;
    }
  dd_source_keep_from (next, ready);
  self->next_at = ready;
  g_debug ("%s: the capture with the new filter is ready at %" G_GUINT64_FORMAT, label (self), ready);
  if (dd_source_get_state (old) == DD_SOURCE_RUNNING)
    dd_source_keep_until (old, ready);
  else
    {
      /* Not running (retrying, failed): nothing to hand over; the new one takes its place. */
      g_clear_handle_id (&self->retry_id, g_source_remove);
      dd_source_stop (old);
      source_ended_cb (old, NULL, self);
    }
}

static void
next_ended_cb (DdSource     *next,
               const GError *error,
               gpointer      user_data)
{
  DdSupervisor *self = user_data;

  if (self->stopped)
    return;
  /* It failed before it took over: the capture goes on with the filter it had, and the
   * clause is asked for again at the next lookup. */
  say (self, DD_CLIENT_MESSAGE_ERROR, _("%s: the capture with the new filter failed: %s"), label (self),
       error != NULL ? error->message : _("it ended at once"));
  retire (self, g_steal_pointer (&self->next));
  g_clear_pointer (&self->next_clause, g_free);
  g_clear_pointer (&self->next_note, g_free);
  self->callbacks->data (self, self->user_data);
  follow_wanted (self);
}

static const DdSourceCallbacks next_callbacks = {
  .started = next_started_cb,
  .data = source_data_cb,
  .ended = next_ended_cb,
};

static void
start_handover (DdSupervisor *self,
                const char   *clause,
                const char   *note)
{
  DdTarget *target = dd_target_copy_with_filter (self->base, clause);

  g_debug ("%s: a capture with the filter “%s” opens to take over", label (self), clause);
  self->next = dd_source_new_for_target (target, &self->context, &next_callbacks, self);
  self->next_clause = g_strdup (clause);
  self->next_note = g_strdup (note);
  dd_source_start (self->next);
}

/* The old capture reached the switch: the new one is the target's from now on. */
static void
finish_handover (DdSupervisor *self)
{
  DdSource *next = g_steal_pointer (&self->next);

  retire (self, g_steal_pointer (&self->source));
  self->source = next;
  /* Its callbacks are the target's from now on. */
  dd_source_rebind (next, &source_callbacks, self);
  g_free (self->clause);
  self->clause = g_steal_pointer (&self->next_clause);
  if (self->next_note != NULL)
    {
      g_autofree char *at = dd_clock_format_utc (self->next_at);
      g_autofree char *note = g_strdup_printf (_("%s, at %s UTC (the worker's clock)"), self->next_note, at);

      dd_source_write_note (next, note);
    }
  g_clear_pointer (&self->next_note, g_free);
  g_debug ("%s: handed over to the capture with the filter “%s”", label (self), self->clause);
  self->callbacks->data (self, self->user_data);
  follow_wanted (self);
}

void
dd_supervisor_follow (DdSupervisor *self,
                      const char   *clause,
                      const char   *note)
{
  DdTarget *target = dd_supervisor_get_target (self);

  if (target->kind != DD_TARGET_HTTP)
    return;
  if (self->source == NULL)
    {
      /* Not opened yet: it opens with the clause. */
      if (self->base == NULL)
        self->base = g_steal_pointer (&self->target);
      else
        g_clear_pointer (&self->target, dd_target_free);
      self->target = dd_target_copy_with_filter (self->base, clause);
      g_free (self->clause);
      self->clause = g_strdup (clause);
      return;
    }
  if (self->stopped)
    return;
  if (self->next != NULL || self->departed)
    {
      want (self, g_strdup (clause), g_strdup (note));
      return;
    }
  if (g_strcmp0 (clause, self->clause) == 0)
    return;
  if (self->base == NULL)
    self->base = dd_target_copy_with_filter (target, NULL);
  start_handover (self, clause, note);
}


DdSupervisor *
dd_supervisor_new (DdTarget                    *target,
                   const DdSupervisorPolicy    *policy,
                   const DdSupervisorCallbacks *callbacks,
                   gpointer                     user_data,
                   DdClientMessageFunc          message_func,
                   gpointer                     message_data)
{
  DdSupervisor *self = g_new0 (DdSupervisor, 1);

  self->message = message_func;
  self->message_data = message_data;
  self->target = target;
  self->policy = policy;
  self->callbacks = callbacks;
  self->user_data = user_data;
  return self;
}

void
dd_supervisor_free (DdSupervisor *self)
{
  if (self == NULL)
    return;
  dd_supervisor_stop (self);
  g_clear_object (&self->source);
  g_clear_object (&self->next);
  g_clear_pointer (&self->retired, g_ptr_array_unref);
  g_clear_pointer (&self->target, dd_target_free);
  g_clear_pointer (&self->base, dd_target_free);
  g_free (self->gap_cause);
  g_free (self->clause);
  g_free (self->next_clause);
  g_free (self->next_note);
  g_free (self->wanted_clause);
  g_free (self->wanted_note);
  g_free (self);
}

DdTarget *
dd_supervisor_get_target (DdSupervisor *self)
{
  return self->source != NULL ? dd_source_get_target (self->source) : self->target;
}

DdSource *
dd_supervisor_open (DdSupervisor          *self,
                    const DdSourceContext *context)
{
  g_return_val_if_fail (self->source == NULL, self->source);

  self->context = *context;
  self->source = dd_source_new_for_target (g_steal_pointer (&self->target), context, &source_callbacks, self);
  return self->source;
}

DdSource *
dd_supervisor_get_source (DdSupervisor *self)
{
  return self->source;
}

void
dd_supervisor_start (DdSupervisor *self)
{
  dd_source_start (self->source);
}

void
dd_supervisor_stop (DdSupervisor *self)
{
  self->stopped = TRUE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->source != NULL)
    dd_source_stop (self->source);
  if (self->next != NULL)
    dd_source_stop (self->next);
}

gboolean
dd_supervisor_is_done (DdSupervisor *self)
{
  DdSourceState state = dd_source_get_state (self->source);

  return self->retry_id == 0 && (state == DD_SOURCE_ENDED || state == DD_SOURCE_FAILED);
}

/* A handover under way is dropped (the clause is asked for again when it comes back). */
static void
drop_handover (DdSupervisor *self)
{
  if (self->next == NULL)
    return;
  want (self, g_steal_pointer (&self->next_clause), g_steal_pointer (&self->next_note));
  retire (self, g_steal_pointer (&self->next));
}

void
dd_supervisor_depart (DdSupervisor *self,
                      const char   *note)
{
  drop_handover (self);
  self->departed = TRUE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  dd_source_write_note (self->source, note);
  dd_source_stop (self->source);
}

gboolean
dd_supervisor_has_departed (DdSupervisor *self)
{
  return self->departed;
}

void
dd_supervisor_come_back (DdSupervisor *self)
{
  self->departed = FALSE;
  dd_source_start (self->source);
  /* The workload may have moved while it was away. */
  follow_wanted (self);
}

void
dd_supervisor_get_result (DdSupervisor   *self,
                          DdTargetResult *result)
{
  DdSource *source = self->source;
  DdTarget *target = dd_supervisor_get_target (self);

  *result = (DdTargetResult) {
    .label = target->label,
    .host = target->host,
    .failures = self->failures,
    .failed = self->failed,
    .recovered = self->recovered,
    .departed = self->departed,
    .state = DD_TARGET_STATE_WAITING,
  };
  if (source == NULL)
    return;
  result->packets = self->retired_counts.packets;
  result->bytes = self->retired_counts.bytes;
  result->drops = self->retired_counts.drops;
  result->late = self->retired_counts.late;
  add_counts (result, source);
  /* A handover under way when the run ended: its packets were written too. */
  if (self->next != NULL)
    add_counts (result, self->next);
  result->drops_reported = dd_source_has_drop_counts (source);
  result->error = dd_source_get_error (source);
  result->shift_ns = dd_source_get_shift (source);
  result->clock_known = dd_source_get_clock (source, &result->clock, &result->clock_why);
  dd_source_get_latest_clock (source, &result->clock_latest, &result->clock_latest_ns, &result->clock_measures);
  result->window_known = dd_source_get_window (source, &result->start_ns, &result->end_ns);
  if (self->retry_id != 0)
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
