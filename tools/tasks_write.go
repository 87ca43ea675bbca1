package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
)

const createTaskDescription = `Create a task linked to exactly one of conversationId, activityId or phoneNumberId. Each call creates one more task.`

// createTaskInput is the arguments of create_task: the body of POST
// /v1/tasks, with the line also by number or name.
type createTaskInput struct {
	Title          string `json:"title" jsonschema:"minLength=1,description=What to do."`
	Description    string `json:"description,omitempty" jsonschema:"description=More detail."`
	DueDate        string `json:"dueDate,omitempty" jsonschema:"format=date-time,description=When it is due\\, e.g. 2026-12-04T17:00:00Z."`
	AssignedTo     userID `json:"assignedTo,omitempty" jsonschema:"description=The user (US…) who should do it."`
	ConversationID string `json:"conversationId,omitempty" jsonschema:"pattern=^CN(.*)$,description=Link this conversation (CN…)."`
	ActivityID     string `json:"activityId,omitempty" jsonschema:"pattern=^AC(.*)$,description=Link this call or text (AC…)."`
	PhoneNumberID  string `json:"phoneNumberId,omitempty" jsonschema:"description=A line: ID (PN…)\\, number or name."`
	confirmInput
}

var createTask = write[createTaskInput, client.CreateTaskParams]{
	name: "create_task", title: "Create a task", description: createTaskDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(false), IdempotentHint: new(false), OpenWorldHint: new(true)},
	advice:      map[string]string{"assignedTo": "list_users lists the users", "phoneNumberId": "list_phone_numbers lists the lines"},
	prepare: func(ctx context.Context, a *Account, in createTaskInput) (plan[client.CreateTaskParams], error) {
		p := client.CreateTaskParams{Title: in.Title, Description: in.Description, DueDate: in.DueDate, AssignedTo: string(in.AssignedTo),
			ConversationID: in.ConversationID, ActivityID: in.ActivityID}
		link := ""
		if in.PhoneNumberID != "" {
			line, err := a.writeLine(ctx, "phoneNumberId", in.PhoneNumberID)
			var verr client.ValidationError
			if errors.As(err, &verr) {
				return plan[client.CreateTaskParams]{}, combine(verr, validationErrors(p.Validate()))
			} else if err != nil {
				return plan[client.CreateTaskParams]{}, err
			}
			p.PhoneNumberID, link = line.ID, "the line "+spokenLine(line)
		}
		// The arguments are checked before anything is read for the
		// preview; then what one read can check is, before the person is
		// asked: the conversation, call or text, and the assignee.
		if err := p.Validate(); err != nil {
			return plan[client.CreateTaskParams]{}, err
		}
		switch {
		case p.ConversationID != "":
			spoken, err := a.spokenConversations(ctx, func(int) string { return "conversationId" }, []string{p.ConversationID})
			if err != nil {
				return plan[client.CreateTaskParams]{}, err
			}
			link = "the conversation with " + spoken[0]
		case p.ActivityID != "":
			spoken, err := a.spokenActivity(ctx, "activityId", p.ActivityID)
			if err != nil {
				return plan[client.CreateTaskParams]{}, err
			}
			link = spoken
		}
		if err := a.checkUser(ctx, "assignedTo", p.AssignedTo); err != nil {
			return plan[client.CreateTaskParams]{}, err
		}
		preview := "Create the task " + spokenQuote(p.Title, maxTaskRunes)
		if p.Description != "" {
			preview += " (" + spokenQuote(p.Description, maxTaskRunes) + ")"
		}
		preview += ", on " + link
		if p.DueDate != "" {
			preview += ", due " + spokenTime(p.DueDate)
		}
		if p.AssignedTo != "" {
			preview += ", for " + a.spokenUser(ctx, p.AssignedTo)
		}
		return plan[client.CreateTaskParams]{
			request: p, preview: preview + "?",
			audit: []slog.Attr{slog.String("line", p.PhoneNumberID), slog.String("conversation", p.ConversationID), slog.String("activity", p.ActivityID), slog.String("assignee", p.AssignedTo)},
			check: "list_tasks lists the tasks: look for this one before creating it again.",
		}, nil
	},
	do: func(ctx context.Context, a *Account, p client.CreateTaskParams) (string, string, error) {
		t, err := a.client.CreateTask(ctx, p)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Created task %s (revision %s) on line %s. get_task reads it; update_task changes it.", fieldText(t.TaskID), fieldText(t.Revision), fieldText(t.PhoneNumberID)), t.TaskID, nil
	},
}

