package spec

import (
	"testing"
	"time"
)

// TestSeqArithmeticWraps pins R9293-SEQ-MOD: comparisons hold across the
// 2^32 wrap.
func TestSeqArithmeticWraps(t *testing.T) {
	cases := []struct {
		a, b Seq
		lt   bool
	}{
		{0, 1, true},
		{1, 0, false},
		{0xFFFFFFFF, 0, true},
		{0xFFFFFF00, 0x10, true},
		{0x10, 0xFFFFFF00, false},
		{5, 5, false},
		{0, 0x7FFFFFFF, true},
	}
	for _, c := range cases {
		if got := c.a.LT(c.b); got != c.lt {
			t.Errorf("%d.LT(%d) = %v, want %v", c.a, c.b, got, c.lt)
		}
		if got := c.b.GT(c.a); got != c.lt {
			t.Errorf("%d.GT(%d) = %v, want %v", c.b, c.a, got, c.lt)
		}
		if c.a.LEQ(c.b) != (c.lt || c.a == c.b) {
			t.Errorf("%d.LEQ(%d) wrong", c.a, c.b)
		}
	}
	if !Seq(0xFFFFFFFE).InWindow(0xFFFFFFF0, 32) || !Seq(5).InWindow(0xFFFFFFF0, 32) {
		t.Error("InWindow must span the wrap")
	}
	if Seq(16).InWindow(0xFFFFFFF0, 32) || Seq(0xFFFFFFEF).InWindow(0xFFFFFFF0, 32) {
		t.Error("InWindow must exclude both edges' outsides")
	}
	if Seq(7).InWindow(7, 0) {
		t.Error("a zero window contains nothing")
	}
	if got := Seq(0xFFFFFFFF).Add(2); got != 1 {
		t.Errorf("Add wraps: got %d", got)
	}
}

