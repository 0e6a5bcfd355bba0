#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dd-filter.h"
#include "dd-format.h"
#include "dd-listen-address.h"
#include "dd-options.h"
#include "dd-worker-args.h"

void
dd_worker_args_init (DdWorkerArgs *args)
{
  *args = (DdWorkerArgs) {
    .max_captures = 32,
    .heartbeat_ms = 100,
    .buffer_mib = 16,
    .stream_buffer_mib = 4,
    .block_timeout_ms = 32,
    .request_timeout_s = 15,
    .history_mib = 64,
    .tls_keylog_wait_ms = 1000,
    .mode = -1,
  };
}

void
dd_worker_args_clear (DdWorkerArgs *args)
{
  g_clear_pointer (&args->listen, g_strfreev);
  g_clear_pointer (&args->history_filter, g_free);
  g_clear_pointer (&args->socket_mode, g_free);
  g_clear_pointer (&args->socket_group, g_free);
  g_clear_pointer (&args->trust_proxy, g_strfreev);
  g_clear_pointer (&args->require_filter, g_free);
  g_clear_pointer (&args->tls_keylog, g_strfreev);
  g_clear_pointer (&args->no_secrets_for, g_strfreev);
  g_clear_pointer (&args->rest, g_strfreev);
  g_clear_pointer (&args->addresses, g_ptr_array_unref);
  g_clear_pointer (&args->trusted, dd_trusted_proxies_free);
  g_clear_pointer (&args->policy, dd_policy_free);
}

