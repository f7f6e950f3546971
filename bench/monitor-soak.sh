#!/usr/bin/env bash
# Soak of `netdoctor monitor`: 200 loopback targets (80 tcp, 80 http, 40 dns) probed every
# second against a local responder, for DURATION seconds (default 600), the agent's RSS
# sampled every 10 s, /metrics scraped at each sample (as Prometheus would). Prints the
# samples and min/max/last RSS. Everything binds 127.0.0.1.
#
#   bench/monitor-soak.sh                 # release binary if built, else debug
#   DURATION=60 BIN=target/debug/netdoctor bench/monitor-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
STEP=${STEP:-10}
if [ -z "${BIN:-}" ]; then
  if [ -x target/release/netdoctor ]; then BIN=target/release/netdoctor; else BIN=target/debug/netdoctor; fi
fi
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build -p netdoctor)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed for the responder" >&2; exit 2; }

WORK=$(mktemp -d /tmp/netdoctor-soak.XXXXXX)
cleanup() {
  [ -n "${AGENT:-}" ] && kill "$AGENT" 2>/dev/null || true
  [ -n "${RESPONDER:-}" ] && kill "$RESPONDER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The responder: 80 TCP ports (each also answers HTTP/1.1 200 with a tiny body) and one
# UDP DNS port answering A 127.0.0.1 for any name. It prints its base ports when ready.
cat > "$WORK/responder.py" <<'PY'
import asyncio, socket, struct, sys

async def http(reader, writer):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await reader.read(4096)
            if not chunk:
                break
            data += chunk
        if data:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

class Dns(asyncio.DatagramProtocol):
    def connection_made(self, t):
        self.t = t
    def datagram_received(self, data, addr):
        if len(data) < 12:
            return
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        i = 12
        while i < len(data) and data[i] != 0:
            i += data[i] + 1
        q = data[12:i + 5]
        hdr = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
        ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton("127.0.0.1")
        self.t.sendto(hdr + q + ans, addr)

async def main():
    ports = []
    servers = []
    for _ in range(80):
        s = await asyncio.start_server(http, "127.0.0.1", 0)
        servers.append(s)
        ports.append(s.sockets[0].getsockname()[1])
    loop = asyncio.get_running_loop()
    t, _ = await loop.create_datagram_endpoint(Dns, local_addr=("127.0.0.1", 0))
    dns_port = t.get_extra_info("sockname")[1]
    print(" ".join(map(str, ports)), dns_port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
PY
python3 "$WORK/responder.py" > "$WORK/ports" &
RESPONDER=$!
for _ in $(seq 50); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
read -r -a PORTS < "$WORK/ports"
DNS_PORT=${PORTS[80]}

{
  echo "interval: 1s"
  echo "timeout: 500ms"
  echo "targets:"
  for i in $(seq 0 79); do echo "  - {kind: tcp, target: \"127.0.0.1:${PORTS[$i]}\"}"; done
  for i in $(seq 0 79); do echo "  - {kind: http, target: \"http://127.0.0.1:${PORTS[$i]}/t$i\"}"; done
  for i in $(seq 0 39); do echo "  - {kind: dns, target: \"n$i.soak.test\", server: \"127.0.0.1:$DNS_PORT\"}"; done
} > "$WORK/config.yaml"

"$BIN" monitor --listen 127.0.0.1:0 --config "$WORK/config.yaml" 2> "$WORK/agent.log" &
AGENT=$!
ADDR=""
for _ in $(seq 100); do
  ADDR=$(grep -o 'listening on http://[0-9.:]*' "$WORK/agent.log" | sed 's/listening on //' || true)
  [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "$ADDR" ] || { cat "$WORK/agent.log" >&2; exit 1; }
echo "agent $BIN pid $AGENT on $ADDR: 200 targets (80 tcp, 80 http, 40 dns), every 1s, for ${DURATION}s"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT/status"; }
metric() { curl -s "$ADDR/metrics" | awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%d", s}'; }

SAMPLES=()
START=$(date +%s)
printf '%6s %10s %12s %12s %10s\n' "t(s)" "RSS(KiB)" "probes" "failures" "scrape(B)"
while :; do
  NOW=$(( $(date +%s) - START ))
  kill -0 "$AGENT" 2>/dev/null || { echo "agent died" >&2; cat "$WORK/agent.log" >&2; exit 1; }
  BYTES=$(curl -s "$ADDR/metrics" | wc -c)
  R=$(rss_kib)
  SAMPLES+=("$R")
  printf '%6d %10d %12s %12s %10d\n' "$NOW" "$R" "$(metric netdoctor_probes_total)" "$(metric netdoctor_probe_failures_total)" "$BYTES"
  [ "$NOW" -ge "$DURATION" ] && break
  sleep "$STEP"
done

printf '%s\n' "${SAMPLES[@]}" | sort -n | awk -v last="${SAMPLES[-1]}" -v first="${SAMPLES[0]}" '
  NR == 1 {min = $1} {max = $1}
  END {printf "RSS KiB: first %d, min %d, max %d, last %d (%d samples)\n", first, min, max, last, NR}'
kill -TERM "$AGENT"
wait "$AGENT" && echo "agent stopped cleanly on SIGTERM (exit 0)"
AGENT=""
