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
#include "dd-sll2.h"
#include "dd-trigger-event.h"

G_DEFINE_QUARK (dd-trigger-event-error-quark, dd_trigger_event_error)

/* What one event's inputs may hold in memory (the daemon runs max-concurrent of them). */
#define EVENT_MEMORY_MIB 64

struct _DdTriggerEvent {
  GObject                parent_instance;
  const DdTriggerConfig *config;
  DdHttp                *http;      /* the daemon's */
  DdStore               *store;
  char                  *spool;
  DdTriggerMessage      *message;
  char                  *id;
  char                  *description;
  DdTriggerLimits        limits;
  GPtrArray             *names;     /* the workers, as configured */
  GPtrArray             *specs;     /* their targets, with the interfaces asked */
  GPtrArray             *clamps;
  GPtrArray             *warnings;
  GPtrArray             *errors;    /* what the client reported */

  GDateTime             *started;
  GDateTime             *finished;
  char                  *folder;    /* "" or the message's, made safe */
  char                  *name;      /* [FOLDER/]ALERTID-UTCTIME.pcapng */
  char                  *temp_path;
  char                  *path;      /* where it was stored: a path or a URL */
  gboolean               kept;      /* in the spool, as the store kept failing */
  guint                  attempts;
  guint                  retry_id;
  char                  *store_error;
  gboolean               stopping;
  guint                  packets_logged;
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
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->specs = g_ptr_array_new_with_free_func (g_free);
  self->clamps = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->errors = g_ptr_array_new_with_free_func (g_free);
}

static void
dd_trigger_event_finalize (GObject *object)
{
  DdTriggerEvent *self = DD_TRIGGER_EVENT (object);

  g_warn_if_fail (self->task == NULL);
  g_clear_object (&self->client);
  g_clear_pointer (&self->output, dd_output_free);
  if (self->temp_path != NULL)
    g_unlink (self->temp_path);
  dd_trigger_message_free (self->message);
  g_free (self->id);
  g_free (self->description);
  g_ptr_array_unref (self->names);
  g_ptr_array_unref (self->specs);
  g_ptr_array_unref (self->clamps);
  g_ptr_array_unref (self->warnings);
  g_ptr_array_unref (self->errors);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_object (&self->store);
  g_free (self->spool);
  g_free (self->folder);
  g_free (self->name);
  g_free (self->temp_path);
  g_free (self->path);
  g_free (self->store_error);
  g_free (self->error_text);
  g_clear_pointer (&self->result, json_node_unref);
  G_OBJECT_CLASS (dd_trigger_event_parent_class)->finalize (object);
}