GOptionContext *
dd_worker_args_context (DdWorkerArgs *args)
{
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &args->listen,
      N_("Listen on ADDR: HOST:PORT, [IPV6]:PORT, :PORT (every address) or unix:PATH; repeatable "
         "(default :8475)"), N_("ADDR") },
    { "max-captures", 0, 0, G_OPTION_ARG_INT, &args->max_captures,
      N_("Refuse captures beyond N running at once with 503 (default 32)"), N_("N") },
    { "heartbeat", 0, 0, G_OPTION_ARG_INT, &args->heartbeat_ms,
      N_("Send statistics and a watermark on pcapng streams every MS milliseconds (default 100)"), N_("MS") },
    { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &args->buffer_mib,
      N_("Kernel capture ring per capture, in MiB (default 16)"), N_("MIB") },
    { "stream-buffer", 0, 0, G_OPTION_ARG_INT, &args->stream_buffer_mib,
      N_("Bytes queued for a slow client before its capture pauses and the kernel drops, in MiB (default 4)"),
      N_("MIB") },
    { "block-timeout", 0, 0, G_OPTION_ARG_INT, &args->block_timeout_ms,
      N_("Longest wait of a packet in the kernel ring on a quiet link, in ms (default 32)"), N_("MS") },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &args->request_timeout_s,
      N_("Close a connection whose request has not arrived after S seconds (default 15)"), N_("S") },
    { "socket-mode", 0, 0, G_OPTION_ARG_STRING, &args->socket_mode,
      N_("Permissions of unix sockets, in octal (e.g. 0660)"), N_("MODE") },
    { "socket-group", 0, 0, G_OPTION_ARG_STRING, &args->socket_group,
      N_("Group owning unix sockets (e.g. www-data for nginx)"), N_("GROUP") },
    { "history", 0, 0, G_OPTION_ARG_DOUBLE, &args->history_s,
      N_("Keep the packets of the last S seconds in memory, so that a capture with since=-S starts in the past (default: none)"), N_("S") },
    { "history-size", 0, 0, G_OPTION_ARG_INT, &args->history_mib,
      N_("At most this much memory for --history, in MiB (default 64)"), N_("MIB") },
    { "history-filter", 0, 0, G_OPTION_ARG_STRING, &args->history_filter,
      N_("What --history keeps: a capture filter (default: everything but the worker's own traffic)"), N_("EXPRESSION") },
    { "trust-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->trust_proxy,
      N_("Believe the Forwarded header of the reverse proxy at ADDR (an address, ADDR/LENGTH, or "
         "“unix” for peers on unix sockets), and keep the connection it names out of every capture; "
         "repeatable"), N_("ADDR") },
    { "max-duration", 0, 0, G_OPTION_ARG_DOUBLE, &args->max_duration_s,
      N_("End every capture after S seconds at most (longer or unlimited requests are clamped)"), N_("S") },
    { "max-snaplen", 0, 0, G_OPTION_ARG_INT, &args->max_snaplen,
      N_("Capture at most N bytes of each packet (larger requests are clamped)"), N_("N") },
    { "max-bytes", 0, 0, G_OPTION_ARG_INT64, &args->max_bytes,
      N_("End every capture at N bytes at most (larger or unlimited requests are clamped)"), N_("N") },
    { "max-captures-per-client", 0, 0, G_OPTION_ARG_INT, &args->max_per_client,
      N_("Refuse a client more than N captures at once, with 429 (a client: the user or certificate a "
         "trusted proxy names, else the peer's address)"), N_("N") },
    { "require-filter", 0, 0, G_OPTION_ARG_STRING, &args->require_filter,
      N_("AND this capture filter into every capture (e.g. “not port 22”)"), N_("EXPRESSION") },
    { "tls-keylog", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->tls_keylog,
      N_("Follow the TLS key log FILE (SSLKEYLOGFILE's format) and send its lines in every pcapng capture, "
         "so that Wireshark decrypts the sessions; repeatable (default: no secrets are sent)"), N_("FILE") },
    { "tls-keylog-wait", 0, 0, G_OPTION_ARG_INT, &args->tls_keylog_wait_ms,
      N_("With --tls-keylog: hold a capture's watermark up to MS milliseconds after a TLS ClientHello "
         "for its secrets to be written, so that they come before it (default 1000)"), N_("MS") },
    { "no-secrets-for", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->no_secrets_for,
      N_("Never send the --tls-keylog secrets to CLIENT, named as the audit log names clients "
         "(DDUMP_CLIENT: “user alice”, “certificate CN=…”, or an address); repeatable"), N_("CLIENT") },
    { "log-fields", 0, 0, G_OPTION_ARG_NONE, &args->log_fields,
      N_("Append the audit log's structured fields (DDUMP_CLIENT=…) to its lines on stderr; to the "
         "journal they go anyway"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args->verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &args->version, N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->rest, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (NULL);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Copied: the table may go. */
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
  return context;
}

gboolean
dd_worker_args_check (DdWorkerArgs  *args,
                      GError       **error)
{
  const char *default_listen[] = { ":8475", NULL };
  const char * const *specs = args->listen != NULL ? (const char * const *) args->listen : default_listen;
  g_autoptr(GError) local = NULL;
  gint64 mode;

  if (args->rest != NULL && args->rest[0] != NULL)
    return dd_options_bad_value (error, _("unexpected argument “%s”"), args->rest[0]);
  if (args->max_captures < 1 || args->heartbeat_ms < 1 || args->buffer_mib < 1 || args->stream_buffer_mib < 1 ||
      args->block_timeout_ms < 1 || args->block_timeout_ms > 1000 || args->request_timeout_s < 1 ||
      args->request_timeout_s > 3600 || args->history_s < 0 || args->history_s > 86400 ||
      args->history_mib < 2 || args->history_mib > 65536)
    return dd_options_bad_value (error, _("--max-captures, --heartbeat, --buffer-size and --stream-buffer must be positive, "
                               "--block-timeout from 1 to 1000, --request-timeout from 1 to 3600, "
                               "--history from 0 to 86400, --history-size from 2 to 65536"));
  if (args->socket_mode != NULL && !g_ascii_string_to_signed (args->socket_mode, 8, 0, 07777, &mode, NULL))
    return dd_options_bad_value (error, _("invalid --socket-mode “%s”: expected an octal mode such as 0660"), args->socket_mode);
  args->mode = args->socket_mode != NULL ? (gint) mode : -1;
  if (args->max_duration_s < 0 || args->max_duration_s > 365 * 86400.0 || args->max_snaplen < 0 ||
      args->max_bytes < 0 || args->max_per_client < 0)
    return dd_options_bad_value (error, _("--max-duration, --max-snaplen, --max-bytes and --max-captures-per-client "
                               "cannot be negative"));
  if (args->tls_keylog_wait_ms < 0 || args->tls_keylog_wait_ms > 60000)
    return dd_options_bad_value (error, _("--tls-keylog-wait from 0 to 60000"));
  for (gsize i = 0; args->tls_keylog != NULL && args->tls_keylog[i] != NULL; i++)
    {
      const char *path = args->tls_keylog[i];

      /* Not there yet is fine: its writer may start later. */
      if (*path == '\0' || g_file_test (path, G_FILE_TEST_IS_DIR) ||
          (g_file_test (path, G_FILE_TEST_EXISTS) && g_access (path, R_OK) != 0))
        return dd_options_bad_value (error, _("--tls-keylog “%s”: not a file this worker can read"), path);
    }
  if (args->require_filter != NULL &&
      !dd_filter_check (args->require_filter, DD_LINKTYPE_LINUX_SLL2, DD_MAX_SNAPLEN, &local))
    return dd_options_bad_value (error, "--require-filter: %s", local->message);
  args->trusted = dd_trusted_proxies_new ((const char * const *) args->trust_proxy, error);
  if (args->trusted == NULL)
    return FALSE;
  args->addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_listen_address_free);
  for (gsize i = 0; specs[i] != NULL; i++)
    {
      DdListenAddress *address = dd_listen_address_parse (specs[i], error);

      if (address == NULL)
        return FALSE;
      g_ptr_array_add (args->addresses, address);
    }
  args->policy = dd_policy_new (&(DdPolicyOptions) {
    .max_duration_ms = (guint64) (args->max_duration_s * 1000),
    .max_snaplen = (guint32) args->max_snaplen,
    .max_bytes = (guint64) args->max_bytes,
    .max_per_identity = (guint) args->max_per_client,
    .required_filter = args->require_filter,
    .no_secrets_for = (const char * const *) args->no_secrets_for,
  });
  return TRUE;
}
