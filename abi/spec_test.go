package abi_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
)

// These tests read SPEC.md and funcs.go, so the normative text, the Go doc
// comments and the Go tables cannot drift apart.

// watFunc is a function type read from WAT text.
type watFunc struct {
	names   []string // parameter names without "$"; "" when unnamed
	params  []string
	results []string
}

func (f watFunc) sig() string {
	return strings.Join(f.params, ",") + "->" + strings.Join(f.results, ",")
}

// parseWATType reads the (param …) and (result …) groups at the start of s.
func parseWATType(s string) (watFunc, error) {
	var f watFunc
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		var results bool
		switch {
		case strings.HasPrefix(s, "(param"):
		case strings.HasPrefix(s, "(result"):
			results = true
		default:
			return f, nil
		}
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return f, fmt.Errorf("unclosed group in %q", s)
		}
		fields := strings.Fields(s[1:end])[1:]
		s = s[end+1:]
		name := ""
		for _, tok := range fields {
			switch {
			case strings.HasPrefix(tok, "$"):
				if results || name != "" {
					return f, fmt.Errorf("misplaced name %s", tok)
				}
				name = tok[1:]
			case tok == "i32" || tok == "i64":
				if results {
					f.results = append(f.results, tok)
				} else {
					f.params = append(f.params, tok)
					f.names = append(f.names, name)
				}
			default:
				return f, fmt.Errorf("unexpected token %q", tok)
			}
		}
	}
}

// watBlock is a ```wat block of SPEC.md and the "####" heading above it.
type watBlock struct {
	heading string
	line    int
	text    string
}

type spec struct {
	text     string
	blocks   []watBlock
	headings []string            // "####" headings, in order
	sections map[string]string   // "####" heading → its text
	parts    map[string][]string // "##"/"###" heading → its lines
}

