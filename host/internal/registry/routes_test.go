package registry

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

func TestRouteCRUD(t *testing.T) {
	r, c := openTest(t)
	mustAdd(t, r, "h", "H1")
	created0 := c.Now()

	rt := model.Route{ID: "b", Path: "/hello/{name}", Methods: []string{"GET"},
		Handler: &model.Binding{Plugin: "h", Config: json.RawMessage(`{ "greeting" : "hi" }`)}}
	stored, created, err := r.PutRoute(rt)
	if err != nil || !created {
		t.Fatalf("PutRoute = %v, %v", created, err)
	}
	if !stored.CreatedAt.Equal(created0) || !stored.UpdatedAt.Equal(created0) {
		t.Fatalf("timestamps = %v / %v, want %v", stored.CreatedAt, stored.UpdatedAt, created0)
	}
	if got := must[model.Route](t)(r.Route("b")); !reflect.DeepEqual(got, stored) {
		t.Fatalf("Route = %+v, want %+v", got, stored)
	}

	c.Add(time.Hour)
	rt.Path = "/hi/{name}"
	rt.CreatedAt = time.Time{} // callers need not carry it
	stored, created, err = r.PutRoute(rt)
	if err != nil || created {
		t.Fatalf("update PutRoute = %v, %v", created, err)
	}
	if !stored.CreatedAt.Equal(created0) || !stored.UpdatedAt.Equal(c.Now()) || stored.Path != "/hi/{name}" {
		t.Fatalf("updated route = %+v", stored)
	}

	if _, _, err := r.PutRoute(model.Route{ID: "a", PathPrefix: "/"}); err != nil {
		t.Fatal(err)
	}
	routes := must[[]model.Route](t)(r.Routes())
	if len(routes) != 2 || routes[0].ID != "a" || !reflect.DeepEqual(routes[1], stored) {
		t.Fatalf("Routes = %+v", routes)
	}

	if err := r.DeleteRoute("b"); err != nil {
		t.Fatal(err)
	}
	_, err = r.Route("b")
	wantCode(t, err, errs.NotFound, "route_not_found")
	wantCode(t, r.DeleteRoute("b"), errs.NotFound, "route_not_found")
	if routes := must[[]model.Route](t)(r.Routes()); len(routes) != 1 {
		t.Fatalf("Routes after delete = %+v", routes)
	}
}

func TestPutRouteRejectsUnknownBindings(t *testing.T) {
	r, _ := openTest(t)
	mustAdd(t, r, "known", "K1", "K2")
	existing := model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "known", Version: 2}}
	if _, _, err := r.PutRoute(existing); err != nil {
		t.Fatal(err)
	}
	before := must[State](t)(r.State())

	tests := []struct {
		name     string
		route    model.Route
		wantCode string
	}{
		{"unknown handler", model.Route{ID: "n1", Handler: &model.Binding{Plugin: "ghost"}}, "unknown_plugin"},
		{"unknown filter", model.Route{ID: "n2", Filters: []model.Binding{{Plugin: "known"}, {Plugin: "ghost"}},
			Handler: &model.Binding{Plugin: "known"}}, "unknown_plugin"},
		{"unknown version", model.Route{ID: "n3", Handler: &model.Binding{Plugin: "known", Version: 3}}, "unknown_version"},
		{"update to unknown plugin", model.Route{ID: "r", Handler: &model.Binding{Plugin: "ghost"}}, "unknown_plugin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.PutRoute(tt.route)
			e := wantCode(t, err, errs.Unprocessable, tt.wantCode)
			want := "ghost"
			if tt.wantCode == "unknown_version" {
				want = "known"
			}
			if !strings.Contains(e.Message, `"`+want+`"`) {
				t.Fatalf("message %q does not name %q", e.Message, want)
			}
			if after := must[State](t)(r.State()); !reflect.DeepEqual(after, before) {
				t.Fatalf("state changed:\n%+v\nwant\n%+v", after, before)
			}
		})
	}
}
