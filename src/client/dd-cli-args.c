#include "config.h"

#include <glib/gi18n.h>

#include "dd-cli-args.h"
#include "dd-names.h"
#include "dd-options.h"
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

void
dd_cli_args_init (DdCliArgs *args)
{
  *args = (DdCliArgs) {
    .max_delay = 1000,
    .journey_window = 2000,
    .connect_timeout = 10,
    .memory = 256,
    .resolve_interval = 30,
    .max_skew = DD_CLIENT_MAX_SKEW_MS,
    .clock_interval = DD_CLIENT_CLOCK_INTERVAL_S,
  };
}

void
dd_cli_args_clear (DdCliArgs *args)
{
  g_clear_pointer (&args->targets, g_strfreev);
  g_clear_pointer (&args->interfaces, g_strfreev);
  g_clear_pointer (&args->follow, g_strfreev);
  g_clear_pointer (&args->serve, g_strfreev);
  g_clear_pointer (&args->target_lists, g_strfreev);
  g_clear_pointer (&args->target_files, g_strfreev);
  g_clear_pointer (&args->comments, g_strfreev);
  g_clear_pointer (&args->names, g_strfreev);
  g_clear_pointer (&args->names_files, g_strfreev);
  g_clear_pointer (&args->all_names, g_bytes_unref);
  g_clear_pointer (&args->write_path, g_free);
  g_clear_pointer (&args->fifo_path, g_free);
  g_clear_pointer (&args->format, g_free);
  g_clear_pointer (&args->filter, g_free);
  g_clear_pointer (&args->ca, g_free);
  g_clear_pointer (&args->cert, g_free);
  g_clear_pointer (&args->key, g_free);
  g_clear_pointer (&args->netrc_file, g_free);
  g_clear_pointer (&args->journey_file, g_free);
  g_clear_pointer (&args->journey_html, g_free);
  g_clear_pointer (&args->entries, g_free);
  g_clear_pointer (&args->all_targets, g_strfreev);
  g_clear_pointer (&args->all_interfaces, g_strfreev);
}

/* --journey, with or without =FILE. */
static gboolean
journey_cb (const char  *name,
            const char  *value,
            gpointer     user_data,
            GError     **error)
{
  DdCliArgs *args = user_data;

  args->journey = TRUE;
  g_free (args->journey_file);
  args->journey_file = g_strdup (value);
  return TRUE;
}

