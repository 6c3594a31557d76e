// Customer deletion keeps Cognito in step: after DELETE /admin/customers/:id removed the
// customer's auth identity, the provider package asks hashless to delete its Cognito user.

const { defineMiddlewares } = require("@medusajs/framework/http")
const { forgetDeletedCustomer } = require("@hashless/medusa-auth-provider")

const routes =
  process.env.HASHLESS_PROVIDER === "off"
    ? []
    : [
        {
          matcher: "/admin/customers/:id",
          methods: ["DELETE"],
          middlewares: [forgetDeletedCustomer()],
        },
      ]

exports.default = defineMiddlewares({ routes })
