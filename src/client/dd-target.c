#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>

#include "dd-target.h"

G_DEFINE_QUARK (dd-target-error-quark, dd_target_error)

void
dd_target_free (DdTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->label);
  g_free (target->host);
  g_clear_pointer (&target->uri, g_uri_unref);
  g_free (target->user);
  if (target->password != NULL)
    memset (target->password, 0, strlen (target->password));
  g_free (target->password);
  g_free (target->path);
  g_free (target->filter);
  g_free (target->name);
  g_free (target);
}

static gboolean
looks_like_url (const char *spec)
{
  const char *p = spec;

  if (!g_ascii_isalpha (*p))
    return FALSE;
  while (g_ascii_isalnum (*p) || *p == '+' || *p == '-' || *p == '.')
    p++;
  return g_str_has_prefix (p, "://");
}

static void
append_param (GString    *query,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  if (query->len > 0)
    g_string_append_c (query, '&');
  g_string_append_printf (query, "%s=%s", name, escaped);
}

/* HOST, [HOST] when it is an IPv6 address. */
static void
append_host (GString    *out,
             const char *host)
{
  gboolean ipv6 = strchr (host, ':') != NULL;

  g_string_append_printf (out, ipv6 ? "[%s]" : "%s", host);
}

/* A target as the user typed it, for messages: the scheme, the host, and the port, path
 * and query when they were typed (never the user or the password). */
static char *
make_label (GUri *typed)
{
  GString *out = g_string_new (NULL);
  const char *path = g_uri_get_path (typed);
  char *scheme = g_ascii_strdown (g_uri_get_scheme (typed), -1);

  g_string_append_printf (out, "%s://", scheme);
  g_free (scheme);
  append_host (out, g_uri_get_host (typed));
  if (g_uri_get_port (typed) > 0)
    g_string_append_printf (out, ":%d", g_uri_get_port (typed));
  /* A path or query holding an "@" may be credentials typed in the wrong place (a
   * malformed URL): a label never shows them. */
  if (strchr (path, '@') != NULL || (g_uri_get_query (typed) != NULL && strchr (g_uri_get_query (typed), '@') != NULL))
    g_string_append (out, "/…");
  else
    {
      if (*path != '\0' && strcmp (path, "/") != 0)
        g_string_append (out, path);
      if (g_uri_get_query (typed) != NULL)
        g_string_append_printf (out, "?%s", g_uri_get_query (typed));
    }
  return g_string_free (out, FALSE);
}

/* Names the target's interfaces in pcapng output ("HOST/IFACE"): the host, and the port
 * when one other than @default_port was typed, so that workers on one host differ. */
static char *
make_host (GUri *typed,
           int   default_port)
{
  GString *out;

  if (g_uri_get_port (typed) <= 0 || g_uri_get_port (typed) == default_port)
    return g_strdup (g_uri_get_host (typed));
  out = g_string_new (NULL);
  append_host (out, g_uri_get_host (typed));
  g_string_append_printf (out, ":%d", g_uri_get_port (typed));
  return g_string_free (out, FALSE);
}

/* PCAP-over-IP: a TCP server that sends a capture as soon as one connects. */
static DdTarget *
parse_tcp (GUri    *uri,
           GError **error)
{
  DdTarget *target;
  const char *path = g_uri_get_path (uri);

  if (g_uri_get_port (uri) <= 0)
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("a tcp:// target needs a port (tcp://HOST:PORT)"));
      return NULL;
    }
  if ((*path != '\0' && strcmp (path, "/") != 0) || g_uri_get_query (uri) != NULL ||
      g_uri_get_user (uri) != NULL)
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("a tcp:// target is only HOST:PORT (no user, path or query)"));
      return NULL;
    }
  target = g_new0 (DdTarget, 1);
  target->kind = DD_TARGET_TCP;
  target->uri = g_uri_build (G_URI_FLAGS_NONE, "tcp", NULL, g_uri_get_host (uri),
                             g_uri_get_port (uri), "", NULL, NULL);
  target->label = make_label (target->uri);
  target->host = make_host (target->uri, 0);
  return target;
}

/* A host name (letters, digits, "-", "_", "."; international names in their ASCII form)
 * or an IP address (IPv6 with its zone): what the URL's host decodes to may be anything. */
