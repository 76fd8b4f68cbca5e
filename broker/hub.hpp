// The hub: topic TIDs and client ETIDs in one id table, sub-topic ids in their own,
// subscriptions, observers, routing and hooks (smq-wire.md sections 1.3, 3, 4). It knows
// nothing about sockets: it talks to Peers. Lives on the broker thread only; no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/frame.hpp"
#include "broker/hooks.hpp"
#include "broker/log.hpp"
#include "broker/peer.hpp"

namespace smq {

// Topics under this prefix belong to the broker (e.g. "$smq/stats"): clients may subscribe
// and observe, but only the in-process client publishes there.
inline constexpr std::string_view reserved_prefix = "$smq/";

// Names one network connection may create (new topics by Subscribe/Create, new sub-topics by
// Createsub). Names live as long as the broker, so without a per-connection cap one client
// could use up max_topics / max_subtopics and deny everyone else a name. Ten thousand is far
// more than any application's name set; the in-process client is exempt (server code).
inline constexpr std::size_t default_max_names_per_connection = 10'000;

// Topics one network connection may be subscribed to at once. Each subscription is a slot in
// the topic's subscriber list and in the client's own, and leaving costs one step per
// subscription on the loop thread: a client holding a million would stall everyone when it
// disconnects. Applications subscribe to a handful; the in-process client is exempt.
inline constexpr std::size_t default_max_subscriptions_per_connection = 10'000;

// Estimated bytes one name-table entry costs besides its name: two hash nodes with their
// std::string headers (the name is kept in both directions), bucket slots, and for topics
// the Topic and id-table entry. Used only for the stats' "name_bytes" estimate.
inline constexpr std::size_t name_entry_overhead = 160;

struct HubLimits {
  // Names longer than this are denied (ack status 1): no application needs kilobyte names,
  // and every name is kept for the broker's lifetime.
  std::size_t max_name = 4096;
  // Topic TIDs and sub-topic ids live as long as the broker, so their number is capped.
  std::size_t max_topics = 1'000'000;
  std::size_t max_subtopics = 1'000'000;
  // See default_max_names_per_connection; beyond it requests for new names are denied
  // (ack status 1) while existing names are still acknowledged.
  std::size_t max_names_per_connection = default_max_names_per_connection;
  // See default_max_subscriptions_per_connection; beyond it a Subscribe to a topic the
  // client is not yet subscribed to is denied (ack status 1).
  std::size_t max_subscriptions_per_connection = default_max_subscriptions_per_connection;
};

struct HubStats {
  std::uint64_t published = 0;  // approved publishes
  std::uint64_t delivered = 0;  // copies queued to recipients
  std::uint64_t dropped = 0;    // publishes nobody received
  // The part of the above on reserved topics ("$smq/stats" to dashboards): the broker's
  // own reports, which a dashboard shows apart from the clients' load. Bytes are the SMQ
  // frames queued, without transport framing.
  std::uint64_t reserved_published = 0;
  std::uint64_t reserved_delivered = 0;
  std::uint64_t reserved_bytes_out = 0;
  std::uint64_t hook_errors = 0;      // hook calls that threw (see hooks.hpp)
  std::uint64_t callback_errors = 0;  // in-process client callbacks that threw
  std::uint64_t random_failures = 0;  // the random source could not deliver
  // Requests the client's permissions ([[acl]] or its token) refused: Subscribe and Create
  // answered with status 1, Publish dropped, Observe answered with a zero count.
  std::uint64_t denied_subscribes = 0;
  std::uint64_t denied_creates = 0;
  std::uint64_t denied_publishes = 0;
  std::uint64_t denied_observes = 0;
};

class Hub {
 public:
  Hub(Logger& log, Hooks hooks, HubLimits limits = {});
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // ---- connection life cycle ----------------------------------------------------------

  // Runs the authenticate hook.
  AuthResult authenticate(const ConnectInfo& info);
  // Registers an authenticated peer and assigns its ETID. A live peer with the same UID is
  // torn down first (it gets Disconnect "reconnect") and its ETID passes to `peer`. Returns
  // 0, registering nothing, when no random ETID could be drawn.
  std::uint32_t register_peer(Peer& peer);
  // Runs on_connect; called once the Connack is queued, so hook output follows it.
  void connected(Peer& peer);
  // Registers the in-process client with a fixed ETID (1 unless random was asked for).
  // Throws std::runtime_error when a random one was asked for and none could be drawn.
  std::uint32_t register_local(Peer& peer, bool random_etid);
  // Full teardown: on_close, ETID and UID removed, topics left (with Changes), ETID observers
  // told Change(etid, 0), observer registrations dropped. Idempotent.
  void unregister_peer(Peer& peer, CloseReason reason);
  // The operator's kick: the network client with this ETID is unregistered (as above) and
  // closed with CloseReason::admin, so it gets SMQ Disconnect `text` (over WebSocket then
  // Close 1000). Returns false when no network client has this ETID. The only way for
  // server code to end a connection.
  bool disconnect(std::uint32_t etid, std::string_view text);

  // ---- packets ------------------------------------------------------------------------

  void subscribe(Peer& peer, std::string_view name);
  void create(Peer& peer, std::string_view name);
  void createsub(Peer& peer, std::string_view name);
  void unsubscribe(Peer& peer, std::uint32_t tid);
  void observe(Peer& peer, std::uint32_t id);
  void unobserve(Peer& peer, std::uint32_t id);

  // A Publish from `peer` (already ETID-checked and size-checked by the caller). `frame`
  // is the packet in raw framing if the caller already has it; otherwise the hub encodes it.
  // Returns the number of recipients.
  std::size_t publish(Peer& peer, const Message& message, Frame frame = {});

