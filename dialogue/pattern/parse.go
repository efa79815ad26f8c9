package pattern

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest pattern source accepted, in bytes. Patterns are
// written by hand; anything longer is a mistake or an attack.
const MaxLength = 2000

// MaxGap is the most words one gap may skip ("*12").
const MaxGap = 12

// DefaultGap is how many words a bare "*" may skip.
const DefaultGap = 3

// Error says what is wrong with a pattern and where: Offset is the byte
// offset in Pattern, Char the same place counted in characters from 1.
type Error struct {
	Pattern string
	Offset  int
	Msg     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("pattern %q at character %d: %s", e.Pattern, e.Char(), e.Msg)
}

// Char is the 1-based character position of the error.
func (e *Error) Char() int {
	off := min(max(e.Offset, 0), len(e.Pattern))
	return utf8.RuneCountInString(e.Pattern[:off]) + 1
}

// Node is one node of a parsed pattern.
type Node interface {
	// Position is the byte offset of the node in the source.
	Position() int
	String() string
}

// WordKind says how a word is compared with the line.
type WordKind uint8

const (
	AnyForm WordKind = iota // leave: any word with the same stem
	Exact                   // =left: exactly this word, as normalised
	Prefix                  // argu*: any word starting with these letters
)

// WordNode is a word, =word or prefix*.
type WordNode struct {
	Pos  int
	Kind WordKind
	Text string // without sigils
}

// ConceptNode is ~name: any member of the caller's concept.
type ConceptNode struct {
	Pos  int
	Name string
}

// NameNode is @name: any word the caller marks as a person's name.
type NameNode struct{ Pos int }

// AltNode is [a b c]: any one of the alternatives.
type AltNode struct {
	Pos   int
	Items []Node
}

// SeqNode is (a b c): the items in a row, within one sentence.
type SeqNode struct {
	Pos    int
	Anchor bool // ^: the sequence starts a sentence
	Items  []Node
}

// GapNode is * or *N inside a sequence: skip up to Max words.
type GapNode struct {
	Pos int
	Max int
}

// NotNode is !x: x does not match here. Inside a sequence "here" is the
// next word; as a term of the pattern it is anywhere in the line.
type NotNode struct {
	Pos int
	X   Node
}

// OptNode is x? inside a sequence: x if it is there.
type OptNode struct {
	Pos int
	X   Node
}

func (n *WordNode) Position() int    { return n.Pos }
func (n *ConceptNode) Position() int { return n.Pos }
func (n *NameNode) Position() int    { return n.Pos }
func (n *AltNode) Position() int     { return n.Pos }
func (n *SeqNode) Position() int     { return n.Pos }
func (n *GapNode) Position() int     { return n.Pos }
func (n *NotNode) Position() int     { return n.Pos }
func (n *OptNode) Position() int     { return n.Pos }

func (n *WordNode) String() string {
	switch n.Kind {
	case Exact:
		return "=" + n.Text
	case Prefix:
		return n.Text + "*"
	}
	return n.Text
}
func (n *ConceptNode) String() string { return "~" + n.Name }
func (n *NameNode) String() string    { return "@name" }
func (n *AltNode) String() string     { return "[" + join(n.Items) + "]" }
func (n *SeqNode) String() string {
	if n.Anchor {
		return "(^ " + join(n.Items) + ")"
	}
	return "(" + join(n.Items) + ")"
}
func (n *GapNode) String() string {
	if n.Max == DefaultGap {
		return "*"
	}
	return "*" + strconv.Itoa(n.Max)
}
func (n *NotNode) String() string { return "!" + n.X.String() }
func (n *OptNode) String() string { return n.X.String() + "?" }

func join(ns []Node) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = n.String()
	}
	return strings.Join(parts, " ")
}

// Tree is a parsed pattern: terms that must all hold, in any order.
type Tree struct {
	Source string
	Terms  []Node
}

// String prints the pattern in its canonical spelling.
func (t *Tree) String() string { return join(t.Terms) }

