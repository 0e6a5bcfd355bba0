#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "dd-client.h"
#include "dd-exit-status.h"
#include "dd-local-store.h"
#include "dd-s3-store.h"
#include "dd-filter.h"
#include "dd-output.h"
#include "dd-packet-debug.h"
#include "dd-spooled-upload.h"
#include "dd-trigger-plan.h"
#include "dd-trigger-event.h"

G_DEFINE_QUARK (dd-trigger-event-error-quark, dd_trigger_event_error)

struct _DdTriggerEvent {
  GObject                parent_instance;
  const DdTriggerConfig *config;
  DdHttp                *http;      /* the daemon's */
  DdStore               *store;
  char                  *spool;
  DdTriggerMessage      *message;
  char                  *id;
  DdTriggerPlan         *plan;
  GPtrArray             *errors;    /* what the client reported */

  GDateTime             *started;
  GDateTime             *finished;
  char                  *name;      /* [FOLDER/]ALERTID-UTCTIME.pcapng */
  char                  *temp_path; /* in the spool, until the upload has it */
  DdSpooledUpload       *upload;
  DdSink                *packet_debug;  /* packetdebug's lines, or NULL */
  DdOutput              *output;
  DdClient              *client;
  GTask                 *task;
  char                  *error_text;
  JsonNode              *result;
};

G_DEFINE_FINAL_TYPE (DdTriggerEvent, dd_trigger_event, G_TYPE_OBJECT)

static void
dd_trigger_event_init (DdTriggerEvent *self)
{
  self->errors = g_ptr_array_new_with_free_func (g_free);
}

static void
dd_trigger_event_finalize (GObject *object)
{
  DdTriggerEvent *self = DD_TRIGGER_EVENT (object);

  g_warn_if_fail (self->task == NULL);
  g_clear_object (&self->client);
  g_clear_pointer (&self->output, dd_output_free);
  g_clear_pointer (&self->packet_debug, dd_sink_free);
  if (self->temp_path != NULL)
    g_unlink (self->temp_path);
  dd_trigger_message_free (self->message);
  g_free (self->id);
  dd_trigger_plan_free (self->plan);
  g_ptr_array_unref (self->errors);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_clear_object (&self->upload);
  g_clear_object (&self->store);
  g_free (self->spool);
  g_free (self->name);
  g_free (self->temp_path);
  g_free (self->error_text);
  g_clear_pointer (&self->result, json_node_unref);
  G_OBJECT_CLASS (dd_trigger_event_parent_class)->finalize (object);
}

static void
dd_trigger_event_class_init (DdTriggerEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_trigger_event_finalize;
}

