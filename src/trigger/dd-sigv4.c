#include "config.h"

#include <string.h>

#include "dd-sigv4.h"

char *
dd_sigv4_uri_encode (const char *text,
                     gboolean    keep_slash)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
          (keep_slash && *p == '/'))
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
  return g_string_free (out, FALSE);
}

char *
dd_sigv4_sha256_hex (const guint8 *data,
                     gsize         length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, length);
}

static void
hmac (const guint8 *key,
      gsize         key_length,
      const char   *data,
      guint8        out[32])
{
  g_autoptr(GHmac) h = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  gsize length = 32;

  g_hmac_update (h, (const guchar *) data, (gssize) strlen (data));
  g_hmac_get_digest (h, out, &length);
}

typedef struct {
  char *name;
  char *value;
} Pair;

static int
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  const Pair *x = a, *y = b;
  int c = strcmp (x->name, y->name);

  return c != 0 ? c : strcmp (x->value, y->value);
}

static void
clear_pair (gpointer data)
{
  Pair *pair = data;

  g_free (pair->name);
  g_free (pair->value);
}

/* "a=1&b=" from pairs already encoded, sorted. */
static char *
join_pairs (GArray     *pairs,
            const char *between,
            const char *separator)
{
  GString *out = g_string_new (NULL);

  g_array_sort (pairs, compare_pairs);
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);

      g_string_append_printf (out, "%s%s%s%s", i > 0 ? separator : "", pair->name, between, pair->value);
    }
  return g_string_free (out, FALSE);
}

char *
dd_sigv4_authorization (const DdSigv4Key   *key,
                        const char         *method,
                        const char         *path,
                        const char * const *query,
                        const char * const *headers,
                        const char         *payload_hash,
                        const char         *amz_date,
                        char              **canonical_request)
{
  g_autoptr(GArray) query_pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GArray) header_pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GString) signed_headers = g_string_new (NULL);
  g_autofree char *encoded_path = dd_sigv4_uri_encode (*path != '\0' ? path : "/", TRUE);
  g_autofree char *canonical_query = NULL;
  g_autofree char *canonical_headers = NULL;
  g_autofree char *request = NULL;
  g_autofree char *request_hash = NULL;
  g_autofree char *date = g_strndup (amz_date, 8);
  g_autofree char *scope = NULL;
  g_autofree char *string_to_sign = NULL;
  g_autofree char *secret = g_strconcat ("AWS4", key->secret_key, NULL);
  guint8 k_date[32], k_region[32], k_service[32], k_signing[32], signature[32];
  char hex[65];

  g_array_set_clear_func (query_pairs, clear_pair);
  g_array_set_clear_func (header_pairs, clear_pair);
  for (guint i = 0; query != NULL && query[i] != NULL && query[i + 1] != NULL; i += 2)
    {
      Pair pair = { dd_sigv4_uri_encode (query[i], FALSE), dd_sigv4_uri_encode (query[i + 1], FALSE) };

      g_array_append_val (query_pairs, pair);
    }
  for (guint i = 0; headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    {
      /* Lower-case names; values trimmed, inner runs of spaces made one. */
      g_auto(GStrv) words = g_strsplit_set (headers[i + 1], " \t", -1);
      g_autoptr(GString) value = g_string_new (NULL);
      Pair pair;

      for (guint w = 0; words[w] != NULL; w++)
        if (*words[w] != '\0')
          g_string_append_printf (value, "%s%s", value->len > 0 ? " " : "", words[w]);
      pair = (Pair) { g_ascii_strdown (headers[i], -1), g_string_free (g_steal_pointer (&value), FALSE) };
      g_array_append_val (header_pairs, pair);
    }
  canonical_query = join_pairs (query_pairs, "=", "&");
  canonical_headers = join_pairs (header_pairs, ":", "\n");
  for (guint i = 0; i < header_pairs->len; i++)
    g_string_append_printf (signed_headers, "%s%s", i > 0 ? ";" : "", g_array_index (header_pairs, Pair, i).name);

  request = g_strdup_printf ("%s\n%s\n%s\n%s\n\n%s\n%s", method, encoded_path, canonical_query,
                             canonical_headers, signed_headers->str, payload_hash);
  request_hash = dd_sigv4_sha256_hex ((const guint8 *) request, strlen (request));
  scope = g_strdup_printf ("%s/%s/%s/aws4_request", date, key->region, key->service);
  string_to_sign = g_strdup_printf ("AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, request_hash);

  hmac ((const guint8 *) secret, strlen (secret), date, k_date);
  hmac (k_date, 32, key->region, k_region);
  hmac (k_region, 32, key->service, k_service);
  hmac (k_service, 32, "aws4_request", k_signing);
  hmac (k_signing, 32, string_to_sign, signature);
  for (guint i = 0; i < 32; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", signature[i]);

  if (canonical_request != NULL)
    *canonical_request = g_steal_pointer (&request);
  return g_strdup_printf ("AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s",
                          key->access_key, scope, signed_headers->str, hex);
}
