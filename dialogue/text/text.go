// Package text cleans and tokenises what a trainee types, for the engine,
// the scorer and the pattern matchers alike: one spelling of every word.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/dialogue/internal/wordmap"
)

// MaxReplyRunes is the longest trainee reply the engine reads; the bot cuts
// longer replies (with a notice) before they reach Step.
const MaxReplyRunes = 4000

// Token is one word of a trainee reply, in three spellings: as typed
// (lower-cased), normalised (contractions expanded, British spelling folded
// to American), and stemmed. Start and End are byte offsets into the
// cleaned text, so findings can quote the trainee's own words.
type Token struct {
	Raw   string
	Norm  string
	Stem  string
	Start int
	End   int
	// SentenceEnd: a question mark, full stop, exclamation mark or
	// semicolon follows the word, so a new question may start after it.
	SentenceEnd bool
	// Capital: the word was written with a capital letter, which mid-
	// sentence marks a name for @name in a pattern.
	Capital bool
}

// Clean makes text safe to process: invalid UTF-8 is replaced, control and
// zero-width characters are dropped (newlines and tabs become spaces), and
// runs of white space are folded. It never panics and never grows the text
// beyond MaxReplyRunes runes; the second result reports a cut.
func Clean(text string) (string, bool) {
	if isClean(text) {
		return text, false
	}
	var b strings.Builder
	b.Grow(len(text))
	runes, cut, space := 0, false, false
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size <= 1 {
				r = '\uFFFD'
			}
		}
		i += size
		switch {
		case r > ' ' && r < 0x7f:
			// printable ASCII, most of every reply: neither space nor
			// control, so no table lookups
		case r == '\n' || r == '\t' || r == '\r' || unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
			// zero-width joiners, bidi overrides and the like: invisible,
			// and a way to smuggle text past a reader.
			continue
		}
		sep := space && b.Len() > 0
		if runes >= MaxReplyRunes || (sep && runes+1 >= MaxReplyRunes) {
			cut = true
			break
		}
		if sep {
			b.WriteByte(' ')
			runes++
		}
		space = false
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
		runes++
	}
	return b.String(), cut
}

// contractions expand to their full forms so patterns need name only one.
var contractions = map[string][]string{
	"won't": {"will", "not"}, "can't": {"can", "not"}, "cannot": {"can", "not"},
	"shan't": {"shall", "not"}, "ain't": {"is", "not"}, "let's": {"let", "us"},
	"i'm": {"i", "am"}, "y'all": {"you", "all"}, "gonna": {"going", "to"},
	"wanna": {"want", "to"}, "gotta": {"got", "to"}, "dunno": {"do", "not", "know"},
	"im": {"i", "am"}, "dont": {"do", "not"}, "didnt": {"did", "not"},
	"doesnt": {"does", "not"}, "havent": {"have", "not"}, "hasnt": {"has", "not"},
	"isnt": {"is", "not"}, "wasnt": {"was", "not"}, "wont": {"will", "not"},
	"cant": {"can", "not"}, "couldnt": {"could", "not"}, "wouldnt": {"would", "not"},
	"shouldnt": {"should", "not"}, "arent": {"are", "not"}, "werent": {"were", "not"},
	"youre": {"you", "are"}, "theyre": {"they", "are"}, "hes": {"he", "is"},
	"shes": {"she", "is"}, "ive": {"i", "have"}, "youve": {"you", "have"},
	"id": {"i", "would"}, "youd": {"you", "would"}, "ill": {"i", "will"},
	"hows": {"how", "is"}, "whats": {"what", "is"}, "thats": {"that", "is"},
	"wheres": {"where", "is"}, "whos": {"who", "is"}, "theres": {"there", "is"},
	"shouldve": {"should", "have"}, "couldve": {"could", "have"}, "wouldve": {"would", "have"},
	"yall": {"you", "all"},
	// chat forms
	"wudnt": {"would", "not"}, "wouldnt've": {"would", "not", "have"}, "shudnt": {"should", "not"},
	"cudnt": {"could", "not"}, "wats": {"what", "is"}, "ure": {"you", "are"},
	"hed": {"he", "would"}, "kinda": {"kind", "of"}, "sorta": {"sort", "of"},
	"gotta've": {"got", "to", "have"}, "shoulda": {"should", "have"}, "coulda": {"could", "have"},
	"woulda": {"would", "have"}, "whatcha": {"what", "are", "you"}, "didja": {"did", "you"},
	"dontcha": {"do", "not", "you"}, "gimme": {"give", "me"}, "lemme": {"let", "me"},
	"doesn": {"does", "not"}, "idk": {"i", "do", "not", "know"},
	"ty": {"thank", "you"}, "thx": {"thanks"}, "thnx": {"thanks"}, "tnx": {"thanks"},
	"hw": {"how"}, "hows'": {"how", "is"}, "whr": {"where"},
}

