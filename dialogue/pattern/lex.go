package pattern

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// itemType identifies the kind of a lexical item.
type itemType uint8

const (
	itemError        itemType = iota // text is the message
	itemEOF                          // end of the pattern
	itemWord                         // a word with its sigils: leave, =left, leav*, ~kids, @name
	itemNot                          // !
	itemOptional                     // ? straight after an element
	itemGap                          // * or *N standing on its own
	itemStart                        // ^
	itemLeftParen                    // (
	itemRightParen                   // )
	itemLeftBracket                  // [
	itemRightBracket                 // ]
)

// item is one token of a pattern's source.
type item struct {
	typ  itemType
	pos  int // byte offset in the source
	text string
}

func (i item) String() string {
	switch i.typ {
	case itemEOF:
		return "the end of the pattern"
	case itemWord:
		return fmt.Sprintf("%q", i.text)
	case itemGap:
		return fmt.Sprintf("gap %q", i.text)
	}
	return fmt.Sprintf("%q", i.text)
}

// operators are the characters that end a word.
const operators = "()[]!?^ "

// lex splits src into items. It stops at the first error, which it reports
// as an itemError (control characters, a lone "*" glued to an operator).
// The caller has already bounded src's length.
func lex(src string) []item {
	var items []item
	emit := func(t itemType, pos int, text string) { items = append(items, item{t, pos, text}) }
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == ' ':
			i++
		case r == utf8.RuneError && size == 1:
			emit(itemError, i, "the pattern is not valid UTF-8")
			return items
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			emit(itemError, i, fmt.Sprintf("control or formatting character %U is not allowed in a pattern (use plain spaces between words)", r))
			return items
		case r == '!':
			emit(itemNot, i, "!")
			i++
		case r == '?':
			emit(itemOptional, i, "?")
			i++
		case r == '^':
			emit(itemStart, i, "^")
			i++
		case r == '(':
			emit(itemLeftParen, i, "(")
			i++
		case r == ')':
			emit(itemRightParen, i, ")")
			i++
		case r == '[':
			emit(itemLeftBracket, i, "[")
			i++
		case r == ']':
			emit(itemRightBracket, i, "]")
			i++
		case r == '*':
			// a gap: "*" or "*N", standing on its own
			start := i
			i++
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			emit(itemGap, start, src[start:i])
		default:
			start := i
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if r < utf8.RuneSelf && containsByte(operators, byte(r)) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (r == utf8.RuneError && size == 1) {
					break
				}
				i += size
				if r == '*' { // a prefix ends at its star
					break
				}
			}
			emit(itemWord, start, src[start:i])
		}
	}
	emit(itemEOF, len(src), "")
	return items
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}
