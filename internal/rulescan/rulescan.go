// Package rulescan finds where each rule of the catalogue (spec.Rules) is
// implemented and where it is tested, by scanning the source tree for rule
// IDs: non-test Go files are implementation sites, tests and scenario
// scripts are test sites. It feeds docs/rules.md, the embedded coverage
// data behind `tcpclose rules`, and the traceability test.
package rulescan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

// Coverage says where one rule is implemented and tested.
type Coverage struct {
	ID          spec.RuleID `json:"id"`
	Implemented []string    `json:"implemented,omitempty"` // package-relative files
	Tested      []string    `json:"tested,omitempty"`      // Pkg.TestName or script paths
}

// Report is the result of a scan.
type Report struct {
	Rules []Coverage `json:"rules"`
	// Unknown lists IDs found in the tree that the catalogue lacks, with
	// where they were found.
	Unknown []string `json:"unknown,omitempty"`
}

// definitional files define or cite IDs without implementing them.
var definitional = map[string]bool{
	"spec/rules.go": true, "spec/profiles.go": true, "spec/profile.go": true,
}

// Scan walks the module rooted at root.
func Scan(root string) (*Report, error) {
	impl := map[spec.RuleID]map[string]bool{}
	tested := map[spec.RuleID]map[string]bool{}
	unknown := map[string]bool{}
	add := func(m map[spec.RuleID]map[string]bool, id spec.RuleID, where string) {
		if _, ok := spec.LookupRule(id); !ok {
			unknown[fmt.Sprintf("%s (%s)", id, where)] = true
			return
		}
		if m[id] == nil {
			m[id] = map[string]bool{}
		}
		m[id][where] = true
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			// docs are generated from the scan; internal/rulescan's own tests
			// use made-up IDs on purpose.
			if rel != "." && (strings.HasPrefix(base, ".") || base == "vendor" || rel == "docs" || rel == "internal/rulescan" || base == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(rel, "_test.go"):
			return scanTestFile(path, rel, func(id spec.RuleID, where string) { add(tested, id, where) })
		case strings.HasSuffix(rel, ".go"):
			if definitional[rel] {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("rulescan: %w", err)
			}
			for _, id := range spec.FindRuleIDs(string(src)) {
				add(impl, spec.RuleID(id), rel)
			}
		case (strings.Contains(rel, "testdata/") || strings.HasPrefix(rel, "scenarios/")) && (strings.HasSuffix(rel, ".pkt") || strings.HasSuffix(rel, ".script")):
			src, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("rulescan: %w", err)
			}
			for _, id := range spec.FindRuleIDs(string(src)) {
				add(tested, spec.RuleID(id), rel)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &Report{}
	for _, rule := range spec.Rules() {
		r.Rules = append(r.Rules, Coverage{ID: rule.ID, Implemented: keys(impl[rule.ID]), Tested: keys(tested[rule.ID])})
	}
	r.Unknown = keys(unknown)
	return r, nil
}

// scanTestFile attributes each ID in a test file to the top-level
// declaration whose doc comment or body names it ("pkg.TestName"), or to
// the file.
func scanTestFile(path, rel string, add func(spec.RuleID, string)) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rulescan: %w", err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		for _, id := range spec.FindRuleIDs(string(src)) {
			add(spec.RuleID(id), rel)
		}
		return nil
	}
	dir := filepath.ToSlash(filepath.Dir(rel))
	for _, decl := range f.Decls {
		start, end := decl.Pos(), decl.End()
		name := ""
		if fd, ok := decl.(*ast.FuncDecl); ok {
			name = fd.Name.Name
			if fd.Doc != nil {
				start = fd.Doc.Pos()
			}
		} else if gd, ok := decl.(*ast.GenDecl); ok && gd.Doc != nil {
			start = gd.Doc.Pos()
		}
		text := string(src[fset.Position(start).Offset:fset.Position(end).Offset])
		where := rel
		if name != "" {
			where = dir + "." + name
		}
		for _, id := range spec.FindRuleIDs(text) {
			add(spec.RuleID(id), where)
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Untested returns the modelled MUST and SHOULD rules no test names.
func (r *Report) Untested() []spec.RuleID {
	var out []spec.RuleID
	for _, c := range r.Rules {
		rule, _ := spec.LookupRule(c.ID)
		if rule.Keyword.Normative() && rule.NotModelled == "" && len(c.Tested) == 0 {
			out = append(out, c.ID)
		}
	}
	return out
}

// Unimplemented returns the modelled rules no code names.
func (r *Report) Unimplemented() []spec.RuleID {
	var out []spec.RuleID
	for _, c := range r.Rules {
		rule, _ := spec.LookupRule(c.ID)
		if rule.NotModelled == "" && len(c.Implemented) == 0 {
			out = append(out, c.ID)
		}
	}
	return out
}

// JSON encodes the report deterministically.
func (r *Report) JSON() []byte {
	b, _ := json.MarshalIndent(r, "", " ")
	return append(b, '\n')
}

// Markdown renders docs/rules.md.
func (r *Report) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# Rule catalogue\n\n")
	b.WriteString("Generated by `go test ./spec -run TestRulesDoc -rewrite` from `spec.Rules` and a scan of the\n")
	b.WriteString("source tree; do not edit by hand. Each rule: its stable ID, source, force, what it says (in\n")
	b.WriteString("this project's words), the profile field that decides it, where code implements it and which\n")
	b.WriteString("tests or scenario scripts check it.\n\n")
	var must, should, tested, uncovered int
	for _, c := range r.Rules {
		rule, _ := spec.LookupRule(c.ID)
		switch {
		case rule.Keyword == spec.Must || rule.Keyword == spec.MustNot:
			must++
		case rule.Keyword == spec.Should || rule.Keyword == spec.ShouldNot:
			should++
		}
		if len(c.Tested) > 0 {
			tested++
		} else if rule.NotModelled == "" {
			uncovered++
		}
	}
	fmt.Fprintf(&b, "%d rules (%d MUST, %d SHOULD); %d named by at least one test; %d modelled rules without a test.\n\n",
		len(r.Rules), must, should, tested, uncovered)
	doc := ""
	for _, c := range r.Rules {
		rule, _ := spec.LookupRule(c.ID)
		d := strings.SplitN(rule.Source, " §", 2)[0]
		if strings.HasPrefix(string(rule.ID), "AMB-") {
			d = "Ambiguities settled by this project"
		}
		if d != doc {
			doc = d
			fmt.Fprintf(&b, "\n## %s\n\n| ID | Source | Force | Rule | Profile field | Implemented in | Tested by |\n|---|---|---|---|---|---|---|\n", d)
		}
		force := rule.Keyword.String()
		if rule.Label != "" {
			force += " (" + rule.Label + ")"
		}
		implemented := strings.Join(c.Implemented, ", ")
		if rule.NotModelled != "" {
			implemented = "not modelled: " + rule.NotModelled
		}
		testedBy := strings.Join(c.Tested, ", ")
		if testedBy == "" {
			testedBy = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", rule.ID, rule.Source, force,
			strings.ReplaceAll(rule.Summary, "|", "\\|"), rule.Profile, implemented, testedBy)
	}
	return b.Bytes()
}