// spelling folds British spellings (the course material is Scottish) to one
// form, so "behaviour" and "behavior" match alike.
var spelling = map[string]string{
	"behaviour": "behavior", "behaviours": "behaviors", "colour": "color",
	"mum": "mom", "mums": "moms", "mummy": "mommy", "neighbour": "neighbor",
	"neighbours": "neighbors", "organise": "organize", "realise": "realize",
	"realised": "realized", "recognise": "recognize", "apologise": "apologize",
	"apologised": "apologized", "minimise": "minimize", "minimising": "minimizing",
	"minimised": "minimized", "prioritise": "prioritize", "emphasise": "emphasize",
	"centre": "center", "programme": "program", "programmes": "programs",
	"judgement": "judgment", "counselling": "counseling", "favour": "favor",
	"honour": "honor", "defence": "defense", "offence": "offense",
	"practise": "practice", "licence": "license", "travelled": "traveled",
	"cancelled": "canceled", "analyse": "analyze", "criticise": "criticize",
	"jewellery": "jewelry", "maths": "math", "whilst": "while", "amongst": "among",
	"labour": "labor", "humour": "humor", "rumour": "rumor", "worshipping": "worshiping",
	"fulfil": "fulfill", "enrol": "enroll", "mould": "mold", "cheque": "check",
	// chat spellings
	"u": "you", "ya": "you", "nite": "night", "tonite": "tonight", "thru": "through",
	"bc": "because", "cos": "because", "coz": "because", "cuz": "because",
	"pls": "please", "plz": "please", "b4": "before", "wat": "what", "wot": "what",
	"threatend": "threatened", "recieve": "receive", "trivialise": "trivialize", "trivialising": "trivializing",
	"realising": "realizing", "recognising": "recognizing", "prioritising": "prioritizing",
	"organising": "organizing", "apologising": "apologizing", "criticising": "criticizing",
	"antagonise": "antagonize", "antagonising": "antagonizing", "normalise": "normalize",
	"normalising": "normalizing",
	// chat spellings and common typos
	"shud": "should", "wud": "would", "cud": "could", "shld": "should", "wld": "would",
	"r": "are", "n": "and", "y": "why", "rly": "really", "rlly": "really", "tho": "though",
	"wen": "when", "wit": "with", "abt": "about", "kno": "know", "knw": "know",
	"ur": "your", "yr": "your", "wy": "why", "fone": "phone", "phn": "phone", "evr": "ever",
	"efect": "effect", "effct": "effect", "gud": "good", "nxt": "next", "wk": "week",
	"tmrw": "tomorrow", "hav": "have", "wer": "were", "sumone": "someone", "sum1": "someone",
	"any1": "anyone", "every1": "everyone", "no1": "nobody", "bout": "about", "mony": "money",
	"munny": "money", "skool": "school", "kidz'": "kids", "dad's'": "dad", "luv": "love",
	"ppl": "people", "urself": "yourself", "yourslef": "yourself", "missus": "wife",
	"bf": "boyfriend", "gf": "girlfriend", "hubby": "husband", "kiddos": "kids", "kidz": "kids",
	"soz": "sorry", "sry": "sorry", "txt": "text", "msg": "message", "bcos": "because", "becuase": "because",
	"leaev": "leave", "levae": "leave", "leve": "leave", "leavin": "leaving",
	"protecc": "protect", "portect": "protect", "proctect": "protect", "protet": "protect",
	"protectin": "protecting", "protectd": "protected",
	"lettin": "letting", "takin": "taking", "doin": "doing", "goin": "going", "comin": "coming",
	"choosin": "choosing", "gettin": "getting", "screamin": "screaming", "shoutin": "shouting",
	"yellin": "yelling", "sleepin": "sleeping", "replyin": "replying", "checkin": "checking",
	"tryin": "trying", "sayin": "saying", "makin": "making", "puttin": "putting", "stayin": "staying",
	"drinkin": "drinking", "fightin": "fighting", "arguin": "arguing", "callin": "calling",
	"keepin": "keeping", "talkin": "talking", "hittin": "hitting", "kickin": "kicking",
	"pushin": "pushing", "walkin": "walking", "lookin": "looking", "thinkin": "thinking",
	"feelin": "feeling", "workin": "working", "havin": "having", "givin": "giving",
	"allowin": "allowing", "waitin": "waiting", "lyin": "lying", "defendin": "defending",
	"windin": "winding", "naggin": "nagging", "movin": "moving", "ringin": "ringing",
	"restrainin": "restraining", "happenin": "happening", "bein": "being", "seein": "seeing",
	"wantin": "wanting", "tellin": "telling", "askin": "asking", "cryin": "crying",
	"becuz": "because", "agian": "again", "agen": "again", "realy": "really",
	"definately": "definitely", "shouldof": "should", "couldof": "could", "wouldof": "would",
	"thier": "their", "freind": "friend", "freinds": "friends",
	"childern": "children", "chidlren": "children", "kds": "kids", "familly": "family",
	"polic": "police", "plice": "police", "violance": "violence", "violense": "violence",
	"respnsible": "responsible", "responsable": "responsible", "fualt": "fault", "falt": "fault",
}

