// effect-app+ioredis: effect-app (effect-app.mjs) that also owns a connected ioredis client, as an app that uses
// Redis does: the health server's premise (ioredis is the library's peer dependency; the application owns its
// client). Measured for start-up and idle RSS only: the reference that shows what the health server adds to such
// an app, beside what it adds to effect-app alone (where it also brings ioredis).
import { Redis } from "ioredis"
import "./effect-app.mjs"

new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379")
