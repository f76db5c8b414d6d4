package spec

import (
	"fmt"
	"regexp"
	"slices"
)

// RuleID is a stable identifier of a rule in the catalogue, such as
// "R9293-TW-2MSL". IDs never change meaning; a rule that is withdrawn keeps
// its ID out of use.
type RuleID string

// Keyword is the force of a rule.
type Keyword uint8

// Keywords. Desc marks descriptive or procedural text (RFC 9293 §3.10 is
// "an example of one possible implementation"); Ambiguity marks a place
// where the texts conflict or are silent and this project had to decide.
const (
	Must Keyword = iota
	MustNot
	Should
	ShouldNot
	May
	Desc
	Ambiguity
)

func (k Keyword) String() string {
	return [...]string{"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "desc", "ambiguity"}[k]
}

// Normative reports whether the rule is a MUST or SHOULD (either sense):
// such rules must be named by at least one test.
func (k Keyword) Normative() bool { return k <= ShouldNot }

// Rule is one entry of the catalogue.
type Rule struct {
	ID      RuleID
	Source  string  // document and section, e.g. "RFC 9293 §3.6.1"
	Label   string  // the RFC's own requirement label (MUST-13), or a note
	Keyword Keyword // force
	Summary string  // what the rule says, in this project's words
	// Profile names the profile field that decides this rule, if any.
	Profile string
	// NotModelled, when set, says why the model does not implement the
	// rule. Such rules need no test.
	NotModelled string
}

// ruleIDPattern matches rule IDs wherever they are cited: source comments,
// test names, scenario scripts.
var ruleIDPattern = regexp.MustCompile(`\b(?:R(?:9293|1122|1337|5961|6191|2525|7323|6298|8985)|AMB)-[A-Z0-9][A-Z0-9.]*(?:-[A-Z0-9][A-Z0-9.]*)*\b`)

// FindRuleIDs returns every rule ID cited in text, in order, repeats
// included: IDs of the catalogue's shape, whether or not it has them.
func FindRuleIDs(text string) []string {
	return ruleIDPattern.FindAllString(text, -1)
}

// IsRuleID reports whether s is exactly one rule ID of the catalogue's
// shape (R9293-MUST13, AMB-TW-FIN).
func IsRuleID(s string) bool {
	return ruleIDPattern.FindString(s) == s && s != ""
}

// LookupRule returns the catalogue entry for id.
func LookupRule(id RuleID) (Rule, bool) {
	r, ok := ruleIndex[id]
	return r, ok
}

var ruleIndex = func() map[RuleID]Rule {
	m := make(map[RuleID]Rule, len(rules))
	for _, r := range rules {
		if _, dup := m[r.ID]; dup {
			panic(fmt.Sprintf("spec: duplicate rule ID %s", r.ID))
		}
		m[r.ID] = r
	}
	return m
}()

const s9293 = "RFC 9293 "

// Rules returns the catalogue, the caller's copy: every normative
// statement about closing a TCP connection in the documents tcpclose
// models, and the ambiguities it had to settle. Order follows the
// documents.
func Rules() []Rule { return slices.Clone(rules) }

// rules is the catalogue (Rules).
var rules = []Rule{
	// ---- RFC 9293 §3.3.2: the state machine --------------------------------
	{ID: "R9293-STATES", Source: s9293 + "§3.3.2", Keyword: Desc,
		Summary: "There are eleven states; CLOSED is fictional and means that no TCB exists."},
	{ID: "R9293-NOTE1", Source: s9293 + "§3.3.2 Note 1", Keyword: Desc,
		Summary: "A RST in SYN-RECEIVED returns the connection to LISTEN only if it came from a passive OPEN."},
	{ID: "R9293-NOTE2", Source: s9293 + "§3.3.2 Note 2", Keyword: Desc,
		Summary: "FIN-WAIT-1 goes straight to TIME-WAIT when a FIN arrives and our own FIN is acknowledged too."},
	{ID: "R9293-NOTE3", Source: s9293 + "§3.3.2 Note 3", Keyword: Desc, Profile: "AbortEntersTimeWait",
		Summary: "A side that sends RST may move to TIME-WAIT; a side that receives a valid RST moves to LISTEN or CLOSED."},
	{ID: "R9293-SEQ-MOD", Source: s9293 + "§3.4", Keyword: Desc,
		Summary: "Sequence numbers live in a space of 2^32 and every comparison is made modulo 2^32."},

	// ---- §3.5.2 reset generation ------------------------------------------
	{ID: "R9293-RSTGEN-TW", Source: s9293 + "§3.5.2", Label: "lower-case should", Keyword: Should, Profile: "AbortEntersTimeWait",
		Summary: "The side that issues a reset should enter TIME-WAIT, to spare busy servers."},
	{ID: "R9293-RSTGEN-CLEAR", Source: s9293 + "§3.5.2", Label: "lower-case must", Keyword: Must,
		Summary: "Send RST when a segment is plainly not meant for the connection, and never when that is unclear."},
	{ID: "R9293-RSTGEN-CLOSED", Source: s9293 + "§3.5.2 group 1", Keyword: Desc,
		Summary: "With no connection, every segment but a RST draws a RST shaped to be acceptable to its sender."},
	{ID: "R9293-RSTGEN-UNSYNC", Source: s9293 + "§3.5.2 group 2", Keyword: Desc,
		Summary: "In LISTEN, SYN-SENT and SYN-RECEIVED an ACK of something never sent draws a RST and the state stays."},
	{ID: "R9293-RSTGEN-SYNC", Source: s9293 + "§3.5.2 group 3", Label: "lower-case must", Keyword: Must,
		Summary: "In a synchronized state an unacceptable segment draws an empty ACK <SEQ=SND.NXT><ACK=RCV.NXT> and the state stays."},

	// ---- §3.5.3 reset processing -------------------------------------------
	{ID: "R9293-RST-WINDOW", Source: s9293 + "§3.5.3", Keyword: Desc, Profile: "RSTCheck",
		Summary: "Outside SYN-SENT a RST is valid when its sequence number falls in the receive window."},
	{ID: "R9293-RST-SYNSENT", Source: s9293 + "§3.5.3, §3.10.7.3", Keyword: Desc,
		Summary: "In SYN-SENT a RST counts only if its ACK acknowledges our SYN; then the user hears \"connection reset\" and the TCB goes."},
	{ID: "R9293-RST-LISTEN", Source: s9293 + "§3.5.3, §3.10.7.2", Keyword: Desc,
		Summary: "A listener ignores RST."},
	{ID: "R9293-RST-SYNRCVD", Source: s9293 + "§3.5.3, §3.10.7.4", Keyword: Desc,
		Summary: "A valid RST in SYN-RECEIVED sends a passively opened connection back to LISTEN (user not told) and refuses an actively opened one."},
	{ID: "R9293-RST-ABORT", Source: s9293 + "§3.5.3, §3.10.7.4", Keyword: Desc,
		Summary: "In ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT a valid RST fails pending calls with \"reset\", tells the user, flushes and deletes the TCB."},
	{ID: "R9293-RST-LATE", Source: s9293 + "§3.10.7.4 step 2", Keyword: Desc, Profile: "TimeWaitRST",
		Summary: "In CLOSING, LAST-ACK and TIME-WAIT a valid RST simply deletes the TCB."},
	{ID: "R9293-RST-DATA", Source: s9293 + "§3.5.3", Label: "SHLD-2", Keyword: Should,
		Summary: "A RST that carries data is still processed as a RST."},

	// ---- §3.6 closing ------------------------------------------------------
	{ID: "R9293-CLOSE-SIMPLEX", Source: s9293 + "§3.6", Keyword: Desc,
		Summary: "CLOSE only ends our sending; the closer keeps receiving until the peer closes too."},
	{ID: "R9293-CLOSE-SIGNAL", Source: s9293 + "§3.6", Keyword: Desc,
		Summary: "The user is told the peer closed even when no RECEIVE is pending."},
	{ID: "R9293-CLOSE-RELIABLE", Source: s9293 + "§3.6, §3.9.1.4", Keyword: Desc,
		Summary: "Everything sent before CLOSE is delivered reliably, retransmitted as needed, before the FIN."},
	{ID: "R9293-CLOSE-ACTIVE", Source: s9293 + "§3.6 case 1", Keyword: Desc,
		Summary: "A local CLOSE queues a FIN after the data, refuses further SENDs, enters FIN-WAIT-1 and retransmits up to the FIN until acknowledged."},
	{ID: "R9293-CLOSE-PASSIVE", Source: s9293 + "§3.6 case 2", Keyword: Desc,
		Summary: "An unsolicited FIN is acknowledged and reported; our FIN follows the user's CLOSE; the TCB goes when our FIN is acknowledged."},
	{ID: "R9293-CLOSE-SIMULTANEOUS", Source: s9293 + "§3.6 case 3", Keyword: Desc,
		Summary: "When both sides close at once the FINs cross, each side acknowledges the other's and both pass through CLOSING to TIME-WAIT."},
	{ID: "R9293-MUST12", Source: s9293 + "§3.6", Label: "MUST-12", Keyword: Must,
		Summary: "When the peer ends the connection, by FIN or by RST, the application is told which of the two it was."},
	{ID: "R9293-HALFCLOSE", Source: s9293 + "§3.6.1", Keyword: Desc,
		Summary: "A half-closed connection still carries data in its open direction."},
	{ID: "R9293-MAY1", Source: s9293 + "§3.6.1", Label: "MAY-1", Keyword: May, Profile: "RSTOnUnreadClose",
		Summary: "A host may make CLOSE also end reading (half-duplex close)."},
	{ID: "R9293-SHLD3", Source: s9293 + "§3.6.1", Label: "SHLD-3", Keyword: Should, Profile: "RSTOnUnreadClose",
		Summary: "A half-duplex host sends RST when CLOSE finds unread data or when data arrives after CLOSE, so the loss is visible."},
	{ID: "R9293-MUST13", Source: s9293 + "§3.6.1", Label: "MUST-13", Keyword: Must, Profile: "TimeWait",
		Summary: "The side that closes first stays in TIME-WAIT for 2×MSL."},
	{ID: "R9293-MAY2", Source: s9293 + "§3.6.1", Label: "MAY-2", Keyword: May, Profile: "TimeWaitReopen",
		Summary: "A TIME-WAIT connection may be reopened by a new SYN from the peer."},
	{ID: "R9293-MAY2-ISS", Source: s9293 + "§3.6.1 (1)", Label: "condition of MAY-2", Keyword: Must, Profile: "ReopenISSGap",
		Summary: "On a reopen, the new ISS lies above every sequence number the old incarnation used."},
	{ID: "R9293-MAY2-RETURN", Source: s9293 + "§3.6.1 (2)", Label: "condition of MAY-2", Keyword: Must, Profile: "ReopenReturnsToTimeWait",
		Summary: "On a reopen, if the SYN proves an old duplicate the connection goes back to TIME-WAIT."},
	{ID: "R9293-SHLD4", Source: s9293 + "§3.6.1", Label: "SHLD-4", Keyword: Should, Profile: "TimeWaitReopen",
		Summary: "Hosts with timestamps should use the RFC 6191 reopen test."},

	// ---- §3.8 retransmission, failures, zero windows ---------------------------------
	{ID: "R9293-MUST18", Source: s9293 + "§3.8.1", Label: "MUST-18", Keyword: Must,
		Summary: "The RTO follows RFC 6298, with Karn's rule for RTT samples."},
	{ID: "R9293-MUST19", Source: s9293 + "§3.8.2", Label: "MUST-19", Keyword: Must,
		Summary:     "Slow start, congestion avoidance and exponential RTO backoff are implemented.",
		NotModelled: "only the exponential backoff is modelled (see R6298-BACKOFF); congestion windows change when segments leave, not which segments a close exchanges"},
	{ID: "R9293-MUST20", Source: s9293 + "§3.8.3", Label: "MUST-20", Keyword: Must, Profile: "R2",
		Summary: "Excessive retransmission of one segment is handled with the two thresholds R1 and R2."},
	{ID: "R9293-R2-CLOSE", Source: s9293 + "§3.8.3 (c)", Keyword: Desc, Profile: "TimeoutSendsRST",
		Summary: "When transmissions of one segment reach R2 the connection is closed (a retransmitted FIN counts too)."},
	{ID: "R9293-MUST21", Source: s9293 + "§3.8.3 (d)", Label: "MUST-21", Keyword: Must,
		Summary: "The application can set R2 for its connection, infinity included."},
	{ID: "R9293-SHLD9", Source: s9293 + "§3.8.3 (e)", Label: "SHLD-9", Keyword: Should,
		Summary: "The application hears of the delivery problem once R1 is reached and before R2."},
	{ID: "R9293-SHLD10", Source: s9293 + "§3.8.3", Label: "SHLD-10", Keyword: Should, Profile: "R1",
		Summary: "R1 amounts to at least three retransmissions."},
	{ID: "R9293-SHLD11", Source: s9293 + "§3.8.3", Label: "SHLD-11", Keyword: Should, Profile: "R2",
		Summary: "R2 amounts to at least 100 seconds."},
	{ID: "R9293-MUST23", Source: s9293 + "§3.8.3", Label: "MUST-23", Keyword: Must, Profile: "SynR2",
		Summary: "A SYN is retransmitted for at least three minutes before the open gives up."},
	{ID: "R9293-MUST36", Source: s9293 + "§3.8.6.1", Label: "MUST-36", Keyword: Must,
		Summary: "A zero offered window is probed, so that its reopening cannot be lost (a FIN waiting behind data included)."},

	// ---- §3.9.1 user interface ------------------------------------------------
	{ID: "R9293-CALL-CLOSE", Source: s9293 + "§3.9.1.4", Keyword: Desc,
		Summary: "CLOSE is graceful: pending SENDs go out first; if they cannot before timing out, CLOSE becomes ABORT."},
	{ID: "R9293-CALL-CLOSE-PUSH", Source: s9293 + "§3.9.1.4", Keyword: Desc,
		Summary:     "CLOSE implies PUSH.",
		NotModelled: "PUSH has no observable effect here: the model delivers in-order data to the receive buffer at once"},
	{ID: "R9293-CALL-ABORT", Source: s9293 + "§3.9.1.6", Keyword: Desc,
		Summary: "ABORT fails pending SENDs and RECEIVEs, removes the TCB and sends a RST."},
	{ID: "R9293-MUST47", Source: s9293 + "§3.9.1.8", Label: "MUST-47", Keyword: Must,
		Summary: "Soft errors, such as excessive retransmission, reach the application asynchronously."},

	// ---- §3.10.1-3.10.5 user calls ---------------------------------------------------
	{ID: "R9293-OPEN", Source: s9293 + "§3.10.1", Keyword: Desc,
		Summary: "An active OPEN sends <SEQ=ISS><CTL=SYN> and enters SYN-SENT; an OPEN on an existing connection is an error."},
	{ID: "R9293-SEND-CLOSED", Source: s9293 + "§3.10.2", Keyword: Desc,
		Summary: "SEND without a connection fails with \"connection does not exist\"."},
	{ID: "R9293-SEND-UNSYNC", Source: s9293 + "§3.10.2", Keyword: Desc,
		Summary: "SEND in SYN-SENT or SYN-RECEIVED queues the data until ESTABLISHED."},
	{ID: "R9293-SEND-OPEN", Source: s9293 + "§3.10.2", Keyword: Desc,
		Summary: "SEND in ESTABLISHED and CLOSE-WAIT segmentizes the data and sends it with RCV.NXT acknowledged."},
	{ID: "R9293-SEND-CLOSING", Source: s9293 + "§3.10.2", Keyword: Desc,
		Summary: "SEND after our CLOSE (FIN-WAIT-1 to TIME-WAIT) fails with \"connection closing\"."},
	{ID: "R9293-RECV-OPEN", Source: s9293 + "§3.10.3", Keyword: Desc,
		Summary: "RECEIVE in ESTABLISHED and FIN-WAIT-1/2 returns queued data or waits for it."},
	{ID: "R9293-RECV-CLOSEWAIT", Source: s9293 + "§3.10.3", Keyword: Desc,
		Summary: "RECEIVE in CLOSE-WAIT returns data on hand; with none left it reports \"connection closing\"."},
	{ID: "R9293-RECV-LATE", Source: s9293 + "§3.10.3", Keyword: Desc,
		Summary: "RECEIVE in CLOSING, LAST-ACK and TIME-WAIT reports \"connection closing\"."},
	{ID: "R9293-CLOSE-LISTEN", Source: s9293 + "§3.10.4", Keyword: Desc,
		Summary: "CLOSE in LISTEN fails pending RECEIVEs and deletes the TCB."},
	{ID: "R9293-CLOSE-SYNSENT", Source: s9293 + "§3.10.4", Keyword: Desc, Profile: "CloseSynSentSendsRST",
		Summary: "CLOSE in SYN-SENT deletes the TCB without sending anything."},
	{ID: "R9293-CLOSE-SYNRCVD", Source: s9293 + "§3.10.4", Keyword: Desc,
		Summary: "CLOSE in SYN-RECEIVED sends FIN and enters FIN-WAIT-1 if nothing waits to be sent, otherwise waits for ESTABLISHED."},
	{ID: "R9293-CLOSE-ESTAB", Source: s9293 + "§3.10.4", Keyword: Desc,
		Summary: "CLOSE in ESTABLISHED sends FIN after the queued data and enters FIN-WAIT-1."},
	{ID: "R9293-CLOSE-FINWAIT", Source: s9293 + "§3.10.4", Keyword: Desc, Profile: "CloseInFinWait",
		Summary: "CLOSE in FIN-WAIT-1/2 is an error, or \"ok\" provided no second FIN is sent."},
	{ID: "R9293-CLOSE-CLOSEWAIT", Source: s9293 + "§3.10.4", Keyword: Desc,
		Summary: "CLOSE in CLOSE-WAIT sends FIN after the queued data and enters LAST-ACK."},
	{ID: "R9293-CLOSE-LATE", Source: s9293 + "§3.10.4", Keyword: Desc,
		Summary: "CLOSE in CLOSING, LAST-ACK and TIME-WAIT reports \"connection closing\"."},
	{ID: "R9293-ABORT-UNSYNC", Source: s9293 + "§3.10.5", Keyword: Desc,
		Summary: "ABORT in LISTEN or SYN-SENT fails pending calls with \"connection reset\" and deletes the TCB; nothing is sent."},
	{ID: "R9293-ABORT-SYNC", Source: s9293 + "§3.10.5", Keyword: Desc, Profile: "RSTCarriesACK",
		Summary: "ABORT in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT sends <SEQ=SND.NXT><CTL=RST>, flushes every queue and deletes the TCB."},
	{ID: "R9293-ABORT-LATE", Source: s9293 + "§3.10.5", Keyword: Desc,
		Summary: "ABORT in CLOSING, LAST-ACK and TIME-WAIT answers \"ok\" and deletes the TCB without a RST."},

	// ---- §3.10.7.1-3 segments in CLOSED, LISTEN, SYN-SENT ---------------------------
	{ID: "R9293-SEG-CLOSED", Source: s9293 + "§3.10.7.1", Keyword: Desc,
		Summary: "No TCB: drop a RST; answer anything else with <SEQ=SEG.ACK><CTL=RST> if it has ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>."},
	{ID: "R9293-SEG-LISTEN-ACK", Source: s9293 + "§3.10.7.2", Keyword: Desc,
		Summary: "A listener answers any ACK-bearing segment with <SEQ=SEG.ACK><CTL=RST>."},
	{ID: "R9293-SEG-LISTEN-SYN", Source: s9293 + "§3.10.7.2", Keyword: Desc, Profile: "SynFinDropped",
		Summary: "A listener answers a SYN with <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and enters SYN-RECEIVED; other control or text waits."},
	{ID: "R9293-SEG-LISTEN-OTHER", Source: s9293 + "§3.10.7.2", Keyword: Desc,
		Summary: "A listener drops anything else."},
	{ID: "R9293-SEG-SYNSENT-ACK", Source: s9293 + "§3.10.7.3", Keyword: Desc,
		Summary: "In SYN-SENT an ACK outside (ISS, SND.NXT] draws <SEQ=SEG.ACK><CTL=RST> (unless the segment is a RST) and is dropped."},
	{ID: "R9293-SEG-SYNSENT-RST5961", Source: s9293 + "§3.10.7.3", Keyword: Should, Profile: "RSTCheck",
		Summary: "A stack with the RFC 5961 defence first checks a RST in SYN-SENT against RCV.NXT."},
	{ID: "R9293-SEG-SYNSENT-SYN", Source: s9293 + "§3.10.7.3", Keyword: Desc,
		Summary: "In SYN-SENT a SYN enters ESTABLISHED (and is acknowledged) if it acknowledges our SYN, otherwise SYN-RECEIVED with a SYN,ACK."},
	{ID: "R9293-SEG-SYNSENT-OTHER", Source: s9293 + "§3.10.7.3", Keyword: Desc,
		Summary: "In SYN-SENT a segment with neither SYN nor RST is dropped; a FIN is never processed there."},

	// ---- §3.10.7.4 segments in the other states -------------------------------------
	{ID: "R9293-SEG-ACCEPT", Source: s9293 + "§3.10.7.4 Table 6", Keyword: Desc, Profile: "ZeroLenEdgeAcceptable",
		Summary: "A segment is acceptable when it overlaps the receive window as the four cases of Table 6 define, SYN and FIN counting one octet each."},
	{ID: "R9293-SEG-UNACCEPT", Source: s9293 + "§3.10.7.4 step 1", Keyword: Desc, Profile: "OOWAckInterval",
		Summary: "An unacceptable segment draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and is dropped; an unacceptable RST is dropped silently."},
	{ID: "R9293-SEG-ZEROWND", Source: s9293 + "§3.10.7.4 step 1", Keyword: Desc,
		Summary: "With a zero receive window, valid ACKs, URGs and RSTs are still taken."},
	{ID: "R9293-SEG-TRIM", Source: s9293 + "§3.10.7.4 step 1", Keyword: Desc,
		Summary: "Segments are processed in sequence order; what lies before RCV.NXT or beyond the window is trimmed off."},
	{ID: "R9293-SHLD31", Source: s9293 + "§3.10.7.4 step 1", Label: "SHLD-31", Keyword: Should, Profile: "HoldOutOfOrder",
		Summary: "A segment that begins beyond RCV.NXT is held for later rather than discarded."},
	{ID: "R9293-MUST58", Source: s9293 + "§3.10.7.4 step 1", Label: "MUST-58, MUST-59", Keyword: Must,
		Summary: "ACKs are aggregated: held segments made deliverable together are all processed before one ACK is sent."},
	{ID: "R9293-SEG-RST5961", Source: s9293 + "§3.10.7.4 step 2", Label: "MUST for RFC 5961 stacks", Keyword: Must, Profile: "RSTCheck",
		Summary: "With the RFC 5961 defence: a RST outside the window is dropped, one at RCV.NXT resets, one elsewhere in the window draws a challenge ACK."},
	{ID: "R9293-SEG-SYN-SYNRCVD", Source: s9293 + "§3.10.7.4 step 4", Keyword: Desc,
		Summary: "A SYN in a passively opened SYN-RECEIVED sends the connection back to LISTEN."},
	{ID: "R9293-SEG-SYN-CHALLENGE", Source: s9293 + "§3.10.7.4 step 4", Label: "MUST as RFC 5961 recommends", Keyword: Must, Profile: "SynInSync",
		Summary: "A SYN in a synchronized state, whatever its sequence number, draws a challenge ACK and is dropped."},
	{ID: "R9293-SEG-SYN-793", Source: s9293 + "§3.10.7.4 step 4", Keyword: Desc, Profile: "SynInSync",
		Summary: "Without RFC 5961, an in-window SYN in a synchronized state is an error: send RST, report the reset, delete the TCB."},
	{ID: "R9293-SEG-NOACK", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "In the synchronized states and SYN-RECEIVED a segment without ACK is dropped before its FIN or text is looked at."},
	{ID: "R9293-MAY12", Source: s9293 + "§3.10.7.4 step 5", Label: "MAY-12", Keyword: May, Profile: "ACKWindowCheck",
		Summary: "A stack may accept an ACK only within [SND.UNA-MAX.SND.WND, SND.NXT] and answer others with an ACK (RFC 5961 §5)."},
	{ID: "R9293-SEG-ACK-SYNRCVD", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "In SYN-RECEIVED an ACK in (SND.UNA, SND.NXT] enters ESTABLISHED; any other ACK draws <SEQ=SEG.ACK><CTL=RST>."},
	{ID: "R9293-SEG-ACK-ESTAB", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc, Profile: "AckAboveSndNxt",
		Summary: "An ACK in (SND.UNA, SND.NXT] advances SND.UNA; an old one is ignored; one beyond SND.NXT draws an ACK and is dropped."},
	{ID: "R9293-SEG-ACK-WINDOW", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "The send window is updated from a segment only if it is newer than the last one used (SND.WL1, SND.WL2)."},
	{ID: "R9293-SEG-ACK-FW1", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "In FIN-WAIT-1, once our FIN is acknowledged the connection enters FIN-WAIT-2 and goes on processing the segment."},
	{ID: "R9293-SEG-ACK-FW2", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "In FIN-WAIT-2 with nothing left to retransmit the user's CLOSE can be acknowledged; the TCB stays."},
	{ID: "R9293-SEG-ACK-CLOSING", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc, Profile: "ClosingStartsTimeWait",
		Summary: "In CLOSING an ACK of our FIN moves to TIME-WAIT; otherwise the segment is ignored."},
	{ID: "R9293-SEG-ACK-LASTACK", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc,
		Summary: "In LAST-ACK an ACK of our FIN deletes the TCB."},
	{ID: "R9293-SEG-ACK-TW", Source: s9293 + "§3.10.7.4 step 5", Keyword: Desc, Profile: "TimeWaitRestart",
		Summary: "In TIME-WAIT only a retransmitted FIN is expected: acknowledge it and restart the 2MSL timer."},
	{ID: "R9293-SEG-TEXT", Source: s9293 + "§3.10.7.4 step 7", Keyword: Desc,
		Summary: "In ESTABLISHED and FIN-WAIT-1/2 text is delivered and acknowledged; RCV.NXT+RCV.WND never moves left."},
	{ID: "R9293-MAY13", Source: s9293 + "§3.10.7.4 step 7", Label: "MAY-13", Keyword: May, Profile: "AckOutOfOrder",
		Summary: "An acceptable segment that is not at the left window edge may be acknowledged at once."},
	{ID: "R9293-SEG-TEXT-LATE", Source: s9293 + "§3.10.7.4 step 7", Keyword: Desc,
		Summary: "After the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT) segment text is ignored."},
	{ID: "R9293-SEG-FIN-UNSYNC", Source: s9293 + "§3.10.7.4 step 8", Keyword: Desc,
		Summary: "A FIN is never processed in CLOSED, LISTEN or SYN-SENT, where SEG.SEQ cannot be checked."},
	{ID: "R9293-SEG-FIN", Source: s9293 + "§3.10.7.4 step 8", Keyword: Desc,
		Summary: "A FIN is reported as \"connection closing\", ends pending RECEIVEs, advances RCV.NXT by one and is acknowledged."},
	{ID: "R9293-SEG-FIN-STATE", Source: s9293 + "§3.10.7.4 step 8", Keyword: Desc,
		Summary: "On FIN: SYN-RECEIVED and ESTABLISHED go to CLOSE-WAIT, FIN-WAIT-1 to TIME-WAIT or CLOSING, FIN-WAIT-2 to TIME-WAIT, others stay."},
	{ID: "R9293-SEG-FIN-TW", Source: s9293 + "§3.10.7.4 step 8", Keyword: Desc,
		Summary: "Entering TIME-WAIT starts the 2MSL timer and stops the others; a FIN in TIME-WAIT restarts it."},

	// ---- §3.10.8 timeouts; Appendix A.2 ---------------------------------------------
	{ID: "R9293-TO-USER", Source: s9293 + "§3.10.8", Keyword: Desc, Profile: "TimeoutSendsRST",
		Summary: "When the user timeout expires, in any state, the user is told the connection was aborted and the TCB goes."},
	{ID: "R9293-TO-RETX", Source: s9293 + "§3.10.8", Keyword: Desc,
		Summary: "When the retransmission timer expires the head of the retransmission queue is sent again and the timer rearmed."},
	{ID: "R9293-TO-TW", Source: s9293 + "§3.10.8", Keyword: Desc,
		Summary: "When the TIME-WAIT timer expires the TCB goes."},
	{ID: "R9293-A2", Source: s9293 + "Appendix A.2", Keyword: Desc,
		Summary: "Sequence validation can stall a simultaneous close; stacks mitigate it differently."},

	// ---- RFC 1122 -------------------------------------------------------------------
	{ID: "R1122-CLOSE-WAYS", Source: "RFC 1122 §4.2.2.13", Keyword: Desc,
		Summary: "A connection ends by the FIN handshake or by an abort with RST that discards state at once."},
	{ID: "R1122-INFORM", Source: "RFC 1122 §4.2.2.13", Keyword: Must,
		Summary: "The application learns whether the remote side closed normally or aborted (RFC 9293 MUST-12)."},
	{ID: "R1122-HALFDUPLEX", Source: "RFC 1122 §4.2.2.13", Keyword: Should, Profile: "RSTOnDataAfterClose",
		Summary: "Half-duplex close is allowed; then unread or late data draws a RST (RFC 9293 MAY-1, SHLD-3)."},
	{ID: "R1122-TIMEWAIT", Source: "RFC 1122 §4.2.2.13", Keyword: Must, Profile: "TimeWait",
		Summary: "The active closer lingers 2×MSL in TIME-WAIT, but may accept a new SYN under two conditions (RFC 9293 MUST-13, MAY-2)."},
	{ID: "R1122-CLOSEWAIT", Source: "RFC 1122 §4.2.2.20 (a)", Keyword: Desc,
		Summary: "CLOSE in CLOSE-WAIT enters LAST-ACK (RFC 793 said CLOSING)."},
	{ID: "R1122-DUPACK", Source: "RFC 1122 §4.2.2.20 (g)", Keyword: Desc,
		Summary: "An ACK with SEG.ACK =< SND.UNA is a duplicate; the window is updated when SND.UNA =< SEG.ACK =< SND.NXT."},

	// ---- RFC 1337 -------------------------------------------------------------------
	{ID: "R1337-TWA", Source: "RFC 1337 §2", Keyword: Desc,
		Summary: "An old duplicate draws an ACK from TIME-WAIT, the peer answers with RST, and the RST kills TIME-WAIT early (assassination)."},
	{ID: "R1337-F1", Source: "RFC 1337 §3", Label: "lower-case should", Keyword: Should, Profile: "TimeWaitRST",
		Summary: "Ignoring RST in TIME-WAIT removes all three assassination hazards."},

	// ---- RFC 5961 -------------------------------------------------------------------
	{ID: "R5961-RST-EXACT", Source: "RFC 5961 §3.2", Keyword: Must, Profile: "RSTCheck",
		Summary: "A RST resets only if SEG.SEQ = RCV.NXT exactly."},
	{ID: "R5961-RST-CHALLENGE", Source: "RFC 5961 §3.2", Keyword: Must, Profile: "RSTCheck",
		Summary: "A RST in the window but not at RCV.NXT draws a challenge ACK and is dropped."},
	{ID: "R5961-RST-OOW", Source: "RFC 5961 §3.2", Keyword: Must,
		Summary: "A RST outside the window is dropped silently."},
	{ID: "R5961-SYN", Source: "RFC 5961 §4.2", Keyword: Must, Profile: "SynInSync",
		Summary: "A SYN in a synchronized state draws a challenge ACK whatever its sequence number and is dropped."},
	{ID: "R5961-ACK", Source: "RFC 5961 §5.2", Keyword: May, Profile: "ACKWindowCheck",
		Summary: "Accept an ACK only within [SND.UNA-MAX.SND.WND, SND.NXT]; drop others and send an ACK."},
	{ID: "R5961-THROTTLE", Source: "RFC 5961 §7", Keyword: Should, Profile: "OOWAckInterval",
		Summary: "Challenge ACKs are rate-limited."},

	// ---- RFC 6191 -------------------------------------------------------------------
	{ID: "R6191-TS", Source: "RFC 6191 §2", Keyword: Should, Profile: "TimeWaitReopen",
		Summary: "A SYN with timestamps reopens TIME-WAIT when its TSval is newer than the last one seen, or equal with a higher sequence number."},
	{ID: "R6191-SEQ", Source: "RFC 6191 §2", Keyword: Should, Profile: "TimeWaitReopen",
		Summary: "Without usable timestamps the SYN reopens TIME-WAIT only if SEG.SEQ is above the last sequence number seen."},
	{ID: "R6191-DROP", Source: "RFC 6191 §2", Keyword: Should, Profile: "TimeWaitReopen",
		Summary: "A SYN that passes neither test is dropped silently and TIME-WAIT stays."},

	// ---- RFC 2525 -------------------------------------------------------------------
	{ID: "R2525-FIN-PROMPT", Source: "RFC 2525 §2.15", Keyword: Should,
		Summary: "The FIN goes out as soon as the application closes and the window allows."},
	{ID: "R2525-RST-LATE-DATA", Source: "RFC 2525 §2.16", Keyword: Should, Profile: "RSTOnDataAfterClose",
		Summary: "Data that arrives after a half-duplex close draws a RST."},
	{ID: "R2525-RST-UNREAD", Source: "RFC 2525 §2.17", Keyword: Should, Profile: "RSTOnUnreadClose",
		Summary: "Closing with unread received data sends a RST instead of a FIN."},

	// ---- RFC 7323 ---------------------------------------------------------------------
	{ID: "R7323-TS-EVERY", Source: "RFC 7323 §3.2", Keyword: Must,
		Summary: "Once negotiated, the Timestamps option is sent on every segment but RST."},
	{ID: "R7323-TS-MISSING", Source: "RFC 7323 §3.2", Keyword: Should, Profile: "TSMissingDrop",
		Summary: "A non-RST segment without timestamps on a timestamp connection is dropped silently."},
	{ID: "R7323-PAWS", Source: "RFC 7323 §5.3 (R1)", Keyword: Desc,
		Summary: "A non-RST segment whose TSval is older than TS.Recent is unacceptable: ACK and drop (in TIME-WAIT too)."},
	{ID: "R7323-PAWS-RST", Source: "RFC 7323 §5.2-5.3", Keyword: MustNot,
		Summary: "A RST is never rejected by PAWS."},
	{ID: "R7323-TSRECENT", Source: "RFC 7323 §4.3", Keyword: Desc,
		Summary: "TS.Recent takes SEG.TSval from an acceptable segment that does not start beyond RCV.NXT."},
	{ID: "R7323-WS-NEGOTIATE", Source: "RFC 7323 §2.2", Keyword: Must, Profile: "WindowScale",
		Summary: "The Window Scale option is sent only on a SYN, and on a SYN,ACK only if the SYN carried it; windows are scaled only once both sides sent it."},
	{ID: "R7323-WS-SYN-UNSCALED", Source: "RFC 7323 §2.2", Keyword: MustNot,
		Summary: "The window field of a SYN or SYN,ACK is never scaled, in either direction."},
	{ID: "R7323-WS-SEND", Source: "RFC 7323 §2.3", Keyword: Must, Profile: "WindowShift",
		Summary: "Once scaling is in effect, the window field of every other segment we send is RCV.WND shifted right by Rcv.Wind.Shift."},
	{ID: "R7323-WS-RECV", Source: "RFC 7323 §2.3", Keyword: Must,
		Summary: "Once scaling is in effect, the window field of every other segment received is shifted left by Snd.Wind.Shift to give SND.WND."},
	{ID: "R7323-WS-CAP", Source: "RFC 7323 §2.3", Keyword: Must,
		Summary: "A shift above 14 received in a Window Scale option is logged and 14 is used instead."},

	// ---- RFC 6298 -------------------------------------------------------------------
	{ID: "R6298-RTO", Source: "RFC 6298 §2", Keyword: Must, Profile: "RTOInitial",
		Summary: "The RTO starts at one second and follows SRTT+4·RTTVAR from samples, bounded below and above."},
	{ID: "R6298-KARN", Source: "RFC 6298 §3", Keyword: Must,
		Summary: "No RTT sample is taken from a retransmitted segment."},
	{ID: "R6298-TIMER", Source: "RFC 6298 §5.1-5.3", Keyword: Must,
		Summary: "The timer runs while data is outstanding, restarts on each new ACK and stops when all is acknowledged."},
	{ID: "R6298-BACKOFF", Source: "RFC 6298 §5.5-5.6", Keyword: Must, Profile: "RTOMax",
		Summary: "Each expiry doubles the RTO (up to the maximum), kept until new data is acknowledged without retransmission."},
	{ID: "R6298-SYN-FALLBACK", Source: "RFC 6298 §5.7", Keyword: Must, Profile: "SynTimeoutFallback",
		Summary: "An implementation whose initial RTO is under 3 s, having timed out on its SYN, starts data transfer with an RTO of 3 s."},
	{ID: "R6298-RTTM", Source: "RFC 6298 §3, RFC 7323 §4.1", Keyword: May, Profile: "RTTFromTimestamps",
		Summary: "With timestamps an RTT sample may be taken from SEG.TSecr, even from a retransmitted segment; without them Karn's rule leaves a backed-off RTO until a segment sent once is acknowledged."},
	{ID: "R6298-GRANULARITY", Source: "RFC 6298 §4", Keyword: Desc, Profile: "TimerGranularity",
		Summary: "The clock has a granularity G; finer clocks perform better, and the RTO is never below SRTT + G."},

	// ---- Delayed ACK (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2) --------------------------
	{ID: "R9293-SHLD18", Source: s9293 + "§3.8.6.3", Label: "SHLD-18", Keyword: Should, Profile: "AckDelay",
		Summary: "A TCP endpoint should delay ACKs (one ACK for several segments)."},
	{ID: "R9293-MUST40", Source: s9293 + "§3.8.6.3", Label: "MUST-40", Keyword: Must, Profile: "AckDelay",
		Summary: "An ACK is delayed less than 0.5 seconds."},
	{ID: "R9293-SHLD19", Source: s9293 + "§3.8.6.3", Label: "SHLD-19", Keyword: Should,
		Summary: "An ACK goes out for at least every second full-sized segment (2·RMSS octets of new data)."},
	{ID: "R1122-DELACK-QUICK", Source: "RFC 1122 §4.2.3.2, RFC 5681 §4.2", Keyword: Desc, Profile: "QuickAcks",
		Summary: "Out-of-order segments and duplicates are acknowledged at once; a stack may acknowledge the first segments of a connection at once too (Linux quick-ACK mode)."},
	{ID: "AMB-DELACK-FIN", Source: s9293 + "§3.8.6.3, §3.10.7.4 step 8", Keyword: Ambiguity, Profile: "FinPingpong",
		Summary: "Step 8 says to acknowledge the FIN; a delayed ACK lets the application's own FIN carry it, so a normal close takes three segments."},
	{ID: "AMB-QUICKACK-OPT", Source: "Linux tcp(7) TCP_QUICKACK", Keyword: Ambiguity,
		Summary: "TCP_QUICKACK 1 sends a delayed ACK at once and leaves pingpong mode; 0 enters it. The RFCs have no such option."},

	// ---- Retransmission variants ---------------------------------------------------
	{ID: "AMB-RTO-FORMULA", Source: "RFC 6298 §2.3-2.4", Keyword: Ambiguity, Profile: "RTOFormula",
		Summary: "RFC 6298 bounds SRTT + 4·RTTVAR below by RTOMin; Linux adds RTOMin to SRTT instead (SRTT + max(4·RTTVAR, RTOMin)) in whole clock ticks, so every RTO is later by up to SRTT."},
	{ID: "AMB-SYN-LINEAR", Source: "RFC 6298 §5.5", Keyword: Ambiguity, Profile: "SynLinearTimeouts",
		Summary: "RFC 6298 doubles the RTO at each expiry; Linux retransmits its first SYNs at a constant RTO before backing off."},
	{ID: "R9293-EFF-MSS", Source: s9293 + "§3.7.1; RFC 6691 §2; RFC 7323 §3.2", Keyword: Must,
		Summary: "The data in a segment is at most the effective send MSS: the peer's MSS less the TCP options the segment carries (12 octets with timestamps), so an MSS of 1460 gives 1448-octet segments."},
	{ID: "AMB-SYN-LINEAR-R2", Source: "RFC 9293 §3.8.3", Keyword: Ambiguity, Profile: "SynLinearTimeouts",
		Summary: "Linux counts its linear SYN retransmissions on top of the SYN retry limit: a connect gives up after SynR2 + SynLinearTimeouts retransmissions, or sooner once tcp_model_timeout(SynR2, initial RTO) has passed since the first SYN (tcp_write_timeout); 131 s with the defaults 6 and 4."},
	{ID: "R8985-TLP", Source: "RFC 8985 §7.2-7.3", Keyword: May, Profile: "LossProbe",
		Summary: "A tail loss probe resends the last segment (or sends new data) after the probe timeout, 2·SRTT plus an allowance for a delayed ACK, never later than the RTO; one probe per tail."},
	{ID: "R8985-TLP-RTO", Source: "RFC 8985 §7.3, §7.4", Keyword: Desc, Profile: "LossProbe",
		Summary: "After a probe the RTO timer is rearmed; the probe is no timeout, so the RTO is not backed off and the retransmission count is unchanged."},

	// ---- Ambiguities this project settled -------------------------------------------------
	{ID: "AMB-ABORT-NOTE3", Source: s9293 + "§3.10.5 vs Note 3 and §3.5.2", Keyword: Ambiguity, Profile: "AbortEntersTimeWait",
		Summary: "ABORT deletes the TCB, yet Note 3 and §3.5.2 say the RST sender goes to TIME-WAIT."},
	{ID: "AMB-SYNFIN-STATE", Source: s9293 + "§3.10.7.3, §3.10.7.4 (a segment with SYN and FIN)", Keyword: Ambiguity, Profile: "SynFinDroppedAnyState",
		Summary: "The RFC processes the SYN and then the FIN of a SYN|FIN segment; a stack that drops SYN|FIN may do so in every state, not only at a listener."},
	{ID: "AMB-CLOSING-TIMER", Source: s9293 + "§3.10.7.4 step 5 (CLOSING)", Keyword: Ambiguity, Profile: "ClosingStartsTimeWait",
		Summary: "CLOSING enters TIME-WAIT on the ACK of our FIN but the text does not say to start the 2MSL timer."},
	{ID: "AMB-TW-FIN", Source: s9293 + "§3.10.7.4 steps 1, 5, 8 (TIME-WAIT)", Keyword: Ambiguity, Profile: "TimeWaitRestart",
		Summary: "A retransmitted FIN fails the acceptability test in TIME-WAIT, so read literally it is ACKed at step 1 and the 2MSL restart is never reached."},
	{ID: "AMB-TW-RST", Source: s9293 + "§3.10.7.4 vs RFC 1337", Keyword: Ambiguity, Profile: "TimeWaitRST",
		Summary: "RFC 9293 lets a valid RST close TIME-WAIT; RFC 1337 argues it should be ignored."},
	{ID: "AMB-SYN-SYNC", Source: s9293 + "§3.10.7.4 step 4, §3.6.1", Keyword: Ambiguity, Profile: "SynInSync",
		Summary: "A SYN in a synchronized state has three legal answers: RFC 793's reset, RFC 5961's challenge ACK, and in TIME-WAIT a reopen."},
	{ID: "AMB-FIN-NOACK", Source: s9293 + "§3.10.7.4 step 5", Keyword: Ambiguity,
		Summary: "A FIN without ACK is dropped at step 5 before step 8 sees it, in every synchronized state."},
	{ID: "AMB-FW2-TIMER", Source: s9293 + "§3.10.7.4 (FIN-WAIT-2)", Keyword: Ambiguity, Profile: "FinWait2Timeout",
		Summary: "The RFC has no FIN-WAIT-2 timer, so a side whose peer vanished can wait there for ever."},
	{ID: "AMB-RST-LATE-NOTIFY", Source: s9293 + "§3.10.7.4 step 2 vs MUST-12", Keyword: Ambiguity,
		Summary: "No signal is prescribed for a RST in CLOSING or LAST-ACK, yet MUST-12 wants an attached user told of an abort."},
	{ID: "AMB-RST-ZEROWND", Source: s9293 + "§3.10.7.4 step 1", Keyword: Ambiguity,
		Summary: "With RCV.WND = 0 Table 6 accepts only SEG.SEQ = RCV.NXT, while the text asks for RSTs to be let through."},
	{ID: "AMB-RECV-LATE", Source: s9293 + "§3.10.3", Keyword: Ambiguity,
		Summary: "RECEIVE in CLOSING, LAST-ACK and TIME-WAIT reports \"closing\" even if data that arrived before the FIN is still unread."},
	{ID: "AMB-SYNSENT-RCVNXT", Source: s9293 + "§3.10.7.3", Keyword: Ambiguity, Profile: "RSTCheck",
		Summary: "The RFC 5961 exact check in SYN-SENT compares with RCV.NXT, which SYN-SENT does not know yet."},
	{ID: "AMB-ZEROLEN-EDGE", Source: s9293 + "§3.10.7.4 Table 6", Keyword: Ambiguity, Profile: "ZeroLenEdgeAcceptable",
		Summary: "A zero-length segment at RCV.NXT+RCV.WND is unacceptable by Table 6; Linux accepts it."},
	{ID: "AMB-ACK-ABOVE", Source: s9293 + "§3.10.7.4 step 5", Keyword: Ambiguity, Profile: "AckAboveSndNxt",
		Summary: "An ACK of unsent data must draw an ACK, yet stacks drop it silently in ESTABLISHED to avoid ACK storms."},
	{ID: "AMB-REOPEN-NOLISTEN", Source: s9293 + "§3.6.1", Keyword: Ambiguity, Profile: "TimeWaitReopen",
		Summary: "MAY-2 reopens TIME-WAIT \"directly\", but a socket host needs a listener to own the new connection; without one the SYN must be answered somehow."},
	{ID: "AMB-RST-FLUSH", Source: s9293 + "§3.10.7.4 step 2", Keyword: Ambiguity, Profile: "RSTFlushesReceive",
		Summary: "A valid RST flushes every queue, so data received in order but not yet read is lost; socket stacks hand it out before the error."},
	{ID: "AMB-FIN-ZEROWND", Source: s9293 + "§3.10.7.4 Table 6", Keyword: Ambiguity, Profile: "ZeroWindowAcceptsFIN",
		Summary: "Table 6 counts a FIN as an octet, so a bare FIN into a zero window is unacceptable; stacks accept it since it carries no data."},
	{ID: "R9293-SYNSENT-TEXT", Source: s9293 + "§3.10.7.3 fourth", Keyword: Desc, Profile: "SynSentQueuesText",
		Summary: "Text on a SYN in SYN-SENT is queued for processing once ESTABLISHED is reached (Linux discards it; the peer resends it)."},
	{ID: "AMB-SIMOPEN", Source: s9293 + "Appendix A.2, §3.10.7.4", Keyword: Ambiguity, Profile: "SimOpenSynAckAccepted",
		Summary: "In a simultaneous open the peer's SYN,ACK lies wholly below RCV.NXT, so Table 6 rejects it and its ACK of our SYN is not processed."},
	{ID: "AMB-ACK-FIN", Source: s9293 + "§3.10.7.4 step 8, §3.8.1", Keyword: Ambiguity, Profile: "AckCarriesFIN",
		Summary: "The ACK of a segment is <SEQ=SND.NXT><CTL=ACK>; a stack whose FIN is outstanding may resend it on that ACK (FIN at SND.NXT-1), a retransmission the RFC neither asks for nor forbids."},
	{ID: "AMB-TW-INPUT", Source: s9293 + "§3.10.7.4 (TIME-WAIT) vs BSD tcp_twcheck", Keyword: Ambiguity, Profile: "TimeWaitNoSeqTest",
		Summary: "RFC 9293 runs TIME-WAIT through the sequence test; BSD's TIME-WAIT has none, drops segments without ACK and acknowledges every segment but an exact duplicate ACK."},
	{ID: "AMB-LISTEN-SYNACK", Source: s9293 + "§3.10.7.2", Keyword: Ambiguity, Profile: "ListenSynAckDropped",
		Summary: "A SYN,ACK at a listener is an acknowledgment and draws a RST by the RFC; a stack may drop it silently instead."},
	{ID: "AMB-OLD-SEG-ACK", Source: s9293 + "§3.10.7.4 step 1 vs BSD (Stevens vol. 2 p. 960)", Keyword: Ambiguity, Profile: "OldSegmentAckProcessed",
		Summary: "An old duplicate segment is acknowledged and dropped by the RFC; BSD still processes its ACK field, which can finish a close."},
	{ID: "AMB-LISTEN-CLOSE", Source: s9293 + "§3.10.4 (CLOSE in LISTEN) vs sockets", Keyword: Ambiguity, Profile: "ListenCloseDropsEmbryonic",
		Summary: "Closing a listening socket deletes its TCB; its half-open connections may be aborted with a RST or dropped silently (a syncache entry has no socket)."},
	{ID: "AMB-NOACK-FIRST", Source: s9293 + "§3.10.7.4 steps 1 and 5", Keyword: Ambiguity, Profile: "NoACKDroppedFirst",
		Summary: "A segment without ACK is useless in a synchronized state; the RFC still runs the sequence test first and acknowledges an unacceptable one, stacks may drop it at once."},
	{ID: "AMB-RST-AFTER-FIN", Source: s9293 + "§3.10.7.4 step 2 vs Linux tcp_reset_check", Keyword: Ambiguity, Profile: "RSTBelowRcvNxtAfterFin",
		Summary: "A peer that sends its RST with its FIN's sequence number puts it at RCV.NXT-1, outside the window; a stack may accept it after the FIN."},
	{ID: "AMB-ACK-BYTES-ACKED", Source: "RFC 5961 §5.2 vs Linux tcp_ack", Keyword: Ambiguity, Profile: "ACKWindowBytesAcked",
		Summary: "MAX.SND.WND bounds the acceptable old ACKs; early in a connection it exceeds what was ever sent, so a stack may bound it by the octets acknowledged."},
	{ID: "AMB-WND-ADVERTISED", Source: s9293 + "§3.10.7.4 Table 6 vs RFC 7323 §2.3", Keyword: Ambiguity, Profile: "AcceptBeyondAdvertised",
		Summary: "RCV.WND is the free receive buffer, but the window field can say at most 65535 << Rcv.Wind.Shift and rounds down by the shift; the model accepts the rounded-off octets, and where a stack does, the whole free buffer beyond the cap."},
	{ID: "AMB-CLOSING-RCV", Source: s9293 + "§3.10.7.4 steps 5, 7, 8", Keyword: Ambiguity, Profile: "ClosingChecksFirst",
		Summary: "Once a side has closed, the RFC still processes a segment's ACK before ignoring its text or second FIN; a stack that receives first (gVisor) drops the whole segment, resets, or takes a second FIN before the ACK is seen."},
	{ID: "AMB-TW-ACK-EXACT", Source: s9293 + "§3.10.7.4 (TIME-WAIT)", Keyword: Ambiguity, Profile: "TimeWaitAckUnlessExact",
		Summary: "TIME-WAIT expects only a retransmitted FIN; a stack may answer everything else by whether it starts at RCV.NXT and carries text, without the window test."},
	{ID: "AMB-SOCKET-TW", Source: s9293 + "§3.6.1 vs sockets", Keyword: Ambiguity,
		Summary: "A socket that is still open when its connection reaches TIME-WAIT: the RFC keeps one TCB, sockets stacks detach the socket, which then reads end-of-file and writes EPIPE."},
}