static gboolean
valid_host (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  g_autofree char *ascii = NULL;

  if (address != NULL)
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || *ascii == '\0' || strlen (ascii) > 253)
    return FALSE;
  for (const char *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_' && *c != '.')
      return FALSE;
  return TRUE;
}

/* @spec as a URL with a valid host. */
static GUri *
parse_uri (const char  *spec,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  uri = g_uri_parse (spec, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH |
                           G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_FRAGMENT,
                     NULL);
  if (uri == NULL)
    {
      /* GLib's message quotes the URL, password and all: say what is wrong without it. */
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("invalid URL (expected http(s)://[USER[:PASSWORD]@]HOST[:PORT][/PATH][?QUERY] or tcp://HOST:PORT)"));
      return NULL;
    }
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID, _("the URL has no host"));
      return NULL;
    }
  if (!valid_host (host))
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("invalid host “%s”: expected a host name or an IP address"), host);
      return NULL;
    }
  return g_steal_pointer (&uri);
}

/* The query a worker gets: the URL's as it was, but for a filter that is replaced (the
 * run's filter, ANDed with what every target must leave out), and the run's interfaces,
 * snaplen and history where the URL does not give its own. NULL (and @error) when the
 * URL's query is malformed; "" for none. */
static char *
worker_query (GUri                   *uri,
              const DdTargetDefaults *defaults,
              GError                **error)
{
  const char *given = g_uri_get_query (uri);
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *combined = NULL;
  GString *query;
  const char *filter;
  gboolean own_filter;

  if (given != NULL)
    {
      params = g_uri_parse_params (given, -1, "&", G_URI_PARAMS_NONE, &local_error);
      if (params == NULL)
        {
          g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                       _("invalid query string: %s"), local_error->message);
          return NULL;
        }
    }
  own_filter = params != NULL && g_hash_table_contains (params, "filter");
  filter = own_filter ? g_hash_table_lookup (params, "filter") : defaults != NULL ? defaults->filter : NULL;
  if (defaults != NULL && defaults->and_filter != NULL)
    combined = dd_filter_and (filter, defaults->and_filter);

  query = g_string_new (NULL);
  if (given != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (given, "&", -1);

      for (char **part = parts; *part != NULL; part++)
        {
          if (**part == '\0' ||
              (combined != NULL && (strcmp (*part, "filter") == 0 || g_str_has_prefix (*part, "filter="))))
            continue;
          if (query->len > 0)
            g_string_append_c (query, '&');
          g_string_append (query, *part);
        }
    }
  if (combined != NULL)
    append_param (query, "filter", combined);
  else if (!own_filter && filter != NULL)
    append_param (query, "filter", filter);
  if (defaults == NULL)
    return g_string_free (query, FALSE);
  if (defaults->interfaces != NULL && (params == NULL || !g_hash_table_contains (params, "interface")))
    for (const char * const *i = defaults->interfaces; *i != NULL; i++)
      append_param (query, "interface", *i);
  if (defaults->snaplen != 0 && (params == NULL || !g_hash_table_contains (params, "snaplen")))
    {
      g_autofree char *snaplen = g_strdup_printf ("%u", defaults->snaplen);

      append_param (query, "snaplen", snaplen);
    }
  if (defaults->since_s > 0 && (params == NULL || !g_hash_table_contains (params, "since")))
    {
      char since[G_ASCII_DTOSTR_BUF_SIZE + 1] = "-";

      g_ascii_formatd (since + 1, sizeof since - 1, "%.3f", defaults->since_s);
      append_param (query, "since", since);
    }
  return g_string_free (query, FALSE);
}

