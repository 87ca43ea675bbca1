package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// Limits of a sync.
const (
	conversationsPerPage = client.MaxResultsLimit
	activityPerPage      = client.MaxResultsLimit
	// markOverlap reads again a little before each mark, for the clocks
	// of this machine and OpenPhone's to disagree without losing anything:
	// what is read twice is stored once.
	markOverlap = time.Minute
	// callTextsPerSync bounds the calls whose texts one sync reads again.
	callTextsPerSync = 200
	// giveUpAfter is how long a text OpenPhone is still making is read
	// again, counted from the call; after, it is taken as absent.
	giveUpAfter = 24 * time.Hour
	// missingWhileRecent is how long after a call a 404 for its summary or
	// transcript is taken as not made yet, rather than never.
	missingWhileRecent = time.Hour
)

// rfc3339 writes t as the API's date-time parameters take it.
func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// activityAt is when a conversation was last active, or changed.
func activityAt(c client.Conversation) time.Time {
	for _, t := range []*time.Time{c.LastActivityAt, c.UpdatedAt, c.CreatedAt} {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// backfill reads the window's conversations, newest activity first (the
// API's order), one page at a time, keeping its place in st after each.
func (r *run) backfill(ctx context.Context, st *store.SyncState) error {
	if st.BackfillStartedAt == nil {
		now, horizon := r.opts.Now(), r.horizon()
		st.BackfillStartedAt, st.BackfillHorizon = &now, &horizon
		if err := r.store.SetSyncState(ctx, r.ws, *st); err != nil {
			return err
		}
	}
	horizon := *st.BackfillHorizon
	token := st.BackfillPageToken
	for {
		page, err := r.client.ListConversations(ctx, client.ListConversationsParams{MaxResults: conversationsPerPage, PageToken: token})
		var apiErr *client.APIError
		if token != "" && errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
			// The page token expired: list from the top again. What was
			// read is not read again (its ReadThrough says so).
			token = ""
			continue
		}
		if err != nil {
			return fmt.Errorf("ingest: backfill: %w", err)
		}
		var inWindow []client.Conversation
		for _, c := range page.Data {
			if !activityAt(c).Before(horizon) {
				inWindow = append(inWindow, c)
			}
		}
		if err := r.conversations(ctx, inWindow, horizon); err != nil {
			return err
		}
		last := len(inWindow) < len(page.Data) || page.NextPageToken == nil
		st.BackfillConversations += len(inWindow)
		st.BackfillPageToken = ""
		if !last {
			token = *page.NextPageToken
			st.BackfillPageToken = token
		}
		if len(inWindow) > 0 {
			reached := activityAt(inWindow[len(inWindow)-1])
			st.CoveredSince = &reached
		}
		if last {
			now := r.opts.Now()
			mark := *st.BackfillStartedAt
			st.BackfillDoneAt, st.IncrementalMark, st.CoveredSince = &now, &mark, &horizon
			r.report.Backfilled = true
		}
		if err := r.store.SetSyncState(ctx, r.ws, *st); err != nil {
			return err
		}
		p := Progress{Phase: PhaseBackfill, Read: st.BackfillConversations, Horizon: horizon, Done: last}
		if st.CoveredSince != nil {
			p.Reached = *st.CoveredSince
		}
		r.progress(p)
		if last {
			return nil
		}
	}
}

// incremental reads what changed since st's mark: the conversations with
// activity since (listed newest activity first, until an older one), and
// those updated since (renamed, assigned, deleted), then moves the mark.
func (r *run) incremental(ctx context.Context, st *store.SyncState) error {
	start := r.opts.Now()
	since := st.IncrementalMark.Add(-markOverlap)
	seen := map[string]bool{}
	read := 0
	for _, updated := range []bool{false, true} {
		token := ""
		for {
			p := client.ListConversationsParams{MaxResults: conversationsPerPage, PageToken: token}
			if updated {
				p.UpdatedAfter = rfc3339(since)
			}
			page, err := r.client.ListConversations(ctx, p)
			if err != nil {
				return fmt.Errorf("ingest: incremental: %w", err)
			}
			var changed []client.Conversation
			older := false
			for _, c := range page.Data {
				if !updated && activityAt(c).Before(since) {
					older = true
					break
				}
				if !seen[c.ID] && !activityAt(c).Before(r.horizon()) {
					seen[c.ID] = true
					changed = append(changed, c)
				}
			}
			if err := r.conversations(ctx, changed, r.horizon()); err != nil {
				return err
			}
			read += len(changed)
			r.progress(Progress{Phase: PhaseIncremental, Read: read})
			if older || page.NextPageToken == nil {
				break
			}
			token = *page.NextPageToken
		}
	}
	st.IncrementalMark = &start
	r.progress(Progress{Phase: PhaseIncremental, Read: read, Done: true})
	return r.store.SetSyncState(ctx, r.ws, *st)
}

// conversations records convs and reads their new activity, Workers at a
// time.
func (r *run) conversations(ctx context.Context, convs []client.Conversation, horizon time.Time) error {
	if err := r.store.PutConversations(ctx, r.ws, convs); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Workers)
	for _, c := range convs {
		if c.DeletedAt != nil || c.LastActivityAt == nil {
			continue
		}
		g.Go(func() error {
			if err := r.renew(gctx, false); err != nil {
				return err
			}
			return r.activity(gctx, c, horizon)
		})
	}
	return g.Wait()
}

