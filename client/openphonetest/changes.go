package openphonetest

import (
	"maps"
	"slices"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// The methods below change the workspace a Server serves while it runs, as
// people and OpenPhone change a real one: for tests of what keeps a copy
// of it current. Each takes effect for the requests that arrive after it.

// AddConversation adds a conversation, as a first text or call makes one.
func (s *Server) AddConversation(c client.Conversation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Conversations = append(slices.Clone(s.ws.Conversations), c)
}

// AddMessage adds a message to the conversation *m.ConversationID, which
// becomes its last activity (and its update) when it is the newest.
func (s *Server) AddMessage(m client.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Messages = append(slices.Clone(s.ws.Messages), m)
	if m.ConversationID != nil {
		s.touch(*m.ConversationID, m.ID, m.CreatedAt)
	}
}

// AddCall adds a call to the conversation conversationID (a 1:1 one: the
// API lists calls by the line and the one participant), which becomes its
// last activity when it is the newest.
func (s *Server) AddCall(conversationID string, c client.Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Calls = append(slices.Clone(s.ws.Calls), c)
	s.touch(conversationID, c.ID, c.CreatedAt)
}

// touch makes activity id at at the last activity of the conversation,
// unless it has newer. The caller holds s.mu.
func (s *Server) touch(conversationID, id string, at time.Time) {
	s.ws.Conversations = slices.Clone(s.ws.Conversations)
	for i := range s.ws.Conversations {
		c := &s.ws.Conversations[i]
		if c.ID != conversationID || (c.LastActivityAt != nil && c.LastActivityAt.After(at)) {
			continue
		}
		c.LastActivityAt, c.LastActivityID = &at, &id
		if c.UpdatedAt == nil || c.UpdatedAt.Before(at) {
			c.UpdatedAt = &at
		}
	}
}

// DeleteConversation marks the conversation deleted at at, as OpenPhone
// lists one that was: with deletedAt set, and updated then.
func (s *Server) DeleteConversation(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Conversations = slices.Clone(s.ws.Conversations)
	for i := range s.ws.Conversations {
		if c := &s.ws.Conversations[i]; c.ID == id {
			c.DeletedAt, c.UpdatedAt = &at, &at
		}
	}
}

// RemoveContact deletes the contact id.
func (s *Server) RemoveContact(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Contacts = slices.DeleteFunc(slices.Clone(s.ws.Contacts), func(c client.Contact) bool { return c.ID == id })
}

// SetCallSummary sets the summary of the call sum.CallID, as OpenPhone's
// summary progresses from in-progress to completed.
func (s *Server) SetCallSummary(sum client.CallSummary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Summaries = maps.Clone(s.ws.Summaries)
	if s.ws.Summaries == nil {
		s.ws.Summaries = map[string]client.CallSummary{}
	}
	s.ws.Summaries[sum.CallID] = sum
}

// SetCallTranscript sets the transcript of the call t.CallID.
func (s *Server) SetCallTranscript(t client.CallTranscript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Transcripts = maps.Clone(s.ws.Transcripts)
	if s.ws.Transcripts == nil {
		s.ws.Transcripts = map[string]client.CallTranscript{}
	}
	s.ws.Transcripts[t.CallID] = t
}

// SetCallVoicemail sets the voicemail left on the call callID.
func (s *Server) SetCallVoicemail(callID string, vm client.CallVoicemail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Voicemails = maps.Clone(s.ws.Voicemails)
	if s.ws.Voicemails == nil {
		s.ws.Voicemails = map[string]client.CallVoicemail{}
	}
	s.ws.Voicemails[callID] = vm
}
