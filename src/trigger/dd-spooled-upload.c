#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dd-local-store.h"
#include "dd-spooled-upload.h"
#include "dd-trigger-event.h"

struct _DdSpooledUpload {
  GObject                 parent_instance;
  DdStore                *store;
  char                   *spool;
  char                   *path;      /* the spool's file, while it is there */
  char                   *name;
  const DdTriggerMessage *message;
  guint                   max_attempts;
  gdouble                 retry_delay;
  char                   *label;

  GTask                  *task;
  guint                   attempts;
  guint                   retry_id;
  gboolean                stopping;
  gboolean                kept;
  char                   *location;
  char                   *error;
};

G_DEFINE_FINAL_TYPE (DdSpooledUpload, dd_spooled_upload, G_TYPE_OBJECT)

static void save (DdSpooledUpload *self);

static void
complete (DdSpooledUpload *self,
          GError          *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The store kept failing: the file stays in the spool (kept/NAME), never lost. */
static void
keep (DdSpooledUpload *self)
{
  g_autofree char *kept_dir = g_build_filename (self->spool, "kept", NULL);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->location = dd_local_store_link (kept_dir, self->path, self->name, &error);
  if (self->location == NULL)
    {
      complete (self, g_error_new (DD_TRIGGER_EVENT_ERROR, DD_TRIGGER_EVENT_ERROR_STORE,
                                   _("%s; and it cannot be kept: %s"), self->error, error->message));
      return;
    }
  g_clear_pointer (&self->path, g_free);
  self->kept = TRUE;
  g_warning ("%s: kept in %s: %s", self->label, self->location, self->error);
  complete (self, NULL);
}

static gboolean
retry_cb (gpointer user_data)
{
  DdSpooledUpload *self = user_data;

  self->retry_id = 0;
  save (self);
  return G_SOURCE_REMOVE;
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(DdSpooledUpload) self = user_data;
  g_autoptr(GError) error = NULL;
  char *location = dd_store_save_finish (DD_STORE (object), result, &error);
  gdouble delay;

  if (location != NULL)
    {
      self->location = location;
      /* A remote store has a copy: the spool's goes (a local one was moved). */
      if (self->path != NULL)
        g_unlink (self->path);
      g_clear_pointer (&self->path, g_free);
      complete (self, NULL);
      return;
    }
  g_free (self->error);
  self->error = g_strdup (error->message);
  if (self->attempts >= self->max_attempts || self->stopping)
    {
      keep (self);
      return;
    }
  delay = self->retry_delay * (1 << MIN (self->attempts - 1, 10));
  g_warning ("%s: cannot store the capture (attempt %u of %u): %s; again in %g s", self->label,
             self->attempts, self->max_attempts, error->message, delay);
  self->retry_id = g_timeout_add ((guint) (delay * 1000), retry_cb, self);
}

static void
save (DdSpooledUpload *self)
{
  self->attempts++;
  dd_store_save_async (self->store, self->path, self->name, self->message, NULL, saved_cb, g_object_ref (self));
}

DdSpooledUpload *
dd_spooled_upload_new (DdStore                *store,
                       const char             *spool,
                       const char             *path,
                       const char             *name,
                       const DdTriggerMessage *message,
                       guint                   attempts,
                       gdouble                 retry_delay,
                       const char             *label)
{
  DdSpooledUpload *self = g_object_new (DD_TYPE_SPOOLED_UPLOAD, NULL);

  self->store = g_object_ref (store);
  self->spool = g_strdup (spool);
  self->path = g_strdup (path);
  self->name = g_strdup (name);
  self->message = message;
  self->max_attempts = MAX (attempts, 1);
  self->retry_delay = retry_delay;
  self->label = g_strdup (label);
  return self;
}

void
dd_spooled_upload_run_async (DdSpooledUpload     *self,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (self->task == NULL && self->attempts == 0);

  self->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (self->task, dd_spooled_upload_run_async);
  save (self);
}

gboolean
dd_spooled_upload_run_finish (DdSpooledUpload  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
dd_spooled_upload_stop (DdSpooledUpload *self)
{
  self->stopping = TRUE;
  if (self->retry_id != 0)
    keep (self);
}

const char *
dd_spooled_upload_get_location (DdSpooledUpload *self)
{
  return self->location;
}

gboolean
dd_spooled_upload_is_kept (DdSpooledUpload *self)
{
  return self->kept;
}

guint
dd_spooled_upload_get_attempts (DdSpooledUpload *self)
{
  return self->attempts;
}

const char *
dd_spooled_upload_get_error (DdSpooledUpload *self)
{
  return self->error;
}

static void
dd_spooled_upload_init (DdSpooledUpload *self)
{
}

static void
dd_spooled_upload_finalize (GObject *object)
{
  DdSpooledUpload *self = DD_SPOOLED_UPLOAD (object);

  g_warn_if_fail (self->task == NULL);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  /* Neither stored nor kept (it could not be): it goes, as the event's spool file would. */
  if (self->path != NULL)
    g_unlink (self->path);
  g_clear_object (&self->store);
  g_free (self->spool);
  g_free (self->path);
  g_free (self->name);
  g_free (self->label);
  g_free (self->location);
  g_free (self->error);
  G_OBJECT_CLASS (dd_spooled_upload_parent_class)->finalize (object);
}

static void
dd_spooled_upload_class_init (DdSpooledUploadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_spooled_upload_finalize;
}
