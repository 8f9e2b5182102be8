#!/usr/bin/env bash
# Creates every Driftwatch topic (deploy/topics.tsv) with Kafka's own kafka-topics tool.
# Existing topics are left alone (--if-not-exists); run it again after adding a topic.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() {
  cat <<USAGE
Usage: $(basename "$0") --bootstrap-server HOST:PORT [options]

Creates the Driftwatch topics listed in deploy/topics.tsv (partitions and configs explained in
deploy/README.md). Topics that exist already are left as they are.

Options:
  --bootstrap-server HOST:PORT   Kafka to create the topics in (or env BOOTSTRAP_SERVERS)
  --prefix PREFIX                topic name prefix (default: driftwatch.; env DRIFTWATCH_TOPIC_PREFIX)
  --replication-factor N         replicas per partition (default: 3; use 1 on a single broker)
  --min-insync-replicas N        min.insync.replicas (default: 2 when the replication factor is 3 or more)
  --command-config FILE          client properties for a secured cluster (SASL/TLS), passed to kafka-topics
  --dry-run                      print the commands instead of running them
  -h, --help                     this text

The kafka-topics command is taken from env KAFKA_TOPICS, else kafka-topics.sh or kafka-topics on PATH.
USAGE
}

bootstrap=${BOOTSTRAP_SERVERS:-}
prefix=${DRIFTWATCH_TOPIC_PREFIX:-driftwatch.}
rf=3
min_isr=
command_config=
dry_run=false
while [ $# -gt 0 ]; do
  case "$1" in
    --bootstrap-server) bootstrap=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --replication-factor) rf=$2; shift 2 ;;
    --min-insync-replicas) min_isr=$2; shift 2 ;;
    --command-config) command_config=$2; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -z "$bootstrap" ]; then
  echo "error: --bootstrap-server is required" >&2; usage >&2; exit 2
fi
if [ -z "$min_isr" ]; then
  if [ "$rf" -ge 3 ]; then min_isr=2; else min_isr=1; fi
fi

if [ -n "${KAFKA_TOPICS:-}" ]; then
  read -r -a topics_cmd <<<"$KAFKA_TOPICS"
elif command -v kafka-topics.sh >/dev/null 2>&1; then
  topics_cmd=(kafka-topics.sh)
elif command -v kafka-topics >/dev/null 2>&1; then
  topics_cmd=(kafka-topics)
elif [ "$dry_run" = true ]; then
  topics_cmd=(kafka-topics.sh)
else
  echo "error: kafka-topics.sh not found: put Kafka's bin/ on PATH or set KAFKA_TOPICS" >&2; exit 2
fi

created=0
while IFS=$'\t' read -r role name partitions _value configs; do
  case "$role" in ''|'#'*) continue ;; esac
  args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$prefix$name"
        --partitions "$partitions" --replication-factor "$rf" --config "min.insync.replicas=$min_isr")
  IFS=',' read -r -a config_list <<<"$configs"
  for c in "${config_list[@]}"; do args+=(--config "$c"); done
  [ -n "$command_config" ] && args+=(--command-config "$command_config")
  if [ "$dry_run" = true ]; then
    printf '%q ' "${topics_cmd[@]}" "${args[@]}"; echo
  else
    echo "creating $prefix$name ($role): $partitions partitions, replication factor $rf"
    "${topics_cmd[@]}" "${args[@]}"
  fi
  created=$((created + 1))
done <"$here/topics.tsv"
echo "$created topics $([ "$dry_run" = true ] && echo "would be created" || echo "created or present") with prefix '$prefix'"
