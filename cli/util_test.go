package cli

import "regexp"

func mustRegexp(p string) *regexp.Regexp { return regexp.MustCompile(p) }