static void
dd_trigger_event_class_init (DdTriggerEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_trigger_event_finalize;
}

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
select_workers (DdTriggerEvent  *self,
                GError         **error)
{
  const DdTriggerMessage *message = self->message;
  g_autoptr(GPtrArray) unaliased = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->config->workers->len; i++)
    {
      const DdTriggerWorker *worker = self->config->workers->pdata[i];
      g_auto(GStrv) interfaces = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!dd_trigger_message_matches_node (message, worker->name))
        continue;
      if (message->aliases != NULL)
        {
          interfaces = dd_trigger_config_resolve_aliases (self->config, worker->name,
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

      for (guint i = 0; i < self->config->workers->len; i++)
        g_strv_builder_add (builder, ((DdTriggerWorker *) self->config->workers->pdata[i])->name);
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
  g_autoptr(GError) local_error = NULL;
  g_autofree char *names = NULL;

  self->config = config;
  self->http = http;
  self->store = g_object_ref (store);
  self->spool = g_strdup (spool);
  self->message = message;
  self->id = g_strdup (id);
  if (!select_workers (self, error))
    return NULL;
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

  if (message->packetdebug && !config->packetdebug)
    g_ptr_array_add (self->warnings, g_strdup (_("packetdebug: not allowed by the configuration (packetdebug=true in [trigger]); ignored")));
  if ((message->bucket != NULL || message->acl != NULL || message->region != NULL ||
       message->endpoint != NULL || message->encryption) && !DD_IS_S3_STORE (store))
    g_ptr_array_add (self->warnings, g_strdup (_("bucket, acl, region, endpoint, encryption: only for an S3 store; ignored")));

  g_ptr_array_add (self->names, NULL);
  names = g_strjoinv (", ", (char **) self->names->pdata);
  g_ptr_array_remove_index (self->names, self->names->len - 1);
  self->description = message->alertid != NULL
    ? g_strdup_printf ("event %s (alertid %s) on %s", id, message->alertid, names)
    : g_strdup_printf ("event %s on %s", id, names);
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
  return self->description;
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

/* packetdebug: one log line per packet, as pcapdaemon prints them, for the first
 * PACKETDEBUG_MAX of an event (a capture can be large; the log is not the place for it). */
#define PACKETDEBUG_MAX 1000

static void
packet_cb (const DdPacket *packet,
           gpointer        user_data)
{
  DdTriggerEvent *self = user_data;
  const guint8 *p = packet->data;
  char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
  char from[INET6_ADDRSTRLEN + 8], to[INET6_ADDRSTRLEN + 8];
  guint proto = 0, sport = 0, dport = 0;
  const guint8 *l4 = NULL;
  guint64 seconds = packet->ts / G_GUINT64_CONSTANT (1000000000);

  if (++self->packets_logged > PACKETDEBUG_MAX)
    return;
  /* The workers' link type, LINUX_SLL2: 20 bytes, then IPv4 or IPv6. */
  if (packet->caplen >= 40 && p[0] == 0x08 && p[1] == 0x00 && (p[20] >> 4) == 4)
    {
      inet_ntop (AF_INET, p + 32, src, sizeof src);
      inet_ntop (AF_INET, p + 36, dst, sizeof dst);
      proto = p[29];
      l4 = p + 20 + (p[20] & 0x0f) * 4;
    }
  else if (packet->caplen >= 60 && p[0] == 0x86 && p[1] == 0xdd && (p[20] >> 4) == 6)
    {
      inet_ntop (AF_INET6, p + 28, src, sizeof src);
      inet_ntop (AF_INET6, p + 44, dst, sizeof dst);
      proto = p[26];
      l4 = p + 60;
    }
  if (l4 != NULL && (proto == 6 || proto == 17) && l4 + 4 <= p + packet->caplen)
    {
      sport = (guint) l4[0] << 8 | l4[1];
      dport = (guint) l4[2] << 8 | l4[3];
    }
  if (sport != 0 || dport != 0)
    {
      g_snprintf (from, sizeof from, "%s:%u", src, sport);
      g_snprintf (to, sizeof to, "%s:%u", dst, dport);
    }
  else
    {
      g_strlcpy (from, src, sizeof from);
      g_strlcpy (to, dst, sizeof to);
    }
  g_message ("%s: packet %" G_GUINT64_FORMAT ".%09u interface %u: %s > %s %s, %u bytes (%u captured)%s",
             self->id, seconds, (guint) (packet->ts % G_GUINT64_CONSTANT (1000000000)), packet->interface_id,
             from, to,
             proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 1 ? "ICMP" : proto == 58 ? "ICMPv6" : "IP",
             packet->origlen, packet->caplen,
             self->packets_logged == PACKETDEBUG_MAX ? "; packetdebug: no more lines for this event" : "");
}

static GStrv
section_comments (DdTriggerEvent *self)
{
  const DdTriggerMessage *m = self->message;
  GPtrArray *comments = g_ptr_array_new ();
  GString *event = g_string_new (NULL);
  g_autofree char *started = g_date_time_format_iso8601 (self->started);

  g_string_append_printf (event, "ddump-trigger event %s at %s", self->id, started);
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

/* [FOLDER/]ALERTID-UTCTIME.pcapng: an alertid is the sender's text, so only its harmless
 * characters name a file. */
static char *
file_name (DdTriggerEvent *self)
{
  g_autofree char *when = g_date_time_format (self->started, "%Y%m%dT%H%M%SZ");
  g_autofree char *uuid = NULL;
  const char *base = self->message->alertid;
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

static void save (DdTriggerEvent *self);

/* The store kept failing: the file stays in the spool (kept/NAME), never lost. */
static void
keep (DdTriggerEvent *self)
{
  g_autofree char *kept_dir = g_build_filename (self->spool, "kept", NULL);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->path = dd_local_store_link (kept_dir, self->temp_path, self->name, &error);
  if (self->path == NULL)
    {
      finish_run (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_STORE,
                                     _("%s; and it cannot be kept: %s"), self->store_error, error->message));
      return;
    }
  g_clear_pointer (&self->temp_path, g_free);
  self->kept = TRUE;
  g_warning ("%s: kept in %s: %s", self->id, self->path, self->store_error);
  finish_run (self, NULL);
}

static gboolean
retry_cb (gpointer user_data)
{
  DdTriggerEvent *self = user_data;

  self->retry_id = 0;
  save (self);
  return G_SOURCE_REMOVE;
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(DdTriggerEvent) self = user_data;
  g_autoptr(GError) error = NULL;
  char *location = dd_store_save_finish (DD_STORE (object), result, &error);

  if (location != NULL)
    {
      self->path = location;
      /* A remote store has a copy: the spool's goes (a local one was moved). */
      if (self->temp_path != NULL)
        g_unlink (self->temp_path);
      g_clear_pointer (&self->temp_path, g_free);
      finish_run (self, NULL);
      return;
    }
  g_free (self->store_error);
  self->store_error = g_strdup (error->message);
  if (self->attempts >= self->config->upload_attempts || self->stopping)
    {
      keep (self);
      return;
    }
  {
    gdouble delay = self->config->retry_delay * (1 << MIN (self->attempts - 1, 10));

    g_warning ("%s: cannot store the capture (attempt %u of %u): %s; again in %g s", self->id,
               self->attempts, self->config->upload_attempts, error->message, delay);
    self->retry_id = g_timeout_add ((guint) (delay * 1000), retry_cb, self);
  }
}

static void
save (DdTriggerEvent *self)
{
  self->attempts++;
  dd_store_save_async (self->store, self->temp_path, self->name, self->message, NULL, saved_cb,
                       g_object_ref (self));
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
  self->name = file_name (self);
  save (self);
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

  comments = section_comments (self);
  options.and_filter = self->message->bpf != NULL && *self->message->bpf != '\0' ? self->message->bpf : NULL;
  options.snaplen = self->limits.snaplen;
  options.count = self->limits.packets;
  options.bytes = self->limits.bytes;
  options.duration_s = self->limits.duration;
  options.timeout_s = self->limits.timeout;
  options.comments = comments;
  if (self->message->packetdebug && self->config->packetdebug)
    {
      options.packet_func = packet_cb;
      options.packet_data = self;
    }
  options.since_s = self->message->before;  /* workers without --history refuse it */
  options.max_delay_ms = 1000;
  options.memory_mib = EVENT_MEMORY_MIB;
  options.connect_timeout_s = self->config->connect_timeout_s;
  options.resolve_interval_s = 30;
  options.keep_going = TRUE;  /* a worker that is down does not cancel the others' capture */
  options.ca_file = self->config->ca_file;
  options.cert_file = self->config->cert_file;
  options.key_file = self->config->key_file;
  options.netrc_file = self->config->netrc_file;
  self->client = dd_client_new (&options, client_message_cb, self);
  dd_client_set_http (self->client, self->http);
  g_ptr_array_add (self->specs, NULL);
  if (!dd_client_set_targets (self->client, (const char * const *) self->specs->pdata, &error))
    {
      g_ptr_array_remove_index (self->specs, self->specs->len - 1);
      finish_run (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_FAILED,
                                     "%s", error->message));
      return;
    }
  g_ptr_array_remove_index (self->specs, self->specs->len - 1);
  /* The interfaces are named as the operator names the workers (a dns:// worker may have
   * become several targets: then they keep their hosts). */
  if (dd_client_get_n_targets (self->client) == self->names->len)
    for (guint i = 0; i < self->names->len; i++)
      dd_client_set_target_host (self->client, i, self->names->pdata[i]);
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
  self->stopping = TRUE;
  if (self->retry_id != 0)
    keep (self);  /* no more waiting for the store */
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
  for (guint i = 0; i < self->names->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, self->names->pdata[i]);
      /* One target per worker, in order (a dns:// worker may have become several). */
      if (n == self->names->len)
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

  if (self->result != NULL)
    return json_node_ref (self->result);
  if (self->error_text != NULL)
    status = "failed";
  else if (self->kept)
    status = "kept";
  else if (self->path != NULL)
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
  if (self->path != NULL)
    {
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, self->path);
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
  json_builder_add_int_value (builder, (gint64) self->limits.packets);
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) self->limits.bytes);
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, self->limits.duration);
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_double_value (builder, self->limits.timeout);
  json_builder_end_object (builder);
  add_workers (self, builder);
  add_strings (builder, "clamps", self->clamps);
  add_strings (builder, "warnings", self->warnings);
  add_strings (builder, "errors", self->errors);
  if (self->error_text != NULL || self->store_error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, self->error_text != NULL ? self->error_text : self->store_error);
    }
  if (self->attempts > 1)
    {
      json_builder_set_member_name (builder, "attempts");
      json_builder_add_int_value (builder, self->attempts);
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
