#include "config.h"

#include <string.h>

#include "dd-merger.h"

/* A queue starts with room for this many packets, doubles when full, and halves once it
 * has stayed fifteen-sixteenths empty for as many packets as it has room for (a file's
 * queue, refilled a chunk at a time, keeps its size). */
#define QUEUE_MIN_CAPACITY 64

/* A queued packet is what a stream ahead of the merge costs per packet: kept small. */
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P != 8 || sizeof (DdQueuedPacket) == 56);

struct _DdMergeInput {
  DdMerger         *merger;
  guint             index;
  DdMergeRefillFunc refill;
  DdMergeDrainedFunc drained;
  DdMergeResumeFunc resume;
  gpointer          user_data;
  gboolean          paused;    /* in the merger's list of paused inputs */

  /* A ring of packets sorted by timestamp. */
  DdQueuedPacket *queue;
  guint             capacity;  /* a power of two */
  DdMemoryAccount  *account;   /* charged with the queue's size, or NULL */
  guint             head;
  guint             count;
  guint             blocks;     /* of them side blocks */
  guint             small_pops;  /* packets taken in a row while the queue was nearly empty */

  gint              heap_pos;  /* -1 when empty */
#ifdef DD_MERGER_GSEQUENCE
  GSequenceIter    *iter;      /* NULL when empty */
#endif
  gboolean          live;
  gboolean          heartbeats;
  guint64           watermark;
  guint64           newest;    /* the newest timestamp ever pushed */

  guint64           written;
  guint64           late;
};

/* A place in the heap: the input and a copy of its oldest packet's timestamp, so that
 * ordering reads one small array rather than each input's queue. */
typedef struct {
  guint64       ts;
  DdMergeInput *input;
} HeapNode;

struct _DdMerger {
  gint64            max_delay;
  DdMergerWriteFunc write;
  DdMergerBlockFunc write_block;
  gpointer          user_data;
  GPtrArray        *inputs;
  GPtrArray        *paused;    /* inputs waiting for dd_merger_resume () */
  GPtrArray        *resuming;  /* the list dd_merger_resume () goes over */
  HeapNode         *heap;
  guint             heap_len;
#ifdef DD_MERGER_GSEQUENCE
  GSequence        *order;     /* the inputs with packets, oldest first */
#endif
  gboolean          stopped;
  gboolean          yielding;  /* dd_merger_yield (): the run ends after this packet */
  gboolean          any_written;
  guint64           last_ts;
  guint64           written;
  guint64           late;
  guint64           floor;         /* older packets are left out (--sync-start) */
  guint64           before_floor;
};

DdMerger *
dd_merger_new (gint64            max_delay_us,
               DdMergerWriteFunc write,
               gpointer          user_data)
{
  DdMerger *self = g_new0 (DdMerger, 1);

  self->max_delay = max_delay_us;
  self->write = write;
  self->user_data = user_data;
  self->inputs = g_ptr_array_new ();
  self->paused = g_ptr_array_new ();
  self->resuming = g_ptr_array_new ();
#ifdef DD_MERGER_GSEQUENCE
  self->order = g_sequence_new (NULL);
#endif
  return self;
}

void
dd_merger_set_block_func (DdMerger          *self,
                          DdMergerBlockFunc  block)
{
  self->write_block = block;
}

/* What a queued packet or block holds goes. */
static inline void
release (DdQueuedPacket *queued)
{
  if (G_LIKELY (queued->packet.data != NULL))
    dd_chunk_unref (queued->chunk);
  else
    dd_side_block_free (queued->block);
}

static inline DdQueuedPacket *
queue_at (DdMergeInput *input,
          guint         i)
{
  return &input->queue[(input->head + i) & (input->capacity - 1)];
}

void
dd_merger_free (DdMerger *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->inputs->len; i++)
    {
      DdMergeInput *input = self->inputs->pdata[i];

      for (guint j = 0; j < input->count; j++)
        release (queue_at (input, j));
      if (input->account != NULL)
        dd_memory_account_release (input->account, input->capacity * sizeof (DdQueuedPacket));
      g_clear_pointer (&input->account, dd_memory_account_unref);
      g_free (input->queue);
      g_free (input);
    }
  g_ptr_array_unref (self->inputs);
  g_ptr_array_unref (self->paused);
  g_ptr_array_unref (self->resuming);
  g_free (self->heap);
