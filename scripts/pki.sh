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
