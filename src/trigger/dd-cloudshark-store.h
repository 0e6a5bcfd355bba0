/* CloudShark: cloudshark://TOKEN@HOST[:PORT] (https; cloudshark+http:// for plain HTTP).
 * Each file is a multipart/form-data POST to /api/v1/TOKEN/upload with the capture in the
 * field "file" and the message's tags in "additional_tags"; the body is streamed from the
 * file, so memory does not grow with it. The location is the capture's page,
 * SCHEME://HOST/captures/ID. */
#pragma once

#include "dd-store.h"

G_BEGIN_DECLS

#define DD_TYPE_CLOUDSHARK_STORE (dd_cloudshark_store_get_type ())
G_DECLARE_FINAL_TYPE (DdCloudsharkStore, dd_cloudshark_store, DD, CLOUDSHARK_STORE, DdStore)

DdStore *dd_cloudshark_store_new (const char  *url,
                                  GError     **error);

G_END_DECLS
