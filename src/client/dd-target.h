/* What a command-line target names: a worker URL or a capture file. */
#pragma once

#include <gio/gio.h>

#include "dd-filter.h"

G_BEGIN_DECLS

#define DD_DEFAULT_PORT 8475
#define DD_DEFAULT_PATH "/capture"

typedef enum {
  DD_TARGET_HTTP,
  DD_TARGET_FILE,   /* a path, or "-" for stdin */
  DD_TARGET_TCP,    /* a PCAP-over-IP server: tcp://HOST:PORT */
} DdTargetKind;

typedef struct {
  DdTargetKind kind;
  char        *label;     /* for messages: the URL as typed (no user or password), or the path */
  char        *host;      /* names its interfaces in pcapng output: "HOST[:PORT]/IFACE" */
  GUri        *uri;       /* HTTP: what is requested, without user info; TCP: host and port */
  char        *user;      /* HTTP Basic Auth, decoded; NULL when absent */
  char        *password;
  char        *path;      /* FILE */
  char        *filter;    /* FILE, TCP: a BPF filter ddump applies itself; NULL for none */
  char        *name;      /* HTTP: what the user calls the worker ("NAME=URL", the trigger's
                           * [worker NAME]); names its addresses in pcapng output; or NULL */
} DdTarget;

/* Options that apply to every HTTP target that does not set its own. */
typedef struct {
  const char         *filter;
  const char         *and_filter;  /* ANDed with the target's own filter, or the default */
  const char * const *interfaces;
  guint               snaplen;  /* 0: the worker's default */
  gdouble             since_s;  /* > 0: since=-S, the worker's history from S seconds ago */
} DdTargetDefaults;

#define DD_TARGET_ERROR (dd_target_error_quark ())

typedef enum {
  DD_TARGET_ERROR_INVALID,
  DD_TARGET_ERROR_UNSUPPORTED,
  DD_TARGET_ERROR_NETRC,
  DD_TARGET_ERROR_FAILED,
} DdTargetError;

GQuark    dd_target_error_quark (void);

/* A worker URL (also as NAME=URL), tcp://HOST:PORT, a file, or "-" for stdin. */
DdTarget *dd_target_parse   (const char             *spec,
                             const DdTargetDefaults *defaults,
                             GError                **error);
void      dd_target_free    (DdTarget *target);
/* A worker's target asking for @clause too (ANDed with the filter its URL asks for): the
 * same worker, label and credentials (ddump --follow moves a capture to a new filter). */
DdTarget *dd_target_copy_with_filter (const DdTarget *target,
                                      const char     *clause);
/* What the user calls the worker: its interfaces are named NAME/IFACE, its addresses NAME. */
void      dd_target_set_name (DdTarget   *target,
                              const char *name);
/* The targets listed in a file (an inventory): one per line; blank lines, and comments from
 * a "#" that starts a line or follows a space, are skipped. @path "-" is stdin. */
GStrv     dd_target_read_list (const char           *path,
                               GError              **error);

/* Fills in missing credentials from a netrc file (as curl does): the entry of the
 * target's host (and user, when the URL names one), else the "default" entry. A file
 * that does not exist is an error only when @required. */
gboolean  dd_target_apply_netrc (DdTarget   *target,
                                 const char *netrc_path,
                                 gboolean    required,
                                 GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTarget, dd_target_free)

G_END_DECLS
