#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "dd-s3-store.h"
#include "dd-sigv4.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct _DdS3Store {
  DdStore      parent_instance;
  char        *bucket;
  char        *prefix;       /* "" or ending in "/" */
  char        *endpoint;     /* NULL: AWS's for the region */
  char        *region;
  char        *access_key;
  char        *secret_key;
  char        *acl;
  gboolean     encryption;
  gsize        part_size;
};

G_DEFINE_FINAL_TYPE (DdS3Store, dd_s3_store, DD_TYPE_STORE)

/* One upload. */
typedef struct {
  DdS3Store    *store;
  GUri         *endpoint;
  char         *bucket;
  char         *key;
  char         *region;
  char         *acl;
  gboolean      encryption;
  GInputStream *file;
  goffset       size;
  guint8       *part;
  gsize         part_length;
  char         *upload_id;    /* multipart */
  guint         part_number;
  GString      *completion;   /* the CompleteMultipartUpload body */
  SoupMessage  *msg;
} Upload;

static void
upload_free (Upload *upload)
{
  g_object_unref (upload->store);
  g_uri_unref (upload->endpoint);
  g_free (upload->bucket);
  g_free (upload->key);
  g_free (upload->region);
  g_free (upload->acl);
  g_clear_object (&upload->file);
  g_free (upload->part);
  g_free (upload->upload_id);
  if (upload->completion != NULL)
    g_string_free (upload->completion, TRUE);
  g_clear_object (&upload->msg);
  g_free (upload);
}

static char *
object_url (Upload *upload)
{
  return g_strdup_printf ("s3://%s/%s", upload->bucket, upload->key);
}

/* A signed request for the object: @query are NAME, VALUE pairs; @body may be NULL. */
static SoupMessage *
signed_message (Upload             *upload,
                const char         *method,
                const char * const *query,
                GBytes             *body,
                gboolean            object_headers)
{
  DdS3Store *self = upload->store;
  const char *host = g_uri_get_host (upload->endpoint);
  int port = g_uri_get_port (upload->endpoint);
  gboolean https = g_strcmp0 (g_uri_get_scheme (upload->endpoint), "https") == 0;
  g_autofree char *host_header = port <= 0 || port == (https ? 443 : 80)
                                 ? g_strdup (host) : g_strdup_printf ("%s:%d", host, port);
  g_autofree char *path = g_strdup_printf ("/%s/%s", upload->bucket, upload->key);
  g_autofree char *encoded_path = dd_sigv4_uri_encode (path, TRUE);
  g_autofree char *payload_hash = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *amz_date = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autoptr(GString) query_string = g_string_new (NULL);
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autofree char *authorization = NULL;
  g_autoptr(GUri) uri = NULL;
  const DdSigv4Key key = { self->access_key, self->secret_key, upload->region, "s3" };
  SoupMessage *msg;
  SoupMessageHeaders *request_headers;

  payload_hash = body != NULL ? dd_sigv4_sha256_hex (g_bytes_get_data (body, NULL), g_bytes_get_size (body))
                              : g_strdup (EMPTY_SHA256);
  for (guint i = 0; query != NULL && query[i] != NULL; i += 2)
    {
      g_autofree char *name = dd_sigv4_uri_encode (query[i], FALSE);
      g_autofree char *value = dd_sigv4_uri_encode (query[i + 1], FALSE);

      g_string_append_printf (query_string, "%s%s=%s", i > 0 ? "&" : "", name, value);
    }
  g_ptr_array_add (headers, "host");
  g_ptr_array_add (headers, host_header);
  g_ptr_array_add (headers, "x-amz-content-sha256");
  g_ptr_array_add (headers, payload_hash);
  g_ptr_array_add (headers, "x-amz-date");
  g_ptr_array_add (headers, amz_date);
  if (object_headers && upload->acl != NULL)
    {
      g_ptr_array_add (headers, "x-amz-acl");
      g_ptr_array_add (headers, upload->acl);
    }
  if (object_headers && upload->encryption)
    {
      g_ptr_array_add (headers, "x-amz-server-side-encryption");
      g_ptr_array_add (headers, "AES256");
    }
  g_ptr_array_add (headers, NULL);
  authorization = dd_sigv4_authorization (&key, method, path, query, (const char * const *) headers->pdata,
                                          payload_hash, amz_date, NULL);

  uri = g_uri_build (G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY, g_uri_get_scheme (upload->endpoint),
                     NULL, host, port, encoded_path, query_string->len > 0 ? query_string->str : NULL, NULL);
  msg = soup_message_new_from_uri (method, uri);
  request_headers = soup_message_get_request_headers (msg);
  for (guint i = 0; i + 1 < headers->len; i += 2)
    soup_message_headers_replace (request_headers, headers->pdata[i], headers->pdata[i + 1]);
  soup_message_headers_replace (request_headers, "Authorization", authorization);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, object_headers ? "application/x-pcapng" : "application/xml", body);
  else if (object_headers)
    soup_message_headers_set_content_type (request_headers, "application/x-pcapng", NULL);  /* multipart */
  return msg;
}

