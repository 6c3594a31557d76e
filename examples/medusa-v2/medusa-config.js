// A Medusa 2.21.2 store whose customers' passwords live in Cognito through hashless.
//
// The one change from a stock project: the auth module's provider list, where the
// hashless provider takes the id "emailpass". Storefronts keep calling
// sdk.auth.login("customer", "emailpass", ...) unchanged, and Medusa's own emailpass
// code only ever runs for admin users (through the provider), so it can no longer
// write a customer's hash back.
//
// HASHLESS_PROVIDER=off gives Medusa's stock emailpass provider instead: the store as
// it was before hashless (the tests register their "old" customers that way).

const { loadEnv, defineConfig, Modules } = require("@medusajs/framework/utils")

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const emailpass =
  process.env.HASHLESS_PROVIDER === "off"
    ? { resolve: "@medusajs/medusa/auth-emailpass", id: "emailpass" }
    : {
        resolve: "@hashless/medusa-auth-provider",
        id: "emailpass",
        options: {
          url: process.env.HASHLESS_URL,
          token: process.env.HASHLESS_PROVIDER_TOKEN,
          timeoutMs: Number(process.env.HASHLESS_TIMEOUT_MS || 5000),
        },
      }

// HASHLESS_EXAMPLE_SIDE_BY_SIDE=1 is for benchmarks/medusa_v2.py: Medusa's own emailpass
// keeps the id "emailpass" (its code finds its identities by that id only) and the
// hashless provider is registered beside it as "hashless".
const providers =
  process.env.HASHLESS_EXAMPLE_SIDE_BY_SIDE === "1"
    ? [
        { resolve: "@medusajs/medusa/auth-emailpass", id: "emailpass" },
        { ...emailpass, id: "hashless" },
      ]
    : [emailpass]

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    http: {
      storeCors: process.env.STORE_CORS || "http://localhost:8000",
      adminCors: process.env.ADMIN_CORS || "http://localhost:9000",
      authCors: process.env.AUTH_CORS || "http://localhost:8000,http://localhost:9000",
      jwtSecret: process.env.JWT_SECRET,
      cookieSecret: process.env.COOKIE_SECRET,
    },
  },
  admin: { disable: true },
  modules: [
    {
      resolve: "@medusajs/medusa/auth",
      dependencies: [Modules.CACHE, "logger"],
      options: { providers },
    },
  ],
})
