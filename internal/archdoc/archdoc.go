// Package archdoc draws the package map of docs/architecture.md from the
// code: every package of the module, as `go list` sees it on Linux, and
// the packages of the stack/gvisor module (its own module, read with
// go/parser so that the root module's tests need no gVisor download),
// with the imports between them. A test regenerates the map and fails
// when the copy in docs/architecture.md is stale, so the drawing stays
// true as packages come and go.
package archdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Module is the root module's path.
const Module = "github.com/tcpclose/tcpclose"

// Package is one package of the map.
type Package struct {
	Path     string   // relative to the module root ("sim", "stack/gvisor/cmd/tcpclose-gvisor")
	Doc      string   // the first sentence of its doc comment
	Imports  []string // the map's packages it imports (relative paths), sorted
	TestOnly bool     // it has only test files (its imports are its tests')
	Module   string   // "" for the root module, else the other module's folder
}

// otherModules are folders holding modules of their own that the map
// includes.
var otherModules = []string{"stack/gvisor"}

// List reads the packages of the module rooted at root.
func List(root string) ([]Package, error) {
	cmd := exec.Command("go", "list", "-e", "-json", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("archdoc: go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Dir, Doc               string
			GoFiles, TestGoFiles, XTestGoFiles []string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("archdoc: go list output: %w", err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, Module), "/")
		imports := p.Imports
		testOnly := len(p.GoFiles) == 0
		if testOnly {
			imports = append(append(imports, p.TestImports...), p.XTestImports...)
			p.Doc = testDoc(p.Dir, append(p.TestGoFiles, p.XTestGoFiles...))
		}
		pkgs = append(pkgs, Package{Path: rel, Doc: firstSentence(p.Doc), Imports: imports, TestOnly: testOnly})
	}
	for _, m := range otherModules {
		more, err := parseModule(root, m)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, more...)
	}
	known := map[string]bool{}
	for _, p := range pkgs {
		known[p.Path] = true
	}
	for i := range pkgs {
		var in []string
		for _, imp := range pkgs[i].Imports {
			if r, ok := strings.CutPrefix(imp, Module+"/"); ok && known[r] && r != pkgs[i].Path && !slices.Contains(in, r) {
				in = append(in, r)
			}
		}
		sort.Strings(in)
		pkgs[i].Imports = in
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Path < pkgs[j].Path })
	return pkgs, nil
}

// parseModule reads the packages of the module in folder dir with
// go/parser: package doc and imports of the non-test files (of the test
// files for a package that has only those).
func parseModule(root, dir string) ([]Package, error) {
	byDir := map[string]*Package{}
	files := map[string][2][]string{} // dir -> non-test, test imports
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return fmt.Errorf("archdoc: %w", err)
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		rel = filepath.ToSlash(rel)
		pkg := byDir[rel]
		if pkg == nil {
			pkg = &Package{Path: rel, Module: dir}
			byDir[rel] = pkg
		}
		test := strings.HasSuffix(p, "_test.go")
		if f.Doc != nil && !test && pkg.Doc == "" {
			pkg.Doc = firstSentence(f.Doc.Text())
		}
		imps := files[rel]
		for _, im := range f.Imports {
			v := strings.Trim(im.Path.Value, `"`)
			if test {
				imps[1] = append(imps[1], v)
			} else {
				imps[0] = append(imps[0], v)
			}
		}
		files[rel] = imps
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Package
	for rel, p := range byDir {
		imps := files[rel]
		p.Imports = imps[0]
		if len(imps[0]) == 0 {
			p.TestOnly, p.Imports = true, imps[1]
		}
		out = append(out, *p)
	}
	return out, nil
}

// testDoc is the package doc comment of a package that has only test
// files.
func testDoc(dir string, files []string) string {
	for _, f := range files {
		pf, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err == nil && pf.Doc != nil {
			return pf.Doc.Text()
		}
	}
	return ""
}

// firstSentence returns the first sentence of a doc comment, on one line.
func firstSentence(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	for i := 0; i < len(doc); i++ {
		if doc[i] == '.' && (i+1 == len(doc) || doc[i+1] == ' ') {
			return doc[:i+1]
		}
	}
	return doc
}

