// Exposes the client as the global `SMQ`, like the reference smq.js script.
// This file is an ES module; a bundler turns it into a classic <script> build.
import SMQ from "./smq.js";

globalThis.SMQ = SMQ;

export default SMQ;
