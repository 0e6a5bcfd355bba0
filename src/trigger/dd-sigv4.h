/* AWS Signature Version 4, with GLib's GHmac and GChecksum: the Authorization header of
 * one request, as S3 and every S3-compatible store check it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *access_key;
  const char *secret_key;
  const char *region;
  const char *service;     /* "s3" */
} DdSigv4Key;

/* @path: the request's path, not yet encoded ("/bucket/a b.pcapng"); @query: decoded
 * NAME, VALUE pairs (NULL-terminated; a VALUE may be ""); @headers: NAME, VALUE pairs of
 * the headers to sign (host, x-amz-date and x-amz-content-sha256 among them); @payload_hash:
 * the hex SHA-256 of the body; @amz_date: as in x-amz-date (20130524T000000Z). Returns the
 * Authorization value; @canonical_request (nullable) gets the canonical request. */
char *dd_sigv4_authorization (const DdSigv4Key   *key,
                              const char         *method,
                              const char         *path,
                              const char * const *query,
                              const char * const *headers,
                              const char         *payload_hash,
                              const char         *amz_date,
                              char              **canonical_request);

/* AWS's URI encoding: everything but A-Z a-z 0-9 - . _ ~ as %XX (and "/" kept when
 * @keep_slash). */
char *dd_sigv4_uri_encode    (const char *text,
                              gboolean    keep_slash);

/* The hex SHA-256 of @data. */
char *dd_sigv4_sha256_hex    (const guint8 *data,
                              gsize         length);

G_END_DECLS
