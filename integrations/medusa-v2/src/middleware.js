"use strict"

// For the store's src/api/middlewares: when an admin deletes a customer, Medusa's
// removeCustomerAccountWorkflow deletes the customer's auth identity; this middleware
// notes the identity before the route runs and, once Medusa answered 2xx, asks hashless
// to delete its Cognito user (hashless deletes it only if the identity is really gone).

const { ContainerRegistrationKeys } = require("@medusajs/framework/utils")
const { HashlessClient } = require("./client")

function forgetDeletedCustomer(options = {}) {
  let client = options.client
  return async function hashlessForgetDeletedCustomer(req, res, next) {
    const logger = req.scope.resolve(ContainerRegistrationKeys.LOGGER)
    let identities = []
    try {
      const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "auth_identity",
        fields: ["id"],
        filters: { app_metadata: { customer_id: req.params.id } },
      })
      identities = data.map((identity) => identity.id)
    } catch (error) {
      logger.warn(`hashless provider: could not read the customer's auth identity (${error.message})`)
    }
    res.on("finish", () => {
      if (res.statusCode < 200 || res.statusCode >= 300 || identities.length === 0) {
        return
      }
      client ??= new HashlessClient({
        url: options.url ?? process.env.HASHLESS_URL,
        token: options.token ?? process.env.HASHLESS_PROVIDER_TOKEN,
        timeoutMs: options.timeoutMs,
      })
      for (const id of identities) {
        client.call("forget", { auth_identity_id: id }).then((answer) => {
          if (answer.outcome !== "deleted" && answer.outcome !== "kept") {
            logger.warn(
              `hashless provider: the Cognito user ${id} of a deleted customer is left (${answer.outcome}); delete it in the pool`
            )
          }
        })
      }
    })
    next()
  }
}

module.exports = { forgetDeletedCustomer }
