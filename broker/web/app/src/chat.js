// Chat, the SMQ way.
//
// - A room is a topic. Room messages: JSON {nick, text} published to the room (sub-topic 0).
// - Joining: subscribe to the room, then publish {nick, room} to the room with sub-topic
//   "join". Every member answers the newcomer directly (to its ETID, the message's ptid)
//   with sub-topic "here" and {nick, room}.
// - Presence: each member observes the ETIDs of the others (ETID supervision); the broker
//   sends Change(etid, 0) once when that client goes (tab closed, network lost), and the
//   member is removed. An explicit "Leave" also publishes sub-topic "leave".
// - Private messages: published to the member's ETID with sub-topic "private".
// - The room's subscriber count comes from observing the room topic.
// All user text reaches the DOM through textContent only.
import { connect, clock, h } from "./common.js";

const $ = (id) => document.getElementById(id);
const ui = {
  joinForm: $("join-form"),
  nick: $("nick"),
  room: $("room"),
  join: $("join"),
  leave: $("leave"),
  roomInfo: $("room-info"),
  error: $("chat-error"),
  messages: $("messages"),
  compose: $("compose"),
  target: $("target"),
  text: $("text"),
  send: $("send"),
  members: $("members"),
  memberCount: $("member-count"),
  roomCount: $("room-count"),
};

const MAX_NICK = 40;
const MAX_TEXT = 2000;
const MAX_LOG = 500;

/** @type {{room: string, nick: string} | null} */
let joined = null;
let joinGeneration = 0;
/** etid -> {nick, li} */
const members = new Map();
/** ETID the next message goes to privately, or null for the room. */
let target = null;

// ----- connection -----------------------------------------------------------------------

let online = false; // to report a lost connection once, not on every failed retry

const smq = connect({
  up: (etid, first) => {
    online = true;
    renderSelf();
    if (!first && joined) {
      // After a reconnect the ETIDs may be new (broker restart): rebuild the member list
      // from fresh "here" answers. Subscriptions and the room observer are restored by the
      // client itself.
      clearMembers();
      announce(joined);
      system(`reconnected as ETID ${etid}`);
    }
  },
  down: (message, canReconnect) => {
    if (joined && online) system(`connection lost (${message})${canReconnect ? ", reconnecting…" : ""}`);
    online = false;
  },
});

// Direct messages to this page (its ETID): "here" answers and private messages. These are
// local registrations ("self" needs no Subscribe) and stay for the page's lifetime.
smq.subscribe("self", "here", {
  datatype: "json",
  onmsg: (m, ptid) => {
    if (!joined || !isObject(m) || m.room !== joined.room) return; // answer for an old room
    addMember(ptid, m.nick);
  },
});
smq.subscribe("self", "private", {
  datatype: "json",
  onmsg: (m, ptid) => {
    if (!isObject(m)) return;
    const nick = cleanNick(m.nick) || members.get(ptid)?.nick || `ETID ${ptid}`;
    show({ kind: "private-in", nick, text: cleanText(m.text), label: "private" });
  },
});

// ----- joining and leaving ----------------------------------------------------------------

const params = new URLSearchParams(location.search);
ui.nick.value = cleanNick(params.get("nick")) || localStorage.getItem("smq.chat.nick") || `guest-${Math.floor(1000 + Math.random() * 9000)}`;
ui.room.value = params.get("room") || localStorage.getItem("smq.chat.room") || "chat/lobby";

ui.joinForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const nick = cleanNick(ui.nick.value);
  const room = ui.room.value.trim();
  if (!nick) return showError("Please choose a nickname.");
  if (!room || room === "self") return showError('Please choose a room name (any topic name except "self").');
  localStorage.setItem("smq.chat.nick", nick);
  localStorage.setItem("smq.chat.room", room);
  join(room, nick);
});
ui.leave.addEventListener("click", () => leave());

async function join(room, nick) {
  if (joined) leave();
  showError(null);
  const generation = ++joinGeneration;
  joined = { room, nick };
  ui.messages.replaceChildren();
  ui.roomInfo.textContent = `joining ${room}…`;
  setJoinedUI(true);
  try {
    // Subscribe first, then announce: the broker handles one client's packets in order,
    // so by the time anybody sees our "join" we receive their "here" answers.
    await Promise.all([
      smq.subscribe(room, { datatype: "json", onmsg: onRoomMessage }),
      smq.subscribe(room, "join", { datatype: "json", onmsg: onJoin }),
      smq.subscribe(room, "leave", { datatype: "json", onmsg: onLeave }),
      smq.observe(room, (count) => {
        if (joined?.room === room) ui.roomCount.textContent = String(count);
      }),
    ]);
  } catch (err) {
    if (generation !== joinGeneration) return;
    joined = null;
    setJoinedUI(false);
    ui.roomInfo.textContent = "";
    return showError(`Could not join "${room}": ${err?.message ?? err}`);
  }
  if (generation !== joinGeneration) return;
  ui.roomInfo.textContent = `in ${room} as ${nick}`;
  system(`you joined ${room} as ${nick}`);
  announce(joined);
}

function announce({ room, nick }) {
  smq.pubjson({ nick, room }, room, "join");
}

function leave() {
  if (!joined) return;
  const { room, nick } = joined;
  joinGeneration++;
  joined = null;
  try {
    smq.pubjson({ nick, room }, room, "leave");
    smq.unobserve(room);
    smq.unsubscribe(room);
  } catch (err) {
    console.warn(err);
  }
  clearMembers();
  setJoinedUI(false);
  ui.roomCount.textContent = "–";
  ui.roomInfo.textContent = "";
  system(`you left ${room}`);
}

