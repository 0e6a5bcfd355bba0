#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "dd-capture-totals.h"
#include "dd-input-interfaces.h"
#include "dd-sll2.h"
#include "dd-source.h"
#include "dd-read-buffer.h"
#include "dd-source-private.h"
#include "dd-source-clock.h"
#include "dd-stall-watch.h"
#include "dd-stream-parser.h"

/* Files are read in chunks of this size (larger when a block needs it); a stream's chunks
 * grow up to it (and a quarter of the stream's memory share): dd-read-buffer.h. */
#define CHUNK_SIZE DD_CHUNK_SIZE

typedef struct {
  DdTarget         *target;
  DdSourceContext   context;
  DdSourceCallbacks callbacks;
  gpointer          user_data;
  DdMergeInput     *input;

  DdSourceState     state;
  gboolean          started;
  gboolean          pull;      /* read when the merge needs more */
  GError           *error;
  GCancellable     *cancellable;
  GInputStream     *stream;
  gboolean          reading;
  gboolean          paused;
  gboolean          eager;     /* read without waiting when the merge has taken it all */

  DdStreamParser   *parser;
  DdReadBuffer      buffer;    /* the chunk read into, and what is not parsed yet */
  DdMemoryAccount  *account;   /* charged with our chunks */
  gsize             reserved;  /* and with this, for the open stream */
  DdChunk          *scratch;   /* converted packets */
  gsize             scratch_used;
  gint64            arrival;

  DdInputInterfaces interfaces;  /* of the section read, and the drops of those before */
  gboolean          heartbeats;
  guint64           watermark;      /* the newest its heartbeats promised, in our clock */
  gboolean          ended_cleanly;  /* a ddump worker's last ISB came */
  gboolean          shut_down;      /* ...saying the worker stopped */
  DdStallWatch      stall;          /* whether a stream with heartbeats went quiet */
  char             *note;           /* the comment of the interfaces we add, or NULL */
  char            **section_comments;  /* the section's own, for its interfaces, or NULL */
  DdSourceClock     clock;          /* against ours: the offset, the shift, the comment */
  char             *notice;         /* for the user, about the stream last opened */
  char             *remote_id;      /* the stream last opened, as its server names it */
  guint64           ready_ns;       /* since when it holds every packet (its clock); 0: unknown */
  guint64           keep_until;     /* the packets taken end there (its clock); from where,
                                     * the interfaces keep: dd_input_interfaces_set_window */
  gboolean          handed_over;    /* a heartbeat reached keep_until: the stream is done */
  guint             stall_id;       /* the stall watch's timer */

  guint64           packets;
  guint64           bytes;

  DdCaptureTotals   totals;         /* a worker's whole capture: its counters, their place */
  guint64           converted;      /* packets from LINUX_SLL to LINUX_SLL2 */
  guint64           first_ts;       /* of the packets taken, in our clock; 0: none yet */
  guint64           last_ts;
} DdSourcePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DdSource, dd_source, G_TYPE_OBJECT)

#define PRIV(self) ((DdSourcePrivate *) dd_source_get_instance_private (self))

/* A read in flight owns the chunk it reads into: a stream closed meanwhile may still be
 * writing into it (a thread reading a file or a terminal). */
typedef struct {
  DdSource *self;
  DdChunk  *chunk;
} ReadOp;

static void read_more (DdSource *self);
static void finish (DdSource *self, GError *error);

/* A side block for the output's interface @out_id, into the merge by its timestamp: read
 * at @arrival (monotonic µs). */
static void
push_block (DdSource            *self,
            DdSideBlockKind      kind,
            guint32              out_id,
            guint64              ts,
            gint64               arrival,
            const DdPcapngStats *stats,
            const char          *comment)
{
  dd_merge_input_push_block (PRIV (self)->input,
                             dd_side_block_new (kind, out_id, ts, arrival, stats, comment));
}

/* A side block of this moment (a note, a gap), not of the stream. */
static void
push_block_now (DdSource            *self,
                DdSideBlockKind      kind,
                guint32              out_id,
                const DdPcapngStats *stats,
                const char          *comment)
{
  push_block (self, kind, out_id, (guint64) dd_clock_real_time_ns (), g_get_monotonic_time (),
              stats, comment);
}

/* The whole capture's statistics to where they go, once that is known. */
static void
place_stats (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);
  DdPcapngStats stats;
  guint64 ts;
  guint32 out_id;

  if (dd_capture_totals_take (&priv->totals, &out_id, &ts, &stats))
    push_block (self, DD_SIDE_BLOCK_STATS, out_id, ts, priv->arrival, &stats, NULL);
}