// Parse parses a pattern without looking words or concepts up. The error,
// if any, is an *Error naming the place and what was expected there.
func Parse(src string) (*Tree, error) {
	if len(src) > MaxLength {
		return nil, &Error{Pattern: src[:MaxLength], Offset: MaxLength, Msg: fmt.Sprintf("a pattern may be at most %d bytes long", MaxLength)}
	}
	p := &parser{src: src, items: lex(src)}
	t, err := p.pattern()
	if err != nil {
		return nil, err
	}
	return t, nil
}

// parser walks the items with one item of lookahead.
type parser struct {
	src   string
	items []item
	at    int
}

func (p *parser) peek() item { return p.items[p.at] }

func (p *parser) next() item {
	it := p.items[p.at]
	if it.typ != itemEOF && it.typ != itemError {
		p.at++
	}
	return it
}

func (p *parser) errorf(pos int, format string, a ...any) error {
	return &Error{Pattern: p.src, Offset: pos, Msg: fmt.Sprintf(format, a...)}
}

// unexpected reports item it where something else was expected.
func (p *parser) unexpected(it item, expected string) error {
	if it.typ == itemError {
		return p.errorf(it.pos, "%s", it.text)
	}
	return p.errorf(it.pos, "expected %s, found %s", expected, it)
}

func (p *parser) pattern() (*Tree, error) {
	t := &Tree{Source: p.src}
	positive := 0
	for {
		it := p.peek()
		switch it.typ {
		case itemEOF:
			if positive == 0 {
				return nil, p.errorf(0, "a pattern needs at least one term that must appear")
			}
			return t, nil
		case itemGap:
			return nil, p.errorf(it.pos, "%q skips words only inside a sequence, as in (how * boys)", it.text)
		case itemStart:
			return nil, p.errorf(it.pos, `"^" goes first inside a sequence, as in (^ how are you)`)
		case itemRightParen, itemRightBracket:
			return nil, p.errorf(it.pos, "%q closes nothing", it.text)
		}
		var term Node
		if it.typ == itemNot {
			p.next()
			x, err := p.element("a word, ~concept, [ or ( after !")
			if err != nil {
				return nil, err
			}
			term = &NotNode{Pos: it.pos, X: x}
		} else {
			x, err := p.element("a word, ~concept, [ or (")
			if err != nil {
				return nil, err
			}
			term = x
			positive++
		}
		if q := p.peek(); q.typ == itemOptional {
			return nil, p.errorf(q.pos, `"?" (optional) only means something inside a sequence, as in (you ~adv? know)`)
		}
		t.Terms = append(t.Terms, term)
	}
}

// element parses a word, concept, @name, [alternatives] or (sequence).
func (p *parser) element(expected string) (Node, error) {
	it := p.next()
	switch it.typ {
	case itemWord:
		return p.word(it)
	case itemLeftBracket:
		return p.alternatives(it)
	case itemLeftParen:
		return p.sequence(it)
	}
	return nil, p.unexpected(it, expected)
}

func (p *parser) word(it item) (Node, error) {
	w := it.text
	if nx := p.peek(); nx.typ == itemWord && nx.pos == it.pos+len(w) {
		return nil, p.errorf(nx.pos, `"*" ends a prefix: put a space after it`)
	}
	switch {
	case w == "@name":
		return &NameNode{Pos: it.pos}, nil
	case strings.HasPrefix(w, "@"):
		return nil, p.errorf(it.pos, "unknown %q: the only @ word is @name", w)
	case strings.HasPrefix(w, "~"):
		name := w[1:]
		if name == "" || strings.ContainsAny(name, "~=@*") {
			return nil, p.errorf(it.pos, "expected a concept name after ~, found %q", w)
		}
		return &ConceptNode{Pos: it.pos, Name: name}, nil
	}
	kind := AnyForm
	if strings.HasPrefix(w, "=") {
		kind, w = Exact, w[1:]
	}
	if strings.HasSuffix(w, "*") {
		if kind == Exact {
			return nil, p.errorf(it.pos, "a word is either =exact or a prefix*, not both")
		}
		kind, w = Prefix, strings.TrimSuffix(w, "*")
		if utf8.RuneCountInString(w) < 2 {
			return nil, p.errorf(it.pos, "a prefix needs at least two letters before the *")
		}
	}
	if w == "" || strings.ContainsAny(w, "~=@*") {
		return nil, p.errorf(it.pos, "expected a word, found %q", it.text)
	}
	return &WordNode{Pos: it.pos, Kind: kind, Text: w}, nil
}

