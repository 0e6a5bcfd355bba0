#include "config.h"

#include <glib/gi18n.h>

#include "dd-follow.h"
#include "dd-names.h"

G_DEFINE_QUARK (dd-follow-error-quark, dd_follow_error)

/* A filter no packet passes (a packet of "any" has at least its 20-byte SLL2 header): the
 * workload has no pod now. libpcap refuses one it can tell rejects everything. */
#define NOTHING "less 1"

/* What one lookup found: address (string) -> the name to show for it. */
typedef GHashTable Found;

struct _DdFollow {
  GResolver    *resolver;
  char        **names;
  DdFollowChangedFunc changed;
  gpointer      user_data;

  Found        *found;    /* the set now */
  GPtrArray    *joined;   /* addresses, in the last change */
  char         *clause;
  char         *change;
  guint         timer_id;
  GCancellable *cancellable;  /* the lookup in flight */
};

/* Every name's addresses, each named by its PTR record or the name: blocking. */
static Found *
look_up (GResolver           *resolver,
         const char * const  *names,
         GCancellable        *cancellable,
         GError             **error)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;
      GList *addresses = g_resolver_lookup_by_name (resolver, names[i], cancellable, &local);

      if (addresses == NULL && error != NULL)
        {
          g_set_error (error, DD_FOLLOW_ERROR, DD_FOLLOW_ERROR_NOT_FOUND,
                       _("--follow %s: no address: %s"), names[i], local->message);
          return NULL;
        }
      for (GList *l = addresses; l != NULL; l = l->next)
        {
          char *address = g_inet_address_to_string (l->data);
          char *name = g_resolver_lookup_by_address (resolver, l->data, cancellable, NULL);

          if (name == NULL || *name == '\0')
            {
              g_free (name);
              name = g_strdup (names[i]);
            }
          g_hash_table_replace (found, address, name);
        }
      g_resolver_free_addresses (addresses);
    }
  return g_steal_pointer (&found);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The set's addresses, sorted (the clause is the same for the same set). */
static GPtrArray *
sorted_addresses (Found *found)
{
  GPtrArray *addresses = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (addresses, key);
  g_ptr_array_sort (addresses, compare_strings);
  return addresses;
}

static char *
make_clause (Found *found)
{
  g_autoptr(GPtrArray) addresses = sorted_addresses (found);
  GString *clause = g_string_new (NULL);

  for (guint i = 0; i < addresses->len; i++)
    g_string_append_printf (clause, "%shost %s", i > 0 ? " or " : "", (const char *) addresses->pdata[i]);
  if (clause->len == 0)
    g_string_append (clause, NOTHING);
  return g_string_free (clause, FALSE);
}

/* "following NAMES: PART<separator>PART…", "no address now" when @empty; takes @parts. */
static char *
following (DdFollow   *self,
           GPtrArray  *parts,
           gboolean    empty,
           const char *separator)
{
  g_autoptr(GPtrArray) owned = parts;
  g_autofree char *names = g_strjoinv (", ", self->names);
  g_autofree char *joined = NULL;

  if (empty)
    g_ptr_array_add (owned, g_strdup (_("no address now")));
  g_ptr_array_add (owned, NULL);
  joined = g_strjoinv ((char *) separator, (char **) owned->pdata);
  return g_strdup_printf (_("following %s: %s"), names, joined);
}

/* "following web: 10.0.0.7 (pod-7.web) joined; 10.0.0.5 left"; the joined addresses go
 * into @joined. */
static char *
describe_change (DdFollow  *self,
                 Found     *before,
                 Found     *after,
                 GPtrArray *joined)
{
  g_autoptr(GPtrArray) now = sorted_addresses (after);
  g_autoptr(GPtrArray) then = sorted_addresses (before);
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < now->len; i++)
    if (!g_hash_table_contains (before, now->pdata[i]))
      {
        g_ptr_array_add (parts, g_strdup_printf (_("%s (%s) joined"), (const char *) now->pdata[i],
                                                 (const char *) g_hash_table_lookup (after, now->pdata[i])));
        g_ptr_array_add (joined, g_strdup (now->pdata[i]));
      }
  for (guint i = 0; i < then->len; i++)
    if (!g_hash_table_contains (after, then->pdata[i]))
      g_ptr_array_add (parts, g_strdup_printf (_("%s left"), (const char *) then->pdata[i]));
  return following (self, parts, now->len == 0, "; ");
}

