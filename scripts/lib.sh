# shellcheck shell=bash
# What the bash scripts in scripts/ share. Each one sources it right after
# `set -euo pipefail`:
#
#   . "$(dirname "$0")/lib.sh"
#
# It runs nothing itself: it sets the names below and defines functions.
#   top             the checkout
#   release_binary  the binary scripts/setup builds (scripts take EARLY_UCODE instead)
#   build_packages  the Debian packages that build needs
#   prog            the script's name, which starts each of its messages
#   work            the script's temporary folder, once work_dir made it
#   boot_timeout    seconds per QEMU boot (BOOT_TIMEOUT, default 120)
#   debian_root     where debian_fetch keeps other Debian releases' packages
#                   and debian_system its Debian roots ($top/.build/debian)
#
# Debian roots for the boot-integration tests (details at debian_system):
#   debian_system SUITE [PKG...]            a cached debootstrap root of
#                                           SUITE (bookworm, trixie), printed
#   debian_run ROOT CHANGES [--bind SRC DEST | --ro-bind SRC DEST]... [--] COMMAND...
#                                           COMMAND in ROOT without changing
#                                           it: writes land in CHANGES
#   debian_kernel SUITE                     a folder with SUITE's kernel
#                                           (boot/vmlinuz-V and its modules)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release_binary=$top/.build/release/early-ucode
# What scripts/build-release links the binary with: libarchive and the
# compression libraries its filters use, all static (debian/control's
# Build-Depends lists the same packages).
build_packages=(libarchive-dev libbz2-dev liblz4-dev liblzma-dev libzstd-dev zlib1g-dev)
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
# as_root CMD...: CMD as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"
  fi
}
# installed PKG: whether dpkg has PKG installed.
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
# need COMMAND PACKAGE: exit 1 unless COMMAND is on PATH, naming the Debian package.
need() { command -v "$1" >/dev/null || die "$1 missing (apt-get install $2)"; }
# toolchain_tmp DIR: DIR/tmp, made, printed as an absolute path (a TMPDIR
# must not depend on the working folder): the TMPDIR for swift build and
# swift test. SwiftPM leaves a lock file per locked path there and the
# Swift driver an empty TemporaryDirectory.* folder per compile (Swift
# 6.3; scripts/test's not_toolchain lists them), and nothing removes them:
# in the build folder, not /tmp, they go with it.
toolchain_tmp() { mkdir -p "$1/tmp" && (cd "$1/tmp" && pwd); }

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

# kernel_version VMLINUZ: the bzImage's version string (header field
# kernel_version at 0x20e, an offset from 0x200), e.g. "6.12.118+deb13-amd64
# (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1 (...)".
kernel_version() {
  local at
  [ "$(dd if="$1" bs=1 skip=514 count=4 status=none)" = HdrS ] || return 1
  at=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
  [ -n "$at" ] && [ "$at" -gt 0 ] || return 1
  dd if="$1" bs=1 skip=$((at + 512)) count=256 status=none | tr '\0' '\n' | head -n 1
}

# xen_elf XEN OUT: Xen's ELF image (QEMU's -kernel) at OUT, gunzipped when XEN is xen-*.gz.
xen_elf() {
  case "$1" in
    *.gz) zcat -- "$1" > "$2" ;;
    *) cp -- "$1" "$2" ;;
  esac
}

# --- Debian's own microcode hooks, kept out of a test's initrd --------------------

# without_debian_microcode_hooks COMMAND...: runs COMMAND (a mkinitramfs)
# with Debian's intel-microcode and amd64-microcode hooks off. When those
# packages are installed, their hooks in /usr/share/initramfs-tools/hooks run
# in every mkinitramfs (-d CONF does not change that folder) and prepend
# their own archive, so what a test builds would depend on what this machine
# has installed. COMMAND runs in a private mount namespace (unshare -m) whose
# /etc/default is a copy of this machine's (in $work, from work_dir) with
# IUCODE_TOOL_INITRAMFS=no and AMD64UCODE_INITRAMFS=no in the hooks' own
# settings files: nothing outside the namespace changes. Without those
# hooks, COMMAND just runs.
without_debian_microcode_hooks() {
  local hooks=/usr/share/initramfs-tools/hooks dir status=0
  if [ ! -e "$hooks/intel_microcode" ] && [ ! -e "$hooks/amd64_microcode" ]; then
    "$@"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "Debian's microcode hooks are installed ($hooks): keeping them out of the test's image needs root (unshare -m)"
  dir=${work:?work_dir first}/etc-default
  if [ ! -d "$dir" ]; then
    mkdir "$dir"
    cp -a /etc/default/. "$dir/"
    printf '# %s: the hook off in this test'"'"'s mount namespace\nIUCODE_TOOL_INITRAMFS=no\n' "$prog" > "$dir/intel-microcode"
    printf '# %s: the hook off in this test'"'"'s mount namespace\nAMD64UCODE_INITRAMFS=no\n' "$prog" > "$dir/amd64-microcode"
  fi
  unshare -m --propagation private -- sh -c 'mount --bind "$0" /etc/default && exec "$@"' "$dir" "$@" || status=$?
  return "$status"
}

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

