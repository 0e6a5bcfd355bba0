#include "config.h"

#include <inttypes.h>
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

#include "dd-cli.h"
#include "dd-exit-status.h"
#include "dd-stream-parser.h"
#include "dd-filter.h"
#include "dd-journey-html.h"
#include "dd-journey-report.h"
#include "dd-listen-address.h"
#include "dd-output.h"
#include "dd-poip-server.h"

#define STATUS_INTERVAL_MS 250
/* Wireshark's status bar shows a message for a while only: the missing targets are told
 * again at this interval. */
#define CONTROL_INTERVAL_S 10
/* At the end, PCAP-over-IP clients get this long to read their backlog. */
#define SERVE_CLOSE_MS 5000

typedef struct {
  const DdCliOptions *options;
  GMainLoop    *loop;
  DdClient     *client;
  DdOutput     *output;
  char         *output_label;
  DdPoipServer *server;
  char         *served_on;   /* the addresses, for messages */
  char         *fifo_path;
  gboolean      created_fifo;
  int           exit_status;
  gboolean      running;     /* the client runs */
  gboolean      ending;

  guint         fifo_id;
  guint         status_id;
  guint         control_id;
  guint         sigint_id;
  guint         sigterm_id;

  gboolean      status_on_tty;
  gboolean      status_shown;
  guint64       status_written;
  gint64        status_time;
  gdouble       status_rate;
} DdCli;

static void end (DdCli *self);

/* ---- messages ------------------------------------------------------------------------ */

static void
clear_status (DdCli *self)
{
  if (self->status_shown)
    {
      fputs ("\r\033[K", stderr);
      self->status_shown = FALSE;
    }
}

