#!/usr/bin/env bash
# Real-container test of Containerfile, compose.embedded.yaml and compose.yaml with podman (README "Deploy").
#
# No image registry is reachable on the CI machines, so the official images are replaced by local ones:
# a Debian bookworm base from debootstrap (cached in $CACHE_DIR), that base plus the host's node binary
# for node:20, and Debian's PostgreSQL and Redis on that base (deploy/test/). The app is built on the
# host (npm run build) and handed to the Containerfile's runtime stage as a prepared context
# (PREBUILT=1), with its production node_modules; CONTAINER_TEST_FULL_BUILD=1 instead runs the
# Containerfile's own npm ci + build stage on the repository (the host's npm and CA bundle added to
# the node stand-in: deploy/test/node-npm.Containerfile).
#
# Checks: the image's HEALTHCHECK and the app answer; a vote survives `podman restart` and a new
# container on the embedded volume; `podman stop` (SIGTERM) exits 0, also under --init; with
# PostgreSQL + Redis, two app replicas of two workers each serve the feed and a vote on replica A
# arrives on replica B's live stream; a new postgres container on the pgdata volume has the data;
# README's backups (tarball of the stopped volume, pg_dump) restore.
#
# Skips (exit 0, with a message) where podman, podman-compose or debootstrap are missing or podman
# cannot run containers. Leaves no container, volume, network or app image behind; keeps the cached
# base and the stand-in images (ectest-minbase, ectest-node[-npm], ectest-postgres, ectest-redis) so reruns
# are fast: `scripts/container-test.sh --purge` removes those too. CONTAINER_TEST_KEEP=1 keeps
# the run's containers, volumes, image and work folder for inspection (the next run removes the
# containers and volumes).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
say() { echo "[container-test $(( $(date +%s) - started ))s] $*"; }
fail() { echo "[container-test] FAIL: $*" >&2; exit 1; }

export CONTAINERS_CONF="$repo/deploy/test/containers.conf"
CACHE_DIR=${CONTAINER_TEST_CACHE:-/var/cache/expose-corner}
BASE_TAR="$CACHE_DIR/bookworm-minbase.tar"
BASE_IMAGE=localhost/ectest-minbase:bookworm
NODE_IMAGE=localhost/ectest-node:20
PG_IMAGE=localhost/ectest-postgres:15
REDIS_IMAGE=localhost/ectest-redis:7
APP_IMAGE=localhost/ectest-app:test
EMB=ectest-emb        # compose project of the embedded set-up
FULL=ectest-full      # compose project of the PostgreSQL + Redis set-up

if [ "${1:-}" = "--purge" ]; then
  podman rmi -f "$APP_IMAGE" localhost/ectest-node-npm:20 "$PG_IMAGE" "$REDIS_IMAGE" "$NODE_IMAGE" "$BASE_IMAGE" 2>/dev/null || true
  rm -rf "$CACHE_DIR"
  exit 0
fi

skip() { echo "[container-test] SKIP: $*"; exit 0; }
for tool in podman podman-compose debootstrap curl; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install podman runc debootstrap podman-compose)"
done
podman info >/dev/null 2>&1 || skip "podman cannot run here: $(podman info 2>&1 | tail -1)"

