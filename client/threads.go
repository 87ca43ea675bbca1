package client

import (
	"cmp"
	"context"
	"net/url"
	"strconv"
	"time"
)

// Limits of GET /v1/messages and GET /v1/calls.
const (
	MaxMessageParticipants = 10
	MaxCallParticipants    = 1
)

// ListMessagesParams is the query of GET /v1/messages, parameter for
// parameter: the messages of one thread, a line and the outside numbers
// it talks with. Dates are RFC 3339; MaxResults is required (1 to 100).
type ListMessagesParams struct {
	PhoneNumberID string   // the line (PN…)
	Participants  []string // every outside number of the thread, E.164
	UserID        string   // only the messages this user (US…) sent
	CreatedAfter  string
	CreatedBefore string
	Since         string // deprecated: means CreatedBefore
	MaxResults    int
	PageToken     string
}

// ListCallsParams is the query of GET /v1/calls, parameter for parameter.
// The API lists the calls of 1:1 threads only: Participants holds exactly
// one number.
type ListCallsParams struct {
	PhoneNumberID string   // the line (PN…)
	Participants  []string // the one outside number, E.164
	UserID        string   // whose view of the calls applies (US…); default the line's owner
	CreatedAfter  string
	CreatedBefore string
	Since         string // deprecated: means CreatedBefore
	MaxResults    int
	PageToken     string
}

// thread is what the two thread queries share.
type thread struct {
	phoneNumberID, userID              string
	participants                       []string
	maxParticipants                    int
	createdAfter, createdBefore, since string
	maxResults                         int
	pageToken                          string
}

func (p ListMessagesParams) thread() thread {
	return thread{p.PhoneNumberID, p.UserID, p.Participants, MaxMessageParticipants, p.CreatedAfter, p.CreatedBefore, p.Since, p.MaxResults, p.PageToken}
}

func (p ListCallsParams) thread() thread {
	return thread{p.PhoneNumberID, p.UserID, p.Participants, MaxCallParticipants, p.CreatedAfter, p.CreatedBefore, p.Since, p.MaxResults, p.PageToken}
}

// Query encodes p: participants as repeated keys, maxResults always. A
// since is sent as the createdBefore it means (Validate refuses the two
// together): the API is due to drop since.
func (p ListMessagesParams) Query() url.Values { return p.thread().query() }

// Query encodes p as ListMessagesParams.Query does.
func (p ListCallsParams) Query() url.Values { return p.thread().query() }

func (t thread) query() url.Values {
	q := query{"phoneNumberId": {t.phoneNumberID}, "participants": t.participants, "maxResults": {strconv.Itoa(t.maxResults)}}
	q.set("userId", t.userID)
	q.set("createdAfter", t.createdAfter)
	q.set("createdBefore", cmp.Or(t.createdBefore, t.since))
	q.set("pageToken", t.pageToken)
	return q.values()
}

// Paths of the message and call endpoints.
const (
	messagesPath        = "/v1/messages"
	callsPath           = "/v1/calls"
	callSummariesPath   = "/v1/call-summaries"
	callTranscriptsPath = "/v1/call-transcripts"
)

// A Message is a text message of a thread. UserID is the user who sent an
// outgoing message, and null for an incoming one (the document types it
// as a user's ID, but says it is null for incoming messages).
type Message struct {
	ID             string     `json:"id"`
	From           string     `json:"from"`
	To             []string   `json:"to"`
	Text           string     `json:"text"`
	PhoneNumberID  *string    `json:"phoneNumberId,omitempty"`
	ConversationID *string    `json:"conversationId,omitempty"`
	Direction      string     `json:"direction"`
	UserID         *string    `json:"userId,omitempty"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      *time.Time `json:"updatedAt,omitempty"`
}

// A MessagePage is one page of GET /v1/messages.
type MessagePage = Page[Message]

// ListMessages fetches one page of a thread's messages. It validates p
// first and sends nothing if p is invalid.
func (c *Client) ListMessages(ctx context.Context, p ListMessagesParams) (*MessagePage, error) {
	return list[Message](c, ctx, messagesPath, p)
}

// GetMessage fetches one message by its ID (AC…).
func (c *Client) GetMessage(ctx context.Context, id string) (*Message, error) {
	return getActivity[Message](c, ctx, messagesPath, activity{"id", id, "message"})
}

// A Call is a phone call of a thread. AnsweredBy and InitiatedBy are user
// IDs (US…), or other opaque strings; every pointer may be null.
type Call struct {
	ID            string     `json:"id"`
	PhoneNumberID string     `json:"phoneNumberId"`
	UserID        *string    `json:"userId,omitempty"`
	Direction     string     `json:"direction"`
	Status        string     `json:"status"`
	Participants  []string   `json:"participants"`
	CreatedAt     time.Time  `json:"createdAt"`
	AnsweredAt    *time.Time `json:"answeredAt,omitempty"`
	CompletedAt   *time.Time `json:"completedAt,omitempty"`
	UpdatedAt     *time.Time `json:"updatedAt,omitempty"`
	Duration      int        `json:"duration"`
	AnsweredBy    *string    `json:"answeredBy,omitempty"`
	InitiatedBy   *string    `json:"initiatedBy,omitempty"`
	CallRoute     *string    `json:"callRoute,omitempty"`
	ForwardedFrom *string    `json:"forwardedFrom,omitempty"`
	ForwardedTo   *string    `json:"forwardedTo,omitempty"`
	AIHandled     *string    `json:"aiHandled,omitempty"`
}

// A CallPage is one page of GET /v1/calls.
type CallPage = Page[Call]

// ListCalls fetches one page of a 1:1 thread's calls. It validates p first
// and sends nothing if p is invalid.
func (c *Client) ListCalls(ctx context.Context, p ListCallsParams) (*CallPage, error) {
	return list[Call](c, ctx, callsPath, p)
}

// GetCall fetches one call by its ID (AC…).
func (c *Client) GetCall(ctx context.Context, id string) (*Call, error) {
	return getActivity[Call](c, ctx, callsPath, activity{"callId", id, "call"})
}

// The states of a call's summary or transcript. OpenPhone makes both after
// the call: in-progress is normal for a while; absent and failed are final.
const (
	InsightAbsent     = "absent"
	InsightInProgress = "in-progress"
	InsightCompleted  = "completed"
	InsightFailed     = "failed"
)

// A CallSummary is OpenPhone's AI summary of a call (Business and Scale
// plans). Summary and NextSteps are bullet points; either may be null.
type CallSummary struct {
	CallID    string    `json:"callId"`
	Status    string    `json:"status"`
	Summary   []string  `json:"summary,omitempty"`
	NextSteps []string  `json:"nextSteps,omitempty"`
	Jobs      []CallJob `json:"jobs,omitempty"`
}

// A CallJob is a structured result of a call an AI agent handled.
type CallJob struct {
	Icon   string `json:"icon,omitempty"`
	Name   string `json:"name"`
	Result struct {
		Data []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"data"`
	} `json:"result"`
}

