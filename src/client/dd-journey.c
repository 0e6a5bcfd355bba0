#include "config.h"

#include <string.h>

#include "dd-journey.h"
#include "dd-journey-key.h"
#include "dd-pcapng-writer.h"

/* A packet followed through at most this many points (more: its next copy starts anew). */
#define MAX_COPIES DD_JOURNEY_MAX_COPIES
#define RING_MIN 1024
/* Routes: which point a flow's packets went to from a point; a table of fixed size, a
 * newer route taking an older one's place. */
#define ROUTE_BITS 16
/* A host's last drops and gaps, as intervals of the merge's time. */
#define MAX_INTERVALS 32

typedef struct {
  guint64 key;                 /* the packet's identity (dd-journey-key.h) */
  /* The copies as they came (the first made the entry: mts[0] starts its window): each
   * one's time as merged and in our clock, its point, its flow, and (once decided) its
   * rank in time: the merge writes a late packet after newer ones, and a copy's place is
   * its time's. */
  guint64 mts[MAX_COPIES];
  gint64  ts[MAX_COPIES];
  guint32 point[MAX_COPIES];
  guint64 flows[MAX_COPIES];
  guint8  rank[MAX_COPIES];
  guint8  order[MAX_COPIES];   /* the copies by rank */
  guint32 next;                /* LOST, NOT_CAPTURED: where it was expected */
  guint8  copies;
  guint8  pending;             /* copies not released yet */
  guint8  verdict;
  gboolean decided;
  /* TCP with data: the bytes it holds (seq_len 0: none) and the acknowledgement. */
  guint32 seq_start;
  guint32 seq_len;
  guint32 ack;
  guint64 merged_into;         /* its bytes went on in this entry's frame (seq + 1), or 0 */
  guint32 parts;               /* this frame holds the bytes of that many entries before */
  guint64 first_part;          /* ...the oldest of them (seq), */
  guint64 last_part;           /* ...the newest, */
  guint32 parts_point;         /* ...where they were seen last */
  gint64  parts_delay;         /* ...and the time since the oldest one there */
  /* The first copy's addresses, to say what a translation changed. */
  DdJourneyKey addresses;
} Entry;

typedef struct {
  guint64 start;
  guint64 end;
} Interval;

typedef struct {
  char     *name;
  gint64    offset_ns;
  guint64   error_ns;
  guint64   first_seen;   /* merge time; 0: never */
  guint64   last_seen;
  Interval  drops[MAX_INTERVALS];  /* a ring of the intervals its kernel dropped packets in */
  guint     n_drops;
  Interval  gaps[MAX_INTERVALS];
  guint     n_gaps;
} Host;

typedef struct {
  gboolean known;
  guint32  linktype;
  guint32  host;
  char    *name;
  guint32  point[3];        /* by direction (0 unknown, 1 in, 2 out), G_MAXUINT32 until used */
  guint64  last_stats_ts;
  guint64  dropped;
} Interface;

typedef struct {
  guint32 interface_id;
  guint32 host;
  char   *name;
} Point;

typedef struct {
  guint64 tag;
  guint32 next;
} Route;

/* A place in an index: where it hashes to (so that probing reads no entry), and the
 * entry's seq + 1; 0: empty. */
typedef struct {
  guint64 hash;
  guint64 seq1;
} Slot;

struct _DdJourney {
  guint64        window;
  guint64        now;
  Entry         *ring;        /* entries by seq & (capacity - 1) */
  guint64        capacity;
  guint64        head;        /* the oldest entry kept */
  guint64        decide;      /* the oldest not decided */
  guint64        tail;        /* the next one's seq */
  Slot          *index;       /* open addressing: undecided entries by key */
  guint64        index_mask;
  Slot          *ranges;      /* the same, of undecided TCP data by (ack, 64 KiB of sequence) */
  Route         *routes;
  GArray        *interfaces;  /* Interface, by output interface id */
  GPtrArray     *hosts;       /* Host */
  GArray        *points;      /* Point */
  DdJourneyHops *hops;
  GArray        *samples;     /* DdJourneySample */
  guint64        sample_flow; /* their flow at their first point; 0: not chosen yet */
  guint64        followed;
  guint64        seen_once;
};

