package score

import (
	"strings"

	"github.com/pivotcoach/pivot/dialogue/internal/wordmap"
	"github.com/pivotcoach/pivot/dialogue/text"
)

// lexEntry is all the scan and the learned layer's features need to know
// about one spelling: its vocabulary ids and which word lists hold it.
// Each token is looked up once, in one map, instead of once per list (the
// string-keyed lookups were a tenth of the cost of a reply).
type lexEntry struct {
	exact int32 // vocabulary id of "=word"; -1 if no pattern uses it
	stem  int32 // vocabulary id of "+word"; -1 likewise
	flags wordFlags
	// known: the word is in the lexicon, and prefixes are the ids of the
	// listed prefixes it starts with ("leav*") and stemOfForm the
	// vocabulary id of "+" and its stem (text.Stem), worked out once here
	// rather than on every reply
	known      bool
	prefixes   []int32
	stemOfForm int32
}

// wordFlags are the word lists a spelling is in.
type wordFlags uint32

const (
	listedName          wordFlags = 1 << iota // the names concept
	notName                                   // the not_names concept: capitalised, not a name
	honorificWord                             // mr, dr …: its full stop ends no sentence
	negatorWord                               // featNegators
	subjectWord                               // featSubjects
	svoSubjectWord                            // svoSubjects
	svoSkipWord                               // svoSkip
	svoObjectWord                             // svoObjects
	openLead                                  // openLeads
	factLead                                  // factLeads
	auxLead                                   // auxLeads
	inviteVerb                                // inviteVerbs
	fillerWord                                // fillers
	questionSubject                           // questionSubjects
	reportVerb                                // reportVerbs
	reportNoun                                // reportNouns
	contrastWord                              // contrastWords
	laterContrastWord                         // laterContrast
	negationSubjectWord                       // negationSubjects
	negationHead                              // negationHeads
	opinionVerb                               // opinionVerbs
	disowningVerb                             // disowningVerbs
	hedgeWord                                 // hedges
	judgementWord                             // judgements
	auxiliaryWord                             // auxiliaries
)

var unknownWord = lexEntry{exact: -1, stem: -1, stemOfForm: -1}

// buildLexicon gathers the vocabulary's words and every list into one
// table.
func (rs *ruleSet) buildLexicon() {
	lexicon := map[string]lexEntry{}
	entry := func(w string) lexEntry {
		if e, ok := lexicon[w]; ok {
			return e
		}
		return unknownWord
	}
	for key, id := range rs.vocab {
		w := key[1:]
		e := entry(w)
		switch key[0] {
		case '=':
			e.exact = id
		case '+':
			e.stem = id
		default:
			continue
		}
		lexicon[w] = e
	}
	mark := func(words []string, f wordFlags) {
		for _, w := range words {
			e := entry(w)
			e.flags |= f
			lexicon[w] = e
		}
	}
	lower := func(ws []string) []string {
		out := make([]string, len(ws))
		for i, w := range ws {
			out[i] = strings.TrimPrefix(strings.ToLower(w), "=")
		}
		return out
	}
	mark(lower(rs.concepts["names"]), listedName)
	mark(lower(rs.concepts["not_names"]), notName)
	mark(honorifics, honorificWord)
	mark(featNegators, negatorWord)
	mark(featSubjects, subjectWord)
	mark(svoSubjects, svoSubjectWord)
	mark(svoSkip, svoSkipWord)
	mark(svoObjects, svoObjectWord)
	for _, l := range []struct {
		words []string
		flag  wordFlags
	}{
		{openLeads, openLead}, {factLeads, factLead}, {auxLeads, auxLead}, {inviteVerbs, inviteVerb},
		{fillers, fillerWord}, {questionSubjects, questionSubject}, {reportVerbs, reportVerb},
		{reportNouns, reportNoun}, {contrastWords, contrastWord}, {laterContrast, laterContrastWord},
		{negationSubjects, negationSubjectWord}, {negationHeads, negationHead}, {opinionVerbs, opinionVerb},
		{disowningVerbs, disowningVerb}, {hedges, hedgeWord}, {judgements, judgementWord},
		{auxiliaries, auxiliaryWord},
	} {
		mark(l.words, l.flag)
	}
	for w, e := range lexicon {
		e.known, e.prefixes, e.stemOfForm = true, rs.appendPrefixIDs(nil, w), entry(text.Stem(w)).stem
		lexicon[w] = e
	}
	rs.lexicon = wordmap.New(lexicon)
}

// appendPrefixIDs appends the ids of the listed prefixes w starts with,
// in the order of their buckets.
func (rs *ruleSet) appendPrefixIDs(ids []int32, w string) []int32 {
	if len(w) < 2 {
		return ids
	}
	for _, pe := range rs.prefixBuckets[w[0]] {
		if pe.prefix[1] == w[1] && strings.HasPrefix(w, pe.prefix) {
			ids = append(ids, pe.id)
		}
	}
	return ids
}

