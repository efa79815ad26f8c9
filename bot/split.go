package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Split cuts text into parts of at most limit characters each, for
// platforms that cap a message's length (Discord: 2,000; Slack's plain
// text: about 4,000). It cuts after a line break where it can, else after
// a space, else between two runes; so nothing is lost and joining the
// parts gives back text exactly. There are no empty parts, and empty text
// gives none.
//
// Platforms disagree on what a character is, so Split counts
// conservatively: a rune outside the Basic Multilingual Plane (most emoji)
// counts as two, as it does in UTF-16 (JavaScript's length). Every part
// therefore fits the limit whether a platform counts code points or UTF-16
// code units. A line break's "\r\n" is never cut in two.
//
// Split panics if limit is less than 2, the widest rune.
func Split(text string, limit int) []string {
	if limit < 2 {
		panic("bot.Split: limit must be at least 2")
	}
	var parts []string
	for text != "" {
		if Width(text) <= limit {
			parts = append(parts, text)
			break
		}
		cut := splitPoint(text, limit)
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return parts
}

// Width is the length of s as Split counts it: runes, with a rune
// outside the Basic Multilingual Plane counting as two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// splitPoint returns the byte offset at which to end the next part of s,
// which is wider than limit: after the last line break that fits, else
// after the last space that fits, else after the last rune that fits. It
// is always > 0, so Split makes progress.
func splitPoint(s string, limit int) int {
	// end: the byte offset just past the widest prefix that fits.
	// (The byte length comes from decoding, not utf8.RuneLen: an invalid
	// byte decodes as U+FFFD, three bytes long, but occupies one.)
	end, w := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		rw := runeWidth(r)
		if w+rw > limit {
			break
		}
		w += rw
		end += size
	}
	if end == 0 { // cannot happen with limit >= 2; be safe
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	window := s[:end]
	// Never leave a "\r" at the end of a part when its "\n" follows.
	if strings.HasSuffix(window, "\r") && strings.HasPrefix(s[end:], "\n") && end > 1 {
		window = window[:end-1]
	}
	if i := strings.LastIndexByte(window, '\n'); i >= 0 {
		return i + 1
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i >= 0 {
		_, size := utf8.DecodeRuneInString(window[i:])
		return i + size
	}
	return len(window)
}
