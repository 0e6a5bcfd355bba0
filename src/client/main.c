#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dd-cli.h"
#include "dd-extcap.h"
#include "dd-options.h"
#include "dd-process.h"
#include "dd-target.h"

/* Splits every item of @lists at @separators, leaving out empty pieces. */
static GStrv
split_all (const char * const *lists,
           const char         *separators)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (const char * const *list = lists; list != NULL && *list != NULL; list++)
    {
      g_auto(GStrv) pieces = g_strsplit_set (*list, separators, -1);

      for (char **piece = pieces; *piece != NULL; piece++)
        if (**piece != '\0')
          g_strv_builder_add (builder, *piece);
    }
  return g_strv_builder_end (builder);
}

static void
empty_is_unset (char **value)
{
  if (*value != NULL && **value == '\0')
    g_clear_pointer (value, g_free);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) targets = NULL;
  g_auto(GStrv) interfaces = NULL;
  g_auto(GStrv) serve = NULL;
  g_auto(GStrv) target_lists = NULL;
  g_auto(GStrv) target_files = NULL;
  g_auto(GStrv) all_targets = NULL;
  g_auto(GStrv) all_interfaces = NULL;
  g_auto(DdExtcapArgs) extcap = { 0 };
  int status;
  g_autofree char *write_path = NULL, *fifo_path = NULL, *format = NULL, *filter = NULL;
  g_autofree char *ca = NULL, *cert = NULL, *key = NULL, *netrc_file = NULL;
  gint snaplen = 0, max_delay = 1000, connect_timeout = 10, memory = 256, resolve_interval = 30;
  gint max_skew = DD_CLIENT_MAX_SKEW_MS, clock_interval = DD_CLIENT_CLOCK_INTERVAL_S;
  gint64 count = 0;
  gdouble duration = 0, timeout = 0, since = 0;
  gint64 bytes = 0;
  g_auto(GStrv) comments = NULL;
  gboolean reconnect = FALSE, keep_going = FALSE, quiet = FALSE, verbose = FALSE;
  gboolean netrc = FALSE, version = FALSE, clock_sync = FALSE, heartbeats = FALSE, sync_start = FALSE;
  DdCliOptions options = { .output_fd = -1 };
  const GOptionEntry entries[] = {
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &write_path,
      N_("Write the merged capture to FILE (- for stdout, the default; an existing named pipe is waited on)"), N_("FILE") },
    { "fifo", 0, 0, G_OPTION_ARG_FILENAME, &fifo_path,
      N_("Write to the named pipe PATH, created when missing (wireshark -k -i PATH reads it)"), N_("PATH") },
    { "serve", 0, 0, G_OPTION_ARG_STRING_ARRAY, &serve,
      N_("Serve the merged capture as PCAP-over-IP to TCP clients on ADDRESS, [HOST]:PORT (repeatable; without -w or --fifo nothing goes to stdout)"), N_("ADDRESS") },
    { "format", 'F', 0, G_OPTION_ARG_STRING, &format,
      N_("Output format: pcap (the default) or pcapng (per-host interface names, drop statistics)"), N_("FORMAT") },
    { "filter", 'f', 0, G_OPTION_ARG_STRING, &filter,
      N_("Capture filter (BPF) for every worker whose URL sets none; ddump applies it itself to files and tcp:// streams"), N_("EXPRESSION") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &interfaces,
      N_("Capture only on this interface of each worker whose URL sets none (repeatable)"), N_("NAME") },
    { "snaplen", 's', 0, G_OPTION_ARG_INT, &snaplen,
      N_("Bytes to keep of each packet, for workers whose URL sets none (default: the worker's, 262144)"), N_("BYTES") },
    { "count", 'c', 0, G_OPTION_ARG_INT64, &count,
      N_("Stop after writing N packets"), N_("N") },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration,
      N_("Stop after S seconds"), N_("S") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout,
      N_("Stop once S seconds pass without a packet"), N_("S") },
    { "bytes", 0, 0, G_OPTION_ARG_INT64, &bytes,
      N_("Stop at the packet with which the capture, headers included, reaches N bytes"), N_("N") },
    { "since", 0, 0, G_OPTION_ARG_DOUBLE, &since,
      N_("Start S seconds in the past: workers started with --history send what they kept (written -S, e.g. --since -30)"), N_("-S") },
    { "comment", 0, 0, G_OPTION_ARG_STRING_ARRAY, &comments,
      N_("pcapng: a comment for the capture's section header (repeatable)"), N_("TEXT") },
    { "max-delay", 0, 0, G_OPTION_ARG_INT, &max_delay,
      N_("Longest wait, in milliseconds, for a stream without heartbeats before merging without it (default 1000)"), N_("MS") },
    { "memory", 0, 0, G_OPTION_ARG_INT, &memory,
      N_("Mebibytes the inputs may hold, all together, before the ones furthest ahead stop being read (default 256)"), N_("MIB") },
    { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &connect_timeout,
      N_("Seconds to wait for a worker to answer (default 10)"), N_("S") },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect,
      N_("Reconnect to a worker whose stream fails, with backoff"), NULL },
    { "resolve-interval", 0, 0, G_OPTION_ARG_INT, &resolve_interval,
      N_("With --reconnect: seconds between lookups of dns:// and dns+srv:// targets, whose new workers join (default 30)"), N_("S") },
    { "keep-going", 'k', 0, G_OPTION_ARG_NONE, &keep_going,
      N_("Go on when a target cannot be reached at the start"), NULL },
    { "clock-sync", 0, 0, G_OPTION_ARG_NONE, &clock_sync,
      N_("Shift each worker's packets by how far its clock is off this host's (measured with GET /clock) before the merge"), NULL },
    { "sync-start", 0, 0, G_OPTION_ARG_NONE, &sync_start,
      N_("Start the merged capture when every worker's capture runs (at most --connect-timeout later), leaving out what came before"), NULL },
    { "heartbeats", 0, 0, G_OPTION_ARG_NONE, &heartbeats,
      N_("pcapng: write the workers' statistics as they come (once a second), not only one final block per interface; the default with --serve"), NULL },
    { "max-skew", 0, 0, G_OPTION_ARG_INT, &max_skew,
      N_("Warn of a worker whose clock is off this host's by more than MS milliseconds (default 100)"), N_("MS") },
    { "clock-interval", 0, 0, G_OPTION_ARG_INT, &clock_interval,
      N_("Measure each worker's clock again every S seconds during its capture, when the worker is reached directly (default 30; 0: only as its stream opens)"), N_("S") },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca,
      N_("Trust the certificate authorities in FILE (PEM) instead of the system's"), N_("FILE") },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert,
      N_("Client certificate (PEM, full chain allowed) for mutual TLS; needs --key"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key,
      N_("Private key (PEM) of the client certificate"), N_("FILE") },
    { "netrc-file", 0, 0, G_OPTION_ARG_FILENAME, &netrc_file,
      N_("Read user names and passwords from this netrc file"), N_("FILE") },
    { "netrc", 'n', 0, G_OPTION_ARG_NONE, &netrc,
      N_("Read user names and passwords from ~/.netrc"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("No live status line and no summary"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "targets", 0, 0, G_OPTION_ARG_STRING_ARRAY, &target_lists,
      N_("More targets, separated by spaces (Wireshark's configuration dialog sets this)"), N_("LIST") },
    { "targets-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &target_files,
      N_("More targets, one per line, # for comments (- reads them from stdin); repeatable"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &targets, NULL, N_("TARGET…") },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ddump");
  /* Debug and info messages go to stdout by default, which may be the capture. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* A reader that goes away is EPIPE on write, handled as the end of the run. */
  signal (SIGPIPE, SIG_IGN);

  {
    /* The original spelled these with one dash. */
    static const char * const single_dash[] = { "-ca", "-cert", "-key", NULL };

    dd_options_accept_single_dash (argc, argv, single_dash);
  }
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
    _("Capture on many hosts at once and merge the captures in time order.\n\n"
      "A TARGET is a worker, http(s)://[USER[:PASSWORD]@]HOST[:PORT][/PATH][?QUERY]\n"
      "(port 8475 and path /capture by default; the query is passed on: filter,\n"
      "interface, snaplen, count, duration, timeout, bytes, since), tcp://HOST:PORT (a PCAP-over-IP\n"
      "server), a pcap/pcapng file, or - for stdin."));
  g_option_context_set_description (context,
    _("Examples:\n"
      "  ddump http://web1 http://web2 -f 'tcp port 443' | tcpdump -nr -\n"
      "  ddump -F pcapng --fifo /tmp/ddump https://user@db1:8443 & wireshark -k -i /tmp/ddump\n"
      "  ddump http://web1 http://web2 --serve 127.0.0.1:57012 & tshark -i TCP@127.0.0.1:57012\n\n"
      "Exit status: 0 when all went well (also when the reader of the output went away),\n"
      "1 on a usage error, 2 when a target failed or a named pipe's reader stopped reading,\n"
      "3 when every target that failed was reconnected (the capture marks the gaps)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  dd_extcap_add_options (context, &extcap);
  dd_extcap_drop_unknown_options (&argc, argv, entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return DD_EXIT_USAGE;
    }
  if (version)
    {
      g_print ("ddump %s\n", PACKAGE_VERSION);
      return DD_EXIT_OK;
    }
  status = dd_extcap_answer_query (&extcap);
  if (status >= 0)
    return status;
  /* Wireshark leaves fields the user did not fill empty. */
  empty_is_unset (&ca);
  empty_is_unset (&cert);
  empty_is_unset (&key);
  empty_is_unset (&netrc_file);
  options.fifo_path = fifo_path;
  status = dd_extcap_setup_capture (&extcap, &options);
  if (status >= 0)
    return status;
  {
    /* Positional targets, then those of --targets. */
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) listed = split_all ((const char * const *) target_lists, " \t\r\n");

    for (char **t = targets; t != NULL && *t != NULL; t++)
      g_strv_builder_add (builder, *t);
    g_strv_builder_addv (builder, (const char **) listed);
    for (char **f = target_files; f != NULL && *f != NULL; f++)
      {
        g_auto(GStrv) read = dd_target_read_list (*f, &error);

        if (read == NULL)
          {
            g_printerr ("%s: %s\n", g_get_prgname (), error->message);
            return DD_EXIT_USAGE;
          }
        g_strv_builder_addv (builder, (const char **) read);
      }
    all_targets = g_strv_builder_end (builder);
    if (target_files != NULL && g_strv_contains ((const char * const *) target_files, "-") &&
        g_strv_contains ((const char * const *) all_targets, "-"))
      {
        g_printerr (_("%s: stdin cannot be both the list of targets and a capture\n"), g_get_prgname ());
        return DD_EXIT_USAGE;
      }
  }
  if (all_targets[0] == NULL)
    {
      if (extcap.capture)
        g_printerr (_("%s: no workers to capture from: give their URLs in the interface options "
                      "(Workers)\n"), g_get_prgname ());
      else
        g_printerr (_("%s: no target given (try --help)\n"), g_get_prgname ());
      return DD_EXIT_USAGE;
    }
  dd_process_keep_heap (16 * 1024 * 1024);
  all_interfaces = split_all ((const char * const *) interfaces, ", \t");
  if ((cert == NULL) != (key == NULL))
    {
      g_printerr (_("%s: --cert and --key go together\n"), g_get_prgname ());
      return DD_EXIT_USAGE;
    }
  if (format != NULL && !dd_format_from_string (format, &options.format))
    {
      g_printerr (_("%s: unknown format “%s”: use pcap or pcapng\n"), g_get_prgname (), format);
      return DD_EXIT_USAGE;
    }
  if (snaplen < 0 || snaplen > (gint) DD_MAX_SNAPLEN || max_delay < 0 || max_delay > 600000 ||
      count < 0 || duration < 0 || timeout < 0 || bytes < 0 || connect_timeout < 0 || since > 0 ||
      memory < 1 || memory > 1048576 || max_skew < 1 || clock_interval < 0 || clock_interval > 86400 ||
      resolve_interval < 1 || resolve_interval > 86400)
    {
      g_printerr (_("%s: out of range: --snaplen from 1 to %u, --max-delay from 0 to 600000, "
                    "--memory from 1 to 1048576, --resolve-interval from 1 to 86400, --max-skew from 1, "
                    "--clock-interval from 0 to 86400, "
                    "--count, --duration, --timeout, --bytes and --connect-timeout not negative, "
                    "--since negative (seconds back: --since -30)\n"),
                  g_get_prgname (), DD_MAX_SNAPLEN);
      return DD_EXIT_USAGE;
    }
  if (comments != NULL && options.format != DD_FORMAT_PCAPNG)
    {
      g_printerr (_("%s: --comment needs -F pcapng (pcap has no place for it)\n"), g_get_prgname ());
      return DD_EXIT_USAGE;
    }
  if (write_path != NULL && fifo_path != NULL)
    {
      g_printerr (_("%s: -w and --fifo are two ways to say where to write: give one\n"), g_get_prgname ());
      return DD_EXIT_USAGE;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  options.targets = all_targets;
  options.write_path = write_path;
  options.fifo_path = fifo_path;
  options.serve = serve;
  options.client.filter = filter;
  options.client.interfaces = all_interfaces[0] != NULL ? all_interfaces : NULL;
  options.client.snaplen = (guint) snaplen;
  options.client.count = (guint64) count;
  options.client.duration_s = duration;
  options.client.timeout_s = timeout;
  options.client.bytes = (guint64) bytes;
  options.client.comments = comments;
  options.client.since_s = -since;
  options.client.max_delay_ms = (guint) max_delay;
  options.client.memory_mib = (guint) memory;
  options.client.resolve_interval_s = (guint) resolve_interval;
  options.client.connect_timeout_s = (guint) connect_timeout;
  options.client.reconnect = reconnect;
  options.client.keep_going = keep_going;
  options.client.clock_sync = clock_sync;
  options.client.sync_start = sync_start;
  /* PCAP-over-IP clients follow the capture live. */
  options.client.heartbeats = heartbeats || (serve != NULL && serve[0] != NULL);
  options.client.max_skew_ms = (guint) max_skew;
  options.client.clock_interval_s = clock_interval == 0 ? G_MAXUINT : (guint) clock_interval;
  options.quiet = quiet || options.extcap;
  options.client.ca_file = ca;
  options.client.cert_file = cert;
  options.client.key_file = key;
  options.client.netrc_file = netrc_file;
  options.client.netrc = netrc;
  return dd_cli_run (&options);
}