// isClean reports whether Clean would return text as it is: printable
// ASCII, single spaces between words, none at either end, and short
// enough. Most replies are, and are spared the copy. It reads eight
// bytes at a time, testing all eight at once with the bit tricks of
// Hacker's Delight (each exact: no carry crosses a byte).
func isClean(text string) bool {
	n := len(text)
	if n > MaxReplyRunes || n == 0 || text[0] == ' ' || text[n-1] == ' ' {
		return false
	}
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var lastSpace uint64 // the previous block's last byte was a space: 0x80
	i := 0
	for ; i+8 <= n; i += 8 {
		x := load8(text[i:])
		low := x &^ highs
		control := ^((low + (0x80-' ')*ones) | x) & highs // a byte under ' '
		beyond := (x | (low + ones)) & highs              // a byte over '~'
		y := x ^ (' ' * ones)
		spaces := ^(((y &^ highs) + 0x7f*ones) | y) & highs // a byte that is ' '
		if control|beyond|spaces&(spaces<<8|lastSpace) != 0 {
			return false
		}
		lastSpace = spaces >> 56
	}
	prev := byte(0)
	if i > 0 {
		prev = text[i-1]
	}
	for ; i < n; i++ {
		c := text[i]
		if c < ' ' || c > '~' || c == ' ' && prev == ' ' {
			return false
		}
		prev = c
	}
	return true
}

// load8 is the first eight bytes of s, little-endian (one load, once the
// compiler has combined the eight).
func load8(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// Tokenize splits cleaned text into word tokens. Apostrophes inside words
// are kept long enough to expand contractions ("haven't" → have not); a
// contraction yields several tokens sharing the original span.
func Tokenize(text string) []Token {
	return AppendTokens(make([]Token, 0, len(text)/5+1), text)
}

// AppendTokens is Tokenize appending to toks, for a caller that reuses
// the memory from line to line (the scorer, on every reply).
func AppendTokens(toks []Token, text string) []Token {
	// an ASCII reply, nearly every one, is lower-cased at once, not word
	// by word (one copy at most, none for a reply with no capitals), and
	// read a byte at a time. Lower-casing other letters can change their
	// length (İ), and so where the words are: then each word is lowered
	// alone.
	if lower, ok := lowerASCII(text); ok {
		return appendASCIITokens(toks, text, lower)
	}
	return appendAnyTokens(toks, text)
}

// appendAnyTokens is AppendTokens for any text, a rune at a time.
func appendAnyTokens(toks []Token, text string) []Token {
	i := 0
	for i < len(text) {
		r, size := decodeRune(text, i)
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			r, size = decodeRune(text, i)
			if isWordRune(r) {
				i += size
				continue
			}
			// an apostrophe between letters stays inside the word
			if (r == '\'' || r == '’') && i+size < len(text) {
				if n, _ := decodeRune(text, i+size); unicode.IsLetter(n) {
					i += size
					continue
				}
			}
			break
		}
		toks = appendWord(toks, text[start:i], strings.ToLower(text[start:i]), start, i, false)
		toks = markSentenceEnd(toks, text, i)
	}
	return toks
}

