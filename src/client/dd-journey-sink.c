#include "config.h"

#include <string.h>

#include "dd-chunk.h"
#include "dd-journey-sink.h"
#include "dd-pcapng-writer.h"

#define RING_MIN 1024
/* A comment is cut to this many bytes. */
#define COMMENT_MAX 200

typedef struct {
  DdPacket      packet;     /* its bytes in @chunk, then its own options */
  DdChunk      *chunk;      /* NULL: a side block */
  DdSideBlock  *block;
  DdJourneyRef  ref;
  gboolean      followed;
  gboolean      late;
} Record;

typedef struct {
  DdSink      sink;
  DdSink     *next;
  DdJourney  *journey;
  guint64     window;
  guint64     now;
  Record     *ring;
  guint       capacity;   /* a power of two */
  guint       head;
  guint       count;
  DdChunk    *chunk;      /* where the next packet's bytes go */
  gsize       used;
  GByteArray *options;    /* scratch: the options of the packet being passed on */
  GByteArray *scratch;    /* ...and the packet with them */
  GString    *comment;
  gboolean    stopped;    /* the next sink wants no more */
} DdJourneySink;

static inline Record *
record_at (DdJourneySink *self,
           guint          i)
{
  return &self->ring[(self->head + i) & (self->capacity - 1)];
}

static Record *
push (DdJourneySink *self)
{
  if (self->count == self->capacity)
    {
      Record *ring = g_new (Record, self->capacity * 2);

      for (guint i = 0; i < self->count; i++)
        ring[i] = *record_at (self, i);
      g_free (self->ring);
      self->ring = ring;
      self->head = 0;
      self->capacity *= 2;
    }
  return record_at (self, self->count++);
}

/* Room for @len bytes in the current chunk (a new one when it is full). */
static guint8 *
reserve (DdJourneySink *self,
         gsize          len)
{
  guint8 *p;

  if (self->chunk == NULL || self->chunk->size - self->used < len)
    {
      dd_chunk_unref (self->chunk);
      self->chunk = dd_chunk_new (MAX (len, DD_CHUNK_SIZE), NULL);
      self->used = 0;
    }
  p = self->chunk->data + self->used;
  self->used += (len + 7) & ~(gsize) 7;
  return p;
}

/* "+0.412 ms", to the microsecond (integers: this is done for most packets). */
static void
append_ms (GString *out,
           gint64   ns,
           gboolean sign)
{
  guint64 magnitude = ns < 0 ? (guint64) -(ns + 1) + 1 : (guint64) ns;
  guint64 us = (magnitude + 500) / 1000;

  if (sign || ns < 0)
    g_string_append_c (out, ns < 0 ? '-' : '+');
  g_string_append_printf (out, "%" G_GUINT64_FORMAT ".%03u ms", us / 1000, (guint) (us % 1000));
}

static void
say_hop (DdJourneySink       *self,
         const DdJourneyFate *fate)
{
  append_ms (self->comment, fate->delay_ns, TRUE);
  if (fate->error_ns > 0)
    {
      g_string_append (self->comment, " ± ");
      append_ms (self->comment, (gint64) fate->error_ns, FALSE);
    }
  g_string_append (self->comment, " after ");
  g_string_append (self->comment, dd_journey_point_name (self->journey, fate->prev));
}

