package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Limits of GET /v1/tasks.
const (
	DefaultTasksPerPage = 50
	MaxTasksPerPage     = 100
	tasksPath           = "/v1/tasks"
)

// A Task is one of the workspace's tasks. It is linked to a line, a
// conversation or an activity (a call or a message).
type Task struct {
	TaskID             string     `json:"taskId"`
	PhoneNumberID      *string    `json:"phoneNumberId,omitempty"`
	ConversationID     *string    `json:"conversationId,omitempty"`
	ActivityID         *string    `json:"activityId,omitempty"`
	PhoneNumberGroupID *string    `json:"phoneNumberGroupId,omitempty"`
	OrgID              string     `json:"orgId"`
	Title              *string    `json:"title,omitempty"`
	Description        *string    `json:"description,omitempty"`
	DueDate            *time.Time `json:"dueDate,omitempty"`
	AssignedTo         *string    `json:"assignedTo,omitempty"`
	AssignedBy         *string    `json:"assignedBy,omitempty"`
	CreatedAt          time.Time  `json:"createdAt"`
	CreatedBy          string     `json:"createdBy"`
	Completed          bool       `json:"completed"`
	IsDeleted          bool       `json:"isDeleted"`
	Revision           string     `json:"revision"`
}

// A TaskPage is one page of GET /v1/tasks.
type TaskPage = Page[Task]

// ListTasksParams is the query of GET /v1/tasks: it takes no filter.
type ListTasksParams struct {
	MaxResults int // 1 to 100; the API's default is 50
	PageToken  string
}

// Query encodes p, maxResults always (the API requires it).
func (p ListTasksParams) Query() url.Values {
	q := query{}
	q.set("maxResults", strconv.Itoa(p.MaxResults))
	q.set("pageToken", p.PageToken)
	return q.values()
}

// ListTasks fetches one page of the workspace's tasks. It validates p
// first and sends nothing if p is invalid.
func (c *Client) ListTasks(ctx context.Context, p ListTasksParams) (*TaskPage, error) {
	return list[Task](c, ctx, tasksPath, p)
}

// GetTaskParams names a task.
type GetTaskParams struct{ TaskID string }

// GetTask fetches one task. It validates p first and sends nothing if p
// is invalid.
func (c *Client) GetTask(ctx context.Context, p GetTaskParams) (*Task, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return getOne[Task](c, ctx, taskPath(p.TaskID))
}

func taskPath(id string) string { return tasksPath + "/" + url.PathEscape(id) }

// CreateTaskParams is the body of POST /v1/tasks. The task is linked to
// exactly one of a line (PhoneNumberID), a conversation or an activity.
type CreateTaskParams struct {
	Title          string `json:"title"`
	Description    string `json:"description"`
	DueDate        string `json:"dueDate,omitempty"` // RFC 3339
	AssignedTo     string `json:"assignedTo,omitempty"`
	PhoneNumberID  string `json:"phoneNumberId,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
	ActivityID     string `json:"activityId,omitempty"`
}

// A CreatedTask is what POST /v1/tasks answers: the new task's ID, its
// revision and what it is linked to.
type CreatedTask struct {
	TaskID         string  `json:"taskId"`
	Revision       string  `json:"revision"`
	PhoneNumberID  string  `json:"phoneNumberId"`
	ConversationID *string `json:"conversationId,omitempty"`
	ActivityID     *string `json:"activityId,omitempty"`
}

// CreateTask creates a task, once: see write for what is retried. It
// validates p first and sends nothing if p is invalid.
func (c *Client) CreateTask(ctx context.Context, p CreateTaskParams) (*CreatedTask, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return writeOne[CreatedTask](c, ctx, http.MethodPost, tasksPath, p)
}

// A TaskChange is one change to a task, an endpoint of its own. Exactly
// one field is set.
type TaskChange struct {
	// Text replaces the title and the description (PUT; the API takes
	// both, always).
	Text *TaskText
	// Complete completes (true) or reopens (false) the task.
	Complete *bool
	// Assign and Unassign give the task to, or take it from, a user (US…).
	Assign, Unassign string
	// DueDate changes the due date (RFC 3339); RemoveDueDate removes it.
	DueDate       string
	RemoveDueDate bool
	// Link and Unlink link the task to, or unlink it from, a conversation
	// (CN…).
	Link, Unlink string
}

// TaskText is a task's title and description.
type TaskText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// UpdateTaskParams applies Changes to task TaskID, in order, one request
// each.
type UpdateTaskParams struct {
	TaskID  string
	Changes []TaskChange
}

// UpdateTask applies p's changes in order and returns the task's revision
// after the last. It validates p first and sends nothing if p is invalid;
// when a change fails, done counts those applied before it.
func (c *Client) UpdateTask(ctx context.Context, p UpdateTaskParams) (revision string, done int, err error) {
	if err := p.Validate(); err != nil {
		return "", 0, err
	}
	for _, ch := range p.Changes {
		method, path, body := ch.request(taskPath(p.TaskID))
		changed, err := writeOne[struct {
			Revision string `json:"revision"`
		}](c, ctx, method, path, body)
		if err != nil {
			return revision, done, err
		}
		revision = changed.Revision
		done++
	}
	return revision, done, nil
}

// request is the method, path and body of ch, a change to the task at
// task.
func (ch TaskChange) request(task string) (method, path string, body any) {
	type user struct {
		UserID string `json:"userId"`
	}
	type conversation struct {
		ConversationID string `json:"conversationId"`
	}
	switch {
	case ch.Text != nil:
		return http.MethodPut, task, ch.Text
	case ch.Complete != nil && *ch.Complete:
		return http.MethodPost, task + "/complete", nil
	case ch.Complete != nil:
		return http.MethodPost, task + "/reopen", nil
	case ch.Assign != "":
		return http.MethodPost, task + "/assign", user{ch.Assign}
	case ch.Unassign != "":
		return http.MethodPost, task + "/unassign", user{ch.Unassign}
	case ch.DueDate != "":
		return http.MethodPost, task + "/change-due-date", struct {
			DueDate string `json:"dueDate"`
		}{ch.DueDate}
	case ch.RemoveDueDate:
		return http.MethodPost, task + "/remove-due-date", nil
	case ch.Link != "":
		return http.MethodPost, task + "/link-conversation", conversation{ch.Link}
	default:
		return http.MethodPost, task + "/unlink-conversation", conversation{ch.Unlink}
	}
}
