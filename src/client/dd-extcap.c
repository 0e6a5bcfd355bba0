#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "dd-extcap.h"
#include "dd-filter.h"
#include "dd-format.h"

void
dd_extcap_print_interfaces (GString *out)
{
  /* Short: Wireshark builds window titles and temporary file names from it. */
  g_string_append_printf (out, "extcap {version=%s}{help=%s}\n", PACKAGE_VERSION, DD_EXTCAP_HELP);
  g_string_append_printf (out, "interface {value=%s}{display=%s}\n", DD_EXTCAP_INTERFACE, "ddump");
  dd_extcap_control_print (out);
}

void
dd_extcap_print_dlts (GString *out)
{
  g_string_append_printf (out, "dlt {number=%u}{name=LINUX_SLL2}{display=%s}\n",
                          DD_LINKTYPE_LINUX_SLL2, _("Linux cooked-mode capture v2"));
}

typedef struct {
  const char *call;
  const char *type;
  const char *display;
  const char *tooltip;
  const char *group;
  const char *extra;  /* more {key=value} fields, or NULL */
} ConfigArg;

void
dd_extcap_print_config (GString *out)
{
  /* Every call is one of ddump's own options: a capture parses them as usual. The
   * preference names of tshark's -o extcap.ddump.NAME:VALUE are the calls without
   * dashes (targets, maxdelay, netrcfile…). */
  const ConfigArg args[] = {
    { "--targets", "string", N_("Workers"),
      N_("Where to capture, separated by spaces: ddump workers as http(s)://[USER[:PASSWORD]@]HOST[:PORT][/PATH][?QUERY] "
         "(port 8475 by default), PCAP-over-IP servers as tcp://HOST:PORT"),
      N_("Workers"), "{required=true}{placeholder=http://web1 https://db1:8443}" },
    { "--interface", "string", N_("Interface on each worker"),
      N_("Capture only on these interfaces of each worker (separated by commas; empty: all)"),
      N_("Workers"), NULL },
    { "--snaplen", "integer", N_("Snapshot length"),
      N_("Bytes to keep of each packet (0: the worker's default, 262144)"),
      N_("Workers"), "{range=0,262144}{default=0}" },
    { "--max-delay", "integer", N_("Maximum delay (ms)"),
      N_("Longest wait for a stream without heartbeats before merging without it"),
      N_("Merge"), "{range=0,600000}{default=1000}" },
    { "--connect-timeout", "integer", N_("Connect timeout (s)"),
      N_("Seconds to wait for a worker to answer"),
      N_("Merge"), "{range=0,3600}{default=10}" },
    { "--reconnect", "boolflag", N_("Reconnect"),
      N_("Reconnect to a worker whose stream fails, with backoff"),
      N_("Merge"), "{default=false}" },
    { "--keep-going", "boolflag", N_("Go on without unreachable workers"),
      N_("Start the capture even when a worker cannot be reached"),
      N_("Merge"), "{default=false}" },
    { "--clock-sync", "boolflag", N_("Correct the workers' clocks"),
      N_("Shift each worker's packets by how far its clock is off this host's before the merge"),
      N_("Merge"), "{default=false}" },
    { "--sync-start", "boolflag", N_("Start together"),
      N_("Start the capture when every worker's capture runs, leaving out what came before"),
      N_("Merge"), "{default=false}" },
    { "--max-skew", "integer", N_("Maximum clock skew (ms)"),
      N_("Warn of a worker whose clock is further off this host's"),
      N_("Merge"), "{range=1,3600000}{default=100}" },
    { "--clock-interval", "integer", N_("Clock measure interval (s)"),
      N_("Measure each worker's clock again this often during the capture (0: only at the start)"),
      N_("Merge"), "{range=0,86400}{default=30}" },
    { "--ca", "fileselect", N_("CA certificates"),
      N_("Trust the certificate authorities in this PEM file instead of the system's"),
      N_("Security"), "{mustexist=true}" },
    { "--cert", "fileselect", N_("Client certificate"),
      N_("Client certificate (PEM) for mutual TLS; needs the key"),
      N_("Security"), "{mustexist=true}" },
    { "--key", "fileselect", N_("Client key"),
      N_("Private key (PEM) of the client certificate"),
      N_("Security"), "{mustexist=true}" },
    { "--netrc-file", "fileselect", N_("netrc file"),
      N_("User names and passwords for Basic Auth, by host (as curl reads them)"),
      N_("Security"), "{mustexist=true}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    g_string_append_printf (out, "arg {number=%u}{call=%s}{display=%s}{tooltip=%s}{type=%s}{group=%s}%s\n",
                            i, args[i].call, _(args[i].display), _(args[i].tooltip), args[i].type,
                            _(args[i].group), args[i].extra != NULL ? args[i].extra : "");
}

/* ---- options ------------------------------------------------------------------------- */

/* The extcap options; their values are set by dd_extcap_add_options (). */
static const GOptionEntry extcap_entries[] = {
  { "extcap-interfaces", 0, 0, G_OPTION_ARG_NONE, NULL, N_("List ddump's extcap interface"), NULL },
  { "extcap-version", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The version of Wireshark asking"), N_("VERSION") },
  { "extcap-interface", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The interface asked about (ddump)"), N_("NAME") },
  { "extcap-dlts", 0, 0, G_OPTION_ARG_NONE, NULL, N_("List the interface's link types"), NULL },
  { "extcap-config", 0, 0, G_OPTION_ARG_NONE, NULL, N_("List the options of the interface's configuration dialog"), NULL },
  { "extcap-capture-filter", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Check a capture filter; with --capture, AND it with every worker's filter"), N_("FILTER") },
  { "capture", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Capture for Wireshark: pcapng into --fifo"), NULL },
  { "extcap-control-in", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("The pipe of Wireshark's toolbar to read"), N_("PATH") },
  { "extcap-control-out", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The pipe of Wireshark's toolbar to write: its status bar and ddump's log window"), N_("PATH") },
  G_OPTION_ENTRY_NULL
};

void
dd_extcap_args_clear (DdExtcapArgs *args)
{
  g_clear_pointer (&args->version, g_free);
  g_clear_pointer (&args->interface, g_free);
  g_clear_pointer (&args->filter, g_free);
  g_clear_pointer (&args->control_in, g_free);
  g_clear_pointer (&args->control_out, g_free);
  g_clear_pointer (&args->control, dd_extcap_control_free);
}

void
dd_extcap_add_options (GOptionContext *context,
                       DdExtcapArgs   *args)
{
  gpointer values[] = { &args->interfaces, &args->version, &args->interface, &args->dlts,
                        &args->config, &args->filter, &args->capture, &args->control_in,
                        &args->control_out };
  GOptionEntry entries[G_N_ELEMENTS (extcap_entries)];
  GOptionGroup *group;

  G_STATIC_ASSERT (G_N_ELEMENTS (values) + 1 == G_N_ELEMENTS (extcap_entries));
  memcpy (entries, extcap_entries, sizeof entries);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    entries[i].arg_data = values[i];
  group = g_option_group_new ("extcap", _("Wireshark extcap options (Wireshark passes them):"),
                              _("Show the Wireshark extcap options"), NULL, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_add_group (context, group);
}

static gboolean
is_extcap_run (int    argc,
               char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--extcap-") || g_str_equal (argv[i], "--capture"))
      return TRUE;
  return FALSE;
}

static const GOptionEntry *
find_entry (const GOptionEntry * const *tables,
            const char                 *name,
            gsize                       len)
{
  for (const GOptionEntry * const *table = tables; *table != NULL; table++)
    for (const GOptionEntry *e = *table; e->long_name != NULL; e++)
      if (strlen (e->long_name) == len && strncmp (e->long_name, name, len) == 0)
        return e;
  return NULL;
}

void
dd_extcap_drop_unknown_options (int                *argc,
                                char              **argv,
                                const GOptionEntry *entries)
{
  const GOptionEntry *tables[] = { entries, extcap_entries, NULL };
  int out = 1;

  if (!is_extcap_run (*argc, argv))
    return;
  for (int i = 1; i < *argc; i++)
    {
      const char *arg = argv[i];
      const char *eq = strchr (arg, '=');
      const GOptionEntry *entry;

      if (g_str_equal (arg, "--"))
        {
          while (i < *argc)
            argv[out++] = argv[i++];
          break;
        }
      if (!g_str_has_prefix (arg, "--"))
        {
          argv[out++] = argv[i];
          continue;
        }
      entry = find_entry (tables, arg + 2, eq != NULL ? (gsize) (eq - arg - 2) : strlen (arg + 2));
      if (entry != NULL || g_str_has_prefix (arg, "--help"))
        {
          argv[out++] = argv[i];
          /* Its value, whatever it looks like. */
          if (entry != NULL && entry->arg != G_OPTION_ARG_NONE && eq == NULL && i + 1 < *argc)
            argv[out++] = argv[++i];
          continue;
        }
      g_debug ("ignoring the unknown extcap option %s", arg);
      if (eq == NULL && i + 1 < *argc && argv[i + 1][0] != '-')
        i++;
    }
  argv[out] = NULL;
  *argc = out;
}

/* ---- queries and captures ------------------------------------------------------------ */

int
dd_extcap_answer_query (const DdExtcapArgs *args)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (!args->interfaces && !args->dlts && !args->config && !args->capture && args->filter == NULL)
    return -1;
  if (!args->interfaces && g_strcmp0 (args->interface, DD_EXTCAP_INTERFACE) != 0)
    {
      g_printerr (_("%s: unknown extcap interface “%s” (ddump has one: %s)\n"), g_get_prgname (),
                  args->interface != NULL ? args->interface : "", DD_EXTCAP_INTERFACE);
      return DD_EXIT_USAGE;
    }
  if (args->interfaces)
    dd_extcap_print_interfaces (out);
  else if (args->dlts)
    dd_extcap_print_dlts (out);
  else if (args->config)
    dd_extcap_print_config (out);
  else if (!args->capture)
    {
      g_autoptr(GError) error = NULL;

      /* Wireshark shows the first line as the reason the filter is refused. */
      if (*args->filter != '\0' &&
          !dd_filter_check (args->filter, DD_LINKTYPE_LINUX_SLL2, DD_MAX_SNAPLEN, &error))
        g_string_append_printf (out, "%s\n", error->message);
    }
  else
    return -1;  /* a capture of this interface */
  g_print ("%s", out->str);
  return DD_EXIT_OK;
}

int
dd_extcap_setup_capture (DdExtcapArgs *args,
                         DdCliOptions *options)
{
  g_autoptr(GError) error = NULL;

  if (!args->capture)
    return -1;
  /* Wireshark leaves fields the user did not fill empty. */
  if (args->filter != NULL && *args->filter == '\0')
    g_clear_pointer (&args->filter, g_free);
  /* pcapng (interfaces named by host, drop counts) into Wireshark's FIFO; stderr is
   * Wireshark's error dialog, so only errors go there. */
  if (options->fifo_path == NULL)
    {
      g_printerr (_("%s: --capture needs --fifo PATH\n"), g_get_prgname ());
      return DD_EXIT_USAGE;
    }
  /* Before the pipe, which waits for dumpcap: Wireshark's GUI waits, blocked, for a
   * reader of its control pipe. Without them the capture goes on; stderr says why once
   * it ends. */
  if (args->control_in != NULL || args->control_out != NULL)
    {
      args->control = dd_extcap_control_new (args->control_in, args->control_out, &error);
      if (args->control == NULL)
        {
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          g_clear_error (&error);
        }
      options->control = args->control;
    }
  /* Opened first (dumpcap waits for a writer, and would wait for ever for one that
   * exited first), but written to only once every worker answered: a run that cannot
   * reach its workers (without --keep-going) closes it without a byte, and tshark fails
   * as it does with sshdump, rather than reading an empty capture. */
  options->output_fd = open (options->fifo_path, O_WRONLY | O_CLOEXEC);
  if (options->output_fd < 0)
    {
      int saved = errno;

      g_printerr (_("%s: cannot open Wireshark's pipe %s: %s\n"), g_get_prgname (), options->fifo_path,
                  g_strerror (saved));
      return DD_EXIT_FAILED;
    }
  options->fifo_when_ready = TRUE;
  options->format = DD_FORMAT_PCAPNG;
  options->extcap = TRUE;
  options->quiet = TRUE;
  if (args->filter != NULL &&
      !dd_filter_check (args->filter, DD_LINKTYPE_LINUX_SLL2, DD_MAX_SNAPLEN, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return DD_EXIT_USAGE;
    }
  options->client.and_filter = args->filter;
  return -1;
}
