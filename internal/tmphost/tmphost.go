// Package tmphost adapts model.New and impl.New to spec.Host until the
// host branch lands them (TEMPORARY: deleted at the merge).
package tmphost

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// ModelHost is a model.Host with the append-style Step.
type ModelHost struct{ *model.Host }

// Step implements spec.Host.
func (h ModelHost) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	return append(out, h.Host.Step(*ev)...)
}

// Model is model.New with spec.HostConfig.
func Model(p spec.Profile, cfg spec.HostConfig) (ModelHost, error) {
	cfg = cfg.WithDefaults()
	h, err := model.New(p, model.Config{Addr: cfg.Addr, ISNSecret: cfg.ISNSecret, FixedISS: cfg.FixedISS})
	return ModelHost{h}, err
}

// Impl is impl.New with spec.HostConfig.
func Impl(p spec.Profile, cfg spec.HostConfig) (*impl.Stack, error) {
	cfg = cfg.WithDefaults()
	return impl.New(p, impl.Config{Addr: cfg.Addr, ISNSecret: cfg.ISNSecret, FixedISS: cfg.FixedISS})
}

var (
	_ spec.Host = ModelHost{}
	_ spec.Host = (*impl.Stack)(nil)
)

// ImplMutant is Impl with a deliberate defect.
func ImplMutant(p spec.Profile, cfg spec.HostConfig, m impl.Mutant) (*impl.Stack, error) {
	cfg = cfg.WithDefaults()
	return impl.New(p, impl.Config{Addr: cfg.Addr, ISNSecret: cfg.ISNSecret, FixedISS: cfg.FixedISS, Mutant: m})
}
