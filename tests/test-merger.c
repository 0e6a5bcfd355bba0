#include "config.h"

#include "dd-merger.h"

#define MAX_DELAY 1000000  /* µs */

typedef struct {
  DdMerger *merger;
  GString  *log;      /* "ts[input]" per packet, late ones marked with '!' */
  guint     limit;    /* stop after this many; 0: never */
  guint     yield_every;  /* yield after every this many; 0: never */
  guint     written;
  DdChunk  *chunk;
} Fixture;

static gboolean
write_cb (const DdPacket *packet, DdMergeInput *input, gboolean late, gpointer user_data)
{
  Fixture *f = user_data;

  guintptr index = GPOINTER_TO_SIZE (dd_merge_input_get_user_data (input));

  /* Push inputs are named a, b, c… (their user data is their index). */
  g_string_append_printf (f->log, "%s%" G_GUINT64_FORMAT "%s", f->log->len > 0 ? " " : "",
                          packet->ts, late ? "!" : "");
  if (index < 26)
    g_string_append_c (f->log, (char) ('a' + index));
  f->written++;
  if (f->yield_every != 0 && f->written % f->yield_every == 0)
    dd_merger_yield (f->merger);
  return f->limit == 0 || f->written < f->limit;
}

/* A side block is logged as "#ts[input]:comment". */
static void
write_block_cb (const DdSideBlock *block, DdMergeInput *input, gpointer user_data)
{
  Fixture *f = user_data;
  guintptr index = GPOINTER_TO_SIZE (dd_merge_input_get_user_data (input));

  g_string_append_printf (f->log, "%s#%" G_GUINT64_FORMAT "%c:%s", f->log->len > 0 ? " " : "",
                          block->ts, (char) ('a' + index), block->stats.comment);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->merger = dd_merger_new (MAX_DELAY, write_cb, f);
  dd_merger_set_block_func (f->merger, write_block_cb);
  f->log = g_string_new (NULL);
  f->chunk = dd_chunk_new (16, NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  dd_merger_free (f->merger);
  g_string_free (f->log, TRUE);
  /* Every queued reference was given back: ours is the last. */
  g_assert_cmpuint (f->chunk->refs, ==, 1);
  dd_chunk_unref (f->chunk);
}

static DdMergeInput *
add (Fixture *f, guint index)
{
  return dd_merger_add_input (f->merger, NULL, GUINT_TO_POINTER (index));
}

static void
push (Fixture *f, DdMergeInput *input, guint64 ts, gint64 arrival)
{
  DdPacket p = { .ts = ts, .data = f->chunk->data, .caplen = 4, .origlen = 4 };

  dd_merge_input_push (input, &p, f->chunk, arrival);
}

static const char *
take (Fixture *f)
{
  static char last[512];

  g_strlcpy (last, f->log->str, sizeof last);
  g_string_truncate (f->log, 0);
  return last;
}

static void
test_order (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1), *c = add (f, 2);

  g_test_summary ("Streams without heartbeats: a packet goes out once every live stream "
                  "has delivered one as new; the rest when they end, all in order");
  push (f, a, 1, 0); push (f, a, 5, 0);
  push (f, b, 2, 0); push (f, b, 6, 0);
  push (f, c, 3, 0); push (f, c, 4, 0);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "1a 2b 3c 4c");
  dd_merge_input_set_live (a, FALSE);
  dd_merge_input_set_live (b, FALSE);
  dd_merge_input_set_live (c, FALSE);
  g_assert_cmpint (dd_merger_run (f->merger, 0, 0, NULL), ==, -1);
  g_assert_cmpstr (take (f), ==, "5a 6b");
  g_assert_cmpuint (dd_merger_get_late (f->merger), ==, 0);
}

static void
test_watermarks (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("A stream with heartbeats holds the merge until its watermark passes "
                  "a packet, queued packets or not");
  dd_merge_input_set_watermark (a, 0);
  push (f, a, 10, 0); push (f, a, 20, 0);
  push (f, b, 15, 0);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "");
  dd_merge_input_set_watermark (a, 12);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "10a");
  dd_merge_input_set_watermark (a, 5);  /* never backwards */
  dd_merge_input_set_watermark (a, 100);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "15b");
  /* An idle stream with heartbeats does not hold anything back. */
  dd_merge_input_set_live (b, FALSE);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "20a");
}

