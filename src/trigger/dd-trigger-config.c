#include "config.h"

#include <glib/gi18n.h>

#include "dd-format.h"
#include "dd-trigger-config.h"

G_DEFINE_QUARK (dd-trigger-config-error-quark, dd_trigger_config_error)

static void
worker_free (DdTriggerWorker *worker)
{
  g_free (worker->name);
  g_free (worker->url);
  g_free (worker);
}

static void
interface_free (DdTriggerInterface *iface)
{
  g_free (iface->name);
  g_strfreev (iface->aliases);
  g_strfreev (iface->nodes);
  g_free (iface);
}

DdTriggerConfig *
dd_trigger_config_new (void)
{
  DdTriggerConfig *config = g_new0 (DdTriggerConfig, 1);

  /* pcapdaemon's defaults. */
  config->default_timeout = 10;
  config->max_duration = 3600;
  config->max_timeout = 3600;
  config->max_bytes = 100000000;
  config->max_packets = 50000;
  config->max_snaplen = DD_MAX_SNAPLEN;
  config->max_concurrent = 4;
  config->max_queued = 16;
  config->connect_timeout_s = 10;
  config->upload_attempts = 3;
  config->retry_delay = 2;
  config->s3_part_mib = 8;
  config->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) worker_free);
  config->interfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) interface_free);
  return config;
}

void
dd_trigger_config_free (DdTriggerConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->store);
  g_free (config->spool);
  g_free (config->s3_endpoint);
  g_free (config->s3_region);
  g_free (config->s3_access_key);
  g_free (config->s3_secret_key);
  g_free (config->s3_acl);
  g_free (config->redis);
  g_free (config->reply_channel);
  g_free (config->ca_file);
  g_free (config->cert_file);
  g_free (config->key_file);
  g_free (config->netrc_file);
  g_ptr_array_unref (config->workers);
  g_ptr_array_unref (config->interfaces);
  g_free (config);
}

const DdTriggerWorker *
dd_trigger_config_find_worker (DdTriggerConfig *config,
                               const char      *name)
{
  for (guint i = 0; i < config->workers->len; i++)
    {
      DdTriggerWorker *worker = config->workers->pdata[i];

      if (g_str_equal (worker->name, name))
        return worker;
    }
  return NULL;
}

static gboolean
add_worker (DdTriggerConfig  *config,
            const char       *name,
            const char       *url,
            GError          **error)
{
  DdTriggerWorker *worker;

  if (*name == '\0' || g_str_equal (name, "any") || strpbrk (name, " \t/") != NULL)
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("“%s” cannot name a worker: a name is not empty, not “any”, and has no space or /"),
                   name);
      return FALSE;
    }
  if (*url == '\0')
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("worker “%s” has no URL"), name);
      return FALSE;
    }
  if (dd_trigger_config_find_worker (config, name) != NULL)
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("worker “%s” is named twice"), name);
      return FALSE;
    }
  worker = g_new0 (DdTriggerWorker, 1);
  worker->name = g_strdup (name);
  worker->url = g_strdup (url);
  g_ptr_array_add (config->workers, worker);
  return TRUE;
}

gboolean
dd_trigger_config_add_worker (DdTriggerConfig  *config,
                              const char       *spec,
                              GError          **error)
{
  const char *eq = strchr (spec, '=');
  g_autofree char *name = NULL;

  if (eq == NULL)
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("“%s”: a worker is given as NAME=URL"), spec);
      return FALSE;
    }
  name = g_strndup (spec, (gsize) (eq - spec));
  return add_worker (config, name, eq + 1, error);
}

