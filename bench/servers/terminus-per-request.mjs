// terminus-per-request: @godaddy/terminus whose /readyz health check sends a PING to Redis on every request
// (bounded by the same 1 s timeout, no cache, no hysteresis): the common design the cached flag replaces.
import { createTerminus } from "@godaddy/terminus"
import * as Http from "node:http"
import { connectRedis, settings, withTimeout } from "./redis-flag.mjs"

const client = await connectRedis()

const server = Http.createServer((_request, response) => {
  response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" })
  response.end("Not Found")
})
createTerminus(server, {
  healthChecks: {
    "/readyz": async () => {
      await withTimeout(client.ping(), settings.timeoutMs)
    }
  },
  signal: "SIGTERM",
  timeout: 1000,
  onSignal: async () => client.disconnect()
})
server.listen(settings.port, "127.0.0.1")
