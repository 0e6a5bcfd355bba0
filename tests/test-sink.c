/* The consumers of the merged capture (dd-sink.h): the output as a sink, read back with
 * ddump's own parser, and the tee that gives several sinks the same events. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "dd-output.h"
#include "dd-sink.h"
#include "dd-stream-parser.h"

/* ---- reading an output back: one word per block ------------------------------------- */

static void
section_cb (gpointer user_data, DdFormat format, const char *userappl, const char * const *comments)
{
  g_string_append_printf (user_data, "%s ", format == DD_FORMAT_PCAPNG ? "SHB" : "pcap");
}

static gboolean
interface_cb (gpointer user_data, guint32 id, const DdParsedInterface *iface, GError **error)
{
  g_string_append_printf (user_data, "IDB%u:%s ", id, iface->name != NULL ? iface->name : "-");
  return TRUE;
}

static gboolean
packet_cb (gpointer user_data, DdPacket *packet, GError **error)
{
  g_string_append_printf (user_data, "P%u@%" G_GUINT64_FORMAT " ", packet->interface_id, packet->ts);
  return TRUE;
}

static void
stats_cb (gpointer user_data, guint32 id, guint64 ts_ns, const DdPcapngStats *stats)
{
  g_string_append_printf (user_data, "ISB%u", id);
  if (stats->present & DD_PCAPNG_STAT_IFDROP)
    g_string_append_printf (user_data, ":drop=%" G_GUINT64_FORMAT, stats->ifdrop);
  if (stats->present & DD_PCAPNG_STAT_USRDELIV)
    g_string_append_printf (user_data, ":deliv=%" G_GUINT64_FORMAT, stats->usrdeliv);
  if (stats->comment != NULL)
    g_string_append_printf (user_data, ":'%s'", stats->comment);
  g_string_append_c (user_data, ' ');
}

static const DdStreamParserFuncs read_funcs = {
  .section = section_cb,
  .interface = interface_cb,
  .packet = packet_cb,
  .stats = stats_cb,
};

static char *
read_back (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len, consumed = 0;
  GString *log = g_string_new (NULL);
  DdStreamParser *parser = dd_stream_parser_new (&read_funcs, log);

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_true (dd_stream_parser_feed (parser, (const guint8 *) data, len, &consumed, &error));
  g_assert_no_error (error);
  g_assert_true (dd_stream_parser_finish (parser, len - consumed, &error));
  dd_stream_parser_free (parser);
  if (log->len > 0)
    g_string_truncate (log, log->len - 1);
  return g_string_free (log, FALSE);
}

/* ---- the output ---------------------------------------------------------------------- */

static const guint8 frame[20] = { 0 };

static DdPacket
packet (guint32 id, guint64 ts)
{
  return (DdPacket) { .ts = ts, .data = frame, .caplen = sizeof frame, .origlen = sizeof frame,
                      .interface_id = id };
}

static void
block (DdSink *sink, DdSideBlockKind kind, guint32 id, guint64 ts, gint64 arrival, guint64 drops,
       const char *comment)
{
  DdPcapngStats stats = { .present = DD_PCAPNG_STAT_IFDROP, .ifdrop = drops };
  DdSideBlock *b = dd_side_block_new (kind, id, ts, arrival, drops != 0 ? &stats : NULL, comment);

  dd_sink_block (sink, b);
  dd_side_block_free (b);
}

