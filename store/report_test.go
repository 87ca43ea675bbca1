package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// ny is 2026-11-day hh:mm in New York (EST, UTC-5, all month).
func ny(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, newYork) }

func outgoing(id, conv, line, user string, at time.Time) client.Message {
	m := message(id, conv, line, "reply", at)
	m.Direction, m.UserID, m.From, m.To, m.Status = "outgoing", &user, "+14155550100", []string{"+14155550111"}, "delivered"
	return m
}

func assigned(c client.Conversation, user string) client.Conversation {
	c.AssignedTo = &user
	return c
}

// reportWorkspace fills a workspace of two lines (PN1, PN2) and two users
// (US1, US2) whose report is known (see TestReport), and another
// workspace with the same conversations' and lines' IDs, active in the
// same days, whose rows must never be counted.
func reportWorkspace(t testing.TB, st *Store) string {
	t.Helper()
	ctx := context.Background()
	ws, err := st.Workspace(ctx, []client.PhoneNumber{{ID: "PN1", Number: "+14155550100"}, {ID: "PN2", Number: "+14155550200"}},
		[]client.User{{ID: "US1"}, {ID: "US2"}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutConversations(ctx, ws, []client.Conversation{
		assigned(conversation("CN1", "PN1", ny(28, 9, 0), "+14155550111"), "US1"),
		conversation("CN2", "PN1", ny(20, 9, 0), "+14155550112"),
		assigned(conversation("CN3", "PN2", ny(30, 20, 0), "+14155550113"), "US2"),
		conversation("CN4", "PN2", ny(29, 10, 0), "+14155550114"),
		assigned(conversation("CN5", "PN1", ny(25, 9, 0), "+14155550115"), "US2"),
		conversation("CN6", "PN2", ny(28, 14, 0), "+14155550116"),
		conversation("CN7", "PN1", ny(1, 9, 0), "+14155550117"),
	}))
	// CN1: a run of three incoming texts, answered once by US1 (30 min
	// from the first).
	must(st.PutMessages(ctx, ws, "CN1", []client.Message{
		message("M1a", "CN1", "PN1", "hi", ny(28, 9, 0)),
		message("M1b", "CN1", "PN1", "are you there", ny(28, 9, 5)),
		message("M1c", "CN1", "PN1", "hello?", ny(28, 9, 10)),
		outgoing("M1d", "CN1", "PN1", "US1", ny(28, 9, 30)),
	}))
	// CN2: a missed call with a voicemail at 23:30 in New York (04:30 the
	// next day in UTC), answered by a text of US2 40 min later.
	must(st.PutCalls(ctx, ws, "CN2", []client.Call{{ID: "C2a", PhoneNumberID: "PN1", Direction: "incoming", Status: "missed",
		Participants: []string{"+14155550112"}, CreatedAt: ny(29, 23, 30)}}))
	must(st.PutCallTexts(ctx, ws, "C2a", CallTexts{VoicemailStatus: TextDone, Voicemail: "call me back"}))
	must(st.PutMessages(ctx, ws, "CN2", []client.Message{outgoing("M2a", "CN2", "PN1", "US2", ny(30, 0, 10))}))
	// CN3: a text at 20:00, answered by a call of US2 after Until (14 h).
	must(st.PutMessages(ctx, ws, "CN3", []client.Message{message("M3a", "CN3", "PN2", "quote?", ny(30, 20, 0))}))
	must(st.PutCalls(ctx, ws, "CN3", []client.Call{{ID: "C3a", PhoneNumberID: "PN2", Direction: "outgoing", Status: "completed",
		Participants: []string{"+14155550113"}, CreatedAt: ny(31, 10, 0), AnsweredAt: new(ny(31, 10, 1)), Duration: 120,
		UserID: new("US2"), InitiatedBy: new("US2")}}))
	// CN4: a text and a missed call (its voicemail not read yet), never
	// answered.
	must(st.PutMessages(ctx, ws, "CN4", []client.Message{message("M4a", "CN4", "PN2", "anyone?", ny(29, 10, 0))}))
	must(st.PutCalls(ctx, ws, "CN4", []client.Call{{ID: "C4a", PhoneNumberID: "PN2", Direction: "incoming", Status: "no-answer",
		Participants: []string{"+14155550114"}, CreatedAt: ny(29, 11, 0)}}))
	// CN5: a text answered by an incoming call that US1 picks up (20 min,
	// 5 min of talk).
	must(st.PutMessages(ctx, ws, "CN5", []client.Message{message("M5a", "CN5", "PN1", "call me", ny(30, 8, 0))}))
	must(st.PutCalls(ctx, ws, "CN5", []client.Call{{ID: "C5a", PhoneNumberID: "PN1", Direction: "incoming", Status: "completed",
		Participants: []string{"+14155550115"}, CreatedAt: ny(30, 8, 20), AnsweredAt: new(ny(30, 8, 20)), Duration: 300,
		AnsweredBy: new("US1"), UserID: new("US2")}}))
	// CN6: an outgoing call of US1, 10 min of talk.
	must(st.PutCalls(ctx, ws, "CN6", []client.Call{{ID: "C6a", PhoneNumberID: "PN2", Direction: "outgoing", Status: "completed",
		Participants: []string{"+14155550116"}, CreatedAt: ny(28, 14, 0), AnsweredAt: new(ny(28, 14, 0)), Duration: 600,
		UserID: new("US1"), InitiatedBy: new("US1")}}))
	// CN7: waiting since the 20th (before any window); a text in the
	// window continues that run, so US1's answer is no reply time.
	must(st.PutMessages(ctx, ws, "CN7", []client.Message{
		message("M7a", "CN7", "PN1", "ping", ny(20, 12, 0)),
		message("M7b", "CN7", "PN1", "ping again", ny(28, 12, 0)),
		outgoing("M7c", "CN7", "PN1", "US1", ny(28, 13, 0)),
	}))

	// Another workspace, with the same IDs: never counted. Its answer in
	// CN4 would answer ws's CN4 if the workspaces mixed.
	other := "wsother"
	must(st.PutConversations(ctx, other, []client.Conversation{
		assigned(conversation("CN4", "PN2", ny(29, 9, 0), "+14155550114"), "US1"),
		conversation("CN8", "PN1", ny(28, 9, 0), "+14155550118"),
	}))
	must(st.PutMessages(ctx, other, "CN4", []client.Message{
		message("X1", "CN4", "PN2", "other", ny(29, 9, 0)),
		outgoing("X2", "CN4", "PN2", "US1", ny(29, 10, 30)),
	}))
	must(st.PutMessages(ctx, other, "CN8", []client.Message{message("X3", "CN8", "PN1", "other", ny(28, 9, 0))}))
	must(st.PutCalls(ctx, other, "CN8", []client.Call{{ID: "X4", PhoneNumberID: "PN1", Direction: "incoming", Status: "missed",
		Participants: []string{"+14155550118"}, CreatedAt: ny(28, 9, 1)}}))
	return ws
}

func TestReport(t *testing.T) { forEachEngine(t, testReport) }

func testReport(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := reportWorkspace(t, st)
	since, until, now := ny(28, 0, 0), ny(31, 0, 0), ny(32, 12, 0) // Nov 28-30; now Dec 2 noon
	const m = time.Minute

	// The whole window's figures (see reportWorkspace).
	all := ReportFigures{TextsIn: 7, TextsOut: 3, CallsIn: 3, CallsAnswered: 1, CallsMissed: 2, CallsWithVoicemail: 1, CallsOut: 1,
		TalkTime: 15 * m, ConversationsStarted: 4, Replies: 4, ReplyMedian: 30 * m, ReplyP90: 14 * time.Hour, Unanswered: 2, AwaitingNow: 1}
	pn1 := ReportFigures{TextsIn: 5, TextsOut: 3, CallsIn: 2, CallsAnswered: 1, CallsMissed: 1, CallsWithVoicemail: 1,
		TalkTime: 5 * m, ConversationsStarted: 1, Replies: 3, ReplyMedian: 30 * m, ReplyP90: 40 * m}
	pn2 := ReportFigures{TextsIn: 2, CallsIn: 1, CallsMissed: 1, CallsOut: 1, TalkTime: 10 * m, ConversationsStarted: 3,
		Replies: 1, ReplyMedian: 14 * time.Hour, ReplyP90: 14 * time.Hour, Unanswered: 2, AwaitingNow: 1}
	us1 := ReportFigures{TextsIn: 3, TextsOut: 2, CallsIn: 1, CallsAnswered: 1, CallsOut: 1, TalkTime: 15 * m, ConversationsStarted: 1,
		Replies: 2, ReplyMedian: 20 * m, ReplyP90: 30 * m}
	us2 := ReportFigures{TextsIn: 2, TextsOut: 1, ConversationsStarted: 1, Replies: 2, ReplyMedian: 40 * m, ReplyP90: 14 * time.Hour}
	nobody := ReportFigures{TextsIn: 2, CallsIn: 2, CallsMissed: 2, CallsWithVoicemail: 1, ConversationsStarted: 2, Unanswered: 2, AwaitingNow: 1}
	var zero ReportFigures

	for _, tc := range []struct {
		name   string
		p      ReportParams
		groups []ReportGroup
		totals ReportFigures
	}{
		{"by line", ReportParams{GroupBy: GroupByLine},
			[]ReportGroup{{"PN1", pn1}, {"PN2", pn2}}, all},
		{"by user", ReportParams{GroupBy: GroupByUser},
			[]ReportGroup{{"US1", us1}, {"", nobody}, {"US2", us2}}, all},
		{"by line, PN2 only", ReportParams{GroupBy: GroupByLine, Lines: []string{"PN2"}},
			[]ReportGroup{{"PN2", pn2}}, pn2},
		{"by user, PN2 only", ReportParams{GroupBy: GroupByUser, Lines: []string{"PN2"}},
			[]ReportGroup{
				{"", ReportFigures{TextsIn: 1, CallsIn: 1, CallsMissed: 1, ConversationsStarted: 2, Unanswered: 2, AwaitingNow: 1}},
				{"US1", ReportFigures{CallsOut: 1, TalkTime: 10 * m}},
				{"US2", ReportFigures{TextsIn: 1, ConversationsStarted: 1, Replies: 1, ReplyMedian: 14 * time.Hour, ReplyP90: 14 * time.Hour}},
			}, pn2},
		{"no line", ReportParams{GroupBy: GroupByLine, Lines: []string{}}, nil, zero},
		{"US2 alone", ReportParams{GroupBy: GroupByUser, UserID: "US2"},
			[]ReportGroup{{"US2", us2}}, us2},
		{"US1 by line", ReportParams{GroupBy: GroupByLine, UserID: "US1"},
			[]ReportGroup{
				{"PN1", ReportFigures{TextsIn: 3, TextsOut: 2, CallsIn: 1, CallsAnswered: 1, TalkTime: 5 * m, ConversationsStarted: 1,
					Replies: 2, ReplyMedian: 20 * m, ReplyP90: 30 * m}},
				{"PN2", ReportFigures{CallsOut: 1, TalkTime: 10 * m}},
			}, us1},
		{"a user with nothing", ReportParams{GroupBy: GroupByUser, UserID: "US9"},
			[]ReportGroup{{"US9", zero}}, zero},
		{"by day in New York, empty days too", ReportParams{GroupBy: GroupByDay, Location: newYork, Since: ny(26, 0, 0)},
			[]ReportGroup{
				{"2026-11-26", zero},
				{"2026-11-27", zero},
				{"2026-11-28", ReportFigures{TextsIn: 4, TextsOut: 2, CallsOut: 1, TalkTime: 10 * m, ConversationsStarted: 2,
					Replies: 1, ReplyMedian: 30 * m, ReplyP90: 30 * m}},
				{"2026-11-29", ReportFigures{TextsIn: 1, CallsIn: 2, CallsMissed: 2, CallsWithVoicemail: 1, ConversationsStarted: 1,
					Replies: 1, ReplyMedian: 40 * m, ReplyP90: 40 * m, Unanswered: 2, AwaitingNow: 1}},
				{"2026-11-30", ReportFigures{TextsIn: 2, TextsOut: 1, CallsIn: 1, CallsAnswered: 1, TalkTime: 5 * m, ConversationsStarted: 1,
					Replies: 2, ReplyMedian: 20 * m, ReplyP90: 14 * time.Hour}},
			}, all},
		{"by day in UTC", ReportParams{GroupBy: GroupByDay, Since: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
			Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
			[]ReportGroup{
				// CN4's text and call; CN2's call is the 30th in UTC.
				{"2026-11-29", ReportFigures{TextsIn: 1, CallsIn: 1, CallsMissed: 1, ConversationsStarted: 1, Unanswered: 2, AwaitingNow: 1}},
				// CN2's call and answer, CN5's text and call.
				{"2026-11-30", ReportFigures{TextsIn: 1, TextsOut: 1, CallsIn: 2, CallsAnswered: 1, CallsMissed: 1, CallsWithVoicemail: 1,
					TalkTime: 5 * m, Replies: 2, ReplyMedian: 20 * m, ReplyP90: 40 * m}},
			},
			ReportFigures{TextsIn: 2, TextsOut: 1, CallsIn: 3, CallsAnswered: 1, CallsMissed: 2, CallsWithVoicemail: 1, TalkTime: 5 * m,
				ConversationsStarted: 1, Replies: 2, ReplyMedian: 20 * m, ReplyP90: 40 * m, Unanswered: 2, AwaitingNow: 1}},
		{"by hour, around midnight", ReportParams{GroupBy: GroupByHour, Location: newYork, Since: ny(29, 22, 0), Until: ny(30, 1, 0)},
			[]ReportGroup{
				{"2026-11-29 22:00", zero},
				{"2026-11-29 23:00", ReportFigures{CallsIn: 1, CallsMissed: 1, CallsWithVoicemail: 1, Replies: 1, ReplyMedian: 40 * m, ReplyP90: 40 * m}},
				{"2026-11-30 00:00", ReportFigures{TextsOut: 1}},
			},
			ReportFigures{TextsOut: 1, CallsIn: 1, CallsMissed: 1, CallsWithVoicemail: 1, Replies: 1, ReplyMedian: 40 * m, ReplyP90: 40 * m}},
		{"as of a now before the late reply", ReportParams{GroupBy: GroupByLine, Now: ny(31, 9, 0)},
			[]ReportGroup{{"PN1", pn1}, {"PN2", func() ReportFigures {
				f := pn2
				f.Replies, f.ReplyMedian, f.ReplyP90, f.Unanswered, f.AwaitingNow = 0, 0, 0, 3, 2
				return f
			}()}},
			func() ReportFigures {
				f := all
				f.Replies, f.ReplyMedian, f.ReplyP90, f.Unanswered, f.AwaitingNow = 3, 30*m, 40*m, 3, 2
				return f
			}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.Workspace = ws
			if p.Since.IsZero() {
				p.Since = since
			}
			if p.Until.IsZero() {
				p.Until = until
			}
			if p.Now.IsZero() {
				p.Now = now
			}
			rep, err := st.Report(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.Groups, tc.groups) {
				t.Errorf("groups:\n got %+v\nwant %+v", rep.Groups, tc.groups)
			}
			if rep.Totals != tc.totals {
				t.Errorf("totals:\n got %+v\nwant %+v", rep.Totals, tc.totals)
			}
		})
	}

	// The other workspace alone: its own rows, none of ws's.
	rep, err := st.Report(ctx, ReportParams{Workspace: "wsother", Since: since, Until: until, Now: now, GroupBy: GroupByLine})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ReportFigures{TextsIn: 2, TextsOut: 1, CallsIn: 1, CallsMissed: 1, ConversationsStarted: 2, Replies: 1,
		ReplyMedian: 90 * m, ReplyP90: 90 * m, Unanswered: 2, AwaitingNow: 1}); rep.Totals != want {
		t.Errorf("the other workspace: %+v, want %+v", rep.Totals, want)
	}

	if _, err := st.Report(ctx, ReportParams{Workspace: ws, Since: since, Until: until, GroupBy: "week"}); err == nil {
		t.Error("a report by week was made")
	}
	if _, err := st.Report(ctx, ReportParams{Workspace: ws, Since: until, Until: since, GroupBy: GroupByDay}); err == nil {
		t.Error("a report of a window that ends before it starts was made")
	}
}

