#include "config.h"

#include "dd-chunk.h"

/* Chunks of the usual size go back to a small pool instead of to malloc: a fresh 256 KiB
 * block costs page faults on every first write (the kernel copying a stream into it),
 * and streams turn chunks over at hundreds of megabytes a second. The pool is bounded
 * (16 MiB) and, like everything on this path, used from the main thread only. */
#define POOL_MAX 64

static DdChunk *pool[POOL_MAX];
static guint pool_len;

DdChunk *
dd_chunk_new (gsize            size,
              DdMemoryAccount *account)
{
  DdChunk *chunk;

  if (size == DD_CHUNK_SIZE && pool_len > 0)
    chunk = pool[--pool_len];
  else
    chunk = g_malloc (sizeof (DdChunk) + size);
  chunk->refs = 1;
  chunk->size = size;
  chunk->account = account != NULL ? dd_memory_account_ref (account) : NULL;
  if (account != NULL)
    dd_memory_account_charge (account, size);
  return chunk;
}

void
dd_chunk_free (DdChunk *chunk)
{
  if (chunk->account != NULL)
    {
      dd_memory_account_release (chunk->account, chunk->size);
      g_clear_pointer (&chunk->account, dd_memory_account_unref);
    }
  if (chunk->size == DD_CHUNK_SIZE && pool_len < POOL_MAX)
    pool[pool_len++] = chunk;
  else
    g_free (chunk);
}