GOptionContext *
dd_cli_args_context (DdCliArgs *args)
{
  const GOptionEntry entries[] = {
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &args->write_path,
      N_("Write the merged capture to FILE (- for stdout, the default; an existing named pipe is waited on)"), N_("FILE") },
    { "fifo", 0, 0, G_OPTION_ARG_FILENAME, &args->fifo_path,
      N_("Write to the named pipe PATH, created when missing (wireshark -k -i PATH reads it)"), N_("PATH") },
    { "serve", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->serve,
      N_("Serve the merged capture as PCAP-over-IP to TCP clients on ADDRESS, [HOST]:PORT (repeatable; without -w or --fifo nothing goes to stdout)"), N_("ADDRESS") },
    { "format", 'F', 0, G_OPTION_ARG_STRING, &args->format,
      N_("Output format: pcap (the default) or pcapng (per-host interface names, drop statistics)"), N_("FORMAT") },
    { "filter", 'f', 0, G_OPTION_ARG_STRING, &args->filter,
      N_("Capture filter (BPF) for every worker whose URL sets none; ddump applies it itself to files and tcp:// streams"), N_("EXPRESSION") },
    { "follow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->follow,
      N_("Capture only the traffic of NAME's addresses (its A/AAAA records: a headless Service's pods) on every "
         "worker, looked up again every --resolve-interval; each worker's capture moves to a new set without a gap "
         "or a duplicate (repeatable)"), N_("NAME") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &args->interfaces,
      N_("Capture only on this interface of each worker whose URL sets none (repeatable)"), N_("NAME") },
    { "snaplen", 's', 0, G_OPTION_ARG_INT, &args->snaplen,
      N_("Bytes to keep of each packet, for workers whose URL sets none (default: the worker's, 262144)"), N_("BYTES") },
    { "count", 'c', 0, G_OPTION_ARG_INT64, &args->count,
      N_("Stop after writing N packets"), N_("N") },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &args->duration,
      N_("Stop after S seconds"), N_("S") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &args->timeout,
      N_("Stop once S seconds pass without a packet"), N_("S") },
    { "bytes", 0, 0, G_OPTION_ARG_INT64, &args->bytes,
      N_("Stop at the packet with which the capture, headers included, reaches N bytes"), N_("N") },
    { "since", 0, 0, G_OPTION_ARG_DOUBLE, &args->since,
      N_("Start S seconds in the past: workers started with --history send what they kept (written -S, e.g. --since -30)"), N_("-S") },
    { "comment", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->comments,
      N_("pcapng: a comment for the capture's section header (repeatable)"), N_("TEXT") },
    { "name", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->names,
      N_("pcapng: name an address in the capture, for Wireshark's name resolution (repeatable)"),
      N_("ADDRESS=NAME") },
    { "names-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->names_files,
      N_("pcapng: name the addresses of a hosts-format file (ADDRESS NAME per line); repeatable"), N_("FILE") },
    { "journey", 0, G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, journey_cb,
      N_("pcapng: match the copies of each packet seen at several points (host, interface, direction): the "
         "same epb_packetid on each, the delay since the point before as a comment, a table of the hops at the "
         "end, and with =FILE the same as JSON"), N_("[FILE]") },
    { "journey-html", 0, 0, G_OPTION_ARG_FILENAME, &args->journey_html,
      N_("pcapng: the packet journey (as --journey) as a page too: the hops, their delays, a flow's packets as "
         "a ladder diagram; one file, nothing fetched"), N_("FILE") },
    { "journey-window", 0, 0, G_OPTION_ARG_INT, &args->journey_window,
      N_("With --journey: how long, in milliseconds, the copies of a packet are awaited after its first (default 2000)"),
      N_("MS") },
    { "max-delay", 0, 0, G_OPTION_ARG_INT, &args->max_delay,
      N_("Longest wait, in milliseconds, for a stream without heartbeats before merging without it (default 1000)"), N_("MS") },
    { "memory", 0, 0, G_OPTION_ARG_INT, &args->memory,
      N_("Mebibytes the inputs may hold, all together, before the ones furthest ahead stop being read (default 256)"), N_("MIB") },
    { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &args->connect_timeout,
      N_("Seconds to wait for a worker to answer (default 10)"), N_("S") },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &args->reconnect,
      N_("Reconnect to a worker whose stream fails, with backoff"), NULL },
    { "resolve-interval", 0, 0, G_OPTION_ARG_INT, &args->resolve_interval,
      N_("Seconds between lookups of --follow names and, with --reconnect, of dns:// and dns+srv:// targets, whose new workers join (default 30)"), N_("S") },
    { "keep-going", 'k', 0, G_OPTION_ARG_NONE, &args->keep_going,
      N_("Go on when a target cannot be reached at the start"), NULL },
    { "clock-sync", 0, 0, G_OPTION_ARG_NONE, &args->clock_sync,
      N_("Shift each worker's packets by how far its clock is off this host's (measured with GET /clock) before the merge"), NULL },
    { "sync-start", 0, 0, G_OPTION_ARG_NONE, &args->sync_start,
      N_("Start the merged capture when every worker's capture runs (at most --connect-timeout later), leaving out what came before"), NULL },
    { "heartbeats", 0, 0, G_OPTION_ARG_NONE, &args->heartbeats,
      N_("pcapng: write the workers' statistics as they come (once a second), not only one final block per interface; the default with --serve"), NULL },
    { "max-skew", 0, 0, G_OPTION_ARG_INT, &args->max_skew,
      N_("Warn of a worker whose clock is off this host's by more than MS milliseconds (default 100)"), N_("MS") },
    { "clock-interval", 0, 0, G_OPTION_ARG_INT, &args->clock_interval,
      N_("Measure each worker's clock again every S seconds during its capture, when the worker is reached directly (default 30; 0: only as its stream opens)"), N_("S") },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &args->ca,
      N_("Trust the certificate authorities in FILE (PEM) instead of the system's"), N_("FILE") },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &args->cert,
      N_("Client certificate (PEM, full chain allowed) for mutual TLS; needs --key"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &args->key,
      N_("Private key (PEM) of the client certificate"), N_("FILE") },
    { "netrc-file", 0, 0, G_OPTION_ARG_FILENAME, &args->netrc_file,
      N_("Read user names and passwords from this netrc file"), N_("FILE") },
    { "netrc", 'n', 0, G_OPTION_ARG_NONE, &args->netrc,
      N_("Read user names and passwords from ~/.netrc"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args->quiet,
      N_("No live status line and no summary"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args->verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &args->version, N_("Print the version and exit"), NULL },
    { "targets", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->target_lists,
      N_("More targets, separated by spaces (Wireshark's configuration dialog sets this)"), N_("LIST") },
    { "targets-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->target_files,
      N_("More targets, one per line, # for comments (- reads them from stdin); repeatable"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->targets, NULL, N_("TARGET…") },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (NULL);
  GOptionGroup *group;

  g_clear_pointer (&args->entries, g_free);
  args->entries = g_memdup2 (entries, sizeof entries);
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
  /* The main group, with @args for the callbacks. */
  group = g_option_group_new (NULL, NULL, NULL, args, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  return context;
}

/* Positional targets, then those of --targets, then those of each --targets-file. */
static gboolean
collect_targets (DdCliArgs  *args,
                 gboolean    extcap,
                 GError    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) listed = split_all ((const char * const *) args->target_lists, " \t\r\n");

  for (char **t = args->targets; t != NULL && *t != NULL; t++)
    g_strv_builder_add (builder, *t);
  g_strv_builder_addv (builder, (const char **) listed);
  for (char **f = args->target_files; f != NULL && *f != NULL; f++)
    {
      g_auto(GStrv) read = dd_target_read_list (*f, error);

      if (read == NULL)
        return FALSE;
      g_strv_builder_addv (builder, (const char **) read);
    }
  args->all_targets = g_strv_builder_end (builder);
  if (args->target_files != NULL && g_strv_contains ((const char * const *) args->target_files, "-") &&
      g_strv_contains ((const char * const *) args->all_targets, "-"))
    return dd_options_bad_value (error, _("stdin cannot be both the list of targets and a capture"));
  if (args->all_targets[0] == NULL)
    return dd_options_bad_value (error, "%s", extcap ? _("no workers to capture from: give their URLs in the interface options "
                                              "(Workers)")
                                          : _("no target given (try --help)"));
  return TRUE;
}

/* The records of --name and --names-file; an error names the option, the file or the line. */
static gboolean
collect_names (DdCliArgs  *args,
               GError    **error)
{
  g_autoptr(GByteArray) records = g_byte_array_new ();

  for (guint i = 0; args->names != NULL && args->names[i] != NULL; i++)
    if (!dd_names_add_assignment (records, args->names[i], error))
      return FALSE;
  for (guint i = 0; args->names_files != NULL && args->names_files[i] != NULL; i++)
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (args->names_files[i], &text, NULL, error) ||
          !dd_names_add_hosts (records, text, error))
        {
          g_prefix_error (error, "--names-file %s: ", args->names_files[i]);
          return FALSE;
        }
    }
  if (records->len > 0)
    args->all_names = g_byte_array_free_to_bytes (g_steal_pointer (&records));
  return TRUE;
}