// alternatives parses the rest of [a b c]: words, concepts, @name and
// sequences; no gaps, negations or optional items.
func (p *parser) alternatives(open item) (Node, error) {
	n := &AltNode{Pos: open.pos}
	for {
		it := p.peek()
		switch it.typ {
		case itemRightBracket:
			p.next()
			if len(n.Items) == 0 {
				return nil, p.errorf(open.pos, "[] needs at least one alternative")
			}
			return n, nil
		case itemEOF:
			return nil, p.errorf(open.pos, "this [ is never closed: expected ]")
		case itemNot, itemGap, itemOptional, itemStart:
			return nil, p.errorf(it.pos, "[ ] holds words, ~concepts, @name and (sequences), not %q", it.text)
		}
		x, err := p.element("an alternative or ]")
		if err != nil {
			return nil, err
		}
		n.Items = append(n.Items, x)
	}
}

// sequence parses the rest of (a b c).
func (p *parser) sequence(open item) (Node, error) {
	n := &SeqNode{Pos: open.pos}
	if p.peek().typ == itemStart {
		p.next()
		n.Anchor = true
	}
	for {
		it := p.peek()
		switch it.typ {
		case itemRightParen:
			p.next()
			return n, p.checkEnds(n)
		case itemEOF:
			return nil, p.errorf(open.pos, "this ( is never closed: expected )")
		case itemStart:
			return nil, p.errorf(it.pos, `"^" may only open a sequence, as in (^ how are you)`)
		case itemGap:
			p.next()
			g := &GapNode{Pos: it.pos, Max: DefaultGap}
			if len(it.text) > 1 {
				v, err := strconv.Atoi(it.text[1:])
				if err != nil || v < 1 || v > MaxGap {
					return nil, p.errorf(it.pos, "a gap is * (up to %d words) or *N with N from 1 to %d, not %q", DefaultGap, MaxGap, it.text)
				}
				g.Max = v
			}
			if len(n.Items) > 0 {
				if _, ok := n.Items[len(n.Items)-1].(*GapNode); ok {
					return nil, p.errorf(it.pos, "two gaps in a row: write one *N")
				}
			}
			n.Items = append(n.Items, g)
			continue
		case itemNot:
			p.next()
			x, err := p.element("a word, ~concept, [ or ( after !")
			if err != nil {
				return nil, err
			}
			if q := p.peek(); q.typ == itemOptional {
				return nil, p.errorf(q.pos, "!x cannot also be optional")
			}
			n.Items = append(n.Items, &NotNode{Pos: it.pos, X: x})
			continue
		}
		x, err := p.element("a word, ~concept, [, (, !, * or )")
		if err != nil {
			return nil, err
		}
		if q := p.peek(); q.typ == itemOptional {
			p.next()
			x = &OptNode{Pos: x.Position(), X: x}
		}
		n.Items = append(n.Items, x)
	}
}

// checkEnds: a sequence starts with a word it must match and ends with
// one, so "*" and "x?" never stand at its edges where they mean nothing.
func (p *parser) checkEnds(n *SeqNode) error {
	if len(n.Items) == 0 {
		return p.errorf(n.Pos, "() needs at least one word")
	}
	if !required(n.Items[0]) {
		return p.errorf(n.Items[0].Position(), "a sequence starts with a word it must match, not %s", n.Items[0])
	}
	last := n.Items[len(n.Items)-1]
	switch last.(type) {
	case *GapNode, *OptNode:
		return p.errorf(last.Position(), "a sequence ends with a word it must match, not %s", last)
	}
	return nil
}

func required(n Node) bool {
	switch n.(type) {
	case *GapNode, *OptNode, *NotNode:
		return false
	}
	return true
}
