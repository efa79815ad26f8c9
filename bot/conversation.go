package bot

import "strings"

// Conversation says where something was said: botkit's conversation key of
// platform, workspace, channel, thread and user. A trainee can run one
// session per thread, and a trainer can run a group exercise in a channel.
type Conversation struct {
	Platform  string `json:"platform"`
	Workspace string `json:"workspace,omitempty"`
	Channel   string `json:"channel"`
	Thread    string `json:"thread,omitempty"`
	User      string `json:"user"`
}

// Key is the conversation as one string, for storage and locks.
func (c Conversation) Key() string {
	return strings.Join([]string{c.Platform, c.Workspace, c.Channel, c.Thread, c.User}, "/")
}

// InThread returns the same conversation moved into thread ts.
func (c Conversation) InThread(ts string) Conversation {
	c.Thread = ts
	return c
}