gboolean
dd_cli_args_apply (DdCliArgs     *args,
                   DdCliOptions  *options,
                   GError       **error)
{
  /* Wireshark leaves fields the user did not fill empty. */
  empty_is_unset (&args->ca);
  empty_is_unset (&args->cert);
  empty_is_unset (&args->key);
  empty_is_unset (&args->netrc_file);
  if (!collect_targets (args, options->extcap, error))
    return FALSE;
  args->all_interfaces = split_all ((const char * const *) args->interfaces, ", \t");
  if ((args->cert == NULL) != (args->key == NULL))
    return dd_options_bad_value (error, _("--cert and --key go together"));
  if (args->format != NULL && !dd_format_from_string (args->format, &options->format))
    return dd_options_bad_value (error, _("unknown format “%s”: use pcap or pcapng"), args->format);
  if (args->snaplen < 0 || args->snaplen > (gint) DD_MAX_SNAPLEN || args->max_delay < 0 || args->max_delay > 600000 ||
      args->count < 0 || args->duration < 0 || args->timeout < 0 || args->bytes < 0 || args->connect_timeout < 0 ||
      args->since > 0 || args->memory < 1 || args->memory > 1048576 || args->max_skew < 1 ||
      args->clock_interval < 0 || args->clock_interval > 86400 ||
      args->resolve_interval < 1 || args->resolve_interval > 86400)
    return dd_options_bad_value (error, _("out of range: --snaplen from 1 to %u, --max-delay from 0 to 600000, "
                               "--memory from 1 to 1048576, --resolve-interval from 1 to 86400, --max-skew from 1, "
                               "--clock-interval from 0 to 86400, "
                               "--count, --duration, --timeout, --bytes and --connect-timeout not negative, "
                               "--since negative (seconds back: --since -30)"), DD_MAX_SNAPLEN);
  if (args->comments != NULL && options->format != DD_FORMAT_PCAPNG)
    return dd_options_bad_value (error, _("--comment needs -F pcapng (pcap has no place for it)"));
  if ((args->names != NULL || args->names_files != NULL) && options->format != DD_FORMAT_PCAPNG)
    return dd_options_bad_value (error, _("--name and --names-file need -F pcapng (pcap has no place for names)"));
  args->journey = args->journey || args->journey_html != NULL;
  if (args->journey && options->format != DD_FORMAT_PCAPNG)
    return dd_options_bad_value (error, _("--journey and --journey-html need -F pcapng (the packet ids and comments are pcapng's)"));
  if (args->journey_window < 1 || args->journey_window > 600000)
    return dd_options_bad_value (error, _("out of range: --journey-window from 1 to 600000"));
  if (!collect_names (args, error))
    return FALSE;
  if (args->write_path != NULL && args->fifo_path != NULL)
    return dd_options_bad_value (error, _("-w and --fifo are two ways to say where to write: give one"));

  options->targets = args->all_targets;
  options->write_path = args->write_path;
  options->fifo_path = args->fifo_path;
  options->serve = args->serve;
  options->client.filter = args->filter;
  options->client.follow = args->follow;
  options->client.interfaces = args->all_interfaces[0] != NULL ? args->all_interfaces : NULL;
  options->client.snaplen = (guint) args->snaplen;
  options->client.count = (guint64) args->count;
  options->client.duration_s = args->duration;
  options->client.timeout_s = args->timeout;
  options->client.bytes = (guint64) args->bytes;
  options->client.comments = args->comments;
  options->client.names = args->all_names;
  options->client.since_s = -args->since;
  options->client.max_delay_ms = (guint) args->max_delay;
  options->client.memory_mib = (guint) args->memory;
  options->client.resolve_interval_s = (guint) args->resolve_interval;
  options->client.connect_timeout_s = (guint) args->connect_timeout;
  options->client.reconnect = args->reconnect;
  options->client.keep_going = args->keep_going;
  options->client.clock_sync = args->clock_sync;
  options->client.sync_start = args->sync_start;
  /* PCAP-over-IP clients follow the capture live. */
  options->client.heartbeats = args->heartbeats || (args->serve != NULL && args->serve[0] != NULL);
  options->client.max_skew_ms = (guint) args->max_skew;
  options->client.clock_interval_s = (guint) args->clock_interval;
  options->quiet = args->quiet || options->extcap;
  options->client.ca_file = args->ca;
  options->client.cert_file = args->cert;
  options->client.key_file = args->key;
  options->client.netrc_file = args->netrc_file;
  options->client.netrc = args->netrc;
  options->client.journey_window_ns = args->journey ? (guint64) args->journey_window * G_GUINT64_CONSTANT (1000000) : 0;
  options->journey_file = args->journey_file;
  options->journey_html = args->journey_html;
  return TRUE;
}
