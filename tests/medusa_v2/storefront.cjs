"use strict"

// A storefront, as a shop's code would be: @medusajs/js-sdk 2.x against a real Medusa.
// Reads {action, base, key, ...} as JSON on stdin and prints one JSON answer.
// Failures are answers ({ok: false, status, message}), never crashes.

const { createRequire } = require("node:module")
const path = require("node:path")

const project = process.env.MEDUSA_PROJECT
const requireFromProject = createRequire(path.join(project, "package.json"))
const Medusa = requireFromProject("@medusajs/js-sdk").default

function sdkFor(input) {
  return new Medusa({
    baseUrl: input.base,
    publishableKey: input.key,
    auth: { type: "jwt", jwtTokenStorageMethod: "memory" },
  })
}

async function attempt(work) {
  try {
    return { ok: true, ...(await work()) }
  } catch (error) {
    return { ok: false, status: error.status ?? null, message: String(error.message) }
  }
}

const address = {
  first_name: "Ada",
  last_name: "Lovelace",
  address_1: "Unter den Linden 1",
  city: "Berlin",
  postal_code: "10117",
  country_code: "de",
}

const actions = {
  async register({ email, password, first_name }, sdk) {
    await sdk.auth.register("customer", "emailpass", { email, password })
    const { customer } = await sdk.store.customer.create({ email, first_name })
    return { customer_id: customer.id }
  },

  async login({ email, password }, sdk) {
    const token = await sdk.auth.login("customer", "emailpass", { email, password })
    const { customer } = await sdk.store.customer.retrieve()
    return { token, customer_id: customer.id, email: customer.email }
  },

  async login_many({ email, password, count }, _sdk, input) {
    const results = await Promise.all(
      Array.from({ length: count }, () =>
        attempt(async () => {
          await sdkFor(input).auth.login("customer", "emailpass", { email, password })
          return {}
        })
      )
    )
    return { results }
  },

  async checkout({ email, password, region_id, variant_id }, sdk) {
    await sdk.auth.login("customer", "emailpass", { email, password })
    const { customer } = await sdk.store.customer.retrieve()
    let { cart } = await sdk.store.cart.create({ region_id })
    ;({ cart } = await sdk.store.cart.createLineItem(cart.id, { variant_id, quantity: 1 }))
    ;({ cart } = await sdk.store.cart.update(cart.id, {
      email,
      shipping_address: address,
      billing_address: address,
    }))
    const { shipping_options } = await sdk.store.fulfillment.listCartOptions({ cart_id: cart.id })
    ;({ cart } = await sdk.store.cart.addShippingMethod(cart.id, { option_id: shipping_options[0].id }))
    await sdk.store.payment.initiatePaymentSession(cart, { provider_id: "pp_system_default" })
    const completed = await sdk.store.cart.complete(cart.id)
    if (completed.type !== "order") {
      throw new Error(`cart not completed: ${JSON.stringify(completed.error ?? completed.type)}`)
    }
    const { order } = await sdk.store.order.retrieve(completed.order.id, { fields: "id,+customer_id" })
    return { order_id: order.id, order_customer_id: order.customer_id, customer_id: customer.id }
  },

  async reset_request({ email }, sdk) {
    await sdk.auth.resetPassword("customer", "emailpass", { identifier: email })
    return {}
  },

  async reset_update({ token, body }, sdk) {
    await sdk.auth.updateProvider("customer", "emailpass", body, token)
    return {}
  },
}

async function main() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"))
  const action = actions[input.action]
  if (!action) {
    throw new Error(`unknown action ${input.action}`)
  }
  const answer = await attempt(() => action(input, sdkFor(input), input))
  process.stdout.write(JSON.stringify(answer))
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error))
  process.exit(1)
})
