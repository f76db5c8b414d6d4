package script

import (
	"fmt"
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
		return fmt.Sprintf("%q", t.text)
	case tBackQuote:
		return "`" + abbreviate(t.text) + "`"
	case tOption:
		return "--" + t.text
	case tCode:
		return "%{ ... }%"
	}
	return fmt.Sprintf("%q", t.text)
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

// lex splits src into tokens. It never panics; bad input gives an error
// naming the line.
func lex(src []byte) ([]token, *lexError) {
	s := string(src)
	var toks []token
	line := 1
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, &lexError{line, "unterminated /* comment"}
			}
			line += strings.Count(s[i:i+2+end+2], "\n")
			i += 2 + end + 2
			continue
		case strings.HasPrefix(s[i:], "%{"):
			end := strings.Index(s[i+2:], "}%")
			if end < 0 {
				return nil, &lexError{line, "unterminated %{ code block"}
			}
			toks = append(toks, token{tCode, s[i+2 : i+2+end], line})
			line += strings.Count(s[i:i+2+end+2], "\n")
			i += 2 + end + 2
			continue
		case strings.HasPrefix(s[i:], "..."):
			toks = append(toks, token{tEllipsis, "...", line})
			i += 3
			continue
		case strings.HasPrefix(s[i:], "--") && i+2 < len(s) && isWordByte(s[i+2]):
			j := i + 2
			for j < len(s) && !isSpace(s[j]) {
				if s[j] == '"' { // a quoted value may hold spaces
					k := strings.IndexByte(s[j+1:], '"')
					if k < 0 {
						return nil, &lexError{line, "unterminated string in option"}
					}
					j += k + 2
					continue
				}
				j++
			}
			toks = append(toks, token{tOption, s[i+2 : j], line})
			i = j
			continue
		case c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				if s[j] == '\n' {
					return nil, &lexError{line, "unterminated string"}
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, &lexError{line, "unterminated string"}
			}
			toks = append(toks, token{tString, b.String(), line})
			i = j + 1
			continue
		case c == '`':
			end := strings.IndexByte(s[i+1:], '`')
			if end < 0 {
				return nil, &lexError{line, "unterminated ` shell command"}
			}
			toks = append(toks, token{tBackQuote, s[i+1 : i+1+end], line})
			line += strings.Count(s[i:i+1+end+1], "\n")
			i += 1 + end + 1
			continue
		}
		// Numbers, words and addresses: the longest match wins; on a tie
		// the earlier of float, integer, hex, word (lexer.l's order).
		best, kind := 0, tPunct
		if n := matchFloat(s[i:]); n > best {
			best, kind = n, tFloat
		}
		if n := matchInt(s[i:]); n > best {
			best, kind = n, tInt
		}
		if n := matchHex(s[i:]); n > best {
			best, kind = n, tInt
		}
		if n := matchWord(s[i:]); n > best {
			best, kind = n, tWord
		}
		if n := matchIPv4(s[i:]); n > best {
			best, kind = n, tIPv4
		}
		if best == 0 {
			if c >= 0x80 || c < 0x20 {
				return nil, &lexError{line, fmt.Sprintf("unexpected byte 0x%02x", c)}
			}
			toks = append(toks, token{tPunct, s[i : i+1], line})
			i++
			continue
		}
		toks = append(toks, token{kind, s[i : i+best], line})
		i += best
	}
	toks = append(toks, token{tEOF, "", line})
	return toks, nil
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

// matchFloat matches [-]?[0-9]*[.][0-9]+.
func matchFloat(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '.' {
		return 0
	}
	i++
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i {
		return 0
	}
	return j
}

// matchInt matches [-]?[0-9]+.
func matchInt(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i {
		return 0
	}
	return j
}

// matchHex matches 0x[0-9a-fA-F]+.
func matchHex(s string) int {
	if len(s) < 3 || s[0] != '0' || s[1] != 'x' || !isHexByte(s[2]) {
		return 0
	}
	j := 2
	for j < len(s) && isHexByte(s[j]) {
		j++
	}
	return j
}

// matchWord matches [a-zA-Z0-9_]+.
func matchWord(s string) int {
	j := 0
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return j
}

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
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			return 0
		}
		i = j
	}
	return i
}
