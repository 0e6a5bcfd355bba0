#include "config.h"

#include <string.h>

#include "dd-read-buffer.h"

/* Reads this much smaller than the chunk, this many times in a row, halve it. */
#define SMALL_READ_DIVISOR 16
#define SMALL_READS_TO_SHRINK 8

void
dd_read_buffer_init (DdReadBuffer    *self,
                     DdMemoryAccount *account)
{
  *self = (DdReadBuffer) { .chunk_size = DD_READ_BUFFER_MIN, .account = account };
}

void
dd_read_buffer_clear (DdReadBuffer *self)
{
  g_clear_pointer (&self->chunk, dd_chunk_unref);
  self->start = self->fill = 0;
}

void
dd_read_buffer_make_room (DdReadBuffer *self,
                          gsize         wanted)
{
  gsize left = self->fill - self->start;
  gsize min_read = self->chunk_size / 4;
  gsize size = wanted + min_read <= self->chunk_size ? self->chunk_size : wanted + min_read;
  DdChunk *chunk;

  if (self->chunk != NULL && self->chunk->size - self->fill >= min_read &&
      self->chunk->size - self->start >= wanted)
    return;
  /* No queued packet points into it: reuse it, unless it has become much too large. */
  if (self->chunk != NULL && self->chunk->refs == 1 && self->chunk->size >= size &&
      self->chunk->size <= 2 * size)
    {
      memmove (self->chunk->data, self->chunk->data + self->start, left);
      self->start = 0;
      self->fill = left;
      return;
    }
  chunk = dd_chunk_new (size, self->account);
  if (left > 0)
    memcpy (chunk->data, self->chunk->data + self->start, left);
  dd_chunk_unref (self->chunk);
  self->chunk = chunk;
  self->start = 0;
  self->fill = left;
}

void
dd_read_buffer_adapt (DdReadBuffer *self,
                      gsize         n,
                      gsize         largest)
{
  if (n >= self->chunk->size - self->fill && self->chunk_size < largest)
    {
      self->chunk_size = MIN (self->chunk_size * 2, largest);
      self->small_reads = 0;
    }
  else if (n < self->chunk_size / SMALL_READ_DIVISOR && self->chunk_size > DD_READ_BUFFER_MIN)
    {
      if (++self->small_reads >= SMALL_READS_TO_SHRINK)
        {
          self->chunk_size /= 2;
          self->small_reads = 0;
        }
    }
  else
    self->small_reads = 0;
}
