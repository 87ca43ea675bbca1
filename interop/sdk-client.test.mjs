// The official TypeScript MCP SDK as a client of openphone-mcp. Run by
// e2e_interop_test.go, which builds the binary, serves the fake OpenPhone API
// and passes both in OPM_FIXTURE.
import test from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const fixture = JSON.parse(process.env.OPM_FIXTURE);

async function connect() {
  const client = new Client({ name: "interop-ts-sdk", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: fixture.binary, env: fixture.env, stderr: "ignore" }));
  return client;
}

function compile(schema) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

const client = await connect();
const { tools } = await client.listTools();
const tool = tools.find((t) => t.name === "list_conversations");
const call = (args) => client.callTool({ name: "list_conversations", arguments: args });
const text = (result) => result.content.map((c) => c.text).join("\n");

test("tools/list publishes the fourteen tools, read-only, with schemas that compile", () => {
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    "activity_report", "find_contacts", "get_call", "get_contact", "get_task", "list_calls", "list_contacts", "list_conversations", "list_messages", "list_phone_numbers",
    "list_tasks", "list_users", "recent_activity", "search_messages",
  ]);
  for (const t of tools) {
    assert.deepEqual(
      { ...t.annotations, title: undefined },
      { title: undefined, readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      t.name,
    );
    compile(t.inputSchema);
    compile(t.outputSchema);
  }
});

const valid = [
  {},
  { maxResults: 10 },
  { maxResults: 1 },
  { maxResults: 100 },
  { phoneNumbers: ["+15555555555", "PN123abc"] },
  { phoneNumbers: ["Sales", "+15555555555"] }, // a line's name, which the server resolves
  { phoneNumber: "+15555555555" },
  { userId: "US123abc", excludeInactive: true, pageToken: "abc" },
  { createdAfter: "2022-01-01T00:00:00Z", createdBefore: "2022-02-01T00:00:00+01:00" },
  { updatedAfter: "2022-01-01T00:00:00.123Z", updatedBefore: "2022-01-02T00:00:00Z" },
];
const invalid = [
  { maxResults: 0 },
  { maxResults: 101 },
  { maxResults: "10" },
  { maxResults: 2.5 },
  { phoneNumbers: [] },
  { phoneNumbers: [5550100] },
  { phoneNumbers: "+15555555555" },
  { createdAfter: "yesterday" },
  { excludeInactive: "true" },
  { limit: 5 },
];

test("the inputSchema compiles and holds the spec's examples", () => {
  const validate = compile(tool.inputSchema);
  for (const args of valid) assert.ok(validate(args), `${JSON.stringify(args)} should be valid: ${JSON.stringify(validate.errors)}`);
  for (const args of invalid) assert.ok(!validate(args), `${JSON.stringify(args)} should be invalid`);
});

test("the server rejects what the schema rejects, with isError", async () => {
  for (const args of invalid) {
    const result = await call(args);
    assert.equal(result.isError, true, `${JSON.stringify(args)} was accepted: ${text(result)}`);
    assert.match(text(result), /the request was not sent to OpenPhone/);
  }
});

test("a value the schema lets through as a line's name, and no line has, is refused by the server", async () => {
  assert.ok(compile(tool.inputSchema)({ phoneNumbers: ["555-0100"] }));
  const result = await call({ phoneNumbers: ["555-0100"] });
  assert.equal(result.isError, true, text(result));
  assert.match(text(result), /the request was not sent to OpenPhone/);
});

test("calls with every parameter match the outputSchema", async () => {
  const validateOutput = compile(tool.outputSchema);
  const first = await call(fixture.everyParameter);
  assert.ok(!first.isError, text(first));
  assert.ok(validateOutput(first.structuredContent), JSON.stringify(validateOutput.errors));
  // A call with a window opens with it (the window, and the server's now), then the count.
  assert.match(text(first), /^(Window[^\n]*\n)?(1 conversation|\d+ conversations, by line, most recent activity first in each)\./);
  const pageToken = first.structuredContent.nextPageToken;
  assert.ok(pageToken, "the first page has a next page");
  const second = await call({ ...fixture.everyParameter, pageToken });
  assert.ok(!second.isError, text(second));
  assert.ok(validateOutput(second.structuredContent), JSON.stringify(validateOutput.errors));
});

test("paging reaches the end with no duplicates", async () => {
  const validateOutput = compile(tool.outputSchema);
  const seen = new Set();
  let pageToken;
  for (let page = 0; ; page++) {
    assert.ok(page < 20, "paging does not end");
    const result = await call(pageToken ? { maxResults: 7, pageToken } : { maxResults: 7 });
    assert.ok(!result.isError, text(result));
    assert.ok(validateOutput(result.structuredContent), JSON.stringify(validateOutput.errors));
    for (const c of result.structuredContent.conversations) {
      assert.ok(!seen.has(c.id), `${c.id} returned twice`);
      seen.add(c.id);
      assert.ok(text(result).includes(c.id), `the summary lacks ${c.id}`);
    }
    pageToken = result.structuredContent.nextPageToken;
    if (pageToken === null) break;
  }
  assert.equal(seen.size, fixture.total);
});

test("list_phone_numbers, list_users, the contact and task tools answer within their outputSchemas", async () => {
  for (const [name, args, key] of [
    ["list_phone_numbers", {}, "phoneNumbers"],
    ["list_users", { maxResults: 2 }, "users"],
    ["list_contacts", { maxResults: 50 }, "contacts"],
    ["find_contacts", { query: "kim" }, "contacts"],
    ["list_tasks", {}, "tasks"],
  ]) {
    const t = tools.find((t) => t.name === name);
    let result = await client.callTool({ name, arguments: args });
    // find_contacts answers from the contact index, with what it holds so
    // far (and loading: true) while its first build runs: ask again, as a
    // model told so would.
    for (let i = 0; i < 100 && result.structuredContent?.loading; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await client.callTool({ name, arguments: args });
    }
    assert.ok(!result.isError, text(result));
    const validate = compile(t.outputSchema);
    assert.ok(validate(result.structuredContent), JSON.stringify(validate.errors));
    assert.ok(result.structuredContent[key].length > 0, `${name}: no ${key} in ${JSON.stringify(result.structuredContent)}\n${text(result)}`);
  }
});

test("list_messages, list_calls and get_call answer within their outputSchemas", async () => {
  for (const [name, args, key] of [
    ["list_messages", { ...fixture.thread, maxResults: 50 }, "messages"],
    ["list_calls", fixture.thread, "calls"],
    ["get_call", { callId: fixture.callId }, "call"],
  ]) {
    const t = tools.find((t) => t.name === name);
    const result = await client.callTool({ name, arguments: args });
    assert.ok(!result.isError, `${name}: ${text(result)}`);
    const validate = compile(t.outputSchema);
    assert.ok(validate(result.structuredContent), `${name}: ${JSON.stringify(validate.errors)}`);
    assert.ok(result.structuredContent[key], `${name}: no ${key}`);
    const bad = await client.callTool({ name, arguments: {} });
    assert.equal(bad.isError, true, `${name} without arguments was accepted`);
  }
});

test("an upstream 404 is an isError result naming the ID", async () => {
  const result = await call({ phoneNumbers: ["PNdoesnotexist"] });
  assert.equal(result.isError, true);
  assert.match(text(result), /404 Not Found/);
  assert.match(text(result), /PNdoesnotexist/);
});

test.after(() => client.close());
