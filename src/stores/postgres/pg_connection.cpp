#include "stores/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace sluice::stores::postgres {

namespace {

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown error" : s;
}

}  // namespace

Params& Params::text(std::string_view v) {
  values_.emplace_back(std::string(v));
  return *this;
}

Params& Params::integer(std::int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}

Params& Params::real(double v) {
  char buf[32];
  values_.emplace_back(std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr));
  return *this;
}

Params& Params::boolean(bool v) {
  values_.emplace_back(v ? "t" : "f");
  return *this;
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

Result::~Result() { PQclear(r_); }

int Result::rows() const { return PQntuples(r_); }

bool Result::null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }

std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::int64_t Result::integer(int row, int col) const {
  const char* p = PQgetvalue(r_, row, col);
  const char* end = p + PQgetlength(r_, row, col);
  std::int64_t v = 0;
  std::from_chars(p, end, v);  // a numeric SUM reads up to its (absent) decimal point
  return v;
}

double Result::real(int row, int col) const {
  return std::strtod(PQgetvalue(r_, row, col), nullptr);
}

bool Result::boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }

std::int64_t Result::affected() const { return std::strtoll(PQcmdTuples(r_), nullptr, 10); }

Connection::Connection(const std::string& url) {
  // Defaults first: the URL's own settings, expanded from dbname, override them.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "sluice", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (conn_ == nullptr) throw PgError("out of memory", "");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError(message, "08001");
  }
  // Notices ("relation … already exists, skipping" from the migration) are not worth a line on
  // the gateway's stderr; errors come back as results and are thrown.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::ensure_open() {
  if (PQstatus(conn_) == CONNECTION_OK) return;
  // The server restarted or the network dropped us: reconnect once; statements prepared on the
  // old session are gone with it.
  prepared_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) throw PgError(trimmed(PQerrorMessage(conn_)), "08006");
}

Result Connection::checked(pg_result* r) {
  if (r == nullptr) throw PgError(trimmed(PQerrorMessage(conn_)), "");
  const auto status = PQresultStatus(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    ++succeeded_;
    return Result(r);
  }
  std::string message = trimmed(PQresultErrorMessage(r));
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string sqlstate = state ? state : "";
  PQclear(r);
  throw PgError(message, std::move(sqlstate));
}

bool Connection::lost() const { return PQstatus(conn_) != CONNECTION_OK; }

void Connection::exec(const char* sql) {
  ensure_open();
  checked(PQexec(conn_, sql));
}

Result Connection::prepared(const char* name, const char* sql, const Params& params) {
  ensure_open();
  if (!prepared_.contains(name)) {
    checked(PQprepare(conn_, name, sql, 0, nullptr));
    prepared_.insert(name);
  }
  const auto values = params.pointers();
  return checked(PQexecPrepared(conn_, name, params.size(), values.data(), nullptr, nullptr, 0));
}

Result Connection::query(const std::string& sql, const Params& params) {
  ensure_open();
  const auto values = params.pointers();
  return checked(
      PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(), nullptr, nullptr, 0));
}

}  // namespace sluice::stores::postgres
