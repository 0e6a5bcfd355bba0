#include "config.h"

#include <glib/gi18n.h>
#include <hiredis/adapters/glib.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "dd-redis.h"

/* The first retry comes soon; then each waits twice as long, up to RETRY_MAX_MS. */
#define RETRY_MIN_MS 250
#define RETRY_MAX_MS 30000
/* A server that accepts no connection (or never answers it) in this time is retried. */
#define CONNECT_TIMEOUT_MS 5000
/* Messages to publish kept while the publishing connection is down. */
#define PENDING_MAX 256

G_DEFINE_QUARK (dd-redis-error-quark, dd_redis_error)

typedef struct {
  DdRedis           *redis;
  gboolean           subscriber;
  const char        *role;         /* for messages */
  redisAsyncContext *ac;
  GSource           *source;       /* the adapter's, owned by the main context */
  GCancellable      *lookup;
  gboolean           ready;        /* subscribed, or connected for publishing */
  gboolean           closing;
  gboolean           was_lost;     /* the last attempt failed: say when it works again */
  guint              backoff_ms;
  guint              retry_id;
  guint              timeout_id;
} Conn;

struct _DdRedis {
  char        *host;
  guint16      port;
  char        *user;
  char        *password;
  char        *channel;
  char        *address;
  DdRedisMessageFunc message;
  gpointer     message_data;
  Conn         sub;
  Conn         pub;
  GQueue       pending;  /* of char * pairs: channel, then text */
  guint        unanswered;
};

static void conn_start (Conn *conn);

DdRedis *
dd_redis_new (const char          *url,
              DdRedisMessageFunc   message_func,
              gpointer             user_data,
              GError             **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  DdRedis *self;
  const char *path;

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH, &local_error);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, DD_REDIS_ERROR, DD_REDIS_ERROR_INVALID_URL,
                   _("“%s” is not a Redis URL: expected redis://[:PASSWORD@]HOST[:PORT][/CHANNEL]%s%s"),
                   url, local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return NULL;
    }
  path = g_uri_get_path (uri);
  if (path[0] == '/')
    path++;
  if (strchr (path, '/') != NULL || g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, DD_REDIS_ERROR, DD_REDIS_ERROR_INVALID_URL,
                   _("“%s”: the path of a Redis URL is one channel name, and it takes no query"), url);
      return NULL;
    }

  self = g_new0 (DdRedis, 1);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri) > 0 ? (guint16) g_uri_get_port (uri) : DD_REDIS_DEFAULT_PORT;
  if (g_uri_get_password (uri) != NULL)
    {
      self->password = g_uri_unescape_string (g_uri_get_password (uri), NULL);
      if (g_uri_get_user (uri) != NULL && *g_uri_get_user (uri) != '\0')
        self->user = g_uri_unescape_string (g_uri_get_user (uri), NULL);
    }
  self->channel = *path != '\0' ? g_uri_unescape_string (path, NULL) : g_strdup (DD_REDIS_DEFAULT_CHANNEL);
  self->address = strchr (self->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", self->host, self->port)
                                                   : g_strdup_printf ("%s:%u", self->host, self->port);
  self->message = message_func;
  self->message_data = user_data;
  self->sub = (Conn) { .redis = self, .subscriber = TRUE, .role = "subscriber" };
  self->pub = (Conn) { .redis = self, .subscriber = FALSE, .role = "publisher" };
  g_queue_init (&self->pending);
  return self;
}

static void
conn_close (Conn *conn)
{
  conn->closing = TRUE;
  g_clear_handle_id (&conn->retry_id, g_source_remove);
  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  if (conn->lookup != NULL)
    g_cancellable_cancel (conn->lookup);
  g_clear_object (&conn->lookup);
  /* Calls back every pending command with no reply, then the cleanup below. */
  if (conn->ac != NULL)
    redisAsyncFree (conn->ac);
}

void
dd_redis_free (DdRedis *self)
{
  if (self == NULL)
    return;
  conn_close (&self->sub);
  conn_close (&self->pub);
  g_queue_clear_full (&self->pending, g_free);
  g_free (self->host);
  g_free (self->user);
  g_free (self->password);
  g_free (self->channel);
  g_free (self->address);
  g_free (self);
}

