package props_test

import "github.com/tcpclose/tcpclose/sim"

// e2eImplFactory builds the optimized implementation for the simulator. It
// returns nil while package impl is not on this branch, and the
// model-versus-impl property skips. To enable it, import
// "github.com/tcpclose/tcpclose/impl" and return
//
//	func(hc sim.HostConfig) (sim.Endpoint, error) {
//		s, err := impl.New(hc.Profile, impl.Config{Addr: hc.Addr, ISNSecret: hc.ISNSecret, FixedISS: hc.FixedISS})
//		if err != nil {
//			return nil, err
//		}
//		return sim.Buffered(s), nil
//	}
func e2eImplFactory() sim.EndpointFactory { return nil }
