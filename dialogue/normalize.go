package dialogue

import "github.com/pivotcoach/pivot/dialogue/text"

// The engine reads replies through package text, as the scorer does.

// MaxReplyRunes is the longest trainee reply the engine reads; the bot cuts
// longer replies (with a notice) before they reach Step.
const MaxReplyRunes = text.MaxReplyRunes

// Token is one word of a trainee reply (text.Token).
type Token = text.Token

// Clean makes text safe to process (text.Clean).
func Clean(s string) (string, bool) { return text.Clean(s) }

// Tokenize splits cleaned text into tokens (text.Tokenize).
func Tokenize(s string) []Token { return text.Tokenize(s) }

// Stem is a word's stem (text.Stem).
func Stem(w string) string { return text.Stem(w) }

// Words returns the normalised words of s (text.Words).
func Words(s string) []string { return text.Words(s) }
