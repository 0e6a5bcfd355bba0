#include "config.h"

#include "dd-journey-hops.h"

/* Delays below 2^SUB_BITS ns count one by one; above, each doubling has 2^SUB_BITS steps. */
#define SUB_BITS 7
#define SUBS (1u << SUB_BITS)
#define BUCKETS ((64 - SUB_BITS + 1) * SUBS)

typedef struct {
  DdJourneyHop hop;
  guint32     *positive;  /* BUCKETS counters, made with the first delay of that sign */
  guint32     *negative;  /* of -delay: a later copy stamped before the earlier one (the clocks) */
} Hop;

struct _DdJourneyHops {
  GPtrArray  *hops;   /* Hop, in the order they were made */
  GHashTable *index;  /* (from << 32 | to) → Hop */
  GPtrArray  *path;   /* the same, in path order (dd_journey_hops_nth); NULL: to make */
};

static void
hop_free (Hop *hop)
{
  g_free (hop->positive);
  g_free (hop->negative);
  g_free (hop->hop.translation);
  g_free (hop);
}

DdJourneyHops *
dd_journey_hops_new (void)
{
  DdJourneyHops *self = g_new0 (DdJourneyHops, 1);

  self->hops = g_ptr_array_new_with_free_func ((GDestroyNotify) hop_free);
  self->index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return self;
}

void
dd_journey_hops_free (DdJourneyHops *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->path, g_ptr_array_unref);
  g_hash_table_unref (self->index);
  g_ptr_array_unref (self->hops);
  g_free (self);
}

DdJourneyHop *
dd_journey_hops_get (DdJourneyHops *self,
                     guint32        from,
                     guint32        to)
{
  gint64 key = (gint64) ((guint64) from << 32 | to);
  Hop *hop = g_hash_table_lookup (self->index, &key);

  if (hop == NULL)
    {
      hop = g_new0 (Hop, 1);
      hop->hop.from = from;
      hop->hop.to = to;
      hop->hop.min_ns = G_MAXINT64;
      hop->hop.max_ns = G_MININT64;
      g_ptr_array_add (self->hops, hop);
      g_hash_table_insert (self->index, g_memdup2 (&key, sizeof key), hop);
      g_clear_pointer (&self->path, g_ptr_array_unref);
    }
  return &hop->hop;
}

static inline guint
bucket_of (guint64 v)
{
  guint e;

  if (v < SUBS)
    return (guint) v;
  e = 63 - (guint) __builtin_clzll (v);  /* 2^e <= v */
  return (e - SUB_BITS + 1) * SUBS + (guint) ((v >> (e - SUB_BITS)) & (SUBS - 1));
}

/* The middle of bucket @b. */
static guint64
value_of (guint b)
{
  guint e;
  guint64 low;

  if (b < SUBS)
    return b;
  e = b / SUBS + SUB_BITS - 1;
  low = ((guint64) 1 << e) + ((guint64) (b % SUBS) << (e - SUB_BITS));
  return low + ((guint64) 1 << (e - SUB_BITS)) / 2;
}

void
dd_journey_hops_add_delay (DdJourneyHops *self,
                           DdJourneyHop  *hop,
                           gint64         delay_ns,
                           guint64        error_ns)
{
  Hop *h = (Hop *) hop;
  guint32 **counts = delay_ns >= 0 ? &h->positive : &h->negative;
  guint64 magnitude = delay_ns >= 0 ? (guint64) delay_ns : (guint64) -(delay_ns + 1) + 1;

  if (*counts == NULL)
    *counts = g_new0 (guint32, BUCKETS);
  (*counts)[bucket_of (magnitude)]++;
  hop->matched++;
  hop->min_ns = MIN (hop->min_ns, delay_ns);
  hop->max_ns = MAX (hop->max_ns, delay_ns);
  hop->error_ns = MAX (hop->error_ns, error_ns);
}

gint64
dd_journey_hops_quantile (DdJourneyHops      *self,
                          const DdJourneyHop *hop,
                          gdouble             q)
{
  const Hop *h = (const Hop *) hop;
  guint64 rank, seen = 0;
  gint64 value = 0;

  if (hop->matched == 0)
    return 0;
  /* The rank-th smallest, 1-based; the extremes are known exactly. */
  rank = (guint64) (q * (gdouble) hop->matched + 0.5);
  if (rank <= 1)
    return hop->min_ns;
  if (rank >= hop->matched)
    return hop->max_ns;
  for (guint b = BUCKETS; h->negative != NULL && b-- > 0;)
    if ((seen += h->negative[b]) >= rank)
      {
        value = -(gint64) value_of (b);
        goto found;
      }
  for (guint b = 0; h->positive != NULL && b < BUCKETS; b++)
    if ((seen += h->positive[b]) >= rank)
      {
        value = (gint64) value_of (b);
        goto found;
      }
  return hop->max_ns;
found:
  return CLAMP (value, hop->min_ns, hop->max_ns);
}

guint
dd_journey_hops_count (DdJourneyHops *self)
{
  return self->hops->len;
}

/* Path order: a hop comes after those that end where it starts (c→r before r→s),
 * whatever order the copies were decided in; among hops with none left before them (or in
 * a loop), the first made first. A few hops, sorted once after the last one is made. */
static GPtrArray *
path_order (GPtrArray *hops)
{
  GPtrArray *path = g_ptr_array_sized_new (hops->len);
  g_autofree gboolean *placed = g_new0 (gboolean, hops->len);

  while (path->len < hops->len)
    {
      guint pick = G_MAXUINT;

      for (guint i = 0; i < hops->len && pick == G_MAXUINT; i++)
        {
          gboolean preceded = FALSE;

          if (placed[i])
            continue;
          for (guint j = 0; j < hops->len && !preceded; j++)
            preceded = !placed[j] && j != i &&
                       ((Hop *) hops->pdata[j])->hop.to == ((Hop *) hops->pdata[i])->hop.from;
          if (!preceded)
            pick = i;
        }
      for (guint i = 0; i < hops->len && pick == G_MAXUINT; i++)
        if (!placed[i])
          pick = i;  /* a loop: the first made */
      placed[pick] = TRUE;
      g_ptr_array_add (path, hops->pdata[pick]);
    }
  return path;
}

const DdJourneyHop *
dd_journey_hops_nth (DdJourneyHops *self,
                     guint          i)
{
  if (self->path == NULL)
    self->path = path_order (self->hops);
  return &((Hop *) self->path->pdata[i])->hop;
}
