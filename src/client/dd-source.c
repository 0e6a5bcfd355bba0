#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>
#include <pcap/pcap.h>

#include "dd-sll2.h"
#include "dd-source.h"
#include "dd-stream-parser.h"

/* Files are read in chunks of this size (larger when a block needs it). A stream's chunks
 * start small and double while reads fill them, up to CHUNK_SIZE (and a quarter of the
 * stream's memory share), so that a quiet live stream does not pin a large chunk. */
#define CHUNK_SIZE DD_CHUNK_SIZE
#define CHUNK_SIZE_MIN (16 * 1024)
/* Reads this much smaller than the chunk, this many times in a row, halve it. */
#define SMALL_READ_DIVISOR 16
#define SMALL_READS_TO_SHRINK 8
/* What dd_source_peek_linktype () reads of a file: its headers. */
#define PEEK_SIZE (64 * 1024)
/* Workers send statistics ten times a second; the output gets them once a second. */
#define STATS_INTERVAL_US G_USEC_PER_SEC
/* A worker's pcapng stream that brings nothing, not even a heartbeat, for this many of its
 * heartbeat periods (and at least STALL_MIN_US) is dead, whatever TCP says. */
#define STALL_PERIODS 20
#define STALL_MIN_US (5 * G_USEC_PER_SEC)
/* Until two heartbeats have shown the period: a worker frozen right after its header. */
#define STALL_UNKNOWN_US (30 * G_USEC_PER_SEC)

typedef struct {
  guint32 out_id;
  guint32 linktype;
  gboolean convert;       /* LINUX_SLL to LINUX_SLL2 */
  gboolean derive_flags;  /* pcapng out, SLL2 in: epb_flags from the SLL2 header */
  struct bpf_program *program;  /* the target's filter, applied here (files, tcp://) */
  guint64 drops;
  gboolean have_drops;
  gint64  stats_written;
} InterfaceMap;

struct _DdSource {
  DdTarget         *target;
  DdMerger         *merger;
  DdMergeInput     *input;
  DdOutput         *output;
  DdHttp           *http;
  DdSourceCallbacks callbacks;
  gpointer          user_data;

  DdSourceState     state;
  gboolean          started;
  gboolean          pull;      /* a regular file, read when the merge needs more */
  GError           *error;
  GCancellable     *cancellable;
  GInputStream     *stream;
  GIOStream        *connection;  /* tcp:// */
  guint             connect_timeout_s;
  int               fd;
  gboolean          reading;
  gboolean          paused;

  DdStreamParser   *parser;
  DdChunk          *chunk;
  gsize             chunk_size;  /* what make_room () allocates next */
  guint             small_reads;
  DdMemoryAccount  *account;   /* charged with our chunks */
  gsize             start;     /* first byte not parsed yet */
  gsize             fill;
  DdChunk          *scratch;   /* converted packets */
  gsize             scratch_used;
  gint64            arrival;

  GArray           *interfaces;  /* of InterfaceMap, by the section's interface id */
  GHashTable       *out_ids;     /* "LINKTYPE/NAME" → output interface id + 1 */
  gboolean          heartbeats;
  gboolean          ended_cleanly;  /* a ddump worker's last ISB came */
  guint64           last_isb_end;   /* ns, the worker's clock */
  gint64            heartbeat_us;   /* the shortest gap between two heartbeats; 0: unknown */
  char             *note;           /* the comment of the interfaces we add, or NULL */
  gint64            running_since;  /* monotonic µs */
  gint64            first_beat;     /* when the first heartbeat arrived; 0: not yet */
  guint             stall_id;

  guint64           packets;
  guint64           bytes;
  guint64           drops_before;  /* of earlier sections and connections */
};

static void read_more (DdSource *self);

/* The section's interfaces are gone: their drop counts stay in the total. */
static void
retire_interfaces (DdSource *self)
{
  for (guint i = 0; i < self->interfaces->len; i++)
    {
      InterfaceMap *map = &g_array_index (self->interfaces, InterfaceMap, i);

      self->drops_before += map->drops;
      if (map->program != NULL)
        {
          pcap_freecode (map->program);
          g_free (map->program);
        }
    }
  g_array_set_size (self->interfaces, 0);
}


