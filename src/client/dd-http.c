#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dd-clock.h"
#include "dd-format.h"
#include "dd-http.h"
#include "dd-prefetch-stream.h"
#include "dd-receiver.h"

G_DEFINE_QUARK (dd-http-error-quark, dd_http_error)

/* pcapng first: its heartbeats let the merge go on without waiting; anything else the
 * worker sends is read as well. */
#define ACCEPT DD_MIME_PCAPNG ", " DD_MIME_PCAP ";q=0.9, */*;q=0.1"
#define ERROR_BODY_MAX 4096

/* Targets are spread over this many sessions. libsoup 3.2 looks a session's messages up
 * in a list on every step of every message, which costs as much as messages are running:
 * with a thousand streams in one session, that was half the receiving thread's time. */
#define SESSIONS 16

/* Streams are opened and read in the receiver's thread, with sessions of that thread;
 * the caller's thread gets each body as a DdPrefetchStream. */
struct _DdHttp {
  DdReceiver      *receiver;
  SoupSession     *sessions[SESSIONS];  /* the receiver's thread only; made when first used */
  GTlsDatabase    *database;  /* NULL: the system's */
  gboolean         trust_pending;  /* SSL_CERT_FILE/DIR: read at the first https request */
  GError          *trust_error;    /* the receiver's thread only */
  GTlsCertificate *client_certificate;
  char            *trust;  /* where trusted CAs come from, for messages */
  guint            connect_timeout_s;
};

/* What every piece of work sent to the receiver's thread has: the caller's task, and our
 * own cancellable, which the caller's, the connect timeout and the receiver's end cancel.
 * Everything but @task lives in the receiver's thread, and is freed there. */
typedef struct {
  GTask        *task;      /* the caller's */
  DdHttp       *http;
  GCancellable *cancellable;
  gulong        cancelled_id;
  GSource      *timeout;
  gboolean      timed_out;
} Work;

/* One opening, from the caller's thread to the receiver's and back. */
typedef struct {
  Work                 work;
  GMainContext        *reader;   /* the caller's context */
  gsize                read_ahead;
  DdTarget            *target;
  SoupMessage         *msg;
  GTlsCertificateFlags certificate_errors;
  GInputStream        *body;
  guint8               error_body[ERROR_BODY_MAX];
} OpenData;

static void
work_stop_timeout (Work *work)
{
  if (work->timeout != NULL)
    g_source_destroy (work->timeout);
  g_clear_pointer (&work->timeout, g_source_unref);
}

static void
work_clear (Work *work)
{
  GCancellable *outer = g_task_get_cancellable (work->task);

  work_stop_timeout (work);
  if (outer != NULL)
    g_cancellable_disconnect (outer, work->cancelled_id);
  if (work->cancellable != NULL)
    dd_receiver_release (work->http->receiver, work->cancellable);
  g_clear_object (&work->cancellable);
  g_clear_object (&work->task);
}

static void
open_data_free (OpenData *data)
{
  work_clear (&data->work);
  g_clear_object (&data->msg);
  g_clear_object (&data->body);
  g_main_context_unref (data->reader);
  g_free (data);
}

/* The system trust store of GnuTLS ignores SSL_CERT_FILE and SSL_CERT_DIR; curl and Go
 * honour them, and so do we. A directory is read into one bundle. */
/* Where the environment's trusted CAs are, for messages; NULL: nowhere. */
static char *
environment_trust (void)
{
  const char *file = g_getenv ("SSL_CERT_FILE");
  const char *dir = g_getenv ("SSL_CERT_DIR");

  if (file != NULL && *file != '\0')
    return g_strdup_printf ("SSL_CERT_FILE=%s", file);
  if (dir != NULL && *dir != '\0')
    return g_strdup_printf ("SSL_CERT_DIR=%s", dir);
  return NULL;
}

