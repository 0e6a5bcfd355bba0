/* Process set-up shared by ddump and ddump-worker. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every connection, capture and stream holds a descriptor: raises the soft limit to the
 * hard one. Returns the limit now in force. */
guint64 dd_process_raise_fd_limit (void);

/* Large buffers come and go on the packet path (stream chunks, merge queues): glibc would
 * map and unmap each one over 128 KiB, and the kernel fault in every page again. Keeps
 * them in the heap instead, and up to @keep_bytes of freed memory for reuse. */
void    dd_process_keep_heap      (gsize keep_bytes);

/* Bytes of heap the program holds now: allocated and not yet freed (glibc's mallinfo2 ();
 * under AddressSanitizer, its own count, which leaves out the freed memory it keeps in
 * quarantine). Unlike the RSS, it does not count freed memory kept for reuse, so its
 * growth is what the program really keeps. */
guint64 dd_process_heap_in_use    (void);

G_END_DECLS