/* ---- parsing ------------------------------------------------------------------------- */

static void
section_cb (gpointer    user_data,
            DdFormat    format,
            const char *userappl)
{
  DdSource *self = user_data;

  retire_interfaces (self);
  /* A ddump worker's pcapng stream carries watermark heartbeats: from here on the merge
   * waits for them rather than for this stream's packets. */
  if (!self->pull && format == DD_FORMAT_PCAPNG && userappl != NULL &&
      g_str_has_prefix (userappl, "ddump-worker "))
    {
      self->heartbeats = TRUE;
      dd_merge_input_set_watermark (self->input, 0);
    }
}

static const char *
linktype_name (guint32 linktype)
{
  switch (linktype)
    {
    case 0: return "NULL";
    case 1: return "ETHERNET";
    case 101: return "RAW";
    case 105: return "IEEE802_11";
    case 113: return "LINUX_SLL";
    case 127: return "IEEE802_11_RADIOTAP";
    case 276: return "LINUX_SLL2";
    default: return NULL;
    }
}

static char *
describe_linktype (guint32 linktype)
{
  const char *name = linktype_name (linktype);

  return name != NULL ? g_strdup_printf ("%u (%s)", linktype, name) : g_strdup_printf ("%u", linktype);
}

/* The target's filter for one interface's link type. */
static struct bpf_program *
compile_filter (DdSource                *self,
                const DdParsedInterface *iface,
                GError                 **error)
{
  pcap_t *dead = pcap_open_dead ((int) iface->linktype, DD_MAX_SNAPLEN);
  struct bpf_program *program = g_new0 (struct bpf_program, 1);

  if (dead == NULL || pcap_compile (dead, program, self->target->filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
    {
      g_autofree char *linktype = describe_linktype (iface->linktype);

      g_set_error (error, DD_PARSE_ERROR, DD_PARSE_ERROR_BAD_INTERFACE,
                   _("the filter “%s” cannot be applied to link type %s: %s"), self->target->filter,
                   linktype, dead != NULL ? pcap_geterr (dead) : _("libpcap refused the link type"));
      g_clear_pointer (&program, g_free);
    }
  if (dead != NULL)
    pcap_close (dead);
  return program;
}

static gboolean
interface_cb (gpointer                 user_data,
              guint32                  id,
              const DdParsedInterface *iface,
              GError                 **error)
{
  DdSource *self = user_data;
  InterfaceMap map = { 0 };

  map.linktype = iface->linktype;
  map.derive_flags = iface->linktype == DD_LINKTYPE_LINUX_SLL2 &&
                     dd_output_get_format (self->output) == DD_FORMAT_PCAPNG;
  if (dd_output_get_format (self->output) == DD_FORMAT_PCAP)
    {
      guint32 out = dd_output_get_linktype (self->output);

      if (out == DD_OUTPUT_LINKTYPE_PENDING)
        {
          /* The first stream of a run without workers or files decides. */
          out = iface->linktype == DD_LINKTYPE_LINUX_SLL ? DD_LINKTYPE_LINUX_SLL2 : iface->linktype;
          dd_output_write_pcap_header (self->output, out);
        }
      if (iface->linktype == DD_LINKTYPE_LINUX_SLL && out == DD_LINKTYPE_LINUX_SLL2)
        map.convert = TRUE;
      else if (iface->linktype != out)
        {
          g_autofree char *have = describe_linktype (iface->linktype);
          g_autofree char *want = describe_linktype (out);

          g_set_error (error, DD_PARSE_ERROR, DD_PARSE_ERROR_BAD_INTERFACE,
                       _("its link type %s cannot go into pcap output of link type %s; "
                         "write pcapng (-F pcapng), which can mix link types"), have, want);
          return FALSE;
        }
    }
  else
    {
      g_autofree char *name = iface->name != NULL
        ? g_strdup_printf ("%s/%s", self->target->host, iface->name)
        : g_strdup (self->target->host);
      g_autofree char *key = g_strdup_printf ("%u/%s", iface->linktype, name);
      gpointer out_id;

      if (g_hash_table_lookup_extended (self->out_ids, key, NULL, &out_id))
        map.out_id = GPOINTER_TO_UINT (out_id);
      else
        {
          g_autofree char *description =
            g_strdup_printf (_("%s on %s"), iface->description != NULL ? iface->description
                                            : iface->name != NULL ? iface->name : _("capture"),
                             self->target->label);
          DdPcapngInterface out = {
            .linktype = (guint16) iface->linktype,
            .snaplen = iface->snaplen != 0 ? iface->snaplen : DD_MAX_SNAPLEN,
            .name = name,
            .description = description,
            .filter = iface->filter,
            .tsresol = 9,
            .comment = self->note,
          };

          map.out_id = dd_output_add_interface (self->output, &out);
          g_hash_table_insert (self->out_ids, g_steal_pointer (&key), GUINT_TO_POINTER (map.out_id));
        }
    }
  if (self->target->filter != NULL)
    {
      map.program = compile_filter (self, iface, error);
      if (map.program == NULL)
        return FALSE;
    }
  g_assert (id == self->interfaces->len);
  g_array_append_val (self->interfaces, map);
  return TRUE;
}

/* LINUX_SLL (16-byte header) to LINUX_SLL2 (20 bytes): the same fields in another order,
 * and an interface index of 0 (unknown). */
static const guint8 *
convert_sll (DdSource *self,
             const guint8 *data,
             guint32 *caplen)
{
  guint8 *out;

  if (*caplen < 16)
    return data;
  if (self->scratch == NULL || self->scratch->size - self->scratch_used < *caplen + 4)
    {
      dd_chunk_unref (self->scratch);
      self->scratch = dd_chunk_new (*caplen + 4 <= self->chunk_size ? self->chunk_size : *caplen + 4,
                                    self->account);
      self->scratch_used = 0;
    }
  out = self->scratch->data + self->scratch_used;
  memcpy (out, data + 14, 2);           /* protocol */
  memset (out + 2, 0, 6);               /* reserved, interface index */
  memcpy (out + 8, data + 2, 2);        /* ARPHRD type */
  out[10] = data[1];                    /* packet type */
  out[11] = data[5];                    /* address length */
  memcpy (out + 12, data + 6, 8);       /* address */
  memcpy (out + 20, data + 16, *caplen - 16);
  *caplen += 4;
  self->scratch_used += (*caplen + 7) & ~7u;
  return out;
}

static gboolean
packet_cb (gpointer              user_data,
           const DdParsedPacket *packet,
           GError              **error)
{
  DdSource *self = user_data;
  InterfaceMap *map = &g_array_index (self->interfaces, InterfaceMap, packet->interface_id);
  DdMergePacket p = {
    .ts = packet->ts_ns,
    .arrival = self->arrival,
    .data = packet->data,
    .chunk = self->chunk,
    .caplen = packet->caplen,
    .origlen = packet->origlen,
    .flags = packet->flags,
    .interface_id = map->out_id,
  };

  if (map->program != NULL)
    {
      struct pcap_pkthdr header = { .caplen = packet->caplen, .len = packet->origlen };

      if (pcap_offline_filter (map->program, &header, packet->data) == 0)
        return TRUE;
    }
  if (G_UNLIKELY (map->convert))
    {
      p.data = convert_sll (self, packet->data, &p.caplen);
      if (p.data != packet->data)
        {
          p.chunk = self->scratch;
          p.origlen += 4;
        }
    }
  else if (map->derive_flags && p.flags == 0)
    p.flags = dd_sll2_epb_flags (p.data, p.caplen);
  dd_merge_input_push (self->input, &p);
  self->packets++;
  self->bytes += packet->caplen;
  return TRUE;
}

static void
stats_cb (gpointer             user_data,
          guint32              id,
          guint64              ts_ns,
          const DdPcapngStats *stats)
{
  DdSource *self = user_data;
  InterfaceMap *map = &g_array_index (self->interfaces, InterfaceMap, id);

  if (self->heartbeats)
    dd_merge_input_set_watermark (self->input, ts_ns);
  if (self->heartbeats && (stats->present & DD_PCAPNG_STAT_ENDTIME))
    {
      if (self->first_beat == 0)
        self->first_beat = g_get_monotonic_time ();
      if (self->last_isb_end != 0 && stats->endtime > self->last_isb_end)
        {
          gint64 gap = (gint64) MIN ((stats->endtime - self->last_isb_end) / 1000, (guint64) G_MAXINT32);

          if (self->heartbeat_us == 0)
            g_debug ("%s: a heartbeat every %.3f s", self->target->label, gap / (double) G_USEC_PER_SEC);
          if (self->heartbeat_us == 0 || gap < self->heartbeat_us)
            self->heartbeat_us = MAX (gap, 1000);
        }
      self->last_isb_end = stats->endtime;
    }
  if (stats->comment != NULL && g_str_has_prefix (stats->comment, DD_PCAPNG_END_COMMENT))
    self->ended_cleanly = TRUE;
  if (stats->present & (DD_PCAPNG_STAT_IFDROP | DD_PCAPNG_STAT_OSDROP))
    {
      guint64 drops = 0;

      if (stats->present & DD_PCAPNG_STAT_IFDROP)
        drops = stats->ifdrop;
      if (stats->present & DD_PCAPNG_STAT_OSDROP)
        drops = MAX (drops, stats->osdrop);
      map->drops = drops;
      map->have_drops = TRUE;
    }
  if (dd_output_get_format (self->output) == DD_FORMAT_PCAPNG && stats->present != 0 &&
      self->arrival - map->stats_written >= STATS_INTERVAL_US)
    {
      map->stats_written = self->arrival;
      dd_output_write_stats (self->output, map->out_id, ts_ns, stats);
    }
}

static const DdStreamParserFuncs parser_funcs = {
  .section = section_cb,
  .interface = interface_cb,
  .packet = packet_cb,
  .stats = stats_cb,
};

/* ---- the life of a source ------------------------------------------------------------ */

DdSource *
dd_source_new (DdTarget                *target,
               DdMerger                *merger,
               DdOutput                *output,
               DdHttp                  *http,
               DdMemoryBudget          *budget,
               guint                    connect_timeout_s,
               const DdSourceCallbacks *callbacks,
               gpointer                 user_data)
{
  DdSource *self = g_new0 (DdSource, 1);

  self->account = dd_memory_account_new (budget);
  self->chunk_size = CHUNK_SIZE_MIN;
  self->target = target;
  self->merger = merger;
  self->output = output;
  self->http = http;
  self->connect_timeout_s = connect_timeout_s;
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->fd = -1;
  self->interfaces = g_array_new (FALSE, TRUE, sizeof (InterfaceMap));
  self->out_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

static void
close_stream (DdSource *self)
{
  g_clear_handle_id (&self->stall_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  self->reading = FALSE;
  self->paused = FALSE;
  g_clear_pointer (&self->parser, dd_stream_parser_free);
  g_clear_pointer (&self->chunk, dd_chunk_unref);
  self->start = self->fill = 0;
}

void
dd_source_free (DdSource *self)
{
  if (self == NULL)
    return;
  close_stream (self);
  retire_interfaces (self);
  dd_chunk_unref (self->scratch);
  dd_memory_account_unref (self->account);
  g_free (self->note);
  g_array_unref (self->interfaces);
  g_hash_table_unref (self->out_ids);
  g_clear_error (&self->error);
  dd_target_free (self->target);
  g_free (self);
}

static void
finish (DdSource *self,
        GError   *error)  /* (transfer full) (nullable) */
{
  if (self->state == DD_SOURCE_ENDED || self->state == DD_SOURCE_FAILED)
    {
      g_clear_error (&error);
      return;
    }
  retire_interfaces (self);
  close_stream (self);
  dd_merge_input_set_live (self->input, FALSE);
  g_clear_error (&self->error);
  self->error = error;
  self->state = error != NULL ? DD_SOURCE_FAILED : DD_SOURCE_ENDED;
  self->callbacks.ended (self, error, self->user_data);
}

/* Makes room after the unparsed bytes for a read, and for the whole next unit. */
static void
make_room (DdSource *self)
{
  gsize wanted = dd_stream_parser_wanted (self->parser);
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

/* Parses what was read. FALSE when the source ended (it failed). */
static gboolean
parse (DdSource *self,
       gsize     n)
{
  GError *error = NULL;
  gsize consumed = 0;
  gboolean ok;

  self->fill += n;
  self->arrival = g_get_monotonic_time ();
  ok = dd_stream_parser_feed (self->parser, self->chunk->data + self->start,
                              self->fill - self->start, &consumed, &error);
  self->start += consumed;
  if (!ok)
    {
      finish (self, error);
      return FALSE;
    }
  return TRUE;
}

static void
end_of_stream (DdSource *self)
{
  GError *error = NULL;

  if (!dd_stream_parser_finish (self->parser, self->fill - self->start, &error))
    finish (self, error);
  else if (self->heartbeats && !self->ended_cleanly)
    /* HTTP/1.1 lets a chunked body stop at any chunk when the peer dies; our workers
     * always end a capture with a last ISB, so its absence means they went away. */
    finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("the stream broke off: the worker went away without ending the capture")));
  else
    finish (self, NULL);
}

/* What this source may hold: its part of the memory budget. */
static gsize
share (DdSource *self)
{
  return dd_memory_budget_get_share (dd_memory_account_get_budget (self->account));
}

/* A chunk is at most a quarter of the share (and CHUNK_SIZE). */
static gsize
largest_chunk (DdSource *self)
{
  return CLAMP (share (self) / 4, CHUNK_SIZE_MIN, CHUNK_SIZE);
}

/* Live streams: the next chunk grows when a read filled what it was given, and shrinks
 * after a run of small reads. */
static void
adapt_chunk_size (DdSource *self,
                  gsize     n)
{
  gsize largest = largest_chunk (self);

  if (n >= self->chunk->size - self->fill && self->chunk_size < largest)
    {
      self->chunk_size = MIN (self->chunk_size * 2, largest);
      self->small_reads = 0;
    }
  else if (n < self->chunk_size / SMALL_READ_DIVISOR && self->chunk_size > CHUNK_SIZE_MIN)
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

/* Whether the stream has more than its share of memory queued and the merge is not
 * waiting for it: then it is not read until the merge has taken half of it. */
static gboolean
over_share (DdSource *self,
            gsize     share)
{
  /* With the next read: a share is a bound, not a threshold. */
  return dd_memory_account_get_used (self->account) + self->chunk_size > share && !dd_merge_input_holds_merge (self->input);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  DdSource *self;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* stopped: @user_data may be gone */
  self = user_data;
  self->reading = FALSE;
  if (n > 0)
    adapt_chunk_size (self, (gsize) n);
  if (n < 0)
    {
      GError *lost = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                  _("the stream broke off: %s"), error->message);

      finish (self, lost);
      return;
    }
  if (n == 0)
    end_of_stream (self);
  else if (parse (self, (gsize) n))
    read_more (self);
  self->callbacks.data (self, self->user_data);
}

static void
read_more (DdSource *self)
{
  if (self->reading || self->state != DD_SOURCE_RUNNING || self->stream == NULL)
    return;
  if (over_share (self, share (self)))
    {
      self->paused = TRUE;
      return;
    }
  self->paused = FALSE;
  make_room (self);
  self->reading = TRUE;
  g_input_stream_read_async (self->stream, self->chunk->data + self->fill,
                             self->chunk->size - self->fill, G_PRIORITY_DEFAULT,
                             self->cancellable, read_cb, self);
}

void
dd_source_resume_if_drained (DdSource *self)
{
  if (self->paused &&
      !over_share (self, share (self) / 2))
    read_more (self);
}

/* A regular file: read when the merge has nothing left of it. */
static void
refill_cb (DdMergeInput *input,
           gpointer      user_data)
{
  DdSource *self = user_data;

  while (self->state == DD_SOURCE_RUNNING && dd_merge_input_get_queued (input) == 0)
    {
      gssize n;

      make_room (self);
      n = read (self->fd, self->chunk->data + self->fill, self->chunk->size - self->fill);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          finish (self, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                     _("cannot read: %s"), g_strerror (saved)));
        }
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
  gint64 limit, quiet;

  if (!self->heartbeats || !self->reading)
    return G_SOURCE_CONTINUE;  /* nothing to expect, or paused by us */
  if (self->heartbeat_us != 0)
    limit = MAX (STALL_MIN_US, STALL_PERIODS * self->heartbeat_us);
  else  /* the first heartbeat took about one period to come */
    limit = MAX (STALL_UNKNOWN_US, self->first_beat != 0 ? 3 * (self->first_beat - self->running_since) : 0);
  quiet = g_get_monotonic_time () - self->arrival;
  if (quiet < limit)
    return G_SOURCE_CONTINUE;
  self->stall_id = 0;
  if (self->heartbeat_us != 0)
    finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("the stream stalled: nothing for %.1f s, not even a heartbeat "
                                 "(the worker sends one every %.1f s)"),
                               quiet / (double) G_USEC_PER_SEC, self->heartbeat_us / (double) G_USEC_PER_SEC));
  else
    finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               _("the stream stalled: nothing for %.1f s, not even a heartbeat"),
                               quiet / (double) G_USEC_PER_SEC));
  return G_SOURCE_REMOVE;
}