/* The text between <TAG> and </TAG> in an XML answer, or NULL. */
static char *
xml_value (GBytes     *body,
           const char *tag)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
  g_autofree char *text = size > 0 ? g_strndup (data, size) : g_strdup ("");
  g_autofree char *open = g_strdup_printf ("<%s>", tag);
  g_autofree char *close = g_strdup_printf ("</%s>", tag);
  const char *start = strstr (text, open);
  const char *end = start != NULL ? strstr (start, close) : NULL;

  if (end == NULL)
    return NULL;
  start += strlen (open);
  return g_strndup (start, (gsize) (end - start));
}

/* FALSE (and the task's error) unless the answer is a success. */
static gboolean
check_answer (GTask        *task,
              SoupMessage  *msg,
              GBytes       *body,
              GError       *error,
              const char   *what)
{
  Upload *upload = g_task_get_task_data (task);
  g_autofree char *url = object_url (upload);
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  if (body == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_FAILED, "%s %s: %s", what, url, error->message);
      return FALSE;
    }
  code = xml_value (body, "Code");
  if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)) && code == NULL)
    return TRUE;
  message = xml_value (body, "Message");
  g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED, "%s %s: %u %s%s%s%s%s", what, url,
                           soup_message_get_status (msg), soup_message_get_reason_phrase (msg),
                           code != NULL ? ": " : "", code != NULL ? code : "",
                           message != NULL ? ": " : "", message != NULL ? message : "");
  return FALSE;
}

static void
abort_upload (Upload *upload)
{
  const char *query[] = { "uploadId", upload->upload_id, NULL };
  g_autoptr(SoupMessage) msg = NULL;

  if (upload->upload_id == NULL)
    return;
  /* Best effort, not waited for: the store drops the parts already sent. */
  msg = signed_message (upload, SOUP_METHOD_DELETE, query, NULL, FALSE);
  soup_session_send_and_read_async (dd_store_get_session (DD_STORE (upload->store)), msg, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

static void fail_multipart (GTask *task);
static void read_part (GTask *task);

static void
completed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (!check_answer (task, upload->msg, body, error, "CompleteMultipartUpload"))
    {
      abort_upload (upload);
      return;
    }
  g_task_return_pointer (task, object_url (upload), g_free);
}

static void
complete (GTask *task)
{
  Upload *upload = g_task_get_task_data (task);
  const char *query[] = { "uploadId", upload->upload_id, NULL };
  g_autoptr(GBytes) body = NULL;

  g_string_append (upload->completion, "</CompleteMultipartUpload>");
  body = g_bytes_new (upload->completion->str, upload->completion->len);
  g_clear_object (&upload->msg);
  upload->msg = signed_message (upload, SOUP_METHOD_POST, query, body, FALSE);
  soup_session_send_and_read_async (dd_store_get_session (DD_STORE (upload->store)), upload->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), completed_cb, task);
}

