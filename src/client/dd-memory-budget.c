#include "config.h"

#include "dd-memory-budget.h"

struct _DdMemoryBudget {
  guint refs;
  gsize limit;
  gsize used;
  gsize peak;
  guint members;
};

struct _DdMemoryAccount {
  guint           refs;
  gsize           used;
  DdMemoryBudget *budget;
};

DdMemoryBudget *
dd_memory_budget_new (gsize limit)
{
  DdMemoryBudget *self = g_new0 (DdMemoryBudget, 1);

  self->refs = 1;
  self->limit = limit;
  return self;
}

DdMemoryBudget *
dd_memory_budget_ref (DdMemoryBudget *self)
{
  self->refs++;
  return self;
}

void
dd_memory_budget_unref (DdMemoryBudget *self)
{
  if (self != NULL && --self->refs == 0)
    g_free (self);
}

gsize
dd_memory_budget_get_limit (DdMemoryBudget *self)
{
  return self->limit;
}

gsize
dd_memory_budget_get_used (DdMemoryBudget *self)
{
  return self->used;
}

gsize
dd_memory_budget_get_peak (DdMemoryBudget *self)
{
  return self->peak;
}

gsize
dd_memory_budget_get_share (DdMemoryBudget *self)
{
  gsize members = MAX (self->members, 1);
  gsize ahead = MAX (DD_MEMORY_AHEAD / members, DD_MEMORY_SHARE_MANY);

  return CLAMP (MIN (self->limit / members, ahead), DD_MEMORY_SHARE_MIN, DD_MEMORY_SHARE_MAX);
}

DdMemoryAccount *
dd_memory_account_new (DdMemoryBudget *budget)
{
  DdMemoryAccount *self = g_new0 (DdMemoryAccount, 1);

  self->refs = 1;
  self->budget = dd_memory_budget_ref (budget);
  budget->members++;
  return self;
}

DdMemoryAccount *
dd_memory_account_ref (DdMemoryAccount *self)
{
  self->refs++;
  return self;
}

void
dd_memory_account_unref (DdMemoryAccount *self)
{
  if (self == NULL || --self->refs > 0)
    return;
  g_warn_if_fail (self->used == 0);
  self->budget->members--;
  dd_memory_budget_unref (self->budget);
  g_free (self);
}

void
dd_memory_account_charge (DdMemoryAccount *self,
                          gsize            bytes)
{
  self->used += bytes;
  self->budget->used += bytes;
  self->budget->peak = MAX (self->budget->peak, self->budget->used);
}

void
dd_memory_account_release (DdMemoryAccount *self,
                           gsize            bytes)
{
  g_return_if_fail (bytes <= self->used);
  self->used -= bytes;
  self->budget->used -= bytes;
}

gsize
dd_memory_account_get_used (DdMemoryAccount *self)
{
  return self->used;
}

DdMemoryBudget *
dd_memory_account_get_budget (DdMemoryAccount *self)
{
  return self->budget;
}
