/* ddump's exit statuses, as --help documents them, and how the command line decides
 * them: from the GError a run or a setting failed with and from what happened to each
 * target. The client library reports; only the programs turn that into a status. */
#pragma once

#include <glib.h>

#include "dd-client.h"

G_BEGIN_DECLS

enum {
  DD_EXIT_OK = 0,
  DD_EXIT_USAGE = 1,
  DD_EXIT_FAILED = 2,
  DD_EXIT_GAPS = 3,     /* every target that failed was reconnected: gaps are marked */
};

/* A setting that cannot be used (DD_CLIENT_ERROR_USAGE): DD_EXIT_USAGE; anything else
 * that stopped the capture before it ran: DD_EXIT_FAILED. */
int dd_exit_status_for_error (const GError *error);

/* A run: DD_EXIT_FAILED when it failed as a whole (@error) or a target's capture is
 * missing a part (@lost: failed and never back, or a name that named no worker);
 * otherwise DD_EXIT_GAPS when some were reconnected (@gaps), DD_EXIT_OK when whole. */
int dd_exit_status_decide (const GError *error,
                           guint         lost,
                           guint         gaps);

/* The same, counted from @client's results once its run completed with @error. */
int dd_exit_status_for_run (DdClient     *client,
                            const GError *error);

G_END_DECLS