static inline Entry *
entry_at (DdJourney *self,
          guint64    seq)
{
  return &self->ring[seq & (self->capacity - 1)];
}

static void
host_free (Host *host)
{
  g_free (host->name);
  g_free (host);
}

DdJourney *
dd_journey_new (guint64 window_ns)
{
  DdJourney *self = g_new0 (DdJourney, 1);

  self->window = window_ns;
  self->capacity = RING_MIN;
  self->ring = g_new0 (Entry, self->capacity);
  self->index_mask = 2 * self->capacity - 1;
  self->index = g_new0 (Slot, self->index_mask + 1);
  self->ranges = g_new0 (Slot, self->index_mask + 1);
  self->routes = g_new0 (Route, 1u << ROUTE_BITS);
  self->interfaces = g_array_new (FALSE, TRUE, sizeof (Interface));
  self->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) host_free);
  self->points = g_array_new (FALSE, TRUE, sizeof (Point));
  self->hops = dd_journey_hops_new ();
  self->samples = g_array_new (FALSE, TRUE, sizeof (DdJourneySample));
  return self;
}

void
dd_journey_free (DdJourney *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->interfaces->len; i++)
    g_free (g_array_index (self->interfaces, Interface, i).name);
  for (guint i = 0; i < self->points->len; i++)
    g_free (g_array_index (self->points, Point, i).name);
  g_array_unref (self->interfaces);
  g_array_unref (self->points);
  g_ptr_array_unref (self->hosts);
  dd_journey_hops_free (self->hops);
  g_array_unref (self->samples);
  g_free (self->routes);
  g_free (self->index);
  g_free (self->ranges);
  g_free (self->ring);
  g_free (self);
}

static guint32
host_index (DdJourney  *self,
            const char *name)
{
  Host *host;

  for (guint i = 0; i < self->hosts->len; i++)
    if (g_strcmp0 (((Host *) self->hosts->pdata[i])->name, name) == 0)
      return i;
  host = g_new0 (Host, 1);
  host->name = g_strdup (name);
  g_ptr_array_add (self->hosts, host);
  return self->hosts->len - 1;
}

void
dd_journey_add_interface (DdJourney  *self,
                          guint32     id,
                          const char *name,
                          guint32     linktype)
{
  const char *slash = name != NULL ? strrchr (name, '/') : NULL;
  g_autofree char *host = slash != NULL ? g_strndup (name, (gsize) (slash - name)) : g_strdup (name != NULL ? name : "?");
  Interface *iface;

  if (id >= self->interfaces->len)
    g_array_set_size (self->interfaces, id + 1);
  iface = &g_array_index (self->interfaces, Interface, id);
  g_free (iface->name);
  *iface = (Interface) {
    .known = TRUE,
    .linktype = linktype,
    .host = host_index (self, host),
    .name = g_strdup (name != NULL ? name : "?"),
    .point = { G_MAXUINT32, G_MAXUINT32, G_MAXUINT32 },
  };
}

void
dd_journey_set_clock (DdJourney  *self,
                      const char *host,
                      gint64      offset_ns,
                      guint64     error_ns)
{
  guint32 i = host_index (self, host);  /* first: it may grow the array */
  Host *h = self->hosts->pdata[i];

  h->offset_ns = offset_ns;
  h->error_ns = error_ns;
}

static void
host_seen (Host    *host,
           guint64  ts)
{
  if (host->first_seen == 0 || ts < host->first_seen)
    host->first_seen = ts;
  host->last_seen = MAX (host->last_seen, ts);
}

static void
add_interval (Interval *ring,
              guint    *n,
              guint64   start,
              guint64   end)
{
  ring[*n % MAX_INTERVALS] = (Interval) { start, end };
  (*n)++;
}

