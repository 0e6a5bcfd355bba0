#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>
#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dd-capabilities.h"
#include "dd-listen-address.h"
#include "dd-log-writer.h"
#include "dd-options.h"
#include "dd-process.h"
#include "dd-worker-run.h"
#include "dd-worker-server.h"

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

/* Before GLib starts a thread: every thread after has no more than what is kept here. */
static gboolean
limit_capabilities (DdWorkerArgs  *args,
                    gboolean      *early_drop,
                    GError       **error)
{
  gboolean low_port = FALSE;

  for (guint i = 0; i < args->addresses->len; i++)
    {
      DdListenAddress *address = args->addresses->pdata[i];

      low_port |= address->kind == DD_LISTEN_TCP && address->port != 0 && address->port < 1024;
    }
  if (!dd_capabilities_limit (low_port, args->socket_group != NULL, early_drop, error))
    return FALSE;
  return !(low_port || args->socket_group != NULL) || dd_capabilities_start_glib_threads (error);
}

/* --listen's addresses, or the sockets systemd passed. */
static gboolean
listen_all (DdWorkerServer  *server,
            DdWorkerArgs    *args,
            GError         **error)
{
  int n_activated = activated_sockets ();

  if (n_activated > 0)
    {
#if HAVE_LIBSYSTEMD
      if (args->listen != NULL)
        g_message ("%s", _("socket-activated: ignoring --listen"));
      for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n_activated; fd++)
        if (!dd_worker_server_listen_fd (server, fd, error))
          return FALSE;
#endif
      return TRUE;
    }
  for (guint i = 0; i < args->addresses->len; i++)
    if (!dd_worker_server_listen (server, args->addresses->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* What the worker runs with, for the log. */
static void
log_setup (DdWorkerServer *server,
           DdWorkerArgs   *args)
{
  g_auto(GStrv) listening = dd_worker_server_describe_listeners (server);
  g_autofree char *caps = dd_policy_describe (args->policy);
  const char *exclusion = dd_worker_server_get_exclusion (server);

  if (args->history_s > 0)
    g_message ("keeping the packets of the last %g s (at most %d MiB) for since=", args->history_s, args->history_mib);
  for (gsize i = 0; listening[i] != NULL; i++)
    g_message ("listening on %s", listening[i]);
  g_message ("own traffic excluded from captures with: %s", *exclusion ? exclusion : "(nothing: unix sockets only)");
  if (caps != NULL)
    g_message ("policy: %s", caps);
  if (args->tls_keylog != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", args->tls_keylog);

      g_message ("sending the TLS secrets of %s in pcapng captures (a ClientHello waits %d ms for its own)",
                 joined, args->tls_keylog_wait_ms);
    }
  if (args->trust_proxy != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", args->trust_proxy);

      g_message ("trusting the Forwarded header of %s: the connection it names is excluded too", joined);
    }
}

int
dd_worker_run (DdWorkerArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DdWorkerServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  DdWorkerOptions options;
  Worker worker;
  gboolean early_drop = FALSE, dropped = FALSE;

  if (args->log_fields)
    g_log_set_writer_func (dd_log_writer_fields, NULL, NULL);
  if (args->verbose)
    g_log_set_debug_enabled (TRUE);
  warn_if_all_capabilities ();
  dd_process_raise_fd_limit ();
  if (!limit_capabilities (args, &early_drop, &error))
    return dd_options_fail (DD_WORKER_EXIT_RUNTIME, "%s", error->message);

  options = (DdWorkerOptions) {
    .max_captures = (guint) args->max_captures,
    .heartbeat_ms = (guint) args->heartbeat_ms,
    .ring_size = (gsize) args->buffer_mib * 1024 * 1024,
    .stream_buffer = (gsize) args->stream_buffer_mib * 1024 * 1024,
    .timeout_ms = args->block_timeout_ms,
    .request_timeout_ms = (guint) args->request_timeout_s * 1000,
    .socket_mode = args->mode,
    .socket_group = args->socket_group,
    .history_s = args->history_s,
    .history_bytes = (gsize) args->history_mib * 1024 * 1024,
    .history_filter = args->history_filter,
    .trusted_proxies = args->trusted,
    .policy = args->policy,
    .tls_keylog = args->tls_keylog,
    .tls_keylog_wait_ms = (guint) args->tls_keylog_wait_ms,
  };
  server = dd_worker_server_new (&options);
  if (!listen_all (server, args, &error))
    return dd_options_fail (DD_WORKER_EXIT_RUNTIME, "%s", error->message);
  dd_worker_server_start (server);
  if (!dd_worker_server_start_history (server, &error) ||
      /* Everything that needs more than CAP_NET_RAW is done: the sockets are open. */
      !dd_capabilities_keep_net_raw (&dropped, &error))
    return dd_options_fail (DD_WORKER_EXIT_RUNTIME, "%s", error->message);
  if (dropped || early_drop)
    g_message ("every capability but CAP_NET_RAW given up, in every thread");
  log_setup (server, args);

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
