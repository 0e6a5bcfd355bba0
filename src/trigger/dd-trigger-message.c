#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "dd-trigger-message.h"

G_DEFINE_QUARK (dd-trigger-message-error-quark, dd_trigger_message_error)

/* pcapdaemon's senders are not all careful: a message is refused past this size. */
#define MESSAGE_MAX (64 * 1024)

void
dd_trigger_message_free (DdTriggerMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->node);
  g_clear_pointer (&message->nodere, g_regex_unref);
  g_free (message->nodere_text);
  g_strfreev (message->interfaces);
  g_strfreev (message->aliases);
  g_free (message->tags);
  g_free (message->bpf);
  g_strfreev (message->follow);
  g_free (message->customer);
  g_free (message->alertid);
  g_free (message->folder);
  g_free (message->bucket);
  g_free (message->acl);
  g_free (message->region);
  g_free (message->endpoint);
  g_free (message->text);
  g_free (message);
}

static gboolean G_GNUC_PRINTF (3, 4)
type_error (GError    **error,
            const char *field,
            const char *expected,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, expected);
  what = g_strdup_vprintf (expected, args);
  va_end (args);
  g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_TYPE,
               _("field “%s”: expected %s"), field, what);
  return FALSE;
}

static gboolean
get_string (JsonObject  *object,
            const char  *field,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return type_error (error, field, "%s", _("a string"));
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *field,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return type_error (error, field, "%s", _("true or false"));
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A number: an integer or a decimal, from 0 to @max. */
static gboolean
get_number (JsonObject  *object,
            const char  *field,
            gdouble      max,
            gdouble     *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);
  GType type;
  gdouble value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    value = (gdouble) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else
    return type_error (error, field, _("a number from 0 to %g"), max);
  if (!(value >= 0 && value <= max))
    return type_error (error, field, _("a number from 0 to %g, not %g"), max, value);
  *out = value;
  return TRUE;
}

/* A whole number from 0 to @max. */
static gboolean
get_integer (JsonObject  *object,
             const char  *field,
             gint64       max,
             gint64      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0 || json_node_get_int (node) > max)
    return type_error (error, field, _("a whole number from 0 to %lld"), (long long) max);
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
get_string_list (JsonObject   *object,
                 const char   *field,
                 char       ***out,
                 GError      **error)
{
  JsonNode *node = json_object_get_member (object, field);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  /* A lone string is taken as a list of one. */
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      *out = g_new0 (char *, 2);
      (*out)[0] = g_strdup (json_node_get_string (node));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return type_error (error, field, "%s", _("an array of strings"));
  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING ||
          *json_node_get_string (element) == '\0')
        return type_error (error, field, "%s", _("an array of strings"));
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  if (json_array_get_length (array) > 0)
    *out = g_strv_builder_end (builder);
  return TRUE;
}

/* pcapdaemon's alertid is an integer; a string is taken too. */
static gboolean
get_alertid (JsonObject  *object,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, "alertid");
  GType type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    *out = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (type == G_TYPE_STRING && *json_node_get_string (node) != '\0')
    *out = g_strdup (json_node_get_string (node));
  else
    return type_error (error, "alertid", "%s", _("a number or a string"));
  return TRUE;
}

/* Labels of letters, digits, hyphens and underscores (SRV-style names have them), 63 bytes
 * at most each, 253 in all. */
static gboolean
dns_name (const char *name)
{
  gsize label = 0, len = strlen (name);

  if (len == 0 || len > 253)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
        }
      else if ((g_ascii_isalnum (*p) || *p == '-' || *p == '_') && ++label <= 63)
        continue;
      else
        return FALSE;
    }
  return TRUE;
}

DdTriggerMessage *
dd_trigger_message_parse (const char  *text,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(DdTriggerMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  gdouble limit = -1;

  if (length > MESSAGE_MAX)
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_SYNTAX,
                   _("the message is %llu bytes long; at most %d are taken"),
                   (unsigned long long) length, MESSAGE_MAX);
      return NULL;
    }
  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_SYNTAX,
                   _("the message is not UTF-8 text"));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, (gssize) length, &local_error))
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_SYNTAX,
                   _("the message is not JSON: %s"), local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_SYNTAX,
                   _("the message is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  message = g_new0 (DdTriggerMessage, 1);
  message->text = g_strndup (text, length);
  message->snap = message->packets = message->bytes = -1;
  message->timeout = message->duration = -1;
  if (!get_string (object, "node", &message->node, error) ||
      !get_string (object, "nodere", &message->nodere_text, error) ||
      !get_string_list (object, "interface", &message->interfaces, error) ||
      !get_string_list (object, "alias", &message->aliases, error) ||
      !get_string (object, "tags", &message->tags, error) ||
      !get_string (object, "bpf", &message->bpf, error) ||
      !get_string_list (object, "follow", &message->follow, error) ||
      !get_string (object, "customer", &message->customer, error) ||
      !get_integer (object, "snap", 262144, &message->snap, error) ||
      !get_integer (object, "packets", G_MAXINT64, &message->packets, error) ||
      !get_integer (object, "bytes", G_MAXINT64, &message->bytes, error) ||
      !get_alertid (object, &message->alertid, error) ||
      !get_number (object, "timeout", 31536000, &message->timeout, error) ||
      !get_number (object, "duration", 31536000, &message->duration, error) ||
      !get_number (object, "before", 86400, &limit, error) ||
      !get_bool (object, "packetdebug", &message->packetdebug, error) ||
      !get_string (object, "folder", &message->folder, error) ||
      !get_string (object, "bucket", &message->bucket, error) ||
      !get_string (object, "acl", &message->acl, error) ||
      !get_string (object, "region", &message->region, error) ||
      !get_string (object, "endpoint", &message->endpoint, error) ||
      !get_bool (object, "encryption", &message->encryption, error))
    return NULL;
  message->before = MAX (limit, 0);

  if ((message->node == NULL) == (message->nodere_text == NULL))
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_CONFLICT,
                   message->node == NULL ? _("the message names no worker: give “node” (a name, or “any”) or “nodere” (a regular expression)")
                                         : _("“node” and “nodere” exclude each other: give one"));
      return NULL;
    }
  if (message->interfaces != NULL && message->aliases != NULL)
    {
      g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_CONFLICT,
                   _("“interface” and “alias” exclude each other: give one"));
      return NULL;
    }
  for (guint i = 0; message->follow != NULL && message->follow[i] != NULL; i++)
    if (!dns_name (message->follow[i]))
      {
        g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_TYPE,
                     _("field “follow”: “%s” is not a DNS name"), message->follow[i]);
        return NULL;
      }
  if (message->nodere_text != NULL)
    {
      message->nodere = g_regex_new (message->nodere_text, G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, &local_error);
      if (message->nodere == NULL)
        {
          g_set_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_TYPE,
                       _("field “nodere”: not a regular expression: %s"), local_error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&message);
}

char *
dd_trigger_message_peek_alertid (const char *text,
                                 gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  char *alertid = NULL;

  if (length > MESSAGE_MAX || !g_utf8_validate_len (text, length, NULL) ||
      !json_parser_load_from_data (parser, text, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  get_alertid (json_node_get_object (json_parser_get_root (parser)), &alertid, NULL);
  return alertid;
}

gboolean
dd_trigger_message_matches_node (const DdTriggerMessage *message,
                                 const char             *name)
{
  if (message->nodere != NULL)
    return g_regex_match (message->nodere, name, G_REGEX_MATCH_DEFAULT, NULL);
  return g_strcmp0 (message->node, "any") == 0 || g_strcmp0 (message->node, name) == 0;
}
