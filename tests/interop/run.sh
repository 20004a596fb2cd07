#!/bin/sh
# Build tests/interop/tlogcheck against the golang.org/x/mod source that
# Debian's golang-golang-x-mod-dev installs (GOPATH mode, offline: no module
# proxy, no network) and run it:
#
#   tests/interop/run.sh INCLUSION.json CONSISTENCY.json VKEY...
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
GOSRC=/usr/share/gocode
[ -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ] || {
	echo "interop: golang-golang-x-mod-dev is not installed" >&2
	exit 2
}
W=$(mktemp -d "${TMPDIR:-/tmp}/vault-interop.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/src"
cp -r "$HERE/tlogcheck" "$W/src/tlogcheck"
GO111MODULE=off GOPATH="$W:$GOSRC" GOCACHE="$W/cache" GOPROXY=off GOFLAGS= \
	go build -o "$W/tlogcheck" tlogcheck
"$W/tlogcheck" "$@"
