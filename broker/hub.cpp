// The hub's tables and routing (see hub.hpp). Broker thread only.
#include "broker/hub.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "protocol/limits.hpp"

namespace smq {
namespace {

Frame encode(const std::string& bytes) { return Frame::copy_of(bytes); }

Frame ack_frame(PacketType type, bool accepted, std::uint32_t id, std::string_view name) {
  std::string out;
  append_ack(out, type, accepted, id, name);
  return encode(out);
}

template <typename T>
void erase_value(std::vector<T>& v, const T& value) {
  const auto it = std::find(v.begin(), v.end(), value);
  if (it != v.end()) {
    *it = v.back();
    v.pop_back();
  }
}

}  // namespace

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::websocket: return "websocket";
    case Transport::raw: return "raw";
    case Transport::local: return "local";
  }
  return "?";
}

Hub::Hub(Logger& log, Hooks hooks, HubLimits limits)
    : log_(log), hooks_(std::move(hooks)), limits_(limits) {}

std::uint32_t Hub::draw_id(bool subtopic) {
  // A 32-bit draw collides with a million used ids one time in four thousand; this many
  // collisions in a row means the source is not random (a replaced source stuck on a value).
  constexpr int max_draws = 64;
  for (int draw = 0; draw < max_draws; ++draw) {
    std::uint32_t id = 0;
    if (!random({reinterpret_cast<std::uint8_t*>(&id), sizeof id})) return 0;
    // 0 means "none" on the wire and 1 is reserved for the in-process client.
    if (id <= 1) continue;
    if (subtopic ? subtopic_names_.contains(id) : ids_.contains(id)) continue;
    return id;
  }
  ++stats_.random_failures;
  log_.error("random source gave {} used ids in a row: no id drawn", max_draws);
  return 0;
}

bool Hub::random(std::span<std::uint8_t> out) {
  bool ok = false;
  try {
    ok = hooks_.random_bytes ? hooks_.random_bytes(out) : system_random(out);
  } catch (const std::exception& e) {
    log_.error("random source threw: {}", e.what());
  } catch (...) {
    log_.error("random source threw an unknown exception");
  }
  if (!ok) {
    ++stats_.random_failures;
    log_.error("random source failed: no id or seed drawn, the request is refused");
  }
  return ok;
}

