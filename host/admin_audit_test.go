package host_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// auditEntry is the part of a GET /v1/audit entry the tests check.
type auditEntry struct {
	Seq       uint64 `json:"seq"`
	Time      time.Time
	Subject   string `json:"subject"`
	Role      string `json:"role"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Endpoint  string `json:"endpoint"`
	Name      string `json:"name"`
	Version   int    `json:"version"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	SHA256    string `json:"sha256"`
	Bytes     int64  `json:"bytes"`
	Remote    string `json:"remote"`
	RequestID string `json:"request_id"`
}

type auditPage struct {
	Entries []auditEntry `json:"entries"`
	Next    uint64       `json:"next"`
}

func (th *testHost) audit(query string) auditPage {
	th.t.Helper()
	r := th.adminDo("GET", "/v1/audit"+query, nil)
	expectStatus(th.t, r, http.StatusOK)
	var p auditPage
	r.json(th.t, &p)
	return p
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestAuditRecordsEveryWrite: each kind of admin write (plugin upload,
// activation, KV settings, delete; route, trigger and key set put and
// delete), a refused one (viewer) and an invalid one produce one entry
// each, newest first, with the caller, the status and the digest of the
// uploaded bytes, and each is published on hostd.events.audit. A request
// without a valid token and reads are not recorded.
func TestAuditRecordsEveryWrite(t *testing.T) {
	th := ordersHost(t)
	var mu sync.Mutex
	var events []auditEntry
	stop, err := th.h.WatchEvents(func(kind string, data []byte) {
		if kind != "audit" {
			return
		}
		var e auditEntry
		if err := json.Unmarshal(data, &e); err != nil {
			t.Errorf("audit event: %v", err)
		}
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	start := th.audit("").Entries // the orders upload
	if len(start) != 1 || start[0].Endpoint != "PUT /v1/plugins/{name}" || start[0].Name != "orders" {
		t.Fatalf("audit after the first upload: %+v", start)
	}

	jwks := []byte(`{"keys":[{"kty":"oct","kid":"k","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYnk"}]}`)
	route := []byte(`{"path":"/r","handler":{"plugin":"hello"}}`)
	writes := []struct {
		method, path, token string
		body                []byte
		status              int
		code                string
	}{
		{"PUT", "/v1/plugins/hello", th.token, testwasm.Hello, 201, ""},
		{"PUT", "/v1/plugins/hello?activate=false", th.token, testwasm.Deny, 201, ""},
		{"PUT", "/v1/plugins/hello/active", th.token, []byte(`{"version":2}`), 200, ""},
		{"PUT", "/v1/plugins/hello/kv", th.token, []byte(`{"max_keys":10}`), 200, ""},
		{"PUT", "/v1/routes/r", th.token, route, 201, ""},
		{"PUT", "/v1/routes/r", th.viewer, route, 403, "forbidden"},
		{"PUT", "/v1/routes/bad", th.token, []byte(`{"path":"x"}`), 400, "invalid_route"},
		{"PUT", "/v1/keysets/idp", th.token, jwks, 201, ""},
		{"PUT", "/v1/triggers/t", th.token, []byte(`{"subject":"orders.>","plugin":"orders"}`), 201, ""},
		{"DELETE", "/v1/triggers/t", th.token, nil, 204, ""},
		{"DELETE", "/v1/keysets/idp", th.token, nil, 204, ""},
		{"DELETE", "/v1/routes/r", th.token, nil, 204, ""},
		{"DELETE", "/v1/plugins/hello", th.token, nil, 204, ""},
	}
	for _, w := range writes {
		r := th.do(w.method, th.admin+w.path, w.token, w.body)
		expectStatus(t, r, w.status)
	}
	// Not recorded: no token, a bad token, reads.
	expectStatus(t, th.do("PUT", th.admin+"/v1/routes/r", "", route), 401)
	expectStatus(t, th.do("PUT", th.admin+"/v1/routes/r", "nope", route), 401)
	expectStatus(t, th.adminDo("GET", "/v1/routes", nil), 200)

	got := th.audit("?limit=100").Entries
	if len(got) != len(writes)+1 {
		t.Fatalf("%d audit entries, want %d: %+v", len(got), len(writes)+1, got)
	}
	for i, w := range writes {
		e := got[len(writes)-1-i] // newest first
		path, _, _ := strings.Cut(w.path, "?")
		if e.Method != w.method || e.Path != path || e.Status != w.status || e.Code != w.code {
			t.Errorf("entry for %s %s: %+v, want status %d code %q", w.method, w.path, e, w.status, w.code)
		}
		wantRole := "admin"
		if w.token == th.viewer {
			wantRole = "viewer"
		}
		if e.Subject != "test" || e.Role != wantRole || !strings.HasPrefix(e.Remote, "127.0.0.1:") || e.RequestID == "" || e.Time.IsZero() {
			t.Errorf("entry for %s %s: caller fields %+v", w.method, w.path, e)
		}
		wantSHA := ""
		if w.status < 300 && len(w.body) > 0 {
			wantSHA = hexSHA(w.body)
		}
		if w.status < 300 && e.SHA256 != wantSHA {
			t.Errorf("entry for %s %s: sha256 %q, want %q", w.method, w.path, e.SHA256, wantSHA)
		}
	}
	if e := got[len(writes)-1]; e.Version != 1 || e.Name != "hello" {
		t.Errorf("upload entry %+v: want plugin hello version 1", e)
	}
	if e := got[len(writes)-3]; e.Version != 2 || e.Endpoint != "PUT /v1/plugins/{name}/active" {
		t.Errorf("activation entry %+v: want version 2", e)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq >= got[i-1].Seq {
			t.Fatalf("entries not newest first: %d then %d", got[i-1].Seq, got[i].Seq)
		}
	}
	eventually(t, "audit events", func() bool { mu.Lock(); defer mu.Unlock(); return len(events) >= len(writes) })
	mu.Lock()
	defer mu.Unlock()
	if len(events) != len(writes) {
		t.Fatalf("%d audit events, want %d", len(events), len(writes))
	}
	for i, ev := range events {
		if want := got[len(writes)-1-i]; ev != want {
			t.Errorf("event %d = %+v, stored %+v", i, ev, want)
		}
	}
	// Only admins read the log.
	expectStatus(t, th.do("GET", th.admin+"/v1/audit", th.viewer, nil), http.StatusForbidden)
}

// TestAuditPagingAndRetention: pages newest first (?before) and oldest
// first (?after) cover every entry once; with audit.max_entries 5 only the
// last 5 writes are kept, across a restart.
func TestAuditPagingAndRetention(t *testing.T) {
	th := startHost(t, func(c *host.Config) { c.Audit.MaxEntries = 5 })
	for i := range 12 {
		expectStatus(t, th.adminDo("PUT", fmt.Sprintf("/v1/keysets/k%d", i),
			[]byte(`{"keys":[{"kty":"oct","kid":"k","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYnk"}]}`)), 201)
	}
	check := func(th *testHost) {
		var seqs []uint64
		for q := "?limit=2"; ; {
			p := th.audit(q)
			for _, e := range p.Entries {
				seqs = append(seqs, e.Seq)
			}
			if p.Next == 0 {
				break
			}
			q = fmt.Sprintf("?limit=2&before=%d", p.Next)
		}
		if fmt.Sprint(seqs) != "[12 11 10 9 8]" {
			t.Fatalf("newest-first pages: %v", seqs)
		}
		seqs = nil
		for q := "?limit=2&after=0"; ; {
			p := th.audit(q)
			for _, e := range p.Entries {
				seqs = append(seqs, e.Seq)
			}
			if p.Next == 0 {
				break
			}
			q = fmt.Sprintf("?limit=2&after=%d", p.Next)
		}
		if fmt.Sprint(seqs) != "[8 9 10 11 12]" {
			t.Fatalf("oldest-first pages: %v", seqs)
		}
	}
	check(th)
	th = th.restart(func(c *host.Config) { c.Audit.MaxEntries = 5 })
	check(th)
	for _, q := range []string{"?limit=0", "?limit=1001", "?before=1&after=2", "?before=-1", "?x=1", "?limit=1&limit=2"} {
		r := th.adminDo("GET", "/v1/audit"+q, nil)
		expectStatus(t, r, http.StatusBadRequest)
		if code := r.errorCode(t); code != "invalid_query" {
			t.Errorf("%s: code %s", q, code)
		}
	}
}
