package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// Numbers are read one way in every tool: as send_message reads them
// (contacts.Parse), in any format, a number without a country code being
// one of the line's country. A number that is not valid is refused here,
// before anything is sent; a number given twice is used once, and the
// answer says so.

// readNumbers reads the numbers that in (a pointer to the arguments)
// gives, as numbers are read everywhere: it refuses a line written as a
// number that is not valid, reads the outside numbers in place, and says
// which values were given twice.
func readNumbers(ctx context.Context, a *Account, in any, ids lineIDs) (client.ValidationError, []string) {
	var errs client.ValidationError
	var repeated []string
	if named, ok := in.(namedLines); ok {
		args, _ := named.lines()
		errs, repeated = lineNumberErrors(args, ids), repeatedLines(args, ids)
	}
	participantErrs, repeatedParticipants := readParticipants(ctx, a, in, ids)
	return append(errs, participantErrs...), append(repeated, repeatedParticipants...)
}

// A lineArg is a line value as given, with the parameter it was given as
// ("phoneNumbers[1]").
type lineArg struct{ param, value string }

// listedLines are the line values of a list parameter.
func listedLines(param string, values []string) []lineArg {
	out := make([]lineArg, len(values))
	for i, v := range values {
		out[i] = lineArg{fmt.Sprintf("%s[%d]", param, i), v}
	}
	return out
}

// lineTaken reports whether the API takes a line value as it is: a phone
// number ID, or a valid number in E.164. An E.164 number that is not valid
// ("+1415555012") is no line: OpenPhone answers it with a bare 404.
func lineTaken(s string) bool {
	if client.IsPhoneNumberID(s) {
		return true
	}
	n, ok := contacts.Parse(s, "")
	return ok && client.IsE164(s) && n.E164 == s && n.Extension == ""
}

// lineNumberErrors refuses each line value written as a number that is not
// a valid one, and resolved to no line.
func lineNumberErrors(args []lineArg, ids lineIDs) client.ValidationError {
	var errs client.ValidationError
	for _, a := range args {
		if _, resolved := ids[a.value]; resolved || client.IsPhoneNumberID(a.value) || !looksLikeNumber(a.value) {
			continue
		}
		if n, ok := contacts.Parse(a.value, ""); ok && n.Extension == "" {
			continue
		}
		errs = append(errs, client.InvalidParam{Kind: client.KindNotALine, Param: a.param, Value: a.value, Problem: "is not a valid phone number", Want: "want a line's phone number ID (PN…), whole number or name"})
	}
	return errs
}

// repeatedLines says which lines were given more than once in one
// parameter, by the ID they resolved to.
func repeatedLines(args []lineArg, ids lineIDs) []string {
	var r repeats
	for _, a := range args {
		param, _, _ := strings.Cut(a.param, "[")
		r.add(param, ids.id(a.value))
	}
	return r.said()
}

// repeats counts the values given to list parameters, in order of first
// mention.
type repeats struct {
	keys  []string // "param value"
	count map[string]int
}

func (r *repeats) add(param, value string) {
	key := param + " " + value
	if r.count == nil {
		r.count = map[string]int{}
	}
	if r.count[key]++; r.count[key] == 1 {
		r.keys = append(r.keys, key)
	}
}

// said lists the values given more than once, e.g. "participants
// +14155550100 (3 times)".
func (r repeats) said() []string {
	var out []string
	for _, k := range r.keys {
		if n := r.count[k]; n > 1 {
			out = append(out, fmt.Sprintf("%s (%d times)", k, n))
		}
	}
	return out
}

// numberedParticipants is implemented by the arguments that take a
// conversation's outside numbers and the line they talk with.
type numberedParticipants interface {
	// participants returns the parameter's name, its values to read in
	// place, and the line value given.
	participants() (param string, values *[]string, line string)
}

// readParticipants reads in place the outside numbers that in takes, each
// in E.164, the line's country being that of a number without a country
// code; it drops repeats. It returns what it refused and what it dropped.
func readParticipants(ctx context.Context, a *Account, in any, ids lineIDs) (client.ValidationError, []string) {
	np, ok := in.(numberedParticipants)
	if !ok {
		return nil, nil
	}
	param, values, line := np.participants()
	if len(*values) == 0 {
		return nil, nil
	}
	region := contacts.DefaultRegion
	if a != nil && slices.ContainsFunc(*values, func(v string) bool { return !strings.HasPrefix(strings.TrimSpace(v), "+") }) {
		if n, err := a.dir.lookup(ctx, []string{ids.id(line)}, nil); err == nil {
			if l, ok := n.line(ids.id(line)); ok {
				region = contacts.RegionOf(l.Number)
			}
		}
	}
	var errs client.ValidationError
	var r repeats
	out := make([]string, 0, len(*values))
	for i, v := range *values {
		n, ok := contacts.Parse(v, region)
		switch {
		case !ok:
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: fmt.Sprintf("%s[%d]", param, i), Value: v, Problem: "is not a valid phone number",
				Want: fmt.Sprintf("give the whole number in any format, with its area code (without + and country code it is read as a number of the line's country, %s), e.g. +14155550142 or (415) 555-0142; find_contacts finds a contact's numbers", region)})
			continue
		case n.Extension != "":
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: fmt.Sprintf("%s[%d]", param, i), Value: v, Problem: "has an extension", Want: "give the number alone: " + n.E164})
			continue
		}
		if r.add(param, n.E164); !slices.Contains(out, n.E164) {
			out = append(out, n.E164)
		}
	}
	if len(errs) == 0 {
		*values = out
	}
	return errs, r.said()
}

// once keeps each of numbers once, in order, and says which were given
// more than once, as people read them.
func once(numbers []string) (kept, repeated []string) {
	for _, n := range numbers {
		switch {
		case !slices.Contains(kept, n):
			kept = append(kept, n)
		case !slices.Contains(repeated, spokenNumber(n)):
			repeated = append(repeated, spokenNumber(n))
		}
	}
	return kept, repeated
}

// repeatsFound is implemented by the answers of the tools that read some
// values only as they answer (search_messages' participants, which may be
// contacts' names): the values given more than once.
type repeatsFound interface{ repeatedValues() []string }

// repeatNote is the sentence that opens an answer to a call that gave a
// value more than once, or "".
func repeatNote(repeated []string) string {
	if len(repeated) == 0 {
		return ""
	}
	return "Given more than once, used once: " + strings.Join(repeated, "; ") + "."
}
