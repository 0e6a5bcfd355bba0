/* The worker's plain-text answers: through libsoup, or written raw on a connection taken
 * over from it. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* @text, a line for a person, as the whole text/plain response. */
void    dd_worker_respond_text (SoupServerMessage *msg,
                                guint              status,
                                const char        *text);

/* A complete HTTP/1.1 response that closes the connection, for a connection libsoup no
 * longer handles. @allow is the Allow header's value, or NULL. */
GBytes *dd_worker_raw_response (guint              status,
                                const char        *allow,
                                const char        *text);

G_END_DECLS
