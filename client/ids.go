package client

import "regexp"

// The forms that the API's OpenAPI document gives phone numbers and IDs, one
// pattern per kind. Validation matches them, and a caller that publishes a
// schema of its own can use the same.
const (
	E164Pattern          = `^\+[1-9]\d{1,14}$`
	PhoneNumberIDPattern = `^PN(.*)$`
	UserIDPattern        = `^US(.*)$`
	// ActivityIDPattern is the form of a call's or a message's ID: both are
	// activities, and only OpenPhone can tell which one an ID is.
	ActivityIDPattern     = `^AC(.*)$`
	ConversationIDPattern = `^CN(.*)$`
	TaskIDPattern         = `^TK(.*)$`
	WebhookIDPattern      = `^WH(.*)$`
)

var (
	e164RE          = regexp.MustCompile(E164Pattern)
	phoneNumberIDRE = regexp.MustCompile(PhoneNumberIDPattern)
	userIDRE        = regexp.MustCompile(UserIDPattern)
	activityIDRE    = regexp.MustCompile(ActivityIDPattern)
	conversationRE  = regexp.MustCompile(ConversationIDPattern)
	taskIDRE        = regexp.MustCompile(TaskIDPattern)
	webhookIDRE     = regexp.MustCompile(WebhookIDPattern)
)

// IsE164 reports whether s is a phone number in E.164 form.
func IsE164(s string) bool { return e164RE.MatchString(s) }

// IsPhoneNumberID reports whether s is a phone number ID (PN…).
func IsPhoneNumberID(s string) bool { return phoneNumberIDRE.MatchString(s) }

// IsLineRef reports whether s is a line as the API takes it: an E.164
// number or a phone number ID.
func IsLineRef(s string) bool { return IsE164(s) || IsPhoneNumberID(s) }

// IsUserID reports whether s is a user ID (US…).
func IsUserID(s string) bool { return userIDRE.MatchString(s) }

// IsActivityID reports whether s has the form of a call's or a message's ID.
func IsActivityID(s string) bool { return activityIDRE.MatchString(s) }

// IsConversationID reports whether s is a conversation ID (CN…).
func IsConversationID(s string) bool { return conversationRE.MatchString(s) }

// IsTaskID reports whether s is a task ID (TK…).
func IsTaskID(s string) bool { return taskIDRE.MatchString(s) }

// IsWebhookID reports whether s is a webhook ID (WH…).
func IsWebhookID(s string) bool { return webhookIDRE.MatchString(s) }
