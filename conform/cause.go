package conform

import (
	"regexp"
	"slices"
	"strings"
)

// Verdicts of a Cause: whose behaviour is to change, if anyone's.
const (
	// VerdictStackDeparts: the stack departs from the RFCs (and from its
	// profile); the stack would have to change.
	VerdictStackDeparts = "stack departs"
	// VerdictProfileFix: the profile misdescribes the stack; a profile
	// fix is proposed (docs/deviations.md).
	VerdictProfileFix = "profile fix proposed"
	// VerdictModelFix: the model departs from its own profile or the
	// RFCs; a model fix is proposed.
	VerdictModelFix = "model fix proposed"
	// VerdictModelFixed: the model or its profile departed and has been
	// fixed; the cause
	// stays so that reports of older runs still name it, and new campaigns
	// should no longer meet it.
	VerdictModelFixed = "model fixed"
	// VerdictNoField: both are defensible and the profile has no field
	// for the difference (a choice the model does not offer, or
	// behaviour outside its scope such as congestion control).
	VerdictNoField = "no profile field"
)

// Cause is a known reason for divergences: its kinds are explained, and
// campaigns flag only the kinds no cause matches.
type Cause struct {
	// ID names the cause in reports and docs/deviations.md.
	ID string
	// Stacks are the registry names it applies to; a name matches
	// itself and its variants ("linux" matches "linux-quickack").
	Stacks []string
	// Verdict is one of the Verdict constants; Summary says what
	// happens and why, in a line.
	Verdict, Summary string
	// Field, State and Event are regular expressions the kind's parts
	// must match ("" matches anything); Stack and Model match what each
	// did; Tags must all be among the divergence's tags, and NotTags
	// none of them.
	Field, State, Event, Stack, Model string
	Tags, NotTags                     []string
}

// appliesTo says whether the cause concerns the stack named name.
func (c *Cause) appliesTo(name string) bool {
	for _, s := range c.Stacks {
		if name == s || strings.HasPrefix(name, s+"-") {
			return true
		}
	}
	return false
}

// Matches says whether kind k is explained by the cause.
func (c *Cause) Matches(k *Kind) bool {
	re := func(pat, s string) bool {
		if pat == "" {
			return true
		}
		ok, err := regexp.MatchString(pat, s)
		return err == nil && ok
	}
	if !re(c.Field, k.Field) || !re(c.State, k.State) || !re(c.Event, k.Event) || !re(c.Stack, k.Stack) || !re(c.Model, k.Model) {
		return false
	}
	for _, t := range c.Tags {
		if !slices.Contains(k.Tags, t) {
			return false
		}
	}
	for _, t := range c.NotTags {
		if slices.Contains(k.Tags, t) {
			return false
		}
	}
	return true
}

// classify gives each kind the first cause that applies to the stack and
// matches it.
func classify(stack string, causes []Cause, kinds []*Kind) {
	for _, k := range kinds {
		k.Cause = nil
		for i := range causes {
			if c := &causes[i]; c.appliesTo(stack) && c.Matches(k) {
				k.Cause = c
				break
			}
		}
	}
}
