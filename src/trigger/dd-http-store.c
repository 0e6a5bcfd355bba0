#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "dd-http-store.h"
#include "dd-sigv4.h"

struct _DdHttpStore {
  DdStore      parent_instance;
  GUri        *base;           /* without user info, path ending in "/" */
  char        *authorization;  /* Basic …, or NULL */
};

G_DEFINE_FINAL_TYPE (DdHttpStore, dd_http_store, DD_TYPE_STORE)

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_autofree char *url = g_uri_to_string_partial (soup_message_get_uri (msg), G_URI_HIDE_USERINFO);
  guint status;

  if (body == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_FAILED, _("PUT %s: %s"), url, error->message);
      return;
    }
  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED, _("PUT %s: %u %s"), url, status,
                               soup_message_get_reason_phrase (msg));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&url), g_free);
}

static void
dd_http_store_save_async (DdStore                *store,
                          const char             *path,
                          const char             *name,
                          const DdTriggerMessage *message,
                          GCancellable           *cancellable,
                          GAsyncReadyCallback     callback,
                          gpointer                user_data)
{
  DdHttpStore *self = DD_HTTP_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = dd_sigv4_uri_encode (name, TRUE);
  g_autofree char *target = NULL;
  goffset size;
  SoupMessage *msg;

  g_task_set_source_tag (task, dd_http_store_save_async);
  stream = dd_store_open_file (path, &size, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  target = g_strconcat (g_uri_get_path (self->base), encoded, NULL);
  uri = g_uri_build (G_URI_FLAGS_ENCODED_PATH, g_uri_get_scheme (self->base), NULL, g_uri_get_host (self->base),
                     g_uri_get_port (self->base), target, NULL, NULL);
  msg = soup_message_new_from_uri (SOUP_METHOD_PUT, uri);
  g_task_set_task_data (task, msg, g_object_unref);
  if (self->authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", self->authorization);
  /* Streamed from the file: memory does not grow with the capture. */
  soup_message_set_request_body (msg, "application/x-pcapng", G_INPUT_STREAM (stream), (gssize) size);
  soup_session_send_and_read_async (dd_store_get_session (store), msg, G_PRIORITY_DEFAULT, cancellable, sent_cb,
                                    g_steal_pointer (&task));
}


static void
dd_http_store_finalize (GObject *object)
{
  DdHttpStore *self = DD_HTTP_STORE (object);

  g_clear_pointer (&self->base, g_uri_unref);
  g_free (self->authorization);
  G_OBJECT_CLASS (dd_http_store_parent_class)->finalize (object);
}

static void
dd_http_store_class_init (DdHttpStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_http_store_finalize;
  DD_STORE_CLASS (klass)->save_async = dd_http_store_save_async;
}

static void
dd_http_store_init (DdHttpStore *self)
{
}

DdStore *
dd_http_store_new (const char  *url,
                   GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH, NULL);
  g_autofree char *path = NULL;
  g_autofree char *description = NULL;
  DdHttpStore *self;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID,
                   _("store: not a URL of a directory to PUT files in: expected http(s)://[USER:PASSWORD@]HOST[:PORT]/PATH/"));
      return NULL;
    }
  self = g_object_new (DD_TYPE_HTTP_STORE, NULL);
  path = g_str_has_suffix (g_uri_get_path (uri), "/") ? g_strdup (g_uri_get_path (uri))
                                                      : g_strconcat (g_uri_get_path (uri), "/", NULL);
  self->base = g_uri_build (G_URI_FLAGS_ENCODED_PATH, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                            g_uri_get_port (uri), path, NULL, NULL);
  if (g_uri_get_user (uri) != NULL)
    {
      g_autofree char *user = g_uri_unescape_string (g_uri_get_user (uri), NULL);
      g_autofree char *password = g_uri_get_password (uri) != NULL ? g_uri_unescape_string (g_uri_get_password (uri), NULL)
                                                                   : g_strdup ("");
      g_autofree char *pair = g_strconcat (user, ":", password, NULL);
      g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

      self->authorization = g_strconcat ("Basic ", encoded, NULL);
    }
  description = g_uri_to_string (self->base);
  dd_store_set_description (DD_STORE (self), description, TRUE);
  return DD_STORE (self);
}