void
dd_journey_note_stats (DdJourney *self,
                       guint32    id,
                       guint64    ts,
                       guint64    dropped)
{
  Interface *iface;
  Host *host;

  if (id >= self->interfaces->len || !(iface = &g_array_index (self->interfaces, Interface, id))->known)
    return;
  host = self->hosts->pdata[iface->host];
  host_seen (host, ts);
  /* The kernel dropped packets since the last statistics of this interface. */
  if (dropped > iface->dropped && iface->last_stats_ts != 0)
    add_interval (host->drops, &host->n_drops, iface->last_stats_ts, ts);
  iface->dropped = MAX (iface->dropped, dropped);
  iface->last_stats_ts = MAX (iface->last_stats_ts, ts);
}

void
dd_journey_note_gap (DdJourney *self,
                     guint32    id,
                     guint64    ts)
{
  Interface *iface;
  Host *host;

  if (id >= self->interfaces->len || !(iface = &g_array_index (self->interfaces, Interface, id))->known)
    return;
  host = self->hosts->pdata[iface->host];
  add_interval (host->gaps, &host->n_gaps, MIN (host->last_seen, ts), ts);
}

static guint32
point_of (DdJourney *self,
          guint32    id,
          Interface *iface,
          guint      direction)
{
  Point point;

  if (iface->point[direction] != G_MAXUINT32)
    return iface->point[direction];
  point = (Point) {
    .interface_id = id,
    .host = iface->host,
    .name = direction == 0 ? g_strdup (iface->name)
                           : g_strdup_printf ("%s %s", iface->name, direction == 1 ? "in" : "out"),
  };
  g_array_append_val (self->points, point);
  iface->point[direction] = self->points->len - 1;
  return iface->point[direction];
}

/* ---- the indexes of undecided entries --------------------------------------------- */

/* Where TCP data of @ack whose first byte is in @block (64 KiB of sequence numbers) is
 * looked for. */
static inline guint64
range_home (guint32 ack,
            guint32 block)
{
  guint64 h = ((guint64) ack << 16 | block) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  return h ^ (h >> 31);
}

static inline guint64
hash_of (DdJourney   *self,
         Slot        *table,
         const Entry *e)
{
  return table == self->index ? e->key : range_home (e->ack, e->seq_start >> 16);
}

/* The seq of the undecided entry of @key, + 1; 0 when there is none. */
static guint64
index_lookup (DdJourney *self,
              guint64    key)
{
  for (guint64 i = key & self->index_mask; self->index[i].seq1 != 0; i = (i + 1) & self->index_mask)
    if (self->index[i].hash == key)
      return self->index[i].seq1;
  return 0;
}

static void
table_insert (DdJourney *self,
              Slot      *table,
              guint64    seq)
{
  guint64 hash = hash_of (self, table, entry_at (self, seq)), i = hash & self->index_mask;

  while (table[i].seq1 != 0)
    i = (i + 1) & self->index_mask;
  table[i] = (Slot) { hash, seq + 1 };
}

/* Removes @seq, shifting back the entries after it that may not stay where they are. */
static void
table_remove (DdJourney *self,
              Slot      *table,
              guint64    seq)
{
  guint64 i = hash_of (self, table, entry_at (self, seq)) & self->index_mask, j;

  while (table[i].seq1 != seq + 1)
    {
      if (table[i].seq1 == 0)
        return;
      i = (i + 1) & self->index_mask;
    }
  table[i].seq1 = 0;
  for (j = (i + 1) & self->index_mask; table[j].seq1 != 0; j = (j + 1) & self->index_mask)
    {
      guint64 home = table[j].hash & self->index_mask;

      /* Whether @home lies cyclically in (i, j]: then the entry stays. */
      if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
        continue;
      table[i] = table[j];
      table[j].seq1 = 0;
      i = j;
    }
}

static void
index_insert (DdJourney *self,
              guint64    seq)
{
  table_insert (self, self->index, seq);
  if (entry_at (self, seq)->seq_len > 0)
    table_insert (self, self->ranges, seq);
}

