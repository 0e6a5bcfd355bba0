/* The input side of a worker connection: passes bytes through to libsoup unchanged and
 * watches the request's head (request line and headers) go by.
 *
 * libsoup 3.2 reads up to 64 KiB of head and then closes the connection without a word.
 * This stream refuses a head over its limits as soon as they are crossed, so the worker
 * can answer 414 or 431 itself, and says when the head is complete, which ends the
 * connection's request deadline. Past the head, bytes pass unwatched. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The request line alone (414 beyond). */
#define DD_REQUEST_HEAD_MAX_LINE (8 * 1024)
/* Request line plus headers (431 beyond). */
#define DD_REQUEST_HEAD_MAX_SIZE (16 * 1024)

#define DD_TYPE_REQUEST_HEAD_STREAM (dd_request_head_stream_get_type ())
G_DECLARE_FINAL_TYPE (DdRequestHeadStream, dd_request_head_stream, DD, REQUEST_HEAD_STREAM, GFilterInputStream)

/* Called once: with 0 when the head is complete, or with the HTTP status (414, 431) that
 * refuses it, just before the read that crossed the limit fails. */
typedef void (*DdRequestHeadFunc) (DdRequestHeadStream *stream,
                                   guint                status,
                                   gpointer             user_data);

/* @base must be pollable (a socket's input stream). */
GInputStream *dd_request_head_stream_new (GInputStream      *base,
                                          DdRequestHeadFunc  func,
                                          gpointer           user_data);

G_END_DECLS