/* Each reader leaves @out alone when the key is absent. */
static gboolean
read_double (GKeyFile    *file,
             const char  *group,
             const char  *key,
             gdouble      max,
             gdouble     *out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gdouble value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_double (file, group, key, &local_error);
  if (local_error != NULL || !(value >= 0 && value <= max))
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("[%s] %s: expected a number of seconds from 0 to %g"), group, key, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
read_uint64 (GKeyFile    *file,
             const char  *group,
             const char  *key,
             guint64      min,
             guint64      max,
             guint64     *out,
             GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  text = g_key_file_get_value (file, group, key, NULL);
  if (!g_ascii_string_to_unsigned (g_strstrip (text), 10, min, max, out, NULL))
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("[%s] %s: expected a whole number from %llu to %llu"),
                   group, key, (unsigned long long) min, (unsigned long long) max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_uint (GKeyFile    *file,
           const char  *group,
           const char  *key,
           guint        min,
           guint        max,
           guint       *out,
           GError     **error)
{
  guint64 value = *out;

  if (!read_uint64 (file, group, key, min, max, &value, error))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static void
read_string (GKeyFile    *file,
             const char  *group,
             const char  *key,
             char       **out)
{
  char *value = g_key_file_get_string (file, group, key, NULL);

  if (value == NULL)
    return;
  g_free (*out);
  *out = value;
}

static gboolean
check_keys (GKeyFile           *file,
            const char         *group,
            const char * const *known,
            GError            **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) known);

        g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                     _("[%s]: unknown key “%s” (known: %s)"), group, keys[i], list);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_boolean (GKeyFile    *file,
              const char  *group,
              const char  *key,
              gboolean    *out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_boolean (file, group, key, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("[%s] %s: expected true or false"), group, key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* [trigger]: the daemon's limits, its store, spool and Redis. */
static gboolean
load_trigger (DdTriggerConfig  *config,
              GKeyFile         *file,
              const char       *group,
              GError          **error)
{
  static const char * const keys[] = {
    "default-timeout", "max-duration", "max-timeout", "max-bytes", "max-packets", "max-snaplen",
    "snaplen", "max-concurrent", "max-queued", "store", "spool", "redis", "reply-channel",
    "upload-attempts", "retry-delay", "packetdebug", NULL
  };

  if (!check_keys (file, group, keys, error) ||
      !read_double (file, group, "default-timeout", 31536000, &config->default_timeout, error) ||
      !read_double (file, group, "max-duration", 31536000, &config->max_duration, error) ||
      !read_double (file, group, "max-timeout", 31536000, &config->max_timeout, error) ||
      !read_uint64 (file, group, "max-bytes", 0, G_MAXUINT64, &config->max_bytes, error) ||
      !read_uint64 (file, group, "max-packets", 0, G_MAXUINT64, &config->max_packets, error) ||
      !read_uint (file, group, "max-snaplen", 1, DD_MAX_SNAPLEN, &config->max_snaplen, error) ||
      !read_uint (file, group, "snaplen", 0, DD_MAX_SNAPLEN, &config->snaplen, error) ||
      !read_uint (file, group, "max-concurrent", 1, 1024, &config->max_concurrent, error) ||
      !read_uint (file, group, "max-queued", 0, 65536, &config->max_queued, error) ||
      !read_uint (file, group, "upload-attempts", 1, 100, &config->upload_attempts, error) ||
      !read_double (file, group, "retry-delay", 3600, &config->retry_delay, error) ||
      !read_boolean (file, group, "packetdebug", &config->packetdebug, error))
    return FALSE;
  read_string (file, group, "store", &config->store);
  read_string (file, group, "spool", &config->spool);
  read_string (file, group, "redis", &config->redis);
  read_string (file, group, "reply-channel", &config->reply_channel);
  return TRUE;
}

/* [client]: how the daemon's client reaches the workers. */
static gboolean
load_client (DdTriggerConfig  *config,
             GKeyFile         *file,
             const char       *group,
             GError          **error)
{
  static const char * const keys[] = { "ca", "cert", "key", "netrc-file", "connect-timeout", NULL };

  if (!check_keys (file, group, keys, error) ||
      !read_uint (file, group, "connect-timeout", 1, 3600, &config->connect_timeout_s, error))
    return FALSE;
  read_string (file, group, "ca", &config->ca_file);
  read_string (file, group, "cert", &config->cert_file);
  read_string (file, group, "key", &config->key_file);
  read_string (file, group, "netrc-file", &config->netrc_file);
  return TRUE;
}

/* [s3]: the S3 store. */
static gboolean
load_s3 (DdTriggerConfig  *config,
         GKeyFile         *file,
         const char       *group,
         GError          **error)
{
  static const char * const keys[] = {
    "endpoint", "region", "access-key", "secret-key", "acl", "encryption", "part-size", NULL
  };

  if (!check_keys (file, group, keys, error) ||
      !read_uint (file, group, "part-size", 5, 5120, &config->s3_part_mib, error) ||
      !read_boolean (file, group, "encryption", &config->s3_encryption, error))
    return FALSE;
  read_string (file, group, "endpoint", &config->s3_endpoint);
  read_string (file, group, "region", &config->s3_region);
  read_string (file, group, "access-key", &config->s3_access_key);
  read_string (file, group, "secret-key", &config->s3_secret_key);
  read_string (file, group, "acl", &config->s3_acl);
  return TRUE;
}

/* [worker NAME]: a worker by the name messages give. */
static gboolean
load_worker (DdTriggerConfig  *config,
             GKeyFile         *file,
             const char       *group,
             GError          **error)
{
  static const char * const keys[] = { "url", NULL };
  g_autofree char *url = g_key_file_get_string (file, group, "url", NULL);

  return check_keys (file, group, keys, error) &&
         add_worker (config, group + strlen ("worker "), url != NULL ? url : "", error);
}

/* [interface NAME]: pcapdaemon's interface aliases. */
static gboolean
load_interface (DdTriggerConfig  *config,
                GKeyFile         *file,
                const char       *group,
                GError          **error)
{
  static const char * const keys[] = { "name", "alias", "nodes", NULL };
  DdTriggerInterface *iface;

  if (!check_keys (file, group, keys, error))
    return FALSE;
  iface = g_new0 (DdTriggerInterface, 1);
  iface->name = g_key_file_get_string (file, group, "name", NULL);
  if (iface->name == NULL)
    iface->name = g_strdup (group + strlen ("interface "));
  iface->aliases = g_key_file_get_string_list (file, group, "alias", NULL, NULL);
  iface->nodes = g_key_file_get_string_list (file, group, "nodes", NULL, NULL);
  g_ptr_array_add (config->interfaces, iface);
  if (*iface->name == '\0' || iface->aliases == NULL)
    {
      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                   _("[%s]: an interface group is [interface NAME] (or sets name=) and lists its alias="), group);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_groups (DdTriggerConfig  *config,
             GKeyFile         *file,
             GError          **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      gboolean ok;

      if (g_str_equal (group, "trigger"))
        ok = load_trigger (config, file, group, error);
      else if (g_str_equal (group, "client"))
        ok = load_client (config, file, group, error);
      else if (g_str_equal (group, "s3"))
        ok = load_s3 (config, file, group, error);
      else if (g_str_has_prefix (group, "worker "))
        ok = load_worker (config, file, group, error);
      else if (g_str_has_prefix (group, "interface "))
        ok = load_interface (config, file, group, error);
      else
        {
          g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID,
                       _("unknown group [%s] (known: [trigger], [client], [s3], [worker NAME], [interface NAME])"),
                       group);
          ok = FALSE;
        }
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

gboolean
dd_trigger_config_load (DdTriggerConfig  *config,
                        const char       *path,
                        GError          **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error) ||
      !load_groups (config, file, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

/* ---- one event's limits ---------------------------------------------------------------- */

static void
limit_count (const char *name,
             const char *cap_name,
             gint64      asked,
             guint64     cap,
             guint64    *out,
             GPtrArray  *clamps)
{
  /* Absent (or 0, "no limit" to pcapdaemon's senders): the cap is the limit. */
  *out = asked > 0 ? (guint64) asked : cap;
  if (cap != 0 && *out > cap)
    {
      g_ptr_array_add (clamps, g_strdup_printf ("%s %" G_GUINT64_FORMAT " above %s, clamped to %" G_GUINT64_FORMAT,
                                                name, *out, cap_name, cap));
      *out = cap;
    }
}

static void
limit_seconds (const char *name,
               const char *cap_name,
               gdouble     asked,
               gdouble     fallback,
               gdouble     cap,
               gdouble    *out,
               GPtrArray  *clamps)
{
  *out = asked > 0 ? asked : fallback;
  if (cap > 0 && *out > cap)
    {
      g_ptr_array_add (clamps, g_strdup_printf ("%s %g s above %s, clamped to %g s", name, *out, cap_name, cap));
      *out = cap;
    }
}

void
dd_trigger_config_limits (const DdTriggerConfig  *config,
                          const DdTriggerMessage *message,
                          DdTriggerLimits        *limits,
                          GPtrArray              *clamps)
{
  guint64 snaplen;

  limit_count ("packets", "max-packets", message->packets, config->max_packets, &limits->packets, clamps);
  limit_count ("bytes", "max-bytes", message->bytes, config->max_bytes, &limits->bytes, clamps);
  limit_seconds ("duration", "max-duration", message->duration, config->max_duration,
                 config->max_duration, &limits->duration, clamps);
  limit_seconds ("timeout", "max-timeout", message->timeout, config->default_timeout,
                 config->max_timeout, &limits->timeout, clamps);
  limit_count ("snap", "max-snaplen", message->snap > 0 ? message->snap : (gint64) config->snaplen,
               config->max_snaplen, &snaplen, clamps);
  /* The snaplen is clamped, but its default stays the worker's. */
  limits->snaplen = message->snap > 0 || config->snaplen > 0 ? (guint) snaplen : 0;
}

GStrv
dd_trigger_config_resolve_aliases (const DdTriggerConfig *config,
                                   const char            *node,
                                   const char * const    *aliases,
                                   GError               **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;

  for (guint i = 0; i < config->interfaces->len; i++)
    {
      DdTriggerInterface *iface = config->interfaces->pdata[i];
      gboolean named = FALSE;

      if (iface->nodes != NULL && !g_strv_contains ((const char * const *) iface->nodes, node))
        continue;
      for (guint j = 0; aliases[j] != NULL && !named; j++)
        named = g_strv_contains ((const char * const *) iface->aliases, aliases[j]);
      if (named)
        g_strv_builder_add (builder, iface->name);
    }
  names = g_strv_builder_end (builder);
  if (names[0] == NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) aliases);

      g_set_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_FAILED,
                   _("no interface of worker “%s” has the alias %s"), node, list);
      return NULL;
    }
  return g_steal_pointer (&names);
}
