package terminal

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Sanitize makes text safe to print to a terminal. It is the one filter
// for everything the terminal adapter prints as text: the trainee's line
// echoed back, and scenario text (openings, replies, briefs, debriefs,
// which a trainer's own scenario file supplies).
//
// It removes whole escape sequences (CSI such as ESC [ 2 J, OSC such as
// ESC ] 0 ; title BEL, and other ESC sequences), every other C0 control
// but newline and tab (so no carriage return, backspace, NUL, bell), DEL,
// the C1 controls U+0080–U+009F (8-bit CSI and OSC), and the bidi
// embedding, override and isolate controls (U+202A–U+202E,
// U+2066–U+2069) that can make text display in another order than it is.
// Line and paragraph separators become newlines, and invalid UTF-8
// becomes U+FFFD.
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b: // ESC: skip the whole sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b || r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f:
			// 8-bit CSI, OSC, DCS, PM, APC: skip like their ESC forms
			i += size + sequenceBody(s[i+size:], r == 0x9b)
			continue
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		case r == 0x2028 || r == 0x2029:
			b.WriteByte('\n')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no change (the common case: no
// allocation).
func clean(s string) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f), r == utf8.RuneError:
			return false
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028 || r == 0x2029:
			return false
		}
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s (which
// begins with ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI
		return 2 + sequenceBody(s[2:], true)
	case ']', 'P', '^', '_', 'X': // OSC, DCS, PM, APC, SOS: up to ST or BEL
		return 2 + sequenceBody(s[2:], false)
	}
	if s[1] >= 0x20 && s[1] <= 0x2f { // ESC ( B and the like
		n := 2
		for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
			n++
		}
		if n < len(s) {
			n++
		}
		return n
	}
	if s[1] < 0x20 || s[1] == 0x7f {
		return 1 // a lone ESC before another control
	}
	return 2 // ESC and one character (ESC c, ESC 7, …)
}

// sequenceBody is the length of a sequence's body after its introducer:
// for CSI, parameters up to and including the final byte (0x40–0x7e); for
// strings (OSC and the rest), up to and including BEL, ESC \ or 8-bit ST.
func sequenceBody(s string, csi bool) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if csi {
			if c >= 0x40 && c <= 0x7e {
				return i + 1
			}
			if c < 0x20 || c > 0x7e {
				return i // malformed (a control, or not ASCII): stop before it
			}
			continue
		}
		switch {
		case c == 0x07:
			return i + 1
		case c == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		case c == '\n':
			return i // never swallow the rest of the text
		}
	}
	return len(s)
}

// MaxLineBytes bounds one line read from the trainee: more than enough
// for the 4,000 characters the character hears (at most 4 bytes each),
// however long the line typed or piped.
const MaxLineBytes = 64 << 10

// ReadLine reads one line from r, without its line ending, keeping at
// most limit bytes (cut on a character boundary) and discarding the rest of
// the line, so a line of any length costs at most r's buffer and limit
// bytes of memory. cut reports that some was discarded. At end of input
// the last line, if any, is returned with a nil error; then io.EOF.
func ReadLine(r *bufio.Reader, limit int) (line string, cut bool, err error) {
	var b []byte
	read := false
	for {
		frag, err := r.ReadSlice('\n')
		if len(frag) > 0 {
			read = true
		}
		if room := limit - len(b); room > 0 {
			if len(frag) > room {
				b, cut = append(b, frag[:room]...), true
			} else {
				b = append(b, frag...)
			}
		} else if len(frag) > 0 && !(len(frag) == 1 && frag[0] == '\n') {
			cut = true
		}
		switch {
		case err == nil:
			return finish(b, cut), cut, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && read:
			return finish(b, cut), cut, nil
		default:
			return "", false, err
		}
	}
}

// finish drops the line ending and, if the line was cut, a character
// left incomplete by the cut.
func finish(b []byte, cut bool) string {
	if cut && len(b) > 0 {
		i := len(b) - 1
		for i > 0 && !utf8.RuneStart(b[i]) && len(b)-i < utf8.UTFMax {
			i--
		}
		if !utf8.FullRune(b[i:]) {
			b = b[:i]
		}
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r")
}