static void
test_max_delay (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);
  gint64 deadline;

  g_test_summary ("A quiet stream is waited for at most max-delay; what it sends later "
                  "is written and counted as late");
  push (f, b, 10, 1000);
  deadline = dd_merger_run (f->merger, 1500, 0, NULL);
  g_assert_cmpint (deadline, ==, 1000 + MAX_DELAY);
  g_assert_cmpstr (take (f), ==, "");
  dd_merger_run (f->merger, 1000 + MAX_DELAY, 0, NULL);
  g_assert_cmpstr (take (f), ==, "10b");
  push (f, a, 5, 2000000);
  dd_merger_run (f->merger, 2000000, 0, NULL);
  g_assert_cmpstr (take (f), ==, "5!a");
  g_assert_cmpuint (dd_merger_get_late (f->merger), ==, 1);
  g_assert_cmpuint (dd_merge_input_get_late (a), ==, 1);
  g_assert_cmpuint (dd_merge_input_get_written (b), ==, 1);
}

static void
test_inversions (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("Small inversions inside one stream are sorted in before they go out");
  push (f, a, 30, 0); push (f, a, 10, 0); push (f, a, 20, 0);
  push (f, b, 25, 0); push (f, b, 5, 0);
  dd_merge_input_set_live (a, FALSE);
  dd_merge_input_set_live (b, FALSE);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "5b 10a 20a 25b 30a");
}

static void
test_failure (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("A stream that fails stops holding the others at once");
  dd_merge_input_set_watermark (a, 0);
  push (f, b, 5, 0);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "");
  dd_merge_input_set_live (a, FALSE);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "5b");
}

typedef struct {
  Fixture *f;
  guint64  next;
  guint    batches;
} Puller;

static void
refill_cb (DdMergeInput *input, gpointer user_data)
{
  Puller *p = user_data;

  if (p->batches == 0)
    {
      dd_merge_input_set_live (input, FALSE);
      return;
    }
  p->batches--;
  for (int i = 0; i < 3; i++, p->next += 2)
    push (p->f, input, p->next, 0);
}

static void
test_pull_and_budget (Fixture *f, gconstpointer data)
{
  Puller even = { f, 0, 2 }, odd = { f, 1, 2 };
  gboolean more = FALSE;

  g_test_summary ("Files are read as the merge needs them and never hold it; a budget "
                  "splits a long merge; a stop is final");
  dd_merger_add_input (f->merger, refill_cb, &even);
  dd_merger_add_input (f->merger, refill_cb, &odd);
  dd_merger_run (f->merger, 0, 5, &more);
  g_assert_true (more);
  g_assert_cmpuint (f->written, ==, 5);
  f->limit = 10;
  dd_merger_run (f->merger, 0, 0, &more);
  g_assert_false (more);
  g_assert_true (dd_merger_is_stopped (f->merger));
  g_assert_cmpuint (f->written, ==, 10);
  dd_merger_drain (f->merger);
  g_assert_cmpuint (f->written, ==, 10);
  g_assert_cmpstr (f->log->str, ==, "0 1 2 3 4 5 6 7 8 9");
}

typedef struct {
  Fixture *f;
  guint    calls;
} Drained;

/* A stream whose kernel buffer holds two more packets the first time it is asked. */
static void
drained_cb (DdMergeInput *input, gpointer user_data)
{
  Drained *d = user_data;

  if (d->calls++ == 0)
    {
      push (d->f, input, 40, 0);
      push (d->f, input, 50, 0);
    }
}

