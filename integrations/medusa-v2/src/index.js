"use strict"

// Register in medusa-config under @medusajs/medusa/auth with id "emailpass", in place
// of Medusa's own emailpass provider:
//   { resolve: "@hashless/medusa-auth-provider", id: "emailpass", options: { url } }

const { ModuleProvider, Modules } = require("@medusajs/framework/utils")
const { HashlessAuthService } = require("./service")
const { HashlessClient } = require("./client")
const { answerFor, MESSAGES } = require("./answers")
const { forgetDeletedCustomer } = require("./middleware")

Object.defineProperty(exports, "__esModule", { value: true })
exports.default = ModuleProvider(Modules.AUTH, { services: [HashlessAuthService] })
exports.HashlessAuthService = HashlessAuthService
exports.HashlessClient = HashlessClient
exports.answerFor = answerFor
exports.MESSAGES = MESSAGES
exports.forgetDeletedCustomer = forgetDeletedCustomer
