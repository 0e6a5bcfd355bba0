#include "config.h"

#include "dd-capture-audit.h"

/* "eth0,eth1", or "any". */
static char *
describe_interfaces (const DdCaptureRequest *request)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < request->interfaces->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", (const char *) request->interfaces->pdata[i]);
  if (out->len == 0)
    g_string_append (out, "any");
  return g_string_free (out, FALSE);
}

/* "count=10, duration=5s", or "none". */
static char *
describe_limits (const DdCaptureRequest *request)
{
  g_autoptr(GPtrArray) limits = g_ptr_array_new_with_free_func (g_free);

  if (request->count)
    g_ptr_array_add (limits, g_strdup_printf ("count=%" G_GUINT64_FORMAT, request->count));
  if (request->duration_ms)
    g_ptr_array_add (limits, g_strdup_printf ("duration=%gs", request->duration_ms / 1000.0));
  if (request->timeout_ms)
    g_ptr_array_add (limits, g_strdup_printf ("timeout=%gs", request->timeout_ms / 1000.0));
  if (request->bytes)
    g_ptr_array_add (limits, g_strdup_printf ("bytes=%" G_GUINT64_FORMAT, request->bytes));
  if (request->has_since)
    g_ptr_array_add (limits, g_strdup_printf ("since=-%gs", request->since_ms / 1000.0));
  if (limits->len == 0)
    return g_strdup ("none");
  g_ptr_array_add (limits, NULL);
  return g_strjoinv (", ", (char **) limits->pdata);
}

DdCaptureAudit *
dd_capture_audit_new (guint                   id,
                      const DdCaptureRequest *request,
                      const char             *filter,
                      const char             *identity,
                      const char             *peer,
                      const char             *clamped,
                      const char             *proxy_hop)
{
  DdCaptureAudit *self = g_new0 (DdCaptureAudit, 1);

  self->id = id;
  self->identity = g_strdup (identity != NULL ? identity : "?");
  self->peer = g_strdup (peer);
  self->filter = g_strdup (filter);
  self->interfaces = describe_interfaces (request);
  self->limits = describe_limits (request);
  self->clamped = g_strdup (clamped);
  self->proxy_hop = g_strdup (proxy_hop);
  return self;
}

void
dd_capture_audit_free (DdCaptureAudit *self)
{
  if (self == NULL)
    return;
  g_free (self->identity);
  g_free (self->peer);
  g_free (self->filter);
  g_free (self->interfaces);
  g_free (self->limits);
  g_free (self->clamped);
  g_free (self->proxy_hop);
  g_free (self->secrets);
  g_free (self);
}

/* One line with structured fields; @end NULL: the start's. */
static void
audit (const DdCaptureAudit    *self,
       const char              *message,
       const DdCaptureAuditEnd *end)
{
  char id[16], packets[24], bytes[24], dropped[24], seconds[32], history_lost[24], secret_lines[24];
  GLogField fields[24];
  gsize n = 0;

#define FIELD(k, v) fields[n++] = (GLogField) { (k), (v), -1 }
  FIELD ("MESSAGE", message);
  FIELD ("PRIORITY", "5");
  FIELD ("GLIB_DOMAIN", G_LOG_DOMAIN);
  g_snprintf (id, sizeof id, "%u", self->id);
  FIELD ("DDUMP_EVENT", end != NULL ? "capture-end" : "capture-start");
  FIELD ("DDUMP_CAPTURE", id);
  FIELD ("DDUMP_CLIENT", self->identity);
  FIELD ("DDUMP_PEER", self->peer);
  FIELD ("DDUMP_FILTER", self->filter);
  FIELD ("DDUMP_INTERFACES", self->interfaces);
  FIELD ("DDUMP_LIMITS", self->limits);
  if (end != NULL && end->history_lost > 0)
    {
      g_snprintf (history_lost, sizeof history_lost, "%" G_GUINT64_FORMAT, end->history_lost);
      FIELD ("DDUMP_HISTORY_LOST", history_lost);
    }
  if (self->clamped != NULL)
    FIELD ("DDUMP_CLAMPED", self->clamped);
  if (self->secrets != NULL)
    FIELD ("DDUMP_SECRETS", self->secrets);
  if (end != NULL && self->secrets != NULL)
    {
      g_snprintf (secret_lines, sizeof secret_lines, "%" G_GUINT64_FORMAT, end->secret_lines);
      FIELD ("DDUMP_SECRET_LINES", secret_lines);
    }
  if (end != NULL)
    {
      g_snprintf (packets, sizeof packets, "%" G_GUINT64_FORMAT, end->packets);
      g_snprintf (bytes, sizeof bytes, "%" G_GUINT64_FORMAT, end->bytes);
      g_snprintf (dropped, sizeof dropped, "%" G_GUINT64_FORMAT, end->dropped);
      g_snprintf (seconds, sizeof seconds, "%.1f", end->seconds);
      FIELD ("DDUMP_END", end->reason != NULL ? end->reason : "?");
      FIELD ("DDUMP_PACKETS", packets);
      FIELD ("DDUMP_BYTES", bytes);
      FIELD ("DDUMP_DROPPED", dropped);
      FIELD ("DDUMP_SECONDS", seconds);
    }
#undef FIELD
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, n);
}

void
dd_capture_audit_log_start (const DdCaptureAudit *self,
                            DdFormat              format,
                            guint32               snaplen,
                            gboolean              from_history)
{
  g_autofree char *message =
    g_strdup_printf ("capture %u started for %s from %s: format %s, snaplen %u, interfaces %s, "
                     "limits %s%s%s%s, filter “%s”%s%s%s%s", self->id, self->identity, self->peer,
                     dd_format_to_string (format), snaplen, self->interfaces, self->limits,
                     self->clamped != NULL ? " (clamped: " : "", self->clamped != NULL ? self->clamped : "",
                     self->clamped != NULL ? ")" : "", self->filter,
                     from_history ? ", from the history" : "",
                     self->proxy_hop != NULL ? ", the proxy's connection excluded" : "",
                     self->secrets != NULL ? ", TLS secrets " : "", self->secrets != NULL ? self->secrets : "");

  audit (self, message, NULL);
}

void
dd_capture_audit_log_end (const DdCaptureAudit    *self,
                          const DdCaptureAuditEnd *end)
{
  g_autofree char *lines = g_strcmp0 (self->secrets, "sent") == 0
    ? g_strdup_printf (", %" G_GUINT64_FORMAT " TLS key log lines", end->secret_lines) : NULL;
  g_autofree char *message =
    g_strdup_printf ("capture %u ended (%s) for %s: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                     " bytes, %" G_GUINT64_FORMAT " dropped by the kernel, %.1f s%s",
                     self->id, end->reason != NULL ? end->reason : "?", self->identity,
                     end->packets, end->bytes, end->dropped, end->seconds, lines != NULL ? lines : "");

  audit (self, message, end);
}