static void
index_remove (DdJourney *self,
              guint64    seq)
{
  table_remove (self, self->index, seq);
  if (entry_at (self, seq)->seq_len > 0)
    table_remove (self, self->ranges, seq);
}

/* Whether sequence number @x is in [@start, @start + @len]. */
static inline gboolean
seq_within (guint32 x,
            guint32 start,
            guint32 len)
{
  return (guint32) (x - start) <= len;
}

/* Twice the room: the entries keep their seqs, the index is made again. */
static void
grow (DdJourney *self)
{
  guint64 capacity = self->capacity * 2;
  Entry *ring = g_new0 (Entry, capacity);

  for (guint64 seq = self->head; seq < self->tail; seq++)
    ring[seq & (capacity - 1)] = *entry_at (self, seq);
  g_free (self->ring);
  self->ring = ring;
  self->capacity = capacity;
  g_free (self->index);
  g_free (self->ranges);
  self->index_mask = 2 * capacity - 1;
  self->index = g_new0 (Slot, self->index_mask + 1);
  self->ranges = g_new0 (Slot, self->index_mask + 1);
  for (guint64 seq = self->decide; seq < self->tail; seq++)
    index_insert (self, seq);
}

/* ---- routes ---------------------------------------------------------------------- */

static inline guint64
route_tag (guint64 flow,
           guint32 point)
{
  return (flow ^ ((guint64) point * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))) | 1;
}

static void
route_set (DdJourney *self,
           guint64    flow,
           guint32    from,
           guint32    to)
{
  guint64 tag = route_tag (flow, from);

  self->routes[tag & ((1u << ROUTE_BITS) - 1)] = (Route) { tag, to };
}

static gboolean
route_get (DdJourney *self,
           guint64    flow,
           guint32    from,
           guint32   *to)
{
  guint64 tag = route_tag (flow, from);
  const Route *route = &self->routes[tag & ((1u << ROUTE_BITS) - 1)];

  if (route->tag != tag)
    return FALSE;
  *to = route->next;
  return TRUE;
}

/* ---- matching -------------------------------------------------------------------- */

static guint64
clock_error (DdJourney *self,
             guint32    a,
             guint32    b)
{
  const Point *pa = &g_array_index (self->points, Point, a), *pb = &g_array_index (self->points, Point, b);
  const Host *ha = self->hosts->pdata[pa->host], *hb = self->hosts->pdata[pb->host];

  return pa->host == pb->host ? 0 : ha->error_ns + hb->error_ns;
}

static gboolean
has_point (const Entry *e,
           guint32      point)
{
  for (guint i = 0; i < e->copies; i++)
    if (e->point[i] == point)
      return TRUE;
  return FALSE;
}

/* A copy after @e's last: a hop. */
static void
add_copy (DdJourney          *self,
          Entry              *e,
          guint32             point,
          gint64              ts,
          guint64             merged_ts,
          const DdJourneyKey *key)
{
  guint prev = e->copies - 1u;

  /* Where its flow goes from the point before, and what a translation changed: at once
   * when the copies come in their order (the hops are counted once it is decided). */
  if (merged_ts >= e->mts[prev])
    {
      route_set (self, e->flows[prev], e->point[prev], point);
      if (key->flow != e->flows[prev])
        {
          DdJourneyHop *hop = dd_journey_hops_get (self->hops, e->point[prev], point);

          if (hop->translation == NULL)
            {
              char before[128], after[128];

              hop->translation = g_strdup_printf ("%s became %s",
                                                  dd_journey_key_describe (&e->addresses, before, sizeof before),
                                                  dd_journey_key_describe (key, after, sizeof after));
            }
        }
    }
  e->point[e->copies] = point;
  e->ts[e->copies] = ts;
  e->mts[e->copies] = merged_ts;
  e->flows[e->copies] = key->flow;
  e->copies++;
  e->pending++;
}

/* TCP data matched by its bytes: an undecided entry that holds all of @key's (a frame
 * segmented since: the copy is of it), or else those whose bytes @key's holds (frames
 * coalesced since), into @parts (at most MAX_PARTS); none seen at @point already. */
#define MAX_PARTS 64

