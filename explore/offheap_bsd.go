//go:build unix && !linux && !darwin

package explore

const rssUnit = 1024 // the BSDs report ru_maxrss in KiB
