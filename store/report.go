package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The groupings of a Report.
const (
	GroupByLine = "line" // by line (PN…)
	GroupByUser = "user" // by user (US…), "" for no one in particular
	GroupByDay  = "day"  // by day in the report's Location, "2006-01-02"
	GroupByHour = "hour" // by hour in the report's Location, "2006-01-02 15:00"
)

// ReportParams select the activity a Report sums up.
type ReportParams struct {
	Workspace string
	// Since and Until bound the window: Since included, Until excluded.
	Since, Until time.Time
	// Lines, when not nil, keeps these lines (PN…) only, for every figure:
	// an empty, non-nil Lines keeps none.
	Lines []string
	// UserID, when not "", keeps only what is attributed to that user (as
	// GroupByUser attributes it).
	UserID string
	// GroupBy is GroupByLine, GroupByUser, GroupByDay or GroupByHour.
	GroupBy string
	// Location is the time zone of day and hour groups; nil is UTC.
	Location *time.Location
	// Now is the instant the report is made as of: replies are looked for
	// up to Now, and AwaitingNow is as of Now. Zero is the store's clock.
	// A Now before Until is taken as Until.
	Now time.Time
}

// ReportFigures are the figures of a report's group, or of its totals.
//
// A call is answered when OpenPhone gives it an answer time (answeredAt),
// when its status is "answered" or "in-progress", or when it is
// "completed" with a duration (as CallExpects judges). An incoming call
// not answered is missed when its status is one of the ends of an
// unanswered call: "missed", "no-answer", "abandoned", "busy" or
// "canceled", as recent_activity judges it. An incoming call that is
// neither (still "ringing", "forwarded" elsewhere, or "failed") counts in
// CallsIn only.
type ReportFigures struct {
	TextsIn, TextsOut int // texts received and sent
	CallsIn           int // incoming calls, however they ended
	CallsAnswered     int // incoming calls answered
	CallsMissed       int // incoming calls missed
	// CallsWithVoicemail counts incoming calls with a voicemail read
	// (its state TextDone); one not read yet is not counted.
	CallsWithVoicemail int
	CallsOut           int // outgoing calls, answered or not
	// TalkTime is the sum of the durations of answered calls, incoming
	// and outgoing.
	TalkTime time.Duration
	// ConversationsStarted counts the conversations created in the window.
	ConversationsStarted int
	// Replies counts the reply times measured. A reply time runs from the
	// first of a run of incoming texts and missed calls not yet answered
	// to the next outgoing text, outgoing call or answered incoming call
	// of the same conversation, found up to Now (it may come after Until).
	// Only runs that start inside the window are measured; a run already
	// waiting at Since is not.
	Replies int
	// ReplyMedian and ReplyP90 are the 50th and 90th percentiles of the
	// reply times, by nearest rank: the smallest time that at least half
	// (nine tenths) of the times do not exceed. Zero when none.
	ReplyMedian, ReplyP90 time.Duration
	// Unanswered counts the incoming texts and missed calls of the window
	// with no reply after them, up to Now, in their conversation.
	Unanswered int
	// AwaitingNow counts the conversations still waiting, as of Now, on
	// a reply to an incoming text or a missed call of the window: those
	// whose latest activity is an incoming text or missed call with no
	// reply after it, one of which is in the window. Each is counted once,
	// where its first unanswered text or call of the window belongs.
	AwaitingNow int
}

// A ReportGroup is one group of a report: a line, a user, a day or an
// hour.
type ReportGroup struct {
	// Key is the line's ID, the user's ID ("" for no one in particular),
	// the day "2026-11-30" or the hour "2026-11-30 14:00" in the report's
	// Location.
	Key string
	ReportFigures
}

// An ActivityReport sums up a workspace's activity in a window.
type ActivityReport struct {
	Workspace    string
	Since, Until time.Time
	Now          time.Time // the instant it was made as of
	GroupBy      string
	// Groups: the lines and users with something to count, busiest
	// first (most texts and calls, then by key), and with UserID that
	// user's group even when empty; days and hours in order, every one
	// the window touches, with or without activity.
	Groups []ReportGroup
	// Totals are the figures over all the groups, computed over all their
	// activity (not summed: the percentiles are over every reply time).
	Totals ReportFigures
}

