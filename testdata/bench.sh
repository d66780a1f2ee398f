#!/usr/bin/env bash
# make bench: ferry's throughput next to the machine's own limits (raw
# ChaCha20-Poly1305 and BLAKE3 in the same run) and, where NNCP is
# installed, next to NNCP. Figures drift between runs on shared machines:
# read the ratios, which are taken in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$out" "$work"' EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

echo "== packet: encryption and hashing (MB/s, 16 MiB per op)"
go test -run='^$' -bench='^Benchmark(RawChaCha20Poly1305|RawBLAKE3|MTH|Encrypt|Decrypt)$' -benchtime=20x ./packet/ | tee "$out" | grep '^Benchmark' || true
mbs() { awk -v n="Benchmark$1-" 'index($1, n) == 1 { for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i }' "$out"; }
chacha=$(mbs RawChaCha20Poly1305)
blake=$(mbs RawBLAKE3)
enc=$(mbs Encrypt)
dec=$(mbs Decrypt)
mth=$(mbs MTH)
echo
printf '%-26s %9s MB/s  %s of raw ChaCha20-Poly1305 (target 60%%)\n' "encrypt + MTH (queueing)" "$enc" "$(ratio "$enc" "$chacha")"
printf '%-26s %9s MB/s  %s of raw ChaCha20-Poly1305\n' "decrypt (tossing)" "$dec" "$(ratio "$dec" "$chacha")"
printf '%-26s %9s MB/s  %s of raw BLAKE3\n' "MTH" "$mth" "$(ratio "$mth" "$blake")"

echo
echo "== memory: encrypt then decrypt a 2 GiB stream (limit 64 MiB)"
FERRY_BIG=1 go test -count=1 -run '^TestFlatMemory2GiB$' -v ./packet/ | grep -E 'peak|^ok|FAIL' || true

if ! command -v nncp-hash >/dev/null; then
	echo
	echo "nncp not installed: NNCP comparisons skipped (apt-get install nncp)"
	exit 0
fi

echo
echo "== MTH of a 1 GiB file: ferry hash against nncp-hash"
f="$work/big"
head -c $((1 << 30)) /dev/urandom > "$f"
t0=$(date +%s.%N)
./bin/ferry hash --file "$f" >/dev/null
t1=$(date +%s.%N)
nncp-hash -file "$f" >/dev/null
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
	f = 1024 / (b - a); n = 1024 / (c - b)
	printf "ferry %.0f MiB/s, nncp %.0f MiB/s: ferry is %.2fx NNCP\n", f, n, f / n }'
