/* The worker's watch over a request head (DdRequestHeadStream). Invariants: bytes pass
 * unchanged; the head is settled at most once; the outcome does not depend on how the
 * bytes are split into reads (whole, one byte at a time for short inputs, or pieces of the
 * size the first byte says); a refusal is a 414 or 431 with a G_IO_ERROR_MESSAGE_TOO_LARGE that says so,
 * and comes before more than the limit has passed. */
#include "config.h"

#include <gio/gio.h>

#include "dd-fuzz.h"
#include "dd-request-head-stream.h"

typedef struct {
  guint calls;
  guint status;
} Outcome;

static void
head_cb (DdRequestHeadStream *stream,
         guint                status,
         gpointer             user_data)
{
  Outcome *outcome = user_data;

  outcome->calls++;
  outcome->status = status;
}

static Outcome
read_through (const guint8 *data,
              gsize         size,
              gsize         piece)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (data, (gssize) size, NULL);
  Outcome outcome = { 0, G_MAXUINT };
  g_autoptr(GInputStream) stream = dd_request_head_stream_new (base, head_cb, &outcome);
  g_autofree guint8 *buffer = g_malloc (piece);
  gsize total = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                           piece, NULL, &error);

      if (n < 0)
        {
          DD_FUZZ_CHECK_ERROR (error, G_IO_ERROR);
          g_assert_true (error->code == G_IO_ERROR_MESSAGE_TOO_LARGE);
          g_assert_true (outcome.status == 414 || outcome.status == 431);
          g_assert_cmpuint (total, <=, DD_REQUEST_HEAD_MAX_SIZE);
          break;
        }
      if (n == 0)
        {
          g_assert_cmpuint (total, ==, size);
          g_assert_true (outcome.calls == 0 || outcome.status == 0);
          break;
        }
      g_assert_cmpmem (buffer, n, data + total, n);
      total += (gsize) n;
    }
  g_assert_cmpuint (outcome.calls, <=, 1);
  return outcome;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  Outcome whole, bytewise, pieces;
  gsize piece = size > 0 ? (gsize) data[0] + 1 : 1;

  /* Past both limits nothing new can happen. */
  if (size > 2 * DD_REQUEST_HEAD_MAX_SIZE)
    return 0;
  whole = read_through (data, size, MAX (size, 1));
  /* One byte at a time is slow through GIO: for short inputs only. */
  bytewise = read_through (data, size, size <= 2048 ? 1 : 61);
  pieces = read_through (data, size, piece);
  g_assert_cmpuint (whole.calls, ==, bytewise.calls);
  g_assert_cmpuint (whole.status, ==, bytewise.status);
  g_assert_cmpuint (whole.calls, ==, pieces.calls);
  g_assert_cmpuint (whole.status, ==, pieces.status);
  return 0;
}