// Report sums up the activity of p.Workspace in the window [p.Since,
// p.Until), grouped as p.GroupBy says.
//
// What each group holds:
//   - line: each text, call and conversation under its line.
//   - user: a sent text under its sender; an outgoing call under the user
//     who placed it (initiatedBy, else userId); an answered incoming call,
//     with its talk time, under the user who answered it (answeredBy,
//     else userId). Incoming texts, missed and other unanswered calls,
//     Unanswered, AwaitingNow and ConversationsStarted go under the
//     conversation's assignee (as assigned now) when it has one, else
//     under "": no one in particular, the line's. A reply time goes under
//     the user who replied.
//   - day, hour: each text and call by its time in p.Location, a reply
//     time by the time of the text or call it answers, a conversation
//     started by its creation, a conversation awaiting a reply by its
//     first unanswered text or call in the window. In an hour a clock
//     repeats (daylight saving time ending), both are one group.
//
// The rows are selected in plain SQL, and the figures computed here.
func (s *Store) Report(ctx context.Context, p ReportParams) (ActivityReport, error) {
	switch p.GroupBy {
	case GroupByLine, GroupByUser, GroupByDay, GroupByHour:
	default:
		return ActivityReport{}, fmt.Errorf("store: report grouped by %q: want line, user, day or hour", p.GroupBy)
	}
	if p.Until.Before(p.Since) {
		return ActivityReport{}, errors.New("store: report: Until is before Since")
	}
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.Now.IsZero() {
		p.Now = s.now()
	}
	if p.Now.Before(p.Until) {
		p.Now = p.Until
	}
	r := newReporter(p)
	if p.Lines == nil || len(p.Lines) > 0 {
		if err := r.load(ctx, s.db); err != nil {
			return ActivityReport{}, fmt.Errorf("store: report: %w", err)
		}
		r.compute()
	}
	return r.result(), nil
}

// The SQL judgement of a call (aliased k): answered, else missed (when
// incoming), else other. One definition, for every query that needs it.
const (
	callAnsweredSQL = `(k.answered_at IS NOT NULL OR k.status IN ('answered', 'in-progress') OR (k.status = 'completed' AND k.duration > 0))`
	callMissedSQL   = `k.status IN ('missed', 'no-answer', 'abandoned', 'busy', 'canceled')`
	callClassSQL    = `CASE WHEN ` + callAnsweredSQL + ` THEN 'answered' WHEN ` + callMissedSQL + ` THEN 'missed' ELSE 'other' END`
)

// A reportEvent is a text or a call, as the report sees it.
type reportEvent struct {
	id, conv, line string
	at             int64 // Unix ms
	text           bool
	incoming       bool
	class          string // a call's: answered, missed or other
	user           string // the user it is attributed to (see Report)
	voicemail      bool
	duration       int64 // seconds, for a call
}

// start says e is one a reply is owed for: an incoming text, or a missed
// call.
func (e *reportEvent) start() bool {
	return e.incoming && (e.text || e.class == "missed")
}

// reply says e answers: an outgoing text or call, or an answered incoming
// call.
func (e *reportEvent) reply() bool { return !e.incoming || (!e.text && e.class == "answered") }

// A reportConv is what the report reads of a conversation.
type reportConv struct {
	line, assignee string
	created        sql.NullInt64
	// waiting: its latest activity before Since was owed a reply.
	waiting bool
	events  []*reportEvent
}

// A reportAcc gathers a group's figures.
type reportAcc struct {
	ReportFigures
	replies []time.Duration
}

type reporter struct {
	p                   ReportParams
	since, until, horiz int64
	convs               map[string]*reportConv
	groups              map[string]*reportAcc
	order               []string // the day and hour buckets, in order
	totals              reportAcc
}