static GTlsDatabase *
database_from_environment (GError **error)
{
  const char *file = g_getenv ("SSL_CERT_FILE");
  const char *dir = g_getenv ("SSL_CERT_DIR");
  g_autoptr(GString) bundle = NULL;
  g_autoptr(GDir) d = NULL;
  g_autofree char *tmp_path = NULL;
  GTlsDatabase *db;
  const char *name;
  int fd;

  if (file != NULL && *file != '\0')
    return g_tls_file_database_new (file, error);
  if (dir == NULL || *dir == '\0')
    return NULL;
  if ((d = g_dir_open (dir, 0, error)) == NULL)
    return NULL;
  bundle = g_string_new (NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) &&
          strstr (contents, "-----BEGIN CERTIFICATE-----") != NULL)
        {
          g_string_append (bundle, contents);
          g_string_append_c (bundle, '\n');
        }
    }
  if ((fd = g_file_open_tmp ("ddump-ca-XXXXXX.pem", &tmp_path, error)) < 0)
    return NULL;
  close (fd);
  if (!g_file_set_contents (tmp_path, bundle->str, (gssize) bundle->len, error))
    {
      g_unlink (tmp_path);
      return NULL;
    }
  db = g_tls_file_database_new (tmp_path, error);
  g_unlink (tmp_path);
  return db;
}

DdHttp *
dd_http_new (const char *ca_file,
             const char *cert_file,
             const char *key_file,
             guint       connect_timeout_s,
             GError    **error)
{
  g_autoptr(DdHttp) self = g_new0 (DdHttp, 1);
  g_autoptr(GTlsDatabase) db = NULL;
  g_autoptr(GError) local_error = NULL;

  self->connect_timeout_s = connect_timeout_s;

  if (ca_file != NULL)
    {
      self->trust = g_strdup_printf ("--ca %s", ca_file);
      if ((db = g_tls_file_database_new (ca_file, &local_error)) == NULL)
        {
          g_set_error (error, DD_HTTP_ERROR, DD_HTTP_ERROR_CONFIG,
                       _("cannot use the CA bundle %s: %s"), ca_file, local_error->message);
          return NULL;
        }
    }
  else
    {
      /* Read in the receiver's thread, and only if a target needs it: parsing a system
       * bundle takes tens of milliseconds. */
      self->trust = environment_trust ();
      self->trust_pending = self->trust != NULL;
      if (self->trust == NULL)
        self->trust = g_strdup (_("the system trust store"));
    }
  self->database = g_steal_pointer (&db);

  if (cert_file != NULL)
    {
      self->client_certificate = g_tls_certificate_new_from_files (cert_file, key_file, &local_error);
      if (self->client_certificate == NULL)
        {
          g_set_error (error, DD_HTTP_ERROR, DD_HTTP_ERROR_CONFIG,
                       _("cannot use the client certificate %s with the key %s: %s"),
                       cert_file, key_file, local_error->message);
          return NULL;
        }
    }
  self->receiver = dd_receiver_new ("ddump-receiver");
  return g_steal_pointer (&self);
}

/* In the receiver's thread: @target's session, always the same one, so that its clock's
 * exchanges and its capture may share a kept-alive connection. */
static SoupSession *
get_session (DdHttp   *self,
             DdTarget *target)
{
  SoupSession **session = &self->sessions[g_str_hash (target->label) % SESSIONS];

  if (*session != NULL)
    return *session;
  /* Every stream at once, however many go to one host: the defaults (2 per host, 10 in
   * all) would queue streams that never end. No I/O timeout: a quiet capture is fine. */
  *session = soup_session_new_with_options ("max-conns", 65535,
                                            "max-conns-per-host", 65535,
                                            "timeout", 0,
                                            "idle-timeout", 0,
                                            "user-agent", "ddump/" PACKAGE_VERSION,
                                            NULL);
  soup_session_remove_feature_by_type (*session, SOUP_TYPE_CONTENT_DECODER);
  if (self->database != NULL)
    soup_session_set_tls_database (*session, self->database);
  return *session;
}

