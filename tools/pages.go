package tools

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// PagesPath is where confirmation pages are served: PagesPath + the page's
// ID.
const PagesPath = "/confirm/"

// Pages serves the confirmation pages of writes. For a client that cannot
// ask its person in a form, a write shows its preview on a page of the
// server's own, and is carried out when the person presses the button
// there, once; the link alone confirms nothing, and nothing the model is
// given does either. The model learns the outcome by calling the tool
// again with the same arguments.
//
// Over HTTP the transport mounts Pages at PagesPath on the server's own
// address, and tells each call its address (WithPageBase). Elsewhere (over
// stdio) Pages opens a port on 127.0.0.1 while a page is open. Pages are
// kept in the memory of the process that made them. Close stops the port.
type Pages struct {
	now func() time.Time

	mu       sync.Mutex // guards the fields below
	byID     map[string]*page
	byCall   map[string]*page // by caller and binding
	loopback *http.Server     // while a page is open and no base was given
	base     string           // the loopback's URL
}

// NewPages returns an empty set of pages.
func NewPages() *Pages {
	return &Pages{now: time.Now, byID: map[string]*page{}, byCall: map[string]*page{}}
}

type pageBaseKey struct{}

// WithPageBase returns a context whose calls link their confirmation pages
// under base, the server's own address as its callers reach it
// (https://mcp.example.com).
func WithPageBase(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, pageBaseKey{}, strings.TrimSuffix(base, "/"))
}

// The states of a page.
const (
	pageWaiting  = "waiting"
	pageRunning  = "running"
	pageDone     = "done"
	pageDeclined = "declined"
)

// A page is one write waiting for a person's yes.
type page struct {
	id, tool, call, url string
	preview             string
	expires             time.Time
	run                 func(ctx context.Context, id string) *mcp.CallToolResult
	done                chan struct{} // closed once answered

	mu     sync.Mutex
	state  string
	result *mcp.CallToolResult
}

// open makes the page of a write: tool, for caller, bound to its exact
// request; run carries it out, given the page's ID.
func (p *Pages) open(ctx context.Context, tool, caller, bound, preview string, run func(ctx context.Context, id string) *mcp.CallToolResult) (*page, error) {
	id := make([]byte, 18)
	rand.Read(id)
	pg := &page{id: base64.RawURLEncoding.EncodeToString(id), tool: tool, call: caller + "\n" + bound, preview: preview,
		expires: p.now().Add(ConfirmationTTL), run: run, done: make(chan struct{}), state: pageWaiting}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune()
	base, _ := ctx.Value(pageBaseKey{}).(string)
	if base == "" {
		var err error
		if base, err = p.openLoopback(); err != nil {
			return nil, err
		}
	}
	pg.url = base + PagesPath + pg.id
	p.byID[pg.id] = pg
	p.byCall[pg.call] = pg
	return pg, nil
}

// find returns the page of a write of caller bound as bound, unless it
// expired unanswered.
func (p *Pages) find(caller, bound string) *page {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune()
	return p.byCall[caller+"\n"+bound]
}

// forget drops pg, once the model has read its outcome.
func (p *Pages) forget(pg *page) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byCall[pg.call] == pg {
		delete(p.byCall, pg.call)
	}
	delete(p.byID, pg.id)
	p.closeLoopbackIfIdle()
}

// prune drops the pages that expired unanswered, and those answered
// whose outcome nobody read for another ConfirmationTTL. p.mu is held.
func (p *Pages) prune() {
	now := p.now()
	for id, pg := range p.byID {
		pg.mu.Lock()
		stale := pg.state == pageWaiting && !now.Before(pg.expires) || !now.Before(pg.expires.Add(ConfirmationTTL))
		pg.mu.Unlock()
		if stale {
			delete(p.byID, id)
			if p.byCall[pg.call] == pg {
				delete(p.byCall, pg.call)
			}
		}
	}
	p.closeLoopbackIfIdle()
}

// openLoopback returns the URL of the loopback port, opening it if need
// be. p.mu is held.
func (p *Pages) openLoopback() (string, error) {
	if p.loopback != nil {
		return p.base, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	host := ln.Addr().String()
	p.base = "http://" + host
	p.loopback = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != host { // a name that resolves here (DNS rebinding) is not this page's
			http.Error(w, "this page is served on "+host+" only", http.StatusMisdirectedRequest)
			return
		}
		p.ServeHTTP(w, r)
	})}
	go p.loopback.Serve(ln)
	return p.base, nil
}

// closeLoopbackIfIdle closes the loopback port when no page is open.
// p.mu is held.
func (p *Pages) closeLoopbackIfIdle() {
	if len(p.byID) == 0 && p.loopback != nil {
		srv := p.loopback
		p.loopback = nil
		go func() { // an answer being written finishes first
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if srv.Shutdown(ctx) != nil {
				srv.Close()
			}
		}()
	}
}

// Close forgets every page and closes the loopback port.
func (p *Pages) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.byID)
	clear(p.byCall)
	p.closeLoopbackIfIdle()
}

// maxPageWait bounds how long a call that the person answered in the
// client (URL elicitation) waits for them to press the page's button.
const maxPageWait = 20 * time.Second

