/* ddump-worker's command line: its options with their defaults, --help's text, and the
 * checks of what was given (unit-tested), which turn it into what the run needs: the
 * parsed listen addresses, the socket mode, the trusted proxies and the policy. */
#pragma once

#include <glib.h>

#include "dd-forwarded.h"
#include "dd-policy.h"

G_BEGIN_DECLS

typedef struct {
  /* As given. */
  char    **listen;
  gint      max_captures;
  gint      heartbeat_ms;
  gint      buffer_mib;
  gint      stream_buffer_mib;
  gint      block_timeout_ms;
  gint      request_timeout_s;
  gdouble   history_s;
  gint      history_mib;
  char     *history_filter;
  char     *socket_mode;
  char     *socket_group;
  char    **trust_proxy;
  gdouble   max_duration_s;
  gint      max_snaplen;
  gint64    max_bytes;
  gint      max_per_client;
  char     *require_filter;
  char    **tls_keylog;
  gint      tls_keylog_wait_ms;
  char    **no_secrets_for;
  gboolean  log_fields;
  gboolean  verbose;
  gboolean  version;
  char    **rest;             /* what is left: nothing may be */

  /* From dd_worker_args_check (). */
  GPtrArray        *addresses;  /* DdListenAddress: --listen, or :8475 */
  gint              mode;       /* --socket-mode, or -1 */
  DdTrustedProxies *trusted;
  DdPolicy         *policy;
} DdWorkerArgs;

/* The defaults. */
void            dd_worker_args_init    (DdWorkerArgs *args);
void            dd_worker_args_clear   (DdWorkerArgs *args);
/* The options, --help's summary and description, all bound to @args. */
GOptionContext *dd_worker_args_context (DdWorkerArgs *args);
/* FALSE when a value cannot be used: G_OPTION_ERROR_BAD_VALUE naming the option, or the
 * error of the address's parser (a --listen, a --trust-proxy). */
gboolean        dd_worker_args_check   (DdWorkerArgs  *args,
                                        GError       **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DdWorkerArgs, dd_worker_args_clear)

G_END_DECLS
