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

// canonicalTimeWait drops from a TIME-WAIT record the tokens of fields
// the TIME-WAIT code does not read, and reduces SND and RCV to SND.NXT and
// RCV.NXT. Tokens it does not know are kept, so a field added to the
// fingerprint later is kept too. A TIME-WAIT record has no held ranges,
// so its fields split on spaces.
func canonicalTimeWait(r string) (string, bool) {
	f := strings.Fields(r)
	if len(f) < 4 || f[2] != "TIME-WAIT" || !strings.HasPrefix(f[3], "fd") {
		return "", false
	}
	out := append([]string(nil), f[:3]...)
	seenS, seenR := false, false
	for _, t := range f[3:] {
		switch {
		case isNums(t, "s", 4):
			out = append(out, "snxt"+strings.Split(t[1:], ",")[2])
			seenS = true
		case isNums(t, "r", 2):
			out = append(out, "rnxt"+strings.Split(t[1:], ",")[1])
			seenR = true
		case deadInTimeWait(t):
		default:
			out = append(out, t)
		}
	}
	if !seenS || !seenR {
		return "", false
	}
	return strings.Join(out, " "), true
}

// deadInTimeWait recognises the tokens of TCB fields TIME-WAIT never
// reads: Passive, Queued, Orphan, RcvShut, SND.WND and MAX.SND.WND,
// SND.WL1/2, FinQueued, SendMSS, Unread, held ranges and FIN, LingerFD,
// RTO, Retrans, R1Noted, SRTT and RTTVAR, RTT timing, UserTimeout, R2,
// FW2Timeout, recovery, and the memo of a reopened TIME-WAIT.
func deadInTimeWait(t string) bool {
	for _, b := range []string{"p", "q", "o", "rs", "f", "r1", "hf"} {
		if rest, ok := strings.CutPrefix(t, b); ok && (rest == "true" || rest == "false" || strings.HasPrefix(rest, "true,") || strings.HasPrefix(rest, "false,")) {
			return true
		}
	}
	for _, n := range []string{"m", "u", "lf", "rto", "rx", "ut", "r2", "fw"} {
		if isNums(t, n, 1) {
			return true
		}
	}
	if isNums(t, "w", 2) || isNums(t, "wl", 2) {
		return true
	}
	for _, pre := range []string{"srtt", "tmtrue", "tmfalse", "rectrue", "recfalse", "h[", "prev"} {
		if strings.HasPrefix(t, pre) {
			return true
		}
	}
	return false
}

// isNums reports whether t is name followed by n comma-separated integers.
func isNums(t, name string, n int) bool {
	rest, ok := strings.CutPrefix(t, name)
	if !ok {
		return false
	}
	parts := strings.Split(rest, ",")
	if len(parts) != n {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.ParseInt(p, 10, 64); err != nil {
			return false
		}
	}
	return true
}