/* What the journey says of this copy, as its options; FALSE when it says nothing. */
static gboolean
annotate (DdJourneySink  *self,
          const Record   *record,
          DdPacket       *packet)
{
  DdJourneyFate fate;
  const guint8 *original = dd_packet_get_options (&record->packet);
  DdPcapngLeftOut left_out = { 0 };

  dd_journey_get_fate (self->journey, &record->ref, &fate);
  g_string_truncate (self->comment, 0);
  if (fate.copy > 0)
    say_hop (self, &fate);
  if (fate.parts > 0)
    {
      g_string_append_printf (self->comment, "the bytes of %u packets seen at %s (ids %" G_GUINT64_FORMAT " to %"
                              G_GUINT64_FORMAT "), ", fate.parts,
                              dd_journey_point_name (self->journey, fate.parts_point), fate.first_part,
                              fate.last_part);
      append_ms (self->comment, fate.parts_delay_ns, TRUE);
      if (fate.parts_error_ns > 0)
        {
          g_string_append (self->comment, " ± ");
          append_ms (self->comment, (gint64) fate.parts_error_ns, FALSE);
        }
      g_string_append (self->comment, " after the first");
    }
  if (fate.last && (fate.verdict == DD_JOURNEY_LOST || fate.verdict == DD_JOURNEY_NOT_CAPTURED))
    {
      if (self->comment->len > 0)
        g_string_append (self->comment, "; ");
      g_string_append_printf (self->comment, fate.verdict == DD_JOURNEY_LOST
                                             ? "lost after this point (its flow goes on to %s)"
                                             : "not captured after this point (%s was not capturing, or dropped packets)",
                              dd_journey_point_name (self->journey, fate.next));
    }
  if (fate.packet_id == 0 && self->comment->len == 0)
    return FALSE;
  if (self->comment->len > COMMENT_MAX)
    {
      const char *end = self->comment->str + COMMENT_MAX;

      g_utf8_validate (self->comment->str, COMMENT_MAX, &end);  /* not in a character */
      g_string_truncate (self->comment, (gsize) (end - self->comment->str));
    }
  g_byte_array_set_size (self->options, 0);
  dd_pcapng_put_epb_options (self->options, fate.packet_id, self->comment->str, original,
                             dd_packet_get_options_len (&record->packet),
                             dd_packet_get_options_swapped (&record->packet), &left_out);
  /* The packet and its new options, one after the other. */
  g_byte_array_set_size (self->scratch, 0);
  g_byte_array_append (self->scratch, record->packet.data, record->packet.caplen);
  g_byte_array_set_size (self->scratch, record->packet.options_at);
  g_byte_array_append (self->scratch, self->options->data, self->options->len);
  packet->data = self->scratch->data;
  packet->options_at = record->packet.options_at;
  packet->options_len = self->options->len;
  return TRUE;
}

/* The oldest record, passed on. */
static void
pass_on (DdJourneySink *self)
{
  Record record = *record_at (self, 0);

  self->head = (self->head + 1) & (self->capacity - 1);
  self->count--;
  if (record.chunk == NULL)
    {
      if (!self->stopped)
        dd_sink_block (self->next, record.block);
      dd_side_block_free (record.block);
      return;
    }
  if (!self->stopped)
    {
      DdPacket packet = record.packet;

      if (record.followed)
        annotate (self, &record, &packet);
      if (!dd_sink_packet (self->next, &packet, record.late))
        self->stopped = TRUE;
    }
  if (record.followed)
    dd_journey_release (self->journey, &record.ref);
  dd_chunk_unref (record.chunk);
}

static inline guint64
record_ts (const Record *record)
{
  return record->chunk != NULL ? record->packet.ts : record->block->ts;
}

/* What the window is over for; with @all, everything (the journey decided it all). */
static void
release (DdJourneySink *self,
         gboolean       all)
{
  dd_journey_advance (self->journey, self->now);
  while (self->count > 0)
    {
      const Record *head = record_at (self, 0);

      if (!all && (record_ts (head) + self->window > self->now ||
                   (head->followed && !dd_journey_is_decided (self->journey, &head->ref))))
        break;
      pass_on (self);
    }
}

static void
journey_header (DdSink             *sink,
                guint32             linktype,
                const char * const *comments)
{
  dd_sink_header (((DdJourneySink *) sink)->next, linktype, comments);
}

static void
journey_interface (DdSink                  *sink,
                   guint32                  id,
                   const DdPcapngInterface *iface)
{
  DdJourneySink *self = (DdJourneySink *) sink;

  dd_journey_add_interface (self->journey, id, iface->name, iface->linktype);
  dd_sink_interface (self->next, id, iface);
}