/* The whole capture's statistics go to @out_id from now on, unless they have a place. */
static void
adopt_stats_route (DdSource *self,
                   guint32   out_id)
{
  dd_capture_totals_route (&PRIV (self)->totals, out_id);
  place_stats (self);
}

/* The worker's whole capture as an interface of the output, "HOST/any", where its
 * statistics go when they have no other place. */
static gboolean
route_any (DdSource      *self,
           guint32        snaplen,
           DdOutputRoute *route,
           GError       **error)
{
  DdSourcePrivate *priv = PRIV (self);
  DdParsedInterface any = { DD_LINKTYPE_LINUX_SLL2, snaplen, "any", NULL, NULL };

  if (!dd_output_map_add_interface (priv->context.map, priv->target->host, priv->target->label,
                                    priv->clock.note, &any, route, error))
    return FALSE;
  adopt_stats_route (self, route->out_id);
  return TRUE;
}

/* The section's interfaces are gone: their drop counts stay in the total. */
static void
retire_interfaces (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_input_interfaces_retire (&priv->interfaces);
  dd_capture_totals_end_section (&priv->totals);
}


/* ---- parsing ------------------------------------------------------------------------- */

static void
section_cb (gpointer            user_data,
            DdFormat            format,
            const char         *userappl,
            const char * const *comments)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  gboolean worker = format == DD_FORMAT_PCAPNG && userappl != NULL &&
                    g_str_has_prefix (userappl, "ddump-worker ");

  retire_interfaces (self);
  /* A ddump worker's pcapng stream carries watermark heartbeats: from here on the merge
   * waits for them rather than for this stream's packets. */
  if (!priv->pull && worker)
    {
      priv->heartbeats = TRUE;
      dd_merge_input_set_watermark (priv->input, 0);
    }
  /* What the section's writer said of it goes with its interfaces (the output has one
   * section of its own); a ddump worker's (its host, the ports it left out) is ours. */
  g_strfreev (priv->section_comments);
  priv->section_comments = worker || comments == NULL || comments[0] == NULL
                           ? NULL : g_strdupv ((char **) comments);
}

/* The comments of an interface of the output: its section's, then its own. */
static char **
interface_comments (DdSourcePrivate         *priv,
                    const DdParsedInterface *parsed)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (priv->section_comments != NULL)
    g_strv_builder_addv (builder, (const char **) priv->section_comments);
  if (parsed->comments != NULL)
    g_strv_builder_addv (builder, (const char **) parsed->comments);
  return g_strv_builder_end (builder);
}

static gboolean
interface_cb (gpointer                 user_data,
              guint32                  id,
              const DdParsedInterface *parsed,
              GError                 **error)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  DdOutputRoute route;
  g_autofree char *both = NULL;
  g_auto(GStrv) comments = NULL;
  const char *note = priv->note != NULL ? priv->note : priv->clock.note;
  DdParsedInterface described = *parsed;

  if (priv->heartbeats && id == 0)
    {
      /* A worker's whole capture: an interface of the output only if nothing else is. */
      priv->totals.snaplen = parsed->snaplen;
      dd_input_interfaces_add_whole (&priv->interfaces, id, parsed->snaplen);
      return TRUE;
    }
  if (priv->note != NULL && priv->clock.note != NULL)
    note = both = g_strdup_printf ("%s; %s", priv->note, priv->clock.note);
  if (priv->section_comments != NULL || parsed->comments != NULL)
    described.comments = (const char * const *) (comments = interface_comments (priv, parsed));
  if (!dd_output_map_add_interface (priv->context.map, priv->target->host, priv->target->label,
                                    note, &described, &route, error))
    return FALSE;
  if (priv->heartbeats)
    adopt_stats_route (self, route.out_id);
  return dd_input_interfaces_add (&priv->interfaces, id, parsed, &route, priv->target->filter,
                                  error) != NULL;
}

/* A timestamp of the input in our clock (--clock-sync). */
static inline guint64
shift (DdSourcePrivate *priv,
       guint64          ts)
{
  return dd_source_clock_shift (&priv->clock, ts);
}

/* A LINUX_SLL packet as LINUX_SLL2, in the scratch chunk (its options too, which must
 * live where its bytes do); the chunk that holds it. */
