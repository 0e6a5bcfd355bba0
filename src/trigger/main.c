#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dd-process.h"
#include "dd-trigger.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2
/* After the last event, what is still to be published gets this long. */
#define PUBLISH_GRACE_MS 2000

typedef struct {
  GMainLoop *loop;
  DdTrigger *trigger;
  gint64     deadline;
  gboolean   stopping;
} Daemon;

static gboolean
published_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (!dd_trigger_is_published (daemon->trigger) && g_get_monotonic_time () < daemon->deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stopped_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->deadline = g_get_monotonic_time () + PUBLISH_GRACE_MS * 1000;
  g_timeout_add (20, published_cb, daemon);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->stopping)
    {
      g_message ("asked again: exiting now, without waiting for the running captures");
      exit (EXIT_RUNTIME);
    }
  daemon->stopping = TRUE;
  g_message ("shutting down: storing what the running captures hold");
#if HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
  dd_trigger_stop (daemon->trigger, stopped_cb, daemon);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(DdTrigger) trigger = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) workers = NULL;
  g_autofree char *config_path = NULL, *redis = NULL, *store = NULL, *reply_channel = NULL, *spool = NULL;
  gboolean verbose = FALSE, version = FALSE;
  Daemon daemon = { 0 };
  const GOptionEntry entries[] = {
    { "redis", 0, 0, G_OPTION_ARG_STRING, &redis,
      N_("Subscribe to CHANNEL (default capture) on this Redis server"), N_("redis://[:PASSWORD@]HOST[:PORT][/CHANNEL]") },
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &store,
      N_("Store the captures in a directory, with PUT under an http(s):// URL, or in s3://BUCKET[/PREFIX]"),
      N_("DESTINATION") },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &spool,
      N_("For a remote store: write captures here first, and keep them here when the store keeps failing"),
      N_("DIRECTORY") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read workers, interface aliases, defaults and caps from this file"), N_("FILE") },
    { "reply-channel", 0, 0, G_OPTION_ARG_STRING, &reply_channel,
      N_("Publish each event's result on this channel (default: CHANNEL.done)"), N_("CHANNEL") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &workers, NULL, N_("[NAME=URL…]") },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ddump-trigger");
  g_log_writer_default_set_use_stderr (TRUE);
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
    _("Capture on many workers when a message asks for it, and store one merged pcapng\n"
      "per event.\n\n"
      "Messages arrive on a Redis channel in pcapdaemon's format (node, nodere, interface,\n"
      "alias, bpf, snap, packets, bytes, timeout, duration, alertid, customer, tags,\n"
      "folder…); each event's result is published on CHANNEL.done. Workers are NAME=URL,\n"
      "or [worker NAME] groups of the configuration file."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (version)
    {
      g_print ("ddump-trigger %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (config_path != NULL && !dd_trigger_config_load (config, config_path, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  for (guint i = 0; workers != NULL && workers[i] != NULL; i++)
    if (!dd_trigger_config_add_worker (config, workers[i], &error))
      {
        g_printerr ("%s: %s\n", g_get_prgname (), error->message);
        return EXIT_USAGE;
      }
  if (redis != NULL)
    g_free (config->redis), config->redis = g_steal_pointer (&redis);
  if (store != NULL)
    g_free (config->store), config->store = g_steal_pointer (&store);
  if (spool != NULL)
    g_free (config->spool), config->spool = g_steal_pointer (&spool);
  if (reply_channel != NULL)
    g_free (config->reply_channel), config->reply_channel = g_steal_pointer (&reply_channel);

  dd_process_keep_heap (16 * 1024 * 1024);
  trigger = dd_trigger_new (g_steal_pointer (&config), &error);
  if (trigger == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.trigger = trigger;
  g_unix_signal_add (SIGINT, signal_cb, &daemon);
  g_unix_signal_add (SIGTERM, signal_cb, &daemon);
  dd_trigger_start (trigger);
#if HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
