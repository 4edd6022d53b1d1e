// Package benchratio measures an operation against a baseline in the same
// benchmark run, for machines too noisy for absolute times to mean much.
package benchratio

import (
	"slices"
	"testing"
	"time"
)

// Run calls raw and ours b.N times each, interleaved and alternating which
// goes first, timing every call. It reports the median time per call of
// each ("ns/raw", and "ns/<name>") and the ratio of the medians ("x-raw").
// Medians of per-call times shrug off the preemptions that a shared machine
// inflicts on a few calls, and interleaving puts slow phases on both alike.
func Run(b *testing.B, name string, raw, ours func()) {
	raw()
	ours()
	dRaw := make([]time.Duration, 0, b.N)
	dOurs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			t0 := time.Now()
			raw()
			t1 := time.Now()
			ours()
			t2 := time.Now()
			dRaw, dOurs = append(dRaw, t1.Sub(t0)), append(dOurs, t2.Sub(t1))
		} else {
			t0 := time.Now()
			ours()
			t1 := time.Now()
			raw()
			t2 := time.Now()
			dOurs, dRaw = append(dOurs, t1.Sub(t0)), append(dRaw, t2.Sub(t1))
		}
	}
	b.StopTimer()
	mRaw, mOurs := Median(dRaw), Median(dOurs)
	b.ReportMetric(float64(mOurs)/float64(mRaw), "x-raw")
	b.ReportMetric(float64(mOurs.Nanoseconds()), "ns/"+name)
	b.ReportMetric(float64(mRaw.Nanoseconds()), "ns/raw")
}

// Median returns the median of d (which it sorts).
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}
