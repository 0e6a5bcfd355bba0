/* ddump-trigger's command line: its options, --help's text, and what they change in the
 * configuration read from --config (the workers given as NAME=URL, the Redis server,
 * the store, the spool, the reply channel). */
#pragma once

#include <glib.h>

#include "dd-trigger-config.h"

G_BEGIN_DECLS

typedef struct {
  char   **workers;
  char    *config_path;
  char    *redis;
  char    *store;
  char    *spool;
  char    *reply_channel;
  gboolean verbose;
  gboolean version;
} DdTriggerArgs;

void            dd_trigger_args_clear   (DdTriggerArgs *args);
GOptionContext *dd_trigger_args_context (DdTriggerArgs *args);
/* Reads --config into @config, then lays the options over it. */
gboolean        dd_trigger_args_apply   (DdTriggerArgs    *args,
                                         DdTriggerConfig  *config,
                                         GError          **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DdTriggerArgs, dd_trigger_args_clear)

G_END_DECLS