#ifdef DD_MERGER_GSEQUENCE
  g_sequence_free (self->order);
#endif
  g_free (self);
}

DdMergeInput *
dd_merger_add_input (DdMerger          *self,
                     DdMergeRefillFunc  refill,
                     gpointer           user_data)
{
  DdMergeInput *input = g_new0 (DdMergeInput, 1);

  input->merger = self;
  input->index = self->inputs->len;
  input->refill = refill;
  input->user_data = user_data;
  input->capacity = QUEUE_MIN_CAPACITY;
  input->queue = g_new (DdQueuedPacket, input->capacity);
  input->heap_pos = -1;
  input->live = TRUE;
  g_ptr_array_add (self->inputs, input);
  self->heap = g_renew (HeapNode, self->heap, self->inputs->len);
  return input;
}

/* ---- the heap of inputs, keyed by their oldest packet -------------------------------- */

static inline gboolean
before (DdMergeInput *a,
        DdMergeInput *b)
{
  guint64 ta = a->queue[a->head].packet.ts, tb = b->queue[b->head].packet.ts;

  return ta < tb || (ta == tb && a->index < b->index);
}

static inline gboolean
node_before (const HeapNode *a,
             const HeapNode *b)
{
  return a->ts < b->ts || (a->ts == b->ts && a->input->index < b->input->index);
}

static inline void
heap_set (DdMerger       *self,
          guint           pos,
          const HeapNode *node)
{
  self->heap[pos] = *node;
  node->input->heap_pos = (gint) pos;
}

static void
sift_up (DdMerger *self,
         guint     pos)
{
  HeapNode node = self->heap[pos];

  while (pos > 0)
    {
      guint parent = (pos - 1) / 2;

      if (!node_before (&node, &self->heap[parent]))
        break;
      heap_set (self, pos, &self->heap[parent]);
      pos = parent;
    }
  heap_set (self, pos, &node);
}

static void
sift_down (DdMerger *self,
           guint     pos)
{
  HeapNode node = self->heap[pos];

  for (;;)
    {
      guint child = 2 * pos + 1;

      if (child >= self->heap_len)
        break;
      if (child + 1 < self->heap_len && node_before (&self->heap[child + 1], &self->heap[child]))
        child++;
      if (!node_before (&self->heap[child], &node))
        break;
      heap_set (self, pos, &self->heap[child]);
      pos = child;
    }
  heap_set (self, pos, &node);
}

static G_GNUC_UNUSED void
heap_remove (DdMerger     *self,
             DdMergeInput *input)
{
  guint pos = (guint) input->heap_pos;
  HeapNode last = self->heap[--self->heap_len];

  input->heap_pos = -1;
  if (last.input == input)
    return;
  heap_set (self, pos, &last);
  sift_up (self, pos);
  sift_down (self, (guint) last.input->heap_pos);
}

/* ---- the order of the inputs ---------------------------------------------------------
 *
 * A binary heap by default. Built with -DDD_MERGER_GSEQUENCE, a GSequence instead (a
 * balanced tree, g_sequence_sort_changed () after each change), kept for
 * bench/merge-bench.sh to compare the two (bench/RESULTS.md). */

#ifdef DD_MERGER_GSEQUENCE
static gint
compare_inputs (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  return before ((DdMergeInput *) a, (DdMergeInput *) b) ? -1 : 1;
}
#endif

/* @input has packets now, and had none. */
static inline void
order_add (DdMerger     *self,
           DdMergeInput *input)
{
#ifdef DD_MERGER_GSEQUENCE
  input->iter = g_sequence_insert_sorted (self->order, input, compare_inputs, NULL);
  input->heap_pos = 0;
#else
  HeapNode node = { queue_at (input, 0)->packet.ts, input };

  heap_set (self, self->heap_len++, &node);
  sift_up (self, (guint) input->heap_pos);
#endif
}