static guint64
match_bytes (DdJourney          *self,
             const DdJourneyKey *key,
             guint32             point,
             guint64            *parts,
             guint              *n_parts)
{
  guint32 first = key->tcp_seq >> 16, last = (key->tcp_seq + key->tcp_len - 1) >> 16;

  *n_parts = 0;
  /* The blocks a frame's bytes may begin in: the one before its first byte's (a longer
   * frame that holds it), to its last byte's. */
  for (guint32 block = first - 1, n = 0; n < 4; block++, n++)
    {
      guint64 hash = range_home (key->tcp_ack, block & 0xffff);

      for (guint64 i = hash & self->index_mask; self->ranges[i].seq1 != 0; i = (i + 1) & self->index_mask)
        {
          guint64 seq = self->ranges[i].seq1 - 1;
          const Entry *e;

          if (self->ranges[i].hash != hash)
            continue;
          e = entry_at (self, seq);
          /* Not at a point it was seen at, nor where the bytes it holds were (a frame
           * there with them is sent again, not passed on). */
          if (e->ack != key->tcp_ack || (e->seq_start >> 16) != (block & 0xffff) || e->merged_into != 0 ||
              e->copies == MAX_COPIES || has_point (e, point) || (e->parts > 0 && e->parts_point == point))
            continue;
          /* It holds all of ours. */
          if (seq_within (key->tcp_seq, e->seq_start, e->seq_len) &&
              seq_within (key->tcp_seq + key->tcp_len, e->seq_start, e->seq_len))
            return seq + 1;
          /* Ours holds all of its. */
          if (*n_parts < MAX_PARTS && seq_within (e->seq_start, key->tcp_seq, key->tcp_len) &&
              seq_within (e->seq_start + e->seq_len, key->tcp_seq, key->tcp_len))
            parts[(*n_parts)++] = seq;
        }
      if ((block & 0xffff) == (last & 0xffff))
        break;
    }
  return 0;
}

gboolean
dd_journey_see (DdJourney      *self,
                const DdPacket *packet,
                DdJourneyRef   *ref)
{
  DdJourneyKey key;
  Interface *iface;
  Host *host;
  Entry *e;
  guint32 point;
  guint64 found, parts[MAX_PARTS];
  guint n_parts = 0;
  gint64 ts;

  if (packet->interface_id >= self->interfaces->len ||
      !(iface = &g_array_index (self->interfaces, Interface, packet->interface_id))->known ||
      !dd_journey_key_from_frame (iface->linktype, packet->data, packet->caplen, &key))
    return FALSE;
  self->now = MAX (self->now, packet->ts);
  point = point_of (self, packet->interface_id, iface, packet->flags & 3u);
  host = self->hosts->pdata[iface->host];
  host_seen (host, packet->ts);
  ts = (gint64) packet->ts - host->offset_ns;

  found = index_lookup (self, key.id);
  e = found != 0 ? entry_at (self, found - 1) : NULL;
  if (e == NULL || e->copies == MAX_COPIES || has_point (e, point))
    {
      guint64 holder = key.tcp_len > 0 ? match_bytes (self, &key, point, parts, &n_parts) : 0;

      if (holder != 0)
        {
          found = holder;
          e = entry_at (self, found - 1);
        }
      else if (e != NULL)
        {
          /* Seen here already (sent again): a journey of its own. */
          index_remove (self, found - 1);
          e = NULL;
        }
    }
  if (e != NULL)
    {
      ref->seq = found - 1;
      ref->copy = e->copies;
      add_copy (self, e, point, ts, packet->ts, &key);
      return TRUE;
    }
  /* A packet not seen yet. */
  if (self->tail - self->head == self->capacity)
    grow (self);
  e = entry_at (self, self->tail);
  *e = (Entry) {
    .key = key.id,
    .mts = { packet->ts },
    .ts = { ts },
    .point = { point },
    .flows = { key.flow },
    .copies = 1,
    .pending = 1,
    .seq_start = key.tcp_seq,
    .seq_len = key.tcp_len,
    .ack = key.tcp_ack,
    .addresses = key,
  };
  /* Coalesced: the bytes of those seen before go on in this frame. */
  for (guint i = 0; i < n_parts; i++)
    {
      Entry *part = entry_at (self, parts[i]);

      if (i == 0 || parts[i] < e->first_part)
        {
          e->first_part = parts[i];
          e->parts_point = part->point[part->copies - 1];
          e->parts_delay = ts - part->ts[part->copies - 1];  /* (the frame's copy is added below) */
        }
      e->last_part = MAX (e->last_part, parts[i]);
      add_copy (self, part, point, ts, packet->ts, &key);
      part->pending--;  /* the copy is this frame's, not its own */
      part->merged_into = self->tail + 1;
    }
  e->parts = n_parts;
  index_insert (self, self->tail);
  ref->seq = self->tail;
  ref->copy = 0;
  self->tail++;
  self->followed++;
  return TRUE;
}

