#include "config.h"

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

/* Reads @data through a head stream in pieces of @piece bytes, alternating blocking and
 * pollable reads; returns the bytes that came through before the end or the error. */
static gsize
read_through (const char  *data,
              gsize        size,
              gsize        piece,
              Outcome     *outcome,
              GError     **error)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (data, (gssize) size, NULL);
  g_autoptr(GInputStream) stream = dd_request_head_stream_new (base, head_cb, outcome);
  g_autofree char *buffer = g_malloc (piece);
  gsize total = 0;

  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream)));
  for (guint i = 0;; i++)
    {
      gssize n = i % 2 == 0
        ? g_input_stream_read (stream, buffer, piece, NULL, error)
        : g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer, piece,
                                                    NULL, error);

      if (n <= 0)
        return total;
      g_assert_cmpmem (buffer, n, data + total, n);
      total += (gsize) n;
    }
}

static char *
repeat (char  c,
        gsize n)
{
  char *s = g_malloc (n + 1);

  memset (s, c, n);
  s[n] = '\0';
  return s;
}

static void
test_heads (void)
{
  g_autofree char *line_8k = repeat ('a', DD_REQUEST_HEAD_MAX_LINE - 20);
  g_autofree char *line_over = repeat ('a', DD_REQUEST_HEAD_MAX_LINE + 1);
  g_autofree char *value_over = repeat ('b', DD_REQUEST_HEAD_MAX_SIZE);
  g_autofree char *value_fits = repeat ('b', DD_REQUEST_HEAD_MAX_SIZE - 200);
  g_autofree char *long_line = g_strdup_printf ("GET /%s HTTP/1.1\r\nHost: w\r\n\r\n", line_8k);
  g_autofree char *too_long_line = g_strdup_printf ("GET /%s HTTP/1.1\r\nHost: w\r\n\r\n", line_over);
  g_autofree char *big_headers = g_strdup_printf ("GET / HTTP/1.1\r\nX-Big: %s\r\n\r\n", value_over);
  g_autofree char *fitting_headers = g_strdup_printf ("GET / HTTP/1.1\r\nX-Big: %s\r\n\r\n", value_fits);
  g_autofree char *endless_line = repeat ('a', 100000);
  g_autofree char *body_after = g_strdup_printf ("POST / HTTP/1.1\r\nContent-Length: 20000\r\n\r\n%s",
                                                 value_over);
  const struct {
    const char *name;
    const char *data;
    guint       status;  /* 0: the head is complete; G_MAXUINT: never settled */
  } cases[] = {
    { "a plain request", "GET /metrics HTTP/1.1\r\nHost: w\r\n\r\n", 0 },
    { "bare newlines", "GET / HTTP/1.0\n\n", 0 },
    { "a request line just under the limit", long_line, 0 },
    { "a request line over the limit", too_long_line, 414 },
    { "a request line that never ends", endless_line, 414 },
    { "headers just under the limit", fitting_headers, 0 },
    { "headers over the limit", big_headers, 431 },
    { "a body past the head is not the head's", body_after, 0 },
    { "a head cut short", "GET / HTTP/1.1\r\nHost: w\r\n", G_MAXUINT },
    { "leading blank lines do not end a head", "\r\n\r\n", G_MAXUINT },
  };
  static const gsize pieces[] = { 1, 2, 3, 7, 4096, 65536 };

  g_test_summary ("The head ends at the first empty line after a non-empty one, in any "
                  "split; a request line over 8 KiB is a 414, a head over 16 KiB a 431; "
                  "bytes pass unchanged; a refused stream stays refused");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (gsize p = 0; p < G_N_ELEMENTS (pieces); p++)
      {
        g_autoptr(GError) error = NULL;
        Outcome outcome = { 0, G_MAXUINT };
        gsize size = strlen (cases[i].data);
        gsize through;

        g_test_message ("%s, read %zu bytes at a time", cases[i].name, pieces[p]);
        through = read_through (cases[i].data, size, pieces[p], &outcome, &error);
        if (cases[i].status == G_MAXUINT)
          g_assert_cmpuint (outcome.calls, ==, 0);
        else
          {
            g_assert_cmpuint (outcome.calls, ==, 1);
            g_assert_cmpuint (outcome.status, ==, cases[i].status);
          }
        if (cases[i].status == 414 || cases[i].status == 431)
          {
            g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
            g_assert_cmpuint (through, <=, DD_REQUEST_HEAD_MAX_SIZE);
          }
        else
          {
            g_assert_no_error (error);
            g_assert_cmpuint (through, ==, size);
          }
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/request-head-stream/heads", test_heads);
  return g_test_run ();
}
