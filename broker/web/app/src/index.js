// Overview page: shows how to reach this broker and keeps a client connected so that the
// header shows the connection state (and `SMQ` / `smq` are there for the console).
import { SMQ, connect } from "./common.js";

const wsUrl = SMQ.wsURL("./");
const host = location.host;
document.getElementById("ws-url").textContent = wsUrl;
document.getElementById("raw-host").textContent = host;
document.getElementById("raw-url").textContent = `${location.protocol}//${host}/`;
document.getElementById("raw-request").textContent = `GET / HTTP/1.1\r\nHost: ${host}\r\nSimpleMQ: 1\r\n\r\n`.replaceAll("\r", "");

const etidLine = document.getElementById("etid-line");
connect({
  up: (etid) => (etidLine.textContent = `This page is connected as ETID ${etid}.`),
  down: () => (etidLine.textContent = ""),
});
