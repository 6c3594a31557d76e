"use strict"

// hashless' answers as Medusa's `{success, authIdentity, error}`. A wrong password and
// an unknown email read alike; an outage or throttling never reads as either.

const MESSAGES = {
  invalid: "Invalid email or password",
  exists: "Identity with email already exists",
  throttled: "Too many sign-in attempts right now. Please try again shortly.",
  unavailable: "Sign-in is temporarily unavailable. Please try again shortly.",
  passwordNotString: "Password should be a string",
  emailNotString: "Email should be a string",
}

/**
 * @param {{status: number, outcome: string, auth_identity?: object, message?: string}} answer
 */
function answerFor(answer) {
  switch (answer.outcome) {
    case "ok":
      if (answer.auth_identity && typeof answer.auth_identity.id === "string") {
        return { success: true, authIdentity: answer.auth_identity }
      }
      return { success: false, error: MESSAGES.unavailable }
    case "invalid":
      return { success: false, error: MESSAGES.invalid }
    case "exists":
      return { success: false, error: MESSAGES.exists }
    case "rejected":
      return {
        success: false,
        error: typeof answer.message === "string" ? answer.message : "Password rejected",
      }
    case "throttled":
      return { success: false, error: MESSAGES.throttled }
    default:
      // "unavailable", a refused token, a timeout, an answer we do not know.
      return { success: false, error: MESSAGES.unavailable }
  }
}

module.exports = { answerFor, MESSAGES }
