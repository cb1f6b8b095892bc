#!/bin/sh
# Writes the TLS test certificates into DIR (created if needed) with the openssl CLI: a CA; a server
# certificate for loopback (subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost); two client certificates of
# that CA (DNS:client.example.org, DNS:other.example.net); and a client certificate from a second CA that the
# server does not know. Keys are EC P-256 (fast to make), certificates valid for ten years, nothing encrypted.
#
#   ca.pem                          the CA the server trusts (--tls-ca) and clients verify the server with
#   server.pem server.key           the server's certificate (--tls-cert) and key (--tls-key)
#   client.pem client.key           CN=client, DNS:client.example.org
#   other.pem  other.key            CN=other, DNS:other.example.net
#   stranger.pem stranger.key       CN=stranger, DNS:client.example.org, signed by stranger-ca.pem
#   stranger-ca.pem                 the unknown CA
#
# Used by ctest's fixture `tls_certs` (tests/CMakeLists.txt) and by anything that needs a TLS peer on loopback.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/strictlog-certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN: a self-signed CA.
ca() {
  key "$tmp/$1.key"
  openssl req -x509 -new -key "$tmp/$1.key" -subj "/O=strictlog test/CN=$2" -days 3650 -sha256 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"
  cp "$tmp/$1.key" "$tmp/$1.cakey"
}

# leaf NAME CN SAN EKU CA: a certificate signed by CA.
leaf() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/O=strictlog test/CN=$2" -out "$tmp/$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$3" "$4" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$5.pem" -CAkey "$tmp/$5.cakey" -CAcreateserial \
    -CAserial "$tmp/$5.srl" -days 3650 -sha256 -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

ca ca "strictlog test CA"
ca stranger-ca "strictlog stranger CA"
leaf server localhost "IP:127.0.0.1,IP:::1,DNS:localhost" serverAuth ca
leaf client client "DNS:client.example.org" clientAuth ca
leaf other other "DNS:other.example.net" clientAuth ca
leaf stranger stranger "DNS:client.example.org" clientAuth stranger-ca
chmod 600 ./*.key
