# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# DKMS in a private tree, as a user's `dkms add` and `dkms build` of hsx-dkms's source
# (/usr/src/hsx-<version>), sourced by tests/pkg/run (the DKMS builds) and tests/vm/run
# --installed (the module the installed-package run loads). The tree is WORK/dkms
# (--dkmstree, --sourcetree, --installtree) and dkms signs with a key of its own there
# (mok_signing_key, mok_certificate): the machine's /var/lib/dkms and /lib/modules are not
# touched.

dkms_kbuild_fixed=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/kbuild-fixed

# dkms_private_add WORK SRC: a fresh private tree under WORK/dkms with SRC added; sets
# dkms_opts (the options every dkms call takes) and dkms_work. The log is WORK/dkms-add.log.
dkms_private_add() {
	dkms_work=$1
	dkms_opts=(--dkmstree "$dkms_work/dkms/var" --sourcetree "$dkms_work/dkms/src"
		   --installtree "$dkms_work/dkms/modules")
	rm -rf "$dkms_work/dkms"
	mkdir -p "$dkms_work/dkms/var" "$dkms_work/dkms/src" "$dkms_work/dkms/modules" \
		"$dkms_work/dkms/key"
	# dkms makes the key pair there if missing, and signs with it where it finds sign-file.
	export mok_signing_key=$dkms_work/dkms/key/mok.key mok_certificate=$dkms_work/dkms/key/mok.pub
	dkms add "${dkms_opts[@]}" "$2" >"$dkms_work/dkms-add.log" 2>&1
}

# dkms_release KDIR: the release KDIR's kernel says it is (its utsrelease.h), as dkms -k takes it.
dkms_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null
}

# dkms_private_build VERSION REL KDIR LOG [aarch64]: dkms build hsx/VERSION for kernel REL
# from the headers in KDIR, with -Werror on hsx's sources (HSX_WERROR=y, which dkms hands to
# make; KBUILD_VERBOSE=1 puts the compile lines in dkms's make.log); dkms's output in LOG.
# aarch64: cross-built for an arm64 kernel, as README says (ARCH=arm64 CROSS_COMPILE=...,
# dkms -a aarch64). Sets dkms_base, where dkms keeps what it built (module/*.ko, log/make.log).
dkms_private_build() {
	local arch=${5:-$(uname -m)} cross=()
	[ "$arch" = "$(uname -m)" ] || cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	dkms_base=$dkms_work/dkms/var/hsx/$1/$2/$arch
	# The tree at one fixed path where check-all asks for it (scripts/kbuild-fixed: ccache).
	env ${cross[@]+"${cross[@]}"} HSX_WERROR=y KBUILD_VERBOSE=1 \
		"$dkms_kbuild_fixed" "$dkms_work/dkms" dkms build --dkmstree @DIR@/var \
		--sourcetree @DIR@/src --installtree @DIR@/modules \
		"hsx/$1" -k "$2" -a "$arch" --kernelsourcedir "$3" >"$4" 2>&1
}