static DdTarget *
parse_url (const char             *spec,
           const DdTargetDefaults *defaults,
           GError                **error)
{
  g_autoptr(DdTarget) target = NULL;
  g_autoptr(GUri) uri = parse_uri (spec, error);
  g_autofree char *query = NULL;
  const char *scheme, *path;
  int port;

  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "tcp") == 0)
    return parse_tcp (uri, error);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_UNSUPPORTED,
                   _("unsupported URL scheme “%s” (use http, https or tcp, or a file path)"), scheme);
      return NULL;
    }
  query = worker_query (uri, defaults, error);
  if (query == NULL)
    return NULL;
  port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : DD_DEFAULT_PORT;
  path = g_uri_get_path (uri);
  if (*path == '\0' || strcmp (path, "/") == 0)
    path = DD_DEFAULT_PATH;

  target = g_new0 (DdTarget, 1);
  target->kind = DD_TARGET_HTTP;
  target->uri = g_uri_build (G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY |
                             G_URI_FLAGS_ENCODED_FRAGMENT,
                             scheme, NULL, g_uri_get_host (uri), port, path,
                             *query != '\0' ? query : NULL, NULL);
  target->label = make_label (uri);
  target->host = make_host (uri, DD_DEFAULT_PORT);
  target->user = g_strdup (g_uri_get_user (uri));
  target->password = g_strdup (g_uri_get_password (uri));
  if (target->user != NULL && *target->user == '\0' && target->password == NULL)
    g_clear_pointer (&target->user, g_free);
  return g_steal_pointer (&target);
}

DdTarget *
dd_target_copy_with_filter (const DdTarget *target,
                            const char     *clause)
{
  const DdTargetDefaults defaults = { .and_filter = clause };
  g_autofree char *query = NULL;
  DdTarget *copy;

  g_return_val_if_fail (target->kind == DD_TARGET_HTTP, NULL);
  /* The target's own query parsed once already: it parses again. */
  query = worker_query (target->uri, &defaults, NULL);
  g_return_val_if_fail (query != NULL, NULL);
  copy = g_new0 (DdTarget, 1);
  copy->kind = target->kind;
  copy->label = g_strdup (target->label);
  copy->host = g_strdup (target->host);
  copy->uri = g_uri_build (G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_FRAGMENT,
                           g_uri_get_scheme (target->uri), NULL, g_uri_get_host (target->uri),
                           g_uri_get_port (target->uri), g_uri_get_path (target->uri),
                           *query != '\0' ? query : NULL, NULL);
  copy->user = g_strdup (target->user);
  copy->password = g_strdup (target->password);
  copy->name = g_strdup (target->name);
  return copy;
}

/* "NAME=URL": a worker the user names (its interfaces NAME/IFACE, its addresses NAME). NULL
 * without an error when @spec is not of that form. */
static DdTarget *
parse_named (const char             *spec,
             const DdTargetDefaults *defaults,
             GError                **error)
{
  const char *p = spec;
  g_autofree char *name = NULL;
  DdTarget *target;

  if (!g_ascii_isalnum (*p))
    return NULL;
  while (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_')
    p++;
  if (*p != '=' || !looks_like_url (p + 1))
    return NULL;
  name = g_strndup (spec, (gsize) (p - spec));
  if ((target = parse_url (p + 1, defaults, error)) == NULL)
    return NULL;
  if (target->kind != DD_TARGET_HTTP)
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("“%s”: only a worker's URL can be named (NAME=http[s]://…)"), spec);
      dd_target_free (target);
      return NULL;
    }
  dd_target_set_name (target, name);
  return target;
}

void
dd_target_set_name (DdTarget   *target,
                    const char *name)
{
  g_free (target->name);
  target->name = g_strdup (name);
  g_free (target->host);
  target->host = g_strdup (name);
}

DdTarget *
dd_target_parse (const char             *spec,
                 const DdTargetDefaults *defaults,
                 GError                **error)
{
  DdTarget *target;

  if (spec == NULL || *spec == '\0')
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID, _("empty target"));
      return NULL;
    }
  if (looks_like_url (spec))
    return parse_url (spec, defaults, error);
  if ((target = parse_named (spec, defaults, error)) != NULL)
    return target;
  if (error != NULL && *error != NULL)
    return NULL;

  target = g_new0 (DdTarget, 1);
  target->kind = DD_TARGET_FILE;
  target->path = g_strdup (spec);
  if (strcmp (spec, "-") == 0)
    {
      target->label = g_strdup ("stdin");
      target->host = g_strdup ("stdin");
    }
  else
    {
      target->label = g_strdup (spec);
      target->host = g_path_get_basename (spec);
    }
  return target;
}

/* ---- netrc --------------------------------------------------------------------------- */

typedef struct {
  const char *p;
} Lexer;

