// The application of effect4-app and effect4-app+health, the Effect 4 twin of ../servers/effect-app-layer.mjs:
// an Effect 4 app that already serves HTTP, a router with one route, GET /app (HttpRouter of effect/http),
// served by @effect/platform-node 4's NodeHttpServer on 127.0.0.1:APP_PORT. Effect 4's HttpRouter.serve logs
// every request, and the address it listens on, unless told not to; the Effect 3 app logs neither, so both are
// disabled here.
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"

export const AppLive = Layer.unwrap(
  Effect.map(
    Config.Port("APP_PORT"),
    (port) =>
      HttpRouter.serve(HttpRouter.add("GET", "/app", HttpServerResponse.text("hello")), {
        disableLogger: true,
        disableListenLog: true
      }).pipe(
        Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
      )
  )
)
