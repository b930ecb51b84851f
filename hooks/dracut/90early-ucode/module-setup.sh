#!/bin/sh
# early-ucode dracut module: puts the early microcode archive that
# `early-ucode build` writes (kernel/x86/microcode/{GenuineIntel,
# AuthenticAMD}.bin, uncompressed newc, each .bin's data 16-byte aligned)
# at the very front of every image dracut writes, byte for byte as build
# wrote it, followed by dracut's compressed main archive.
#
# Installed as /usr/lib/dracut/modules.d/90early-ucode/module-setup.sh with
# ../early-ucode.conf as 90-early-ucode.conf in /etc/dracut.conf.d
# (scripts/install) or /usr/lib/dracut/dracut.conf.d (the Debian package),
# which adds this module and turns dracut's own early microcode off, so
# nothing shadows ours. dracut sources this file into its bash; the code
# below is POSIX sh, names everything early_ucode_* so nothing of dracut's
# is touched, and does its work (early_ucode_prepend) in a subshell with
# set -eu.
#
# dracut internals (there is no documented way to prepend a ready-made
# early cpio; checked in dracut 059, Debian 12, and 106, Debian 13, by
# scripts/dracut-test): dracut assembles the image in
# "$DRACUT_TMPDIR/initramfs.img". When it makes no early cpio of its own
# (early_microcode=no and no ACPI table override), it only *appends* the
# compressed main archive to that file (`$compress >> initramfs.img`), so
# an archive written there by a module's install() comes first. When it
# does make one, it *truncates* the file (`cpio ... > initramfs.img`): with
# early_microcode=yes this module adds nothing and says why; with an ACPI
# table override it puts its .bin files into dracut's early cpio folder
# ("$early_cpio_dir/d", packed by dracut with GNU cpio, so Intel's data
# alignment is not kept) and says so.
#
# Settings: /etc/default/early-ucode (read by early-ucode, never sourced
# here). When EARLY_UCODE is not set there, the CPUs follow dracut's
# hostonly: a host-only image gets this host's CPUs, a generic one every
# CPU. In early-file mode (`early-ucode early-file enable`: GRUB loads
# /boot/early_ucode.cpio before the initrd) images get no archive, and the
# early file is brought up to date instead. Run by kernel-install with
# layout=bls or uki while early-ucode's kernel-install plugin is installed,
# images get no archive either: the plugin makes it the entry's first initrd.
#
# Failure policy: a problem here never stops dracut. The image is built
# without early-ucode's archive (it boots with the firmware's microcode)
# and a warning or error line says why.
#
# Environment: EARLY_UCODE_BIN (default /usr/local/sbin/early-ucode),
# EARLY_UCODE_CONFIG (default /etc/default/early-ucode).

# check: included whenever it is installed (early-ucode.conf adds it too).
check() {
	return 0
}

depends() {
	return 0
}

install() {
	early_ucode_status=0
	early_ucode_output=$(early_ucode_prepend 2>&1) || early_ucode_status=$?
	early_ucode_report "$early_ucode_output"
	if [ "$early_ucode_status" -ne 0 ]; then
		derror "early-ucode: failed (exit $early_ucode_status): no early microcode from early-ucode in this image"
	fi
	return 0
}

# early_ucode_report TEXT: each "E: "/"W: "/"I: " line of TEXT through
# dracut's logger (derror, dwarn, dinfo); other lines are early-ucode's own
# output, shown as information.
early_ucode_report() {
	printf '%s\n' "$1" | while IFS= read -r early_ucode_line; do
		case "$early_ucode_line" in
		"") ;;
		"E: "*) derror "early-ucode: ${early_ucode_line#E: }" ;;
		"W: "*) dwarn "early-ucode: ${early_ucode_line#W: }" ;;
		"I: "*) dinfo "early-ucode: ${early_ucode_line#I: }" ;;
		*) dinfo "early-ucode: $early_ucode_line" ;;
		esac
	done
}

# early_ucode_prepend: the work, in a subshell (set -eu stays there);
# messages on stdout as E:/W:/I: lines.
early_ucode_prepend() (
	set -eu
	binary="${EARLY_UCODE_BIN:-/usr/local/sbin/early-ucode}"
	# Another configuration than /etc/default/early-ucode, which early-ucode
	# reads by itself when it is there.
	config="${EARLY_UCODE_CONFIG:-}"
	# `early-ucode early-file enable` writes it (Integration/EarlyFile.swift).
	early_file_marker=/var/lib/early-ucode/early-file
	staging="${DRACUT_TMPDIR:-}/initramfs.img"

	early_ucode_ready
	if [ -e "$early_file_marker" ]; then
		early_ucode_early_file
		exit 0
	fi
	early_ucode_build
	if [ ! -s "$archive" ]; then
		echo "I: no archive written"
		exit 0
	fi
	if [ "${acpi_override:-}" = "yes" ] && early_ucode_has_acpi_tables; then
		early_ucode_into_dracut_cpio
		exit 0
	fi
	# Whole or not at all: one rename in dracut's own folder.
	size=$(wc -c <"$archive")
	mv "$archive" "$staging"
	echo "I: $size bytes at the front of the image"
)