/* @input's oldest packet changed: older when @older, else newer. */
static inline void
order_changed (DdMerger     *self,
               DdMergeInput *input,
               gboolean      older)
{
#ifdef DD_MERGER_GSEQUENCE
  g_sequence_sort_changed (input->iter, compare_inputs, NULL);
#else
  self->heap[input->heap_pos].ts = queue_at (input, 0)->packet.ts;
  if (older)
    sift_up (self, (guint) input->heap_pos);
  else
    sift_down (self, (guint) input->heap_pos);
#endif
}

/* @input has no packet left. */
static inline void
order_remove (DdMerger     *self,
              DdMergeInput *input)
{
#ifdef DD_MERGER_GSEQUENCE
  g_sequence_remove (input->iter);
  input->iter = NULL;
  input->heap_pos = -1;
#else
  heap_remove (self, input);
#endif
}

/* The input with the oldest packet, or NULL. */
static inline DdMergeInput *
order_first (DdMerger *self)
{
#ifdef DD_MERGER_GSEQUENCE
  return g_sequence_is_empty (self->order) ? NULL : g_sequence_get (g_sequence_get_begin_iter (self->order));
#else
  return self->heap_len > 0 ? self->heap[0].input : NULL;
#endif
}

/* ---- inputs -------------------------------------------------------------------------- */

static void
resize (DdMergeInput *input,
        guint         capacity)
{
  DdQueuedPacket *queue = g_new (DdQueuedPacket, capacity);

  for (guint i = 0; i < input->count; i++)
    queue[i] = *queue_at (input, i);
  g_free (input->queue);
  if (input->account != NULL)
    {
      dd_memory_account_release (input->account, input->capacity * sizeof (DdQueuedPacket));
      dd_memory_account_charge (input->account, capacity * sizeof (DdQueuedPacket));
    }
  input->queue = queue;
  input->head = 0;
  input->capacity = capacity;
}

void
dd_merge_input_set_account (DdMergeInput    *input,
                            DdMemoryAccount *account)
{
  g_return_if_fail (input->account == NULL);
  input->account = dd_memory_account_ref (account);
  dd_memory_account_charge (account, input->capacity * sizeof (DdQueuedPacket));
}

/* The place for a record of @ts in @input's queue (sorted insertion from the newest end:
 * in order, this is an append). Inlined: it is most of a packet's push. */
G_ALWAYS_INLINE static inline DdQueuedPacket *
enqueue (DdMergeInput *input,
         guint64       ts)
{
  DdMerger *self = input->merger;
  guint pos;

  if (input->count == input->capacity)
    resize (input, input->capacity * 2);
  pos = input->count;
  while (pos > 0 && queue_at (input, pos - 1)->packet.ts > ts)
    {
      *queue_at (input, pos) = *queue_at (input, pos - 1);
      pos--;
    }
  input->count++;
  if (input->heap_pos < 0)
    {
      /* order_add () reads the record's timestamp: the caller fills it in first. */
      queue_at (input, pos)->packet.ts = ts;
      order_add (self, input);
    }
  else if (pos == 0)
    {
      queue_at (input, pos)->packet.ts = ts;
      order_changed (self, input, TRUE);
    }
  return queue_at (input, pos);
}

void
dd_merge_input_push (DdMergeInput   *input,
                     const DdPacket *packet,
                     DdChunk        *chunk,
                     gint64          arrival)
{
  DdQueuedPacket *queued = enqueue (input, packet->ts);

  queued->packet = *packet;
  queued->chunk = dd_chunk_ref (chunk);
  queued->arrival = arrival;
  if (packet->ts > input->newest)
    input->newest = packet->ts;
}

void
dd_merge_input_push_block (DdMergeInput *input,
                           DdSideBlock  *block)
{
  DdQueuedPacket *queued = enqueue (input, block->ts);

  queued->packet = (DdPacket) { .ts = block->ts, .interface_id = block->interface_id };
  queued->block = block;
  queued->arrival = block->arrival;
  input->blocks++;
}

void
dd_merge_input_set_watermark (DdMergeInput *input,
                              guint64       ts)
{
  input->heartbeats = TRUE;
  if (ts > input->watermark)
    input->watermark = ts;
}

