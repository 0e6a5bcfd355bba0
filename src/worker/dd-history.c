#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>

#include "dd-capture.h"
#include "dd-clock.h"
#include "dd-filter.h"
#include "dd-format.h"
#include "dd-history.h"

#define BLOCK_SIZE (1024 * 1024)
/* A record: timestamp (ns), caplen, origlen, then the packet. */
#define RECORD_HEADER 16
/* How often blocks past their time are let go when no packet comes. */
#define EXPIRE_PERIOD_S 1

typedef struct {
  guint64 seq;
  gsize   len;
  guint64 first;    /* the number of its first packet, counting every packet appended */
  guint64 packets;
  guint64 newest_ns;
  guint8  data[BLOCK_SIZE];
} Block;

struct _DdHistory {
  DdHistoryOptions options;
  DdCapture *capture;
  guint32    tick_ns;       /* of its timestamps */
  guint      fd_watch_id;
  guint      expire_id;
  GPtrArray *blocks;        /* Block, oldest first; never empty */
  Block     *spare;         /* an evicted block kept for the next one */
  guint64    next_seq;
  guint64    appended;      /* packets, ever */
  guint64    packets;
  guint64    evicted_early;
};

static Block *
new_block (DdHistory *self)
{
  Block *block = g_steal_pointer (&self->spare);

  if (block == NULL)
    block = g_malloc (sizeof (Block));
  block->seq = self->next_seq++;
  block->first = self->appended;
  block->len = 0;
  block->packets = 0;
  block->newest_ns = 0;
  return block;
}

static void
drop_head (DdHistory *self)
{
  Block *head = g_ptr_array_steal_index (self->blocks, 0);

  self->packets -= head->packets;
  g_free (self->spare);
  self->spare = head;
}

/* Lets go of the blocks whose newest packet is past its time, and of the oldest ones
 * while the cap is exceeded; the newest block always stays. */
static void
expire (DdHistory *self)
{
  guint64 now = (guint64) dd_clock_real_time_ns ();
  guint64 keep_ns = (guint64) (self->options.seconds * 1e9);

  while (self->blocks->len > 1)
    {
      Block *head = self->blocks->pdata[0];
      gboolean too_old = head->newest_ns + keep_ns < now;

      if (!too_old && (gsize) self->blocks->len * BLOCK_SIZE <= self->options.max_bytes)
        break;
      if (!too_old)
        self->evicted_early += head->packets;
      drop_head (self);
    }
}

static void
packet_cb (u_char                   *user,
           const struct pcap_pkthdr *header,
           const u_char             *data)
{
  DdHistory *self = (DdHistory *) user;
  guint64 ts = dd_pcap_time_ns ((guint64) header->ts.tv_sec, (guint64) header->ts.tv_usec, self->tick_ns);
  guint32 caplen = header->caplen;
  guint32 origlen = header->len;
  Block *tail = self->blocks->pdata[self->blocks->len - 1];
  guint8 *p;

  if (tail->len + RECORD_HEADER + caplen > BLOCK_SIZE)
    {
      tail = new_block (self);
      g_ptr_array_add (self->blocks, tail);
      expire (self);
    }
  p = tail->data + tail->len;
  memcpy (p, &ts, 8);
  memcpy (p + 8, &caplen, 4);
  memcpy (p + 12, &origlen, 4);
  memcpy (p + RECORD_HEADER, data, caplen);
  tail->len += RECORD_HEADER + caplen;
  tail->packets++;
  tail->newest_ns = MAX (tail->newest_ns, ts);
  self->packets++;
  self->appended++;
}

void
dd_history_drain (DdHistory *self)
{
  g_autoptr(GError) error = NULL;

  /* Bounded: the kernel's ring holds at most ring_size bytes. */
  for (guint i = 0; i < 1024; i++)
    {
      int n = dd_capture_dispatch (self->capture, -1, packet_cb, self, &error);

      if (n < 0)
        {
          g_warning ("history: %s", error->message);
          return;
        }
      if (n == 0)
        return;
    }
}