static DdChunk *
convert_sll (DdSource *self,
             DdPacket *packet)
{
  DdSourcePrivate *priv = PRIV (self);
  gsize options_at = ((gsize) packet->caplen + 4 + 7) & ~(gsize) 7;
  gsize options_len = dd_packet_get_options_len (packet);
  gsize needed = options_at + options_len;

  if (packet->caplen < 16)
    return priv->buffer.chunk;
  if (priv->scratch == NULL || priv->scratch->size - priv->scratch_used < needed)
    {
      dd_chunk_unref (priv->scratch);
      priv->scratch = dd_chunk_new (MAX (needed, priv->buffer.chunk_size), priv->account);
      priv->scratch_used = 0;
    }
  if (G_UNLIKELY (options_len != 0))
    memcpy (priv->scratch->data + priv->scratch_used + options_at, dd_packet_get_options (packet), options_len);
  packet->caplen = dd_output_map_convert_sll (packet->data, packet->caplen,
                                              priv->scratch->data + priv->scratch_used);
  priv->converted++;
  packet->data = priv->scratch->data + priv->scratch_used;
  packet->origlen += 4;
  packet->options_at = (guint32) options_at;
  priv->scratch_used += (needed + 7) & ~(gsize) 7;
  return priv->scratch;
}

/* A packet on a worker's whole-capture interface (which a worker never sends): it gets
 * its interface "HOST/any", where the capture's counters then go as well. */
static gboolean
route_whole (DdSource         *self,
             DdInputInterface *iface,
             GError          **error)
{
  if (!route_any (self, iface->snaplen, &iface->route, error))
    return FALSE;
  iface->whole_routed = TRUE;
  return TRUE;
}

static gboolean
packet_cb (gpointer   user_data,
           DdPacket  *packet,
           GError   **error)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  DdInputInterface *iface = dd_input_interfaces_get (&priv->interfaces, packet->interface_id);
  DdChunk *chunk = priv->buffer.chunk;

  if (G_UNLIKELY (iface->whole && !iface->whole_routed) && !route_whole (self, iface, error))
    return FALSE;
  if (!dd_input_interface_takes (iface, packet))
    return TRUE;
  priv->packets++;
  priv->bytes += packet->caplen;
  packet->ts = shift (priv, packet->ts);
  if (G_UNLIKELY (priv->first_ts == 0))
    priv->first_ts = packet->ts;
  priv->last_ts = MAX (priv->last_ts, packet->ts);
  packet->interface_id = iface->route.out_id;
  if (G_UNLIKELY (iface->route.convert))
    chunk = convert_sll (self, packet);
  else if (iface->route.derive_flags && packet->flags == 0)
    packet->flags = dd_sll2_epb_flags (packet->data, packet->caplen);
  dd_merge_input_push (priv->input, packet, chunk, priv->arrival);
  return TRUE;
}

static void
stats_cb (gpointer             user_data,
          guint32              id,
          guint64              ts_ns,
          const DdPcapngStats *stats)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  DdInputInterface *iface = dd_input_interfaces_get (&priv->interfaces, id);
  DdPcapngStats shifted;

  /* Past the switch to a capture that took over (in its own clock, before the shift): it
   * ends once the parser returns (it is running). */
  priv->handed_over |= priv->heartbeats && ts_ns >= priv->keep_until;
  ts_ns = shift (priv, ts_ns);
  if (priv->clock.shift_ns != 0)
    {
      /* Its times in our clock, as its packets. */
      shifted = *stats;
      shifted.starttime = shift (priv, stats->starttime);
      shifted.endtime = shift (priv, stats->endtime);
      stats = &shifted;
    }
  if (priv->heartbeats)
    {
      dd_merge_input_set_watermark (priv->input, ts_ns);
      priv->watermark = MAX (priv->watermark, ts_ns);
    }
  if (priv->heartbeats && (stats->present & DD_PCAPNG_STAT_ENDTIME))
    {
      if (dd_stall_watch_beat (&priv->stall, stats->endtime, g_get_monotonic_time ()))
        g_debug ("%s: a heartbeat every %.3f s", priv->target->label,
                 priv->stall.period_us / (double) G_USEC_PER_SEC);
    }
  if (stats->comment != NULL && g_str_has_prefix (stats->comment, DD_PCAPNG_END_COMMENT))
    {
      priv->ended_cleanly = TRUE;
      priv->shut_down = strstr (stats->comment, "(" DD_PCAPNG_END_SHUTDOWN ")") != NULL;
    }
  dd_input_interface_count_drops (iface, stats);
  if (!iface->whole)
    {
      push_block (self, DD_SIDE_BLOCK_STATS, iface->route.out_id, ts_ns, priv->arrival, stats, NULL);
      return;
    }
  /* The whole capture's counters since the first connection. */
  dd_capture_totals_update (&priv->totals, ts_ns, stats);
  place_stats (self);
}

