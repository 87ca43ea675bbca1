package tools

import (
	"fmt"
	"slices"
	"strings"
)

// A Toolset is a group of tools served together. The operator names the
// sets to serve (Config.Toolsets, the --toolsets flag), and the model then
// reads the definitions of those tools only, on every turn.
type Toolset struct {
	// Name is what the operator writes: conversations, calls, …
	Name string
	// About says what the set's tools do, for the help text.
	About string
	// tools are the set's tools.
	tools []servedTool
}

// WritesToolset names the set of the tools that change the workspace: it
// is served only with Config.AllowWrites.
const WritesToolset = "writes"

// AllToolsets, as a toolset name, asks for every set.
const AllToolsets = "all"

// toolsets are every set, in the order the help text names them. Each tool
// is in exactly one.
var toolsets = []Toolset{
	{Name: "conversations", About: "conversations, their texts, what happened lately, the lines and users",
		tools: []servedTool{listConversations, listMessages, recentActivity, listPhoneNumbers, listUsers}},
	{Name: "calls", About: "a conversation's calls, a call's AI summary and transcript",
		tools: []servedTool{listCalls, getCall}},
	{Name: "contacts", About: "contacts by name, number, company or email",
		tools: []servedTool{findContacts, getContact, listContacts}},
	{Name: "tasks", About: "the workspace's tasks",
		tools: []servedTool{listTasks, getTask}},
	{Name: "reports", About: "words searched in every text and transcript, and the team's figures, from the store",
		tools: []servedTool{searchMessages, activityReport}},
	{Name: WritesToolset, About: "texts sent, conversations marked, tasks and contacts made or changed",
		tools: writeTools},
}

// DefaultToolsets are the sets served when Config.Toolsets is nil: every
// set that reads, which together answer the daily questions (the task set
// of testdata/tasks.json), and writes with Config.AllowWrites. A set added
// later for a rarer job belongs outside it.
var DefaultToolsets = []string{"conversations", "calls", "contacts", "tasks", "reports"}

// Tools names the set's tools.
func (ts Toolset) Tools() []string {
	names := make([]string, len(ts.tools))
	for i, t := range ts.tools {
		names[i] = t.serverTool(serving{}).Tool.Name
	}
	return names
}

// Toolsets returns every toolset, in order.
func Toolsets() []Toolset { return slices.Clone(toolsets) }

// toolsetNames is every set's name, in order, then all.
func toolsetNames() string {
	names := make([]string, len(toolsets))
	for i, ts := range toolsets {
		names[i] = ts.Name
	}
	return strings.Join(names, ", ") + " or " + AllToolsets
}

// ParseToolsets reads a comma-separated list of toolset names (spaces
// around them are ignored, and a name given twice counts once) into the
// value of Config.Toolsets, in the sets' own order. "all" is every set,
// and an empty list the default, DefaultToolsets: both include writes
// when writes is true, and leave it out when it is false. Naming writes
// itself when writes is false is an error, as is a name that is no set's.
func ParseToolsets(list string, writes bool) ([]string, error) {
	asked := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name != "" {
			asked[name] = true
		}
	}
	var unknown []string
	for name := range asked {
		if name != AllToolsets && !slices.ContainsFunc(toolsets, func(ts Toolset) bool { return ts.Name == name }) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("%s: no such toolset; the toolsets are %s", strings.Join(unknown, ", "), toolsetNames())
	}
	if asked[WritesToolset] && !writes {
		return nil, fmt.Errorf("%s: the tools that write are off; turn them on with --allow-writes (OPENPHONE_ALLOW_WRITES=true), or leave %s out", WritesToolset, WritesToolset)
	}
	switch {
	case asked[AllToolsets]:
		for _, ts := range toolsets {
			asked[ts.Name] = true
		}
	case len(asked) == 0:
		for _, name := range DefaultToolsets {
			asked[name] = true
		}
	default:
		writes = asked[WritesToolset]
	}
	asked[WritesToolset] = writes
	var sets []string
	for _, ts := range toolsets {
		if asked[ts.Name] {
			sets = append(sets, ts.Name)
		}
	}
	return sets, nil
}

// served is what cfg serves: the tools, in the sets' order, and the sets.
func served(cfg Config) (tools []servedTool, sets map[string]bool) {
	names := cfg.Toolsets
	if names == nil {
		names = DefaultToolsets
		if cfg.AllowWrites {
			names = append(slices.Clip(names), WritesToolset)
		}
	}
	sets = map[string]bool{}
	for _, name := range names {
		if !slices.ContainsFunc(toolsets, func(ts Toolset) bool { return ts.Name == name }) {
			panic(fmt.Sprintf("tools: %q is no toolset; the toolsets are %s", name, toolsetNames()))
		}
		sets[name] = true
	}
	sets[WritesToolset] = sets[WritesToolset] && cfg.AllowWrites
	for _, ts := range toolsets {
		if sets[ts.Name] {
			tools = append(tools, ts.tools...)
		}
	}
	return tools, sets
}
