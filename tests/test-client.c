/* DdClient as a library: what ddump, its extcap mode and the trigger daemon build on.
 * Targets in (capture files, a pipe), an output set, the run asynchronous in a main loop,
 * per-target results and messages out. Every wait is bounded. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "dd-client.h"
#include "dd-exit-status.h"
#include "dd-format.h"
#include "dd-pcap-writer.h"
#include "dd-stream-parser.h"

#define WAIT_S 30

typedef struct {
  char       *dir;
  GMainLoop  *loop;
  GObject    *loop_owner;  /* test_cancel_connecting (): holds the accepted connections */
  GPtrArray  *messages;  /* "KIND text" */
  int         status;
  GError     *error;         /* of the run */
  gboolean    expect_error;  /* the test looks at it; otherwise there must be none */
  gboolean    done;
  guint       timeout_id;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-client-XXXXXX", &error);
  g_assert_no_error (error);
  f->loop = g_main_loop_new (NULL, FALSE);
  f->messages = g_ptr_array_new_with_free_func (g_free);
  f->status = -1;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_main_loop_unref (f->loop);
  g_ptr_array_unref (f->messages);
  g_clear_error (&f->error);
}

/* A pcap of LINUX_SLL2 packets: @count of them, @step ns apart from @first. */
static GByteArray *
make_pcap (guint64 first, guint64 step, guint count)
{
  GByteArray *buf = g_byte_array_new ();
  guint8 packet[60] = { 0 };

  dd_pcap_write_header (buf, 262144, DD_LINKTYPE_LINUX_SLL2);
  for (guint i = 0; i < count; i++)
    {
      packet[DD_SLL2_HEADER_LEN] = (guint8) i;
      dd_pcap_write_record (buf, first + i * step, sizeof packet, sizeof packet, packet);
    }
  return buf;
}

static char *
write_pcap (Fixture *f, const char *name, guint64 first, guint64 step, guint count)
{
  g_autoptr(GByteArray) buf = make_pcap (first, step, count);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, (const char *) buf->data, buf->len, &error);
  g_assert_no_error (error);
  return path;
}

static void
message_cb (DdClientMessage kind, const char *text, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->messages, g_strdup_printf ("%d %s", kind, text));
}

static void
run_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  dd_client_run_finish (DD_CLIENT (object), result, &f->error);
  f->status = dd_exit_status_for_run (DD_CLIENT (object), f->error);
  if (!f->expect_error)
    g_assert_no_error (f->error);
  f->done = TRUE;
  g_main_loop_quit (f->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("the run did not complete within %d s", WAIT_S);
  return G_SOURCE_REMOVE;
}

/* Runs @client until it completes (bounded). */
static void
run (Fixture *f, DdClient *client, GCancellable *cancellable)
{
  f->timeout_id = g_timeout_add_seconds (WAIT_S, timeout_cb, f);
  dd_client_run_async (client, cancellable, run_cb, f);
  if (!f->done)
    g_main_loop_run (f->loop);
  g_clear_handle_id (&f->timeout_id, g_source_remove);
}

static DdClientOptions
default_options (void)
{
  DdClientOptions options = {
    .max_delay_ms = 1000,
    .memory_mib = 16,
    .connect_timeout_s = 5,
    .resolve_interval_s = 30,
  };

  return options;
}

static gboolean
timestamp_cb (gpointer user_data, DdPacket *packet, GError **error)
{
  g_array_append_val ((GArray *) user_data, packet->ts);
  return TRUE;
}

/* The timestamps of a pcap file, in order. */
static GArray *
read_timestamps (const char *path)
{
  static const DdStreamParserFuncs funcs = { .packet = timestamp_cb };
  g_autofree char *contents = NULL;
  gsize len, consumed = 0;
  g_autoptr(GError) error = NULL;
  GArray *ts = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&funcs, ts);

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_true (dd_stream_parser_feed (parser, (const guint8 *) contents, len, &consumed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, len);
  return ts;
}

