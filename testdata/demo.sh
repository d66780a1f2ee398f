#!/usr/bin/env bash
# make demo: fresh nodes in a temporary directory, and what ferry does
# with them, printed step by step.
set -euo pipefail
ferry=$(realpath "${1:-bin/ferry}")
here=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d /tmp/ferry-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "Three fresh nodes in $demo: alice, bob (a relay) and carol"
for n in alice bob carol; do
	mkdir -p "$demo/$n"
	"$ferry" cfgnew --nocomments --spool "$demo/$n/spool" --log "$demo/$n/log" >"$demo/$n/cfg.hjson"
	echo "$n: id $(awk '/^ *id:/ {print $2; exit}' "$demo/$n/cfg.hjson")"
done

step "What a neighbour gets from alice: ferry cfgmin (public keys only)"
"$ferry" cfgmin --cfg "$demo/alice/cfg.hjson"

vec="$here/packet/testdata/nncp/packets/file-1byte/O2U7TGP2WPH7O4ZMHCG2BO65RNVBCFLQL3A4KF5QO2CYUTMNX6FQ"
step "A packet made by NNCP 8.8.2 (alice to bob), read by ferry pkt"
"$ferry" pkt --cfg "$demo/alice/cfg.hjson" <"$vec"

step "Its name is the MTH of its bytes: ferry hash"
"$ferry" hash --file "$vec"
echo "name O2U7TGP2WPH7O4ZMHCG2BO65RNVBCFLQL3A4KF5QO2CYUTMNX6FQ is the Base32 form of that hash"