static void
running (DdSource *self)
{
  self->state = DD_SOURCE_RUNNING;
  self->started = TRUE;
  self->ended_cleanly = FALSE;
  self->last_isb_end = 0;
  self->heartbeat_us = 0;
  self->first_beat = 0;
  self->arrival = self->running_since = g_get_monotonic_time ();
  if (!self->pull)
    self->stall_id = g_timeout_add_seconds (1, stall_cb, self);
  self->parser = dd_stream_parser_new (&parser_funcs, self);
  dd_merge_input_set_live (self->input, TRUE);
  self->callbacks.started (self, self->user_data);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  DdSource *self;
  GError *error = NULL;
  GInputStream *stream = dd_http_open_finish (result, &error);

  /* Only stopping or freeing the source cancels it (a connect timeout is TIMED_OUT):
   * @user_data may be gone, so nothing of it is touched. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      return;
    }
  self = user_data;
  if (stream == NULL)
    {
      finish (self, error);
      return;
    }
  self->stream = stream;
  running (self);
  read_more (self);
}

static void
tcp_open_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DdSource *self;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  /* As in open_cb: cancelled means stopped or freed, and @user_data may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no answer within %u s"),
                                   self->connect_timeout_s));
      else
        finish (self, g_steal_pointer (&error));
      return;
    }
  /* The connect timeout must not become a read timeout: a quiet stream is not a dead one. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  self->connection = G_IO_STREAM (connection);
  self->stream = g_object_ref (g_io_stream_get_input_stream (self->connection));
  running (self);
  read_more (self);
}

static void
open_tcp (DdSource *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address =
    g_network_address_new (g_uri_get_host (self->target->uri), (guint16) g_uri_get_port (self->target->uri));

  g_socket_client_set_timeout (client, self->connect_timeout_s);
  g_socket_client_connect_async (client, address, self->cancellable, tcp_open_cb, self);
}

gboolean
dd_source_start (DdSource *self,
                 GError  **error)
{
  g_return_val_if_fail (self->state != DD_SOURCE_RUNNING && self->state != DD_SOURCE_CONNECTING, FALSE);

  g_clear_error (&self->error);
  if (self->input == NULL)
    {
      gboolean pull = FALSE;

      if (self->target->kind == DD_TARGET_FILE && strcmp (self->target->path, "-") != 0)
        {
          struct stat st;

          pull = stat (self->target->path, &st) == 0 && S_ISREG (st.st_mode);
        }
      self->pull = pull;
      if (pull)  /* read on demand: one chunk at a time, as large as the share allows */
        self->chunk_size = largest_chunk (self);
      self->input = dd_merger_add_input (self->merger, pull ? refill_cb : NULL, self);
      dd_merge_input_set_account (self->input, self->account);
    }
  self->cancellable = g_cancellable_new ();

  if (self->target->kind != DD_TARGET_FILE)
    {
      self->state = DD_SOURCE_CONNECTING;
      /* Waited for (at most max-delay) from now on: its first packets may be older than
       * those of the workers that answered first. */
      dd_merge_input_set_live (self->input, TRUE);
      if (self->target->kind == DD_TARGET_HTTP)
        dd_http_open_async (self->http, self->target, self->cancellable, open_cb, self);
      else
        open_tcp (self);
      return TRUE;
    }

  if (strcmp (self->target->path, "-") == 0)
    self->fd = dup (STDIN_FILENO);
  else
    self->fd = open (self->target->path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0)
    {
      int saved = errno;
      GError *failure = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                     _("cannot open: %s"), g_strerror (saved));

      g_propagate_error (error, g_error_copy (failure));
      self->state = DD_SOURCE_CONNECTING;
      finish (self, failure);
      return FALSE;
    }
  if (!self->pull)
    {
      self->stream = g_unix_input_stream_new (self->fd, TRUE);
      self->fd = -1;
    }
  running (self);
  if (!self->pull)
    read_more (self);
  return TRUE;
}

