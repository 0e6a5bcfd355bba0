#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "dd-names.h"
#include "dd-pcapng-writer.h"

G_DEFINE_QUARK (dd-names-error-quark, dd_names_error)

/* Name Resolution Block record types. */
#define RECORD_IPV4 1
#define RECORD_IPV6 2

void
dd_names_add (GByteArray   *records,
              GInetAddress *address,
              const char   *name)
{
  gsize addr_len = g_inet_address_get_native_size (address);
  gsize name_len = MIN (strlen (name), (gsize) G_MAXUINT16 - addr_len - 1);
  g_autofree guint8 *value = g_malloc (addr_len + name_len + 1);

  memcpy (value, g_inet_address_to_bytes (address), addr_len);
  memcpy (value + addr_len, name, name_len);
  value[addr_len + name_len] = '\0';
  dd_pcapng_put_nrb_record (records, addr_len == 4 ? RECORD_IPV4 : RECORD_IPV6, value,
                            (guint16) (addr_len + name_len + 1));
}

guint
dd_names_add_interfaces (GByteArray  *records,
                         GBytes      *json,
                         const char  *name,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *text = g_bytes_get_data (json, &len);
  JsonNode *root;
  JsonArray *interfaces;
  guint added = 0;

  if (!json_parser_load_from_data (parser, text != NULL ? text : "", (gssize) len, error))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID, _("not a list of interfaces"));
      return 0;
    }
  interfaces = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (interfaces); i++)
    {
      JsonNode *node = json_array_get_element (interfaces, i);
      JsonObject *iface = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *list = iface != NULL ? json_object_get_member (iface, "addresses") : NULL;
      JsonArray *addresses;

      if (iface == NULL || json_object_get_boolean_member_with_default (iface, "loopback", FALSE) ||
          list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      addresses = json_node_get_array (list);
      for (guint j = 0; j < json_array_get_length (addresses); j++)
        {
          JsonNode *item = json_array_get_element (addresses, j);
          const char *spec = JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING
                             ? json_node_get_string (item) : NULL;
          g_autoptr(GInetAddress) address = spec != NULL ? g_inet_address_new_from_string (spec) : NULL;

          if (address == NULL || g_inet_address_get_is_loopback (address) ||
              g_inet_address_get_is_link_local (address))
            continue;
          dd_names_add (records, address, name);
          added++;
        }
    }
  return added;
}

/* An address and a name, checked. */
static gboolean
add_checked (GByteArray  *records,
             const char  *address_text,
             const char  *name,
             const char  *where,
             GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (address_text);

  if (address == NULL)
    {
      g_set_error (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID, _("%s: “%s” is not an IP address"), where,
                   address_text);
      return FALSE;
    }
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID, _("%s: no name for %s"), where, address_text);
      return FALSE;
    }
  dd_names_add (records, address, name);
  return TRUE;
}

gboolean
dd_names_add_assignment (GByteArray  *records,
                         const char  *spec,
                         GError     **error)
{
  const char *equals = strchr (spec, '=');
  g_autofree char *address = NULL;
  g_autofree char *where = NULL;

  if (equals == NULL)
    {
      g_set_error (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID, _("--name %s: expected ADDRESS=NAME"), spec);
      return FALSE;
    }
  address = g_strndup (spec, (gsize) (equals - spec));
  where = g_strdup_printf ("--name %s", spec);
  return add_checked (records, address, equals + 1, where, error);
}

gboolean
dd_names_add_hosts (GByteArray  *records,
                    const char  *text,
                    GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *hash = strchr (lines[i], '#');
      g_auto(GStrv) fields = NULL;
      g_autofree char *where = NULL;

      if (hash != NULL)
        *hash = '\0';
      fields = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      if (fields[0] == NULL || *fields[0] == '\0')
        continue;
      where = g_strdup_printf (_("line %u"), i + 1);
      {
        const char *name = NULL;

        for (guint f = 1; fields[f] != NULL && name == NULL; f++)
          if (*fields[f] != '\0')
            name = fields[f];
        if (!add_checked (records, fields[0], name != NULL ? name : "", where, error))
          return FALSE;
      }
    }
  return TRUE;
}

GBytes *
dd_names_block (GByteArray *records)
{
  g_autoptr(GByteArray) block = g_byte_array_new ();
  DdPcapngLeftOut left_out = { 0 };

  dd_pcapng_write_nrb (block, records->data, records->len, NULL, 0, FALSE, &left_out);
  return g_byte_array_free_to_bytes (g_steal_pointer (&block));
}
