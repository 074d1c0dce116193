// Package wabt runs the WebAssembly Binary Toolkit's command-line tools for
// tests: wat2wasm compiles readable attack sources at test time (no
// generated binary is committed) and wasm-validate proves that a generated
// module is valid, so that a refusal by hostd is about a limit and not
// about a malformed binary. Like internal/testwasm/gen.sh, it installs wabt
// with apt-get when the tools are missing.
package wabt

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	installOnce sync.Once
	installErr  error
)

// ensure makes sure wat2wasm and wasm-validate are on PATH.
func ensure() error {
	installOnce.Do(func() {
		if _, err := exec.LookPath("wat2wasm"); err == nil {
			return
		}
		out, err := exec.Command("sh", "-c",
			"apt-get update -qq && apt-get install -y -qq wabt").CombinedOutput()
		if err != nil {
			installErr = fmt.Errorf("wabt: wat2wasm not found and apt-get install wabt failed: %v\n%s", err, out)
			return
		}
		if _, err := exec.LookPath("wat2wasm"); err != nil {
			installErr = fmt.Errorf("wabt: installed wabt but wat2wasm is still not on PATH: %w", err)
		}
	})
	return installErr
}

// Compile compiles WAT source with wat2wasm (extra flags such as
// "--enable-all" are passed on) and fails the test if it does not compile.
func Compile(t testing.TB, src string, flags ...string) []byte {
	t.Helper()
	b, err := CompileErr(src, flags...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CompileErr is Compile returning the error.
func CompileErr(src string, flags ...string) ([]byte, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "wabt-")
	if err != nil {
		return nil, fmt.Errorf("wabt: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(in, []byte(src), 0o600); err != nil {
		return nil, fmt.Errorf("wabt: %w", err)
	}
	args := append(append([]string{}, flags...), in, "-o", out)
	if msg, err := exec.Command("wat2wasm", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("wabt: wat2wasm: %v\n%s\nsource:\n%s", err, msg, src)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("wabt: %w", err)
	}
	return b, nil
}

// Validate runs wasm-validate (with extra flags such as
// "--enable-function-references") and returns its complaint, or nil.
func Validate(wasm []byte, flags ...string) error {
	if err := ensure(); err != nil {
		return err
	}
	f, err := os.CreateTemp("", "wabt-*.wasm")
	if err != nil {
		return fmt.Errorf("wabt: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(wasm); err != nil {
		f.Close()
		return fmt.Errorf("wabt: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("wabt: %w", err)
	}
	var out bytes.Buffer
	cmd := exec.Command("wasm-validate", append(append([]string{}, flags...), f.Name())...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("wasm-validate: %v: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}
