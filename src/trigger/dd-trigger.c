#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "dd-redis.h"
#include "dd-trigger-event.h"
#include "dd-trigger.h"

G_DEFINE_QUARK (dd-trigger-error-quark, dd_trigger_error)

struct _DdTrigger {
  DdTriggerConfig *config;
  DdStore         *store;
  char            *spool;
  DdHttp          *http;      /* every event's session to the workers: TLS trust loaded once */
  DdRedis         *redis;
  char            *reply_channel;
  GPtrArray       *running;   /* DdTriggerEvent */
  GQueue           waiting;   /* DdTriggerEvent, owned */
  gboolean         stopping;
  GSourceFunc      done;
  gpointer         done_data;
};

static void message_cb (const char *payload, gsize length, gpointer user_data);

DdTrigger *
dd_trigger_new (DdTriggerConfig  *config,
                GError          **error)
{
  g_autoptr(DdTriggerConfig) owned = config;
  g_autoptr(DdRedis) redis = NULL;
  g_autoptr(DdStore) store = NULL;
  g_autoptr(DdHttp) http = NULL;
  g_autofree char *spool = NULL;
  DdTrigger *self;

  if (config->redis == NULL)
    {
      g_set_error (error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_USAGE,
                   _("no Redis server: give --redis redis://HOST[:PORT][/CHANNEL] (or redis= in [trigger])"));
      return NULL;
    }
  if (config->workers->len == 0)
    {
      g_set_error (error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_USAGE,
                   _("no worker: name them as NAME=URL, or in [worker NAME] groups of the configuration"));
      return NULL;
    }
  if (config->store == NULL || *config->store == '\0')
    {
      g_set_error (error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_USAGE,
                   _("no store: give --store DIRECTORY, http(s)://…/ or s3://BUCKET[/PREFIX] (or store= in [trigger])"));
      return NULL;
    }
  store = dd_store_new_for_destination (config->store, config, error);
  if (store == NULL)
    return NULL;
  /* A local store's captures are written beside their place; a remote one's in the spool. */
  if (!dd_store_is_remote (store))
    spool = g_strdup (config->store);
  else if (config->spool != NULL)
    spool = g_strdup (config->spool);
  else
    spool = g_build_filename (g_get_user_state_dir (), "ddump-trigger", "spool", NULL);
  if (g_mkdir_with_parents (spool, 0750) != 0 || access (spool, W_OK | X_OK) != 0)
    {
      int saved = errno;

      g_set_error (error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_USAGE, _("spool “%s” cannot be written: %s"),
                   spool, g_strerror (saved));
      return NULL;
    }

  http = dd_http_new (config->ca_file, config->cert_file, config->key_file, config->connect_timeout_s, error);
  if (http == NULL)
    return NULL;

  self = g_new0 (DdTrigger, 1);
  redis = dd_redis_new (config->redis, message_cb, self, error);
  if (redis == NULL)
    {
      g_free (self);
      return NULL;
    }
  self->config = g_steal_pointer (&owned);
  self->redis = g_steal_pointer (&redis);
  self->store = g_steal_pointer (&store);
  self->http = g_steal_pointer (&http);
  self->spool = g_steal_pointer (&spool);
  self->reply_channel = config->reply_channel != NULL
    ? g_strdup (config->reply_channel)
    : g_strdup_printf ("%s.done", dd_redis_get_channel (self->redis));
  self->running = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->waiting);
  return self;
}

void
dd_trigger_free (DdTrigger *self)
{
  if (self == NULL)
    return;
  g_warn_if_fail (self->running->len == 0);
  g_queue_clear_full (&self->waiting, g_object_unref);
  g_ptr_array_unref (self->running);
  dd_redis_free (self->redis);
  g_clear_object (&self->store);
  g_clear_pointer (&self->http, dd_http_free);
  g_free (self->spool);
  g_free (self->reply_channel);
  dd_trigger_config_free (self->config);
  g_free (self);
}

void
dd_trigger_start (DdTrigger *self)
{
  g_message ("ddump-trigger %s: %u workers, store %s; listening on redis %s, channel “%s”, "
             "results on “%s”", PACKAGE_VERSION, self->config->workers->len, dd_store_describe (self->store),
             dd_redis_get_address (self->redis), dd_redis_get_channel (self->redis), self->reply_channel);
  dd_redis_start (self->redis);
}

static void
publish (DdTrigger *self,
         JsonNode  *result)
{
  g_autofree char *text = json_to_string (result, FALSE);

  dd_redis_publish (self->redis, self->reply_channel, text);
}

