"use strict"

// A Medusa v2 auth provider with no password logic: customers' `authenticate`,
// `register` and `update` go to hashless, which keeps their passwords in Cognito
// (migrating the scrypt hashes Medusa's own emailpass wrote, at first login).
// Admin users stay with Medusa's own emailpass code unless `admins: "hashless"`.

const { AbstractAuthModuleProvider, isString } = require("@medusajs/framework/utils")
const { HashlessClient } = require("./client")
const { answerFor, MESSAGES } = require("./answers")

function medusaEmailpass(cradle, options) {
  // Medusa's own provider, for the identities that stay Medusa's (admins by default).
  const [EmailPassAuthService] = require("@medusajs/auth-emailpass").default.services
  return new EmailPassAuthService(cradle, { hashConfig: options.hashConfig })
}

class HashlessAuthService extends AbstractAuthModuleProvider {
  static identifier = "hashless"
  static DISPLAY_NAME = "Email/Password (hashless, AWS Cognito)"

  static validateOptions(options) {
    if (options?.admins !== undefined && !["medusa", "hashless"].includes(options.admins)) {
      throw new Error('hashless provider: option admins must be "medusa" or "hashless"')
    }
  }

  constructor(cradle, options = {}) {
    // eslint-disable-next-line prefer-rest-params
    super(...arguments)
    this.logger_ = cradle.logger
    this.adminsToMedusa_ = (options.admins ?? "medusa") === "medusa"
    this.client_ =
      options.client ??
      new HashlessClient({
        url: options.url ?? process.env.HASHLESS_URL,
        token: options.token ?? process.env.HASHLESS_PROVIDER_TOKEN,
        timeoutMs: options.timeoutMs,
      })
    this.medusa_ = options.medusa ?? medusaEmailpass(cradle, options)
  }

  authenticate(data, authIdentityService) {
    return this.forward_("authenticate", data, authIdentityService)
  }

  register(data, authIdentityService) {
    return this.forward_("register", data, authIdentityService)
  }

  async forward_(step, data, authIdentityService) {
    const { email, password } = data.body ?? {}
    const invalid = checkCredentials(email, password)
    if (invalid) {
      return invalid
    }
    if (data.actor_type === "user" && this.adminsToMedusa_) {
      return this.medusa_[step](data, authIdentityService)
    }
    const answer = await this.client_.call(step, { email, password })
    if (answer.outcome === "medusa") {
      return this.medusa_[step](data, authIdentityService)
    }
    return this.answer_(step, answer)
  }

  async update(data, authIdentityService) {
    const { password, email, entity_id } = data ?? {}
    if (!entity_id) {
      return { success: false, error: "Cannot update the provider identity without entity_id" }
    }
    const change = {
      password: isString(password) && password ? password : undefined,
      email: isString(email) && email ? email : undefined,
    }
    if (!change.password && !change.email) {
      // As Medusa's emailpass: nothing to change (its route answers 401 without an identity).
      return { success: true }
    }
    if (this.adminsToMedusa_ && (await isAdmin(entity_id, authIdentityService))) {
      return this.medusa_.update(data, authIdentityService)
    }
    const answer = await this.client_.call("update", { entity_id, ...change })
    if (answer.outcome === "medusa") {
      return this.medusa_.update(data, authIdentityService)
    }
    return this.answer_("update", answer)
  }

  answer_(step, answer) {
    const result = answerFor(answer)
    if (!result.success && answer.outcome !== "invalid" && answer.outcome !== "exists") {
      // Never the body: it is ours, but a log line needs no more than this.
      this.logger_?.warn?.(
        `hashless provider: ${step} answered ${answer.outcome} (status ${answer.status}${
          answer.reason ? `, ${answer.reason}` : ""
        })`
      )
    }
    return result
  }
}

function checkCredentials(email, password) {
  if (!password || !isString(password)) {
    return { success: false, error: MESSAGES.passwordNotString }
  }
  if (!email || !isString(email)) {
    return { success: false, error: MESSAGES.emailNotString }
  }
  return null
}

async function isAdmin(entityId, authIdentityService) {
  try {
    const identity = await authIdentityService.retrieve({ entity_id: entityId })
    return Boolean(identity?.app_metadata?.user_id)
  } catch {
    return false
  }
}

module.exports = { HashlessAuthService }