template <typename R, typename Call>
R Hub::run_hook(std::string_view hook, const Peer* peer, bool contain, R fallback, Call&& call) {
  std::string what;
  try {
    return call();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  ++stats_.hook_errors;
  const bool network = peer == nullptr || peer->transport != Transport::local;
  // The session that received the packet ends its own connection and logs why.
  if (network && !contain) throw HookError(fmt::format("{} hook threw: {}", hook, what));
  log_.error("{} hook threw for etid {:#x}: {}; carrying on", hook, peer ? peer->etid : 0,
             printable(what, 200));
  return fallback;
}

void Hub::send(Peer& peer, Frame frame) { peer.deliver(frame); }

void Hub::send_change(Peer& to, std::uint32_t id, std::uint32_t count) {
  std::string out;
  append_change(out, id, count);
  to.deliver(encode(out));
}

// ---- connection life cycle --------------------------------------------------------------

AuthResult Hub::authenticate(const ConnectInfo& info) {
  if (!hooks_.authenticate) return {};
  const AuthResult refused{ConnackCode::unavailable, "internal error"};
  return run_hook<AuthResult>("authenticate", nullptr, false, refused,
                              [&] { return hooks_.authenticate(info); });
}

std::uint32_t Hub::register_peer(Peer& peer) {
  std::uint32_t etid = 0;
  if (const auto it = uids_.find(peer.uid); it != uids_.end()) {
    // Same UID again: the old connection is replaced and its ETID handed over, so that
    // peers replying to the old ETID reach the new connection.
    Peer& old = *it->second;
    etid = old.etid;
    log_.info("etid {:#x}: replaced by a new connection with the same uid", etid);
    unregister_peer(old, CloseReason::reconnect);
    old.close(CloseReason::reconnect);
  } else {
    etid = draw_id(false);
    if (etid == 0) return 0;
  }
  peer.etid = etid;
  uids_.emplace(peer.uid, &peer);  // first: if it throws, nothing points at the peer yet
  ids_[etid].peer = &peer;
  peer.registered = true;
  peer.connected_at = std::chrono::system_clock::now();
  return etid;
}

void Hub::connected(Peer& peer) {
  if (!hooks_.on_connect || !peer.registered) return;
  run_hook("on_connect", &peer, false, false, [&] {
    hooks_.on_connect(peer);
    return true;
  });
}

std::uint32_t Hub::register_local(Peer& peer, bool random_etid) {
  peer.etid = random_etid ? draw_id(false) : 1;
  if (peer.etid == 0) throw std::runtime_error("no random bytes for the server client's ETID");
  ids_[peer.etid].peer = &peer;
  peer.registered = true;
  return peer.etid;
}

void Hub::unregister_peer(Peer& peer, CloseReason reason) {
  if (!peer.registered) return;
  if (hooks_.on_close) {
    // Contained: the connection ends either way, and the teardown below must complete.
    run_hook("on_close", &peer, true, false, [&] {
      hooks_.on_close(peer, reason);
      return true;
    });
  }
  peer.registered = false;
  if (const auto it = uids_.find(peer.uid); it != uids_.end() && it->second == &peer) {
    uids_.erase(it);
  }
  while (!peer.subscriptions.empty()) {
    remove_subscriber(peer, peer.subscriptions.back().first);
  }
  for (const std::uint32_t id : peer.observing) {
    if (const auto it = ids_.find(id); it != ids_.end()) erase_value(it->second.observers, &peer);
  }
  peer.observing.clear();
  if (auto node = ids_.extract(peer.etid)) {
    // Observers of this ETID learn that the client is gone; their registrations end.
    std::string out;
    append_change(out, peer.etid, 0);
    const Frame gone = encode(out);
    for (Peer* observer : node.mapped().observers) {
      erase_value(observer->observing, peer.etid);
      observer->deliver(gone);
    }
  }
}

bool Hub::disconnect(std::uint32_t etid, std::string_view text) {
  Peer* peer = find_peer(etid);
  if (peer == nullptr || peer->transport == Transport::local) return false;
  log_.info("etid {:#x}: disconnected by the server: {}", etid, printable(text));
  unregister_peer(*peer, CloseReason::admin);
  peer->close(CloseReason::admin, text);
  return true;
}

// ---- subscriptions ----------------------------------------------------------------------

bool Hub::charge_name(Peer* creator) {
  if (creator == nullptr || creator->transport == Transport::local) return true;
  if (creator->names_created >= limits_.max_names_per_connection) {
    log_.debug("etid {:#x}: new name denied, {} created (max_names_per_connection)",
               creator->etid, creator->names_created);
    return false;
  }
  ++creator->names_created;
  return true;
}

std::uint32_t Hub::ensure_topic(std::string_view name, Peer* creator) {
  if (const auto it = topic_ids_.find(name); it != topic_ids_.end()) return it->second;
  if (!name_allowed(name) || topic_ids_.size() >= limits_.max_topics) return 0;
  const std::uint32_t tid = draw_id(false);
  if (tid == 0 || !charge_name(creator)) return 0;
  name_bytes_ += 2 * name.size() + name_entry_overhead;
  auto& entry = ids_[tid];
  entry.topic = std::make_unique<Topic>();
  entry.topic->name = std::string(name);
  entry.topic->reserved = name.starts_with(reserved_prefix);
  topic_ids_.emplace(std::string(name), tid);
  return tid;
}

void Hub::notify_count(std::uint32_t tid, const IdEntry& entry) {
  if (entry.observers.empty()) return;
  std::string out;
  append_change(out, tid, static_cast<std::uint32_t>(entry.topic->subscribers.size()));
  const Frame change = encode(out);
  for (Peer* observer : entry.observers) observer->deliver(change);
}

bool Hub::add_subscriber(Peer& peer, std::uint32_t tid, IdEntry& entry) {
  for (const auto& s : peer.subscriptions) {
    if (s.first == tid) return false;
  }
  auto& subs = entry.topic->subscribers;
  peer.subscriptions.emplace_back(tid, static_cast<std::uint32_t>(subs.size()));
  subs.push_back(&peer);
  notify_count(tid, entry);
  return true;
}

bool Hub::remove_subscriber(Peer& peer, std::uint32_t tid) {
  const auto mine = std::find_if(peer.subscriptions.begin(), peer.subscriptions.end(),
                                 [tid](const auto& s) { return s.first == tid; });
  if (mine == peer.subscriptions.end()) return false;
  const std::uint32_t slot = mine->second;
  *mine = peer.subscriptions.back();
  peer.subscriptions.pop_back();

  auto& entry = ids_.at(tid);
  auto& subs = entry.topic->subscribers;
  // Swap-remove, then tell the peer that moved into the hole about its new slot.
  Peer* moved = subs.back();
  subs[slot] = moved;
  subs.pop_back();
  if (moved != &peer) {
    for (auto& s : moved->subscriptions) {
      if (s.first == tid) s.second = slot;
    }
  }
  notify_count(tid, entry);
  return true;
}

bool Hub::permits_topic(std::string_view name, bool is_subscribe, Peer& peer) {
  if (!hooks_.permit_topic) return true;
  return run_hook("permit_topic", &peer, false, false,
                  [&] { return hooks_.permit_topic(name, is_subscribe, peer); });
}

bool Hub::permits_subtopic(std::string_view name, Peer& peer) {
  if (!hooks_.permit_subtopic) return true;
  return run_hook("permit_subtopic", &peer, false, false,
                  [&] { return hooks_.permit_subtopic(name, peer); });
}

void Hub::subscribe(Peer& peer, std::string_view name) {
  if (const std::uint32_t tid = find_topic(name); tid != 0) {
    for (const auto& s : peer.subscriptions) {
      if (s.first == tid) {
        // Clients resend Subscribe freely; a duplicate is acknowledged and nothing else.
        log_.debug("etid {:#x}: already subscribed to {:#x}", peer.etid, tid);
        send(peer, ack_frame(PacketType::suback, true, tid, name));
        return;
      }
    }
  }
  if (peer.transport != Transport::local &&
      peer.subscriptions.size() >= limits_.max_subscriptions_per_connection) {
    log_.debug("etid {:#x}: subscribe denied, {} subscriptions (max_subscriptions_per_connection)",
               peer.etid, peer.subscriptions.size());
    send(peer, ack_frame(PacketType::suback, false, 0, name));
    return;
  }
  if (peer.permissions && !peer.permissions->may_subscribe(name)) {
    ++stats_.denied_subscribes;
    log_.debug("etid {:#x}: subscribe to {} denied by the permissions", peer.etid, printable(name));
    send(peer, ack_frame(PacketType::suback, false, 0, name));
    return;
  }
  if (!name_allowed(name) || !permits_topic(name, true, peer)) {
    send(peer, ack_frame(PacketType::suback, false, 0, name));
    return;
  }
  const std::uint32_t tid = ensure_topic(name, &peer);
  if (tid == 0) {
    send(peer, ack_frame(PacketType::suback, false, 0, name));
    return;
  }
  add_subscriber(peer, tid, ids_.at(tid));  // Change goes out before the Suback
  send(peer, ack_frame(PacketType::suback, true, tid, name));
}

void Hub::create(Peer& peer, std::string_view name) {
  std::uint32_t tid = 0;
  // Create is what a client asks before publishing by name: refused where it may not publish.
  if (peer.permissions && !peer.permissions->may_publish(name)) {
    ++stats_.denied_creates;
    log_.debug("etid {:#x}: create {} denied by the permissions", peer.etid, printable(name));
  } else if (name_allowed(name) && permits_topic(name, false, peer)) {
    tid = ensure_topic(name, &peer);
  }
  send(peer, ack_frame(PacketType::createack, tid != 0, tid, name));
}

void Hub::createsub(Peer& peer, std::string_view name) {
  std::uint32_t id = find_subtopic(name);
  if (id == 0 && name_allowed(name) && permits_subtopic(name, peer)) {
    id = ensure_subtopic(name, &peer);
  }
  send(peer, ack_frame(PacketType::createsuback, id != 0, id, name));
}

void Hub::unsubscribe(Peer& peer, std::uint32_t tid) {
  // Only named topics: Unsubscribe of an ETID (sent by some clients for "self") is ignored
  // so that direct delivery keeps working.
  if (!is_topic(tid) || !remove_subscriber(peer, tid)) {
    log_.debug("etid {:#x}: unsubscribe {:#x} ignored (not subscribed)", peer.etid, tid);
  }
}

// ---- observers --------------------------------------------------------------------------

bool Hub::observe_id(Peer& peer, std::uint32_t id) {
  const auto it = ids_.find(id);
  if (it == ids_.end()) return false;
  auto& observers = it->second.observers;
  if (std::find(observers.begin(), observers.end(), &peer) == observers.end()) {
    observers.push_back(&peer);
    peer.observing.push_back(id);
  }
  if (it->second.topic) {
    send_change(peer, id, static_cast<std::uint32_t>(it->second.topic->subscribers.size()));
  }
  return true;
}

void Hub::observe(Peer& peer, std::uint32_t id) {
  if (id == peer.etid) return;  // observing yourself is meaningless: ignored entirely
  if (peer.permissions) {
    // A denied Observe looks like one of an unknown id: a zero count, nothing registered.
    const auto it = ids_.find(id);
    const bool allowed =
        it == ids_.end() || (it->second.topic ? peer.permissions->may_observe(it->second.topic->name)
                                              : peer.permissions->direct());
    if (!allowed) {
      ++stats_.denied_observes;
      log_.debug("etid {:#x}: observe {:#x} denied by the permissions", peer.etid, id);
      send_change(peer, id, 0);
      return;
    }
  }
  // Unknown or departed ids are answered at once with a zero count, not registered.
  if (!observe_id(peer, id)) send_change(peer, id, 0);
}

void Hub::unobserve(Peer& peer, std::uint32_t id) { drop_observer(peer, id); }

void Hub::drop_observer(Peer& peer, std::uint32_t id) {
  if (const auto it = ids_.find(id); it != ids_.end()) erase_value(it->second.observers, &peer);
  erase_value(peer.observing, id);
}

// ---- publish ----------------------------------------------------------------------------

std::size_t Hub::publish(Peer& peer, const Message& message, Frame frame) {
  const auto it = ids_.find(message.tid);
  if (it != ids_.end() && it->second.topic && it->second.topic->reserved &&
      peer.transport != Transport::local) {
    // Broker topics such as "$smq/stats" carry what the broker says; clients may listen,
    // not speak there.
    log_.debug("etid {:#x}: publish to reserved topic {} dropped", peer.etid,
               printable(it->second.topic->name));
    return 0;
  }
  if (peer.permissions && it != ids_.end() && !may_publish(peer, message.tid, it->second)) {
    ++stats_.denied_publishes;
    return 0;
  }
  if (hooks_.on_publish &&
      !run_hook("on_publish", &peer, false, false,
                [&] { return hooks_.on_publish(message, peer); })) {
    return 0;
  }
  ++stats_.published;
  std::size_t received = 0;
  if (it != ids_.end()) {
    if (!frame) {
      std::string out;
      append_publish(out, message.tid, message.ptid, message.subtid, message.payload);
      frame = encode(out);
    }
    if (it->second.topic) {
      ++it->second.topic->messages;
      // The same frame goes to every subscriber, the publisher included if subscribed.
      for (Peer* subscriber : it->second.topic->subscribers) {
        received += subscriber->deliver(frame) ? 1 : 0;
      }
      // The broker's own reports ("$smq/stats" to dashboards), which are shown apart from
      // the clients' load. Here, on a topic already in cache, the check costs one branch.
      if (it->second.topic->reserved) [[unlikely]] {
        ++stats_.reserved_published;
        stats_.reserved_delivered += received;
        stats_.reserved_bytes_out += received * frame.size();
      }
    } else if (it->second.peer) {
      received = it->second.peer->deliver(frame) ? 1 : 0;
    }
  }
  stats_.delivered += received;
  if (received == 0) {
    ++stats_.dropped;
    if (hooks_.on_drop) {
      run_hook("on_drop", &peer, false, false, [&] {
        hooks_.on_drop(message, peer);
        return true;
      });
    }
  }
  return received;
}

bool Hub::may_publish(Peer& peer, std::uint32_t tid, const IdEntry& entry) {
  if (entry.topic) {
    // Decided once per topic and client, so a client that learned a TID by subscribing
    // cannot publish there without the right, at the cost of one lookup per message.
    return peer.permissions->may_publish_tid(
        tid, [&](std::uint32_t) { return std::string_view(entry.topic->name); });
  }
  // A client's own ETID is always its own to use; others' need the `direct` right.
  return tid == peer.etid || peer.permissions->direct();
}

// ---- server-side API --------------------------------------------------------------------

std::uint32_t Hub::topic_id(std::string_view name) { return ensure_topic(name); }

std::uint32_t Hub::subtopic_id(std::string_view name) { return ensure_subtopic(name); }

std::uint32_t Hub::ensure_subtopic(std::string_view name, Peer* creator) {
  if (const auto it = subtopic_ids_.find(name); it != subtopic_ids_.end()) return it->second;
  if (!name_allowed(name) || subtopic_ids_.size() >= limits_.max_subtopics) return 0;
  const std::uint32_t id = draw_id(true);
  if (id == 0 || !charge_name(creator)) return 0;
  name_bytes_ += 2 * name.size() + name_entry_overhead;
  subtopic_ids_.emplace(std::string(name), id);
  subtopic_names_.emplace(id, std::string(name));
  return id;
}

bool Hub::subscribe_tid(Peer& peer, std::uint32_t tid) {
  const auto it = ids_.find(tid);
  if (it == ids_.end() || !it->second.topic) return false;
  add_subscriber(peer, tid, it->second);
  return true;
}

void Hub::unsubscribe_tid(Peer& peer, std::uint32_t tid) {
  if (is_topic(tid)) remove_subscriber(peer, tid);
}

std::string_view Hub::topic_name(std::uint32_t tid) const {
  const auto it = ids_.find(tid);
  return it != ids_.end() && it->second.topic ? std::string_view(it->second.topic->name)
                                              : std::string_view();
}

std::uint32_t Hub::find_topic(std::string_view name) const {
  const auto it = topic_ids_.find(name);
  return it == topic_ids_.end() ? 0 : it->second;
}

std::string_view Hub::subtopic_name(std::uint32_t id) const {
  const auto it = subtopic_names_.find(id);
  return it == subtopic_names_.end() ? std::string_view() : std::string_view(it->second);
}

std::uint32_t Hub::find_subtopic(std::string_view name) const {
  const auto it = subtopic_ids_.find(name);
  return it == subtopic_ids_.end() ? 0 : it->second;
}

bool Hub::is_topic(std::uint32_t id) const {
  const auto it = ids_.find(id);
  return it != ids_.end() && it->second.topic != nullptr;
}

Peer* Hub::find_peer(std::uint32_t etid) const {
  const auto it = ids_.find(etid);
  return it == ids_.end() ? nullptr : it->second.peer;
}

std::size_t Hub::subscriber_count(std::uint32_t tid) const {
  const auto it = ids_.find(tid);
  return it != ids_.end() && it->second.topic ? it->second.topic->subscribers.size() : 0;
}

std::vector<Peer*> Hub::peers() const {
  std::vector<Peer*> out;
  out.reserve(uids_.size());
  for (const auto& [uid, peer] : uids_) out.push_back(peer);
  return out;
}

}  // namespace smq