static gboolean
ready_cb (gint         fd,
          GIOCondition condition,
          gpointer     user_data)
{
  dd_history_drain (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
expire_cb (gpointer user_data)
{
  expire (user_data);
  return G_SOURCE_CONTINUE;
}

DdHistory *
dd_history_new (const DdHistoryOptions  *options,
                const char              *exclusion,
                GError                 **error)
{
  g_autoptr(DdCapture) capture = NULL;
  g_autofree char *not_ours = NULL;
  g_autofree char *filter = NULL;
  DdCaptureOptions capture_options = {
    .snaplen = DD_MAX_SNAPLEN,
    .buffer_size = options->ring_size,
    .timeout_ms = options->timeout_ms,
  };
  DdHistory *self;

  if (exclusion != NULL && *exclusion != '\0')
    not_ours = g_strdup_printf ("not (%s)", exclusion);
  filter = dd_filter_and (options->filter != NULL && *options->filter != '\0' ? options->filter : NULL, not_ours);
  capture = dd_capture_open (&capture_options, error);
  if (capture == NULL || !dd_capture_set_filter (capture, filter != NULL ? filter : "", error))
    {
      g_prefix_error (error, _("history: "));
      return NULL;
    }
  self = g_new0 (DdHistory, 1);
  self->options = *options;
  self->options.filter = NULL;
  self->options.max_bytes = MAX (options->max_bytes, 2 * BLOCK_SIZE);
  self->capture = g_steal_pointer (&capture);
  self->tick_ns = dd_capture_get_tick_ns (self->capture);
  self->blocks = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->blocks, new_block (self));
  self->fd_watch_id = g_unix_fd_add (dd_capture_get_fd (self->capture), G_IO_IN, ready_cb, self);
  self->expire_id = g_timeout_add_seconds (EXPIRE_PERIOD_S, expire_cb, self);
  return self;
}

void
dd_history_free (DdHistory *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->fd_watch_id, g_source_remove);
  g_clear_handle_id (&self->expire_id, g_source_remove);
  dd_capture_free (self->capture);
  g_ptr_array_unref (self->blocks);
  g_free (self->spare);
  g_free (self);
}

gdouble
dd_history_get_seconds (DdHistory *self)
{
  return self->options.seconds;
}

void
dd_history_get_stats (DdHistory      *self,
                      DdHistoryStats *stats)
{
  guint64 received;
  Block *head = self->blocks->pdata[0];
  DdHistoryCursor cursor = { head->seq, 0, head->first };
  guint64 ts = 0;
  guint32 caplen, origlen;
  const guint8 *data;
  guint64 lost;

  dd_capture_get_stats (self->capture, &received, &stats->kernel_drops);
  stats->packets = self->packets;
  stats->bytes = (guint64) self->blocks->len * BLOCK_SIZE;
  stats->evicted_early = self->evicted_early;
  stats->oldest_ns = dd_history_next (self, &cursor, &ts, &caplen, &origlen, &data, &lost) ? ts : 0;
}

void
dd_history_seek (DdHistory       *self,
                 DdHistoryCursor *cursor,
                 guint64          since_ns)
{
  guint i;

  /* The first block that holds a packet as new as @since_ns; then its first such packet. */
  for (i = 0; i + 1 < self->blocks->len; i++)
    if (((Block *) self->blocks->pdata[i])->newest_ns >= since_ns)
      break;
  cursor->block = ((Block *) self->blocks->pdata[i])->seq;
  cursor->offset = 0;
  cursor->packet = ((Block *) self->blocks->pdata[i])->first;
  for (;;)
    {
      DdHistoryCursor here = *cursor;
      guint64 ts;
      guint32 caplen, origlen;
      const guint8 *data;
      guint64 lost;

      if (!dd_history_next (self, cursor, &ts, &caplen, &origlen, &data, &lost))
        return;
      if (ts >= since_ns)
        {
          *cursor = here;
          return;
        }
    }
}

gboolean
dd_history_next (DdHistory       *self,
                 DdHistoryCursor *cursor,
                 guint64         *ts_ns,
                 guint32         *caplen,
                 guint32         *origlen,
                 const guint8   **data,
                 guint64         *lost)
{
  Block *oldest = self->blocks->pdata[0];
  guint64 head = oldest->seq;

  *lost = 0;
  if (cursor->block < head)
    {
      *lost = oldest->first - cursor->packet;
      cursor->block = head;
      cursor->offset = 0;
      cursor->packet = oldest->first;
    }
  while (cursor->block - head < self->blocks->len)
    {
      Block *block = self->blocks->pdata[cursor->block - head];

      if (cursor->offset < block->len)
        {
          const guint8 *p = block->data + cursor->offset;

          memcpy (ts_ns, p, 8);
          memcpy (caplen, p + 8, 4);
          memcpy (origlen, p + 12, 4);
          *data = p + RECORD_HEADER;
          cursor->offset += RECORD_HEADER + *caplen;
          cursor->packet++;
          return TRUE;
        }
      if (cursor->block - head + 1 >= self->blocks->len)
        return FALSE;
      cursor->block++;
      cursor->offset = 0;
    }
  return FALSE;
}