static void
test_output_pcapng (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-sink-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.pcapng", NULL);
  g_autofree char *got = NULL;
  const char *comments[] = { "merged", NULL };
  DdPcapngInterface a = { .linktype = 276, .snaplen = 262144, .name = "a/any", .tsresol = 9 };
  DdPcapngInterface b = { .linktype = 276, .snaplen = 262144, .name = "b/any", .tsresol = 9 };
  DdOutput *output = dd_output_new (open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), TRUE,
                                    DD_FORMAT_PCAPNG);
  DdSink *sink = dd_output_get_sink (output);
  DdPacket p;

  g_test_summary ("The output as a sink: header, interfaces, packets and side blocks as "
                  "pcapng; live statistics at most once a second per interface (the "
                  "newest kept for the final block), marks and comments at once, the "
                  "final comment on the last block");
  dd_output_set_live_stats (output, TRUE);
  dd_sink_header (sink, 0, comments);
  dd_sink_interface (sink, 0, &a);
  dd_sink_interface (sink, 1, &b);
  p = packet (0, 1000);
  g_assert_true (dd_sink_packet (sink, &p, FALSE));
  block (sink, DD_SIDE_BLOCK_STATS, 0, 1500, 2 * G_USEC_PER_SEC, 1, NULL);
  block (sink, DD_SIDE_BLOCK_STATS, 0, 1600, 2 * G_USEC_PER_SEC + 500000, 2, NULL);  /* thinned */
  block (sink, DD_SIDE_BLOCK_STATS, 1, 1700, 2 * G_USEC_PER_SEC + 500000, 7, NULL);  /* its own clock */
  p = packet (1, 2000);
  g_assert_true (dd_sink_packet (sink, &p, FALSE));
  block (sink, DD_SIDE_BLOCK_STATS, 0, 2500, 3 * G_USEC_PER_SEC, 3, NULL);
  block (sink, DD_SIDE_BLOCK_MARK, 0, 2600, 3 * G_USEC_PER_SEC, 4, "gap");
  block (sink, DD_SIDE_BLOCK_COMMENT, 1, 2700, 3 * G_USEC_PER_SEC, 0, "note");
  block (sink, DD_SIDE_BLOCK_FINAL_COMMENT, 1, 2800, 3 * G_USEC_PER_SEC, 0, "first");
  block (sink, DD_SIDE_BLOCK_FINAL_COMMENT, 1, 2900, 3 * G_USEC_PER_SEC, 0, "last");
  block (sink, DD_SIDE_BLOCK_STATS, 1, 2950, 3 * G_USEC_PER_SEC + 100, 9, NULL);  /* thinned */
  dd_sink_end (sink);
  g_assert_true (dd_output_flush (output, NULL));
  dd_output_free (output);

  got = read_back (path);
  g_assert_cmpstr (got, ==,
                   "SHB IDB0:a/any IDB1:b/any P0@1000 ISB0:drop=1 ISB1:drop=7 P1@2000 "
                   "ISB0:drop=3 ISB0:drop=4:'gap' ISB1:'note' "
                   "ISB0:drop=4:deliv=1 ISB1:drop=9:deliv=1:'last'");
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_output_pcap (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-sink-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.pcap", NULL);
  g_autofree char *got = NULL;
  DdPcapngInterface a = { .linktype = 276, .name = "a/any" };
  DdOutput *output = dd_output_new (open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), TRUE,
                                    DD_FORMAT_PCAP);
  DdSink *sink = dd_output_get_sink (output);
  DdPacket p = packet (0, 5000);

  g_test_summary ("pcap output: the header with its one link type, then packets; what "
                  "pcap cannot hold (interfaces, side blocks, final statistics) is left out");
  dd_sink_header (sink, 276, NULL);
  dd_sink_interface (sink, 0, &a);
  g_assert_true (dd_sink_packet (sink, &p, FALSE));
  block (sink, DD_SIDE_BLOCK_MARK, 0, 6000, 0, 4, "gap");
  dd_sink_end (sink);
  g_assert_true (dd_output_flush (output, NULL));
  dd_output_free (output);

  got = read_back (path);
  g_assert_cmpstr (got, ==, "pcap IDB0:- P0@5000");
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- the tee ------------------------------------------------------------------------- */

typedef struct {
  DdSink   parent;
  GString *log;
  char     name;
  gboolean stop;  /* its packet function says the merge must stop */
} Recorder;

static void
recorder_header (DdSink *sink, guint32 linktype, const char * const *comments)
{
  Recorder *self = (Recorder *) sink;

  g_string_append_printf (self->log, "%c:header ", self->name);
}

static gboolean
recorder_packet (DdSink *sink, const DdPacket *p, gboolean late)
{
  Recorder *self = (Recorder *) sink;

  g_string_append_printf (self->log, "%c:P%" G_GUINT64_FORMAT "%s ", self->name, p->ts, late ? "!" : "");
  return !self->stop;
}

static void
recorder_block (DdSink *sink, const DdSideBlock *b)
{
  Recorder *self = (Recorder *) sink;

  g_string_append_printf (self->log, "%c:%s ", self->name, b->stats.comment);
}

static void
recorder_end (DdSink *sink)
{
  Recorder *self = (Recorder *) sink;

  g_string_append_printf (self->log, "%c:end ", self->name);
}

static void
recorder_finalize (DdSink *sink)
{
  g_free (sink);
}

/* No interface function: a sink leaves out what it does not need. */
static const DdSinkFuncs recorder_funcs = {
  .header = recorder_header,
  .packet = recorder_packet,
  .block = recorder_block,
  .end = recorder_end,
  .finalize = recorder_finalize,
};

static DdSink *
recorder_new (GString *log, char name)
{
  Recorder *self = g_new0 (Recorder, 1);

  self->parent.funcs = &recorder_funcs;
  self->log = log;
  self->name = name;
  return &self->parent;
}

static void
test_tee (void)
{
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(DdSink) a = recorder_new (log, 'a');
  g_autoptr(DdSink) b = recorder_new (log, 'b');
  g_autoptr(DdSink) tee = dd_sink_tee_new ();
  DdPcapngInterface iface = { .linktype = 1 };
  DdPacket p = packet (0, 7);
  DdSideBlock *note = dd_side_block_new (DD_SIDE_BLOCK_COMMENT, 0, 8, 0, NULL, "note");

  g_test_summary ("The tee gives every event to each sink, in the order they were added; "
                  "a packet stops the merge when any of them says so, after all had it");
  dd_sink_tee_add (tee, a);
  dd_sink_tee_add (tee, b);
  dd_sink_header (tee, 1, NULL);
  dd_sink_interface (tee, 0, &iface);
  g_assert_true (dd_sink_packet (tee, &p, TRUE));
  dd_sink_block (tee, note);
  ((Recorder *) a)->stop = TRUE;
  g_assert_false (dd_sink_packet (tee, &p, FALSE));
  dd_sink_end (tee);
  g_assert_cmpstr (log->str, ==, "a:header b:header a:P7! b:P7! a:note b:note a:P7 b:P7 a:end b:end ");
  dd_side_block_free (note);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sink/output-pcapng", test_output_pcapng);
  g_test_add_func ("/sink/output-pcap", test_output_pcap);
  g_test_add_func ("/sink/tee", test_tee);
  return g_test_run ();
}
