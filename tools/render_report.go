package tools

import (
	"fmt"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/store"
)

// reportDefinitions say what each figure of activity_report counts.
const reportDefinitions = `Figures: texts in/out: received/sent. Calls in: incoming calls; answered; missed (not answered: missed, no-answer, busy, canceled or abandoned); voicemails (those the store has read). Calls out: outgoing calls, answered or not. Talk: the length of answered calls, in and out. Started: conversations created in the window. Reply: time from an incoming text or missed call (the first of a run not yet answered) to the next outgoing text or call, or answered incoming call, in that conversation, even after the window; median and 90th percentile (nearest rank) of n measured. Unanswered: incoming texts and missed calls of the window with no reply since. Awaiting now: conversations whose latest activity is one of those.`

// groupDefinitions say what each grouping puts in a group.
var groupDefinitions = map[string]string{
	store.GroupByLine: "Each line: what happened on it.",
	store.GroupByUser: `Each user: texts and calls they sent, made or answered, and reply times of their replies; incoming texts, missed calls, unanswered and awaiting under the conversation's assignee, or "no one" when it has none.`,
	store.GroupByDay:  "Each day: what happened that day, a reply time on the day it began.",
	store.GroupByHour: "Each hour: what happened in it, a reply time in the hour it began.",
}

// renderReport writes activity_report's answer (after the window, which
// opening writes): the coverage, the definitions, the totals, then a line per group.
func renderReport(p reportRequest, r reportResult, l legend) string {
	rep := r.Report
	var b strings.Builder
	fmt.Fprintf(&b, "Activity by %s", rep.GroupBy)
	if rep.GroupBy == store.GroupByDay || rep.GroupBy == store.GroupByHour {
		b.WriteString(", days and hours in " + r.TimeZone)
	}
	if p.PhoneNumbers != nil {
		b.WriteString(", lines " + joinFields(p.PhoneNumbers))
	}
	if p.UserID != "" {
		b.WriteString(", user " + fieldText(p.UserID))
	}
	b.WriteString(".")
	if r.Asked != nil {
		fmt.Fprintf(&b, " You asked from %s, but the store's copy begins at %s: earlier activity is not counted (not known here).", r.Asked.UTC().Format(time.RFC3339), r.CoveredSince.Format(time.RFC3339))
	}
	b.WriteString(" From the store, as of ")
	writeAsOf(&b, r.Store, rep.Now)
	if r.Store.AsOf.Before(rep.Until) {
		b.WriteString("; activity after it is not counted yet")
	}
	b.WriteString(".\n" + reportDefinitions + " " + groupDefinitions[rep.GroupBy])
	writeLegend(&b, l)
	b.WriteString("\n\nTotal: " + figures(rep.Totals))
	for _, g := range rep.Groups {
		key := fieldText(g.Key)
		if rep.GroupBy == store.GroupByUser && g.Key == "" {
			key = "no one (unassigned conversations)"
		}
		b.WriteString("\n" + key + ": " + figures(g.ReportFigures))
	}
	return b.String()
}

// figures writes one group's figures on one line.
func figures(f store.ReportFigures) string {
	reply := "none measured"
	if f.Replies > 0 {
		reply = fmt.Sprintf("median %s, p90 %s (n=%d)", length(f.ReplyMedian), length(f.ReplyP90), f.Replies)
	}
	return fmt.Sprintf("texts %d in, %d out; calls %d in (%d answered, %d missed, %d voicemails), %d out; talk %s; %d started; reply %s; %d unanswered; %d awaiting now.",
		f.TextsIn, f.TextsOut, f.CallsIn, f.CallsAnswered, f.CallsMissed, f.CallsWithVoicemail, f.CallsOut, length(f.TalkTime), f.ConversationsStarted, reply, f.Unanswered, f.AwaitingNow)
}
