#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL 15 for corio's tests, benchmarks and examples: TechEmpower's database
# (hello_world; user benchmarkdbuser, password benchmarkdbpass, SCRAM; tables World with 10,000 rows
# and Fortune with TechEmpower's 12) in a fresh temporary directory, listening on 127.0.0.1 on a
# free port and on a Unix socket in that directory, nowhere else. It never touches a system cluster
# (no pg_ctlcluster, nothing in /etc/postgresql) and nothing starts it at boot.
#
#   pgtest.sh start  [STATE_DIR]  initdb, configure, start and fill a new cluster (reuses a running one)
#   pgtest.sh env    [STATE_DIR]  prints export lines for eval: CORIO_PG_URL, CORIO_PG_ADMIN, CORIO_PGTEST_DIR
#   pgtest.sh pause  [STATE_DIR]  stops the server (fast), keeping its data and port
#   pgtest.sh resume [STATE_DIR]  starts a paused server again on the same port
#   pgtest.sh stop   [STATE_DIR]  stops the server (fast, then immediate, then SIGKILL) and deletes it
#
# STATE_DIR (default ${TMPDIR:-/tmp}/corio-pgtest) holds one-line files:
#   url         postgresql://benchmarkdbuser:benchmarkdbpass@127.0.0.1:PORT/hello_world
#   admin       conninfo of the superuser postgres over the Unix socket (trust; the socket's directory
#               is mode 700, so only its owner and root reach it)
#   port, socket_dir, data_dir, log, pid (the postmaster's; empty while paused)
# As root the server runs as the OS user postgres (initdb refuses root), otherwise as the caller.
# Every wait is bounded; a failure says what failed and prints the tail of the server's log.
# Environment: CORIO_PGTEST_BIN [/usr/lib/postgresql/15/bin], CORIO_PGTEST_TIMEOUT seconds [60].
set -euo pipefail

usage="usage: $0 start|stop|env|pause|resume [STATE_DIR]"
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "$usage" >&2 && exit 2; }
verb=$1
state=${2:-${TMPDIR:-/tmp}/corio-pgtest}
bin=${CORIO_PGTEST_BIN:-/usr/lib/postgresql/15/bin}
timeout_s=${CORIO_PGTEST_TIMEOUT:-60}
user=benchmarkdbuser
password=benchmarkdbpass
database=hello_world

