package contacts

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// DefaultRegion is the region of a number written without a country code:
// OpenPhone's numbers are North American.
const DefaultRegion = "US"

// A Number is a phone number as a person wrote it, read.
type Number struct {
	// E164 is the number without its extension: "+14155550100".
	E164 string
	// Extension is what follows the number ("23" of "… ext. 23"), "" for
	// none. A number with an extension is not the same line as its main
	// number: a text cannot reach it, and a call from the main number is
	// not a call from it.
	Extension string
}

// Parse reads a phone number written in any of the ways people write one
// ("(415) 555-0142", "415.555.0142", "+1 415 555 0142 ext. 23"), reading
// a number without a country code as one of region (a CLDR region code,
// e.g. "US"; "" is DefaultRegion). It reports false unless the number is
// valid for its country: assigned, not merely of a possible length, so
// that "9876543210" is no US number.
func Parse(raw, region string) (Number, bool) {
	if region == "" {
		region = DefaultRegion
	}
	if digits(raw) < 7 {
		return Number{}, false // a fragment, not a whole number
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return Number{}, false
	}
	// The demo's numbers are in 555-0100…0199, reserved for fiction;
	// libphonenumber's metadata counts those valid where the area code is,
	// so no exception is needed for them.
	return Number{E164: phonenumbers.Format(n, phonenumbers.E164), Extension: n.GetExtension()}, true
}

// RegionOf is the region of an E.164 number ("US" for +1 415 …), or
// DefaultRegion when it cannot be told.
func RegionOf(e164 string) string {
	n, err := phonenumbers.Parse(e164, DefaultRegion)
	if err != nil {
		return DefaultRegion
	}
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != "ZZ" {
		return r
	}
	return DefaultRegion
}

// Normalize returns a phone number, written in any of the ways people
// write one ("(415) 555-0142", "415.555.0142", "+1 415 555 0142"), in
// E.164, and whether it could be read as one. A number without a country
// code is read as North American. A number that is not valid, or that has
// an extension, is not normalized: a number with an extension is not its
// main number, and must not be taken for it.
func Normalize(raw string) (string, bool) {
	n, ok := Parse(raw, DefaultRegion)
	if !ok || n.Extension != "" {
		return "", false
	}
	return n.E164, true
}

// digits counts the ASCII digits of s.
func digits(s string) int {
	count := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			count++
		}
	}
	return count
}

// fold writes s for matching: lower case, without accents or marks, with
// runs of spaces as one.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Join(strings.Fields(strings.ToLower(out)), " ")
}
