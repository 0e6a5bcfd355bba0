/* ddump --follow NAME: the addresses a workload has now (NAME's A and AAAA records: a
 * headless Service gives one per ready pod), each with its own name where its PTR record
 * gives one, looked up at the start and again every interval (in a thread: the system
 * resolver blocks). What it gives the capture is a filter clause, "host A or host B…",
 * which every worker's capture ANDs with its own filter, and what changed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_FOLLOW_ERROR (dd_follow_error_quark ())
GQuark dd_follow_error_quark (void);

typedef enum {
  DD_FOLLOW_ERROR_NOT_FOUND,  /* a name has no address at the start */
} DdFollowError;

typedef struct _DdFollow DdFollow;

/* The set changed after a lookup during the run: the clause and the change are new. */
typedef void (*DdFollowChangedFunc) (DdFollow *follow,
                                     gpointer  user_data);

DdFollow   *dd_follow_new        (GResolver           *resolver,
                                  const char * const  *names,
                                  DdFollowChangedFunc  changed,
                                  gpointer             user_data);
void        dd_follow_free       (DdFollow *self);

/* The first lookup, blocking. FALSE when a name gives no address (or fails). */
gboolean    dd_follow_resolve    (DdFollow  *self,
                                  GError   **error);
/* Again every @interval_s seconds, until dd_follow_stop (). */
void        dd_follow_start      (DdFollow *self,
                                  guint     interval_s);
void        dd_follow_stop       (DdFollow *self);

/* "host A or host B…" over every name's addresses; a clause no packet matches when there
 * is none. */
const char *dd_follow_get_clause (DdFollow *self);
/* What the last lookup changed, for the capture and stderr: "web.example: 10.0.0.7
 * (pod-7.web.example) joined, 10.0.0.5 left"; NULL after the first lookup. */
const char *dd_follow_get_change (DdFollow *self);
/* The set now, for the capture's header: "following web.example: 10.0.0.5 (pod-5.web),
 * 10.0.0.7 (pod-7.web)". */
char       *dd_follow_describe   (DdFollow *self);
/* Name resolution records (dd-names.h) for every address: its PTR name, else the name it
 * was followed by. */
void        dd_follow_add_names  (DdFollow   *self,
                                  GByteArray *records);
/* ...for the addresses that joined in the last lookup only. */
void        dd_follow_add_joined_names (DdFollow   *self,
                                        GByteArray *records);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdFollow, dd_follow_free)

G_END_DECLS