func readSpec(t *testing.T) spec {
	t.Helper()
	b, err := os.ReadFile("SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	sp := spec{text: string(b), sections: map[string]string{}, parts: map[string][]string{}}
	var heading, part string
	var block *watBlock
	for i, line := range strings.Split(sp.text, "\n") {
		switch {
		case block != nil && strings.HasPrefix(line, "```"):
			sp.blocks = append(sp.blocks, *block)
			block = nil
		case block != nil:
			block.text += line + "\n"
		case strings.HasPrefix(line, "```wat"):
			block = &watBlock{heading: heading, line: i + 1}
		case strings.HasPrefix(line, "#### "):
			heading = strings.Trim(strings.TrimPrefix(line, "#### "), "` ")
			sp.headings = append(sp.headings, heading)
		case strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### "):
			heading, part = "", strings.TrimLeft(line, "# ")
		}
		if heading != "" {
			sp.sections[heading] += line + "\n"
		}
		sp.parts[part] = append(sp.parts[part], line)
	}
	if block != nil {
		t.Fatalf("SPEC.md:%d: unclosed wat block", block.line)
	}
	return sp
}

var (
	importRE = regexp.MustCompile(`\(import\s+"([^"]+)"\s+"([^"]+)"\s+\(func(?:\s+\$([A-Za-z0-9_]+))?`)
	exportRE = regexp.MustCompile(`\(func\s+\(export\s+"([^"]+)"\)`)
)

type watImport struct {
	module, name, id string
	typ              watFunc
	line             int
}

func imports(t *testing.T, b watBlock) []watImport {
	t.Helper()
	var out []watImport
	for _, m := range importRE.FindAllStringSubmatchIndex(b.text, -1) {
		typ, err := parseWATType(b.text[m[1]:])
		if err != nil {
			t.Errorf("SPEC.md:%d: %v", b.line, err)
		}
		imp := watImport{module: b.text[m[2]:m[3]], name: b.text[m[4]:m[5]], typ: typ, line: b.line}
		if m[6] >= 0 {
			imp.id = b.text[m[6]:m[7]]
		}
		out = append(out, imp)
	}
	return out
}

func hostSigs() map[string]string {
	m := map[string]string{}
	for _, s := range abi.HostFunctions {
		m[s.Name] = types(s.Params) + "->" + types(s.Results)
	}
	return m
}

// TestSpecFunctionEntries checks that SPEC.md has one "#### name" entry per
// host function, in HostFunctions order, each with one WAT import whose
// named parameters and result match the Signature, and the template's
// bullets.
func TestSpecFunctionEntries(t *testing.T) {
	sp := readSpec(t)
	var want []string
	for _, s := range abi.HostFunctions {
		want = append(want, s.Name)
	}
	if strings.Join(sp.headings, " ") != strings.Join(want, " ") {
		t.Errorf("SPEC.md function entries:\n%v\nwant (HostFunctions order):\n%v", sp.headings, want)
	}
	sigs := hostSigs()
	perHeading := map[string][]watImport{}
	for _, b := range sp.blocks {
		if b.heading != "" {
			perHeading[b.heading] = append(perHeading[b.heading], imports(t, b)...)
		}
	}
	for _, name := range sp.headings {
		imps := perHeading[name]
		if len(imps) != 1 {
			t.Errorf("#### %s: %d WAT imports, want 1", name, len(imps))
			continue
		}
		imp := imps[0]
		if imp.module != abi.ModuleName || imp.name != name || imp.id != name {
			t.Errorf("#### %s: import %q %q $%s, want %q %q $%s", name, imp.module, imp.name, imp.id, abi.ModuleName, name, name)
		}
		if got := imp.typ.sig(); got != sigs[name] {
			t.Errorf("#### %s: WAT type %s, Signature %s", name, got, sigs[name])
		}
		for i, n := range imp.typ.names {
			if n == "" {
				t.Errorf("#### %s: parameter %d has no $name", name, i)
			}
		}
		for _, bullet := range []string{"- params:", "- returns:", "- callable during:", "- traps when:", "- example:"} {
			if !strings.Contains(sp.sections[name], "\n"+bullet) {
				t.Errorf("#### %s: no %q bullet", name, bullet)
			}
		}
	}
}

// TestSpecWATImports checks every import in every WAT block of SPEC.md,
// including the examples: hostd_v1 imports must name a host function and
// have its type; other modules must be the allowed WASI module.
func TestSpecWATImports(t *testing.T) {
	sp := readSpec(t)
	sigs := hostSigs()
	n := 0
	for _, b := range sp.blocks {
		for _, imp := range imports(t, b) {
			n++
			switch imp.module {
			case abi.ModuleName:
				want, ok := sigs[imp.name]
				if !ok {
					t.Errorf("SPEC.md:%d: imports unknown host function %q", imp.line, imp.name)
				} else if got := imp.typ.sig(); got != want {
					t.Errorf("SPEC.md:%d: %s has type %s, Signature %s", imp.line, imp.name, got, want)
				}
			case abi.WASIModuleName:
			default:
				t.Errorf("SPEC.md:%d: imports from module %q", imp.line, imp.module)
			}
		}
	}
	if n < len(abi.HostFunctions) {
		t.Errorf("found only %d WAT imports in SPEC.md", n)
	}
}

// TestSpecWATExports checks that every guest export appears in SPEC.md with
// its type, and that no WAT block gives one of them another type.
func TestSpecWATExports(t *testing.T) {
	sp := readSpec(t)
	want := map[string]string{}
	for _, s := range abi.GuestExports {
		want[s.Name] = types(s.Params) + "->" + types(s.Results)
	}
	seen := map[string]bool{}
	for _, b := range sp.blocks {
		for _, m := range exportRE.FindAllStringSubmatchIndex(b.text, -1) {
			name := b.text[m[2]:m[3]]
			typ, err := parseWATType(b.text[m[1]:])
			if err != nil {
				t.Errorf("SPEC.md:%d: export %s: %v", b.line, name, err)
				continue
			}
			w, ok := want[name]
			if !ok {
				t.Errorf("SPEC.md:%d: exports %q, which is not in GuestExports", b.line, name)
				continue
			}
			seen[name] = true
			if got := typ.sig(); got != w {
				t.Errorf("SPEC.md:%d: export %s has type %s, GuestExports %s", b.line, name, got, w)
			}
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("SPEC.md has no WAT for the export %q", name)
		}
	}
}

// TestGoDocMatchesSpec checks the WAT line in the doc comment of every
// Func* constant against the SPEC.md entry: same parameter names, same types.
func TestGoDocMatchesSpec(t *testing.T) {
	sp := readSpec(t)
	specTypes := map[string]watFunc{}
	for _, b := range sp.blocks {
		for _, imp := range imports(t, b) {
			if b.heading == imp.name {
				specTypes[imp.name] = imp.typ
			}
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "funcs.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Func") {
				continue
			}
			name, _ := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			doc := vs.Doc.Text()
			i := strings.Index(doc, "(func")
			if i < 0 {
				t.Errorf("%s: doc comment has no WAT type", vs.Names[0].Name)
				continue
			}
			got, err := parseWATType(doc[i+len("(func"):])
			if err != nil {
				t.Errorf("%s: doc comment: %v", vs.Names[0].Name, err)
				continue
			}
			want := specTypes[name]
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: doc comment says %v, SPEC.md says %v", vs.Names[0].Name, got, want)
			}
			checked++
		}
	}
	if checked != len(abi.HostFunctions) {
		t.Errorf("checked %d Func constants, HostFunctions has %d", checked, len(abi.HostFunctions))
	}
}

var rowRE = regexp.MustCompile("^\\|\\s*(-?\\d+)\\s*\\|\\s*`([a-z_]+)`\\s*\\|\\s*`(\\w+)`\\s*\\|")

