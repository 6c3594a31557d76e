// Drives hashless with the real @medusajs/medusa-js v6 client, as a Medusa v1 storefront would.
//
//   node medusa_flow.mjs register   create, log in, read, update, log out, request a reset token
//   node medusa_flow.mjs reset      reset the password with the token, log in with the new one
//
// The reset token reaches the customer out of band (hashless' webhook, or the demo's log),
// so the flow runs in two phases and tests/test_medusa_js.py fetches the token in between.
// Parameters come from the environment:
//   HASHLESS_BASE_URL          http://127.0.0.1:PORT                         (both phases)
//   FLOW_EMAIL, FLOW_PASSWORD  the new customer and its first password       (both phases)
//   FLOW_NEW_PASSWORD          the password the reset sets                   (reset)
//   FLOW_RESET_TOKEN           the token hashless delivered                  (reset)
//   FLOW_KEPT_COOKIE           a session cookie "register" left open         (reset)
//   FLOW_COOKIE_NAME           session cookie name (default hashless_sid)
//   FLOW_ADMIN_TOKEN           optional: read /admin/credentials/stats       (reset)
//   FLOW_LEGACY_EMAIL, FLOW_LEGACY_PASSWORD  optional: log in a legacy customer (reset)
//
// Prints exactly one JSON line on stdout: {"ok": true, "phase", "steps": [...], ...} or
// {"ok": false, "phase", "step", "error"}; a failure also goes to stderr and exits 1.
//
// Outside a browser medusa-js keeps no cookies (axios in node has no cookie jar), so the
// session cookie is read from `result.response.headers["set-cookie"]` and sent back via the
// last argument of every resource method: medusa-js v6 merges that `customHeaders` object
// into the request headers (Client.request(method, path, payload, options, customHeaders)).

import Medusa from "@medusajs/medusa-js";

const phase = process.argv[2];
const steps = [];
let currentStep = "setup";

function env(name, { required = true, fallback = undefined } = {}) {
  const value = process.env[name];
  if (value === undefined || value === "") {
    if (required) throw new Error(`environment variable ${name} is required`);
    return fallback;
  }
  return value;
}

class FlowError extends Error {}

function check(condition, message) {
  if (!condition) throw new FlowError(message);
}

/** A readable one-line account of an axios failure: request, status, body. */
function describe(err) {
  const config = err?.config;
  const request = config ? `${String(config.method).toUpperCase()} ${config.url}` : "request";
  if (err?.response) {
    return `${request} -> ${err.response.status} ${JSON.stringify(err.response.data)}`;
  }
  return `${request} -> ${err?.code ?? "no response"}: ${err?.message ?? String(err)}`;
}

async function step(name, fn) {
  currentStep = name;
  const result = await fn();
  steps.push(name);
  return result;
}

/** Awaits a medusa-js call that must fail with `status`; returns the error body. */
async function rejects(promise, status) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    if (err?.response?.status === status) return err.response.data;
    throw new FlowError(`expected HTTP ${status}, got ${describe(err)}`);
  }
  const { response, ...body } = result;
  throw new FlowError(`expected HTTP ${status}, got ${response.status} ${JSON.stringify(body)}`);
}

/** "name=value" of the session cookie a medusa-js result set; checks its attributes. */
function sessionCookie(result, name) {
  const header = result.response.headers["set-cookie"] ?? [];
  const line = header.find((c) => c.startsWith(`${name}=`));
  check(line, `no ${name} cookie in set-cookie: ${JSON.stringify(header)}`);
  const pair = line.split(";")[0];
  check(pair.length > name.length + 1, `${name} cookie is empty: ${line}`);
  for (const attribute of [/;\s*httponly/i, /;\s*path=\/(;|$)/i, /;\s*samesite=lax/i]) {
    check(attribute.test(line), `${name} cookie lacks ${attribute}: ${line}`);
  }
  return pair;
}

function cookieCleared(result, name) {
  const header = result.response.headers["set-cookie"] ?? [];
  const line = header.find((c) => c.startsWith(`${name}=`));
  if (!line) return false;
  const expires = /;\s*expires=([^;]+)/i.exec(line);
  return /;\s*max-age=0(;|$)/i.test(line) || (expires && Date.parse(expires[1]) <= Date.now());
}

function checkCustomer(customer, email, what) {
  check(customer && typeof customer === "object", `${what}: no customer in the body`);
  check(/^cus_[0-9A-Z]{26}$/.test(customer.id), `${what}: id ${customer.id} is not cus_<ULID>`);
  check(customer.email === email.toLowerCase(), `${what}: email ${customer.email} != ${email}`);
  check(customer.has_account === true, `${what}: has_account is ${customer.has_account}`);
  check(!("password_hash" in customer), `${what}: password_hash is exposed`);
  return customer;
}