static void
test_drained (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0);
  DdMergeInput *b;
  Drained d = { f, 0 };

  g_test_summary ("A stream drained in the middle of a merge may push what it has at once, "
                  "and the merge goes on with it in the same run when it held the others back");
  b = dd_merger_add_input (f->merger, NULL, &d);
  dd_merge_input_set_drained_func (b, drained_cb);
  push (f, a, 10, 0);
  push (f, a, 30, 0);
  push (f, b, 20, 0);
  dd_merger_run (f->merger, 0, 0, NULL);
  /* b (index unknown to the log) was the bound at 20; once it pushed 40, a's 30 may go. */
  g_assert_cmpstr (take (f), ==, "10a 20 30a");
  g_assert_cmpuint (d.calls, ==, 1);
  /* a, empty and without a drained function, now holds 40 back. */
  dd_merge_input_set_live (a, FALSE);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "40 50");
  g_assert_cmpuint (d.calls, ==, 2);
}

static void
test_yield (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);
  gboolean more = FALSE;

  g_test_summary ("An output that cannot take more ends the run early, with more to do; the "
                  "next run goes on where it stopped, and the final drain does not stop");
  for (guint64 ts = 1; ts <= 8; ts++)
    push (f, ts % 2 ? a : b, ts, 0);
  dd_merge_input_set_live (a, FALSE);
  dd_merge_input_set_live (b, FALSE);
  f->yield_every = 3;
  g_assert_cmpint (dd_merger_run (f->merger, 0, 0, &more), ==, -1);
  g_assert_true (more);
  g_assert_cmpstr (take (f), ==, "1a 2b 3a");
  more = FALSE;
  dd_merger_run (f->merger, 0, 0, &more);
  g_assert_true (more);
  g_assert_cmpstr (take (f), ==, "4b 5a 6b");
  dd_merger_drain (f->merger);
  g_assert_cmpstr (take (f), ==, "7a 8b");
  g_assert_false (dd_merger_is_stopped (f->merger));
}

static void
test_drain (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("At the end everything queued goes out in order, waiting for nobody");
  dd_merge_input_set_watermark (a, 0);
  push (f, a, 3, 0); push (f, b, 1, 0); push (f, a, 2, 0);
  dd_merger_drain (f->merger);
  g_assert_cmpstr (take (f), ==, "1b 2a 3a");
}

static void
test_holds_merge (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("An input holds the merge while its watermark (or newest packet) is older "
                  "than the next packet to go out, or nothing is queued at all");
  g_assert_true (dd_merge_input_holds_merge (a));
  push (f, a, 10, 0); push (f, a, 20, 0);
  g_assert_false (dd_merge_input_holds_merge (a));  /* it delivered up to 20 */
  g_assert_true (dd_merge_input_holds_merge (b));   /* nothing from b: 10 waits for it */
  push (f, b, 5, 0);
  g_assert_false (dd_merge_input_holds_merge (b));
  dd_merge_input_set_watermark (a, 3);                /* heartbeats from now on */
  g_assert_true (dd_merge_input_holds_merge (a));    /* 5 is the next, a promised only 3 */
  dd_merge_input_set_watermark (a, 7);
  g_assert_false (dd_merge_input_holds_merge (a));
  dd_merge_input_set_live (a, FALSE);
  dd_merge_input_set_watermark (a, 0);
  g_assert_false (dd_merge_input_holds_merge (a));   /* an ended input holds nothing */
  dd_merger_drain (f->merger);
  g_assert_cmpstr (take (f), ==, "5b 10a 20a");
}

static void
test_queue_memory (Fixture *f, gconstpointer data)
{
  g_autoptr(DdMemoryBudget) budget = dd_memory_budget_new (1024 * 1024);
  g_autoptr(DdMemoryAccount) account = dd_memory_account_new (budget);
  DdMergeInput *a = add (f, 0);
  gsize empty;

  g_test_summary ("An input's queue is charged to its account as it grows, given back once "
                  "it has stayed nearly empty for a while (not at each drain), and when the "
                  "merger goes");
  dd_merge_input_set_account (a, account);
  empty = dd_memory_account_get_used (account);
  g_assert_cmpuint (empty, >, 0);
  for (guint i = 0; i < 10000; i++)
    push (f, a, i, 0);
  g_assert_cmpuint (dd_memory_account_get_used (account), >=, 10000 * sizeof (DdQueuedPacket));
  dd_merger_drain (f->merger);
  g_assert_cmpuint (f->written, ==, 10000);
  /* Drained once: a file's queue, about to be refilled, keeps its room. */
  g_assert_cmpuint (dd_memory_account_get_used (account), >=, 10000 * sizeof (DdQueuedPacket));
  /* A stream gone quiet, one packet at a time: the room goes. */
  for (guint i = 0; i < 40000; i++)
    {
      push (f, a, 10000 + i, 0);
      dd_merger_drain (f->merger);
    }
  g_assert_cmpuint (f->written, ==, 50000);
  g_assert_cmpuint (dd_memory_account_get_used (account), <=, 2 * empty);
  g_assert_cmpuint (dd_memory_budget_get_peak (budget), >=, 10000 * sizeof (DdQueuedPacket));
  g_clear_pointer (&f->merger, dd_merger_free);
  g_assert_cmpuint (dd_memory_account_get_used (account), ==, 0);
  f->merger = dd_merger_new (MAX_DELAY, write_cb, f);
}

