package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// repoRoot is the module root (the test runs in internal/crashtest).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// binary builds ./cmd/ncms once per test process into dir. When the test
// itself runs under -race the server is built with -race too: it reuses the
// suite's race-built packages and the crash run doubles as a race test of
// the server under load.
func binary(t *testing.T, dir string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildBin = filepath.Join(dir, "ncms")
		args := []string{"build", "-o", buildBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/ncms")...)
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/ncms: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// server is `ncms serve` as a child process, started again after each kill
// on the same address and database.
type server struct {
	bin, dsn, addr string
	env            []string
	logPath        string
	mu             sync.Mutex
	cmd            *exec.Cmd
	waitDone       chan struct{} // closed when cmd has exited
	starts         int
}

func (s *server) start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.starts++
	fmt.Fprintf(logf, "\n==== start %d at %s\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve", "--db", s.dsn, "--addr", s.addr)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	logf.Close() // the child holds its own descriptor
	s.cmd = cmd
	exited := make(chan struct{})
	s.waitDone = exited
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(90 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("ncms serve exited at start (see %s)", s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		resp, err := hc.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.waitDone = exited
				return nil
			}
		}
	}
	return fmt.Errorf("ncms serve: /healthz not ready after 90 s (see %s)", s.logPath)
}

// kill sends SIGKILL and waits until the process is gone.
func (s *server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	if s.waitDone != nil {
		<-s.waitDone
	}
	s.cmd, s.waitDone = nil, nil
}

// logTail returns the last n bytes of the server's log.
func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// raced reports whether the race detector wrote a report in the log.
func (s *server) raced() bool {
	b, _ := os.ReadFile(s.logPath)
	return bytes.Contains(b, []byte("WARNING: DATA RACE"))
}

// run runs the binary once (sandbox) and returns its output.
func run(ctx context.Context, bin string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