/* In the receiver's thread, when nothing runs there any more. */
static void
free_session (gpointer user_data)
{
  DdHttp *self = user_data;

  /* Their idle connections watch their sockets from this thread's context: closed now. */
  for (guint i = 0; i < SESSIONS; i++)
    {
      if (self->sessions[i] != NULL)
        soup_session_abort (self->sessions[i]);
      g_clear_object (&self->sessions[i]);
    }
}

void
dd_http_free (DdHttp *self)
{
  if (self == NULL)
    return;
  dd_receiver_free (self->receiver, free_session, self);
  g_clear_error (&self->trust_error);
  g_clear_object (&self->database);
  g_clear_object (&self->client_certificate);
  g_free (self->trust);
  g_free (self);
}

static char *
describe_certificate_errors (DdHttp              *self,
                             const DdTarget      *target,
                             GTlsCertificateFlags flags)
{
  g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;

  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (reasons, g_strdup_printf (_("it is not signed by a certificate authority trusted by %s"), self->trust));
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (reasons, g_strdup_printf (_("it is not valid for the host name “%s”"), g_uri_get_host (target->uri)));
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (reasons, g_strdup (_("it is not valid yet (check the clocks)")));
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (reasons, g_strdup (_("it has expired")));
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (reasons, g_strdup (_("it has been revoked")));
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (reasons, g_strdup (_("it uses an insecure algorithm")));
  if (reasons->len == 0)
    g_ptr_array_add (reasons, g_strdup (_("it could not be verified")));
  g_ptr_array_add (reasons, NULL);
  joined = g_strjoinv ("; ", (char **) reasons->pdata);
  return g_strdup_printf (_("the server's certificate was refused: %s"), joined);
}

