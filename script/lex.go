package script

import (
	"fmt"
	"net/netip"
	"strings"
)

// tokKind is a lexical token kind. The lexer follows packetdrill's
// (gtests/net/packetdrill/lexer.l): longest match, whitespace and comments
// ignored, newlines insignificant.
type tokKind uint8

const (
	tEOF       tokKind = iota
	tInt               // 12, -1, 0x1f
	tFloat             // 0.1, .01
	tWord              // S, SOCK_STREAM, 30s
	tIPv4              // 192.0.2.1
	tIPv6              // 2001:db8::1, ::ffff:192.0.2.1
	tString            // "text" (Text is unquoted)
	tBackQuote         // `command` (Text is the inside)
	tOption            // --name[=value] (Text is everything after "--")
	tEllipsis          // ...
	tCode              // %{ ... }% (Text is the inside)
	tPunct             // one character: < > . - + * ~ : ( ) [ ] { } , = | ; etc.
)

type token struct {
	kind tokKind
	text string // raw text (for tPunct the character)
	line int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return fmt.Sprintf("%q", clip(t.text))
	case tBackQuote:
		return "`" + abbreviate(t.text) + "`"
	case tOption:
		return "--" + clip(t.text)
	case tCode:
		return "%{ ... }%"
	}
	return fmt.Sprintf("%q", clip(t.text))
}

func abbreviate(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// lexError is a lexical error at a line.
type lexError struct {
	line int
	msg  string
}

// maxTokenText clips a token quoted in an error message.
const maxTokenText = 200

// clip shortens s for an error message: at most maxTokenText bytes.
func clip(s string) string {
	if len(s) <= maxTokenText {
		return s
	}
	return s[:maxTokenText] + "..."
}

// lexer splits a script into tokens on demand, so that a script is never
// held as a token slice: the parser asks for the next token when it needs
// it. Besides packetdrill's tokens (lexer.l) it handles the preprocessor
// lines of the NPLab packetdrill that FreeBSD's suite uses (#ifdef SYM,
// #ifndef SYM, #else, #endif, at the start of a line) with the symbols in
// syms, and replaces words defined with -D/--define by their value as
// packetdrill's word() does.
type lexer struct {
	s        string
	i        int
	line     int
	lineHead bool              // only blanks since the last newline
	syms     map[string]bool   // #ifdef symbols (the platform, -D names)
	defs     map[string]string // -D SYM=VAL substitutions
	conds    []condFrame       // open #ifdef blocks
	err      *lexError
}

type condFrame struct {
	line         int
	active       bool // this branch is taken
	parentActive bool
	sawElse      bool
}

func newLexer(src string, syms map[string]bool, defs map[string]string) *lexer {
	return &lexer{s: src, line: 1, lineHead: true, syms: syms, defs: defs}
}

func (lx *lexer) active() bool {
	return len(lx.conds) == 0 || lx.conds[len(lx.conds)-1].active
}

func (lx *lexer) fail(msg string) token {
	if lx.err == nil {
		lx.err = &lexError{lx.line, msg}
	}
	lx.i = len(lx.s)
	return token{kind: tEOF, line: lx.line}
}

// directive handles a # line at the start of a line; it reports whether
// it was one.
func (lx *lexer) directive() bool {
	end := strings.IndexByte(lx.s[lx.i:], '\n')
	if end < 0 {
		end = len(lx.s) - lx.i
	}
	text := strings.TrimSpace(lx.s[lx.i+1 : lx.i+end])
	f := strings.Fields(text)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "ifdef", "ifndef":
		if len(f) != 2 {
			lx.fail(fmt.Sprintf("#%s wants one symbol", f[0]))
			return true
		}
		on := lx.syms[f[1]]
		if _, ok := lx.defs[f[1]]; ok {
			on = true
		}
		if f[0] == "ifndef" {
			on = !on
		}
		if len(lx.conds) >= 64 {
			lx.fail("#ifdef nested too deeply")
			return true
		}
		parent := lx.active()
		lx.conds = append(lx.conds, condFrame{line: lx.line, active: parent && on, parentActive: parent})
	case "else":
		if len(lx.conds) == 0 || lx.conds[len(lx.conds)-1].sawElse {
			lx.fail("#else without #ifdef")
			return true
		}
		c := &lx.conds[len(lx.conds)-1]
		c.sawElse = true
		c.active = c.parentActive && !c.active
	case "endif":
		if len(lx.conds) == 0 {
			lx.fail("#endif without #ifdef")
			return true
		}
		lx.conds = lx.conds[:len(lx.conds)-1]
	default:
		return false
	}
	lx.i += end
	return true
}

