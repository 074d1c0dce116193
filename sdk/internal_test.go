package sdk_test

import "github.com/hostd/hostd/sdk/internal/dispatch"

func clearRequestHandler() { dispatch.SetRequest(nil) }
