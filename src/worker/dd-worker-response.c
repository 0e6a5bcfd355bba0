#include "config.h"

#include "dd-worker-response.h"

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
