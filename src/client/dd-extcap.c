#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <pcap/pcap.h>

#include "dd-extcap.h"
#include "dd-format.h"

void
dd_extcap_print_interfaces (GString *out)
{
  g_string_append_printf (out, "extcap {version=%s}{display=ddump}\n", PACKAGE_VERSION);
  g_string_append_printf (out, "interface {value=%s}{display=%s}\n", DD_EXTCAP_INTERFACE,
                          _("ddump: many hosts merged in time order"));
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