/* A block the merge copies: where it was among this input's packets (after the last one
 * taken), so that it comes before those that follow it (decryption secrets must). A
 * worker's secrets go further back, to its watermark: it holds that below the handshakes
 * they are for until they are sent (ddump-worker --tls-keylog), and Wireshark needs them
 * before the handshake. */
static void
block_cb (gpointer      user_data,
          guint32       type,
          const guint8 *block,
          guint32       len,
          gboolean      swapped)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  guint64 ts = type == DD_PCAPNG_BT_DSB && priv->heartbeats ? MIN (priv->last_ts, priv->watermark) : priv->last_ts;

  dd_merge_input_push_block (priv->input, dd_side_block_new_copy (ts, priv->arrival, type, block, len, swapped));
}

static const DdStreamParserFuncs parser_funcs = {
  .section = section_cb,
  .interface = interface_cb,
  .packet = packet_cb,
  .stats = stats_cb,
  .block = block_cb,
};

/* ---- reading ------------------------------------------------------------------------- */

static void
close_stream (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  g_clear_handle_id (&priv->stall_id, g_source_remove);
  if (priv->cancellable != NULL)
    g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->stream);
  if (DD_SOURCE_GET_CLASS (self)->close != NULL)
    DD_SOURCE_GET_CLASS (self)->close (self);
  priv->reading = FALSE;
  priv->paused = FALSE;
  priv->eager = FALSE;
  dd_memory_account_release (priv->account, priv->reserved);
  priv->reserved = 0;
  g_clear_pointer (&priv->parser, dd_stream_parser_free);
  dd_read_buffer_clear (&priv->buffer);
}

static void
finish (DdSource *self,
        GError   *error)  /* (transfer full) (nullable) */
{
  DdSourcePrivate *priv = PRIV (self);

  if (priv->state == DD_SOURCE_ENDED || priv->state == DD_SOURCE_FAILED)
    {
      g_clear_error (&error);
      return;
    }
  retire_interfaces (self);
  close_stream (self);
  dd_merge_input_set_live (priv->input, FALSE);
  g_clear_error (&priv->error);
  priv->error = error;
  priv->state = error != NULL ? DD_SOURCE_FAILED : DD_SOURCE_ENDED;
  priv->callbacks.ended (self, error, priv->user_data);
}

/* Makes room after the unparsed bytes for a read, and for the whole next unit. */
static void
make_room (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_read_buffer_make_room (&priv->buffer, dd_stream_parser_wanted (priv->parser));
}

/* Parses what was read. FALSE when the source ended (it failed). */
static gboolean
parse (DdSource *self,
       gsize     n)
{
  DdSourcePrivate *priv = PRIV (self);
  GError *error = NULL;
  gsize consumed = 0, len;
  const guint8 *data;
  gboolean ok;

  dd_read_buffer_filled (&priv->buffer, n);
  priv->arrival = g_get_monotonic_time ();
  data = dd_read_buffer_unparsed (&priv->buffer, &len);
  ok = dd_stream_parser_feed (priv->parser, data, len, &consumed, &error);
  dd_read_buffer_consume (&priv->buffer, consumed);
  if (!ok)
    {
      finish (self, error);
      return FALSE;
    }
  if (G_UNLIKELY (priv->handed_over))
    {
      g_debug ("%s: handed over at %" G_GUINT64_FORMAT, priv->target->label, priv->keep_until);
      finish (self, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
end_of_stream (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);
  GError *error = NULL;
  gsize left;

  dd_read_buffer_unparsed (&priv->buffer, &left);
  if (!dd_stream_parser_finish (priv->parser, left, &error))
    finish (self, error);
  else if (priv->heartbeats && !priv->ended_cleanly)
    /* HTTP/1.1 lets a chunked body stop at any chunk when the peer dies; our workers
     * always end a capture with a last ISB, so its absence means they went away. */
    finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("the stream broke off: the worker went away without ending the capture")));
  else if (priv->shut_down && priv->context.reconnect)
    /* Stopped, not done: it may come back, and the capture goes on then. */
    finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("the worker shut down before the capture's end")));
  else
    finish (self, NULL);
}

/* A read failed. */
static void
broke_off (DdSource     *self,
           const GError *error)
{
  finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             _("the stream broke off: %s"), error->message));
}

/* What this source may hold: its part of the memory budget. */
static gsize
share (DdSource *self)
{
  return dd_memory_budget_get_share (dd_memory_account_get_budget (PRIV (self)->account));
}

/* A chunk is at most a quarter of the share (and CHUNK_SIZE). */
static gsize
largest_chunk (DdSource *self)
{
  return CLAMP (share (self) / 4, DD_READ_BUFFER_MIN, CHUNK_SIZE);
}

