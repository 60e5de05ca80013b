#!/usr/bin/env bash
# The compose broker: the image's own start-up (/etc/kafka/docker/run), then Nightshift's SCRAM users and
# ACLs, made over the broker-local listener (localhost:9094, reachable from inside this container only,
# whose anonymous principal is the one super user). Idempotent: run at every start, so a password changed
# in .env takes effect on the next `docker compose up`. The healthcheck passes only once this is done.
set -euo pipefail
rm -f /tmp/nightshift-kafka-ready

/etc/kafka/docker/run &
broker=$!
trap 'kill -TERM "$broker" 2>/dev/null' TERM INT

bin=/opt/kafka/bin
local_listener=(--bootstrap-server localhost:9094)
until "$bin/kafka-broker-api-versions.sh" "${local_listener[@]}" >/dev/null 2>&1; do
  kill -0 "$broker" 2>/dev/null || { wait "$broker"; exit $?; }
  sleep 1
done

# Passwords go through a file of mode 0600, never a command line (ps would show them).
umask 077
credentials=$(mktemp)
for user in ingest dispatch report registry; do
  variable="NIGHTSHIFT_KAFKA_${user^^}_PASSWORD"
  printf 'SCRAM-SHA-512=[iterations=8192,password=%s]\n' "${!variable:?$variable is not set}" > "$credentials"
  "$bin/kafka-configs.sh" "${local_listener[@]}" --alter --entity-type users --entity-name "nightshift-$user" \
    --add-config-file "$credentials" >/dev/null
done
rm -f "$credentials"

allow() { # allow <user> <resource options...> -- <operations...>
  local user=$1; shift
  local resource=()
  while [ "$1" != "--" ]; do resource+=("$1"); shift; done; shift
  local operations=()
  for op in "$@"; do operations+=(--operation "$op"); done
  "$bin/kafka-acls.sh" "${local_listener[@]}" --add --allow-principal "User:nightshift-$user" "${resource[@]}" "${operations[@]}" >/dev/null
}

# The same rights as the Kubernetes KafkaUsers (k8s/base/kafka-users.yaml), plus Create on the topics each
# service creates here itself (no topic operator in compose); ComposeFileTest compares the two.
allow ingest   --topic nightshift.tasks -- Write Describe Create
allow ingest   --topic nightshift.ledger -- Read Describe

allow dispatch --topic nightshift.tasks -- Read Describe
allow dispatch --group nightshift-dispatch -- Read
allow dispatch --topic nightshift.runs -- Write Describe Create
allow dispatch --topic nightshift.ledger -- Write Read Describe Create
allow dispatch --topic nightshift.spend -- Write Read Describe Create
allow dispatch --topic nightshift.tasks.dlt -- Write Describe Create
allow dispatch --transactional-id nightshift-dispatch- --resource-pattern-type prefixed -- Write Describe

allow report   --topic nightshift.runs -- Read Describe
allow report   --topic nightshift.tasks -- Read Describe
allow report   --group nightshift-report -- Read
allow report   --group nightshift-report- --resource-pattern-type prefixed -- Read
allow report   --topic nightshift.writes -- Write Read Describe Create
allow report   --topic nightshift.runs.todoist.dlt -- Write Read Describe Create
allow report   --topic nightshift.runs.github.dlt -- Write Read Describe Create
allow report   --topic nightshift.runs.linear.dlt -- Write Read Describe Create
allow report   --topic nightshift.runs.airtable.dlt -- Write Read Describe Create

allow registry --topic kafkasql-journal -- Create Write Read Describe DescribeConfigs
allow registry --topic kafkasql-snapshots -- Create Write Read Describe DescribeConfigs
allow registry --topic registry-events -- Create Write Read Describe DescribeConfigs
allow registry --group apicurio- --resource-pattern-type prefixed -- Read

touch /tmp/nightshift-kafka-ready
echo "===> Nightshift's Kafka users and ACLs are in place"

# stay with the broker; a TERM is passed on and its exit status is ours
while true; do
  set +e
  wait "$broker"
  status=$?
  set -e
  kill -0 "$broker" 2>/dev/null || exit "$status"
done
