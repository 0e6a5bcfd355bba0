/* Merges packets from many inputs into one stream in timestamp order.
 *
 * Each input keeps its packets sorted (a stream's rare small inversions are sorted in as
 * they arrive); a binary heap of the inputs, keyed by their oldest packet, yields the
 * next packet in O(log inputs). A packet is written once no live input can still deliver
 * an older one: every live push input has a watermark at or past it (an ISB heartbeat
 * for inputs that send them, otherwise the newest timestamp it delivered), or the packet
 * has waited max-delay. Pull inputs (files) are read on demand and never hold the merge.
 * A packet older than one already written is still written, and counted as late.
 *
 * Side blocks (statistics, comments: dd-sink.h) travel in the same queues, by their
 * timestamp, and go out by the same rule; they are not packets (not counted, never late,
 * never left out). */
#pragma once

#include <glib.h>

#include "dd-chunk.h"
#include "dd-packet.h"
#include "dd-sink.h"

G_BEGIN_DECLS

/* A packet as an input queues it: the record, the chunk that holds its bytes (referenced
 * while it is queued) and when it was read (monotonic µs), for max-delay. A side block
 * is queued as a packet record without data (its timestamp only), and owned. */
typedef struct {
  DdPacket  packet;
  union {
    DdChunk     *chunk;  /* packet.data != NULL */
    DdSideBlock *block;  /* packet.data == NULL */
  };
  gint64    arrival;
} DdQueuedPacket;

typedef struct _DdMerger DdMerger;
typedef struct _DdMergeInput DdMergeInput;

/* Writes one packet; returning FALSE stops the merge (dd_merger_is_stopped). */
typedef gboolean (*DdMergerWriteFunc) (const DdPacket *packet,
                                       DdMergeInput        *input,
                                       gboolean             late,
                                       gpointer             user_data);

/* Writes one side block (nullable: blocks are then dropped). */
typedef void (*DdMergerBlockFunc) (const DdSideBlock *block,
                                   DdMergeInput      *input,
                                   gpointer           user_data);

/* Asks a pull input for more packets (dd_merge_input_push), or to end itself
 * (dd_merge_input_set_live FALSE) when it has none. */
typedef void (*DdMergeRefillFunc) (DdMergeInput *input,
                                   gpointer      user_data);

DdMerger     *dd_merger_new              (gint64            max_delay_us,
                                          DdMergerWriteFunc write,
                                          gpointer          user_data);
void          dd_merger_free             (DdMerger *self);
void          dd_merger_set_block_func   (DdMerger          *self,
                                          DdMergerBlockFunc  block);

/* A push input's queue has run empty in the middle of a merge: the input may push at once
 * what it can deliver without waiting (a stream's bytes already received by the kernel),
 * so that they are merged while still in the cache. */
typedef void (*DdMergeDrainedFunc) (DdMergeInput *input,
                                    gpointer      user_data);

/* A push input that stopped reading (it holds its share of memory) may read again: the
 * merge has taken some of it. */
typedef void (*DdMergeResumeFunc) (DdMergeInput *input,
                                   gpointer      user_data);

/* @refill NULL: a push input (a live stream). */
DdMergeInput *dd_merger_add_input        (DdMerger          *self,
                                          DdMergeRefillFunc  refill,
                                          gpointer           user_data);

/* Writes every packet that may go out at @now (monotonic µs), at most @budget of them
 * (0: no limit; @more is set when the budget ran out). Returns when the merge must run
 * again even without new input (the max-delay of the oldest held packet), or -1. */
gint64        dd_merger_run              (DdMerger *self,
                                          gint64    now,
                                          guint     budget,
                                          gboolean *more);

/* Flow control, in one place: each input paused since the last call (dd_merge_input_pause)
 * is told it may read again (its resume function), once. The run's owner calls it after
 * a merge whose output was taken (a reader that does not keep up holds every input). */
void          dd_merger_resume           (DdMerger *self);

/* Writes everything queued, in order, without waiting for anyone (the end). */
void          dd_merger_drain            (DdMerger *self);

/* From the write function: the current run ends after this packet, with @more set (the
 * output cannot take more now). dd_merger_drain () does not stop. */
void          dd_merger_yield            (DdMerger *self);
void          dd_merger_stop             (DdMerger *self);
gboolean      dd_merger_is_stopped       (DdMerger *self);
guint64       dd_merger_get_written      (DdMerger *self);
guint64       dd_merger_get_late         (DdMerger *self);
/* Packets older than @floor_ts are left out from now on (a capture that starts at one
 * moment on every host), and counted. */
void          dd_merger_set_floor        (DdMerger *self,
                                          guint64   floor_ts);
guint64       dd_merger_get_before_floor (DdMerger *self);

/* @packet is routed: its interface is the output's, and @chunk holds its data (the merger
 * keeps a reference while the packet is queued); it was read at @arrival. */
void          dd_merge_input_push        (DdMergeInput        *input,
                                          const DdPacket      *packet,
                                          DdChunk             *chunk,
                                          gint64               arrival);
/* A side block (taken) of this input, queued by its ts (block->arrival for max-delay). */
void          dd_merge_input_push_block  (DdMergeInput *input,
                                          DdSideBlock  *block);
/* An ISB heartbeat: no later packet of this input is older than @ts. From the first call
 * on, only heartbeats (not the packets' own timestamps) release the input's hold. */
void          dd_merge_input_set_watermark (DdMergeInput *input,
                                            guint64       ts);
/* Whether the input is still expected to deliver: the merge waits only for live inputs. */
void          dd_merge_input_set_live    (DdMergeInput *input,
                                          gboolean      live);
gboolean      dd_merge_input_is_live     (DdMergeInput *input);
/* Push inputs: @drained (nullable) is called when the merge empties the input's queue. */
void          dd_merge_input_set_drained_func (DdMergeInput       *input,
                                               DdMergeDrainedFunc  drained);
/* Push inputs: @resume is called by dd_merger_resume () after the input paused. */
void          dd_merge_input_set_resume_func (DdMergeInput       *input,
                                              DdMergeResumeFunc   resume);
/* The input stopped reading until the merge takes some of it. */
void          dd_merge_input_pause       (DdMergeInput *input);
/* @account is charged with the memory of the input's queue from now on. */
void          dd_merge_input_set_account (DdMergeInput    *input,
                                          DdMemoryAccount *account);
/* Whether the merge waits for this live push input: the next packet cannot go out until
 * it delivers more (its watermark is older than that packet, or nothing is queued). */
gboolean      dd_merge_input_holds_merge (DdMergeInput *input);
guint         dd_merge_input_get_queued  (DdMergeInput *input);
/* ...of which packets (side blocks left out). */
guint         dd_merge_input_get_queued_packets (DdMergeInput *input);
guint64       dd_merge_input_get_written (DdMergeInput *input);
guint64       dd_merge_input_get_late    (DdMergeInput *input);
gpointer      dd_merge_input_get_user_data (DdMergeInput *input);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdMerger, dd_merger_free)

G_END_DECLS
