#!/usr/bin/env bash
# Test certificates for the TLS tests, made fresh at test time (never committed):
#   ca.pem            the CA the tests trust
#   server.pem/.key   for 127.0.0.1, 10.200.0.1 (host w of dd_pair) and localhost, signed by ca
#   client.pem/.key   a client certificate signed by ca (client.pem holds the chain)
#   rogue-ca.pem      a CA nobody trusts; rogue-server.pem/.key signed by it
#
#   make-certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"

ca () {  # NAME SUBJECT
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf () {  # NAME CA SUBJECT EXTENSIONS
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
  cat "$1.crt" "$2.pem" > "$1.pem"
}

ca ca "ddump test CA"
ca rogue-ca "somebody else's CA"
leaf server ca "ddump test server" "subjectAltName=IP:127.0.0.1,IP:10.200.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf rogue-server rogue-ca "ddump test server" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "ddump test client" "extendedKeyUsage=clientAuth"