func TestReportBuckets(t *testing.T) {
	for _, tc := range []struct {
		name         string
		since, until time.Time
		loc          *time.Location
		by           string
		want         []string
	}{
		{"days from mid-day", ny(28, 15, 0), ny(30, 0, 1), newYork, GroupByDay, []string{"2026-11-28", "2026-11-29", "2026-11-30"}},
		{"days ending at midnight", ny(28, 0, 0), ny(30, 0, 0), newYork, GroupByDay, []string{"2026-11-28", "2026-11-29"}},
		{"empty window", ny(28, 0, 0), ny(28, 0, 0), newYork, GroupByDay, nil},
		// Daylight saving time ends on 1 November 2026 at 2:00: 1:00 twice.
		{"the hour that repeats", time.Date(2026, 11, 1, 0, 0, 0, 0, newYork), time.Date(2026, 11, 1, 3, 0, 0, 0, newYork), newYork, GroupByHour,
			[]string{"2026-11-01 00:00", "2026-11-01 01:00", "2026-11-01 02:00"}},
		// It starts on 8 March 2026 at 2:00: no 2:00.
		{"the hour that is skipped", time.Date(2026, 3, 8, 1, 30, 0, 0, newYork), time.Date(2026, 3, 8, 4, 0, 0, 0, newYork), newYork, GroupByHour,
			[]string{"2026-03-08 01:00", "2026-03-08 03:00"}},
		{"a day of 25 hours", time.Date(2026, 11, 1, 0, 0, 0, 0, newYork), time.Date(2026, 11, 2, 0, 0, 0, 0, newYork), newYork, GroupByDay,
			[]string{"2026-11-01"}},
	} {
		if got := buckets(tc.since, tc.until, tc.loc, tc.by); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNearestRank(t *testing.T) {
	s := func(vs ...int) []time.Duration {
		var d []time.Duration
		for _, v := range vs {
			d = append(d, time.Duration(v))
		}
		return d
	}
	for _, tc := range []struct {
		values []time.Duration
		p      int
		want   time.Duration
	}{
		// Wikipedia's examples of the nearest-rank method.
		{s(15, 20, 35, 40, 50), 5, 15},
		{s(15, 20, 35, 40, 50), 30, 20},
		{s(15, 20, 35, 40, 50), 40, 20},
		{s(15, 20, 35, 40, 50), 50, 35},
		{s(15, 20, 35, 40, 50), 100, 50},
		{s(3, 6, 7, 8, 8, 10, 13, 15, 16, 20), 25, 7},
		{s(3, 6, 7, 8, 8, 10, 13, 15, 16, 20), 50, 8},
		{s(3, 6, 7, 8, 8, 10, 13, 15, 16, 20), 75, 15},
		{s(3, 6, 7, 8, 8, 10, 13, 15, 16, 20), 90, 16},
		{s(3, 6, 7, 8, 8, 10, 13, 15, 16, 20), 100, 20},
		// No interpolation: the median of two is the lower one.
		{s(10, 20), 50, 10},
		{s(10, 20), 90, 20},
		{s(7), 50, 7},
		{s(7), 90, 7},
		{nil, 50, 0},
	} {
		if got := nearestRank(tc.values, tc.p); got != tc.want {
			t.Errorf("P%d of %v: %v, want %v", tc.p, tc.values, got, tc.want)
		}
	}
}

// BenchmarkReport reports on a busy week: 10,000 texts in 2,000
// conversations on 4 lines, and 1,000 calls.
func BenchmarkReport(b *testing.B) {
	ctx := context.Background()
	st, _ := open(b)
	ws, err := st.Workspace(ctx, []client.PhoneNumber{{ID: "PN1"}, {ID: "PN2"}, {ID: "PN3"}, {ID: "PN4"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	since := ny(23, 0, 0)
	var convs []client.Conversation
	for i := range 2000 {
		line := fmt.Sprintf("PN%d", i%4+1)
		c := conversation(fmt.Sprintf("CN%04d", i), line, since.Add(time.Duration(i)*5*time.Minute), "+1415555"+fmt.Sprintf("%04d", i))
		if i%3 == 0 {
			c = assigned(c, fmt.Sprintf("US%d", i%10))
		}
		convs = append(convs, c)
	}
	if err := st.PutConversations(ctx, ws, convs); err != nil {
		b.Fatal(err)
	}
	for i, c := range convs {
		at := *c.CreatedAt
		var msgs []client.Message
		for j := range 5 {
			id := fmt.Sprintf("M%04d%d", i, j)
			at = at.Add(time.Duration(7+j*j) * time.Minute)
			if j%2 == 0 {
				msgs = append(msgs, message(id, c.ID, c.PhoneNumberID, "hello", at))
			} else {
				msgs = append(msgs, outgoing(id, c.ID, c.PhoneNumberID, fmt.Sprintf("US%d", (i+j)%10), at))
			}
		}
		if err := st.PutMessages(ctx, ws, c.ID, msgs); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			call := client.Call{ID: fmt.Sprintf("C%04d", i), PhoneNumberID: c.PhoneNumberID, Direction: "incoming", Status: "missed",
				Participants: c.Participants, CreatedAt: at.Add(time.Hour)}
			if i%4 == 0 {
				call.Status, call.AnsweredAt, call.AnsweredBy, call.Duration = "completed", &call.CreatedAt, new("US1"), 90
			}
			if err := st.PutCalls(ctx, ws, c.ID, []client.Call{call}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, by := range []string{GroupByLine, GroupByUser, GroupByDay, GroupByHour} {
		b.Run(by, func(b *testing.B) {
			p := ReportParams{Workspace: ws, Since: since, Until: since.AddDate(0, 0, 7), Now: since.AddDate(0, 0, 8), GroupBy: by, Location: newYork}
			for b.Loop() {
				rep, err := st.Report(ctx, p)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Totals.TextsIn+rep.Totals.TextsOut != 10000 {
					b.Fatalf("%d texts, want 10000", rep.Totals.TextsIn+rep.Totals.TextsOut)
				}
			}
		})
	}
}