/* Live streams: the next chunk follows the reads. */
static void
adapt_chunk_size (DdSource *self,
                  gsize     n)
{
  dd_read_buffer_adapt (&PRIV (self)->buffer, n, largest_chunk (self));
}

/* Whether the stream is not read now, though the merge does not wait for it: when it has
 * more than @share of memory queued (until the merge has taken half of it), or when it
 * can be read without waiting and has packets queued. Such a stream is read when the
 * merge has taken its last packet (drained_cb ()): its bytes then wait in the kernel, and
 * reach the merge as a file's do, just read and still in the cache. */
static gboolean
over_share (DdSource *self,
            gsize     share)
{
  DdSourcePrivate *priv = PRIV (self);

  /* With the next read: a share is a bound, not a threshold. A side block waiting (a
   * name block before the first packet, say) does not hold the stream back: only the
   * packets the merge has not taken do. */
  return (dd_memory_account_get_used (priv->account) + priv->buffer.chunk_size > share ||
          (priv->eager && dd_merge_input_get_queued_packets (priv->input) > 0)) &&
         !dd_merge_input_holds_merge (priv->input);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadOp *op = user_data;
  g_autoptr(DdSource) self = op->self;
  DdSourcePrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  dd_chunk_unref (op->chunk);
  g_free (op);
  /* Stopped (and maybe opened again since): nothing of this read is ours any more. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || G_INPUT_STREAM (object) != priv->stream)
    return;
  priv->reading = FALSE;
  if (n > 0)
    adapt_chunk_size (self, (gsize) n);
  if (n < 0)
    {
      broke_off (self, error);
      return;
    }
  if (n == 0)
    end_of_stream (self);
  else if (parse (self, (gsize) n))
    read_more (self);
  priv->callbacks.data (self, priv->user_data);
}

static void
read_more (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);
  ReadOp *op;
  guint8 *tail;
  gsize room;

  if (priv->reading || priv->state != DD_SOURCE_RUNNING || priv->stream == NULL)
    return;
  if (over_share (self, share (self)))
    {
      priv->paused = TRUE;
      dd_merge_input_pause (priv->input);
      return;
    }
  priv->paused = FALSE;
  make_room (self);
  priv->reading = TRUE;
  op = g_new (ReadOp, 1);
  op->self = g_object_ref (self);
  op->chunk = dd_chunk_ref (priv->buffer.chunk);
  tail = dd_read_buffer_tail (&priv->buffer, &room);
  g_input_stream_read_async (priv->stream, tail, room, G_PRIORITY_DEFAULT, priv->cancellable,
                             read_cb, op);
}

/* The merge took some of a paused stream: it reads again once the merge has taken half
 * of its share, else it stays paused. */
static void
resume_cb (DdMergeInput *input,
           gpointer      user_data)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);

  if (!priv->paused)
    return;
  if (over_share (self, share (self) / 2))
    dd_merge_input_pause (input);
  else
    read_more (self);
}

/* An eager push source whose last packet the merge has taken: what the kernel has
 * received is read at once; only when nothing is there does the source wait (read_more). */
static void
drained_cb (DdMergeInput *input,
            gpointer      user_data)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;
  guint8 *tail;
  gsize room;
  gssize n;

  if (!priv->eager || priv->reading || priv->state != DD_SOURCE_RUNNING || priv->stream == NULL)
    return;
  make_room (self);
  tail = dd_read_buffer_tail (&priv->buffer, &room);
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (priv->stream), tail, room,
                                                NULL, &error);
  if (n > 0)
    {
      adapt_chunk_size (self, (gsize) n);
      if (parse (self, (gsize) n))
        read_more (self);
    }
  else if (n == 0)
    end_of_stream (self);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    read_more (self);
  else
    broke_off (self, error);
}

/* A pull source: read when the merge has nothing left of it. */
static void
refill_cb (DdMergeInput *input,
           gpointer      user_data)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  DdSourceClass *klass = DD_SOURCE_GET_CLASS (self);

  while (priv->state == DD_SOURCE_RUNNING && dd_merge_input_get_queued (input) == 0)
    {
      GError *error = NULL;
      guint8 *tail;
      gsize room;
      gssize n;

      make_room (self);
      tail = dd_read_buffer_tail (&priv->buffer, &room);
      n = klass->read (self, tail, room, &error);
      if (n < 0)
        finish (self, error);
      else if (n == 0)
        end_of_stream (self);
      else
        parse (self, (gsize) n);
    }
}