static void G_GNUC_PRINTF (2, 3)
message (DdCli      *self,
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

static void
client_message_cb (DdClientMessage  kind,
                   const char      *text,
                   gpointer         user_data)
{
  DdCli *self = user_data;

  /* What happens to the workers, while it happens: Wireshark shows stderr only once the
   * capture stopped. */
  if (self->options->control != NULL && (kind == DD_CLIENT_MESSAGE_ERROR || kind == DD_CLIENT_MESSAGE_NOTICE))
    dd_extcap_control_report (self->options->control, text, TRUE);
  /* Wireshark shows stderr as an error dialog: errors only. */
  if ((kind == DD_CLIENT_MESSAGE_INFO && self->options->quiet) ||
      (kind == DD_CLIENT_MESSAGE_HINT && self->options->extcap))
    return;
  message (self, "%s", text);
}

static const char *
state_name (DdTargetState state)
{
  switch (state)
    {
    case DD_TARGET_STATE_RETRYING: return _("retrying");
    case DD_TARGET_STATE_CONNECTING: return _("connecting");
    case DD_TARGET_STATE_LIVE: return _("live");
    case DD_TARGET_STATE_ENDED: return _("ended");
    case DD_TARGET_STATE_FAILED: return _("failed");
    case DD_TARGET_STATE_WAITING:
    default: return _("waiting");
    }
}

static gboolean
status_cb (gpointer user_data)
{
  DdCli *self = user_data;
  g_autoptr(GString) line = g_string_new (NULL);
  guint64 written = dd_client_get_written (self->client);
  guint64 drops = 0;
  guint n = dd_client_get_n_targets (self->client);
  gint64 now = g_get_monotonic_time ();
  struct winsize ws = { 0 };
  gsize width = 120;
  DdTargetResult result;

  if (self->status_time != 0 && now > self->status_time)
    self->status_rate = (gdouble) (written - self->status_written) * G_USEC_PER_SEC /
                        (gdouble) (now - self->status_time);
  self->status_written = written;
  self->status_time = now;
  for (guint i = 0; i < n; i++)
    {
      dd_client_get_result (self->client, i, &result);
      drops += result.drops;
    }
  g_string_append_printf (line, _("%" PRIu64 " packets, %.0f/s, %" PRIu64
                                  " dropped, %" PRIu64 " late |"),
                          written, self->status_rate, drops, dd_client_get_late (self->client));
  for (guint i = 0; i < n; i++)
    {
      dd_client_get_result (self->client, i, &result);
      g_string_append_printf (line, " %s:%s", result.host, state_name (result.state));
      /* The latest measure of its clock. */
      if (result.clock_measures > 0 || result.clock_known)
        g_string_append_printf (line, "(%+.1fms)",
                                (double) (result.clock_measures > 0 ? result.clock_latest : result.clock).offset_ns / 1e6);
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

/* A worker's clock, for the summary; NULL for inputs without one. */
static char *
describe_clock (const DdTargetResult *result)
{
  g_autofree char *offset = NULL;
  g_autofree char *start = NULL;
  g_autofree char *latest = NULL;
  g_autofree char *when = NULL;

  if (!result->clock_known)
    return result->clock_why != NULL ? g_strdup_printf (_("clock offset unknown: %s"), result->clock_why) : NULL;
  offset = dd_clock_estimate_format (&result->clock);
  start = result->shift_ns != 0
    ? g_strdup_printf (_("clock offset %s, timestamps shifted by %+.3f ms"), offset, (double) result->shift_ns / 1e6)
    : g_strdup_printf (_("clock offset %s"), offset);
  if (result->clock_measures == 0)
    return g_steal_pointer (&start);
  latest = dd_clock_estimate_format (&result->clock_latest);
  when = dd_clock_format_utc (result->clock_latest_ns);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s; %s at %s UTC, the last of %u measure during the capture",
                                       "%s; %s at %s UTC, the last of %u measures during the capture",
                                       result->clock_measures),
                          start, latest, when, result->clock_measures);
}

/* When every target was capturing at once: the part of the merge that shows them all. */
static void
print_window (DdCli *self)
{
  guint64 start, end, spread;
  guint n = dd_client_get_n_targets (self->client);

  if (dd_client_get_common_window (self->client, &start, &end, &spread))
    {
      g_autofree char *from = dd_clock_format_utc (start);
      g_autofree char *to = dd_clock_format_utc (end);

      message (self, _("all %u targets were capturing from %s to %s UTC (%.3f s); their captures began %.3f s apart"),
               n, from, to, (double) (end - start) / 1e9, (double) spread / 1e9);
    }
  else if (start > end)
    message (self, _("the %u targets were never all capturing at once"), n);
}

/* Said once, even with -q: what the inputs had and the output could not keep (what pcapng
 * says not to copy is left out by design, and said only without -q). */
static void
print_losses (DdCli *self)
{
  DdOutputLosses losses;
  guint64 cannot = 0;

  dd_client_get_output_losses (self->client, &losses);
  if (losses.packet_options > 0)
    message (self, _("not kept: the comments and other options of %" PRIu64 " packets "
                     "(pcap has no place for them; -F pcapng keeps them)"), losses.packet_options);
  if (losses.blocks > 0)
    message (self, _("not kept: %" PRIu64 " name resolution, decryption secrets and custom blocks "
                     "(pcap has no place for them; -F pcapng keeps them)"), losses.blocks);
  cannot = losses.left_out.cannot_copy + losses.too_large;
  if (cannot > 0)
    message (self, _("not kept: %" PRIu64 " options and blocks that could not be copied (unknown ones "
                     "and custom blocks from a file in the other byte order, blocks above %u KiB)"),
             cannot, DD_STREAM_PARSER_MAX_UNIT / 1024);
  if (losses.left_out.not_to_copy > 0 && !self->options->quiet)
    message (self, _("left out: %" PRIu64 " options and blocks that pcapng says not to copy"),
             losses.left_out.not_to_copy);
}

/* --journey: the table (but with -q), and the JSON report when a file was given. */
static void
print_journey (DdCli *self)
{
  DdJourney *journey = dd_client_get_journey (self->client);
  g_autoptr(GError) error = NULL;

  if (journey == NULL)
    return;
  if (!self->options->quiet)
    {
      g_autofree char *text = dd_journey_report_text (journey);
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
        message (self, "%s", lines[i]);
    }
  if (self->options->journey_file != NULL &&
      !dd_journey_report_write_json (journey, self->options->journey_file, &error))
    {
      message (self, _("cannot write the journey to %s: %s"), self->options->journey_file, error->message);
      self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
      g_clear_error (&error);
    }
  if (self->options->journey_html != NULL && !dd_journey_html_write (journey, self->options->journey_html, &error))
    {
      message (self, _("cannot write the journey to %s: %s"), self->options->journey_html, error->message);
      self->exit_status = MAX (self->exit_status, DD_EXIT_FAILED);
    }
}

static void
print_summary (DdCli *self)
{
  guint n = dd_client_get_n_targets (self->client);

  for (guint i = 0; i < n; i++)
    {
      DdTargetResult result;
      g_autofree char *size = NULL;
      g_autofree char *drops = NULL;
      g_autofree char *state = NULL;
      g_autofree char *line = NULL;
      g_autofree char *clock = NULL;

      dd_client_get_result (self->client, i, &result);
      clock = describe_clock (&result);
      size = g_format_size (result.bytes);
      drops = result.drops_reported
        ? g_strdup_printf (_("%" PRIu64 " dropped by the kernel"), result.drops)
        : g_strdup (_("drops not reported"));
      state = result.error != NULL
        ? g_strdup_printf (_("failed: %s"), result.error->message)
        : g_strdup (state_name (result.state));
      line = g_strdup_printf (_("%s: %" PRIu64 " packets (%s), %s, %" PRIu64 " late, %u errors; %s"),
                              result.label, result.packets, size, drops, result.late, result.failures, state);
      if (clock != NULL)
        message (self, "%s; %s", line, clock);
      else
        message (self, "%s", line);
    }
  if (n > 1)
    print_window (self);
  if (n > 0)
    message (self, _("%" PRIu64 " packets written to %s, %" PRIu64 " of them late"),
             dd_client_get_written (self->client), self->output_label, dd_client_get_late (self->client));
  switch (dd_client_get_end (self->client))
    {
    case DD_CLIENT_END_COUNT:
      message (self, _("stopped: --count reached"));
      break;
    case DD_CLIENT_END_DURATION:
      message (self, _("stopped: --duration reached"));
      break;
    case DD_CLIENT_END_TIMEOUT:
      message (self, _("stopped: no packet for the --timeout"));
      break;
    case DD_CLIENT_END_BYTES:
      message (self, _("stopped: --bytes reached"));
      break;
    default:
      break;
    }
}

/* ---- the run ------------------------------------------------------------------------- */

static void
served_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  DdCli *self = user_data;

  dd_poip_server_close_finish (self->server, result, NULL);
  if (!self->options->quiet && dd_client_get_n_targets (self->client) > 0)
    message (self, _("PCAP-over-IP: %u clients served, %" PRIu64 " packets lost to full backlogs"),
             dd_poip_server_get_n_served (self->server), dd_poip_server_get_lost (self->server));
  g_main_loop_quit (self->loop);
}

