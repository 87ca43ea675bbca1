package openphonetest_test

// The package's own tests check requests against the document, as every
// test does.
import _ "github.com/openphone-mcp/openphone-mcp/client/openphonetest/schemacheck"