/* A heartbeat stream that went quiet while we waited for it. */
static gboolean
stall_cb (gpointer user_data)
{
  DdSource *self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  GError *error = NULL;

  if (!priv->heartbeats || !priv->reading)
    return G_SOURCE_CONTINUE;  /* nothing to expect, or paused by us */
  if (dd_stall_watch_check (&priv->stall, priv->arrival, g_get_monotonic_time (), &error))
    return G_SOURCE_CONTINUE;
  priv->stall_id = 0;
  finish (self, error);
  return G_SOURCE_REMOVE;
}

static void
running (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  priv->state = DD_SOURCE_RUNNING;
  priv->started = TRUE;
  priv->ended_cleanly = FALSE;
  priv->shut_down = FALSE;
  priv->arrival = g_get_monotonic_time ();
  dd_stall_watch_reset (&priv->stall, priv->arrival);
  if (!priv->pull)
    priv->stall_id = g_timeout_add_seconds (1, stall_cb, self);
  priv->parser = dd_stream_parser_new (&parser_funcs, self);
  dd_merge_input_set_live (priv->input, TRUE);
  priv->callbacks.started (self, priv->user_data);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(DdSource) self = user_data;
  DdSourcePrivate *priv = PRIV (self);
  GError *error = NULL;
  GInputStream *stream = DD_SOURCE_GET_CLASS (self)->open_finish (self, result, &error);

  /* Stopped meanwhile: only stopping cancels (a connect timeout is TIMED_OUT). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || priv->state != DD_SOURCE_CONNECTING)
    {
      g_clear_error (&error);
      g_clear_object (&stream);
      return;
    }
  if (stream == NULL)
    {
      finish (self, error);
      return;
    }
  priv->stream = stream;
  priv->eager = G_IS_POLLABLE_INPUT_STREAM (stream) &&
                g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream));
  running (self);
  read_more (self);
}

void
dd_source_start (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);
  DdSourceClass *klass = DD_SOURCE_GET_CLASS (self);
  GError *error = NULL;

  g_return_if_fail (priv->state != DD_SOURCE_RUNNING && priv->state != DD_SOURCE_CONNECTING);

  g_clear_error (&priv->error);
  if (priv->input == NULL)
    {
      priv->pull = klass->read != NULL;
      if (priv->pull)  /* read on demand: one chunk at a time, as large as the share allows */
        priv->buffer.chunk_size = largest_chunk (self);
      priv->input = dd_merger_add_input (priv->context.merger, priv->pull ? refill_cb : NULL, self);
      if (!priv->pull)
        {
          dd_merge_input_set_drained_func (priv->input, drained_cb);
          dd_merge_input_set_resume_func (priv->input, resume_cb);
        }
      dd_merge_input_set_account (priv->input, priv->account);
    }
  priv->cancellable = g_cancellable_new ();
  priv->state = DD_SOURCE_CONNECTING;
  if (priv->pull)
    {
      if (klass->open (self, &error))
        running (self);
      else
        finish (self, error);
      return;
    }
  /* Waited for (at most max-delay) from now on: its first packets may be older than those
   * of the inputs that opened first. */
  dd_merge_input_set_live (priv->input, TRUE);
  klass->open_async (self, priv->cancellable, open_cb, g_object_ref (self));
}

void
dd_source_stop (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  if (priv->state == DD_SOURCE_ENDED || priv->state == DD_SOURCE_FAILED)
    return;
  close_stream (self);
  if (priv->input != NULL)
    dd_merge_input_set_live (priv->input, FALSE);
  priv->state = DD_SOURCE_ENDED;
}

/* ---- the object ---------------------------------------------------------------------- */

void
dd_source_bind (DdSource                *self,
                DdTarget                *target,
                const DdSourceContext   *context,
                const DdSourceCallbacks *callbacks,
                gpointer                 user_data)
{
  DdSourcePrivate *priv = PRIV (self);

  g_return_if_fail (priv->target == NULL);
  priv->target = target;
  priv->context = *context;
  priv->callbacks = *callbacks;
  priv->user_data = user_data;
  priv->account = dd_memory_account_new (context->budget);
  dd_read_buffer_init (&priv->buffer, priv->account);
}

void
dd_source_rebind (DdSource                *self,
                  const DdSourceCallbacks *callbacks,
                  gpointer                 user_data)
{
  DdSourcePrivate *priv = PRIV (self);

  priv->callbacks = *callbacks;
  priv->user_data = user_data;
}

static void
dd_source_init (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_input_interfaces_init (&priv->interfaces);
  priv->keep_until = G_MAXUINT64;
}

