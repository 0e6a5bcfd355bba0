/* What ddump may keep in memory for its inputs (--memory), and who keeps it.
 *
 * Each input charges the chunks it reads into to its own account; the budget adds up the
 * accounts and gives each input a fair share of the limit. An input over its share stops
 * being read (unless the merge is waiting for it), so that hundreds of streams merge in
 * bounded memory: the worker's own buffer, then its kernel ring, hold what is not read.
 * Single-threaded, like everything on the packet path. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An input's share stays within these bounds, whatever the limit and the number of inputs.
 * Reading further ahead does not make the merge faster but slower: the packets are cold in
 * the cache by the time they are written (bench/RESULTS.md). A few inputs read up to a
 * megabyte ahead each; many share DD_MEMORY_AHEAD, each at least DD_MEMORY_SHARE_MANY. */
#define DD_MEMORY_SHARE_MIN (64 * 1024)
#define DD_MEMORY_SHARE_MAX (1024 * 1024)
#define DD_MEMORY_AHEAD (16 * 1024 * 1024)
#define DD_MEMORY_SHARE_MANY (256 * 1024)

typedef struct _DdMemoryBudget DdMemoryBudget;
typedef struct _DdMemoryAccount DdMemoryAccount;

DdMemoryBudget  *dd_memory_budget_new       (gsize            limit);
DdMemoryBudget  *dd_memory_budget_ref       (DdMemoryBudget  *self);
void             dd_memory_budget_unref     (DdMemoryBudget  *self);
gsize            dd_memory_budget_get_limit (DdMemoryBudget  *self);
/* Bytes charged to all accounts now, and the most ever. */
gsize            dd_memory_budget_get_used  (DdMemoryBudget  *self);
gsize            dd_memory_budget_get_peak  (DdMemoryBudget  *self);
/* One account's fair share of the limit. */
gsize            dd_memory_budget_get_share (DdMemoryBudget  *self);

/* An account counts as a member of @budget until its last reference goes. */
DdMemoryAccount *dd_memory_account_new      (DdMemoryBudget  *budget);
DdMemoryAccount *dd_memory_account_ref      (DdMemoryAccount *self);
void             dd_memory_account_unref    (DdMemoryAccount *self);
void             dd_memory_account_charge   (DdMemoryAccount *self,
                                             gsize            bytes);
void             dd_memory_account_release  (DdMemoryAccount *self,
                                             gsize            bytes);
gsize            dd_memory_account_get_used (DdMemoryAccount *self);
DdMemoryBudget  *dd_memory_account_get_budget (DdMemoryAccount *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdMemoryBudget, dd_memory_budget_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdMemoryAccount, dd_memory_account_unref)

G_END_DECLS
