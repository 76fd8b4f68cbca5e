// An outside program embedding the broker: the README's embedding example, built by
// tests/package/embed_test.py against an installed smq (find_package). Main thread.
// Usage: embed [LISTEN [MONITOR]] (default 127.0.0.1:9700, monitoring off).
#include <broker/broker.hpp>
#include <broker/local_client.hpp>

int main(int argc, char** argv) {
  smq::BrokerOptions options;
  options.listen = {argc > 1 ? argv[1] : "127.0.0.1:9700"};
  if (argc > 2) options.monitor = argv[2];  // /healthz, /varz, /metrics
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& c) -> smq::AuthResult {
    return c.credentials == "secret"
               ? smq::AuthResult{}
               : smq::AuthResult{smq::ConnackCode::bad_credentials, "wrong password"};
  };
  smq::Broker broker(options, hooks);
  broker.server().subscribe("hello", [&](const smq::Delivery& m) {
    broker.server().publish("hi there", m.ptid);  // reply to the publisher's ETID
  });
  broker.start();
  broker.run();  // until stop(); or broker.start_thread() to keep this thread
}
