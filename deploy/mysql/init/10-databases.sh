#!/bin/bash
# MySQL first-start initialisation (docker-entrypoint-initdb.d; runs once, on an empty data volume).
# One database and one user per service, each user limited to its own database.
# Passwords come from the environment of the mysql service (docker-compose.yml), with dev defaults
# there. Sourced by the mysql image's entrypoint, so `docker_process_sql` is available.
#
# Later services add their line here (and their *_DB_PASSWORD in docker-compose.yml):
#   create_service_database hangout "${HANGOUT_DB_PASSWORD}"
#   create_service_database file    "${FILE_DB_PASSWORD}"

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
