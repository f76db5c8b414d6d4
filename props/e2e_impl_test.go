package props_test

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// e2eImplFactory builds the optimized implementation for the simulator, so
// the interchangeability property runs model against impl.
func e2eImplFactory() sim.EndpointFactory {
	return func(hc sim.HostConfig) (sim.Endpoint, error) {
		s, err := impl.New(hc.Profile, spec.HostConfig{Addr: hc.Addr, ISNSecret: hc.ISNSecret, FixedISS: hc.FixedISS})
		if err != nil {
			return nil, err
		}
		return sim.Buffered(s), nil
	}
}
