package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
)

const activityReportDescription = `The team's figures for a window (default the last 7 days), in one call, by line, user, day or hour: texts, calls (answered, missed, voicemails), talk time, conversations started, time to first reply, what is still unanswered, conversations awaiting a reply; each defined in the answer. No rows of texts or calls: recent_activity has them. Reads the server's store, a synced copy: the answer says what it covers and how fresh.`

// reportInput is the arguments of activity_report.
type reportInput struct {
	Since        string   `json:"since,omitempty" jsonschema:"format=date-time,description=Default 7 days before until."`
	Until        string   `json:"until,omitempty" jsonschema:"format=date-time,description=Default now."`
	PhoneNumbers []string `json:"phoneNumbers,omitempty" jsonschema:"maxItems=100,description=Only these lines: IDs (PN…)\\, numbers or names."`
	UserID       userID   `json:"userId,omitempty" jsonschema:"description=Only what this user (US…) did or was assigned."`
	GroupBy      string   `json:"groupBy,omitempty" jsonschema:"enum=line,enum=user,enum=day,enum=hour,default=line,description=How rows are grouped."`
	TimeZone     string   `json:"timeZone,omitempty" jsonschema:"description=IANA zone of days and hours\\, e.g. America/New_York; default UTC."`
}

func (in reportInput) lines() ([]lineArg, func(string) bool) {
	return listedLines("phoneNumbers", in.PhoneNumbers), lineTaken
}

func (in reportInput) request(lines lineIDs) reportRequest {
	return reportRequest{Since: in.Since, Until: in.Until, PhoneNumbers: lines.each(in.PhoneNumbers), UserID: string(in.UserID), GroupBy: in.GroupBy, TimeZone: in.TimeZone}
}

// reportRequest is a report from the store: this server's, so it
// validates itself here.
type reportRequest struct {
	Since, Until string
	PhoneNumbers []string
	UserID       string
	GroupBy      string
	TimeZone     string
}

// Validate reports every argument activity_report refuses.
func (r reportRequest) Validate() error {
	errs := windowErrors(r.Since, r.Until)
	switch r.GroupBy {
	case store.GroupByLine, store.GroupByUser, store.GroupByDay, store.GroupByHour:
	default:
		errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: "groupBy", Value: r.GroupBy, Problem: "is not a choice", Want: "want line, user, day or hour"})
	}
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "Local" {
		errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: "timeZone", Value: r.TimeZone, Problem: "is not a time zone", Want: "want an IANA name such as America/New_York or Europe/Berlin, or leave it out for UTC"})
	}
	// The lines and the user, as list_conversations checks them.
	if err := (client.ListConversationsParams{PhoneNumbers: r.PhoneNumbers, UserID: r.UserID, MaxResults: 1}).Validate(); err != nil {
		errs = append(errs, validationErrors(err)...)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// reportResult is the answer of activity_report.
type reportResult struct {
	Report store.ActivityReport `json:"report"`
	// Asked is the window's start as asked for, when the store's
	// coverage (CoveredSince) made the report start later.
	Asked        *time.Time     `json:"askedSince,omitempty"`
	CoveredSince time.Time      `json:"coveredSince"`
	Store        storeFreshness `json:"store"`
	TimeZone     string         `json:"timeZone"`
}

func (r reportResult) window() (timeWindow, bool) {
	return timeWindow{since: &r.Report.Since, until: &r.Report.Until, now: r.Report.Now}, true
}

var activityReport = tool[reportInput, reportRequest, reportResult]{
	name: "activity_report", title: "Report the team's OpenPhone activity", description: activityReportDescription,
	defaults: reportInput{GroupBy: store.GroupByLine},
	call:     runReport,
	sent:     func(reportRequest) sentRequest { return sentRequest{} },
	advice:   map[string]string{"phoneNumbers": "list_phone_numbers lists the lines", "userId": "list_users lists the users"},
	mentions: func(p reportRequest, r reportResult) mentions { return r.mentions(p) },
	render:   renderReport,
}

func (r reportResult) mentions(p reportRequest) mentions {
	var m mentions
	for _, g := range r.Report.Groups {
		switch r.Report.GroupBy {
		case store.GroupByLine:
			m.lines = appendID(m.lines, &g.Key)
		case store.GroupByUser:
			m.users = appendID(m.users, &g.Key)
		}
	}
	for _, id := range p.PhoneNumbers {
		m.lines = appendID(m.lines, &id)
	}
	m.users = appendID(m.users, &p.UserID)
	return m
}

// runReport makes the report of the caller's workspace from the store.
func runReport(ctx context.Context, a *Account, p reportRequest) (reportResult, error) {
	if err := p.Validate(); err != nil {
		return reportResult{}, err
	}
	v, err := openStore(ctx, a, "activity_report")
	if err != nil {
		return reportResult{}, err
	}
	now := clockOf(ctx)().UTC()
	loc, _ := time.LoadLocation(p.TimeZone)
	q := store.ReportParams{Workspace: v.ws, Lines: p.PhoneNumbers, UserID: p.UserID, GroupBy: p.GroupBy, Location: loc, Now: now, Until: now}
	if p.Until != "" {
		q.Until, _ = time.Parse(time.RFC3339, p.Until)
	}
	q.Since = q.Until.AddDate(0, 0, -7)
	if p.Since != "" {
		q.Since, _ = time.Parse(time.RFC3339, p.Since)
	}
	if !q.Since.Before(q.Until) { // since alone, after now
		return reportResult{}, client.ValidationError{{Kind: client.KindConflict, Param: "since", Value: p.Since,
			Problem: fmt.Sprintf("is not earlier than the window's end, now (%s)", q.Until.Format(time.RFC3339)), Want: "give a since in the past, or an until after it"}}
	}
	r := reportResult{CoveredSince: v.state.CoveredSince.UTC(), Store: v.freshness(), TimeZone: loc.String()}
	if q.Since.Before(r.CoveredSince) {
		asked := q.Since
		r.Asked, q.Since = &asked, r.CoveredSince
	}
	if !q.Since.Before(q.Until) {
		return reportResult{}, explained(fmt.Sprintf("activity_report: the window ends (%s) before the store's copy begins (%s): nothing in it can be counted. Ask for a window after %s, or read that time live with list_conversations and list_messages.",
			q.Until.Format(time.RFC3339), r.CoveredSince.Format(time.RFC3339), r.CoveredSince.Format(time.RFC3339)))
	}
	if r.Report, err = v.st.Report(ctx, q); err != nil {
		return reportResult{}, err
	}
	return r, nil
}
