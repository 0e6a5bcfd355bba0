/* The worker's memory of its recent packets (--history): a capture of its own, with its
 * own filter, kept in 1 MiB blocks for at most SECONDS and at most a byte cap. A capture
 * request with since=-S starts with what was kept from S seconds ago. Kernel drops of the
 * history capture are counted, and so are packets let go before their time to keep the
 * cap. Appending allocates nothing once the blocks exist (evicted blocks are reused). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _DdHistory DdHistory;

typedef struct {
  gdouble     seconds;
  gsize       max_bytes;
  const char *filter;       /* NULL or "": everything (but the exclusion) */
  gint        ring_size;
  gint        timeout_ms;
} DdHistoryOptions;

/* A reader's place in the history, valid across appends and evictions. */
typedef struct {
  guint64 block;
  gsize   offset;
  guint64 packet;  /* the number of the packet at the cursor, counted from the first kept */
} DdHistoryCursor;

typedef struct {
  guint64 packets;       /* kept now */
  guint64 bytes;         /* of the kept blocks */
  guint64 kernel_drops;
  guint64 evicted_early; /* packets let go before SECONDS passed, for the byte cap */
  guint64 oldest_ns;     /* 0 when empty */
} DdHistoryStats;

/* Opens the capture (the worker's own traffic, @exclusion, left out) and reads it from
 * the thread-default main loop from now on. */
DdHistory *dd_history_new          (const DdHistoryOptions  *options,
                                    const char              *exclusion,
                                    GError                 **error);
void       dd_history_free         (DdHistory *self);

gdouble    dd_history_get_seconds  (DdHistory *self);
/* Reads what the kernel holds now (before a reader starts, so nothing is missed). */
void       dd_history_drain        (DdHistory *self);
void       dd_history_get_stats    (DdHistory      *self,
                                    DdHistoryStats *stats);

/* Places @cursor at the first packet stamped at or after @since_ns. */
void       dd_history_seek         (DdHistory       *self,
                                    DdHistoryCursor *cursor,
                                    guint64          since_ns);
/* The packet at @cursor, and moves past it; FALSE when there is none (yet). @data points
 * into the history until the next append. @lost is how many packets were evicted under
 * the cursor before it read them (0 most times). */
gboolean   dd_history_next         (DdHistory       *self,
                                    DdHistoryCursor *cursor,
                                    guint64         *ts_ns,
                                    guint32         *caplen,
                                    guint32         *origlen,
                                    const guint8   **data,
                                    guint64         *lost);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdHistory, dd_history_free)

G_END_DECLS
