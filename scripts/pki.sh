# Sourced by the demo and the OpenVPN tests: a throwaway EC P-256 PKI made with the openssl CLI
# (openvpn-protocol.md §10.1). Certificates are valid for 2 days.

# pki_ca DIR NAME CN: a self-signed CA, DIR/NAME.key and DIR/NAME.crt.
pki_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$1/$2.key" -out "$1/$2.crt" -days 2 -subj "/CN=$3" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

# pki_cert DIR CA NAME EKU: DIR/NAME.key and DIR/NAME.crt (CN=NAME) signed by DIR/CA, with
# extended key usage EKU (serverAuth or clientAuth).
pki_cert() {
	local d=$1 ca=$2 n=$3
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$n" || return 1
	printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n%s\n" \
		"extendedKeyUsage=$4" >"$d/$n.ext"
	openssl x509 -req -in "$d/$n.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
		-CAcreateserial -out "$d/$n.crt" -days 2 -extfile "$d/$n.ext"
}

# pki_cert_expired DIR CA NAME EKU: like pki_cert, but the certificate's validity ended long
# ago (1 to 2 January 2020): `openssl ca` with -startdate/-enddate (`openssl x509 -req` of
# OpenSSL 3.0 cannot set dates in the past). Its scratch CA database is DIR/NAME.cadb.
pki_cert_expired() {
	local d=$1 ca=$2 n=$3 db=$1/$3.cadb
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$n" || return 1
	mkdir -p "$db" && : >"$db/index.txt" && openssl rand -hex 8 >"$db/serial" || return 1
	cat >"$db/ca.cnf" <<CNF
[ ca ]
default_ca = scratch
[ scratch ]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = any_cn
unique_subject = no
[ any_cn ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = $4
CNF
	openssl ca -batch -notext -config "$db/ca.cnf" -cert "$d/$ca.crt" -keyfile "$d/$ca.key" \
		-in "$d/$n.csr" -out "$d/$n.crt" -extensions leaf \
		-startdate 20200101000000Z -enddate 20200102000000Z
}

# pki_cert_other_ca DIR NAME EKU: DIR/NAME.key and DIR/NAME.crt signed by a second,
# unrelated CA (DIR/NAME-ca.crt, CN "NAME foreign CA") that no server of ours trusts.
pki_cert_other_ca() {
	pki_ca "$1" "$2-ca" "$2 foreign CA" && pki_cert "$1" "$2-ca" "$2" "$3"
}