static gboolean
accept_certificate_cb (SoupMessage         *msg,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  OpenData *data = user_data;

  data->certificate_errors = errors;
  return FALSE;
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  Work *work = user_data;

  g_clear_pointer (&work->timeout, g_source_unref);
  work->timed_out = TRUE;
  g_cancellable_cancel (work->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

/* The caller's cancellable, in the caller's thread: ours is cancelled in the receiver's
 * (see post () in dd-prefetch-stream.c). work_clear () waits for this to return, before
 * the receiver may end. */
static void
outer_cancelled_cb (GCancellable *outer,
                    gpointer      user_data)
{
  Work *work = user_data;

  dd_receiver_invoke (work->http->receiver, cancel_cb, g_object_ref (work->cancellable), g_object_unref);
}

/* In the receiver's thread, before the work's first request: its cancellable and timeout. */
static void
work_start (Work *work)
{
  DdHttp *self = work->http;
  GCancellable *outer = g_task_get_cancellable (work->task);

  work->cancellable = g_cancellable_new ();
  dd_receiver_hold (self->receiver, work->cancellable);
  if (outer != NULL)
    work->cancelled_id = g_cancellable_connect (outer, G_CALLBACK (outer_cancelled_cb), work, NULL);
  if (self->connect_timeout_s > 0)
    {
      work->timeout = g_timeout_source_new_seconds (self->connect_timeout_s);
      g_source_set_callback (work->timeout, connect_timeout_cb, work, NULL);
      g_source_attach (work->timeout, dd_receiver_get_context (self->receiver));
    }
}

/* The worker's reason, from a text/plain body (ours) or an HTML title (a proxy's). */
static char *
error_message (const char *content_type,
               const char *body,
               gsize       len)
{
  g_autofree char *text = g_utf8_make_valid (body, (gssize) len);
  GString *out;
  char *start = text, *end;

  if (content_type != NULL && g_str_has_prefix (content_type, "text/html"))
    {
      char *title = strstr (text, "<title>");

      if (title == NULL || (end = strstr (title, "</title>")) == NULL)
        return NULL;
      start = title + strlen ("<title>");
      *end = '\0';
      /* nginx titles repeat the status: "400 No required SSL certificate was sent". */
      while (g_ascii_isdigit (*start))
        start++;
    }
  else if (content_type != NULL && !g_str_has_prefix (content_type, "text/"))
    return NULL;
  g_strstrip (start);
  if ((end = strchr (start, '\n')) != NULL)
    *end = '\0';
  out = g_string_new (NULL);
  for (const char *p = start; *p != '\0' && out->len < 300; p++)
    g_string_append_c (out, g_ascii_iscntrl (*p) ? ' ' : *p);
  if (out->len == 0)
    return (g_string_free (out, TRUE), NULL);
  return g_string_free (out, FALSE);
}

GError *
dd_connect_timeout_error (guint timeout_s)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no answer within %u s"), timeout_s);
}

/* In the receiver's thread: the opening ends with @error or the body. */
static void
open_done (OpenData *data,
           GError   *error)  /* (transfer full) */
{
  if (error != NULL)
    g_task_return_error (data->work.task, error);
  else
    {
      GInputStream *stream = dd_prefetch_stream_new (data->work.http->receiver, data->body,
                                                     data->read_ahead, data->reader);
      SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
      const char *clamped = soup_message_headers_get_one (headers, "X-Ddump-Clamped");
      const char *capture = soup_message_headers_get_one (headers, "X-Ddump-Capture");

      if (clamped != NULL)
        g_object_set_data_full (G_OBJECT (stream), DD_HTTP_CLAMPED, g_strdup (clamped), g_free);
      if (capture != NULL)
        g_object_set_data_full (G_OBJECT (stream), DD_HTTP_CAPTURE, g_strcanon (g_strndup (capture, 20), "0123456789", '?'),
                                g_free);
      const char *ready = soup_message_headers_get_one (headers, "X-Ddump-Capture-Ready");
      guint64 ready_ns;

      if (ready != NULL && g_ascii_string_to_unsigned (ready, 10, 1, G_MAXUINT64 - 1, &ready_ns, NULL))
        g_object_set_data_full (G_OBJECT (stream), DD_HTTP_READY, g_memdup2 (&ready_ns, sizeof ready_ns), g_free);
      if (g_strcmp0 (soup_message_headers_get_one (headers, "X-Ddump-Direct"), "yes") == 0)
        g_object_set_data (G_OBJECT (stream), DD_HTTP_DIRECT, GINT_TO_POINTER (TRUE));
      g_task_return_pointer (data->work.task, stream, g_object_unref);
    }
  open_data_free (data);
}

static void
error_body_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OpenData *data = user_data;
  guint status = soup_message_get_status (data->msg);
  const char *reason = soup_message_get_reason_phrase (data->msg);
  gsize len = 0;
  g_autofree char *message = NULL;
  const char *hint = NULL;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &len, NULL))
    len = 0;
  message = error_message (soup_message_headers_get_content_type (soup_message_get_response_headers (data->msg), NULL),
                           (const char *) data->error_body, len);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    hint = data->target->user != NULL
           ? _("the user name or password was refused")
           : _("the server wants a user name and password (in the URL or a netrc file)");
  else if (status == SOUP_STATUS_BAD_REQUEST && message != NULL &&
           strstr (message, "SSL certificate") != NULL)
    hint = _("the server wants a client certificate (--cert and --key)");
  open_done (data, g_error_new (DD_HTTP_ERROR, DD_HTTP_ERROR_STATUS, "%u %s%s%s%s%s",
                                status, reason != NULL ? reason : "",
                                message != NULL ? ": " : "", message != NULL ? message : "",
                                hint != NULL ? " — " : "", hint != NULL ? hint : ""));
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr(GError) error = NULL;

  work_stop_timeout (&data->work);
  data->body = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (data->body == NULL)
    {
      if (data->work.timed_out)
        open_done (data, dd_connect_timeout_error (data->work.http->connect_timeout_s));
      else if (data->certificate_errors != 0)
        {
          g_autofree char *why = describe_certificate_errors (data->work.http, data->target,
                                                              data->certificate_errors);

          open_done (data, g_error_new (DD_HTTP_ERROR, DD_HTTP_ERROR_CERTIFICATE, "%s", why));
        }
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
        open_done (data, g_error_new (DD_HTTP_ERROR, DD_HTTP_ERROR_CERTIFICATE,
                                      _("the server wants a client certificate (--cert and --key): %s"),
                                      error->message));
      else
        open_done (data, g_steal_pointer (&error));
      return;
    }
  if (soup_message_get_status (data->msg) != SOUP_STATUS_OK)
    {
      g_input_stream_read_all_async (data->body, data->error_body, sizeof data->error_body,
                                     G_PRIORITY_DEFAULT, data->work.cancellable, error_body_cb, data);
      return;
    }
  open_done (data, NULL);
}