async function adminStats(baseUrl, token) {
  const response = await fetch(new URL("/admin/credentials/stats", baseUrl), {
    headers: { "x-medusa-access-token": token, accept: "application/json" },
  });
  const text = await response.text();
  check(response.status === 200, `GET /admin/credentials/stats -> ${response.status} ${text}`);
  return JSON.parse(text);
}

async function register(medusa, params) {
  const { email, password, cookieName } = params;
  const out = {};

  const created = await step("customers.create", async () => {
    const result = await medusa.customers.create({
      email,
      password,
      first_name: "Ada",
      last_name: "Lovelace",
    });
    check(result.response.status === 200, `status ${result.response.status}`);
    checkCustomer(result.customer, email, "customers.create");
    check(result.customer.first_name === "Ada", `first_name ${result.customer.first_name}`);
    return result;
  });
  out.customer_id = created.customer.id;

  await step("customers.create logs in", async () => {
    const cookie = sessionCookie(created, cookieName);
    const me = await medusa.customers.retrieve({ Cookie: cookie });
    check(me.customer.id === out.customer_id, `retrieve -> ${me.customer.id}`);
  });

  await step("customers.create again -> 422", async () => {
    const body = await rejects(medusa.customers.create({ email, password }), 422);
    check(body.type === "duplicate_error", `body ${JSON.stringify(body)}`);
  });

  const cookie = await step("auth.authenticate", async () => {
    const result = await medusa.auth.authenticate({ email, password });
    checkCustomer(result.customer, email, "auth.authenticate");
    check(result.customer.id === out.customer_id, `logged in as ${result.customer.id}`);
    return sessionCookie(result, cookieName);
  });
  const headers = { Cookie: cookie };

  await step("auth.authenticate wrong password -> 401", async () => {
    await rejects(medusa.auth.authenticate({ email, password: `${password}-wrong` }), 401);
  });

  await step("auth.getSession", async () => {
    const result = await medusa.auth.getSession(headers);
    check(result.customer.id === out.customer_id, `session of ${result.customer.id}`);
  });

  await step("customers.retrieve", async () => {
    const result = await medusa.customers.retrieve(headers);
    checkCustomer(result.customer, email, "customers.retrieve");
    check(result.customer.id === out.customer_id, `retrieved ${result.customer.id}`);
    check(result.customer.last_name === "Lovelace", `last_name ${result.customer.last_name}`);
  });

  const update = {
    first_name: "Grace",
    last_name: "Hopper",
    phone: "+1 555 0100",
    metadata: { source: "medusa-js" },
  };
  await step("customers.update", async () => {
    const result = await medusa.customers.update(update, headers);
    for (const [key, value] of Object.entries(update)) {
      check(
        JSON.stringify(result.customer[key]) === JSON.stringify(value),
        `update answered ${key}=${JSON.stringify(result.customer[key])}`,
      );
    }
  });

  await step("customers.retrieve after update", async () => {
    const result = await medusa.customers.retrieve(headers);
    for (const [key, value] of Object.entries(update)) {
      check(
        JSON.stringify(result.customer[key]) === JSON.stringify(value),
        `stored ${key}=${JSON.stringify(result.customer[key])}`,
      );
    }
  });

  await step("auth.deleteSession", async () => {
    const result = await medusa.auth.deleteSession(headers);
    check(result.response.status === 200, `status ${result.response.status}`);
    check(cookieCleared(result, cookieName), "logout did not clear the session cookie");
  });

  await step("customers.retrieve after logout -> 401", async () => {
    const body = await rejects(medusa.customers.retrieve(headers), 401);
    check(body.type === "unauthorized", `body ${JSON.stringify(body)}`);
    await rejects(medusa.auth.getSession(headers), 401);
  });

  out.kept_cookie = await step("auth.authenticate (session the reset must end)", async () => {
    const result = await medusa.auth.authenticate({ email, password });
    return sessionCookie(result, cookieName);
  });

  await step("customers.generatePasswordToken", async () => {
    const result = await medusa.customers.generatePasswordToken({ email });
    check(result.response.status === 204, `status ${result.response.status}`);
  });

  await step("customers.generatePasswordToken unknown email -> 204", async () => {
    const result = await medusa.customers.generatePasswordToken({
      email: `nobody-${Date.now()}@example.com`,
    });
    check(result.response.status === 204, `status ${result.response.status}`);
  });

  return out;
}

