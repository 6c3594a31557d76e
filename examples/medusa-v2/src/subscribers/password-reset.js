// The store's reset email, as a notification subscriber would send it. The
// auth.password_reset event and its token are Medusa's own; hashless changes nothing
// here. This example writes the link to HASHLESS_EXAMPLE_OUTBOX (one JSON line per
// message, the way a mail catcher would show it) instead of sending mail, and never
// logs the token.

const fs = require("node:fs")

async function passwordReset({ event }) {
  const outbox = process.env.HASHLESS_EXAMPLE_OUTBOX
  if (!outbox) {
    return
  }
  const { entity_id: email, actor_type, token } = event.data
  fs.appendFileSync(outbox, JSON.stringify({ to: email, actor_type, token }) + "\n", { mode: 0o600 })
}

exports.default = passwordReset
exports.config = { event: "auth.password_reset" }