// activity reads what is new in a conversation: its messages and calls
// since it was last read (or since horizon), and the texts of those calls.
func (r *run) activity(ctx context.Context, c client.Conversation, horizon time.Time) error {
	through, err := r.store.ReadThrough(ctx, r.ws, c.ID)
	if err != nil {
		return err
	}
	if through != nil && !c.LastActivityAt.After(*through) {
		return nil // nothing new
	}
	since := horizon
	if through != nil && through.Add(-time.Second).After(since) {
		since = through.Add(-time.Second)
	}
	newThrough := *c.LastActivityAt
	var messages, calls int
	if len(c.Participants) <= client.MaxMessageParticipants {
		token := ""
		for {
			page, err := r.client.ListMessages(ctx, client.ListMessagesParams{PhoneNumberID: c.PhoneNumberID, Participants: c.Participants,
				CreatedAfter: rfc3339(since), MaxResults: activityPerPage, PageToken: token})
			if err != nil {
				return fmt.Errorf("ingest: messages of %s: %w", c.ID, err)
			}
			if err := r.store.PutMessages(ctx, r.ws, c.ID, page.Data); err != nil {
				return err
			}
			messages += len(page.Data)
			if page.NextPageToken == nil {
				break
			}
			token = *page.NextPageToken
		}
	}
	if len(c.Participants) == client.MaxCallParticipants { // the API lists the calls of 1:1 threads only
		token := ""
		for {
			page, err := r.client.ListCalls(ctx, client.ListCallsParams{PhoneNumberID: c.PhoneNumberID, Participants: c.Participants,
				CreatedAfter: rfc3339(since), MaxResults: activityPerPage, PageToken: token})
			if err != nil {
				return fmt.Errorf("ingest: calls of %s: %w", c.ID, err)
			}
			if err := r.store.PutCalls(ctx, r.ws, c.ID, page.Data); err != nil {
				return err
			}
			for _, call := range page.Data {
				if !finished(call.Status) && call.CreatedAt.Before(newThrough) {
					newThrough = call.CreatedAt // read it again next time, finished
				}
			}
			calls += len(page.Data)
			if page.NextPageToken == nil {
				break
			}
			token = *page.NextPageToken
		}
		due, err := r.store.CallsDue(ctx, r.ws, c.ID, activityPerPage)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := r.callText(ctx, d); err != nil {
				return err
			}
		}
	}
	if err := r.store.SetReadThrough(ctx, r.ws, c.ID, newThrough); err != nil {
		return err
	}
	r.mu.Lock()
	r.report.Conversations++
	r.report.Messages += messages
	r.report.Calls += calls
	r.mu.Unlock()
	return nil
}

// finished reports whether a call's status is final.
func finished(status string) bool {
	switch status {
	case "queued", "initiated", "ringing", "in-progress", "answered":
		return false
	}
	return true
}

// callTexts reads again the texts still due across the workspace: those
// OpenPhone was still making when last read.
func (r *run) callTexts(ctx context.Context) error {
	due, err := r.store.CallsDue(ctx, r.ws, "", callTextsPerSync)
	if err != nil {
		return err
	}
	for i, d := range due {
		if i%20 == 0 {
			if err := r.renew(ctx, false); err != nil {
				return err
			}
		}
		if err := r.callText(ctx, d); err != nil {
			return err
		}
	}
	r.progress(Progress{Phase: PhaseCallTexts, Read: len(due), Done: true})
	return nil
}

