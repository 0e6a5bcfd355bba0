#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dd-cloudshark-store.h"
#include "dd-concat-input-stream.h"

struct _DdCloudsharkStore {
  DdStore      parent_instance;
  char        *scheme;
  char        *host;
  int          port;
  char        *token;
};

G_DEFINE_FINAL_TYPE (DdCloudsharkStore, dd_cloudshark_store, DD_TYPE_STORE)

/* The form's text before the file, the file, then its end: one stream, read in turn. */
static GInputStream *
form_body (GInputStream *file,
           const char   *boundary,
           const char   *filename,
           const char   *tags,
           gsize        *length,
           goffset       file_size)
{
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *tail = g_strdup_printf ("\r\n--%s--\r\n", boundary);
  GInputStream *parts[3];
  g_autoptr(GInputStream) before = NULL;
  g_autoptr(GInputStream) after = NULL;

  if (tags != NULL && *tags != '\0')
    g_string_append_printf (head, "--%s\r\nContent-Disposition: form-data; name=\"additional_tags\"\r\n\r\n%s\r\n",
                            boundary, tags);
  g_string_append_printf (head, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                                "Content-Type: application/x-pcapng\r\n\r\n", boundary, filename);
  *length = head->len + (gsize) file_size + strlen (tail);
  before = g_memory_input_stream_new_from_data (g_strdup (head->str), head->len, g_free);
  after = g_memory_input_stream_new_from_data (g_steal_pointer (&tail), -1, g_free);
  parts[0] = before;
  parts[1] = file;
  parts[2] = after;
  return dd_concat_input_stream_new (parts, 3);
}

static void
posted_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DdCloudsharkStore *self = g_task_get_source_object (task);
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *id = NULL;

  if (body == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_FAILED, "CloudShark %s: %s", self->host,
                               error->message);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED, "CloudShark %s: %u %s", self->host,
                               soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
      return;
    }
  if (json_parser_load_from_data (parser, g_bytes_get_size (body) > 0 ? g_bytes_get_data (body, NULL) : "",
                                  (gssize) g_bytes_get_size (body), NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    id = json_object_get_string_member_with_default (json_node_get_object (root), "id", NULL);
  if (id == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED,
                               "CloudShark %s: the answer names no capture id", self->host);
      return;
    }
  g_task_return_pointer (task, self->port > 0 ? g_strdup_printf ("%s://%s:%d/captures/%s", self->scheme, self->host, self->port, id)
                                              : g_strdup_printf ("%s://%s/captures/%s", self->scheme, self->host, id),
                         g_free);
}

static void
dd_cloudshark_store_save_async (DdStore                *store,
                                const char             *path,
                                const char             *name,
                                const DdTriggerMessage *message,
                                GCancellable           *cancellable,
                                GAsyncReadyCallback     callback,
                                gpointer                user_data)
{
  DdCloudsharkStore *self = DD_CLOUDSHARK_STORE (store);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *boundary = g_strdup_printf ("ddump-%s", uuid);
  g_autofree char *target = g_strdup_printf ("/api/v1/%s/upload", self->token);
  g_autofree char *content_type = g_strdup_printf ("multipart/form-data; boundary=%s", boundary);
  g_autofree char *filename = g_path_get_basename (name);
  gsize length;
  goffset size;
  SoupMessage *msg;

  g_task_set_source_tag (task, dd_cloudshark_store_save_async);
  stream = dd_store_open_file (path, &size, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  body = form_body (G_INPUT_STREAM (stream), boundary, filename, message != NULL ? message->tags : NULL,
                    &length, size);
  uri = g_uri_build (G_URI_FLAGS_NONE, self->scheme, NULL, self->host, self->port, target, NULL, NULL);
  msg = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  g_task_set_task_data (task, msg, g_object_unref);
  soup_message_set_request_body (msg, content_type, body, (gssize) length);
  soup_session_send_and_read_async (dd_store_get_session (store), msg, G_PRIORITY_DEFAULT, cancellable, posted_cb,
                                    g_steal_pointer (&task));
}

static void
dd_cloudshark_store_finalize (GObject *object)
{
  DdCloudsharkStore *self = DD_CLOUDSHARK_STORE (object);

  g_free (self->scheme);
  g_free (self->host);
  g_free (self->token);
  G_OBJECT_CLASS (dd_cloudshark_store_parent_class)->finalize (object);
}

static void
dd_cloudshark_store_class_init (DdCloudsharkStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_cloudshark_store_finalize;
  DD_STORE_CLASS (klass)->save_async = dd_cloudshark_store_save_async;
}

static void
dd_cloudshark_store_init (DdCloudsharkStore *self)
{
}

DdStore *
dd_cloudshark_store_new (const char  *url,
                         GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *description = NULL;
  DdCloudsharkStore *self;

  if (uri == NULL || g_uri_get_user (uri) == NULL || *g_uri_get_user (uri) == '\0' ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID,
                   _("store: expected cloudshark://TOKEN@HOST[:PORT] (cloudshark+http:// without TLS)"));
      return NULL;
    }
  self = g_object_new (DD_TYPE_CLOUDSHARK_STORE, NULL);
  self->scheme = g_strdup (g_str_equal (g_uri_get_scheme (uri), "cloudshark+http") ? "http" : "https");
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri);
  self->token = g_uri_unescape_string (g_uri_get_user (uri), NULL);
  /* Never the token in a log line. */
  description = self->port > 0 ? g_strdup_printf ("cloudshark %s://%s:%d", self->scheme, self->host, self->port)
                               : g_strdup_printf ("cloudshark %s://%s", self->scheme, self->host);
  dd_store_set_description (DD_STORE (self), description, TRUE);
  return DD_STORE (self);
}