/* In the receiver's thread: a GET of @uri with @target's credentials. */
static SoupMessage *
new_request (DdHttp   *self,
             DdTarget *target,
             GUri     *uri)
{
  SoupMessage *msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);

  if (target->user != NULL)
    {
      g_autofree char *pair = g_strdup_printf ("%s:%s", target->user,
                                               target->password != NULL ? target->password : "");
      g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
      g_autofree char *value = g_strdup_printf ("Basic %s", encoded);

      memset (pair, 0, strlen (pair));
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  if (self->client_certificate != NULL)
    soup_message_set_tls_client_certificate (msg, self->client_certificate);
  return msg;
}

/* In the receiver's thread. */
static gboolean
open_in_thread_cb (gpointer user_data)
{
  OpenData *data = user_data;
  DdHttp *self = data->work.http;
  DdTarget *target = data->target;
  gboolean https = g_strcmp0 (g_uri_get_scheme (target->uri), "https") == 0;

  if (https && self->trust_pending)
    {
      self->trust_pending = FALSE;
      /* The sessions made from now on take it; those made before served plain http only. */
      self->database = database_from_environment (&self->trust_error);
      for (guint i = 0; i < SESSIONS && self->database != NULL; i++)
        if (self->sessions[i] != NULL)
          soup_session_set_tls_database (self->sessions[i], self->database);
    }
  if (https && self->trust_error != NULL)
    {
      open_done (data, g_error_new (DD_HTTP_ERROR, DD_HTTP_ERROR_CONFIG,
                                    _("cannot use the CA certificates of %s: %s"), self->trust,
                                    self->trust_error->message));
      return G_SOURCE_REMOVE;
    }
  data->msg = new_request (self, target, target->uri);
  soup_message_headers_replace (soup_message_get_request_headers (data->msg), "Accept", ACCEPT);
  g_signal_connect (data->msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), data);

  work_start (&data->work);
  soup_session_send_async (get_session (self, target), data->msg, G_PRIORITY_DEFAULT, data->work.cancellable,
                           send_cb, data);
  return G_SOURCE_REMOVE;
}

void
dd_http_open_async (DdHttp             *self,
                    DdTarget           *target,
                    gsize               read_ahead,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->work.task = g_task_new (NULL, cancellable, callback, user_data);
  data->work.http = self;
  g_task_set_source_tag (data->work.task, dd_http_open_async);
  data->reader = g_main_context_ref_thread_default ();
  data->read_ahead = read_ahead;
  data->target = target;
  dd_receiver_invoke (self->receiver, open_in_thread_cb, data, NULL);
}

GInputStream *
dd_http_open_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the worker's clock -------------------------------------------------------------- */

/* A few exchanges with GET /clock, one after the other, in the receiver's thread. */
typedef struct {
  Work             work;
  DdTarget        *target;
  GUri            *uri;
  guint            left;
  DdClockEstimate  estimate;
  SoupMessage     *msg;
  gint64           sent;      /* t0 */
  gint64           received;  /* t3 */
} ClockData;

static void exchange (ClockData *data);

static void
clock_data_free (ClockData *data)
{
  work_clear (&data->work);
  g_clear_object (&data->msg);
  g_uri_unref (data->uri);
  g_free (data);
}

