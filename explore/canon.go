package explore

import (
	"strconv"
	"strings"
	"time"
)

// canonicalFingerprint removes from a model.Host fingerprint the fields
// the model never reads again in the connection's current state, so that
// states that differ only in dead fields become one:
//
//   - RTTSeq and RTTStart while Timing is false (read only when Timing is
//     true, R6298-KARN);
//   - PrevTW outside SYN-RECEIVED (read only when a RST arrives in a
//     passive SYN-RECEIVED, R9293-MAY2-RETURN);
//   - in TIME-WAIT everything but the tuple, fd, parent, SO_REUSEADDR,
//     SND.NXT, RCV.NXT, the timestamp state, the timers and the RFC 5961
//     throttle: the TIME-WAIT code (arrival, timers, reopen, bind and
//     connect over TIME-WAIT) reads nothing else, which is also what
//     spec.ConnSnap.Normalize keeps;
//   - the RFC 5961 throttle once it has expired (OOWSent with LastOOW at
//     least oowInterval ago behaves as OOWSent false: the next
//     out-of-window ACK goes out and restarts it, R5961-THROTTLE).
//
// A record whose layout is not recognised is kept whole, which is always
// sound (it only distinguishes more). The returned count says how many
// conn records were not recognised; tests assert it stays zero so that a
// change of the model's fingerprint layout is noticed.
func canonicalFingerprint(fp string, oowInterval time.Duration) (string, int) {
	recs := strings.Split(fp, "|")
	miss := 0
	for i, r := range recs {
		if !strings.HasPrefix(r, "C") {
			continue
		}
		f := strings.SplitN(r, " ", 4)
		if len(f) < 4 || !strings.HasPrefix(f[3], "fd") {
			miss++
			continue
		}
		state := f[2]
		if j := strings.Index(r, " tmfalse,"); j >= 0 {
			k := strings.IndexByte(r[j+1:], ' ')
			if k < 0 {
				miss++
				continue
			}
			r = r[:j] + " tmfalse" + r[j+1+k:]
		}
		if j := strings.Index(r, " oowtrue,"); j >= 0 {
			k := strings.IndexByte(r[j+1:], ' ')
			if k < 0 {
				miss++
				continue
			}
			if rel, err := strconv.ParseInt(r[j+len(" oowtrue,"):j+1+k], 10, 64); err == nil && -rel >= int64(oowInterval) {
				r = r[:j] + " oowfalse,-" + r[j+1+k:]
			}
		}
		if state != "SYN-RECEIVED" {
			if j := strings.Index(r, " prev"); j >= 0 {
				r = r[:j]
			}
		}
		if state == "TIME-WAIT" {
			tw, ok := canonicalTimeWait(r)
			if !ok {
				miss++
			} else {
				r = tw
			}
		}
		recs[i] = r
	}
	return strings.Join(recs, "|"), miss
}

// canonicalTimeWait keeps the fields TIME-WAIT reads. A TIME-WAIT record
// has no held ranges, so its fields split on spaces.
func canonicalTimeWait(r string) (string, bool) {
	f := strings.Fields(r)
	want := []string{0: "C", 3: "fd", 4: "par", 9: "ra", 10: "s", 15: "r", 17: "h[]", 19: "ts", 21: "lf"}
	if len(f) < 22 {
		return "", false
	}
	for i, p := range want {
		if p != "" && !strings.HasPrefix(f[i], p) {
			return "", false
		}
	}
	s := strings.Split(f[10][1:], ",")
	rc := strings.Split(f[15][1:], ",")
	if len(s) != 4 || len(rc) != 2 {
		return "", false
	}
	oow := ""
	for _, t := range f[21:] {
		if strings.HasPrefix(t, "oow") {
			oow = t
		}
	}
	if oow == "" {
		return "", false
	}
	return strings.Join([]string{f[0], f[1], f[2], f[3], f[4], f[9], "snxt" + s[2], "rnxt" + rc[1], f[19], f[20], oow}, " "), true
}
