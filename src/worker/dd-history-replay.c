#include "config.h"

#include "dd-history-replay.h"

struct _DdHistoryReplay {
  DdHistory       *history;
  DdHistoryCursor  cursor;
  DdFilterProgram *program;
  guint32          snaplen;
  guint64          until;
  guint64          newest;
  guint64          sent;
  guint64          lost;
  gboolean         over;
};

DdHistoryReplay *
dd_history_replay_new (DdHistory       *history,
                       guint64          since_ns,
                       guint64          until_ns,
                       DdFilterProgram *program,
                       guint32          snaplen)
{
  DdHistoryReplay *self = g_new0 (DdHistoryReplay, 1);

  self->history = history;
  self->program = program;
  self->snaplen = snaplen;
  self->until = until_ns;
  /* What the kernel holds now is in the history before the cursor is placed. */
  dd_history_drain (history);
  dd_history_seek (history, &self->cursor, since_ns);
  return self;
}

void
dd_history_replay_free (DdHistoryReplay *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->program, dd_filter_free);
  g_free (self);
}

gboolean
dd_history_replay_next (DdHistoryReplay  *self,
                        guint64          *ts_ns,
                        guint32          *caplen,
                        guint32          *origlen,
                        const guint8    **data)
{
  while (!self->over)
    {
      struct pcap_pkthdr header = { 0, };
      guint64 lost = 0;
      gboolean more = dd_history_next (self->history, &self->cursor, ts_ns, caplen, origlen, data, &lost);

      self->lost += lost;
      if (!more || *ts_ns >= self->until)
        {
          self->over = TRUE;
          break;
        }
      self->newest = MAX (self->newest, *ts_ns);
      header.caplen = MIN (*caplen, self->snaplen);
      header.len = *origlen;
      if (self->program != NULL && !pcap_offline_filter (self->program, &header, *data))
        continue;
      self->sent++;
      return TRUE;
    }
  return FALSE;
}

guint64
dd_history_replay_get_newest (DdHistoryReplay *self)
{
  return self->newest;
}

guint64
dd_history_replay_get_sent (DdHistoryReplay *self)
{
  return self->sent;
}

guint64
dd_history_replay_get_lost (DdHistoryReplay *self)
{
  return self->lost;
}