DdTriggerEvent *
dd_trigger_event_new (const DdTriggerConfig *config,
                      DdHttp                *http,
                      DdStore               *store,
                      const char            *spool,
                      DdTriggerMessage      *message,
                      const char            *id,
                      GError               **error)
{
  g_autoptr(DdTriggerEvent) self = g_object_new (DD_TYPE_TRIGGER_EVENT, NULL);

  self->config = config;
  self->http = http;
  self->store = g_object_ref (store);
  self->spool = g_strdup (spool);
  self->message = message;
  self->id = g_strdup (id);
  self->plan = dd_trigger_plan_new (config, message, id, DD_IS_S3_STORE (store), error);
  if (self->plan == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const char *
dd_trigger_event_get_id (DdTriggerEvent *self)
{
  return self->id;
}

const char *
dd_trigger_event_describe (DdTriggerEvent *self)
{
  return self->plan->description;
}

/* ---- the run --------------------------------------------------------------------------- */

static void
client_message_cb (DdClientMessage  kind,
                   const char      *text,
                   gpointer         user_data)
{
  DdTriggerEvent *self = user_data;

  switch (kind)
    {
    case DD_CLIENT_MESSAGE_ERROR:
      g_warning ("%s: %s", self->id, text);
      g_ptr_array_add (self->errors, g_strdup (text));
      break;
    case DD_CLIENT_MESSAGE_NOTICE:
      g_message ("%s: %s", self->id, text);
      break;
    case DD_CLIENT_MESSAGE_INFO:
    case DD_CLIENT_MESSAGE_HINT:
    default:
      g_debug ("%s: %s", self->id, text);
      break;
    }
}

static void
finish_run (DdTriggerEvent *self,
            GError         *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (self->finished == NULL)
    self->finished = g_date_time_new_now_utc ();
  if (error != NULL)
    self->error_text = g_strdup (error->message);
  self->result = dd_trigger_event_get_result (self);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
uploaded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DdTriggerEvent *self = user_data;
  GError *error = NULL;

  /* The spool's file is the upload's now: stored, kept, or (failing both) gone. */
  g_clear_pointer (&self->temp_path, g_free);
  dd_spooled_upload_run_finish (self->upload, result, &error);
  finish_run (self, error);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  DdTriggerEvent *self = user_data;
  g_autoptr(GError) error = NULL;
  DdClientEnd end = dd_client_get_end (self->client);
  guint64 packets = dd_client_get_written (self->client);
  int fd = -1;
  gboolean whole;

  dd_client_run_finish (self->client, result, &error);
  /* Every target captured its whole window (nothing failed, not even for a while). */
  whole = dd_exit_status_for_run (self->client, error) == DD_EXIT_OK;
  self->finished = g_date_time_new_now_utc ();
  /* A run that failed as a whole (the spool's disk full, say) with nothing captured: its
   * error is the event's. With packets, what was written is stored all the same, and the
   * error is among the result's messages. */
  if (error != NULL && packets == 0)
    {
      if (self->temp_path != NULL)
        g_unlink (self->temp_path);
      g_clear_pointer (&self->temp_path, g_free);
      finish_run (self, g_steal_pointer (&error));
      return;
    }
  /* On disk before it gets its name. */
  if (self->temp_path != NULL)
    fd = open (self->temp_path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  /* The output stays open: the client refers to it until it is freed. */
  if (packets == 0 && (end == DD_CLIENT_END_TIMEOUT || !whole))
    {
      /* As pcapdaemon: a capture that timed out without a packet is not stored. */
      g_unlink (self->temp_path);
      g_clear_pointer (&self->temp_path, g_free);
      if (!whole && end != DD_CLIENT_END_TIMEOUT)
        {
          finish_run (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_FAILED,
                                         _("nothing was captured: %s"),
                                         self->errors->len > 0 ? (char *) self->errors->pdata[0]
                                                               : _("every worker failed")));
          return;
        }
      finish_run (self, NULL);
      return;
    }
  self->name = dd_trigger_plan_file_name (self->plan, self->message, self->started);
  self->upload = dd_spooled_upload_new (self->store, self->spool, self->temp_path, self->name, self->message,
                                        self->config->upload_attempts, self->config->retry_delay, self->id);
  dd_spooled_upload_run_async (self->upload, uploaded_cb, self);
}

void
dd_trigger_event_run_async (DdTriggerEvent      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) comments = NULL;
  DdClientOptions options = { 0 };
  int fd;

  g_return_if_fail (self->task == NULL && self->client == NULL);
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, dd_trigger_event_run_async);
  self->started = g_date_time_new_now_utc ();

  if (g_mkdir_with_parents (self->spool, 0750) != 0)
    {
      int saved = errno;

      finish_run (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_STORE,
                                     _("cannot create %s: %s"), self->spool, g_strerror (saved)));
      return;
    }
  self->temp_path = g_build_filename (self->spool, ".ddump-trigger-XXXXXX.part", NULL);
  fd = g_mkstemp_full (self->temp_path, O_WRONLY | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      int saved = errno;

      g_clear_pointer (&self->temp_path, g_free);
      finish_run (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_STORE,
                                     _("cannot write in %s: %s"), self->spool, g_strerror (saved)));
      return;
    }
  self->output = dd_output_new (fd, TRUE, DD_FORMAT_PCAPNG);

  comments = dd_trigger_plan_comments (self->plan, self->message, self->id, self->started);
  dd_trigger_plan_client_options (self->plan, self->config, self->message, comments, &options);
  self->client = dd_client_new (&options, client_message_cb, self);
  if (self->plan->packetdebug)
    {
      self->packet_debug = dd_packet_debug_new (self->id);
      dd_client_add_sink (self->client, self->packet_debug);
    }
  dd_client_set_http (self->client, self->http);
  if (!dd_client_set_targets (self->client, (const char * const *) self->plan->specs->pdata, &error))
    {
      finish_run (self, g_steal_pointer (&error));  /* its domain and code kept */
      return;
    }
  /* The interfaces are named as the operator names the workers (a dns:// worker may have
   * become several targets: then they keep their hosts). */
  if (dd_client_get_n_targets (self->client) == self->plan->names->len)
    for (guint i = 0; i < self->plan->names->len; i++)
      dd_client_set_target_host (self->client, i, self->plan->names->pdata[i]);
  dd_client_set_output (self->client, self->output);
  dd_client_set_output_label (self->client, self->temp_path);
  dd_client_run_async (self->client, cancellable, run_cb, self);
}

