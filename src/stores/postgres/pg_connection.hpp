#pragma once
// One libpq connection. Statements are prepared once per connection under a name and then only
// executed (the server plans them once); parameters and results travel as text; a failure is a
// PgError with the server's message and SQLSTATE. A connection the server dropped is reopened
// on its next use. Blocking: used from the ledger writer, the blocking pool and the CLI only.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace sluice::stores::postgres {

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error("postgres: " + message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// Statement parameters, in order ($1, $2, …), as text.
class Params {
 public:
  Params& text(std::string_view v);
  Params& integer(std::int64_t v);
  Params& real(double v);
  Params& boolean(bool v);
  Params& null();
  int size() const { return static_cast<int>(values_.size()); }
  // Pointers for libpq: NUL-terminated strings, or null for SQL NULL.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

class Result {
 public:
  explicit Result(pg_result* r) : r_(r) {}
  ~Result();
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;

  int rows() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;  // integer columns, and numeric sums of them
  double real(int row, int col) const;
  bool boolean(int row, int col) const;
  std::int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched

 private:
  pg_result* r_;
};

class Connection {
 public:
  // `url`: a postgresql:// URL or key=value string. Throws PgError when the server cannot be
  // reached; the message names the host, never the password.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL text as is (several statements allowed, no parameters): migrations, BEGIN/COMMIT.
  void exec(const char* sql);
  // Runs the statement prepared under `name`, preparing it on this connection's first use.
  Result prepared(const char* name, const char* sql, const Params& params);
  // Runs a one-off statement with parameters (queries whose text varies).
  Result query(const std::string& sql, const Params& params);

  // True once the server has gone away from this session (it is reopened on the next call).
  bool lost() const;
  // Statements that succeeded on this connection so far.
  std::uint64_t succeeded() const { return succeeded_; }

 private:
  void ensure_open();
  Result checked(pg_result* r);

  pg_conn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
  std::uint64_t succeeded_ = 0;
};

}  // namespace sluice::stores::postgres
