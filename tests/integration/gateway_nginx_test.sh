#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gateway example in front of Debian's nginx (skipped where nginx is not installed): a 3 MiB
# file and a small one come through byte for byte (Content-Length bodies), HEAD keeps the length
# (asked upstream as HEAD: no body fetched, the upstream connection kept),
# a chunked answer (nginx's gzip of a text file) arrives decoded and equal, 404 passes through,
# ETag / Last-Modified reach the client, and nginx sees the client in X-Forwarded-For (after the
# addresses the request brought). Bodies stream through with bounded memory: a 256 MiB download
# (read at once, and by a client that stalls first), 256 MiB uploads with a length, chunked and
# with Expect: 100-continue (nginx's WebDAV PUT stores them), while the gateway's peak RSS stays
# within 32 MiB (unchecked under a sanitizer); a body over --max-body is refused with 413.
# Usage: gateway_nginx_test.sh PATH/TO/gateway [PEAK_KIB]   (PEAK_KIB: the peak RSS allowed, 0: unchecked)
set -euo pipefail
gateway=$1
peak_limit=${2:-32768}
nginx=$(command -v nginx || true)
[ -x "${nginx:-/usr/sbin/nginx}" ] || nginx=/usr/sbin/nginx
[ -x "$nginx" ] || { echo "skip: no nginx"; exit 77; }
dir=$(mktemp -d)
gateway_pid=
trap '[ -f "$dir/nginx.pid" ] && kill $(cat "$dir/nginx.pid") 2>/dev/null; kill $gateway_pid 2>/dev/null || true; rm -rf "$dir"' EXIT

mkdir -p "$dir/www"
head -c 3145728 /dev/urandom >"$dir/www/large.bin"
head -c 268435456 /dev/urandom >"$dir/www/huge.bin"
mkdir -p "$dir/www/up"
chmod 777 "$dir/www/up" # nginx's worker (nobody) stores the uploads
echo "small file" >"$dir/www/small.txt"
for _ in $(seq 2000); do echo "a line of text that compresses well"; done >"$dir/www/text.txt"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
    log_format sizes '\$request_method \$uri \$status \$body_bytes_sent \$connection';
    access_log $dir/access.log sizes;
    client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
    gzip on; gzip_types text/plain; gzip_min_length 1; gzip_http_version 1.0;
    server {
        listen 127.0.0.1:$nginx_port;
        root $dir/www;
        location = /text.txt { default_type text/plain; }
        location = /forwarded-for { default_type text/plain; return 200 "\$http_x_forwarded_for"; }
        location /up/ { dav_methods PUT; client_max_body_size 0; }
    }
}
CONF
"$nginx" -c "$dir/nginx.conf" -p "$dir" 2>"$dir/start.log" || { echo "skip: nginx did not start: $(cat "$dir/start.log")"; exit 77; }

log="$dir/gateway.log"
"$gateway" --upstream "http://127.0.0.1:$nginx_port" --address 127.0.0.1 --port 0 --threads 1 >"$log" 2>&1 &
gateway_pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "gateway did not start:"; cat "$log"; exit 1; }
url="http://127.0.0.1:$port"

