# A throwaway PostgreSQL cluster for a test: pg_up makes and starts one in
# a temp dir (unix socket only) and exports DATABASE_URL; pg_stop and
# pg_start stop and restart it; it is removed on exit. Source after lib.sh.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/initdb" ] || fail "no PostgreSQL server binaries (postgresql)"
PGD=$(mktemp -d /tmp/herald-pg.XXXXXX)
PGPORT=$((30000 + $$ % 20000))
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$PGD"
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w -o \
		"-k $PGD -p $PGPORT -c listen_addresses=''" start >/dev/null ||
		fail "PostgreSQL did not start: $(cat "$PGD/log")"
}
pg_stop() {
	as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -m fast -w stop >/dev/null 2>&1 || true
}
pg_up() {
	as_pg "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres >/dev/null ||
		fail "initdb failed"
	pg_start
	export DATABASE_URL="postgresql://postgres@/postgres?host=$PGD&port=$PGPORT"
}
psql_q() {
	psql -X -A -t -h "$PGD" -p "$PGPORT" -U postgres -d postgres -c "$1"
}
pg_cleanup() { pg_stop; rm -rf "$PGD"; }
