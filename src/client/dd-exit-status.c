#include "config.h"

#include "dd-exit-status.h"

int
dd_exit_status_for_error (const GError *error)
{
  if (error == NULL)
    return DD_EXIT_OK;
  return g_error_matches (error, DD_CLIENT_ERROR, DD_CLIENT_ERROR_USAGE) ? DD_EXIT_USAGE : DD_EXIT_FAILED;
}

int
dd_exit_status_decide (const GError *error,
                       guint         lost,
                       guint         gaps)
{
  if (error != NULL || lost > 0)
    return DD_EXIT_FAILED;
  return gaps > 0 ? DD_EXIT_GAPS : DD_EXIT_OK;
}

int
dd_exit_status_for_run (DdClient     *client,
                        const GError *error)
{
  guint lost = dd_client_get_n_unresolved (client), gaps = 0;

  for (guint i = 0; i < dd_client_get_n_targets (client); i++)
    {
      DdTargetResult result;

      dd_client_get_result (client, i, &result);
      lost += dd_target_result_is_lost (&result);
      gaps += dd_target_result_has_gaps (&result);
    }
  return dd_exit_status_decide (error, lost, gaps);
}
