// baseline (and baseline-aa, the same file run a second time as an A/A control): a minimal node:http server
// answering GET /readyz from the cached flag of redis-flag.mjs: 200 "Ready" or 503 "Service Unavailable",
// text/plain, Cache-Control: no-store, as the library answers. Anything else: 404.
import * as Http from "node:http"
import { connectRedis, settings, startPingLoop } from "./redis-flag.mjs"

const client = await connectRedis()
const flag = startPingLoop(client)

const server = Http.createServer((request, response) => {
  if (request.url === "/readyz" && request.method === "GET") {
    const ready = flag.isHealthy()
    response.writeHead(ready ? 200 : 503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" })
    response.end(ready ? "Ready" : "Service Unavailable")
  } else {
    response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" })
    response.end("Not Found")
  }
})
server.listen(settings.port, "127.0.0.1")
// A normal exit on SIGTERM, so that Node writes its compile cache (baseline+compile-cache's priming start).
process.on("SIGTERM", () => process.exit(0))
