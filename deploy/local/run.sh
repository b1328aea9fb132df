#!/usr/bin/env bash
# Starts the image registry for two Regions on this machine (see README.md): builds what is missing, then runs
# Kafka, PostgreSQL and S3 per Region and the four services of each Region. Ctrl-C stops everything.
# Options are passed on: --data-dir DIR (default .local-stack), --regions a,b, --port-base N (default 8080).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SKIP_BUILD:-}" != "true" ]; then
  ./mvnw -B -q -DskipTests install
fi
exec java -Xmx768m -XX:+UseSerialGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "deploy/local/target/classes:deploy/local/target/lib/*" dev.imageregistry.stack.LocalStack "$@"