static void
dd_source_dispose (GObject *object)
{
  DdSource *self = DD_SOURCE (object);

  close_stream (self);
  G_OBJECT_CLASS (dd_source_parent_class)->dispose (object);
}

static void
dd_source_finalize (GObject *object)
{
  DdSource *self = DD_SOURCE (object);
  DdSourcePrivate *priv = PRIV (self);

  retire_interfaces (self);
  dd_input_interfaces_clear (&priv->interfaces);
  dd_chunk_unref (priv->scratch);
  dd_memory_account_unref (priv->account);
  g_free (priv->note);
  g_strfreev (priv->section_comments);
  dd_source_clock_clear (&priv->clock);
  g_free (priv->notice);
  g_free (priv->remote_id);
  g_clear_error (&priv->error);
  dd_target_free (priv->target);
  G_OBJECT_CLASS (dd_source_parent_class)->finalize (object);
}

static guint32
dd_source_real_expected_linktype (DdSource *self)
{
  return DD_OUTPUT_LINKTYPE_PENDING;
}

static void
dd_source_class_init (DdSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dd_source_dispose;
  object_class->finalize = dd_source_finalize;
  klass->expected_linktype = dd_source_real_expected_linktype;
}

void
dd_source_set_note (DdSource   *self,
                    const char *note)
{
  DdSourcePrivate *priv = PRIV (self);

  g_free (priv->note);
  priv->note = g_strdup (note);
}

void
dd_source_write_note (DdSource   *self,
                      const char *note)
{
  DdSourcePrivate *priv = PRIV (self);

  for (guint i = 0; i < dd_input_interfaces_get_n (&priv->interfaces); i++)
    {
      const DdInputInterface *iface = dd_input_interfaces_get (&priv->interfaces, i);

      if (dd_input_interface_is_output (iface))
        push_block_now (self, DD_SIDE_BLOCK_COMMENT, iface->route.out_id, NULL, note);
    }
}

guint64
dd_source_get_converted (DdSource *self)
{
  return PRIV (self)->converted;
}

gboolean
dd_source_is_live (DdSource *self)
{
  return !PRIV (self)->pull;
}

gboolean
dd_source_get_window (DdSource *self,
                      guint64  *start,
                      guint64  *end)
{
  DdSourcePrivate *priv = PRIV (self);
  DdPcapngStats whole;

  dd_capture_totals_get (&priv->totals, &whole);
  *start = (whole.present & DD_PCAPNG_STAT_STARTTIME) ? shift (priv, whole.starttime) : priv->first_ts;
  *end = MAX ((whole.present & DD_PCAPNG_STAT_ENDTIME) ? shift (priv, whole.endtime) : 0, priv->last_ts);
  return *start != 0 && *end >= *start;
}

void
dd_source_write_gap (DdSource   *self,
                     const char *note)
{
  DdSourcePrivate *priv = PRIV (self);
  DdPcapngStats stats;

  dd_capture_totals_get (&priv->totals, &stats);
  if (!priv->totals.routed)
    {
      dd_source_write_note (self, note);
      return;
    }
  /* The counters of the connections before: the new one's have not come yet. */
  push_block_now (self, DD_SIDE_BLOCK_MARK, priv->totals.out_id, &stats, note);
  for (guint i = 0; i < dd_input_interfaces_get_n (&priv->interfaces); i++)
    {
      const DdInputInterface *iface = dd_input_interfaces_get (&priv->interfaces, i);

      if (!iface->whole && iface->route.out_id != priv->totals.out_id)
        push_block_now (self, DD_SIDE_BLOCK_COMMENT, iface->route.out_id, NULL, note);
    }
}

void
dd_source_end_stats (DdSource *self)
{
  DdSourcePrivate *priv = PRIV (self);
  DdOutputRoute route;

  if (!priv->totals.have_pending || priv->totals.routed ||
      dd_output_map_get_format (priv->context.map) != DD_FORMAT_PCAPNG)
    return;
  /* No packet came: the host is still in the capture, with its counters. */
  route_any (self, priv->totals.snaplen, &route, NULL);
}

void
dd_source_set_clock (DdSource              *self,
                     const DdClockEstimate *estimate,
                     const GError          *why)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_source_clock_set (&priv->clock, estimate, why, priv->context.clock_sync);
}

gboolean
dd_source_get_clock (DdSource         *self,
                     DdClockEstimate  *estimate,
                     const char      **why)
{
  DdSourcePrivate *priv = PRIV (self);

  *estimate = priv->clock.estimate;
  if (why != NULL)
    *why = priv->clock.why;
  return priv->clock.estimate.exchanges > 0;
}

