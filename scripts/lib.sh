# shellcheck shell=bash
# What the bash scripts in scripts/ share. Each one sources it right after
# `set -euo pipefail`:
#
#   . "$(dirname "$0")/lib.sh"
#
# It runs nothing itself: it sets the names below and defines functions.
#   top             the checkout
#   release_binary  the binary scripts/setup builds (scripts take EARLY_UCODE instead)
#   prog            the script's name, which starts each of its messages
#   work            the script's temporary folder, once work_dir made it
#   boot_timeout    seconds per QEMU boot (BOOT_TIMEOUT, default 120)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release_binary=$top/.build/release/early-ucode
prog=${0##*/}

# --- Messages -------------------------------------------------------------

# say: a line on stderr; tell: one on stdout. Both "PROG: ...".
say() { echo "$prog: $*" >&2; }
tell() { echo "$prog: $*"; }
# die: an error line, then exit 1; fail: the same for a check that failed.
die() { say "$*"; exit 1; }
fail() { die "FAIL: $*"; }
# skip: what this test lacks, then exit 0 (skipping is not failing).
skip() { say "skipped: $*"; exit 0; }
# usage_error: a bad option or argument, then exit 64.
usage_error() { say "$*"; exit 64; }
# need COMMAND PACKAGE: exit 1 unless COMMAND is on PATH, naming the Debian package.
need() { command -v "$1" >/dev/null || die "$1 missing (apt-get install $2)"; }

# --- Inputs ---------------------------------------------------------------

# fixture_firmware: the firmware root with real microcode for the tests:
# EARLY_UCODE_FIRMWARE, else ../shared/fixtures/firmware beside the
# checkout; nothing when there is neither.
fixture_firmware() {
  if [ -n "${EARLY_UCODE_FIRMWARE:-}" ]; then
    echo "$EARLY_UCODE_FIRMWARE"
  elif [ -d "$top/../shared/fixtures/firmware" ]; then
    (cd "$top/../shared/fixtures/firmware" && pwd)
  fi
}

# firmware_root: fixture_firmware, else this machine's /lib/firmware.
firmware_root() {
  local dir
  dir=$(fixture_firmware)
  echo "${dir:-/lib/firmware}"
}

# newest PATH...: the last existing PATH in version order; nothing when none exists.
newest() { { ls -d -- "$@" 2>/dev/null || true; } | sort -V | tail -n 1; }

# newc DIR NAME: a newc cpio archive on stdout of NAME (a path in DIR) and
# everything below it, in sorted order and owned by root, as Debian's
# hooks write their early archives.
newc() { (cd "$1" && find "$2" | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0); }

# --- Temporary folder and what runs in the background ------------------------

# work_dir [TEMPLATE]: makes a private folder (mktemp -d [TEMPLATE]), names
# it in $work, and has it removed when the script exits. Before that, a
# process left in $bg_pid is sent $bg_signal (default TERM).
bg_pid=
bg_signal=TERM
work_dirs=()
cleanup() {
  if [ -n "$bg_pid" ]; then kill -s "$bg_signal" "$bg_pid" 2>/dev/null || true; fi
  if [ "${#work_dirs[@]}" -gt 0 ]; then rm -rf -- "${work_dirs[@]}"; fi
}
work_dir() {
  work=$(mktemp -d "$@")
  work_dirs+=("$work")
  trap cleanup EXIT
}

# qemu_boot LOG CPU WANT STOP QEMU-OPTION...: boots qemu-system-x86_64
# (q35, one CPU of the model CPU, 1 GB, no display, the serial console
# into LOG) with the QEMU-OPTIONs (-kernel, -initrd, -append), until the
# console has a line matching WANT (an extended regular expression) or
# STOP ('' for none), qemu ends, or boot_timeout seconds pass. qemu is then
# stopped; the status is 0 when LOG has a WANT line, and boot_seconds says
# how long the boot ran.
boot_timeout=${BOOT_TIMEOUT:-120}
qemu_boot() {
  local log=$1 model=$2 want=$3 stop=$4 start
  shift 4
  start=$(date +%s)
  qemu-system-x86_64 -machine q35 -cpu "$model" -m 1024 -smp 1 -nographic -no-reboot \
    "$@" > "$log" 2>&1 < /dev/null &
  bg_pid=$!
  while [ $(( $(date +%s) - start )) -lt "$boot_timeout" ]; do
    grep -a -q -E "$want" "$log" && break
    [ -n "$stop" ] && grep -a -q -E "$stop" "$log" && break
    kill -0 "$bg_pid" 2>/dev/null || break
    sleep 1
  done
  kill "$bg_pid" 2>/dev/null || true
  wait "$bg_pid" 2>/dev/null || true
  bg_pid=
  boot_seconds=$(( $(date +%s) - start ))
  grep -a -q -E "$want" "$log"
}

# console_tail LOG [PATTERN]: the last 40 console lines (those matching the
# basic regular expression PATTERN) on stderr, for a boot that failed.
console_tail() {
  if [ -f "$1" ]; then
    grep -a -e "${2:-}" "$1" | tail -n 40 >&2
  else
    echo "  ($1 is gone; $work holds: $(ls -A "$work" 2>&1))" >&2
  fi
}
