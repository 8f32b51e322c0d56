// Package observe is what operators watch on a callcycle process: the
// Temporal SDK's metrics and callcycle's own gauges on a Prometheus
// endpoint, and liveness and readiness endpoints for a supervisor
// (docker compose's healthcheck, the launcher, a load balancer).
package observe

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// TimerBuckets are the histogram buckets, in seconds, of the SDK's
// timers: from a local activity's few milliseconds to a long poll's
// minute and a slow activity's five.
var TimerBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}

// SDK is a client.MetricsHandler that keeps what the Temporal SDK
// reports, for a Prometheus registry (Register). The SDK names a metric
// once but tags it differently by where it is emitted (a poll has a
// task queue, a workflow task also a workflow type), which Prometheus'
// own vectors refuse; so the series are kept here and exposed at scrape
// time. Counters get the suffix _total, timers become histograms in
// seconds named <name>_seconds, gauges keep their name.
type SDK struct {
	s    *series
	tags map[string]string
}

var _ client.MetricsHandler = (*SDK)(nil)

// NewSDK is an SDK handler with no series yet.
func NewSDK() *SDK { return &SDK{s: &series{byKey: map[string]*serie{}}} }

// WithTags is the handler with tags added to (or replacing) its own.
func (h *SDK) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &SDK{s: h.s, tags: merged}
}

// Counter is the counter name with the handler's tags.
func (h *SDK) Counter(name string) client.MetricsCounter {
	m := h.s.get(prometheus.CounterValue, name+"_total", h.tags)
	return counterFunc(func(d int64) { h.s.add(m, float64(d)) })
}

// Gauge is the gauge name with the handler's tags.
func (h *SDK) Gauge(name string) client.MetricsGauge {
	m := h.s.get(prometheus.GaugeValue, name, h.tags)
	return gaugeFunc(func(v float64) { h.s.set(m, v) })
}

// Timer is the histogram name_seconds with the handler's tags.
func (h *SDK) Timer(name string) client.MetricsTimer {
	m := h.s.get(prometheus.UntypedValue, name+"_seconds", h.tags) // UntypedValue marks a histogram here
	return timerFunc(func(d time.Duration) { h.s.observe(m, d.Seconds()) })
}

// Register adds the handler's series to reg.
func (h *SDK) Register(reg prometheus.Registerer) error { return reg.Register(h.s) }

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(d int64)          { f(d) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }

// series are every metric the SDK asked for, by name and tags.
type series struct {
	mu    sync.Mutex
	byKey map[string]*serie
}

type serie struct {
	kind          prometheus.ValueType
	name          string
	labels, value []string
	v             float64  // counter, gauge
	counts        []uint64 // histogram: per bucket, not cumulative
	sum           float64
	n             uint64
}

func (s *series) get(kind prometheus.ValueType, name string, tags map[string]string) *serie {
	labels := make([]string, 0, len(tags))
	for k := range tags {
		labels = append(labels, k)
	}
	slices.Sort(labels)
	values := make([]string, len(labels))
	var key strings.Builder
	key.WriteString(name)
	for i, k := range labels {
		values[i] = tags[k]
		key.WriteString("\xff" + k + "\xfe" + values[i])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.byKey[key.String()]; ok {
		return m
	}
	m := &serie{kind: kind, name: sanitize(name), labels: labels, value: values}
	for i := range m.labels {
		m.labels[i] = sanitize(m.labels[i])
	}
	if kind == prometheus.UntypedValue {
		m.counts = make([]uint64, len(TimerBuckets)+1)
	}
	s.byKey[key.String()] = m
	return m
}

func (s *series) add(m *serie, d float64) {
	if d < 0 { // a counter only goes up
		return
	}
	s.mu.Lock()
	m.v += d
	s.mu.Unlock()
}

func (s *series) set(m *serie, v float64) {
	s.mu.Lock()
	m.v = v
	s.mu.Unlock()
}

func (s *series) observe(m *serie, v float64) {
	i, _ := slices.BinarySearch(TimerBuckets, v) // first bucket with le >= v
	s.mu.Lock()
	m.counts[i]++
	m.sum += v
	m.n++
	s.mu.Unlock()
}

// Describe sends nothing: the series are not known ahead, so the
// registry takes them unchecked.
func (s *series) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series as it is now.
func (s *series) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.byKey {
		desc := prometheus.NewDesc(m.name, "Temporal Go SDK metric "+m.name+".", m.labels, nil)
		if m.kind != prometheus.UntypedValue {
			ch <- prometheus.MustNewConstMetric(desc, m.kind, m.v, m.value...)
			continue
		}
		buckets := make(map[float64]uint64, len(TimerBuckets))
		var cum uint64
		for i, le := range TimerBuckets {
			cum += m.counts[i]
			buckets[le] = cum
		}
		ch <- prometheus.MustNewConstHistogram(desc, m.n, m.sum, buckets, m.value...)
	}
}

// sanitize makes a Prometheus name of an SDK one (they are already
// snake case; this only guards against a character Prometheus refuses).
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
