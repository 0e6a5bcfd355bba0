/* A reference-counted block of bytes: streams are read into chunks and queued packets
 * point into them, so a packet is copied once, into the output. Single-threaded. */
#pragma once

#include <glib.h>

#include "dd-memory-budget.h"

G_BEGIN_DECLS

/* The usual size of a chunk; chunks of this size are recycled. */
#define DD_CHUNK_SIZE (256 * 1024)

typedef struct _DdChunk DdChunk;

struct _DdChunk {
  guint            refs;
  gsize            size;
  DdMemoryAccount *account;  /* charged with @size while the chunk lives, or NULL */
  guint8           data[];
};

/* @account (nullable) is charged with @size until the chunk is freed. */
DdChunk *dd_chunk_new  (gsize            size,
                        DdMemoryAccount *account);
void     dd_chunk_free (DdChunk *chunk);

static inline DdChunk *
dd_chunk_ref (DdChunk *chunk)
{
  chunk->refs++;
  return chunk;
}

static inline void
dd_chunk_unref (DdChunk *chunk)
{
  if (chunk != NULL && --chunk->refs == 0)
    dd_chunk_free (chunk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdChunk, dd_chunk_unref)

G_END_DECLS
