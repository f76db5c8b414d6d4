package spec

import (
	_ "embed"
	"encoding/json"
)

//go:embed coverage.json
var coverageJSON []byte

// RuleCoverage says where a rule is implemented and tested, as recorded in
// coverage.json (regenerated with `go test ./spec -run TestRulesDoc -rewrite`).
type RuleCoverage struct {
	ID          RuleID   `json:"id"`
	Implemented []string `json:"implemented,omitempty"`
	Tested      []string `json:"tested,omitempty"`
}

// Coverage returns the recorded coverage of every rule, in catalogue order.
func Coverage() ([]RuleCoverage, error) {
	var r struct {
		Rules []RuleCoverage `json:"rules"`
	}
	if err := json.Unmarshal(coverageJSON, &r); err != nil {
		return nil, err
	}
	return r.Rules, nil
}
