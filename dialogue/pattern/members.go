package pattern

// MemberCache keeps concept members parsed (Options.Members). Parsed
// trees are only read by the compiler, so compiles may share them. It is
// not safe for concurrent use.
type MemberCache struct {
	trees map[string]*Tree
	errs  map[string]error
}

// parse parses a concept member as the body of a sequence, once per
// member when c is not nil.
func (c *MemberCache) parse(member string) (*Tree, error) {
	if c == nil {
		return Parse("(" + member + ")")
	}
	if t, ok := c.trees[member]; ok {
		return t, nil
	}
	if err, ok := c.errs[member]; ok {
		return nil, err
	}
	t, err := Parse("(" + member + ")")
	if err != nil {
		if c.errs == nil {
			c.errs = map[string]error{}
		}
		c.errs[member] = err
		return nil, err
	}
	if c.trees == nil {
		c.trees = map[string]*Tree{}
	}
	c.trees[member] = t
	return t, nil
}