/* The next token: a word, or a double-quoted string with backslash escapes. */
static char *
next_token (Lexer *lex)
{
  GString *token;

  while (*lex->p != '\0' && g_ascii_isspace (*lex->p))
    lex->p++;
  if (*lex->p == '\0')
    return NULL;
  token = g_string_new (NULL);
  if (*lex->p == '"')
    {
      lex->p++;
      while (*lex->p != '\0' && *lex->p != '"')
        {
          if (*lex->p == '\\' && lex->p[1] != '\0')
            {
              lex->p++;
              switch (*lex->p)
                {
                case 'n': g_string_append_c (token, '\n'); break;
                case 't': g_string_append_c (token, '\t'); break;
                case 'r': g_string_append_c (token, '\r'); break;
                default: g_string_append_c (token, *lex->p); break;
                }
            }
          else
            g_string_append_c (token, *lex->p);
          lex->p++;
        }
      if (*lex->p == '"')
        lex->p++;
    }
  else
    while (*lex->p != '\0' && !g_ascii_isspace (*lex->p))
      g_string_append_c (token, *lex->p++);
  return g_string_free (token, FALSE);
}

static void
skip_macdef (Lexer *lex)
{
  /* A macro runs to the first empty line. */
  const char *end = strstr (lex->p, "\n\n");

  lex->p = end != NULL ? end + 2 : lex->p + strlen (lex->p);
}

gboolean
dd_target_apply_netrc (DdTarget   *target,
                       const char *netrc_path,
                       gboolean    required,
                       GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *login = NULL, *password = NULL;
  gboolean in_entry = FALSE, matched = FALSE, found = FALSE;
  Lexer lex;

  if (target->kind != DD_TARGET_HTTP || target->password != NULL)
    return TRUE;
  if (!g_file_get_contents (netrc_path, &contents, NULL, &local_error))
    {
      if (!required && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_NETRC,
                   _("cannot read the netrc file: %s"), local_error->message);
      return FALSE;
    }

  lex.p = contents;
  for (;;)
    {
      g_autofree char *token = next_token (&lex);

      if (token == NULL || strcmp (token, "machine") == 0 || strcmp (token, "default") == 0)
        {
          /* The previous entry is complete: take it if it fits. */
          if (in_entry && matched && password != NULL &&
              (target->user == NULL || g_strcmp0 (login, target->user) == 0))
            {
              found = TRUE;
              break;
            }
          g_clear_pointer (&login, g_free);
          g_clear_pointer (&password, g_free);
          if (token == NULL)
            break;
          in_entry = TRUE;
          if (strcmp (token, "default") == 0)
            matched = TRUE;
          else
            {
              g_autofree char *machine = next_token (&lex);

              matched = machine != NULL && g_ascii_strcasecmp (machine, g_uri_get_host (target->uri)) == 0;
            }
        }
      else if (strcmp (token, "login") == 0)
        {
          g_free (login);
          login = next_token (&lex);
        }
      else if (strcmp (token, "password") == 0)
        {
          g_free (password);
          password = next_token (&lex);
        }
      else if (strcmp (token, "account") == 0)
        g_free (next_token (&lex));
      else if (strcmp (token, "macdef") == 0)
        {
          g_free (next_token (&lex));
          skip_macdef (&lex);
        }
    }
  memset (contents, 0, strlen (contents));
  if (found)
    {
      if (target->user == NULL)
        target->user = g_strdup (login != NULL ? login : "");
      target->password = g_steal_pointer (&password);
    }
  return TRUE;
}

GStrv
dd_target_read_list (const char  *path,
                     GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) lines = NULL;

  if (strcmp (path, "-") == 0)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &local_error) < 0)
        {
          g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                       _("cannot read the targets from stdin: %s"), local_error->message);
          return NULL;
        }
      text = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) == 0
        ? g_strdup ("")
        : g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                     g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
    }
  else if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      g_set_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID,
                   _("cannot read the targets file: %s"), local_error->message);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      char *comment = *line[0] == '#' ? *line : NULL;

      for (char *c = *line; comment == NULL && (c = strchr (c, '#')) != NULL; c++)
        if (c > *line && g_ascii_isspace (c[-1]))
          comment = c;
      if (comment != NULL)
        *comment = '\0';
      g_strstrip (*line);
      if (**line != '\0')
        g_strv_builder_add (builder, *line);
    }
  return g_strv_builder_end (builder);
}