async function reset(medusa, params) {
  const { baseUrl, email, password, cookieName } = params;
  const newPassword = env("FLOW_NEW_PASSWORD");
  const token = env("FLOW_RESET_TOKEN");
  const keptCookie = env("FLOW_KEPT_COOKIE");
  const adminToken = env("FLOW_ADMIN_TOKEN", { required: false });
  const legacyEmail = env("FLOW_LEGACY_EMAIL", { required: false });
  const legacyPassword = env("FLOW_LEGACY_PASSWORD", { required: false });
  const out = {};

  await step("customers.resetPassword wrong token -> 401", async () => {
    const body = await rejects(
      medusa.customers.resetPassword({ email, token: `${token}x`, password: newPassword }),
      401,
    );
    check(body.type === "unauthorized", `body ${JSON.stringify(body)}`);
  });

  await step("customers.resetPassword", async () => {
    const result = await medusa.customers.resetPassword({ email, token, password: newPassword });
    checkCustomer(result.customer, email, "customers.resetPassword");
    out.customer_id = result.customer.id;
  });

  await step("reset ended the open session -> 401", async () => {
    await rejects(medusa.customers.retrieve({ Cookie: keptCookie }), 401);
  });

  await step("customers.resetPassword token reused -> 401", async () => {
    await rejects(
      medusa.customers.resetPassword({ email, token, password: `${newPassword}-again` }),
      401,
    );
  });

  await step("auth.authenticate new password", async () => {
    const result = await medusa.auth.authenticate({ email, password: newPassword });
    check(result.customer.id === out.customer_id, `logged in as ${result.customer.id}`);
    const me = await medusa.customers.retrieve({ Cookie: sessionCookie(result, cookieName) });
    check(me.customer.id === out.customer_id, `retrieve -> ${me.customer.id}`);
  });

  await step("auth.authenticate old password -> 401", async () => {
    await rejects(medusa.auth.authenticate({ email, password }), 401);
  });

  if (legacyEmail) {
    check(adminToken && legacyPassword, "FLOW_LEGACY_* needs FLOW_ADMIN_TOKEN and a password");
    const before = await step("admin stats before legacy login", () =>
      adminStats(baseUrl, adminToken),
    );
    const legacy = await step("auth.authenticate legacy customer", async () => {
      const result = await medusa.auth.authenticate({
        email: legacyEmail,
        password: legacyPassword,
      });
      checkCustomer(result.customer, legacyEmail, "legacy auth.authenticate");
      const me = await medusa.customers.retrieve({ Cookie: sessionCookie(result, cookieName) });
      check(me.customer.id === result.customer.id, `retrieve -> ${me.customer.id}`);
      return result.customer;
    });
    const after = await step("admin stats count the legacy customer under cognito", async () => {
      const stats = await adminStats(baseUrl, adminToken);
      check(
        stats.cognito === before.cognito + 1 && stats.legacy === before.legacy - 1,
        `stats before ${JSON.stringify(before)} after ${JSON.stringify(stats)}`,
      );
      return stats;
    });
    await step("auth.authenticate legacy customer again (now from Cognito)", async () => {
      const result = await medusa.auth.authenticate({
        email: legacyEmail,
        password: legacyPassword,
      });
      check(result.customer.id === legacy.id, `logged in as ${result.customer.id}`);
    });
    out.legacy_customer_id = legacy.id;
    out.stats_before_legacy_login = before;
    out.stats_after_legacy_login = after;
  }

  if (adminToken) {
    out.stats = await step("admin stats", () => adminStats(baseUrl, adminToken));
  }
  return out;
}

async function main() {
  const phases = { register, reset };
  check(phase in phases, `usage: node medusa_flow.mjs ${Object.keys(phases).join("|")}`);
  const baseUrl = env("HASHLESS_BASE_URL");
  const params = {
    baseUrl,
    email: env("FLOW_EMAIL"),
    password: env("FLOW_PASSWORD"),
    cookieName: env("FLOW_COOKIE_NAME", { required: false, fallback: "hashless_sid" }),
  };
  const medusa = new Medusa({ baseUrl, maxRetries: 0 });
  const out = await phases[phase](medusa, params);
  process.stdout.write(`${JSON.stringify({ ok: true, phase, steps, ...out })}\n`);
}

main().catch((err) => {
  const error = err instanceof FlowError || !err?.config ? String(err?.message ?? err) : describe(err);
  process.stdout.write(`${JSON.stringify({ ok: false, phase, step: currentStep, steps, error })}\n`);
  process.stderr.write(`medusa_flow ${phase}: step "${currentStep}" failed: ${error}\n`);
  process.exitCode = 1;
});