static gboolean
overlaps (const Interval *ring,
          guint           n,
          guint64         start,
          guint64         end)
{
  for (guint i = 0; i < MIN (n, MAX_INTERVALS); i++)
    if (ring[i].start <= end && start <= ring[i].end)
      return TRUE;
  return FALSE;
}

/* Whether @host was capturing at @start (it brought something before and since), and
 * dropped nothing and had no gap from then until @end. */
static gboolean
watched (const Host *host,
         guint64     start,
         guint64     end)
{
  return host->first_seen != 0 && host->first_seen <= start && host->last_seen >= start &&
         !overlaps (host->drops, host->n_drops, start, end) && !overlaps (host->gaps, host->n_gaps, start, end);
}

/* @e, decided, among the samples when it is of their flow. */
static void
keep_sample (DdJourney   *self,
             guint64      seq,
             const Entry *e)
{
  guint64 flow = e->flows[e->order[0]];
  DdJourneySample sample = { .packet_id = seq + 1, .copies = e->copies, .verdict = e->verdict, .next = e->next };

  if (self->sample_flow == 0 && e->copies > 1 && e->merged_into == 0)
    self->sample_flow = flow;
  if (flow != self->sample_flow || self->samples->len >= DD_JOURNEY_MAX_SAMPLES)
    return;
  for (guint r = 0; r < e->copies; r++)
    {
      sample.point[r] = e->point[e->order[r]];
      sample.ts[r] = e->ts[e->order[r]];
    }
  g_array_append_val (self->samples, sample);
}

static void
decide (DdJourney *self,
        guint64    seq,
        gboolean   ended)
{
  Entry *e = entry_at (self, seq);
  guint32 last, next;
  guint64 flow, last_ts;

  index_remove (self, seq);
  /* The copies in time (as merged; a stable sort of at most MAX_COPIES), and the hops. */
  for (guint i = 0; i < e->copies; i++)
    {
      guint j = i;

      while (j > 0 && e->mts[e->order[j - 1]] > e->mts[i])
        {
          e->order[j] = e->order[j - 1];
          j--;
        }
      e->order[j] = (guint8) i;
    }
  for (guint r = 0; r < e->copies; r++)
    e->rank[e->order[r]] = (guint8) r;
  for (guint r = 1; r < e->copies; r++)
    {
      guint a = e->order[r - 1], b = e->order[r];
      DdJourneyHop *hop = dd_journey_hops_get (self->hops, e->point[a], e->point[b]);

      dd_journey_hops_add_delay (self->hops, hop, e->ts[b] - e->ts[a], clock_error (self, e->point[a], e->point[b]));
      if (e->flows[b] != e->flows[a])
        hop->translated++;
      route_set (self, e->flows[a], e->point[a], e->point[b]);
    }
  last = e->point[e->order[e->copies - 1]];
  flow = e->flows[e->order[e->copies - 1]];
  last_ts = e->mts[e->order[e->copies - 1]];
  e->decided = TRUE;
  e->verdict = DD_JOURNEY_ON;
  if (e->copies == 1)
    self->seen_once++;
  /* Its flow's packets went on from here, to a point it did not reach (not its bytes in
   * a coalesced frame, which is judged for itself). */
  if (e->merged_into == 0 && route_get (self, flow, last, &next) && !has_point (e, next))
    {
      const Point *p = &g_array_index (self->points, Point, next);
      DdJourneyHop *hop = dd_journey_hops_get (self->hops, last, next);

      e->next = next;
      if (ended && e->mts[0] + self->window > self->now)
        e->verdict = DD_JOURNEY_OPEN;
      else if (watched (self->hosts->pdata[p->host], last_ts, MAX (self->now, last_ts)))
        {
          e->verdict = DD_JOURNEY_LOST;
          hop->lost++;
        }
      else
        {
          e->verdict = DD_JOURNEY_NOT_CAPTURED;
          hop->not_captured++;
        }
    }
  keep_sample (self, seq, e);
}

