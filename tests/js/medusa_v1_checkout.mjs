// Drives a real Medusa v1 store through hashless with @medusajs/medusa-js v6: log in, read
// and update the profile, then a whole checkout with the manual providers.
//
//   node medusa_v1_checkout.mjs
//
// Parameters come from the environment:
//   HASHLESS_BASE_URL                   http://127.0.0.1:PORT (hashless, in front of Medusa)
//   FLOW_EMAIL, FLOW_PASSWORD           the customer
//   FLOW_MODE                           cookie (POST /store/auth) or bearer (/store/auth/token)
//   FLOW_COOKIE_NAME                    session cookie name (default hashless_sid)
//   FLOW_REGION_ID, FLOW_VARIANT_ID, FLOW_SHIPPING_OPTION_ID, FLOW_COUNTRY   the seeded store
//
// Prints one JSON line on stdout: {"ok": true, "steps", "customer_id", "order_id",
// "credential"} (credential: the Cookie or Authorization header value it used) or
// {"ok": false, "step", "error"}; a failure also exits 1.
//
// Outside a browser medusa-js keeps no cookies and its JWT store is off, so the cookie or
// bearer token goes in the last (customHeaders) argument of every call.

import Medusa from "@medusajs/medusa-js";

const steps = [];
let currentStep = "setup";

function env(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === "") {
    if (fallback !== undefined) return fallback;
    throw new Error(`environment variable ${name} is required`);
  }
  return value;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function describe(err) {
  const config = err?.config;
  const request = config ? `${String(config.method).toUpperCase()} ${config.url}` : "request";
  if (err?.response) return `${request} -> ${err.response.status} ${JSON.stringify(err.response.data)}`;
  return `${request} -> ${err?.code ?? "no response"}: ${err?.message ?? String(err)}`;
}

async function step(name, fn) {
  currentStep = name;
  const result = await fn();
  steps.push(name);
  return result;
}

async function main() {
  const baseUrl = env("HASHLESS_BASE_URL");
  const email = env("FLOW_EMAIL");
  const password = env("FLOW_PASSWORD");
  const mode = env("FLOW_MODE", "cookie");
  const cookieName = env("FLOW_COOKIE_NAME", "hashless_sid");
  const medusa = new Medusa({ baseUrl, maxRetries: 0 });

  const headers = await step(`log in (${mode})`, async () => {
    if (mode === "bearer") {
      const result = await medusa.auth.getToken({ email, password });
      check(typeof result.access_token === "string", "no access_token");
      return { Authorization: `Bearer ${result.access_token}` };
    }
    const result = await medusa.auth.authenticate({ email, password });
    const line = (result.response.headers["set-cookie"] ?? []).find((c) =>
      c.startsWith(`${cookieName}=`),
    );
    check(line, `no ${cookieName} cookie`);
    return { Cookie: line.split(";")[0] };
  });

  const me = await step("customers.retrieve", async () => {
    const { customer } = await medusa.customers.retrieve(headers);
    check(customer.email === email.toLowerCase(), `me is ${customer.email}`);
    check(!("password_hash" in customer), "password_hash exposed");
    return customer;
  });

  await step("customers.update", async () => {
    const { customer } = await medusa.customers.update(
      { first_name: "Checked", last_name: "Out", metadata: { via: "hashless" } },
      headers,
    );
    check(customer.first_name === "Checked", `first_name ${customer.first_name}`);
    const again = await medusa.customers.retrieve(headers);
    check(again.customer.last_name === "Out", `last_name ${again.customer.last_name}`);
  });

  const cart = await step("carts.create", async () => {
    const { cart } = await medusa.carts.create({ region_id: env("FLOW_REGION_ID") }, headers);
    check(cart.customer_id === me.id, `cart belongs to ${cart.customer_id}, not ${me.id}`);
    return cart;
  });

  await step("carts.lineItems.create", async () => {
    const { cart: updated } = await medusa.carts.lineItems.create(
      cart.id,
      { variant_id: env("FLOW_VARIANT_ID"), quantity: 2 },
      headers,
    );
    check(updated.items.length === 1 && updated.items[0].quantity === 2, "line item missing");
  });

  await step("carts.update address", async () => {
    const address = {
      first_name: "Checked",
      last_name: "Out",
      address_1: "1 Main Street",
      city: "Springfield",
      postal_code: "12345",
      country_code: env("FLOW_COUNTRY"),
    };
    await medusa.carts.update(cart.id, { email, shipping_address: address }, headers);
  });

  await step("carts.addShippingMethod", async () => {
    await medusa.carts.addShippingMethod(
      cart.id,
      { option_id: env("FLOW_SHIPPING_OPTION_ID") },
      headers,
    );
  });

  await step("carts.createPaymentSessions", async () => {
    const { cart: withSessions } = await medusa.carts.createPaymentSessions(cart.id, headers);
    const providers = withSessions.payment_sessions.map((s) => s.provider_id);
    check(providers.includes("manual"), `payment providers ${providers}`);
  });

  await step("carts.setPaymentSession", async () => {
    await medusa.carts.setPaymentSession(cart.id, { provider_id: "manual" }, headers);
  });

  const order = await step("carts.complete", async () => {
    const result = await medusa.carts.complete(cart.id, headers);
    check(result.type === "order", `complete gave ${result.type}: ${JSON.stringify(result.data)}`);
    check(result.data.customer_id === me.id, `order of ${result.data.customer_id}`);
    return result.data;
  });

  await step("customers.listOrders", async () => {
    const { orders } = await medusa.customers.listOrders({}, headers);
    check(
      orders.some((o) => o.id === order.id),
      `order ${order.id} not among ${orders.map((o) => o.id)}`,
    );
  });

  const credential = headers.Cookie ?? headers.Authorization;
  return { customer_id: me.id, order_id: order.id, credential };
}

main().then(
  (out) => console.log(JSON.stringify({ ok: true, steps, ...out })),
  (err) => {
    const error = err?.response || err?.config ? describe(err) : String(err?.message ?? err);
    console.log(JSON.stringify({ ok: false, step: currentStep, steps, error }));
    console.error(`${currentStep}: ${error}`);
    process.exit(1);
  },
);
