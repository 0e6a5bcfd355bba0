#include "config.h"

#include <glib/gi18n.h>

#include "dd-trigger-args.h"

void
dd_trigger_args_clear (DdTriggerArgs *args)
{
  g_clear_pointer (&args->workers, g_strfreev);
  g_clear_pointer (&args->config_path, g_free);
  g_clear_pointer (&args->redis, g_free);
  g_clear_pointer (&args->store, g_free);
  g_clear_pointer (&args->spool, g_free);
  g_clear_pointer (&args->reply_channel, g_free);
}

GOptionContext *
dd_trigger_args_context (DdTriggerArgs *args)
{
  const GOptionEntry entries[] = {
    { "redis", 0, 0, G_OPTION_ARG_STRING, &args->redis,
      N_("Subscribe to CHANNEL (default capture) on this Redis server"), N_("redis://[:PASSWORD@]HOST[:PORT][/CHANNEL]") },
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &args->store,
      N_("Store the captures in a directory, with PUT under an http(s):// URL, or in s3://BUCKET[/PREFIX]"),
      N_("DESTINATION") },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &args->spool,
      N_("For a remote store: write captures here first, and keep them here when the store keeps failing"),
      N_("DIRECTORY") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &args->config_path,
      N_("Read workers, interface aliases, defaults and caps from this file"), N_("FILE") },
    { "reply-channel", 0, 0, G_OPTION_ARG_STRING, &args->reply_channel,
      N_("Publish each event's result on this channel (default: CHANNEL.done)"), N_("CHANNEL") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args->verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &args->version, N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->workers, NULL, N_("[NAME=URL…]") },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (NULL);

  g_option_context_set_summary (context,
    _("Capture on many workers when a message asks for it, and store one merged pcapng\n"
      "per event.\n\n"
      "Messages arrive on a Redis channel in pcapdaemon's format (node, nodere, interface,\n"
      "alias, bpf, snap, packets, bytes, timeout, duration, alertid, customer, tags,\n"
      "folder…, and follow: a workload's name); each event's result is published on CHANNEL.done. Workers are NAME=URL,\n"
      "or [worker NAME] groups of the configuration file."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  return context;
}

/* @value, when given, replaces @field. */
static void
override (char **field,
          char **value)
{
  if (*value == NULL)
    return;
  g_free (*field);
  *field = g_steal_pointer (value);
}

gboolean
dd_trigger_args_apply (DdTriggerArgs    *args,
                       DdTriggerConfig  *config,
                       GError          **error)
{
  if (args->config_path != NULL && !dd_trigger_config_load (config, args->config_path, error))
    return FALSE;
  for (guint i = 0; args->workers != NULL && args->workers[i] != NULL; i++)
    if (!dd_trigger_config_add_worker (config, args->workers[i], error))
      return FALSE;
  override (&config->redis, &args->redis);
  override (&config->store, &args->store);
  override (&config->spool, &args->spool);
  override (&config->reply_channel, &args->reply_channel);
  return TRUE;
}