gboolean
dd_trigger_event_run_finish (DdTriggerEvent  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
dd_trigger_event_stop (DdTriggerEvent *self)
{
  if (self->upload != NULL)
    dd_spooled_upload_stop (self->upload);  /* no more waiting for the store */
  else if (self->client != NULL && self->task != NULL)
    dd_client_stop (self->client);
}

/* ---- the result ------------------------------------------------------------------------ */

static void
add_strings (JsonBuilder *builder,
             const char  *member,
             GPtrArray   *strings)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, strings->pdata[i]);
  json_builder_end_array (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          GDateTime   *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  if (text == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

static void
add_workers (DdTriggerEvent *self,
             JsonBuilder    *builder)
{
  /* Results exist once the client ran. */
  guint n = self->client != NULL && dd_client_get_end (self->client) != DD_CLIENT_END_NONE
            ? dd_client_get_n_targets (self->client) : 0;

  json_builder_set_member_name (builder, "workers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->plan->names->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, self->plan->names->pdata[i]);
      /* One target per worker, in order (a dns:// worker may have become several). */
      if (n == self->plan->names->len)
        {
          DdTargetResult result;

          dd_client_get_result (self->client, i, &result);
          dd_target_result_add_json (&result, builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

JsonNode *
dd_trigger_event_get_result (DdTriggerEvent *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *status;
  const char *location = self->upload != NULL ? dd_spooled_upload_get_location (self->upload) : NULL;
  const char *store_error = self->upload != NULL ? dd_spooled_upload_get_error (self->upload) : NULL;
  guint attempts = self->upload != NULL ? dd_spooled_upload_get_attempts (self->upload) : 0;

  if (self->result != NULL)
    return json_node_ref (self->result);
  if (self->error_text != NULL)
    status = "failed";
  else if (self->upload != NULL && dd_spooled_upload_is_kept (self->upload))
    status = "kept";
  else if (location != NULL)
    status = "stored";
  else if (self->finished != NULL)
    status = "empty";  /* no packet before the timeout: nothing stored */
  else
    status = "running";

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  if (self->message->alertid != NULL)
    {
      json_builder_set_member_name (builder, "alertid");
      json_builder_add_string_value (builder, self->message->alertid);
    }
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, status);
  if (location != NULL)
    {
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, location);
    }
  add_time (builder, "started", self->started);
  add_time (builder, "finished", self->finished);
  if (self->client != NULL)
    {
      json_builder_set_member_name (builder, "packets");
      json_builder_add_int_value (builder, (gint64) dd_client_get_written (self->client));
      json_builder_set_member_name (builder, "bytes");
      json_builder_add_int_value (builder, (gint64) dd_output_get_size (self->output));
      json_builder_set_member_name (builder, "ended");
      json_builder_add_string_value (builder, dd_client_end_to_string (dd_client_get_end (self->client)));
    }
  json_builder_set_member_name (builder, "limits");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "packets");
  json_builder_add_int_value (builder, (gint64) self->plan->limits.packets);
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) self->plan->limits.bytes);
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, self->plan->limits.duration);
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_double_value (builder, self->plan->limits.timeout);
  json_builder_end_object (builder);
  add_workers (self, builder);
  add_strings (builder, "clamps", self->plan->clamps);
  add_strings (builder, "warnings", self->plan->warnings);
  add_strings (builder, "errors", self->errors);
  if (self->error_text != NULL || store_error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, self->error_text != NULL ? self->error_text : store_error);
    }
  if (attempts > 1)
    {
      json_builder_set_member_name (builder, "attempts");
      json_builder_add_int_value (builder, attempts);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
dd_trigger_event_refusal (const char   *id,
                          const char   *alertid,
                          const char   *status,
                          const GError *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  if (alertid != NULL)
    {
      json_builder_set_member_name (builder, "alertid");
      json_builder_add_string_value (builder, alertid);
    }
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, status);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