/* What a lookup in a thread needs, its own: the follower may be gone when it ends. */
typedef struct {
  GResolver *resolver;
  char     **names;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_object_unref (lookup->resolver);
  g_strfreev (lookup->names);
  g_free (lookup);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Lookup *lookup = task_data;

  /* A name that gives nothing now: the workload has no pod (not an error). */
  g_task_return_pointer (task, look_up (lookup->resolver, (const char * const *) lookup->names, cancellable, NULL),
                         (GDestroyNotify) g_hash_table_unref);
}

static gboolean timer_cb (gpointer user_data);

static void
lookup_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  DdFollow *self = user_data;
  g_autoptr(GHashTable) found = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autofree char *clause = NULL;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;  /* stopped: @self may be gone */
  g_clear_object (&self->cancellable);
  if (found == NULL)
    return;
  clause = make_clause (found);
  if (g_strcmp0 (clause, self->clause) == 0)
    return;
  g_ptr_array_set_size (self->joined, 0);
  g_free (self->change);
  self->change = describe_change (self, self->found, found, self->joined);
  g_hash_table_unref (self->found);
  self->found = g_steal_pointer (&found);
  g_free (self->clause);
  self->clause = g_steal_pointer (&clause);
  self->changed (self, self->user_data);
}

static gboolean
timer_cb (gpointer user_data)
{
  DdFollow *self = user_data;
  g_autoptr(GTask) task = NULL;
  Lookup *lookup;

  if (self->cancellable != NULL)
    return G_SOURCE_CONTINUE;  /* the last one still runs */
  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, lookup_done_cb, self);
  lookup = g_new0 (Lookup, 1);
  lookup->resolver = g_object_ref (self->resolver);
  lookup->names = g_strdupv (self->names);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  g_task_run_in_thread (task, lookup_thread);
  return G_SOURCE_CONTINUE;
}

DdFollow *
dd_follow_new (GResolver           *resolver,
               const char * const  *names,
               DdFollowChangedFunc  changed,
               gpointer             user_data)
{
  DdFollow *self = g_new0 (DdFollow, 1);

  self->resolver = g_object_ref (resolver);
  self->names = g_strdupv ((char **) names);
  self->changed = changed;
  self->user_data = user_data;
  self->found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->joined = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
dd_follow_free (DdFollow *self)
{
  if (self == NULL)
    return;
  dd_follow_stop (self);
  g_object_unref (self->resolver);
  g_strfreev (self->names);
  g_hash_table_unref (self->found);
  g_ptr_array_unref (self->joined);
  g_free (self->clause);
  g_free (self->change);
  g_free (self);
}

gboolean
dd_follow_resolve (DdFollow  *self,
                   GError   **error)
{
  Found *found = look_up (self->resolver, (const char * const *) self->names, NULL, error);

  if (found == NULL)
    return FALSE;
  g_hash_table_unref (self->found);
  self->found = found;
  g_free (self->clause);
  self->clause = make_clause (found);
  return TRUE;
}

void
dd_follow_start (DdFollow *self,
                 guint     interval_s)
{
  g_return_if_fail (self->timer_id == 0);
  self->timer_id = g_timeout_add_seconds (MAX (interval_s, 1), timer_cb, self);
}

void
dd_follow_stop (DdFollow *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->cancellable != NULL)
    {
      /* Its thread finishes on its own, with its own copies; its callback sees the
       * cancellation and returns. */
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
}

const char *
dd_follow_get_clause (DdFollow *self)
{
  return self->clause;
}

const char *
dd_follow_get_change (DdFollow *self)
{
  return self->change;
}

char *
dd_follow_describe (DdFollow *self)
{
  g_autoptr(GPtrArray) addresses = sorted_addresses (self->found);
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (parts, g_strdup_printf ("%s (%s)", (const char *) addresses->pdata[i],
                                             (const char *) g_hash_table_lookup (self->found, addresses->pdata[i])));
  return following (self, parts, addresses->len == 0, ", ");
}

static void
add_name (GByteArray *records,
          const char *address,
          const char *name)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  if (inet != NULL)
    dd_names_add (records, inet, name);
}

void
dd_follow_add_names (DdFollow   *self,
                     GByteArray *records)
{
  g_autoptr(GPtrArray) addresses = sorted_addresses (self->found);

  for (guint i = 0; i < addresses->len; i++)
    add_name (records, addresses->pdata[i], g_hash_table_lookup (self->found, addresses->pdata[i]));
}

void
dd_follow_add_joined_names (DdFollow   *self,
                            GByteArray *records)
{
  for (guint i = 0; i < self->joined->len; i++)
    add_name (records, self->joined->pdata[i], g_hash_table_lookup (self->found, self->joined->pdata[i]));
}
