// The JavaScript side of the C++ <-> JS msgpack interop test (js_interop_test.cpp): our JS
// client (clients/js) on Node, connected over WebSocket. It subscribes to "interop/to-js"
// with the msgpack datatype, prints "ready" once the broker acknowledged, and answers the
// first value it receives on "interop/to-cpp" with the same value changed in ways the C++
// side checks (name suffixed, count + 1, a tag added, raw bytes reversed). Exits after
// answering, or after 15 s.
// Usage: node js_peer.mjs ws://127.0.0.1:PORT/
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const clientDir = resolve(here, "../../clients/js");
// Node 18 and 20 have no global WebSocket: use the `ws` package the JS client's tests install.
const require = createRequire(resolve(clientDir, "package.json"));
const WebSocket = require("ws");
const { default: SMQ } = await import(resolve(clientDir, "src/smq.js"));

const giveUp = setTimeout(() => {
  console.error("js_peer: no message within 15 s");
  process.exit(3);
}, 15_000);

const smq = new SMQ.Client(process.argv[2], { WebSocket, reconnect: false });
smq.onconnect = async () => {
  await smq.subscribe("interop/to-js", {
    datatype: "msgpack",
    onmsg: (value) => {
      const answer = {
        ...value,
        name: `${value.name} via js`,
        count: value.count + 1,
        tags: [...value.tags, "js"],
        raw: Uint8Array.from(value.raw).reverse(),
      };
      smq.pubmsgpack(answer, "interop/to-cpp");
      // Let the publish leave before closing.
      setTimeout(() => {
        clearTimeout(giveUp);
        smq.close();
        process.exit(0);
      }, 200);
    },
  });
  console.log("ready");
};
