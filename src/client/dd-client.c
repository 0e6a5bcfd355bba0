#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "dd-client.h"
#include "dd-discovery.h"
#include "dd-http.h"
#include "dd-merger.h"
#include "dd-output.h"
#include "dd-output-map.h"
#include "dd-poip-server.h"
#include "dd-process.h"
#include "dd-source.h"

/* Packets merged per main-loop iteration, so signals and streams are served during a long
 * merge of files. */
#define MERGE_BUDGET 65536
#define STATUS_INTERVAL_MS 250
#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000
/* At the end, PCAP-over-IP clients get this long to read their backlog. */
#define SERVE_CLOSE_MS 5000
/* At the end, a named pipe's reader gets this long to take what it has not read yet. */
#define OUTPUT_GRACE_MS 500

typedef struct _DdClient DdClient;

/* A dns:// or dns+srv:// target, looked up again during the run (--reconnect). */
typedef struct {
  DdClient   *client;
  char       *spec;
  guint       number;    /* its place on the command line, for messages */
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
  gboolean  departed;    /* its name no longer names it: it ended, and is no failure */
} SourceSlot;

struct _DdClient {
  const DdClientOptions *options;
  GMainLoop  *loop;
  DdHttp     *http;
  DdOutput   *output;
  char       *output_label;
  DdPoipServer *server;
  char       *served_on;   /* the addresses, for messages */
  char       *fifo_path;
  gboolean    created_fifo;
  DdOutputMap *map;
  DdMerger   *merger;
  DdMemoryBudget *budget;
  GPtrArray  *slots;
  GPtrArray  *targets;  /* parsed before the sources own them */
  GPtrArray  *origins;  /* the Watched each target came from, or NULL */
  GPtrArray  *specs;    /* each target's text, after discovery */
  GPtrArray  *watched;  /* Watched */
  GResolver  *resolver;
  GCancellable *cancellable;
  guint       resolve_id;
  DdTargetDefaults defaults;
  char       *worker_filter;
  char       *local_filter;
  char       *netrc;
  int         exit_status;
  gboolean    finishing;
  gboolean    output_broken;

  guint       merge_idle_id;
  guint       merge_timer_id;
  gint64      merge_deadline;
  guint       fifo_id;
  guint       duration_id;
  guint       status_id;
  guint       grace_id;
  guint       sigint_id;
  guint       sigterm_id;

  gboolean    status_on_tty;
  gboolean    status_shown;
  guint64     status_written;
  gint64      status_time;
  gdouble     status_rate;
};

static void finish (DdClient *self, int status);
static void schedule_merge (DdClient *self);

/* ---- messages ------------------------------------------------------------------------ */

static void
clear_status (DdClient *self)
{
  if (self->status_shown)
    {
      fputs ("\r\033[K", stderr);
      self->status_shown = FALSE;
    }
}

static void G_GNUC_PRINTF (2, 3)
message (DdClient   *self,
         const char *format,
         ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  clear_status (self);
  g_printerr ("%s: %s\n", g_get_prgname (), text);
}

static const char *
state_name (SourceSlot *slot)
{
  if (slot->retry_id != 0)
    return _("retrying");
  switch (dd_source_get_state (slot->source))
    {
    case DD_SOURCE_CONNECTING: return _("connecting");
    case DD_SOURCE_RUNNING: return _("live");
    case DD_SOURCE_ENDED: return _("ended");
    case DD_SOURCE_FAILED: return _("failed");
    case DD_SOURCE_IDLE:
    default: return _("waiting");
    }
}

