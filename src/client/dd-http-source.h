/* A worker's capture stream: GET over HTTP(S) through the run's DdHttp session. */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

#define DD_TYPE_HTTP_SOURCE (dd_http_source_get_type ())
G_DECLARE_FINAL_TYPE (DdHttpSource, dd_http_source, DD, HTTP_SOURCE, DdSource)

G_END_DECLS
