#!/usr/bin/env bash
# tests/forwarders/unpack-syslog-ng.sh DIR: makes Debian's syslog-ng runnable for the forwarder tests without
# installing it. syslog-ng-core and rsyslog conflict (both provide system-log-daemon), so a machine that runs the
# rsyslog tests cannot have syslog-ng installed too; this unpacks the package (apt-get download, dpkg-deb -x) into
# DIR/root instead, where syslog_ng_test.cc finds DIR/root/usr/sbin/syslog-ng. Its libraries (libivykis0,
# libnet1, ...) must be installed (tools/bootstrap installs them with syslog-ng-core before rsyslog replaces it).
# Does nothing when syslog-ng is installed or already unpacked. When the package cannot be fetched it says so and
# exits 0: the syslog-ng tests then skip themselves (77), and the other forwarder tests, which need this fixture
# too, still run.
set -euo pipefail
dir="$1"
[ -x /usr/sbin/syslog-ng ] && exit 0
[ -x "$dir/root/usr/sbin/syslog-ng" ] && exit 0
skip() { echo "unpack-syslog-ng: $1; the syslog-ng tests will be skipped" >&2; exit 0; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skip "no apt-get or dpkg-deb"
mkdir -p "$dir"
cd "$dir"
rm -rf syslog-ng-core_*.deb root.tmp
apt-get download syslog-ng-core >&2 || skip "cannot download syslog-ng-core"
dpkg-deb -x syslog-ng-core_*.deb root.tmp
LD_LIBRARY_PATH="$dir/root.tmp/usr/lib/syslog-ng" root.tmp/usr/sbin/syslog-ng --version >/dev/null ||
  skip "the unpacked syslog-ng does not run (missing libraries?)"
rm -rf root && mv root.tmp root
