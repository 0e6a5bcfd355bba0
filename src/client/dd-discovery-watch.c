#include "config.h"

#include <glib/gi18n.h>

#include "dd-discovery.h"
#include "dd-discovery-watch.h"

struct _DdDiscoveryWatch {
  const DdDiscoveryWatchCallbacks *callbacks;
  gpointer      user_data;
  DdClientMessageFunc message;
  gpointer      message_data;
  GResolver    *resolver;
  GCancellable *cancellable;  /* the lookup in flight */
  char         *spec;
  guint         number;
  GHashTable   *workers;      /* URL → DdSupervisor of each worker it named */
  guint         timer_id;
  gboolean      looking;
};

#define say(self, kind, ...) dd_client_say ((self)->message, (self)->message_data, (kind), __VA_ARGS__)

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static void
join (DdDiscoveryWatch *self,
      const char       *url)
{
  DdSupervisor *supervisor = self->callbacks->join (url, self->number, self->user_data);
  g_autofree char *note = NULL;
  g_autofree char *stamp = NULL;

  if (supervisor == NULL)
    return;
  say (self, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s joined"), self->number,
       dd_supervisor_get_target (supervisor)->label);
  stamp = now_iso8601 ();
  note = g_strdup_printf (_("joined the running capture at %s: a new worker under target %u"),
                          stamp, self->number);
  dd_source_set_note (dd_supervisor_get_source (supervisor), note);
  g_hash_table_insert (self->workers, g_strdup (url), supervisor);
  dd_supervisor_start (supervisor);
}

static void
resolved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DdDiscoveryWatch *self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) urls = dd_discovery_resolve_finish (G_RESOLVER (object), result, &error);
  GHashTableIter iter;
  const char *url;
  DdSupervisor *supervisor;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* stopped: @user_data may be gone */
  self = user_data;
  self->looking = FALSE;
  if (urls == NULL)
    {
      g_debug ("target %u: %s", self->number, error->message);
      return;
    }
  for (char **u = urls; *u != NULL; u++)
    {
      supervisor = g_hash_table_lookup (self->workers, *u);
      if (supervisor == NULL)
        join (self, *u);
      else if (dd_supervisor_has_departed (supervisor))
        {
          say (self, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s is back"), self->number,
               dd_supervisor_get_target (supervisor)->label);
          dd_supervisor_come_back (supervisor);
        }
    }
  g_hash_table_iter_init (&iter, self->workers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &url, (gpointer *) &supervisor))
    {
      g_autofree char *stamp = NULL;
      g_autofree char *note = NULL;

      if (dd_supervisor_has_departed (supervisor) || g_strv_contains ((const char * const *) urls, url))
        continue;
      stamp = now_iso8601 ();
      note = g_strdup_printf (_("left the capture at %s: no longer under target %u"), stamp, self->number);
      dd_supervisor_depart (supervisor, note);
      say (self, DD_CLIENT_MESSAGE_NOTICE, _("target %u: %s left"), self->number,
           dd_supervisor_get_target (supervisor)->label);
    }
  self->callbacks->changed (self->user_data);
}

static gboolean
look_cb (gpointer user_data)
{
  DdDiscoveryWatch *self = user_data;

  if (!self->looking)
    {
      self->looking = TRUE;
      dd_discovery_resolve_async (self->resolver, self->spec, self->cancellable, resolved_cb, self);
    }
  return G_SOURCE_CONTINUE;
}

DdDiscoveryWatch *
dd_discovery_watch_new (GResolver                       *resolver,
                        const char                      *spec,
                        guint                            number,
                        const DdDiscoveryWatchCallbacks *callbacks,
                        gpointer                         user_data,
                        DdClientMessageFunc              message_func,
                        gpointer                         message_data)
{
  DdDiscoveryWatch *self = g_new0 (DdDiscoveryWatch, 1);

  self->message = message_func;
  self->message_data = message_data;
  self->resolver = g_object_ref (resolver);
  self->cancellable = g_cancellable_new ();
  self->spec = g_strdup (spec);
  self->number = number;
  self->callbacks = callbacks;
  self->user_data = user_data;
  self->workers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
dd_discovery_watch_free (DdDiscoveryWatch *self)
{
  if (self == NULL)
    return;
  dd_discovery_watch_stop (self);
  g_hash_table_unref (self->workers);
  g_object_unref (self->resolver);
  g_object_unref (self->cancellable);
  g_free (self->spec);
  g_free (self);
}

void
dd_discovery_watch_add (DdDiscoveryWatch *self,
                        const char       *url,
                        DdSupervisor     *supervisor)
{
  g_hash_table_insert (self->workers, g_strdup (url), supervisor);
}

void
dd_discovery_watch_start (DdDiscoveryWatch *self,
                          guint             interval_s)
{
  g_return_if_fail (self->timer_id == 0);
  self->timer_id = g_timeout_add_seconds (MAX (interval_s, 1), look_cb, self);
}

void
dd_discovery_watch_stop (DdDiscoveryWatch *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
}
