package scenarios

import (
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"
)

// TestEmbedsTheFolder: the embedded corpus is exactly the folder on disk:
// every script sits in a topic folder that Topics describes, every topic
// has a folder with scripts, nothing loose at the top or nested deeper,
// and All lists each file once, in order.
func TestEmbedsTheFolder(t *testing.T) {
	onDisk := map[string]bool{}
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".go"):
			if strings.Contains(p, "/") {
				t.Errorf("%s: Go file inside a topic folder", p)
			}
		case !strings.Contains(p, "/"):
			t.Errorf("%s: loose file beside the topic folders; put it in one (scenarios/<topic>/)", p)
		case strings.Count(p, "/") > 1:
			t.Errorf("%s: nested below a topic folder; the corpus is one level deep", p)
		case !strings.HasSuffix(p, ".pkt"):
			t.Errorf("%s: not a .pkt script", p)
		default:
			onDisk[p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := All()
	if len(all) == 0 {
		t.Fatal("no scripts embedded")
	}
	described := map[string]bool{}
	for _, tp := range Topics() {
		if tp.Doc == "" {
			t.Errorf("topic %s has no description", tp.Name)
		}
		described[tp.Name] = true
	}
	perTopic := map[string]int{}
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
		perTopic[s.Topic]++
		if !onDisk[s.Name] {
			t.Errorf("%s is embedded but not on disk", s.Name)
		}
		delete(onDisk, s.Name)
		if !described[s.Topic] {
			t.Errorf("%s: topic folder %q is not in Topics (scenarios.go)", s.Name, s.Topic)
		}
		if s.Path != path.Join(Dir, s.Name) || s.Topic != path.Dir(s.Name) || len(s.Content) == 0 {
			t.Errorf("%+v: inconsistent fields or empty", s)
		}
	}
	for f := range onDisk {
		t.Errorf("%s is on disk but not embedded", f)
	}
	for name := range described {
		if perTopic[name] == 0 {
			t.Errorf("topic %s has no scripts (no folder scenarios/%s)", name, name)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Error("All is not in order")
	}
	t.Logf("%d scripts in %d topics", len(all), len(perTopic))
}

// TestGet: a script is found by its corpus name or its path from the
// root, its content is the caller's copy, and a missing one is an error
// naming it.
func TestGet(t *testing.T) {
	a, err := Get("close/passive-close.pkt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Get("scenarios/close/passive-close.pkt")
	if err != nil || string(a.Content) != string(b.Content) || a.Test() != "close/passive-close" {
		t.Fatalf("Get by path: %v %+v", err, b)
	}
	a.Content[0] ^= 0xff
	if c, _ := Get(a.Name); c.Content[0] == a.Content[0] {
		t.Error("Get shares its bytes with the caller")
	}
	if _, err := Get("close/nope.pkt"); err == nil || !strings.Contains(err.Error(), "close/nope.pkt") {
		t.Errorf("missing script: %v", err)
	}
}