# --- Debian packages of another release, fetched without touching apt ---------
#
# debian_fetch SUITE PKG[=VERSION]...: downloads each package of Debian SUITE
# (bookworm, trixie...) and extracts it (dpkg-deb -x) into
# $top/.build/debian/SUITE/PKG_VERSION/, printing that folder, one line per
# PKG, in order. A folder already there is reused (it is renamed into place
# only once complete), so a second run downloads nothing.
# debian_newest SUITE ERE: the package of SUITE with the highest version in
# its name among those whose whole name matches ERE, e.g.
#   debian_newest trixie 'linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned'
# debian_apt SUITE COMMAND ARG...: apt-get or apt-cache on SUITE's private
# configuration (lists as debian_fetch last refreshed them).
#
# apt runs on a configuration of its own in $top/.build/debian/SUITE/apt/
# (APT_CONFIG: lists, cache, an empty dpkg status, no preferences, none of
# /etc/apt/apt.conf.d, whose hooks would run on an update), with one deb822
# file naming this machine's own Debian URIs (from /etc/apt/sources.list.d/
# *.sources and sources.list) for SUITE, SUITE-updates and SUITE-security,
# components main and non-free-firmware, signed by Debian's archive keyring.
# The system's sources, lists, cache and status are never read or written.
# The lists are refreshed when older than DEBIAN_LISTS_MINUTES (default a
# day); when that fails, older lists are used with a warning. Runs on one
# suite take turns (a lock in the suite's folder).
debian_root=$top/.build/debian

# debian_machine_uris: "URI main" and "URI security" lines for the Debian
# archives this machine's apt sources name for its own release.
debian_machine_uris() {
  local codename file
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
  {
    for file in /etc/apt/sources.list.d/*.sources; do
      [ -f "$file" ] || continue
      # deb822: paragraphs of "Field: value" (continued on indented lines).
      awk -v code="$codename" '
        function flush(   n, m, i, j, u, s) {
          if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
            n = split(uris, u, " "); m = split(suites, s, " ")
            for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) {
              if (s[j] == code || s[j] == code "-updates") print u[i], "main"
              else if (s[j] == code "-security" || s[j] == code "/updates") print u[i], "security"
            }
          }
          types = uris = suites = enabled = ""; field = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
        {
          field = tolower($0); sub(/:.*/, "", field)
          value = $0; sub(/^[^:]*:[ \t]*/, "", value)
          if (field == "types") types = value
          else if (field == "uris") uris = value
          else if (field == "suites") suites = value
          else if (field == "enabled") enabled = value
        }
        END { flush() }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$file" ] || continue
      # One-line style: deb [options] URI SUITE COMPONENT...
      sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$file" | awk -v code="$codename" '
        $1 == "deb" && NF >= 3 {
          if ($3 == code || $3 == code "-updates") print $2, "main"
          else if ($3 == code "-security" || $3 == code "/updates") print $2, "security"
        }'
    done
  } | sed 's#/*  *# #' | LC_ALL=C sort -u
}

