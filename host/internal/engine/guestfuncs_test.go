package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// guestFuncCounts counts the calls of each guest function (by its name in
// the name section, which the instrumentation keeps).
type guestFuncCounts map[string]int

func (c guestFuncCounts) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	name := def.Name()
	return experimental.FunctionListenerFunc(func(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
		c[name]++
	})
}

// top returns the n most called functions as "name×count" and the total.
func (c guestFuncCounts) top(n int) (string, int) {
	var names []string
	total := 0
	for k, v := range c {
		names = append(names, k)
		total += v
	}
	slices.SortFunc(names, func(a, b string) int { return c[b] - c[a] })
	var out []string
	for _, k := range names[:min(n, len(names))] {
		out = append(out, fmt.Sprintf("%s×%d", k, c[k]))
	}
	return strings.Join(out, " "), total
}
