#include "config.h"

#include <glib/gi18n.h>

#include "dd-filter.h"
#include "dd-policy.h"

G_DEFINE_QUARK (dd-policy-error-quark, dd_policy_error)

struct _DdPolicy {
  DdPolicyOptions options;
  char           *required_filter;
  GStrv           no_secrets_for;
};

DdPolicy *
dd_policy_new (const DdPolicyOptions *options)
{
  DdPolicy *self = g_new0 (DdPolicy, 1);

  self->options = *options;
  self->required_filter = g_strdup (options->required_filter);
  self->options.required_filter = NULL;
  self->no_secrets_for = g_strdupv ((char **) options->no_secrets_for);
  self->options.no_secrets_for = NULL;
  return self;
}

void
dd_policy_free (DdPolicy *self)
{
  if (self == NULL)
    return;
  g_free (self->required_filter);
  g_strfreev (self->no_secrets_for);
  g_free (self);
}

/* A limit of 0 is none; a request without one gets the cap. */
static gboolean
clamp (guint64 *value,
       guint64  cap)
{
  if (cap == 0 || (*value != 0 && *value <= cap))
    return FALSE;
  *value = cap;
  return TRUE;
}

gboolean
dd_policy_apply (DdPolicy          *self,
                 DdCaptureRequest  *request,
                 const char        *identity,
                 guint              running,
                 char             **clamped,
                 GError           **error)
{
  g_autoptr(GPtrArray) said = g_ptr_array_new_with_free_func (g_free);
  guint64 snaplen = request->snaplen;

  *clamped = NULL;
  if (self->options.max_per_identity > 0 && running >= self->options.max_per_identity)
    {
      g_set_error (error, DD_POLICY_ERROR, DD_POLICY_ERROR_TOO_MANY,
                   _("too many captures for %s: %u are running, the limit is %u (--max-captures-per-client)"),
                   identity, running, self->options.max_per_identity);
      return FALSE;
    }
  if (clamp (&request->duration_ms, self->options.max_duration_ms))
    g_ptr_array_add (said, g_strdup_printf ("duration=%gs", request->duration_ms / 1000.0));
  if (self->options.max_snaplen != 0 && snaplen > self->options.max_snaplen)
    {
      request->snaplen = self->options.max_snaplen;
      g_ptr_array_add (said, g_strdup_printf ("snaplen=%u", request->snaplen));
    }
  if (clamp (&request->bytes, self->options.max_bytes))
    g_ptr_array_add (said, g_strdup_printf ("bytes=%" G_GUINT64_FORMAT, request->bytes));
  if (self->required_filter != NULL)
    {
      char *filter = dd_filter_and (request->filter, self->required_filter);

      g_free (request->filter);
      request->filter = filter;
    }
  if (said->len > 0)
    {
      g_ptr_array_add (said, NULL);
      *clamped = g_strjoinv (", ", (char **) said->pdata);
    }
  return TRUE;
}

gboolean
dd_policy_allows_secrets (DdPolicy   *self,
                          const char *identity)
{
  return self->no_secrets_for == NULL || !g_strv_contains ((const char * const *) self->no_secrets_for, identity);
}

char *
dd_policy_describe (DdPolicy *self)
{
  g_autoptr(GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);

  if (self->options.max_duration_ms != 0)
    g_ptr_array_add (caps, g_strdup_printf ("duration at most %g s", self->options.max_duration_ms / 1000.0));
  if (self->options.max_snaplen != 0)
    g_ptr_array_add (caps, g_strdup_printf ("snaplen at most %u", self->options.max_snaplen));
  if (self->options.max_bytes != 0)
    g_ptr_array_add (caps, g_strdup_printf ("at most %" G_GUINT64_FORMAT " bytes a capture", self->options.max_bytes));
  if (self->options.max_per_identity != 0)
    g_ptr_array_add (caps, g_strdup_printf ("at most %u captures at once per client", self->options.max_per_identity));
  if (self->required_filter != NULL)
    g_ptr_array_add (caps, g_strdup_printf ("every filter ANDed with “%s”", self->required_filter));
  if (self->no_secrets_for != NULL && self->no_secrets_for[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", self->no_secrets_for);

      g_ptr_array_add (caps, g_strdup_printf ("no TLS secrets for %s", joined));
    }
  if (caps->len == 0)
    return NULL;
  g_ptr_array_add (caps, NULL);
  return g_strjoinv ("; ", (char **) caps->pdata);
}
