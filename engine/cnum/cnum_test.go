package cnum

import (
	"math"
	"testing"
)

// TestStrtod checks the float reader against glibc's strtod (values,
// consumed lengths and ERANGE taken from a C program).
func TestStrtod(t *testing.T) {
	cases := []struct {
		in     string
		v      float64
		n      int
		erange bool
	}{
		{"1", 1, 1, false}, {"-1", -1, 2, false}, {"+1.5", 1.5, 4, false}, {" 2", 2, 2, false},
		{"\t3", 3, 2, false}, {"1e5", 1e5, 3, false}, {"1e", 1, 1, false}, {"1e+", 1, 1, false},
		{"1.", 1, 2, false}, {".", 0, 0, false}, {".5", .5, 2, false}, {"-.5e-3", -.5e-3, 6, false},
		{"0x10", 16, 4, false}, {"0x", 0, 1, false}, {"0x.8", .5, 4, false}, {"0X1P4", 16, 5, false},
		{"0x1p", 1, 3, false}, {"0x1.8p1x", 3, 7, false}, {"inf", math.Inf(1), 3, false},
		{"-INF", math.Inf(-1), 4, false}, {"Infinity", math.Inf(1), 8, false}, {"infinit", math.Inf(1), 3, false},
		{"1e400", math.Inf(1), 5, true}, {"-1e400", math.Inf(-1), 6, true}, {"1e-400", 0, 6, true},
		{"4e-320", 4e-320, 6, false}, {"0x1p-1080", 0, 9, true}, {"1_0", 1, 1, false}, {"", 0, 0, false},
		{"   ", 0, 0, false}, {"abc", 0, 0, false}, {"12abc", 12, 2, false}, {"00012", 12, 5, false},
		{"1.7976931348623157e308", math.MaxFloat64, 22, false}, {"1.7976931348623159e308", math.Inf(1), 22, true},
		{"0.000001e-300", 1e-306, 13, false},
	}
	for _, tc := range cases {
		v, n, erange := Strtod([]byte(tc.in))
		if v != tc.v || n != tc.n || erange != tc.erange {
			t.Errorf("Strtod(%q) = %v, %d, %v; want %v, %d, %v", tc.in, v, n, erange, tc.v, tc.n, tc.erange)
		}
	}
	for _, s := range []string{"nan", "nan(123)", "-nan(abc"} {
		if v, n, _ := Strtod([]byte(s)); !math.IsNaN(v) || n != map[string]int{"nan": 3, "nan(123)": 8, "-nan(abc": 4}[s] {
			t.Errorf("Strtod(%q) = %v, %d", s, v, n)
		}
	}
}

func TestAtoi(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, " 12x": 12, "-3": -3, "abc": 0, "": 0, "+7": 7, "\t\n5": 5} {
		if got := Atoi([]byte(in)); got != want {
			t.Errorf("Atoi(%q) = %d, want %d", in, got, want)
		}
	}
}
