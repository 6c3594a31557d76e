"use strict"

// The HTTP client for hashless' provider routes: one keep-alive agent, a deadline per
// call, and every failure to get an answer turned into { outcome: "unavailable" }.

const http = require("node:http")
const https = require("node:https")

const TOKEN_HEADER = "x-hashless-provider-token"
const PREFIX = "/medusa-v2/provider/"

class HashlessClient {
  /**
   * @param {{url: string, token: string, timeoutMs?: number, maxSockets?: number}} options
   */
  constructor({ url, token, timeoutMs = 5000, maxSockets = 64 }) {
    if (!url) {
      throw new Error("hashless provider: the hashless URL is not set (option url or HASHLESS_URL)")
    }
    if (!token || token.length < 16) {
      throw new Error(
        "hashless provider: HASHLESS_PROVIDER_TOKEN (option token) must be set to the secret hashless has, at least 16 characters"
      )
    }
    this.base = new URL(url)
    this.token = token
    this.timeoutMs = timeoutMs
    this.transport = this.base.protocol === "https:" ? https : http
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets })
  }

  /**
   * POST a JSON body to one provider route; resolves to hashless' answer, or to
   * { outcome: "unavailable" } when none came in time. Never rejects.
   * @param {string} route
   * @param {object} body
   * @returns {Promise<{status: number, outcome: string, [key: string]: unknown}>}
   */
  call(route, body) {
    const payload = Buffer.from(JSON.stringify(body))
    const target = new URL(PREFIX + route, this.base)
    return new Promise((resolve) => {
      let settled = false
      const settle = (answer) => {
        if (!settled) {
          settled = true
          resolve(answer)
        }
      }
      const unavailable = (reason) => settle({ status: 0, outcome: "unavailable", reason })
      const request = this.transport.request(
        target,
        {
          method: "POST",
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            "content-type": "application/json",
            "content-length": payload.length,
            [TOKEN_HEADER]: this.token,
          },
        },
        (response) => {
          const chunks = []
          response.on("data", (chunk) => chunks.push(chunk))
          response.on("error", () => unavailable("response"))
          response.on("end", () => {
            let answer
            try {
              answer = JSON.parse(Buffer.concat(chunks).toString("utf8"))
            } catch {
              return unavailable("unreadable answer")
            }
            const outcome = typeof answer?.outcome === "string" ? answer.outcome : "error"
            settle({ ...answer, status: response.statusCode, outcome })
          })
        }
      )
      // One deadline for the whole exchange, not only for idle sockets.
      const deadline = setTimeout(() => {
        unavailable("timeout")
        request.destroy()
      }, this.timeoutMs)
      request.on("close", () => clearTimeout(deadline))
      request.on("timeout", () => {
        unavailable("timeout")
        request.destroy()
      })
      request.on("error", (error) => unavailable(error.code || "network"))
      request.end(payload)
    })
  }

  close() {
    this.agent.destroy()
  }
}

module.exports = { HashlessClient, TOKEN_HEADER }
