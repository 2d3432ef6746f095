#!/bin/bash
# MySQL first-start initialisation (docker-entrypoint-initdb.d; runs once, on an empty data volume).
# One database and one user per service, each user limited to its own database.
# Passwords come from the environment of the mysql service (x-db-passwords in docker-compose.yml),
# with dev defaults there. Sourced by the mysql image's entrypoint, so `docker_process_sql` is
# available. The compose job mysql-databases sources it again on every `up` with its own
# `docker_process_sql` (root over TCP), so a volume made before a service existed catches up;
# every statement is idempotent.
#
# A new service adds its line here and its *_DB_PASSWORD to x-db-passwords in docker-compose.yml.

# Escapes a value for a single-quoted MySQL string literal (backslashes, then quotes).
sql_quote() {
  local s="${1//\\/\\\\}"
  printf "%s" "${s//\'/\'\'}"
}

create_service_database() {
  local name="$1" password="$2"
  if [ -z "$password" ]; then
    echo >&2 "10-databases.sh: no password for database user '$name'"
    exit 1
  fi
  echo "10-databases.sh: creating database '$name' and its user"
  docker_process_sql --database=mysql <<-SQL
	CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
	CREATE USER IF NOT EXISTS '${name}'@'%' IDENTIFIED BY '$(sql_quote "$password")';
	GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${name}'@'%';
	FLUSH PRIVILEGES;
SQL
}

create_service_database auth "${AUTH_DB_PASSWORD:-}"
create_service_database file "${FILE_DB_PASSWORD:-}"
create_service_database hangout "${HANGOUT_DB_PASSWORD:-}"
create_service_database notification "${NOTIFICATION_DB_PASSWORD:-}"
