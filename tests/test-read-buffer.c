/* DdReadBuffer: the chunk a source reads into, driven with made-up reads. */
#include "config.h"

#include <string.h>

#include "dd-read-buffer.h"

#define KIB 1024

typedef struct {
  DdMemoryBudget  *budget;
  DdMemoryAccount *account;
  DdReadBuffer     buffer;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->budget = dd_memory_budget_new (64 * 1024 * KIB);
  f->account = dd_memory_account_new (f->budget);
  dd_read_buffer_init (&f->buffer, f->account);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  dd_read_buffer_clear (&f->buffer);
  /* Every chunk was given back. */
  g_assert_cmpuint (dd_memory_account_get_used (f->account), ==, 0);
  dd_memory_account_unref (f->account);
  dd_memory_budget_unref (f->budget);
}

/* A read of @n bytes of @byte, as a live stream's. */
static void
read_bytes (Fixture *f, gsize n, guint8 byte)
{
  gsize room;
  guint8 *tail = dd_read_buffer_tail (&f->buffer, &room);

  g_assert_cmpuint (room, >=, n);
  memset (tail, byte, n);
  dd_read_buffer_adapt (&f->buffer, n, 256 * KIB);
  dd_read_buffer_filled (&f->buffer, n);
}

static void
test_room (Fixture *f, gconstpointer data)
{
  DdChunk *held;
  const guint8 *unparsed;
  gsize len;

  g_test_summary ("Room for a read and for the next unit: a chunk nothing points into is "
                  "reused, one a queued packet holds is left to it, and the unparsed bytes "
                  "come along either way");
  dd_read_buffer_make_room (&f->buffer, 100);
  g_assert_nonnull (f->buffer.chunk);
  g_assert_cmpuint (f->buffer.chunk->size, ==, DD_READ_BUFFER_MIN);
  read_bytes (f, 10000, 'a');
  read_bytes (f, 3000, 'b');
  dd_read_buffer_consume (&f->buffer, 10000);  /* the parser took the a's */
  unparsed = dd_read_buffer_unparsed (&f->buffer, &len);
  g_assert_cmpuint (len, ==, 3000);
  g_assert_cmpint (unparsed[0], ==, 'b');

  /* Not room for a quarter chunk after the fill: the same chunk, its b's moved first. */
  held = f->buffer.chunk;
  dd_read_buffer_make_room (&f->buffer, 100);
  g_assert_true (f->buffer.chunk == held);
  unparsed = dd_read_buffer_unparsed (&f->buffer, &len);
  g_assert_cmpuint (f->buffer.start, ==, 0);
  g_assert_cmpuint (len, ==, 3000);
  g_assert_cmpint (unparsed[2999], ==, 'b');

  /* A packet points into it: a new chunk, the old one left alive to the packet. */
  read_bytes (f, 10000, 'c');
  held = dd_chunk_ref (f->buffer.chunk);
  dd_read_buffer_make_room (&f->buffer, 100);
  g_assert_true (f->buffer.chunk != held);
  unparsed = dd_read_buffer_unparsed (&f->buffer, &len);
  g_assert_cmpuint (len, ==, 13000);
  g_assert_cmpint (unparsed[0], ==, 'b');
  g_assert_cmpint (unparsed[12999], ==, 'c');
  dd_chunk_unref (held);

  /* A unit larger than a chunk: one that holds all of it, and a read more. */
  dd_read_buffer_make_room (&f->buffer, 100 * KIB);
  g_assert_cmpuint (f->buffer.chunk->size, >=, 100 * KIB + f->buffer.chunk_size / 4);
  unparsed = dd_read_buffer_unparsed (&f->buffer, &len);
  g_assert_cmpuint (len, ==, 13000);
}

/* A read as the source makes it: room first, and the parser takes everything. */
static void
read_all (Fixture *f, gsize n)
{
  dd_read_buffer_make_room (&f->buffer, 1);
  read_bytes (f, n, 'y');
  dd_read_buffer_consume (&f->buffer, n);
}

static void
test_adapt (Fixture *f, gconstpointer data)
{
  gsize room;

  g_test_summary ("The next chunk doubles while reads fill what they are given, up to the "
                  "bound, and halves after eight small reads in a row");
  for (guint i = 0; i < 10; i++)
    {
      dd_read_buffer_make_room (&f->buffer, 1);
      dd_read_buffer_tail (&f->buffer, &room);
      read_bytes (f, room, 'x');
      dd_read_buffer_consume (&f->buffer, room);
    }
  g_assert_cmpuint (f->buffer.chunk_size, ==, 256 * KIB);
  for (guint i = 0; i < 7; i++)
    read_all (f, 10);
  g_assert_cmpuint (f->buffer.chunk_size, ==, 256 * KIB);
  read_all (f, 10);
  g_assert_cmpuint (f->buffer.chunk_size, ==, 128 * KIB);
  /* A read that is not small breaks the run. */
  for (guint i = 0; i < 7; i++)
    read_all (f, 10);
  read_all (f, 16 * KIB);
  read_all (f, 10);
  g_assert_cmpuint (f->buffer.chunk_size, ==, 128 * KIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/read-buffer/room", Fixture, NULL, setup, test_room, teardown);
  g_test_add ("/read-buffer/adapt", Fixture, NULL, setup, test_adapt, teardown);
  return g_test_run ();
}
