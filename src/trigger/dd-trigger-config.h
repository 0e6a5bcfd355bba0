/* ddump-trigger's configuration: a GKeyFile (the keys of pcapdaemon's TOML file, renamed
 * as the man page lists), plus the workers named on the command line.
 *
 *   [trigger]   default-timeout, max-duration, max-timeout, max-bytes, max-packets,
 *               max-snaplen, snaplen, max-concurrent, max-queued, store, spool, redis,
 *               reply-channel, upload-attempts, retry-delay, packetdebug
 *   [s3]        endpoint, region, access-key, secret-key, acl, encryption, part-size
 *   [client]    ca, cert, key, netrc-file, connect-timeout
 *   [worker NAME]     url
 *   [interface LABEL] name (the interface; LABEL when absent), alias (a list), nodes (a
 *                     list of worker names; all when absent): pcapdaemon's [[interface]]
 *
 * and the limits of one event: the message's, or the defaults, clamped to the caps. */
#pragma once

#include <glib.h>

#include "dd-trigger-message.h"

G_BEGIN_DECLS

#define DD_TRIGGER_CONFIG_ERROR (dd_trigger_config_error_quark ())
GQuark dd_trigger_config_error_quark (void);

typedef enum {
  DD_TRIGGER_CONFIG_ERROR_INVALID,
  DD_TRIGGER_CONFIG_ERROR_FAILED,
} DdTriggerConfigError;

typedef struct {
  char *name;
  char *url;
} DdTriggerWorker;

typedef struct {
  char  *name;     /* the interface's name on the worker */
  char **aliases;
  char **nodes;    /* NULL: every worker */
} DdTriggerInterface;

typedef struct {
  gdouble  default_timeout;  /* seconds; 0: none */
  gdouble  max_duration;     /* 0: no cap */
  gdouble  max_timeout;
  guint64  max_bytes;
  guint64  max_packets;
  guint    max_snaplen;
  guint    snaplen;          /* when the message sets none; 0: the worker's */
  guint    max_concurrent;
  guint    max_queued;       /* events that wait for a free slot; beyond them, refused */
  char    *store;
  char    *spool;            /* a remote store's captures are written here first, and kept
                              * here when they cannot be sent */
  guint    upload_attempts;
  gdouble  retry_delay;      /* seconds before the first retry; doubled for each next */
  gboolean packetdebug;      /* a message's packetdebug logs its packets (pcapdaemon's) */
  char    *s3_endpoint;
  char    *s3_region;
  char    *s3_access_key;
  char    *s3_secret_key;
  char    *s3_acl;
  gboolean s3_encryption;
  guint    s3_part_mib;
  char    *redis;
  char    *reply_channel;    /* NULL: CHANNEL.done */
  char    *ca_file;
  char    *cert_file;
  char    *key_file;
  char    *netrc_file;
  guint    connect_timeout_s;
  GPtrArray *workers;        /* DdTriggerWorker, in the order given */
  GPtrArray *interfaces;     /* DdTriggerInterface */
} DdTriggerConfig;

/* The limits of one event. */
typedef struct {
  guint64 packets;    /* 0: none */
  guint64 bytes;
  gdouble duration;
  gdouble timeout;
  guint   snaplen;    /* 0: the worker's */
} DdTriggerLimits;

DdTriggerConfig *dd_trigger_config_new       (void);
void             dd_trigger_config_free      (DdTriggerConfig *config);
/* Reads @path over the defaults. */
gboolean         dd_trigger_config_load      (DdTriggerConfig  *config,
                                              const char       *path,
                                              GError          **error);
/* A worker from the command line: NAME=URL. */
gboolean         dd_trigger_config_add_worker (DdTriggerConfig  *config,
                                               const char       *spec,
                                               GError          **error);
const DdTriggerWorker *dd_trigger_config_find_worker (DdTriggerConfig *config,
                                                      const char      *name);

/* The message's limits, or the defaults, within the caps; each clamp is described in
 * @clamps ("duration 7200 s above max-duration, clamped to 3600 s"). */
void             dd_trigger_config_limits    (const DdTriggerConfig  *config,
                                              const DdTriggerMessage *message,
                                              DdTriggerLimits        *limits,
                                              GPtrArray              *clamps);

/* The interfaces that @aliases name on worker @node: NULL (and @error) when none does. */
GStrv            dd_trigger_config_resolve_aliases (const DdTriggerConfig *config,
                                                    const char            *node,
                                                    const char * const    *aliases,
                                                    GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTriggerConfig, dd_trigger_config_free)

G_END_DECLS