// appendASCIITokens is AppendTokens for an ASCII text, lower its
// lower-cased copy.
func appendASCIITokens(toks []Token, text, lower string) []Token {
	n := len(text)
	for i := 0; i < n; {
		if !asciiWord[text[i]&0x7f] {
			i++
			continue
		}
		start := i
		for i < n {
			c := text[i] & 0x7f
			// an apostrophe between letters stays inside the word
			if asciiWord[c] || c == '\'' && i+1 < n && asciiLetter(text[i+1]) {
				i++
				continue
			}
			break
		}
		toks = appendWord(toks, text[start:i], lower[start:i], start, i, true)
		toks = markSentenceEnd(toks, text, i)
	}
	return toks
}

// markSentenceEnd marks the last of toks, a word ending at text[end], as
// ending a sentence when a question mark, full stop, exclamation mark or
// semicolon follows it.
func markSentenceEnd(toks []Token, text string, end int) []Token {
	j := end
	for j < len(text) && text[j] == ' ' {
		j++
	}
	if j < len(text) {
		switch text[j] {
		case '?', '.', '!', ';':
			toks[len(toks)-1].SentenceEnd = true
		}
	}
	return toks
}

func asciiLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// lowerASCII is s lower-cased, and true, when s is ASCII; s and false
// otherwise. Capitals are few (a sentence's first word, names), so the
// copy goes a run of small letters at a time.
func lowerASCII(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return s, false
		case 'A' <= c && c <= 'Z':
			return lowerFrom(s, i)
		}
	}
	return s, true
}

// lowerFrom is lowerASCII for s with its first capital at first.
func lowerFrom(s string, first int) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:first])
	from := first
	for i := first; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return s, false
		case 'A' <= c && c <= 'Z':
			b.WriteString(s[from:i])
			b.WriteByte(c + 'a' - 'A')
			from = i + 1
		}
	}
	b.WriteString(s[from:])
	return b.String(), true
}

