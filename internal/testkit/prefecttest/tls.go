package prefecttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// privateCA is a certificate authority made for one server, as a company
// runs for its self-hosted Prefect: its certificate is in no system trust
// store, so a client trusts the server only when told to (Prefect's
// PREFECT_API_SSL_CERT_FILE, Go's SSL_CERT_FILE), or when it checks
// nothing (PREFECT_API_TLS_INSECURE_SKIP_VERIFY).
type privateCA struct {
	caPEM []byte          // the CA's certificate, PEM: what a client trusts
	pool  *x509.CertPool  // the same, for Go clients
	leaf  tls.Certificate // the server's certificate and key, signed by the CA
}

// newPrivateCA makes a CA and a server certificate it signs, valid for
// 127.0.0.1, ::1 and localhost.
func newPrivateCA() (*privateCA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"prefecttest"}, CommonName: "prefecttest private CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"prefecttest"}, CommonName: "prefecttest server"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &privateCA{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:  pool,
		leaf:  tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey},
	}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(fmt.Sprintf("prefecttest: %v", err))
	}
	return n
}

// OtherCAPEM returns the certificate (PEM) of a new private CA that signs
// no server: trusting only it, a client trusts none of the fakes.
func OtherCAPEM() ([]byte, error) {
	ca, err := newPrivateCA()
	if err != nil {
		return nil, err
	}
	return ca.caPEM, nil
}
