#include "api/inbound.hpp"

namespace sluice::api {
namespace {

// A stream writer for dialects whose events do not depend on each other.
class StatelessWriter : public StreamWriter {
 public:
  StatelessWriter(const InboundApi& api, const model::Request& request)
      : api_(api), request_(request) {}
  std::string event(model::StreamEvent& event) override {
    return api_.render_stream_event(request_, event);
  }
  std::string end() override { return std::string(api_.stream_end()); }
  std::string error(const Error& error) override { return api_.render_stream_error(error); }

 private:
  const InboundApi& api_;
  const model::Request& request_;
};

}  // namespace

std::unique_ptr<StreamWriter> InboundApi::stream_writer(const model::Request& request) const {
  return std::make_unique<StatelessWriter>(*this, request);
}

}  // namespace sluice::api