static gboolean
journey_packet (DdSink         *sink,
                const DdPacket *packet,
                gboolean        late)
{
  DdJourneySink *self = (DdJourneySink *) sink;
  gsize options_len = dd_packet_get_options_len (packet);
  gsize data_room = ((gsize) packet->caplen + 7) & ~(gsize) 7;
  Record *record = push (self);
  guint8 *p = reserve (self, data_room + options_len);

  memcpy (p, packet->data, packet->caplen);
  if (options_len > 0)
    memcpy (p + data_room, dd_packet_get_options (packet), options_len);
  *record = (Record) {
    .packet = *packet,
    .chunk = dd_chunk_ref (self->chunk),
    .late = late,
  };
  record->packet.data = p;
  record->packet.options_at = (guint32) data_room;
  record->followed = dd_journey_see (self->journey, &record->packet, &record->ref);
  self->now = MAX (self->now, packet->ts);
  release (self, FALSE);
  return !self->stopped;
}

static void
journey_block (DdSink            *sink,
               const DdSideBlock *block)
{
  DdJourneySink *self = (DdJourneySink *) sink;
  Record *record;

  if (block->kind == DD_SIDE_BLOCK_STATS)
    {
      guint64 dropped = 0;

      if (block->stats.present & DD_PCAPNG_STAT_IFDROP)
        dropped = block->stats.ifdrop;
      if (block->stats.present & DD_PCAPNG_STAT_OSDROP)
        dropped = MAX (dropped, block->stats.osdrop);
      dd_journey_note_stats (self->journey, block->interface_id, block->ts, dropped);
    }
  else if (block->kind == DD_SIDE_BLOCK_MARK)
    dd_journey_note_gap (self->journey, block->interface_id, block->ts);
  record = push (self);
  *record = (Record) { .block = dd_side_block_copy (block) };
  /* A worker's statistics come as the merge goes on, packets or not. */
  if (block->kind == DD_SIDE_BLOCK_STATS || block->kind == DD_SIDE_BLOCK_MARK)
    {
      self->now = MAX (self->now, block->ts);
      release (self, FALSE);
    }
}

static void
journey_end (DdSink *sink)
{
  DdJourneySink *self = (DdJourneySink *) sink;

  dd_journey_finish (self->journey);
  release (self, TRUE);
  dd_sink_end (self->next);
}

static void
journey_finalize (DdSink *sink)
{
  DdJourneySink *self = (DdJourneySink *) sink;

  self->stopped = TRUE;
  dd_journey_finish (self->journey);
  while (self->count > 0)
    pass_on (self);
  dd_chunk_unref (self->chunk);
  g_free (self->ring);
  g_byte_array_unref (self->options);
  g_byte_array_unref (self->scratch);
  g_string_free (self->comment, TRUE);
  dd_journey_free (self->journey);
  g_free (self);
}

static const DdSinkFuncs journey_funcs = {
  .header = journey_header,
  .interface = journey_interface,
  .packet = journey_packet,
  .block = journey_block,
  .end = journey_end,
  .finalize = journey_finalize,
};

DdSink *
dd_journey_sink_new (DdSink  *next,
                     guint64  window_ns)
{
  DdJourneySink *self = g_new0 (DdJourneySink, 1);

  self->sink.funcs = &journey_funcs;
  self->next = next;
  self->window = window_ns;
  self->journey = dd_journey_new (window_ns);
  self->capacity = RING_MIN;
  self->ring = g_new (Record, self->capacity);
  self->options = g_byte_array_new ();
  self->scratch = g_byte_array_new ();
  self->comment = g_string_new (NULL);
  return &self->sink;
}

DdJourney *
dd_journey_sink_get_journey (DdSink *sink)
{
  return ((DdJourneySink *) sink)->journey;
}

guint
dd_journey_sink_get_held (DdSink *sink)
{
  return ((DdJourneySink *) sink)->count;
}
