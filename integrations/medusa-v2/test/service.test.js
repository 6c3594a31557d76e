"use strict"

// The provider's mapping of hashless' answers onto Medusa's results. Needs the peer
// dependencies: run with NODE_PATH at a Medusa project's node_modules (see README).

const test = require("node:test")
const assert = require("node:assert/strict")
const { HashlessAuthService, HashlessClient, MESSAGES } = require("../src/index")
const { fakeHashless, TOKEN } = require("./fake-hashless")

const IDENTITY = {
  id: "authid_01TEST",
  app_metadata: { customer_id: "cus_01TEST" },
  provider_identities: [{ provider: "emailpass", entity_id: "a@example.com", user_metadata: null }],
}

/** A stand-in for Medusa's own emailpass provider: records what reached it. */
function fakeMedusa() {
  const calls = []
  const answer = (step) => async (data) => {
    calls.push({ step, data })
    return { success: true, authIdentity: { id: "authid_ADMIN" } }
  }
  return { calls, authenticate: answer("authenticate"), register: answer("register"), update: answer("update") }
}

async function provider(t, handler, options = {}) {
  const hashless = await fakeHashless(handler)
  const client = new HashlessClient({ url: hashless.url, token: TOKEN, timeoutMs: 300 })
  const medusa = fakeMedusa()
  const service = new HashlessAuthService({ logger: { warn() {} } }, { client, medusa, ...options })
  t.after(async () => {
    client.close()
    await hashless.close()
  })
  return { service, hashless, medusa }
}

const login = (email, password, actor_type = "customer") => ({ actor_type, body: { email, password } })
const noIdentities = { retrieve: async () => { throw new Error("not found") } }

test("a good password gives hashless' identity to Medusa", async (t) => {
  const { service } = await provider(t, () => ({ body: { outcome: "ok", auth_identity: IDENTITY } }))
  const result = await service.authenticate(login("a@example.com", "right"), noIdentities)
  assert.deepEqual(result, { success: true, authIdentity: IDENTITY })
})

test("a wrong password and an unknown email give the same error", async (t) => {
  const { service } = await provider(t, () => ({ status: 401, body: { outcome: "invalid" } }))
  const wrong = await service.authenticate(login("a@example.com", "wrong"), noIdentities)
  const unknown = await service.authenticate(login("nobody@example.com", "x"), noIdentities)
  assert.deepEqual(wrong, { success: false, error: "Invalid email or password" })
  assert.deepEqual(unknown, wrong)
})

for (const [name, handler] of [
  ["503", () => ({ status: 503, body: { outcome: "unavailable", retry_after: 5 } })],
  ["a timeout", () => "hang"],
  ["garbage", () => "garbage"],
  ["a refused token", () => ({ status: 401, body: { outcome: "refused" } })],
  ["ok without an identity", () => ({ body: { outcome: "ok" } })],
]) {
  test(`an outage (${name}) never reads as a wrong password`, async (t) => {
    const { service } = await provider(t, handler)
    const result = await service.authenticate(login("a@example.com", "right"), noIdentities)
    assert.equal(result.success, false)
    assert.equal(result.error, MESSAGES.unavailable)
    assert.notEqual(result.error, MESSAGES.invalid)
  })
}

test("throttling reads as throttling", async (t) => {
  const { service } = await provider(t, () => ({ status: 429, body: { outcome: "throttled" } }))
  const result = await service.authenticate(login("a@example.com", "x"), noIdentities)
  assert.deepEqual(result, { success: false, error: MESSAGES.throttled })
})

test("registration: a taken email and a refused password", async (t) => {
  const answers = [
    { status: 409, body: { outcome: "exists" } },
    { status: 400, body: { outcome: "rejected", message: "Password must have at least 8 characters" } },
  ]
  const { service, hashless } = await provider(t, () => answers.shift())
  assert.deepEqual(await service.register(login("a@example.com", "pw"), noIdentities), {
    success: false,
    error: "Identity with email already exists",
  })
  assert.deepEqual(await service.register(login("a@example.com", "pw"), noIdentities), {
    success: false,
    error: "Password must have at least 8 characters",
  })
  assert.deepEqual(hashless.calls.map((c) => c.path), [
    "/medusa-v2/provider/register",
    "/medusa-v2/provider/register",
  ])
})

test("update sends Medusa's entity_id and the new password; no password changes nothing", async (t) => {
  const { service, hashless } = await provider(t, () => ({ body: { outcome: "ok", auth_identity: IDENTITY } }))
  const result = await service.update({ entity_id: "a@example.com", password: "new password" }, noIdentities)
  assert.deepEqual(result, { success: true, authIdentity: IDENTITY })
  assert.deepEqual(hashless.calls[0].body, { entity_id: "a@example.com", password: "new password" })
  assert.deepEqual(await service.update({ entity_id: "a@example.com" }, noIdentities), { success: true })
  assert.equal(hashless.calls.length, 1)
  await service.update({ entity_id: "a@example.com", email: "b@example.com" }, noIdentities)
  assert.deepEqual(hashless.calls[1].body, { entity_id: "a@example.com", email: "b@example.com" })
})

test("admins stay with Medusa's own emailpass: login, registration and reset", async (t) => {
  const { service, hashless, medusa } = await provider(t, () => ({ body: { outcome: "invalid" } }))
  const admins = { retrieve: async () => ({ id: "authid_ADMIN", app_metadata: { user_id: "user_1" } }) }
  await service.authenticate(login("admin@example.com", "pw", "user"), admins)
  await service.register(login("new-admin@example.com", "pw", "user"), admins)
  await service.update({ entity_id: "admin@example.com", password: "new" }, admins)
  assert.deepEqual(medusa.calls.map((c) => c.step), ["authenticate", "register", "update"])
  assert.equal(hashless.calls.length, 0)
})

test("an identity hashless says stays Medusa's goes to Medusa's emailpass", async (t) => {
  const { service, medusa } = await provider(t, () => ({ body: { outcome: "medusa" } }))
  const result = await service.authenticate(login("admin@example.com", "pw"), noIdentities)
  assert.equal(result.success, true)
  assert.deepEqual(medusa.calls.map((c) => c.step), ["authenticate"])
})

test("with admins: hashless, admin logins go to hashless", async (t) => {
  const { service, hashless, medusa } = await provider(
    t,
    () => ({ body: { outcome: "ok", auth_identity: IDENTITY } }),
    { admins: "hashless" }
  )
  await service.authenticate(login("admin@example.com", "pw", "user"), noIdentities)
  assert.equal(hashless.calls.length, 1)
  assert.equal(medusa.calls.length, 0)
})

test("missing or non-string credentials are refused before any call", async (t) => {
  const { service, hashless } = await provider(t, () => ({ body: { outcome: "invalid" } }))
  assert.deepEqual(await service.authenticate({ body: { email: "a@example.com" } }, noIdentities), {
    success: false,
    error: "Password should be a string",
  })
  assert.deepEqual(await service.authenticate({ body: { password: "x", email: 5 } }, noIdentities), {
    success: false,
    error: "Email should be a string",
  })
  assert.equal(hashless.calls.length, 0)
})
