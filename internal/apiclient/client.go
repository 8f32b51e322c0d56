// Package apiclient is the portal's API seen from a program: `starter`
// signed in with a personal access token. Each method is the operations
// layer's, with the same Input and Result; the portal authenticates the
// token, checks the route's right and records the signed-in person, so
// the Actor a caller passes is ignored. Errors come back as the
// operations layer's typed *operations.Error, their Kind from the JSON,
// never from the message.
package apiclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
)

// Client calls the portal at Base with Token.
type Client struct {
	Base  string // https://portal.example, no trailing slash needed
	Token string // cct_…
	HTTP  *http.Client
}

// New is a client for base with token, checked for shape only (the
// portal decides whether it is valid).
func New(base, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("CALLCYCLE_URL: want the portal's address such as https://portal.example, got %q", base)
	}
	if !strings.HasPrefix(token, "cct_") {
		return nil, errors.New("CALLCYCLE_TOKEN: want a personal access token (cct_…) created in the portal")
	}
	return &Client{Base: strings.TrimRight(u.String(), "/"), Token: token, HTTP: &http.Client{Timeout: 10 * time.Minute}}, nil
}

// errorBody is the portal's error JSON (portal.ErrorBody).
type errorBody struct {
	Error *struct {
		Kind     string               `json:"kind"`
		Message  string               `json:"message"`
		Problems []operations.Problem `json:"problems"`
		Stage    string               `json:"stage"`
		ClosedAt *time.Time           `json:"closed_at"`
	} `json:"error"`
}

// doRaw sends body as it is (a call's YAML).
func (c *Client) doRaw(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	return c.send(ctx, method, path, bytes.NewReader(body), "application/yaml")
}

// do sends body (JSON of in, when not nil) and returns the response,
// or the typed error the portal answered.
func (c *Client) do(ctx context.Context, method, path string, in any) (*http.Response, error) {
	if in == nil {
		return c.send(ctx, method, path, nil, "")
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return c.send(ctx, method, path, bytes.NewReader(b), "application/json")
}

func (c *Client) send(ctx context.Context, method, path string, body io.Reader, ctype string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.EOF) {
			return nil, &operations.Error{Kind: operations.Unavailable, Message: "the portal at " + c.Base + " cannot be reached: " + err.Error(), Err: err}
		}
		return nil, err
	}
	return resp, nil
}

// decode reads a JSON answer into out, or returns its error.
func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &operations.Error{Kind: operations.Unavailable, Message: "the portal's answer was cut: " + err.Error(), Err: err}
	}
	if err := errorOf(resp.StatusCode, b); err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("the portal answered %d with what is not this command's result: %w", resp.StatusCode, err)
	}
	return nil
}

// errorOf is the typed error of an answer, nil when it is a result. An
// error can come with 200 (already done: not a failure).
func errorOf(status int, b []byte) error {
	var e errorBody
	if json.Unmarshal(b, &e) == nil && e.Error != nil && e.Error.Kind != "" {
		err := &operations.Error{Kind: operations.Kind(e.Error.Kind), Message: e.Error.Message, Problems: e.Error.Problems, Stage: e.Error.Stage}
		if e.Error.ClosedAt != nil {
			err.ClosedAt = *e.Error.ClosedAt
		}
		return err
	}
	if status >= 300 {
		return &operations.Error{Kind: operations.Unavailable, Message: fmt.Sprintf("the portal answered %d %s", status, http.StatusText(status))}
	}
	return nil
}

func call[R any](ctx context.Context, c *Client, method, path string, in any) (R, error) {
	var out R
	resp, err := c.do(ctx, method, path, in)
	if err != nil {
		return out, err
	}
	return out, decode(resp, &out)
}

// download writes a file answer to w and returns the Result it carries.
func download[R any](ctx context.Context, c *Client, method, path string, in any, w io.Writer) (R, error) {
	var out R
	resp, err := c.do(ctx, method, path, in)
	if err != nil {
		return out, err
	}
	if resp.StatusCode != http.StatusOK || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return out, decode(resp, &out)
	}
	defer resp.Body.Close()
	raw, err := base64.StdEncoding.DecodeString(resp.Header.Get("Callcycle-Result"))
	if err != nil || json.Unmarshal(raw, &out) != nil {
		return out, fmt.Errorf("the portal's file answer carries no result")
	}
	if w == nil {
		w = io.Discard
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return out, err
	}
	return out, nil
}

// p is a path with its segments escaped: ids are data.
func p(parts ...string) string {
	var b strings.Builder
	for i, s := range parts {
		if i%2 == 1 {
			s = url.PathEscape(s)
		}
		b.WriteString(s)
	}
	return b.String()
}