static void
part_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  const char *etag;

  if (!check_answer (task, upload->msg, body, error, "UploadPart"))
    {
      fail_multipart (task);
      return;
    }
  etag = soup_message_headers_get_one (soup_message_get_response_headers (upload->msg), "ETag");
  if (etag == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED,
                               "UploadPart %u: the store sent no ETag", upload->part_number);
      fail_multipart (task);
      return;
    }
  g_string_append_printf (upload->completion, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                          upload->part_number, etag);
  read_part (task);
}

static void
part_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *number = NULL;
  gsize length = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &length, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      fail_multipart (task);
      return;
    }
  if (length == 0)
    {
      complete (task);
      return;
    }
  upload->part_number++;
  number = g_strdup_printf ("%u", upload->part_number);
  {
    const char *query[] = { "partNumber", number, "uploadId", upload->upload_id, NULL };

    /* The part's memory is the upload's one buffer: the body refers to it, no copy. */
    body = g_bytes_new_static (upload->part, length);
    g_clear_object (&upload->msg);
    upload->msg = signed_message (upload, SOUP_METHOD_PUT, query, body, FALSE);
  }
  soup_session_send_and_read_async (dd_store_get_session (DD_STORE (upload->store)), upload->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), part_sent_cb, task);
}

static void
read_part (GTask *task)
{
  Upload *upload = g_task_get_task_data (task);

  g_input_stream_read_all_async (upload->file, upload->part, upload->store->part_size, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), part_read_cb, task);
}

/* A multipart upload failed: the store is told to drop its parts; the task holds the error. */
static void
fail_multipart (GTask *task)
{
  abort_upload (g_task_get_task_data (task));
  g_object_unref (task);
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (!check_answer (task, upload->msg, body, error, "CreateMultipartUpload"))
    {
      g_object_unref (task);
      return;
    }
  upload->upload_id = xml_value (body, "UploadId");
  if (upload->upload_id == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_REFUSED,
                               "CreateMultipartUpload: the store sent no UploadId");
      g_object_unref (task);
      return;
    }
  upload->completion = g_string_new ("<CompleteMultipartUpload>");
  read_part (task);
}

static void
put_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (check_answer (task, upload->msg, body, error, "PutObject"))
    g_task_return_pointer (task, object_url (upload), g_free);
}

static void
whole_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize length = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &length, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  body = g_bytes_new_static (upload->part, length);
  upload->msg = signed_message (upload, SOUP_METHOD_PUT, NULL, body, TRUE);
  soup_session_send_and_read_async (dd_store_get_session (DD_STORE (upload->store)), upload->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), put_cb, task);
}

static GUri *
endpoint_uri (const char *endpoint,
              const char *region)
{
  g_autofree char *url = NULL;

  if (endpoint == NULL)
    url = g_strdup_printf ("https://s3.%s.amazonaws.com", region);
  else if (strstr (endpoint, "://") == NULL)
    url = g_strdup_printf ("https://%s", endpoint);  /* pcapdaemon's: a host name */
  else
    url = g_strdup (endpoint);
  return g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
}

