package main

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	jsonconfig "github.com/hostd/hostd/sdk/config"
)

// rawConfig is the JSON configuration; README.md documents every field.
type rawConfig struct {
	Require     map[string]string `json:"require"`
	Deny        []string          `json:"deny"`
	DenyStatus  *int              `json:"deny_status"`
	SetRequest  map[string]string `json:"set_request"`
	SetResponse map[string]string `json:"set_response"`
}

// header is a header name and value from the configuration.
type header struct{ name, value string }

// filterConfig is the validated configuration, with maps turned into
// slices sorted by name so that checks run in a stable order.
type filterConfig struct {
	require     []header
	deny        []string
	denyStatus  int
	setRequest  []header
	setResponse []header
}

const defaultDenyStatus = 403

// configure parses and validates the configuration; on error the previous
// configuration is cleared, so a rejected instance never filters.
func configure(raw []byte) error {
	cfg = filterConfig{}
	sdk.EnableFeatures(abi.FeatureAnyInstanceResponse)
	c, err := parse(raw)
	if err != nil {
		return errors.New("headerfilter: configuration: " + err.Error())
	}
	cfg = c
	return nil
}

func parse(raw []byte) (filterConfig, error) {
	var rc rawConfig
	if err := jsonconfig.Decode(raw, &rc); err != nil {
		return filterConfig{}, err
	}
	c := filterConfig{denyStatus: defaultDenyStatus}
	if rc.DenyStatus != nil {
		if *rc.DenyStatus < 400 || *rc.DenyStatus > 599 {
			return filterConfig{}, errors.New("deny_status must be 400..599, got " + strconv.Itoa(*rc.DenyStatus))
		}
		c.denyStatus = *rc.DenyStatus
	}
	var err error
	if c.require, err = headers("require", rc.Require); err != nil {
		return filterConfig{}, err
	}
	if c.setRequest, err = headers("set_request", rc.SetRequest); err != nil {
		return filterConfig{}, err
	}
	if c.setResponse, err = headers("set_response", rc.SetResponse); err != nil {
		return filterConfig{}, err
	}
	for _, name := range rc.Deny {
		if !sdk.ValidHeaderName(name) {
			return filterConfig{}, errors.New("deny: invalid header name " + strconv.Quote(name))
		}
	}
	c.deny = rc.Deny
	return c, nil
}

// headers validates a name → value map and returns it sorted by name.
func headers(field string, m map[string]string) ([]header, error) {
	out := make([]header, 0, len(m))
	for name, value := range m {
		if !sdk.ValidHeaderName(name) {
			return nil, errors.New(field + ": invalid header name " + strconv.Quote(name))
		}
		if !sdk.ValidHeaderValue(value) {
			return nil, errors.New(field + ": invalid value for " + name)
		}
		out = append(out, header{name, value})
	}
	slices.SortFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return out, nil
}
