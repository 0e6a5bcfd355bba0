#include "config.h"

#include "dd-capture.h"
#include "dd-capture-request.h"
#include "dd-filter.h"
#include "dd-forwarded.h"
#include "dd-policy.h"
#include "dd-worker-response.h"
#include "dd-worker-server.h"

void
dd_worker_respond_text (SoupServerMessage *msg,
                        guint              status,
                        const char        *text)
{
  g_autofree char *body = g_strconcat (text, "\n", NULL);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
}

GBytes *
dd_worker_raw_response (guint       status,
                        const char *allow,
                        const char *text)
{
  g_autofree char *allow_line = allow != NULL ? g_strdup_printf ("Allow: %s\r\n", allow) : g_strdup ("");
  char *response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                    "Server: ddump-worker/" PACKAGE_VERSION "\r\n"
                                    "Content-Type: text/plain; charset=utf-8\r\n"
                                    "Content-Length: %zu\r\n"
                                    "Cache-Control: no-store\r\n"
                                    "%s"
                                    "Connection: close\r\n"
                                    "\r\n"
                                    "%s\n",
                                    status, soup_status_get_phrase (status), strlen (text) + 1,
                                    allow_line, text);

  return g_bytes_new_take (response, strlen (response));
}

guint
dd_worker_status_for_error (const GError *error,
                            gboolean     *retry)
{
  *retry = FALSE;
  if (error->domain == DD_CAPTURE_REQUEST_ERROR || error->domain == DD_FILTER_ERROR ||
      error->domain == DD_FORWARDED_ERROR ||
      g_error_matches (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FILTER) ||
      g_error_matches (error, DD_WORKER_ERROR, DD_WORKER_ERROR_NO_HISTORY))
    return SOUP_STATUS_BAD_REQUEST;
  if (error->domain == DD_POLICY_ERROR)
    {
      *retry = TRUE;
      return 429;  /* Too Many Requests */
    }
  if (g_error_matches (error, DD_WORKER_ERROR, DD_WORKER_ERROR_BUSY))
    {
      *retry = TRUE;
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    }
  if (g_error_matches (error, DD_WORKER_ERROR, DD_WORKER_ERROR_SHUTTING_DOWN))
    return SOUP_STATUS_SERVICE_UNAVAILABLE;
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

void
dd_worker_respond_error (SoupServerMessage *msg,
                         const GError      *error)
{
  gboolean retry;
  guint status = dd_worker_status_for_error (error, &retry);

  if (retry)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
  dd_worker_respond_text (msg, status, error->message);
}