// callText reads the texts of a call that are pending or processing.
func (r *run) callText(ctx context.Context, d store.DueCall) error {
	due := func(state string) bool { return state == store.TextPending || state == store.TextProcessing }
	age := r.opts.Now().Sub(d.CreatedAt)
	// state is what an answer of status, or err, says of a text. A 403
	// sets *forbidden: the rest of the sync asks for no more. missing is
	// what a 404 means.
	state := func(status string, err error, forbidden *bool, missing string) (string, error) {
		var apiErr *client.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden:
			r.mu.Lock()
			*forbidden = true
			r.mu.Unlock()
			return store.TextAbsent, nil
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
			return missing, nil
		case err != nil:
			return "", err
		case status == client.InsightCompleted:
			return store.TextDone, nil
		case status == client.InsightInProgress && age < giveUpAfter:
			return store.TextProcessing, nil
		}
		return store.TextAbsent, nil
	}
	// A voicemail not found was not left; a summary or a transcript not
	// found just after the call may not be made yet.
	notMadeYet := store.TextAbsent
	if age < missingWhileRecent {
		notMadeYet = store.TextProcessing
	}
	r.mu.Lock()
	noMedia, noAI := r.noMedia, r.noAITxts
	r.mu.Unlock()
	// read reads one of the call's texts when it is due, unless skip says
	// it cannot be (no right to voicemails, no plan for summaries): fetch
	// gives OpenPhone's status and the text's words.
	read := func(what, stored string, skip bool, forbidden *bool, missing string, fetch func() (status, words string, err error)) (words, st string, err error) {
		switch {
		case !due(stored):
			return "", "", nil
		case skip:
			return "", store.TextAbsent, nil
		}
		status, words, fetchErr := fetch()
		if st, err = state(status, fetchErr, forbidden, missing); err != nil {
			return "", "", fmt.Errorf("ingest: %s of %s: %w", what, d.ID, err)
		}
		return words, st, nil
	}
	var t store.CallTexts
	var err error
	if t.Voicemail, t.VoicemailStatus, err = read("voicemail", d.Voicemail, noMedia, &r.noMedia, store.TextAbsent, func() (string, string, error) {
		vm, err := r.client.GetCallVoicemail(ctx, d.ID)
		if vm == nil {
			return "", "", err
		}
		words := ""
		if vm.Transcript != nil {
			words = *vm.Transcript
		}
		return vm.Status, words, err
	}); err != nil {
		return err
	}
	if t.Summary, t.SummaryStatus, err = read("summary", d.Summary, noAI, &r.noAITxts, notMadeYet, func() (string, string, error) {
		sum, err := r.client.GetCallSummary(ctx, d.ID)
		if sum == nil {
			return "", "", err
		}
		return sum.Status, store.SummaryText(*sum), err
	}); err != nil {
		return err
	}
	if t.Transcript, t.TranscriptStatus, err = read("transcript", d.Transcript, noAI, &r.noAITxts, notMadeYet, func() (string, string, error) {
		tr, err := r.client.GetCallTranscript(ctx, d.ID)
		if tr == nil {
			return "", "", err
		}
		return tr.Status, store.TranscriptText(*tr), err
	}); err != nil {
		return err
	}
	if err := r.store.PutCallTexts(ctx, r.ws, d.ID, t); err != nil {
		return err
	}
	r.mu.Lock()
	r.report.CallTexts++
	r.mu.Unlock()
	return nil
}

// contacts reads every contact, then removes from the store those the
// read did not list.
func (r *run) contacts(ctx context.Context, st *store.SyncState) error {
	start := r.opts.Now()
	read := start.UnixMilli()
	token := ""
	n := 0
	for {
		if err := r.renew(ctx, false); err != nil {
			return err
		}
		page, err := r.client.ListContacts(ctx, client.ListContactsParams{MaxResults: client.MaxContactsPerPage, PageToken: token})
		if err != nil {
			return fmt.Errorf("ingest: contacts: %w", err)
		}
		if err := r.store.PutContacts(ctx, r.ws, page.Data, read); err != nil {
			return err
		}
		n += len(page.Data)
		r.progress(Progress{Phase: PhaseContacts, Read: n})
		if page.NextPageToken == nil {
			break
		}
		token = *page.NextPageToken
	}
	removed, err := r.store.DeleteContactsNotIn(ctx, r.ws, read)
	if err != nil {
		return err
	}
	r.report.Contacts, r.report.ContactsRemoved = n, int(removed)
	st.ContactsReadAt = &start
	r.progress(Progress{Phase: PhaseContacts, Read: n, Done: true})
	return r.store.SetSyncState(ctx, r.ws, *st)
}
