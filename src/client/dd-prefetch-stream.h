/* An input stream read ahead by the receiver's thread: the thread reads its base stream
 * into a ring of a few hundred kilobytes whenever there is room, and the merging thread
 * takes the bytes from the ring (a pollable stream: reads that would wait say so, and a
 * source tells when bytes, the end or an error came). The base stream stays in the
 * receiver's thread, where it was opened; closing this stream cancels its reading there. */
#pragma once

#include <gio/gio.h>

#include "dd-receiver.h"

G_BEGIN_DECLS

#define DD_TYPE_PREFETCH_STREAM (dd_prefetch_stream_get_type ())
G_DECLARE_FINAL_TYPE (DdPrefetchStream, dd_prefetch_stream, DD, PREFETCH_STREAM, GInputStream)

/* In @receiver's thread: @base is read there, at most @size bytes ahead of the reader,
 * whose thread's main context is @context. */
GInputStream *dd_prefetch_stream_new (DdReceiver   *receiver,
                                      GInputStream *base,
                                      gsize         size,
                                      GMainContext *context);

/* The ring's size: what the stream holds in memory. */
gsize         dd_prefetch_stream_get_size (DdPrefetchStream *self);

G_END_DECLS