static void
clock_done (ClockData *data,
            GError    *error)  /* (transfer full) (nullable) */
{
  /* The exchanges that went well count, whatever happened to the others. */
  if (data->estimate.exchanges > 0)
    {
      g_clear_error (&error);
      g_task_return_pointer (data->work.task, g_memdup2 (&data->estimate, sizeof data->estimate), g_free);
    }
  else
    g_task_return_error (data->work.task, error);
  clock_data_free (data);
}

/* Just before the request is written, its connection ready: a stamp taken after the write
 * could come after the worker's own, and the error bound would no longer hold. */
static void
starting_cb (SoupMessage *msg,
             gpointer     user_data)
{
  ((ClockData *) user_data)->sent = dd_clock_real_time_ns ();
}

static void
got_headers_cb (SoupMessage *msg,
                gpointer     user_data)
{
  ((ClockData *) user_data)->received = dd_clock_real_time_ns ();
}

/* The worker's two timestamps, from {"receive_ns": N, "transmit_ns": N}. */
static gboolean
parse_clock (GBytes  *body,
             gint64  *receive,
             gint64  *transmit,
             GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  gsize len;
  const char *text = g_bytes_get_data (body, &len);

  if (!json_parser_load_from_data (parser, text != NULL ? text : "", (gssize) len, error))
    return FALSE;
  root = json_parser_get_root (parser);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  *receive = object != NULL ? json_object_get_int_member_with_default (object, "receive_ns", 0) : 0;
  *transmit = object != NULL ? json_object_get_int_member_with_default (object, "transmit_ns", 0) : 0;
  if (*receive <= 0 || *transmit <= 0)
    {
      g_set_error_literal (error, DD_HTTP_ERROR, DD_HTTP_ERROR_FAILED,
                           _("the answer has no receive_ns and transmit_ns"));
      return FALSE;
    }
  return TRUE;
}

/* The body of a GET beside the capture URL, once a 200 came back: a timeout is the
 * connect timeout's error, another status (a worker from before the endpoint, a proxy that
 * does not pass it on) names it. */
static GBytes *
read_answer (Work          *work,
             GObject       *session,
             GAsyncResult  *result,
             SoupMessage   *msg,
             GUri          *uri,
             GError       **error)
{
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (session), result, error);
  guint status;

  if (body == NULL)
    {
      if (work->timed_out)
        {
          g_clear_error (error);
          g_propagate_error (error, dd_connect_timeout_error (work->http->connect_timeout_s));
        }
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, DD_HTTP_ERROR, DD_HTTP_ERROR_STATUS, "GET %s: %u %s", g_uri_get_path (uri), status,
                   soup_message_get_reason_phrase (msg));
      return NULL;
    }
  return g_steal_pointer (&body);
}

static void
exchange_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ClockData *data = user_data;
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  gint64 receive, transmit;

  body = read_answer (&data->work, object, result, data->msg, data->uri, &error);
  if (body == NULL)
    {
      clock_done (data, error);
      return;
    }
  if (!parse_clock (body, &receive, &transmit, &error))
    {
      g_prefix_error (&error, "GET %s: ", g_uri_get_path (data->uri));
      clock_done (data, error);
      return;
    }
  if (!dd_clock_estimate_add (&data->estimate, data->sent, receive, transmit, data->received))
    g_debug ("%s: a clock exchange with impossible timestamps left out", data->target->label);
  g_clear_object (&data->msg);
  if (--data->left == 0)
    clock_done (data, NULL);
  else
    exchange (data);
}

static void
exchange (ClockData *data)
{
  data->msg = new_request (data->work.http, data->target, data->uri);
  data->sent = data->received = 0;
  g_signal_connect (data->msg, "starting", G_CALLBACK (starting_cb), data);
  g_signal_connect (data->msg, "got-headers", G_CALLBACK (got_headers_cb), data);
  soup_session_send_and_read_async (get_session (data->work.http, data->target), data->msg, G_PRIORITY_DEFAULT,
                                    data->work.cancellable, exchange_cb, data);
}