// lookup is w's entry; unknownWord if the rules and lists never name it.
func (rs *ruleSet) lookup(w string) *lexEntry {
	if e := rs.lexicon.Find(w); e != nil {
		return e
	}
	return &unknownWord
}

// The word lists of the question and set-aside readers (scan.go), each
// a flag of the lexicon.

// openLeads, factLeads and auxLeads open a question (forensic-interview
// coding: open, closed by a fact, closed yes/no); inviteVerbs make an
// invitation to tell (open); fillers and names may come before them.
var openLeads = []string{
	"what", "how", "why", "whats", "hows",
}
var factLeads = []string{
	"who", "where", "when", "which", "whose", "whom",
}
var auxLeads = []string{
	"do", "does", "did", "is", "are", "was", "were", "can", "could", "will", "would", "should",
	"shall", "have", "has", "had", "may", "might", "must", "am",
}
var inviteVerbs = []string{
	"tell", "describe", "explain", "walk", "talk", "share",
}

// fillers are discourse words a sentence may open with ("So what…").
var fillers = []string{
	"so", "and", "but", "ok", "okay", "right", "well", "hi", "hey", "now", "then", "also", "just",
	"oh", "sorry", "look", "thanks", "honestly",
}

// questionSubjects after an auxiliary make a question ("Is there…",
// "Did you…").
var questionSubjects = []string{
	"you", "he", "she", "they", "it", "there", "we", "i", "the", "that", "this", "your", "anyone",
	"anything", "someone", "things",
}

// reportVerbs open a reported-speech frame: "he says…", "you've said…",
// "the report calls it…", "some workers would ask…"; reportNouns are the
// records whose words a trainee quotes ("the referral", "the police log",
// "the petition").
var reportVerbs = []string{
	"say", "says", "said", "saying", "call", "calls", "called", "calling", "claim", "claims",
	"claimed", "describe", "describes", "described", "describing", "ask", "asks", "asked", "asking",
	"told", "tells", "wrote", "write", "writes", "written", "label", "labelled", "labeled", "phrase",
	"word", "words", "wording", "term",
}

var reportNouns = []string{
	"referral", "report", "log", "petition", "record", "records", "notes", "note", "entry", "file",
	"form",
}

// contrastWords set a reported framing aside: a contrast, or the trainee
// saying the framing is not theirs ("the wrong question", "something
// else", "your decision"; "I don't agree" is a negation of their own).
var contrastWords = []string{
	"but", "though", "however", "whatever", "whichever", "rather", "actually", "choice", "instead",
	"else", "wrong", "disagree", "decision", "regardless",
}

// laterContrast words turn away only from a later sentence: "You've said
// it was the drink. When you're sober, do you still check her phone?"
// ("…and still let him watch the kids" is part of what was reported).
var laterContrast = []string{
	"still",
}

// negationSubjects are the subjects of a trainee's own negated statement
// ("I'm not asking why…", "that's not 'both of you fighting'", "it isn't
// your fault"); a negation after "you" is about her ("you didn't leave").
var negationSubjects = []string{
	"i", "that", "it", "this", "which", "we",
}

// negationHeads open a negation without a subject when they open the
// sentence or a clause: "Nothing you've told me suggests…", "None of what
// he did is your fault", "Nobody thinks…". ("No" is left out: "no
// contact, and it's on you" and "u no" are not negations of the blame.)
var negationHeads = []string{
	"nothing", "none", "nobody",
}

// opinionVerbs after a negation keep the blame ("I don't think you should
// have stayed" means "I think you shouldn't have").
// Nor does a disclaimer ("I'm not judging, but…", "I'm not blaming you").
var opinionVerbs = []string{
	"think", "thinking", "believe", "reckon", "suppose", "want", "wanting", "know", "expect",
	"expecting", "hope", "hoping", "sure", "understand", "get", "see", "like", "judge", "judging",
	"blame", "blaming", "criticising", "criticizing", "trying", "worried",
}

// disowning verbs after the trainee's own "not" turn away from what was
// reported ("I don't see it that way", "I don't agree", "I won't be
// repeating that"); other negations ("I can't help you with that") do not.
var disowningVerbs = []string{
	"see", "agree", "accept", "buy", "share", "use", "want", "think", "believe", "take", "taking",
	"repeat", "repeating", "write", "call", "like", "hold", "go", "going", "put", "how", "what",
	"true", "the",
}

// hedges between "not" and its verb ("I can't quite understand why…").
var hedges = []string{
	"quite", "really", "just", "even", "honestly", "totally", "fully", "too",
}

// judgements after a negation are about what she does: "it's not safe
// while you keep letting him back" keeps the blame.
var judgements = []string{
	"safe", "okay", "ok", "fair", "right", "good", "acceptable", "alright", "appropriate", "normal",
	"healthy", "enough", "great", "on", "allowed",
}

// auxiliaries stand between a subject and its verb or "not".
var auxiliaries = []string{
	"am", "is", "are", "was", "were", "do", "does", "did", "have", "has", "had", "will", "would",
	"could", "can", "should", "be", "going",
}