static void
test_merge_files (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_pcap (f, "a.pcap", 1000, 30, 100);
  g_autofree char *b = write_pcap (f, "b.pcap", 1010, 30, 100);
  g_autofree char *c = write_pcap (f, "c.pcap", 1020, 30, 50);
  g_autofree char *out_path = g_build_filename (f->dir, "out.pcap", NULL);
  const char *targets[] = { a, b, c, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = dd_client_new (&options, message_cb, f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ts = NULL;
  DdOutput *output;
  DdTargetResult result;

  g_test_summary ("Three files in, one ordered capture out, each target's counters in the results");
  g_assert_true (dd_client_set_targets (client, targets, &error));
  g_assert_no_error (error);
  output = dd_output_new (open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), TRUE, DD_FORMAT_PCAP);
  dd_client_set_output (client, output);
  run (f, client, NULL);
  g_assert_cmpint (f->status, ==, DD_EXIT_OK);
  g_assert_cmpuint (dd_client_get_n_targets (client), ==, 3);
  g_assert_cmpuint (dd_client_get_written (client), ==, 250);
  g_assert_cmpuint (dd_client_get_late (client), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      dd_client_get_result (client, i, &result);
      g_assert_cmpstr (result.label, ==, targets[i]);
      g_assert_cmpuint (result.packets, ==, i < 2 ? 100 : 50);
      g_assert_cmpint (result.state, ==, DD_TARGET_STATE_ENDED);
      g_assert_null (result.error);
      g_assert_cmpuint (result.failures, ==, 0);
    }
  g_clear_object (&client);
  dd_output_free (output);

  ts = read_timestamps (out_path);
  g_assert_cmpuint (ts->len, ==, 250);
  for (guint i = 1; i < ts->len; i++)
    g_assert_cmpuint (g_array_index (ts, guint64, i - 1), <=, g_array_index (ts, guint64, i));
  g_assert_cmpuint (f->messages->len, ==, 0);
}

static void
test_count_limit (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_pcap (f, "a.pcap", 1000, 10, 1000);
  g_autofree char *out_path = g_build_filename (f->dir, "out.pcap", NULL);
  const char *targets[] = { a, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = NULL;
  g_autoptr(GArray) ts = NULL;
  DdOutput *output;

  g_test_summary ("A packet count ends the run with what it counted");
  options.count = 10;
  client = dd_client_new (&options, message_cb, f);
  g_assert_true (dd_client_set_targets (client, targets, NULL));
  output = dd_output_new (open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), TRUE, DD_FORMAT_PCAP);
  dd_client_set_output (client, output);
  run (f, client, NULL);
  g_assert_cmpint (f->status, ==, DD_EXIT_OK);
  g_assert_cmpuint (dd_client_get_written (client), ==, 10);
  g_clear_object (&client);
  dd_output_free (output);
  ts = read_timestamps (out_path);
  g_assert_cmpuint (ts->len, ==, 10);
}

typedef struct {
  Fixture      *f;
  DdClient     *client;
  GCancellable *cancellable;
  guint         id;
} Watch;

/* Cancels the run once the pipe's packets have all been received. */
static gboolean
watch_cb (gpointer user_data)
{
  Watch *w = user_data;
  DdTargetResult result;

  dd_client_get_result (w->client, 0, &result);
  if (result.packets < 5)
    return G_SOURCE_CONTINUE;
  g_assert_cmpint (result.state, ==, DD_TARGET_STATE_LIVE);
  g_cancellable_cancel (w->cancellable);
  w->id = 0;
  return G_SOURCE_REMOVE;
}

static void
test_cancel_live (Fixture *f, gconstpointer data)
{
  g_autoptr(GByteArray) buf = make_pcap (1000, 10, 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *target = NULL;
  const char *targets[2] = { NULL, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = dd_client_new (&options, message_cb, f);
  g_autoptr(GError) error = NULL;
  DdOutput *output;
  Watch w = { f, client, cancellable, 0 };
  int fds[2];
  DdTargetResult result;

  g_test_summary ("A live input (a pipe that stays open) runs until the caller cancels; what it "
                  "delivered is written and the run ends with status 0");
  g_assert_no_errno (pipe (fds));
  g_assert_cmpint (write (fds[1], buf->data, buf->len), ==, (gssize) buf->len);
  target = g_strdup_printf ("/proc/self/fd/%d", fds[0]);
  targets[0] = target;
  g_assert_true (dd_client_set_targets (client, targets, &error));
  g_assert_no_error (error);
  output = dd_output_new (open ("/dev/null", O_WRONLY | O_CLOEXEC), TRUE, DD_FORMAT_PCAPNG);
  dd_client_set_output (client, output);
  w.id = g_timeout_add (10, watch_cb, &w);
  run (f, client, cancellable);
  g_clear_handle_id (&w.id, g_source_remove);
  g_assert_cmpint (f->status, ==, DD_EXIT_OK);
  g_assert_cmpuint (dd_client_get_written (client), ==, 5);
  dd_client_get_result (client, 0, &result);
  g_assert_cmpint (result.state, ==, DD_TARGET_STATE_ENDED);
  g_clear_object (&client);
  dd_output_free (output);
  close (fds[0]);
  close (fds[1]);
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  /* Accepted and kept, never answered: the request stays in flight. */
  g_ptr_array_add (user_data, g_object_ref (connection));
  return TRUE;
}

static gboolean
cancel_when_connected_cb (gpointer user_data)
{
  Watch *w = user_data;
  GPtrArray *accepted = g_object_get_data (G_OBJECT (w->cancellable), "accepted");

  if (accepted->len < 2)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (w->cancellable);
  w->id = 0;
  return G_SOURCE_REMOVE;
}

/* Quits once the client has closed every accepted connection (our end reads EOF). */
static gboolean
all_closed_cb (gpointer user_data)
{
  Fixture *f = user_data;
  GPtrArray *accepted = g_object_get_data (G_OBJECT (f->loop_owner), "accepted");

  for (guint i = 0; i < accepted->len; i++)
    {
      GSocket *socket = g_socket_connection_get_socket (accepted->pdata[i]);
      char byte;

      if (g_socket_receive_with_blocking (socket, &byte, 1, FALSE, NULL, NULL) != 0)
        return G_SOURCE_CONTINUE;  /* still open (or, impossibly, data) */
    }
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_connecting (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url1 = NULL, *url2 = NULL;
  const char *targets[3] = { NULL, NULL, NULL };
  DdClientOptions options = default_options ();
  DdClient *client;
  DdOutput *output;
  Watch w = { f, NULL, cancellable, 0 };
  guint16 port;

  g_test_summary ("Workers that accepted the connection but never answer: cancelling the run, "
                  "then freeing the client while their requests are in flight, touches no freed "
                  "source when the requests complete later (checked under ASan)");
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), accepted);
  g_object_set_data (G_OBJECT (cancellable), "accepted", accepted);
  url1 = g_strdup_printf ("http://127.0.0.1:%u", port);
  url2 = g_strdup_printf ("http://127.0.0.1:%u/capture?filter=udp", port);
  targets[0] = url1;
  targets[1] = url2;
  options.keep_going = TRUE;
  client = dd_client_new (&options, message_cb, f);
  g_assert_true (dd_client_set_targets (client, targets, &error));
  g_assert_no_error (error);
  output = dd_output_new (open ("/dev/null", O_WRONLY | O_CLOEXEC), TRUE, DD_FORMAT_PCAPNG);
  dd_client_set_output (client, output);
  w.client = client;
  w.id = g_timeout_add (10, cancel_when_connected_cb, &w);
  run (f, client, cancellable);
  g_clear_handle_id (&w.id, g_source_remove);
  g_assert_cmpint (f->status, ==, DD_EXIT_OK);
  g_assert_cmpuint (dd_client_get_written (client), ==, 0);
  g_object_unref (client);
  dd_output_free (output);
  /* The cancelled requests complete now, their sources gone: the client closes both
   * connections (bounded by the run's timeout). */
  f->loop_owner = G_OBJECT (cancellable);
  f->timeout_id = g_timeout_add_seconds (WAIT_S, timeout_cb, f);
  g_timeout_add (10, all_closed_cb, f);
  g_main_loop_run (f->loop);
  g_clear_handle_id (&f->timeout_id, g_source_remove);
  g_socket_service_stop (service);
}

static void
test_bad_target (Fixture *f, gconstpointer data)
{
  const char *targets[] = { "http://[::1", NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = dd_client_new (&options, message_cb, f);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A target that cannot be used is a usage error naming its position");
  g_assert_false (dd_client_set_targets (client, targets, &error));
  g_assert_error (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE);
  g_assert_true (g_str_has_prefix (error->message, "target 1: "));
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_pcap (f, "a.pcap", 1000, 10, 20);
  g_autofree char *missing = g_build_filename (f->dir, "missing.pcap", NULL);
  const char *targets[] = { a, missing, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = NULL;
  DdOutput *output;
  DdTargetResult result;

  g_test_summary ("With keep_going, a file that cannot be opened fails the run (status 2) but not "
                  "the merge of the others; the result and a message say why");
  options.keep_going = TRUE;
  client = dd_client_new (&options, message_cb, f);
  g_assert_true (dd_client_set_targets (client, targets, NULL));
  output = dd_output_new (open ("/dev/null", O_WRONLY | O_CLOEXEC), TRUE, DD_FORMAT_PCAP);
  dd_client_set_output (client, output);
  run (f, client, NULL);
  g_assert_cmpint (f->status, ==, DD_EXIT_FAILED);
  g_assert_cmpuint (dd_client_get_written (client), ==, 20);
  dd_client_get_result (client, 1, &result);
  g_assert_cmpint (result.state, ==, DD_TARGET_STATE_FAILED);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpuint (result.failures, ==, 1);
  g_assert_cmpuint (f->messages->len, ==, 1);
  g_assert_true (g_str_has_prefix (f->messages->pdata[0], "0 "));
  g_assert_nonnull (strstr (f->messages->pdata[0], "missing.pcap: cannot open"));
  g_clear_object (&client);
  dd_output_free (output);
}

static void
test_run_error (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_pcap (f, "a.pcap", 1000, 10, 20);
  g_autofree char *missing = g_build_filename (f->dir, "missing.pcap", NULL);
  g_autofree char *prefix = g_strconcat (missing, ": ", NULL);
  const char *targets[] = { a, missing, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = dd_client_new (&options, message_cb, f);
  DdOutput *output;

  g_test_summary ("Without keep_going, a target that cannot be opened fails the run as a whole: "
                  "dd_client_run_finish () gives its error, domain and code kept, after the target");
  g_assert_true (dd_client_set_targets (client, targets, NULL));
  output = dd_output_new (open ("/dev/null", O_WRONLY | O_CLOEXEC), TRUE, DD_FORMAT_PCAP);
  dd_client_set_output (client, output);
  f->expect_error = TRUE;
  run (f, client, NULL);
  g_assert_cmpint (f->status, ==, DD_EXIT_FAILED);
  g_assert_cmpint (dd_client_get_end (client), ==, DD_CLIENT_END_FAILED);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (f->error->message, prefix));
  g_clear_object (&client);
  dd_output_free (output);
}

static void
test_output_error (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_pcap (f, "a.pcap", 1000, 10, 20000);
  const char *targets[] = { a, NULL };
  DdClientOptions options = default_options ();
  g_autoptr(DdClient) client = dd_client_new (&options, message_cb, f);
  DdOutput *output;
  int fd = open ("/dev/full", O_WRONLY | O_CLOEXEC);

  g_test_summary ("An output that cannot be written (a full disk) fails the run: its error, "
                  "after the output's label, is what dd_client_run_finish () gives");
  if (fd < 0)
    {
      g_test_skip ("no /dev/full");
      return;
    }
  g_assert_true (dd_client_set_targets (client, targets, NULL));
  output = dd_output_new (fd, TRUE, DD_FORMAT_PCAP);
  dd_client_set_output (client, output);
  dd_client_set_output_label (client, "full.pcap");
  f->expect_error = TRUE;
  run (f, client, NULL);
  g_assert_cmpint (f->status, ==, DD_EXIT_FAILED);
  g_assert_cmpint (dd_client_get_end (client), ==, DD_CLIENT_END_OUTPUT);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (f->error->message, "full.pcap: "));
  g_clear_object (&client);
  dd_output_free (output);
}

/* The JSON of @result, as ddump-trigger's results carry it. */
static char *
result_json (const DdTargetResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  dd_target_result_add_json (result, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
test_result_json (void)
{
  g_autoptr(GError) failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
  DdTargetResult result = {
    .label = "http://w1:8475/capture", .packets = 10, .bytes = 1000, .drops = 2, .drops_reported = TRUE,
    .clock_known = TRUE, .clock = { .offset_ns = 412000, .error_ns = 50000, .exchanges = 8 },
    .clock_measures = 3, .clock_latest = { .offset_ns = -1500000, .error_ns = 70000, .exchanges = 8 },
    .clock_latest_ns = G_GUINT64_CONSTANT (1700000002000000000),
    .shift_ns = -412000, .window_known = TRUE,
    .start_ns = G_GUINT64_CONSTANT (1700000000000000000), .end_ns = G_GUINT64_CONSTANT (1700000003000000000),
  };
  g_autofree char *full = NULL;
  g_autofree char *unknown = NULL;

  g_test_summary ("A target's result in JSON: counters, the clock as it opened and as last measured, "
                  "the shift and the capture's window; an unknown clock says why, and what is not "
                  "known is left out");
  full = result_json (&result);
  g_assert_cmpstr (full, ==,
                   "{\"target\":\"http://w1:8475/capture\",\"packets\":10,\"bytes\":1000,\"drops\":2,"
                   "\"clock_offset_ns\":412000,\"clock_error_ns\":50000,\"clock_measures\":3,"
                   "\"clock_latest_offset_ns\":-1500000,\"clock_latest_error_ns\":70000,"
                   "\"clock_latest_at_ns\":1700000002000000000,\"shift_ns\":-412000,"
                   "\"capture_start_ns\":1700000000000000000,\"capture_end_ns\":1700000003000000000}");
  result = (DdTargetResult) {
    .label = "http://w2:8475/capture", .error = failure, .clock_why = "GET /clock: 404 Not Found",
  };
  unknown = result_json (&result);
  g_assert_cmpstr (unknown, ==,
                   "{\"target\":\"http://w2:8475/capture\",\"packets\":0,\"bytes\":0,\"error\":\"refused\","
                   "\"clock_unknown\":\"GET /clock: 404 Not Found\"}");
}

/* The command line's exit status, from a run's error and its targets' outcomes. */
static void
test_exit_status (void)
{
  g_autoptr(GError) usage = g_error_new_literal (DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE, "bad");
  g_autoptr(GError) failed = g_error_new_literal (DD_CLIENT_ERROR, DD_CLIENT_ERROR_FAILED, "none");
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "full");
  DdTargetResult lost = { .failed = TRUE }, gapped = { .failed = TRUE, .recovered = TRUE };
  DdTargetResult departed = { .failed = TRUE, .departed = TRUE }, whole = { 0 };

  g_assert_cmpint (dd_exit_status_for_error (NULL), ==, DD_EXIT_OK);
  g_assert_cmpint (dd_exit_status_for_error (usage), ==, DD_EXIT_USAGE);
  g_assert_cmpint (dd_exit_status_for_error (failed), ==, DD_EXIT_FAILED);
  g_assert_cmpint (dd_exit_status_for_error (io), ==, DD_EXIT_FAILED);

  g_assert_cmpint (dd_exit_status_decide (NULL, 0, 0), ==, DD_EXIT_OK);
  g_assert_cmpint (dd_exit_status_decide (NULL, 0, 2), ==, DD_EXIT_GAPS);
  g_assert_cmpint (dd_exit_status_decide (NULL, 1, 2), ==, DD_EXIT_FAILED);
  g_assert_cmpint (dd_exit_status_decide (io, 0, 0), ==, DD_EXIT_FAILED);

  g_assert_true (dd_target_result_is_lost (&lost));
  g_assert_false (dd_target_result_has_gaps (&lost));
  g_assert_true (dd_target_result_has_gaps (&gapped));
  g_assert_false (dd_target_result_is_lost (&gapped));
  /* A worker that left the fleet is neither. */
  g_assert_false (dd_target_result_is_lost (&departed));
  g_assert_false (dd_target_result_has_gaps (&departed));
  g_assert_false (dd_target_result_is_lost (&whole));
  g_assert_false (dd_target_result_has_gaps (&whole));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/client/merge-files", Fixture, NULL, setup, test_merge_files, teardown);
  g_test_add ("/client/count-limit", Fixture, NULL, setup, test_count_limit, teardown);
  g_test_add ("/client/cancel-live", Fixture, NULL, setup, test_cancel_live, teardown);
  g_test_add ("/client/cancel-connecting", Fixture, NULL, setup, test_cancel_connecting, teardown);
  g_test_add ("/client/bad-target", Fixture, NULL, setup, test_bad_target, teardown);
  g_test_add ("/client/missing-file", Fixture, NULL, setup, test_missing_file, teardown);
  g_test_add ("/client/run-error", Fixture, NULL, setup, test_run_error, teardown);
  g_test_add ("/client/output-error", Fixture, NULL, setup, test_output_error, teardown);
  g_test_add_func ("/client/result-json", test_result_json);
  g_test_add_func ("/client/exit-status", test_exit_status);
  return g_test_run ();
}