void
dd_source_update_clock (DdSource              *self,
                        const DdClockEstimate *estimate)
{
  DdSourcePrivate *priv = PRIV (self);
  g_autofree char *note = dd_source_clock_update (&priv->clock, estimate,
                                                  (guint64) dd_clock_real_time_ns ());

  for (guint i = 0; i < dd_input_interfaces_get_n (&priv->interfaces); i++)
    {
      const DdInputInterface *iface = dd_input_interfaces_get (&priv->interfaces, i);

      if (dd_input_interface_is_output (iface))
        push_block (self, DD_SIDE_BLOCK_FINAL_COMMENT, iface->route.out_id, priv->clock.latest_at,
                    g_get_monotonic_time (), NULL, note);
    }
  if (priv->callbacks.clock != NULL)
    priv->callbacks.clock (self, priv->user_data);
}

gboolean
dd_source_get_latest_clock (DdSource        *self,
                            DdClockEstimate *estimate,
                            guint64         *when,
                            guint           *measures)
{
  DdSourcePrivate *priv = PRIV (self);

  *estimate = priv->clock.latest;
  *when = priv->clock.latest_at;
  *measures = priv->clock.measures;
  return priv->clock.measures > 0;
}

gint64
dd_source_get_shift (DdSource *self)
{
  return PRIV (self)->clock.shift_ns;
}

void
dd_source_set_notice (DdSource   *self,
                      const char *notice)
{
  DdSourcePrivate *priv = PRIV (self);

  g_free (priv->notice);
  priv->notice = g_strdup (notice);
}

const char *
dd_source_get_notice (DdSource *self)
{
  return PRIV (self)->notice;
}

void
dd_source_set_remote_id (DdSource   *self,
                         const char *id)
{
  DdSourcePrivate *priv = PRIV (self);

  g_free (priv->remote_id);
  priv->remote_id = g_strdup (id);
}

void
dd_source_set_ready (DdSource *self,
                     guint64   ready_ns)
{
  PRIV (self)->ready_ns = ready_ns;
}

guint64
dd_source_get_ready (DdSource *self)
{
  return PRIV (self)->ready_ns;
}

void
dd_source_keep_from (DdSource *self,
                     guint64   from_ns)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_input_interfaces_set_window (&priv->interfaces, from_ns, priv->keep_until - MIN (from_ns, priv->keep_until));
}

void
dd_source_keep_until (DdSource *self,
                      guint64   until_ns)
{
  DdSourcePrivate *priv = PRIV (self);
  guint64 from = priv->interfaces.keep_from;

  priv->keep_until = until_ns;
  dd_input_interfaces_set_window (&priv->interfaces, from, until_ns - MIN (from, until_ns));
}

const char *
dd_source_get_remote_id (DdSource *self)
{
  return PRIV (self)->remote_id;
}

gsize
dd_source_get_read_ahead (DdSource *self)
{
  return largest_chunk (self);
}

void
dd_source_reserve (DdSource *self,
                   gsize     bytes)
{
  DdSourcePrivate *priv = PRIV (self);

  dd_memory_account_charge (priv->account, bytes);
  priv->reserved += bytes;
}

guint32
dd_source_get_expected_linktype (DdSource *self)
{
  return DD_SOURCE_GET_CLASS (self)->expected_linktype (self);
}

DdTarget *
dd_source_get_target (DdSource *self)
{
  return PRIV (self)->target;
}

const DdSourceContext *
dd_source_get_context (DdSource *self)
{
  return &PRIV (self)->context;
}

DdSourceState
dd_source_get_state (DdSource *self)
{
  return PRIV (self)->state;
}

gboolean
dd_source_has_started (DdSource *self)
{
  return PRIV (self)->started;
}

const GError *
dd_source_get_error (DdSource *self)
{
  return PRIV (self)->error;
}

guint64
dd_source_get_packets (DdSource *self)
{
  return PRIV (self)->packets;
}

guint64
dd_source_get_bytes (DdSource *self)
{
  return PRIV (self)->bytes;
}

guint64
dd_source_get_drops (DdSource *self)
{
  return dd_input_interfaces_get_drops (&PRIV (self)->interfaces);
}

gboolean
dd_source_has_drop_counts (DdSource *self)
{
  return PRIV (self)->heartbeats || dd_input_interfaces_had_drops (&PRIV (self)->interfaces);
}

void
dd_source_push_block (DdSource *self,
                      guint32   type,
                      GBytes   *block)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (block, &len);

  block_cb (self, type, data, (guint32) len, FALSE);
}

DdMergeInput *
dd_source_get_input (DdSource *self)
{
  return PRIV (self)->input;
}
