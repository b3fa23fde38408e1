// lightship: its own probe server on BENCH_PORT (lightship binds 0.0.0.0; the bench connects to 127.0.0.1),
// ready/not ready set from the cached flag of redis-flag.mjs. Lightship's routes are its own: readiness is
// GET /ready (200 "SERVER_IS_READY", 500 "SERVER_IS_NOT_READY": 500, not 503), liveness /live, /health for
// people; the bench probes /ready where the others are probed on /readyz.
import { createLightship } from "lightship"
import { connectRedis, settings, startPingLoop } from "./redis-flag.mjs"

const lightship = await createLightship({
  port: settings.port,
  detectKubernetes: false, // otherwise, outside Kubernetes, lightship listens on a random port
  shutdownDelay: 0,
  gracefulShutdownTimeout: 2000,
  shutdownHandlerTimeout: 1000
})

const client = await connectRedis()
const flag = startPingLoop(client, (healthy) => healthy ? lightship.signalReady() : lightship.signalNotReady())
lightship.registerShutdownHandler(async () => {
  flag.stop()
  client.disconnect()
})
lightship.signalReady() // the flag starts healthy, as in the other servers