// status answers a call of a write whose page is open: its outcome, once
// the person answered on the page, else that it waits for them. answer is
// the client's, when it opened the page for the person (URL elicitation):
// a decline there declines the write.
func (pg *page) status(ctx context.Context, p *Pages, answer *mcp.ElicitationResult) *mcp.CallToolResult {
	if answer != nil && answer.Action != mcp.ElicitationResponseActionAccept && pg.decline() {
		pg.answered()
		setOutcome(ctx, "declined")
		p.forget(pg)
		return mcp.NewToolResultText("The person declined: nothing was done. Do not try again unless they ask.")
	}
	if answer != nil {
		wait := maxPageWait
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline)-time.Second)
		}
		select {
		case <-pg.done:
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	pg.mu.Lock()
	state, result := pg.state, pg.result
	pg.mu.Unlock()
	switch state {
	case pageDone:
		p.forget(pg)
		return result
	case pageDeclined:
		setOutcome(ctx, "declined")
		p.forget(pg)
		return mcp.NewToolResultText("The person declined on the confirmation page: nothing was done. Do not try again unless they ask.")
	case pageRunning:
		setOutcome(ctx, "confirm")
		return mcp.NewToolResultText("The person confirmed it on the page, and it is being carried out now. Call " + pg.tool + " again with the same arguments in a few seconds to learn the outcome.")
	}
	setOutcome(ctx, "confirm")
	return mcp.NewToolResultText("Not done yet: still waiting for the person to confirm on the page " + pg.url + " (valid until " + pg.expires.UTC().Format("15:04:05") + " UTC). Nothing is done until they press the button there. Call " + pg.tool + " again with the same arguments to learn the outcome.")
}

// decline marks a waiting page declined, and reports whether it was
// waiting. The caller then closes done (answered).
func (pg *page) decline() bool {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.state != pageWaiting {
		return false
	}
	pg.state = pageDeclined
	return true
}

// confirm carries the write out, if the page still waits for an answer,
// and reports whether it did. The caller then closes done (answered).
func (pg *page) confirm(now time.Time) bool {
	pg.mu.Lock()
	if pg.state != pageWaiting || !now.Before(pg.expires) {
		pg.mu.Unlock()
		return false
	}
	pg.state = pageRunning
	pg.mu.Unlock()
	result := pg.run(context.Background(), pg.id)
	pg.mu.Lock()
	pg.state, pg.result = pageDone, result
	pg.mu.Unlock()
	return true
}

// answered tells those waiting for the page (a client that opened it) that
// it was answered: after the person's browser has its answer, so that the
// call reading the outcome cannot close the port under it.
func (pg *page) answered() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	select {
	case <-pg.done:
	default:
		close(pg.done)
	}
}

// ServeHTTP serves a page: GET shows the preview and its two buttons,
// POST (from the page itself, in a browser) answers it.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer a browser posts the
	// page's form with Origin: null, which sameOrigin would refuse.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/html; charset=utf-8")
	id := strings.TrimPrefix(r.URL.Path, PagesPath)
	p.mu.Lock()
	p.prune()
	pg := p.byID[id]
	p.mu.Unlock()
	if pg == nil {
		w.WriteHeader(http.StatusNotFound)
		pageTemplate.Execute(w, pageView{Title: "No such confirmation", Message: "There is no confirmation here at this address: it expired, was answered, or was made by another server. Nothing was done. Ask your assistant again."})
		return
	}
	view := pageView{Title: "Confirm: " + pg.tool, Preview: pg.preview}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if !sameOrigin(r) {
			w.WriteHeader(http.StatusForbidden)
			pageTemplate.Execute(w, pageView{Title: "Not confirmed", Message: "This confirmation takes a press of its button, in a browser, on this page. Nothing was done."})
			return
		}
		switch r.PostFormValue("answer") {
		case "yes":
			if !pg.confirm(p.now()) {
				view.Message = "This confirmation was already answered, or expired: nothing more was done."
			}
		case "no":
			pg.decline()
		}
		defer pg.answered()
	default:
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	pg.mu.Lock()
	state, result := pg.state, pg.result
	pg.mu.Unlock()
	switch {
	case state == pageDone && result.IsError:
		view.Outcome = "Not done: " + ResultText(result)
	case state == pageDone:
		view.Outcome = "Done. " + ResultText(result)
	case state == pageDeclined:
		view.Outcome = "Declined: nothing was done."
	case state == pageWaiting && !p.now().Before(pg.expires):
		view.Outcome = "This confirmation expired: nothing was done. Ask your assistant again."
	case state == pageWaiting:
		view.Ask = true
	}
	pageTemplate.Execute(w, view)
}

// sameOrigin reports whether a POST comes from a page of this server in a
// browser: the browser says it is same-origin (Sec-Fetch-Site, which no
// page's script can set), or, from a browser too old to say, its Origin is
// this server's. A request with neither (curl, a script that relays what
// it was given) is refused. Both headers can be forged by a program set on
// it: the page stops a model that relays, not one that means to get round.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return r.Header.Get("Origin") == scheme+"://"+r.Host
}

// pageView is what a page shows.
type pageView struct {
	Title, Preview, Message, Outcome string
	Ask                              bool
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · openphone-mcp</title>
<style>body{font:16px/1.45 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
pre{white-space:pre-wrap;word-break:break-word;background:#f4f4f5;border:1px solid #d4d4d8;padding:1rem;border-radius:6px}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.75rem;border-radius:6px;border:1px solid #52525b}
.yes{background:#166534;color:#fff}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Preview}}<p>Your assistant asks to do exactly this:</p><pre>{{.Preview}}</pre>{{end}}
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Outcome}}<p><strong>{{.Outcome}}</strong></p>{{end}}
{{if .Ask}}<form method="post"><button class="yes" name="answer" value="yes">Yes, do it</button><button name="answer" value="no">No</button></form>
<p>Nothing happens until you press a button. You can close this page to leave it undone.</p>{{end}}
</body></html>
`))
