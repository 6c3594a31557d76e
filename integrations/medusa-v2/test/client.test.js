"use strict"

const test = require("node:test")
const assert = require("node:assert/strict")
const { HashlessClient, TOKEN_HEADER } = require("../src/client")
const { fakeHashless, TOKEN } = require("./fake-hashless")

test("sends the shared secret in its header and no browser headers", async (t) => {
  const hashless = await fakeHashless(() => ({ body: { outcome: "invalid" }, status: 401 }))
  const client = new HashlessClient({ url: hashless.url, token: TOKEN })
  t.after(async () => {
    client.close()
    await hashless.close()
  })
  const answer = await client.call("authenticate", { email: "a@example.com", password: "pw" })
  assert.equal(answer.outcome, "invalid")
  assert.equal(answer.status, 401)
  const [call] = hashless.calls
  assert.equal(call.path, "/medusa-v2/provider/authenticate")
  assert.equal(call.headers[TOKEN_HEADER], TOKEN)
  for (const header of ["origin", "cookie", "sec-fetch-mode", "sec-fetch-site"]) {
    assert.equal(call.headers[header], undefined, header)
  }
  assert.deepEqual(call.body, { email: "a@example.com", password: "pw" })
})

test("a hashless that does not answer in time is unavailable, within the deadline", async (t) => {
  const hashless = await fakeHashless(() => "hang")
  const client = new HashlessClient({ url: hashless.url, token: TOKEN, timeoutMs: 200 })
  t.after(async () => {
    client.close()
    await hashless.close()
  })
  const started = Date.now()
  const answer = await client.call("authenticate", { email: "a@example.com", password: "pw" })
  assert.equal(answer.outcome, "unavailable")
  assert.ok(Date.now() - started < 2000)
})

test("a hashless that is down, or answers garbage, is unavailable", async () => {
  const hashless = await fakeHashless(() => "garbage")
  const client = new HashlessClient({ url: hashless.url, token: TOKEN })
  assert.equal((await client.call("authenticate", {})).outcome, "unavailable")
  await hashless.close()
  client.close()
  const down = new HashlessClient({ url: hashless.url, token: TOKEN })
  assert.equal((await down.call("authenticate", {})).outcome, "unavailable")
  down.close()
})

test("refuses to start without a URL or with a short secret", () => {
  assert.throws(() => new HashlessClient({ url: "", token: TOKEN }), /URL/)
  assert.throws(() => new HashlessClient({ url: "http://127.0.0.1:1", token: "short" }), /16/)
})