die() {
    echo "pgtest.sh: $*" >&2
    if [ -n "${log:-}" ] && [ -s "$log" ]; then
        echo "pgtest.sh: last lines of $log:" >&2
        tail -n 20 "$log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# initdb and postgres refuse to run as root: as root, the cluster belongs to the OS user postgres
# (created by the postgresql-common package). Commands run from the cluster's directory, which
# that user can enter (the caller's working directory may be /root).
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    owner=postgres
    id -u postgres >/dev/null 2>&1 || die "no OS user postgres to run the server as root: run toolchains/deps.sh"
fi
as_owner() {
    if [ "$owner" = "$(id -un)" ]; then
        (cd "$base" && "$@")
    else
        (cd "$base" && runuser -u "$owner" -- "$@")
    fi
}

read_state() { [ -s "$state/$1" ] && cat "$state/$1"; }

# Loads the state of an existing cluster; returns 1 when STATE_DIR describes none (or one whose
# directory is gone, e.g. /tmp was cleaned: its leftover files are removed).
load() {
    data=$(read_state data_dir) || return 1
    port=$(read_state port) || return 1
    socket_dir=$(read_state socket_dir) || return 1
    log=$(read_state log) || log=""
    base=$(dirname "$data")
    if [ ! -f "$data/PG_VERSION" ]; then
        echo "pgtest.sh: $data is gone: forgetting the cluster of $state" >&2
        forget
        return 1
    fi
}

forget() { rm -f "$state"/{url,admin,port,socket_dir,data_dir,log,pid}; }

postmaster_pid() { head -n 1 "$data/postmaster.pid" 2>/dev/null || true; }

# The postmaster of $data is alive. A killed one may linger as a zombie until its parent (whoever
# adopted it) reaps it, and kill -0 (pg_ctl status) still succeeds on a zombie: look at its state.
running() {
    local pid stat
    [ -n "${data:-}" ] || return 1
    pid=$(postmaster_pid)
    [ -n "$pid" ] && stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    case ${stat%% *} in Z | X) return 1 ;; esac
    as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# Waits (bounded) until the server accepts connections on its socket.
wait_ready() {
    local deadline=$((SECONDS + timeout_s))
    until "$bin/pg_isready" -q -h "$socket_dir" -p "$port" -d postgres -t 2; do
        running || die "the server on port $port exited while starting"
        [ $SECONDS -lt $deadline ] || die "the server on port $port is not ready after ${timeout_s}s"
        sleep 0.2
    done
}

# Starts the configured cluster; returns 1 (with the log kept) if it did not come up.
launch() {
    # A postmaster killed by a signal leaves its lock files, and postgres takes a zombie's pid in
    # them for a live server.
    running || as_owner rm -f "$data/postmaster.pid" "$socket_dir/.s.PGSQL.$port.lock"
    as_owner "$bin/pg_ctl" start -D "$data" -l "$log" -w -t "$timeout_s" -s >/dev/null 2>&1 || return 1
    wait_ready
    postmaster_pid >"$state/pid"
}

# A TCP port nobody listens on, from 20000-32767 (below Linux's ephemeral range, away from 5432).
# Another process may still take it before the server binds: start retries with another port.
free_port() {
    local used="" p i local_address st
    # /proc/net/tcp{,6}: "sl local_address rem_address st ...", the port in hex after the last
    # colon, state 0A = LISTEN.
    while read -r _ local_address _ st _; do
        if [ "$st" = 0A ]; then used+="$((16#${local_address##*:}))"$'\n'; fi
    done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    for i in $(seq 1 100); do
        p=$((20000 + RANDOM % 12768))
        grep -qx "$p" <<<"$used" || { echo "$p" && return; }
    done
    die "no free TCP port found in 20000-32767"
}

configure() {
    # Appended settings override initdb's: the last occurrence of a setting wins.
    cat >>"$data/postgresql.conf" <<EOF

# corio pgtest.sh: a throwaway test cluster, tuned for tests (no durability)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socket_dir'
password_encryption = 'scram-sha-256'
max_connections = 200
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    # The admin role reaches the server only over the socket, whose directory only its owner enters;
    # benchmarkdbuser must prove its password (SCRAM) over both the socket and TCP.
    cat >"$data/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER      ADDRESS       METHOD
local   all       postgres                trust
local   all       all                     scram-sha-256
host    all       all       127.0.0.1/32  scram-sha-256
EOF
}

fill() {
    as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -U postgres -d postgres \
        >>"$log" 2>&1 <<EOF || die "creating the database $database failed"
CREATE ROLE $user LOGIN PASSWORD '$password';
CREATE DATABASE $database OWNER $user ENCODING 'UTF8' TEMPLATE template0;
\\connect $database
SET ROLE $user;
CREATE TABLE World (
    id integer PRIMARY KEY,
    randomNumber integer NOT NULL
);
INSERT INTO World (id, randomNumber)
    SELECT i, 1 + floor(random() * 10000)::integer FROM generate_series(1, 10000) AS i;
CREATE TABLE Fortune (
    id integer PRIMARY KEY,
    message varchar(2048) NOT NULL
);
-- TechEmpower's fortunes (toolset/databases/postgres/create-postgres.sql), ids and text exact.
INSERT INTO Fortune (id, message) VALUES
    (1, 'fortune: No such file or directory'),
    (2, 'A computer scientist is someone who fixes things that aren''t broken.'),
    (3, 'After enough decimal places, nobody gives a damn.'),
    (4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
    (5, 'A computer program does what you tell it to do, not what you want it to do.'),
    (6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
    (7, 'Any program that runs right is obsolete.'),
    (8, 'A list is only as strong as its weakest link. — Donald Knuth'),
    (9, 'Feature: A bug with seniority.'),
    (10, 'Computers make very fast, very accurate mistakes.'),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, 'フレームワークのベンチマーク');
GRANT ALL PRIVILEGES ON World, Fortune TO $user;
RESET ROLE;
ANALYZE;
EOF
}

write_state() {
    echo "postgresql://$user:$password@127.0.0.1:$port/$database" >"$state/url"
    echo "host=$socket_dir port=$port user=postgres dbname=$database" >"$state/admin"
    echo "$port" >"$state/port"
    echo "$socket_dir" >"$state/socket_dir"
    echo "$data" >"$state/data_dir"
    echo "$log" >"$state/log"
}

abandon() {
    if running; then as_owner "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 10 -s >/dev/null 2>&1 || true; fi
    cp "$log" "$state/failed-start.log" 2>/dev/null && echo "pgtest.sh: its log: $state/failed-start.log" >&2
    rm -rf "$base"
    forget
}

start() {
    if load; then
        if running; then
            wait_ready
            postmaster_pid >"$state/pid"
            echo "pgtest.sh: already running on port $port ($state)"
            return
        fi
        echo "pgtest.sh: the cluster of $state is paused: resuming it"
        resume
        return
    fi
    [ -x "$bin/initdb" ] || die "$bin/initdb is missing: run toolchains/deps.sh (package postgresql-15)"
    mkdir -p "$state"
    # The socket lives in this directory too: a short path (a socket path has at most 107 bytes).
    base=$(mktemp -d "${TMPDIR:-/tmp}/corio-pgtest.XXXXXX")
    data=$base/data
    socket_dir=$base
    log=$base/postgres.log
    # A start that fails half-way leaves no server and no directory behind (the log is kept).
    trap abandon EXIT
    [ "$owner" = "$(id -un)" ] || chown "$owner:" "$base"
    chmod 700 "$base"
    # Every directory above it (/ included) must be searchable by that user.
    local why
    why=$(as_owner touch "$log" 2>&1) ||
        die "the OS user $owner cannot write to $base (TMPDIR=${TMPDIR:-}, $(stat -c '/ is %A' /)): $why"
    if ! as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions \
        >>"$log" 2>&1; then
        die "initdb in $data failed"
    fi
    local attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        configure
        launch && break
        # Lost a race for the port: try another one. Anything else is fatal.
        grep -q "could not bind IPv4 address" "$log" || die "the server did not start (port $port)"
        [ "$attempt" -lt 5 ] || die "the server could not bind a free port in 5 attempts"
        echo "pgtest.sh: port $port was taken meanwhile: trying another" >&2
        : >"$log"
    done
    write_state
    fill
    trap - EXIT
    rm -f "$state/failed-start.log"
    echo "pgtest.sh: PostgreSQL $(cat "$data/PG_VERSION") on 127.0.0.1:$port and $socket_dir, data in $data"
    echo "pgtest.sh: $(cat "$state/url")"
}

pause() {
    load || die "no cluster in $state (run: $0 start $state)"
    if running; then
        as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t "$timeout_s" -s || die "stopping the server failed"
    fi
    : >"$state/pid"
    echo "pgtest.sh: paused (port $port, data in $data)"
}

resume() {
    load || die "no cluster in $state (run: $0 start $state)"
    if running; then
        wait_ready
    else
        launch || die "the server did not start again on port $port"
    fi
    postmaster_pid >"$state/pid"
    echo "pgtest.sh: running on port $port"
}

# fast (ends sessions, checkpoints), then immediate (no checkpoint: the data is thrown away anyway),
# then SIGKILL to the postmaster; each bounded.
stop() {
    if ! load; then
        rm -f "$state"/pid
        rmdir "$state" 2>/dev/null || true
        echo "pgtest.sh: no cluster in $state"
        return
    fi
    if running; then
        as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 20 -s 2>/dev/null ||
            as_owner "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 10 -s 2>/dev/null || true
        local pid
        pid=$(postmaster_pid)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            echo "pgtest.sh: the server (pid $pid) ignored pg_ctl stop: killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
        fi
        ! running || die "the server in $data is still running after fast, immediate and SIGKILL"
    fi
    # Only ever a directory this script made.
    case $base in
    */corio-pgtest.??????) rm -rf "$base" ;;
    *) die "refusing to delete $base: not made by pgtest.sh" ;;
    esac
    forget
    rm -f "$state/failed-start.log"
    rmdir "$state" 2>/dev/null || true
    echo "pgtest.sh: stopped and deleted the cluster on port $port"
}

env_lines() {
    load || die "no cluster in $state (run: $0 start $state)"
    printf 'export CORIO_PG_URL=%q\n' "$(cat "$state/url")"
    printf 'export CORIO_PG_ADMIN=%q\n' "$(cat "$state/admin")"
    printf 'export CORIO_PGTEST_DIR=%q\n' "$(cd "$state" && pwd)"
}

case $verb in
start) start ;;
stop) stop ;;
pause) pause ;;
resume) resume ;;
env) env_lines ;;
*) echo "$usage" >&2 && exit 2 ;;
esac
