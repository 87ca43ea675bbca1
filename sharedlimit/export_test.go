package sharedlimit

// Keys are the Redis keys of an API key's limit, for the tests.
var Keys = keys
