#!/usr/bin/env bash
# The French translation: complete against the sources' messages, and spoken by the
# installed programs with LANGUAGE=fr. The catalog is found where the programs look for it
# (the configured localedir): `meson install` into a scratch directory, laid over the
# prefix in a private mount namespace, so that nothing outside the test changes.
. "$(dirname "$0")/lib.sh"
require_root
require_tools xgettext msgcmp msgfmt unshare mount
[ -n "${BUILD_ROOT:-}" ] || skip_all "BUILD_ROOT is not set (run through meson test)"
src=$(cd "$(dirname "$0")/.." && pwd)

# ---- complete: every message of the sources has a French translation ----------------------------
# The messages as the build's gettext preset finds them (only the keywords ddump uses).
(cd "$src" && xgettext --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ \
  --keyword=g_dngettext:2,3 --files-from=po/POTFILES.in -o "$DD_TMP/ddump.pot") 2>"$DD_TMP/xgettext.log"
expect_eq "xgettext reads every source of po/POTFILES.in" 0 "$?"
check "po/fr.po translates every message of the sources (msgcmp: none missing, none untranslated or fuzzy)" \
  msgcmp "$src/po/fr.po" "$DD_TMP/ddump.pot"
check "...and msgfmt --check accepts it (formats, plurals, header)" msgfmt --check -o "$DD_TMP/fr.mo" "$src/po/fr.po"

# ---- spoken: the installed programs, with LANGUAGE=fr ---------------------------------------------
dest="$DD_TMP/destdir"
timeout 120 meson install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$dest" >"$DD_TMP/install.log" 2>&1
expect_eq "meson install (into a scratch directory)" 0 "$?"
mo=$(find "$dest" -path '*/fr/LC_MESSAGES/ddump.mo')
expect_match "...installs the French catalog" "/share/locale/fr/LC_MESSAGES/ddump\.mo$" "$mo"
bin=$(find "$dest" -path '*/bin/ddump' -type f)
prefix=${bin#"$dest"}; prefix=${prefix%/bin/ddump}

# in_french CMD...: CMD's stderr and stdout, run from the installed tree in French.
in_french () {
  timeout 20 unshare --mount sh -c '
    mount --make-rprivate / && mount --bind "$1$2" "$2" || exit 99
    shift 2; exec env LANG=C.UTF-8 LANGUAGE=fr "$@" 2>&1' sh "$dest" "$prefix" "$@"
}
[ -d "$prefix" ] || skip_all "the prefix $prefix does not exist here"
out=$(in_french "$prefix/bin/ddump" --help)
expect_match "ddump --help speaks French" "Capturer sur de nombreux hôtes à la fois" "$out"
expect_match "...its options too" "S’arrêter après avoir écrit N paquets" "$out"
out=$(in_french "$prefix/bin/ddump" --format foo x)
expect_eq "a usage error in French" "ddump : format inconnu « foo » : utilisez pcap ou pcapng" "$out"
out=$(cd "$DD_TMP" && in_french "$prefix/bin/ddump" -w - does-not-exist.pcap | tail -1)
expect_match "a failed target in French, with the summary" "0 paquets écrits dans la sortie standard, dont 0 en retard" "$out"
worker=$(find "$dest" -path '*bin/ddump-worker' -type f)
out=$(in_french "${worker#"$dest"}" --max-duration -1)
expect_match "ddump-worker speaks French" "ne peuvent pas être négatifs" "$out"
out=$(LANG=C.UTF-8 LANGUAGE= timeout 20 "$DDUMP" --format foo x 2>&1)
expect_eq "...and English without LANGUAGE" "ddump: unknown format “foo”: use pcap or pcapng" "$out"

dd_finish