curl -sf "$url/large.bin" -o "$dir/large.got"
cmp "$dir/www/large.bin" "$dir/large.got"
[ "$(curl -sf "$url/small.txt")" = "small file" ]
curl -sfI "$url/large.bin" | grep -qi '^content-length: 3145728'
# HEAD goes upstream as HEAD: the length comes through, no byte of the body is sent, and the
# upstream connection is kept for the next request.
[ "$(curl -sfI "$url/huge.bin" "$url/huge.bin" | grep -ci '^content-length: 268435456')" = 2 ]
# nginx logs a request after its answer has gone: wait for both lines.
for _ in $(seq 50); do [ "$(grep -c '^HEAD /huge.bin ' "$dir/access.log")" -ge 2 ] && break; sleep 0.1; done
grep '^HEAD /huge.bin ' "$dir/access.log" | tail -2 >"$dir/heads"
[ "$(awk '$3 == 200 && $4 == 0' "$dir/heads" | wc -l)" = 2 ] || { cat "$dir/heads"; exit 1; }
[ "$(awk '{ print $5 }' "$dir/heads" | sort -u | wc -l)" = 1 ] || { echo "HEAD closed the upstream connection"; cat "$dir/heads"; exit 1; }
curl -sf -D "$dir/head" -o /dev/null "$url/small.txt"
grep -qi '^etag: ' "$dir/head" && grep -qi '^last-modified: ' "$dir/head"
# The gateway asks nginx without Accept-Encoding unless the client sends it: ask for gzip, so that
# nginx answers chunked; the gateway decodes the chunks and sends the gzip bytes with a length.
curl -sf -H 'Accept-Encoding: gzip' -D "$dir/gz_head" "$url/text.txt" -o "$dir/text.gz"
grep -qi '^content-encoding: gzip' "$dir/gz_head"
gzip -dc "$dir/text.gz" | cmp - "$dir/www/text.txt"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/missing")" = 404 ]
[ "$(curl -sf "$url/forwarded-for")" = "127.0.0.1" ]
[ "$(curl -sf -H 'X-Forwarded-For: 203.0.113.7' -H 'X-Forwarded-For: 10.0.0.1' "$url/forwarded-for")" = \
  "203.0.113.7, 10.0.0.1, 127.0.0.1" ]

# Large bodies stream: none is held whole, so the peak RSS stays far below their size.
curl -sf "$url/huge.bin" -o "$dir/huge.got"
cmp "$dir/www/huge.bin" "$dir/huge.got"
rm -f "$dir/huge.got"
[ "$(curl -sf -T "$dir/www/huge.bin" -o /dev/null -w '%{http_code}' "$url/up/length.bin")" = 201 ]
cmp "$dir/www/huge.bin" "$dir/www/up/length.bin"
[ "$(curl -sf -H 'Transfer-Encoding: chunked' -T - -o /dev/null -w '%{http_code}' "$url/up/chunked.bin" \
     <"$dir/www/huge.bin")" = 201 ]
cmp "$dir/www/huge.bin" "$dir/www/up/chunked.bin"
[ "$(curl -sf -H 'Expect: 100-continue' -T "$dir/www/large.bin" -o /dev/null -w '%{http_code}' "$url/up/expect.bin")" = 201 ]
cmp "$dir/www/large.bin" "$dir/www/up/expect.bin"
rm -f "$dir"/www/up/*
# A client that reads nothing for a while: the gateway stops reading the upstream meanwhile.
python3 - "$port" "$dir/www/huge.bin" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
time.sleep(1)
data = bytearray()
while True:
    piece = s.recv(1 << 20)
    if not piece:
        break
    data += piece
body = data[data.index(b"\r\n\r\n") + 4:]
assert body == open(sys.argv[2], "rb").read(), len(body)
PY
peak=$(awk '/VmHWM/ { print $2 }' /proc/$gateway_pid/status)
echo "gateway peak RSS after 256 MiB bodies both ways: $peak KiB"
[ "$peak_limit" = 0 ] || [ "$peak" -lt "$peak_limit" ] ||
    { echo "the gateway's peak RSS reached $peak KiB (limit $peak_limit): a body was held whole"; exit 1; }
kill $gateway_pid
wait $gateway_pid || true

# A body over --max-body is refused, however it is framed.
"$gateway" --upstream "http://127.0.0.1:$nginx_port" --address 127.0.0.1 --port 0 --threads 1 --max-body 100000 \
    >"$log" 2>&1 &
gateway_pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ "$(curl -s -T "$dir/www/large.bin" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/up/big.bin")" = 413 ]
[ "$(curl -s -H 'Transfer-Encoding: chunked' -T - -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/up/c.bin" \
     <"$dir/www/large.bin")" = 413 ]
[ ! -e "$dir/www/up/big.bin" ] && [ ! -e "$dir/www/up/c.bin" ]
echo "gateway_nginx_test: ok"
