// effect-app: the application alone (no health server, no Redis): the reference for effect-app+health.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { AppLive } from "./effect-app-layer.mjs"

NodeRuntime.runMain(Layer.launch(AppLive))