void
dd_source_stop (DdSource *self)
{
  if (self->state == DD_SOURCE_ENDED || self->state == DD_SOURCE_FAILED)
    return;
  close_stream (self);
  if (self->input != NULL)
    dd_merge_input_set_live (self->input, FALSE);
  self->state = DD_SOURCE_ENDED;
}

void
dd_source_set_note (DdSource   *self,
                    const char *note)
{
  g_free (self->note);
  self->note = g_strdup (note);
}

void
dd_source_write_note (DdSource   *self,
                      const char *note)
{
  guint64 now = (guint64) g_get_real_time () * 1000u;

  if (dd_output_get_format (self->output) != DD_FORMAT_PCAPNG)
    return;
  for (guint i = 0; i < self->interfaces->len; i++)
    dd_output_write_comment (self->output, g_array_index (self->interfaces, InterfaceMap, i).out_id, now, note);
}

DdTarget *
dd_source_get_target (DdSource *self)
{
  return self->target;
}

DdSourceState
dd_source_get_state (DdSource *self)
{
  return self->state;
}

gboolean
dd_source_has_started (DdSource *self)
{
  return self->started;
}

const GError *
dd_source_get_error (DdSource *self)
{
  return self->error;
}

guint64
dd_source_get_packets (DdSource *self)
{
  return self->packets;
}

