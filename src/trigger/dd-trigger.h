/* The daemon: capture requests from a Redis channel become events (at most max-concurrent
 * at once, max-queued more waiting, the rest refused), and each event's result is
 * published on the reply channel. A message that cannot be captured gets a result that
 * names the problem; nothing a message says stops the daemon. */
#pragma once

#include <glib.h>

#include "dd-trigger-config.h"

G_BEGIN_DECLS

typedef struct _DdTrigger DdTrigger;

#define DD_TRIGGER_ERROR (dd_trigger_error_quark ())
GQuark dd_trigger_error_quark (void);

typedef enum {
  DD_TRIGGER_ERROR_USAGE,
  DD_TRIGGER_ERROR_FAILED,
} DdTriggerError;

/* Takes @config; checks the store and the Redis URL. */
DdTrigger *dd_trigger_new   (DdTriggerConfig  *config,
                             GError          **error);
void       dd_trigger_free  (DdTrigger *self);

void       dd_trigger_start (DdTrigger *self);
/* Ends every running event (what it captured is stored), refuses the waiting ones, and
 * calls @done once their results are published. */
void       dd_trigger_stop  (DdTrigger   *self,
                             GSourceFunc  done,
                             gpointer     user_data);

/* Whether every result was handed to Redis (or cannot be: Redis is down). */
gboolean   dd_trigger_is_published (DdTrigger *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTrigger, dd_trigger_free)

G_END_DECLS
