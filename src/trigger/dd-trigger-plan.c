#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "dd-filter.h"
#include "dd-sll2.h"
#include "dd-trigger-event.h"
#include "dd-trigger-plan.h"

/* What one event's inputs may hold in memory (the daemon runs max-concurrent of them). */
#define EVENT_MEMORY_MIB 64

/* The worker's URL asking for @interfaces too. */
static char *
spec_with_interfaces (const char         *url,
                      const char * const *interfaces)
{
  GString *spec = g_string_new (url);
  char sep = strchr (url, '?') != NULL ? '&' : '?';

  for (guint i = 0; interfaces != NULL && interfaces[i] != NULL; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (interfaces[i], NULL, FALSE);

      g_string_append_printf (spec, "%cinterface=%s", sep, escaped);
      sep = '&';
    }
  return g_string_free (spec, FALSE);
}

static gboolean
select_workers (DdTriggerPlan          *self,
                const DdTriggerConfig  *config,
                const DdTriggerMessage *message,
                GError                **error)
{
  g_autoptr(GPtrArray) unaliased = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < config->workers->len; i++)
    {
      const DdTriggerWorker *worker = config->workers->pdata[i];
      g_auto(GStrv) interfaces = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!dd_trigger_message_matches_node (message, worker->name))
        continue;
      if (message->aliases != NULL)
        {
          interfaces = dd_trigger_config_resolve_aliases (config, worker->name,
                                                          (const char * const *) message->aliases,
                                                          &local_error);
          if (interfaces == NULL)
            {
              g_ptr_array_add (unaliased, g_strdup (worker->name));
              g_ptr_array_add (self->warnings, g_strdup (local_error->message));
              continue;
            }
        }
      else if (message->interfaces != NULL)
        interfaces = g_strdupv (message->interfaces);
      g_ptr_array_add (self->names, g_strdup (worker->name));
      g_ptr_array_add (self->specs, spec_with_interfaces (worker->url, (const char * const *) interfaces));
    }
  if (self->names->len > 0)
    return TRUE;

  if (unaliased->len > 0)
    {
      g_autofree char *aliases = g_strjoinv (", ", message->aliases);

      g_set_error (error, DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_NO_WORKER,
                   _("no selected worker has an interface with the alias %s"), aliases);
    }
  else
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) known = NULL;
      g_autofree char *list = NULL;

      for (guint i = 0; i < config->workers->len; i++)
        g_strv_builder_add (builder, ((DdTriggerWorker *) config->workers->pdata[i])->name);
      known = g_strv_builder_end (builder);
      list = known[0] != NULL ? g_strjoinv (", ", known) : g_strdup (_("none"));
      if (message->node != NULL)
        g_set_error (error, DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_NO_WORKER,
                     _("no worker is named “%s” (known: %s)"), message->node, list);
      else
        g_set_error (error, DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_NO_WORKER,
                     _("no worker name matches “%s” (known: %s)"), message->nodere_text, list);
    }
  return FALSE;
}

/* A folder from a message, made safe: relative, no "..", no empty parts. */
static gboolean
safe_folder (const char  *folder,
             char       **out,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (folder, "/", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || g_str_equal (parts[i], "."))
        continue;
      if (g_str_equal (parts[i], "..") || parts[i][0] == '.')
        {
          g_set_error (error, DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_STORE,
                       _("field “folder”: “%s” may not have a part that starts with a dot"), folder);
          return FALSE;
        }
      g_strv_builder_add (builder, parts[i]);
    }
  kept = g_strv_builder_end (builder);
  *out = g_strjoinv ("/", kept);
  return TRUE;
}

DdTriggerPlan *
dd_trigger_plan_new (const DdTriggerConfig  *config,
                     const DdTriggerMessage *message,
                     const char             *id,
                     gboolean                s3_store,
                     GError                **error)
{
  g_autoptr(DdTriggerPlan) self = g_new0 (DdTriggerPlan, 1);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *names = NULL;

  self->names = g_ptr_array_new_with_free_func (g_free);
  self->specs = g_ptr_array_new_with_free_func (g_free);
  self->clamps = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  if (!select_workers (self, config, message, error))
    return NULL;
  g_ptr_array_add (self->specs, NULL);
  if (message->bpf != NULL && *message->bpf != '\0' &&
      !dd_filter_check (message->bpf, DD_LINKTYPE_LINUX_SLL2, DD_MAX_SNAPLEN, &local_error))
    {
      g_set_error (error, DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_FILTER,
                   _("field “bpf”: %s"), local_error->message);
      return NULL;
    }
  if (!safe_folder (message->folder != NULL ? message->folder : "", &self->folder, error))
    return NULL;
  dd_trigger_config_limits (config, message, &self->limits, self->clamps);

  self->packetdebug = message->packetdebug && config->packetdebug;
  if (message->packetdebug && !config->packetdebug)
    g_ptr_array_add (self->warnings, g_strdup (_("packetdebug: not allowed by the configuration (packetdebug=true in [trigger]); ignored")));
  if ((message->bucket != NULL || message->acl != NULL || message->region != NULL ||
       message->endpoint != NULL || message->encryption) && !s3_store)
    g_ptr_array_add (self->warnings, g_strdup (_("bucket, acl, region, endpoint, encryption: only for an S3 store; ignored")));

  g_ptr_array_add (self->names, NULL);
  names = g_strjoinv (", ", (char **) self->names->pdata);
  g_ptr_array_remove_index (self->names, self->names->len - 1);
  self->description = message->alertid != NULL
    ? g_strdup_printf ("event %s (alertid %s) on %s", id, message->alertid, names)
    : g_strdup_printf ("event %s on %s", id, names);
  return g_steal_pointer (&self);
}

