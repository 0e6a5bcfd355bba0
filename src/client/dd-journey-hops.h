/* What the packet journey found between two capture points (a hop): how many packets went
 * from one to the other and how long they took (a histogram of 128 steps per doubling,
 * so a quantile is within 0.4% of the delay it stands for; its memory does not grow with
 * the capture), how many were lost on the way or not captured, and the translations seen
 * (NAT). Points are numbers; what they are called is the journey's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DdJourneyHops DdJourneyHops;

typedef struct {
  guint32 from;
  guint32 to;
  guint64 matched;
  guint64 lost;          /* the later point was capturing and dropped nothing then */
  guint64 not_captured;  /* it was not capturing, or its kernel dropped packets then */
  guint64 error_ns;      /* the largest error bound of its delays */
  gint64  min_ns;
  gint64  max_ns;
  char   *translation;   /* the first address translation seen ("A > B became C > D"), or NULL */
  guint64 translated;    /* packets whose addresses or ports changed on the hop */
} DdJourneyHop;

DdJourneyHops      *dd_journey_hops_new             (void);
void                dd_journey_hops_free            (DdJourneyHops *self);

/* The hop from @from to @to, made the first time. */
DdJourneyHop       *dd_journey_hops_get             (DdJourneyHops *self,
                                                     guint32        from,
                                                     guint32        to);
void                dd_journey_hops_add_delay       (DdJourneyHops *self,
                                                     DdJourneyHop  *hop,
                                                     gint64         delay_ns,
                                                     guint64        error_ns);
/* The delay below which a share @q (0 to 1) of the hop's delays are; 0 without any. */
gint64              dd_journey_hops_quantile        (DdJourneyHops      *self,
                                                     const DdJourneyHop *hop,
                                                     gdouble             q);

/* Every hop, in path order: each after the hops that end where it starts (then in the
 * order they were first seen). */
guint               dd_journey_hops_count           (DdJourneyHops *self);
const DdJourneyHop *dd_journey_hops_nth             (DdJourneyHops *self,
                                                     guint          i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdJourneyHops, dd_journey_hops_free)

G_END_DECLS
