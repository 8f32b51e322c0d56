package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// mailpitRapidocFallback is used only if Mailpit's locked rapidoc is
// missing from the npm registry.
const mailpitRapidocFallback = "9.3.8"

// Mailpit's web page is a Vue app bundled by npm (esbuild) into
// server/ui/dist, which Go embeds at build time. `go install` of the
// module has no dist/, so such a binary serves its HTML but /dist/app.js
// answers 404 and the page is blank. It is therefore built as upstream's
// Dockerfile does: the module's source from the Go proxy, `npm ci && npm
// run package`, then `go build`.
//
// A binary built from a copied directory carries no module version in its
// build info, and one from plain `go install` looks just like ours there,
// so the proof is a stamp next to it naming the version, that the assets
// were built, and the binary's checksum (a binary replaced later no
// longer matches).
func mailpitStamp(bin string) (string, error) {
	sum, err := sha256File(bin)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s assets=npm sha256=%s\n", MailpitModule, MailpitVersion, sum), nil
}

// MailpitOK says whether the Mailpit in t was built here with its web page.
func (t Tools) MailpitOK() bool {
	want, err := mailpitStamp(t.Mailpit())
	if err != nil {
		return false
	}
	got, err := os.ReadFile(t.Mailpit() + ".stamp")
	return err == nil && string(got) == want
}

func (t Tools) buildMailpit(ctx context.Context) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to build Mailpit's web page (apt-get install -y npm)")
	}
	started := time.Now()
	since := func() string { return time.Since(started).Round(time.Second).String() }
	build := filepath.Join(t.Dir, ".build", "mailpit@"+MailpitVersion)
	t.logf("building mailpit %s with its web page into %s (first time only):", MailpitVersion, t.Dir)
	t.logf("  Go module source + npm packages (~250 MB of downloads), esbuild, go build; 2-12 minutes")
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", MailpitModule+"@"+MailpitVersion).Output()
	if err != nil {
		return fmt.Errorf("go mod download %s@%s: %w", MailpitModule, MailpitVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("go mod download %s@%s gave no source directory", MailpitModule, MailpitVersion)
	}
	// The module cache is read-only; npm writes node_modules and dist/ in
	// a copy (CopyFS makes the files writable).
	if err := os.RemoveAll(build); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(build), 0o755); err != nil {
		return err
	}
	if err := os.CopyFS(build, os.DirFS(mod.Dir)); err != nil {
		return fmt.Errorf("copy mailpit source: %w", err)
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = build, t.out(), t.out()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s (in %s): %w", name, strings.Join(args, " "), build, err)
		}
		return nil
	}
	t.logf("  npm ci (web dependencies)")
	// --omit=peer: the lockfile's peer-only packages are sass-embedded (an
	// alternative compiler esbuild-sass-plugin never uses unless asked; it
	// uses `sass`) and an eslint parser. sass-embedded 1.108.1, which
	// v1.33.1 locks, answers 404 on the registry.
	if err := run("npm", "ci", "--omit=peer", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
		// The registry these machines reach has no rapidoc 12 (9.3.8 is
		// its newest). rapidoc only draws the API reference page (docs.js,
		// /api/v1/); the inbox (app.js) does not use it. Everything else
		// stays at the lockfile's versions.
		t.logf("  npm ci failed (%v); retrying with rapidoc %s, for the API docs page only", err, mailpitRapidocFallback)
		if err := run("npm", "pkg", "set", "dependencies.rapidoc="+mailpitRapidocFallback); err != nil {
			return err
		}
		if err := run("npm", "install", "--omit=peer", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
			return err
		}
	}
	t.logf("  npm run package (web assets, %s so far)", since())
	if err := run("npm", "run", "package", "--silent"); err != nil {
		return err
	}
	for _, asset := range []string{"app.js", "app.css"} {
		if st, err := os.Stat(filepath.Join(build, "server", "ui", "dist", asset)); err != nil || st.Size() == 0 {
			return fmt.Errorf("npm run package produced no server/ui/dist/%s in %s", asset, build)
		}
	}
	// Commit the tree (assets included) and tag it, so that go build
	// stamps "mod github.com/axllent/mailpit v1.33.1" into the binary as
	// `go install` does, instead of "(devel)".
	if err := run("git", "init", "-q"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(build, ".git", "info", "exclude"), []byte("/node_modules/\n"), 0o644); err != nil {
		return err
	}
	if err := run("git", "add", "-A"); err != nil {
		return err
	}
	if err := run("git", "-c", "user.name=devstack", "-c", "user.email=devstack@localhost",
		"commit", "-q", "-m", "mailpit "+MailpitVersion+" with web assets"); err != nil {
		return err
	}
	if err := run("git", "tag", MailpitVersion); err != nil {
		return err
	}
	t.logf("  go build (mailpit, %s so far)", since())
	// Upstream's Dockerfile flags; -X sets what `mailpit version` prints.
	// -buildvcs=true because GOFLAGS may say false, and the tag is read
	// only with it.
	next := filepath.Join(t.Dir, ".mailpit.new")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=true",
		"-ldflags", "-s -w -X github.com/axllent/mailpit/config.Version="+MailpitVersion, "-o", next, ".")
	cmd.Dir, cmd.Stdout, cmd.Stderr = build, t.out(), t.out()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build mailpit: %w", err)
	}
	// rename(2) on one filesystem: a Mailpit running the old binary keeps
	// its inode, and no one ever sees a half-written file.
	if err := os.Rename(next, t.Mailpit()); err != nil {
		return err
	}
	stamp, err := mailpitStamp(t.Mailpit())
	if err != nil {
		return err
	}
	if err := os.WriteFile(t.Mailpit()+".stamp.new", []byte(stamp), 0o644); err != nil {
		return err
	}
	if err := os.Rename(t.Mailpit()+".stamp.new", t.Mailpit()+".stamp"); err != nil {
		return err
	}
	// node_modules alone is ~250 MB; npm's own cache keeps a rebuild quick.
	_ = os.RemoveAll(build)
	t.logf("  mailpit %s with web page built in %s", MailpitVersion, since())
	return nil
}
