/* An HTTP(S) PUT target, such as a WebDAV directory (nginx with dav_methods PUT and
 * create_full_put_path): the file is sent as the body of PUT BASE/NAME, streamed from
 * disk; Basic Auth from the URL's user info. */
#pragma once

#include "dd-store.h"

G_BEGIN_DECLS

#define DD_TYPE_HTTP_STORE (dd_http_store_get_type ())
G_DECLARE_FINAL_TYPE (DdHttpStore, dd_http_store, DD, HTTP_STORE, DdStore)

DdStore *dd_http_store_new (const char  *url,
                            GError     **error);

G_END_DECLS