static void
test_budget (void)
{
  g_autoptr(DdMemoryBudget) budget = dd_memory_budget_new (64 * 1024 * 1024);
  g_autoptr(DdMemoryAccount) one = dd_memory_account_new (budget);
  DdMemoryAccount *many[2000];
  DdChunk *chunk;

  g_test_summary ("The limit is shared fairly between accounts, within the share's bounds, "
                  "and many accounts together read at most DD_MEMORY_AHEAD ahead (each at least "
                  "DD_MEMORY_SHARE_MANY); a chunk charges its account while it lives, pooled or not");
  g_assert_cmpuint (dd_memory_budget_get_share (budget), ==, DD_MEMORY_SHARE_MAX);
  for (guint i = 0; i < 19; i++)
    many[i] = dd_memory_account_new (budget);
  g_assert_cmpuint (dd_memory_budget_get_share (budget), ==, DD_MEMORY_AHEAD / 20);
  for (guint i = 19; i < 99; i++)
    many[i] = dd_memory_account_new (budget);
  g_assert_cmpuint (dd_memory_budget_get_share (budget), ==, DD_MEMORY_SHARE_MANY);
  {
    g_autoptr(DdMemoryBudget) small = dd_memory_budget_new (8 * 1024 * 1024);
    DdMemoryAccount *few[100];

    for (guint i = 0; i < G_N_ELEMENTS (few); i++)
      few[i] = dd_memory_account_new (small);
    g_assert_cmpuint (dd_memory_budget_get_share (small), ==, 8 * 1024 * 1024 / 100);
    for (guint i = 0; i < G_N_ELEMENTS (few); i++)
      dd_memory_account_unref (few[i]);
  }
  for (guint i = 99; i < G_N_ELEMENTS (many); i++)
    many[i] = dd_memory_account_new (budget);
  g_assert_cmpuint (dd_memory_budget_get_share (budget), ==, DD_MEMORY_SHARE_MIN);
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    dd_memory_account_unref (many[i]);
  g_assert_cmpuint (dd_memory_budget_get_share (budget), ==, DD_MEMORY_SHARE_MAX);

  for (gsize size = DD_CHUNK_SIZE; size <= DD_CHUNK_SIZE + 1; size++)
    {
      chunk = dd_chunk_new (size, one);
      g_assert_cmpuint (dd_memory_account_get_used (one), ==, size);
      g_assert_cmpuint (dd_memory_budget_get_used (budget), ==, size);
      dd_chunk_ref (chunk);
      dd_chunk_unref (chunk);
      g_assert_cmpuint (dd_memory_account_get_used (one), ==, size);
      dd_chunk_unref (chunk);
      g_assert_cmpuint (dd_memory_account_get_used (one), ==, 0);
      g_assert_cmpuint (dd_memory_budget_get_used (budget), ==, 0);
    }
  g_assert_cmpuint (dd_memory_budget_get_peak (budget), ==, DD_CHUNK_SIZE + 1);
}

/* Flow control in one place: a paused input is told once, at the next dd_merger_resume (),
 * that it may read; one that pauses again from there is told at the one after. */
static GString *resumed;
static gboolean pause_again;

static void
resume_cb (DdMergeInput *input, gpointer user_data)
{
  g_string_append_c (resumed, (char) ('a' + GPOINTER_TO_SIZE (user_data)));
  if (pause_again)
    dd_merge_input_pause (input);
}