static void
forget (DdJourney *self)
{
  while (self->head < self->decide && entry_at (self, self->head)->pending == 0)
    self->head++;
}

void
dd_journey_advance (DdJourney *self,
                    guint64    now)
{
  self->now = MAX (self->now, now);
  while (self->decide < self->tail && entry_at (self, self->decide)->mts[0] + self->window <= self->now)
    decide (self, self->decide++, FALSE);
  forget (self);
}

void
dd_journey_finish (DdJourney *self)
{
  while (self->decide < self->tail)
    decide (self, self->decide++, TRUE);
  forget (self);
}

gboolean
dd_journey_is_decided (DdJourney          *self,
                       const DdJourneyRef *ref)
{
  return ref->seq < self->decide;
}

void
dd_journey_get_fate (DdJourney          *self,
                     const DdJourneyRef *ref,
                     DdJourneyFate      *fate)
{
  const Entry *e = entry_at (self, ref->seq);

  *fate = (DdJourneyFate) {
    .packet_id = e->copies > 1 ? ref->seq + 1 : 0,
    .copies = e->copies,
    .copy = e->rank[ref->copy],
    .last = e->rank[ref->copy] + 1u == e->copies,
    .verdict = e->rank[ref->copy] + 1u == e->copies ? e->verdict : DD_JOURNEY_ON,
    .next = e->next,
  };
  if (ref->copy == 0 && e->parts > 0 && e->rank[0] == 0)
    {
      fate->parts = e->parts;
      fate->first_part = e->first_part + 1;
      fate->last_part = e->last_part + 1;
      fate->parts_point = e->parts_point;
      fate->parts_delay_ns = e->parts_delay;
      fate->parts_error_ns = clock_error (self, e->parts_point, e->point[0]);
    }
  if (fate->copy > 0)
    {
      guint before = e->order[fate->copy - 1];

      fate->prev = e->point[before];
      fate->delay_ns = e->ts[ref->copy] - e->ts[before];
      fate->error_ns = clock_error (self, fate->prev, e->point[ref->copy]);
    }
}

void
dd_journey_release (DdJourney          *self,
                    const DdJourneyRef *ref)
{
  Entry *e = entry_at (self, ref->seq);

  g_return_if_fail (e->pending > 0);
  e->pending--;
  forget (self);
}

const char *
dd_journey_point_name (DdJourney *self,
                       guint32    point)
{
  return point < self->points->len ? g_array_index (self->points, Point, point).name : "?";
}

DdJourneyHops *
dd_journey_get_hops (DdJourney *self)
{
  return self->hops;
}

guint64
dd_journey_get_followed (DdJourney *self)
{
  return self->followed;
}

guint64
dd_journey_get_seen_once (DdJourney *self)
{
  return self->seen_once;
}

const DdJourneySample *
dd_journey_get_samples (DdJourney *self,
                        guint     *n)
{
  *n = self->samples->len;
  return (const DdJourneySample *) (gpointer) self->samples->data;
}

guint
dd_journey_get_n_points (DdJourney *self)
{
  return self->points->len;
}

guint64
dd_journey_get_window_ns (DdJourney *self)
{
  return self->window;
}
