// Package pattern is the one pattern language of Pivot: the scenarios'
// intent patterns and the scorer's rules are written in it (full
// reference: docs/patterns.md).
//
// A pattern is a list of terms that must all match, in any order,
// anywhere in the line:
//
//	leave            the word in any form: its stem matches (leave, leaves, leaving)
//	=left            exactly this word, as normalised (contractions expanded, one spelling)
//	argu*            any word starting with "argu"
//	~kids            any member of the concept "kids" (members are words or phrases)
//	@name            a word the caller marks as a person's name
//	[a b (c d)]      any one of the alternatives
//	(how are you)    these words in a row, within one sentence
//	!x               x does not match here
//
// Inside a sequence:
//
//	(how * boys)     * skips up to 3 words; *N up to N (1 to 12)
//	(you ~adv? know) x? matches x if it is there
//	(will !not go)   !x: the next words are not x (it consumes nothing)
//	(^ i will)       ^ first: the sequence starts a sentence
//
// "!x" means one thing everywhere: x does not match at the place it
// stands. Inside a sequence that place is the next word; as a term of the
// pattern, whose terms may be anywhere, it is anywhere in the line.
//
// A match's Weight (its specificity) is the number of words its terms
// matched, a prefix counting 0.75, so a pattern that says more wins.
//
// Parsing is a small hand-written lexer and recursive-descent parser in
// the manner of text/template/parse; errors are *Error values naming the
// character and what was expected. Compile turns the tree into a program
// (a DAG: gaps and optional words are bounded, so nothing loops), with
// words normalised and concepts expanded through Options supplied by the
// caller, so the package depends on neither the scorer nor the scenarios.
//
// A Matcher runs programs over one line's tokens with memoisation on
// (instruction, position): a match costs at most Size() × (words +
// sentences) steps whatever the pattern, and every Matcher has a step
// budget, so no line and no pattern can pin a core (issue 16: 16 gaps
// against 100 words took 13 s of backtracking; it now takes a few
// thousand steps).
package pattern
