#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <linux/capability.h>

#include "dd-capabilities.h"

G_DEFINE_QUARK (dd-capabilities-error-quark, dd_capabilities_error)

gboolean
dd_capabilities_keep_net_raw (gboolean  *dropped,
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
  /* Only what is held beyond CAP_NET_RAW matters: a worker started by its systemd unit
   * holds nothing more, and may not even call capset(). */
  capng_update (CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE, CAP_NET_RAW);
  if (capng_have_capabilities (CAPNG_SELECT_CAPS) == CAPNG_NONE)
    return TRUE;
  capng_get_caps_process ();
  /* Narrowing the bounding set takes CAP_SETPCAP, which a root process has. */
  bounding = capng_have_capability (CAPNG_EFFECTIVE, CAP_SETPCAP);
  capng_clear (bounding ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
  capng_update (CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | (bounding ? CAPNG_BOUNDING_SET : 0),
                CAP_NET_RAW);
  if (capng_apply (bounding ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT) != 0)
    {
      g_set_error (error, DD_CAPABILITIES_ERROR, 0,
                   _("cannot give up the capabilities other than CAP_NET_RAW: %s"), g_strerror (errno));
      return FALSE;
    }
  *dropped = TRUE;
  return TRUE;
}