// floors gives each package its height in the import graph: 0 for a
// package that imports none of the others, else one more than the highest
// it imports.
func floors(pkgs []Package) map[string]int {
	imports := map[string][]string{}
	for _, p := range pkgs {
		imports[p.Path] = p.Imports
	}
	floor := map[string]int{}
	var visit func(string, int) int
	visit = func(p string, depth int) int {
		if f, ok := floor[p]; ok {
			return f
		}
		if depth > len(pkgs) {
			return 0 // a cycle, which Go does not allow
		}
		f := 0
		for _, q := range imports[p] {
			f = max(f, visit(q, depth+1)+1)
		}
		floor[p] = f
		return f
	}
	for _, p := range pkgs {
		visit(p.Path, 0)
	}
	return floor
}

// reduce drops every import edge p -> q that a longer path from p to q
// implies (the transitive reduction), so the drawing shows each
// dependency once.
func reduce(pkgs []Package) map[string][]string {
	imports := map[string][]string{}
	for _, p := range pkgs {
		imports[p.Path] = p.Imports
	}
	var reaches func(from, to string, seen map[string]bool) bool
	reaches = func(from, to string, seen map[string]bool) bool {
		if from == to {
			return true
		}
		if seen[from] {
			return false
		}
		seen[from] = true
		for _, n := range imports[from] {
			if reaches(n, to, seen) {
				return true
			}
		}
		return false
	}
	out := map[string][]string{}
	for _, p := range pkgs {
		for _, q := range p.Imports {
			implied := false
			for _, r := range p.Imports {
				if r != q && reaches(r, q, map[string]bool{}) {
					implied = true
					break
				}
			}
			if !implied {
				out[p.Path] = append(out[p.Path], q)
			}
		}
	}
	return out
}

func nodeID(p string) string {
	return strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(p)
}

// Render draws the map: a Mermaid flowchart of every package, one row per
// floor (the packages a row uses are below it), an arrow from each
// package to each it uses (arrows a longer path implies left out), and a
// table of every package with its floor, its direct imports and the first
// sentence of its doc comment.
func Render(pkgs []Package) string {
	floor := floors(pkgs)
	edges := reduce(pkgs)
	top := 0
	for _, f := range floor {
		top = max(top, f)
	}
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart TB\n")
	for f := top; f >= 0; f-- {
		fmt.Fprintf(&b, "    subgraph floor%d [\"floor %d\"]\n", f, f)
		for _, p := range pkgs {
			if floor[p.Path] != f {
				continue
			}
			label := p.Path
			if p.TestOnly {
				label += " (tests)"
			}
			if p.Module != "" {
				label += " (module " + p.Module + ")"
			}
			fmt.Fprintf(&b, "        %s[\"%s\"]\n", nodeID(p.Path), label)
		}
		b.WriteString("    end\n")
	}
	for _, p := range pkgs {
		for _, q := range edges[p.Path] {
			fmt.Fprintf(&b, "    %s --> %s\n", nodeID(p.Path), nodeID(q))
		}
	}
	b.WriteString("```\n\n")
	b.WriteString("| package | floor | imports (of these packages) | what it is (its doc comment) |\n|---|---|---|---|\n")
	for _, p := range pkgs {
		name := "`" + p.Path + "`"
		if p.TestOnly {
			name += " (tests only)"
		}
		if p.Module != "" {
			name += " (module `" + p.Module + "`)"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", name, floor[p.Path], strings.Join(p.Imports, ", "), strings.ReplaceAll(p.Doc, "|", `\|`))
	}
	return b.String()
}

// Begin and End mark the generated map in docs/architecture.md.
const (
	Begin = "<!-- generated: package map (go test ./internal/archdoc -rewrite) -->\n"
	End   = "<!-- end of generated package map -->\n"
)

// Splice returns doc with the text between Begin and End replaced by
// gen; an error if the markers are missing.
func Splice(doc, gen string) (string, error) {
	i := strings.Index(doc, Begin)
	j := strings.Index(doc, End)
	if i < 0 || j < i {
		return "", fmt.Errorf("archdoc: the markers %q and %q are missing", strings.TrimSpace(Begin), strings.TrimSpace(End))
	}
	return doc[:i+len(Begin)] + gen + doc[j:], nil
}
