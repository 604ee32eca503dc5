# SPDX-License-Identifier: Apache-2.0
# Kafka Connect 3.9.1 reads the record format of docs/records.md section 1:
# the records of data/connect_json.records (the key and value of 1.6 byte for
# byte, every type of 1.2 at its bounds, nulls, Korean text, every escape,
# the decimals of 1.3 in both forms, null keys, our headers), put on a topic
# by Kafka's console producer, go through JsonConverter
# (schemas.enable=true for key and value) into FileStreamSink; the task stays
# RUNNING, the worker logs no error, and the sink writes the expected
# Struct lines (decimals as BigDecimal, dates and times as java.util.Date in
# UTC).
source "$(dirname "$0")/lib.sh"

produce_records "$CONNECT_TOPIC" "$KF_INTEROP_DATA/connect_json.records"
assert_topic_records "$CONNECT_TOPIC" "$KF_INTEROP_DATA/connect_json.records"
sink_check "$KF_INTEROP_DATA/settlement.expected" "$KF_INTEROP_DATA/connect_json.expected"
log "t_connect_json passed"