// skipInactive skips the lines of an #ifdef branch not taken, up to the
// next directive.
func (lx *lexer) skipInactive() {
	for lx.i < len(lx.s) {
		j := strings.IndexByte(lx.s[lx.i:], '\n')
		ln := lx.s[lx.i:]
		if j >= 0 {
			ln = lx.s[lx.i : lx.i+j]
		}
		if t := strings.TrimLeft(ln, " \t"); strings.HasPrefix(t, "#") {
			lx.i += len(ln) - len(t)
			if lx.directive() {
				if lx.active() {
					return
				}
				continue
			}
		}
		if j < 0 {
			lx.i = len(lx.s)
			return
		}
		lx.i += j + 1
		lx.line++
	}
}

// next returns the next token; at the end (or after an error, kept in
// lx.err) a tEOF.
func (lx *lexer) next() token {
	s := lx.s
	for {
		if !lx.active() && lx.i < len(s) {
			lx.skipInactive()
			lx.lineHead = true
			continue
		}
		if lx.i >= len(s) {
			if len(lx.conds) > 0 {
				c := lx.conds[len(lx.conds)-1]
				lx.conds = nil
				lx.line = c.line
				return lx.fail("#ifdef without #endif")
			}
			return token{kind: tEOF, line: lx.line}
		}
		i := lx.i
		c := s[i]
		switch {
		case c == '\n':
			lx.line++
			lx.i++
			lx.lineHead = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.i++
			continue
		case c == '#' && lx.lineHead && lx.directive():
			continue
		case strings.HasPrefix(s[i:], "//"):
			for lx.i < len(s) && s[lx.i] != '\n' {
				lx.i++
			}
			continue
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return lx.fail("unterminated /* comment")
			}
			lx.line += strings.Count(s[i:i+2+end+2], "\n")
			lx.i += 2 + end + 2
			continue
		}
		lx.lineHead = false
		return lx.token()
	}
}

func (lx *lexer) emit(kind tokKind, text string, n int) token {
	t := token{kind, text, lx.line}
	lx.line += strings.Count(lx.s[lx.i:lx.i+n], "\n")
	lx.i += n
	return t
}

func (lx *lexer) token() token {
	s, i := lx.s, lx.i
	c := s[i]
	switch {
	case strings.HasPrefix(s[i:], "%{"):
		end := strings.Index(s[i+2:], "}%")
		if end < 0 {
			return lx.fail("unterminated %{ code block")
		}
		return lx.emit(tCode, s[i+2:i+2+end], 2+end+2)
	case strings.HasPrefix(s[i:], "..."):
		return lx.emit(tEllipsis, "...", 3)
	case strings.HasPrefix(s[i:], "--") && i+2 < len(s) && isWordByte(s[i+2]):
		j := i + 2
		for j < len(s) && !isSpace(s[j]) {
			if s[j] == '"' { // a quoted value may hold spaces
				k := strings.IndexByte(s[j+1:], '"')
				if k < 0 {
					return lx.fail("unterminated string in option")
				}
				j += k + 2
				continue
			}
			j++
		}
		return lx.emit(tOption, s[i+2:j], j-i)
	case c == '"':
		j := i + 1
		var b strings.Builder
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' && j+1 < len(s) {
				j++
			}
			b.WriteByte(s[j])
			j++
		}
		if j >= len(s) {
			return lx.fail("unterminated string")
		}
		return lx.emit(tString, b.String(), j+1-i)
	case c == '`':
		end := strings.IndexByte(s[i+1:], '`')
		if end < 0 {
			return lx.fail("unterminated ` shell command")
		}
		return lx.emit(tBackQuote, s[i+1:i+1+end], 1+end+1)
	}
	// Numbers, words and addresses: the longest match wins; on a tie
	// the earlier of float, integer, hex, word (lexer.l's order).
	best, kind := 0, tPunct
	for _, m := range matchers {
		if n := m.match(s[i:]); n > best {
			best, kind = n, m.kind
		}
	}
	if best == 0 {
		if c >= 0x80 || c < 0x20 {
			return lx.fail(fmt.Sprintf("unexpected byte 0x%02x", c))
		}
		return lx.emit(tPunct, s[i:i+1], 1)
	}
	if kind == tWord && lx.defs != nil {
		if v, ok := lx.defs[s[i:i+best]]; ok {
			return lx.define(v, best)
		}
	}
	return lx.emit(kind, s[i:i+best], best)
}

