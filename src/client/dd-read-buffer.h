/* The chunk a source reads into, and the bytes in it not parsed yet.
 *
 * Before each read there is room for at least a quarter of a chunk, and for the whole of
 * the parser's next unit from the first unparsed byte on. A chunk that no queued packet
 * points into any more is reused (the unparsed bytes moved to its start); otherwise the
 * unparsed bytes go into a new one, charged to the source's account. For a live stream
 * the size of the next chunk follows the reads: it doubles while reads fill what they are
 * given, up to a bound, and halves after a run of small reads, so that a quiet stream
 * does not pin a large chunk.
 *
 * A plain state with no I/O: the source reads into dd_read_buffer_tail (); a unit test
 * drives it with made-up reads. */
#pragma once

#include "dd-chunk.h"

G_BEGIN_DECLS

#define DD_READ_BUFFER_MIN (16 * 1024)

typedef struct {
  DdChunk         *chunk;       /* NULL until the first read */
  gsize            chunk_size;  /* what the next new chunk gets */
  guint            small_reads;
  gsize            start;       /* the first byte not parsed yet */
  gsize            fill;        /* the end of what was read */
  DdMemoryAccount *account;     /* charged with the chunks (not owned) */
} DdReadBuffer;

void     dd_read_buffer_init      (DdReadBuffer    *self,
                                   DdMemoryAccount *account);
/* Drops the chunk and what it held (a stream closed). */
void     dd_read_buffer_clear     (DdReadBuffer    *self);

/* Room for a read, and for @wanted bytes from the first unparsed one. */
void     dd_read_buffer_make_room (DdReadBuffer    *self,
                                   gsize            wanted);

/* Where the next read goes, and how much it may bring. */
static inline guint8 *
dd_read_buffer_tail (DdReadBuffer *self,
                     gsize        *room)
{
  *room = self->chunk->size - self->fill;
  return self->chunk->data + self->fill;
}

/* A live stream's read brought @n bytes: the next chunk's size follows (at most
 * @largest). Before dd_read_buffer_filled (). */
void     dd_read_buffer_adapt     (DdReadBuffer    *self,
                                   gsize            n,
                                   gsize            largest);
static inline void
dd_read_buffer_filled (DdReadBuffer *self,
                       gsize         n)
{
  self->fill += n;
}

/* What is read and not parsed yet. */
static inline const guint8 *
dd_read_buffer_unparsed (DdReadBuffer *self,
                         gsize        *len)
{
  *len = self->fill - self->start;
  return self->chunk->data + self->start;
}

static inline void
dd_read_buffer_consume (DdReadBuffer *self,
                        gsize         n)
{
  self->start += n;
}

G_END_DECLS
