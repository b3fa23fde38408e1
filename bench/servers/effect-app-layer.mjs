// The application of effect-app and effect-app+health: an Effect app that already serves HTTP with
// @effect/platform, a router with one route, GET /app, served by NodeHttpServer on 127.0.0.1:APP_PORT.
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { createServer } from "node:http"

export const AppLive = Layer.unwrapEffect(
  Effect.map(Config.port("APP_PORT"), (port) =>
    HttpRouter.empty.pipe(
      HttpRouter.get("/app", HttpServerResponse.text("hello")),
      HttpServer.serve(),
      Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
    ))
)