// define is packetdrill's word(): a defined word becomes its value, a
// string, a shell command, an integer or a word.
func (lx *lexer) define(v string, n int) token {
	t := lx.emit(tWord, v, n)
	switch {
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		t.kind, t.text = tString, v[1:len(v)-1]
	case len(v) >= 2 && v[0] == '`' && v[len(v)-1] == '`':
		t.kind, t.text = tBackQuote, v[1:len(v)-1]
	case v != "" && (matchInt(v) == len(v) || matchHex(v) == len(v)):
		t.kind = tInt
	case v == "" || matchWord(v) != len(v):
		t.kind = tString // any other text: only usable where a string is
	}
	return t
}

// lex splits src into tokens (tests and tools; the parser pulls tokens
// from a lexer).
func lex(src []byte) ([]token, *lexError) {
	lx := newLexer(string(src), nil, nil)
	var toks []token
	for {
		t := lx.next()
		if lx.err != nil {
			return nil, lx.err
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isHexByte(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// matchers are the token patterns tried at a number, word or address, in
// lexer.l's order (which wins a tie).
var matchers = [...]struct {
	match func(string) int
	kind  tokKind
}{
	{matchFloat, tFloat},
	{matchInt, tInt},
	{matchHex, tInt},
	{matchWord, tWord},
	{matchIPv4, tIPv4},
	{matchIPv6, tIPv6},
}

// span returns the end of the run of bytes of s, from i on, that in
// accepts.
func span(s string, i int, in func(byte) bool) int {
	for i < len(s) && in(s[i]) {
		i++
	}
	return i
}

// digits returns the end of the run of one or more digits of s at i, or 0
// if s[i] is not a digit.
func digits(s string, i int) int {
	if j := span(s, i, isDigit); j > i {
		return j
	}
	return 0
}

// minus is 1 if s starts with '-', else 0.
func minus(s string) int {
	if len(s) > 0 && s[0] == '-' {
		return 1
	}
	return 0
}

// matchFloat matches [-]?[0-9]*[.][0-9]+.
func matchFloat(s string) int {
	i := span(s, minus(s), isDigit)
	if i >= len(s) || s[i] != '.' {
		return 0
	}
	return digits(s, i+1)
}

// matchInt matches [-]?[0-9]+.
func matchInt(s string) int { return digits(s, minus(s)) }

// matchHex matches 0x[0-9a-fA-F]+.
func matchHex(s string) int {
	if len(s) < 3 || s[0] != '0' || s[1] != 'x' || !isHexByte(s[2]) {
		return 0
	}
	return span(s, 2, isHexByte)
}

// matchWord matches [a-zA-Z0-9_]+.
func matchWord(s string) int { return span(s, 0, isWordByte) }

// matchIPv4 matches [0-9]+.[0-9]+.[0-9]+.[0-9]+.
func matchIPv4(s string) int {
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
		if i = digits(s, i); i == 0 {
			return 0
		}
	}
	return i
}

// matchIPv6 matches an IPv6 address (lexer.l's ipv6_addr, IPv4-mapped
// forms included): the longest run of hex digits, colons and dots with at
// least two colons that net/netip accepts.
func matchIPv6(s string) int {
	j, colons := 0, 0
	for j < len(s) && j < 64 && (isHexByte(s[j]) || s[j] == ':' || s[j] == '.') {
		if s[j] == ':' {
			colons++
		}
		j++
	}
	if colons < 2 {
		return 0
	}
	for ; j > 2; j-- {
		if _, err := netip.ParseAddr(s[:j]); err == nil && !strings.Contains(s[:j], "%") {
			return j
		}
	}
	return 0
}
