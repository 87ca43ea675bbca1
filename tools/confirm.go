package tools

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ConfirmationTTL is how long a confirmation code, or the state of an
// elicitation, stays valid.
const ConfirmationTTL = 5 * time.Minute

// A seal issues and checks the tokens that stand for a confirmation: the
// one-time codes a model passes back as confirm (in the code mode), and
// the requestState an elicitation travels with. A token is bound to the
// tool and its exact request, to the caller, and to an expiry, with an
// HMAC under the server's secret, so it cannot be forged, moved to other
// arguments or another caller, or used after it expires; replicas that
// share the secret accept each other's tokens. A token is spent in the
// write ledger (writeGuard.spend), which every replica shares: the seal
// itself remembers nothing.
type seal struct {
	secret []byte
	now    func() time.Time
}

const (
	nonceLen     = 8
	callerMACLen = 6
	argsMACLen   = 10
	// A token is kind (1 byte), expiry (Unix seconds, 4), nonce, then the
	// MAC of the caller and the MAC of the arguments.
	tokenLen = 1 + 4 + nonceLen + callerMACLen + argsMACLen
)

// The kinds of token: a code the model passes back, an elicitation's
// state, and a page's.
const (
	kindCode  byte = 'c'
	kindState byte = 's'
	// kindPage is the state of a client asked to open a confirmation page:
	// it confirms nothing, so that no client can pass it off as a form's
	// answer. Only the page's button does.
	kindPage byte = 'p'
)

// newSeal returns a seal under secret; nil or empty makes a random one,
// valid for this process only.
func newSeal(secret []byte, now func() time.Time) *seal {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	return &seal{secret: secret, now: now}
}

// issue returns a token of kind for binding (the tool and its request) and
// caller, valid for ConfirmationTTL.
func (s *seal) issue(kind byte, caller, binding string) string {
	t := make([]byte, 1+4+nonceLen, tokenLen)
	t[0] = kind
	binary.BigEndian.PutUint32(t[1:5], uint32(s.now().Add(ConfirmationTTL).Unix()))
	rand.Read(t[5:])
	t = append(t, s.mac("caller", t, caller, "")[:callerMACLen]...)
	t = append(t, s.mac("args", t[:13], caller, binding)[:argsMACLen]...)
	return base64.RawURLEncoding.EncodeToString(t)
}

func (s *seal) mac(purpose string, head []byte, caller, binding string) []byte {
	m := hmac.New(sha256.New, s.secret)
	for _, part := range [][]byte{[]byte(purpose), head[:13], []byte(caller), []byte(binding)} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		m.Write(n[:])
		m.Write(part)
	}
	return m.Sum(nil)
}

// A tokenProblem says why a token confirms nothing.
type tokenProblem int

const (
	tokenOK tokenProblem = iota
	tokenNotOurs
	tokenOtherCaller
	tokenExpired
	tokenOtherArguments
	tokenSpent
)

// check reports whether token, of kind, confirms one of bindings (the
// tool and its request) for caller, and which. expiry is when it expires
// (or expired), once its caller is known to be right; nonce names the
// token, for spending it once.
func (s *seal) check(kind byte, token, caller string, bindings ...string) (problem tokenProblem, expiry time.Time, matched int, nonce string) {
	t, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(t) != tokenLen || t[0] != kind {
		return tokenNotOurs, time.Time{}, -1, ""
	}
	head := t[:13]
	if !hmac.Equal(t[13:13+callerMACLen], s.mac("caller", head, caller, "")[:callerMACLen]) {
		return tokenOtherCaller, time.Time{}, -1, ""
	}
	expiry = time.Unix(int64(binary.BigEndian.Uint32(t[1:5])), 0)
	if !s.now().Before(expiry) {
		return tokenExpired, expiry, -1, ""
	}
	matched = slices.IndexFunc(bindings, func(b string) bool {
		return hmac.Equal(t[13+callerMACLen:], s.mac("args", head, caller, b)[:argsMACLen])
	})
	if matched < 0 {
		return tokenOtherArguments, expiry, -1, ""
	}
	return tokenOK, expiry, matched, string(kind) + hex.EncodeToString(t[5:13])
}

// String names p for the audit line.
func (p tokenProblem) String() string {
	return [...]string{"ok", "not ours", "another caller's", "expired", "for other arguments", "used twice"}[p]
}

// confirmationProblem says, to the model, why a confirmation confirms
// nothing, and what to do: a code the model passed back, or the state of
// an elicitation (elicited).
func confirmationProblem(p tokenProblem, expiry time.Time, tool string, elicited bool) string {
	it, again := "confirmation code", "Call "+tool+" again without confirm: it answers a new preview and code, to show the person."
	if elicited {
		it, again = "confirmation", "Call "+tool+" again: the person will be asked again."
	}
	switch p {
	case tokenOtherCaller:
		return "Nothing was done: this " + it + " was issued to another caller (another API key or signed-in person), or by a server with another secret. " + again
	case tokenExpired:
		return fmt.Sprintf("Nothing was done: this %s expired at %s UTC (it lasts %d minutes). %s", it, expiry.UTC().Format("15:04:05"), int(ConfirmationTTL.Minutes()), again)
	case tokenOtherArguments:
		return "Nothing was done: the arguments are not those this " + it + " was issued for, and it confirms exactly what the person saw. " + again
	case tokenSpent:
		return "Nothing more was done: this " + it + " was already used, and each confirms one write. If the person wants it done again, " + strings.ToLower(again[:1]) + again[1:]
	default:
		return "Nothing was done: this is not a " + it + " this server issued. " + again
	}
}
