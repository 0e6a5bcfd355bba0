/* A Redis pub/sub client for the main loop, through hiredis and its GLib adapter: one
 * connection subscribes to a channel, another publishes. A connection that fails or is
 * lost is opened again with backoff, and says so in the log; it is never fatal. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_REDIS_ERROR (dd_redis_error_quark ())
GQuark dd_redis_error_quark (void);

typedef enum {
  DD_REDIS_ERROR_INVALID_URL,
  DD_REDIS_ERROR_FAILED,
} DdRedisError;

#define DD_REDIS_DEFAULT_PORT 6379
#define DD_REDIS_DEFAULT_CHANNEL "capture"

typedef struct _DdRedis DdRedis;

/* A message published on the channel: @payload is not NUL-terminated. */
typedef void (*DdRedisMessageFunc) (const char *payload,
                                    gsize       length,
                                    gpointer    user_data);

/* @url: redis://[[USER]:PASSWORD@]HOST[:PORT][/CHANNEL]. Nothing connects yet. */
DdRedis    *dd_redis_new         (const char          *url,
                                  DdRedisMessageFunc   message_func,
                                  gpointer             user_data,
                                  GError             **error);
void        dd_redis_free        (DdRedis *self);

/* Connects both connections (in the thread-default main context) and subscribes. */
void        dd_redis_start       (DdRedis *self);

const char *dd_redis_get_channel (DdRedis *self);
/* "HOST:PORT", for messages. */
const char *dd_redis_get_address (DdRedis *self);
/* Whether the subscription is live. */
gboolean    dd_redis_is_subscribed (DdRedis *self);

/* Publishes @text on @channel once the publishing connection is up (a bounded number
 * wait meanwhile; beyond that the oldest is dropped, with a warning). */
void        dd_redis_publish     (DdRedis    *self,
                                  const char *channel,
                                  const char *text);

/* Whether everything published was answered (or cannot be sent: not connected). */
gboolean    dd_redis_is_idle     (DdRedis *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdRedis, dd_redis_free)

G_END_DECLS