func newReporter(p ReportParams) *reporter {
	r := &reporter{p: p, since: p.Since.UnixMilli(), until: p.Until.UnixMilli(), horiz: p.Now.UnixMilli(),
		convs: map[string]*reportConv{}, groups: map[string]*reportAcc{}}
	switch p.GroupBy {
	case GroupByDay, GroupByHour:
		r.order = buckets(p.Since, p.Until, p.Location, p.GroupBy)
		for _, k := range r.order {
			r.groups[k] = &reportAcc{}
		}
	case GroupByUser:
		if p.UserID != "" {
			r.groups[p.UserID] = &reportAcc{}
		}
	}
	return r
}

// buckets lists the days or hours in loc that [since, until) touches.
func buckets(since, until time.Time, loc *time.Location, by string) []string {
	var keys []string
	if !since.Before(until) {
		return nil
	}
	l := since.In(loc)
	if by == GroupByDay {
		for d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc); d.Before(until); {
			keys = append(keys, d.Format("2006-01-02"))
			d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		}
		return keys
	}
	// Step through absolute time by the hour from the local hour that
	// holds since; a zone whose offset is not whole hours still starts
	// each group at its local hour.
	for h := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc); h.Before(until); h = h.Add(time.Hour) {
		k := h.In(loc).Format("2006-01-02 15:00")
		if len(keys) == 0 || keys[len(keys)-1] != k {
			keys = append(keys, k)
		}
	}
	return keys
}

// lineFilter is the SQL condition on column that keeps p.Lines, and its
// arguments.
func (r *reporter) lineFilter(column string) (string, []any) {
	if r.p.Lines == nil {
		return "", nil
	}
	args := make([]any, len(r.p.Lines))
	for i, l := range r.p.Lines {
		args[i] = l
	}
	return ` AND ` + column + ` IN (?` + strings.Repeat(`, ?`, len(r.p.Lines)-1) + `)`, args
}

// windowConvs is the SQL that lists the conversations with a text or a
// call in the window, and its arguments.
func (r *reporter) windowConvs() (string, []any) {
	lf, largs := r.lineFilter("line_id")
	q := `SELECT conversation_id FROM messages WHERE workspace_id = ? AND created_at >= ? AND created_at < ?` + lf +
		` UNION SELECT conversation_id FROM calls WHERE workspace_id = ? AND created_at >= ? AND created_at < ?` + lf
	args := append([]any{r.p.Workspace, r.since, r.until}, largs...)
	args = append(args, r.p.Workspace, r.since, r.until)
	return q, append(args, largs...)
}

// conv returns the conversation id, known or not.
func (r *reporter) conv(id string) *reportConv {
	c := r.convs[id]
	if c == nil {
		c = &reportConv{}
		r.convs[id] = c
	}
	return c
}

