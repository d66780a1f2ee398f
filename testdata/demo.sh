#!/usr/bin/env bash
# make demo: three fresh nodes in a temporary directory, alice, bob (a
# relay) and carol, on 127.0.0.1. A file and a mail go from alice to carol
# through bob by calls to daemons that toss automatically; carol's reply
# travels the first hop on a "USB stick" (a directory). Step by step; the
# configs come from cfgnew and neigh export | neigh add alone, as a user
# would make them (GETTING STARTED in ferry(1)).
set -euo pipefail
ferry=$(realpath "${1:-bin/ferry}")
demo=$(mktemp -d /tmp/ferry-demo.XXXXXX)
if [ -t 1 ]; then b=$'\033[1m' o=$'\033[0m'; else b= o=; fi
step() { printf '\n%s== %s%s\n' "$b" "$*" "$o"; }
show() { printf '$ %s\n' "$*" | sed "s#$ferry#ferry#g; s#$demo#\$DEMO#g"; }
run() { show "$@"; "$@"; }
step "Fresh keys for alice, bob and carol (ferry cfgnew), in DEMO=$demo"
mkdir -p "$demo/bin"
cat >"$demo/bin/mailer" <<'EOF'
#!/bin/sh
# A stand-in for sendmail: append the message to the mailbox in $1, whole
# (read first, then added in one write), so a mailbox seen non-empty holds
# the whole message.
box=$1; shift
tmp=$(mktemp "$box.XXXXXX") || exit 75
{ echo "To: $*"; /bin/cat; echo; } >"$tmp" && cat "$tmp" >>"$box"
st=$?
rm -f "$tmp"
exit $st
EOF
chmod +x "$demo/bin/mailer"
for n in alice bob carol; do
	mkdir -p "$demo/$n/incoming"
	show "$ferry" cfgnew --nocomments --spool "$demo/$n/spool" --log "$demo/$n/log" ">$demo/$n/cfg.hjson"
	"$ferry" cfgnew --nocomments --spool "$demo/$n/spool" --log "$demo/$n/log" >"$demo/$n/cfg.hjson"
done

step "They exchange cards (ferry neigh export | ferry neigh add): no editor"
card() { "$ferry" neigh export --cfg "$demo/$1/cfg.hjson" --name "$1" --text "$1's demo node"; }
add() { # node, neighbour, then neigh add's options
	local n=$1 peer=$2
	shift 2
	show "$ferry" neigh export --cfg "$demo/$peer/cfg.hjson" --name "$peer" "| ferry neigh add --cfg $demo/$n/cfg.hjson $peer -" "$@"
	card "$peer" | "$ferry" neigh add --cfg "$demo/$n/cfg.hjson" --quiet "$peer" - "$@"
}
echo "alice's card: $(card alice)"
add alice bob --incoming "$demo/alice/incoming"
add alice carol --via bob --incoming "$demo/alice/incoming"
add bob alice --incoming "$demo/bob/incoming"
add bob carol --incoming "$demo/bob/incoming"
add carol bob --incoming "$demo/carol/incoming"
add carol alice --via bob --incoming "$demo/carol/incoming" --exec "sendmail=$demo/bin/mailer $demo/carol/mailbox"
run "$ferry" neigh list --cfg "$demo/carol/cfg.hjson"
echo "alice knows bob, and carol through bob; carol accepts files and mail from alice"

step "alice queues a file and a mail for carol; both are onion-wrapped for bob"
echo "Quarterly report: all systems nominal." >"$demo/report.txt"
run "$ferry" file --cfg "$demo/alice/cfg.hjson" --quiet --print-id "$demo/report.txt" carol:report.txt
printf 'Subject: hello\n\nHi Carol, the report is on its way.\n' |
	run "$ferry" exec --cfg "$demo/alice/cfg.hjson" --quiet --print-id carol sendmail carol@example.org
run "$ferry" stat --cfg "$demo/alice/cfg.hjson"

daemon() { # node: start its daemon on a free loopback port; its address goes to $addr
	"$ferry" daemon --cfg "$demo/$1/cfg.hjson" --bind 127.0.0.1:0 --autotoss >"$demo/$1/daemon.out" 2>&1 &
	pids+=($!)
	local i
	for i in $(seq 100); do
		grep -q '^listening on' "$demo/$1/daemon.out" 2>/dev/null && break
		sleep 0.1
	done
	addr=$(awk '/^listening on/ { print $3; exit }' "$demo/$1/daemon.out")
}
pids=()
stop() {
	if [ ${#pids[@]} -gt 0 ]; then
		kill "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
	rm -rf "$demo"
}
trap stop EXIT
waitfor() { # what, then a test command: poll up to 20 s
	local what=$1 i
	shift
	for i in $(seq 200); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	echo "timed out waiting for $what" >&2
	return 1
}
queued() { "$ferry" stat --cfg "$demo/$1/cfg.hjson" --json | grep -c '"nice"' | grep -qx "$2"; }

step "bob and carol run daemons on loopback, tossing what arrives as it arrives"
daemon bob
bob_addr=$addr
daemon carol
carol_addr=$addr
echo "bob listens on $bob_addr, carol on $carol_addr"

step "alice calls bob (Noise-IK over TCP) and hands over both packets"
run "$ferry" call --cfg "$demo/alice/cfg.hjson" --onlinedeadline 1 bob "$bob_addr"
waitfor "bob to relay" queued bob 2
echo "bob tossed them: two transit packets now wait for carol"
run "$ferry" stat --cfg "$demo/bob/cfg.hjson"

step "bob calls carol; carol's daemon tosses: the file lands, the mail is delivered"
run "$ferry" call --cfg "$demo/bob/cfg.hjson" --onlinedeadline 1 carol "$carol_addr"
waitfor "carol's mailbox" test -s "$demo/carol/mailbox"
waitfor "carol's file" test -s "$demo/carol/incoming/report.txt"
run cat "$demo/carol/incoming/report.txt"
run cat "$demo/carol/mailbox"

step "carol answers by USB stick: ferry xfer to a directory bob later reads"
echo "Thanks, got it." >"$demo/reply.txt"
run "$ferry" file --cfg "$demo/carol/cfg.hjson" --quiet "$demo/reply.txt" alice:reply.txt
mkdir -p "$demo/usb"
run "$ferry" xfer --cfg "$demo/carol/cfg.hjson" --mkdir --tx "$demo/usb"
run find "$demo/usb" -type f
run "$ferry" xfer --cfg "$demo/bob/cfg.hjson" --rx "$demo/usb"
run "$ferry" toss --cfg "$demo/bob/cfg.hjson"

step "alice calls bob again and picks the reply up"
run "$ferry" call --cfg "$demo/alice/cfg.hjson" --onlinedeadline 1 --autotoss bob "$bob_addr"
run cat "$demo/alice/incoming/reply.txt"

step "carol's log, one line per event (ferry log)"
run "$ferry" log --cfg "$demo/carol/cfg.hjson"
