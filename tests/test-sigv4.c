#include "config.h"

#include <glib.h>

#include "dd-sigv4.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
test_s3_get_object (void)
{
  /* AWS's S3 documentation: "Example: GET Object" of Signature Version 4. */
  const DdSigv4Key key = { "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3" };
  const char *headers[] = {
    "Host", "examplebucket.s3.amazonaws.com",
    "Range", "bytes=0-9",
    "x-amz-content-sha256", EMPTY_SHA256,
    "x-amz-date", "20130524T000000Z",
    NULL
  };
  g_autofree char *canonical = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *authorization =
    dd_sigv4_authorization (&key, "GET", "/test.txt", NULL, headers, EMPTY_SHA256, "20130524T000000Z", &canonical);

  g_test_summary ("AWS's published S3 example: the canonical request and the signature match");
  g_assert_cmpstr (canonical, ==,
                   "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                   "x-amz-content-sha256:" EMPTY_SHA256 "\nx-amz-date:20130524T000000Z\n\n"
                   "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);
  hash = dd_sigv4_sha256_hex ((const guint8 *) canonical, strlen (canonical));
  g_assert_cmpstr (hash, ==, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  g_assert_cmpstr (authorization, ==,
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                   "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                   "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void
test_query_order (void)
{
  /* AWS's Signature Version 4 test suite: get-vanilla-query-order-key-case. */
  const DdSigv4Key key = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service" };
  const char *query[] = { "Param2", "value2", "Param1", "value1", NULL };
  const char *headers[] = { "Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z", NULL };
  g_autofree char *authorization =
    dd_sigv4_authorization (&key, "GET", "/", query, headers, EMPTY_SHA256, "20150830T123600Z", NULL);

  g_test_summary ("AWS's test suite: query parameters are sorted, header names lower-cased");
  g_assert_cmpstr (authorization, ==,
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
                   "SignedHeaders=host;x-amz-date,"
                   "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

static void
test_encode (void)
{
  g_autofree char *a = dd_sigv4_uri_encode ("/b/a b+c~d_e.f-g/ä", TRUE);
  g_autofree char *b = dd_sigv4_uri_encode ("a/b=c", FALSE);

  g_test_summary ("AWS's URI encoding: unreserved characters stay, the rest is %XX in capitals");
  g_assert_cmpstr (a, ==, "/b/a%20b%2Bc~d_e.f-g/%C3%A4");
  g_assert_cmpstr (b, ==, "a%2Fb%3Dc");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sigv4/s3-get-object", test_s3_get_object);
  g_test_add_func ("/sigv4/query-order", test_query_order);
  g_test_add_func ("/sigv4/encode", test_encode);
  return g_test_run ();
}