// load reads the conversations of the window (and those created in it),
// their texts and calls from Since to Now, and what each was at Since.
func (r *reporter) load(ctx context.Context, db *conn) error {
	ws := r.p.Workspace
	wq, wargs := r.windowConvs()

	// The conversations: created in the window, or active in it.
	lf, largs := r.lineFilter("line_id")
	args := append(append([]any{ws}, largs...), r.since, r.until)
	rows, err := db.QueryContext(ctx, `SELECT id, line_id, COALESCE(assigned_to, ''), created_at FROM conversations
		WHERE workspace_id = ?`+lf+` AND ((created_at >= ? AND created_at < ?) OR id IN (`+wq+`))`, append(args, wargs...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		c := &reportConv{}
		if err := rows.Scan(&id, &c.line, &c.assignee, &c.created); err != nil {
			rows.Close()
			return err
		}
		r.convs[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// The texts: those of the window, and those after it up to Now of
	// the window's conversations.
	args = append(append([]any{ws, r.since, r.horiz}, largs...), r.until)
	rows, err = db.QueryContext(ctx, `SELECT id, conversation_id, line_id, direction, COALESCE(user_id, ''), created_at FROM messages
		WHERE workspace_id = ? AND created_at >= ? AND created_at <= ?`+lf+` AND (created_at < ? OR conversation_id IN (`+wq+`))`,
		append(args, wargs...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		e := &reportEvent{text: true}
		var direction string
		if err := rows.Scan(&e.id, &e.conv, &e.line, &direction, &e.user, &e.at); err != nil {
			rows.Close()
			return err
		}
		e.incoming = direction == "incoming"
		c := r.conv(e.conv)
		if e.incoming {
			e.user = c.assignee
		}
		c.events = append(c.events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// The calls, likewise.
	lf, largs = r.lineFilter("k.line_id")
	args = append(append([]any{TextDone, ws, r.since, r.horiz}, largs...), r.until)
	rows, err = db.QueryContext(ctx, `SELECT k.id, k.conversation_id, k.line_id, k.direction, `+callClassSQL+`,
			COALESCE(k.user_id, ''), COALESCE(k.answered_by, ''), COALESCE(k.initiated_by, ''), k.created_at, k.duration,
			CASE WHEN k.voicemail_status = ? THEN 1 ELSE 0 END
		FROM calls k WHERE k.workspace_id = ? AND k.created_at >= ? AND k.created_at <= ?`+lf+
		` AND (k.created_at < ? OR k.conversation_id IN (`+wq+`))`, append(args, wargs...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		e := &reportEvent{}
		var direction, user, answeredBy, initiatedBy string
		var voicemail int
		if err := rows.Scan(&e.id, &e.conv, &e.line, &direction, &e.class, &user, &answeredBy, &initiatedBy, &e.at, &e.duration, &voicemail); err != nil {
			rows.Close()
			return err
		}
		e.incoming, e.voicemail = direction == "incoming", voicemail == 1
		c := r.conv(e.conv)
		switch {
		case !e.incoming:
			e.user = cmp.Or(initiatedBy, user)
		case e.class == "answered":
			e.user = cmp.Or(answeredBy, user)
		default:
			e.user = c.assignee
		}
		c.events = append(c.events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// What each conversation of the window was at Since: waiting for a
	// reply when its latest text or call before Since (other calls aside)
	// was owed one. Read from the latest of each, by the indexes on
	// (conversation, time), as one number: its time × 2, plus 1 when it
	// was owed a reply.
	args = []any{ws, r.since, ws, r.since}
	rows, err = db.QueryContext(ctx, `SELECT w.conversation_id,
			(SELECT m.created_at * 2 + CASE WHEN m.direction = 'incoming' THEN 1 ELSE 0 END
				FROM messages m WHERE m.workspace_id = ? AND m.conversation_id = w.conversation_id AND m.created_at < ?
				ORDER BY m.created_at DESC, m.id DESC LIMIT 1),
			(SELECT k.created_at * 2 + CASE WHEN k.direction = 'outgoing' OR `+callAnsweredSQL+` THEN 0 ELSE 1 END
				FROM calls k WHERE k.workspace_id = ? AND k.conversation_id = w.conversation_id AND k.created_at < ?
				AND (k.direction = 'outgoing' OR `+callAnsweredSQL+` OR `+callMissedSQL+`)
				ORDER BY k.created_at DESC, k.id DESC LIMIT 1)
		FROM (`+wq+`) w`, append(args, wargs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var text, call sql.NullInt64
		if err := rows.Scan(&id, &text, &call); err != nil {
			return err
		}
		switch {
		case text.Valid && (!call.Valid || text.Int64/2 > call.Int64/2):
			r.conv(id).waiting = text.Int64%2 == 1
		case call.Valid:
			r.conv(id).waiting = call.Int64%2 == 1
		}
	}
	return rows.Err()
}

// key is the group of a line, a user and an instant, as p.GroupBy says.
func (r *reporter) key(line, user string, at int64) string {
	switch r.p.GroupBy {
	case GroupByLine:
		return line
	case GroupByUser:
		return user
	case GroupByDay:
		return time.UnixMilli(at).In(r.p.Location).Format("2006-01-02")
	}
	return time.UnixMilli(at).In(r.p.Location).Format("2006-01-02 15:00")
}

// add applies f to the group of (line, user, at) and to the totals,
// unless p.UserID keeps another user only.
func (r *reporter) add(line, user string, at int64, f func(*reportAcc)) {
	if r.p.UserID != "" && user != r.p.UserID {
		return
	}
	k := r.key(line, user, at)
	g := r.groups[k]
	if g == nil {
		if r.order != nil {
			return // outside the buckets: cannot be, the window bounds both
		}
		g = &reportAcc{}
		r.groups[k] = g
	}
	f(g)
	f(&r.totals)
}

func (r *reporter) inWindow(at int64) bool { return at >= r.since && at < r.until }

// compute walks each conversation's activity in order.
func (r *reporter) compute() {
	ids := make([]string, 0, len(r.convs))
	for id := range r.convs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // for the same order of reply times on every run
	for _, id := range ids {
		c := r.convs[id]
		if c.created.Valid && r.inWindow(c.created.Int64) {
			r.add(c.line, c.assignee, c.created.Int64, func(a *reportAcc) { a.ConversationsStarted++ })
		}
		slices.SortFunc(c.events, func(a, b *reportEvent) int { return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.id, b.id)) })
		var (
			open     = c.waiting // a run owed a reply is going on
			runStart *reportEvent
			owed     []*reportEvent // the window's starts of the run
		)
		for _, e := range c.events {
			if r.inWindow(e.at) {
				r.count(e)
			}
			switch {
			case e.start():
				if !open && r.inWindow(e.at) {
					runStart = e
				}
				open = true
				if r.inWindow(e.at) {
					owed = append(owed, e)
				}
			case e.reply():
				if runStart != nil {
					d := time.Duration(e.at-runStart.at) * time.Millisecond
					r.add(runStart.line, e.user, runStart.at, func(a *reportAcc) { a.replies = append(a.replies, d) })
				}
				open, runStart, owed = false, nil, nil
			}
		}
		for _, e := range owed {
			r.add(e.line, e.user, e.at, func(a *reportAcc) { a.Unanswered++ })
		}
		if len(owed) > 0 {
			e := owed[0]
			r.add(e.line, e.user, e.at, func(a *reportAcc) { a.AwaitingNow++ })
		}
	}
}

// count adds a text or call of the window to its group's counts.
func (r *reporter) count(e *reportEvent) {
	r.add(e.line, e.user, e.at, func(a *reportAcc) {
		switch {
		case e.text && e.incoming:
			a.TextsIn++
		case e.text:
			a.TextsOut++
		case e.incoming:
			a.CallsIn++
			switch e.class {
			case "answered":
				a.CallsAnswered++
			case "missed":
				a.CallsMissed++
			}
			if e.voicemail {
				a.CallsWithVoicemail++
			}
		default:
			a.CallsOut++
		}
		if !e.text && e.class == "answered" {
			a.TalkTime += time.Duration(e.duration) * time.Second
		}
	})
}

// result orders the groups and computes the percentiles.
func (r *reporter) result() ActivityReport {
	rep := ActivityReport{Workspace: r.p.Workspace, Since: r.p.Since, Until: r.p.Until, Now: r.p.Now, GroupBy: r.p.GroupBy,
		Totals: r.totals.figures()}
	keys := r.order
	if keys == nil {
		for k := range r.groups {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		rep.Groups = append(rep.Groups, ReportGroup{Key: k, ReportFigures: r.groups[k].figures()})
	}
	if r.order == nil {
		slices.SortFunc(rep.Groups, func(a, b ReportGroup) int {
			return cmp.Or(cmp.Compare(b.activity(), a.activity()), strings.Compare(a.Key, b.Key))
		})
	}
	return rep
}

// activity is how busy a group is: its texts and calls.
func (f ReportFigures) activity() int { return f.TextsIn + f.TextsOut + f.CallsIn + f.CallsOut }

// figures completes a's figures with its reply times' percentiles.
func (a *reportAcc) figures() ReportFigures {
	f := a.ReportFigures
	slices.Sort(a.replies)
	f.Replies = len(a.replies)
	f.ReplyMedian = nearestRank(a.replies, 50)
	f.ReplyP90 = nearestRank(a.replies, 90)
	return f
}

// nearestRank is the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the value of rank ⌈p/100 × n⌉, the smallest value
// that p percent of the values do not exceed; zero when sorted is empty.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100
	return sorted[max(1, min(rank, n))-1]
}