# debian_config SUITE: writes SUITE's private apt configuration (unchanged
# files are left alone) and names its folder in $debian_apt_dir.
debian_config() {
  local suite=$1 dir uris main security conf
  dir=$debian_root/$suite/apt
  mkdir -p "$dir/sources" "$dir/apt.conf.d" "$dir/preferences.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  uris=$(debian_machine_uris)
  main=$(awk '$2 == "main" { print $1 }' <<< "$uris" | tr '\n' ' ')
  security=$(awk '$2 == "security" { print $1 }' <<< "$uris" | tr '\n' ' ')
  [ -n "$main" ] || die "no Debian archive for this release in /etc/apt/sources.list{,.d/*} to fetch $suite from"
  conf=$(printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${main% }" "$suite" "$suite")
  [ -z "$security" ] || conf+=$(printf '\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${security% }" "$suite")
  debian_write "$dir/sources/debian.sources" "$conf"
  debian_write "$dir/apt.conf" "$(cat <<CONF
// early-ucode's private apt configuration for Debian $suite (scripts/lib.sh).
Dir::Etc::Main "/dev/null";
Dir::Etc::Parts "$dir/apt.conf.d";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$dir/sources";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$dir/preferences.d";
Dir::State::Lists "$dir/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir/cache";
CONF
)"
  debian_apt_dir=$dir
}

# debian_write FILE TEXT: FILE holds TEXT (replaced by rename, only when it differs).
debian_write() {
  if [ "$(cat "$1" 2>/dev/null)" != "$2" ]; then
    printf '%s\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"
  fi
}

debian_apt() {
  local suite=$1
  shift
  debian_config "$suite"
  APT_CONFIG=$debian_apt_dir/apt.conf "$@"
}

# debian_update SUITE (with the suite's lock held): refreshes stale lists.
debian_update() {
  local suite=$1 dir stamp
  debian_config "$suite"
  dir=$debian_apt_dir
  stamp=$dir/lists/.updated
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/sources/debian.sources" ] \
    && [ -n "$(find "$stamp" -mmin "-${DEBIAN_LISTS_MINUTES:-1440}")" ]; then
    return 0
  fi
  say "refreshing the package lists of Debian $suite (private, in $dir)"
  if APT_CONFIG=$dir/apt.conf apt-get -q -q update > "$dir/update.log" 2>&1; then
    touch "$stamp"
  elif [ -f "$stamp" ]; then
    say "warning: apt-get update for $suite failed; using the lists of $(date -r "$stamp" '+%F %R'):"
    tail -n 3 "$dir/update.log" >&2
  else
    tail -n 10 "$dir/update.log" >&2
    die "apt-get update for Debian $suite failed (log: $dir/update.log)"
  fi
}

# debian_lock SUITE: holds the suite's lock until the (sub)shell ends.
debian_lock() {
  mkdir -p "$debian_root/$1"
  exec {debian_lock_fd}> "$debian_root/$1/.lock"
  flock "$debian_lock_fd"
}

debian_newest() (
  local suite=$1 ere=$2 name
  debian_lock "$suite"
  debian_update "$suite"
  name=$(APT_CONFIG=$debian_apt_dir/apt.conf apt-cache pkgnames | grep -x -E -- "$ere" | sort -V | tail -n 1)
  [ -n "$name" ] || die "no package in Debian $suite matches $ere"
  echo "$name"
)

# debian_microcode: a firmware root (intel-ucode/, amd-ucode/) of Debian 12's
# intel-microcode and amd64-microcode, as ../shared/fixtures/firmware is,
# fetched with debian_fetch (this machine's apt sources and state are never
# used, whether or not they have non-free-firmware) and cached in
# $top/.build/firmware/; prints its path. The versions the golden
# real-firmware digest was made for (debian_microcode_versions), while the
# archive has them; else the newest, saying so (that one test then skips,
# saying why). README.md names the packages and versions; the packages'
# copyright files are beside it. Debian 12's, whatever this machine runs:
# the tests' expectations are written for them.
debian_microcode_versions="intel-microcode=3.20251111.1~deb12u1 amd64-microcode=3.20250311.1~deb12u1"
debian_microcode() (
  local suite=bookworm spec specs=() dirs=() dir dest tmp pkg
  debian_fetch "$suite" > /dev/null
  for spec in $debian_microcode_versions; do
    # grep without -q: under pipefail, a grep that quits at the first match
    # can kill apt-cache with SIGPIPE and fail the pipeline (seen here).
    if debian_apt "$suite" apt-cache show -- "$spec" 2>/dev/null | grep -x "Version: ${spec#*=}" > /dev/null; then
      specs+=("$spec")
    else
      say "$spec is no longer in Debian $suite: using its newest ${spec%%=*}"
      specs+=("${spec%%=*}")
    fi
  done
  mapfile -t dirs < <(debian_fetch "$suite" "${specs[@]}")
  [ "${#dirs[@]}" -eq 2 ] || die "fetching ${specs[*]} from Debian $suite failed"
  # A plain name (no ~, + or :), as configuration files and --firmware-dir take it.
  dest=$top/.build/firmware/debian12-$(printf '%s-%s' "${dirs[0]##*/}" "${dirs[1]##*/}" | sed 's/%3a/-/g; s/[^A-Za-z0-9.-]/-/g')
  if [ ! -d "$dest" ]; then
    mkdir -p "$top/.build/firmware"
    rm -rf -- "$top/.build/firmware"/.tmp.*
    tmp=$(mktemp -d "$top/.build/firmware/.tmp.XXXXXX")
    for dir in "${dirs[@]}"; do
      pkg=${dir##*/}
      pkg=${pkg%%_*}
      find "$dir" -path '*/firmware/intel-ucode' -type d -exec cp -a {} "$tmp/" \;
      find "$dir" -path '*/firmware/amd-ucode' -type d -exec cp -a {} "$tmp/" \;
      cp "$dir/usr/share/doc/$pkg/copyright" "$tmp/$pkg.copyright"
    done
    [ -d "$tmp/intel-ucode" ] && [ -d "$tmp/amd-ucode" ] || die "no intel-ucode/ or amd-ucode/ in ${dirs[*]}"
    {
      echo "# Real CPU microcode, for tests"
      echo
      echo "Unmodified files from Debian 12 packages (non-free-firmware), fetched by"
      echo "scripts/lib.sh's debian_microcode:"
      echo
      echo "| folder | package | version |"
      echo "| --- | --- | --- |"
      echo "| intel-ucode/ | intel-microcode | $(basename "${dirs[0]}" | sed 's/^[^_]*_//; s/%3a/:/g') |"
      echo "| amd-ucode/ | amd64-microcode | $(basename "${dirs[1]}" | sed 's/^[^_]*_//; s/%3a/:/g') |"
      echo
      echo "Licenses: intel-microcode.copyright and amd64-microcode.copyright."
    } > "$tmp/README.md"
    chmod 0755 "$tmp"
    mv -T "$tmp" "$dest"
    say "real microcode (Debian $suite) in $dest"
  fi
  echo "$dest"
)

debian_fetch() (
  local suite=$1 spec name version dest tmp deb
  shift
  need apt-get apt
  need dpkg-deb dpkg
  debian_lock "$suite"
  debian_update "$suite"
  # What a run that was killed left (the lock is ours).
  rm -rf -- "$debian_root/$suite"/.tmp.*
  for spec in "$@"; do
    name=${spec%%=*}
    if [ "$spec" != "$name" ]; then
      version=${spec#*=}
    else
      version=$(APT_CONFIG=$debian_apt_dir/apt.conf apt-cache show --no-all-versions -- "$name" 2>/dev/null \
        | sed -n 's/^Version: //p' | head -n 1)
      [ -n "$version" ] || die "no package $name in Debian $suite"
    fi
    dest=$debian_root/$suite/${name}_${version//:/%3a}
    if [ ! -d "$dest" ]; then
      tmp=$(mktemp -d "$debian_root/$suite/.tmp.XXXXXX")
      mkdir "$tmp/deb" "$tmp/root"
      # apt downloads as _apt when it can write the folder.
      if id _apt > /dev/null 2>&1; then chown _apt "$tmp/deb"; fi
      (cd "$tmp/deb" && APT_CONFIG=$debian_apt_dir/apt.conf apt-get -q -q download -- "$name=$version") > "$tmp/download.log" 2>&1 \
        || { cat "$tmp/download.log" >&2; rm -rf -- "$tmp"; die "apt-get download $name=$version ($suite) failed"; }
      for deb in "$tmp/deb"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
      mv -T "$tmp/root" "$dest"
      rm -rf -- "$tmp"
      say "fetched $name $version (Debian $suite) into $dest"
    fi
    echo "$dest"
  done
)

# --- Debian roots: debootstrap, cached, and tools run inside them --------------
#
# debian_system SUITE [PKG...]: prints the path of a Debian SUITE (bookworm,
# trixie) root file system, made on first use and cached in
# $debian_root/SUITE/system, so every script of a run (and every later run)
# shares one root per suite:
#   - `debootstrap --variant=minbase SUITE` from this machine's own Debian
#     mirror (debian_machine_uris, as debian_fetch uses), verified with
#     Debian's archive keyring; the root's apt then names that mirror for
#     SUITE, SUITE-updates and SUITE-security (main only);
#   - then, inside it (`apt-get install --no-install-recommends`), the
#     suite's packages (debian_system_packages: what the boot-integration
#     tests run: initramfs-tools, dracut-core, grub-common/grub-pc-bin,
#     systemd with kernel-install, for trixie systemd-ukify and
#     systemd-boot-efi, cpio, zstd) plus the PKGs the caller names;
#   - /usr/sbin/policy-rc.d says 101, so no package starts a service.
# It is built in a temporary folder beside the cache and renamed into place
# when whole: a killed run never leaves half a root (what it left is removed
# by the next). The root's marker file, $debian_root/SUITE/system.packages,
# records how it was made (suite, mirror, variant, packages, extra PKGs); a
# root made another way is made again: from scratch when the suite, mirror
# or variant changed or lib.sh's list dropped a package, else (packages
# added, or PKGs not yet in it) by installing what it lacks into a copy of
# it, which then replaces it. Downloaded .debs are
# kept in $debian_root/SUITE/system-debs/ for the next rebuild. Runs on one
# suite take turns (the suite's lock, shared with debian_fetch). Needs root,
# debootstrap (apt-get install debootstrap) and unshare.
#
# The cached root is a read-only base: run tools in it with debian_run,
# which overlays it, never in it directly.
#
# debian_run ROOT CHANGES [--bind SRC DEST | --ro-bind SRC DEST]... [--] COMMAND [ARG...]:
# runs COMMAND chrooted in ROOT, in a private mount namespace (unshare -m,
# propagation private) where ROOT is the lower layer of an overlay whose
# upper layer is CHANGES/upper: every file COMMAND writes lands there and
# ROOT stays as it was. Files put in CHANGES/upper beforehand (a binary,
# hooks, a configuration, /boot's contents) are in the root when COMMAND
# runs; what it wrote is read from CHANGES/upper afterwards (deleted files
# are overlayfs whiteouts there). Also mounted, in that namespace only:
# proc on /proc, /sys and /dev (recursive binds), a tmpfs on /run and /tmp,
# and each SRC (a host path) on DEST (a path in the root, created when
# missing). Every mount ends with the namespace, when COMMAND exits: none
# is ever left behind, whatever kills the script. COMMAND gets a clean
# environment (PATH, HOME=/root, LC_ALL=C.UTF-8, DEBIAN_FRONTEND=
# noninteractive); pass more as `env VAR=VALUE... COMMAND`. Its status is
# debian_run's. CHANGES is made when missing; use a fresh one per run
# (e.g. under $work), since overlayfs needs its upper and work folders on
# one file system and never shared by two mounts at once.
#
#   root=$(debian_system trixie)
#   mkdir -p "$work/t/upper/boot" && cp vmlinuz-V "$work/t/upper/boot/"
#   debian_run "$root" "$work/t" -- dracut --kver V /boot/initrd.img-V
#   ls "$work/t/upper/boot"
#
# debian_kernel SUITE: prints a folder holding SUITE's kernel as
# boot/vmlinuz-V and config-V, with its modules (debian_kernel_modules DIR
# V): / when this machine runs SUITE and has one in /boot, else the newest
# linux-image-*-amd64-unsigned of SUITE, fetched with debian_fetch (cached,
# shared with loader-test; depmod writes its modules.dep there once).
# debian_kernel_version DIR: its V.

# debian_system_packages SUITE: what the tests need in SUITE's root.
# early-ucode's binary needs no library: it is statically linked
# (scripts/build-release).
debian_system_packages() {
  local common="initramfs-tools dracut-core cpio zstd kmod udev grub-common grub-pc-bin systemd"
  case "$1" in
    bookworm) echo "$common" ;;
    trixie) echo "$common systemd-ukify systemd-boot-efi" ;;
    *) die "debian_system: no package list for Debian $1 (bookworm, trixie)" ;;
  esac
}

# debian_words WORD...: the words, sorted, unique, on one line.
debian_words() { printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'; }

debian_system() (
  local suite=$1 dir root marker base extra head mirror uris have_base have_extra missing pkg tmp
  shift
  need debootstrap debootstrap
  need unshare util-linux
  [ "$(id -u)" -eq 0 ] || die "debian_system needs root (debootstrap, chroot, mounts)"
  dir=$debian_root/$suite
  root=$dir/system
  marker=$dir/system.packages
  debian_lock "$suite"
  # What a killed run left.
  rm -rf -- "$dir"/.system.*
  uris=$(debian_machine_uris)
  mirror=$(awk '$2 == "main" { print $1; exit }' <<< "$uris")
  [ -n "$mirror" ] || die "no Debian archive for this release in /etc/apt/sources.list{,.d/*} to debootstrap $suite from"
  # shellcheck disable=SC2046
  base=$(debian_words $(debian_system_packages "$suite"))
  # shellcheck disable=SC2046
  extra=$(debian_words "$@")
  head="suite: $suite
mirror: $mirror
variant: minbase"
  missing=()
  if [ -d "$root" ] && [ -f "$marker" ] && [ "$(sed -n '1,3p' "$marker")" = "$head" ]; then
    have_base=$(sed -n 's/^packages: //p' "$marker")
    have_extra=$(sed -n 's/^extra: //p' "$marker")
    # What the root lacks; a package dropped from lib.sh's list needs a fresh root.
    for pkg in $have_base; do
      case " $base " in *" $pkg "*) ;; *) missing=(fresh); break ;; esac
    done
    if [ "${missing[*]-}" != fresh ]; then
      for pkg in $base $extra; do
        case " $have_base $have_extra " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
      done
      if [ "${#missing[@]}" -eq 0 ]; then
        echo "$root"
        return 0
      fi
    fi
  else
    missing=(fresh)
  fi
  tmp=$(mktemp -d "$dir/.system.XXXXXX")
  if [ "${missing[*]}" != fresh ]; then
    say "adding ${missing[*]} to the Debian $suite root (in a copy, renamed into place)"
    cp -a "$root/." "$tmp/"
    debian_system_install "$suite" "$tmp" "${missing[@]}"
    # shellcheck disable=SC2086
    printf '%s\npackages: %s\nextra: %s\n' "$head" "$base" "$(debian_words $have_extra $extra)" > "$tmp.packages"
  else
    [ ! -e "$root" ] || say "the Debian $suite root was made from another package list or mirror: making it again"
    say "making a Debian $suite root (debootstrap --variant=minbase, $mirror; cached in $root)"
    local started=$SECONDS
    mkdir -p "$dir/system-debs/partial" "$dir/debootstrap-debs"
    # debootstrap mounts /proc and /sys in the target itself: in a namespace of its own, so none is left.
    if ! unshare -m --propagation private debootstrap --variant=minbase --merged-usr \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        --cache-dir="$dir/debootstrap-debs" "$suite" "$tmp" "$mirror" > "$dir/debootstrap.log" 2>&1; then
      tail -n 15 "$dir/debootstrap.log" >&2
      rm -rf -- "$tmp"
      die "debootstrap $suite failed (log: $dir/debootstrap.log)"
    fi
    debian_system_sources "$suite" "$tmp" "$uris"
    printf '#!/bin/sh\n# Test root (scripts/lib.sh debian_system): no service starts.\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
    chmod 0755 "$tmp/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2086
    debian_system_install "$suite" "$tmp" $base $extra
    printf '%s\npackages: %s\nextra: %s\n' "$head" "$base" "$extra" > "$tmp.packages"
    say "made the Debian $suite root in $((SECONDS - started))s"
  fi
  rm -rf -- "$root.old"
  if [ -d "$root" ]; then mv -T "$root" "$root.old"; fi
  mv -T "$tmp" "$root"
  mv -f "$tmp.packages" "$marker"
  rm -rf -- "$root.old"
  echo "$root"
)

