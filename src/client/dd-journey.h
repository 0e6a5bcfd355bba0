/* The packet journey (ddump --journey): copies of one packet seen at several capture
 * points, matched as the merge writes them, in its order. A point is an output interface
 * and a direction (a router's worker sees a forwarded packet come in on one interface and
 * leave on another). A packet's copies are awaited for the window after its first; then
 * it is decided: where it was last seen and, when the packets of its flow went on from
 * there to another point, whether it was lost on the way (that point was capturing and
 * its kernel dropped nothing then) or only not captured. Each pair of points in a row is a
 * hop (dd-journey-hops.h), with its delays in the merging host's clock once each host's
 * measured offset is taken off, and the error bound of both clocks.
 *
 * Memory: the packets of one window (a ring and an index), routes in a table of fixed
 * size. Nothing is allocated per packet. The caller gives the time (the merge's). */
#pragma once

#include <glib.h>

#include "dd-journey-hops.h"
#include "dd-packet.h"

G_BEGIN_DECLS

typedef struct _DdJourney DdJourney;

/* A copy of a packet the journey follows: which packet, which of its copies. */
typedef struct {
  guint64 seq;
  guint   copy;
} DdJourneyRef;

typedef enum {
  DD_JOURNEY_ON,            /* it was seen no further, and nothing said it would be */
  DD_JOURNEY_LOST,          /* its flow went on to @next, which was capturing: lost there */
  DD_JOURNEY_NOT_CAPTURED,  /* ...but @next was not capturing then, or dropped packets */
  DD_JOURNEY_OPEN,          /* the capture ended before its window did */
} DdJourneyVerdict;

/* What became of a packet, as said on one of its copies. */
typedef struct {
  guint64          packet_id;  /* the same on every copy; 0 when it was seen once */
  guint            copies;
  guint            copy;       /* which one this is, from 0 */
  guint32          prev;       /* copy > 0: the point of the copy before */
  gint64           delay_ns;   /* ...and the time since it, in the merging host's clock */
  guint64          error_ns;   /* ...within this */
  gboolean         last;       /* no copy was seen after this one */
  DdJourneyVerdict verdict;    /* last: what the journey says of it */
  guint32          next;       /* LOST, NOT_CAPTURED: the point it did not reach */
  /* TCP: this copy's frame holds the bytes of @parts packets seen before (coalesced by a
   * receive offload), whose ids go from @first_part to @last_part; at @parts_point, the
   * oldest of them @parts_delay_ns before (within @parts_error_ns). */
  guint            parts;
  guint64          first_part;
  guint64          last_part;
  guint32          parts_point;
  gint64           parts_delay_ns;
  guint64          parts_error_ns;
} DdJourneyFate;

DdJourney     *dd_journey_new           (guint64              window_ns);
void           dd_journey_free          (DdJourney           *self);

/* The output's interface @id, named @name ("HOST/IFACE": the host is what comes before
 * the last slash), whose frames are of @linktype. */
void           dd_journey_add_interface (DdJourney           *self,
                                         guint32              id,
                                         const char          *name,
                                         guint32              linktype);
/* @host's clock: its timestamps are @offset_ns ahead of ours as they reach the journey (0
 * with --clock-sync, which took it off already), within @error_ns. */
void           dd_journey_set_clock     (DdJourney           *self,
                                         const char          *host,
                                         gint64               offset_ns,
                                         guint64              error_ns);
/* A statistics block of interface @id at @ts: its host was capturing then, and dropped
 * packets if its counters say so. */
void           dd_journey_note_stats    (DdJourney           *self,
                                         guint32              id,
                                         guint64              ts,
                                         guint64              dropped);
/* A gap in the capture of interface @id's host (it reconnected), ending at @ts: from what
 * it last brought until then, it was not capturing. */
void           dd_journey_note_gap      (DdJourney           *self,
                                         guint32              id,
                                         guint64              ts);

/* A packet as the merge writes it (routed: interface_id is the output's). FALSE when the
 * journey does not follow it (not IP, or an interface it was not told of); else @ref
 * names this copy until dd_journey_release (). */
gboolean       dd_journey_see           (DdJourney           *self,
                                         const DdPacket      *packet,
                                         DdJourneyRef        *ref);
/* The merge has reached @now: packets whose window is over are decided. */
void           dd_journey_advance       (DdJourney           *self,
                                         guint64              now);
/* The capture is over: every packet is decided. */
void           dd_journey_finish        (DdJourney           *self);
/* Whether @ref's packet is decided (dd_journey_get_fate () may be asked). */
gboolean       dd_journey_is_decided    (DdJourney           *self,
                                         const DdJourneyRef  *ref);
void           dd_journey_get_fate      (DdJourney           *self,
                                         const DdJourneyRef  *ref,
                                         DdJourneyFate       *fate);
/* The copy is written: the journey may forget its packet once every copy is. */
void           dd_journey_release       (DdJourney           *self,
                                         const DdJourneyRef  *ref);

/* A packet of the flow the journey shows (the first one seen at two points), decided:
 * its copies in time. */
#define DD_JOURNEY_MAX_COPIES 6
typedef struct {
  guint64          packet_id;
  guint            copies;
  guint32          point[DD_JOURNEY_MAX_COPIES];
  gint64           ts[DD_JOURNEY_MAX_COPIES];   /* in our clock */
  DdJourneyVerdict verdict;
  guint32          next;
} DdJourneySample;

/* The first packets of that flow (at most DD_JOURNEY_MAX_SAMPLES), in the order they
 * were decided. */
#define DD_JOURNEY_MAX_SAMPLES 100
const DdJourneySample *dd_journey_get_samples (DdJourney *self,
                                               guint     *n);
guint          dd_journey_get_n_points  (DdJourney           *self);

/* "router/eth0 in", or "router/eth0" for a point whose direction is unknown. */
const char    *dd_journey_point_name    (DdJourney           *self,
                                         guint32              point);
DdJourneyHops *dd_journey_get_hops      (DdJourney           *self);
guint64        dd_journey_get_followed  (DdJourney           *self);  /* packets (not copies) */
guint64        dd_journey_get_seen_once (DdJourney           *self);
guint64        dd_journey_get_window_ns (DdJourney           *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdJourney, dd_journey_free)

G_END_DECLS
