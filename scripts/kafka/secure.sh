#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A secured Kafka (KRaft) cluster of one node (or three) for tests and benchmarks: TLS,
# SASL/SCRAM-SHA-512 and PLAIN over TLS, and the StandardAuthorizer. The
# certificates are made with openssl when the broker is started, so no key
# ever sits in the repository.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BROKER_SH=$SCRIPT_DIR/broker.sh
PROG=${0##*/}

usage() {
    cat <<USAGE
Usage:
  $PROG start DIR [--user NAME:PASSWORD]... [--client NAME]... [--nodes 1|3]
  $PROG stop  DIR [--clean]
  $PROG acl   DIR ARGS...     kafka-acls (kafka.admin.AclCommand) as the admin
  $PROG topic DIR ARGS...     broker.sh topic, as the admin

start   makes DIR/tls/ with openssl:
          ca.pem, ca.key          the test CA
          other-ca.pem            a CA the broker's certificate is not from
          broker.pem              the broker's key and certificate, valid for
                                  DNS:localhost only (so 127.0.0.1 is the
                                  wrong host name)
          NAME.pem, NAME.key      a client certificate CN=NAME per --client
                                  (NAME.key is encrypted with the password
                                  in NAME.key.pass when NAME ends in -enc)
        then starts one node (or --nodes 3: three, broker.sh) with the listeners
          PLAINTEXT  127.0.0.1  the admin's: principal User:ANONYMOUS is a
                                super user (inter-broker traffic uses it)
          SSL        localhost  mutual TLS required; the principal is the
                                certificate's CN (User:NAME)
          SASL_SSL   localhost  SCRAM-SHA-512 and PLAIN over TLS
        and the StandardAuthorizer (no ACL: no access; super user
        User:admin as well). --user adds a SCRAM-SHA-512 and PLAIN user.
        Writes DIR/bootstrap (PLAINTEXT), DIR/bootstrap.SSL and
        DIR/bootstrap.SASL_SSL (localhost:PORT).
acl     e.g. $PROG acl DIR --add --allow-principal User:alice --operation Write --topic t
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }

days=2

# Key and certificate signed by the test CA. $1 name, $2 subject, $3 SAN or "".
issue() {
    local t=$TLS name=$1 subj=$2 san=$3 ext
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$t/$name.key" 2>/dev/null
    openssl req -new -key "$t/$name.key" -subj "$subj" -out "$t/$name.csr" 2>/dev/null
    ext="$t/$name.ext"
    {
        echo "basicConstraints=CA:FALSE"
        echo "keyUsage=digitalSignature,keyEncipherment"
        if [ -n "$san" ]; then
            echo "extendedKeyUsage=serverAuth,clientAuth"
            echo "subjectAltName=$san"
        else
            echo "extendedKeyUsage=clientAuth"
        fi
    } >"$ext"
    openssl x509 -req -in "$t/$name.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
        -CAcreateserial -days "$days" -sha256 -extfile "$ext" -out "$t/$name.pem" 2>/dev/null
    rm -f "$t/$name.csr" "$ext"
}

make_ca() {
    local name=$1 cn=$2
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
        -days "$days" -subj "/CN=$cn" -keyout "$TLS/$name.key" -out "$TLS/$name.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

make_tls() {
    local c
    mkdir -p "$TLS"
    chmod 700 "$TLS"
    make_ca ca "kferry test CA"
    make_ca other-ca "some other CA"
    rm -f "$TLS/other-ca.key"
    issue broker "/CN=localhost" "DNS:localhost"
    # Kafka's PEM key store: the PKCS#8 key, then the certificate.
    cat "$TLS/broker.key" "$TLS/broker.pem" >"$TLS/broker-store.pem"
    for c in "${CLIENTS[@]+"${CLIENTS[@]}"}"; do
        issue "$c" "/CN=$c" ""
        if [[ "$c" == *-enc ]]; then
            openssl rand -hex 12 >"$TLS/$c.key.pass"
            openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$TLS/$c.key" \
                -passout "file:$TLS/$c.key.pass" -out "$TLS/$c.key.enc"
            mv "$TLS/$c.key.enc" "$TLS/$c.key"
        fi
    done
    chmod 600 "$TLS"/*.key
}

cmd_start() {
    [ -n "${1:-}" ] || die "missing DIR (see --help)"
    DIR=$1; shift
    USERS=(admin:admin-secret); CLIENTS=(); NODES=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --user) [[ "${2:-}" == ?*:?* ]] || die "--user needs NAME:PASSWORD"; USERS+=("$2"); shift ;;
            --client) [ -n "${2:-}" ] || die "--client needs NAME"; CLIENTS+=("$2"); shift ;;
            --nodes) [[ "${2:-}" == [13] ]] || die "--nodes needs 1 or 3"; NODES=$2; shift ;;
            *) die "start: unknown argument '$1'" ;;
        esac
        shift
    done
    command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
    mkdir -p "$DIR"
    [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"
    # The certificates live beside the broker directory: broker.sh wants
    # its own directory empty.
    TLS=$DIR/tls
    make_tls
    local u plain="" scram=()
    for u in "${USERS[@]}"; do
        scram+=(--add-scram "SCRAM-SHA-512=[name=${u%%:*},password=${u#*:}]")
        plain+=" user_${u%%:*}=\"${u#*:}\""
    done
    "$BROKER_SH" start "$DIR/broker" --nodes "$NODES" \
        --listener SSL=SSL@localhost --listener SASL_SSL=SASL_SSL@localhost \
        --prop ssl.keystore.type=PEM --prop "ssl.keystore.location=$TLS/broker-store.pem" \
        --prop ssl.truststore.type=PEM --prop "ssl.truststore.location=$TLS/ca.pem" \
        --prop listener.name.ssl.ssl.client.auth=required \
        --prop 'ssl.principal.mapping.rules=RULE:^CN=([^,]*).*$/$1/,DEFAULT' \
        --prop sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN \
        --prop "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;" \
        --prop "listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain;" \
        --prop authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer \
        --prop 'super.users=User:ANONYMOUS;User:admin' \
        "${scram[@]}"
    local f
    for f in bootstrap bootstrap.SSL bootstrap.SASL_SSL; do cp "$DIR/broker/$f" "$DIR/$f"; done
}

lib() { LIB=$("$SCRIPT_DIR/fetch.sh") || die "fetch.sh failed"; }

cmd_acl() {
    [ -n "${1:-}" ] || die "missing DIR"
    DIR=$1; shift
    lib
    java -Xmx256m -XX:TieredStopAtLevel=1 \
        -Dlog4j.configuration="file:$DIR/broker/tools-log4j.properties" \
        -cp "$LIB/*" kafka.admin.AclCommand --bootstrap-server "$(cat "$DIR/bootstrap")" "$@"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
    -h|--help|help) usage ;;
    start) cmd_start "$@" ;;
    stop)
        [ -n "${1:-}" ] || die "missing DIR"
        d=$1; shift
        if [ -d "$d/broker" ]; then "$BROKER_SH" stop "$d/broker" "$@"; fi
        [ "${1:-}" != --clean ] || rm -rf -- "$d/tls" "$d"/bootstrap* && rmdir -- "$d" 2>/dev/null || true ;;
    acl) cmd_acl "$@" ;;
    topic) [ -n "${1:-}" ] || die "missing DIR"; d=$1; shift; "$BROKER_SH" topic "$d/broker" "$@" ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
esac