guint64
dd_source_get_bytes (DdSource *self)
{
  return self->bytes;
}

guint64
dd_source_get_drops (DdSource *self)
{
  guint64 drops = self->drops_before;

  for (guint i = 0; i < self->interfaces->len; i++)
    drops += g_array_index (self->interfaces, InterfaceMap, i).drops;
  return drops;
}

gboolean
dd_source_has_drop_counts (DdSource *self)
{
  return self->heartbeats || self->drops_before > 0;
}

DdMergeInput *
dd_source_get_input (DdSource *self)
{
  return self->input;
}

/* ---- peeking at a file's link type --------------------------------------------------- */

static gboolean
peek_interface_cb (gpointer                 user_data,
                   guint32                  id,
                   const DdParsedInterface *iface,
                   GError                 **error)
{
  *(guint32 *) user_data = iface->linktype;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "found");
  return FALSE;
}

gboolean
dd_source_peek_linktype (const char *path,
                         guint32    *linktype)
{
  static const DdStreamParserFuncs funcs = { .interface = peek_interface_cb };
  g_autoptr(DdStreamParser) parser = NULL;
  g_autofree guint8 *buf = g_malloc (PEEK_SIZE);
  guint32 found = G_MAXUINT32;
  gsize consumed;
  gssize n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  n = read (fd, buf, PEEK_SIZE);
  close (fd);
  if (n <= 0)
    return FALSE;
  parser = dd_stream_parser_new (&funcs, &found);
  dd_stream_parser_feed (parser, buf, (gsize) n, &consumed, NULL);
  if (found == G_MAXUINT32)
    return FALSE;
  *linktype = found;
  return TRUE;
}
