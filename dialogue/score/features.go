package score

// The learned layer's features: what it reads from a reply, by name, and
// the hash of each name its table is keyed by.

// featNegators open a negation scope over the next three words.
var featNegators = []string{"not", "never", "no", "nothing", "nobody", "without", "nor"}

// svoSubjects, svoSkip and svoObjects drive the who-does-what-to-whom
// features (FeatureSet.SVO).
var svoSubjects = []string{"you", "he", "she", "they", "we", "i"}

var svoSkip = []string{"do", "does", "did", "is", "are", "was", "were", "be", "been", "being", "am", "have", "has", "had", "will", "would", "could", "should", "can", "might", "may", "must", "shall", "not", "never", "just", "really", "always", "ever", "even", "still", "also", "only", "kinda", "sort", "of", "kind", "probably", "clearly", "obviously", "honestly", "actually"}

var svoObjects = []string{"him", "her", "them", "me", "you", "yourself", "himself", "herself", "kids", "children", "boys", "girls", "baby", "it"}

// featSubjects open a subject-verb pair over the next two words.
var featSubjects = []string{"you", "he", "she", "they", "we"}

// featHash is the hash of a feature's name, what the model's table is
// keyed by: 64-bit FNV-1a. The emitter hashes a name part by part as it
// goes (FNV-1a is sequential), without joining it.
func featHash(name []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range name {
		h = fnvByte(h, c)
	}
	return fixHash(h)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvAdd continues an FNV-1a hash over p.
func fnvAdd(h uint64, p string) uint64 {
	for i := 0; i < len(p); i++ {
		h = fnvByte(h, p[i])
	}
	return h
}

func fnvByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

// fixHash keeps 0 free to mark an empty slot.
func fixHash(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// trigramPrefix is the hash state after "c:", where every trigram starts,
// and trigramOpen after "c:<", where a word's first trigram starts.
var (
	trigramPrefix = fnvAdd(fnvOffset, "c:")
	trigramOpen   = fnvByte(trigramPrefix, '<')
)

// feature is one feature of a reply as eachFeature hands it out: the hash
// of its name (featHash), the name itself when asked for (training reads
// names; scoring needs only the hash, so it is spared building them), and
// the tokens it covers (-1 for reply-level features). Name is only valid
// during the call.
type feature struct {
	hash     uint64
	name     []byte
	from, to int
}

// featureEmitter hashes feature names part by part and, when names is
// set, builds them.
type featureEmitter struct {
	// collect: append each hash to hashes in place of calling emit (the
	// scoring path, spared a call per feature)
	collect bool
	hashes  []uint64
	names   bool
	name    []byte // the name being built, when names is set
	emit    func(feature)
}

// put emits the feature named by parts joined (word and pair are the
// common shapes, with their opening hashed once).
func (fe *featureEmitter) put(from, to int, parts ...string) {
	h := uint64(fnvOffset)
	for _, p := range parts {
		h = fnvAdd(h, p)
	}
	h = fixHash(h)
	if fe.collect {
		fe.hashes = append(fe.hashes, h)
		return
	}
	fe.named(feature{hash: h, from: from, to: to}, parts...)
}

// namePrefix is the opening of feature names ("u:", "b:") with the hash
// state after it, so that a feature's hash starts there rather than
// hashing the same opening again on every word (FNV-1a is sequential:
// the hash of "u:" + stem is the hash of stem continued from it).
type namePrefix struct {
	text  string
	state uint64
}

func newNamePrefix(text string) namePrefix { return namePrefix{text, fnvAdd(fnvOffset, text)} }

var (
	unigram   = newNamePrefix("u:")
	roleNames = [2]string{"s", "p"}
	roleWord  = [2]namePrefix{newNamePrefix(roleNames[0] + "u:"), newNamePrefix(roleNames[1] + "u:")}
	bigram    = newNamePrefix("b:")
	negated   = newNamePrefix("n:")
	verbPair  = newNamePrefix("v:")
	skipPair  = newNamePrefix("s:")
	whoDoes   = newNamePrefix("w:")
)

// word emits the feature named p + a.
func (fe *featureEmitter) word(from, to int, p namePrefix, a string) {
	h := fixHash(fnvAdd(p.state, a))
	if fe.collect {
		fe.hashes = append(fe.hashes, h)
		return
	}
	fe.named(feature{hash: h, from: from, to: to}, p.text, a)
}

// pair emits the feature named p + a + "_" + b.
func (fe *featureEmitter) pair(from, to int, p namePrefix, a, b string) {
	h := fixHash(fnvAdd(fnvByte(fnvAdd(p.state, a), '_'), b))
	if fe.collect {
		fe.hashes = append(fe.hashes, h)
		return
	}
	fe.named(feature{hash: h, from: from, to: to}, p.text, a, "_", b)
}

// named hands f to emit, with its name built from parts when names are
// asked for.
func (fe *featureEmitter) named(f feature, parts ...string) {
	if fe.names {
		b := fe.name[:0]
		for _, p := range parts {
			b = append(b, p...)
		}
		fe.name, f.name = b, b
	}
	fe.emit(f)
}

// putTrigrams emits the character trigrams of "<" + word + ">" ("c:<ef",
// "c:efe", …, "c:ct>") for token i, without building that string.
func (fe *featureEmitter) putTrigrams(i int, word string) {
	if n := len(word); fe.collect && n >= 2 {
		// the scoring path: the first trigram, the word's own, and the
		// last, each hashed straight from the word's bytes
		fe.hashes = append(fe.hashes, fixHash(fnvByte(fnvByte(trigramOpen, word[0]), word[1])))
		for k := 0; k+3 <= n; k++ {
			fe.hashes = append(fe.hashes, fixHash(fnvByte(fnvByte(fnvByte(trigramPrefix, word[k]), word[k+1]), word[k+2])))
		}
		fe.hashes = append(fe.hashes, fixHash(fnvByte(fnvByte(fnvByte(trigramPrefix, word[n-2]), word[n-1]), '>')))
		return
	}
	at := func(k int) byte {
		switch k {
		case 0:
			return '<'
		case len(word) + 1:
			return '>'
		}
		return word[k-1]
	}
	for k := 0; k+3 <= len(word)+2; k++ {
		h := trigramPrefix
		for j := k; j < k+3; j++ {
			h = fnvByte(h, at(j))
		}
		h = fixHash(h)
		if fe.collect {
			fe.hashes = append(fe.hashes, h)
			continue
		}
		f := feature{hash: h, from: i, to: i + 1}
		if fe.names {
			fe.name = append(fe.name[:0], 'c', ':', at(k), at(k+1), at(k+2))
			f.name = fe.name
		}
		fe.emit(f)
	}
}

// eachFeature calls emit with every feature of a reply: its hash, its
// name when names is set, and the tokens it covers (-1 for reply-level
// features). Features: a bias, the role, each stem alone and with the
// role, each pair of neighbouring stems, optionally each stem in a
// negation scope ("n:"), each subject-verb pair ("v:"), character trigrams
// ("c:"), pairs of stems one word apart ("s:") and who-does-what-to-whom
// ("w:", "o:"); then the kinds of credit and hostile findings ("k:") and of
// blaming findings ("kb:", used by the phase head only), and the rules'
// phase votes ("pv:", "pr:").
func eachFeature(role Role, sc *scanState, set FeatureSet, names bool, emit func(feature)) {
	fe := featureEmitter{names: names, emit: emit}
	if names {
		fe.name = make([]byte, 0, 96)
	}
	fe.reply(role, sc, set)
}

// appendFeatureHashes appends the hash of every feature of a reply, in
// eachFeature's order.
func appendFeatureHashes(hashes []uint64, role Role, sc *scanState, set FeatureSet) []uint64 {
	fe := featureEmitter{collect: true, hashes: hashes}
	fe.reply(role, sc, set)
	return fe.hashes
}

// reply emits every feature of a reply (eachFeature).
func (fe *featureEmitter) reply(role Role, sc *scanState, set FeatureSet) {
	r := 0 // the role's index in roleNames and roleWord
	if role == Perpetrator {
		r = 1
	}
	fe.put(-1, -1, "bias")
	fe.put(-1, -1, "role:", roleNames[r])
	toks := sc.raw
	prev := "<s>"
	negTo, negSent := -1, int32(-1)
	for i, t := range toks {
		stem := sc.stemOrName(i, set.Names)
		sent := sc.toks[i].sentence
		fe.word(i, i+1, unigram, stem)
		fe.word(i, i+1, roleWord[r], stem)
		fe.pair(max(i-1, 0), i+1, bigram, prev, stem)
		prev = stem
		if set.Chars && !(set.Names && sc.toks[i].name) && len(t.Norm) >= 4 {
			fe.putTrigrams(i, t.Norm)
		}
		if set.Neg {
			if i <= negTo && sent == negSent {
				fe.word(i, i+1, negated, stem)
			}
			if sc.toks[i].flags&negatorWord != 0 {
				negTo, negSent = i+3, sent
			}
		}
		if set.Subj && sc.toks[i].flags&subjectWord != 0 {
			for j := i + 1; j < len(toks) && j <= i+2 && sc.toks[j].sentence == sent; j++ {
				fe.pair(i, j+1, verbPair, t.Norm, sc.stemOrName(j, set.Names))
			}
		}
		if set.Skip && i >= 2 && sc.toks[i-2].sentence == sent {
			fe.pair(i-2, i+1, skipPair, sc.stemOrName(i-2, set.Names), stem)
		}
		if set.SVO && sc.toks[i].flags&svoSubjectWord != 0 {
			fe.whoDoesWhatToWhom(sc, i)
		}
	}
	fe.pair(max(len(toks)-1, 0), len(toks), bigram, prev, "</s>")
	fe.ruleFeatures(sc)
}

// stemOrName is token i's stem, or "@name" for a name when names are
// replaced by the placeholder.
func (sc *scanState) stemOrName(i int, names bool) string {
	if names && sc.toks[i].name {
		return "@name"
	}
	return sc.raw[i].Stem
}

// whoDoesWhatToWhom emits the features of the subject at token i: the
// subject and its first main verb within five words ("w:you_told"), and
// that verb's object when one of the next two words is a person or the
// children ("o:you_let_him").
func (fe *featureEmitter) whoDoesWhatToWhom(sc *scanState, i int) {
	toks, sent := sc.raw, sc.toks[i].sentence
	subject := toks[i].Norm
	for j := i + 1; j < len(toks) && j <= i+5 && sc.toks[j].sentence == sent; j++ {
		if sc.toks[j].flags&svoSkipWord != 0 {
			continue
		}
		fe.pair(i, j+1, whoDoes, subject, toks[j].Stem)
		for k := j + 1; k < len(toks) && k <= j+2 && sc.toks[k].sentence == sent; k++ {
			object := ""
			switch {
			case sc.toks[k].name:
				object = "@name"
			case sc.toks[k].flags&svoObjectWord != 0:
				object = toks[k].Norm
			}
			if object != "" {
				fe.put(i, k+1, "o:", subject, "_", toks[j].Stem, "_", object)
				break
			}
		}
		return
	}
}

// ruleFeatures emits what the rules found: the kinds of their findings
// and their phase votes.
func (fe *featureEmitter) ruleFeatures(sc *scanState) {
	for _, f := range sc.findings {
		switch {
		case f.Kind.Positive() || f.Kind == Hostile:
			fe.put(-1, -1, "k:", string(f.Kind))
		case f.Kind.Blaming():
			fe.put(-1, -1, "kb:", string(f.Kind))
		}
	}
	const digits = "0123456789"
	for k, v := range sc.votes {
		if v > 0 {
			fe.put(-1, -1, "pv:", string(Phases[k]), ":", digits[min(v, 6):min(v, 6)+1])
		}
	}
	best, margin := sc.voteMargin()
	fe.put(-1, -1, "pr:", string(Phases[best]), ":", digits[min(margin, 4):min(margin, 4)+1])
}

// voteMargin is the rules' phase (as phase() picks it) and its lead over
// the runner-up.
func (s *scanState) voteMargin() (int, int) {
	best := phaseIndex(s.phase())
	second := 0
	for k, v := range s.votes {
		if k != best && v > second {
			second = v
		}
	}
	return best, max(s.votes[best]-second, 0)
}