static gboolean
status_cb (gpointer user_data)
{
  DdClient *self = user_data;
  g_autoptr(GString) line = g_string_new (NULL);
  guint64 written = dd_merger_get_written (self->merger);
  guint64 drops = 0;
  gint64 now = g_get_monotonic_time ();
  struct winsize ws = { 0 };
  gsize width = 120;

  if (self->status_time != 0 && now > self->status_time)
    self->status_rate = (gdouble) (written - self->status_written) * G_USEC_PER_SEC /
                        (gdouble) (now - self->status_time);
  self->status_written = written;
  self->status_time = now;
  for (guint i = 0; i < self->slots->len; i++)
    drops += dd_source_get_drops (((SourceSlot *) self->slots->pdata[i])->source);

  g_string_append_printf (line, _("%" G_GUINT64_FORMAT " packets, %.0f/s, %" G_GUINT64_FORMAT
                                  " dropped, %" G_GUINT64_FORMAT " late |"),
                          written, self->status_rate, drops, dd_merger_get_late (self->merger));
  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];

      g_string_append_printf (line, " %s:%s", dd_source_get_target (slot->source)->host,
                              state_name (slot));
    }
  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
    width = ws.ws_col - 1;
  if (line->len > width)
    g_string_truncate (line, width);
  fprintf (stderr, "\r\033[K%s", line->str);
  fflush (stderr);
  self->status_shown = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
print_summary (DdClient *self)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];
      DdSource *source = slot->source;
      DdMergeInput *input = dd_source_get_input (source);
      const GError *error = dd_source_get_error (source);
      g_autofree char *size = g_format_size (dd_source_get_bytes (source));
      g_autofree char *drops = dd_source_has_drop_counts (source)
        ? g_strdup_printf (_("%" G_GUINT64_FORMAT " dropped by the kernel"), dd_source_get_drops (source))
        : g_strdup (_("drops not reported"));
      g_autofree char *state = error != NULL
        ? g_strdup_printf (_("failed: %s"), error->message)
        : g_strdup (state_name (slot));

      message (self, _("%s: %" G_GUINT64_FORMAT " packets (%s), %s, %" G_GUINT64_FORMAT " late, %u errors; %s"),
               dd_source_get_target (source)->label, dd_source_get_packets (source), size, drops,
               input != NULL ? dd_merge_input_get_late (input) : 0, slot->failures, state);
    }
  message (self, _("%" G_GUINT64_FORMAT " packets written to %s, %" G_GUINT64_FORMAT " of them late"),
           dd_merger_get_written (self->merger), self->output_label, dd_merger_get_late (self->merger));
}

/* ---- the merge ----------------------------------------------------------------------- */

static gboolean
write_cb (const DdPacket *packet,
          DdMergeInput        *input,
          gboolean             late,
          gpointer             user_data)
{
  DdClient *self = user_data;

  if (!dd_output_write_packet (self->output, packet->interface_id, packet->ts, packet->caplen,
                               packet->origlen, packet->flags, packet->data))
    return FALSE;
  return self->options->count == 0 || dd_merger_get_written (self->merger) < self->options->count;
}

