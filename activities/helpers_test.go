package activities_test

import (
	"net"
	"testing"

	"github.com/callcycle/callcycle/internal/mailer"
)

func newMailerOnClosedPort(t *testing.T) (*mailer.Mailer, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: port, TLS: "none", From: "x <x@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	return m, port
}
