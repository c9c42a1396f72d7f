package simd

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSelectedLevel(t *testing.T) {
	env := os.Getenv(EnvVar)
	want, _ := capByEnv(cpuLevel(), env)
	if got := Supported(); got != want {
		t.Fatalf("Supported() = %v, want %v (%s=%q)", got, want, EnvVar, env)
	}
	if got := Active(); got != want {
		t.Fatalf("Active() = %v, want %v", got, want)
	}
	// The point of the kernels: built for amd64, on an AVX2 machine, they
	// run unless told not to.
	if cpuHasAVX2() && env == "" && Supported() < LevelAVX2 {
		t.Fatalf("AVX2 CPU, %s unset, but level %v", EnvVar, Supported())
	}
	t.Logf("level %v: %s", Active(), Describe())
}

func TestCapByEnv(t *testing.T) {
	for _, tc := range []struct {
		cpu  Level
		env  string
		want Level
	}{
		{LevelAVX512, "", LevelAVX512},
		{LevelAVX512, "on", LevelAVX512},
		{LevelAVX512, " Auto ", LevelAVX512},
		{LevelAVX512, "avx512", LevelAVX512},
		{LevelAVX2, "avx512", LevelAVX2},
		{LevelAVX512, "avx2", LevelAVX2},
		{LevelGeneric, "avx2", LevelGeneric},
		{LevelAVX512, "off", LevelGeneric},
		{LevelAVX512, "OFF", LevelGeneric},
		{LevelAVX2, "0", LevelGeneric},
		{LevelAVX2, "false", LevelGeneric},
		{LevelAVX2, "generic", LevelGeneric},
		{LevelAVX2, "of", LevelGeneric},
	} {
		if got, _ := capByEnv(tc.cpu, tc.env); got != tc.want {
			t.Errorf("capByEnv(%v, %q) = %v, want %v", tc.cpu, tc.env, got, tc.want)
		}
	}
}

func TestSetLevel(t *testing.T) {
	orig := Active()
	restore := SetLevel(LevelGeneric)
	if Active() != LevelGeneric {
		t.Fatalf("after SetLevel(generic): %v", Active())
	}
	if !strings.Contains(Describe(), "generic") {
		t.Errorf("Describe() = %q, want it to say generic", Describe())
	}
	inner := SetLevel(LevelAVX512 + 5)
	if Active() != Supported() {
		t.Fatalf("SetLevel beyond the CPU: %v, want %v", Active(), Supported())
	}
	inner()
	if Active() != LevelGeneric {
		t.Fatalf("inner restore: %v", Active())
	}
	restore()
	if Active() != orig {
		t.Fatalf("restore: %v, want %v", Active(), orig)
	}
	for _, l := range []Level{LevelGeneric, LevelAVX2, LevelAVX512, 9} {
		if l.String() == "" {
			t.Errorf("empty name for level %d", l)
		}
	}
}

// TestEnvOff starts this test binary again with VOLLEY_SIMD=off and checks
// that every kernel is off in it.
func TestEnvOff(t *testing.T) {
	if os.Getenv("VOLLEY_SIMD_TEST_CHILD") == "1" {
		if Supported() != LevelGeneric || Active() != LevelGeneric {
			t.Fatalf("%s=%s: Supported() = %v, Active() = %v", EnvVar, os.Getenv(EnvVar), Supported(), Active())
		}
		if !strings.Contains(Describe(), EnvVar+"=off") {
			t.Fatalf("Describe() = %q, want it to name the switch", Describe())
		}
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestEnvOff$", "-test.count=1")
	cmd.Env = append(os.Environ(), EnvVar+"=off", "VOLLEY_SIMD_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