  // ---- randomness and errors ----------------------------------------------------------

  // Fills `out` from the random source (Hooks::random_bytes or system_random). On failure
  // logs, counts (HubStats::random_failures) and returns false.
  bool random(std::span<std::uint8_t> out);
  // The in-process client counts its callbacks' exceptions here, with the hooks'.
  void note_callback_error() { ++stats_.callback_errors; }

  // ---- server-side API (in-process client and admin) ----------------------------------

  // Topic TID for a name, creating it if needed (no permit hook: server code is trusted).
  // Returns 0 when the name is over the limits.
  std::uint32_t topic_id(std::string_view name);
  std::uint32_t subtopic_id(std::string_view name);
  // Subscribe/unsubscribe by TID without acks (the in-process client).
  bool subscribe_tid(Peer& peer, std::uint32_t tid);
  void unsubscribe_tid(Peer& peer, std::uint32_t tid);
  // Observe without the "own ETID" rule's reply; returns false for unknown ids.
  bool observe_id(Peer& peer, std::uint32_t id);

  // Name maps; empty / 0 when unknown.
  std::string_view topic_name(std::uint32_t tid) const;
  std::uint32_t find_topic(std::string_view name) const;
  std::string_view subtopic_name(std::uint32_t id) const;
  std::uint32_t find_subtopic(std::string_view name) const;
  bool is_topic(std::uint32_t id) const;
  Peer* find_peer(std::uint32_t etid) const;
  std::size_t subscriber_count(std::uint32_t tid) const;
  std::size_t peer_count() const { return uids_.size(); }
  // True while a connection with this UID is registered (its successor replaces it).
  bool has_uid(std::string_view uid) const { return uids_.find(uid) != uids_.end(); }
  // Every registered network peer (not the in-process client).
  std::vector<Peer*> peers() const;
  const HubStats& stats() const { return stats_; }
  // A reload's new limits; names already created stay.
  void set_limits(const HubLimits& limits) { limits_ = limits; }
  std::size_t topic_count() const { return topic_ids_.size(); }
  std::size_t subtopic_count() const { return subtopic_ids_.size(); }
  // Estimate of the memory the topic and sub-topic name tables hold: every name twice (both
  // directions) plus name_entry_overhead per entry.
  std::size_t name_bytes() const { return name_bytes_; }
  // Calls f(tid, name, subscriber count, messages published to it) for every named topic.
  template <typename F>
  void for_each_topic_traffic(F&& f) const {
    for (const auto& [name, tid] : topic_ids_) {
      const Topic& topic = *ids_.at(tid).topic;
      f(tid, std::string_view(name), topic.subscribers.size(), topic.messages);
    }
  }
  // Calls f(tid, name, subscriber count) for every named topic.
  template <typename F>
  void for_each_topic(F&& f) const {
    for (const auto& [name, tid] : topic_ids_) f(tid, std::string_view(name), subscriber_count(tid));
  }

 private:
  struct Topic {
    std::string name;
    std::vector<Peer*> subscribers;
    bool reserved = false;  // under "$smq/": only server code may publish there
    std::uint64_t messages = 0;  // approved publishes to it (for /topicz)
  };
  // One row of the shared TID/ETID namespace.
  struct IdEntry {
    std::unique_ptr<Topic> topic;  // set for named topics
    Peer* peer = nullptr;          // set for live clients
    std::vector<Peer*> observers;
  };

  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using NameMap = std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>>;

  // A fresh random id (not 0 or 1, unused), or 0 when the random source failed.
  std::uint32_t draw_id(bool subtopic);
  // Runs `call` (a hook). If it throws: logged with the hook's name and counted; then for a
  // network peer the exception goes on as HookError (the session ends that connection),
  // unless `contain` is set, and otherwise `fallback` is returned.
  template <typename R, typename Call>
  R run_hook(std::string_view hook, const Peer* peer, bool contain, R fallback, Call&& call);
  // Existing id, or a new one; 0 over the limits. `creator` (null for server code) is charged
  // for a new name against max_names_per_connection.
  std::uint32_t ensure_topic(std::string_view name, Peer* creator = nullptr);
  std::uint32_t ensure_subtopic(std::string_view name, Peer* creator = nullptr);
  // The permit hooks (true without a hook; a throwing hook as run_hook says).
  bool permits_topic(std::string_view name, bool is_subscribe, Peer& peer);
  bool permits_subtopic(std::string_view name, Peer& peer);
  // The client's permissions for a Publish to `entry` (true without permissions).
  bool may_publish(Peer& peer, std::uint32_t tid, const IdEntry& entry);
  // False when `creator` may not add one more name (it is charged when this returns true).
  bool charge_name(Peer* creator);
  void send(Peer& peer, Frame frame);
  void send_change(Peer& to, std::uint32_t id, std::uint32_t count);
  void notify_count(std::uint32_t tid, const IdEntry& entry);
  bool add_subscriber(Peer& peer, std::uint32_t tid, IdEntry& entry);
  bool remove_subscriber(Peer& peer, std::uint32_t tid);
  void drop_observer(Peer& peer, std::uint32_t id);
  bool name_allowed(std::string_view name) const { return name.size() <= limits_.max_name; }

  Logger& log_;
  Hooks hooks_;
  HubLimits limits_;
  std::unordered_map<std::uint32_t, IdEntry> ids_;
  NameMap topic_ids_;
  NameMap subtopic_ids_;
  std::unordered_map<std::uint32_t, std::string> subtopic_names_;
  std::unordered_map<std::string, Peer*, NameHash, std::equal_to<>> uids_;
  HubStats stats_;
  std::size_t name_bytes_ = 0;
};

}  // namespace smq
