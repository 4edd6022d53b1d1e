#!/bin/sh
# Starts a throwaway PostgreSQL cluster for the registry tests, as an
# unprivileged user, listening on 127.0.0.1 only, and prints the line to
# eval:
#
#     eval "$(.ci/postgres.sh start)"   # exports HUFU_TEST_POSTGRES
#     go test ./registry/... ./cmd/hufu -run Registry
#     .ci/postgres.sh stop
#
# Environment: PGBIN (default the newest /usr/lib/postgresql/*/bin), PGPORT (default
# 55432), PGTEST_DIR (default /tmp/hufu-pgtest), PGTEST_USER (default
# pgtest, created if missing when run as root).
set -eu
if [ -z "${PGBIN:-}" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
if [ ! -x "$PGBIN/initdb" ]; then
	echo "postgres.sh: no initdb in '$PGBIN': install Debian's postgresql package or set PGBIN" >&2
	exit 2
fi
PGPORT=${PGPORT:-55432}
DIR=${PGTEST_DIR:-/tmp/hufu-pgtest}
USER_=${PGTEST_USER:-pgtest}

as_user() {
	if [ "$(id -u)" = 0 ]; then
		su "$USER_" -s /bin/sh -c "$1"
	else
		sh -c "$1"
	fi
}

case "${1:-start}" in
start)
	if [ "$(id -u)" = 0 ] && ! id "$USER_" >/dev/null 2>&1; then
		useradd -M -r -s /usr/sbin/nologin "$USER_" >&2
	fi
	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		mkdir -p "$DIR"
		[ "$(id -u)" = 0 ] && chown "$USER_" "$DIR"
		as_user "'$PGBIN/initdb' -D '$DIR/data' -A trust -U postgres -E UTF8 --no-sync" >&2
		mkdir -p "$DIR/sock"
		[ "$(id -u)" = 0 ] && chown "$USER_" "$DIR/sock"
	fi
	if ! as_user "'$PGBIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
		as_user "'$PGBIN/pg_ctl' -D '$DIR/data' -w -l '$DIR/pg.log' -o \"-k '$DIR/sock' -c listen_addresses=127.0.0.1 -p $PGPORT -c max_connections=200\" start" >&2
	fi
	echo "export HUFU_TEST_POSTGRES='postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable'"
	;;
stop)
	as_user "'$PGBIN/pg_ctl' -D '$DIR/data' -m fast stop" >&2 || true
	rm -rf "$DIR"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