/* Everything is written (or lost with its reader): PCAP-over-IP clients get their backlog,
 * then the loop ends. */
static void
end (DdCli *self)
{
  if (self->ending)
    return;
  self->ending = TRUE;
  g_clear_handle_id (&self->fifo_id, g_source_remove);
  g_clear_handle_id (&self->status_id, g_source_remove);
  g_clear_handle_id (&self->control_id, g_source_remove);
  clear_status (self);
  if (self->server != NULL)
    dd_poip_server_close_async (self->server, SERVE_CLOSE_MS, served_cb, self);
  else
    g_main_loop_quit (self->loop);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  DdCli *self = user_data;
  g_autoptr(GError) error = NULL;
  int status;

  dd_client_run_finish (self->client, result, &error);
  status = dd_exit_status_for_run (self->client, error);

  self->running = FALSE;
  self->exit_status = MAX (self->exit_status, status);
  clear_status (self);
  if (!self->options->quiet)
    print_summary (self);
  print_losses (self);
  print_journey (self);
  end (self);
}

static void
start (DdCli *self)
{
  dd_output_set_server (self->output, self->server);
  dd_client_set_output (self->client, self->output);
  dd_client_set_output_label (self->client, self->output_label);
  self->running = TRUE;
  dd_client_run_async (self->client, NULL, run_cb, self);
  if (self->status_on_tty && self->running)
    self->status_id = g_timeout_add (STATUS_INTERVAL_MS, status_cb, self);
}

static gboolean
signal_cb (gpointer user_data)
{
  DdCli *self = user_data;

  if (self->running)
    dd_client_stop (self->client);
  else
    end (self);  /* still waiting for a reader */
  return G_SOURCE_CONTINUE;
}

/* ---- the output ---------------------------------------------------------------------- */

static gboolean
open_fifo_cb (gpointer user_data)
{
  DdCli *self = user_data;
  int fd = open (self->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0 && errno == ENXIO)
    return G_SOURCE_CONTINUE;  /* no reader yet */
  self->fifo_id = 0;
  if (fd < 0)
    {
      int saved = errno;

      message (self, _("cannot open the named pipe %s: %s"), self->fifo_path, g_strerror (saved));
      self->exit_status = DD_EXIT_FAILED;
      end (self);
      return G_SOURCE_REMOVE;
    }
  /* A slow reader holds the merge, which holds the streams; one that stops reading never
   * blocks the main loop (signals, PCAP-over-IP clients). */
  self->output = dd_output_new (fd, TRUE, self->options->format);
  dd_output_set_nonblocking (self->output);
  start (self);
  return G_SOURCE_REMOVE;
}

