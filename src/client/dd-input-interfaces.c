#include "config.h"

#include <glib/gi18n.h>

#include "dd-format.h"
#include "dd-input-interfaces.h"

void
dd_input_interfaces_init (DdInputInterfaces *self)
{
  self->array = g_array_new (FALSE, TRUE, sizeof (DdInputInterface));
  self->drops_before = 0;
  self->keep_from = 0;
  self->keep_span = G_MAXUINT64;
}

static void
set_checked (const DdInputInterfaces *self,
             DdInputInterface        *iface)
{
  iface->keep_from = self->keep_from;
  iface->keep_span = self->keep_span;
  iface->checked = iface->program != NULL || self->keep_from != 0 || self->keep_span != G_MAXUINT64;
}

void
dd_input_interfaces_set_window (DdInputInterfaces *self,
                                guint64            from_ns,
                                guint64            span_ns)
{
  self->keep_from = from_ns;
  self->keep_span = span_ns;
  for (guint i = 0; i < self->array->len; i++)
    set_checked (self, dd_input_interfaces_get (self, i));
}

void
dd_input_interfaces_clear (DdInputInterfaces *self)
{
  if (self->array == NULL)
    return;
  dd_input_interfaces_retire (self);
  g_clear_pointer (&self->array, g_array_unref);
}

/* As libpcap reads it: none, or beyond the largest, is the largest. */
static guint32
read_snaplen (guint32 snaplen)
{
  return snaplen == 0 ? DD_MAX_SNAPLEN : MIN (snaplen, DD_MAX_SNAPLEN);
}

DdInputInterface *
dd_input_interfaces_add (DdInputInterfaces       *self,
                         guint32                  id,
                         const DdParsedInterface *parsed,
                         const DdOutputRoute     *route,
                         const char              *filter,
                         GError                 **error)
{
  DdInputInterface iface = { .route = *route, .snaplen = read_snaplen (parsed->snaplen) };

  g_return_val_if_fail (id == self->array->len, NULL);
  if (filter != NULL)
    {
      iface.program = dd_filter_compile (filter, parsed->linktype, DD_MAX_SNAPLEN, error);
      if (iface.program == NULL)
        {
          g_autofree char *linktype = dd_linktype_describe (parsed->linktype);

          g_prefix_error (error, _("link type %s: "), linktype);
          return NULL;
        }
    }
  set_checked (self, &iface);
  g_array_append_val (self->array, iface);
  return dd_input_interfaces_get (self, id);
}

DdInputInterface *
dd_input_interfaces_add_whole (DdInputInterfaces *self,
                               guint32            id,
                               guint32            snaplen)
{
  DdInputInterface iface = { .snaplen = read_snaplen (snaplen), .whole = TRUE };

  g_return_val_if_fail (id == self->array->len, NULL);
  set_checked (self, &iface);
  g_array_append_val (self->array, iface);
  return dd_input_interfaces_get (self, id);
}

void
dd_input_interfaces_retire (DdInputInterfaces *self)
{
  for (guint i = 0; i < self->array->len; i++)
    {
      DdInputInterface *iface = dd_input_interfaces_get (self, i);

      self->drops_before += iface->drops;
      g_clear_pointer (&iface->program, dd_filter_free);
    }
  g_array_set_size (self->array, 0);
}

guint64
dd_input_interfaces_get_drops (const DdInputInterfaces *self)
{
  guint64 drops = self->drops_before;

  for (guint i = 0; i < self->array->len; i++)
    drops += dd_input_interfaces_get (self, i)->drops;
  return drops;
}

gboolean
dd_input_interfaces_had_drops (const DdInputInterfaces *self)
{
  return self->drops_before > 0;
}

void
dd_input_interface_count_drops (DdInputInterface    *iface,
                                const DdPcapngStats *stats)
{
  guint64 drops = 0;

  if (!(stats->present & (DD_PCAPNG_STAT_IFDROP | DD_PCAPNG_STAT_OSDROP)))
    return;
  if (stats->present & DD_PCAPNG_STAT_IFDROP)
    drops = stats->ifdrop;
  if (stats->present & DD_PCAPNG_STAT_OSDROP)
    drops = MAX (drops, stats->osdrop);
  iface->drops = drops;
}