static void
test_resume (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1), *c = add (f, 2);

  resumed = g_string_new (NULL);
  pause_again = FALSE;
  dd_merge_input_set_resume_func (a, resume_cb);
  dd_merge_input_set_resume_func (b, resume_cb);
  /* An input without a resume function (a file) never pauses. */
  dd_merge_input_pause (c);
  dd_merger_resume (f->merger);
  g_assert_cmpstr (resumed->str, ==, "");

  dd_merge_input_pause (b);
  dd_merge_input_pause (a);
  dd_merge_input_pause (b);  /* once is enough */
  dd_merger_resume (f->merger);
  g_assert_cmpstr (resumed->str, ==, "ba");
  dd_merger_resume (f->merger);
  g_assert_cmpstr (resumed->str, ==, "ba");

  g_string_truncate (resumed, 0);
  pause_again = TRUE;
  dd_merge_input_pause (a);
  dd_merger_resume (f->merger);
  dd_merger_resume (f->merger);
  g_assert_cmpstr (resumed->str, ==, "aa");
  g_string_free (resumed, TRUE);
}

static void
push_block (DdMergeInput *input, guint64 ts, gint64 arrival, const char *comment)
{
  dd_merge_input_push_block (input, dd_side_block_new (DD_SIDE_BLOCK_COMMENT, 0, ts, arrival, NULL, comment));
}

static void
test_side_blocks (Fixture *f, gconstpointer data)
{
  DdMergeInput *a = add (f, 0), *b = add (f, 1);

  g_test_summary ("Side blocks go out among the packets where their timestamps put them, "
                  "held by the same watermarks and max-delay, and are not packets: "
                  "never counted, never late, never left out by the floor");
  dd_merge_input_set_watermark (a, 0);
  push (f, a, 10, 0);
  push_block (a, 30, 0, "beat");
  push (f, a, 20, 0);  /* sorted in before the block */
  push (f, b, 15, 0);
  push_block (b, 5, 0, "old");
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "");  /* a's watermark holds everything */
  dd_merge_input_set_watermark (a, 25);
  dd_merge_input_set_live (b, FALSE);
  dd_merger_run (f->merger, 0, 0, NULL);
  g_assert_cmpstr (take (f), ==, "#5b:old 10a 15b 20a");
  /* A block waits as long as a packet would, then goes: max-delay. */
  g_assert_cmpint (dd_merger_run (f->merger, 0, 0, NULL), ==, MAX_DELAY);
  g_assert_cmpstr (take (f), ==, "");
  dd_merger_run (f->merger, MAX_DELAY, 0, NULL);
  g_assert_cmpstr (take (f), ==, "#30a:beat");
  g_assert_cmpuint (dd_merger_get_written (f->merger), ==, 3);
  g_assert_cmpuint (dd_merger_get_late (f->merger), ==, 0);
  /* Older than what was written: a block is not late; before the floor: not left out. */
  dd_merger_set_floor (f->merger, 100);
  push_block (a, 1, 0, "late");
  dd_merger_drain (f->merger);
  g_assert_cmpstr (take (f), ==, "#1a:late");
  g_assert_cmpuint (dd_merger_get_late (f->merger), ==, 0);
  g_assert_cmpuint (dd_merger_get_before_floor (f->merger), ==, 0);
  /* Still queued at the end: freed with the merger (teardown; ASan checks). */
  push_block (a, 200, 0, "queued");
  push (f, a, 150, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/merger/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("order", test_order);
  ADD ("watermarks", test_watermarks);
  ADD ("max-delay-and-late", test_max_delay);
  ADD ("inversions", test_inversions);
  ADD ("failure", test_failure);
  ADD ("pull-and-budget", test_pull_and_budget);
  ADD ("drain", test_drain);
  ADD ("holds-merge", test_holds_merge);
  ADD ("queue-memory", test_queue_memory);
  g_test_add_func ("/merger/memory-budget", test_budget);
  ADD ("yield", test_yield);
  ADD ("drained", test_drained);
  ADD ("resume", test_resume);
  ADD ("side-blocks", test_side_blocks);
  return g_test_run ();
}
