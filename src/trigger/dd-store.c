#include "config.h"

#include <glib/gi18n.h>

#include "dd-cloudshark-store.h"
#include "dd-http-store.h"
#include "dd-local-store.h"
#include "dd-s3-store.h"
#include "dd-store.h"

G_DEFINE_QUARK (dd-store-error-quark, dd_store_error)

typedef struct {
  char        *description;
  gboolean     remote;
  SoupSession *session;
} DdStorePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DdStore, dd_store, G_TYPE_OBJECT)

static void
dd_store_finalize (GObject *object)
{
  DdStorePrivate *priv = dd_store_get_instance_private (DD_STORE (object));

  g_free (priv->description);
  g_clear_object (&priv->session);
  G_OBJECT_CLASS (dd_store_parent_class)->finalize (object);
}

/* What every store's save returns: its GTask's pointer, the location. */
static char *
dd_store_real_save_finish (DdStore       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dd_store_class_init (DdStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_store_finalize;
  klass->save_finish = dd_store_real_save_finish;
}

static void
dd_store_init (DdStore *self)
{
}

DdStore *
dd_store_new_for_destination (const char             *destination,
                              const DdTriggerConfig  *config,
                              GError                **error)
{
  if (g_str_has_prefix (destination, "cloudshark://") || g_str_has_prefix (destination, "cloudshark+http://"))
    return dd_cloudshark_store_new (destination, error);
  if (g_str_has_prefix (destination, "s3://"))
    return dd_s3_store_new (destination, config, error);
  if (g_str_has_prefix (destination, "http://") || g_str_has_prefix (destination, "https://"))
    return dd_http_store_new (destination, error);
  if (strstr (destination, "://") != NULL)
    {
      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID,
                   _("store “%s”: expected a directory, http(s)://… (PUT), s3://BUCKET[/PREFIX] or cloudshark://TOKEN@HOST"),
                   destination);
      return NULL;
    }
  return dd_local_store_new (destination, error);
}

void
dd_store_set_description (DdStore    *self,
                          const char *description,
                          gboolean    remote)
{
  DdStorePrivate *priv = dd_store_get_instance_private (self);

  g_free (priv->description);
  priv->description = g_strdup (description);
  priv->remote = remote;
}

SoupSession *
dd_store_get_session (DdStore *self)
{
  DdStorePrivate *priv = dd_store_get_instance_private (self);

  if (priv->session == NULL)
    priv->session = soup_session_new_with_options ("timeout", 300, "idle-timeout", 60, NULL);
  return priv->session;
}

GFileInputStream *
dd_store_open_file (const char    *path,
                    goffset       *size,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, cancellable, error);
  g_autoptr(GFileInfo) info = NULL;

  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, error);
  if (info == NULL)
    return NULL;
  *size = g_file_info_get_size (info);
  return g_steal_pointer (&stream);
}

gboolean
dd_store_is_remote (DdStore *self)
{
  DdStorePrivate *priv = dd_store_get_instance_private (self);

  return priv->remote;
}

const char *
dd_store_describe (DdStore *self)
{
  DdStorePrivate *priv = dd_store_get_instance_private (self);

  return priv->description;
}

void
dd_store_save_async (DdStore                *self,
                     const char             *path,
                     const char             *name,
                     const DdTriggerMessage *message,
                     GCancellable           *cancellable,
                     GAsyncReadyCallback     callback,
                     gpointer                user_data)
{
  DD_STORE_GET_CLASS (self)->save_async (self, path, name, message, cancellable, callback, user_data);
}

char *
dd_store_save_finish (DdStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return DD_STORE_GET_CLASS (self)->save_finish (self, result, error);
}
