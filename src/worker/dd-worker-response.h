/* The worker's plain-text answers: through libsoup, or written raw on a connection taken
 * over from it. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* @text, a line for a person, as the whole text/plain response. */
void    dd_worker_respond_text (SoupServerMessage *msg,
                                guint              status,
                                const char        *text);

/* The HTTP status that answers a capture request refused with @error, by its domain and
 * code: 400 for what the request asked (its parameters, filter, Forwarded header, a
 * history the worker does not keep), 429 for the policy's per-client cap, 503 while busy
 * or shutting down, 500 for the worker's own failures. *@retry tells whether the client
 * may try again soon (Retry-After). */
guint   dd_worker_status_for_error (const GError *error,
                                    gboolean     *retry);
/* @error's message as the response, with the status above (and Retry-After: 1). */
void    dd_worker_respond_error    (SoupServerMessage *msg,
                                    const GError      *error);

/* A complete HTTP/1.1 response that closes the connection, for a connection libsoup no
 * longer handles. @allow is the Allow header's value, or NULL. */
GBytes *dd_worker_raw_response (guint              status,
                                const char        *allow,
                                const char        *text);

G_END_DECLS