// A CallTranscript is a call's dialogue (Business and Scale plans).
type CallTranscript struct {
	CallID    string              `json:"callId"`
	CreatedAt *time.Time          `json:"createdAt,omitempty"`
	Duration  float64             `json:"duration"`
	Status    string              `json:"status"`
	Dialogue  []TranscriptSegment `json:"dialogue,omitempty"`
}

// A TranscriptSegment is one speaker's turn. Identifier is the speaker's
// number and UserID the workspace user speaking; either may be null.
type TranscriptSegment struct {
	Content    string  `json:"content"`
	Start      float64 `json:"start"`
	End        float64 `json:"end"`
	Identifier *string `json:"identifier,omitempty"`
	UserID     *string `json:"userId,omitempty"`
}

// GetCallSummary fetches the AI summary of a call.
func (c *Client) GetCallSummary(ctx context.Context, callID string) (*CallSummary, error) {
	return getActivity[CallSummary](c, ctx, callSummariesPath, activity{"callId", callID, "call"})
}

// GetCallTranscript fetches the transcript of a call.
func (c *Client) GetCallTranscript(ctx context.Context, callID string) (*CallTranscript, error) {
	return getActivity[CallTranscript](c, ctx, callTranscriptsPath, activity{"callId", callID, "call"})
}

// GetCallParams is the path parameter of GET /v1/calls/{callId}, which
// the call's summary, transcript, recordings and voicemail share.
type GetCallParams struct {
	CallID string
}

// Paths of a call's media.
const (
	callVoicemailsPath = "/v1/call-voicemails"
	callRecordingsPath = "/v1/call-recordings"
)

// The states of a voicemail.
const (
	VoicemailCompleted  = "completed"
	VoicemailInProgress = "in-progress"
)

// A CallVoicemail is the voicemail left on a call. Its duration,
// transcript and recording URL may be null, the transcript while it is
// being made or when none was.
type CallVoicemail struct {
	ID           string  `json:"id"` // VM…
	Status       string  `json:"status"`
	Duration     *int    `json:"duration,omitempty"` // seconds
	Transcript   *string `json:"transcript,omitempty"`
	RecordingURL *string `json:"recordingUrl,omitempty"`
}

// A CallRecording is one segment of a call's recording. Every field but ID
// may be null.
type CallRecording struct {
	ID        string     `json:"id"`
	Type      *string    `json:"type,omitempty"`
	Status    *string    `json:"status,omitempty"` // completed, in-progress, processing, failed, deleted, ...
	StartTime *time.Time `json:"startTime,omitempty"`
	Duration  *int       `json:"duration,omitempty"` // seconds
	URL       *string    `json:"url,omitempty"`
}

// GetCallVoicemail fetches the voicemail left on a call.
func (c *Client) GetCallVoicemail(ctx context.Context, callID string) (*CallVoicemail, error) {
	return getActivity[CallVoicemail](c, ctx, callVoicemailsPath, activity{"callId", callID, "call"})
}

// GetCallRecordings fetches the segments of a call's recording.
func (c *Client) GetCallRecordings(ctx context.Context, callID string) ([]CallRecording, error) {
	segments, err := getActivity[[]CallRecording](c, ctx, callRecordingsPath, activity{"callId", callID, "call"})
	if err != nil {
		return nil, err
	}
	return *segments, nil
}
