#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dd-local-store.h"

/* Names tried after NAME.pcapng is taken: NAME-2.pcapng, NAME-3.pcapng… */
#define NAME_ATTEMPTS 100

struct _DdLocalStore {
  DdStore  parent_instance;
  char    *directory;
};

G_DEFINE_FINAL_TYPE (DdLocalStore, dd_local_store, DD_TYPE_STORE)

char *
dd_local_store_link (const char  *directory,
                     const char  *path,
                     const char  *name,
                     GError     **error)
{
  g_autofree char *target = g_build_filename (directory, name, NULL);
  g_autofree char *parent = g_path_get_dirname (target);
  g_autofree char *stem = g_str_has_suffix (target, ".pcapng")
                          ? g_strndup (target, strlen (target) - strlen (".pcapng")) : g_strdup (target);

  if (g_mkdir_with_parents (parent, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_FAILED, _("cannot create %s: %s"),
                   parent, g_strerror (saved));
      return NULL;
    }
  for (guint i = 1; i <= NAME_ATTEMPTS; i++)
    {
      g_autofree char *candidate = i == 1 ? g_strdup (target) : g_strdup_printf ("%s-%u.pcapng", stem, i);

      if (link (path, candidate) == 0)
        {
          g_unlink (path);
          return g_steal_pointer (&candidate);
        }
      if (errno != EEXIST)
        {
          int saved = errno;

          g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_FAILED, _("cannot store %s: %s"),
                       candidate, g_strerror (saved));
          return NULL;
        }
    }
  g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_FAILED,
               _("cannot store %s: it and %u more names like it are taken"), target, NAME_ATTEMPTS - 1);
  return NULL;
}

static void
dd_local_store_save_async (DdStore                *store,
                           const char             *path,
                           const char             *name,
                           const DdTriggerMessage *message,
                           GCancellable           *cancellable,
                           GAsyncReadyCallback     callback,
                           gpointer                user_data)
{
  DdLocalStore *self = DD_LOCAL_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  char *stored;

  g_task_set_source_tag (task, dd_local_store_save_async);
  stored = dd_local_store_link (self->directory, path, name, &error);
  if (stored == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stored, g_free);
}


static void
dd_local_store_finalize (GObject *object)
{
  g_free (DD_LOCAL_STORE (object)->directory);
  G_OBJECT_CLASS (dd_local_store_parent_class)->finalize (object);
}

static void
dd_local_store_class_init (DdLocalStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_local_store_finalize;
  DD_STORE_CLASS (klass)->save_async = dd_local_store_save_async;
}

static void
dd_local_store_init (DdLocalStore *self)
{
}

DdStore *
dd_local_store_new (const char  *directory,
                    GError     **error)
{
  DdLocalStore *self;

  if (g_mkdir_with_parents (directory, 0750) != 0 || access (directory, W_OK | X_OK) != 0)
    {
      int saved = errno;

      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID,
                   _("store “%s” cannot be written: %s"), directory, g_strerror (saved));
      return NULL;
    }
  self = g_object_new (DD_TYPE_LOCAL_STORE, NULL);
  self->directory = g_strdup (directory);
  dd_store_set_description (DD_STORE (self), directory, FALSE);
  return DD_STORE (self);
}