const updateTaskDescription = `Change a task (from list_tasks): any of the changes its parameters name, each one request, in their order.`

// updateTaskInput is the arguments of update_task: the changes the task
// endpoints make, any number at once.
type updateTaskInput struct {
	TaskID             string  `json:"taskId" jsonschema:"pattern=^TK(.*)$,description=The task (TK…)."`
	Title              *string `json:"title,omitempty" jsonschema:"description=A new title."`
	Description        *string `json:"description,omitempty" jsonschema:"description=A new description."`
	Completed          *bool   `json:"completed,omitempty" jsonschema:"description=true completes it; false reopens it."`
	Assign             userID  `json:"assign,omitempty" jsonschema:"description=Assign this user (US…)."`
	Unassign           userID  `json:"unassign,omitempty" jsonschema:"description=Unassign this user (US…)."`
	DueDate            string  `json:"dueDate,omitempty" jsonschema:"format=date-time,description=A new due date."`
	RemoveDueDate      bool    `json:"removeDueDate,omitempty" jsonschema:"description=true removes the due date."`
	LinkConversation   string  `json:"linkConversation,omitempty" jsonschema:"pattern=^CN(.*)$,description=Link this conversation (CN…)."`
	UnlinkConversation string  `json:"unlinkConversation,omitempty" jsonschema:"pattern=^CN(.*)$,description=Unlink this conversation (CN…)."`
	confirmInput
}

var updateTask = write[updateTaskInput, client.UpdateTaskParams]{
	name: "update_task", title: "Change a task", description: updateTaskDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(false), IdempotentHint: new(true), OpenWorldHint: new(true)},
	advice:      map[string]string{"assign": "list_users lists the users", "taskId": "list_tasks lists the tasks"},
	prepare: func(ctx context.Context, a *Account, in updateTaskInput) (plan[client.UpdateTaskParams], error) {
		var problems client.ValidationError
		if in.DueDate != "" && in.RemoveDueDate {
			problems = append(problems, client.InvalidParam{Kind: client.KindConflict, Param: "removeDueDate", Value: true, Problem: "is given with dueDate", Want: "give one: dueDate changes the due date, removeDueDate removes it"})
		}
		if in.Assign != "" && in.Assign == in.Unassign {
			problems = append(problems, client.InvalidParam{Kind: client.KindConflict, Param: "unassign", Value: string(in.Unassign), Problem: "is the user assign gives the task to", Want: "give one of the two"})
		}
		if in.LinkConversation != "" && in.LinkConversation == in.UnlinkConversation {
			problems = append(problems, client.InvalidParam{Kind: client.KindConflict, Param: "unlinkConversation", Value: in.UnlinkConversation, Problem: "is the conversation linkConversation links", Want: "give one of the two"})
		}
		// Everything is checked before the task is read: the read is for
		// the preview, and for the title or description not given, which
		// PUT, taking both, keeps.
		if p, _ := in.changes(client.Task{Title: new("the current title")}, func(id string) string { return id }, func(id string) string { return id }); len(problems) > 0 || p.Validate() != nil {
			return plan[client.UpdateTaskParams]{}, combine(problems, validationErrors(p.Validate()))
		}
		t, err := a.client.GetTask(ctx, client.GetTaskParams{TaskID: in.TaskID})
		if apiStatus(err) == http.StatusNotFound {
			return plan[client.UpdateTaskParams]{}, explained("Nothing was changed: OpenPhone has no task " + fieldText(in.TaskID) + " in this workspace (404 Not Found); list_tasks lists the tasks with their IDs.")
		} else if err != nil {
			return plan[client.UpdateTaskParams]{}, err
		}
		// What one read can check is checked before the person is asked:
		// the users, and the conversations linked or unlinked.
		for param, id := range map[string]userID{"assign": in.Assign, "unassign": in.Unassign} {
			if err := a.checkUser(ctx, param, string(id)); err != nil {
				return plan[client.UpdateTaskParams]{}, err
			}
		}
		if linked := deref(t.ConversationID); in.UnlinkConversation != "" && in.UnlinkConversation != linked {
			want := "the task is linked to no conversation; leave unlinkConversation out"
			if linked != "" {
				want = "the task is linked to " + linked + ": give that one, or leave unlinkConversation out"
			}
			return plan[client.UpdateTaskParams]{}, client.ValidationError{{Kind: client.KindConflict, Param: "unlinkConversation", Value: in.UnlinkConversation, Problem: "is not the conversation the task is linked to", Want: want}}
		}
		conversations := map[string]string{}
		for param, id := range map[string]string{"linkConversation": in.LinkConversation, "unlinkConversation": in.UnlinkConversation} {
			if id == "" {
				continue
			}
			spoken, err := a.spokenConversations(ctx, func(int) string { return param }, []string{id})
			if err != nil {
				return plan[client.UpdateTaskParams]{}, err
			}
			conversations[id] = "the conversation with " + spoken[0]
		}
		p, said := in.changes(*t, func(id string) string { return a.spokenUser(ctx, id) }, func(id string) string { return conversations[id] })
		return plan[client.UpdateTaskParams]{
			request: p, preview: fmt.Sprintf("Change the task %s %s: %s?", in.TaskID, spokenQuote(deref(t.Title), maxTitleRunes), strings.Join(said, "; ")),
			audit: []slog.Attr{slog.String("task", p.TaskID), slog.Int("changes", len(p.Changes))},
			check: "get_task shows the task as it is now.",
		}, nil
	},
	do: func(ctx context.Context, a *Account, p client.UpdateTaskParams) (string, string, error) {
		revision, done, err := a.client.UpdateTask(ctx, p)
		if err != nil && done > 0 {
			return "", "", explained(fmt.Sprintf("%d of the %d changes were made; the next failed: %s. get_task shows the task as it is now.", done, len(p.Changes), describeFailure(err)))
		}
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Changed task %s (%d changes; revision %s). get_task shows it.", fieldText(p.TaskID), len(p.Changes), fieldText(revision)), p.TaskID, nil
	},
}