/* FALSE when the output is gone: the run is over. */
static gboolean
flush_output (DdClient *self)
{
  g_autoptr(GError) error = NULL;

  if (dd_output_flush (self->output, &error))
    return TRUE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    {
      /* The reader has what it wanted (| tcpdump -c 5): not an error. */
      self->output_broken = TRUE;
      finish (self, DD_EXIT_OK);
    }
  else
    {
      message (self, "%s: %s", self->output_label, error->message);
      self->output_broken = TRUE;
      finish (self, DD_EXIT_FAILED);
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
  deadline = dd_merger_run (self->merger, now, MERGE_BUDGET, &more);
  if (!flush_output (self))
    return G_SOURCE_REMOVE;
  if (dd_output_is_blocked (self->output))
    return G_SOURCE_REMOVE;
  if (dd_merger_is_stopped (self->merger))
    {
      finish (self, DD_EXIT_OK);  /* -c reached */
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
      finish (self, self->exit_status);
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

static void
source_started_cb (DdSource *source,
                   gpointer  user_data)
{
  SourceSlot *slot = user_data;

  slot->backoff_ms = 0;
  g_debug ("%s: capturing", dd_source_get_target (source)->label);
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
  message (self, "%s: %s", target->label, error->message);
  if (!dd_source_has_started (source) && !self->options->keep_going)
    {
      if (!self->options->extcap)
        message (self, _("giving up: a target cannot be reached (--keep-going goes on without it)"));
      finish (self, DD_EXIT_FAILED);
      return;
    }
  slot->failed = TRUE;
  if (self->options->reconnect && target->kind != DD_TARGET_FILE && !slot->departed)
    {
      slot->backoff_ms = slot->backoff_ms == 0 ? RETRY_MIN_MS : MIN (slot->backoff_ms * 2, RETRY_MAX_MS);
      message (self, _("%s: reconnecting in %.1f s"), target->label, slot->backoff_ms / 1000.0);
      slot->retry_id = g_timeout_add (slot->backoff_ms, retry_cb, slot);
    }
}

static const DdSourceCallbacks source_callbacks = {
  .started = source_started_cb,
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
  g_free (slot);
}

/* ---- start and end ------------------------------------------------------------------- */

static SourceSlot *
add_slot (DdClient *self,
          DdTarget *target)  /* (transfer full) */
{
  SourceSlot *slot = g_new0 (SourceSlot, 1);

  slot->client = self;
  DdSourceContext context = {
    .merger = self->merger,
    .map = self->map,
    .budget = self->budget,
    .http = self->http,
    .connect_timeout_s = self->options->connect_timeout_s,
  };

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

static void
join (Watched    *watched,
      const char *url)
{
  DdClient *self = watched->client;
  g_autoptr(GError) error = NULL;
  DdTarget *target = dd_target_parse (url, &self->defaults, &error);
  g_autofree char *note = NULL;
  g_autofree char *stamp = NULL;
  SourceSlot *slot;

  if (target != NULL && self->netrc != NULL &&
      !dd_target_apply_netrc (target, self->netrc, self->options->netrc_file != NULL, &error))
    g_clear_pointer (&target, dd_target_free);
  if (target == NULL)
    {
      message (self, _("target %u: %s"), watched->number, error->message);
      return;
    }
  message (self, _("target %u: %s joined"), watched->number, target->label);
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
          message (watched->client, _("target %u: %s is back"), watched->number,
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
      message (watched->client, _("target %u: %s left"), watched->number,
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

static void
begin (DdClient *self)
{
  dd_output_set_server (self->output, self->server);
  self->map = dd_output_map_new (self->output);
  for (guint i = 0; i < self->targets->len; i++)
    {
      SourceSlot *slot = add_slot (self, g_steal_pointer (&self->targets->pdata[i]));
      Watched *watched = self->origins->pdata[i];

      if (watched != NULL)
        g_hash_table_insert (watched->slots, g_strdup (self->specs->pdata[i]), slot);
      dd_output_map_expect (self->map, dd_source_get_expected_linktype (slot->source));
    }
  dd_output_map_begin (self->map, _("merged by ddump"));
  /* The header goes out at once: the reader knows the capture is on. */
  if (!flush_output (self))
    return;
  for (guint i = 0; i < self->slots->len && !self->finishing; i++)
    dd_source_start (((SourceSlot *) self->slots->pdata[i])->source);
  if (self->finishing)
    return;
  if (self->options->reconnect && self->watched->len > 0 && self->http != NULL)
    self->resolve_id = g_timeout_add_seconds (MAX (self->options->resolve_interval_s, 1), resolve_cb, self);
  if (self->status_on_tty)
    self->status_id = g_timeout_add (STATUS_INTERVAL_MS, status_cb, self);
  schedule_merge (self);
}

static void
quit (DdClient *self)
{
  g_clear_handle_id (&self->grace_id, g_source_remove);
  g_main_loop_quit (self->loop);
}

static gboolean
grace_cb (gpointer user_data)
{
  DdClient *self = user_data;

  self->grace_id = 0;
  message (self, _("%s: the reader stopped reading; %" G_GSIZE_FORMAT " bytes of the capture were not written"),
           self->output_label, dd_output_get_backlog (self->output));
  self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
  quit (self);
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
    quit (self);
  return G_SOURCE_REMOVE;
}

static void
finish (DdClient *self,
        int       status)
{
  if (self->finishing)
    return;
  self->finishing = TRUE;
  self->exit_status = MAX (self->exit_status, status);
  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];

      /* A stream that failed makes the run fail, unless its worker left the fleet. */
      if (slot->failed && !slot->departed)
        self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
    }
  g_clear_handle_id (&self->resolve_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->merge_idle_id, g_source_remove);
  g_clear_handle_id (&self->merge_timer_id, g_source_remove);
  g_clear_handle_id (&self->fifo_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->status_id, g_source_remove);

  for (guint i = 0; i < self->slots->len; i++)
    {
      SourceSlot *slot = self->slots->pdata[i];

      g_clear_handle_id (&slot->retry_id, g_source_remove);
      dd_source_stop (slot->source);
    }
  if (self->output != NULL && !self->output_broken)
    {
      /* What was received goes out, in order, then the final statistics (or, when no
       * stream ever came, pcap's header: still a valid, empty capture). */
      dd_merger_drain (self->merger);
      if (self->map != NULL)
        dd_output_map_end (self->map);
      flush_output (self);
    }
  clear_status (self);
  if (!self->options->quiet && self->slots->len > 0)
    print_summary (self);
  if (self->output != NULL && dd_output_is_blocked (self->output))
    {
      /* A named pipe whose reader is behind: it gets a moment to catch up, then we go. */
      self->grace_id = g_timeout_add (OUTPUT_GRACE_MS, grace_cb, self);
      return;
    }
  quit (self);
}

static gboolean
signal_cb (gpointer user_data)
{
  DdClient *self = user_data;

  finish (self, DD_EXIT_OK);
  return G_SOURCE_CONTINUE;
}

static gboolean
duration_cb (gpointer user_data)
{
  DdClient *self = user_data;

  self->duration_id = 0;
  finish (self, DD_EXIT_OK);
  return G_SOURCE_REMOVE;
}

static gboolean
open_fifo_cb (gpointer user_data)
{
  DdClient *self = user_data;
  int fd = open (self->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0 && errno == ENXIO)
    return G_SOURCE_CONTINUE;  /* no reader yet */
  self->fifo_id = 0;
  if (fd < 0)
    {
      int saved = errno;

      message (self, _("cannot open the named pipe %s: %s"), self->fifo_path, g_strerror (saved));
      finish (self, DD_EXIT_FAILED);
      return G_SOURCE_REMOVE;
    }
  /* A slow reader holds the merge, which holds the streams; one that stops reading never
   * blocks the main loop (signals, PCAP-over-IP clients). */
  self->output = dd_output_new (fd, TRUE, self->options->format);
  dd_output_set_nonblocking (self->output, output_writable_cb, self);
  begin (self);
  return G_SOURCE_REMOVE;
}

/* Opens the output, or arranges for the FIFO to be opened. Returns an exit status. */
static int
open_output (DdClient *self)
{
  const DdClientOptions *options = self->options;
  const char *path = options->fifo_path != NULL ? options->fifo_path : options->write_path;
  gboolean is_fifo = FALSE;
  struct stat st;
  int fd;

  if (options->output_fd >= 0)
    {
      self->output_label = g_strdup (path);
      /* Wireshark's pipe, which we opened: the same as --fifo. */
      self->output = dd_output_new (options->output_fd, TRUE, options->format);
      dd_output_set_nonblocking (self->output, output_writable_cb, self);
      return DD_EXIT_OK;
    }
  if (path == NULL && self->server != NULL)
    {
      self->output_label = g_strdup_printf (_("PCAP-over-IP on %s"), self->served_on);
      self->output = dd_output_new (-1, FALSE, options->format);
      return DD_EXIT_OK;
    }
  if (path == NULL || strcmp (path, "-") == 0)
    {
      if (isatty (STDOUT_FILENO))
        {
          message (self, _("will not write a binary capture to a terminal: pipe it "
                           "(ddump … | tcpdump -nr -) or use -w FILE"));
          return DD_EXIT_USAGE;
        }
      self->output_label = g_strdup (_("stdout"));
      self->output = dd_output_new (STDOUT_FILENO, FALSE, options->format);
      return DD_EXIT_OK;
    }

  self->output_label = g_strdup (path);
  if (stat (path, &st) == 0)
    {
      if (!S_ISFIFO (st.st_mode) && options->fifo_path != NULL)
        {
          message (self, _("%s exists and is not a named pipe"), path);
          return DD_EXIT_USAGE;
        }
      is_fifo = S_ISFIFO (st.st_mode);
    }
  else if (errno == ENOENT && options->fifo_path != NULL)
    {
      if (mkfifo (path, 0600) != 0)
        {
          int saved = errno;

          message (self, _("cannot create the named pipe %s: %s"), path, g_strerror (saved));
          return DD_EXIT_FAILED;
        }
      self->created_fifo = TRUE;
      is_fifo = TRUE;
    }
  if (is_fifo)
    {
      self->fifo_path = g_strdup (path);
      if (!options->quiet)
        message (self, _("waiting for a reader on %s (e.g. wireshark -k -i %s)"), path, path);
      self->fifo_id = g_timeout_add (100, open_fifo_cb, self);
      return DD_EXIT_OK;
    }
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      message (self, _("cannot write %s: %s"), path, g_strerror (saved));
      return DD_EXIT_FAILED;
    }
  self->output = dd_output_new (fd, TRUE, options->format);
  return DD_EXIT_OK;
}

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

/* ---- PCAP-over-IP out ---------------------------------------------------------------- */

static GBytes *
serve_preamble_cb (gpointer user_data)
{
  DdClient *self = user_data;

  if (self->output == NULL || self->finishing)
    return NULL;  /* the header is still to come: the client gets it with the first chunk */
  /* What is buffered goes to the clients already there, not to this one. */
  flush_output (self);
  return dd_output_get_preamble (self->output);
}

static void
serve_report_cb (const char *text,
                 gpointer    user_data)
{
  message (user_data, "%s", text);
}

static const DdPoipServerFuncs serve_funcs = {
  .preamble = serve_preamble_cb,
  .report = serve_report_cb,
};

/* Listens on every --serve address; @exclusion gets a filter that leaves their traffic
 * out of the workers' captures (a worker on this host would capture what we serve). */
/* The targets, with each dns:// and dns+srv:// one replaced by the workers it names now. A
 * name that names none is a failed target: the run fails, or goes on without it under
 * --keep-going. */
static GPtrArray *
expand_discovery (DdClient *self,
                  int      *status)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func (g_free);

  for (char **spec = self->options->targets; *spec != NULL; spec++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) urls = NULL;
      guint number = (guint) (spec - self->options->targets) + 1;
      Watched *watched = NULL;

      if (!dd_discovery_handles (*spec))
        {
          g_ptr_array_add (specs, g_strdup (*spec));
          g_ptr_array_add (self->origins, NULL);
          continue;
        }
      urls = dd_discovery_resolve (self->resolver, *spec, NULL, &error);
      if (urls == NULL)
        {
          /* Only the position: the text may hold a password. */
          message (self, _("target %u: %s"), (guint) (spec - self->options->targets) + 1, error->message);
          if (g_error_matches (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID))
            *status = DD_EXIT_USAGE;
          else if (!self->options->keep_going)
            *status = DD_EXIT_FAILED;
          else
            self->exit_status = DD_EXIT_FAILED;
          continue;
        }
      if (!self->options->quiet)
        message (self, g_dngettext (GETTEXT_PACKAGE, "target %u: %u worker found",
                                    "target %u: %u workers found", g_strv_length (urls)),
                 number, g_strv_length (urls));
      if (self->options->reconnect)
        {
          watched = g_new0 (Watched, 1);
          watched->client = self;
          watched->spec = g_strdup (*spec);
          watched->number = number;
          watched->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_ptr_array_add (self->watched, watched);
        }
      for (char **url = urls; *url != NULL; url++)
        {
          g_ptr_array_add (specs, g_steal_pointer (url));
          g_ptr_array_add (self->origins, watched);
        }
    }
  if (specs->len == 0 && *status == DD_EXIT_OK)
    {
      message (self, "%s", _("no worker to capture from"));
      *status = DD_EXIT_FAILED;
    }
  return specs;
}

/* One descriptor per target, and a few for the output, the loop and the libraries. */
static int
check_fd_limit (DdClient *self,
                guint     n_targets)
{
  guint64 limit = dd_process_raise_fd_limit ();

  if (limit == 0 || (guint64) n_targets + 64 <= limit)
    return DD_EXIT_OK;
  message (self, _("%u targets need about %u open files, and the limit is %" G_GUINT64_FORMAT
                   " (raise it with “ulimit -n”, or LimitNOFILE= in a unit)"),
           n_targets, n_targets + 64, limit);
  return DD_EXIT_USAGE;
}

static int
start_serving (DdClient *self,
               GString  *exclusion)
{
  g_autoptr(GPtrArray) bound = g_ptr_array_new_with_free_func (g_free);

  self->server = dd_poip_server_new (&serve_funcs, self);
  for (char **spec = self->options->serve; *spec != NULL; spec++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DdListenAddress) address = dd_listen_address_parse (*spec, &error);
      char *described;
      guint16 port;

      if (address == NULL)
        {
          message (self, _("--serve %s: %s"), *spec, error->message);
          return DD_EXIT_USAGE;
        }
      described = dd_poip_server_listen (self->server, address, &port, &error);
      if (described == NULL)
        {
          message (self, "%s", error->message);
          return DD_EXIT_FAILED;
        }
      g_ptr_array_add (bound, described);
      if (port != 0)
        g_string_append_printf (exclusion, "%snot tcp port %u", exclusion->len > 0 ? " and " : "", port);
    }
  g_ptr_array_add (bound, NULL);
  self->served_on = g_strjoinv (", ", (char **) bound->pdata);
  if (!self->options->quiet)
    message (self, _("serving PCAP-over-IP on %s"), self->served_on);
  return DD_EXIT_OK;
}

int
dd_client_run (const DdClientOptions *options)
{
  DdClient client = { 0 };
  DdClient *self = &client;
  g_autoptr(GString) exclusion = g_string_new (NULL);
  gboolean any_http = FALSE;
  int status;

  self->options = options;
  self->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_target_free);
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  self->origins = g_ptr_array_new ();
  self->watched = g_ptr_array_new_with_free_func ((GDestroyNotify) watched_free);
  self->resolver = g_resolver_get_default ();
  self->cancellable = g_cancellable_new ();
  if (options->netrc_file != NULL)
    self->netrc = g_strdup (options->netrc_file);
  else if (options->netrc)
    self->netrc = g_build_filename (g_get_home_dir (), ".netrc", NULL);

  status = DD_EXIT_OK;
  if (options->serve != NULL && options->serve[0] != NULL)
    status = start_serving (self, exclusion);
  self->worker_filter = dd_filter_and (exclusion->str, options->and_filter);
  self->defaults.filter = options->filter;
  self->defaults.interfaces = (const char * const *) options->interfaces;
  self->defaults.snaplen = options->snaplen;
  self->defaults.and_filter = self->worker_filter;
  /* Files and PCAP-over-IP streams cannot filter at their source: ddump does it. */
  self->local_filter = dd_filter_and (options->filter, options->and_filter);
  if (status == DD_EXIT_OK)
    {
      self->specs = expand_discovery (self, &status);
      if (status == DD_EXIT_OK)
        status = check_fd_limit (self, self->specs->len);
    }
  for (guint i = 0; self->specs != NULL && i < self->specs->len && status == DD_EXIT_OK; i++)
    {
      g_autoptr(GError) error = NULL;
      DdTarget *target = dd_target_parse (self->specs->pdata[i], &self->defaults, &error);

      if (target == NULL)
        {
          /* Only the position: the text may hold a password. */
          message (self, _("target %u: %s"), i + 1, error->message);
          status = DD_EXIT_USAGE;
          break;
        }
      g_ptr_array_add (self->targets, target);
      any_http |= target->kind == DD_TARGET_HTTP;
      if (target->kind != DD_TARGET_HTTP)
        target->filter = g_strdup (self->local_filter);
      if (self->netrc != NULL && !dd_target_apply_netrc (target, self->netrc, options->netrc_file != NULL, &error))
        {
          message (self, "%s", error->message);
          status = DD_EXIT_USAGE;
        }
    }
  disambiguate (self->targets);

  if (status == DD_EXIT_OK && any_http)
    {
      g_autoptr(GError) error = NULL;

      self->http = dd_http_new (options->ca_file, options->cert_file, options->key_file,
                                options->connect_timeout_s, &error);
      if (self->http == NULL)
        {
          message (self, "%s", error->message);
          status = DD_EXIT_USAGE;
        }
    }

  self->merger = dd_merger_new ((gint64) options->max_delay_ms * 1000, write_cb, self);
  /* The inputs' chunks and queues get five eighths of --memory; the rest is for what an
   * input reads past its share while the merge waits for it, and for the program itself:
   * libraries, connections, the heap's free memory, the output's buffer. */
  self->budget = dd_memory_budget_new ((gsize) options->memory_mib * 1024 * 1024 / 8 * 5);
  self->loop = g_main_loop_new (NULL, FALSE);
  self->status_on_tty = !options->quiet && isatty (STDERR_FILENO);
  if (status == DD_EXIT_OK)
    status = open_output (self);
  if (status == DD_EXIT_OK)
    {
      self->sigint_id = g_unix_signal_add (SIGINT, signal_cb, self);
      self->sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, self);
      if (options->duration_s > 0)
        self->duration_id = g_timeout_add ((guint) (options->duration_s * 1000), duration_cb, self);
      if (self->output != NULL)
        begin (self);
      if (!self->finishing)
        g_main_loop_run (self->loop);
      status = self->exit_status;
      g_clear_handle_id (&self->sigint_id, g_source_remove);
      g_clear_handle_id (&self->sigterm_id, g_source_remove);
      g_clear_handle_id (&self->grace_id, g_source_remove);
    }
  if (self->server != NULL)
    {
      dd_poip_server_close (self->server, SERVE_CLOSE_MS);
      if (!options->quiet && self->slots->len > 0)
        message (self, _("PCAP-over-IP: %u clients served, %" G_GUINT64_FORMAT " packets lost to full backlogs"),
                 dd_poip_server_get_n_served (self->server), dd_poip_server_get_lost (self->server));
    }

  g_clear_handle_id (&self->resolve_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_ptr_array_unref (self->slots);
  g_ptr_array_unref (self->targets);
  g_ptr_array_unref (self->origins);
  g_ptr_array_unref (self->watched);
  g_clear_pointer (&self->specs, g_ptr_array_unref);
  g_object_unref (self->resolver);
  g_object_unref (self->cancellable);
  g_free (self->worker_filter);
  g_free (self->local_filter);
  g_free (self->netrc);
  dd_merger_free (self->merger);
  g_debug ("input memory: at most %zu KiB of the %zu KiB allowed by --memory",
           dd_memory_budget_get_peak (self->budget) / 1024, dd_memory_budget_get_limit (self->budget) / 1024);
  dd_memory_budget_unref (self->budget);
  dd_output_map_free (self->map);
  dd_output_free (self->output);
  dd_poip_server_free (self->server);
  g_free (self->served_on);
  dd_http_free (self->http);
  if (self->created_fifo)
    g_unlink (self->fifo_path);
  g_free (self->fifo_path);
  g_free (self->output_label);
  g_main_loop_unref (self->loop);
  return status;
}
