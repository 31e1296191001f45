#pragma once
// A provider on loopback for unit tests that need the real upstream client: accepts connections
// on the caller's io_context and answers every request with the same canned HTTP response,
// keeping each request it read (head and body) for the test to inspect.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <vector>

namespace sluice::testing_support {

class LoopbackUpstream {
 public:
  // `response`: the whole HTTP response, head and body, sent as it is.
  LoopbackUpstream(boost::asio::io_context& io, std::string response)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        response_(std::move(response)) {
    boost::asio::co_spawn(io, accept(), boost::asio::detached);
  }
  ~LoopbackUpstream() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(co_await acceptor_.async_accept(
          boost::asio::redirect_error(boost::asio::use_awaitable, ec)));
      if (ec) co_return;
      boost::asio::co_spawn(acceptor_.get_executor(), serve(socket), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket) {
    boost::asio::streambuf buffer;
    boost::system::error_code ec;
    for (;;) {
      const std::size_t head = co_await boost::asio::async_read_until(
          *socket, buffer, "\r\n\r\n", boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
      std::string text(boost::asio::buffers_begin(buffer.data()),
                       boost::asio::buffers_begin(buffer.data()) + static_cast<long>(head));
      buffer.consume(head);
      std::size_t length = 0;
      if (auto at = text.find("\r\ncontent-length: "); at != std::string::npos) {
        length = std::stoul(text.substr(at + 18));
      } else if (auto at2 = text.find("\r\nContent-Length: "); at2 != std::string::npos) {
        length = std::stoul(text.substr(at2 + 18));
      }
      while (buffer.size() < length) {
        co_await boost::asio::async_read(
            *socket, buffer, boost::asio::transfer_at_least(1),
            boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) co_return;
      }
      text.append(boost::asio::buffers_begin(buffer.data()),
                  boost::asio::buffers_begin(buffer.data()) + static_cast<long>(length));
      buffer.consume(length);
      requests_.push_back(std::move(text));
      co_await boost::asio::async_write(
          *socket, boost::asio::buffer(response_),
          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  std::string response_;
  std::vector<std::string> requests_;
};

}  // namespace sluice::testing_support