// decodeRune is the rune at text[i] and its length, ASCII without a call.
func decodeRune(text string, i int) (rune, int) {
	if c := text[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// asciiWord marks the ASCII letters and digits: a table, because where a
// word ends is not a pattern the processor can guess, and a mispredicted
// chain of range tests costs more than a load.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// appendWord appends the tokens of word, raw being word lower-cased;
// ascii says that the reply is all ASCII.
func appendWord(toks []Token, word, raw string, start, end int, ascii bool) []Token {
	capital := 'A' <= word[0] && word[0] <= 'Z'
	if !ascii {
		raw = strings.ReplaceAll(raw, "’", "'")
		first, _ := utf8.DecodeRuneInString(word)
		capital = unicode.IsUpper(first)
	}
	add := func(norm string) {
		toks = append(toks, Token{Raw: raw, Norm: norm, Stem: Stem(norm), Start: start, End: end, Capital: capital})
	}
	w := forms(raw)
	if w.parts != nil {
		for _, p := range w.parts {
			add(p)
		}
		return toks
	}
	if j := strings.IndexByte(raw, '\''); j > 0 {
		base, suffix := raw[:j], raw[j+1:]
		switch suffix {
		case "t": // haven't, didn't, wouldn't
			if strings.HasSuffix(base, "n") {
				add(strings.TrimSuffix(base, "n"))
				add("not")
				return toks
			}
		case "re":
			add(base)
			add("are")
			return toks
		case "ve":
			add(base)
			add("have")
			return toks
		case "ll":
			add(base)
			add("will")
			return toks
		case "d":
			add(base)
			add("would")
			return toks
		case "m":
			add(base)
			add("am")
			return toks
		case "s":
			// "he's" is "he is"; "Brian's" is a possessive we keep as the name.
			switch base {
			case "he", "she", "it", "that", "there", "what", "who", "where", "here", "how":
				add(base)
				add("is")
			default:
				add(base)
			}
			return toks
		}
		raw = strings.ReplaceAll(raw, "'", "")
		w = forms(raw)
	}
	if w.us != "" {
		add(w.us)
		return toks
	}
	toks = append(toks, Token{Raw: raw, Norm: raw, Stem: stem(raw, w), Start: start, End: end, Capital: capital})
	return toks
}

// wordForms is what the tokeniser's word lists say about one spelling:
// its expansion (contractions), its US form (spelling) and its stem if
// irregular, so that the common word costs one lookup, not three.
type wordForms struct {
	parts   []string
	us      string
	stem    string
	hasStem bool
}

var lexicon = wordmap.New(func() map[string]wordForms {
	m := map[string]wordForms{}
	for w, parts := range contractions {
		f := m[w]
		f.parts = parts
		m[w] = f
	}
	for w, us := range spelling {
		f := m[w]
		f.us = us
		m[w] = f
	}
	for w, st := range irregular {
		f := m[w]
		f.stem, f.hasStem = st, true
		m[w] = f
	}
	return m
}())

// forms is w's entry in the lexicon, the zero wordForms if none.
func forms(w string) *wordForms {
	if f := lexicon.Find(w); f != nil {
		return f
	}
	return &noForms
}

var noForms wordForms

// Stem is a small suffix-stripper in the spirit of Porter's first steps:
// enough that "leave", "leaving" and "leaves", or "protect", "protected"
// and "protecting" share a stem, without a dictionary. Irregular forms the
// course vocabulary needs are listed.
func Stem(w string) string { return stem(w, forms(w)) }

// stem is Stem with w's entry in lexicon already looked up.
func stem(w string, f *wordForms) string {
	if f.hasStem {
		return f.stem
	}
	n := len(w)
	if n <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "ing") && n > 5:
		return restoreE(w[:n-3])
	case strings.HasSuffix(w, "ed") && n > 4:
		if strings.HasSuffix(w, "ied") {
			return w[:n-3] + "y"
		}
		return restoreE(w[:n-2])
	case strings.HasSuffix(w, "ly") && n > 5:
		return w[:n-2]
	case strings.HasSuffix(w, "es") && n > 4 && (strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		// "cares" keeps the e of "care"; "leaves" drops it as "leave" does.
		base := w[:n-1]
		if len(base) > 4 {
			base = strings.TrimSuffix(base, "e")
		}
		return base
	case strings.HasSuffix(w, "e") && n > 4:
		return w[:n-1]
	}
	return w
}

// restoreE finishes a stem whose -ing or -ed was cut, as Porter's step 1b
// does: "stopp" loses its double letter, a short consonant-vowel-consonant
// stem gets its e back ("car" from "caring" is "care", "mov" is "move"),
// so the -ing and -ed forms meet the base word.
func restoreE(s string) string {
	n := len(s)
	if n >= 3 && s[n-1] == s[n-2] && !strings.ContainsRune("lsz", rune(s[n-1])) {
		return s[:n-1]
	}
	if n == 3 && !isVowel(s[0]) && isVowel(s[1]) && !isVowel(s[2]) && !strings.ContainsRune("wxy", rune(s[2])) {
		return s + "e"
	}
	if n >= 2 && strings.HasSuffix(s, "e") {
		return s[:n-1]
	}
	return s
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

var irregular = map[string]string{
	"left": "leav", "leave": "leav", "leaves": "leav", "leaving": "leav",
	"children": "child", "kids": "kid", "men": "man", "women": "woman",
	"drank": "drink", "drunk": "drink", "drinking": "drink", "drinks": "drink",
	"hit": "hit", "hitting": "hit", "hits": "hit", "saw": "see", "seen": "see",
	"sees": "see", "seeing": "see", "took": "take", "taken": "take", "taking": "take",
	"kept": "keep", "keeping": "keep", "said": "say", "says": "say", "told": "tell",
	"telling": "tell", "went": "go", "gone": "go", "going": "go", "goes": "go",
	"did": "do", "does": "do", "done": "do", "doing": "do", "was": "be", "were": "be",
	"is": "be", "are": "be", "am": "be", "been": "be", "being": "be",
	"has": "have", "had": "have", "having": "have", "felt": "feel", "feeling": "feel",
	"made": "make", "making": "make", "got": "get", "getting": "get", "gotten": "get",
	"came": "come", "coming": "come", "knew": "know", "known": "know",
	"thought": "think", "brought": "bring", "chose": "choos", "chosen": "choos",
	"choose": "choos", "chooses": "choos", "choosing": "choos", "let": "let",
	"letting": "let", "lets": "let", "ran": "run", "running": "run",
	"money": "money", "benefits": "benefit", "boys": "boy", "police": "police",
	"this": "this", "his": "his", "yes": "yes",
	"use": "use", "uses": "use", "used": "use", "using": "use",
}

// Words returns the normalised words of text, for matching.
func Words(text string) []string {
	toks := Tokenize(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Norm
	}
	return out
}
