#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>

#include "dd-prefetch-stream.h"
#include "dd-receiver.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

typedef struct {
  DdReceiver   *receiver;
  GInputStream *base;
  gsize         ring;
  GMainContext *reader;
  GInputStream *stream;  /* set from the receiver's thread */
  GMutex        lock;
} Opening;

static gboolean
open_in_thread_cb (gpointer user_data)
{
  Opening *o = user_data;
  GInputStream *stream = dd_prefetch_stream_new (o->receiver, o->base, o->ring, o->reader);

  g_mutex_lock (&o->lock);
  o->stream = stream;
  g_mutex_unlock (&o->lock);
  g_main_context_wakeup (o->reader);
  return G_SOURCE_REMOVE;
}

/* A prefetch stream of @base (which now belongs to the receiver's thread). */
static GInputStream *
open_stream (DdReceiver *receiver, GInputStream *base, gsize ring)
{
  Opening o = { receiver, base, ring, g_main_context_default (), NULL };
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  GInputStream *stream = NULL;

  g_mutex_init (&o.lock);
  dd_receiver_invoke (receiver, open_in_thread_cb, &o, NULL);
  while (stream == NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_mutex_lock (&o.lock);
      stream = o.stream;
      g_mutex_unlock (&o.lock);
      if (stream == NULL)
        g_usleep (1000);
    }
  g_mutex_clear (&o.lock);
  g_assert_nonnull (stream);
  g_object_unref (base);
  return stream;
}

typedef struct {
  GByteArray *got;
  guint8      buffer[1000];  /* smaller than the ring, and not a divisor of it */
  gboolean    done;
  GError     *error;
  guint       would_block;
} Reading;

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Reading *r = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &r->error);

  if (n <= 0)
    {
      r->done = TRUE;
      return;
    }
  g_byte_array_append (r->got, r->buffer, (guint) n);
  g_input_stream_read_async (G_INPUT_STREAM (object), r->buffer, sizeof r->buffer,
                             G_PRIORITY_DEFAULT, NULL, read_cb, r);
}

/* Reads @stream to its end or error, as the merge does: without waiting while bytes are
 * there, asynchronously when they are not. */
static void
read_all (GInputStream *stream, Reading *r)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  GError *error = NULL;
  gssize n;

  r->got = g_byte_array_new ();
  while ((n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), r->buffer,
                                                        sizeof r->buffer, NULL, &error)) > 0)
    g_byte_array_append (r->got, r->buffer, (guint) n);
  if (n == 0)
    {
      r->done = TRUE;
      return;
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  r->would_block++;
  g_input_stream_read_async (stream, r->buffer, sizeof r->buffer, G_PRIORITY_DEFAULT, NULL, read_cb, r);
  while (!r->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (r->done);
}

static void
test_all_bytes (void)
{
  DdReceiver *receiver = dd_receiver_new ("test-receiver");
  gsize size = 3 * 1024 * 1024 + 17;
  guint8 *data = g_malloc (size);
  GInputStream *stream;
  Reading r = { 0 };

  g_test_summary ("Every byte of the base stream comes through a ring much smaller than it, "
                  "in order, then the end");
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  stream = open_stream (receiver, g_memory_input_stream_new_from_data (data, (gssize) size, g_free), 4096);
  g_assert_true (G_IS_POLLABLE_INPUT_STREAM (stream));
  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream)));
  g_assert_cmpuint (dd_prefetch_stream_get_size (DD_PREFETCH_STREAM (stream)), ==, 4096);
  read_all (stream, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.got->len, ==, size);
  for (gsize i = 0; i < size; i++)
    if (r.got->data[i] != (guint8) (i * 7 + i / 251))
      g_error ("byte %" G_GSIZE_FORMAT " differs", i);
  g_byte_array_unref (r.got);
  g_object_unref (stream);
  dd_receiver_free (receiver, NULL, NULL);
}

static void
test_pipe (void)
{
  DdReceiver *receiver = dd_receiver_new ("test-receiver");
  int fds[2];
  GInputStream *stream;
  Reading r = { 0 };
  GError *error = NULL;
  guint8 byte;

  g_test_summary ("A stream with nothing yet says it would block; what comes later wakes the "
                  "reader; the writer's end is the stream's end");
  g_assert_no_errno (pipe (fds));
  stream = open_stream (receiver, g_unix_input_stream_new (fds[0], TRUE), 65536);
  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), &byte, 1,
                                                             NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpint (write (fds[1], "hello", 5), ==, 5);
  g_assert_no_errno (close (fds[1]));
  read_all (stream, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.got->len, ==, 5);
  g_assert_cmpmem (r.got->data, 5, "hello", 5);
  g_byte_array_unref (r.got);
  g_object_unref (stream);
  dd_receiver_free (receiver, NULL, NULL);
}

static void
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_end_while_reading (void)
{
  DdReceiver *receiver = dd_receiver_new ("test-receiver");
  int fds[2], fds2[2];
  GInputStream *kept, *closed;
  gboolean exited = FALSE;
  GError *error = NULL;
  guint8 byte;

  g_test_summary ("The receiver's end cancels the reads still waiting, whether their stream "
                  "was closed or is still held, and its thread ends");
  g_assert_no_errno (pipe (fds));
  g_assert_no_errno (pipe (fds2));
  kept = open_stream (receiver, g_unix_input_stream_new (fds[0], TRUE), 4096);
  closed = open_stream (receiver, g_unix_input_stream_new (fds2[0], TRUE), 4096);
  g_assert_true (g_input_stream_close (closed, NULL, NULL));
  g_object_unref (closed);
  dd_receiver_free (receiver, set_flag, &exited);
  g_assert_true (exited);
  /* The stream outlives the receiver: it reads as cancelled, never waits. */
  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (kept), &byte, 1,
                                                             NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (kept);
  g_assert_no_errno (close (fds[1]));
  g_assert_no_errno (close (fds2[1]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prefetch-stream/all-bytes", test_all_bytes);
  g_test_add_func ("/prefetch-stream/pipe", test_pipe);
  g_test_add_func ("/prefetch-stream/end-while-reading", test_end_while_reading);
  return g_test_run ();
}
