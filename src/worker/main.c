#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dd-capabilities.h"
#include "dd-filter.h"
#include "dd-format.h"
#include "dd-forwarded.h"
#include "dd-log-writer.h"
#include "dd-listen-address.h"
#include "dd-process.h"
#include "dd-options.h"
#include "dd-worker-server.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2

typedef struct {
  GMainLoop      *loop;
  DdWorkerServer *server;
} Worker;

static gboolean
shutdown_done_cb (gpointer user_data)
{
  Worker *worker = user_data;

  g_main_loop_quit (worker->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Worker *worker = user_data;

  g_message ("shutting down: ending every stream");
#if HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
  /* Exit within a second, whatever the clients do. */
  dd_worker_server_shutdown (worker->server, 800, shutdown_done_cb, worker);
  return G_SOURCE_CONTINUE;
}

static void
warn_if_all_capabilities (void)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 effective;

  if (geteuid () != 0 || !g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return;
  line = strstr (status, "\nCapEff:");
  if (line == NULL)
    return;
  effective = g_ascii_strtoull (line + strlen ("\nCapEff:"), NULL, 16);
  /* CAP_SYS_ADMIN (21) stands for "everything": a process limited to CAP_NET_RAW lacks it. */
  if (effective & (G_GUINT64_CONSTANT (1) << 21))
    g_warning ("%s", _("running as root with all capabilities; ddump-worker needs only CAP_NET_RAW "
                       "(run it as a plain user with “setcap cap_net_raw=ep”, or with "
                       "AmbientCapabilities=CAP_NET_RAW in a systemd unit)"));
}

static int
activated_sockets (void)
{
#if HAVE_LIBSYSTEMD
  int n = sd_listen_fds (1);

  if (n < 0)
    {
      g_warning ("socket activation: %s", g_strerror (-n));
      return 0;
    }
  return n;
#else
  if (g_getenv ("LISTEN_FDS") != NULL)
    g_warning ("%s", _("LISTEN_FDS is set, but this ddump-worker was built without libsystemd: "
                       "socket activation is not available"));
  return 0;
#endif
}

int
main (int argc, char **argv)
{
  g_auto(GStrv) listen = NULL;
  gint max_captures = 32;
  gint heartbeat_ms = 100;
  gint buffer_mib = 16;
  gint stream_buffer_mib = 4;
  gint block_timeout_ms = 32;
  gint request_timeout_s = 15;
  gdouble history_s = 0;
  gint history_mib = 64;
  g_autofree char *history_filter = NULL;
  g_autofree char *socket_mode = NULL;
  g_autofree char *socket_group = NULL;
  g_auto(GStrv) trust_proxy = NULL;
  g_autoptr(DdTrustedProxies) trusted = NULL;
  g_autoptr(DdPolicy) policy = NULL;
  gdouble max_duration_s = 0;
  gint max_snaplen = 0;
  gint64 max_bytes = 0;
  gint max_per_client = 0;
  g_autofree char *require_filter = NULL;
  gboolean log_fields = FALSE;
  gboolean early_drop = FALSE, setup_caps = FALSE;
  g_autoptr(GPtrArray) addresses = NULL;  /* of DdListenAddress: --listen, parsed */
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen,
      N_("Listen on ADDR: HOST:PORT, [IPV6]:PORT, :PORT (every address) or unix:PATH; repeatable "
         "(default :8475)"), N_("ADDR") },
    { "max-captures", 0, 0, G_OPTION_ARG_INT, &max_captures,
      N_("Refuse captures beyond N running at once with 503 (default 32)"), N_("N") },
    { "heartbeat", 0, 0, G_OPTION_ARG_INT, &heartbeat_ms,
      N_("Send statistics and a watermark on pcapng streams every MS milliseconds (default 100)"), N_("MS") },
    { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &buffer_mib,
      N_("Kernel capture ring per capture, in MiB (default 16)"), N_("MIB") },
    { "stream-buffer", 0, 0, G_OPTION_ARG_INT, &stream_buffer_mib,
      N_("Bytes queued for a slow client before its capture pauses and the kernel drops, in MiB (default 4)"),
      N_("MIB") },
    { "block-timeout", 0, 0, G_OPTION_ARG_INT, &block_timeout_ms,
      N_("Longest wait of a packet in the kernel ring on a quiet link, in ms (default 32)"), N_("MS") },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &request_timeout_s,
      N_("Close a connection whose request has not arrived after S seconds (default 15)"), N_("S") },
    { "socket-mode", 0, 0, G_OPTION_ARG_STRING, &socket_mode,
      N_("Permissions of unix sockets, in octal (e.g. 0660)"), N_("MODE") },
    { "socket-group", 0, 0, G_OPTION_ARG_STRING, &socket_group,
      N_("Group owning unix sockets (e.g. www-data for nginx)"), N_("GROUP") },
    { "history", 0, 0, G_OPTION_ARG_DOUBLE, &history_s,
      N_("Keep the packets of the last S seconds in memory, so that a capture with since=-S starts in the past (default: none)"), N_("S") },
    { "history-size", 0, 0, G_OPTION_ARG_INT, &history_mib,
      N_("At most this much memory for --history, in MiB (default 64)"), N_("MIB") },
    { "history-filter", 0, 0, G_OPTION_ARG_STRING, &history_filter,
      N_("What --history keeps: a capture filter (default: everything but the worker's own traffic)"), N_("EXPRESSION") },
    { "trust-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &trust_proxy,
      N_("Believe the Forwarded header of the reverse proxy at ADDR (an address, ADDR/LENGTH, or "
         "“unix” for peers on unix sockets), and keep the connection it names out of every capture; "
         "repeatable"), N_("ADDR") },
    { "max-duration", 0, 0, G_OPTION_ARG_DOUBLE, &max_duration_s,
      N_("End every capture after S seconds at most (longer or unlimited requests are clamped)"), N_("S") },
    { "max-snaplen", 0, 0, G_OPTION_ARG_INT, &max_snaplen,
      N_("Capture at most N bytes of each packet (larger requests are clamped)"), N_("N") },
    { "max-bytes", 0, 0, G_OPTION_ARG_INT64, &max_bytes,
      N_("End every capture at N bytes at most (larger or unlimited requests are clamped)"), N_("N") },
    { "max-captures-per-client", 0, 0, G_OPTION_ARG_INT, &max_per_client,
      N_("Refuse a client more than N captures at once, with 429 (a client: the user or certificate a "
         "trusted proxy names, else the peer's address)"), N_("N") },
    { "require-filter", 0, 0, G_OPTION_ARG_STRING, &require_filter,
      N_("AND this capture filter into every capture (e.g. “not port 22”)"), N_("EXPRESSION") },
    { "log-fields", 0, 0, G_OPTION_ARG_NONE, &log_fields,
      N_("Append the audit log's structured fields (DDUMP_CLIENT=…) to its lines on stderr; to the "
         "journal they go anyway"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DdWorkerServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  DdWorkerOptions options;
  Worker worker;
  int n_activated;
  gint64 mode = -1;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ddump-worker");
  /* Debug and info messages go to stdout by default, which may be the capture. */
  g_log_writer_default_set_use_stderr (TRUE);
  signal (SIGPIPE, SIG_IGN);

  {
    /* The original spelled its option "-listen". */
    static const char * const single_dash[] = { "-listen", NULL };

    dd_options_accept_single_dash (argc, argv, single_dash);
  }
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Stream live packet captures of this host over HTTP, for ddump to merge.\n\n"
      "GET /capture?filter=…&snaplen=…&count=…&duration=…&timeout=…&bytes=…&since=-S&\n"
      "             interface=…&format=pcap|pcapng\n"
      "GET /interfaces, GET /metrics, GET /"));
  g_option_context_set_description (context,
    _("ddump-worker needs the CAP_NET_RAW capability, never root. It has no authentication:\n"
      "put it behind a streaming reverse proxy (TLS, client certificates, Basic Auth).\n"
      "Started by systemd with socket activation, it serves the sockets it is given.\n\n"
      "Exit status: 0 after a clean shutdown (SIGINT, SIGTERM), 1 on a usage error,\n"
      "2 when it cannot listen."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (version)
    {
      g_print ("ddump-worker %s (%s)\n", PACKAGE_VERSION, pcap_lib_version ());
      return EXIT_SUCCESS;
    }
  if (argc > 1)
    {
      g_printerr (_("%s: unexpected argument “%s”\n"), g_get_prgname (), argv[1]);
      return EXIT_USAGE;
    }
  if (max_captures < 1 || heartbeat_ms < 1 || buffer_mib < 1 || stream_buffer_mib < 1 ||
      block_timeout_ms < 1 || block_timeout_ms > 1000 || request_timeout_s < 1 || request_timeout_s > 3600 ||
      history_s < 0 || history_s > 86400 || history_mib < 2 || history_mib > 65536)
    {
      g_printerr (_("%s: --max-captures, --heartbeat, --buffer-size and --stream-buffer must be positive, "
                    "--block-timeout from 1 to 1000, --request-timeout from 1 to 3600, "
                    "--history from 0 to 86400, --history-size from 2 to 65536\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (socket_mode != NULL &&
      !g_ascii_string_to_signed (socket_mode, 8, 0, 07777, &mode, NULL))
    {
      g_printerr (_("%s: invalid --socket-mode “%s”: expected an octal mode such as 0660\n"),
                  g_get_prgname (), socket_mode);
      return EXIT_USAGE;
    }
  if (max_duration_s < 0 || max_duration_s > 365 * 86400.0 || max_snaplen < 0 || max_bytes < 0 ||
      max_per_client < 0)
    {
      g_printerr (_("%s: --max-duration, --max-snaplen, --max-bytes and --max-captures-per-client "
                    "cannot be negative\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (require_filter != NULL && !dd_filter_check (require_filter, DD_LINKTYPE_LINUX_SLL2, DD_MAX_SNAPLEN, &error))
    {
      g_printerr ("%s: --require-filter: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  policy = dd_policy_new (&(DdPolicyOptions) {
    .max_duration_ms = (guint64) (max_duration_s * 1000),
    .max_snaplen = (guint32) max_snaplen,
    .max_bytes = (guint64) max_bytes,
    .max_per_identity = (guint) max_per_client,
    .required_filter = require_filter,
  });
  if (log_fields)
    g_log_set_writer_func (dd_log_writer_fields, NULL, NULL);
  trusted = dd_trusted_proxies_new ((const char * const *) trust_proxy, &error);
  if (trusted == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  warn_if_all_capabilities ();
  dd_process_raise_fd_limit ();
  {
    const char *default_listen[] = { ":8475", NULL };
    const char * const *specs = listen != NULL ? (const char * const *) listen : default_listen;
    /* Before GLib starts a thread: every thread after has no more than this. */
    gboolean low_port = FALSE;

    addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_listen_address_free);
    for (gsize i = 0; specs[i] != NULL; i++)
      {
        DdListenAddress *address = dd_listen_address_parse (specs[i], &error);

        if (address == NULL)
          {
            g_printerr ("%s: %s\n", g_get_prgname (), error->message);
            return EXIT_USAGE;
          }
        low_port |= address->kind == DD_LISTEN_TCP && address->port != 0 && address->port < 1024;
        g_ptr_array_add (addresses, address);
      }
    setup_caps = low_port || socket_group != NULL;
    if (!dd_capabilities_limit (low_port, socket_group != NULL, &early_drop, &error) ||
        (setup_caps && !dd_capabilities_start_glib_threads (&error)))
      {
        g_printerr ("%s: %s\n", g_get_prgname (), error->message);
        return EXIT_RUNTIME;
      }
  }

  options = (DdWorkerOptions) {
    .max_captures = (guint) max_captures,
    .heartbeat_ms = (guint) heartbeat_ms,
    .ring_size = (gsize) buffer_mib * 1024 * 1024,
    .stream_buffer = (gsize) stream_buffer_mib * 1024 * 1024,
    .timeout_ms = block_timeout_ms,
    .request_timeout_ms = (guint) request_timeout_s * 1000,
    .socket_mode = (gint) mode,
    .socket_group = socket_group,
    .history_s = history_s,
    .history_bytes = (gsize) history_mib * 1024 * 1024,
    .history_filter = history_filter,
    .trusted_proxies = trusted,
    .policy = policy,
  };
  server = dd_worker_server_new (&options);

  n_activated = activated_sockets ();
  if (n_activated > 0)
    {
#if HAVE_LIBSYSTEMD
      if (listen != NULL)
        g_message ("%s", _("socket-activated: ignoring --listen"));
      for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n_activated; fd++)
        if (!dd_worker_server_listen_fd (server, fd, &error))
          {
            g_printerr ("%s: %s\n", g_get_prgname (), error->message);
            return EXIT_RUNTIME;
          }
#endif
    }
  else
    for (guint i = 0; i < addresses->len; i++)
      if (!dd_worker_server_listen (server, addresses->pdata[i], &error))
        {
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          return EXIT_RUNTIME;
        }
  dd_worker_server_start (server);
  if (!dd_worker_server_start_history (server, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_RUNTIME;
    }
  if (history_s > 0)
    g_message ("keeping the packets of the last %g s (at most %d MiB) for since=", history_s, history_mib);
  {
    gboolean dropped;

    /* Everything that needs more than CAP_NET_RAW is done: the sockets are open. */
    if (!dd_capabilities_keep_net_raw (&dropped, &error))
      {
        g_printerr ("%s: %s\n", g_get_prgname (), error->message);
        return EXIT_RUNTIME;
      }
    if (dropped || early_drop)
      g_message ("every capability but CAP_NET_RAW given up, in every thread");
  }

  {
    g_auto(GStrv) listening = dd_worker_server_describe_listeners (server);

    for (gsize i = 0; listening[i] != NULL; i++)
      g_message ("listening on %s", listening[i]);
  }
  g_message ("own traffic excluded from captures with: %s",
             *dd_worker_server_get_exclusion (server) ? dd_worker_server_get_exclusion (server)
                                                      : "(nothing: unix sockets only)");
  {
    g_autofree char *caps = dd_policy_describe (policy);

    if (caps != NULL)
      g_message ("policy: %s", caps);
  }
  if (trust_proxy != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", trust_proxy);

      g_message ("trusting the Forwarded header of %s: the connection it names is excluded too", joined);
    }

  loop = g_main_loop_new (NULL, FALSE);
  worker.loop = loop;
  worker.server = server;
  g_unix_signal_add (SIGINT, signal_cb, &worker);
  g_unix_signal_add (SIGTERM, signal_cb, &worker);
#if HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
