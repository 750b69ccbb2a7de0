# SPDX-License-Identifier: MIT
# servers.sh: starts and stops the servers the bench scripts compare, and reads their CPU time and
# memory from /proc. Sourced (not run) by bench/load/compare.sh, bench/loadgen/compare_wrk.sh and
# bench/loadgen/stall.sh, so every script runs each server the same way:
#   corio      examples/hello/hello --threads 1, plus $CORIO_ARGS if set (e.g. "--recv-buffers 256")
#   nginx      Debian nginx, one worker, `return 200` with the TechEmpower bodies
#   h2o        Debian h2o 2.2, one thread, each path a static file (file.file) with the same body
#   reference  ../shared/reference/sol_uring.c compiled with gcc -O2: raw io_uring, canned bytes, no
#              HTTP parsing (the ceiling; its /json answer is the plaintext one)
#   corio_epoll      hello as corio above on its epoll backend (--backend epoll)
#   reference_epoll  ../shared/reference/sol_epoll.c: raw level-triggered epoll, the epoll ceiling
#   hyper, fasthttp  the peers ../shared/reference/peers/build.sh builds into $CORIO_PEERS
#              (default /tmp/corio-peers): hyper + tokio on one thread, fasthttp with GOMAXPROCS=1
#   gateway      examples/gateway --threads 1 in front of an upstream hello
#   gateway_pipelined  the same with --upstream-pipeline 8 (GETs pipelined on its 16 upstream connections)
#   nginx_proxy  Debian nginx, one worker, proxy_pass to the same upstream with an
#                `upstream { keepalive 256; }` block (HTTP/1.1 keep-alive to the upstream)
# The two proxies share one upstream: hello --threads 1 pinned to CPU 1 (beside the load
# generator), started with the first of them and stopped by servers_stop_all; the proxy's own CPU
# is what is measured. Every server is pinned to CPU 0 and listens on 127.0.0.1.
#
#   source bench/load/servers.sh
#   servers_setup ROOT BUILD WORK [PORT_BASE]   # BUILD holds examples/hello; WORK a scratch directory
#   server_start NAME; server_wait NAME PATH     # sets server_pid[NAME], server_port[NAME]
#   server_stop NAME; servers_stop_all           # the caller's EXIT trap calls servers_stop_all
#   server_cpu_ticks PID; server_rss_kib PID; server_hwm_reset PID; server_hwm_kib PID

servers_known="corio nginx h2o reference corio_epoll reference_epoll hyper fasthttp gateway gateway_pipelined nginx_proxy upstream"
declare -A server_pid server_port
_servers_root= _servers_build= _servers_work= _servers_port_base=18080

