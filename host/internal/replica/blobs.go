package replica

import (
	"encoding/json"
	"fmt"
)

// pluginSHAs returns the sha256 of every version of a plugin record.
func pluginSHAs(raw []byte) ([]string, error) {
	var p struct {
		Versions []struct {
			SHA256 string `json:"sha256"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("replica: decode plugin record: %w", err)
	}
	out := make([]string, 0, len(p.Versions))
	for _, v := range p.Versions {
		out = append(out, v.SHA256)
	}
	return out, nil
}
