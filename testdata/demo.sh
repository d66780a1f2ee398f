#!/usr/bin/env bash
# make demo: three fresh nodes in a temporary directory, alice, bob (a
# relay) and carol; a file and a mail go from alice to carol through bob,
# printed step by step. Packets are carried between spools by hand here,
# the way a USB stick would carry them.
set -euo pipefail
ferry=$(realpath "${1:-bin/ferry}")
demo=$(mktemp -d /tmp/ferry-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
if [ -t 1 ]; then b=$'\033[1m' o=$'\033[0m'; else b= o=; fi
step() { printf '\n%s== %s%s\n' "$b" "$*" "$o"; }
run() { printf '$ %s\n' "$*" | sed "s#$ferry#ferry#g; s#$demo#\$DEMO#g"; "$@"; }
key() { awk -v k="$2:" '$1 == k { print $2; exit }' "$demo/$1/keys.hjson"; }

step "Fresh keys for alice, bob and carol (ferry cfgnew), in DEMO=$demo"
mkdir -p "$demo/bin"
cat >"$demo/bin/mailer" <<'EOF'
#!/bin/sh
# A stand-in for sendmail: append the message to the mailbox in $1.
box=$1; shift
{ echo "To: $*"; /bin/cat; echo; } >>"$box"
EOF
chmod +x "$demo/bin/mailer"
for n in alice bob carol; do
	mkdir -p "$demo/$n/incoming"
	"$ferry" cfgnew --nocomments >"$demo/$n/keys.hjson"
	echo "$n is $(key $n id)"
done

pub() { # the public keys of node $1, as a neighbour entry
	printf '      id: %s\n      exchpub: %s\n      signpub: %s\n      noisepub: %s\n' \
		"$(key "$1" id)" "$(key "$1" exchpub)" "$(key "$1" signpub)" "$(key "$1" noisepub)"
}
config() { # node, then "name:extra" neighbour specs
	local n=$1
	shift
	{
		echo "{"
		echo "  spool: $demo/$n/spool"
		echo "  log: $demo/$n/log"
		echo "  self: {"
		for k in id exchpub exchprv signpub signprv noiseprv noisepub; do echo "    $k: $(key "$n" $k)"; done
		echo "  }"
		echo "  neigh: {"
		echo "    self: {"
		pub "$n"
		echo "      exec: {sendmail: [\"$demo/bin/mailer\", \"$demo/$n/mailbox\"]}"
		echo "    }"
		for spec in "$@"; do
			echo "    ${spec%%:*}: {"
			pub "${spec%%:*}"
			echo "      ${spec#*:}"
			echo "    }"
		done
		echo "  }"
		echo "}"
	} >"$demo/$n/cfg.hjson"
}
config alice "bob:incoming: $demo/alice/incoming" "carol:via: [\"bob\"]"
config bob "alice:incoming: $demo/bob/incoming" "carol:incoming: $demo/bob/incoming"
config carol "bob:incoming: $demo/carol/incoming" \
	"alice:via: [\"bob\"], incoming: \"$demo/carol/incoming\", exec: {sendmail: [\"$demo/bin/mailer\", \"$demo/carol/mailbox\"]}"
echo "alice knows bob, and carol through bob; carol accepts files and mail from alice"

step "alice queues a file and a mail for carol; both are onion-wrapped for bob"
echo "Quarterly report: all systems nominal." >"$demo/report.txt"
run "$ferry" file --cfg "$demo/alice/cfg.hjson" --quiet --print-id "$demo/report.txt" carol:report.txt
printf 'Subject: hello\n\nHi Carol, the report is on its way.\n' |
	run "$ferry" exec --cfg "$demo/alice/cfg.hjson" --quiet --print-id carol sendmail carol@example.org
run "$ferry" stat --cfg "$demo/alice/cfg.hjson"

carry() { # move packets queued at $1 for $2 into $2's inbox, like a USB stick
	local from=$1 to=$2 src dst
	src="$demo/$from/spool/$(key "$to" id)/tx"
	dst="$demo/$to/spool/$(key "$from" id)/rx"
	mkdir -p "$dst"
	find "$src" -maxdepth 1 -type f -name '????????????????????????????????????????????????????' -exec mv {} "$dst/" \;
	echo "carried $(ls "$dst" | grep -c '^[A-Z2-7]\{52\}$') packets from $from to $to"
}

step "The packets travel to bob, who can only see that they are for carol"
carry alice bob
run "$ferry" pkt --cfg "$demo/bob/cfg.hjson" <"$(find "$demo/bob/spool" -path '*/rx/*' -type f -name '[A-Z2-7]*' | head -1)"
run "$ferry" toss --cfg "$demo/bob/cfg.hjson"
run "$ferry" stat --cfg "$demo/bob/cfg.hjson"

step "On to carol, who tosses: the file lands in incoming, the mail in her mailbox"
carry bob carol
run "$ferry" toss --cfg "$demo/carol/cfg.hjson"
run cat "$demo/carol/incoming/report.txt"
run cat "$demo/carol/mailbox"

step "carol's log, one line per event (ferry log)"
run "$ferry" log --cfg "$demo/carol/cfg.hjson"
