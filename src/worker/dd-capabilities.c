#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <linux/capability.h>

#include <gio/gio.h>

#include "dd-capabilities.h"

G_DEFINE_QUARK (dd-capabilities-error-quark, dd_capabilities_error)

/* Keeps @keep (CAP_* numbers, -1 ended) and nothing else. */
static gboolean
keep_only (const int *keep,
           gboolean  *dropped,
           GError   **error)
{
  gboolean bounding;

  *dropped = FALSE;
  if (capng_get_caps_process () != 0)
    {
      g_set_error (error, DD_CAPABILITIES_ERROR, 0, _("cannot read the process's capabilities: %s"),
                   g_strerror (errno));
      return FALSE;
    }
  /* Nothing held beyond what is kept: nothing to do (a worker started by its systemd unit
   * may not even call capset ()). */
  for (const int *c = keep; *c >= 0; c++)
    capng_update (CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE, (unsigned int) *c);
  if (capng_have_capabilities (CAPNG_SELECT_CAPS) == CAPNG_NONE)
    return TRUE;
  capng_get_caps_process ();
  /* Narrowing the bounding set takes CAP_SETPCAP, which a root process has. */
  bounding = capng_have_capability (CAPNG_EFFECTIVE, CAP_SETPCAP);
  capng_clear (bounding ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
  for (const int *c = keep; *c >= 0; c++)
    capng_update (CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | (bounding ? CAPNG_BOUNDING_SET : 0),
                  (unsigned int) *c);
  if (capng_apply (bounding ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT) != 0)
    {
      g_set_error (error, DD_CAPABILITIES_ERROR, 0, _("cannot give up capabilities: %s"), g_strerror (errno));
      return FALSE;
    }
  *dropped = TRUE;
  return TRUE;
}

gboolean
dd_capabilities_limit (gboolean   bind_service,
                       gboolean   chown,
                       gboolean  *dropped,
                       GError   **error)
{
  int keep[4], n = 0;

  keep[n++] = CAP_NET_RAW;
  if (bind_service)
    keep[n++] = CAP_NET_BIND_SERVICE;
  if (chown)
    keep[n++] = CAP_CHOWN;
  keep[n] = -1;
  return keep_only (keep, dropped, error);
}

gboolean
dd_capabilities_keep_net_raw (gboolean  *dropped,
                              GError   **error)
{
  const int keep[] = { CAP_NET_RAW, -1 };

  return keep_only (keep, dropped, error);
}

static gpointer
start_glib_threads (gpointer user_data)
{
  GError **error = user_data;
  gboolean dropped;

  if (!dd_capabilities_keep_net_raw (&dropped, error))
    return NULL;
  /* GTask's class starts GLib's worker thread and its thread pool's spawner. */
  g_type_class_unref (g_type_class_ref (G_TYPE_TASK));
  return GINT_TO_POINTER (TRUE);
}

gboolean
dd_capabilities_start_glib_threads (GError **error)
{
  return g_thread_join (g_thread_new ("dd-caps", start_glib_threads, error)) != NULL;
}
