// Package stats computes the medians and ratios the load harness reports.
package stats

import (
	"math"
	"slices"
)

// Median returns the median of xs (the mean of the two middle values for
// an even count), NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// RatioOfMedians returns Median(b) / Median(a): a scenario's figure over its
// reference's, taken from the runs paired with it. NaN when either is empty
// or a's median is 0.
func RatioOfMedians(b, a []float64) float64 {
	ma, mb := Median(a), Median(b)
	if ma == 0 || math.IsNaN(ma) || math.IsNaN(mb) {
		return math.NaN()
	}
	return mb / ma
}

// Range returns the lowest and highest of xs (NaN, NaN for none).
func Range(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(xs), slices.Max(xs)
}

// PairRatios returns b[i]/a[i] for each round i (up to the shorter length).
func PairRatios(b, a []float64) []float64 {
	n := min(len(a), len(b))
	out := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		if a[i] != 0 {
			out = append(out, b[i]/a[i])
		}
	}
	return out
}
