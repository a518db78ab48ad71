package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary serve as a worker process: the parent
// started by a test runs the test binary itself with -worker.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-worker" {
		os.Exit(runWorker(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var lastLine = regexp.MustCompile(`^lost=(\d+) doubled=(\d+) unknown=(\d+) linearizable=(true|false) ops=(\d+) faults=(\d+)$`)

// torture runs the program with args and returns its exit status and
// output lines.
func runTorture(t *testing.T, args ...string) (int, []string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	t.Logf("torture %s:\n%s%s", strings.Join(args, " "), out.String(), errOut.String())
	return code, strings.Split(strings.TrimSpace(out.String()), "\n")
}

// TestEndToEnd runs three writer processes for a few seconds against the
// real test server process, with every fault, with and without the write
// log.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes for seconds")
	}
	bin, err := buildServer(context.Background(), t.TempDir(), os.Stderr)
	require.NoError(t, err)

	tests := []struct {
		name string
		args []string
	}{
		{"all faults", nil},
		{"all faults, write log", []string{"-aid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-server", bin, "-duration", "3s", "-writers", "3", "-seed", "5"}, tt.args...)
			code, lines := runTorture(t, args...)
			m := lastLine.FindStringSubmatch(lines[len(lines)-1])
			require.NotNil(t, m, "the last line: %q", lines[len(lines)-1])
			assert.Equal(t, 0, code)
			assert.Equal(t, "0", m[1], "lost")
			assert.Equal(t, "0", m[2], "doubled")
			assert.Equal(t, "true", m[4], "linearizable")
			assert.NotEqual(t, "0", m[5], "operations made")
			assert.NotEqual(t, "0", m[6], "faults injected")
			assert.Contains(t, lines, "undecidable=0")
			if len(tt.args) > 0 {
				assert.Equal(t, "0", m[3], "no unknown outcome with the write log")
			}
		})
	}

	// Without VerifyWrites every operation writes until one write is
	// acknowledged, and a racy server applies no write it refused: what
	// it loses is lost, nothing is doubled.
	t.Run("racy server, loss expected", func(t *testing.T) {
		code, lines := runTorture(t, "-server", bin, "-duration", "2s", "-writers", "3", "-pause", "0",
			"-preconditions", "check-then-write", "-faults", "none", "-aid", "-expect-loss")
		m := lastLine.FindStringSubmatch(lines[len(lines)-1])
		require.NotNil(t, m, "the last line: %q", lines[len(lines)-1])
		assert.Equal(t, 0, code, "lost updates are expected")
		assert.Equal(t, "0", m[2], "doubled")
		assert.Equal(t, "0", m[6], "no fault")
	})
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-writers", "0"},
		{"-preconditions", "sometimes"},
		{"extra"},
	} {
		code, _ := runTorture(t, args...)
		assert.Equal(t, 2, code, "%v", args)
	}
	cfg, err := parse([]string{"-faults", "all,weak-etag=0.01"}, os.Stderr)
	require.NoError(t, err)
	assert.Equal(t, allFaults+",weak-etag=0.01", cfg.faultMix())
	cfg, err = parse([]string{"-faults", "none", "-verify"}, os.Stderr)
	require.NoError(t, err)
	assert.Empty(t, cfg.faultMix())
	assert.True(t, cfg.aid, "-verify needs the write log")
}