# debian_system_sources SUITE ROOT URIS: the root's apt sources, this
# machine's mirrors for SUITE (deb822), instead of debootstrap's one line.
debian_system_sources() {
  local suite=$1 root=$2 uris=$3 main security
  main=$(awk '$2 == "main" { print $1 }' <<< "$uris" | tr '\n' ' ')
  security=$(awk '$2 == "security" { print $1 }' <<< "$uris" | tr '\n' ' ')
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "${main% }" "$suite" "$suite"
    [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "${security% }" "$suite"
  } > "$root/etc/apt/sources.list.d/debian.sources"
}

# debian_system_install SUITE ROOT PKG...: apt-get update and install in
# ROOT itself (not overlaid: ROOT is a folder being built), with the
# suite's .deb cache bound on the root's.
debian_system_install() {
  local suite=$1 root=$2 log
  shift 2
  log=$debian_root/$suite/system-install.log
  if ! debian_namespace "$root" "" --bind "$debian_root/$suite/system-debs" /var/cache/apt/archives -- \
      sh -c 'apt-get -q -o APT::Keep-Downloaded-Packages=true update && apt-get -q -y --no-install-recommends -o APT::Keep-Downloaded-Packages=true install "$@"' \
      apt "$@" > "$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "apt-get install $* in the Debian $suite root failed (log: $log)"
  fi
  rm -rf -- "${root:?}"/var/lib/apt/lists/* "${root:?}"/tmp/* 2>/dev/null || true
}

debian_run() {
  local root=$1 changes=$2
  shift 2
  [ -d "$root" ] || die "debian_run: no root at $root"
  mkdir -p "$changes/upper" "$changes/work" "$changes/merged"
  debian_namespace "$root" "$changes" "$@"
}

# debian_namespace ROOT CHANGES [--bind SRC DEST | --ro-bind SRC DEST]... [--] COMMAND...:
# debian_run's work; CHANGES '' runs in ROOT itself (debian_system's build).
debian_namespace() {
  local root=$1 changes=$2
  shift 2
  local binds=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --bind|--ro-bind) binds+=("$1" "${2:?}" "${3:?}"); shift 3 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "debian_run: no command"
  # The script below runs in the new namespace; its mounts vanish with it.
  # shellcheck disable=SC2016
  unshare -m --propagation private -- bash -c '
    set -eu
    root=$1 changes=$2 nbinds=$3
    shift 3
    if [ -n "$changes" ]; then
      mount -t overlay early-ucode-test-root -o "lowerdir=$root,upperdir=$changes/upper,workdir=$changes/work" "$changes/merged"
      root=$changes/merged
    fi
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=0755 early-ucode-test-run "$root/run"
    mount -t tmpfs -o mode=1777 early-ucode-test-tmp "$root/tmp"
    while [ "$nbinds" -gt 0 ]; do
      kind=$1 src=$2 dest=$3
      shift 3
      nbinds=$((nbinds - 1))
      if [ -d "$src" ]; then mkdir -p "$root$dest"; else mkdir -p "$(dirname "$root$dest")"; [ -e "$root$dest" ] || : > "$root$dest"; fi
      mount --bind "$src" "$root$dest"
      if [ "$kind" = --ro-bind ]; then mount -o remount,bind,ro "$root$dest"; fi
    done
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
  ' debian_run "$root" "$changes" "$(( ${#binds[@]} / 3 ))" "${binds[@]}" "$@"
}

debian_kernel() {
  local suite=$1 host vmlinuz version package dir
  host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$host" = "$suite" ]; then
    for vmlinuz in $(ls -d /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
      version=${vmlinuz#/boot/vmlinuz-}
      if [ -f "/lib/modules/$version/modules.dep" ]; then echo /; return 0; fi
    done
  fi
  case "$suite" in
    bookworm) package=$(debian_newest bookworm 'linux-image-6\.1\.0-[0-9]+-amd64-unsigned') ;;
    trixie) package=$(debian_newest trixie 'linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned') ;;
    *) die "debian_kernel: no kernel package known for Debian $suite" ;;
  esac
  dir=$(debian_fetch "$suite" "$package")
  # A package's modules come without the maps depmod writes at install time.
  version=$(debian_kernel_version "$dir")
  if [ ! -f "$(debian_kernel_modules "$dir" "$version")/modules.dep" ]; then
    need depmod kmod
    depmod -b "$dir$( [ -d "$dir/usr/lib/modules" ] && echo /usr)" "$version" \
      || die "depmod for $version in $dir failed"
  fi
  echo "$dir"
}

# debian_kernel_modules DIR V: DIR's modules folder for V (lib/modules/V,
# or usr/lib/modules/V as Debian 13's packages have it).
debian_kernel_modules() {
  if [ -d "$1/lib/modules/$2" ]; then echo "$1/lib/modules/$2"
  elif [ -d "$1/usr/lib/modules/$2" ]; then echo "$1/usr/lib/modules/$2"
  else die "no modules for $2 in $1"
  fi
}

# debian_kernel_version DIR: the version V of DIR/boot/vmlinuz-V (the newest).
debian_kernel_version() {
  local vmlinuz
  vmlinuz=$(newest "$1"/boot/vmlinuz-*)
  [ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in $1"
  echo "${vmlinuz##*/vmlinuz-}"
}
