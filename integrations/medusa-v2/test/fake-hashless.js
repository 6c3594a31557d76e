"use strict"

// A stand-in for hashless' provider routes: answers what the test scripts, records
// what it was sent.

const http = require("node:http")

async function fakeHashless(handler) {
  const calls = []
  const server = http.createServer((request, response) => {
    const chunks = []
    request.on("data", (chunk) => chunks.push(chunk))
    request.on("end", async () => {
      const call = {
        path: request.url,
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"),
      }
      calls.push(call)
      const answer = await handler(call)
      if (answer === "hang") {
        return
      }
      if (answer === "garbage") {
        response.writeHead(502, { "content-type": "text/html" })
        return response.end("<html>bad gateway</html>")
      }
      response.writeHead(answer.status ?? 200, { "content-type": "application/json" })
      response.end(JSON.stringify(answer.body))
    })
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  }
}

const TOKEN = "test-provider-token-0123456789"

module.exports = { fakeHashless, TOKEN }