/* What the input has promised: no later packet of it is older than this. */
static inline guint64
input_mark (DdMergeInput *input)
{
  return input->heartbeats ? input->watermark : input->newest;
}

void
dd_merge_input_set_drained_func (DdMergeInput       *input,
                                 DdMergeDrainedFunc  drained)
{
  input->drained = drained;
}

void
dd_merge_input_set_resume_func (DdMergeInput      *input,
                                DdMergeResumeFunc  resume)
{
  input->resume = resume;
}

void
dd_merge_input_pause (DdMergeInput *input)
{
  if (input->paused || input->resume == NULL)
    return;
  input->paused = TRUE;
  g_ptr_array_add (input->merger->paused, input);
}

void
dd_merger_resume (DdMerger *self)
{
  GPtrArray *list = self->paused;

  if (list->len == 0)
    return;
  /* An input that is still over its share pauses again, into the other list. */
  self->paused = self->resuming;
  self->resuming = list;
  for (guint i = 0; i < list->len; i++)
    {
      DdMergeInput *input = list->pdata[i];

      input->paused = FALSE;
      input->resume (input, input->user_data);
    }
  g_ptr_array_set_size (list, 0);
}

void
dd_merge_input_set_live (DdMergeInput *input,
                         gboolean      live)
{
  input->live = live;
}

gboolean
dd_merge_input_is_live (DdMergeInput *input)
{
  return input->live;
}

gboolean
dd_merge_input_holds_merge (DdMergeInput *input)
{
  DdMerger *self = input->merger;
  DdMergeInput *first;

  if (!input->live || input->refill != NULL)
    return FALSE;
  first = order_first (self);
  if (first == NULL)
    return TRUE;
  return input_mark (input) < first->queue[first->head].packet.ts;
}

guint
dd_merge_input_get_queued (DdMergeInput *input)
{
  return input->count;
}

guint
dd_merge_input_get_queued_packets (DdMergeInput *input)
{
  return input->count - input->blocks;
}

guint64
dd_merge_input_get_written (DdMergeInput *input)
{
  return input->written;
}

guint64
dd_merge_input_get_late (DdMergeInput *input)
{
  return input->late;
}

gpointer
dd_merge_input_get_user_data (DdMergeInput *input)
{
  return input->user_data;
}

static void
refill (DdMergeInput *input)
{
  input->refill (input, input->user_data);
  /* A refill that pushes nothing and stays live would be asked again at once. */
  if (input->count == 0 && input->live)
    input->live = FALSE;
}

/* ---- the merge ----------------------------------------------------------------------- */

/* The timestamp up to which every live push input has promised not to go back. */
static guint64
release_bound (DdMerger *self)
{
  guint64 bound = G_MAXUINT64;

  for (guint i = 0; i < self->inputs->len; i++)
    {
      DdMergeInput *input = self->inputs->pdata[i];
      if (!input->live || input->refill != NULL)
        continue;
      bound = MIN (bound, input_mark (input));
    }
  return bound;
}

/* Lets the oldest record of @input's queue go (written and released), the queue shrunk
 * once it has stayed nearly empty. */
static inline void
pop (DdMergeInput *input)
{
  input->head = (input->head + 1) & (input->capacity - 1);
  input->count--;
  if (input->count >= input->capacity / 16 || input->capacity <= QUEUE_MIN_CAPACITY)
    input->small_pops = 0;
  else if (++input->small_pops >= input->capacity)
    {
      resize (input, input->capacity / 2);
      input->small_pops = 0;
    }
}

/* Writes one record taken from @input: a side block, or a packet (counted, late or not,
 * unless it is before the floor). */
