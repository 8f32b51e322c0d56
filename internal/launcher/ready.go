package launcher

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Loopback is where every local service listens: nothing is reachable
// from outside the machine.
const Loopback = "127.0.0.1"

// FreePort asks the kernel for a port nobody listens on. Another process
// may take it before ours binds it; tests accept that small race, as the
// SDK's own dev-server helper does.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", Loopback+":0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portOr is port, or a free one when port is 0.
func portOr(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	return FreePort()
}

func hostPort(port int) string { return net.JoinHostPort(Loopback, strconv.Itoa(port)) }

// PortOpen says whether something accepts connections on the loopback port.
func PortOpen(port int) bool {
	c, err := net.DialTimeout("tcp", hostPort(port), time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func httpOK(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// waitReady polls ready until it holds. It gives up when ctx ends and at
// once when p (if not nil) exits, with the log's tail either way, so a
// service that cannot start says why instead of timing out.
func waitReady(ctx context.Context, p *Process, what string, ready func(context.Context) bool) error {
	var done <-chan struct{}
	if p != nil {
		done = p.Done()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !ready(ctx) {
		select {
		case <-ctx.Done():
			tail := ""
			if p != nil {
				tail = "\n" + p.Tail()
			}
			return fmt.Errorf("%s not ready: %w%s", what, ctx.Err(), tail)
		case <-done:
			return p.exitError()
		case <-tick.C:
		}
	}
	return nil
}

// within bounds ctx by d unless ctx already ends sooner: every readiness
// wait has a limit even when the caller's ctx has none.
func within(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