// TestSpecTypeTables checks the tables of section 7 against the constants:
// every value, name (String) and Go constant, and nothing more.
func TestSpecTypeTables(t *testing.T) {
	sp := readSpec(t)
	for heading, prefix := range map[string]string{
		"7.1 Status": "Status", "7.2 Action": "Action", "7.3 HeaderKind": "HeaderKind",
		"7.4 LogLevel": "LogLevel", "7.5 Features": "Feature",
		"7.6 RateLimitAlgorithm": "RateLimit", "7.7 BreakerState": "Breaker",
		"7.8 Disposition": "Disposition",
	} {
		lines, ok := sp.parts[heading]
		if !ok {
			t.Errorf("SPEC.md has no section %q", heading)
			continue
		}
		var got []string
		for _, line := range lines {
			if m := rowRE.FindStringSubmatch(line); m != nil {
				got = append(got, m[1]+" "+m[2]+" "+m[3])
			}
		}
		var want []string
		for _, g := range golden {
			// Only the enums: the size constants share the prefixes.
			s, ok := g.got.(fmt.Stringer)
			if strings.HasPrefix(g.name, prefix) && ok {
				lit := literal(g.got)
				value := lit[strings.IndexByte(lit, '(')+1 : len(lit)-1]
				want = append(want, value+" "+s.String()+" "+g.name)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("SPEC.md %s table rows:\n%s\nwant:\n%s", heading, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestSpecPhaseTableNamesEveryFunction checks that the phase table says
// something about every host function.
func TestSpecPhaseTableNamesEveryFunction(t *testing.T) {
	sp := readSpec(t)
	text := strings.Join(sp.parts["5.1 Phases"], "\n")
	for _, s := range abi.HostFunctions {
		if !strings.Contains(text, "`"+s.Name+"`") {
			t.Errorf("the phase table of SPEC.md 5.1 does not mention %s", s.Name)
		}
	}
}

func TestSpecNamesLimitsAndVersion(t *testing.T) {
	sp := readSpec(t)
	limits := strings.Join(sp.parts["8. Limits"], "\n")
	for name, v := range map[string]int{"MaxKVKeyLen": abi.MaxKVKeyLen, "MaxKVListKeys": abi.MaxKVListKeys,
		"MaxSubjectLen": abi.MaxSubjectLen, "MaxMessageBytes": abi.MaxMessageBytes,
		"MaxRequestStateLen": abi.MaxRequestStateLen} {
		if !regexp.MustCompile(strconv.Itoa(v) + `\b[^|\n]*` + name).MatchString(limits) {
			t.Errorf("SPEC.md 8. Limits does not give %s as %d", name, v)
		}
	}
	structs := strings.Join(sp.parts["7.9 Structures"], "\n")
	for name, v := range map[string]int{
		"BreakerConfigSize": abi.BreakerConfigSize, "BreakerOutSize": abi.BreakerOutSize,
		"RateLimitOutSize": abi.RateLimitOutSize,
	} {
		if !regexp.MustCompile("`" + name + "` \\| " + strconv.Itoa(v) + ` \|`).MatchString(structs) {
			t.Errorf("SPEC.md 7.9 Structures does not give %s as %d", name, v)
		}
	}
	first := strings.SplitN(sp.text, "\n", 2)[0]
	if first != "# hostd Plugin ABI v"+strconv.Itoa(abi.Version) {
		t.Errorf("SPEC.md title %q does not name version %d", first, abi.Version)
	}
	for _, s := range []string{abi.ModuleName, abi.MarkerExport, abi.MemoryExport, abi.InitializeExport, abi.WASIModuleName} {
		if !strings.Contains(sp.text, "`"+s+"`") {
			t.Errorf("SPEC.md never mentions `%s`", s)
		}
	}
}

// TestSpecAppendixCompiles assembles the example guest with wat2wasm when it
// is installed, so the appendix stays a working module.
func TestSpecAppendixCompiles(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed")
	}
	sp := readSpec(t)
	var wat string
	for _, b := range sp.blocks {
		if strings.HasPrefix(strings.TrimSpace(b.text), "(module") {
			wat = b.text
		}
	}
	if wat == "" {
		t.Fatal("SPEC.md has no (module …) example")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.wat")
	if err := os.WriteFile(src, []byte(wat), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, src, "-o", filepath.Join(dir, "hello.wasm")).CombinedOutput()
	if err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, out)
	}
}

var (
	headingRE = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	anchorRE  = regexp.MustCompile(`\]\(#([^)]+)\)`)
)

// slug computes the anchor GitHub gives a heading.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TestSpecLinks checks that every in-document link points at a heading.
func TestSpecLinks(t *testing.T) {
	sp := readSpec(t)
	anchors := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(sp.text, -1) {
		anchors[slug(m[1])] = true
	}
	links := anchorRE.FindAllStringSubmatch(sp.text, -1)
	if len(links) == 0 {
		t.Fatal("found no links in SPEC.md")
	}
	for _, m := range links {
		if !anchors[m[1]] {
			t.Errorf("SPEC.md links to #%s, which is not a heading", m[1])
		}
	}
}