static gboolean
clock_in_thread_cb (gpointer user_data)
{
  ClockData *data = user_data;

  work_start (&data->work);
  exchange (data);
  return G_SOURCE_REMOVE;
}

/* The worker's other endpoints are beside its capture: /PATH/capture → /PATH/@name. */
static GUri *
sibling_uri (GUri       *capture,
             const char *name)
{
  const char *path = g_uri_get_path (capture);
  const char *slash = strrchr (path, '/');
  g_autofree char *dir = slash != NULL ? g_strndup (path, (gsize) (slash - path)) : g_strdup ("");
  g_autofree char *sibling = g_strconcat (dir, "/", name, NULL);

  return g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (capture), NULL, g_uri_get_host (capture),
                      g_uri_get_port (capture), sibling, NULL, NULL);
}

void
dd_http_clock_async (DdHttp             *self,
                     DdTarget           *target,
                     guint               exchanges,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  ClockData *data = g_new0 (ClockData, 1);

  g_return_if_fail (exchanges > 0);
  data->work.task = g_task_new (NULL, cancellable, callback, user_data);
  data->work.http = self;
  g_task_set_source_tag (data->work.task, dd_http_clock_async);
  data->target = target;
  data->uri = sibling_uri (target->uri, "clock");
  data->left = exchanges;
  dd_receiver_invoke (self->receiver, clock_in_thread_cb, data, NULL);
}

/* One GET beside the capture URL, from the caller's thread to the receiver's and back. */
typedef struct {
  Work         work;
  DdTarget    *target;
  GUri        *uri;
  SoupMessage *msg;
} GetData;

typedef struct {
  GBytes             *body;
  SoupMessageHeaders *headers;
} GetResult;

static void
get_result_free (GetResult *result)
{
  g_bytes_unref (result->body);
  soup_message_headers_unref (result->headers);
  g_free (result);
}

static void
get_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  GetData *data = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) body = read_answer (&data->work, object, result, data->msg, data->uri, &error);

  if (body == NULL)
    g_task_return_error (data->work.task, error);
  else
    {
      GetResult *got = g_new0 (GetResult, 1);

      got->body = g_steal_pointer (&body);
      got->headers = soup_message_headers_ref (soup_message_get_response_headers (data->msg));
      g_task_return_pointer (data->work.task, got, (GDestroyNotify) get_result_free);
    }
  work_clear (&data->work);
  g_clear_object (&data->msg);
  g_uri_unref (data->uri);
  g_free (data);
}

static gboolean
get_in_thread_cb (gpointer user_data)
{
  GetData *data = user_data;

  work_start (&data->work);
  data->msg = new_request (data->work.http, data->target, data->uri);
  soup_session_send_and_read_async (get_session (data->work.http, data->target), data->msg, G_PRIORITY_DEFAULT,
                                    data->work.cancellable, get_cb, data);
  return G_SOURCE_REMOVE;
}

void
dd_http_get_async (DdHttp             *self,
                   DdTarget           *target,
                   const char         *name,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  GetData *data = g_new0 (GetData, 1);

  data->work.task = g_task_new (NULL, cancellable, callback, user_data);
  data->work.http = self;
  g_task_set_source_tag (data->work.task, dd_http_get_async);
  data->target = target;
  data->uri = sibling_uri (target->uri, name);
  dd_receiver_invoke (self->receiver, get_in_thread_cb, data, NULL);
}

GBytes *
dd_http_get_finish (GAsyncResult        *result,
                    SoupMessageHeaders **headers,
                    GError             **error)
{
  GetResult *got;
  GBytes *body;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return NULL;
  body = g_steal_pointer (&got->body);
  if (headers != NULL)
    *headers = soup_message_headers_ref (got->headers);
  get_result_free (got);
  return body;
}

gboolean
dd_http_clock_finish (GAsyncResult     *result,
                      DdClockEstimate  *estimate,
                      GError          **error)
{
  g_autofree DdClockEstimate *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  *estimate = *found;
  return TRUE;
}
