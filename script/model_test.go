package script

import (
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// The tests of package script play scripts on the model, which the
// package itself does not import: the model is a stack.Virtual of
// model.New here, as the cli and stack/oracle build it.

type (
	Stack      = stack.Stack
	Observed   = stack.Observed
	ModelStack = stack.VirtualStack
)

const (
	FieldPSH    = stack.FieldPSH
	FieldWindow = stack.FieldWindow
	FieldMSS    = stack.FieldMSS
	FieldWScale = stack.FieldWScale
	FieldSackOK = stack.FieldSackOK
	FieldTS     = stack.FieldTS
)

// NewModelStack is the model with profile p as a Stack named
// "model/<profile>".
func NewModelStack(p spec.Profile, cfg spec.HostConfig) (*ModelStack, error) {
	h, err := model.New(p, cfg)
	if err != nil {
		return nil, err
	}
	return stack.Virtual(h, stack.Named("model/"+p.Name)), nil
}

// RunModel plays s on the model with the named built-in profile, set up
// by ModelSetup.
func RunModel(s *Script, profile string, opts RunOptions) (*Result, error) {
	su, err := ModelSetup(s, profile)
	if err != nil {
		return nil, err
	}
	st, err := NewModelStack(su.Profile, su.Config)
	if err != nil {
		return nil, err
	}
	return Run(s, st, opts)
}

// hostProfile is the profile of the model behind ms.
func hostProfile(ms *ModelStack) spec.Profile {
	return ms.Host().(interface{ Profile() spec.Profile }).Profile()
}
