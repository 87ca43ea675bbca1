package contacts

import (
	"context"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// TestNormalizeRefusesWhatIsNotAWholeValidNumber: a number that is only
// possible, or that carries an extension, is not taken for a number.
func TestNormalizeRefusesWhatIsNotAWholeValidNumber(t *testing.T) {
	for _, raw := range []string{
		"9876543210",              // ten digits, but no US area code 987
		"+1 987 654 3210",         // the same with its country code
		"+1 415-555-0100 ext. 23", // the switchboard is not the extension
		"(415) 555-0100 x23",
		"0192", // the last digits of a number
		"12",
	} {
		if got, ok := Normalize(raw); ok {
			t.Errorf("Normalize(%q) = %q, want it refused", raw, got)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		raw, region string
		want        Number
		ok          bool
	}{
		{"+1 415-555-0100 ext. 23", "", Number{"+14155550100", "23"}, true},
		{"(415) 555-0100 x23", "US", Number{"+14155550100", "23"}, true},
		{"415.555.0142", "", Number{E164: "+14155550142"}, true},
		{"020 7946 0958", "GB", Number{E164: "+442079460958"}, true}, // the line's country
		{"020 7946 0958", "US", Number{}, false},
		{"+44 20 7946 0958", "US", Number{E164: "+442079460958"}, true}, // a + says its own country
		{"9876543210", "US", Number{}, false},
		{"0192", "US", Number{}, false},
	} {
		got, ok := Parse(tt.raw, tt.region)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q, %q) = %+v, %v; want %+v, %v", tt.raw, tt.region, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRegionOf(t *testing.T) {
	for number, want := range map[string]string{"+14155550100": "US", "+442079460958": "GB", "+33123456789": "FR", "+19876543210": DefaultRegion, "garbage": DefaultRegion} {
		if got := RegionOf(number); got != want {
			t.Errorf("RegionOf(%q) = %q, want %q", number, got, want)
		}
	}
}

// TestAnExtensionIsNotTheMainNumber: a contact stored with an extension is
// not named for calls from the main number.
func TestAnExtensionIsNotTheMainNumber(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	ext := client.Contact{ID: "ext1", DefaultFields: client.ContactFields{FirstName: new("Dana"), LastName: new("Extension"),
		PhoneNumbers: []client.ContactValue{{Name: "work", Value: new("+1 415-555-0177 ext. 23")}}, Emails: []client.ContactValue{}},
		CustomFields: []client.ContactCustom{}, CreatedByUserID: "USPPbtGm8S"}
	ws.Contacts = append(ws.Contacts, ext)
	x, _ := newIndex(t, ws)
	for _, ct := range x.View(context.Background()).Of("+14155550177") {
		if ct.ID == ext.ID {
			t.Errorf("the contact of +1 415-555-0177 ext. 23 is named for +14155550177")
		}
	}
}

// TestNamed: a name matches whole, case and accents aside; never a part of
// it, a company or an email.
func TestNamed(t *testing.T) {
	x, _ := newIndex(t, openphonetest.DemoWorkspace())
	v := x.View(context.Background())
	for _, tt := range []struct {
		name string
		want int
	}{
		{"Priya Raman", 1},
		{"  priya   RAMAN ", 1},
		{"zoe angstrom", 1},
		{"José Álvarez", 1},
		{"Fatima Khan", 3},
		{"Priya", 0},
		{"Raman", 0},
		{"priya r", 0},
		{"Raman Dental", 0},
		{"priya0@example.com", 0},
		{"12", 0},
		{"", 0},
	} {
		if got := v.Named(tt.name); len(got) != tt.want {
			t.Errorf("Named(%q) = %v, want %d contacts", tt.name, got, tt.want)
		}
	}
}
