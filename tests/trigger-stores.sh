#!/usr/bin/env bash
# ddump-trigger's remote stores, against real servers on the loopback of a test host:
# s3rver (an S3 server from npm, which checks signatures) for s3://, nginx with
# dav_methods PUT for http://, and a closed port for a store that never answers. The
# SigV4 signer is also compared with curl --aws-sigv4 on the same request.
#
#        w1 10.203.1.1 ── c 10.203.1.2 (redis-server, s3rver, nginx, ddump-trigger)
. "$(dirname "$0")/lib.sh"
require_root
require_tools ip curl tcpdump capinfos python3 redis-server redis-cli nginx
[ -n "${TRIGGER:-}" ] || skip_all "TRIGGER is not set (run through meson test, with hiredis)"
[ -x "${S3RVER:-}" ] || skip_all "s3rver is not installed at ${S3RVER:-?} (./quickstart.sh test installs it with npm)"

dd_host c && dd_host w1 && dd_link w1 10.203.1.1 c 10.203.1.2 || skip_all "cannot create network namespaces"
start_worker w1 worker1 --listen :8475
W1=http://10.203.1.1:8475
check "a worker is up" wait_http c "$W1/"

REDIS_PORT=6391
redis_up () { on c redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
bg_on c redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$DD_TMP/redis.log" 2>&1
check "redis-server is up" wait_until 30 redis_up

mkdir -p "$DD_TMP/s3"
bg_on c "$S3RVER" -d "$DD_TMP/s3" -a 127.0.0.1 -p 4568 --configure-bucket bucket1 >"$DD_TMP/s3rver.log" 2>&1
S3PID=$BG_PID
check "s3rver is up" wait_until 30 on c curl -s -o /dev/null --max-time 2 http://127.0.0.1:4568/

mkdir -p "$DD_TMP/dav"
nginx_config "$DD_TMP/nginx.conf" <<EOF
  server {
    listen 127.0.0.1:8090;
    client_max_body_size 0;
    location /dav/ { root $DD_TMP; dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
  }
EOF
bg_on c nginx -c "$DD_TMP/nginx.conf"
check "nginx (WebDAV PUT) is up" wait_until 30 on c curl -s -o /dev/null --max-time 2 http://127.0.0.1:8090/

# One listener for every reply channel.
bg_on c timeout 600 redis-cli -p "$REDIS_PORT" psubscribe '*.done' >>"$DD_TMP/done.raw" 2>/dev/null
has_listener () { [ "$(on c redis-cli -p "$REDIS_PORT" pubsub numpat 2>/dev/null)" = 1 ]; }
check "a listener on the reply channels" wait_until 30 has_listener
res () {
  grep '^{' "$DD_TMP/done.raw" 2>/dev/null | python3 -c "
import json, sys
d = None
for line in sys.stdin:
    r = json.loads(line)
    if r.get('alertid') == sys.argv[1]:
        d = r
print($2)" "$1"
}
has_res () { [ "$(res "$1" 'd is not None')" = True ]; }
wait_res () { wait_until "${2:-60}" has_res "$1"; }
# publish notes how many captures w1 has started; capturing N: until it has started N
# more since (the event's capture: nothing else captures on w1).
publish () { MARK=$(captures_started c "$W1"); on c redis-cli -p "$REDIS_PORT" publish "$1" "$2" >/dev/null; }
send () { on c "$UDP_SEND" --rate "${4:-1000}" ${5:+--size "$5"} 10.203.1.1 "$2" "$3" >/dev/null 2>&1; }
capturing () { wait_captures_started c "$W1" $((MARK + $1)); }

start_trigger () {  # NAME CHANNEL STORE [CONFIG LINES...]
  local name=$1 channel=$2 store=$3; shift 3
  {
    echo "[trigger]"
    echo "redis=redis://127.0.0.1:$REDIS_PORT/$channel"
    echo "store=$store"
    echo "spool=$DD_TMP/spool-$name"
    echo "retry-delay=0.2"
    printf '%s\n' "$@"
    echo "[worker w1]"
    echo "url=$W1"
  } >"$DD_TMP/$name.conf"
  bg_on c "$TRIGGER" --config "$DD_TMP/$name.conf" >"$DD_TMP/$name.log" 2>&1
  wait_log "$DD_TMP/$name.log" "subscribed to “$channel”"
}

# ---- S3 (s3rver): one PUT, and a multipart upload; ACL and encryption sent -------------
check "a trigger storing in s3://bucket1/pcaps" start_trigger s3 s3cap s3://bucket1/pcaps \
  "[s3]" "endpoint=http://127.0.0.1:4568" "access-key=S3RVER" "secret-key=S3RVER" "part-size=5"
bg_on c tcpdump -i lo -s 0 -U -w "$DD_TMP/s3.pcap" tcp port 4568 2>/dev/null; dumper=$BG_PID
wait_until 30 test -s "$DD_TMP/s3.pcap" || true
publish s3cap '{"node":"w1","bpf":"udp port 43001","packets":5,"alertid":"s1","acl":"public-read"}'
check "an event" capturing 1
send 0 43001 20
check "...is answered" wait_res s1
expect_eq "...stored in the bucket, under the prefix" "stored True" "$(res s1 'd["status"], d["file"].startswith("s3://bucket1/pcaps/s1-")')"
obj=$(find "$DD_TMP/s3/bucket1/pcaps" -name 's1-*.pcapng._S3rver_object' | head -1)
expect_eq "...s3rver (which checks SigV4 signatures) holds the 5 packets" 5 "$(count_packets "$obj")"
expect_eq "...the file's bytes, as the result says" "$(res s1 'd["bytes"]')" "$(stat -c %s "$obj" 2>/dev/null)"
publish s3cap '{"node":"w1","bpf":"udp port 43002","packets":6000,"alertid":"s2","encryption":true}'
check "a capture bigger than a part (5 MiB)" capturing 1
send 0 43002 6000 20000 1400
check "...is answered" wait_res s2
expect_eq "...stored" stored "$(res s2 'd["status"]')"
obj=$(find "$DD_TMP/s3/bucket1/pcaps" -name 's2-*.pcapng._S3rver_object' | head -1)
expect_eq "...as one object of 6000 packets, from a multipart upload" 6000 "$(count_packets "$obj")"
expect_eq "...of the file's size" "$(res s2 'd["bytes"]')" "$(stat -c %s "$obj" 2>/dev/null)"
kill "$dumper" 2>/dev/null; wait "$dumper" 2>/dev/null
requests=$(tcpdump -A -r "$DD_TMP/s3.pcap" 2>/dev/null | tr -d '\r')
expect_match "...in parts (UploadPart requests)" "PUT /bucket1/pcaps/s2-[^ ]*\?partNumber=2&uploadId=" "$requests"
expect_match "the message's acl is sent" "x-amz-acl: public-read" "$requests"
expect_match "...and its encryption" "x-amz-server-side-encryption: AES256" "$requests"
check "no capture is left in the spool" test -z "$(find "$DD_TMP/spool-s3" -type f)"

# ---- the signer against curl --aws-sigv4 ---------------------------------------------------
# curl signs a request to a listener that records it; dd-sigv4 signs the same request.
cat >"$DD_TMP/record.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8091)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(10)
data = b""
while b"\r\n\r\n" not in data:
    chunk = c.recv(4096)
    if not chunk:
        break
    data += chunk
open(sys.argv[1], "wb").write(data)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); c.close()
EOF
bg_on c timeout 60 python3 "$DD_TMP/record.py" "$DD_TMP/curl-request"; recorder=$BG_PID
listening_8091 () { on c ss -Hltn "( sport = :8091 )" | grep -q .; }
wait_until 30 listening_8091
on c curl -s --max-time 10 -o /dev/null --aws-sigv4 "aws:amz:eu-west-3:s3" --user "AKIDTEST:secret/key+1" \
  "http://127.0.0.1:8091/bucket1/a%20b/c.pcapng"
wait "$recorder"
ours=$(python3 - "$DD_TMP/curl-request" "$SIGV4_SIGN" <<'EOF'
import hashlib, subprocess, sys
head = open(sys.argv[1], "rb").read().decode().split("\r\n\r\n")[0].split("\r\n")
method, target, _ = head[0].split(" ")
headers = {}
for line in head[1:]:
    name, value = line.split(":", 1)
    headers[name.strip().lower()] = value.strip()
auth = headers["authorization"]
signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
pairs = []
for name in signed:
    pairs += [name, headers[name]]
payload = headers.get("x-amz-content-sha256", hashlib.sha256(b"").hexdigest())
from urllib.parse import unquote
out = subprocess.run([sys.argv[2], "AKIDTEST", "secret/key+1", "eu-west-3", "s3", method,
                      unquote(target), payload, headers["x-amz-date"]] + pairs,
                     capture_output=True, text=True, check=True).stdout.strip()
# The same signature (curl separates the parts with ", ", we with ",": both are valid).
sig = lambda a: a.split("Signature=")[1]
print("same" if sig(out) == sig(auth) and out.replace(" ", "") == auth.replace(" ", "") else "curl: %s\nours: %s" % (auth, out))
EOF
)
expect_eq "dd-sigv4 signs a request as curl --aws-sigv4 does" same "$ours"

# ---- HTTP PUT (nginx WebDAV) -----------------------------------------------------------
check "a trigger storing with PUT in http://127.0.0.1:8090/dav/" start_trigger dav davcap http://127.0.0.1:8090/dav/
publish davcap '{"node":"w1","bpf":"udp port 43003","packets":7,"alertid":"d1","folder":"team/db"}'
check "an event" capturing 1
send 0 43003 20
check "...is answered" wait_res d1
expect_match "...stored at its URL, in the folder" "^stored http://127\.0\.0\.1:8090/dav/team/db/d1-" "$(res d1 'd["status"], d["file"]')"
f=$(find "$DD_TMP/dav/team/db" -name 'd1-*.pcapng' | head -1)
expect_eq "...the file nginx wrote holds the 7 packets" 7 "$(count_packets "$f")"

# ---- CloudShark: a multipart POST --------------------------------------------------------
# CloudShark is not installable here: a stand-in receives the form as its API does
# (POST /api/v1/TOKEN/upload, fields "file" and "additional_tags") and answers its id.
cat >"$DD_TMP/cloudshark.py" <<'EOF'
import email.parser, email.policy, http.server, json, sys
out = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        fields = {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                  for part in msg.iter_parts()}
        open(out + ".pcapng", "wb").write(fields["file"])
        open(out + ".info", "w").write(json.dumps({"path": self.path,
            "tags": fields.get("additional_tags", b"").decode()}))
        answer = json.dumps({"filename": "x.pcapng", "id": "cs42"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", 8092), Handler).serve_forever()
EOF
bg_on c python3 "$DD_TMP/cloudshark.py" "$DD_TMP/cloudshark"
listening_8092 () { on c ss -Hltn "( sport = :8092 )" | grep -q .; }
check "a CloudShark stand-in is up" wait_until 30 listening_8092
check "a trigger storing in cloudshark+http://TOKEN@127.0.0.1:8092" \
  start_trigger cs cscap "cloudshark+http://t0ken@127.0.0.1:8092"
check "...that never logs the token" eval '! grep -q t0ken "$DD_TMP/cs.log"'
publish cscap '{"node":"w1","bpf":"udp port 43005","packets":4,"alertid":"c1","tags":"db,slow"}'
check "an event" capturing 1
send 0 43005 10
check "...is answered" wait_res c1
expect_eq "...stored at the capture's page" "stored http://127.0.0.1:8092/captures/cs42" "$(res c1 'd["status"], d["file"]')"
expect_eq "...the form carried the 4 packets" 4 "$(count_packets "$DD_TMP/cloudshark.pcapng")"
expect_eq "...to the token's upload path, with the tags" "/api/v1/t0ken/upload db,slow" \
  "$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["path"], d["tags"])' "$DD_TMP/cloudshark.info")"

# ---- a store that never answers: retried, then kept locally -----------------------------
check "a trigger whose store is a closed port" start_trigger dead deadcap http://127.0.0.1:9/x/ "upload-attempts=2"
publish deadcap '{"node":"w1","bpf":"udp port 43004","packets":3,"alertid":"k1"}'
check "an event" capturing 1
send 0 43004 10
check "...is answered after the attempts" wait_res k1
expect_eq "...kept, after 2 attempts" "kept 2" "$(res k1 'd["status"], d["attempts"]')"
expect_match "...the error names the store" "PUT http://127\.0\.0\.1:9/x/k1-" "$(res k1 'd["error"]')"
f=$(res k1 'd["file"]')
expect_match "...the file is in the spool's kept/" "^$DD_TMP/spool-dead/kept/k1-.*\.pcapng$" "$f"
expect_eq "...with its 3 packets" 3 "$(count_packets "$f")"
check "...and the retries are logged" grep -q "cannot store the capture (attempt 1 of 2)" "$DD_TMP/dead.log"

# ---- a full disk under the spool: the event fails, naming the file and the cause ---------------
# The trigger runs in a mount namespace of its own, its spool a tmpfs filled to the last byte.
mkdir -p "$DD_TMP/spool-full"
{
  echo "[trigger]"; echo "redis=redis://127.0.0.1:$REDIS_PORT/fullcap"; echo "store=http://127.0.0.1:9/x/"
  echo "spool=$DD_TMP/spool-full"; echo "[worker w1]"; echo "url=$W1"
} >"$DD_TMP/full.conf"
bg_on c unshare -m --propagation private sh -c 'mount -t tmpfs -o size=16k tmpfs "$1" || exit 1
  head -c 1048576 /dev/zero >"$1/filler" 2>/dev/null
  exec "$2" --config "$3"' sh "$DD_TMP/spool-full" "$TRIGGER" "$DD_TMP/full.conf" >"$DD_TMP/full.log" 2>&1
check "a trigger whose spool is a full disk" wait_log "$DD_TMP/full.log" "subscribed to “fullcap”"
publish fullcap '{"node":"w1","bpf":"udp port 43006","packets":3,"alertid":"f1"}'
check "an event" wait_res f1
expect_match "...fails, naming the spool's file and the full disk" \
  "^failed $DD_TMP/spool-full/\.ddump-trigger-.*\.part: .*No space left on device" "$(res f1 'd["status"], d["error"]')"
check "...the trigger goes on" kill -0 "$BG_PID"

dd_finish
