/* Command-line helpers shared by ddump, ddump-worker and ddump-trigger. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The original tools spelled long options with one dash (-listen, -ca…), which GOption
 * would read as bundled short options: rewrites each of @names ("-listen", NULL-ended),
 * alone or followed by "=VALUE", to its two-dash form, up to a "--". */
void dd_options_accept_single_dash (int                 argc,
                                    char              **argv,
                                    const char * const *names);

/* What each program does first: its locale and message catalog, its name, log messages
 * on stderr (stdout may be the capture), SIGPIPE ignored (a reader that goes away is
 * EPIPE on write). */
void dd_options_init_program       (const char *prgname);

/* Sets @error to G_OPTION_ERROR_BAD_VALUE with the message; returns FALSE, for
 * "return dd_options_bad_value (error, …);" in a program's option checks. */
gboolean dd_options_bad_value      (GError    **error,
                                    const char *format,
                                    ...) G_GNUC_PRINTF (2, 3);

/* "PROGRAM: MESSAGE" on stderr; returns @status, for "return dd_options_fail (…);". */
int  dd_options_fail               (int         status,
                                    const char *format,
                                    ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