servers_setup() {
    _servers_root=$1 _servers_build=$2 _servers_work=$3 _servers_port_base=${4:-18080}
    case $_servers_build in /*) ;; *) _servers_build="$_servers_root/$_servers_build" ;; esac
}

# The port of a server: the base plus its place in $servers_known.
_server_port_of() {
    local i=1 s
    for s in $servers_known; do
        [ "$s" = "$1" ] && { echo $((_servers_port_base + i)); return; }
        i=$((i + 1))
    done
    echo "servers.sh: unknown server $1 (known: $servers_known)" >&2
    return 1
}

_start_corio() {
    local hello="$_servers_build/examples/hello/hello"
    [ -x "$hello" ] || { echo "servers.sh: $hello not built" >&2; return 1; }
    # shellcheck disable=SC2086 # CORIO_ARGS is a list of flags
    taskset -c 0 "$hello" --address 127.0.0.1 --port "$1" --threads 1 ${CORIO_ARGS:-} >"$_servers_work/corio.log" 2>&1 &
}

# corio on its epoll backend (where io_uring is denied), against reference_epoll.
_start_corio_epoll() {
    local hello="$_servers_build/examples/hello/hello"
    [ -x "$hello" ] || { echo "servers.sh: $hello not built" >&2; return 1; }
    # shellcheck disable=SC2086 # CORIO_ARGS is a list of flags
    taskset -c 0 "$hello" --address 127.0.0.1 --port "$1" --threads 1 --backend epoll ${CORIO_ARGS:-} \
        >"$_servers_work/corio_epoll.log" 2>&1 &
}

# _run_nginx NAME: Debian's nginx, one worker on CPU 0; the upstreams and server blocks of its
# http {} come on standard input.
_run_nginx() {
    local dir="$_servers_work/$1"
    mkdir -p "$dir"
    {
        cat <<CONF
worker_processes 1;
worker_cpu_affinity 1;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log crit;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 100000000;
CONF
        cat
        echo "}"
    } >"$dir/nginx.conf"
    taskset -c 0 nginx -p "$dir" -c "$dir/nginx.conf" >"$_servers_work/$1.log" 2>&1 &
}

_start_nginx() {
    _run_nginx nginx <<CONF
    server {
        listen 127.0.0.1:$1 reuseport backlog=4096;
        location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
        location /json { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
    }
CONF
}

# The upstream of the proxies: hello on CPU 1, started once (not in a subshell: it sets server_pid).
_upstream_start() {
    if [ -z "${server_pid[upstream]:-}" ]; then
        local hello="$_servers_build/examples/hello/hello" port
        [ -x "$hello" ] || { echo "servers.sh: $hello not built" >&2; return 1; }
        port=$(_server_port_of upstream)
        taskset -c 1 "$hello" --address 127.0.0.1 --port "$port" --threads 1 >"$_servers_work/upstream.log" 2>&1 &
        server_pid[upstream]=$!
        server_port[upstream]=$port
        for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/plaintext" && break; sleep 0.1; done
    fi
}

_start_gateway() { # PORT [GATEWAY FLAGS...]
    local gateway="$_servers_build/examples/gateway/gateway" port=$1
    shift
    [ -x "$gateway" ] || { echo "servers.sh: $gateway not built" >&2; return 1; }
    _upstream_start
    taskset -c 0 "$gateway" --upstream "http://127.0.0.1:${server_port[upstream]}" --address 127.0.0.1 --port "$port" \
        --threads 1 "$@" >"$_servers_work/gateway.log" 2>&1 &
}

_start_gateway_pipelined() {
    _start_gateway "$1" --upstream-pipeline 8
}

_start_nginx_proxy() {
    _upstream_start
    _run_nginx nginx_proxy <<CONF
    upstream hello { server 127.0.0.1:${server_port[upstream]}; keepalive 256; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:$1 reuseport backlog=4096;
        location / {
            proxy_pass http://hello;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering on;
        }
    }
CONF
}

# h2o 2.2 from Debian: one thread; no mruby handler (it would run Ruby per request), each path is a
# static file whose extension gives the Content-Type. Its answers carry last-modified, etag and
# accept-ranges headers besides Date/Server/Content-Length/Content-Type (about 100 bytes more).
_start_h2o() {
    local dir="$_servers_work/h2o"
    mkdir -p "$dir"
    printf 'Hello, World!' >"$dir/plaintext.txt"
    printf '{"message":"Hello, World!"}' >"$dir/message.json"
    cat >"$dir/h2o.conf" <<CONF
num-threads: 1
max-connections: 20000
user: $(id -un)
error-log: $dir/error.log
listen:
  host: 127.0.0.1
  port: $1
hosts:
  default:
    paths:
      /plaintext:
        file.file: $dir/plaintext.txt
      /json:
        file.file: $dir/message.json
CONF
    taskset -c 0 h2o -c "$dir/h2o.conf" >"$_servers_work/h2o.log" 2>&1 &
}

_start_reference() {
    local bin="$_servers_work/sol_uring"
    [ -x "$bin" ] || gcc -O2 -o "$bin" "$_servers_root/../shared/reference/sol_uring.c" -luring
    PORT=$1 taskset -c 0 "$bin" >"$_servers_work/reference.log" 2>&1 &
}

_start_reference_epoll() {
    local bin="$_servers_work/sol_epoll"
    [ -x "$bin" ] || gcc -O2 -o "$bin" "$_servers_root/../shared/reference/sol_epoll.c"
    PORT=$1 taskset -c 0 "$bin" >"$_servers_work/reference_epoll.log" 2>&1 &
}

# _start_peer NAME BINARY PORT: a peer from ../shared/reference/peers (built on first use).
_start_peer() {
    local peers=${CORIO_PEERS:-/tmp/corio-peers}
    [ -x "$peers/$2" ] || bash "$_servers_root/../shared/reference/peers/build.sh" "$peers" >/dev/null
    PORT=$3 GOMAXPROCS=1 taskset -c 0 "$peers/$2" "$3" >"$_servers_work/$1.log" 2>&1 &
}
_start_hyper() { _start_peer hyper rust-hyper/target/release/peer-hyper "$1"; }
_start_fasthttp() { _start_peer fasthttp go-fasthttp/peer-fasthttp "$1"; }

server_start() {
    local port
    port=$(_server_port_of "$1")
    "_start_$1" "$port"
    server_pid[$1]=$!
    server_port[$1]=$port
}

# Waits up to 5 s for the server to answer PATH with a 2xx.
server_wait() {
    local i
    for i in $(seq 50); do
        curl -sf -o /dev/null "http://127.0.0.1:${server_port[$1]}$2" && return 0
        sleep 0.1
    done
    echo "servers.sh: $1 does not answer $2 (log: $_servers_work/$1.log)" >&2
    return 1
}

server_stop() {
    local pid=${server_pid[$1]:-}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "server_pid[$1]"
}

servers_stop_all() {
    local s
    for s in "${!server_pid[@]}"; do server_stop "$s"; done
}

# A server process and its direct children (nginx's worker, h2o's helper).
_server_tree() { echo "$1" $(pgrep -P "$1" || true); }

# CPU ticks (utime + stime, CLK_TCK per second) of a server and its children.
server_cpu_ticks() {
    local total=0 p
    for p in $(_server_tree "$1"); do
        [ -r "/proc/$p/stat" ] || continue
        # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
        total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo $total
}

# Sum of a status field (VmRSS, VmHWM) over the server and its children, in KiB.
_server_status_kib() {
    local total=0 p v
    for p in $(_server_tree "$1"); do
        v=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)
        total=$((total + ${v:-0}))
    done
    echo $total
}
server_rss_kib() { _server_status_kib "$1" VmRSS; }
server_hwm_kib() { _server_status_kib "$1" VmHWM; }
# Resets the peak-RSS mark (VmHWM) of the server and its children to their current RSS.
server_hwm_reset() {
    local p
    for p in $(_server_tree "$1"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
}