static inline void
write_one (DdMerger             *self,
           DdMergeInput         *input,
           const DdQueuedPacket *queued)
{
  const DdPacket *packet = &queued->packet;
  gboolean late;

  if (G_UNLIKELY (packet->data == NULL))
    {
      input->blocks--;  /* popped */
      if (self->write_block != NULL)
        self->write_block (queued->block, input, self->user_data);
      return;
    }
  if (G_UNLIKELY (packet->ts < self->floor))
    {
      self->before_floor++;
      return;
    }
  late = self->any_written && packet->ts < self->last_ts;
  if (late)
    {
      input->late++;
      self->late++;
    }
  else
    self->last_ts = packet->ts;
  self->any_written = TRUE;
  input->written++;
  self->written++;
  if (!self->write (packet, input, late, self->user_data))
    self->stopped = TRUE;
}

/* @input's place in the order after a record left it; an input left empty is refilled
 * (pull) or may push what it already has (push: its drained function), which may move
 * the merge's @bound. */
static inline void
reorder (DdMerger     *self,
         DdMergeInput *input,
         gboolean      all,
         guint64      *bound)
{
  if (input->count > 0)
    {
      const DdPacket *next = &queue_at (input, 0)->packet;
      const DdQueuedPacket *after = queue_at (input, 1);

      /* With many inputs, this one's turn comes after the others have had theirs, and
       * its bytes (read long before, or by another thread) would be fetched from
       * memory then: fetch them now, with the record after (each may span two lines). */
      if (G_LIKELY (next->data != NULL))
        {
          __builtin_prefetch (next->data);
          __builtin_prefetch (next->data + next->caplen - 1);
        }
      __builtin_prefetch (after);
      __builtin_prefetch ((const guint8 *) (after + 1) - 1);
      order_changed (self, input, FALSE);
      return;
    }
  order_remove (self, input);
  if (!input->live || self->stopped)
    return;
  if (input->refill != NULL)
    refill (input);
  else if (input->drained != NULL)
    {
      guint64 mark = input_mark (input);

      input->drained (input, input->user_data);
      /* It may have been what held the merge back. */
      if (!all && mark <= *bound)
        *bound = release_bound (self);
    }
}

static gint64
merge (DdMerger *self,
       gint64    now,
       gboolean  all,
       guint     budget,
       gboolean *more)
{
  DdMergeInput *input;
  guint64 bound;
  guint n = 0;

  for (guint i = 0; i < self->inputs->len; i++)
    {
      DdMergeInput *pulled = self->inputs->pdata[i];

      if (pulled->refill != NULL && pulled->live && pulled->count == 0)
        refill (pulled);
    }
  bound = all ? G_MAXUINT64 : release_bound (self);
  self->yielding = FALSE;

  while (!self->stopped && (input = order_first (self)) != NULL)
    {
      DdQueuedPacket *head = &input->queue[input->head];

      if (head->packet.ts > bound && head->arrival + self->max_delay > now)
        return head->arrival + self->max_delay;
      if ((budget != 0 && n++ == budget) || (self->yielding && !all))
        {
          *more = TRUE;
          return -1;
        }
      /* Written where it is queued: nothing pushes into a queue while a record is written. */
      write_one (self, input, head);
      release (head);
      pop (input);
      reorder (self, input, all, &bound);
    }
  return -1;
}

gint64
dd_merger_run (DdMerger *self,
               gint64    now,
               guint     budget,
               gboolean *more)
{
  gboolean unused;

  if (more == NULL)
    more = &unused;
  *more = FALSE;
  if (self->stopped)
    return -1;
  return merge (self, now, FALSE, budget, more);
}

void
dd_merger_drain (DdMerger *self)
{
  gboolean more;

  if (!self->stopped)
    merge (self, G_MAXINT64, TRUE, 0, &more);
}

void
dd_merger_yield (DdMerger *self)
{
  self->yielding = TRUE;
}

void
dd_merger_stop (DdMerger *self)
{
  self->stopped = TRUE;
}

gboolean
dd_merger_is_stopped (DdMerger *self)
{
  return self->stopped;
}

guint64
dd_merger_get_written (DdMerger *self)
{
  return self->written;
}

void
dd_merger_set_floor (DdMerger *self,
                     guint64   floor_ts)
{
  self->floor = floor_ts;
}

guint64
dd_merger_get_before_floor (DdMerger *self)
{
  return self->before_floor;
}

guint64
dd_merger_get_late (DdMerger *self)
{
  return self->late;
}