work=$(mktemp -d /tmp/ec-container-test.XXXXXX)
stream_pid=""
# Containers with their anonymous volumes, the network and named volumes of a compose project.
remove_project() { # project named-volume...
  local ids project=$1 volume
  ids=$(podman ps -aq --filter "label=com.docker.compose.project=$project")
  [ -n "$ids" ] && podman rm -f -v -t 0 $ids >/dev/null 2>&1
  podman network rm -f "${project}_default" >/dev/null 2>&1
  shift
  for volume in "$@"; do podman volume rm -f "${project}_$volume" >/dev/null 2>&1; done
  return 0
}
cleanup() {
  set +e
  [ -n "$stream_pid" ] && kill "$stream_pid" 2>/dev/null
  if [ "${CONTAINER_TEST_KEEP:-0}" = 1 ]; then
    echo "[container-test] kept for inspection: $APP_IMAGE, projects $EMB and $FULL, $work"
    return
  fi
  remove_project "$EMB" data restored
  remove_project "$FULL" pgdata
  podman rmi -f "$APP_IMAGE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
# Whatever an interrupted or kept run left behind.
remove_project "$EMB" data restored
remove_project "$FULL" pgdata
podman rmi -f "$APP_IMAGE" >/dev/null 2>&1 || true

# --- images -------------------------------------------------------------------------------------
image_exists() { podman image exists "$1"; }

if ! image_exists "$BASE_IMAGE"; then
  if [ ! -s "$BASE_TAR" ]; then
    # The Debian mirror apt already uses (the only one reachable from CI machines).
    mirror=$(grep -hoE '(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
      /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -m1 -E '/debian/?$' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    say "debootstrap bookworm from $mirror into $CACHE_DIR (once)"
    mkdir -p "$CACHE_DIR"
    rm -rf "$CACHE_DIR/rootfs.tmp"
    debootstrap --variant=minbase bookworm "$CACHE_DIR/rootfs.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
    rm -rf "$CACHE_DIR"/rootfs.tmp/var/cache/apt/archives/*.deb "$CACHE_DIR"/rootfs.tmp/var/lib/apt/lists/*_*
    tar -C "$CACHE_DIR/rootfs.tmp" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
    rm -rf "$CACHE_DIR/rootfs.tmp"
  fi
  say "importing the base image"
  podman import -q "$BASE_TAR" "$BASE_IMAGE" >/dev/null
fi

node_bin=$(readlink -f "$(command -v node)")
"$node_bin" -e 'process.exit(Number(process.versions.node.split(".")[0]) === 20 ? 0 : 1)' \
  || fail "the host's node is $("$node_bin" --version); the stand-in for node:20 needs Node 20"
node_version=$("$node_bin" --version)
if ! image_exists "$NODE_IMAGE" || [ "$(podman image inspect -f '{{index .Labels "node.version"}}' "$NODE_IMAGE")" != "$node_version" ]; then
  say "building $NODE_IMAGE (base + host node $node_version)"
  mkdir -p "$work/node-ctx" && cp "$node_bin" "$work/node-ctx/node"
  podman build -q --label "node.version=$node_version" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    -f deploy/test/node-base.Containerfile -t "$NODE_IMAGE" "$work/node-ctx" >/dev/null
fi
for pair in "$PG_IMAGE:postgres" "$REDIS_IMAGE:redis"; do
  image=${pair%:*}; name=${pair##*:}
  if ! image_exists "$image"; then
    say "building $image (Debian's package on the base)"
    podman build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -f "deploy/test/$name.Containerfile" -t "$image" deploy/test >/dev/null
  fi
done

if [ "${CONTAINER_TEST_FULL_BUILD:-0}" = 1 ]; then
  # The users' path: npm ci and npm run build inside the Containerfile's first stage, from the
  # repository as context (its .dockerignore applies). Slower (a full install and build).
  npm_dir=$(dirname "$node_bin")/../lib/node_modules/npm
  [ -d "$npm_dir" ] || npm_dir=$(npm root -g)/npm
  mkdir -p "$work/npm-ctx"
  cp -r "$npm_dir" "$work/npm-ctx/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$work/npm-ctx/"
  say "building localhost/ectest-node-npm:20 (node stand-in + host npm and CA bundle)"
  podman build -q --build-arg "BASE_IMAGE=$NODE_IMAGE" -f deploy/test/node-npm.Containerfile \
    -t localhost/ectest-node-npm:20 "$work/npm-ctx" >/dev/null
  app_base=localhost/ectest-node-npm:20
  say "building $APP_IMAGE from Containerfile and the repository (BASE_IMAGE=localhost/ectest-node-npm:20)"
  podman build --format docker --layers=false --build-arg BASE_IMAGE=localhost/ectest-node-npm:20 \
    -f Containerfile -t "$APP_IMAGE" . >"$work/app-build.log" 2>&1 || { tail -40 "$work/app-build.log"; fail "podman build"; }
else
  # The app: built on the host, handed over as the context of the runtime stage.
  app_base=$NODE_IMAGE
  [ -f dist/server.mjs ] && [ -f .next/BUILD_ID ] || { say "npm run build"; npm run build >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "npm run build"; }; }
  ctx="$work/app-ctx"
  mkdir -p "$ctx/lib/server/store"
  cp package.json package-lock.json next.config.ts experiments.json "$ctx/"
  cp -r dist "$ctx/dist"
  cp -r lib/server/store/migrations "$ctx/lib/server/store/migrations"
  [ -d public ] && cp -r public "$ctx/public"
  tar -C . --exclude=./.next/cache -cf - ./.next | tar -C "$ctx" -xf -
  # Hard links keep the copy cheap; npm prune only unlinks (and rewrites its lock file by renaming).
  cp -al node_modules "$ctx/node_modules"
  (cd "$ctx" && npm prune --omit=dev --no-audit --no-fund >"$work/prune.log" 2>&1) || { cat "$work/prune.log"; fail "npm prune"; }
  say "building $APP_IMAGE from Containerfile (BASE_IMAGE=$NODE_IMAGE, PREBUILT=1)"
  podman build -q --format docker --layers=false --build-arg "BASE_IMAGE=$NODE_IMAGE" --build-arg PREBUILT=1 \
    -f Containerfile -t "$APP_IMAGE" "$ctx" >"$work/app-build.log" 2>&1 || { cat "$work/app-build.log"; fail "podman build"; }
  rm -rf "$ctx"
fi
size=$(podman image inspect -f '{{.Size}}' "$APP_IMAGE")
base_size=$(podman image inspect -f '{{.Size}}' "$app_base")
say "image: $(( size / 1000000 )) MB, of which $(( (size - base_size) / 1000000 )) MB on top of its base $app_base"
[ "$(podman image inspect -f '{{.Config.User}}' "$APP_IMAGE")" = "1000:1000" ] || fail "the image does not run as uid 1000"
podman image inspect -f '{{.Config.Healthcheck}}' "$APP_IMAGE" | grep -q 'api/health/ready' || fail "the image has no readiness HEALTHCHECK"

# --- helpers ------------------------------------------------------------------------------------
free_port() { "$node_bin" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
json() { "$node_bin" -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{const v=JSON.parse(d);console.log(eval(process.argv[1]))})' "$1"; }
wait_ready() { # base-url container
  for _ in $(seq 1 180); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/api/health/ready")" = 200 ] && return 0
    [ "$(podman inspect -f '{{.State.Running}}' "$2")" = true ] || { podman logs --tail 30 "$2"; fail "$2 stopped"; }
    sleep 1
  done
  podman logs --tail 30 "$2"; fail "$2 not ready within 180 s"
}
healthy() { # the Containerfile's or compose file's HEALTHCHECK, run now
  podman healthcheck run "$1" >/dev/null 2>&1 || { podman logs --tail 20 "$1"; fail "healthcheck of $1"; }
}
post() { # base-url path json [cookie-jar]
  curl -sS -f -X POST -H 'Content-Type: application/json' ${4:+-b "$4" -c "$4"} --data "$3" "$1$2"
}
# "upvotes myVote" of expose $id for the session in $work/jar, or the error answer.
vote_state() {
  curl -s -b "$work/jar" "$base/api/exposes/$id" \
    | json 'v.metrics ? `${v.metrics.upvotes} ${v.myVote}` : JSON.stringify(v)' 2>/dev/null || echo "no JSON answer"
}
exit_code_after_stop() { podman stop -t 20 "$1" >>"$work/podman.log" 2>&1; podman inspect -f '{{.State.ExitCode}}' "$1"; }

# Embedded: nothing set, so the session secret is generated into the volume. compose.yaml: a shared one.
: >"$work/env-embedded"
printf 'SESSION_SECRET=%s\n' "$(head -c 36 /dev/urandom | base64 | tr -d '/+=')" >"$work/env-full"
export APP_IMAGE POSTGRES_IMAGE="$PG_IMAGE" REDIS_IMAGE

# --- embedded: compose.embedded.yaml ------------------------------------------------------------
port=$(free_port)
base="http://127.0.0.1:$port"
say "embedded set-up on $base"
ENV_FILE="$work/env-embedded" APP_PORT="127.0.0.1:$port" podman-compose -p "$EMB" -f compose.embedded.yaml up -d --no-build >"$work/emb-up.log" 2>&1 \
  || { cat "$work/emb-up.log"; fail "podman-compose up (embedded)"; }
app="${EMB}_app_1"
wait_ready "$base" "$app"
healthy "$app"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" = 200 ] || fail "the feed page does not answer 200"
id=$(post "$base" /api/exposes '{"title":"container test","body":"survives a restart"}' "$work/jar" | json v.exposeId)
post "$base" /api/expose/vote "{\"exposeId\":\"$id\",\"voteType\":\"upvote\"}" "$work/jar" >/dev/null
say "voted on $id; podman restart"
podman restart -t 20 "$app" >>"$work/podman.log" 2>&1
wait_ready "$base" "$app"
after=$(vote_state)
[ "$after" = "1 upvote" ] || fail "after the restart the expose has upvotes/myVote '$after', expected '1 upvote'"
say "vote kept across the restart (and the session secret with it)"
code=$(exit_code_after_stop "$app")
[ "$code" = 0 ] || { podman logs --tail 30 "$app"; fail "podman stop: exit code $code, expected 0"; }
say "podman stop (SIGTERM): exit 0"
# A new container on the same volume (what an upgrade does): the data lives in the volume, not in
# the container's own layer that `podman restart` keeps.
podman rm -f -v "$app" >>"$work/podman.log" 2>&1
ENV_FILE="$work/env-embedded" APP_PORT="127.0.0.1:$port" podman-compose -p "$EMB" -f compose.embedded.yaml up -d --no-build >"$work/emb-up.log" 2>&1 \
  || { cat "$work/emb-up.log"; fail "podman-compose up (embedded, new container)"; }
wait_ready "$base" "$app"
after=$(vote_state)
[ "$after" = "1 upvote" ] || fail "in a new container on the volume the expose has upvotes/myVote '$after', expected '1 upvote'"
say "vote kept in a new container on the same volume"
code=$(exit_code_after_stop "$app")
[ "$code" = 0 ] || { podman logs --tail 30 "$app"; fail "podman stop: exit code $code, expected 0"; }
# Under an init process (docker/podman run --init) the signal is forwarded and the exit code passed on.
podman run -d --init --name "${EMB}_init" --label "com.docker.compose.project=$EMB" -v "${EMB}_data:/data" \
  -p "127.0.0.1:$port:3000" "$APP_IMAGE" >>"$work/podman.log" 2>&1 || { cat "$work/podman.log"; fail "podman run --init"; }
wait_ready "$base" "${EMB}_init"
code=$(exit_code_after_stop "${EMB}_init")
[ "$code" = 0 ] || { podman logs --tail 30 "${EMB}_init"; fail "podman stop under --init: exit code $code, expected 0"; }
say "under --init: ready, and podman stop exits 0"
# README's backup of the embedded database: the stopped volume's folder as a tarball, restored into
# a new volume that a new container then serves.
podman run --rm --user 0 -v "${EMB}_data:/data:ro" -v "$work:/backup" "$APP_IMAGE" \
  tar -czf /backup/data.tgz -C /data . >>"$work/podman.log" 2>&1 || { cat "$work/podman.log"; fail "tar backup"; }
podman run --rm --user 0 -v "${EMB}_restored:/data" -v "$work:/backup:ro" "$APP_IMAGE" \
  tar -xzf /backup/data.tgz -C /data >>"$work/podman.log" 2>&1 || { cat "$work/podman.log"; fail "tar restore"; }
podman run -d --name "${EMB}_restored" --label "com.docker.compose.project=$EMB" -v "${EMB}_restored:/data" \
  -p "127.0.0.1:$port:3000" "$APP_IMAGE" >>"$work/podman.log" 2>&1 || { cat "$work/podman.log"; fail "podman run (restored)"; }
wait_ready "$base" "${EMB}_restored"
after=$(vote_state)
[ "$after" = "1 upvote" ] || fail "restored from the backup the expose has upvotes/myVote '$after', expected '1 upvote'"
say "backup of the stopped volume restored into a new one: vote and session kept"
remove_project "$EMB" data restored

# --- PostgreSQL + Redis, two replicas of WEB_CONCURRENCY=2: compose.yaml --------------------------
export POSTGRES_PASSWORD
POSTGRES_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
compose_full() { ENV_FILE="$work/env-full" APP_REPLICAS=2 WEB_CONCURRENCY=2 APP_PORT="127.0.0.1:" podman-compose -p "$FULL" -f compose.yaml "$@"; }
# podman-compose 1.0 ignores `condition: service_healthy`: start the databases first and wait for
# their compose healthchecks, as docker compose would.
say "compose.yaml: postgres + redis"
compose_full up -d --no-build postgres redis >"$work/full-up.log" 2>&1 || { cat "$work/full-up.log"; fail "podman-compose up postgres redis"; }
for svc in postgres redis; do
  for i in $(seq 1 60); do podman healthcheck run "${FULL}_${svc}_1" >/dev/null 2>&1 && break; sleep 1; done
  [ "$i" -lt 60 ] || { podman logs --tail 20 "${FULL}_${svc}_1"; fail "$svc not healthy"; }
done
say "compose.yaml: two app replicas"
compose_full up -d --no-build app >>"$work/full-up.log" 2>&1 || { cat "$work/full-up.log"; fail "podman-compose up app"; }
a="${FULL}_app_1"; b="${FULL}_app_2"
base_a="http://$(podman port "$a" 3000/tcp)"; base_b="http://$(podman port "$b" 3000/tcp)"
wait_ready "$base_a" "$a"; wait_ready "$base_b" "$b"
healthy "$a"; healthy "$b"
id=$(post "$base_a" /api/exposes '{"title":"two replicas","body":"live across instances"}' "$work/jar-a" | json v.exposeId)
[ "$(curl -sS -f "$base_b/api/exposes" | json "v.exposes.some(e => e.exposeId === '$id')")" = true ] \
  || fail "replica B's feed does not list the expose created on replica A"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base_b/")" = 200 ] || fail "replica B's feed page does not answer 200"
curl -sS -N --max-time 90 "$base_b/api/expose/stream?ids=$id" >"$work/stream" 2>/dev/null &
stream_pid=$!
for i in $(seq 1 50); do [ -s "$work/stream" ] && break; sleep 0.2; done
[ -s "$work/stream" ] || fail "replica B's live stream sent nothing"
post "$base_a" /api/expose/vote "{\"exposeId\":\"$id\",\"voteType\":\"upvote\"}" "$work/jar-a" >/dev/null
for i in $(seq 1 150); do grep -q '"upvotes":1' "$work/stream" && break; sleep 0.2; done
grep -q '"upvotes":1' "$work/stream" || { cat "$work/stream"; fail "the vote on replica A did not arrive on replica B's stream"; }
say "a vote on replica A arrived on replica B's live stream"
# README's PostgreSQL backup, restored into a second database.
pg="${FULL}_postgres_1"
podman exec "$pg" pg_dump -U expose -d expose -Fc >"$work/expose.dump" || fail "pg_dump"
podman exec "$pg" createdb -U expose restored || fail "createdb"
podman exec -i "$pg" pg_restore -U expose -d restored --clean --if-exists <"$work/expose.dump" || fail "pg_restore"
restored=$(podman exec "$pg" psql -U expose -d restored -tAc "select upvotes from exposes where id = '$id'")
[ "$restored" = 1 ] || fail "the restored database has upvotes '$restored' for $id, expected 1"
say "pg_dump restored into a new database: the expose and its vote are there"
kill "$stream_pid" 2>/dev/null || true; stream_pid=""
for c in "$a" "$b"; do
  code=$(exit_code_after_stop "$c")
  [ "$code" = 0 ] || { podman logs --tail 30 "$c"; fail "podman stop $c: exit code $code, expected 0"; }
done
say "both replicas stopped with exit 0"
# The PostgreSQL data lives in the pgdata volume: a new postgres container on it has the vote.
podman rm -f -v "$pg" >>"$work/podman.log" 2>&1
compose_full up -d --no-build postgres >>"$work/full-up.log" 2>&1 || { cat "$work/full-up.log"; fail "podman-compose up postgres (new container)"; }
for i in $(seq 1 60); do podman healthcheck run "$pg" >/dev/null 2>&1 && break; sleep 1; done
kept=$(podman exec "$pg" psql -U expose -d expose -tAc "select upvotes from exposes where id = '$id'")
[ "$kept" = 1 ] || fail "a new postgres container on the pgdata volume has upvotes '$kept' for $id, expected 1"
say "a new postgres container on the pgdata volume has the vote"
remove_project "$FULL" pgdata
say "passed"
