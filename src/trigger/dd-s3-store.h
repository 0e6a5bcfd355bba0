/* An S3 bucket, or an S3-compatible store: s3://BUCKET[/PREFIX]. Requests are signed with
 * AWS Signature Version 4 (dd-sigv4) and sent path-style to the endpoint (the
 * configuration's or the message's; default https://s3.REGION.amazonaws.com). A file of
 * at most one part goes in one PUT; a bigger one in a multipart upload, one part in memory
 * at a time, so memory stays flat however big the capture. The message's bucket, acl,
 * region, endpoint and encryption (AES256 server-side) override the configuration's. */
#pragma once

#include "dd-store.h"

G_BEGIN_DECLS

#define DD_TYPE_S3_STORE (dd_s3_store_get_type ())
G_DECLARE_FINAL_TYPE (DdS3Store, dd_s3_store, DD, S3_STORE, DdStore)

/* Credentials from the configuration, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
DdStore *dd_s3_store_new (const char             *url,
                          const DdTriggerConfig  *config,
                          GError                **error);

G_END_DECLS
