#!/usr/bin/env bash
# The bash completion of data/completions/ddump, in a bash that sources it: options from
# each program's own --help-all, the values of some options, and targets.
. "$(dirname "$0")/lib.sh"
[ -n "${DDUMP:-}" ] || skip_all "DDUMP is not set (run through meson test)"
COMPLETION=$(dirname "$0")/../data/completions/ddump

# complete WORDS...: what the completion offers for the last word, sorted, on one line.
complete_words () {
  env -i PATH="$(dirname "$DDUMP"):$(dirname "$WORKER"):/usr/bin:/bin" HOME="$DD_TMP" \
    bash --norc -c '
      . "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
      _ddump
      printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' complete "$COMPLETION" "$@"
}

cd "$DD_TMP" || exit 1
expect_match "ddump --for… → --format" "^--format $" "$(complete_words "$DDUMP" --for)"
expect_match "ddump --re… → every --re option" "^--reconnect --resolve-interval $" "$(complete_words "$DDUMP" --re)"
expect_eq "ddump -F → pcap pcapng" "pcap pcapng " "$(complete_words "$DDUMP" -F "")"
expect_eq "ddump --format=pcapn → pcapng" "pcapng " "$(complete_words "$DDUMP" --format=pcapn)"
expect_eq "ddump ht → the URL schemes" "http:// https:// " "$(complete_words "$DDUMP" ht)"
touch "$DD_TMP/capture-one.pcap"
expect_eq "ddump capture-o → the capture file" "capture-one.pcap " "$(complete_words "$DDUMP" capture-o)"
expect_eq "ddump-worker --trust → --trust-proxy" "--trust-proxy " "$(complete_words "$WORKER" --trust)"
expect_eq "ddump-worker --max-c → both caps" "--max-captures --max-captures-per-client " "$(complete_words "$WORKER" --max-c)"
expect_eq "ddump-worker --trust-proxy → unix and an address" "127.0.0.1 unix " "$(complete_words "$WORKER" --trust-proxy "")"

dd_finish
