/* since=: the packets of the worker's history that one capture sends before its live
 * ones, from a point in the past up to where the live capture begins, those its filter
 * takes. It counts what it sent and what the history let go under it before it could be
 * read (a client slower than --history-size allows). */
#pragma once

#include "dd-filter.h"
#include "dd-history.h"

G_BEGIN_DECLS

typedef struct _DdHistoryReplay DdHistoryReplay;

/* From @since_ns to @until_ns (ns of the real-time clock); @program (taken; NULL: every
 * packet) sees each packet as captured at @snaplen. @history must outlive the replay. */
DdHistoryReplay *dd_history_replay_new      (DdHistory       *history,
                                             guint64          since_ns,
                                             guint64          until_ns,
                                             DdFilterProgram *program,
                                             guint32          snaplen);
void             dd_history_replay_free     (DdHistoryReplay *self);

/* The next packet to send; FALSE once the replay is over (and from then on). @data
 * points into the history until its next append. */
gboolean         dd_history_replay_next     (DdHistoryReplay  *self,
                                             guint64          *ts_ns,
                                             guint32          *caplen,
                                             guint32          *origlen,
                                             const guint8    **data);
/* The newest timestamp looked at (sent or not): no later packet of the replay is older. */
guint64          dd_history_replay_get_newest (DdHistoryReplay *self);
guint64          dd_history_replay_get_sent (DdHistoryReplay *self);
guint64          dd_history_replay_get_lost (DdHistoryReplay *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdHistoryReplay, dd_history_replay_free)

G_END_DECLS