// changes are the requests that make in's changes to current, in the
// order of the API's endpoints, and what each does in words, user naming
// the users and conversation the conversations.
func (in updateTaskInput) changes(current client.Task, user, conversation func(id string) string) (client.UpdateTaskParams, []string) {
	p := client.UpdateTaskParams{TaskID: in.TaskID}
	var said []string
	add := func(ch client.TaskChange, words string) {
		p.Changes = append(p.Changes, ch)
		said = append(said, words)
	}
	if in.Title != nil || in.Description != nil {
		text := client.TaskText{Title: deref(current.Title), Description: deref(current.Description)}
		var words []string
		if in.Title != nil {
			text.Title = *in.Title
			words = append(words, "retitle it "+spokenQuote(text.Title, maxTaskRunes))
		}
		if in.Description != nil {
			text.Description = *in.Description
			words = append(words, "set its description to "+spokenQuote(text.Description, maxTaskRunes))
		}
		add(client.TaskChange{Text: &text}, strings.Join(words, "; "))
	}
	if in.Completed != nil {
		add(client.TaskChange{Complete: in.Completed}, map[bool]string{true: "mark it done", false: "reopen it"}[*in.Completed])
	}
	if in.Assign != "" {
		add(client.TaskChange{Assign: string(in.Assign)}, "assign it to "+user(string(in.Assign)))
	}
	if in.Unassign != "" {
		add(client.TaskChange{Unassign: string(in.Unassign)}, "unassign "+user(string(in.Unassign)))
	}
	if in.DueDate != "" {
		add(client.TaskChange{DueDate: in.DueDate}, "make it due "+spokenTime(in.DueDate))
	}
	if in.RemoveDueDate {
		add(client.TaskChange{RemoveDueDate: true}, "remove its due date")
	}
	if in.LinkConversation != "" {
		add(client.TaskChange{Link: in.LinkConversation}, "link it to "+conversation(in.LinkConversation))
	}
	if in.UnlinkConversation != "" {
		add(client.TaskChange{Unlink: in.UnlinkConversation}, "unlink "+conversation(in.UnlinkConversation))
	}
	return p, said
}