void
dd_trigger_plan_free (DdTriggerPlan *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->names, g_ptr_array_unref);
  g_clear_pointer (&self->specs, g_ptr_array_unref);
  g_clear_pointer (&self->clamps, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self->folder);
  g_free (self->description);
  g_free (self);
}

/* [FOLDER/]ALERTID-UTCTIME.pcapng: an alertid is the sender's text, so only its harmless
 * characters name a file. */
char *
dd_trigger_plan_file_name (const DdTriggerPlan    *self,
                           const DdTriggerMessage *message,
                           GDateTime              *started)
{
  g_autofree char *when = g_date_time_format (started, "%Y%m%dT%H%M%SZ");
  g_autofree char *uuid = NULL;
  const char *base = message->alertid;
  g_autofree char *safe = NULL;
  g_autofree char *name = NULL;

  if (base == NULL)
    base = uuid = g_uuid_string_random ();
  safe = g_strcanon (g_strdup (base), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", '_');
  if (safe[0] == '.')
    safe[0] = '_';
  name = g_strdup_printf ("%s-%s.pcapng", safe, when);
  return *self->folder != '\0' ? g_build_filename (self->folder, name, NULL) : g_steal_pointer (&name);
}

GStrv
dd_trigger_plan_comments (const DdTriggerPlan    *self,
                          const DdTriggerMessage *m,
                          const char             *id,
                          GDateTime              *started_at)
{
  GPtrArray *comments = g_ptr_array_new ();
  GString *event = g_string_new (NULL);
  g_autofree char *started = g_date_time_format_iso8601 (started_at);

  g_string_append_printf (event, "ddump-trigger event %s at %s", id, started);
  if (m->alertid != NULL)
    g_string_append_printf (event, "; alertid=%s", m->alertid);
  if (m->customer != NULL)
    g_string_append_printf (event, "; customer=%s", m->customer);
  if (m->tags != NULL)
    g_string_append_printf (event, "; tags=%s", m->tags);
  g_ptr_array_add (comments, g_string_free (event, FALSE));
  for (guint i = 0; i < self->names->len; i++)
    {
      /* Never a password of the URL. */
      g_autoptr(GUri) uri = g_uri_parse (self->specs->pdata[i], G_URI_FLAGS_ENCODED, NULL);
      g_autofree char *shown = uri != NULL ? g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO) : NULL;

      g_ptr_array_add (comments, g_strdup_printf ("worker %s: %s", (char *) self->names->pdata[i],
                                                  shown != NULL ? shown : "?"));
    }
  for (guint i = 0; i < self->clamps->len; i++)
    g_ptr_array_add (comments, g_strdup_printf ("clamped: %s", (char *) self->clamps->pdata[i]));
  g_ptr_array_add (comments, g_strdup_printf ("message: %s", m->text));
  g_ptr_array_add (comments, NULL);
  return (GStrv) g_ptr_array_free (comments, FALSE);
}

void
dd_trigger_plan_client_options (const DdTriggerPlan    *self,
                                const DdTriggerConfig  *config,
                                const DdTriggerMessage *message,
                                char                  **comments,
                                DdClientOptions        *options)
{
  *options = (DdClientOptions) {
    .and_filter = message->bpf != NULL && *message->bpf != '\0' ? message->bpf : NULL,
    .follow = message->follow,
    .snaplen = self->limits.snaplen,
    .count = self->limits.packets,
    .bytes = self->limits.bytes,
    .duration_s = self->limits.duration,
    .timeout_s = self->limits.timeout,
    .comments = comments,
    .since_s = message->before,  /* workers without --history refuse it */
    .max_delay_ms = 1000,
    .memory_mib = EVENT_MEMORY_MIB,
    .connect_timeout_s = config->connect_timeout_s,
    .clock_interval_s = DD_CLIENT_CLOCK_INTERVAL_S,
    .resolve_interval_s = 30,
    .keep_going = TRUE,  /* a worker that is down does not cancel the others' capture */
    .ca_file = config->ca_file,
    .cert_file = config->cert_file,
    .key_file = config->key_file,
    .netrc_file = config->netrc_file,
  };
}
