package main

import (
	"errors"
	"strconv"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	jsonconfig "github.com/hostd/hostd/sdk/config"
)

// rawConfig is the JSON configuration; README.md documents every field.
// Pointers tell an absent field (default) from an empty one.
type rawConfig struct {
	Mode          string  `json:"mode"`
	Header        *string `json:"header"`
	ForwardClient *string `json:"forward_client"`
	RequiredScope string  `json:"required_scope"`
}

// config is the validated configuration of one binding.
type config struct {
	admin   bool   // serve PUT/DELETE /apikeys/{key} instead of filtering
	header  string // request header carrying the API key
	forward string // request header set to the client name; "" for none
	scope   string // scope the key must have; "" for none
}

// cfg is parsed once per instance, in on_configure.
var cfg config

// configure parses the configuration and requires KV; on error the previous
// configuration is cleared, so a rejected instance never lets requests by.
func configure(raw []byte) error {
	cfg = config{}
	c, err := parse(raw)
	if err != nil {
		return errors.New("apikey: configuration: " + err.Error())
	}
	if !sdk.EnableFeatures(abi.FeatureKV).IsEnabled(abi.FeatureKV) {
		return errors.New("apikey: KV is not available to this plugin")
	}
	cfg = c
	return nil
}

func parse(raw []byte) (config, error) {
	var rc rawConfig
	if err := jsonconfig.Decode(raw, &rc); err != nil {
		return config{}, err
	}
	switch rc.Mode {
	case "admin":
		if rc.Header != nil || rc.ForwardClient != nil || rc.RequiredScope != "" {
			return config{}, errors.New(`mode "admin" takes no other fields`)
		}
		return config{admin: true}, nil
	case "", "filter":
	default:
		return config{}, errors.New(`mode must be "filter" or "admin", got ` + strconv.Quote(rc.Mode))
	}
	c := config{header: "X-Api-Key", forward: "X-Client", scope: rc.RequiredScope}
	if rc.Header != nil {
		c.header = *rc.Header
	}
	if rc.ForwardClient != nil {
		c.forward = *rc.ForwardClient
	}
	if !sdk.ValidHeaderName(c.header) {
		return config{}, errors.New("header: invalid header name " + strconv.Quote(c.header))
	}
	if c.forward != "" && !sdk.ValidHeaderName(c.forward) {
		return config{}, errors.New("forward_client: invalid header name " + strconv.Quote(c.forward))
	}
	return c, nil
}
