#!/usr/bin/env bash
# The embedded default: Temporal dev server with its UI, the ColorMe sandbox
# seeded with a demo shop, SQLite, the worker, one manual export and the operator
# console (about 45 s once bin/ is built). Ctrl-C stops everything and exits 0.
# Ports: Temporal 7233, UI 8233, sandbox 8081, console 8080 (override with the
# variables below). The CLI's environment for the demo, its ports included, is
# written to .data/demo.env (`source .data/demo.env`) and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${UI_PORT:-8233}
SANDBOX_PORT=${SANDBOX_PORT:-8081}
CONSOLE_PORT=${CONSOLE_PORT:-8080}
DEMO_ORDERS=${DEMO_ORDERS:-300}
mkdir -p .data
[ -s .data/secret.key ] || head -c 32 /dev/urandom | base64 > .data/secret.key
chmod 600 .data/secret.key
export COLORME_SYNC_SECRET_KEY="$(cat .data/secret.key)"
export DATABASE_URL=${DATABASE_URL:-sqlite:.data/colorme-sync.db}
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_UI_URL=http://127.0.0.1:$UI_PORT
export COLORME_BUDGET_PER_MINUTE=${COLORME_BUDGET_PER_MINUTE:-120}
export LOG_LEVEL=${LOG_LEVEL:-warn}

export CONSOLE_LISTEN=127.0.0.1:$CONSOLE_PORT
export CONSOLE_PUBLIC_URL=http://127.0.0.1:$CONSOLE_PORT
# The demo's ColorMe app (in the sandbox), so that 「取得する」 works in the console.
[ -s .data/client.secret ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > .data/client.secret
chmod 600 .data/client.secret

for port in "$TEMPORAL_PORT" "$UI_PORT" "$SANDBOX_PORT" "$CONSOLE_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port is already in use (another demo or Temporal running?); stop it or set TEMPORAL_PORT/UI_PORT/SANDBOX_PORT/CONSOLE_PORT" >&2
    exit 1
  fi
done

pids=()
# Ctrl-C (or SIGTERM) is how the demo is meant to stop: stop every process it
# started — console, worker, sandbox and the Temporal dev server — wait for them
# (the worker lets running activities finish), and exit 0, so that make does not
# report "Error 130".
cleanup() {
  trap - INT TERM
  echo; echo "demo: stopping console, worker, sandbox and Temporal dev server"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo: stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

wait_port() { # port name
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "demo: $2 did not start on port $1; see .data/*.log" >&2; exit 1
}

bin/temporal server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$UI_PORT" \
  --db-filename .data/temporal.db --log-level error \
  --search-attribute ColorMeShop=Keyword >.data/temporal.log 2>&1 &
pids+=($!)
# The client secret goes by environment, never on a command line (where `ps` shows it).
SANDBOX_CLIENT_SECRET="$(cat .data/client.secret)" bin/sandbox -listen "127.0.0.1:$SANDBOX_PORT" -rate-limit 120 -client-id demo-app \
  -redirect-uri "$CONSOLE_PUBLIC_URL/colorme/callback" >.data/sandbox.log 2>&1 &
pids+=($!)
wait_port "$TEMPORAL_PORT" "Temporal"
wait_port "$SANDBOX_PORT" "the ColorMe sandbox"

bin/starter demo-seed -sandbox "http://127.0.0.1:$SANDBOX_PORT" -orders "$DEMO_ORDERS"
bin/worker 2>>.data/worker.log &
pids+=($!)
# The shop's ColorMe app, as an admin enters it under APIアクセス設定.
bin/starter shop set -shop demo client_id=demo-app redirect_url="$CONSOLE_PUBLIC_URL/colorme/callback" >/dev/null
bin/starter shop set-secret -shop demo <.data/client.secret >/dev/null 2>>.data/starter.log

# The operator console and a demo operator; the password is new each time and shown once.
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 16)
if bin/starter user list 2>/dev/null | grep -q '^demo '; then
  printf '%s\n' "$password" | bin/starter user passwd -login demo >/dev/null 2>>.data/starter.log
else
  printf '%s\n' "$password" | bin/starter user add -login demo -role admin >/dev/null 2>>.data/starter.log
fi
bin/console 2>>.data/console.log &
pids+=($!)
wait_port "$CONSOLE_PORT" "the console"

echo "demo: Temporal UI at $TEMPORAL_UI_URL  (ColorMe budget ${COLORME_BUDGET_PER_MINUTE}/min, like ColorMe: the export takes 30–40 s)"
bin/starter sync -shop demo
echo
echo "demo: creating the shop's schedules (自動取得 / 自動書き出し); see them under Schedules in the UI"
bin/starter schedule apply -shop demo
echo "demo: open $TEMPORAL_UI_URL to see the run, its input and result."
# The CLI's environment for this demo (its ports included), for another terminal:
# the secret key is read from its file, never written out or put on a command line.
cat >.data/demo.env <<EOF
export DATABASE_URL=$(printf %q "$DATABASE_URL")
export COLORME_SYNC_SECRET_KEY="\$(cat $(printf %q "$PWD/.data/secret.key"))"
export TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS
export TEMPORAL_UI_URL=$TEMPORAL_UI_URL
EOF
chmod 600 .data/demo.env
echo "demo: to use bin/starter and bin/temporal against this demo, in another terminal in $PWD run"
echo "        source .data/demo.env     # which sets:"
sed 's/^/          /' .data/demo.env
echo "      then e.g. \`bin/starter runs -shop demo\`."
echo
echo "demo: the operator console (GoQ's screens) is at $CONSOLE_PUBLIC_URL"
echo "        login: demo   password: $password   (shown once; a new one each demo)"
echo "demo: everything keeps running; press Ctrl-C to stop."
wait