static void
dd_s3_store_save_async (DdStore                *store,
                        const char             *path,
                        const char             *name,
                        const DdTriggerMessage *message,
                        GCancellable           *cancellable,
                        GAsyncReadyCallback     callback,
                        gpointer                user_data)
{
  DdS3Store *self = DD_S3_STORE (store);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Upload *upload = g_new0 (Upload, 1);
  g_autoptr(GError) error = NULL;
  const char *query[] = { "uploads", "", NULL };

  g_task_set_source_tag (task, dd_s3_store_save_async);
  g_task_set_task_data (task, upload, (GDestroyNotify) upload_free);
  upload->store = g_object_ref (self);
  upload->region = g_strdup (message != NULL && message->region != NULL ? message->region : self->region);
  upload->endpoint = endpoint_uri (message != NULL && message->endpoint != NULL ? message->endpoint : self->endpoint,
                                   upload->region);
  upload->bucket = g_strdup (message != NULL && message->bucket != NULL ? message->bucket : self->bucket);
  upload->key = g_strconcat (self->prefix, name, NULL);
  upload->acl = g_strdup (message != NULL && message->acl != NULL ? message->acl : self->acl);
  upload->encryption = self->encryption || (message != NULL && message->encryption);
  if (upload->endpoint == NULL)
    {
      g_task_return_new_error (task, DD_STORE_ERROR, DD_STORE_ERROR_INVALID, "S3: the endpoint is not a URL");
      g_object_unref (task);
      return;
    }
  upload->file = G_INPUT_STREAM (dd_store_open_file (path, &upload->size, cancellable, &error));
  if (upload->file == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  upload->part = g_malloc (self->part_size);
  if ((gsize) upload->size <= self->part_size)
    {
      g_input_stream_read_all_async (upload->file, upload->part, self->part_size, G_PRIORITY_DEFAULT,
                                     cancellable, whole_read_cb, task);
      return;
    }
  upload->msg = signed_message (upload, SOUP_METHOD_POST, query, NULL, TRUE);
  soup_session_send_and_read_async (dd_store_get_session (store), upload->msg, G_PRIORITY_DEFAULT, cancellable, created_cb, task);
}


static void
dd_s3_store_finalize (GObject *object)
{
  DdS3Store *self = DD_S3_STORE (object);

  g_free (self->bucket);
  g_free (self->prefix);
  g_free (self->endpoint);
  g_free (self->region);
  g_free (self->access_key);
  g_free (self->secret_key);
  g_free (self->acl);
  G_OBJECT_CLASS (dd_s3_store_parent_class)->finalize (object);
}

static void
dd_s3_store_class_init (DdS3StoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_s3_store_finalize;
  DD_STORE_CLASS (klass)->save_async = dd_s3_store_save_async;
}

static void
dd_s3_store_init (DdS3Store *self)
{
}

DdStore *
dd_s3_store_new (const char             *url,
                 const DdTriggerConfig  *config,
                 GError                **error)
{
  const char *rest = url + strlen ("s3://");
  const char *slash = strchr (rest, '/');
  g_autofree char *bucket = slash != NULL ? g_strndup (rest, (gsize) (slash - rest)) : g_strdup (rest);
  g_autofree char *prefix = slash != NULL ? g_strdup (slash + 1) : g_strdup ("");
  const char *access_key = config->s3_access_key != NULL ? config->s3_access_key : g_getenv ("AWS_ACCESS_KEY_ID");
  const char *secret_key = config->s3_secret_key != NULL ? config->s3_secret_key : g_getenv ("AWS_SECRET_ACCESS_KEY");
  DdS3Store *self;

  if (*bucket == '\0')
    {
      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID, _("store “%s”: expected s3://BUCKET[/PREFIX]"), url);
      return NULL;
    }
  if (access_key == NULL || secret_key == NULL)
    {
      g_set_error (error, DD_STORE_ERROR, DD_STORE_ERROR_INVALID,
                   _("store “%s”: no credentials: set access-key and secret-key in [s3], or "
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), url);
      return NULL;
    }
  self = g_object_new (DD_TYPE_S3_STORE, NULL);
  self->bucket = g_steal_pointer (&bucket);
  self->prefix = *prefix != '\0' && !g_str_has_suffix (prefix, "/") ? g_strconcat (prefix, "/", NULL)
                                                                      : g_steal_pointer (&prefix);
  self->endpoint = g_strdup (config->s3_endpoint);
  self->region = g_strdup (config->s3_region != NULL ? config->s3_region : "us-east-1");
  self->access_key = g_strdup (access_key);
  self->secret_key = g_strdup (secret_key);
  self->acl = g_strdup (config->s3_acl);
  self->encryption = config->s3_encryption;
  self->part_size = (gsize) config->s3_part_mib * 1024 * 1024;
  dd_store_set_description (DD_STORE (self), url, TRUE);
  return DD_STORE (self);
}
