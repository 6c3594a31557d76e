// A Medusa v1 backend with nothing but what a checkout needs: no admin UI, the manual
// payment and fulfillment providers, the in-process event bus and cache. Every setting
// comes from the environment (examples/medusa-v1/medusa_backend.py sets them).
const required = (name) => {
  const value = process.env[name];
  // Medusa falls back to "supersecret" for both secrets: never run on that.
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

module.exports = {
  projectConfig: {
    database_url: required("DATABASE_URL"),
    database_type: "postgres",
    jwt_secret: required("JWT_SECRET"),
    cookie_secret: required("COOKIE_SECRET"),
    store_cors: process.env.STORE_CORS || "",
    admin_cors: process.env.ADMIN_CORS || "",
  },
  plugins: ["medusa-fulfillment-manual", "medusa-payment-manual"],
  modules: {
    eventBus: { resolve: "@medusajs/event-bus-local" },
    cacheService: { resolve: "@medusajs/cache-inmemory" },
  },
};