/* Opens the output, or arranges for the FIFO to be opened. Returns an exit status. */
static int
open_output (DdCli *self)
{
  const DdCliOptions *options = self->options;
  const char *path = options->fifo_path != NULL ? options->fifo_path : options->write_path;
  gboolean is_fifo = FALSE;
  struct stat st;
  int fd;

  if (options->fifo_when_ready)
    {
      /* Given its fd by ready_cb (): until then the merge waits. */
      self->output_label = g_strdup (path);
      self->output = dd_output_new (-1, FALSE, options->format);
      dd_output_set_pending (self->output);
      return DD_EXIT_OK;
    }
  if (options->output_fd >= 0)
    {
      self->output_label = g_strdup (path);
      /* Wireshark's pipe, which we opened: the same as --fifo. */
      self->output = dd_output_new (options->output_fd, TRUE, options->format);
      dd_output_set_nonblocking (self->output);
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

/* ---- PCAP-over-IP out ---------------------------------------------------------------- */

static GBytes *
serve_preamble_cb (gpointer user_data)
{
  DdCli *self = user_data;

  if (self->output == NULL || !self->running)
    return NULL;  /* the header is still to come: the client gets it with the first chunk */
  /* What is buffered goes to the clients already there, not to this one; a failure to
   * write is the client's to see at its next flush. */
  dd_output_flush (self->output, NULL);
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

/* Listens on every --serve address. */
static int
start_serving (DdCli *self)
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
    }
  g_ptr_array_add (bound, NULL);
  self->served_on = g_strjoinv (", ", (char **) bound->pdata);
  if (!self->options->quiet)
    message (self, _("serving PCAP-over-IP on %s"), self->served_on);
  return DD_EXIT_OK;
}

/* In Wireshark's status bar: how many targets the capture has; with @always FALSE, only
 * when some are missing. */
static void
report_targets (DdCli    *self,
                gboolean  always)
{
  guint n = dd_client_get_n_targets (self->client);
  guint live = 0;
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      DdTargetResult result;

      dd_client_get_result (self->client, i, &result);
      if (result.state == DD_TARGET_STATE_LIVE || result.state == DD_TARGET_STATE_ENDED)
        live++;
      else
        g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "", result.label);
    }
  if (missing->len == 0 && !always)
    return;
  if (missing->len == 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "capturing from %u target",
                                         "capturing from all %u targets", n), n);
  else
    text = g_strdup_printf (_("capturing from %u of %u targets; missing: %s"), live, n, missing->str);
  /* The first time in the log window too. */
  dd_extcap_control_report (self->options->control, text, always);
}

static gboolean
control_cb (gpointer user_data)
{
  report_targets (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

/* Every target answered: the capture goes into Wireshark's pipe from now on. */
static void
ready_cb (gpointer user_data)
{
  DdCli *self = user_data;

  if (self->options->fifo_when_ready)
    dd_output_attach_fd (self->output, self->options->output_fd, TRUE);
  if (self->options->control != NULL)
    {
      report_targets (self, TRUE);
      self->control_id = g_timeout_add_seconds (CONTROL_INTERVAL_S, control_cb, self);
    }
}

int
dd_cli_run (const DdCliOptions *options)
{
  DdCli cli = { 0 };
  DdCli *self = &cli;
  DdClientOptions client_options = options->client;
  g_autofree char *own_traffic = NULL;
  int status = DD_EXIT_OK;

  self->options = options;
  self->loop = g_main_loop_new (NULL, FALSE);
  self->status_on_tty = !options->quiet && isatty (STDERR_FILENO);
  if (options->serve != NULL && options->serve[0] != NULL)
    {
      status = start_serving (self);
      /* A worker on this host would capture what we serve. */
      own_traffic = dd_filter_sockets (dd_poip_server_get_addresses (self->server));
      client_options.own_traffic = own_traffic;
    }
  client_options.ready_func = ready_cb;
  client_options.ready_data = self;
  self->client = dd_client_new (&client_options, client_message_cb, self);
  if (status == DD_EXIT_OK)
    {
      g_autoptr(GError) error = NULL;

      if (!dd_client_set_targets (self->client, (const char * const *) options->targets, &error))
        {
          message (self, "%s", error->message);
          status = dd_exit_status_for_error (error);
        }
    }
  if (status == DD_EXIT_OK)
    status = open_output (self);
  if (status == DD_EXIT_OK)
    {
      self->sigint_id = g_unix_signal_add (SIGINT, signal_cb, self);
      self->sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, self);
      if (self->output != NULL)
        start (self);
      g_main_loop_run (self->loop);
      status = self->exit_status;
      g_clear_handle_id (&self->sigint_id, g_source_remove);
      g_clear_handle_id (&self->sigterm_id, g_source_remove);
    }

  g_clear_object (&self->client);
  dd_output_free (self->output);
  dd_poip_server_free (self->server);
  g_free (self->served_on);
  if (self->created_fifo)
    g_unlink (self->fifo_path);
  g_free (self->fifo_path);
  g_free (self->output_label);
  g_main_loop_unref (self->loop);
  return status;
}
