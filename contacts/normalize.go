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

// Normalize returns a phone number, written in any of the ways people
// write one ("(415) 555-0142", "415.555.0142", "+1 415 555 0142"), in
// E.164, and whether it could be read as one. A number without a country
// code is read as North American.
func Normalize(raw string) (string, bool) {
	digits := 0
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits < 7 || digits > 15 {
		return "", false
	}
	n, err := phonenumbers.Parse(raw, DefaultRegion)
	if err != nil || phonenumbers.IsPossibleNumberWithReason(n) != phonenumbers.IS_POSSIBLE {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
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
