// terminus: @godaddy/terminus on a node:http server, its /readyz health check reading the cached flag of
// redis-flag.mjs (resolves when healthy, throws when not: terminus answers 200 or 503, with JSON bodies).
import { createTerminus } from "@godaddy/terminus"
import * as Http from "node:http"
import { connectRedis, settings, startPingLoop } from "./redis-flag.mjs"

const client = await connectRedis()
const flag = startPingLoop(client)

const server = Http.createServer((_request, response) => {
  response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" })
  response.end("Not Found")
})
createTerminus(server, {
  healthChecks: {
    "/readyz": async () => {
      if (!flag.isHealthy()) throw new Error("redis is unhealthy")
    }
  },
  signal: "SIGTERM",
  timeout: 1000,
  onSignal: async () => {
    flag.stop()
    client.disconnect()
  }
})
server.listen(settings.port, "127.0.0.1")
