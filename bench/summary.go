package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// runResult is what one scale run measured, for the summary.
type runResult struct {
	n                          int
	ratio, likeRatio           float64 // against the all-regular baseline, and against the same local/regular mix
	activities, local          int
	ccWall, baseWall, likeWall time.Duration
	grantWall, openWall        time.Duration // the grant stage; starting and opening the grants
	workerCPU, serverCPU       time.Duration // over callcycle's stages
	serverBaseCPU, benchCPU    time.Duration // over the baseline (its worker runs in the bench process)
	rss, serverRSS             float64       // worker and Temporal server VmHWM, MB
	storage                    storage       // what the run left in PostgreSQL (and SQLite)
	kind                       string        // the Temporal server's kind
	largest                    int           // events in the call's largest run
	loadStart, loadEnd         string
}

// printSummary prints one row per finished run and the spread, as Markdown
// ready for BENCHMARKS.md, then the targets against the medians.
func printSummary(o options, rs []runResult) {
	fmt.Printf("\n## summary: %d of %d runs finished (-kind %s -apps %d -grants %d, %d cores)\n\n", len(rs), o.runs, o.kind, o.apps, o.grants, runtime.NumCPU())
	if len(rs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| run\t| ratio\t| like-for-like ratio\t| callcycle wall\t| baseline wall\t| like-for-like baseline wall\t| grant stage\t| start and open grants\t"+
		"| activities (local)\t| worker CPU\t| server CPU (callcycle / baseline)\t| bench process CPU (baseline)\t| worker peak RSS\t| server peak RSS\t"+
		"| callcycle DB\t| Temporal store\t| largest call run\t| load average start → end\t|")
	fmt.Fprintln(tw, "|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---\t|")
	for _, r := range rs {
		fmt.Fprintf(tw, "| %d\t| **%.3f**\t| %.3f\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s (%s)\t| %s\t| %s / %s\t| %s\t| %.0f MB\t| %.0f MB\t| %.0f MB\t| %.0f MB\t| %s events\t| %s → %s\t|\n",
			r.n, r.ratio, r.likeRatio, secs(r.ccWall), secs(r.baseWall), secs(r.likeWall), secs(r.grantWall), secs(r.openWall),
			thousands(r.activities), thousands(r.local), secs(r.workerCPU), secs(r.serverCPU), secs(r.serverBaseCPU), secs(r.benchCPU),
			r.rss, r.serverRSS, r.storage.callcycleMB, r.storage.temporalMB, thousands(r.largest), r.loadStart, r.loadEnd)
	}
	tw.Flush()

	ratio := spreadOf(rs, func(r runResult) float64 { return r.ratio })
	like := spreadOf(rs, func(r runResult) float64 { return r.likeRatio })
	cc := spreadOf(rs, func(r runResult) float64 { return r.ccWall.Seconds() })
	base := spreadOf(rs, func(r runResult) float64 { return r.baseWall.Seconds() })
	largest := spreadOf(rs, func(r runResult) float64 { return float64(r.largest) })
	rss := spreadOf(rs, func(r runResult) float64 { return r.rss })
	fmt.Println()
	fmt.Println("| over the runs | median | min | max |")
	fmt.Println("|---|---:|---:|---:|")
	fmt.Printf("| ratio | **%.3f** | %.3f | %.3f |\n", ratio.median, ratio.min, ratio.max)
	fmt.Printf("| like-for-like ratio (same local/regular mix) | %.3f | %.3f | %.3f |\n", like.median, like.min, like.max)
	fmt.Printf("| callcycle wall | %.1f s | %.1f s | %.1f s |\n", cc.median, cc.min, cc.max)
	fmt.Printf("| baseline wall | %.1f s | %.1f s | %.1f s |\n", base.median, base.min, base.max)
	srss := spreadOf(rs, func(r runResult) float64 { return r.serverRSS })
	cdb := spreadOf(rs, func(r runResult) float64 { return r.storage.callcycleMB })
	tdb := spreadOf(rs, func(r runResult) float64 { return r.storage.temporalMB })
	fmt.Printf("| worker peak RSS | %.0f MB | %.0f MB | %.0f MB |\n", rss.median, rss.min, rss.max)
	fmt.Printf("| Temporal server peak RSS | %.0f MB | %.0f MB | %.0f MB |\n", srss.median, srss.min, srss.max)
	fmt.Printf("| callcycle database | %.0f MB | %.0f MB | %.0f MB |\n", cdb.median, cdb.min, cdb.max)
	fmt.Printf("| Temporal store (%s) | %.0f MB | %.0f MB | %.0f MB |\n", storeName(o.kind), tdb.median, tdb.min, tdb.max)

	fmt.Println()
	fmt.Printf("targets (issues 13 and 14), the median of %d runs:\n", len(rs))
	want := ratioTarget(o.kind)
	target("throughput ratio", fmt.Sprintf("%.3f", ratio.median), fmt.Sprintf("≥ %.1f", want), ratio.median >= want,
		fmt.Sprintf("the runs gave %.3f to %.3f; each run's report says where its time went", ratio.min, ratio.max))
	target("call history (largest run)", thousands(int(largest.median))+" events", "< 5,000", largest.median < targetHistory,
		fmt.Sprintf("the largest run of any run held %s events", thousands(int(largest.max))))
	target("worker peak RSS", fmt.Sprintf("%.0f MB", rss.median), "< 300 MB", rss.median < targetRSSMB,
		fmt.Sprintf("the runs peaked at %.0f to %.0f MB", rss.min, rss.max))
}

// storeName says where the Temporal server of kind keeps its state.
func storeName(kind string) string {
	if kind == "cluster" {
		return "its two PostgreSQL databases"
	}
	return "the dev server's SQLite file"
}

type stats struct{ median, min, max float64 }

// spreadOf is the median (the mean of the middle two for an even count),
// min and max of f over the runs.
func spreadOf(rs []runResult, f func(runResult) float64) stats {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return stats{median: m, min: xs[0], max: xs[len(xs)-1]}
}
