// Hello5: publish to "hello"; the broker's example server code (smq-broker --hello5)
// answers with five direct messages to this page's ETID, one per second. They arrive on
// the "self" subscription.
import { connect, clock, h } from "./common.js";

const form = document.getElementById("hello-form");
const input = document.getElementById("hello-text");
const clear = document.getElementById("hello-clear");
const replies = document.getElementById("replies");
const warning = document.getElementById("hello-warning");

let sentAt = null; // performance.now() of the last publish

const smq = connect();

// Direct messages to our ETID (sub-topic 0) as text.
smq.subscribe("self", {
  datatype: "text",
  onmsg: (text, ptid) => {
    const delta = sentAt === null ? "" : `+${((performance.now() - sentAt) / 1000).toFixed(2)} s`;
    const from = ptid === 1 ? "server (ETID 1)" : `ETID ${ptid}`;
    replies.append(
      h(
        "li",
        { className: "reply", dataset: { ptid: String(ptid) } },
        h("span", { className: "time", text: clock() }),
        h("span", { className: "delta", text: delta }),
        h("span", { className: "text", text, title: `from ${from}` }),
      ),
    );
  },
});

// Is server code listening on "hello"? (The count includes the server client.)
smq.observe("hello", (count) => {
  warning.hidden = count > 0;
});

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = input.value;
  sentAt = performance.now();
  smq.publish(text, "hello");
  replies.append(
    h(
      "li",
      { className: "sent" },
      h("span", { className: "time", text: clock() }),
      h("span", { className: "delta", text: "sent" }),
      h("span", { className: "text", text: `“${text}” published to hello` }),
    ),
  );
});

clear.addEventListener("click", () => {
  replies.replaceChildren();
  sentAt = null;
});
