package conform

// KnownCauses returns the causes of divergence found and triaged so far;
// docs/deviations.md has the evidence for each (source lines, scripts).
// It returns a new slice on every call. Order matters: a kind takes the
// first cause that matches it.
func KnownCauses() []Cause {
	gv := []string{"gvisor"}
	lx := []string{"linux"}
	both := []string{"gvisor", "linux"}
	lw := []string{"lwip"}
	return []Cause{
		// ---- Outside the model's scope or choices (both stacks) -----
		{
			ID: "rto-calculation", Stacks: lx, Verdict: VerdictModelFixed,
			Summary: "Linux's RTO is SRTT + max(4·RTTVAR, rto_min) in whole jiffies (tcp_set_rto), not max(SRTT + 4·RTTVAR, RTOMin) (RFC 6298 §2): retransmissions came later than the model's; the linux profile now says RTOFormula=linux, TimerGranularity=4ms",
			Field:   `^(time|missing F\.|missing \.|missing S\.|missing R\.|extra F\.|extra \.)$`, Event: `^timer`,
		},

		// ---- Linux ----------------------------------------------------
		{
			ID: "cc-after-rto", Stacks: both, Verdict: VerdictNoField,
			Summary: "after a retransmission timeout the stack sends within a congestion window of one segment (RFC 5681 §3.1) and retransmits segments as first sent; the model has no congestion control and resends everything unacknowledged, FIN included, as one segment",
			Field:   `^(flags|len|seq|time|missing F\.|missing \.|extra F\.|extra \.)$`, Event: `^(timer|call (write|close|shutdown))`,
			Tags: []string{"rto"}, Stack: `^(\(nothing\)|P?\.|F\.|P\.)`,
		},
		{
			ID: "zero-window-probe", Stacks: both, Verdict: VerdictNoField,
			Summary: "the stack probes a zero window with a segment below SND.UNA (Linux tcp_xmit_probe_skb, gVisor alike); the model sends the next octet of new data (RFC 9293 §3.8.6.1)",
			Field:   `^(seq|missing \.|time|extra \.)$`, Event: `^timer`, Tags: []string{"zero-window"},
		},
		{
			ID: "linux-ack-above-challenge", Stacks: lx, Verdict: VerdictModelFixed,
			Summary: "in ESTABLISHED an ACK above SND.NXT draws an ACK (RFC 9293 step 5, RFC 5961 §5.2) before the segment is dropped; the linux profile said AckAboveSndNxt=drop-in-established (true of older kernels) and now says send-ack",
			Field:   `^extra \.$`, State: `^ESTABLISHED$`, Event: `ack>snd\.nxt`,
		},
		{
			ID: "linux-old-ack-bytes-acked", Stacks: lx, Verdict: VerdictNoField,
			Summary: "an ACK below SND.UNA is acceptable only within the bytes the peer has acknowledged so far (tcp_ack: max_window = min(max_window, bytes_acked)), not within MAX.SND.WND as RFC 5961 §5.2 says: right after the handshake it draws a challenge ACK and the segment is dropped",
			Field:   `^(ack|extra \.|missing \.|seq|len)$`, Event: `old ack`,
		},
		{
			ID: "nagle", Stacks: both, Verdict: VerdictNoField,
			Summary: "a small segment waits while earlier data is unacknowledged (Nagle, RFC 1122 §4.2.3.4, on by default); the model sends every write at once",
			Field:   `^missing \.$`, Event: `^call write$`, NotTags: []string{"rto"},
		},
		{
			ID: "linux-orphan-fin-wait-rst", Stacks: lx, Verdict: VerdictNoField,
			Summary: "an orphaned FIN-WAIT-2 is a TIME-WAIT-like mini socket that resets on new data, on a FIN not at RCV.NXT and on a SYN (tcp_timewait_state_process: TCP_TW_RST); the model holds or acknowledges them (RSTOnDataAfterClose covers data only)",
			Field:   `^(flags|extra R\.?)$`, State: `^FIN-WAIT-(1|2)$`, Tags: []string{"closed"}, Stack: `^R`,
		},
		{
			ID: "oow-ack-fin-exempt", Stacks: lx, Verdict: VerdictModelFixed,
			Summary: "the ACK answering an out-of-window FIN is not rate-limited: Linux exempts every segment that occupies sequence space, FIN included (tcp_oow_rate_limited); the model exempted only segments with data from OOWAckInterval, and now exempts FINs too (script seq/oow-ack-fin-exempt.pkt)",
			Field:   `^extra \.$`, Event: `^(seg|dup seg) F`,
		},
		{
			ID: "linux-no-ack-bit", Stacks: lx, Verdict: VerdictStackDeparts,
			Summary: "a segment without ACK, SYN or RST is dropped before the sequence test (tcp_rcv_established / tcp_validate_incoming), so an unacceptable one draws no ACK (RFC 9293: step 1 precedes the ACK-bit check); gVisor alike",
			Field:   `^missing \.$`, Event: `^(seg|dup seg) - `,
		},
		{
			ID: "linux-rst-after-fin", Stacks: lx, Verdict: VerdictNoField,
			Summary: "after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK) a RST at RCV.NXT-1 is accepted (tcp_reset_check, for peers that send RST with the FIN's sequence number); RFC 5961 §3.2 would send a challenge ACK, the model ignores it",
			Field:   `^(missing F\.|missing \.|missing R\.?|.* errno|.* return)$`, State: `^(CLOSE-WAIT|CLOSING|LAST-ACK)$`, NotTags: []string{"rto", "zero-window"},
		},
		{
			ID: "fin-waits-for-window", Stacks: lx, Verdict: VerdictNoField,
			Summary: "the FIN waits for the peer to open its zero window (tcp_snd_wnd_test counts the FIN's sequence number); the model sends it into a zero window",
			Field:   `^missing F\.$`, Tags: []string{"zero-window"},
		},
		{
			ID: "linux-reset-errno", Stacks: lx, Verdict: VerdictNoField,
			Summary: "when the stack resets a connection itself (data after SHUT_RD or close), the socket's error becomes ECONNRESET (tcp_reset sets sk_err), so the next read or write reports it; the model ends the connection silently (read: end-of-file, write: EPIPE)",
			Field:   `^(read return|read errno|write errno|write return|getsockopt return)$`,
		},
		// ---- gVisor netstack ----------------------------------------
		{
			ID: "gvisor-late-data-rst-ack", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (ClosingChecksFirst): the RST answering data after close()/SHUT_RD is the abort's R. at SND.NXT; a kind still matching is something else",
			Field:   `^flags$`, Stack: `^R\. `, Model: `^R \d`,
		},
		{
			ID: "gvisor-ack-above-accepts-data", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (AckAboveSndNxt=text-first-in-established): in ESTABLISHED a segment whose ACK is above SND.NXT still has its text and FIN processed and acknowledged (connect.go handleSegmentLocked runs rcv before snd); a kind still matching is something else",
			Field:   `^(extra \.|ack|seq)$`, State: `^ESTABLISHED$`, Event: `ack>snd\.nxt`,
		},
		{
			ID: "gvisor-fin-after-fin", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (ClosingChecksFirst): a second FIN at RCV.NXT after the peer's FIN advances RCV.NXT again and is acknowledged; a kind still matching is something else",
			Field:   `^extra \.$`, State: `^(CLOSE-WAIT|CLOSING|LAST-ACK)$`, Event: `^seg F`,
		},
		{
			ID: "gvisor-shutdown-unread-rst", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (ShutdownUnreadRST): a shutdown that shuts both directions with unread data resets the connection (R.) like close(); a kind still matching is something else",
			Field:   `^(flags|extra R\.)$`, Event: `^call shutdown`, Stack: `^R\. `,
		},
		{
			ID: "gvisor-orphan-rst", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (ClosingChecksFirst, TextEdgeAcceptable): after close() or the peer's FIN, text beyond RCV.NXT or any segment but the exact FIN after close() resets the connection (rcv.go handleRcvdSegmentClosing: ErrConnectionAborted); a kind still matching is something else",
			Field:   `^(flags|extra R\.)$`, State: `^(FIN-WAIT-1|FIN-WAIT-2|CLOSING|LAST-ACK|CLOSE-WAIT|TIME-WAIT)$`, Event: `^(seg|dup seg|timer)`, Stack: `^R\. `,
		},
		{
			ID: "gvisor-tw-socket-attached", Stacks: gv, Verdict: VerdictNoField,
			Summary: "the socket keeps its connection in TIME-WAIT: TCP_INFO reads TIME-WAIT and close() with unread data resets it (AMB-SOCKET-TW; the model and Linux detach the socket)",
			State:   `^TIME-WAIT$`, Event: `^call (close|getsockopt TCP_INFO|shutdown)`,
		},
		{
			ID: "gvisor-tw-segments", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (TimeWaitAckUnlessExact): in TIME-WAIT netstack acknowledges any segment with text or not at RCV.NXT and ignores a FIN at RCV.NXT or an ACK above SND.NXT (rcv.go handleTimeWaitSegment); a kind still matching is something else",
			Field:   `^(extra \.|missing \.)$`, State: `^TIME-WAIT$`,
		},
		{
			ID: "gvisor-no-paws", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (NoPAWS): a segment whose TSval is older than TS.Recent is processed: netstack does not implement PAWS; a kind still matching is something else",
			Event:   `stale TS`,
		},
		{
			ID: "gvisor-held-fin", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (HeldFINNeedsText): a held out-of-order bare FIN is discarded when the gap fills (rcv.go: segSeq.Add(segLen-1) underflows for segLen 0), so the FIN must be retransmitted; RFC 9293 SHLD-31/MUST-58; a kind still matching is something else",
			Field:   `^ack$`, Tags: []string{"peer-fin"},
		},
		{
			ID: "gvisor-no-ack-bit", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (NoACKDroppedFirst): a segment without ACK (and without SYN or RST) is dropped before the sequence check; a kind still matching is something else",
			Field:   `^missing \.$`, Event: `^(seg|dup seg) - `,
		},
		{
			ID: "rto-rewinds-snd-nxt", Stacks: both, Verdict: VerdictNoField,
			Summary: "after a retransmission timeout the stack sets SND.NXT back to SND.UNA and resends from there (go-back-N), so its ACKs to later segments carry the FIN or data again where the model's carry the SND.NXT it had reached",
			Field:   `^(flags|seq|len)$`, Event: `^(seg|dup seg|call close)`, Tags: []string{"rto"}, Stack: `^(F\.|P?\.|R\.) `,
		},
		{
			ID: "gvisor-synrcvd-ack-first", Stacks: gv, Verdict: VerdictStackDeparts,
			Summary: "in SYN-RECEIVED (the listener's handshake) netstack checks SEG.ACK before SEG.SEQ and answers unacceptable segments, SYNs and SYN,ACKs with RST <SEQ=SEG.ACK>; RFC 9293 §3.10.7.4 checks the sequence number first and acknowledges",
			Field:   `^(flags|extra R\.?|missing \.|ack|missing R\.)$`, State: `^SYN-RECEIVED$`,
		},
		{
			ID: "rst-carries-timestamps", Stacks: both, Verdict: VerdictNoField,
			Summary: "the stack's RST carries the Timestamps option; the model's never does (RFC 7323 §3.2 neither requires nor forbids it)",
			Field:   `^timestamps$`, Stack: `^R`,
		},
		{
			ID: "gvisor-text-after-fin-drops-ack", Stacks: gv, Verdict: VerdictModelFixed,
			Summary: "modelled since issue 13 (ClosingChecksFirst): after the peer's FIN, a segment with text or beyond RCV.NXT is dropped whole before its ACK is processed (rcv.go handleRcvdSegmentClosing); a kind still matching is something else",
			Field:   `^(extra \.|extra F\.|missing \.|seq|len)$`, State: `^(CLOSE-WAIT|LAST-ACK|CLOSING)$`, Tags: []string{"peer-fin"},
		},
		{
			ID: "gvisor-abort-late-states", Stacks: gv, Verdict: VerdictStackDeparts,
			Summary: "close() with SO_LINGER {1, 0} in LAST-ACK or CLOSING neither resets nor deletes the connection: the FIN is still retransmitted (RFC 9293 §3.10.5 ABORT: delete the TCB)",
			Field:   `^extra F\.$`, State: `^(LAST-ACK|CLOSING)$`, Tags: []string{"closed"},
		},
		{
			ID: "unread-close-after-fin", Stacks: both, Verdict: VerdictModelFixed,
			Summary: "close() with SO_LINGER {1, 0} and unread data in LAST-ACK or CLOSING resets the connection (Linux tcp_close tests data_was_unread before the linger; gVisor alike); the model took the ABORT path first, which sends no RST in those states (R9293-ABORT-LATE), and now lets the unread data decide as RFC 1122 §4.2.2.13 asks (scripts close/unread-close-linger0-last-ack*.pkt)",
			Field:   `^(extra R\.|flags)$`, State: `^(LAST-ACK|CLOSING)$`, Event: `^call close$`, Stack: `^R\. `,
		},
		{
			ID: "gvisor-linger-close-return", Stacks: gv, Verdict: VerdictNoField,
			Summary: "a lingering close() (SO_LINGER {1, t>0}) returns when TIME-WAIT or CLOSED is entered (the sentry waits for EventHUp), not when the FIN is acknowledged",
			Field:   `^(missing result close|extra result close|close time)$`,
		},
		{
			ID: "gvisor-error-sticky", Stacks: gv, Verdict: VerdictStackDeparts,
			Summary: "an error a call has already returned is reported again by SO_ERROR or the next read (netstack keeps lastError beside hardError); Linux reports a pending error once",
			Field:   `^(getsockopt|read) (return|errno)$`, State: `^(no connection|LISTEN only)$`,
		},
		{
			ID: "gvisor-rst-check", Stacks: gv, Verdict: VerdictStackDeparts,
			Summary: "an out-of-window RST (or RST,ACK) in ESTABLISHED or CLOSE-WAIT draws no ACK; RFC 9293 step 1 asks for an ACK to every unacceptable segment but a RST, and drops the RST silently — the model sends the ACK of RFC 5961 §3.2 for an in-window one only",
			Field:   `^missing \.$`, Event: `^seg R`,
		},
		// ---- lwIP 2.1.3 (agents/lwip; docs/deviations.md, lwIP) --------
		{
			ID: "lwip-rto-ticks", Stacks: lw, Verdict: VerdictNoField,
			Summary: "lwIP times retransmissions in 500 ms ticks (tcp_slowtmr) with an integer Jacobson estimator that starts at 3 s (sv = 6 ticks), takes no RTT sample while tcp_ticks is 0 (rttest 0 means \"not timing\"), backs off from the estimate (rto = ((sa>>3)+sv) << tcp_backoff[nrtx]) and resends only the head segment, without the FIN queued behind it: the model's RFC 6298 timer can only approximate it",
			Field:   `^(time|missing (F\.|\.|S\.|S|R\.?)|extra (F\.|\.|S\.|P\.|R\.?)|flags|len|seq|ack)$`, Event: `^timer`,
		},
		{
			ID: "lwip-rto-ticks-in-step", Stacks: lw, Verdict: VerdictNoField,
			Summary: "as lwip-rto-ticks, for a retransmission due within a step's window (tagged rto): lwIP's retransmission comes on its 500 ms tick grid from its own estimate",
			Field:   `^(time|missing (F\.|\.|S\.|S|R\.?)|extra (F\.|\.|S\.|P\.|R\.?)|flags|len|seq|ack)$`, Tags: []string{"rto"},
		},
		{
			ID: "lwip-unread-close-late-states", Stacks: lw, Verdict: VerdictNoField,
			Summary: "close() with unread data sends a RST only in ESTABLISHED and CLOSE-WAIT (tcp_close_shutdown's rst_on_unacked_data); after shutdown(SHUT_WR) or in LAST-ACK it closes without one, where the model resets",
			Field:   `^(missing R\.?|extra F\.|flags)$`, Event: `^call close$`, State: `^(FIN-WAIT-1|FIN-WAIT-2|CLOSING|LAST-ACK|TIME-WAIT)$`,
		},
		{
			ID: "lwip-ack-before-seq-test", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "lwIP acts on the ACK of a segment whose sequence number is unacceptable: tcp_process takes SYN-RECEIVED, FIN-WAIT-1, CLOSING and LAST-ACK forward on the ACK before tcp_receive tests the window (and that test is inclusive at RCV.NXT+RCV.WND); RFC 9293 §3.10.7.4 step 1 sends an ACK and drops the segment",
			Field:   `^(missing \.|extra \.|getsockopt return|missing F\.|flags)$`, Event: `bad seq|TCP_INFO`,
		},
		{
			ID: "lwip-text-after-fin", Stacks: lw, Verdict: VerdictNoField,
			Summary: "after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK) lwIP's tcp_receive still ACKs segments that repeat or overlap received text (tcp_send_empty_ack); the model ignores the text of an acceptable segment there (RFC 9293 §3.10.7.4 step 7)",
			Field:   `^(extra \.|ack)$`, State: `^(CLOSE-WAIT|CLOSING|LAST-ACK|ESTABLISHED)$`, Tags: []string{"peer-fin"},
		},
		{
			ID: "lwip-shut-rd-resets", Stacks: lw, Verdict: VerdictNoField,
			Summary: "after shutdown(SHUT_RD) lwIP answers any arriving text with a RST and frees the connection (tcp_shutdown sets TF_RXCLOSED; tcp_input: \"received data although already closed -> abort\"), where the model still receives it",
			Field:   `^(flags|extra R\.?|missing \.|missing F\.|ack|.* return|.* errno)$`, Tags: []string{"shut-rd"},
		},
		{
			ID: "lwip-send-window", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "lwIP's send window departs from RFC 9293 §3.10.7.4: tcp_receive ignores a window that shrinks under an unchanged SEQ and ACK (it updates then only if the window grows) and takes the window from a segment whose ACK is below SND.UNA; tcp_output sends only segments that fit whole, splitting the unsent head only from the persist timer",
			Field:   `^(len|seq|missing \.|missing P\.|extra \.|extra P\.)$`, Event: `^call write$`, NotTags: []string{"rto"},
		},
		{
			ID: "lwip-time-wait-ticks", Stacks: lw, Verdict: VerdictNoField,
			Summary: "lwIP ends TIME-WAIT on a 500 ms tick once tcp_ticks - pcb->tmr > 2·TCP_MSL/500 ms, pcb->tmr being the tick of the last segment received, and a retransmitted FIN restarts it: around the model's 120 s a segment meets TIME-WAIT on one side and no connection or the listener on the other",
			Field:   `^(flags|missing R|missing S\.|extra \.|extra R\.)$`, State: `^(no connection|LISTEN only)$`, Stack: `^(\(nothing\)|R\. 0:0|\. |S\. )`, Model: `^(S\. |R \d|\(nothing\))`,
		},
		{
			ID: "lwip-syn-fin-length", Stacks: lw, Verdict: VerdictNoField,
			Summary: "lwIP counts a segment with both SYN and FIN as one octet of sequence space (TCP_TCPLEN adds 1 for SYN or FIN), so the RST answering one acknowledges SEG.SEQ+1, not SEG.SEQ+2",
			Field:   `^ack$`, Event: `^(seg|dup seg) SF`,
		},
		{
			ID: "lwip-delayed-ack", Stacks: lw, Verdict: VerdictNoField,
			Summary: "lwIP delays the ACK of in-order text to its 250 ms fast timer (TF_ACK_DELAY, tcp_fasttmr) or to the next segment it sends, which then carries a later acknowledgment number; the model ACKs at once (the lwip-quickack entry sends delayed ACKs at once, as linux-quickack)",
			Field:   `^(missing \.|ack|extra \.)$`, Event: `^(seg|dup seg) [.PF]`, Model: `^\. `,
		},
		{
			ID: "lwip-late-ooseq-data", Stacks: lw, Verdict: VerdictNoField,
			Summary: "out-of-order text after close() is queued and acknowledged: tcp_input resets only for in-order text (recv_data with TF_RXCLOSED), where the model resets on any new text after close (RFC 9293 SHLD-3)",
			Field:   `^flags$`, Stack: `^\. `, Model: `^R `, Tags: []string{"closed"},
		},
		{
			ID: "lwip-rst-always-ack", Stacks: lw, Verdict: VerdictNoField,
			Summary: "every RST lwIP forms carries ACK at RCV.NXT with SEQ = SND.NXT (tcp_rst, tcp_abandon), also where RFC 9293 §3.10.7.1 forms <SEQ=SEG.ACK><CTL=RST> (no connection, data after close); RSTCarriesACK covers ABORT only",
			Field:   `^(flags|seq)$`, Stack: `^R\. `, Model: `^R \d`,
		},
		{
			ID: "lwip-ack-above-accepts-data", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "an ACK above SND.NXT draws an empty ACK (tcp_receive: \"Out of sequence ACK\") but the segment's text and FIN are still processed; RFC 9293 §3.10.7.4 step 5 drops the segment (gVisor alike)",
			Field:   `^(extra \.|extra R\.?|extra F\.|flags|ack|missing F\.|missing \.|time|.* return|.* errno)$`, Event: `ack>snd\.nxt`,
		},
		{
			ID: "lwip-accepted-text-unread", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "a consequence of lwip-ack-above-accepts-data: lwIP holds text the model dropped (it came on a segment whose ACK is above SND.NXT), so a later read returns it where the model says EAGAIN, and close() resets for unread data where the model sends FIN",
			Field:   `^(flags|read return)$`, State: `^ESTABLISHED$`, Event: `^call (close|read)$`, Stack: `^(R\. |read\(\d+\) = [1-9])`, Model: `^(F\. |read\(\d+\) = -1 EAGAIN)`,
		},
		{
			ID: "lwip-shutdown-states", Stacks: lw, Verdict: VerdictNoField,
			Summary: "tcp_shutdown returns ERR_CONN (ENOTCONN, as lwIP's sockets map it) outside SYN-RECEIVED, ESTABLISHED and CLOSE-WAIT, so a second shutdown(SHUT_WR) or shutdown in SYN-SENT fails where the model returns 0",
			Field:   `^shutdown (return|errno)$`,
		},
		{
			ID: "lwip-shutdown-rdwr-is-close", Stacks: lw, Verdict: VerdictNoField,
			Summary: "shutdown(SHUT_RDWR) is tcp_close for the raw API (and for lwIP's sockets, lwip_netconn_do_close_internal): with unread data it sends RST|ACK and frees the connection, where the model sends FIN",
			Field:   `^(flags|missing F\.|extra R\.?)$`, Event: `^call shutdown SHUT_RDWR$`,
		},
		{
			ID: "lwip-zero-window", Stacks: lw, Verdict: VerdictNoField,
			Summary: "lwIP probes a zero window from its persist timer (tcp_persist_backoff, in 500 ms ticks) and splits the unsent head to fit a small window; the model sends the next octet at once and on its RTO",
			Field:   `^(missing \.|missing F\.|missing P\.|time|extra \.|extra P\.|seq|len|flags)$`, Tags: []string{"zero-window"},
		},
		{
			ID: "lwip-time-wait-input", Stacks: lw, Verdict: VerdictNoField,
			Summary: "in TIME-WAIT lwIP makes no sequence test (tcp_timewait_input): it ACKs every segment with text or FIN, in window or not, and nothing else; the model ACKs unacceptable segments and ignores acceptable text",
			Field:   `^(extra \.|missing \.|flags)$`, State: `^TIME-WAIT$`,
		},
		{
			ID: "lwip-rst-window-edge", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "a RST with SEG.SEQ = RCV.NXT+RCV.WND, just outside the window, draws a challenge ACK: tcp_process tests TCP_SEQ_BETWEEN(seqno, rcv_nxt, rcv_nxt + rcv_wnd), inclusive at both ends (also in 2.2.1); RFC 5961 §3.2 drops it silently (script testdata/lwip/rst-window-edge.pkt)",
			Field:   `^extra \.$`, Event: `^(seg|dup seg) R`,
		},
		{
			ID: "lwip-late-fin-silent", Stacks: lw, Verdict: VerdictStackDeparts,
			Summary: "text with a FIN after close() that takes FIN-WAIT-1/2 to TIME-WAIT is answered by nothing: tcp_process moves the pcb to TIME-WAIT, then tcp_input aborts it for the text (TF_RXCLOSED) and tcp_abandon frees a TIME-WAIT pcb without a RST; RFC 9293 SHLD-3 / RFC 2525 ask for a RST",
			Field:   `^missing R\.?$`, State: `^FIN-WAIT-(1|2)$`, Event: `^(seg|dup seg) F`,
		},
		{
			ID: "agent-lwip-linger", Stacks: lw, Verdict: VerdictNoField,
			Summary: "agents/lwip has no SO_LINGER timeout (the raw API has none; lwIP's sockets emulate it in api_msg.c): close() with SO_LINGER {1, n>0} returns at once",
			Field:   `^(missing result close|extra result close|close time)$`,
		},
	}
}