static void
refuse (DdTrigger    *self,
        const char   *id,
        const char   *alertid,
        const char   *status,
        const GError *error)
{
  g_autoptr(JsonNode) result = dd_trigger_event_refusal (id, alertid, status, error);

  g_warning ("event %s%s%s %s: %s", id, alertid != NULL ? " (alertid " : "", alertid != NULL ? alertid : "",
             alertid != NULL ? ")" : "", error->message);
  publish (self, result);
}

static void start_event (DdTrigger *self, DdTriggerEvent *event);

static void
maybe_done (DdTrigger *self)
{
  GSourceFunc done = self->done;

  if (!self->stopping || self->running->len > 0 || done == NULL)
    return;
  self->done = NULL;
  done (self->done_data);
}

static void
event_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  DdTrigger *self = user_data;
  DdTriggerEvent *event = DD_TRIGGER_EVENT (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) outcome = NULL;
  g_autofree char *text = NULL;

  dd_trigger_event_run_finish (event, result, &error);
  outcome = dd_trigger_event_get_result (event);
  text = json_to_string (outcome, FALSE);
  if (error != NULL)
    g_warning ("%s failed: %s", dd_trigger_event_describe (event), error->message);
  else
    g_message ("%s ended: %s", dd_trigger_event_describe (event), text);
  publish (self, outcome);
  g_ptr_array_remove (self->running, event);
  if (!self->stopping && !g_queue_is_empty (&self->waiting))
    start_event (self, g_queue_pop_head (&self->waiting));
  maybe_done (self);
}

static void
start_event (DdTrigger      *self,
             DdTriggerEvent *event)
{
  g_ptr_array_add (self->running, event);
  g_message ("%s: capturing", dd_trigger_event_describe (event));
  dd_trigger_event_run_async (event, NULL, event_done_cb, self);
}

static void
message_cb (const char *payload,
            gsize       length,
            gpointer    user_data)
{
  DdTrigger *self = user_data;
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  DdTriggerMessage *message;
  DdTriggerEvent *event;
  g_autofree char *alertid = NULL;

  message = dd_trigger_message_parse (payload, length, &error);
  if (message == NULL)
    {
      alertid = dd_trigger_message_peek_alertid (payload, length);
      refuse (self, id, alertid, "refused", error);
      return;
    }
  alertid = g_strdup (message->alertid);
  event = dd_trigger_event_new (self->config, self->http, self->store, self->spool, message, id, &error);
  if (event == NULL)
    {
      refuse (self, id, alertid, "refused", error);
      return;
    }
  if (self->stopping)
    {
      g_set_error (&error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_FAILED, _("the daemon is stopping"));
      refuse (self, id, alertid, "refused", error);
      g_object_unref (event);
      return;
    }
  if (self->running->len < self->config->max_concurrent)
    {
      start_event (self, event);
      return;
    }
  if (g_queue_get_length (&self->waiting) < self->config->max_queued)
    {
      g_autoptr(GError) note = g_error_new (DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_FAILED,
                                            _("waits: %u captures are running (max-concurrent), %u waiting before it"),
                                            self->running->len, g_queue_get_length (&self->waiting));
      g_autoptr(JsonNode) waiting = dd_trigger_event_refusal (id, alertid, "waiting", note);

      /* Said on the reply channel too: the sender learns at once that it waits. */
      g_message ("%s %s", dd_trigger_event_describe (event), note->message);
      publish (self, waiting);
      g_queue_push_tail (&self->waiting, event);
      return;
    }
  g_set_error (&error, DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_FAILED,
               _("too busy: %u captures running (max-concurrent) and %u waiting (max-queued)"),
               self->running->len, g_queue_get_length (&self->waiting));
  refuse (self, id, alertid, "refused", error);
  g_object_unref (event);
}

gboolean
dd_trigger_is_published (DdTrigger *self)
{
  return dd_redis_is_idle (self->redis);
}

void
dd_trigger_stop (DdTrigger   *self,
                 GSourceFunc  done,
                 gpointer     user_data)
{
  self->stopping = TRUE;
  self->done = done;
  self->done_data = user_data;
  while (!g_queue_is_empty (&self->waiting))
    {
      g_autoptr(DdTriggerEvent) event = g_queue_pop_head (&self->waiting);
      g_autoptr(GError) error = g_error_new (DD_TRIGGER_ERROR, DD_TRIGGER_ERROR_FAILED,
                                             _("the daemon stopped before the capture began"));

      refuse (self, dd_trigger_event_get_id (event), NULL, "refused", error);
    }
  for (guint i = 0; i < self->running->len; i++)
    dd_trigger_event_stop (self->running->pdata[i]);
  maybe_done (self);
}
