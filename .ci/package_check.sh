#!/usr/bin/env bash
# The wheel as another machine gets it (`make package`, run by .ci/run): built from
# the checkout, installed with the production lock into a new virtual environment
# in a folder outside the checkout, checked with production settings, migrated,
# and served by gunicorn long enough to answer /readyz, a page, a static file
# and a GraphQL query. Bounded: every wait stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "-- building the wheel from the files git knows (no stale build/ folder)"
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --files-from - --ignore-failed-read --warning=no-failed-read -cf - | tar -xf - -C "$work/src"
.venv/bin/python -m pip --disable-pip-version-check wheel --quiet --no-deps --no-build-isolation -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/gql_auth-*.whl)

echo "-- installing it with requirements.lock into a new environment"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip --disable-pip-version-check install --quiet --require-hashes --no-deps -r requirements.lock
"$work/venv/bin/python" -m pip --disable-pip-version-check install --quiet --no-deps "$wheel"
"$work/venv/bin/python" -m pip --disable-pip-version-check check

cd "$work"  # nothing of the checkout on the path from here on
located=$("$work/venv/bin/python" -c 'import audit, users; print(users.__file__)')
case "$located" in
  "$checkout"*) echo "the installed package was imported from the checkout: $located" >&2; exit 1 ;;
esac

export DEBUG=0 PUBLIC_URL=https://auth.example.org ALLOWED_HOSTS=auth.example.org TRUSTED_PROXY_COUNT=1
SECRET_KEY=$("$work/venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
OIDC_PRIVATE_KEY=$("$work/venv/bin/python" -m provider.keys)
export SECRET_KEY OIDC_PRIVATE_KEY DATABASE_URL="sqlite:///$work/db.sqlite3"
unset REDIS_URL  # the in-database cache, as a lone instance runs

echo "-- gql-auth check --deploy, migrate"
"$work/venv/bin/gql-auth" check --deploy --fail-level WARNING
"$work/venv/bin/gql-auth" migrate --noinput >/dev/null

port=$(free_port)
echo "-- gunicorn on 127.0.0.1:$port"
"$work/venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --log-level warning gql_auth.wsgi &
server=$!

get() {  # path, then curl's own options; over the trusted proxy's https
  local path=$1; shift
  curl --silent --show-error --max-time 10 -H "Host: auth.example.org" -H "X-Forwarded-Proto: https" \
    -o "$work/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path"
}
for _ in $(seq 60); do
  [ "$(get /readyz 2>/dev/null || true)" = 200 ] && break
  kill -0 "$server" 2>/dev/null || { echo "gunicorn stopped" >&2; exit 1; }
  sleep 0.5
done
expect() {  # status, path, then curl's options
  local want=$1 path=$2; shift 2
  local got
  got=$(get "$path" "$@")
  [ "$got" = "$want" ] || { echo "$path answered $got, not $want:" >&2; head -c 500 "$work/body" >&2; exit 1; }
  echo "   $path: $got"
}
expect 200 /readyz
expect 200 /login
grep -q 'Sign in' "$work/body" || { echo "/login rendered no sign-in page" >&2; exit 1; }
expect 200 "/login?lang=fr"
grep -q 'Créer un compte' "$work/body" || { echo "/login?lang=fr is not French: the wheel lacks its catalogue" >&2; exit 1; }
stylesheet=$(grep -o '/static/[^"]*\.css' "$work/body" | head -n 1)
expect 200 "$stylesheet"
expect 200 /graphql/ -X POST -H "Content-Type: application/json" --data '{"query": "{ me { id } }"}'
grep -q '"me": *null' "$work/body" || { echo "GraphQL answered: $(cat "$work/body")" >&2; exit 1; }
expect 200 /.well-known/openid-configuration

echo "-- examples/drf-service, on the installed package, knows a session of the service"
token=$("$work/venv/bin/gql-auth" shell -c '
from users.models import AuthToken, User
user = User.objects.create_user("ada@example.com", None)
print(AuthToken.objects.issue(user)[1])' | tail -n 1)
cp -r "$checkout/examples/drf-service" "$work/orders"
orders_port=$(free_port)
(cd "$work/orders" && env -u DJANGO_SETTINGS_MODULE ORDERS_SECRET_KEY=orders-check GQL_AUTH_DATABASE_URL="$DATABASE_URL" \
  "$work/venv/bin/gunicorn" --bind "127.0.0.1:$orders_port" --workers 1 --log-level warning orders.wsgi) &
orders=$!
for _ in $(seq 60); do
  curl --silent --max-time 5 -o /dev/null "http://127.0.0.1:$orders_port/orders/mine" && break
  sleep 0.5
done
answer=$(curl --silent --show-error --max-time 10 -H "Authorization: Token $token" "http://127.0.0.1:$orders_port/orders/mine")
kill "$orders"; wait "$orders" 2>/dev/null || true
case "$answer" in
  *'"email":"ada@example.com"'*) echo "   /orders/mine: $answer" ;;
  *) echo "the DRF example answered: $answer" >&2; exit 1 ;;
esac
echo "-- the wheel installs, checks and serves outside the checkout"