function setJoinedUI(on) {
  ui.leave.disabled = !on;
  ui.text.disabled = !on;
  ui.send.disabled = !on;
  ui.text.placeholder = on ? "Message the room" : "Join a room to chat";
  if (!on) setTarget(null);
  renderSelf();
}

// ----- incoming room traffic --------------------------------------------------------------

function onRoomMessage(m, ptid) {
  if (!joined || !isObject(m)) return;
  const mine = ptid === smq.gettid();
  const nick = cleanNick(m.nick) || members.get(ptid)?.nick || `ETID ${ptid}`;
  show({ kind: "room", nick, text: cleanText(m.text), mine });
}

function onJoin(m, ptid) {
  if (!joined || !isObject(m) || ptid === smq.gettid()) return;
  const isNew = !members.has(ptid);
  addMember(ptid, m.nick);
  if (isNew) system(`${members.get(ptid).nick} joined`);
  smq.pubjson({ nick: joined.nick, room: joined.room }, ptid, "here");
}

function onLeave(m, ptid) {
  if (!joined || ptid === smq.gettid()) return;
  removeMember(ptid, "left the room", true);
}

// ----- member list --------------------------------------------------------------------------

function addMember(etid, rawNick) {
  if (etid === smq.gettid()) return;
  const nick = cleanNick(rawNick) || `ETID ${etid}`;
  const known = members.get(etid);
  if (known) {
    known.nick = nick;
    known.button.textContent = nick;
    return;
  }
  const button = h("button", { type: "button", text: nick, title: `ETID ${etid}: click for a private message` });
  button.addEventListener("click", () => setTarget(target === etid ? null : etid));
  const li = h("li", { dataset: { etid: String(etid) } }, button);
  members.set(etid, { nick, li, button });
  ui.members.append(li);
  renderCount();
  // ETID supervision: the broker tells us once, with count 0, when this client goes.
  smq.observe(etid, (count) => {
    if (count === 0) removeMember(etid, "left (connection closed)", false);
  });
}

function removeMember(etid, why, unobserve) {
  const m = members.get(etid);
  if (!m) return;
  members.delete(etid);
  m.li.remove();
  if (unobserve) smq.unobserve(etid);
  if (target === etid) setTarget(null);
  renderCount();
  if (joined) system(`${m.nick} ${why}`);
}

function clearMembers() {
  for (const etid of [...members.keys()]) {
    const m = members.get(etid);
    members.delete(etid);
    m.li.remove();
    try {
      smq.unobserve(etid);
    } catch {
      // client closed: nothing to undo
    }
  }
  setTarget(null);
  renderCount();
}

function renderSelf() {
  let me = ui.members.querySelector("li.me");
  if (!joined) {
    me?.remove();
    return;
  }
  if (!me) {
    me = h("li", { className: "me" });
    ui.members.prepend(me);
  }
  me.dataset.etid = String(smq.gettid());
  me.textContent = `${joined.nick} (you)`;
  renderCount();
}

function renderCount() {
  ui.memberCount.textContent = joined ? `(${members.size + 1})` : "";
}

// ----- sending ------------------------------------------------------------------------------

function setTarget(etid) {
  target = etid !== null && members.has(etid) ? etid : null;
  for (const [id, m] of members) m.li.classList.toggle("target", id === target);
  if (target === null) {
    ui.target.hidden = true;
    ui.target.replaceChildren();
    ui.text.placeholder = joined ? "Message the room" : "Join a room to chat";
  } else {
    const nick = members.get(target).nick;
    const cancel = h("button", { type: "button", text: "×", title: "back to the room" });
    cancel.addEventListener("click", () => setTarget(null));
    ui.target.replaceChildren(`private to ${nick}`, cancel);
    ui.target.hidden = false;
    ui.text.placeholder = `Private message to ${nick}`;
  }
  ui.text.focus();
}

ui.compose.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = cleanText(ui.text.value);
  if (!joined || !text) return;
  try {
    if (target !== null) {
      const to = members.get(target);
      smq.pubjson({ nick: joined.nick, text }, target, "private");
      // Direct messages are not echoed back: show our own copy here.
      show({ kind: "private-out", nick: joined.nick, text, label: `private to ${to.nick}`, mine: true });
    } else {
      smq.pubjson({ nick: joined.nick, text }, joined.room); // shown when it comes back
    }
    ui.text.value = "";
  } catch (err) {
    showError(`Not sent: ${err?.message ?? err}`);
  }
});

// ----- rendering --------------------------------------------------------------------------

function show({ kind, nick, text, label, mine = false }) {
  const li = h(
    "li",
    { className: mine ? "mine" : "", dataset: { kind } },
    h("span", { className: "time", text: clock() }),
    label ? h("span", { className: "tag", text: label }) : null,
    h("span", { className: "nick", text: nick }),
    h("span", { className: "text", text }),
  );
  append(li);
}

function system(text) {
  append(h("li", { dataset: { kind: "system" } }, h("span", { className: "time", text: clock() }), text));
}

function append(li) {
  const log = ui.messages;
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 30;
  log.append(li);
  while (log.childElementCount > MAX_LOG) log.firstElementChild.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function showError(text) {
  ui.error.hidden = !text;
  ui.error.textContent = text ?? "";
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function cleanNick(v) {
  return typeof v === "string" ? v.trim().slice(0, MAX_NICK) : "";
}

function cleanText(v) {
  return typeof v === "string" ? v.trim().slice(0, MAX_TEXT) : "";
}
