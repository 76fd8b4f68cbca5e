// Second build step: the JavaScript client as one classic script, dist/smq.js, defining the
// global `SMQ` like the reference smq.js does (for pages that use <script src="/smq.js">
// rather than ES modules). @msgpack/msgpack is bundled in.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../../..");

export default defineConfig({
  root: here,
  publicDir: false,
  resolve: { dedupe: ["@msgpack/msgpack"] },
  build: {
    outDir: "dist",
    emptyOutDir: false,  // runs after the pages' build into the same folder
    target: "es2022",
    lib: {
      entry: resolve(repo, "clients/js/src/smq-global.js"),
      name: "SMQ",
      formats: ["iife"],
      fileName: () => "smq.js",
    },
  },
});
