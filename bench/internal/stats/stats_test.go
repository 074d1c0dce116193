package stats

import (
	"math"
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10},
	} {
		in := slices.Clone(tc.in)
		if got := Median(in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("Median reordered its argument: %v", in)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

func TestRatioOfMedians(t *testing.T) {
	// The ratio of the medians, not the median of the ratios (which is 0.5 here).
	b, a := []float64{50, 90, 45}, []float64{100, 100, 90}
	if got := RatioOfMedians(b, a); got != 0.5 {
		t.Errorf("RatioOfMedians = %v, want 0.5", got)
	}
	if got := RatioOfMedians([]float64{9, 9, 1}, []float64{10, 10, 10}); got != 0.9 {
		t.Errorf("RatioOfMedians = %v, want 0.9", got)
	}
	for _, tc := range [][2][]float64{{nil, {1}}, {{1}, nil}, {{1}, {0}}} {
		if got := RatioOfMedians(tc[0], tc[1]); !math.IsNaN(got) {
			t.Errorf("RatioOfMedians(%v, %v) = %v, want NaN", tc[0], tc[1], got)
		}
	}
}

func TestPairRatiosAndRange(t *testing.T) {
	got := PairRatios([]float64{50, 90, 45, 7}, []float64{100, 100, 0})
	if want := []float64{0.5, 0.9}; !slices.Equal(got, want) {
		t.Errorf("PairRatios = %v, want %v (round 3 has a zero reference, round 4 none)", got, want)
	}
	lo, hi := Range(got)
	if lo != 0.5 || hi != 0.9 {
		t.Errorf("Range = %v, %v", lo, hi)
	}
	if lo, hi := Range(nil); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Range(nil) = %v, %v", lo, hi)
	}
}