func TestStateNamesRoundTrip(t *testing.T) {
	for s := State(0); int(s) < NumStates; s++ {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s, got, err)
		}
	}
	for in, want := range map[string]State{"TCP_TIME_WAIT": TimeWait, "FIN_WAIT2": FinWait2, "estab": Established, "SYN_RECV": SynReceived} {
		if got, err := ParseState(in); err != nil || got != want {
			t.Errorf("ParseState(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseState("HALF-OPEN"); err == nil {
		t.Error("unknown state accepted")
	}
}

func TestFlagsRoundTrip(t *testing.T) {
	for _, s := range []string{"S", "S.", "F.", "R", "R.", "P.", ".", "SF", "-", "FRP."} {
		f, err := ParseFlags(s)
		if err != nil {
			t.Fatalf("ParseFlags(%q): %v", s, err)
		}
		g, _ := ParseFlags(f.String())
		if g != f {
			t.Errorf("%q -> %v -> %v", s, f, g)
		}
	}
	for _, bad := range []string{"", "SS", "X", "S.."} {
		if _, err := ParseFlags(bad); err == nil {
			t.Errorf("ParseFlags(%q) accepted", bad)
		}
	}
}

func TestSegLenCountsSynAndFin(t *testing.T) {
	s := Segment{Flags: SYN | FIN | ACK, Seq: 0xFFFFFFFF, Len: 10}
	if s.SegLen() != 12 || s.End() != 11 {
		t.Errorf("SegLen %d End %d", s.SegLen(), s.End())
	}
}

// TestChoicesCoverProfile: every Profile field is a documented choice, and
// every choice names rules that exist.
func TestChoicesCoverProfile(t *testing.T) {
	fields := map[string]bool{}
	for _, f := range Fields() {
		fields[f] = true
	}
	seen := map[string]bool{}
	for _, c := range Choices() {
		if !fields[c.Field] {
			t.Errorf("choice %q is not a Profile field", c.Field)
		}
		if seen[c.Field] {
			t.Errorf("choice %q listed twice", c.Field)
		}
		seen[c.Field] = true
		if len(c.Rules) == 0 || c.Question == "" {
			t.Errorf("choice %q lacks rules or a question", c.Field)
		}
		for _, id := range c.Rules {
			if _, ok := LookupRule(id); !ok {
				t.Errorf("choice %q cites unknown rule %s", c.Field, id)
			}
		}
	}
	for f := range fields {
		if !seen[f] {
			t.Errorf("Profile field %s is not listed in Choices", f)
		}
	}
}

// TestProfilesCiteEveryChoice: each built-in profile gives a source for
// every field, and validates.
func TestProfilesCiteEveryChoice(t *testing.T) {
	for _, name := range ProfileNames() {
		p, err := LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, f := range Fields() {
			if p.Cite[f] == "" {
				t.Errorf("profile %s has no source for %s", name, f)
			}
		}
		for f := range p.Cite {
			if _, err := p.FieldValue(f); err != nil {
				t.Errorf("profile %s cites unknown field %s", name, f)
			}
		}
	}
	if _, err := LookupProfile("windows"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestRuleProfileFieldsExist(t *testing.T) {
	fields := map[string]bool{}
	for _, f := range Fields() {
		fields[f] = true
	}
	for _, r := range Rules() {
		if r.Profile != "" && !fields[r.Profile] {
			t.Errorf("rule %s names unknown profile field %q", r.ID, r.Profile)
		}
		if !IsRuleID(string(r.ID)) {
			t.Errorf("rule ID %q is not of the rule ID shape (IsRuleID)", r.ID)
		}
		if r.Summary == "" || r.Source == "" {
			t.Errorf("rule %s lacks summary or source", r.ID)
		}
	}
}

func TestSetField(t *testing.T) {
	p := MustProfile("rfc9293")
	for _, kv := range [][2]string{{"TimeWait", "30s"}, {"TimeWaitRST", "ignored"}, {"RSTOnUnreadClose", "false"}, {"R2", "-1"}, {"MSS", "536"}} {
		if err := p.SetField(kv[0], kv[1]); err != nil {
			t.Fatalf("SetField(%s=%s): %v", kv[0], kv[1], err)
		}
	}
	if p.TimeWait != 30*time.Second || p.TimeWaitRST != TWRSTIgnored || p.RSTOnUnreadClose || p.R2 != -1 || p.MSS != 536 {
		t.Errorf("fields not set: %+v", p)
	}
	for _, kv := range [][2]string{{"Nope", "1"}, {"TimeWait", "soon"}, {"TimeWaitRST", "maybe"}, {"MSS", "70000"}, {"RSTOnUnreadClose", "2"}, {"Name", "x"}} {
		if err := p.SetField(kv[0], kv[1]); err == nil {
			t.Errorf("SetField(%s=%s) accepted", kv[0], kv[1])
		}
	}
}

func TestInitialSeqDependsOnTupleAndClock(t *testing.T) {
	a := FourTuple{Local: SockAddr{IPv4(192, 168, 0, 1), 8080}, Remote: SockAddr{IPv4(192, 0, 2, 1), 40000}}
	b := a
	b.Remote.Port++
	if InitialSeq(1, a, 0) == InitialSeq(1, b, 0) {
		t.Error("ISN ignores the tuple")
	}
	if InitialSeq(1, a, 0) == InitialSeq(2, a, 0) {
		t.Error("ISN ignores the secret")
	}
	if InitialSeq(1, a, Time(4*time.Microsecond))-InitialSeq(1, a, 0) != 1 {
		t.Error("ISN clock must tick every 4 µs (RFC 9293 §3.4.1)")
	}
}

// TestCatalogueIsReadOnly: Rules and Choices hand out copies, so a caller
// cannot change the catalogue for everyone else.
func TestCatalogueIsReadOnly(t *testing.T) {
	r := Rules()
	id := r[0].ID
	r[0].ID = "changed"
	c := Choices()
	rule := c[0].Rules[0]
	c[0].Rules[0] = "changed"
	c[0].Field = "Changed"
	if Rules()[0].ID != id || Choices()[0].Rules[0] != rule || Choices()[0].Field == "Changed" {
		t.Error("a caller's edit reached the catalogue")
	}
	if !IsRuleID(string(id)) || IsRuleID(string(id)+" and more") || IsRuleID("") {
		t.Error("IsRuleID")
	}
}
