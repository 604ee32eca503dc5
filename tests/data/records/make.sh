#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes the record files of this directory (committed; run this again
# after changing it, from anywhere): printf and iconv only.
#
#   bank_cp949.dat             config/bank_cp949.schema: CP949, 100-byte
#                              records, CRLF; header H, five details D,
#                              trailer T with the true count and sum.
#                              Names hold CP949-only syllables (똠 8C 63,
#                              햏 C1 64: not in EUC-KR).
#   bank_cp949_bad_count.dat   the same, the trailer's count one too many
#   bank_cp949_bad_sum.dat     the same, the trailer's sum 0.01 too much
#   bank_cp949_no_trailer.dat  the same without the trailer
#   orders.jsonl               config/orders.schema: nested members, a
#                              quoted and a plain number, nulls, an absent
#                              member, escapes, an empty line and one bad
#                              line (line 5, cut short)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

# pad TEXT WIDTH: TEXT (CP949 bytes) space padded on the right to WIDTH
# bytes.
pad() {
	local n=${#1}
	[ "$n" -le "$2" ] || { echo "make.sh: '$1' over $2 bytes" >&2; exit 1; }
	printf '%s%*s' "$1" $(($2 - n)) ''
}

# overpunch CENTS DIGITS: the amount in DIGITS digits, its sign in the
# last one ({, A..I positive; }, J..R negative: IBM zoned decimal).
overpunch() {
	local v=$1 pos='{ABCDEFGHI' neg='}JKLMNOPQR' s d
	if [ "$v" -lt 0 ]; then
		v=$((-v))
		s=$neg
	else
		s=$pos
	fi
	d=$(printf '%0*d' "$2" "$v")
	printf '%s%s' "${d:0:$(($2 - 1))}" "${s:${d: -1}:1}"
}

# record TEXT: one 100-byte record and its CRLF.
record() {
	pad "$1" 100
	printf '\r\n'
}

# detail SEQ ACCOUNT NAME CENTS RRN TYPE
detail() {
	local name
	name=$(printf '%s' "$3" | iconv -f UTF-8 -t CP949)
	record "D$(printf '%07d' "$1")$2$(LC_ALL=C pad "$name" 20)$(overpunch "$4" 15)$5$6"
}

header() {
	record "H00420261202"
}

details() {
	detail 1 12345678901234 '김똠이' 15000000 9001011234567 01
	detail 2 23456789012345 '이햏' 234567890 8505052345678 02
	detail 3 34567890123456 '홍길동' -1200050 7712313456789 03
	detail 4 45678901234567 '박서연' 98765 0003034567890 01
	detail 5 56789012345678 '최준호' 3333333 9912125678901 02
}

COUNT=5
SUM=$((15000000 + 234567890 - 1200050 + 98765 + 3333333))

# trailer COUNT CENTS
trailer() {
	record "T$(printf '%07d' "$1")$(overpunch "$2" 17)"
}

export LC_ALL=C # ${#s} counts bytes
{ header; details; trailer $COUNT $SUM; } >bank_cp949.dat
{ header; details; trailer $((COUNT + 1)) $SUM; } >bank_cp949_bad_count.dat
{ header; details; trailer $COUNT $((SUM + 1)); } >bank_cp949_bad_sum.dat
{ header; details; } >bank_cp949_no_trailer.dat

cat >orders.jsonl <<'JSONL'
{"order_id":"A-1","placed":"2026-12-02T09:30:15.250+09:00","total":"12345.67","paid":true,"customer":{"name":"홍길동","rrn":"900101-1234567","address":{"city":"서울"}},"items":[{"sku":"X1","qty":2}]}
{"order_id":"A-2","placed":"2026-12-02T10:00:00Z","total":99.5,"paid":false,"customer":{"name":"김똠이","rrn":null,"address":null},"items":[]}
{"order_id":"A-3","placed":"2026-12-02 11:15:00+09:00","total":"0.00","paid":true,"customer":{"name":"\uD64D\uAE38\uB3D9 \"Hong\"","address":{"city":"부산","zip":"48058"}},"items":null,"note":"extra member"}

{"order_id":"A-4","placed":"2026-12-02T12:00:00Z","total":
{"order_id":"A-5","placed":"2026-12-02T13:45:30.5+09:00","total":1e2,"paid":true,"customer":{"name":"이햏"},"items":[{"sku":"Y2","qty":1,"gift":{"wrap":true}}]}
JSONL
