# SPDX-License-Identifier: Apache-2.0
# What kferry load itself writes is what Kafka Connect reads: the example
# file of config/settlement.schema, loaded with that schema, arrives through
# JsonConverter (schemas.enable=true for key and value) in FileStreamSink as
# the same Struct lines as the hand-written records of docs/records.md 1.6
# (t_connect_json). Skips while kferry has no load command.
source "$(dirname "$0")/lib.sh"

# The file of config/settlement.schema's header comment, under the name
# that docs/records.md 1.6 uses.
sed -n 's/^#   \([0-9s].*\)/\1/p' "$KF_REPO/config/settlement.schema" >"$WORK/settle_20261202.csv"
[ "$(wc -l <"$WORK/settle_20261202.csv")" = 3 ] ||
	fail "test setup: config/settlement.schema's example is not a header and two rows"
kferry_load --schema "$KF_REPO/config/settlement.schema" "$WORK/settle_20261202.csv"
[ "$(json_field "$LOAD_JSON" rows_published)" = 2 ] || fail "kferry load did not publish 2 rows: $LOAD_JSON"
sink_check "$KF_INTEROP_DATA/settlement.expected"
log "t_connect_load passed"
