package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// profileFor is how much of the grant stage the CPU profile covers: all
// of it when it is shorter.
const profileFor = 30 * time.Second

// profileSlice is one CPU profile request. The pprof handler can only
// profile for a length fixed in advance, and the stage's length is not
// known in advance, so the profile is taken in slices until profileFor or
// the stage's end, then merged; the profile overruns a short stage by
// less than one slice.
const profileSlice = 2 * time.Second

// profiler takes the worker's profiles through its WORKER_PPROF_ADDR
// listener during the grant stage of run `run`.
type profiler struct {
	addr, dir string
	run       int
	stop      chan struct{}
	done      chan error
	slices    []string // CPU profile slices written so far
	cpu, heap string   // the files written
	top       string   // go tool pprof -top of the CPU profile
	covered   time.Duration
}

// start begins the CPU profile, in the background.
func (p *profiler) start(ctx context.Context) {
	p.stop, p.done = make(chan struct{}), make(chan error, 1)
	go func() { p.done <- p.cpuSlices(ctx) }()
}

func (p *profiler) cpuSlices(ctx context.Context) error {
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return err
	}
	begin := time.Now()
	for i := 0; time.Since(begin) < profileFor; i++ {
		select {
		case <-p.stop:
			return nil
		default:
		}
		path := filepath.Join(p.dir, fmt.Sprintf(".cpu-run%d-%03d.pb.gz", p.run, i))
		if err := p.get(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(profileSlice.Seconds())), path); err != nil {
			return err
		}
		p.slices = append(p.slices, path)
		p.covered = time.Since(begin)
	}
	return nil
}

// stageEnd takes the heap profile (after a GC: what is live) and lets the
// CPU profile stop after its current slice.
func (p *profiler) stageEnd(ctx context.Context) {
	close(p.stop)
	path := filepath.Join(p.dir, fmt.Sprintf("heap-run%d.pb.gz", p.run))
	if err := p.get(ctx, "/debug/pprof/heap?gc=1", path); err != nil {
		fmt.Fprintln(os.Stderr, "bench: heap profile:", err)
		return
	}
	p.heap = path
}

// finish waits for the CPU profile, merges its slices into one file and
// keeps its top 15 functions for the report. Nothing to do if the grant
// stage was never reached.
func (p *profiler) finish(ctx context.Context) error {
	if p.done == nil {
		return nil
	}
	err := <-p.done
	defer func() {
		for _, f := range p.slices {
			os.Remove(f)
		}
	}()
	if len(p.slices) == 0 {
		return err
	}
	out := filepath.Join(p.dir, fmt.Sprintf("cpu-run%d.pb.gz", p.run))
	args := append([]string{"tool", "pprof", "-proto", "-output", out}, p.slices...)
	if b, merr := exec.CommandContext(ctx, "go", args...).CombinedOutput(); merr != nil {
		return fmt.Errorf("merging the CPU profile: %w\n%s", merr, b)
	}
	p.cpu = out
	top, terr := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount", "15", out).CombinedOutput()
	if terr != nil {
		return fmt.Errorf("go tool pprof -top: %w\n%s", terr, top)
	}
	p.top = string(top)
	return err
}

// print adds the profiles to the run's report.
func (p *profiler) print(stage time.Duration) {
	fmt.Println()
	if p.cpu == "" {
		fmt.Println("worker profiles: none captured")
		return
	}
	fmt.Printf("worker profiles (WORKER_PPROF_ADDR=%s): CPU for %s from the grant stage's start (the stage took %s; at most %s are profiled, in %s slices) in %s, "+
		"heap at the stage's end in %s; `go tool pprof -top -nodecount 15 %s`:\n",
		p.addr, secs(p.covered), secs(stage), profileFor, profileSlice, p.cpu, p.heap, p.cpu)
	fmt.Println("```")
	fmt.Print(p.top)
	fmt.Println("```")
}

// get saves one pprof endpoint's answer to path.
func (p *profiler) get(ctx context.Context, endpoint, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+endpoint, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", endpoint, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
