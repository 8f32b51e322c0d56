package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestOldTemporalNamesStillWork: the names callcycle used before
// envconfig fill the same settings, each reported as deprecated with its
// new name; a new name set beside an old one wins.
func TestOldTemporalNamesStillWork(t *testing.T) {
	cert, key, ca := tempFile(t, "client.pem"), tempFile(t, "client.key"), tempFile(t, "ca.pem")
	c, err := Load(env(map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": key, "TEMPORAL_TLS_CA": ca}))
	if err != nil {
		t.Fatal(err)
	}
	tls := c.Temporal.Profile.TLS
	if tls == nil || tls.ClientCertPath != cert || tls.ClientKeyPath != key || tls.ServerCACertPath != ca {
		t.Fatalf("old names not mapped: TLS %+v", tls)
	}
	var log bytes.Buffer
	c.WarnDeprecated(slog.New(slog.NewTextHandler(&log, nil)))
	for old, now := range Renamed {
		want := "level=WARN msg=\"environment variable " + old + " is deprecated and goes in the next release; rename it " + now + "\" variable=" + old + " use=" + now
		if !strings.Contains(log.String(), want) {
			t.Errorf("no warning for %s; want %s in\n%s", old, want, log.String())
		}
	}
	if n := strings.Count(log.String(), "level=WARN"); n != 3 {
		t.Errorf("%d warnings, want 3:\n%s", n, log.String())
	}

	other := tempFile(t, "other-ca.pem")
	c, err = Load(env(map[string]string{"TEMPORAL_TLS_CA": ca, "TEMPORAL_TLS_SERVER_CA_CERT_PATH": other}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Temporal.Profile.TLS.ServerCACertPath != other {
		t.Errorf("CA %q, want the new name's %q", c.Temporal.Profile.TLS.ServerCACertPath, other)
	}
	log.Reset()
	c.WarnDeprecated(slog.New(slog.NewTextHandler(&log, nil)))
	if !strings.Contains(log.String(), "TEMPORAL_TLS_CA is ignored: TEMPORAL_TLS_SERVER_CA_CERT_PATH is set") {
		t.Errorf("want a warning that the old name is ignored, got\n%s", log.String())
	}

	c, err = Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	c.WarnDeprecated(slog.New(slog.NewTextHandler(&log, nil)))
	if log.Len() != 0 {
		t.Errorf("warnings without any old name:\n%s", log.String())
	}
}

// TestTemporalClientOptions: what the variables say reaches the SDK's
// client options (mTLS certificate, CA, server name, API key).
func TestTemporalClientOptions(t *testing.T) {
	cert, key := selfSigned(t)
	c, err := Load(env(map[string]string{
		"TEMPORAL_ADDRESS": "ns.a1b2c.tmprl.cloud:7233", "TEMPORAL_NAMESPACE": "ns.a1b2c",
		"TEMPORAL_TLS_CLIENT_CERT_PATH": cert, "TEMPORAL_TLS_CLIENT_KEY_PATH": key, "TEMPORAL_TLS_SERVER_CA_CERT_PATH": cert,
		"TEMPORAL_TLS_SERVER_NAME": "ns.example", "TEMPORAL_API_KEY": "secret-key",
	}))
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	tls := o.ConnectionOptions.TLS
	if o.HostPort != "ns.a1b2c.tmprl.cloud:7233" || o.Namespace != "ns.a1b2c" || o.Credentials == nil ||
		tls == nil || len(tls.Certificates) != 1 || tls.RootCAs == nil || tls.ServerName != "ns.example" {
		t.Errorf("client options %+v, TLS %+v", o, tls)
	}

	// Nothing set: the local dev server, in plain text.
	c, err = Load(env(map[string]string{"TEMPORAL_TLS_SERVER_NAME": "", "TEMPORAL_API_KEY": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if o, err = c.Temporal.ClientOptions(); err != nil || o.HostPort != "localhost:7233" || o.Namespace != "default" ||
		o.ConnectionOptions.TLS != nil || o.Credentials != nil {
		t.Errorf("defaults: %+v, %v", o, err)
	}

	// A key that is not one fails when the client is built, naming it.
	c, err = Load(env(map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": cert, "TEMPORAL_TLS_CLIENT_KEY_PATH": tempFile(t, "bad.key")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Temporal.ClientOptions(); err == nil || !strings.Contains(err.Error(), "client cert/key") {
		t.Errorf("want an error about the client cert/key, got %v", err)
	}
}

// TestTemporalConfigFile: TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE pick
// a profile of a temporal.toml file, which the variables override.
func TestTemporalConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.toml")
	toml := "[profile.prod]\naddress = \"prod.example:7233\"\nnamespace = \"prod\"\napi_key = \"from-file\"\n"
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "prod", "TEMPORAL_NAMESPACE": "prod-2"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Temporal.Address != "prod.example:7233" || c.Temporal.Namespace != "prod-2" || c.Temporal.Profile.APIKey != "from-file" {
		t.Errorf("got %+v", c.Temporal)
	}
	if _, err := Load(env(map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "staging"})); err == nil ||
		!strings.HasPrefix(err.Error(), "TEMPORAL_CONFIG_FILE:") || !strings.Contains(err.Error(), "staging") {
		t.Errorf("want an error naming the missing profile, got %v", err)
	}
}

// selfSigned writes a certificate and its key, PEM-encoded.
func selfSigned(t *testing.T) (certPath, keyPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "callcycle-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

func TestReads(t *testing.T) {
	for _, name := range append(slices.Clone(Names), "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_CLIENT_CERT_DATA", "WORKER_STOP_TIMEOUT") {
		if !Reads(name) {
			t.Errorf("Reads(%s) = false", name)
		}
	}
	for _, name := range []string{"PATH", "HOME", "CALLCYCLE_TOOLS"} {
		if Reads(name) {
			t.Errorf("Reads(%s) = true", name)
		}
	}
}