const char *
dd_redis_get_channel (DdRedis *self)
{
  return self->channel;
}

const char *
dd_redis_get_address (DdRedis *self)
{
  return self->address;
}

gboolean
dd_redis_is_subscribed (DdRedis *self)
{
  return self->sub.ready;
}

/* ---- one connection -------------------------------------------------------------------- */

static gboolean
retry_cb (gpointer user_data)
{
  Conn *conn = user_data;

  conn->retry_id = 0;
  conn_start (conn);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (Conn *conn)
{
  if (conn->closing || conn->retry_id != 0)
    return;
  conn->ready = FALSE;
  conn->was_lost = TRUE;
  conn->backoff_ms = conn->backoff_ms == 0 ? RETRY_MIN_MS : MIN (conn->backoff_ms * 2, RETRY_MAX_MS);
  conn->retry_id = g_timeout_add (conn->backoff_ms, retry_cb, conn);
}

/* hiredis frees the context: the adapter's source goes with it, and a new connection is
 * tried. The adapter's own cleanup leaves the source attached, and its dispatch would go
 * on to read from the freed context after a failed write: neither happens here. */
static void
cleanup_cb (void *data)
{
  RedisSource *source = data;
  Conn *conn = source->ac->data;

  redis_source_cleanup (data);
  source->poll_fd.revents = 0;
  g_source_destroy ((GSource *) source);
  conn->source = NULL;
  conn->ac = NULL;
  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  schedule_retry (conn);
}

static void
lost (Conn       *conn,
      const char *what,
      const char *why)
{
  if (conn->closing)
    return;
  g_warning ("redis %s (%s): %s: %s; retrying in %.2g s", conn->redis->address, conn->role, what, why,
             (conn->backoff_ms == 0 ? RETRY_MIN_MS : MIN (conn->backoff_ms * 2, RETRY_MAX_MS)) / 1000.0);
}

static void
publish_cb (redisAsyncContext *ac,
            void              *r,
            void              *privdata)
{
  DdRedis *self = privdata;
  redisReply *reply = r;

  self->unanswered--;
  if (reply == NULL)
    g_warning ("redis %s: a result was not published: the connection closed first", self->address);
  else if (reply->type == REDIS_REPLY_ERROR)
    g_warning ("redis %s: PUBLISH refused: %s", self->address, reply->str);
}

static void
flush_pending (DdRedis *self)
{
  while (self->pub.ready && self->pub.ac != NULL && !g_queue_is_empty (&self->pending))
    {
      g_autofree char *channel = g_queue_pop_head (&self->pending);
      g_autofree char *text = g_queue_pop_head (&self->pending);

      if (redisAsyncCommand (self->pub.ac, publish_cb, self, "PUBLISH %s %s", channel, text) == REDIS_OK)
        self->unanswered++;
    }
}

static void
now_ready (Conn *conn)
{
  conn->ready = TRUE;
  conn->backoff_ms = 0;
  if (conn->was_lost)
    g_message ("redis %s (%s): connected again", conn->redis->address, conn->role);
  conn->was_lost = FALSE;
  if (!conn->subscriber)
    flush_pending (conn->redis);
}

static void
connect_cb (const redisAsyncContext *ac,
            int                      status)
{
  Conn *conn = ac->data;

  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  if (status != REDIS_OK)
    {
      lost (conn, _("cannot connect"), ac->errstr);
      return;  /* hiredis frees the context: cleanup_cb () */
    }
  g_debug ("redis %s (%s): connected", conn->redis->address, conn->role);
  /* The subscriber is ready once the server confirms the subscription. */
  if (!conn->subscriber)
    now_ready (conn);
}

static void
disconnect_cb (const redisAsyncContext *ac,
               int                      status)
{
  Conn *conn = ac->data;

  lost (conn, _("connection lost"), status == REDIS_OK ? _("closed") : ac->errstr);
}

/* Answers that end the connection: a refused AUTH or SUBSCRIBE. */
static gboolean
check_refused (Conn       *conn,
               redisReply *reply,
               const char *command)
{
  if (reply == NULL || reply->type != REDIS_REPLY_ERROR)
    return FALSE;
  g_warning ("redis %s (%s): %s refused: %s", conn->redis->address, conn->role, command, reply->str);
  redisAsyncDisconnect (conn->ac);
  return TRUE;
}

static void
auth_cb (redisAsyncContext *ac,
         void              *r,
         void              *privdata)
{
  check_refused (privdata, r, "AUTH");
}

static void
subscribe_cb (redisAsyncContext *ac,
              void              *r,
              void              *privdata)
{
  Conn *conn = privdata;
  redisReply *reply = r;
  DdRedis *self = conn->redis;

  if (reply == NULL || conn->closing || check_refused (conn, reply, "SUBSCRIBE"))
    return;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    return;
  if (g_str_equal (reply->element[0]->str, "subscribe"))
    {
      g_message ("redis %s: subscribed to “%s”", self->address, self->channel);
      now_ready (conn);
    }
  else if (g_str_equal (reply->element[0]->str, "message") &&
           reply->element[2]->type == REDIS_REPLY_STRING)
    self->message (reply->element[2]->str, reply->element[2]->len, self->message_data);
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  Conn *conn = user_data;

  conn->timeout_id = 0;
  lost (conn, _("cannot connect"), _("no answer"));
  redisAsyncFree (conn->ac);  /* not from a hiredis callback: frees at once */
  return G_SOURCE_REMOVE;
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Conn *conn = user_data;
  DdRedis *self;
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addresses = NULL;
  g_autofree char *ip = NULL;
  redisAsyncContext *ac;
  RedisSource *source;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* closed: conn may be gone */
  g_clear_object (&conn->lookup);
  self = conn->redis;
  if (addresses == NULL)
    {
      lost (conn, _("cannot look up the host"), error->message);
      schedule_retry (conn);
      return;
    }
  ip = g_inet_address_to_string (addresses->data);
  ac = redisAsyncConnect (ip, self->port);
  if (ac == NULL || ac->err)
    {
      lost (conn, _("cannot connect"), ac != NULL ? ac->errstr : g_strerror (ENOMEM));
      if (ac != NULL)
        redisAsyncFree (ac);
      schedule_retry (conn);
      return;
    }
  conn->ac = ac;
  ac->data = conn;
  source = (RedisSource *) redis_source_new (ac);
  ac->ev.cleanup = cleanup_cb;
  conn->source = (GSource *) source;
  g_source_attach (conn->source, g_main_context_get_thread_default ());
  g_source_unref (conn->source);  /* the context holds it until cleanup_cb () */
  redisAsyncSetConnectCallback (ac, connect_cb);
  redisAsyncSetDisconnectCallback (ac, disconnect_cb);
  conn->timeout_id = g_timeout_add (CONNECT_TIMEOUT_MS, connect_timeout_cb, conn);
  /* Sent once connected, in order. */
  if (self->password != NULL && self->user != NULL)
    redisAsyncCommand (ac, auth_cb, conn, "AUTH %s %s", self->user, self->password);
  else if (self->password != NULL)
    redisAsyncCommand (ac, auth_cb, conn, "AUTH %s", self->password);
  if (conn->subscriber)
    redisAsyncCommand (ac, subscribe_cb, conn, "SUBSCRIBE %s", self->channel);
}

static void
conn_start (Conn *conn)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();

  conn->lookup = g_cancellable_new ();
  g_resolver_lookup_by_name_async (resolver, conn->redis->host, conn->lookup, lookup_cb, conn);
}

void
dd_redis_start (DdRedis *self)
{
  conn_start (&self->sub);
  conn_start (&self->pub);
}

gboolean
dd_redis_is_idle (DdRedis *self)
{
  return self->unanswered == 0 && (g_queue_is_empty (&self->pending) || !self->pub.ready);
}

void
dd_redis_publish (DdRedis    *self,
                  const char *channel,
                  const char *text)
{
  if (g_queue_get_length (&self->pending) >= 2 * PENDING_MAX)
    {
      g_warning ("redis %s: not connected; dropping the oldest unpublished message", self->address);
      g_free (g_queue_pop_head (&self->pending));
      g_free (g_queue_pop_head (&self->pending));
    }
  g_queue_push_tail (&self->pending, g_strdup (channel));
  g_queue_push_tail (&self->pending, g_strdup (text));
  flush_pending (self);
}