# early_ucode_ready: stops (exit 0: no archive from early-ucode in this
# image) when the module cannot work here.
early_ucode_ready() {
	if [ -z "${DRACUT_TMPDIR:-}" ] || [ ! -d "$DRACUT_TMPDIR" ]; then
		echo "E: DRACUT_TMPDIR is not a folder: this module only runs under dracut"
		exit 0
	fi
	if [ ! -x "$binary" ]; then
		echo "W: $binary not found: no early microcode from early-ucode in this image"
		exit 0
	fi
	if [ "${early_microcode:-}" = "yes" ]; then
		echo "W: dracut's own early microcode is on (early_microcode=yes in a dracut.conf.d file, or --early-microcode): its archive replaces early-ucode's; set early_microcode=\"no\" (90-early-ucode.conf does)"
		exit 0
	fi
	if early_ucode_kernel_install_stages_it; then
		echo "I: run by kernel-install (layout=$KERNEL_INSTALL_LAYOUT), whose 56-early-ucode.install gives the entry the archive as its first initrd: this image gets none (never both)"
		exit 0
	fi
	if [ -e "$staging" ]; then
		echo "W: $staging exists before dracut wrote it (another module, or a dracut this module does not know): no early microcode from early-ucode in this image"
		exit 0
	fi
}

# early_ucode_kernel_install_stages_it: dracut runs under kernel-install
# (50-dracut.install) with layout bls or uki, and early-ucode's plugin will
# run: the plugin stages the archive as the entry's microcode initrd. The
# plugin's name under /etc, when there, decides alone: it overrides the
# one in /usr/lib, and a link to /dev/null masks it (kernel-install(8)).
early_ucode_kernel_install_stages_it() {
	[ -n "${KERNEL_INSTALL_STAGING_AREA:-}" ] || return 1
	case "${KERNEL_INSTALL_LAYOUT:-}" in
	bls | uki) ;;
	*) return 1 ;;
	esac
	plugin=/etc/kernel/install.d/56-early-ucode.install
	if [ ! -e "$plugin" ] && [ ! -L "$plugin" ]; then
		plugin=/usr/lib/kernel/install.d/56-early-ucode.install
	fi
	[ -f "$plugin" ] && [ -x "$plugin" ]
}

# early_ucode_early_file: early-file mode; the image gets nothing and the
# early file is brought up to date.
early_ucode_early_file() {
	echo "I: early-file mode ($early_file_marker): GRUB loads the archive from the early file, so this image gets none"
	set --
	if [ -n "$config" ]; then set -- --config "$config"; fi
	if output=$("$binary" early-file update "$@" 2>&1); then
		printf '%s\n' "$output" | sed 's/^early-ucode: //; s/^/I: /'
	else
		printf '%s\n' "$output" | sed 's/^early-ucode: //; s/^/W: /'
		echo "W: early-file update failed: the early file may be out of date"
	fi
}

# early_ucode_build: one early-ucode build into dracut's temporary folder
# (removed with it); $archive is the archive, empty when early-ucode wrote
# none (EARLY_UCODE=no, no microcode for the CPUs). A failure prints its
# messages as E: lines and stops.
early_ucode_build() {
	workdir="$DRACUT_TMPDIR/early-ucode"
	mkdir -p "$workdir"
	archive="$workdir/early-ucode.cpio"
	if [ -n "${hostonly:-}" ]; then
		default_scope=auto
	else
		default_scope=all
	fi
	# -o -: a temporary file needs no lock, sync and rename (the report
	# then goes to standard error, into the log).
	set -- --default-scope "$default_scope" -o -
	if [ -n "$config" ]; then set -- --config "$config" "$@"; fi
	status=0
	"$binary" build "$@" >"$archive" 2>"$workdir/log" || status=$?
	if [ "$status" -ne 0 ]; then
		sed 's/^early-ucode: //; s/^/E: /' "$workdir/log"
		echo "E: build failed (exit $status): this image has no early microcode from early-ucode"
		exit 0
	fi
	sed 's/^early-ucode: //' "$workdir/log"
}

early_ucode_has_acpi_tables() {
	for table in "${acpi_table_dir:-/nonexistent}"/*.aml; do
		[ -e "$table" ] && return 0
	done
	return 1
}

# early_ucode_into_dracut_cpio: with an ACPI table override dracut writes
# its own early cpio over the front of the image; the .bin files go into it.
early_ucode_into_dracut_cpio() {
	if [ -z "${early_cpio_dir:-}" ] || [ ! -d "$early_cpio_dir" ]; then
		echo "E: ACPI table override is on but dracut's early cpio folder is missing: no early microcode from early-ucode in this image"
		exit 0
	fi
	mkdir -p "$early_cpio_dir/d"
	(cd "$early_cpio_dir/d" && cpio --quiet -i -d 'kernel/x86/microcode/*.bin' <"$archive")
	echo "W: ACPI table override is on (acpi_override=yes): dracut writes its own early archive, with the tables, over the front of the image; early-ucode's .bin files go into it, packed by dracut (GenuineIntel.bin's data may not be 16-byte aligned)"
}
