#!/usr/bin/env bash
# Make sure the servers strangler talks to answer on this machine.
# Usage: scripts/ensure_services.sh rabbitmq [postgresql]
# For each: if it answers, do nothing; if installed but stopped, start it;
# if missing and we are root on Debian, install it with apt; else say what to do.
set -euo pipefail

AMQP_HOST=127.0.0.1 AMQP_PORT=5672
PG_HOST=127.0.0.1 PG_PORT=5432

answers() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_for() { # name host port seconds
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    answers "$2" "$3" && return 0
    sleep 0.5
  done
  echo "ensure_services: $1 did not start answering on $2:$3 within $4s." >&2
  return 1
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {
  echo "ensure_services: installing $* with apt-get (this takes a minute)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rabbitmq() {
  answers $AMQP_HOST $AMQP_PORT && return 0
  if ! command -v rabbitmq-server >/dev/null; then
    if can_apt; then
      apt_install rabbitmq-server
    else
      cat >&2 <<MSG
ensure_services: RabbitMQ is not answering on $AMQP_HOST:$AMQP_PORT and is not installed.
  Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server) and start it
  (sudo rabbitmq-server -detached), or point AMQP_URI at a broker you run elsewhere.
MSG
      return 1
    fi
  fi
  echo "ensure_services: starting RabbitMQ..." >&2
  if [ "$(id -u)" = 0 ]; then
    rabbitmq-server -detached >/dev/null 2>&1 || true
  else
    sudo -n rabbitmq-server -detached >/dev/null 2>&1 || {
      echo "ensure_services: RabbitMQ is installed but stopped; start it with: sudo rabbitmq-server -detached" >&2
      return 1
    }
  fi
  wait_for RabbitMQ $AMQP_HOST $AMQP_PORT 60
}

ensure_postgresql() {
  answers $PG_HOST $PG_PORT && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if can_apt; then
      apt_install postgresql
      trust_local_postgres
    else
      cat >&2 <<MSG
ensure_services: PostgreSQL is not answering on $PG_HOST:$PG_PORT and is not installed.
  Install it (Debian/Ubuntu: sudo apt-get install postgresql) and allow the test user to connect,
  or set STRANGLER_TEST_POSTGRES_URL to a server you run elsewhere.
MSG
      return 1
    fi
  fi
  echo "ensure_services: starting PostgreSQL..." >&2
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$(id -u)" = 0 ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  else
    echo "ensure_services: PostgreSQL is installed but stopped; start it with: sudo pg_ctlcluster $version main start" >&2
    return 1
  fi
  wait_for PostgreSQL $PG_HOST $PG_PORT 60
}

# A fresh Debian install only lets the postgres OS user in; tests connect over
# TCP as the postgres role, so trust loopback connections on this dev machine.
trust_local_postgres() {
  local hba
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf | sort -V | tail -n 1)
  grep -q '^host all all 127.0.0.1/32 trust' "$hba" ||
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
}

for service in "$@"; do
  case "$service" in
    rabbitmq) ensure_rabbitmq ;;
    postgresql) ensure_postgresql ;;
    *) echo "ensure_services: unknown service '$service' (known: rabbitmq, postgresql)" >&2; exit 2 ;;
  esac
done
